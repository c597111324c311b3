"""The paste-in snippet's pages (spec §13, §14): page_team, page_person and the Zapier ending.

Each Zapier case executes the whole file with ``input_data`` defined, in a subprocess of the
oldest pyenv CPython >= 3.7 with ``-I -S``, against ``hotpot.testing.MockServer`` (which
simulates on-call: its default team ``default`` pages ``oncall@example.com``) or a server that
records what arrives. The API key is looked for in everything each run prints and returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from snippet_helpers import UUID4, Recorder, load_snippet, run_step

import hotpot
from hotpot.testing import MockServer

API_KEY = "pgKey-7d1e9c3b5a2f4e6d"
WRONG_KEY = "wr0ngKey-5c4b3a2d1e"


def run(input_data: dict[str, Any], mode: str = "top-level") -> dict[str, Any]:
    """The step's output; fails if the run crashed or printed an API key anywhere."""
    done = run_step(input_data, mode, (API_KEY, WRONG_KEY), "API key")
    output: dict[str, Any] = json.loads(done.stdout)
    return output


def error_of(output: dict[str, Any]) -> str:
    assert set(output) == {"error", "problems"}, output
    return str(output["error"])


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(api_key=API_KEY) as server:
        yield server


def page_input(mock: MockServer, **fields: Any) -> dict[str, Any]:
    return {"api_key": mock.api_key, "base_url": mock.url, "title": "Rollback failed",
            "text": "The deploy of api 1.4.2 could not be rolled back.", **fields}


# --- as Zapier runs it: the mock server ----------------------------------------------------


@pytest.mark.parametrize("mode", ["top-level", "wrapped"])
def test_a_team_page_is_recorded_with_every_field(mock: MockServer, mode: str) -> None:
    output = run(page_input(mock, team="default", urgency="HIGH",
                            source_url="https://ci.example.com/runs/42", unmapped="ignored"), mode)
    assert output == {"status": 202, "request_id": output["request_id"]}
    [page] = mock.wait_for_pages(1)
    assert {k: page[k] for k in ("request_id", "kind", "recipient", "title", "text", "urgency",
                                 "source_url", "status")} == {
        "request_id": output["request_id"], "kind": "team", "recipient": "default",
        "title": "Rollback failed", "text": "The deploy of api 1.4.2 could not be rolled back.",
        "urgency": "high", "source_url": "https://ci.example.com/runs/42", "status": "success",
    }
    assert [n["email"] for n in page["notified"]] == ["oncall@example.com"]


def test_a_person_page_is_recorded(mock: MockServer) -> None:
    output = run(page_input(mock, person="OnCall@Example.com", urgency="low"))
    assert output["status"] == 202
    [page] = mock.wait_for_pages(1)
    assert (page["kind"], page["recipient"], page["urgency"]) == ("person", "OnCall@Example.com",
                                                                  "low")
    assert page["status"] == "success" and page["request_id"] == output["request_id"]


def test_empty_optional_inputs_are_absent(mock: MockServer) -> None:
    """Zapier hands an unmapped field over as "": urgency, source_url, base_url, webhook_url."""
    data = page_input(mock, team="default", urgency="", source_url="", webhook_url="")
    output = run(data)
    assert output["status"] == 202
    [page] = mock.wait_for_pages(1)
    assert (page["urgency"], page["source_url"]) == ("medium", None)
    # An empty base_url is absent too: the default, https://api.hotpot.works, is not reached
    # here (no network), which the error says; nothing arrives at the mock.
    output = run(dict(data, base_url="", title="x" * 201))
    assert [p["field"] for p in output["problems"]] == ["title"]


def test_a_503_is_retried_under_one_key_and_the_page_recorded_once(mock: MockServer) -> None:
    mock.fail_next(503, route="pages")
    output = run(page_input(mock, team="default"))
    assert output["status"] == 202
    assert len(mock.wait_for_pages(1)) == 1 and len(mock.pages()) == 1
    assert mock.pending_faults() == 0


def test_a_fault_for_moments_does_not_touch_a_page(mock: MockServer) -> None:
    mock.fail_next(503, route="moments")
    assert run(page_input(mock, team="default"))["status"] == 202
    assert mock.pending_faults() == 1


def test_an_unknown_recipient_is_accepted_and_its_status_is_error(mock: MockServer) -> None:
    """Hotpot finds an unknown team after queueing: 202, then status error."""
    output = run(page_input(mock, team="nobody-here"))
    assert output == {"status": 202, "request_id": output["request_id"]}
    [page] = mock.wait_for_pages(1)
    assert page["status"] == "error" and page["notified"] == []


def test_every_field_problem_is_reported_at_once_and_nothing_is_sent(mock: MockServer) -> None:
    output = run(page_input(mock, team="my team", title=" \u3000", text="x" * 10_001,
                            urgency="urgent", source_url="ftp://ci.example.com/x"))
    assert error_of(output).startswith("invalid page, 5 problem(s):")
    assert [p["field"] for p in output["problems"]] == [
        "title", "text", "recipient", "urgency", "source_url"]
    assert "found ' ' at character 3" in output["problems"][2]["message"]
    assert mock.pages() == []


def test_an_empty_title_or_text_is_a_problem_not_an_absent_field(mock: MockServer) -> None:
    """Only optional inputs are dropped when empty: a required one is reported as given."""
    output = run(page_input(mock, team="default", title="", text=""))
    assert [(p["field"], p["message"]) for p in output["problems"]] == [
        ("title", "expected a non-blank string of at most 200 characters, found an empty string"),
        ("text", "expected a non-blank string of at most 10000 characters, found an empty string"),
    ]
    assert mock.pages() == []


def test_a_person_that_is_not_an_e_mail_address_is_a_problem(mock: MockServer) -> None:
    output = run(page_input(mock, person="oncall@localhost"))
    [problem] = output["problems"]
    assert problem["field"] == "recipient" and "a domain without a dot" in problem["message"]
    assert mock.pages() == []


@pytest.mark.parametrize(
    ("names", "found"),
    [
        ({"team": "default", "person": "oncall@example.com"}, "found team and person"),
        ({"team": "default", "webhook_url": "https://h.example/moment/t"},
         "found team and webhook_url"),
        ({}, "found none"),
        ({"team": "", "person": ""}, "found none"),
    ],
)
def test_a_step_names_exactly_one_recipient_or_webhook(mock: MockServer, names: dict[str, str],
                                                       found: str) -> None:
    output = run(page_input(mock, **names))
    assert "expected exactly one of team" in error_of(output) and found in error_of(output)
    assert mock.pages() == [] and mock.events() == []


def test_a_refused_key_is_an_error_that_never_shows_it(mock: MockServer) -> None:
    output = run(page_input(mock, team="default", api_key=WRONG_KEY))
    assert "401 (the API key was refused)" in error_of(output)
    assert mock.pages() == []


def test_the_key_is_cut_to_its_hint_even_where_a_field_quotes_it(mock: MockServer) -> None:
    output = run(page_input(mock, person=API_KEY, title=API_KEY * 30))
    assert [p["field"] for p in output["problems"]] == ["title", "recipient"]
    assert "pgKe…" in output["problems"][1]["message"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"api_key": ""}, "expected an API key of printable ASCII, found none (map api_key)"),
        ({"api_key": "a key"}, "found one with other characters"),
        ({"base_url": "http://hotpot.example.com"}, "refusing plain http to hotpot.example.com"),
        ({"base_url": "ftp://hotpot.example.com"}, "expected an https base URL with a host"),
        ({"base_url": "https://hotpot.example.com?x=1"}, "no user name, query or fragment"),
    ],
)
def test_an_unusable_key_or_base_url_is_refused_before_any_request(
    mock: MockServer, changes: dict[str, str], expected: str
) -> None:
    output = run(page_input(mock, team="default", **changes))
    assert expected in error_of(output) and output["problems"] == []
    assert mock.pages() == []


# --- what arrives: a server that records it ------------------------------------------------


@pytest.fixture
def recorder(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    answers = [(status, {}) for status in getattr(request, "param", [])]
    server = Recorder(answers, "/base/", "p-1")
    yield server
    server.close()


@pytest.mark.parametrize("recorder", [[503, 408]], indirect=True)
def test_every_attempt_carries_the_key_and_one_idempotency_key(recorder: Recorder) -> None:
    output = run({"team": "payments", "api_key": API_KEY, "base_url": recorder.url,
                  "title": "Backup missing", "text": "No backup since 02:00.", "urgency": "High"})
    assert output == {"status": 202, "request_id": "p-1"}
    assert len(recorder.requests) == 3
    keys = {headers["Idempotency-Key"] for _, headers, _ in recorder.requests}
    assert len(keys) == 1 and UUID4.fullmatch(keys.pop())
    for path, headers, body in recorder.requests:
        assert path == "/base/page/team"
        assert headers["Authorization"] == "Bearer " + API_KEY
        assert headers["User-Agent"] == "hotpot-snippet/" + hotpot.__version__
        assert json.loads(body) == {"title": "Backup missing", "text": "No backup since 02:00.",
                                    "recipient": "payments", "urgency": "high"}


@pytest.mark.parametrize("recorder", [[500, 500, 500]], indirect=True)
def test_three_failed_attempts_are_an_error(recorder: Recorder) -> None:
    output = run({"person": "ana@example.com", "api_key": API_KEY, "base_url": recorder.url,
                  "title": "t", "text": "t"})
    assert "500 (server trouble)" in error_of(output) and "after 3 attempts" in error_of(output)
    assert [path for path, _, _ in recorder.requests] == ["/base/page/person"] * 3


# --- in this interpreter: the functions ------------------------------------------------------


def test_page_team_and_page_person_return_the_receipt(mock: MockServer) -> None:
    snippet = load_snippet()
    team = snippet.page_team(API_KEY, "default", "Disk full", "db-1 is at 100 %",
                             urgency="MEDIUM", base_url=mock.url)
    person = snippet.page_person(API_KEY, "oncall@example.com", "Disk full", "db-1",
                                 source_url="https://grafana.example.com/d/1", base_url=mock.url)
    assert team["status"] == person["status"] == 202
    assert [p["request_id"] for p in mock.wait_for_pages(2)] == [team["request_id"],
                                                                 person["request_id"]]


def test_page_functions_raise_every_problem_without_the_key() -> None:
    snippet = load_snippet()
    with pytest.raises(snippet.HotpotError) as caught:
        snippet.page_person(API_KEY, API_KEY, 42, None, urgency="", source_url=API_KEY)
    assert [p["field"] for p in caught.value.problems] == [
        "title", "text", "recipient", "urgency", "source_url"]
    assert caught.value.problems[0]["message"] == "expected a string, found a number (42)"
    assert caught.value.problems[1]["message"].startswith("required: expected a non-blank")
    assert API_KEY not in str(caught.value) + json.dumps(caught.value.problems)


def test_check_page_takes_a_dict_and_nothing_else() -> None:
    snippet = load_snippet()
    body = {"title": "t", "text": "t", "recipient": "ops", "urgency": None, "extra": 1}
    assert snippet.check_page(body, "team") == []
    assert [p["field"] for p in snippet.check_page(body, "person")] == ["recipient"]
    assert snippet.check_page("x", "team") == [
        {"field": "payload", "message": 'expected a JSON object, found a string ("x")'}]
