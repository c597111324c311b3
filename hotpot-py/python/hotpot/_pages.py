"""Paging people (spec §14): :class:`AsyncApiClient`, and the one-liners :func:`page_team` and
:func:`page_person` on ``HOTPOT_API_KEY``. :class:`ApiClient` itself is native."""

from __future__ import annotations

import asyncio
import functools
from typing import cast

from ._hotpot import Acknowledgement, ApiClient, Page, Receipt, RequestStatus

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from typing_extensions import ParamSpec, Unpack

    from ._hotpot import ApiClientSettings, OneOffPageFields, PageFields

    _P = ParamSpec("_P")
    _T = TypeVar("_T")

__all__ = ["AsyncApiClient", "page_person", "page_team"]


class AsyncApiClient:
    """:class:`ApiClient` with coroutine methods: the same arguments, awaited. Each call runs
    the blocking client in the event loop's default executor (the native client releases the
    GIL while it waits), so the loop is never blocked.

    >>> api = AsyncApiClient()  # doctest: +SKIP
    >>> receipt = await api.page_team("payments", "Rollback failed", "api 1.4.2")  # doctest: +SKIP
    """

    def __init__(self, api_key: str | None = None, **settings: Unpack[ApiClientSettings]) -> None:
        self._client = ApiClient(api_key, **settings)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._client.base_url

    @property
    def timeout(self) -> float:
        """Seconds allowed for one attempt."""
        return self._client.timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt."""
        return self._client.max_retries

    async def _run(self, call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """``call(*args, **kwargs)`` in the event loop's default executor, awaited."""
        call_it = functools.partial(call, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(None, call_it)

    async def page_person(
        self, email: str, title: str | Page, text: str | None = None, **page: Unpack[PageFields]
    ) -> Receipt:
        """See :meth:`ApiClient.page_person`."""
        return await self._run(self._client.page_person, email, title, text, **page)

    async def page_team(
        self, slug: str, title: str | Page, text: str | None = None, **page: Unpack[PageFields]
    ) -> Receipt:
        """See :meth:`ApiClient.page_team`."""
        return await self._run(self._client.page_team, slug, title, text, **page)

    async def request_status(self, request_id: str) -> RequestStatus:
        """See :meth:`ApiClient.request_status`."""
        return await self._run(self._client.request_status, request_id)

    async def acknowledgements(self, request_id: str) -> list[Acknowledgement]:
        """See :meth:`ApiClient.acknowledgements`."""
        return await self._run(self._client.acknowledgements, request_id)

    async def wait_for_acknowledgement(
        self, request_id: str, timeout: float, poll_interval: float = 2.0
    ) -> Acknowledgement:
        """See :meth:`ApiClient.wait_for_acknowledgement`."""
        return await self._run(
            self._client.wait_for_acknowledgement, request_id, timeout, poll_interval
        )

    # The native methods these hand their arguments to, whose signatures (the page's keywords,
    # written once, in Rust) `inspect.signature` and `help()` show for these.
    page_person.__wrapped__ = ApiClient.page_person  # type: ignore[attr-defined]
    page_team.__wrapped__ = ApiClient.page_team  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return "Async" + repr(self._client)


def page_team(slug: str, title: str, text: str, **fields: Unpack[OneOffPageFields]) -> Receipt:
    """Pages the people on call for the team ``slug`` and returns the :class:`Receipt`: an
    :class:`ApiClient` on ``api_key`` (default ``HOTPOT_API_KEY``) and ``base_url`` (default
    as for :class:`ApiClient`), used once; ``urgency`` and ``source_url`` as for
    :meth:`ApiClient.page_team`."""
    client, page = _one_off(fields)
    return client.page_team(slug, title, text, **page)


def page_person(email: str, title: str, text: str, **fields: Unpack[OneOffPageFields]) -> Receipt:
    """Pages the person ``email`` directly and returns the :class:`Receipt`; see
    :func:`page_team`."""
    client, page = _one_off(fields)
    return client.page_person(email, title, text, **page)


def _one_off(fields: OneOffPageFields) -> tuple[ApiClient, PageFields]:
    """The client a one-liner uses (``api_key`` and ``base_url`` taken out of ``fields``) and
    the page's own keywords (what is left)."""
    client = ApiClient(fields.pop("api_key", None), base_url=fields.pop("base_url", None))
    return client, cast("PageFields", fields)
