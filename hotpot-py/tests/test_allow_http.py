"""Plain http to a host that is not loopback (a mock in docker-compose, a CI service
container): refused by default with a message that says how to opt in, and allowed with
``allow_http=True`` on every constructor and on ``hotpot.send``."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from http_helpers import accepting_server

import hotpot

REMOTE = "http://hotpot-mock.internal:8080/moment/abcdef"


@pytest.mark.parametrize(
    "make",
    [
        lambda: hotpot.Client(REMOTE),
        lambda: hotpot.AsyncClient(REMOTE),
        lambda: hotpot.send(REMOTE, "x", "alert"),
    ],
    ids=["Client", "AsyncClient", "send"],
)
def test_plain_http_is_refused_by_default_saying_how_to_opt_in(make: Callable[[], Any]) -> None:
    with pytest.raises(hotpot.ConfigError) as info:
        make()
    message = str(info.value)
    assert "refusing plain http to hotpot-mock.internal" in message
    assert "allow_http=True" in message, message
    assert "ClientBuilder" not in message and "WebhookUrl::" not in message, message


def test_from_env_refuses_it_too_and_takes_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTPOT_WEBHOOK_URL", REMOTE)
    with pytest.raises(hotpot.ConfigError, match="allow_http=True"):
        hotpot.Client.from_env()
    assert hotpot.Client.from_env(allow_http=True) is not None
    assert hotpot.AsyncClient.from_env(allow_http=True) is not None


def test_allow_http_takes_a_bool_only() -> None:
    with pytest.raises(TypeError, match="allow_http"):
        hotpot.Client(REMOTE, allow_http="yes")  # type: ignore[arg-type]


def local_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if not loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(s.getsockname()[0])
    return None if address.startswith("127.") else address


@pytest.fixture
def remote_server() -> Iterator[tuple[str, list[str]]]:
    """A plain HTTP server on this machine's non-loopback address, answering 202."""
    address = local_address()
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    with accepting_server(address, "trusted-network", lambda request: request.path) as served:
        yield served


def test_with_the_opt_in_every_way_sends_over_plain_http(
        remote_server: tuple[str, list[str]]) -> None:
    url, paths = remote_server
    assert hotpot.Client(url, allow_http=True).send("sync", "alert").status_code == 202
    assert hotpot.send(url, "one line", "alert", allow_http=True).status_code == 202

    async def main() -> int:
        receipt = await hotpot.AsyncClient(url, allow_http=True).send("async", "alert")
        return receipt.status_code

    assert asyncio.run(main()) == 202
    with hotpot.Emitter(hotpot.Client(url, allow_http=True)) as emitter:
        emitter.emit(hotpot.Moment("emitted", "alert"))
    assert emitter.stats()["delivered"] == 1
    assert paths == ["/moment/trusted-network"] * 4
