"""The pytest plugin of hotpot, registered through the ``pytest11`` entry point.

It provides one fixture, ``hotpot_mock``: a fresh :class:`hotpot.testing.MockServer` for each
test, closed when the test ends::

    def test_deploy_reports_a_near_miss(hotpot_mock):
        deploy(webhook_url=hotpot_mock.webhook_url)
        [moment] = hotpot_mock.wait_for_moments(1)
        assert moment["type"] == "near-miss"
"""

from __future__ import annotations

import pytest

from . import MockServer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["hotpot_mock"]


@pytest.fixture
def hotpot_mock() -> Iterator[MockServer]:
    """A fresh in-process Hotpot mock server (its own port and state), closed after the test."""
    with MockServer() as server:
        yield server


