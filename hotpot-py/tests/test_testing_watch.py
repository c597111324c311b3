"""``MockServer.expect_moment``, ``senders`` and ``rejected`` (spec §7), and the new flags of
``python -m hotpot.testing``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import hotpot
from hotpot import MomentType
from hotpot.testing import MockServer


def test_expect_moment_returns_the_matching_moments(hotpot_mock: MockServer) -> None:
    hotpot.send(hotpot_mock.webhook_url, "Deploy failed", "incident", source="ci")
    hotpot.send(hotpot_mock.webhook_url, "Deploy rolled back", "near-miss")
    matched = hotpot_mock.expect_moment(name={"contains": "Deploy"}, count=2)
    assert [m["name"] for m in matched] == ["Deploy failed", "Deploy rolled back"]
    [moment] = hotpot_mock.expect_moment(type=MomentType.INCIDENT, source="ci", within=5.0)
    assert moment["name"] == "Deploy failed"
    assert hotpot_mock.expect_moment(name="Deploy rolled back", source=None)


def test_a_failed_expectation_is_an_assertion_error_listing_the_near_misses(
    hotpot_mock: MockServer,
) -> None:
    hotpot.send(hotpot_mock.webhook_url, "Deploy failed", "alert")
    with pytest.raises(AssertionError) as raised:
        hotpot_mock.expect_moment(name="Deploy failed", type="incident")
    message = str(raised.value)
    assert 'type: expected "incident", found "alert"' in message
    assert "found 0" in message


def test_bad_expectations_name_the_problem(hotpot_mock: MockServer) -> None:
    with pytest.raises(hotpot.ConfigError, match="nmae: unknown field"):
        hotpot_mock.expect_moment(nmae="x")
    with pytest.raises(hotpot.ConfigError, match="count"):
        hotpot_mock.expect_moment(count=0)
    with pytest.raises(LookupError):
        hotpot_mock.expect_moment(token="no-such-webhook")


def test_senders_and_rejected(hotpot_mock: MockServer) -> None:
    hotpot.send(hotpot_mock.webhook_url, "One", "alert", source="ci")
    [sender] = hotpot_mock.senders(hotpot_mock.token)
    assert sender["source"] == "ci" and sender["client_addr"] == "127.0.0.1"
    assert sender["count"] == 1
    with pytest.raises(hotpot.WebhookError):
        hotpot.send(f"{hotpot_mock.webhook_url}x", "Lost", "alert")
    [rejected] = hotpot_mock.rejected()
    assert rejected["status"] == 404
    assert rejected["near"]["label"] == "default"
    assert hotpot_mock.token not in repr(rejected)


def test_python_m_hotpot_testing_takes_the_new_flags() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hotpot.testing", "--help"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    for flag in ("--print", "--read-timeout", "--max-connections", "--max-idempotency-keys"):
        assert flag in out, out
