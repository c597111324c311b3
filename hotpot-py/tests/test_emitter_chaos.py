"""hotpot.Emitter under chaos: 2,000 moments from 4 threads while the mock answers about 30 %
of the requests with faults (503s, 429s with ``Retry-After: 1``, hung-up connections, slow
answers), fed in by a driver thread so that they interleave with successes. Every moment
must land exactly once, and the report must say so."""

from __future__ import annotations

import threading
import time
from collections import Counter

import hotpot
from hotpot.testing import MockServer

from emitter_helpers import assert_adds_up, assert_stats_add_up, emit_all, names, recorded

MOMENTS = 2_000
PRODUCERS = 4
#: Faults hit about this share of the requests.
FAULT_SHARE = 0.3
#: The driver keeps at most this many faults queued, so that each one hits one of the next
#: few requests rather than a run of them.
MAX_QUEUED_FAULTS = 8


def kind(i: int) -> str:
    """The ``i``-th fault of the mix. Per 100: 1 rate limit (each holds a sending task for a
    whole second), 6 slow successes, 6 slow 503s, 25 hang-ups and 62 quick 503s, spread out
    by a stride coprime to 100 so that no kind comes in runs."""
    k = (i * 37) % 100
    if k == 0:
        return "rate_limited"
    if k <= 6:
        return "slow"
    if k <= 12:
        return "slow_unavailable"
    if k <= 37:
        return "hang_up"
    return "unavailable"


def push(mock: MockServer, i: int) -> str:
    k = kind(i)
    delay = 0.05 + (i * 7919 % 251) / 1000  # 50 to 300 ms
    if k == "rate_limited":
        mock.fail_next(429, retry_after=1)
    elif k == "slow":
        mock.fail_next(None, delay=delay)
    elif k == "slow_unavailable":
        mock.fail_next(503, delay=delay)
    elif k == "hang_up":
        mock.fail_next(drop_connection=True)
    else:
        mock.fail_next(503)
    return k


def test_two_thousand_moments_through_thirty_percent_faults_land_exactly_once(
    client: hotpot.Client, hotpot_mock: MockServer
) -> None:
    emitter = hotpot.Emitter(client)
    batches = [names(f"chaos p{p}", MOMENTS // PRODUCERS) for p in range(PRODUCERS)]
    stop = threading.Event()
    pushed: list[str] = []
    problems: list[BaseException] = []

    def drive() -> None:
        """Keeps the faults at FAULT_SHARE of the requests (successes are the mock's events:
        a failing fault records none); checks every snapshot of the counters on the way."""
        try:
            while not stop.is_set():
                stats = emitter.stats()
                assert_stats_add_up(stats)
                successes = hotpot_mock.event_count()
                queued = hotpot_mock.pending_faults()
                # pushed / (pushed + successes) = share  ⇔  pushed = successes × share / (1 − share)
                wanted = int(successes * FAULT_SHARE / (1 - FAULT_SHARE)) + 1
                # Only while moments wait: the last few would otherwise take every fault, and
                # back off for seconds.
                while stats["queued"] and len(pushed) < wanted and queued < MAX_QUEUED_FAULTS:
                    pushed.append(push(hotpot_mock, len(pushed)))
                    queued += 1
                time.sleep(0.001)  # a control loop's pace, not a wait for an event
        except BaseException as e:  # pragma: no cover - reported below
            problems.append(e)

    driver = threading.Thread(target=drive)
    driver.start()
    started = time.monotonic()
    try:
        producers = [threading.Thread(target=emit_all, args=(emitter, batch)) for batch in batches]
        for t in producers:
            t.start()
        for t in producers:
            t.join()
        report = emitter.flush(90)
    finally:
        stop.set()
        driver.join()
    took = time.monotonic() - started
    assert not problems, problems

    hit = pushed[: len(pushed) - hotpot_mock.pending_faults()]
    hotpot_mock.clear_faults()
    by_kind = Counter(hit)
    failing = sum(n for k, n in by_kind.items() if k != "slow")
    requests = failing + hotpot_mock.event_count()
    share = len(hit) / requests
    print(f"chaos: {MOMENTS} moments in {took:.1f}s; {len(hit)} of {requests} requests hit a fault "
          f"({share:.1%}): {dict(by_kind)}; {report}")

    expected = {name: 1 for batch in batches for name in batch}
    assert recorded(hotpot_mock) == expected, "every moment exactly once"
    assert hotpot_mock.event_count() == MOMENTS, "one event per moment: nothing recorded twice"
    assert 0.22 <= share <= 0.38, f"faults hit {share:.1%} of the requests, wanted about 30 %"
    assert set(by_kind) == {"rate_limited", "slow", "slow_unavailable", "hang_up", "unavailable"}

    assert_adds_up(report)
    assert report["timed_out"] is False
    assert (report["emitted"], report["delivered"]) == (MOMENTS, MOMENTS), report
    assert (report["failed"], report["dropped"], report["still_queued"], report["in_flight"]) == (0, 0, 0, 0)
    # Each failed request costs its moment one retry, and nothing else does; but a hang-up costs
    # none when the request's at-once resend (spec §5) is answered.
    assert failing - by_kind["hang_up"] <= report["retried"] <= failing, (failing, report)
    last = emitter.shutdown(1)
    assert (last["delivered"], last["still_queued"] + last["in_flight"]) == (MOMENTS, 0)
