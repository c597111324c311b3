"""hotpot.Emitter at interpreter exit: a process that emits and exits without ``shutdown``
still delivers (the exit handler gives the emitters 2 seconds), and exits within a few
seconds, cleanly, when Hotpot is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import hotpot
from hotpot.testing import MockServer

from emitter_helpers import WAIT, recorded

#: Emits N moments to URL, printing what on_error sees, and exits without a shutdown.
SCRIPT = """
import os, sys
import hotpot

def on_error(moment, error):
    reason = getattr(error, "reason", type(error).__name__)
    print("on_error", moment.name, reason, flush=True)
    if os.environ.get("RAISE"):
        raise RuntimeError("a callback that raises at exit")

emitter = hotpot.Emitter(hotpot.Client(os.environ["URL"]), on_error=on_error)
for i in range(int(os.environ["N"])):
    emitter.emit(hotpot.Moment(f"exit {i}", "alert"))
print("emitted", flush=True)
"""


def run(url: str, n: int, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    environ = {**os.environ, "URL": url, "N": str(n), **env}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=180, env=environ
    )
    return result, time.monotonic() - started


def test_moments_emitted_before_exit_are_delivered(hotpot_mock: MockServer) -> None:
    # Every sending task is held 0.5 s by the mock: far longer than the 0.1 s a dropped
    # emitter keeps sending; only the exit handler's flush gets them all out.
    hotpot_mock.fail_next(None, delay=0.5, count=40)
    result, _ = run(hotpot_mock.webhook_url, 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "emitted\n", "no moment was given up"
    assert "not delivered" not in result.stderr
    hotpot_mock.wait_for_moments(50, timeout=WAIT)
    assert recorded(hotpot_mock) == {f"exit {i}": 1 for i in range(50)}


def test_exit_with_hotpot_down_takes_a_few_seconds_and_reports_each_moment() -> None:
    with MockServer() as down:
        url = down.webhook_url
    result, took = run(url, 10)
    # The 2 s exit shutdown and an interpreter's start: a few seconds, never the delivery
    # deadline's ten minutes; a minute tells them apart however loaded the machine.
    assert took < 60, f"the exit took {took:.1f}s"
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "emitted"
    seen = sorted(line.split()[2] for line in lines[1:])
    assert len(seen) == 10, result.stdout
    assert set(line.rsplit(" ", 1)[1] for line in lines[1:]) <= {"abandoned", "abandoned_in_flight"}
    assert "10 hotpot moment(s) not delivered before exit" in result.stderr
    assert "hotpot: " not in result.stderr, "no prefix: the logger's name is hotpot"
    for crash in ("panicked", "Fatal Python error", "Traceback"):
        assert crash not in result.stderr, result.stderr


def test_a_callback_raising_at_exit_is_reported_and_the_exit_is_clean() -> None:
    with MockServer() as down:
        url = down.webhook_url
    result, took = run(url, 3, RAISE="1")
    assert took < 60
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("on_error") == 3
    assert result.stderr.count("RuntimeError: a callback that raises at exit") == 3
    for crash in ("panicked", "Fatal Python error"):
        assert crash not in result.stderr, result.stderr


def test_an_emitter_shut_down_before_exit_is_left_alone(hotpot_mock: MockServer) -> None:
    script = (
        "import os, hotpot\n"
        "e = hotpot.Emitter(hotpot.Client(os.environ['URL']))\n"
        "e.emit(hotpot.Moment('explicit', 'alert'))\n"
        "print(e.shutdown(5)['delivered'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
        env={**os.environ, "URL": hotpot_mock.webhook_url},
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "1\n", "")
    assert recorded(hotpot_mock) == {"explicit": 1}


def test_import_alone_starts_no_emitter_machinery() -> None:
    # No emitter, no thread (of Python or Rust): the exit handler and the fork hook are
    # registered, nothing else.
    script = (
        "import hotpot, os, sys\n"
        "threads = len(os.listdir('/proc/self/task')) if os.path.isdir('/proc/self/task') else 1\n"
        "print(threads, 'weakref' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "1 False\n"), result.stderr


def test_after_the_exit_handler_no_thread_of_hotpot_calls_into_python() -> None:
    # An AsyncClient send finishing while the interpreter finalizes used to take the GIL from
    # a worker thread, which Python < 3.14 answers with pthread_exit: the process aborted.
    # Once the exit handler has run, results are no longer handed to Python at all.
    script = (
        "import asyncio, hotpot, hotpot._emitter as m\n"
        "client = hotpot.AsyncClient('http://127.0.0.1:9/moment/abcdefgh', timeout=0.2, max_retries=0)\n"
        "m._at_exit()\n"
        "try:\n"
        "    asyncio.run(asyncio.wait_for(client.send('x', 'alert'), 1.0))\n"
        "except asyncio.TimeoutError:\n"
        "    print('never answered')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "never answered\n"), result.stderr
