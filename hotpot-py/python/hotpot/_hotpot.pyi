"""The native core of hotpot (Rust). Import from ``hotpot``, not from here.

The defaults written here are those of ``hotpot_client::defaults``, which ``DEFAULTS`` holds at
runtime; ``tests/test_defaults.py`` checks that they agree.
"""

import asyncio
import os
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Generic, Literal, TypedDict, TypeVar, final, type_check_only

from typing_extensions import Self, Unpack, disjoint_base

from ._enums import MomentType, Priority, Urgency
from ._errors import HotpotError
from ._reports import EmitterReport, EmitterStats

__all__ = [
    "__version__",
    "USER_AGENT",
    "DEFAULTS",
    "NAME_MAX_CHARS",
    "Moment",
    "Client",
    "Receipt",
    "RequestStatus",
    "Page",
    "Acknowledgement",
    "ApiClient",
    "AsyncClient",
    "Pending",
    "Emitter",
    "MockServer",
    "send",
    "check",
    "_tasks_in_flight",
    "_shutdown_at_exit",
    "_cli_main",
    "_mock_main",
]

__version__: Final[str]
USER_AGENT: Final[str]
DEFAULTS: Final[dict[str, float]]
#: The longest moment name, in characters (spec §1; ``hotpot_client::moment::rules``).
NAME_MAX_CHARS: Final[int]

@type_check_only
class MomentFields(TypedDict, total=False):
    """The fields of a moment after ``name`` and ``type``, as keywords of ``Moment(...)``,
    ``Client.send``, ``AsyncClient.send`` and ``hotpot.send`` (each may be left out or None)."""

    priority: Priority | str | None
    source: str | None
    source_url: str | None
    description: str | None
    occurred_at: datetime | str | None

@type_check_only
class PageFields(TypedDict, total=False):
    """The keywords of a page after its title and text, as ``ApiClient.page_person`` and
    ``page_team`` take them (each may be left out or None)."""

    urgency: Urgency | str | None
    source_url: str | None

@type_check_only
class OneOffPageFields(PageFields, total=False):
    """The keywords of ``hotpot.page_team`` and ``page_person``: the page's, and the
    ``ApiClient`` they use once."""

    api_key: str | None
    base_url: str | None

@type_check_only
class ApiClientSettings(TypedDict, total=False):
    """The keywords of ``ApiClient(api_key, ...)``, as ``AsyncApiClient`` takes them."""

    base_url: str | None
    timeout: float
    max_retries: int

@type_check_only
class EmitterSettings(TypedDict, total=False):
    """The keywords of ``Emitter(client, ...)``, as ``Emitter.from_env(**settings)`` takes them."""

    capacity: int
    overflow: Literal["drop_newest", "drop_oldest", "block"]
    block_timeout: float | None
    concurrency: int
    delivery_deadline: float
    on_error: Callable[[Moment, HotpotError], object] | None
    spool: str | os.PathLike[str] | None
    sync: Literal["always", "batch", "never"]
    spool_max_bytes: int

@disjoint_base
class Moment:
    def __new__(
        cls,
        name: str,
        type: MomentType | str,
        **fields: Unpack[MomentFields],
    ) -> Self: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> MomentType: ...
    @property
    def priority(self) -> Priority | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def source_url(self) -> str | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def occurred_at(self) -> datetime | None: ...
    def to_dict(self) -> dict[str, str]: ...
    def to_json(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, str]]: ...

@final
class Receipt:
    def __new__(
        cls,
        status_code: int,
        request_id: str | None = None,
        message: str | None = None,
        *,
        attempts: int = 1,
        idempotency_key: str | None = None,
        sunset: datetime | None = None,
    ) -> Self: ...
    @property
    def status_code(self) -> int: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def attempts(self) -> int: ...
    @property
    def idempotency_key(self) -> str: ...
    @property
    def sunset(self) -> datetime | None: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class RequestStatus:
    @property
    def request_id(self) -> str: ...
    @property
    def status(self) -> Literal["accepted", "success", "error"] | str: ...
    @property
    def status_message(self) -> str | None: ...
    @property
    def errors(self) -> list[tuple[str, str]]: ...
    @property
    def message_id(self) -> str | None: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Page:
    def __new__(cls, title: str, text: str, **page: Unpack[PageFields]) -> Self: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def urgency(self) -> Literal["low", "medium", "high"] | None: ...
    @property
    def source_url(self) -> str | None: ...
    def to_dict(self) -> dict[str, str]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Acknowledgement:
    @property
    def acknowledged_at(self) -> datetime: ...
    @property
    def email(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...

@disjoint_base
class ApiClient:
    def __new__(
        cls,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 15.0,
        max_retries: int = 2,
    ) -> Self: ...
    def page_person(
        self, email: str, title: str | Page, text: str | None = None, **page: Unpack[PageFields]
    ) -> Receipt: ...
    def page_team(
        self, slug: str, title: str | Page, text: str | None = None, **page: Unpack[PageFields]
    ) -> Receipt: ...
    def request_status(self, request_id: str) -> RequestStatus: ...
    def acknowledgements(self, request_id: str) -> list[Acknowledgement]: ...
    def wait_for_acknowledgement(
        self, request_id: str, timeout: float, poll_interval: float = 2.0
    ) -> Acknowledgement: ...
    @property
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...

@type_check_only
class _WebhookClient:
    """What ``Client`` and ``AsyncClient`` share: how they are made and their settings."""
    def __new__(
        cls,
        webhook_url: str,
        *,
        timeout: float = 15.0,
        max_retries: int = 2,
        api_key: str | None = None,
        ca_cert: str | os.PathLike[str] | bytes | None = None,
        allow_http: bool = False,
    ) -> Self: ...
    @classmethod
    def from_env(cls, *, allow_http: bool = False) -> Self: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...

@disjoint_base
class Client(_WebhookClient):
    def send(
        self,
        name: str,
        type: MomentType | str,
        **fields: Unpack[MomentFields],
    ) -> Receipt: ...
    def send_moment(self, moment: Moment) -> Receipt: ...
    def request_status(self, request_id: str) -> RequestStatus: ...

def send(
    webhook_url: str,
    name: str,
    type: MomentType | str,
    *,
    allow_http: bool = False,
    **fields: Unpack[MomentFields],
) -> Receipt: ...
def check(payload: dict[str, Any] | str | bytes) -> list[tuple[str, str]]:
    """Every spec §1 problem of a raw payload, as Hotpot's server (and the mock) sees it.

    ``payload`` is a ``dict`` or JSON text (``str`` or ``bytes``). Returns ``(field, message)``
    pairs, the shape of :attr:`ValidationError.errors`, in field order; empty when the payload
    is valid. Unknown fields are not problems. Text that is not JSON is one problem for the
    field ``payload``; a ``dict`` value that cannot be JSON (a ``set``, ``nan``) raises
    ``TypeError`` naming its field.

    >>> hotpot.check({"name": "Failed deploy", "type": "near_miss"})
    [('type', 'expected one of page, alert, near-miss, incident (any case), found "near_miss" (did you mean "near-miss"?)')]
    """  # noqa: E501 - the doctest's output is one line

def _cli_main(argv: list[str]) -> int:
    """Runs the ``hotpot`` command line (``argv[0]`` is the program's name); its exit status."""


def _mock_main(argv: list[str]) -> int:
    """Runs ``python -m hotpot.testing``: the mock server binary's code, flags and variables
    (``argv[0]`` is the program's name); its exit status."""


_T = TypeVar("_T")

@final
class Pending(Generic[_T]):
    """A send under way; awaiting it gives its result (dropping it aborts the send)."""
    def __await__(self) -> Generator[asyncio.Future[Any], None, _T]: ...
    def __next__(self) -> asyncio.Future[Any]: ...

@disjoint_base
class AsyncClient(_WebhookClient):
    """The native half of ``hotpot.AsyncClient``, which adds the coroutine methods."""
    def _send(
        self, name: str, type: MomentType | str, **fields: Unpack[MomentFields]
    ) -> Pending[Receipt]: ...
    def _send_moment(self, moment: Moment) -> Pending[Receipt]: ...
    def _request_status(self, request_id: str) -> Pending[RequestStatus]: ...

def _tasks_in_flight() -> int: ...
@type_check_only
class _ClosedOnExit:
    """A context manager: ``with`` gives the object itself, and closes it on the way out."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

@disjoint_base
class Emitter(_ClosedOnExit):
    def __new__(
        cls,
        client: Client | AsyncClient,
        *,
        capacity: int = 10000,
        overflow: Literal["drop_newest", "drop_oldest", "block"] = "drop_newest",
        block_timeout: float | None = None,
        concurrency: int = 32,
        delivery_deadline: float = 600.0,
        on_error: Callable[[Moment, HotpotError], object] | None = None,
        spool: str | os.PathLike[str] | None = None,
        sync: Literal["always", "batch", "never"] = "batch",
        spool_max_bytes: int = 1073741824,
    ) -> Self: ...
    @classmethod
    def from_env(
        cls, *, allow_http: bool = False, **settings: Unpack[EmitterSettings]
    ) -> Self: ...
    def emit(self, moment: Moment) -> None: ...
    def flush(self, timeout: float | None = None) -> EmitterReport: ...
    def shutdown(self, timeout: float | None = None) -> EmitterReport: ...
    def stats(self) -> EmitterStats: ...
    @property
    def closed(self) -> bool: ...
    @property
    def capacity(self) -> int: ...
    @property
    def overflow(self) -> Literal["drop_newest", "drop_oldest", "block"]: ...

def _shutdown_at_exit() -> tuple[int, int]: ...
@disjoint_base
class MockServer(_ClosedOnExit):
    def __new__(
        cls,
        *,
        strict: bool = False,
        token: str | None = None,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int | None = None,
        max_events: int | None = None,
        public_url: str | None = None,
        oncall: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    ) -> Self: ...
    @property
    def url(self) -> str: ...
    @property
    def webhook_url(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def moments(self, *, token: str | None = None) -> list[dict[str, Any]]: ...
    def events(
        self, *, token: str | None = None, status: Literal["success", "error"] | None = None
    ) -> list[dict[str, Any]]: ...
    def requests(self, *, token: str | None = None) -> list[dict[str, Any]]: ...
    def senders(self, token: str) -> list[dict[str, Any]]: ...
    def rejected(self) -> list[dict[str, Any]]: ...
    def expect_moment(
        self,
        *,
        count: int = 1,
        within: float = 0.0,
        token: str | None = None,
        **fields: str | int | float | bool | dict[str, str] | None,
    ) -> list[dict[str, Any]]: ...
    def event(self, event_id: str) -> dict[str, Any]: ...
    def moment_count(self) -> int: ...
    def event_count(self) -> int: ...
    def dropped_events(self) -> int: ...
    def webhooks(self) -> list[dict[str, Any]]: ...
    def wait_for_events(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]: ...
    def wait_for_moments(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]: ...
    def retry_event(self, event_id: str) -> dict[str, Any]: ...
    def create_webhook(
        self, label: str, type: str = "custom", expires_at: datetime | str | None = None
    ) -> str: ...
    def update_webhook(
        self, token: str, *, label: str | None = None, expires_at: datetime | str | None = ...
    ) -> dict[str, Any]: ...
    def delete_webhook(self, token: str) -> None: ...
    def fail_next(
        self,
        status: int | None = 503,
        *,
        count: int = 1,
        retry_after: float | None = None,
        delay: float | None = None,
        drop_connection: bool = False,
        token: str | None = None,
        route: Literal["moments", "pages"] | None = None,
    ) -> None: ...
    def pending_faults(self) -> int: ...
    def faults(self, *, token: str | None = None) -> list[dict[str, Any]]: ...
    def clear_faults(self, *, token: str | None = None) -> None: ...
    def reset(self, *, webhooks: bool = False, oncall: bool = False) -> None: ...
    def pages(self, *, recipient: str | None = None) -> list[dict[str, Any]]: ...
    def wait_for_pages(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]: ...
    def acknowledge(self, request_id: str, email: str) -> dict[str, Any]: ...
    def add_user(self, email: str, *, name: str | None = None) -> dict[str, Any]: ...
    def add_team(
        self,
        slug: str,
        stages: Sequence[Sequence[str]],
        *,
        name: str | None = None,
        backstop: str | None = None,
        escalate_after_s: int = 300,
        copy: Sequence[str] | None = None,
    ) -> dict[str, Any]: ...
    def users(self) -> list[dict[str, Any]]: ...
    def teams(self) -> list[dict[str, Any]]: ...
    def delete_user(self, email: str) -> None: ...
    def delete_team(self, slug: str) -> None: ...
    def now(self) -> datetime: ...
    def set_clock(self, now: datetime | str) -> None: ...
    def advance_clock(self, seconds: float) -> None: ...
    def reset_clock(self) -> None: ...
    def close(self) -> None: ...
