"""A server that closes idle keep-alive connections (as load balancers and most HTTP servers
do after a while) must not cost a send an attempt, let alone fail it (spec §5): a request
that a connection closed before any answer is resent at once, not counted as an attempt.

The server here closes a connection as soon as a second request arrives on it, without
answering, so the client cannot have learnt of the close before sending, whatever the
scheduling: without the resend, every send but the first fails."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

import hotpot

TOKEN = "845b1e3c9d0f4a7b8c6d5e4f3a2b1c0d"
ANSWER = json.dumps(
    {"status": "success", "hotpot_request_id": "r-1", "message": "Your request has been queued."}
).encode()
SENDS = 4


class ClosingServer:
    """Answers the first request of each connection 202 with a keep-alive response, then
    closes the connection when the next request arrives on it, unanswered."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.dropped = 0
        self.answered: Counter[str] = Counter()  # by Idempotency-Key
        self._lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/moment/{TOKEN}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            pending = b""
            for served in range(2):
                request = self._read_request(conn, pending)
                if request is None:
                    return
                key, pending = request
                with self._lock:
                    if served == 1:
                        self.dropped += 1
                        return  # closes the reused connection, the request unanswered
                    self.answered[key] += 1
                conn.sendall(
                    b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER)
                )

    @staticmethod
    def _read_request(conn: socket.socket, data: bytes) -> tuple[str, bytes] | None:
        """One whole request: its Idempotency-Key and the bytes after it; None at EOF."""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
        }
        length = int(headers.get(b"content-length", b"0"))
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            body += chunk
        return headers.get(b"idempotency-key", b"").decode(), body[length:]

    def assert_each_delivered_once(self) -> None:
        with self._lock:
            assert len(self.answered) == SENDS, self.answered
            assert set(self.answered.values()) == {1}, self.answered
            # Every send but the first went out on the previous send's connection first.
            assert self.dropped == SENDS - 1
            assert self.connections == SENDS

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def closing_server() -> Iterator[ClosingServer]:
    server = ClosingServer()
    yield server
    server.close()


def test_blocking_sends_after_the_server_closed_the_idle_connection(
    closing_server: ClosingServer,
) -> None:
    client = hotpot.Client(closing_server.url, max_retries=0)
    for _ in range(SENDS):
        receipt = client.send("Nightly backup failed", "alert")
        assert receipt.attempts == 1
    closing_server.assert_each_delivered_once()


def test_async_sends_after_the_server_closed_the_idle_connection(
    closing_server: ClosingServer,
) -> None:
    async def main() -> None:
        client = hotpot.AsyncClient(closing_server.url, max_retries=0)
        for _ in range(SENDS):
            receipt = await client.send("Nightly backup failed", "alert")
            assert receipt.attempts == 1

    asyncio.run(main())
    closing_server.assert_each_delivered_once()
