"""``AsyncClient`` and ``Emitter``: the classes with Python in them, and only their coroutine
methods.

Everything else — the constructor and its checks, ``from_env``, the settings, the sends
themselves and their cancellation — is the native class it extends. The methods are Python
because only a Python ``async def`` is a coroutine function (``inspect.iscoroutinefunction``,
which frameworks use to tell async callables apart) and makes the coroutine objects that
``asyncio.create_task`` takes. Each awaits what the native class started; when the awaiting
coroutine ends early (cancelled, interrupted), the native side drops the request.
"""

from __future__ import annotations

import contextlib
import threading

from ._hotpot import AsyncClient as _NativeAsyncClient
from ._hotpot import Emitter as _NativeEmitter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import Unpack

    from ._enums import MomentType
    from ._hotpot import Moment, MomentFields, Receipt, RequestStatus
    from ._reports import EmitterReport

__all__ = ["AsyncClient", "Emitter"]


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


class Emitter(_NativeEmitter):
    # The native class's docstring (every setting and its default), and the coroutines'.
    __doc__ = (_NativeEmitter.__doc__ or "") + (
        "\n\n:meth:`flush_async` and :meth:`shutdown_async` are :meth:`flush` and :meth:`shutdown`"
        "\nfor asyncio code: they wait on a thread of their own, so the event loop keeps running"
        "\nthe other tasks meanwhile. Cancelling the awaiting task stops the wait, not the flush"
        "\nor shutdown, which ends by its ``timeout``."
        "\n\n>>> report = await emitter.shutdown_async(5.0)  # doctest: +SKIP\n"
    )

    __slots__ = ()
    __module__ = "hotpot"

    async def flush_async(self, timeout: float | None = None) -> EmitterReport:
        """:meth:`flush`, awaited without blocking the event loop."""
        return await _in_thread(self.flush, timeout)

    async def shutdown_async(self, timeout: float | None = None) -> EmitterReport:
        """:meth:`shutdown`, awaited without blocking the event loop."""
        return await _in_thread(self.shutdown, timeout)


async def _in_thread(
    method: Callable[[float | None], EmitterReport], timeout: float | None
) -> EmitterReport:
    """Runs ``method(timeout)`` on a thread of its own (not the loop's default executor, which
    other work may fill) and awaits its result on the running loop."""
    import asyncio

    loop = asyncio.get_running_loop()
    future: asyncio.Future[EmitterReport] = loop.create_future()

    def settle(result: EmitterReport | None, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = method(timeout), None
        except BaseException as e:  # handed to the awaiting task
            result, error = None, e
        # A closed loop (RuntimeError): nobody awaits the result any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="hotpot-emitter-wait", daemon=True).start()
    return await future
