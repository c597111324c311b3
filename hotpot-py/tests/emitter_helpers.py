"""Shared by the emitter tests: a recording ``on_error``, names, a stalled mock, and the
checks every report must pass."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Any

import pytest

import hotpot
from hotpot.testing import MockServer

#: How long the tests wait for anything that should happen quickly.
WAIT = 20.0


class Recorder:
    """An ``on_error`` callback that records each call, and waits for them."""

    def __init__(self) -> None:
        self.calls: list[tuple[hotpot.Moment, hotpot.HotpotError]] = []
        self.threads: set[str] = set()
        self._changed = threading.Condition()

    def __call__(self, moment: hotpot.Moment, error: hotpot.HotpotError) -> None:
        with self._changed:
            self.calls.append((moment, error))
            self.threads.add(threading.current_thread().name)
            self._changed.notify_all()

    def wait_for(self, n: int, timeout: float = WAIT) -> list[tuple[hotpot.Moment, hotpot.HotpotError]]:
        """The calls, once there are at least ``n`` (``AssertionError`` after ``timeout``)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.calls) >= n, timeout):
                raise AssertionError(f"waited {timeout}s for {n} on_error calls, got {len(self.calls)}")
            return list(self.calls)

    def names(self, reason: str | None = None) -> list[str]:
        """The names of the moments seen, in order; only drops for ``reason`` if given."""
        with self._changed:
            return [
                m.name for m, e in self.calls
                if reason is None or getattr(e, "reason", None) == reason
            ]


def names(prefix: str, n: int) -> list[str]:
    return [f"{prefix} {i}" for i in range(n)]


def moment(name: str) -> hotpot.Moment:
    return hotpot.Moment(name, "incident", source="hotpot-py tests")


def emit_all(emitter: hotpot.Emitter, batch: list[str]) -> None:
    for name in batch:
        emitter.emit(moment(name))


def recorded(mock: MockServer) -> Counter[str]:
    """How often the mock recorded each name."""
    return Counter(m["name"] for m in mock.moments())


def assert_adds_up(report: dict[str, Any]) -> None:
    assert report["emitted"] == (
        report["delivered"] + report["failed"] + report["dropped"] + report["kept"]
        + report["still_queued"] + report["in_flight"]
    ), report


def assert_stats_add_up(stats: dict[str, int]) -> None:
    assert stats["emitted"] == (
        stats["queued"] + stats["in_flight"] + stats["delivered"] + stats["failed"]
        + stats["dropped"] + stats["kept"]
    ), stats


def stall(mock: MockServer, emitter: hotpot.Emitter, senders: int, seconds: float) -> list[str]:
    """Gets every one of the emitter's ``senders`` sending tasks stuck on the mock for
    ``seconds`` (their moments are recorded, the answers held back), with the queue empty:
    every moment emitted from here on stays queued until the stall ends. Returns the names
    of the stuck moments."""
    mock.fail_next(None, delay=seconds, count=senders)
    stuck = names("stuck", senders)
    emit_all(emitter, stuck)
    mock.wait_for_moments(senders, timeout=WAIT)
    stats = emitter.stats()
    assert (stats["in_flight"], stats["queued"], mock.pending_faults()) == (senders, 0, 0), stats
    return stuck


def hotpot_warnings(caplog: pytest.LogCaptureFixture, *, at_least: int = 1) -> list[str]:
    """The messages logged on the `hotpot` logger, once at least `at_least` have come (the
    emitter's thread logs them; the wait is a safety net only)."""
    deadline = time.monotonic() + WAIT
    while True:
        found = [r.getMessage() for r in caplog.records if r.name == "hotpot"]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def moments_counted(messages: list[str]) -> int:
    """How many moments the warnings account for: one each, plus the ones each says were held
    back."""
    total = 0
    for message in messages:
        more = re.search(r"(\d+) more moments? (?:failed|dropped) since the last warning", message)
        if message.startswith(tuple("0123456789")):
            total += int(more.group(1)) if more else 0  # a summary line only
        else:
            total += 1 + (int(more.group(1)) if more else 0)
    return total
