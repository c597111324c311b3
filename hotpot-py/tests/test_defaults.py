"""Every default lives in `hotpot_client::defaults` (Rust); `hotpot._hotpot.DEFAULTS` holds it
at runtime. The signatures, the stubs and the docstrings state the same values: a default
changed in Rust fails here until they say it too."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import hotpot
from hotpot import _hotpot
from hotpot.testing import MockServer

DEFAULTS = _hotpot.DEFAULTS
STUBS = Path(_hotpot.__file__).with_name("_hotpot.pyi")

#: (class, argument of its constructor, key of DEFAULTS)
ARGUMENTS = [
    (hotpot.Client, "timeout", "timeout"),
    (hotpot.Client, "max_retries", "max_retries"),
    (hotpot.AsyncClient, "timeout", "timeout"),
    (hotpot.AsyncClient, "max_retries", "max_retries"),
    (hotpot.Emitter, "capacity", "capacity"),
    (hotpot.Emitter, "concurrency", "concurrency"),
    (hotpot.Emitter, "delivery_deadline", "delivery_deadline"),
    (hotpot.Emitter, "sync", "sync"),
    (hotpot.Emitter, "spool_max_bytes", "spool_max_bytes"),
]


def stub_defaults() -> dict[tuple[str, str], object]:
    """(class, argument) -> the default `_hotpot.pyi` writes for it in `__new__` (the class's
    own, or that of the stub-only base it inherits one from)."""
    classes = {n.name: n for n in ast.parse(STUBS.read_text()).body if isinstance(n, ast.ClassDef)}

    def new_of(node: ast.ClassDef) -> ast.FunctionDef | None:
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__new__":
                return item
        bases = (classes[b.id] for b in node.bases if isinstance(b, ast.Name) and b.id in classes)
        return next((new for new in map(new_of, bases) if new is not None), None)

    found: dict[tuple[str, str], object] = {}
    for name, node in classes.items():
        if (new := new_of(node)) is not None:
            for arg, default in zip(new.args.kwonlyargs, new.args.kw_defaults):
                if default is not None:
                    found[(name, arg.arg)] = ast.literal_eval(default)
    return found


@pytest.mark.parametrize(("cls", "argument", "key"), ARGUMENTS)
def test_signatures_and_stubs_state_the_rust_defaults(cls: type, argument: str, key: str) -> None:
    assert inspect.signature(cls).parameters[argument].default == DEFAULTS[key]
    assert stub_defaults()[(cls.__name__, argument)] == DEFAULTS[key]


def test_the_clients_and_the_emitter_run_with_them(hotpot_mock: MockServer) -> None:
    client = hotpot.Client(hotpot_mock.webhook_url)
    assert (client.timeout, client.max_retries) == (DEFAULTS["timeout"], DEFAULTS["max_retries"])
    aclient = hotpot.AsyncClient(hotpot_mock.webhook_url)
    assert (aclient.timeout, aclient.max_retries) == (DEFAULTS["timeout"], DEFAULTS["max_retries"])
    with hotpot.Emitter(client) as emitter:
        assert emitter.capacity == DEFAULTS["capacity"]
    blocking = hotpot.Emitter(client, overflow="block")
    assert f"block_timeout={DEFAULTS['block_timeout']}," in repr(blocking)
    blocking.shutdown(0)


def number(text: str) -> float:
    return float(text.replace(",", ""))


#: (docstring, a pattern whose group is the value it states, key of DEFAULTS)
DOCSTRINGS = [
    (hotpot.Client.__doc__, r"in seconds \(default ([\d.]+)\)", "timeout"),
    (hotpot.Client.__doc__, r"after the first attempt \(default (\d+)", "max_retries"),
    (hotpot.Emitter.__doc__, r"to be sent \(default ([\d,]+)\)", "capacity"),
    (hotpot.Emitter.__doc__, r"seconds, default ([\d.]+), for room", "block_timeout"),
    (hotpot.Emitter.__doc__, r"sent at once \(default (\d+);", "concurrency"),
    (hotpot.Emitter.__doc__, r"sent at once \(default \d+; 1 to (\d+)\)", "max_concurrency"),
    (hotpot.Emitter.__doc__, r"delivered\n\s*\(default (\d+),", "delivery_deadline"),
    (hotpot.Emitter.__doc__, r"slot counted \(default (\d+), 1 GiB\)", "spool_max_bytes"),
    (hotpot.Emitter.__doc__, r"gives every emitter ([\d.]+) seconds", "exit_shutdown_timeout"),
    (hotpot.Emitter.shutdown.__doc__, r"\(None: ([\d.]+)\)", "shutdown_timeout"),
    (hotpot.Emitter.__exit__.__doc__, r"at most ([\d.]+) seconds", "shutdown_timeout"),
]


@pytest.mark.parametrize(("doc", "pattern", "key"), DOCSTRINGS, ids=[k for _, _, k in DOCSTRINGS])
def test_docstrings_state_the_rust_defaults(doc: str | None, pattern: str, key: str) -> None:
    found = re.search(pattern, doc or "")
    assert found, f"{pattern!r} not in the docstring"
    assert number(found.group(1)) == DEFAULTS[key]


README = [
    (r"Client\(url, timeout=([\d.]+), max_retries=\d+\)", "timeout"),
    (r"Client\(url, timeout=[\d.]+, max_retries=(\d+)\)", "max_retries"),
    (r"`shutdown` \(([\d.]+) s by default\)", "shutdown_timeout"),
    (r"gives\s+every\s+emitter\s+([\d.]+)\s+s", "exit_shutdown_timeout"),
]


@pytest.mark.parametrize(("pattern", "key"), README, ids=[k for _, k in README])
def test_the_readme_states_the_rust_defaults(pattern: str, key: str) -> None:
    readme = Path(__file__).resolve().parent.parent / "README.md"
    found = re.search(pattern, readme.read_text())
    assert found, f"{pattern!r} not in {readme}"
    assert number(found.group(1)) == DEFAULTS[key]
