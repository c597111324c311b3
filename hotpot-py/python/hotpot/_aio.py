"""``AsyncClient``: the one class with Python in it, and only its three coroutine methods.

Everything else — the constructor and its checks, ``from_env``, the settings, the sends
themselves and their cancellation — is the native class it extends. The methods are Python
because only a Python ``async def`` is a coroutine function (``inspect.iscoroutinefunction``,
which frameworks use to tell async callables apart) and makes the coroutine objects that
``asyncio.create_task`` takes. Each awaits what the native class started; when the awaiting
coroutine ends early (cancelled, interrupted), the native side drops the request.
"""

from __future__ import annotations

from ._hotpot import AsyncClient as _NativeAsyncClient

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._enums import MomentType
    from ._hotpot import Moment, MomentFields, Receipt, RequestStatus

__all__ = ["AsyncClient"]


class AsyncClient(_NativeAsyncClient):
    """The asyncio version of :class:`Client`: the same constructor, the same methods as
    coroutines.

    Sends run on hotpot's own worker threads; awaiting one does not block the event loop,
    and cancelling the task that awaits it cancels the request. ``asyncio.gather`` of many
    sends runs them concurrently over pooled connections.

    >>> client = AsyncClient(os.environ["HOTPOT_WEBHOOK_URL"])  # doctest: +SKIP
    >>> await client.send("Failed deploy", "near-miss", source="Deploybot")  # doctest: +SKIP
    """

    __slots__ = ()
    __module__ = "hotpot"

    async def send(
        self, name: str, type: MomentType | str, **fields: Unpack[MomentFields]
    ) -> Receipt:
        """Sends one moment and returns the server's receipt: ``send_moment(Moment(...))``;
        see :meth:`Client.send`. Takes the keywords of :class:`Moment` (``priority``,
        ``source``, ``source_url``, ``description``, ``occurred_at``)."""
        return await self._send(name, type, **fields)

    # The native method this one hands its arguments to, whose signature (the keywords of a
    # moment, written once, in Rust) `inspect.signature` and `help()` show for this one.
    send.__wrapped__ = _NativeAsyncClient._send  # type: ignore[attr-defined]

    async def send_moment(self, moment: Moment) -> Receipt:
        """Sends a :class:`Moment` built earlier and returns the server's receipt."""
        return await self._send_moment(moment)

    async def request_status(self, request_id: str) -> RequestStatus:
        """Looks up what became of a request; needs the client's ``api_key``."""
        return await self._request_status(request_id)
