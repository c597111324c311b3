"""Shared fixtures. `hotpot_mock` itself comes from hotpot's pytest plugin (entry point)."""

from __future__ import annotations

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
