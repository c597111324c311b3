"""Paging people (spec §14) from Python: ``hotpot.Page`` and ``hotpot.Urgency``, ``ApiClient``
and ``AsyncApiClient`` against a local HTTP server that answers as Hotpot's API does, the
one-liners, the exceptions, and the API key in no ``repr()`` or message."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import inspect
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import hotpot

KEY = "hp_live_SECRETKEY_0123456789"


class Api:
    """A scripted API: per path, a list of ``(status, body)`` answers (the last one repeats),
    and every request received as ``(method, path, headers, body)``."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, Any]]] = {}
        self.received: list[tuple[str, str, dict[str, str], Any]] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                headers = {k.lower(): v for k, v in self.headers.items()}
                api.received.append((self.command, self.path, headers, body))
                script = api.answers.get(self.path) or [(404, {"error": "Not Found"})]
                status, reply = script.pop(0) if len(script) > 1 else script[0]
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = answer
            do_POST = answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def on(self, path: str, *answers: tuple[int, Any]) -> Api:
        self.answers[path] = list(answers)
        return self

    def client(self) -> hotpot.ApiClient:
        return hotpot.ApiClient(KEY, base_url=self.url, max_retries=2)


QUEUED = (202, {"hotpot_request_id": "req-1", "response": {"success": True}})
ACK = {
    "acknowledged_at": "2026-12-06T03:00:00Z",
    "acknowledged_by_email": "ana@example.com",
    "acknowledged_by": "u-1",
    "status": "handled",
}


def status(state: str, errors: list[dict[str, str]] | None = None) -> tuple[int, Any]:
    return (
        200,
        {
            "response": {
                "message_request_id": "req-1",
                "status": state,
                "status_message": "",
                "errors": errors or [],
                "message_id": None,
            }
        },
    )


@pytest.fixture
def api() -> Iterator[Api]:
    server = Api()
    yield server
    server.server.shutdown()


def test_page_is_validated_when_made_every_problem_at_once() -> None:
    page = hotpot.Page("Rollback failed", "api 1.4.2", urgency="HIGH")
    assert page.urgency == "high" and page.source_url is None
    assert page.to_dict() == {"title": "Rollback failed", "text": "api 1.4.2", "urgency": "high"}
    assert page == hotpot.Page("Rollback failed", "api 1.4.2", urgency=hotpot.Urgency.HIGH)
    assert "Page(title='Rollback failed'" in repr(page)
    with pytest.raises(hotpot.ValidationError) as info:
        hotpot.Page("", " ", urgency="urgent", source_url="ftp://x")
    assert [f for f, _ in info.value.errors] == ["title", "text", "urgency", "source_url"]
    assert str(info.value).startswith("invalid page: 4 problems:")
    assert isinstance(info.value, ValueError)
    with pytest.raises(TypeError, match="title"):
        hotpot.Page(42, "x")  # type: ignore[arg-type]


def test_urgency_is_a_str_enum_in_any_case() -> None:
    assert hotpot.Urgency("High") is hotpot.Urgency.HIGH
    low: str = hotpot.Urgency.LOW
    assert low == "low" and str(hotpot.Urgency.MEDIUM) == "medium"


def test_page_team_sends_the_body_with_the_key_and_one_idempotency_key(api: Api) -> None:
    api.on("/page/team", (503, {"error": "Service Unavailable"}), QUEUED)
    receipt = api.client().page_team("payments", "Rollback failed", "api 1.4.2", urgency="high")
    assert receipt.status_code == 202 and receipt.request_id == "req-1" and receipt.attempts == 2
    (m1, p1, h1, b1), (_, _, h2, b2) = api.received
    assert (m1, p1) == ("POST", "/page/team")
    assert (
        b1
        == b2
        == {
            "title": "Rollback failed",
            "text": "api 1.4.2",
            "recipient": "payments",
            "urgency": "high",
        }
    )
    assert h1["authorization"] == f"Bearer {KEY}"
    assert h1["idempotency-key"] == h2["idempotency-key"] == receipt.idempotency_key
    assert h1["user-agent"].startswith("hotpot-python/")


def test_page_person_takes_a_page_and_checks_the_address_before_sending(api: Api) -> None:
    api.on("/page/person", QUEUED)
    client = api.client()
    client.page_person("ana@example.com", hotpot.Page("t", "x"))
    assert api.received[0][3]["recipient"] == "ana@example.com"
    with pytest.raises(hotpot.ValidationError, match=r"^invalid page: recipient: ") as info:
        client.page_person("ana", "t", "x")
    assert info.value.errors[0][0] == "recipient"
    assert len(api.received) == 1


def test_answers_raise_the_exceptions_and_never_show_the_key(api: Api) -> None:
    client = api.client()
    errors: list[tuple[int, type[hotpot.HotpotError]]] = [
        (401, hotpot.UnauthorizedError),
        (422, hotpot.RejectedError),
        (500, hotpot.ServerError),
    ]
    for code, error in errors:
        api.on("/page/team", (code, {"error": f"no, {KEY}"}))
        with pytest.raises(error) as info:
            client.page_team("ops", "t", "x")
        assert "SECRETKEY" not in str(info.value) and "SECRETKEY" not in repr(info.value)
        assert info.value.status_code in (code, None)
    assert "SECRETKEY" not in repr(client) and "hp_l…" in repr(client)


def test_status_and_acknowledgements(api: Api) -> None:
    api.on("/request/req-1/status", status("success"))
    api.on("/request/req-1/acknowledgements", (200, {"response": [ACK]}))
    client = api.client()
    assert client.request_status("req-1").status == "success"
    (ack,) = client.acknowledgements("req-1")
    assert (ack.email, ack.user_id, ack.status) == ("ana@example.com", "u-1", "handled")
    assert ack.acknowledged_at == dt.datetime(2026, 12, 6, 3, tzinfo=dt.timezone.utc)
    with pytest.raises(hotpot.UnknownRequestError):
        client.acknowledgements("nope")


def test_wait_returns_the_first_acknowledgement(api: Api) -> None:
    api.on("/request/req-1/status", status("success"))
    api.on("/request/req-1/acknowledgements", (200, {"response": []}), (200, {"response": [ACK]}))
    ack = api.client().wait_for_acknowledgement("req-1", timeout=30, poll_interval=0.05)
    assert ack.email == "ana@example.com"


def test_wait_fails_at_once_when_the_page_errors(api: Api) -> None:
    api.on("/request/req-1/acknowledgements", (200, {"response": []}))
    api.on("/request/req-1/status", status("error", [{"field": "recipient", "message": "unknown"}]))
    with pytest.raises(hotpot.PageFailedError) as info:
        api.client().wait_for_acknowledgement("req-1", timeout=600)
    assert info.value.errors == [("recipient", "unknown")]
    assert info.value.request_id == "req-1"


def test_wait_times_out_with_the_builtin_timeout_error(api: Api) -> None:
    api.on("/request/req-1/acknowledgements", (200, {"response": []}))
    api.on("/request/req-1/status", status("accepted"))
    with pytest.raises(TimeoutError) as info:
        api.client().wait_for_acknowledgement("req-1", timeout=0.2, poll_interval=0.05)
    assert isinstance(info.value, hotpot.TimeoutError)


def test_config_errors_when_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTPOT_API_KEY", raising=False)
    with pytest.raises(hotpot.ConfigError, match="HOTPOT_API_KEY"):
        hotpot.ApiClient()
    with pytest.raises(hotpot.ConfigError, match="refusing plain http"):
        hotpot.ApiClient(KEY, base_url="http://hotpot.example.com")
    monkeypatch.setenv("HOTPOT_API_KEY", KEY)
    monkeypatch.setenv("HOTPOT_API_URL", "http://127.0.0.1:9")
    assert hotpot.ApiClient().base_url == "http://127.0.0.1:9"


def test_one_liners_and_the_async_client(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.on("/page/person", QUEUED).on("/page/team", QUEUED)
    monkeypatch.setenv("HOTPOT_API_KEY", KEY)
    monkeypatch.setenv("HOTPOT_API_URL", api.url)
    assert hotpot.page_team("ops", "t", "x").request_id == "req-1"
    assert hotpot.page_person("a@b.co", "t", "x", urgency=hotpot.Urgency.LOW).status_code == 202
    assert api.received[1][3]["urgency"] == "low"

    async def main() -> str | None:
        client = hotpot.AsyncApiClient()
        receipt = await client.page_team("ops", "t", "x")
        return receipt.request_id

    assert asyncio.run(main()) == "req-1"


def test_the_async_client_passes_its_keywords_to_the_native_one(api: Api) -> None:
    api.on("/page/person", QUEUED)
    client = hotpot.AsyncApiClient(KEY, base_url=api.url, timeout=3.0, max_retries=1)
    assert (client.base_url.rstrip("/"), client.timeout, client.max_retries) == (
        api.url.rstrip("/"),
        3.0,
        1,
    )
    receipt = asyncio.run(
        client.page_person("a@b.co", "t", "x", urgency="high", source_url="https://ci.example/1")
    )
    assert receipt.status_code == 202
    assert api.received[0][3]["urgency"] == "high"
    assert api.received[0][3]["source_url"] == "https://ci.example/1"
    # help() shows the page's keywords, not **page.
    params = inspect.signature(hotpot.AsyncApiClient.page_person).parameters
    assert list(params)[-2:] == ["urgency", "source_url"]
    with pytest.raises(TypeError):
        hotpot.AsyncApiClient(KEY, base_url=api.url, retries=1)  # type: ignore[call-arg]
