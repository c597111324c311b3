"""The paste-in snippet's page rules against the Rust ones (spec §13, §14), page by page.

Thousands of generated pages (a fixed seed) go to the snippet's ``check_page`` and to the
Rust rules: ``hotpot.Page`` (``hotpot_protocol::Page::builder``) for the title, text, urgency
and source_url, and ``hotpot.ApiClient.page_team`` / ``page_person`` for the recipient (which
``hotpot_protocol::Recipient`` checks before anything is sent: the client points at a closed
port, so a valid recipient ends in a connection error). Each page must get the same problems,
field and message (for source_url the field only, as for moments) — in this interpreter and
under the oldest CPython >= 3.7 the machine has. A rule changed on one side only fails the
comparison: the last test proves it.
"""

from __future__ import annotations

import functools
import json
import random
import socket
import subprocess
import textwrap
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from snippet_helpers import SNIPPET, find_oldest_python, load_snippet
from test_snippet_rules import BAD_URLS, GOOD_URLS, blanks, mutate, pieced

import hotpot

SEED = 14
RANDOM_PAGES = 4000
KINDS = ("team", "person")


# --- the values, field by field -----------------------------------------------------------


def bodies(rng: random.Random, most: int) -> Iterator[str]:
    """Titles (most=200) or texts (most=10,000): around the limit, blank or nearly."""
    yield from pieced(rng, (0, 1, 2, 39, 40, 41, most - 1, most, most + 1, most * 2))
    yield from blanks(most)
    yield from ("Rollback failed", "😀" * most, "😀" * (most + 1), "e\u0301" * (most // 2 + 1))


GOOD_EMAILS = ["ana@example.com", "Ana.B+ops@Example.CO.uk", "a@b.c", "ünïcode@exämple.de",
               "a b@c.d", "x@y.z", "x@.", "x@a.", "\u3000@a.b"]
BAD_EMAILS = ["", "ana", "ana@", "@example.com", "ana@localhost", "a@b@c.d", "ana@@example.com",
              "ana.example.com", " ", "@", "@.", "a@b", "ana@example_com"]
GOOD_SLUGS = ["default", "payments-oncall_2", "A", "0", "-", "_", "a" * 300]
BAD_SLUGS = ["", " ", "my team", "ops\n", "ops\t", "ops\x00", "ops'", "ops\\", 'ops"', "café",
             "ops\u0301", "ops\u200b", "ops\u3000", "ops\xa0", "ops😀", "ops/db", "ops.db", "@ops",
             "ops\x7f", "\uff4f\uff50\uff53", "ops\u2028", "ops\ufeff", "ops\U000e0001"]
#: What a one-character change to a recipient may bring in.
RECIPIENT_MUTATIONS = "@.-_ aZ0\t'\"\\é\u0301\u200b"


def recipients(kind: str, rng: random.Random) -> Iterator[str]:
    good, bad = (GOOD_SLUGS, BAD_SLUGS) if kind == "team" else (GOOD_EMAILS, BAD_EMAILS)
    yield from good + bad
    for _ in range(400):
        s = rng.choice(good + bad)
        i = rng.randrange(len(s) + 1)
        c = rng.choice(RECIPIENT_MUTATIONS)
        yield rng.choice((s[:i] + c + s[i:], s[:i] + c + s[i + 1:], s[:i] + s[i + 1:]))


def urgencies(rng: random.Random) -> Iterator[str | None]:
    for w in ("low", "medium", "high"):
        yield from (w, w.upper(), w.title(), " " + w, w + "\n", w + "s", w[:-1])
        yield "".join(rng.choice((c.lower(), c.upper())) for c in w)
    yield from ("", " ", "urgent", "hihg", "meduim", "lo", "HİGH", "critical", "0", None)


def urls(rng: random.Random) -> Iterator[str | None]:
    yield from GOOD_URLS + BAD_URLS
    for _ in range(300):
        yield mutate(rng.choice(GOOD_URLS[:8]), rng)
    yield None


Case = tuple[str, dict[str, Any]]


def cases(seed: int = SEED) -> list[Case]:
    """Every value above once in an otherwise valid page, then random pages mixing them."""
    rng = random.Random(seed)
    pools: dict[str, list[Any]] = {
        "title": list(bodies(rng, 200)), "text": list(bodies(rng, 10_000)),
        "urgency": list(urgencies(rng)), "source_url": list(urls(rng)),
    }
    people = {kind: list(recipients(kind, rng)) for kind in KINDS}
    valid = {"title": "Rollback failed", "text": "api 1.4.2", "urgency": None, "source_url": None}
    out: list[Case] = []
    for kind in KINDS:
        recipient = "ops" if kind == "team" else "ana@example.com"
        out += [(kind, dict(valid, recipient=recipient, **{f: v}))
                for f, pool in pools.items() for v in pool]
        out += [(kind, dict(valid, recipient=r)) for r in people[kind]]
    for _ in range(RANDOM_PAGES):
        kind = rng.choice(KINDS)
        page = dict(valid, recipient=rng.choice(people[kind][:12]))
        for f in rng.sample(list(pools), rng.choice((0, 1, 1, 2, 4))):
            page[f] = rng.choice(pools[f])
        if rng.random() < 0.3:
            page["recipient"] = rng.choice(people[kind])
        out.append((kind, page))
    return out


# --- the Rust verdict ---------------------------------------------------------------------


@functools.cache
def closed_port_client() -> hotpot.ApiClient:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return hotpot.ApiClient("k" * 24, base_url=f"http://127.0.0.1:{port}", max_retries=0,
                            timeout=5.0)


@functools.cache
def rust_recipient(kind: str, recipient: str) -> tuple[tuple[str, str], ...]:
    page = getattr(closed_port_client(), "page_" + kind)
    try:
        page(recipient, "t", "t")
    except hotpot.ValidationError as e:
        return tuple(e.errors)
    except hotpot.HotpotError:
        return ()  # checked, then sent to nobody
    raise AssertionError("a closed port accepted a page")


def rust_problems(kind: str, page: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) in spec order: hotpot.Page's problems with the recipient's between."""
    try:
        hotpot.Page(page["title"], page["text"], urgency=page["urgency"],
                    source_url=page["source_url"])
        fields: list[tuple[str, str]] = []
    except hotpot.ValidationError as e:
        fields = list(e.errors)
    fields += rust_recipient(kind, page["recipient"])
    order = ["title", "text", "recipient", "urgency", "source_url"]
    return sorted(fields, key=lambda p: order.index(p[0]))


# --- the comparison -----------------------------------------------------------------------

Verdicts = list[tuple[str, dict[str, Any], list[tuple[str, str]]]]


@pytest.fixture(scope="module")
def verdicts() -> Verdicts:
    return [(kind, page, rust_problems(kind, page)) for kind, page in cases()]


def comparable(problems: list[Any]) -> list[tuple[str, str]]:
    """The problems as (field, message); a source_url problem's field only (the snippet and the
    url crate word why a URL is bad differently, as for moments)."""
    return [(f, "" if f == "source_url" else m) for f, m in problems]


def disagreements(snippet_problems: Iterator[list[Any]], verdicts: Verdicts) -> Iterator[str]:
    for (kind, page, rust), problems in zip(verdicts, snippet_problems):
        if comparable(problems) != comparable(rust):
            yield f"{kind} {page!r}\n    rust: {rust}\n    snippet: {problems}"


def problems_of(snippet: ModuleType, verdicts: Verdicts) -> Iterator[list[tuple[str, str]]]:
    for kind, page, _ in verdicts:
        yield [(p["field"], p["message"]) for p in snippet.check_page(page, kind)]


def report(wrong: list[str], verdicts: Verdicts) -> str:
    return f"{len(wrong)} of {len(verdicts)} pages:\n" + "\n".join(wrong[:10])


def test_the_generated_pages_cover_both_verdicts_and_every_field(verdicts: Verdicts) -> None:
    assert len(verdicts) > 5_000
    valid = sum(1 for _, _, rust in verdicts if not rust)
    assert 0.2 * len(verdicts) < valid < 0.8 * len(verdicts), valid
    for kind in KINDS:
        seen = {field for k, _, rust in verdicts if k == kind for field, _ in rust}
        assert seen == {"title", "text", "recipient", "urgency", "source_url"}, kind


def test_the_snippet_agrees_with_the_rust_page_rules(verdicts: Verdicts) -> None:
    wrong = list(disagreements(problems_of(load_snippet(), verdicts), verdicts))
    assert not wrong, report(wrong, verdicts)


def test_the_snippet_agrees_under_the_oldest_python(verdicts: Verdicts) -> None:
    script = textwrap.dedent("""
        import json, sys
        sys.path.insert(0, sys.argv[1])
        import hotpot_snippet
        out = [[[p["field"], p["message"]] for p in hotpot_snippet.check_page(page, kind)]
               for kind, page in json.load(sys.stdin)]
        sys.stdout.write(json.dumps(out))
    """)
    python = str(find_oldest_python())
    done = subprocess.run([python, "-I", "-S", "-c", script, str(SNIPPET.parent)],
                          input=json.dumps([[k, p] for k, p, _ in verdicts]), capture_output=True,
                          text=True, check=True)
    wrong = list(disagreements(iter(json.loads(done.stdout)), verdicts))
    assert not wrong, report(wrong, verdicts)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: setattr(m, "TITLE_MAX", 201),
        lambda m: setattr(m, "TEXT_MAX", 9_999),
        lambda m: setattr(m, "URGENCIES", ("low", "high")),
        lambda m: m._SPACE.discard("\u3000"),
        lambda m: setattr(m, "_email", lambda s: None if "@" in s else "no"),
        lambda m: setattr(m, "_slug", lambda s: None if s.strip() else "no"),
        lambda m: setattr(m, "_host_ok", lambda host: True),
        lambda m: m._ESCAPE.pop("\t"),
    ],
    ids=["title-201", "text-9999", "no-medium", "ideographic-space", "any-at", "any-slug",
         "any-host", "tab-unescaped"],
)
def test_a_rule_changed_on_one_side_only_is_caught(verdicts: Verdicts, change: Any) -> None:
    snippet = load_snippet()
    change(snippet)
    assert next(disagreements(problems_of(snippet, verdicts), verdicts), None) is not None
