"""Fixtures of the docs checks: the mock server binary each sample runs against, the sample's
environment, and the summary line of how many samples ran."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import docslib  # noqa: E402


def unavailable(reason: str) -> None:
    """Skips a check that cannot run here, or fails it under CI (CI set), where everything it
    needs must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: a check that cannot run fails)", pytrace=False)
    pytest.skip(reason)


def bin_dir() -> Path:
    """Where `make docs-check` built `hotpot` and `hotpot-mock-server` (DOCS_BIN_DIR), by
    default target/debug."""
    return Path(os.environ.get("DOCS_BIN_DIR") or docslib.ROOT / "target" / "debug")


@pytest.fixture(scope="session")
def sample_path() -> Iterator[str]:
    """A directory holding only the two cargo-built binaries, to put first on a shell sample's
    PATH (the rest of target/debug stays out)."""
    binaries = [bin_dir() / name for name in ("hotpot", "hotpot-mock-server")]
    missing = [str(b) for b in binaries if not os.access(b, os.X_OK)]
    if missing:
        unavailable(f"not built: {', '.join(missing)} (make docs-check builds them)")
    with tempfile.TemporaryDirectory(prefix="hotpot-docs-bin-") as d:
        for b in binaries:
            os.symlink(b, Path(d) / b.name)
        yield d


@dataclass
class Mock:
    """A running hotpot-mock-server: what a sample gets in HOTPOT_WEBHOOK_URL and
    HOTPOT_API_KEY, and the secrets to keep out of any output."""

    webhook_url: str
    api_key: str
    token: str

    def redact(self, text: str) -> str:
        return text.replace(self.token, "<token>").replace(self.api_key, "<api-key>")


def _read_line(stream, timeout: float) -> str:  # type: ignore[no-untyped-def]
    box: list[str] = []
    t = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    t.start()
    t.join(timeout)
    return box[0] if box else ""


@pytest.fixture
def mock(sample_path: str, tmp_path: Path) -> Iterator[Mock]:
    """A fresh mock server binary for one sample (no sample sees another's moments), on
    127.0.0.1 and a free port, with a random API key; stopped with SIGTERM afterwards."""
    api_key = "docs-" + secrets.token_hex(12)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPOT_")}
    log = open(tmp_path / "mock-server.log", "wb")
    proc = subprocess.Popen(
        [str(Path(sample_path) / "hotpot-mock-server"), "--host", "127.0.0.1", "--port", "0",
         "--api-key", api_key],
        stdout=subprocess.PIPE,
        stderr=log,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        first = _read_line(proc.stdout, 10)
        second = _read_line(proc.stdout, 10)
        prefix = "webhook url: "
        if not first.startswith("listening on ") or not second.startswith(prefix):
            proc.kill()
            proc.wait()
            log.close()
            details = (tmp_path / "mock-server.log").read_text(errors="replace")
            pytest.fail(f"hotpot-mock-server did not print its two start-up lines; stderr:\n{details}")
        url = second[len(prefix):].strip()
        yield Mock(webhook_url=url, api_key=api_key, token=url.rsplit("/", 1)[-1])
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


@pytest.fixture
def sample_env(mock: Mock, sample_path: str) -> dict[str, str]:
    """The environment of a sample: the caller's, less any HOTPOT_* of its own (a developer's
    real webhook URL must never receive a sample's moment), plus the mock's URL and key, with
    the two binaries, then the virtualenv's bin, first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPOT_")}
    env.pop("PYTHONPATH", None)
    env["HOTPOT_WEBHOOK_URL"] = mock.webhook_url
    env["HOTPOT_API_KEY"] = mock.api_key
    env["PATH"] = os.pathsep.join([sample_path, str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """One line: how many samples of each language the docs hold, run and ignored."""
    run: Counter[str] = Counter()
    ignored: Counter[str] = Counter()
    no_run = 0
    for rel in docslib.sample_files():
        for block in docslib.code_blocks(rel):
            lang = {"py": "python", "python3": "python", "bash": "sh", "shell": "sh"}.get(block.lang, block.lang)
            (ignored if block.ignored else run)[lang or "(none)"] += 1
            no_run += lang == "rust" and not block.ignored and "no_run" in block.words
    parts = []
    for lang, verb in (("python", "run"), ("sh", "run"), ("json", "parsed"), ("rust", "doctests")):
        detail = f" ({run[lang] - no_run} run, {no_run} compiled only)" if lang == "rust" else ""
        parts.append(f"{lang} {run[lang]} {verb}{detail}, {ignored.pop(lang, 0)} ignored")
        run.pop(lang, None)
    others = ", ".join(f"{lang} {n}" for lang, n in sorted((run + ignored).items()))
    terminalreporter.write_line(
        "docs samples: " + "; ".join(parts) + (f"; not run: {others}" if others else "")
        + " (Rust: cargo test -p hotpot-e2e --doc)"
    )


# So that a test id names the block: README.md:57:python.
def block_id(block: docslib.Block) -> str:
    return f"{block.path}:{block.line}:{block.lang or 'none'}"

