"""Shared fixtures. `hotpot_mock` itself comes from hotpot's pytest plugin (entry point)."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

import hotpot
from hotpot.testing import MockServer

#: A token the redaction tests look for in every output.
TOKEN = "sekr1t-T0KEN-abcdefghij"


@pytest.fixture
def client(hotpot_mock: MockServer) -> hotpot.Client:
    """A client for the test's mock server, retrying quickly."""
    return hotpot.Client(hotpot_mock.webhook_url)


@pytest.fixture
def secret_mock() -> MockServer:
    """A mock server whose default webhook has the token `TOKEN`."""
    with MockServer(token=TOKEN) as server:
        yield server


@pytest.fixture
def ctrl_c() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt during the test, as Ctrl-C does in a terminal, however
    the test run was started: a background job (``cmd &`` in a script, ``nohup``) starts
    with SIGINT ignored, and Python keeps it ignored. The previous handler is put back after."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
