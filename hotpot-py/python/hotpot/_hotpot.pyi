"""The native core of hotpot (Rust). Import from ``hotpot``, not from here."""

import asyncio
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal, final

from typing_extensions import Self, disjoint_base

from ._api import Moment as _PublicMoment
from ._enums import MomentType, Priority
from ._errors import HotpotError
from ._reports import EmitterReport, EmitterStats

__all__ = [
    "__version__",
    "USER_AGENT",
    "Moment",
    "Client",
    "Receipt",
    "RequestStatus",
    "AsyncCore",
    "Task",
    "Emitter",
    "MockCore",
    "send",
    "check",
    "_tasks_in_flight",
    "_shutdown_at_exit",
]

__version__: str
USER_AGENT: str

@disjoint_base
class Moment:
    def __new__(
        cls,
        name: str,
        type: MomentType | str,
        *,
        priority: Priority | str | None = None,
        source: str | None = None,
        source_url: str | None = None,
        description: str | None = None,
        occurred_at: datetime | str | None = None,
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
    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, str | None]]: ...

@final
class Receipt:
    def __new__(
        cls,
        status_code: int,
        request_id: str | None = None,
        message: str | None = None,
        *,
        idempotency_key: str | None = None,
        attempts: int = 1,
    ) -> Self: ...
    @property
    def status_code(self) -> int: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def idempotency_key(self) -> str: ...
    @property
    def attempts(self) -> int: ...
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
    def moment_id(self) -> str | None: ...
    def __eq__(self, other: object, /) -> bool: ...

@disjoint_base
class Client:
    def __new__(
        cls,
        webhook_url: str,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        api_key: str | None = None,
        ca_cert: str | os.PathLike[str] | bytes | None = None,
    ) -> Self: ...
    @classmethod
    def from_env(cls) -> Self: ...
    def send(
        self,
        name: str,
        type: MomentType | str,
        *,
        priority: Priority | str | None = None,
        source: str | None = None,
        source_url: str | None = None,
        description: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> Receipt: ...
    def send_moment(self, moment: Moment) -> Receipt: ...
    def request_status(self, request_id: str) -> RequestStatus: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...

def send(
    webhook_url: str,
    name: str,
    type: MomentType | str,
    *,
    priority: Priority | str | None = None,
    source: str | None = None,
    source_url: str | None = None,
    description: str | None = None,
    occurred_at: datetime | str | None = None,
) -> Receipt: ...
def check(payload: dict[str, Any] | str | bytes) -> list[tuple[str, str]]:
    """Every contract §1 problem of a raw payload, as Hotpot's server (and the mock) sees it.

    ``payload`` is a ``dict`` or JSON text (``str`` or ``bytes``). Returns ``(field, message)``
    pairs, the shape of :attr:`ValidationError.errors`, in field order; empty when the payload
    is valid. Unknown fields are not problems. Text that is not JSON is one problem for the
    field ``payload``; a ``dict`` value that cannot be JSON (a ``set``, ``nan``) raises
    ``TypeError`` naming its field.

    >>> hotpot.check({"name": "Failed deploy", "type": "near_miss"})
    [('type', 'expected one of page, alert, near-miss, incident (any case), found "near_miss" (did you mean "near-miss"?)')]
    """

@final
class Task:
    def abort(self) -> None: ...

@final
class AsyncCore:
    def __new__(
        cls,
        webhook_url: str,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        api_key: str | None = None,
        ca_cert: str | os.PathLike[str] | bytes | None = None,
    ) -> Self: ...
    @staticmethod
    def env() -> tuple[str, str | None]: ...
    def send(
        self,
        name: str,
        type: MomentType | str,
        priority: Priority | str | None = None,
        source: str | None = None,
        source_url: str | None = None,
        description: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> tuple[asyncio.Future[Receipt], Task]: ...
    def send_moment(self, moment: Moment) -> tuple[asyncio.Future[Receipt], Task]: ...
    def request_status(self, request_id: str) -> tuple[asyncio.Future[RequestStatus], Task]: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    def describe(self, class_name: str) -> str: ...

def _tasks_in_flight() -> int: ...
@disjoint_base
class Emitter:
    def __new__(
        cls,
        client: object,
        *,
        capacity: int | None = None,
        overflow: Literal["drop_newest", "drop_oldest", "block"] | None = None,
        block_timeout: float | None = None,
        concurrency: int | None = None,
        deadline: float | None = None,
        on_error: Callable[[_PublicMoment, HotpotError], object] | None = None,
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

def _shutdown_at_exit(emitters: Sequence[Emitter], timeout: float) -> list[EmitterReport]: ...
@final
class MockCore:
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
    def moments(self) -> list[dict[str, Any]]: ...
    def events(self) -> list[dict[str, Any]]: ...
    def webhooks(self) -> list[dict[str, Any]]: ...
    def wait_for_events(self, n: int, timeout: float) -> list[dict[str, Any]]: ...
    def wait_for_moments(self, n: int, timeout: float) -> list[dict[str, Any]]: ...
    def create_webhook(
        self, label: str, type: str, expires_at: datetime | str | None
    ) -> dict[str, Any]: ...
    def fail_next(
        self,
        status: int | None,
        count: int,
        retry_after: float | None,
        delay: float | None,
        drop_connection: bool,
    ) -> None: ...
    def pending_faults(self) -> int: ...
    def event_count(self) -> int: ...
    def clear_faults(self) -> None: ...
    def reset(self, webhooks: bool) -> None: ...
    def now(self) -> datetime: ...
    def set_clock(self, now: datetime | str) -> None: ...
    def advance_clock(self, seconds: float) -> None: ...
    def reset_clock(self) -> None: ...
    def close(self) -> None: ...
