"""``python -m hotpot.testing``: the mock server as a standalone process.

For tests written in other languages. Like the Rust binary ``hotpot-mock-server``, it prints
``listening on http://HOST:PORT`` and ``webhook url: http://HOST:PORT/moment/TOKEN`` as its
first two lines (with ``--port 0``, the port it got) and stops cleanly on SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from . import MockServer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the server until SIGINT or SIGTERM; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m hotpot.testing",
        description="A faithful, stateful mock of Hotpot's moment webhooks.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="port to bind; 0 for a free one (default 8080)"
    )
    parser.add_argument("--token", help="the default webhook's token (random when absent)")
    parser.add_argument(
        "--api-key", help="API key for GET /request/{id}/status (default hotpot-mock-api-key)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="answer payloads that break the rules with 422"
    )
    parser.add_argument(
        "--rate-limit", type=int, metavar="PER_SECOND", help="requests per second per webhook"
    )
    parser.add_argument("--max-events", type=int, metavar="N", help="events to keep")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        server = MockServer(
            strict=args.strict,
            token=args.token,
            api_key=args.api_key,
            host=args.host,
            port=args.port,
            rate_limit=args.rate_limit,
            max_events=args.max_events,
        )
    except (OSError, ValueError) as e:
        print(f"python -m hotpot.testing: {e}", file=sys.stderr)
        return 1
    with server:
        # The one place the full webhook URL is printed: it is the user's own test URL.
        print(f"listening on {server.url}", flush=True)
        print(f"webhook url: {server.webhook_url}", flush=True)
        while not stop.wait(3600):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
