"""Spec §14 end to end: ``hotpot.ApiClient``, ``AsyncApiClient`` and the one-liners paging
through the real mock (``hotpot.testing.MockServer``), which simulates on-call: recipients, a
503 retried with one key, escalation on the mock's clock, acknowledgements and the wait."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

import hotpot
from hotpot.testing import MockServer

T0 = "2026-12-06T03:00:00Z"


def api(mock: MockServer, **kwargs: Any) -> hotpot.ApiClient:
    return hotpot.ApiClient(mock.api_key, base_url=mock.url, **kwargs)


def ack_raw(mock: MockServer, request_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    """``POST /_mock/pages/{id}/ack`` as a test outside the library would."""
    request = urllib.request.Request(
        f"{mock.url}/_mock/pages/{request_id}/ack", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


@pytest.fixture
def ops() -> Any:
    """A mock whose team ``ops`` pages ana, then bo 120 s later, then the backstop cy."""
    directory = {
        "users": [{"email": f"{u}@example.com"} for u in ("ana", "bo", "cy")],
        "teams": [{"slug": "ops", "stages": [["ana@example.com"], ["bo@example.com"]],
                   "backstop": "cy@example.com", "escalate_after_s": 120}],
    }
    with MockServer(oncall=directory) as mock:
        mock.set_clock(T0)
        yield mock


def test_a_team_and_a_person_are_paged(hotpot_mock: MockServer) -> None:
    client = api(hotpot_mock)
    team = client.page_team("default", "Rollback failed", "api 1.4.2", urgency="HIGH")
    person = client.page_person("Oncall@Example.com",
                                hotpot.Page("Backup missing", "since Monday"))
    assert (team.status_code, team.attempts) == (202, 1)
    assert team.request_id
    pages = hotpot_mock.wait_for_pages(2, timeout=10)
    assert [(p["kind"], p["recipient"], p["urgency"]) for p in pages] == [
        ("team", "default", "high"), ("person", "Oncall@Example.com", "medium")]
    assert [p["request_id"] for p in pages] == [team.request_id, person.request_id]
    status = client.request_status(team.request_id)
    assert status.status == "success" and status.message_id == pages[0]["id"]
    assert client.acknowledgements(team.request_id) == []


def test_the_one_liners_use_the_environment(hotpot_mock: MockServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTPOT_API_KEY", hotpot_mock.api_key)
    monkeypatch.setenv("HOTPOT_API_URL", hotpot_mock.url)
    hotpot.page_team("default", "From the env", "x")
    hotpot.page_person("oncall@example.com", "From the env", "y")
    assert [p["kind"] for p in hotpot_mock.wait_for_pages(2, timeout=10)] == ["team", "person"]


def test_a_503_is_retried_with_one_key_and_recorded_once(hotpot_mock: MockServer) -> None:
    hotpot_mock.fail_next(503, count=2, route="pages")
    receipt = api(hotpot_mock, max_retries=2).page_team("default", "Twice refused", "x")
    assert receipt.attempts == 3
    assert len(hotpot_mock.wait_for_pages(1, timeout=10)) == 1
    attempts = [r for r in hotpot_mock.requests() if r["path_hint"] == "/page/team"]
    assert [r["status"] for r in attempts] == [503, 503, 202]
    assert {r["headers"]["idempotency_key"] for r in attempts} == {receipt.idempotency_key}


def test_an_unknown_recipient_fails_the_wait_at_once(hotpot_mock: MockServer) -> None:
    client = api(hotpot_mock)
    receipt = client.page_person("nobody@example.com", "Nobody", "x")
    assert receipt.request_id
    assert receipt.status_code == 202, "post-queue: accepted first"
    assert client.request_status(receipt.request_id).status == "error"
    with pytest.raises(hotpot.PageFailedError) as caught:
        client.wait_for_acknowledgement(receipt.request_id, timeout=3600, poll_interval=0.05)
    assert caught.value.request_id == receipt.request_id
    assert any(field == "recipient" for field, _ in caught.value.errors), caught.value.errors


def test_escalation_stage_by_stage_then_the_acknowledgement(ops: MockServer) -> None:
    client = api(ops)
    receipt = client.page_team("ops", "Disk full", "db-1 at 99 %", urgency=hotpot.Urgency.HIGH)
    assert receipt.request_id

    def notified() -> list[tuple[str, str, int | None, str]]:
        (page,) = ops.pages()
        return [(n["email"], n["role"], n["stage"], n["at"]) for n in page["notified"]]

    ana = ("ana@example.com", "stage", 1, T0)
    bo = ("bo@example.com", "stage", 2, "2026-12-06T03:02:00Z")
    cy = ("cy@example.com", "backstop", None, "2026-12-06T03:04:00Z")
    assert notified() == [ana]
    ops.advance_clock(119)
    assert notified() == [ana]
    ops.advance_clock(1)
    assert notified() == [ana, bo]
    ops.advance_clock(120)
    assert notified() == [ana, bo, cy]

    # Cy handles it from another thread while the client waits.
    timer = threading.Timer(0.2, ops.acknowledge, (receipt.request_id, "cy@example.com"))
    timer.start()
    ack = client.wait_for_acknowledgement(receipt.request_id, timeout=30, poll_interval=0.05)
    timer.join()
    assert (ack.email, ack.status) == ("cy@example.com", "handled")
    assert ack.acknowledged_at.isoformat() == "2026-12-06T03:04:00+00:00"
    assert ack.user_id == next(u["id"] for u in ops.users() if u["email"] == "cy@example.com")
    assert client.acknowledgements(receipt.request_id) == [ack]


def test_acknowledging_refuses_an_unknown_user_and_an_errored_page(
    hotpot_mock: MockServer,
) -> None:
    client = api(hotpot_mock)
    good = client.page_team("default", "Up", "x").request_id
    bad = client.page_team("nobody", "Down", "x").request_id
    assert good and bad
    assert ack_raw(hotpot_mock, good, {"email": "stranger@example.com"})[0] == 400
    assert ack_raw(hotpot_mock, good, {"email": "oncall@example.com", "status": "seen"})[0] == 400
    assert ack_raw(hotpot_mock, bad, {"email": "oncall@example.com"})[0] == 409
    assert ack_raw(hotpot_mock, "no-such-request", {"email": "oncall@example.com"})[0] == 404
    assert client.acknowledgements(good) == []
    assert ack_raw(hotpot_mock, good, {"email": "ONCALL@example.com"})[0] == 201
    assert ack_raw(hotpot_mock, good, {"email": "oncall@example.com"})[0] == 200


def test_a_refused_api_key_is_unauthorized(hotpot_mock: MockServer) -> None:
    client = hotpot.ApiClient("hp_wrong_0123456789", base_url=hotpot_mock.url)
    with pytest.raises(hotpot.UnauthorizedError) as caught:
        client.page_team("default", "Nope", "x")
    assert "0123456789" not in str(caught.value) + repr(caught.value)
    assert hotpot_mock.pages() == []


def test_the_async_client_pages_and_waits(hotpot_mock: MockServer) -> None:
    async def main() -> hotpot.Acknowledgement:
        client = hotpot.AsyncApiClient(hotpot_mock.api_key, base_url=hotpot_mock.url)
        receipt = await client.page_team("default", "Async", "x")
        assert receipt.request_id
        waiting = asyncio.ensure_future(
            client.wait_for_acknowledgement(receipt.request_id, timeout=30, poll_interval=0.05))
        await asyncio.sleep(0.1)
        hotpot_mock.acknowledge(receipt.request_id, "oncall@example.com")
        return await waiting

    assert asyncio.run(main()).email == "oncall@example.com"
