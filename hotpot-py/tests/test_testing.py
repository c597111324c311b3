"""`hotpot.testing`: the MockServer wrapper, the pytest fixture and the standalone server."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import hotpot
from hotpot.testing import MockServer


def test_the_fixture_gives_a_fresh_server_per_test(hotpot_mock: MockServer) -> None:
    assert isinstance(hotpot_mock, MockServer)
    assert hotpot_mock.events() == [] and hotpot_mock.moments() == []
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", hotpot_mock.url)
    assert hotpot_mock.webhook_url == f"{hotpot_mock.url}/moment/{hotpot_mock.token}"


def test_the_plugin_is_registered_by_entry_point(tmp_path: Path) -> None:
    """A pytest run that knows nothing of hotpot gets the fixture from the entry point."""
    (tmp_path / "test_uses_fixture.py").write_text(
        "import hotpot\n"
        "\n"
        "def test_one(hotpot_mock):\n"
        "    hotpot.send(hotpot_mock.webhook_url, 'first', 'alert')\n"
        "    assert len(hotpot_mock.wait_for_moments(1)) == 1\n"
        "\n"
        "def test_two(hotpot_mock):\n"
        "    assert hotpot_mock.moments() == []\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_moments_and_events_are_dicts_shaped_as_section_7(hotpot_mock: MockServer) -> None:
    hotpot.Client(hotpot_mock.webhook_url).send(
        "Failed deploy with successful rollback", "near-miss", source="Deploybot",
        occurred_at="2023-04-01 12:31:26",
    )
    [moment] = hotpot_mock.wait_for_moments(1)
    assert set(moment) == {
        "id", "request_id", "name", "type", "priority", "source", "source_url", "description",
        "occurred_at", "created_at", "webhook_label", "integration",
    }
    assert moment["type"] == "near-miss" and moment["priority"] == "medium"
    assert moment["occurred_at"] == "2023-04-01T12:31:26Z"
    [event] = hotpot_mock.events()
    assert set(event) == {
        "id", "request_id", "webhook_label", "token_hint", "integration", "received_at",
        "status", "errors", "warnings", "payload", "raw_body", "moment_id",
    }
    assert event["status"] == "success" and event["moment_id"] == moment["id"]
    assert event["payload"]["type"] == "near-miss"


def test_create_webhook_returns_its_url(hotpot_mock: MockServer) -> None:
    url = hotpot_mock.create_webhook("pagerduty", "pagerduty")
    assert url.startswith(hotpot_mock.url + "/moment/") and url != hotpot_mock.webhook_url
    hotpot.send(url, "via the second webhook", "page")
    [moment] = hotpot_mock.wait_for_moments(1)
    assert moment["webhook_label"] == "pagerduty"
    hooks = {h["label"]: h for h in hotpot_mock.webhooks()}
    assert hooks["pagerduty"]["type"] == "pagerduty" and hooks["pagerduty"]["url"] == url
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    hotpot_mock.create_webhook("rotating", expires_at=later.isoformat())
    with pytest.raises(ValueError, match="expires_at"):
        hotpot_mock.create_webhook("bad", expires_at="tomorrow")


def test_fail_next_validates_its_arguments(hotpot_mock: MockServer) -> None:
    with pytest.raises(ValueError, match="status"):
        hotpot_mock.fail_next(99)
    with pytest.raises(ValueError, match="retry_after"):
        hotpot_mock.fail_next(429, retry_after=-1)
    with pytest.raises(ValueError):
        hotpot_mock.fail_next(None)
    hotpot_mock.fail_next(503, count=2)
    hotpot_mock.clear_faults()
    assert hotpot.Client(hotpot_mock.webhook_url, max_retries=0).send("x", "alert").attempts == 1


def test_a_delay_only_fault_slows_the_answer_down(hotpot_mock: MockServer) -> None:
    hotpot_mock.fail_next(None, delay=0.3)
    receipt = hotpot.Client(hotpot_mock.webhook_url, timeout=5).send("slow but fine", "alert")
    assert receipt.status_code == 202 and receipt.attempts == 1


def test_reset_forgets_events_and_moments(hotpot_mock: MockServer) -> None:
    hotpot.send(hotpot_mock.webhook_url, "x", "alert")
    hotpot_mock.create_webhook("extra")
    hotpot_mock.wait_for_events(1)
    hotpot_mock.reset()
    assert hotpot_mock.events() == [] and hotpot_mock.moments() == []
    assert len(hotpot_mock.webhooks()) == 2
    hotpot_mock.reset(webhooks=True)
    assert [h["label"] for h in hotpot_mock.webhooks()] == ["default"]


def test_wait_for_events_times_out_with_a_builtin_timeout_error(hotpot_mock: MockServer) -> None:
    with pytest.raises(TimeoutError, match="for 1 events, found 0"):
        hotpot_mock.wait_for_events(1, timeout=0.05)


def test_the_clock_decides_the_future(hotpot_mock: MockServer) -> None:
    hotpot_mock.set_clock(datetime(2020, 1, 1))
    assert hotpot_mock.now() == datetime(2020, 1, 1, tzinfo=timezone.utc)
    hotpot_mock.advance_clock(60)
    assert hotpot_mock.now() == datetime(2020, 1, 1, 0, 1, tzinfo=timezone.utc)
    hotpot.send(hotpot_mock.webhook_url, "from the future", "alert", occurred_at="2023-04-01 12:31:26")
    [event] = hotpot_mock.wait_for_events(1)
    assert event["status"] == "error" and event["errors"][0]["field"] == "occurred_at"
    hotpot_mock.reset_clock()
    assert hotpot_mock.now().year >= 2026


def test_strict_token_and_api_key_options() -> None:
    with MockServer(strict=True, token="my-test-token", api_key="k3y") as mock:
        assert mock.token == "my-test-token" and mock.api_key == "k3y"
        assert mock.webhook_url.endswith("/moment/my-test-token")
    with pytest.raises(ValueError, match="token"):
        MockServer(token="bad token!")


def test_close_stops_the_server_and_is_idempotent() -> None:
    mock = MockServer()
    url = mock.webhook_url
    assert not mock.closed
    mock.close()
    mock.close()
    assert mock.closed
    with pytest.raises(RuntimeError, match="closed"):
        mock.moments()
    with pytest.raises(hotpot.TransportError):
        hotpot.Client(url, max_retries=0).send("x", "alert")


def start_standalone(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotpot.testing", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline().rstrip("\n")
    second = proc.stdout.readline().rstrip("\n")
    return proc, first, second


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_standalone_server_prints_two_lines_serves_and_stops_on_signals(sig: int) -> None:
    proc, first, second = start_standalone("--port", "0", "--token", "standalone-token")
    try:
        listening = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))", first)
        assert listening, first
        assert int(listening.group(2)) > 0
        assert second == f"webhook url: {listening.group(1)}/moment/standalone-token"
        receipt = hotpot.send(second.split(": ", 1)[1], "to the standalone server", "alert")
        assert receipt.status_code == 202
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_standalone_server_reports_a_busy_port() -> None:
    with MockServer() as mock:
        port = mock.url.rsplit(":", 1)[1]
        proc = subprocess.run(
            [sys.executable, "-m", "hotpot.testing", "--port", port],
            capture_output=True, text=True, timeout=30,
        )
    assert proc.returncode == 1
    assert "could not bind" in proc.stderr and proc.stdout == ""
