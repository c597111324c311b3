"""`hotpot.testing`: the MockServer wrapper, the pytest fixture and the standalone server."""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import hotpot
from hotpot.testing import MockServer, WaitTimeout


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
        "status", "errors", "warnings", "payload", "raw_body", "moment_id", "headers",
        "client_addr",
    }
    assert event["status"] == "success" and event["moment_id"] == moment["id"]
    assert event["client_addr"] == "127.0.0.1"
    assert set(event["headers"]) == {"user_agent", "idempotency_key", "content_type"}
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


#: The flags of the binary `hotpot-mock-server` (and of `hotpot mock`): `MockArgs`.
MOCK_ARGS = Path(__file__).resolve().parents[2] / "hotpot-mock-server" / "src" / "cli.rs"


def help_options(*command: str) -> str:
    """The `Options:` part of a command's `--help`, its whitespace made one space (the two
    commands wrap at different widths)."""
    out = subprocess.run(
        [*command, "--help"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    options = out.split("\nOptions:\n", 1)[1].split("\nExamples:\n", 1)[0]
    return " ".join(options.split())


def test_standalone_server_takes_every_flag_and_variable_of_the_binary() -> None:
    module = help_options(sys.executable, "-m", "hotpot.testing")
    # `hotpot mock`, through the console script's entry point: the binary's MockArgs.
    cli = help_options(sys.executable, "-c", "from hotpot._cli import main; main()", "mock")
    assert module == cli
    variables = re.findall(r'env = "(HOTPOT_MOCK_[A-Z_]+)"', MOCK_ARGS.read_text())
    assert len(variables) >= 11, variables
    for name in variables:
        flag = "--" + name.removeprefix("HOTPOT_MOCK_").lower().replace("_", "-")
        assert f"{flag} " in module and f"[env: {name}" in module, name


def test_standalone_server_reads_the_environment_and_logs_requests_as_the_binary() -> None:
    env = {
        **os.environ,
        "HOTPOT_MOCK_PORT": "0",  # ignored, it would take the default 8080
        "HOTPOT_MOCK_TOKEN": "env-token-123",
        "HOTPOT_MOCK_PUBLIC_URL": "http://hotpot-mock.example:9999/",
        "HOTPOT_MOCK_LOG_FORMAT": "json",
        "HOTPOT_MOCK_EXIT_WITH_PARENT": "true",
        "RUST_LOG": "info",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotpot.testing"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None and proc.stdin is not None
        assert proc.stdout.readline() == "listening on http://hotpot-mock.example:9999\n"
        assert proc.stdout.readline() == "webhook url: http://hotpot-mock.example:9999/moment/env-token-123\n"
        ready = json.loads(proc.stderr.readline())  # the address really bound
        assert (ready["message"], ready["exit_with_parent"]) == ("hotpot mock server ready", True)
        host, port = ready["address"].rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) not in (0, 8080)
        url = f"http://127.0.0.1:{port}/moment/env-token-123"
        assert hotpot.Client(url).send("logged", "alert").status_code == 202
        proc.stdin.close()  # --exit-with-parent: the harness went away
        assert proc.wait(timeout=10) == 0
        lines = [json.loads(line) for line in proc.stderr.read().splitlines()]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [request] = [line for line in lines if line["message"] == "request"]
    assert (request["method"], request["path"], request["status"]) == ("POST", "/moment/env-…", 202)
    assert lines[-1]["message"] == "stopping" and lines[-1]["reason"] == "standard input closed"
    assert "env-token-123" not in json.dumps(lines)


def test_standalone_server_refuses_a_bad_flag_as_the_binary() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hotpot.testing", "--log-format", "xml"],
        capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "invalid value 'xml' for '--log-format <LOG_FORMAT>'" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "hotpot.testing", "--bogus"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 2 and "Usage: python -m hotpot.testing [OPTIONS]" in proc.stderr


# --- parity with the Rust MockServer --------------------------------------------------------


def test_update_webhook_renames_and_rotates_by_url_or_token(hotpot_mock: MockServer) -> None:
    hotpot_mock.set_clock("2026-01-01T00:00:00Z")
    url = hotpot_mock.create_webhook("old name")
    hook = hotpot_mock.update_webhook(url, label="new name")
    assert (hook["label"], hook["url"], hook["expires_at"]) == ("new name", url, None)
    token = hook["token"]
    hook = hotpot_mock.update_webhook(token, expires_at=datetime(2026, 1, 1, 1, 0))
    assert (hook["label"], hook["expires_at"]) == ("new name", "2026-01-01T01:00:00Z")
    client = hotpot.Client(url)
    assert client.send("before the expiry", "alert").status_code == 202
    hotpot_mock.advance_clock(2 * 3600)
    with pytest.raises(hotpot.WebhookError) as info:
        client.send("after the expiry", "alert")
    assert info.value.status_code == 410
    hook = hotpot_mock.update_webhook(url, expires_at=None)  # never expires again
    assert hook["expires_at"] is None
    assert client.send("revived", "alert").status_code == 202
    [renamed] = [h for h in hotpot_mock.webhooks() if h["token"] == token]
    assert renamed["label"] == "new name"


def test_update_and_delete_of_an_unknown_webhook_raise_lookup_error(hotpot_mock: MockServer) -> None:
    with pytest.raises(LookupError):
        hotpot_mock.update_webhook("no-such-token", label="x")
    with pytest.raises(LookupError):
        hotpot_mock.delete_webhook("no-such-token")
    with pytest.raises(LookupError) as info:
        hotpot_mock.delete_webhook(f"{hotpot_mock.url}/moment/s3cr3t-unknown-token")
    assert "s3cr3t" not in str(info.value)
    with pytest.raises(hotpot.ConfigError, match="expires_at"):
        hotpot_mock.update_webhook(hotpot_mock.token, expires_at="soon")
    with pytest.raises(TypeError, match="^label: expected a str or None, found int"):
        hotpot_mock.update_webhook(hotpot_mock.token, label=3)  # type: ignore[arg-type]


def test_delete_webhook_makes_its_token_unknown(hotpot_mock: MockServer) -> None:
    url = hotpot_mock.create_webhook("temporary")
    assert hotpot.send(url, "while it lasts", "alert").status_code == 202
    hotpot_mock.delete_webhook(url)
    with pytest.raises(hotpot.WebhookError) as info:
        hotpot.Client(url).send("too late", "alert")
    assert info.value.status_code == 404
    assert [h["label"] for h in hotpot_mock.webhooks()] == ["default"]


def test_retry_event_processes_an_error_event_again(hotpot_mock: MockServer) -> None:
    hotpot_mock.set_clock("2020-01-01T00:00:00Z")
    hotpot.send(hotpot_mock.webhook_url, "from the future", "alert", occurred_at="2023-04-01 12:31:26")
    [event] = hotpot_mock.wait_for_events(1)
    assert event["status"] == "error" and hotpot_mock.moment_count() == 0
    hotpot_mock.reset_clock()
    retried = hotpot_mock.retry_event(event["id"])
    assert (retried["id"], retried["status"], retried["errors"]) == (event["id"], "success", [])
    assert hotpot_mock.event(event["id"]) == retried
    [moment] = hotpot_mock.moments()
    assert moment["id"] == retried["moment_id"] and moment["name"] == "from the future"
    with pytest.raises(hotpot.ConfigError):
        hotpot_mock.retry_event(event["id"])  # a success is not retried
    with pytest.raises(LookupError):
        hotpot_mock.retry_event("999999")
    with pytest.raises(LookupError):
        hotpot_mock.event("999999")


def test_fail_next_with_a_token_hits_only_that_webhook(hotpot_mock: MockServer) -> None:
    other = hotpot_mock.create_webhook("other")
    hotpot_mock.fail_next(503, count=5, token=other)
    assert hotpot.Client(hotpot_mock.webhook_url, max_retries=0).send("untouched", "alert").attempts == 1
    with pytest.raises(hotpot.ServerError):
        hotpot.Client(other, max_retries=0).send("hit", "alert")
    assert hotpot_mock.pending_faults() == 1
    hotpot_mock.clear_faults()
    hotpot_mock.fail_next(503, token=hotpot_mock.token)  # the token itself works too
    assert hotpot.Client(hotpot_mock.webhook_url).send("retried once", "alert").attempts == 2


def admin_get(mock: MockServer, path: str) -> Any:
    """The JSON of `GET {mock.url}{path}`: the admin API the methods mirror."""
    with urllib.request.urlopen(f"{mock.url}{path}", timeout=10) as answer:
        return json.load(answer)


def test_requests_counts_a_clients_attempts_as_the_admin_api(hotpot_mock: MockServer) -> None:
    other = hotpot_mock.create_webhook("other")
    hotpot_mock.fail_next(503, count=2, token=hotpot_mock.token)
    receipt = hotpot.Client(hotpot_mock.webhook_url).send("retried twice", "alert")
    assert receipt.attempts == 3
    requests = hotpot_mock.requests()
    assert [r["status"] for r in requests] == [503, 503, 202]
    assert [r["fault"] for r in requests] == [
        {"status": 503, "retry_after": None, "delay_ms": None, "drop_connection": False},
    ] * 2 + [None]
    assert {r["headers"]["idempotency_key"] for r in requests} == {receipt.idempotency_key}
    assert [r["event_id"] is None for r in requests] == [True, True, False]
    assert all(r["method"] == "POST" and not r["replayed"] for r in requests)
    assert all(r["headers"]["user_agent"].startswith("hotpot") for r in requests)
    assert hotpot_mock.token not in json.dumps(requests)
    assert requests == admin_get(hotpot_mock, "/_mock/requests")["requests"]
    assert hotpot_mock.requests(token=hotpot_mock.webhook_url) == requests
    assert hotpot_mock.requests(token=hotpot_mock.token) == requests
    assert hotpot_mock.requests(token=other) == []
    hotpot_mock.reset()
    assert hotpot_mock.requests() == []


def test_faults_are_listed_and_cleared_per_token_as_the_admin_api(hotpot_mock: MockServer) -> None:
    other = hotpot_mock.create_webhook("other")
    hotpot_mock.fail_next(503, count=2, token=other)
    hotpot_mock.fail_next(500, retry_after=1.5, delay=0.25)
    for_other = {
        "token_hint": other.rsplit("/", 1)[1][:4] + "…", "status": 503, "count": 2,
        "retry_after": None, "delay_ms": None, "drop_connection": False, "route": None,
    }
    for_any = {
        "token_hint": None, "status": 500, "count": 1,
        "retry_after": 2, "delay_ms": 250, "drop_connection": False, "route": None,
    }
    assert hotpot_mock.faults() == [for_other, for_any]
    assert hotpot_mock.faults() == admin_get(hotpot_mock, "/_mock/faults")["faults"]
    assert hotpot_mock.faults(token=other) == [for_other]
    assert hotpot_mock.faults(token=hotpot_mock.token) == []
    with pytest.raises(hotpot.ServerError):  # the fault counts down as it hits
        hotpot.Client(other, max_retries=0).send("hit", "alert")
    assert hotpot_mock.faults(token=other) == [{**for_other, "count": 1}]
    hotpot_mock.clear_faults(token=hotpot_mock.token)  # none of its own: nothing goes
    assert hotpot_mock.pending_faults() == 2
    hotpot_mock.clear_faults(token=other)
    assert hotpot_mock.faults() == [for_any]
    hotpot_mock.clear_faults()
    assert hotpot_mock.faults() == []


@pytest.mark.parametrize(
    "call",
    [
        lambda m, t: m.fail_next(503, token=t),
        lambda m, t: m.fail_next(delay=0.1, token=t),
        lambda m, t: m.requests(token=t),
        lambda m, t: m.faults(token=t),
        lambda m, t: m.clear_faults(token=t),
        lambda m, t: m.moments(token=t),
        lambda m, t: m.events(token=t),
        lambda m, t: m.events(token=t, status="error"),
    ],
    ids=["fail_next", "fail_next_delay", "requests", "faults", "clear_faults", "moments", "events",
         "events_status"],
)
def test_a_token_that_names_no_webhook_raises_lookup_error(hotpot_mock: MockServer, call: Any) -> None:
    deleted = hotpot_mock.create_webhook("deleted")
    hotpot_mock.delete_webhook(deleted)
    for token in ["s3cr3t-no-such-webhook", deleted.rsplit("/", 1)[1], deleted]:
        with pytest.raises(LookupError) as info:
            call(hotpot_mock, token)
        message = str(info.value)
        assert message.startswith(f"token: no webhook of the server at {hotpot_mock.url} has ")
        assert token.rsplit("/", 1)[-1][4:] not in message, "the token is a secret"
    assert hotpot_mock.pending_faults() == 0, "no fault that would never fire"
    with pytest.raises(LookupError, match=r"has the token s3cr…"):
        call(hotpot_mock, "s3cr3t-no-such-webhook")


def test_public_url_names_every_url_the_server_returns() -> None:
    with MockServer(public_url="http://hotpot-mock.example:9999/", token="pub-token") as mock:
        assert mock.url == "http://hotpot-mock.example:9999"
        assert mock.webhook_url == "http://hotpot-mock.example:9999/moment/pub-token"
        assert [h["url"] for h in mock.webhooks()] == [mock.webhook_url]
        other = mock.create_webhook("other")
        assert other.startswith("http://hotpot-mock.example:9999/moment/")
        mock.fail_next(503, token=other)  # its URL is a token's URL
        assert mock.pending_faults() == 1
    with pytest.raises(hotpot.ConfigError, match="public_url"):
        MockServer(public_url="ftp://hotpot-mock.example")
    with pytest.raises(TypeError, match="^public_url: expected a URL"):
        MockServer(public_url=8080)  # type: ignore[arg-type]


def test_counts_and_filters(hotpot_mock: MockServer) -> None:
    other = hotpot_mock.create_webhook("other")
    hotpot.send(hotpot_mock.webhook_url, "default ok", "alert")
    hotpot.send(other, "other ok", "alert")
    hotpot.send(other, "other late", "alert", occurred_at="2023-04-01 12:31:26")
    hotpot_mock.set_clock("2020-01-01T00:00:00Z")
    hotpot.send(other, "other from the future", "alert", occurred_at="2023-04-01 12:31:26")
    hotpot_mock.wait_for_events(4)
    assert (hotpot_mock.event_count(), hotpot_mock.moment_count(), hotpot_mock.dropped_events()) == (4, 3, 0)
    assert [m["name"] for m in hotpot_mock.moments(token=other)] == ["other ok", "other late"]
    assert [m["name"] for m in hotpot_mock.moments(token=hotpot_mock.token)] == ["default ok"]
    assert [e["payload"]["name"] for e in hotpot_mock.events(token=other)] == [
        "other ok", "other late", "other from the future",
    ]
    assert [e["payload"]["name"] for e in hotpot_mock.events(status="error")] == ["other from the future"]
    assert [e["payload"]["name"] for e in hotpot_mock.events(token=other, status="success")] == [
        "other ok", "other late",
    ]
    assert hotpot_mock.events(token=hotpot_mock.token, status="error") == []
    with pytest.raises(hotpot.ConfigError, match="status: expected success or error"):
        hotpot_mock.events(status="failed")  # type: ignore[arg-type]


def test_dropped_events_counts_what_max_events_pushed_out() -> None:
    with MockServer(max_events=2) as mock:
        for i in range(5):
            hotpot.send(mock.webhook_url, f"moment {i}", "alert")
        assert (mock.event_count(), mock.dropped_events()) == (2, 3)
        assert [m["name"] for m in mock.moments()] == ["moment 3", "moment 4"]


def test_a_wait_that_times_out_says_what_it_saw(hotpot_mock: MockServer) -> None:
    hotpot.send(hotpot_mock.webhook_url, "only one", "alert")
    with pytest.raises(WaitTimeout) as info:
        hotpot_mock.wait_for_moments(2, timeout=0.1)
    e = info.value
    assert isinstance(e, TimeoutError) and not isinstance(e, hotpot.HotpotError)
    assert (e.wanted, [m["name"] for m in e.got]) == (2, ["only one"])
    assert 0.1 <= e.waited < 5
    assert str(e).startswith("waited 0.1s for 2 moments, found 1")
    assert type(e).__module__ == "hotpot.testing"
    again = pickle.loads(pickle.dumps(e))
    assert (type(again), again.wanted, again.got, str(again)) == (WaitTimeout, 2, e.got, str(e))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: m.fail_next(True), TypeError, "status: expected an int, found bool (True)"),
        (lambda m: m.fail_next(503, count=True), TypeError, "count: expected an int, found bool"),
        (lambda m: m.fail_next(503, count=0), hotpot.ConfigError, "count: expected 1 to 1000000, found 0"),
        (lambda m: m.fail_next(503, delay="1"), TypeError, "delay: expected a non-negative number of seconds"),
        (lambda m: m.fail_next(503, delay=True), TypeError, "delay: expected a non-negative number of seconds"),
        (lambda m: m.fail_next(drop_connection=1), TypeError, "drop_connection: expected a bool, found int"),
        (lambda m: m.fail_next(503, token=7), TypeError, "token: expected a token or webhook URL"),
        (lambda m: m.wait_for_events(True), TypeError, "n: expected an int, found bool"),
        (lambda m: m.wait_for_events(1, timeout=-1), hotpot.ConfigError, "timeout: expected a non-negative"),
        (lambda m: m.advance_clock(True), TypeError, "seconds: expected a non-negative number of seconds"),
        (lambda m: m.set_clock(1), TypeError, "now: expected a datetime or an RFC 3339 string, found int"),
        (lambda m: m.create_webhook(3), TypeError, "label: expected a str, found int"),
        (lambda m: m.create_webhook("x", expires_at=5), TypeError, "expires_at: expected a datetime"),
        (lambda m: m.create_webhook("x", "Not A Slug"), hotpot.ConfigError, "type"),
        (lambda m: m.reset(webhooks=1), TypeError, "webhooks: expected a bool, found int"),
        (lambda m: m.retry_event(1), TypeError, "event_id: expected an event id"),
        (lambda m: m.events(status=1), TypeError, "status: expected 'success', 'error' or None"),
    ],
)
def test_bad_arguments_raise_as_the_clients_do(
    hotpot_mock: MockServer, call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        call(hotpot_mock)
    assert message in str(info.value)
    assert hotpot_mock.pending_faults() == 0, "nothing half-done"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"strict": 1}, TypeError, "strict: expected a bool, found int (1)"),
        ({"port": True}, TypeError, "port: expected an int, found bool (True)"),
        ({"port": 70000}, hotpot.ConfigError, "port: expected 0 to 65535, found 70000"),
        ({"port": "8080"}, TypeError, "port: expected an int, found str"),
        ({"host": "localhost"}, hotpot.ConfigError, 'host: expected an IP address, found "localhost"'),
        ({"rate_limit": 0}, hotpot.ConfigError, "rate_limit: expected 1 to"),
        ({"max_events": False}, TypeError, "max_events: expected an int, found bool"),
        ({"token": 5}, TypeError, "token: expected a str or None, found int"),
        ({"api_key": " "}, hotpot.ConfigError, "api_key"),
    ],
)
def test_bad_server_settings_raise_as_the_clients_do(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        MockServer(**kwargs)
    assert message in str(info.value)


def test_the_context_manager_gives_the_server_and_closes_it() -> None:
    with MockServer() as mock:
        assert isinstance(mock, MockServer) and not mock.closed
    assert mock.closed
