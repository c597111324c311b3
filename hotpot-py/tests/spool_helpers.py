"""Shared by the spool tests that run real processes (gunicorn, multiprocessing, many
adopters): waiting on a condition, the spool's files, processes and their children."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from hotpot.testing import MockServer

#: How long the tests wait for anything: generous, as CI machines are slow and loaded.
WAIT = 120.0

T = TypeVar("T")


class Script:
    """A Python ``script`` run in a child process with ``URL`` and ``SPOOL`` (and ``env``) in
    its environment, its standard output read line by line; it says "ready" first."""

    def __init__(self, script: str, url: str, spool: Path, **env: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script],
            env={**os.environ, "URL": url, "SPOOL": str(spool), **env},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.line() == "ready"

    def line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().rstrip("\n")


def wait_until(condition: Callable[[], T], what: str, timeout: float = WAIT) -> T:
    """Polls ``condition`` until it returns something true, and returns it; ``AssertionError``
    naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.05)


def slots(spool: Path) -> list[str]:
    """The slot directories of the spool."""
    return sorted(p.name for p in spool.glob("slot-*"))


def segments(spool: Path) -> list[Path]:
    """Every segment file of the spool, in any slot."""
    return sorted(spool.rglob("*.seg"))


def segments_size(spool: Path) -> int:
    return sum(p.stat().st_size for p in segments(spool))


def recorded_names(mock: MockServer) -> Counter[str]:
    """How many times the mock recorded each moment's name."""
    return Counter(m["name"] for m in mock.moments())


def recorded_once(mock: MockServer, names: set[str]) -> bool:
    """Whether every name of ``names`` is recorded (no name is ever recorded twice: the
    callers assert that too)."""
    counts = recorded_names(mock)
    assert not [n for n, c in counts.items() if c > 1], "a moment was recorded twice"
    return names <= counts.keys()


def children(pid: int) -> list[int]:
    """The live (not zombie) children of process ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return sorted(found)


def gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie counts: its files are closed)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"


def kill9(*pids: int) -> None:
    """SIGKILLs the processes and waits until each has exited."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        wait_until(lambda pid=pid: gone(pid), f"process {pid} to die")  # type: ignore[misc]
