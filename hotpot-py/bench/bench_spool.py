"""The cost of ``Emitter.emit`` with a spool beside the same emitter without one, in one run
(issue 13: at most 3x).

The mock server runs in-process (``hotpot.testing.MockServer``); each emitter is warmed up,
then ``emit`` is timed one call at a time, paced (one moment every 200 us, the emitter's
thread idle between them) over several rounds that alternate the two emitters. Printed: the
median and p99 per emitter and ``sync`` mode, and the ratio of the medians.

Usage: ``python hotpot-py/bench/bench_spool.py [--quick]`` (``make bench-py``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import hotpot
from hotpot.testing import MockServer

TARGET = 3.0


def print_table(what: str, results: dict[str, list[float]], base: float) -> None:
    """One Markdown row per entry of `results` (microseconds per emit): median, p99, and the
    median's ratio to `base`."""
    print(f"| {what} | median us | p99 us | median / without |")
    print("|---|---|---|---|")
    for name, samples in results.items():
        samples.sort()
        med = statistics.median(samples)
        p99 = samples[len(samples) * 99 // 100]
        print(f"| {name} | {med:.2f} | {p99:.2f} | {med / base:.2f} |")


def timed_emits(emitter: hotpot.Emitter, n: int) -> list[float]:
    """Microseconds per ``emit``, paced 200 us apart."""
    moments = [hotpot.Moment(f"bench {i}", "alert") for i in range(n)]
    samples = []
    clock = time.perf_counter
    next_at = clock()
    for m in moments:
        next_at += 200e-6
        while clock() < next_at:
            pass
        t = clock()
        emitter.emit(m)
        samples.append((clock() - t) * 1e6)
    report = emitter.flush(timeout=30)
    assert not report["timed_out"], report
    return samples


def run(url: str, n: int, spool: str | None, sync: str) -> list[float]:
    kwargs = {} if spool is None else {"spool": spool, "sync": sync}
    emitter = hotpot.Emitter(hotpot.Client(url), **kwargs)  # type: ignore[arg-type]
    try:
        timed_emits(emitter, 1000)  # warm-up
        return timed_emits(emitter, n)
    finally:
        emitter.shutdown(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, rounds = (2_000, 2) if args.quick else (10_000, 3)
    results: dict[str, list[float]] = {}
    with MockServer(max_events=1000) as mock:
        for _ in range(rounds):
            results.setdefault("without a spool", []).extend(run(mock.webhook_url, n, None, ""))
            for sync in ("batch", "always", "never"):
                with tempfile.TemporaryDirectory() as spool:
                    results.setdefault(f"spool, sync={sync}", []).extend(
                        run(mock.webhook_url, n, spool, sync)
                    )
            mock.reset()
    base = statistics.median(results["without a spool"])
    print(f"Emitter.emit, paced 200 us, {rounds} rounds of {n}\n")
    print_table("emitter", results, base)
    ratio = statistics.median(results["spool, sync=batch"]) / base
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"\nspool (batch) / without: {ratio:.2f}x — target <= {TARGET:.0f}x {verdict}")


if __name__ == "__main__":
    main()
