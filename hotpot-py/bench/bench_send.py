"""Benchmarks of the Python package, against requests, measured in one run.

The mock server runs in ANOTHER process (``python -m hotpot.testing --port 0``), as Hotpot
would, so client and server do not share a GIL. Printed:

- sequential sends per second: ``hotpot.Client.send`` vs ``requests.Session().post`` and
  ``requests.post`` (same payload, same server), and the ratios (goals: >= 6x and >= 8x);
- ``import hotpot`` beside ``import requests``, each in a fresh interpreter, median of several
  runs (goal: <= 10 ms);
- ``asyncio.gather`` of 1,000 ``AsyncClient.send`` vs the sequential rate (goal: >= 3x), and
  vs ``AsyncClient.send`` awaited one after another.

Usage: ``python hotpot-py/bench/bench_send.py [--quick]`` (``make bench-py``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests

import hotpot

NAME = "Failed deploy with successful rollback"
PAYLOAD = {"name": NAME, "type": "near-miss", "source": "Deploybot"}


@contextmanager
def standalone_mock() -> Iterator[str]:
    """The mock server in a separate process; yields its webhook URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotpot.testing", "--port", "0", "--max-events", "1000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # listening on ...
        url = proc.stdout.readline().strip().split(": ", 1)[1]
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def timed(send: Callable[[], object], n: int) -> float:
    """Sends per second over `n` sequential sends."""
    start = time.perf_counter()
    for _ in range(n):
        send()
    return n / (time.perf_counter() - start)


def gather_burst(client: hotpot.AsyncClient, n: int) -> float:
    """Sends per second of one `asyncio.gather` of `n` sends."""

    async def burst() -> float:
        start = time.perf_counter()
        receipts = await asyncio.gather(
            *(client.send(NAME, "near-miss", source="Deploybot") for _ in range(n))
        )
        elapsed = time.perf_counter() - start
        assert all(r.status_code == 202 for r in receipts)
        return n / elapsed

    return asyncio.run(burst())


def awaited_one_by_one(client: hotpot.AsyncClient, n: int) -> float:
    """Sends per second of `n` sends awaited one after another in asyncio."""

    async def sequence() -> float:
        start = time.perf_counter()
        for _ in range(n):
            await client.send(NAME, "near-miss", source="Deploybot")
        return n / (time.perf_counter() - start)

    return asyncio.run(sequence())


def import_time(module: str, runs: int) -> float:
    """Median seconds to import `module` in a fresh interpreter (interpreter start-up excluded)."""
    code = (
        "import time\n"
        "t = time.perf_counter()\n"
        f"import {module}\n"
        "print(time.perf_counter() - t)\n"
    )
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer sends (a smoke run)")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0
    n_hotpot, n_session, n_post = (int(x * scale) for x in (1500, 300, 150))
    n_gather = 1000
    n_awaited = int(600 * scale)
    rounds = 3 if args.quick else 15

    with standalone_mock() as url:
        client = hotpot.Client(url)
        aclient = hotpot.AsyncClient(url)
        session = requests.Session()
        for _ in range(50):  # warm-up: connections, caches
            client.send(NAME, "near-miss", source="Deploybot")
            session.post(url, json=PAYLOAD, timeout=15)
        gather_burst(aclient, n_gather)

        # Interleaved rounds: a load that comes and goes on the machine hits every contender.
        rates: dict[str, list[float]] = {
            "hotpot": [], "session": [], "post": [], "gather": [], "awaited": []
        }
        for _ in range(rounds):
            rates["hotpot"].append(timed(lambda: client.send(NAME, "near-miss", source="Deploybot"), n_hotpot))
            rates["session"].append(timed(lambda: session.post(url, json=PAYLOAD, timeout=15), n_session))
            rates["post"].append(timed(lambda: requests.post(url, json=PAYLOAD, timeout=15), n_post))
            rates["gather"].append(gather_burst(aclient, n_gather))
            rates["awaited"].append(awaited_one_by_one(aclient, n_awaited))

    hotpot_import = import_time("hotpot", 15)
    requests_import = import_time("requests", 15)

    # Medians, and the best round of each (the machine is shared: the best round is the
    # closest to an idle machine, and every contender gets its own best).
    for label, pick in (("median", statistics.median), ("best round", max)):
        hotpot_rate, session_rate, post_rate, async_rate, awaited_rate = (
            pick(rates[k]) for k in ("hotpot", "session", "post", "gather", "awaited")
        )
        print(f"-- {label} of {rounds} interleaved rounds")
        print(f"sequential sends/s    hotpot.Client.send       {hotpot_rate:8.0f}")
        print(f"                      requests.Session().post  {session_rate:8.0f}   hotpot {hotpot_rate / session_rate:5.1f}x (goal >= 6x)")
        print(f"                      requests.post            {post_rate:8.0f}   hotpot {hotpot_rate / post_rate:5.1f}x (goal >= 8x)")
        print(f"asyncio.gather({n_gather})  AsyncClient.send         {async_rate:8.0f}   {async_rate / hotpot_rate:5.1f}x the sequential Client.send rate (goal >= 3x)")
        print(f"                      vs awaited one by one    {awaited_rate:8.0f}   {async_rate / awaited_rate:5.1f}x the sequential AsyncClient.send rate")
    print(f"-- import, median of 15 fresh interpreters")
    print(f"import hotpot    {hotpot_import * 1000:6.1f} ms (goal <= 10 ms)")
    print(f"import requests  {requests_import * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
