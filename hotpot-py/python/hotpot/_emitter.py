"""The exit handler of :class:`hotpot.Emitter`, registered on import (the hooks cost nothing).

At interpreter exit every emitter still running is shut down within one budget in all
(``DEFAULTS["exit_shutdown_timeout"]``, 2 s; ``atexit``, or, in a child of
``multiprocessing``'s fork start method, which leaves with ``os._exit()``, multiprocessing's
own exit finalizers). Then hotpot's own threads stop calling into Python (``on_error``, the
results of ``AsyncClient`` sends) and the calls under way are waited for: no thread of hotpot
calls into a finalizing interpreter, which would abort the process on Python < 3.14. The
emitters themselves are enrolled by the native class when they are made.
"""

from __future__ import annotations

import _thread
import atexit
import os
import sys

from . import _hotpot

__all__: list[str] = []

_lock = _thread.allocate_lock()
#: The exit handler has run in this process.
_exited = False


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
    """Shuts down every emitter of this process within the exit budget, and stops hotpot's
    threads from calling into Python; says (through ``logging``) how many moments were left
    undelivered or kept in a spool."""
    global _exited
    with _lock:
        if _exited:
            return
        _exited = True
    unsent, kept = _hotpot._shutdown_at_exit()
    if not (unsent or kept):
        return
    import logging

    if kept:
        logging.getLogger("hotpot").warning(
            "%d hotpot moment(s) not delivered before exit were kept in the spool: the next "
            "emitter on its directory sends them",
            kept,
        )
    if unsent:
        logging.getLogger("hotpot").warning(
            "%d hotpot moment(s) not delivered before exit: the exit handler gives the "
            "emitters %.0f s; call Emitter.shutdown(timeout) before exiting to wait longer",
            unsent,
            _hotpot.DEFAULTS["exit_shutdown_timeout"],
        )


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
_finalize_with_multiprocessing()
