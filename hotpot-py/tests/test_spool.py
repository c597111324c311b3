"""hotpot.Emitter(client, spool=path): moments survive a process killed with SIGKILL and are
delivered by the next emitter on the spool, each exactly once by its Idempotency-Key (the
mock server records a key once); slots, a full disk, fork, the arguments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest
from spool_helpers import Script

import hotpot
from hotpot.testing import MockServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and fork")

#: The child: emits N moments named m<i> into SPOOL, printing "emitted <i>" once each emit
#: returned, then "done", and waits to be killed. FSIZE sets RLIMIT_FSIZE (a full disk).
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    import hotpot
    if os.environ.get("FSIZE"):
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = int(os.environ["FSIZE"])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    emitter = hotpot.Emitter(hotpot.Client(os.environ["URL"]), spool=os.environ["SPOOL"],
                             capacity=100000)
    print("ready", flush=True)
    for i in range(int(os.environ["N"])):
        try:
            emitter.emit(hotpot.Moment(f"m{i}", "alert"))
        except hotpot.SpoolError as e:
            print(f"refused {e.reason} {e.moment.name} {isinstance(e, hotpot.DroppedError)}: {e}",
                  flush=True)
            break
        print(f"emitted {i}", flush=True)
    print("done", emitter.stats()["dropped"], flush=True)
    time.sleep(600)
    """
)


class Child(Script):
    """The child process (`CHILD`), its standard output read line by line."""

    def __init__(self, url: str, spool: Path, n: int, **env: str) -> None:
        super().__init__(CHILD, url, spool, N=str(n), **env)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def emit_and_kill(url: str, spool: Path, n: int, after: int) -> set[str]:
    """A child emits up to `n` moments; killed with SIGKILL once `after` emits returned (and a
    random moment more). Returns the names acknowledged."""
    child = Child(url, spool, n)
    acknowledged = set()
    while len(acknowledged) < after:
        line = child.line()
        assert line.startswith("emitted "), line
        acknowledged.add("m" + line.split()[1])
    time.sleep(random.uniform(0, 0.002))
    child.kill()
    return acknowledged


def restart_and_check(mock: MockServer, spool: Path, acknowledged: set[str]) -> int:
    """The second process (this one) delivers what the spool holds; the mock must hold each
    acknowledged moment exactly once. Returns how many were recovered."""
    emitter = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=spool)
    recovered = emitter.stats()["recovered"]
    report = emitter.flush(timeout=20)
    assert not report["timed_out"], report
    report = emitter.shutdown(timeout=5)
    assert report["recovered"] == recovered
    assert report["failed"] == report["dropped"] == 0, report
    assert report["emitted"] == report["delivered"] + report["still_queued"] + report["in_flight"]
    names = [m["name"] for m in mock.moments()]
    assert len(names) == len(set(names)), "a moment was recorded twice"
    assert acknowledged <= set(names)
    assert segments_size(spool) == 0  # everything settled: the spool is empty again
    return recovered


def segments_size(spool: Path) -> int:
    return sum(p.stat().st_size for p in spool.rglob("*.seg"))


def slots(spool: Path) -> list[str]:
    return sorted(p.name for p in spool.glob("slot-*"))


KILLS = int(os.environ.get("HOTPOT_PY_SPOOL_KILLS", "5"))


@pytest.mark.parametrize("round_", range(KILLS))
def test_killed_while_hotpot_answers_503_nothing_acknowledged_is_lost(tmp_path: Path, round_: int) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        acknowledged = emit_and_kill(mock.webhook_url, tmp_path, 30, random.randint(0, 30))
        assert mock.moments() == []
        mock.reset()  # Hotpot is back
        assert restart_and_check(mock, tmp_path, acknowledged) >= len(acknowledged)


@pytest.mark.parametrize("round_", range(KILLS))
def test_killed_while_deliveries_are_in_flight_each_is_recorded_once(tmp_path: Path, round_: int) -> None:
    with MockServer() as mock:
        acknowledged = emit_and_kill(mock.webhook_url, tmp_path, 40, random.randint(0, 40))
        restart_and_check(mock, tmp_path, acknowledged)


def test_recovered_moments_keep_their_keys_and_are_counted(tmp_path: Path) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        child = Child(mock.webhook_url, tmp_path, 3)
        assert [child.line() for _ in range(4)] == ["emitted 0", "emitted 1", "emitted 2", "done 0"]
        child.kill()
        mock.reset()
        emitter = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=os.fspath(tmp_path), concurrency=1)
        emitter.emit(hotpot.Moment("new", "alert"))
        stats = emitter.stats()
        assert stats["recovered"] == 3 and stats["emitted"] == 4
        emitter.flush(timeout=10)
        names = [m["name"] for m in mock.moments()]
        # A request the dead child sent just before the kill may be answered once the mock is
        # back; the restart's send of it, with the same key, is then not recorded again.
        assert sorted(names[:3]) == ["m0", "m1", "m2"] and names[3:] == ["new"], names
        report = emitter.shutdown(timeout=1)
        assert report["recovered"] == 3 and report["delivered"] == 4


def test_emitters_here_and_in_another_process_share_one_spool(tmp_path: Path) -> None:
    with MockServer() as mock:
        client = hotpot.Client(mock.webhook_url)
        mock.fail_next(503, count=1_000_000)
        child = Child(mock.webhook_url, tmp_path, 1)
        assert child.line() == "emitted 0"
        # Neither refused: each emitter claims a slot of its own.
        first = hotpot.Emitter(client, spool=tmp_path)
        second = hotpot.Emitter(client, spool=tmp_path)
        first.emit(hotpot.Moment("first", "alert"))
        second.emit(hotpot.Moment("second", "alert"))
        assert slots(tmp_path) == ["slot-0", "slot-1", "slot-2"]
        child.kill()
        mock.clear_faults()
        assert not first.flush(timeout=10)["timed_out"]
        assert not second.flush(timeout=10)["timed_out"]
        first.shutdown(timeout=1)
        second.shutdown(timeout=1)
        # The killed child's slot is sent once: adopted by a live emitter, or by the next one.
        restart_and_check(mock, tmp_path, {"m0", "first", "second"})


def test_a_full_disk_raises_spool_error_with_the_moment(tmp_path: Path) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        child = Child(mock.webhook_url, tmp_path, 10_000, FSIZE="65536")
        acknowledged = set()
        while True:
            line = child.line()
            if not line.startswith("emitted "):
                break
            acknowledged.add("m" + line.split()[1])
        # reason "spool", the refused moment handed back, a DroppedError, what the OS said.
        assert line.startswith(f"refused spool m{len(acknowledged)} True: "), line
        assert "cannot write to the spool" in line and str(tmp_path) in line
        assert "too large" in line  # EFBIG
        assert child.line() == "done 1"
        child.kill()
        mock.reset()
        assert len(acknowledged) > 10
        assert restart_and_check(mock, tmp_path, acknowledged) == len(acknowledged)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_claims_a_slot_of_its_own(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        emitter = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=tmp_path)
        emitter.emit(hotpot.Moment("parent", "alert"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process
            pid = os.fork()
        if pid == 0:
            code = 1
            try:
                emitter.emit(hotpot.Moment("child", "alert"))  # into the child's own slot
                stats = emitter.stats()
                report = emitter.shutdown(timeout=0)  # kept in the child's slot
                if stats["emitted"] == 1 and stats["recovered"] == 0 and report["kept"] == 1:
                    code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        # The child's emitter claimed a slot of its own (the parent's stayed locked).
        assert slots(tmp_path) == ["slot-0", "slot-1"]
        assert "memory only" not in caplog.text
        assert emitter.stats()["emitted"] == 1
        emitter.shutdown(timeout=0)
        mock.clear_faults()
        # Both kept moments are sent by the next emitters on the directory.
        a = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=tmp_path)
        b = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=tmp_path)
        assert a.stats()["recovered"] + b.stats()["recovered"] == 2
        a.flush(timeout=10)
        b.flush(timeout=10)
        a.shutdown(timeout=1)
        b.shutdown(timeout=1)
        assert sorted(m["name"] for m in mock.moments()) == ["child", "parent"]


def test_the_arguments_are_checked() -> None:
    client = hotpot.Client("http://127.0.0.1:9/moment/abcd1234")
    with pytest.raises(hotpot.ConfigError, match=r"sync: expected 'always', 'batch' or 'never', found \"sometimes\""):
        hotpot.Emitter(client, spool="/tmp/x", sync="sometimes")
    with pytest.raises(TypeError, match="spool: expected a str or os.PathLike"):
        hotpot.Emitter(client, spool=42)  # type: ignore[arg-type]
    with pytest.raises(hotpot.ConfigError, match="cannot use"):
        hotpot.Emitter(client, spool="/proc/hotpot-spool")
    emitter = hotpot.Emitter(client)
    assert emitter.stats()["recovered"] == 0
    emitter.shutdown(timeout=0)


@pytest.mark.parametrize("sync", ["always", "batch", "never"])
def test_every_sync_mode_keeps_what_was_emitted(tmp_path: Path, sync: str) -> None:
    with MockServer() as mock:
        emitter = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=tmp_path, sync=sync)
        for i in range(20):
            emitter.emit(hotpot.Moment(f"s{i}", "alert"))
        assert not emitter.flush(timeout=10)["timed_out"]
        emitter.shutdown(timeout=1)
        assert sorted(m["name"] for m in mock.moments()) == sorted(f"s{i}" for i in range(20))
        assert segments_size(tmp_path) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_that_lives_on_does_not_hold_the_spool(tmp_path: Path) -> None:
    with MockServer() as mock:
        client = hotpot.Client(mock.webhook_url)
        emitter = hotpot.Emitter(client, spool=tmp_path)
        ready_r, ready_w = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process
            pid = os.fork()
        if pid == 0:
            try:
                emitter.emit(hotpot.Moment("child", "alert"))  # the child's own emitter
                os.write(ready_w, b"x")
                time.sleep(60)  # lives on, until killed
            finally:
                os._exit(0)
        try:
            assert os.read(ready_r, 1) == b"x"
            emitter.shutdown(timeout=1)
            # The parent let go of its slot; the child, still alive, does not hold it: the next
            # emitter takes it again (the child holds slot-1 with its own emitter).
            again = hotpot.Emitter(client, spool=tmp_path)
            assert slots(tmp_path) == ["slot-0", "slot-1"]
            again.shutdown(timeout=0)
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(ready_r)
            os.close(ready_w)


def test_a_shutdown_that_gives_up_keeps_its_moments_for_the_next_emitter(tmp_path: Path) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)  # Hotpot down during a deploy
        told: list[str] = []
        client = hotpot.Client(mock.webhook_url)
        first = hotpot.Emitter(
            client, spool=tmp_path, concurrency=2, on_error=lambda m, e: told.append(m.name)
        )
        for i in range(5):
            first.emit(hotpot.Moment(f"kept {i}", "alert"))
        deadline = time.monotonic() + 10
        while len({r["headers"]["idempotency_key"] for r in mock.requests()}) < 2:
            assert time.monotonic() < deadline, "the first sends never reached the mock"
            time.sleep(0.01)
        report = first.shutdown(timeout=0.05)
        assert report["kept"] == 5 and report["emitted"] == 5, report
        assert report["still_queued"] == report["in_flight"] == report["dropped"] == 0, report
        assert report["timed_out"]
        assert first.stats()["kept"] == 5
        assert told == [], "on_error was called for a kept moment"
        sent_keys = {r["headers"]["idempotency_key"] for r in mock.requests()}
        assert segments_size(tmp_path) > 0

        mock.clear_faults()  # Hotpot is back
        second = hotpot.Emitter(client, spool=tmp_path)
        assert second.stats()["recovered"] == 5
        report = second.flush(timeout=10)
        assert not report["timed_out"] and report["delivered"] == 5, report
        names = sorted(m["name"] for m in mock.moments())
        assert names == [f"kept {i}" for i in range(5)], names
        # The two sent before the shutdown came back with the keys they had then.
        accepted = {
            r["headers"]["idempotency_key"] for r in mock.requests() if (r["status"] or 0) // 100 == 2
        }
        assert sent_keys <= accepted, (sent_keys, accepted)
        assert second.shutdown(timeout=1)["kept"] == 0
        assert segments_size(tmp_path) == 0


#: Emits N moments into a spool while Hotpot is down, and exits without a shutdown.
EXIT_SCRIPT = textwrap.dedent(
    """
    import os
    import hotpot
    emitter = hotpot.Emitter(hotpot.Client(os.environ["URL"]), spool=os.environ["SPOOL"],
                             on_error=lambda m, e: print("on_error", m.name, flush=True))
    for i in range(int(os.environ["N"])):
        emitter.emit(hotpot.Moment(f"exit {i}", "alert"))
    print("emitted", flush=True)
    """
)


def test_the_exit_handler_keeps_what_it_gives_up_on_in_the_spool(tmp_path: Path) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        result = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT],
            env={**os.environ, "URL": mock.webhook_url, "SPOOL": str(tmp_path), "N": "4"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "emitted\n", "on_error was called for a kept moment"
        assert "4 hotpot moment(s) not delivered before exit were kept in the spool" in result.stderr
        assert "not delivered before exit: the exit handler" not in result.stderr
        mock.clear_faults()
        assert restart_and_check(mock, tmp_path, {f"exit {i}" for i in range(4)}) == 4
