"""What ``hotpot.logging.MomentHandler`` adds to a logging call (issue 14), against a baseline
measured in the same run: the same call on a logger whose only handler is a ``NullHandler``.

- ``log.error()`` that becomes a moment (goal: at most 3x the baseline), with the dedup
  window off and with the default window and distinct messages;
- ``log.info()`` below the handler's level (goal: no measurable cost: the handler's level
  decides before anything is formatted).

The emitter sends to a socket that never answers, with room for every moment, so the numbers
are the logging thread's own work (the handler, ``Moment``, ``emit``), not the network's.

Usage: ``python hotpot-py/bench/bench_logging.py [--quick]``.
"""

from __future__ import annotations

import argparse
import logging
import socket
import statistics
import time
from collections.abc import Callable

import hotpot
from hotpot.logging import MomentHandler


def per_call(call: Callable[[int], None], n: int) -> float:
    """Seconds per call of ``call(i)`` for i in range(n), after a warm-up."""
    for i in range(n // 10):
        call(i)
    started = time.perf_counter()
    for i in range(n):
        call(i)
    return (time.perf_counter() - started) / n


def logger(name: str, *handlers: logging.Handler) -> logging.Logger:
    log = logging.getLogger(name)
    log.propagate = False
    log.setLevel(logging.DEBUG)
    for h in handlers:
        log.addHandler(h)
    return log


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    calls, rounds = (5_000, 3) if parser.parse_args().quick else (20_000, 7)

    black_hole = socket.socket()
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(1024)
    url = f"http://127.0.0.1:{black_hole.getsockname()[1]}/moment/bench0token"

    baseline = logger("bench.baseline", logging.NullHandler())
    cases = [
        ("log.error() becoming a moment (dedup off)", "error", 0.0),
        ("log.error() becoming a moment (60 s dedup, distinct messages)", "error", 60.0),
        ("log.info() below the handler's level", "info", 0.0),
    ]
    print(f"{calls} calls a round, median of {rounds} rounds; baseline: a NullHandler")
    print(f"{'case':<64} {'baseline':>9} {'handler':>9} {'ratio':>6}")
    for n, (name, method, window) in enumerate(cases):
        base, handled = [], []
        for r in range(rounds):
            emitter = hotpot.Emitter(hotpot.Client(url), capacity=2 * calls)
            handler = MomentHandler(emitter, dedup_window=window)
            log = logger(f"bench.handled{n}.{r}", logging.NullHandler(), handler)

            def plain(i: int) -> None:
                getattr(baseline, method)("Payment provider unreachable for order %d", i,
                                          extra={"order": i})

            def with_handler(i: int) -> None:
                getattr(log, method)("Payment provider unreachable for order %d", i,
                                     extra={"order": i})

            base.append(per_call(plain, calls))
            handled.append(per_call(with_handler, calls))
            emitter.shutdown(0)
        b, h = statistics.median(base), statistics.median(handled)
        print(f"{name:<64} {b * 1e6:>7.2f}µs {h * 1e6:>7.2f}µs {h / b:>6.2f}")


if __name__ == "__main__":
    main()
