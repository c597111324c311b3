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
    being delivered). After ``shutdown`` nothing is pending: the moments it gave up at its
    timeout are ``dropped``, as ``stats()`` counts them and ``on_error`` is told of each, and
    counted again in ``abandoned``; with a spool they stay in it instead, counted as ``kept``
    (``on_error`` is not called for them).
    """

    emitted: int
    """Moments handed to ``emit``, refused ones included."""
    delivered: int
    """Answered 2xx by Hotpot."""
    failed: int
    """Given up after a non-retryable answer, or when their delivery deadline passed."""
    dropped: int
    """Given up without an answer: refused by ``emit``, displaced, abandoned."""
    abandoned: int
    """Of ``dropped``: given up by ``shutdown`` at its timeout, queued or mid-send (Hotpot may
    have those; none is counted as delivered); 0 after ``flush``, and with a spool."""
    kept: int
    """Given up on by ``shutdown`` with a spool and left in it, for the next emitter on the
    directory to send (0 after ``flush``, and without a spool)."""
    still_queued: int
    """In the queue, never sent, when ``flush`` returned (0 after ``shutdown``)."""
    in_flight: int
    """Being sent when ``flush`` returned (0 after ``shutdown``)."""
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
