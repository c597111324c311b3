"""Whole-process cost of paging a team from a shell: ``hotpot page`` (the Rust binary and the
Python console script) beside ``curl`` doing the same ``POST /page/team`` and a ``requests``
script doing it, all to the same local mock server (``hotpot-mock-server``), in the same run.

Runs are interleaved (one of each in turn, RUNS rounds after WARMUP), so that the machine's
drift hits every command alike; medians and ratios are printed:

- the Rust binary against curl (target: at most 1.5x),
- the console script against the requests script (target: at most 0.3x).

    make bench-page           # builds what it needs, then runs this
    python hotpot-cli/bench/bench_page.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
API_KEY = "hp_bench_0123456789abcdef"
TITLE = "Rollback failed"
TEXT = "api 1.4.2 could not be rolled back"
BODY = json.dumps({"title": TITLE, "text": TEXT, "recipient": "default", "urgency": "high"})

#: What a script without hotpot writes to page a team.
REQUESTS_SCRIPT = """\
import os, requests
base = os.environ["HOTPOT_API_URL"]
body = {"title": "Rollback failed", "text": "api 1.4.2 could not be rolled back",
        "recipient": "default", "urgency": "high"}
response = requests.post(f"{base}/page/team", json=body,
                         headers={"Authorization": f"Bearer {os.environ['HOTPOT_API_KEY']}"})
response.raise_for_status()
print(response.json()["hotpot_request_id"])
"""


def start_mock(binary: Path) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(
        [str(binary), "--port", "0", "--api-key", API_KEY, "--max-events", "100000"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
    assert process.stdout is not None
    process.stdout.readline()
    url = process.stdout.readline().decode().removeprefix("webhook url: ").strip()
    return process, url.split("/moment/")[0]


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    hotpot = TARGET / "release" / "hotpot"
    mock = TARGET / "release" / "hotpot-mock-server"
    script = Path(sys.executable).parent / "hotpot"
    for path in (hotpot, mock, script):
        if not path.exists():
            raise SystemExit(f"{path} is missing: run `make bench-page`")
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed as the baseline")

    server, base = start_mock(mock)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPOT_")}
    env.pop("RUST_LOG", None)
    env.update(HOTPOT_API_URL=base, HOTPOT_API_KEY=API_KEY)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(REQUESTS_SCRIPT)
    page = ["page", "--team", "default", "--title", TITLE, "--text", TEXT, "--urgency", "high"]
    commands = {
        "curl POST /page/team": ["curl", "-s", "-o", "/dev/null", "-f", "-X", "POST",
                                 "-H", f"Authorization: Bearer {API_KEY}",
                                 "--json", BODY, f"{base}/page/team"],
        "hotpot page (Rust binary)": [str(hotpot), *page],
        "hotpot page (console script)": [str(script), *page],
        "requests script": [sys.executable, f.name],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for round_ in range(args.warmup + args.runs):
            for name, command in commands.items():
                elapsed = timed(command, env)
                if round_ >= args.warmup:
                    times[name].append(elapsed)
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.unlink(f.name)

    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{args.runs} interleaved runs each (after {args.warmup} warm-up rounds), medians:")
    for name, median in medians.items():
        print(f"  {name:30} {median * 1000:8.2f} ms")
    rust = medians["hotpot page (Rust binary)"] / medians["curl POST /page/team"]
    python = medians["hotpot page (console script)"] / medians["requests script"]
    print(f"Rust binary / curl:                 {rust:.2f}x (target <= 1.5x)")
    print(f"console script / requests script:   {python:.2f}x (target <= 0.3x)")


if __name__ == "__main__":
    main()
