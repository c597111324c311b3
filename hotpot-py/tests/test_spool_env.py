"""The spool for emitters that build themselves, and its bound (spec §10):
``Emitter.from_env()`` and ``hotpot.logging.MomentHandler()`` with ``HOTPOT_SPOOL``, and
``spool_max_bytes``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import hotpot
from hotpot.logging import MomentHandler
from hotpot.testing import MockServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def deliver_what_the_spool_holds(mock: MockServer, spool: Path) -> list[str]:
    """The next emitter on `spool` sends what it holds; returns the names the mock recorded."""
    emitter = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=spool)
    assert not emitter.flush(timeout=20)["timed_out"]
    emitter.shutdown(timeout=5)
    return sorted(m["name"] for m in mock.moments())


# --- Emitter.from_env ------------------------------------------------------------------------


def test_from_env_keeps_its_queue_in_the_spool_hotpot_spool_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        monkeypatch.setenv("HOTPOT_WEBHOOK_URL", mock.webhook_url)
        monkeypatch.setenv("HOTPOT_SPOOL", f" {tmp_path}\n")
        emitter = hotpot.Emitter.from_env(capacity=5)
        assert isinstance(emitter, hotpot.Emitter) and emitter.capacity == 5
        emitter.emit(hotpot.Moment("from the environment", "alert"))
        report = emitter.shutdown(timeout=0.2)
        assert report["kept"] == 1, report  # in a spool: kept, not dropped
        assert list(tmp_path.glob("slot-*/*.seg"))
        mock.clear_faults()
        assert deliver_what_the_spool_holds(mock, tmp_path) == ["from the environment"]


def test_from_env_without_hotpot_spool_keeps_its_queue_in_memory_and_a_spool_given_wins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        monkeypatch.setenv("HOTPOT_WEBHOOK_URL", mock.webhook_url)
        monkeypatch.delenv("HOTPOT_SPOOL", raising=False)
        emitter = hotpot.Emitter.from_env()
        emitter.emit(hotpot.Moment("in memory", "alert"))
        report = emitter.shutdown(timeout=0.2)
        assert (report["kept"], report["dropped"]) == (0, 1), report
        # A spool given as a setting wins over HOTPOT_SPOOL (None too: in memory).
        monkeypatch.setenv("HOTPOT_SPOOL", str(tmp_path / "from-env"))
        given = hotpot.Emitter.from_env(spool=tmp_path / "given")
        assert given.shutdown(timeout=0)["kept"] == 0
        in_memory = hotpot.Emitter.from_env(spool=None)
        in_memory.shutdown(timeout=0)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["given"]


def test_from_env_without_a_webhook_url_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTPOT_WEBHOOK_URL", raising=False)
    monkeypatch.setenv("HOTPOT_SPOOL", "/nonexistent/never-made")
    with pytest.raises(hotpot.ConfigError, match="HOTPOT_WEBHOOK_URL is not set"):
        hotpot.Emitter.from_env()
    with pytest.raises(hotpot.ConfigError, match="HOTPOT_WEBHOOK_URL is not set"):
        MomentHandler()


def test_from_env_checks_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTPOT_WEBHOOK_URL", "http://127.0.0.1:9/moment/abcd1234")
    with pytest.raises(TypeError, match="unexpected keyword argument 'capcity'"):
        hotpot.Emitter.from_env(capcity=5)  # type: ignore[call-arg]
    with pytest.raises(hotpot.ConfigError, match="capacity: expected 1 to"):
        hotpot.Emitter.from_env(capacity=0)


# --- MomentHandler() with HOTPOT_SPOOL: a crash-safe handler from literal settings ----------

#: dictConfig naming the handler by class, as Django's LOGGING does; then killed with SIGKILL.
DICT_CONFIG = """
import logging, logging.config, os, signal
logging.config.dictConfig({
    "version": 1,
    "handlers": {"hotpot": {"class": "hotpot.logging.MomentHandler", "source": "django-app"}},
    "root": {"handlers": ["hotpot"], "level": "INFO"},
})
logging.getLogger("orders").error("Order %d failed", 2)
print("logged", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_handler_named_by_class_with_hotpot_spool_survives_a_kill(tmp_path: Path) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        env = {**os.environ, "HOTPOT_WEBHOOK_URL": mock.webhook_url, "HOTPOT_SPOOL": str(tmp_path)}
        result = subprocess.run([sys.executable, "-c", DICT_CONFIG], capture_output=True,
                                text=True, timeout=60, env=env)
        assert result.returncode == -signal.SIGKILL, result.stderr
        assert result.stdout == "logged\n"
        mock.clear_faults()
        assert deliver_what_the_spool_holds(mock, tmp_path) == ["Order 2 failed"]
        assert mock.moments()[0]["source"] == "django-app"


# --- spool_max_bytes -------------------------------------------------------------------------


def test_an_emit_past_spool_max_bytes_raises_spool_error_with_the_moment(tmp_path: Path) -> None:
    with MockServer() as mock:
        mock.fail_next(503, count=1_000_000)
        emitter = hotpot.Emitter(hotpot.Client(mock.webhook_url), spool=tmp_path,
                                 spool_max_bytes=200_000, capacity=100_000)
        accepted = 0
        with pytest.raises(hotpot.SpoolError) as refused:
            for i in range(1000):
                emitter.emit(hotpot.Moment(f"m{i}", "alert", description="x" * 2000))
                accepted += 1
        assert refused.value.reason == "spool"
        assert isinstance(refused.value, hotpot.DroppedError)
        assert refused.value.moment.name == f"m{accepted}"
        assert "spool_max_bytes" in str(refused.value)
        assert 20 < accepted < 100
        assert sum(p.stat().st_size for p in tmp_path.rglob("*.seg")) <= 200_000
        mock.clear_faults()
        report = emitter.shutdown(timeout=20)
        assert (report["delivered"], report["dropped"]) == (accepted, 1), report


def test_spool_max_bytes_is_checked() -> None:
    client = hotpot.Client("http://127.0.0.1:9/moment/abcd1234")
    with pytest.raises(hotpot.ConfigError, match="spool_max_bytes: expected 1 to"):
        hotpot.Emitter(client, spool="/tmp/x", spool_max_bytes=0)
    with pytest.raises(TypeError, match="spool_max_bytes: expected an int"):
        hotpot.Emitter(client, spool="/tmp/x", spool_max_bytes="1G")  # type: ignore[arg-type]
