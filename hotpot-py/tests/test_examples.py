"""The scripts of examples/python run against the in-process mock (no HOTPOT_WEBHOOK_URL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"


def run(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "HOTPOT_WEBHOOK_URL"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True, text=True, timeout=60, env=environ,
    )


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("requests_before.py", ["HTTP 202", "type: required", "moments created: 0"]),
        ("hotpot_after.py", ["refused before sending", "HTTP 202", "created: 'A thing happened' (alert, medium)"]),
        ("deploy_script.py", ["reported in 2 attempt(s)", "near-miss: Failed deploy with successful rollback at 2023-04-01T12:31:26Z"]),
        ("async_example.py", ["5 moments queued: [202, 202, 202, 202, 202]"]),
        ("emitter_service.py", [
            "100 moments emitted by 4 workers",
            "delivered 100 of 100 (retried 3, failed 0, dropped 0, abandoned at shutdown 0)",
            "recorded by the mock: 100",
            "burst: 20 emitted, ",
            "(0 of them given up by the shutdown)",
        ]),
        ("logging_handler.py", [
            "moment: Cache unreachable, serving from the database (alert, medium)",
            "moment: Payment provider refused order 1002 (incident, medium)",
        ]),
    ],
)
def test_example_runs_against_the_in_process_mock(script: str, expected: list[str]) -> None:
    result = run(script)
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout, result.stdout


def test_the_requests_example_never_goes_beyond_loopback() -> None:
    result = run("requests_before.py", HOTPOT_WEBHOOK_URL="https://api.hotpot.works/moment/abcdef")
    assert result.returncode == 2
    assert "only runs against a local mock server" in result.stderr
