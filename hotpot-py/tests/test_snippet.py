"""The paste-in snippet run as Code by Zapier runs it (spec §13).

Each case executes the whole file's text with ``input_data`` defined and reads ``output``
back, in a subprocess of the oldest pyenv CPython >= 3.7 with ``-I -S`` (no site-packages),
against ``hotpot.testing.MockServer`` or a recording server on 127.0.0.1. The token is looked
for in everything each run prints and returns.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from snippet_helpers import SNIPPET, UUID4, Recorder, load_snippet, run_step

import hotpot
from hotpot.testing import MockServer

TOKEN = "snipT0ken-9f3e1c7a5b2d"
UNKNOWN_TOKEN = "unkn0wnT0ken-4d2b8e6f"


class Run:
    """One step's run: its output, what it printed, how long it took."""

    def __init__(self, input_data: dict[str, Any], mode: str = "top-level") -> None:
        started = time.monotonic()
        done = run_step(input_data, mode, (TOKEN, UNKNOWN_TOKEN), "token")
        self.seconds = time.monotonic() - started
        self.stdout, self.stderr = done.stdout, done.stderr
        self.output: dict[str, Any] = json.loads(done.stdout)

    def error(self) -> str:
        assert set(self.output) == {"error", "problems"}, self.output
        return str(self.output["error"])

    def problem_fields(self) -> list[str]:
        self.error()
        for problem in self.output["problems"]:
            assert set(problem) == {"field", "message"} and problem["message"]
        return [p["field"] for p in self.output["problems"]]


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(token=TOKEN) as server:
        yield server


def moment(**fields: Any) -> dict[str, Any]:
    return {"name": "Failed deploy with successful rollback", "type": "near-miss", **fields}


# --- as Zapier runs it: the mock server ----------------------------------------------------


@pytest.mark.parametrize("mode", ["top-level", "wrapped"])
def test_a_valid_moment_is_sent_once_with_every_field(mock: MockServer, mode: str) -> None:
    run = Run({"webhook_url": mock.webhook_url, "name": "Failed deploy with successful rollback",
               "type": "Near-Miss", "priority": "HIGH", "source": "Deploybot",
               "source_url": "https://ci.example.com/runs/42", "description": "**rolled back**",
               "occurred_at": "2023-04-01 12:31:26.250", "unmapped": "not sent"}, mode)
    assert run.output == {"status": 202, "request_id": run.output["request_id"], "sunset": None}
    assert UUID4.fullmatch(run.output["request_id"])
    [event] = mock.wait_for_events(1)
    assert event["status"] == "success" and event["warnings"] == []
    [m] = mock.moments()
    assert {k: m[k] for k in ("request_id", "name", "type", "priority", "source", "source_url",
                              "description", "occurred_at")} == {
        "request_id": run.output["request_id"], "name": "Failed deploy with successful rollback",
        "type": "near-miss", "priority": "high", "source": "Deploybot",
        "source_url": "https://ci.example.com/runs/42", "description": "**rolled back**",
        "occurred_at": "2023-04-01T12:31:26.250Z",
    }


def test_empty_optional_fields_are_left_out(mock: MockServer) -> None:
    """Zapier hands an unmapped or empty field over as "": that is "not given"."""
    run = Run({"webhook_url": mock.webhook_url, "name": "Disk 91% full", "type": "alert",
               "priority": "", "source_url": "", "occurred_at": ""})
    assert run.output["status"] == 202
    [event] = mock.wait_for_events(1)
    assert event["payload"] == {"name": "Disk 91% full", "type": "alert"}


FUTURE = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"name": None}, ["name"]),
        ({"name": " \u3000\t"}, ["name"]),
        ({"name": "x" * 71}, ["name"]),
        ({"name": "😀" * 71}, ["name"]),
        ({"type": None}, ["type"]),
        ({"type": "near_miss"}, ["type"]),
        ({"type": "outage"}, ["type"]),
        ({"priority": "urgent"}, ["priority"]),
        ({"source_url": "/runs/42"}, ["source_url"]),
        ({"source_url": "ftp://ci.example.com/x"}, ["source_url"]),
        ({"source_url": "https://exa mple.com"}, ["source_url"]),
        ({"occurred_at": "yesterday"}, ["occurred_at"]),
        ({"occurred_at": "2023-04-01"}, ["occurred_at"]),
        ({"occurred_at": FUTURE}, ["occurred_at"]),
        ({"name": "", "type": "nearmiss", "priority": "hi", "source_url": "example.com",
          "occurred_at": "2023-02-30 10:00:00"},
         ["name", "type", "priority", "source_url", "occurred_at"]),
    ],
)
def test_an_invalid_moment_lists_every_problem_and_sends_nothing(
    mock: MockServer, fields: dict[str, Any], problems: list[str]
) -> None:
    data = {"webhook_url": mock.webhook_url, **moment(**fields)}
    run = Run({k: v for k, v in data.items() if v is not None})
    assert run.problem_fields() == problems
    assert run.error().startswith("invalid moment")
    assert mock.events() == [] and mock.moments() == []


def test_near_miss_spelt_with_an_underscore_suggests_the_hyphen(mock: MockServer) -> None:
    run = Run({"webhook_url": mock.webhook_url, **moment(type="near_miss")})
    [problem] = run.output["problems"]
    assert problem["field"] == "type" and 'did you mean "near-miss"' in problem["message"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "webhook_url (to send a moment), found none"),
        ("http://hotpot.example.com/moment/" + TOKEN, "refusing plain http"),
        ("ftp://hotpot.example.com/moment/" + TOKEN, "expected an https webhook URL"),
        ("https://hotpot.example.com/hooks/" + TOKEN, "/moment/TOKEN"),
        ("https://hotpot.example.com/moment/" + TOKEN + "?x=1", "/moment/TOKEN"),
        ("https://user:pw@hotpot.example.com/moment/" + TOKEN, "/moment/TOKEN"),
        ("https://hotpot.example.com/moment/" + TOKEN + " x", "printable ASCII"),
    ],
)
def test_an_unusable_webhook_url_is_refused_before_any_request(
    url: str | None, expected: str
) -> None:
    data = moment() if url is None else {"webhook_url": url, **moment()}
    run = Run(data)
    assert expected in run.error() and run.output["problems"] == []


def test_a_503_is_retried_and_recorded_once(mock: MockServer) -> None:
    mock.fail_next(503)
    run = Run({"webhook_url": mock.webhook_url, **moment()})
    assert run.output["status"] == 202
    assert len(mock.wait_for_moments(1)) == 1 and len(mock.events()) == 1
    assert mock.pending_faults() == 0


def test_a_429_waits_for_retry_after(mock: MockServer) -> None:
    mock.fail_next(429, retry_after=1)
    run = Run({"webhook_url": mock.webhook_url, **moment()})
    assert run.output["status"] == 202
    assert run.seconds >= 1.0, "retried before Retry-After"
    assert len(mock.wait_for_moments(1)) == 1


def test_a_429_asking_past_the_deadline_gives_up_at_once(mock: MockServer) -> None:
    mock.fail_next(429, retry_after=60)
    run = Run({"webhook_url": mock.webhook_url, **moment()})
    assert "429 (rate limited)" in run.error() and "deadline" in run.error()
    assert run.seconds < 5 and mock.events() == []


def test_every_attempt_failing_is_an_error_after_three(mock: MockServer) -> None:
    mock.fail_next(500, count=3)
    run = Run({"webhook_url": mock.webhook_url, **moment()})
    assert "500 (server trouble)" in run.error() and "after 3 attempts" in run.error()
    mock.fail_next(500)  # a fourth attempt would have used it
    assert mock.pending_faults() == 1 and mock.events() == []


def test_an_unknown_webhook_is_a_404_error(mock: MockServer) -> None:
    run = Run({"webhook_url": f"{mock.url}/moment/{UNKNOWN_TOKEN}", **moment()})
    assert "404 (the webhook is unknown or revoked)" in run.error()
    assert mock.events() == []


def test_an_expired_webhook_is_a_410_error_that_says_when(mock: MockServer) -> None:
    expires = mock.now().replace(microsecond=0) + timedelta(hours=1)
    url = mock.create_webhook("rotated", expires_at=expires)
    mock.advance_clock(2 * 3600)
    run = Run({"webhook_url": url, **moment()})
    assert "410 (the webhook has expired)" in run.error()
    assert "expired at " + expires.strftime("%Y-%m-%dT%H:%M:%SZ") in run.error()
    assert mock.moments() == []


def test_an_expiring_webhook_s_sunset_is_in_the_result(mock: MockServer) -> None:
    """Spec §6: the answer's Sunset header, as an ISO 8601 string in UTC."""
    url = mock.create_webhook("old-zap", expires_at="2099-01-02T03:04:05Z")
    run = Run({"webhook_url": url, **moment()})
    assert run.output["status"] == 202
    assert run.output["sunset"] == "2099-01-02T03:04:05Z"


def test_a_refused_connection_is_retried_then_reported() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = Run({"webhook_url": f"http://127.0.0.1:{port}/moment/{TOKEN}", **moment()})
    assert "could not reach Hotpot" in run.error() and "after 3 attempts" in run.error()
    assert "refused" in run.error().lower()


def test_the_token_is_cut_to_its_hint_in_messages(mock: MockServer) -> None:
    """Even a problem that quotes the token (pasted into a field) shows only its hint."""
    run = Run({"webhook_url": mock.webhook_url, **moment(name=TOKEN * 4, type="x")})
    assert run.problem_fields() == ["name", "type"]
    assert "snip…" in run.output["problems"][0]["message"]


# --- as Zapier runs it: a server that records what arrives ---------------------------------


def recorder_for(answers: list[tuple[int, dict[str, str]]],
                 tls: ssl.SSLContext | None = None) -> Recorder:
    """A recorder standing in for Hotpot's moments endpoint, at the webhook URL of `TOKEN`."""
    return Recorder(answers, f"/moment/{TOKEN}", "r-1", tls)


@pytest.fixture
def recorder(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    server = recorder_for(request.param)
    yield server
    server.close()


@pytest.mark.parametrize(
    ("recorder", "sunset"),
    [
        ([(202, {"Sunset": "Mon, 30 Nov 2026 12:00:00 GMT"})], "2026-11-30T12:00:00Z"),
        ([(202, {"Sunset": "Monday, 30-Nov-26 12:00:00 GMT"})], "2026-11-30T12:00:00Z"),
        ([(202, {"Sunset": "Mon Nov 30 12:00:00 2026"})], "2026-11-30T12:00:00Z"),
        ([(503, {"Sunset": "Mon, 30 Nov 2026 12:00:00 GMT"}), (202, {})], None),
        ([(202, {"Sunset": "next week"})], None),
        ([(202, {"Sunset": ""})], None),
    ],
    indirect=["recorder"],
)
def test_the_sunset_of_the_accepting_answer_is_read(recorder: Recorder, sunset: str | None) -> None:
    run = Run({"webhook_url": recorder.url, **moment()})
    assert run.output == {"status": 202, "request_id": "r-1", "sunset": sunset}


@pytest.mark.parametrize("recorder", [[(503, {}), (408, {})]], indirect=True)
def test_every_attempt_carries_the_same_idempotency_key(recorder: Recorder) -> None:
    run = Run({"webhook_url": recorder.url, **moment(occurred_at="2023-04-01T14:31:26+02:00")})
    assert run.output == {"status": 202, "request_id": "r-1", "sunset": None}
    assert len(recorder.requests) == 3
    keys = {headers["Idempotency-Key"] for _, headers, _ in recorder.requests}
    assert len(keys) == 1 and UUID4.fullmatch(keys.pop())
    for _, headers, body in recorder.requests:
        assert headers["User-Agent"] == "hotpot-snippet/" + hotpot.__version__
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"name": "Failed deploy with successful rollback",
                                    "type": "near-miss", "occurred_at": "2023-04-01T12:31:26Z"}


def test_retry_after_as_an_http_date() -> None:
    retry_after = email.utils.formatdate(time.time() + 3, usegmt=True)
    server = recorder_for([(429, {"Retry-After": retry_after})])
    try:
        run = Run({"webhook_url": server.url, **moment()})
    finally:
        server.close()
    assert run.output["status"] == 202 and len(server.requests) == 2
    assert run.seconds >= 1.5, "retried before the date in Retry-After"


@pytest.mark.parametrize(
    "recorder", [[(302, {"Location": "http://127.0.0.1:9/elsewhere"})]], indirect=True
)
def test_a_redirect_is_an_error_not_followed(recorder: Recorder) -> None:
    run = Run({"webhook_url": recorder.url, **moment()})
    assert "302 (unexpected)" in run.error() and len(recorder.requests) == 1


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no authority vouches for, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (tmp / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "k.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return tmp / "c.pem", tmp / "k.pem"


def test_a_certificate_nobody_vouches_for_is_refused(tmp_path: Path) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    server = recorder_for([], tls=context)
    try:
        run = Run({"webhook_url": server.url, **moment()})
    finally:
        server.close()
    assert "CERTIFICATE_VERIFY_FAILED" in run.error() and server.requests == []


# --- in this interpreter: the pieces ---------------------------------------------------------


def test_no_python_old_enough_is_a_failure_not_a_skip(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    import snippet_helpers

    (tmp_path / "3.6.15" / "bin").mkdir(parents=True)
    (tmp_path / "3.6.15" / "bin" / "python").touch()
    monkeypatch.setattr(snippet_helpers, "PYENV_VERSIONS", tmp_path)
    with pytest.raises(pytest.fail.Exception, match="no pyenv CPython >= 3.7"):
        snippet_helpers.find_oldest_python()


def test_send_raises_with_the_problems_and_without_the_token() -> None:
    snippet = load_snippet()
    with pytest.raises(snippet.HotpotError) as caught:
        snippet.send("https://hotpot.example.com/moment/" + TOKEN, "   ", "near_miss",
                     source_url=TOKEN)
    assert [p["field"] for p in caught.value.problems] == ["name", "type", "source_url"]
    assert TOKEN not in str(caught.value) + json.dumps(caught.value.problems)


def test_check_takes_a_dict_and_nothing_else() -> None:
    snippet = load_snippet()
    assert snippet.check({"name": "Deploy", "type": "PAGE", "priority": None}) == []
    assert snippet.check(["name"]) == [
        {"field": "payload", "message": "expected a JSON object, found an array of 1 item"}]
    assert snippet.check(None) == [
        {"field": "payload", "message": "expected a JSON object, found null"}]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    snippet = load_snippet()
    assert snippet._retry_after("3") == 3.0
    in_90_s = email.utils.formatdate(time.time() + 90, usegmt=True)
    assert 88 <= snippet._retry_after(in_90_s) <= 90
    assert snippet._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert snippet._retry_after("soon") is None and snippet._retry_after(None) is None


def test_the_version_is_the_workspace_version() -> None:
    snippet = load_snippet()
    assert hotpot.__version__ == snippet.VERSION
    assert f"hotpot_snippet {hotpot.__version__}" in SNIPPET.read_text(encoding="utf-8")
