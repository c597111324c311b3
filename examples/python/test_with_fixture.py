"""Testing code that sends moments, with the ``hotpot_mock`` pytest fixture.

Installing hotpot registers the fixture: each test gets a fresh in-process mock server. Run
with ``pytest examples/python/test_with_fixture.py``.
"""

from __future__ import annotations

import pytest

import hotpot
from hotpot.testing import MockServer


def notify_rollback(webhook_url: str, service: str) -> None:
    """The code under test: what a deploy tool would call."""
    hotpot.send(
        webhook_url,
        f"Failed deploy of {service} with successful rollback",
        "near-miss",
        source="Deploybot",
    )


def test_a_rollback_is_reported_as_a_near_miss(hotpot_mock: MockServer) -> None:
    notify_rollback(hotpot_mock.webhook_url, "checkout")

    [moment] = hotpot_mock.wait_for_moments(1)
    assert moment["name"] == "Failed deploy of checkout with successful rollback"
    assert moment["type"] == "near-miss"
    assert moment["source"] == "Deploybot"


def test_a_hotpot_outage_is_retried(hotpot_mock: MockServer) -> None:
    hotpot_mock.fail_next(503, count=2)  # two failures, then service resumes

    notify_rollback(hotpot_mock.webhook_url, "search")

    assert len(hotpot_mock.wait_for_moments(1)) == 1  # once, despite the retries


def test_an_expired_webhook_raises(hotpot_mock: MockServer) -> None:
    hotpot_mock.set_clock("2026-01-01T00:00:00Z")
    old_url = hotpot_mock.create_webhook("old", expires_at="2026-01-01T00:30:00Z")
    hotpot_mock.advance_clock(3600)

    with pytest.raises(hotpot.WebhookError) as info:
        notify_rollback(old_url, "api")
    assert info.value.expired
