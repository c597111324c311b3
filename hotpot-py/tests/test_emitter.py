"""hotpot.Emitter: emit returns at once, flush and shutdown report, overflow, on_error."""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import hotpot
from hotpot.testing import MockServer

from conftest import TOKEN
from emitter_helpers import (
    WAIT,
    Recorder,
    assert_adds_up,
    assert_stats_add_up,
    emit_all,
    moment,
    names,
    recorded,
    stall,
)

STALL = 5.0  # long enough that a loaded machine still sees each step inside the stall


def test_emit_returns_at_once_and_flush_reports_the_delivery(client: hotpot.Client, hotpot_mock: MockServer) -> None:
    emitter = hotpot.Emitter(client)
    batch = names("basic", 20)
    emit_all(emitter, batch)
    report = emitter.flush(WAIT)
    assert report == {
        "emitted": 20, "delivered": 20, "failed": 0, "dropped": 0, "abandoned": 0, "kept": 0,
        "still_queued": 0, "in_flight": 0, "retried": 0, "recovered": 0, "timed_out": False,
    }
    assert recorded(hotpot_mock) == {name: 1 for name in batch}
    assert emitter.stats() == {
        "emitted": 20, "queued": 0, "in_flight": 0, "delivered": 20, "failed": 0,
        "dropped": 0, "kept": 0, "retried": 0, "recovered": 0,
    }
    [first] = [m for m in hotpot_mock.moments() if m["name"] == "basic 0"]
    assert (first["type"], first["source"]) == ("incident", "hotpot-py tests")
    assert emitter.shutdown(1)["delivered"] == 20
    assert emitter.closed


def test_the_moments_carry_the_python_user_agent(client: hotpot.Client, hotpot_mock: MockServer) -> None:
    with hotpot.Emitter(client) as emitter:
        emitter.emit(moment("agent"))
    assert emitter.closed
    [event] = hotpot_mock.wait_for_events(1)
    assert event["status"] == "success"
    assert recorded(hotpot_mock) == {"agent": 1}


def test_an_async_client_works_too(hotpot_mock: MockServer) -> None:
    emitter = hotpot.Emitter(hotpot.AsyncClient(hotpot_mock.webhook_url))
    emitter.emit(moment("from an AsyncClient"))
    assert emitter.flush(WAIT)["delivered"] == 1
    assert recorded(hotpot_mock) == {"from an AsyncClient": 1}
    emitter.shutdown(0)


@pytest.mark.parametrize("value", ["Disk full", {"name": "Disk full", "type": "alert"}, None])
def test_emit_takes_only_a_moment(client: hotpot.Client, value: Any) -> None:
    emitter = hotpot.Emitter(client)
    with pytest.raises(TypeError, match=r"^moment: expected a hotpot\.Moment, found "):
        emitter.emit(value)
    assert emitter.stats()["emitted"] == 0
    emitter.shutdown(0)


def test_an_invalid_moment_never_gets_to_emit(client: hotpot.Client) -> None:
    emitter = hotpot.Emitter(client)
    with pytest.raises(hotpot.ValidationError) as caught:
        emitter.emit(hotpot.Moment("", "near_miss"))
    assert [field for field, _ in caught.value.errors] == ["name", "type"]
    assert emitter.stats()["emitted"] == 0
    emitter.shutdown(0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"capacity": 0}, hotpot.ConfigError, "capacity: expected 1 to"),
        ({"capacity": -5}, hotpot.ConfigError, "capacity: expected 1 to"),
        ({"capacity": "10"}, TypeError, "capacity: expected an int, found str"),
        ({"capacity": True}, TypeError, "capacity: expected an int, found bool"),
        ({"capacity": 10.0}, TypeError, "capacity: expected an int, found float"),
        ({"overflow": "drop"}, hotpot.ConfigError,
         "overflow: expected 'drop_newest', 'drop_oldest' or 'block', found \"drop\""),
        ({"overflow": "DROP_NEWEST"}, hotpot.ConfigError, "overflow: expected 'drop_newest'"),
        ({"overflow": 1}, TypeError, "overflow: expected 'drop_newest', 'drop_oldest' or 'block', found int"),
        ({"block_timeout": 1.0}, hotpot.ConfigError,
         "block_timeout: only used with overflow='block', found overflow=\"drop_newest\""),
        ({"overflow": "block", "block_timeout": -1}, hotpot.ConfigError, "block_timeout: expected a non-negative"),
        ({"overflow": "block", "block_timeout": float("inf")}, hotpot.ConfigError, "block_timeout: expected"),
        ({"concurrency": 0}, hotpot.ConfigError, "concurrency: expected 1 to 4096, found 0"),
        ({"concurrency": 5000}, hotpot.ConfigError, "concurrency: expected 1 to 4096, found 5000"),
        ({"delivery_deadline": 0}, hotpot.ConfigError, "delivery_deadline: expected a positive number of seconds, found 0"),
        ({"delivery_deadline": float("nan")}, hotpot.ConfigError, "delivery_deadline: expected a positive number"),
        ({"delivery_deadline": float("inf")}, hotpot.ConfigError, "delivery_deadline: expected a positive number"),
        ({"delivery_deadline": "60"}, TypeError, "delivery_deadline: expected a positive number of seconds, found str"),
        ({"delivery_deadline": True}, TypeError, "delivery_deadline: expected a positive number of seconds, found bool"),
        ({"concurrency": False}, TypeError, "concurrency: expected an int, found bool"),
        ({"overflow": "block", "block_timeout": True}, TypeError, "block_timeout: expected a non-negative"),
        ({"on_error": "print"}, TypeError, "on_error: expected a callable taking (moment, exception), or None"),
    ],
)
def test_bad_settings_name_the_argument(
    client: hotpot.Client, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        hotpot.Emitter(client, **kwargs)
    assert message in str(caught.value)


def test_the_client_must_be_a_hotpot_client(hotpot_mock: MockServer) -> None:
    with pytest.raises(TypeError, match=r"^client: expected a hotpot\.Client or hotpot\.AsyncClient, found str"):
        hotpot.Emitter(hotpot_mock.webhook_url)  # type: ignore[arg-type]


def test_settings_show_in_attributes_and_repr(secret_mock: MockServer) -> None:
    emitter = hotpot.Emitter(
        hotpot.Client(secret_mock.webhook_url), capacity=50, overflow="block", block_timeout=0.25
    )
    emitter.emit(moment("shown"))
    emitter.flush(WAIT)
    assert (emitter.capacity, emitter.overflow, emitter.closed) == (50, "block", False)
    text = repr(emitter)
    assert TOKEN not in text
    assert text.startswith(f"Emitter(webhook_url='{secret_mock.url}/moment/{TOKEN[:4]}…', ")
    assert "capacity=50, overflow='block', block_timeout=0.25, closed=False, emitted=1, " in text
    assert "delivered=1, failed=0, dropped=0, retried=0)" in text


# --- overflow ---------------------------------------------------------------------------------


def test_drop_newest_refuses_at_once_and_on_error_sees_each_refusal(
    client: hotpot.Client, hotpot_mock: MockServer
) -> None:
    seen = Recorder()
    emitter = hotpot.Emitter(client, capacity=10, concurrency=2, on_error=seen)
    stuck = stall(hotpot_mock, emitter, senders=2, seconds=STALL)
    queued = names("queued", 10)
    emit_all(emitter, queued)

    refused = names("refused", 5)
    for name in refused:
        m = moment(name)
        started = time.monotonic()
        with pytest.raises(hotpot.QueueFullError) as caught:
            emitter.emit(m)
        # Refused without waiting for room: room comes when the stall ends, and an emit that
        # waited for it would have been accepted. The bound is a safety net only.
        assert time.monotonic() - started < 30, "refused without waiting for room"
        assert caught.value.moment is m
        assert caught.value.reason == "queue_full"
        assert isinstance(caught.value, hotpot.DroppedError)
        assert str(caught.value) == f'the emitter\'s queue is full: moment "{name}" not queued'
    # Called on the emitting thread, before emit raised: nothing to wait for.
    assert seen.names("queue_full") == refused
    assert all(type(e) is hotpot.QueueFullError for _, e in seen.calls)
    assert all(isinstance(m, hotpot.Moment) for m, _ in seen.calls)
    stats = emitter.stats()
    assert (stats["emitted"], stats["queued"], stats["in_flight"], stats["dropped"]) == (17, 10, 2, 5)

    report = emitter.flush(WAIT)  # the stall ends: what was queued is delivered
    assert_adds_up(report)
    assert (report["delivered"], report["dropped"], report["failed"], report["timed_out"]) == (12, 5, 0, False)
    assert recorded(hotpot_mock) == {name: 1 for name in stuck + queued}
    assert len(seen.calls) == 5, "no other drop"
    emitter.shutdown(0)


def test_drop_oldest_makes_room_and_on_error_sees_the_displaced(
    client: hotpot.Client, hotpot_mock: MockServer
) -> None:
    seen = Recorder()
    emitter = hotpot.Emitter(client, capacity=10, overflow="drop_oldest", concurrency=2, on_error=seen)
    stuck = stall(hotpot_mock, emitter, senders=2, seconds=STALL)
    queued = names("queued", 10)
    emit_all(emitter, queued)
    newer = names("newer", 3)
    emit_all(emitter, newer)  # never raises

    assert seen.names("displaced") == queued[:3], "the oldest, oldest first"
    assert all(type(e) is hotpot.DroppedError and e.moment == m for m, e in seen.calls)
    assert "took its place" in str(seen.calls[0][1])
    report = emitter.flush(WAIT)
    assert_adds_up(report)
    assert (report["delivered"], report["dropped"], report["failed"]) == (12, 3, 0)
    assert recorded(hotpot_mock) == {name: 1 for name in stuck + queued[3:] + newer}
    emitter.shutdown(0)


def test_block_waits_for_room_without_the_gil_then_refuses(
    client: hotpot.Client, hotpot_mock: MockServer
) -> None:
    seen = Recorder()
    emitter = hotpot.Emitter(
        client, capacity=10, overflow="block", block_timeout=0.3, concurrency=2, on_error=seen
    )
    stall(hotpot_mock, emitter, senders=2, seconds=STALL + 1)  # well past block_timeout
    emit_all(emitter, names("queued", 10))

    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        before = ticks
        started = time.monotonic()
        with pytest.raises(hotpot.QueueFullError):
            emitter.emit(moment("blocked"))
        took = time.monotonic() - started
        during = ticks - before
    finally:
        stop.set()
        counter.join()
    assert 0.3 <= took < STALL + 1, took
    assert during > 0, "another thread ran while emit waited: the GIL was released"
    assert seen.names("queue_full") == ["blocked"]
    assert emitter.flush(WAIT)["delivered"] == 12
    emitter.shutdown(0)


def test_block_returns_as_soon_as_there_is_room(client: hotpot.Client, hotpot_mock: MockServer) -> None:
    emitter = hotpot.Emitter(client, capacity=10, overflow="block", block_timeout=WAIT, concurrency=2)
    stall(hotpot_mock, emitter, senders=2, seconds=1.0)
    emit_all(emitter, names("queued", 10))
    emitter.emit(moment("waited for room"))  # the stall ends within a second: room
    assert emitter.flush(WAIT)["delivered"] == 13
    assert recorded(hotpot_mock)["waited for room"] == 1
    emitter.shutdown(0)


def test_flush_with_a_timeout_gives_nothing_up(client: hotpot.Client, hotpot_mock: MockServer) -> None:
    emitter = hotpot.Emitter(client, concurrency=2)
    stall(hotpot_mock, emitter, senders=2, seconds=STALL)
    emit_all(emitter, names("pending", 5))
    started = time.monotonic()
    report = emitter.flush(0.2)
    assert 0.2 <= time.monotonic() - started < STALL
    assert report["timed_out"] is True
    assert (report["still_queued"], report["in_flight"], report["delivered"]) == (5, 2, 0)
    assert_adds_up(report)
    report = emitter.flush()  # no limit: until everything emitted before it settled
    assert (report["delivered"], report["timed_out"]) == (7, False)
    emitter.shutdown(0)


# --- shutdown -------------------------------------------------------------------------------------


def test_shutdown_while_the_mock_is_down_returns_in_about_a_second(
    client: hotpot.Client, hotpot_mock: MockServer
) -> None:
    seen = Recorder()
    emitter = hotpot.Emitter(client, on_error=seen)
    before = names("before the stop", 20)
    emit_all(emitter, before)
    assert emitter.flush(WAIT)["delivered"] == 20
    recorded_before = recorded(hotpot_mock)
    assert recorded_before == {name: 1 for name in before}
    hotpot_mock.close()  # nothing listens on its port any more

    after = names("after the stop", 50)
    emit_all(emitter, after)
    started = time.monotonic()
    report = emitter.shutdown(1.0)
    took = time.monotonic() - started
    # About a second; one that kept going would go on for the 10-minute delivery deadline.
    assert 1.0 <= took < 60.0, took
    assert_adds_up(report)
    assert report["timed_out"] is True
    assert report["delivered"] == 20, "delivered is only what the mock recorded"
    # What the shutdown gave up is dropped, as stats() and on_error say: nothing pending.
    assert (report["failed"], report["dropped"], report["abandoned"]) == (0, 50, 50)
    assert (report["still_queued"], report["in_flight"]) == (0, 0)
    assert report["retried"] > 0, "the sends were retrying"

    calls = seen.wait_for(50)
    reasons = [e.reason for _, e in calls if isinstance(e, hotpot.DroppedError)]
    assert reasons.count("abandoned_in_flight") > 0, "the sends were retrying"
    assert reasons.count("abandoned") + reasons.count("abandoned_in_flight") == report["abandoned"]
    assert sorted(m.name for m, _ in calls) == sorted(after), "each abandoned moment once"
    stats = emitter.stats()
    assert (stats["emitted"], stats["delivered"], stats["dropped"], stats["queued"], stats["in_flight"]) == (70, 20, 50, 0, 0)
    started = time.monotonic()
    # A second shutdown that waited would take its whole timeout: ten minutes.
    again = emitter.shutdown(600.0)
    assert time.monotonic() - started < 60, "a second shutdown returns at once"
    assert {**again, "timed_out": True} == report, "with the same counts"


def test_emit_after_shutdown_raises_and_on_error_sees_it(client: hotpot.Client) -> None:
    seen = Recorder()
    emitter = hotpot.Emitter(client, on_error=seen)
    emitter.shutdown(1)
    m = moment("too late")
    with pytest.raises(hotpot.EmitterClosedError) as caught:
        emitter.emit(m)
    assert isinstance(caught.value, hotpot.DroppedError)
    assert (caught.value.moment, caught.value.reason, caught.value.retryable) == (m, "shut_down", False)
    assert seen.names("shut_down") == ["too late"]
    assert emitter.stats()["dropped"] == 1


def test_the_context_manager_shuts_down(client: hotpot.Client, hotpot_mock: MockServer) -> None:
    with hotpot.Emitter(client) as emitter:
        emit_all(emitter, names("managed", 3))
    assert emitter.closed
    assert emitter.stats()["delivered"] == 3
    assert recorded(hotpot_mock) == {name: 1 for name in names("managed", 3)}


def test_a_collected_emitter_gives_up_within_a_moment_and_says_so(
    client: hotpot.Client, hotpot_mock: MockServer
) -> None:
    seen = Recorder()
    emitter = hotpot.Emitter(client, concurrency=1, on_error=seen)
    # A minute: an emitter that waited for its stuck send would take that long, and report
    # "stuck 0" delivered rather than abandoned.
    stall(hotpot_mock, emitter, senders=1, seconds=60)
    emitter.emit(moment("pending"))
    started = time.monotonic()
    del emitter  # without a shutdown: about 100 ms to send, then each moment left to on_error
    gc.collect()
    assert time.monotonic() - started < 30
    calls = seen.wait_for(2)
    assert sorted((m.name, getattr(e, "reason", None)) for m, e in calls) == [
        ("pending", "abandoned"), ("stuck 0", "abandoned_in_flight"),
    ]


@pytest.mark.parametrize("value", [-1, float("nan"), "1", True])
def test_bad_timeouts_are_refused(client: hotpot.Client, value: Any) -> None:
    emitter = hotpot.Emitter(client)
    with pytest.raises((TypeError, ValueError), match="^timeout: expected a non-negative number of seconds or None"):
        emitter.flush(value)
    with pytest.raises((TypeError, ValueError), match="^timeout: expected a non-negative number of seconds or None"):
        emitter.shutdown(value)
    assert not emitter.closed
    emitter.shutdown(0)


def stalled_with_one_pending(
    client: hotpot.Client, hotpot_mock: MockServer, seconds: float
) -> hotpot.Emitter:
    """An emitter with one sender, stuck for `seconds` on its first moment, and one more
    moment ("pending") queued behind it."""
    emitter = hotpot.Emitter(client, concurrency=1)
    stall(hotpot_mock, emitter, senders=1, seconds=seconds)
    emitter.emit(moment("pending"))
    return emitter


def ctrl_c_during(call: Callable[[], object]) -> float:
    """Runs `call`, which Ctrl-C (SIGINT to this process, 0.3 s in) must interrupt; returns
    the seconds it took."""
    timer = threading.Timer(0.3, signal.raise_signal, (signal.SIGINT,))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        call()
    elapsed = time.monotonic() - started
    timer.join()
    return elapsed


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
@pytest.mark.usefixtures("ctrl_c")
def test_ctrl_c_interrupts_a_long_flush(client: hotpot.Client, hotpot_mock: MockServer) -> None:
    emitter = stalled_with_one_pending(client, hotpot_mock, seconds=5.0)
    assert ctrl_c_during(emitter.flush) < 2.0
    assert emitter.flush(WAIT)["delivered"] == 2, "the emitter is unharmed"
    emitter.shutdown(0)


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
@pytest.mark.usefixtures("ctrl_c")
def test_ctrl_c_interrupts_a_shutdown_which_can_be_run_again(client: hotpot.Client, hotpot_mock: MockServer) -> None:
    emitter = stalled_with_one_pending(client, hotpot_mock, seconds=3.0)
    ctrl_c_during(lambda: emitter.shutdown(WAIT))
    assert emitter.closed
    with pytest.raises(hotpot.EmitterClosedError):
        emitter.emit(moment("refused"))
    report = emitter.shutdown(WAIT)  # runs to its end this time
    assert (report["delivered"], report["dropped"], report["timed_out"]) == (2, 1, False)
    assert recorded(hotpot_mock) == {"stuck 0": 1, "pending": 1}


# --- on_error -----------------------------------------------------------------------------------


def test_on_error_gets_the_moment_and_a_webhook_error_for_an_expired_webhook(hotpot_mock: MockServer) -> None:
    url = hotpot_mock.create_webhook("rotated", expires_at="2020-01-01T00:00:00Z")
    token = url.rsplit("/", 1)[1]
    seen = Recorder()
    emitter = hotpot.Emitter(hotpot.Client(url), on_error=seen)
    m = hotpot.Moment("Deploy 1234 rolled back", "near-miss", priority="high", source="Deploybot",
                      occurred_at="2023-04-01 12:31:26")
    emitter.emit(m)
    report = emitter.flush(WAIT)
    assert (report["failed"], report["delivered"], report["retried"]) == (1, 0, 0), "410 is not retried"
    [(moment_seen, error)] = seen.calls  # flush waits for the callback too
    assert type(moment_seen) is hotpot.Moment and moment_seen == m and moment_seen is not m
    assert isinstance(error, hotpot.WebhookError)
    assert (error.status_code, error.expired, error.retryable) == (410, True, False)
    assert token not in str(error)
    assert "expired" in str(error)
    assert seen.threads != {threading.current_thread().name}, "called on the emitter's thread"
    emitter.shutdown(0)


def test_on_error_gets_the_last_error_when_the_deadline_passes(hotpot_mock: MockServer) -> None:
    url = hotpot_mock.webhook_url
    hotpot_mock.close()
    seen = Recorder()
    emitter = hotpot.Emitter(hotpot.Client(url), delivery_deadline=0.5, on_error=seen)
    emit_all(emitter, names("late", 3))
    report = emitter.flush(WAIT)
    assert (report["failed"], report["delivered"], report["timed_out"]) == (3, 0, False)
    assert report["retried"] > 0
    assert sorted(m.name for m, _ in seen.calls) == names("late", 3)
    # The last attempt's error: nothing listens on the port (a refused connection) or, when
    # the deadline fell during that attempt (a loaded machine), the attempt's timeout.
    assert all(
        (isinstance(e, hotpot.TransportError) and e.retryable) or isinstance(e, hotpot.TimeoutError)
        for _, e in seen.calls
    ), seen.calls
    emitter.shutdown(0)


def test_a_callback_that_raises_is_reported_and_the_emitter_carries_on(
    hotpot_mock: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    calls = 0

    def broken(moment: hotpot.Moment, error: hotpot.HotpotError) -> None:
        nonlocal calls
        calls += 1
        raise ValueError(f"broken callback for {moment.name}")

    expired = hotpot_mock.create_webhook("expired", expires_at="2020-01-01T00:00:00Z")
    emitter = hotpot.Emitter(hotpot.Client(expired), on_error=broken)
    emit_all(emitter, names("fails", 3))
    assert emitter.flush(WAIT)["failed"] == 3
    assert calls == 3
    assert sorted(str(r.exc_value) for r in reported) == [f"broken callback for fails {i}" for i in range(3)]
    assert all(r.object is broken for r in reported)
    emit_all(emitter, names("fails again", 2))
    assert emitter.flush(WAIT)["failed"] == 5, "the emitter is still working"
    assert calls == 5
    emitter.shutdown(0)


def test_flush_and_shutdown_from_on_error_raise_instead_of_waiting_for_themselves(
    hotpot_mock: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    problems: list[BaseException] = []
    holder: list[hotpot.Emitter] = []

    def impatient(moment: hotpot.Moment, error: hotpot.HotpotError) -> None:
        for method in (holder[0].flush, holder[0].shutdown):
            try:
                method(1)
            except RuntimeError as e:
                problems.append(e)

    expired = hotpot_mock.create_webhook("expired", expires_at="2020-01-01T00:00:00Z")
    emitter = hotpot.Emitter(hotpot.Client(expired), on_error=impatient)
    holder.append(emitter)
    emitter.emit(moment("fails"))
    assert emitter.flush(WAIT)["failed"] == 1
    assert [str(p) for p in problems] == [
        f"Emitter.{m}() cannot be called from on_error: it would wait for the callback that is calling it"
        for m in ("flush", "shutdown")
    ]
    assert not emitter.closed
    emitter.shutdown(0)
    holder.clear()


# --- threads -------------------------------------------------------------------------------------


def test_threads_emit_at_once_and_every_snapshot_adds_up(client: hotpot.Client, hotpot_mock: MockServer) -> None:
    emitter = hotpot.Emitter(client)
    batches = [names(f"thread {t}", 250) for t in range(8)]
    done = threading.Event()
    snapshots = 0

    def watch() -> None:
        nonlocal snapshots
        while not done.is_set():
            assert_stats_add_up(emitter.stats())
            snapshots += 1

    watcher = threading.Thread(target=watch)
    watcher.start()
    emitters = [threading.Thread(target=emit_all, args=(emitter, batch)) for batch in batches]
    for t in emitters:
        t.start()
    for t in emitters:
        t.join()
    report = emitter.flush(WAIT)
    done.set()
    watcher.join()
    assert snapshots > 0
    assert (report["emitted"], report["delivered"], report["dropped"]) == (2000, 2000, 0)
    assert recorded(hotpot_mock) == {name: 1 for batch in batches for name in batch}
    emitter.shutdown(0)
