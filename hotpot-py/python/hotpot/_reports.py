"""The shapes of the dicts an :class:`~hotpot.Emitter` returns, for type checkers.

Imported on first use, not by ``import hotpot`` (``typing`` costs more than the rest of the
package's import): ``hotpot.EmitterReport`` and ``hotpot.EmitterStats`` load it.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["EmitterReport", "EmitterStats"]


class EmitterReport(TypedDict):
    """What ``Emitter.flush()`` and ``Emitter.shutdown()`` return. The counts are since the
    emitter was built, and add up:
    ``emitted == delivered + failed + dropped + kept + still_queued + in_flight``.

    After ``flush``, ``still_queued`` and ``in_flight`` are moments not settled yet (still
    being delivered). After ``shutdown``, they are the moments it gave up at its timeout
    (each passed to ``on_error``), and ``dropped`` counts the other drops only; with a spool
    those moments stay in it instead, counted as ``kept`` (``still_queued`` and ``in_flight``
    are then 0, and ``on_error`` is not called for them).
    """

    emitted: int
    """Moments handed to ``emit``, refused ones included."""
    delivered: int
    """Answered 2xx by Hotpot."""
    failed: int
    """Given up after a non-retryable answer, or when their delivery deadline passed."""
    dropped: int
    """Given up without an answer: refused by ``emit``, displaced, abandoned."""
    kept: int
    """Given up on by ``shutdown`` with a spool and left in it, for the next emitter on the
    directory to send (0 after ``flush``, and without a spool)."""
    still_queued: int
    """In the queue, never sent."""
    in_flight: int
    """Being sent (Hotpot may have them; none is counted as delivered)."""
    retried: int
    """Retries made (attempts after a moment's first)."""
    recovered: int
    """Of ``emitted``: moments found in the spool when the emitter was made (0 without one)."""
    timed_out: bool
    """Whether the timeout passed before every moment the call waited for had settled."""


class EmitterStats(TypedDict):
    """What ``Emitter.stats()`` returns, one consistent snapshot:
    ``emitted == queued + in_flight + delivered + failed + dropped + kept``."""

    emitted: int
    """Moments handed to ``emit``, refused ones included."""
    queued: int
    """Waiting in the queue."""
    in_flight: int
    """Being sent (an attempt under way, or waiting to retry)."""
    delivered: int
    """Answered 2xx by Hotpot."""
    failed: int
    """Given up after a non-retryable answer, or when their delivery deadline passed."""
    dropped: int
    """Given up without an answer."""
    kept: int
    """Given up on by ``shutdown`` with a spool and left in it, for the next emitter."""
    retried: int
    """Retries made."""
    recovered: int
    """Of ``emitted``: moments found in the spool when the emitter was made (0 without one)."""


EmitterReport.__module__ = "hotpot"
EmitterStats.__module__ = "hotpot"
