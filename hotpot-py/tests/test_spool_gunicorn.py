"""One spool directory for a whole gunicorn service (spec §10, "Many processes, one
directory"): sync workers killed, recycled and stopped while Hotpot is down lose nothing,
send nothing twice and leave a bounded number of slots. The service is spool_service.py, run
by a real gunicorn on 127.0.0.1 (port 0) with the mock answering 503."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from spool_helpers import (
    WAIT,
    children,
    kill9,
    recorded_names,
    recorded_once,
    segments,
    segments_size,
    slots,
    wait_until,
)

from hotpot.testing import MockServer

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="gunicorn, /proc and POSIX signals")

HERE = Path(__file__).resolve().parent


class Gunicorn:
    """A gunicorn running spool_service:app, its output in a log file."""

    def __init__(
        self,
        tmp_path: Path,
        mock: MockServer,
        spool: Path,
        *args: str,
        env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = tmp_path / f"gunicorn-{len(list(tmp_path.glob('gunicorn-*.log')))}.log"
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    "127.0.0.1:0",
                    "--pythonpath",
                    str(HERE),
                    "--config",
                    str(HERE / "spool_gunicorn_conf.py"),
                    "--log-level",
                    "info",
                    "--no-control-socket",
                    *args,
                    "spool_service:app",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={
                    **os.environ,
                    **(env or {}),
                    "HOTPOT_TEST_URL": mock.webhook_url,
                    "HOTPOT_TEST_SPOOL": str(spool),
                    "PYTHONUNBUFFERED": "1",
                },
            )
        self.port = int(
            wait_until(
                lambda: (
                    re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log()) or self.died()
                ),
                "gunicorn to listen",
            ).group(1)
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def died(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.proc.returncode}:\n{self.log()}")

    def workers(self, n: int) -> list[int]:
        """The workers' process ids, once there are ``n`` of them."""
        return wait_until(
            lambda: len(w := children(self.proc.pid)) == n and w, f"{n} gunicorn workers"
        )

    def get(self) -> str | None:
        """One request; the moment's name it answers, or None when it failed (a worker killed
        while it ran it)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=WAIT) as answer:
                return str(answer.read().decode())
        except (OSError, http.client.HTTPException):
            return None

    def kill_all(self) -> None:
        """SIGKILLs the master and every worker (the master stopped first, so that it
        neither respawns a worker nor lets its workers notice that it is gone)."""
        self.proc.send_signal(signal.SIGSTOP)
        workers = children(self.proc.pid)
        kill9(*workers, self.proc.pid)
        self.proc.wait()

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=WAIT) == 0, self.log()

    def check_log(self) -> None:
        log = self.log()
        assert "ConfigError" not in log and "in use by another emitter" not in log, log
        assert "memory only" not in log, log
        assert "Traceback" not in log, log


def drive(server: Gunicorn, n: int, on_progress: dict[int, object] | None = None) -> set[str]:
    """Sends ``n`` requests, 8 at a time; calls ``on_progress[k]()`` once ``k`` have been
    answered. Returns the names acknowledged."""
    acknowledged: set[str] = set()
    done = 0
    lock = threading.Lock()
    steps = dict(on_progress or {})

    def one(_: int) -> None:
        nonlocal done
        name = server.get()
        with lock:
            done += 1
            if name is not None:
                acknowledged.add(name)
            step = steps.pop(done, None)
        if step is not None:
            step()  # type: ignore[operator]

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(n)))
    return acknowledged


def settle(mock: MockServer, spool: Path, acknowledged: set[str], tmp_path: Path) -> Gunicorn:
    """Restarts the service with 1 worker, brings Hotpot back, and waits until every
    acknowledged moment is recorded; returns the running service."""
    server = Gunicorn(tmp_path, mock, spool, "--workers", "1")
    mock.clear_faults()
    wait_until(
        lambda: recorded_once(mock, acknowledged), f"the {len(acknowledged)} acknowledged moments"
    )
    return server


def test_workers_killed_during_an_outage_lose_nothing_and_send_nothing_twice(
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        server = Gunicorn(tmp_path, mock, spool, "--workers", "4")
        server.workers(4)
        killed: list[int] = []

        def kill_a_worker() -> None:
            victim = children(server.proc.pid)[0]
            killed.append(victim)
            kill9(victim)

        acknowledged = drive(server, 1_000, {300: kill_a_worker, 600: kill_a_worker})
        assert len(killed) == 2
        # gunicorn respawned them: 4 workers again, the killed ones among none of them.
        assert not set(server.workers(4)) & set(killed)
        assert len(acknowledged) >= 990, "requests failed beyond the two killed workers' own"
        assert mock.moments() == []  # Hotpot is down
        assert {r["status"] for r in mock.requests()} == {503}, (
            "the workers tried, and met the outage"
        )
        server.kill_all()
        first_log = server
        assert segments_size(spool) > 0  # the dead workers' moments, in their slots
        # At most the 4 workers' slots, however many were killed and respawned.
        assert 1 <= len(slots(spool)) <= 4, slots(spool)

        restarted = settle(mock, spool, acknowledged, tmp_path)
        counts = recorded_names(mock)
        assert max(counts.values()) == 1
        assert acknowledged <= counts.keys()
        # Every slot's segments are reclaimed once every moment settled and the service stops.
        restarted.terminate()
        assert len(slots(spool)) <= 4, slots(spool)
        assert segments_size(spool) == 0, segments(spool)
        for s in (first_log, restarted):
            s.check_log()
        assert "kept in the spool" not in restarted.log()


@pytest.mark.parametrize("hook", [True, False], ids=["worker_exit hook", "exit handler only"])
def test_a_sigterm_during_an_outage_keeps_the_moments_for_the_restart(
    tmp_path: Path, hook: bool
) -> None:
    spool = tmp_path / "spool"
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        server = Gunicorn(
            tmp_path,
            mock,
            spool,
            "--workers",
            "4",
            "--graceful-timeout",
            "1",
            env={"HOTPOT_TEST_EXIT_HOOK": "1" if hook else "0"},
        )
        server.workers(4)
        acknowledged = drive(server, 200)
        assert len(acknowledged) == 200
        server.terminate()  # a deploy while Hotpot is down
        reports = re.findall(
            r"hotpot report pid=\d+ emitted=(\d+) recovered=(\d+) delivered=(\d+) kept=(\d+) "
            r"failed=(\d+) dropped=(\d+)",
            server.log(),
        )
        if hook:
            assert len(reports) == 4, server.log()
            assert sum(int(r[0]) for r in reports) == 200
            # Nothing delivered, failed or dropped: every moment counted as kept.
            assert sum(int(r[3]) for r in reports) == 200, reports
            assert all(r[2] == r[4] == r[5] == "0" for r in reports), reports
        else:
            # No hook: each worker's exit handler shuts its emitter down, with a budget (2 s)
            # longer than the graceful timeout (1 s), so the master may SIGKILL the worker
            # before it reports; the spool holds every moment either way.
            assert reports == []
        assert mock.moments() == []
        assert segments_size(spool) > 0

        restarted = settle(mock, spool, acknowledged, tmp_path)
        assert max(recorded_names(mock).values()) == 1
        restarted.terminate()
        assert segments_size(spool) == 0, segments(spool)
        server.check_log()
        restarted.check_log()


#: Workers recycled by --max-requests 5: each retires after 5 requests and is replaced. 200
#: recycles take about 30 s on a loaded 2-core machine.
RECYCLES = int(os.environ.get("HOTPOT_PY_GUNICORN_RECYCLES", "200"))


def test_workers_recycled_by_max_requests_reuse_their_slots(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    with MockServer() as mock:
        # --preload: the master makes the emitter, and each forked worker claims a slot of its
        # own on first use (the master's stays the master's).
        server = Gunicorn(
            tmp_path, mock, spool, "--workers", "2", "--max-requests", "5", "--preload"
        )
        server.workers(2)
        acknowledged = drive(server, RECYCLES * 5)
        booted = len(re.findall(r"Booting worker with pid", server.log()))
        assert booted >= RECYCLES, f"only {booted} workers booted"
        # The master and 2 workers live at once: 3 emitters, so at most 3 slots.
        assert len(slots(spool)) <= 3, slots(spool)
        wait_until(
            lambda: recorded_once(mock, acknowledged),
            f"the {len(acknowledged)} acknowledged moments",
        )
        server.terminate()
        assert max(recorded_names(mock).values()) == 1
        assert len(slots(spool)) <= 3, slots(spool)
        assert segments_size(spool) == 0, segments(spool)
        server.check_log()
