"""How ``wait_for_acknowledgement`` polls (spec §14), against the mock, measured in one run.

The mock's request journal covers the ingest routes only (not the status and acknowledgement
reads), so the polls are counted by a small forwarding proxy between the client and the mock
(``hotpot.testing.MockServer``, in process): it notes when each
``GET /request/{id}/acknowledgements`` arrives. Each round pages the team ``default``, starts
the wait in a thread, acknowledges the page from the test at a random moment (0.2 to 2.5 poll
intervals later), and notes when the wait returns. Printed, as ratios to the poll interval:

- how long after the acknowledgement the wait returned (goal: within one interval plus its
  +20 % jitter, plus a request's time);
- the gaps between two polls of one wait (goal: never below the interval: the jitter only adds,
  up to 20 %);
- a request's round trip through the proxy, the baseline the latency includes.

Usage: ``python hotpot-py/bench/bench_page_wait.py [--interval S] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import random
import statistics
import threading
import time
import urllib.parse
from typing import Any

import hotpot
from hotpot.testing import MockServer


class Proxy:
    """Forwards every request to `target`, noting ``(time, method, path)`` of each."""

    def __init__(self, target: str) -> None:
        self.seen: list[tuple[float, str, str]] = []
        parsed = urllib.parse.urlsplit(target)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def forward(self) -> None:
                proxy.seen.append((time.perf_counter(), self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(host, port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = forward
            do_POST = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def polls(self, request_id: str) -> list[float]:
        return [t for t, method, path in self.seen
                if method == "GET" and path == f"/request/{request_id}/acknowledgements"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=0.5, help="poll interval, seconds")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    interval = args.interval

    with MockServer() as mock:
        proxy = Proxy(mock.url)
        api = hotpot.ApiClient(mock.api_key, base_url=proxy.url)
        # The baseline: one acknowledgements read through the proxy.
        probe = api.page_team("default", "Probe", "x").request_id
        assert probe
        trips = []
        for _ in range(20):
            started = time.perf_counter()
            api.acknowledgements(probe)
            trips.append(time.perf_counter() - started)
        trip = statistics.median(trips)

        latencies: list[float] = []
        gaps: list[float] = []
        for _ in range(args.rounds):
            request_id = api.page_team("default", "Disk full", "db-1 at 99 %").request_id
            assert request_id
            returned: list[float] = []

            def wait(request_id: str = request_id, returned: list[float] = returned) -> None:
                api.wait_for_acknowledgement(request_id, timeout=60, poll_interval=interval)
                returned.append(time.perf_counter())

            waiter = threading.Thread(target=wait)
            waiter.start()
            time.sleep(random.uniform(0.2, 2.5) * interval)
            acked = time.perf_counter()
            mock.acknowledge(request_id, "oncall@example.com")
            waiter.join(timeout=60)
            latencies.append(returned[0] - acked)
            polls = proxy.polls(request_id)
            gaps.extend(b - a for a, b in zip(polls, polls[1:]))
        proxy.server.shutdown()

    def r(x: float) -> str:
        return f"{x / interval:.2f}x ({x * 1000:.0f} ms)"

    print(f"poll interval {interval * 1000:.0f} ms, {args.rounds} rounds, {len(gaps)} gaps "
          f"between polls; one acknowledgements read through the proxy: {trip * 1000:.1f} ms")
    print(f"return after the acknowledgement: median {r(statistics.median(latencies))}, "
          f"max {r(max(latencies))} (goal <= 1.2x + a read)")
    print(f"gap between polls: min {r(min(gaps))}, median {r(statistics.median(gaps))}, "
          f"max {r(max(gaps))}")
    below = sum(g < interval for g in gaps)
    print(f"gaps below the interval: {below} of {len(gaps)} (goal 0)")


if __name__ == "__main__":
    main()
