"""hotpot.Emitter after fork: the child's emitter starts afresh (its own thread, an empty
queue, counters at zero), and the parent's queued moments are delivered once, by the
parent."""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
import warnings

import pytest

import hotpot
from hotpot.testing import MockServer

from emitter_helpers import WAIT, emit_all, names, recorded, stall

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

ZERO = {"emitted": 0, "queued": 0, "in_flight": 0, "delivered": 0, "failed": 0, "dropped": 0, "kept": 0, "retried": 0, "recovered": 0}

#: Set in the parent before a fork; the children inherit it.
_emitter: hotpot.Emitter | None = None


def fork() -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork of a threaded process
        return os.fork()


def in_child(body: object) -> None:
    """Runs ``body()`` in the forked child and leaves with its verdict (never returns)."""
    code = 1
    try:
        body()  # type: ignore[operator]
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def wait_child(pid: int) -> int:
    try:
        _, status = os.waitpid(pid, 0)
        pid = 0
        return os.waitstatus_to_exitcode(status)
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def stalled_parent(mock: MockServer) -> tuple[hotpot.Emitter, list[str]]:
    """An emitter with one sending task, stuck on the mock for 1.5 s, and 9 moments queued
    behind it: the parent's queue is full of unsent moments when it forks."""
    emitter = hotpot.Emitter(hotpot.Client(mock.webhook_url), concurrency=1)
    stuck = stall(mock, emitter, senders=1, seconds=1.5)
    queued = names("parent queued", 9)
    emit_all(emitter, queued)
    assert emitter.stats()["queued"] == 9
    return emitter, stuck + queued


def test_os_fork_child_gets_a_fresh_emitter_and_the_parent_queue_is_sent_once(
    hotpot_mock: MockServer,
) -> None:
    emitter, parents = stalled_parent(hotpot_mock)
    pid = fork()
    if pid == 0:
        def child() -> None:
            assert emitter.stats() == ZERO, "an empty queue, counters at zero"
            emit_all(emitter, names("child", 5))
            report = emitter.flush(WAIT)
            assert (report["emitted"], report["delivered"]) == (5, 5), report

        in_child(child)
    assert wait_child(pid) == 0
    report = emitter.flush(WAIT)  # the stall ends: the parent's queue goes out
    assert (report["emitted"], report["delivered"], report["dropped"]) == (10, 10, 0)
    assert recorded(hotpot_mock) == {name: 1 for name in parents + names("child", 5)}
    emitter.shutdown(1)


def test_an_emitter_shut_down_before_the_fork_stays_shut_down_in_the_child(
    hotpot_mock: MockServer,
) -> None:
    emitter = hotpot.Emitter(hotpot.Client(hotpot_mock.webhook_url))
    emitter.shutdown(1)
    pid = fork()
    if pid == 0:
        def child() -> None:
            assert emitter.closed
            with pytest.raises(hotpot.EmitterClosedError):
                emitter.emit(hotpot.Moment("after the fork", "alert"))

        in_child(child)
    assert wait_child(pid) == 0
    assert hotpot_mock.moments() == []


def _child_emits_without_flushing(prefix: str) -> None:
    assert _emitter is not None
    assert _emitter.stats() == ZERO
    emit_all(_emitter, names(prefix, 5))
    # No flush, and every first attempt is answered 429 with Retry-After: 0.5 s. A
    # multiprocessing child leaves with os._exit(), skipping atexit: only hotpot's exit
    # handler, run among multiprocessing's own exit finalizers, waits for the retries.


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_multiprocessing_fork_children_deliver_what_they_emit_without_a_flush(
    hotpot_mock: MockServer,
) -> None:
    global _emitter
    _emitter = hotpot.Emitter(hotpot.Client(hotpot_mock.webhook_url))
    emit_all(_emitter, names("parent", 3))  # threads and connections exist at the fork
    assert _emitter.flush(WAIT)["delivered"] == 3
    hotpot_mock.fail_next(429, retry_after=0.5, count=10)
    context = multiprocessing.get_context("fork")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        children = [
            context.Process(target=_child_emits_without_flushing, args=(f"worker {i}",)) for i in range(2)
        ]
        for child in children:
            child.start()
    try:
        for child in children:
            child.join(timeout=30)
        assert [child.exitcode for child in children] == [0, 0]
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
    assert hotpot_mock.pending_faults() == 0, "every first attempt was answered 429"
    expected = names("parent", 3) + names("worker 0", 5) + names("worker 1", 5)
    assert recorded(hotpot_mock) == {name: 1 for name in expected}
    assert _emitter.stats()["emitted"] == 3, "the children's moments are theirs"
    _emitter.shutdown(1)
    _emitter = None
