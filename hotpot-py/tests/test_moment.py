"""Every rule of spec §1, through `hotpot.Moment` (the rules themselves live in Rust)."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import date, datetime, timedelta, timezone

import pytest

import hotpot
from hotpot import Moment, MomentType, Priority


def problems(**kwargs: object) -> list[tuple[str, str]]:
    """The (field, message) pairs `Moment(**kwargs)` is refused with."""
    args = {"name": "A thing happened", "type": "alert", **kwargs}
    with pytest.raises(hotpot.ValidationError) as info:
        Moment(**args)  # type: ignore[arg-type]
    return info.value.errors


def fields(**kwargs: object) -> list[str]:
    return [field for field, _ in problems(**kwargs)]


# --- name -----------------------------------------------------------------------------------


def test_name_of_1_and_70_characters_is_accepted() -> None:
    assert Moment("x", "alert").name == "x"
    assert Moment("x" * 70, "alert").name == "x" * 70


def test_name_of_71_characters_is_refused_with_the_count() -> None:
    [(field, message)] = problems(name="x" * 71)
    assert field == "name"
    assert "expected 1 to 70 characters" in message and "found 71 characters" in message


def test_name_length_counts_characters_not_bytes() -> None:
    assert Moment("é" * 70, "alert").name == "é" * 70  # 140 bytes in UTF-8
    assert Moment("🔥" * 70, "alert").name == "🔥" * 70
    [(field, message)] = problems(name="🔥" * 71)
    assert field == "name" and "found 71 characters" in message


def test_empty_and_whitespace_names_are_refused() -> None:
    [(field, message)] = problems(name="")
    assert field == "name" and "empty" in message
    [(field, message)] = problems(name=" \t\n")
    assert field == "name" and "whitespace" in message


# --- type -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("page", MomentType.PAGE),
        ("alert", MomentType.ALERT),
        ("near-miss", MomentType.NEAR_MISS),
        ("incident", MomentType.INCIDENT),
        ("Near-miss", MomentType.NEAR_MISS),
        ("ALERT", MomentType.ALERT),
        ("Incident", MomentType.INCIDENT),
        (MomentType.NEAR_MISS, MomentType.NEAR_MISS),
    ],
)
def test_type_in_any_case_or_as_the_enum(given: str, expected: MomentType) -> None:
    m = Moment("x", given)
    assert m.type is expected
    assert m.to_dict()["type"] == expected.value  # always sent in lower case


@pytest.mark.parametrize("spelling", ["near_miss", "nearmiss", "Near Miss", "NEAR_MISS"])
def test_near_miss_misspellings_suggest_near_miss(spelling: str) -> None:
    [(field, message)] = problems(type=spelling)
    assert field == "type"
    assert 'did you mean "near-miss"' in message
    assert "page, alert, near-miss, incident" in message


def test_unknown_type_lists_the_four_values() -> None:
    [(field, message)] = problems(type="outage")
    assert field == "type"
    assert "page, alert, near-miss, incident" in message and '"outage"' in message
    assert "did you mean" not in message


# --- priority -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("high", Priority.HIGH), ("Medium", Priority.MEDIUM), ("LOW", Priority.LOW), (Priority.LOW, Priority.LOW)],
)
def test_priority_in_any_case_or_as_the_enum(given: str, expected: Priority) -> None:
    assert Moment("x", "alert", priority=given).priority is expected


def test_priority_is_optional_and_checked() -> None:
    assert Moment("x", "alert").priority is None
    assert "priority" not in Moment("x", "alert").to_dict()
    [(field, message)] = problems(priority="urgent")
    assert field == "priority" and "high, medium, low" in message


# --- source, source_url, description ------------------------------------------------------


def test_free_text_fields_are_kept_verbatim() -> None:
    m = Moment("x", "alert", source="Deploybot", description="Rolled back **automatically**.")
    assert m.source == "Deploybot"
    assert m.description == "Rolled back **automatically**."


@pytest.mark.parametrize("url", ["https://deploys.example.com/runs/1234", "http://localhost:8080/x"])
def test_absolute_http_urls_are_accepted(url: str) -> None:
    assert Moment("x", "alert", source_url=url).source_url == url


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("/runs/1234", "relative"),
        ("ftp://example.com/x", '"ftp"'),
        ("", "empty"),
        ("   ", "whitespace"),
        ("mailto:someone@example.com", '"mailto"'),
    ],
)
def test_other_source_urls_are_refused(url: str, found: str) -> None:
    [(field, message)] = problems(source_url=url)
    assert field == "source_url"
    assert "expected an absolute http or https URL" in message and found in message


# --- occurred_at ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2023-04-01T12:31:26Z", "2023-04-01T12:31:26Z"),
        ("2023-04-01T12:31:26.250+02:00", "2023-04-01T10:31:26.250Z"),
        ("2023-04-01 12:31:26", "2023-04-01T12:31:26Z"),
        ("2023-04-01T12:31:26", "2023-04-01T12:31:26Z"),
        ("2023-04-01 12:31:26.5", "2023-04-01T12:31:26.500Z"),
    ],
)
def test_occurred_at_strings_of_section_1(text: str, utc: str) -> None:
    m = Moment("x", "alert", occurred_at=text)
    assert m.to_dict()["occurred_at"] == utc
    assert m.occurred_at is not None and m.occurred_at.tzinfo is not None


@pytest.mark.parametrize("text", ["2023-04-01", "yesterday", "01/04/2023 12:31", "2023-04-01T12:31:26 PST", ""])
def test_other_occurred_at_strings_are_refused(text: str) -> None:
    [(field, message)] = problems(occurred_at=text)
    assert field == "occurred_at" and "expected an ISO 8601 date-time" in message


def test_naive_datetime_means_utc() -> None:
    m = Moment("x", "alert", occurred_at=datetime(2023, 4, 1, 12, 31, 26))
    assert m.occurred_at == datetime(2023, 4, 1, 12, 31, 26, tzinfo=timezone.utc)
    assert m.to_dict()["occurred_at"] == "2023-04-01T12:31:26Z"


def test_aware_datetime_is_converted_to_utc() -> None:
    plus2 = timezone(timedelta(hours=2))
    m = Moment("x", "alert", occurred_at=datetime(2023, 4, 1, 14, 31, 26, 250000, tzinfo=plus2))
    assert m.to_dict()["occurred_at"] == "2023-04-01T12:31:26.250Z"
    assert m.occurred_at == datetime(2023, 4, 1, 12, 31, 26, 250000, tzinfo=timezone.utc)


def test_zoneinfo_datetimes_use_their_offset_at_that_date() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    summer = Moment("x", "alert", occurred_at=datetime(2023, 7, 1, 14, 0, tzinfo=paris))
    winter = Moment("x", "alert", occurred_at=datetime(2023, 1, 1, 14, 0, tzinfo=paris))
    assert summer.to_dict()["occurred_at"] == "2023-07-01T12:00:00Z"
    assert winter.to_dict()["occurred_at"] == "2023-01-01T13:00:00Z"


def test_future_times_are_refused_past_ones_accepted() -> None:
    now = datetime.now(timezone.utc)
    Moment("x", "alert", occurred_at=now - timedelta(seconds=1))
    [(field, message)] = problems(occurred_at=now + timedelta(minutes=10))
    assert field == "occurred_at" and "not in the future" in message and "ahead" in message
    [(field, _)] = problems(occurred_at="2999-01-01T00:00:00Z")
    assert field == "occurred_at"
    # Naive means UTC, even where the local zone is ahead of it.
    [(field, _)] = problems(occurred_at=now.replace(tzinfo=None) + timedelta(hours=1))
    assert field == "occurred_at"


def test_unset_time_stays_absent() -> None:
    m = Moment("x", "alert")
    assert m.occurred_at is None
    assert "occurred_at" not in m.to_dict()
    assert "occurred_at" not in m.to_json()


# --- wrong Python types, and every problem at once ------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "found"),
    [
        ("name", 42, "int (42)"),
        ("name", None, "NoneType"),
        ("name", b"bytes", "bytes"),
        ("type", 3, "int (3)"),
        ("priority", 1, "int (1)"),
        ("source", ["a"], "list"),
        ("source_url", 1.5, "float (1.5)"),
        ("description", {"a": 1}, "dict"),
        ("occurred_at", 1680352286, "int (1680352286)"),
        ("occurred_at", date(2023, 4, 1), "date"),
    ],
)
def test_wrong_python_types_are_validation_errors_naming_the_field(
    field: str, value: object, found: str
) -> None:
    [(got_field, message)] = problems(**{field: value})
    assert got_field == field
    assert message.startswith("expected ") and f"found {found}" in message


def test_every_problem_is_reported_at_once_in_field_order() -> None:
    got = problems(
        name="",
        type="near_miss",
        priority="urgent",
        source=7,
        source_url="/relative",
        description=None,
        occurred_at="2999-01-01T00:00:00Z",
    )
    assert [f for f, _ in got] == ["name", "type", "priority", "source", "source_url", "occurred_at"]


def test_validation_error_reads_well() -> None:
    with pytest.raises(hotpot.ValidationError) as info:
        Moment("", "near_miss")
    text = str(info.value)
    assert text.startswith("invalid moment: 2 problems:")
    assert "\n  - name: expected 1 to 70 characters" in text
    assert '\n  - type: expected one of page, alert, near-miss, incident' in text
    with pytest.raises(ValueError, match=r"^invalid moment: name: "):
        Moment("", "alert")


def test_none_means_absent_for_optional_fields() -> None:
    m = Moment("x", "alert", priority=None, source=None, source_url=None, description=None, occurred_at=None)
    assert m.to_dict() == {"name": "x", "type": "alert"}


# --- attributes, serialisation, equality, copies -----------------------------------------------


def deploybot() -> Moment:
    return Moment(
        "Failed deploy with successful rollback",
        "Near-miss",
        priority="high",
        source="Deploybot",
        source_url="https://deploys.example.com/runs/1234",
        description="Rolled back after health checks failed.",
        occurred_at="2023-04-01 12:31:26",
    )


def test_to_dict_and_to_json_give_the_canonical_payload() -> None:
    m = deploybot()
    expected = {
        "name": "Failed deploy with successful rollback",
        "type": "near-miss",
        "priority": "high",
        "source": "Deploybot",
        "source_url": "https://deploys.example.com/runs/1234",
        "description": "Rolled back after health checks failed.",
        "occurred_at": "2023-04-01T12:31:26Z",
    }
    assert m.to_dict() == expected
    assert list(m.to_dict()) == list(expected)  # the specification's field order
    assert json.loads(m.to_json()) == expected
    assert m.to_json().startswith('{"name":"Failed deploy')


def test_attributes_have_the_argument_names() -> None:
    m = deploybot()
    assert m.name == "Failed deploy with successful rollback"
    assert m.type is MomentType.NEAR_MISS
    assert m.priority is Priority.HIGH
    assert m.occurred_at == datetime(2023, 4, 1, 12, 31, 26, tzinfo=timezone.utc)
    with pytest.raises(AttributeError):
        m.name = "other"  # type: ignore[misc]


def test_equality_hash_and_repr() -> None:
    assert deploybot() == deploybot()
    assert hash(deploybot()) == hash(deploybot())
    assert deploybot() != Moment("x", "alert")
    assert deploybot() != deploybot().to_dict()
    assert Moment("x", "ALERT") == Moment("x", MomentType.ALERT)
    assert len({deploybot(), deploybot(), Moment("x", "alert")}) == 2
    assert repr(Moment("It's done", "page", priority="low")) == (
        "Moment(name=\"It's done\", type='page', priority='low')"
    )
    m = deploybot()
    assert eval(repr(m), {"Moment": Moment}) == m


def test_moments_pickle_and_copy() -> None:
    m = deploybot()
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(m, protocol))
        assert again == m and type(again) is Moment
    assert copy.copy(m) == m
    assert copy.deepcopy(m) == m


def test_a_moment_is_a_hotpot_moment() -> None:
    assert isinstance(deploybot(), hotpot.Moment)
    assert type(deploybot()).__module__ == "hotpot"


def test_a_lone_surrogate_is_a_validation_error_not_a_crash() -> None:
    [(field, message)] = problems(name="bad \ud800 name")
    assert field == "name" and "not valid Unicode" in message
