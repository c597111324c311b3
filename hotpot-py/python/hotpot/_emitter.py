"""``Emitter``: background delivery that never blocks the caller, and its exit handler.

The class is a thin subclass of the native one (its methods run in Rust, on the Rust
``hotpot_client::Emitter``); it exists to give the constructor a real signature, to add the
context manager, and to enrol each emitter for the exit handler.

At interpreter exit every emitter still running is shut down with a budget of
:data:`_EXIT_TIMEOUT` seconds in all (``atexit``; in a child of ``multiprocessing``'s fork
start method, which leaves with ``os._exit()``, through multiprocessing's own exit
finalizers). Then hotpot's own threads stop calling into Python (``on_error``, the results
of ``AsyncClient`` sends) and the calls under way are waited for: no thread of hotpot calls
into a finalizing interpreter, which would abort the process on Python < 3.14. The handler is
registered on import (``atexit`` is built in: it costs nothing); the rest, with the first
emitter.
"""

from __future__ import annotations

import _thread
import atexit
import sys

from . import _hotpot

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Literal
    from weakref import WeakSet

    from typing_extensions import Self

    from ._api import AsyncClient, Client, Moment
    from ._errors import HotpotError

__all__ = ["Emitter"]

#: Seconds the exit handler gives the emitters still running, all together (they shut down
#: side by side).
_EXIT_TIMEOUT = 2.0


class Emitter(_hotpot.Emitter):
    """Background delivery: :meth:`emit` queues a moment and returns at once; the emitter's
    own thread sends it, retrying through 429s, 5xx answers, timeouts and dropped
    connections (one ``Idempotency-Key`` for every attempt, so a retry never records it
    twice) until it is delivered, fails for good, or its ``deadline`` passes.

    Use it where a moment must never slow down or stall the code that makes it — a web
    service, a worker, a hot loop. Use :meth:`Client.send` instead when you need the
    :class:`Receipt` or the error in the code path that made the moment.

    - ``client``: a :class:`Client` (or :class:`AsyncClient`); the emitter builds its own
      connection from the client's URL, ``timeout`` (per attempt) and ``api_key``. The
      client's ``max_retries`` does not apply: the emitter retries until the ``deadline``.
    - ``capacity``: the most moments waiting to be sent (default 10,000).
    - ``overflow``: what :meth:`emit` does when the queue is full — ``"drop_newest"``
      (default: refuse the new moment with :class:`QueueFullError`), ``"drop_oldest"`` (drop
      the oldest queued moment to make room) or ``"block"`` (wait up to ``block_timeout``
      seconds, default 1, for room, then refuse; the GIL is released meanwhile).
    - ``concurrency``: how many moments are sent at once (default 32; 1 to 4096).
    - ``deadline``: seconds from :meth:`emit` within which a moment must be delivered
      (default 600, 10 minutes); after it, the moment fails, and ``on_error`` gets the last
      attempt's error (a :class:`TransportError`, :class:`ServerError`, ...).
    - ``on_error``: called as ``on_error(moment, exception)`` for every moment that is not
      delivered: a failure (``exception`` is the :class:`HotpotError` a send would have
      raised: :class:`WebhookError`, :class:`RejectedError`, :class:`TimeoutError`, ...) or
      a drop (a :class:`DroppedError`, whose ``reason`` says why). It runs on the emitter's
      thread (or on the thread calling :meth:`emit` or :meth:`shutdown`, for the drops they
      cause): keep it short and never block in it. An exception it raises is reported
      through ``sys.unraisablehook``; the emitter carries on.

    Every moment given to :meth:`emit` ends up delivered, failed or dropped, and
    :meth:`stats` counts each. Call :meth:`shutdown` before the process exits (or use the
    emitter as a context manager); otherwise the exit handler gives every emitter 2 seconds
    in all. After ``os.fork()`` the child's emitter starts afresh: its own thread, an empty
    queue, counters at zero; the parent's queue is sent by the parent only.

    >>> emitter = Emitter(Client.from_env(), on_error=log_failure)  # doctest: +SKIP
    >>> emitter.emit(Moment("Disk 91% full on db-1", "alert"))  # doctest: +SKIP
    >>> emitter.shutdown(timeout=5)  # doctest: +SKIP
    {'emitted': 1, 'delivered': 1, 'failed': 0, 'dropped': 0, 'still_queued': 0, ...}
    """

    __slots__ = ()
    __module__ = "hotpot"

    def __new__(
        cls,
        client: Client | AsyncClient,
        *,
        capacity: int = 10_000,
        overflow: Literal["drop_newest", "drop_oldest", "block"] = "drop_newest",
        block_timeout: float | None = None,
        concurrency: int = 32,
        deadline: float = 600.0,
        on_error: Callable[[Moment, HotpotError], object] | None = None,
    ) -> Self:
        """Checks the settings (``ConfigError`` or ``TypeError``, naming the argument) and
        starts the emitter's thread."""
        emitter = super().__new__(
            cls,
            client,
            capacity=capacity,
            overflow=overflow,
            block_timeout=block_timeout,
            concurrency=concurrency,
            deadline=deadline,
            on_error=on_error,
        )
        _enrol(emitter)
        return emitter

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Shuts the emitter down (``shutdown()``, at most 10 seconds)."""
        self.shutdown()


# --- the exit handler -------------------------------------------------------------------------

_lock = _thread.allocate_lock()
#: The emitters to shut down at exit; made (and the handlers registered) with the first one.
_live: WeakSet[Emitter] | None = None
#: The exit handler has run in this process.
_exited = False


def _enrol(emitter: Emitter) -> None:
    global _live
    with _lock:
        if _live is None:
            _live = _start_watching()
        _live.add(emitter)


def _start_watching() -> WeakSet[Emitter]:
    import os
    import weakref

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
    _finalize_with_multiprocessing()
    return weakref.WeakSet()


def _finalize_with_multiprocessing() -> None:
    """A child of multiprocessing's fork start method leaves with ``os._exit()``, which skips
    ``atexit``; multiprocessing runs its exit finalizers first, so the handler is one too."""
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.Finalize(None, _at_exit, exitpriority=10)


def _after_fork_in_child() -> None:
    global _lock
    _lock = _thread.allocate_lock()  # another thread may have held it at the fork
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        # multiprocessing clears its finalizers after the fork, then runs these.
        util.register_after_fork(_at_exit, lambda _: _finalize_with_multiprocessing())


def _at_exit() -> None:
    """Shuts down every emitter of this process within :data:`_EXIT_TIMEOUT` seconds, and
    stops hotpot's threads from calling into Python; says (through ``logging``) how many
    moments were left undelivered."""
    global _exited
    with _lock:
        if _exited:
            return
        _exited = True
        emitters = list(_live) if _live is not None else []
    reports = _hotpot._shutdown_at_exit(emitters, _EXIT_TIMEOUT)
    unsent = sum(r["still_queued"] + r["in_flight"] for r in reports)
    if unsent:
        import logging

        logging.getLogger("hotpot").warning(
            "hotpot: %d moment(s) not delivered before exit: the exit handler gives the "
            "emitters %.0f s; call Emitter.shutdown(timeout) before exiting to wait longer",
            unsent,
            _EXIT_TIMEOUT,
        )


atexit.register(_at_exit)
