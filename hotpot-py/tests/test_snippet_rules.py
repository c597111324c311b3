"""The paste-in snippet's rules against the Rust ones (spec §13), payload by payload.

Thousands of generated payloads (a fixed seed) go to the snippet's ``check`` and to
``hotpot.check`` (Rust: ``hotpot_client::parse_lenient``, the mock server's parser); each must
get the same verdict and the same set of problem fields — in this interpreter and under the
oldest CPython >= 3.7 the machine has. A rule changed on one side only fails the comparison:
the last test proves it by changing the snippet's rules in memory.
"""

from __future__ import annotations

import json
import random
import subprocess
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from snippet_helpers import SNIPPET, find_oldest_python, load_snippet

import hotpot

SEED = 13
RANDOM_PAYLOADS = 8000
ABSENT = object()  # a field left out of the payload


# --- the values, field by field -----------------------------------------------------------

WRONG_TYPES: list[Any] = [0, 42, -1.5, 1e20, True, False, [], ["page"], {}, {"a": 1}]
#: Rust's char::is_whitespace, and characters that look blank but are not White_Space.
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_WHITESPACE = "\x1c\x1f\x00\u200b\u180e\ufeff\u2060"
#: Pieces of names of 1 to 5 scalar values each: multi-byte, combining, emoji, flags, ZWJ.
PIECES = ["a", "Z", "é", "e\u0301", "日本", "😀", "👩\u200d💻", "🇫🇷", "ß", "\u0915\u094d\u0937", " ", "-"]


#: Values of the wrong type, None and a field left out: each field is tried with all of them.
NOT_STRINGS: list[Any] = [*WRONG_TYPES, None, ABSENT]


def pieced(rng: random.Random, lengths: Iterable[int]) -> Iterator[str]:
    """Three texts of `PIECES` of each length (in scalar values)."""
    for length in lengths:
        for _ in range(3):
            text = ""
            while len(text) < length:
                text += rng.choice(PIECES)
            yield text[:length]


def blanks(most: int) -> Iterator[str]:
    """Each blank-looking character alone, `most` times, once more, and between spaces."""
    for c in WHITESPACE + NOT_WHITESPACE:
        yield from (c, c * most, c * (most + 1), " " + c + " ")


def mutants(originals: list[str], rng: random.Random) -> Iterator[str]:
    """A thousand one-character changes of `originals`."""
    for _ in range(1000):
        yield mutate(rng.choice(originals), rng)


def names(rng: random.Random) -> Iterator[Any]:
    yield from pieced(rng, range(0, 76))
    yield from blanks(70)
    # Every character that is a space, a separator or a control in some sense, alone.
    yield from (chr(c) for c in range(0x110000)
                if unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp", "Cc", "Cf") or chr(c).isspace())
    yield from (WHITESPACE, WHITESPACE * 5, "a" * 69 + "😀", "😀" * 71, "e\u0301" * 35, "e\u0301" * 36)
    yield from NOT_STRINGS


def words(allowed: list[str], near: list[str], rng: random.Random) -> Iterator[Any]:
    for w in allowed:
        yield from (w, w.upper(), w.title(), " " + w, w + "\n", w + "s", w.replace("e", "é"))
        for _ in range(3):
            yield "".join(rng.choice((c.lower(), c.upper())) for c in w)
    yield from near
    yield from ("", " ", "outage", "İncident", "ınc", "alert\x00", "High!", "p a g e")
    yield from NOT_STRINGS


def texts(rng: random.Random) -> Iterator[Any]:
    yield from ("", " ", "Deploybot", "**bold** _md_\n\n- a\n- b", "x" * 10_000, "😀" * 100)
    yield from NOT_STRINGS


def types(rng: random.Random) -> Iterator[Any]:
    near = ["near_miss", "nearmiss", "Near_Miss", "NEAR MISS", "near\u2013miss", "Near-Miss", "NEAR-MISS"]
    return words(["page", "alert", "near-miss", "incident"], near, rng)


def priorities(rng: random.Random) -> Iterator[Any]:
    return words(["high", "medium", "low"], ["hi", "med", "HIGH ", "urgent", "0"], rng)


GOOD_URLS = [
    "https://example.com", "http://example.com/path?q=1#frag", "HTTPS://EXAMPLE.COM",
    "https://user:pw@example.com:8443/x", "http://127.0.0.1:8080/", "http://[::1]:80/",
    "https://[::ffff:1.2.3.4]/", "https://bücher.de/", "https://xn--bcher-kva.de",
    "https://example.com/a b", " https://example.com ", "https://exa\tmple.com\n",
    "http:example.com", "https:/example.com", "http:\\\\example.com\\x", "https:///example.com",
    "https://example.com:65535", "https://example.com:", "https://1.2.3", "https://0x7f.1",
    "https://EXAMPLE.COM.", "https://a_b.example", "http://@example.com", "https://a..b",
    "https://ｅｘａｍｐｌｅ.com", "http://a%41.com", "https://例え.テスト/パス",
]
BAD_URLS = [
    "", "   ", "\u3000", "/relative/path", "example.com", "//example.com/x", "ftp://example.com/f",
    "mailto:someone@example.com", "file:///etc/passwd", "javascript:alert(1)", "ws://x.com",
    "http://", "https://", "http:///", "https://:80/", "http://@/x", "https://exa mple.com",
    "https://example.com:65536", "https://example.com:8o", "https://[::1", "https://[::g]/",
    "https://[::1]x", "https://256.1.1.1", "https://1.2.3.4.5", "https://09.1.1.1",
    "https://ex%20ample.com", "http://a%zz.com", "https://a<b.com", "https://a^b.com",
    "http://a|b", "ht tp://x.com", "http//example.com", "https://xn--zz.com", "http://%FF.de",
    "https://example.com%2Fx", "http\u0430://x.com", "https://[fe80::1%25eth0]/",
]
SCHEMES = ["http", "https", "HTTP", "ftp", "mailto", "", "h"]
SEPARATORS = ["://", ":", ":/", ":///", ":\\\\", "//", ":\\/"]
USERINFO = ["", "u@", "u:p@", "@", "a@b@"]
HOSTS = ["example.com", "EXAMPLE.com.", "127.0.0.1", "[::1]", "[::g]", "bücher.de", "exa mple.com",
         "", "1.2.3.4.5", "256.0.0.1", "0x7f.1", "0x.0x", "08.1", "a..b", "xn--bcher-kva.de",
         "xn--zz.com", "a<b.com", "ex%20ample.com", "4294967295", "4294967296", "1.16777216"]
PORTS = ["", ":", ":8080", ":65535", ":65536", ":8o", ":-1"]
PATHS = ["", "/", "/a b", "/x?q=1#f", "?q", "#f", "\\x"]
#: What a one-character change to a valid URL or time may bring in (ASCII: IDNA aside).
MUTATIONS = "0123456789:/\\.-+@[]%?# \tazAZxT_|^<>\x00"


def mutate(s: str, rng: random.Random) -> str:
    i = rng.randrange(len(s) + 1)
    c = rng.choice(MUTATIONS)
    return rng.choice((s[:i] + c + s[i:], s[:i] + c + s[i + 1 :], s[:i] + s[i + 1 :]))


def urls(rng: random.Random) -> Iterator[Any]:
    yield from GOOD_URLS
    yield from BAD_URLS
    for _ in range(1500):
        yield "".join(rng.choice(part) for part in (SCHEMES, SEPARATORS, USERINFO, HOSTS, PORTS, PATHS))
    yield from mutants(GOOD_URLS[:8], rng)
    yield from NOT_STRINGS


#: Times the rules accept: every separator and offset form, leap days and a leap second.
GOOD_TIMES = [
    "2023-04-01T12:31:26Z", "2023-04-01t12:31:26z", "2023-04-01T12:31:26.250+02:00",
    "2023-04-01 12:31:26", "2023-04-01T12:31:26", "2023-04-01 12:31:26.123456789",
    "0000-01-01T00:00:00Z", "0000-02-29T12:00:00Z", "1969-12-31T23:59:59Z", "2000-02-29 00:00:00",
    "2023-04-01T12:31:26.1234567891234Z", "2023-04-01T12:31:26-00:00", "2023-04-01T12:31:26+23:59",
    "2023-04-01T12:31:26\u221205:00", "2016-12-31T23:59:60Z", "2024-02-29T00:00:00Z",
    "1999-12-31T23:30:00-01:00", "2023-04-01 12:31:26Z", "2023-04-01t12:31:26+01:00",
    "2023-04-01T12:31:26.250",
]
BAD_TIMES = [
    "", "yesterday", "2023-04-01", "2023-04-01T12:31", "2023-04-01T12:31:26+0200",
    "2023-04-01T12:31:26 +02:00", "2023-04-01T12:31:26+24:00", "2023-04-01T12:31:26+02:60",
    "2023-04-01T12:31:26+02", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2023-13-01T00:00:00Z",
    "2023-04-31T00:00:00Z", "2023-00-10T00:00:00Z", "2023-04-00T00:00:00Z", "2023-04-01T24:00:00Z",
    "2023-04-01T12:60:00Z", "2023-04-01T12:31:61Z", "2023-04-01t12:31:26", "2023-04-01T12:31:26.",
    "2023-04-01T12:31:26.Z", "2023-04-01T12:31:26Z ", " 2023-04-01T12:31:26Z", "1680352286",
    "２０２３-04-01T12:31:26Z", "2023-04-01T12:31:26z\n", "2023-04-01 12:31:26.",
    "0000-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00", "2999-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z", "9999-12-31T23:59:60Z", "2023-4-1T12:31:26Z", "+2023-04-01T12:31:26Z",
    "2023-04-01T12:31:26,250Z", "2023-04-01T12:31:26UTC", "2023-04-01T12:31:26GMT", "2023/04/01 12:31:26",
]


def time_forms(t: datetime, rng: random.Random) -> list[str]:
    """`t` written in every accepted form, some with offsets."""
    offset = timedelta(minutes=rng.choice((0, 60, -330, 825, -(23 * 60 + 59))))
    local = (t + offset).replace(tzinfo=None)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    zone = "%s%02d:%02d" % (sign, minutes // 60, minutes % 60)
    base = t.strftime("%Y-%m-%d{}%H:%M:%S")
    frac = rng.choice(("", ".5", ".250", ".123456", ".123456789"))
    return [base.format("T") + frac + "Z", base.format(" ") + frac, base.format("T") + frac,
            base.format("t") + frac + "z", local.strftime("%Y-%m-%dT%H:%M:%S") + frac + zone]


def times(rng: random.Random) -> Iterator[Any]:
    yield from GOOD_TIMES
    yield from BAD_TIMES
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for _ in range(250):
        ahead = timedelta(seconds=rng.choice((1, -1)) * rng.randrange(60, 10 * 365 * 86400))
        yield from time_forms(now + ahead, rng)  # in the past or in the future
    yield from mutants(GOOD_TIMES[:6], rng)
    for _ in range(300):
        y, mo, d, h, mi, s = (rng.randrange(n) for n in (10_000, 14, 33, 25, 61, 62))
        yield "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, mo, d, h, mi, s)
    yield from NOT_STRINGS


FIELD_VALUES = {
    "name": names, "type": types, "priority": priorities, "source": texts,
    "source_url": urls, "description": texts, "occurred_at": times,
}
UNKNOWN_FIELDS = ["occured_at", "Name", "TYPE", "extra", "", "source url", "priority ", "tags"]


def without_absent(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not ABSENT}


def payloads(seed: int = SEED) -> list[Any]:
    """Every value above once in an otherwise valid payload, then random payloads with none, one
    or more fields drawn from everything above, then values that are not objects."""
    rng = random.Random(seed)
    pools = {field: list(values(rng)) for field, values in FIELD_VALUES.items()}
    valid = {f: [v for v in pool if not rust_fields(without_absent({"name": "n", "type": "page", f: v}))]
             for f, pool in pools.items()}

    def payload(**changes: Any) -> dict[str, Any]:
        fields = {f: rng.choice(good) for f, good in valid.items()}
        for f in rng.sample(list(pools), rng.choice((0, 0, 1, 1, 2, 3, 7))):
            fields[f] = rng.choice(pools[f])
        for key in rng.sample(UNKNOWN_FIELDS, rng.choice((0, 0, 1, 3))):
            fields[key] = rng.choice(["x", None, 1, [], {"a": "b"}])
        fields.update(changes)
        return without_absent(fields)

    out: list[Any] = [payload(**{f: v}) for f, pool in pools.items() for v in pool]
    out.extend(payload() for _ in range(RANDOM_PAYLOADS))
    out.extend([[], ["name"], "a string", 42, None, True])  # not an object
    return out


# --- the comparison -----------------------------------------------------------------------


def rust_fields(payload: Any) -> list[str]:
    """The problem fields of the Rust rules (hotpot.check reads a non-dict as JSON text)."""
    problems = hotpot.check(payload if isinstance(payload, dict) else json.dumps(payload))
    return sorted(field for field, _ in problems)


Cases = list[tuple[Any, list[str]]]


def disagreements(snippet_fields: Iterator[list[str]], cases: Cases) -> Iterator[str]:
    """The payloads where the snippet's problem fields differ from Rust's."""
    for (payload, rust), fields in zip(cases, snippet_fields):
        if sorted(fields) != rust:
            yield "%r\n    rust: %s\n    snippet: %s" % (payload, rust, sorted(fields))


def fields_of(snippet: ModuleType, cases: Cases) -> Iterator[list[str]]:
    return ([p["field"] for p in snippet.check(payload)] for payload, _ in cases)


@pytest.fixture(scope="module")
def cases() -> Cases:
    """The generated payloads, each with the problem fields the Rust rules find."""
    return [(p, rust_fields(p)) for p in payloads()]


def test_the_generated_payloads_cover_both_verdicts_and_every_field(cases: Cases) -> None:
    assert len(cases) > 10_000
    valid = sum(1 for _, rust in cases if not rust)
    assert 0.2 * len(cases) < valid < 0.8 * len(cases), valid
    seen = {field for _, rust in cases for field in rust}
    assert seen == {"payload", "name", "type", "priority", "source", "source_url",
                    "description", "occurred_at"}


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [("source_url", GOOD_URLS, BAD_URLS), ("occurred_at", GOOD_TIMES, BAD_TIMES)],
)
def test_the_hand_written_values_are_what_their_lists_say(field: str, good: list[str],
                                                          bad: list[str]) -> None:
    snippet = load_snippet()
    for values, expected in ((good, []), (bad, [field])):
        for value in values:
            payload = {"name": "n", "type": "page", field: value}
            assert rust_fields(payload) == expected, value
            assert [p["field"] for p in snippet.check(payload)] == expected, value


def test_the_snippet_agrees_with_the_rust_rules(cases: Cases) -> None:
    wrong = list(disagreements(fields_of(load_snippet(), cases), cases))
    assert not wrong, "%d of %d payloads:\n%s" % (len(wrong), len(cases), "\n".join(wrong[:20]))


def test_the_snippet_agrees_under_the_oldest_python(cases: Cases) -> None:
    """The same comparison with the snippet run by the interpreter Code by Zapier has."""
    script = textwrap.dedent("""
        import json, sys
        sys.path.insert(0, sys.argv[1])
        import hotpot_snippet
        cases = json.load(sys.stdin)
        json.dump([[p["field"] for p in hotpot_snippet.check(c)] for c in cases], sys.stdout)
    """)
    run = subprocess.run([str(find_oldest_python()), "-I", "-S", "-c", script, str(SNIPPET.parent)],
                         input=json.dumps([p for p, _ in cases]), capture_output=True, text=True,
                         check=True)
    wrong = list(disagreements(iter(json.loads(run.stdout)), cases))
    assert not wrong, "%d of %d payloads:\n%s" % (len(wrong), len(cases), "\n".join(wrong[:20]))


@pytest.mark.parametrize(
    "change",
    [
        lambda m: setattr(m, "NAME_MAX", 71),
        lambda m: setattr(m, "TYPES", ("page", "alert", "near-miss")),
        lambda m: m._SPACE.discard("\u3000"),
        lambda m: setattr(m, "_time", lambda s: None),
        lambda m: setattr(m, "_host_ok", lambda host: True),
        lambda m: setattr(m, "_REQUIRED", {"name": "a string"}),
    ],
    ids=["name-71", "no-incident", "ideographic-space", "no-times", "any-host", "type-optional"],
)
def test_a_rule_changed_on_one_side_only_is_caught(cases: Cases, change: Any) -> None:
    snippet = load_snippet()
    change(snippet)
    assert next(disagreements(fields_of(snippet, cases), cases), None) is not None


NEAR_SPELLINGS = [
    "incdent", "Incidnet", "incidents", "pgae", "pag", "alrt", "aletr", "near-mis", "neer_miss",
    "near_miss", "NEAR MISS", "outage", "critical", "x", "", "incidéntt", "İncident",
]


@pytest.mark.parametrize("typed", NEAR_SPELLINGS)
def test_the_snippet_suggests_what_rust_suggests_for_a_type(typed: str) -> None:
    snippet = load_snippet()
    rust = dict(hotpot.check({"name": "n", "type": typed}))["type"]
    [problem] = [p for p in snippet.check({"name": "n", "type": typed}) if p["field"] == "type"]
    assert problem["message"] == rust


@pytest.mark.parametrize("typed", ["hihg", "meduim", "lo", "urgent", "hi"])
def test_the_snippet_suggests_what_rust_suggests_for_a_priority(typed: str) -> None:
    snippet = load_snippet()
    payload = {"name": "n", "type": "alert", "priority": typed}
    rust = dict(hotpot.check(payload))["priority"]
    [problem] = [p for p in snippet.check(payload) if p["field"] == "priority"]
    assert problem["message"] == rust
