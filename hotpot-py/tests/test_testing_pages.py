"""`hotpot.testing.MockServer` simulating on-call (spec §14): users and teams, pages,
escalation on the server's clock, acknowledging, faults by route, reset."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import hotpot
from hotpot.testing import MockServer, WaitTimeout

T0 = "2026-12-06T03:00:00Z"


def page(mock: MockServer, kind: str, recipient: str, **fields: Any) -> tuple[int, Any]:
    """POSTs a page with the server's API key: (status, JSON body)."""
    body = {"title": "Backup missing", "text": "no backup since Monday", "recipient": recipient}
    request = urllib.request.Request(
        f"{mock.url}/page/{kind}",
        data=json.dumps({**body, **fields}).encode(),
        headers={"Authorization": f"Bearer {mock.api_key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def ops(mock: MockServer) -> None:
    for user in ("ana", "bo", "cy"):
        mock.add_user(f"{user}@example.com")
    mock.add_team(
        "ops", [["ana@example.com"], ["bo@example.com"]],
        backstop="cy@example.com", escalate_after_s=120, copy=["oncall@example.com"],
    )


def test_users_and_teams_have_defaults_and_checks(hotpot_mock: MockServer) -> None:
    assert [u["email"] for u in hotpot_mock.users()] == ["oncall@example.com"]
    assert hotpot_mock.teams() == [{
        "slug": "default", "name": "default", "stages": [["oncall@example.com"]],
        "backstop": None, "escalate_after_s": 300, "copy": [],
    }]
    ana = hotpot_mock.add_user("ana@example.com", name="Ana")
    assert set(ana) == {"id", "email", "name"} and ana["name"] == "Ana"
    with pytest.raises(hotpot.ConfigError, match="already in use"):
        hotpot_mock.add_user("ANA@example.com")
    unknown = r"stages\[0\]\[0\]: expected the e-mail of a known user"
    with pytest.raises(hotpot.ConfigError, match=unknown):
        hotpot_mock.add_team("x", [["nobody@example.com"]])
    with pytest.raises(TypeError, match="stages"):
        hotpot_mock.add_team("x", "ana@example.com")
    team = hotpot_mock.add_team("x", [["ana@example.com"]])
    assert team["escalate_after_s"] == 300 and team["name"] == "x"
    with pytest.raises(hotpot.ConfigError, match="names"):
        hotpot_mock.delete_user("ana@example.com")
    hotpot_mock.delete_team("x")
    hotpot_mock.delete_user("ana@example.com")
    with pytest.raises(LookupError):
        hotpot_mock.delete_team("x")
    hotpot_mock.delete_team("default")
    hotpot_mock.reset(oncall=True)
    assert [t["slug"] for t in hotpot_mock.teams()] == ["default"]


def test_a_directory_given_as_a_dict_or_a_file_replaces_the_default(tmp_path: Path) -> None:
    directory = {"users": [{"email": "ana@example.com"}],
                 "teams": [{"slug": "ops", "stages": [["ana@example.com"]]}]}
    with MockServer(oncall=directory) as mock:
        assert [t["slug"] for t in mock.teams()] == ["ops"]
        assert [u["email"] for u in mock.users()] == ["ana@example.com"]
    path = tmp_path / "oncall.json"
    path.write_text(json.dumps(directory))
    with MockServer(oncall=path) as mock:
        assert [t["slug"] for t in mock.teams()] == ["ops"]
    with pytest.raises(hotpot.ConfigError, match=r"teams\[0\]\.stages\[0\]\[0\]"):
        MockServer(oncall={"teams": [{"slug": "ops", "stages": [["nobody@example.com"]]}]})
    with pytest.raises(TypeError, match="oncall"):
        MockServer(oncall=42)  # type: ignore[arg-type]


def test_a_team_page_escalates_with_the_clock_until_acknowledged(hotpot_mock: MockServer) -> None:
    ops(hotpot_mock)
    hotpot_mock.set_clock(T0)
    status, answer = page(hotpot_mock, "team", "ops", urgency="High")
    assert status == 202
    request_id = answer["hotpot_request_id"]
    [recorded] = hotpot_mock.wait_for_pages(1)
    assert recorded["request_id"] == request_id and recorded["status"] == "success"
    assert recorded["urgency"] == "high" and recorded["kind"] == "team"
    assert recorded["notified"] == [
        {"email": "ana@example.com", "at": T0, "role": "stage", "stage": 1},
        {"email": "oncall@example.com", "at": T0, "role": "copy", "stage": None},
    ]
    hotpot_mock.advance_clock(120)
    [recorded] = hotpot_mock.pages()
    assert recorded["notified"][-1] == {
        "email": "bo@example.com", "at": "2026-12-06T03:02:00Z", "role": "stage", "stage": 2,
    }
    ack = hotpot_mock.acknowledge(request_id, "BO@example.com")
    assert ack["acknowledged_by_email"] == "bo@example.com"
    assert ack["acknowledged_at"] == "2026-12-06T03:02:00Z" and ack["status"] == "handled"
    assert hotpot_mock.acknowledge(request_id, "bo@example.com") == ack
    hotpot_mock.advance_clock(3600)
    [recorded] = hotpot_mock.pages(recipient="ops")
    assert len(recorded["notified"]) == 3, "the backstop is never paged"
    assert recorded["acknowledgements"] == [ack]
    assert hotpot_mock.pages(recipient="OPS") == []
    assert len(hotpot_mock.pages(recipient="ANA@example.com")) == 0


def test_acknowledging_refuses_with_reasons(hotpot_mock: MockServer) -> None:
    _, answer = page(hotpot_mock, "person", "oncall@example.com")
    with pytest.raises(hotpot.ConfigError, match="known user"):
        hotpot_mock.acknowledge(answer["hotpot_request_id"], "nobody@example.com")
    with pytest.raises(LookupError):
        hotpot_mock.acknowledge("00000000-0000-4000-8000-000000000000", "oncall@example.com")
    _, errored = page(hotpot_mock, "person", "nobody@example.com")
    with pytest.raises(hotpot.ConfigError, match="delivered"):
        hotpot_mock.acknowledge(errored["hotpot_request_id"], "oncall@example.com")
    [delivered, failed] = hotpot_mock.pages()
    assert delivered["status"] == "success" and failed["status"] == "error"
    assert failed["errors"][0]["field"] == "recipient"


def test_faults_by_route_and_reset(hotpot_mock: MockServer) -> None:
    hotpot_mock.fail_next(503, route="pages")
    assert hotpot_mock.faults()[0]["route"] == "pages"
    hotpot.send(hotpot_mock.webhook_url, "not a page", "alert")
    assert page(hotpot_mock, "team", "default")[0] == 503
    assert page(hotpot_mock, "team", "default")[0] == 202
    with pytest.raises(hotpot.ConfigError, match="no token"):
        hotpot_mock.fail_next(503, route="pages", token=hotpot_mock.token)
    with pytest.raises(hotpot.ConfigError, match="moments or pages"):
        hotpot_mock.fail_next(503, route="page")  # type: ignore[arg-type]
    hotpot_mock.reset()
    assert hotpot_mock.pages() == []
    with pytest.raises(WaitTimeout) as waited:
        hotpot_mock.wait_for_pages(1, timeout=0.05)
    assert waited.value.got == []


def test_the_standalone_server_reads_its_directory_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "oncall.json"
    path.write_text(json.dumps({"users": [{"email": "ana@example.com"}],
                                "teams": [{"slug": "ops", "stages": [["ana@example.com"]]}]}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotpot.testing", "--port", "0", "--oncall", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().removeprefix("listening on ")
        with urllib.request.urlopen(f"{base}/_mock/teams", timeout=10) as answer:
            assert [t["slug"] for t in json.load(answer)["teams"]] == ["ops"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
