"""One spool directory for many processes (spec §10, "Many processes, one directory" and
"Nothing is orphaned"), with real processes killed with SIGKILL: orphaned slots adopted
exactly once by processes that start together, an adopter killed mid-drain, multiprocessing
children (fork and spawn) each in a slot of its own, and ``hotpot flush`` beside live
emitters."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import textwrap
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from spool_helpers import (
    WAIT,
    Script,
    kill9,
    recorded_names,
    recorded_once,
    segments_size,
    slots,
    wait_until,
)

import hotpot
from hotpot.testing import MockServer

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals, fork and /proc")

#: A process on the spool SPOOL: waits for the file GO (when set; a barrier for processes
#: started together), makes an emitter, prints "recovered <n>", emits N moments named
#: <PREFIX><i> (printing "emitted <n>" once all returned), then, with FLUSH set, flushes for
#: up to 60 s and prints "delivered <n>" and shuts down; else waits to be killed.
PROCESS = textwrap.dedent(
    """
    import os, sys, time
    import hotpot
    print("ready", flush=True)
    go = os.environ.get("GO")
    while go and not os.path.exists(go):
        time.sleep(0.001)
    emitter = hotpot.Emitter(hotpot.Client(os.environ["URL"]), spool=os.environ["SPOOL"])
    print("recovered", emitter.stats()["recovered"], flush=True)
    n = int(os.environ.get("N", "0"))
    for i in range(n):
        emitter.emit(hotpot.Moment(os.environ.get("PREFIX", "m") + str(i), "alert"))
    print("emitted", n, flush=True)
    if os.environ.get("FLUSH"):
        report = emitter.flush(timeout=60)
        print("delivered", report["delivered"], "timed_out", report["timed_out"], flush=True)
        report = emitter.shutdown(timeout=5)
        print("recovered", report["recovered"], flush=True)
    else:
        time.sleep(600)
    """
)


class Process(Script):
    """A PROCESS, its standard output read line by line."""

    def __init__(self, mock: MockServer, spool: Path, **env: str) -> None:
        super().__init__(PROCESS, mock.webhook_url, spool, **env)

    def expect(self, word: str) -> list[str]:
        line = self.line()
        assert line.startswith(word + " "), (word, line)
        return line.split()[1:]

    def kill(self) -> None:
        kill9(self.proc.pid)
        self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()

    def finish(self) -> None:
        assert self.proc.wait(timeout=WAIT) == 0
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def orphan_slots(mock: MockServer, spool: Path, slots_: int, per_slot: int) -> set[str]:
    """``slots_`` processes, alive at once, emit ``per_slot`` moments each while Hotpot is down
    and are SIGKILLed: as many orphaned slots. Returns the moments' names."""
    mock.fail_next(503, count=1_000_000)
    processes = [
        Process(mock, spool, N=str(per_slot), PREFIX=f"orphan{p}-") for p in range(slots_)
    ]
    for p in processes:
        p.expect("recovered")
        p.expect("emitted")
    for p in processes:
        p.kill()
    assert mock.moments() == []
    mock.clear_faults()
    return {f"orphan{p}-{i}" for p in range(slots_) for i in range(per_slot)}


def test_eight_processes_started_at_once_adopt_each_orphaned_slot_once(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    with MockServer() as mock:
        orphaned = orphan_slots(mock, spool, 5, 40)
        assert slots(spool) == ["slot-0", "slot-1", "slot-2", "slot-3", "slot-4"]
        go = tmp_path / "go"
        starters = [
            Process(mock, spool, GO=str(go), N="5", PREFIX=f"new{p}-", FLUSH="1") for p in range(8)
        ]
        go.touch()  # every one of them is waiting: they start together
        recovered = 0
        for p in starters:
            p.expect("recovered")
            p.expect("emitted")
            assert p.expect("delivered")[2] == "False"
            recovered += int(p.expect("recovered")[0])
            p.finish()
        # Each orphaned moment was taken in by exactly one of them: the counts add up.
        assert recovered == len(orphaned)
        new = {f"new{p}-{i}" for p in range(8) for i in range(5)}
        wait_until(lambda: recorded_once(mock, orphaned | new), "every moment")
        assert recorded_names(mock) == Counter(orphaned | new)
        # No key was ever sent twice: nothing the mock accepted was a replay.
        assert not [r for r in mock.requests() if r["replayed"]]
        assert len(slots(spool)) <= 8 + 5
        assert segments_size(spool) == 0


def test_an_adopter_killed_mid_drain_leaves_the_rest_to_the_next(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    with MockServer() as mock:
        orphaned = orphan_slots(mock, spool, 5, 40)
        # Hotpot answers, slowly: the adopter is killed with sends under way and most to go.
        mock.fail_next(None, delay=0.5, count=1_000_000)
        adopter = Process(mock, spool)
        assert adopter.expect("recovered") == [str(len(orphaned))]
        wait_until(lambda: mock.moment_count() >= 10, "the adopter's first deliveries")
        adopter.kill()
        done = {m["name"] for m in mock.moments()}
        assert 10 <= len(done) < len(orphaned)
        mock.clear_faults()
        # What the adopter had not settled (the moments it had taken in, in its own slot now
        # orphaned in turn) is sent by the next; what it sent already is recorded once, as
        # the key of a resend is the same.
        last = Process(mock, spool, FLUSH="1")
        assert len(orphaned) - len(done) <= int(last.expect("recovered")[0]) <= len(orphaned)
        last.expect("emitted")
        assert last.expect("delivered")[2] == "False"
        last.expect("recovered")
        last.finish()
        assert recorded_names(mock) == Counter(orphaned)
        assert segments_size(spool) == 0


#: The emitter a forked child inherits (made in the parent, first used in the child).
_inherited: hotpot.Emitter | None = None


def _child_emits(url: str, spool: str, prefix: str, n: int, ready: Any) -> None:
    """A multiprocessing child: emits ``n`` moments (into the inherited emitter when there is
    one), says so, and waits to be killed."""
    emitter = _inherited or hotpot.Emitter(hotpot.Client(url), spool=spool)
    for i in range(n):
        emitter.emit(hotpot.Moment(f"{prefix}{i}", "alert"))
    ready.put(os.getpid())
    signal.pause()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_children_each_take_a_slot_and_survive_kill_9(
    tmp_path: Path, method: str, caplog: pytest.LogCaptureFixture
) -> None:
    global _inherited
    spool = tmp_path / "spool"
    context = multiprocessing.get_context(method)
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        if method == "fork":
            _inherited = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=spool)
            _inherited.emit(hotpot.Moment("parent", "alert"))
        try:
            ready = context.Queue()
            children = [
                context.Process(
                    target=_child_emits, args=(mock.webhook_url, str(spool), f"{method}{c}-", 20, ready)
                )
                for c in range(3)
            ]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process
                for child in children:
                    child.start()
            pids = {ready.get(timeout=WAIT) for _ in children}
            assert pids == {child.pid for child in children}
            # One slot each (and the parent's own, which no child wrote into).
            expected = 4 if method == "fork" else 3
            assert slots(spool) == [f"slot-{i}" for i in range(expected)]
            kill9(*pids)
            for child in children:
                child.join(WAIT)
                assert child.exitcode == -signal.SIGKILL
            mock.clear_faults()
            emitted = {f"{method}{c}-{i}" for c in range(3) for i in range(20)}
            if _inherited is not None:
                # The parent's live emitter: its own moment now, the children's slots once it
                # adopts them (within 30 s; a new emitter would take them at once).
                emitted.add("parent")
                wait_until(lambda: recorded_once(mock, emitted), "the children's moments")
                assert _inherited.stats()["recovered"] == 60
                _inherited.shutdown(timeout=5)
            else:
                after = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=spool)
                assert after.stats()["recovered"] == 60
                assert not after.flush(timeout=WAIT)["timed_out"]
                after.shutdown(timeout=5)
            assert recorded_names(mock) == Counter(emitted)
            assert "memory only" not in caplog.text
            assert segments_size(spool) == 0
        finally:
            if _inherited is not None:
                _inherited.shutdown(timeout=0)
                _inherited = None


def test_hotpot_flush_beside_live_emitters_leaves_their_slots_alone(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        live = [Process(mock, spool, N="10", PREFIX=f"live{p}-") for p in range(2)]
        for p in live:
            assert p.expect("recovered") == ["0"]
            p.expect("emitted")
        # Then two processes die during the outage: slot-2 and slot-3 are orphaned.
        orphaned = orphan_slots(mock, spool, 2, 10)
        assert slots(spool) == ["slot-0", "slot-1", "slot-2", "slot-3"]
        hotpot_cli = Path(sys.executable).with_name("hotpot")
        result = subprocess.run(
            [str(hotpot_cli), "flush", "--spool", str(spool), "--timeout-total", "60"],
            env={**os.environ, "HOTPOT_WEBHOOK_URL": mock.webhook_url},
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        # The orphans are flush's to send (unless a live emitter adopted one first: each is
        # sent by one of them); the live emitters' slots are left alone.
        assert result.returncode == 0, result
        assert "slots of live emitters left alone 2" in result.stdout + result.stderr, result
        flushed = int(re.search(r"found (\d+), delivered (\d+)", result.stdout + result.stderr)[2])  # type: ignore[index]
        assert flushed in (0, 10, 20), result
        names = orphaned | {f"live{p}-{i}" for p in range(2) for i in range(10)}
        wait_until(lambda: recorded_once(mock, names), "the live emitters' deliveries")
        for p in live:
            p.kill()
        assert recorded_names(mock) == Counter(names)
        accepted = Counter(
            r["headers"]["idempotency_key"] for r in mock.requests() if (r["status"] or 0) // 100 == 2
        )
        assert max(accepted.values()) == 1, "a key was sent twice"
        assert not [r for r in mock.requests() if r["replayed"]]
