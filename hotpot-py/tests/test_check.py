"""hotpot.check: a raw payload's spec §1 problems, from the parser the mock server runs."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import hotpot
from hotpot.testing import MockServer

INVALID = {"name": "", "type": "near_miss", "source_url": "runs/42", "priority": "High"}


def test_a_valid_payload_has_no_problems() -> None:
    assert hotpot.check({"name": "Failed deploy", "type": "Near-Miss", "priority": "LOW",
                         "occurred_at": "2023-04-01 12:31:26", "source": None,
                         "occured_at": "typo: a warning, not a problem"}) == []


def test_every_problem_in_field_order_as_validation_error_pairs() -> None:
    problems = hotpot.check(INVALID)
    assert [field for field, _ in problems] == ["name", "type", "source_url"]
    assert all(isinstance(p, tuple) and len(p) == 2 for p in problems)
    with pytest.raises(hotpot.ValidationError) as caught:
        hotpot.Moment("", "near_miss", source_url="runs/42", priority="High")
    assert problems == caught.value.errors


def test_wrong_json_types_and_missing_fields() -> None:
    assert hotpot.check({"name": 42, "priority": ["high"], "occurred_at": None}) == [
        ("name", "expected a string, found a number (42)"),
        ("type", "required: expected one of page, alert, near-miss, incident, "
                 "found nothing (the field is missing)"),
        ("priority", "expected a string, found an array of 1 item"),
    ]


def test_the_future_is_decided_by_the_clock_now() -> None:
    ahead = (datetime.now(timezone.utc) + timedelta(minutes=10)).isoformat()
    [(field, message)] = hotpot.check({"name": "x", "type": "page", "occurred_at": ahead})
    assert field == "occurred_at" and "not in the future" in message


@pytest.mark.parametrize("as_text", [json.dumps, lambda p: json.dumps(p).encode(),
                                     lambda p: bytearray(json.dumps(p).encode())])
def test_json_text_gives_what_the_dict_gives(as_text: Any) -> None:
    assert hotpot.check(as_text(INVALID)) == hotpot.check(INVALID)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ('{"name": "x",', "expected a JSON object, found text that is not JSON (EOF while"),
        (b'{"name": "\xff"}', "expected UTF-8 JSON text, found a byte that is not UTF-8 at offset 10"),
        ("[1, 2]", "expected a JSON object, found an array of 2 items"),
        ("", "expected a JSON object, found text that is not JSON"),
        (["name"], "expected a JSON object, found an array of 1 item"),
        (None, "expected a JSON object, found null"),
    ],
)
def test_what_is_not_an_object_is_one_payload_problem(payload: Any, expected: str) -> None:
    [(field, message)] = hotpot.check(payload)
    assert field == "payload" and message.startswith(expected), message


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"name": "x", "type": {"page"}}, 'payload field "type" is not JSON: TypeError'),
        ({"name": float("nan"), "type": "page"}, 'payload field "name" is not JSON: ValueError'),
        ({"name": "\ud800", "type": "page"}, 'payload field "name" is not JSON'),
        ({1: "x"}, "expected the payload's keys to be str, found int"),
        (object(), "payload is not JSON: TypeError"),
    ],
)
def test_a_value_json_cannot_hold_is_a_type_error_naming_it(payload: Any, named: str) -> None:
    with pytest.raises(TypeError, match="^" + named.replace("(", r"\(")):
        hotpot.check(payload)


def test_the_mock_server_finds_the_same_problems() -> None:
    with MockServer() as server:
        request = urllib.request.Request(server.webhook_url, json.dumps(INVALID).encode(),
                                         {"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 202
        [event] = server.wait_for_events(1)
    assert [(e["field"], e["message"]) for e in event["errors"]] == hotpot.check(INVALID)
