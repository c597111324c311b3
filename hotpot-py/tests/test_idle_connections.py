"""A server that closes idle keep-alive connections (as load balancers and most HTTP servers
do after a while) must not cost a send an attempt, let alone fail it."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

import hotpot

TOKEN = "845b1e3c9d0f4a7b8c6d5e4f3a2b1c0d"
ANSWER = json.dumps(
    {"status": "success", "hotpot_request_id": "r-1", "message": "Your request has been queued."}
).encode()


class ClosingServer:
    """Answers every request 202 with a keep-alive response, then closes the connection
    shortly after, while it is idle in the client's pool."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.requests = 0
        self.closed = 0
        self._changed = threading.Condition()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/moment/{TOKEN}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer_once, args=(conn,), daemon=True).start()

    def _answer_once(self, conn: socket.socket) -> None:
        try:
            self._answer(conn)
        finally:
            with self._changed:
                self.closed += 1
                self._changed.notify_all()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, body = data.split(b"\r\n\r\n", 1)
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(body) < length:
                body += conn.recv(65536)
            self.requests += 1
            conn.sendall(
                b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\n"
                b"content-length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER)
            )
            time.sleep(0.05)  # then closes: the client holds the connection as idle

    def wait_closed(self, n: int, timeout: float = 20.0) -> None:
        """Until the server has closed ``n`` connections."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.closed >= n, timeout), self.closed

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
    for i in range(4):
        receipt = client.send("Nightly backup failed", "alert")
        assert receipt.attempts == 1
        closing_server.wait_closed(i + 1)  # the connection idle in the pool is closed
    assert closing_server.requests == 4
    assert closing_server.connections == 4


def test_async_sends_after_the_server_closed_the_idle_connection(
    closing_server: ClosingServer,
) -> None:
    async def main() -> None:
        client = hotpot.AsyncClient(closing_server.url, max_retries=0)
        for i in range(4):
            receipt = await client.send("Nightly backup failed", "alert")
            assert receipt.attempts == 1
            await asyncio.to_thread(closing_server.wait_closed, i + 1)

    asyncio.run(main())
    assert closing_server.requests == 4
