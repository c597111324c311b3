"""The cost of ``Emitter.emit`` with a spool while 8 processes emit into one spool directory at
once, beside the same 8 processes emitting without a spool, in one run (issue 22: at most 3x).

The mock server runs in this process (``hotpot.testing.MockServer``); each of the 8 processes
(this script, re-run with ``--child``) builds its emitter, warms it up, waits behind a barrier
(a file), then emits paced moments (one every 500 us, sleeping between them, as a service
emits), timing every ``emit``. The samples of all 8 are put together. Printed: the median and
p99 with and without a spool, and the ratio of the medians.

Usage: ``python hotpot-py/bench/bench_spool_processes.py [--quick]`` (``make bench-py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_spool import print_table

import hotpot
from hotpot.testing import MockServer

TARGET = 3.0
PROCESSES = 8
PACE = 500e-6


def child(url: str, spool: str | None, go: str, n: int) -> None:
    """One of the 8: prints "ready", waits for ``go``, emits ``n`` paced moments and prints
    their timings (us) on one line."""
    kwargs = {} if spool is None else {"spool": spool}
    emitter = hotpot.Emitter(hotpot.Client(url), **kwargs)  # type: ignore[arg-type]
    for i in range(500):
        emitter.emit(hotpot.Moment(f"warm-up {i}", "alert"))
    assert not emitter.flush(timeout=60)["timed_out"]
    moments = [hotpot.Moment(f"bench {i}", "alert") for i in range(n)]
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.001)
    samples = []
    clock = time.perf_counter
    for m in moments:
        time.sleep(PACE)
        t = clock()
        emitter.emit(m)
        samples.append((clock() - t) * 1e6)
    report = emitter.shutdown(timeout=60)
    assert report["delivered"] == n + 500, report
    print(" ".join(f"{s:.3f}" for s in samples), flush=True)


def run(url: str, spool: str | None, n: int) -> list[float]:
    """The 8 processes at once; all their samples."""
    with tempfile.TemporaryDirectory() as tmp:
        go = os.path.join(tmp, "go")
        args = [sys.executable, __file__, "--child", url, go, str(n)]
        if spool is not None:
            args.append(spool)
        children = [
            subprocess.Popen(args, stdout=subprocess.PIPE, text=True) for _ in range(PROCESSES)
        ]
        for c in children:
            assert c.stdout is not None and c.stdout.readline() == "ready\n"
        Path(go).touch()
        samples: list[float] = []
        for c in children:
            assert c.stdout is not None
            samples.extend(float(s) for s in c.stdout.readline().split())
            assert c.wait() == 0
    assert len(samples) == PROCESSES * n
    return samples


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        url, go, count = sys.argv[2:5]
        child(url, sys.argv[5] if len(sys.argv) > 5 else None, go, int(count))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 1_000 if args.quick else 4_000
    results: dict[str, list[float]] = {}
    with MockServer() as mock:
        results[f"{PROCESSES} processes without a spool"] = run(mock.webhook_url, None, n)
        mock.reset()
        with tempfile.TemporaryDirectory() as spool:
            results[f"{PROCESSES} processes on one spool (sync batch)"] = run(
                mock.webhook_url, spool, n
            )
            slots = len(list(Path(spool).glob("slot-*")))
        mock.reset()
    without, with_ = (statistics.median(s) for s in results.values())
    print(f"Emitter.emit, {PROCESSES} processes at once, each {n} paced {PACE * 1e6:.0f} us\n")
    print_table("emitters", results, without)
    ratio = with_ / without
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"\n{slots} slots; spool / without: {ratio:.2f}x — target <= {TARGET:.0f}x {verdict}")


if __name__ == "__main__":
    main()
