"""A plain HTTP server answering every POST 202, for tests that look at what a client sends."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def accepting_server(
    address: str, token: str, record: Callable[[http.server.BaseHTTPRequestHandler], str]
) -> Iterator[tuple[str, list[str]]]:
    """Serves on ``address`` (a free port) until the block ends; yields the webhook URL of
    ``token`` there and a list that gets ``record(request)`` for each request, in order."""
    seen: list[str] = []

    class Accept(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(record(self))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer((address, 0), Accept)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{address}:{server.server_port}/moment/{token}", seen
    finally:
        server.shutdown()
        server.server_close()
