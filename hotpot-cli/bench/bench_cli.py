"""Whole-process cost of sending one moment from a shell: ``hotpot send`` (the Rust binary and
the Python console script) beside ``curl -X POST --json`` and the ``requests.post`` snippet of
Hotpot's docs run as a script, all to the same local mock server, in the same run.

Runs are interleaved (one of each in turn, RUNS rounds after WARMUP), so that the machine's
drift hits every command alike; medians and ratios are printed:

- the Rust binary against curl (target: at most 1.5x),
- the console script against the requests script (target: at most 0.3x).

    make bench-cli            # builds what it needs, then runs this
    python hotpot-cli/bench/bench_cli.py [--runs N]
"""

from __future__ import annotations

import argparse
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
PAYLOAD = '{"name": "Deploy of api v42 failed", "type": "alert", "source": "bench"}'

#: The docs' snippet, as a script (verify=False is theirs; the mock is plain http anyway).
REQUESTS_SCRIPT = """\
import os, requests
url = os.environ["HOTPOT_WEBHOOK_URL"]
payload = {"name": "Deploy of api v42 failed", "type": "alert", "source": "bench"}
response = requests.post(url, json=payload, verify=False)
print(response.text)
"""


def start_mock(binary: Path, *flags: str) -> tuple[subprocess.Popen[bytes], str]:
    """Starts the mock binary on a free port; returns it and its default webhook's URL."""
    process = subprocess.Popen([str(binary), "--port", "0", *flags], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
    assert process.stdout is not None
    process.stdout.readline()
    url = process.stdout.readline().decode().removeprefix("webhook url: ").strip()
    return process, url


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def arguments(doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    return parser.parse_args()


def binaries(make_target: str) -> tuple[Path, Path, Path]:
    """The release `hotpot` and `hotpot-mock-server`, and the console script; exits when one
    is missing (`make_target` builds them) or curl is."""
    hotpot = TARGET / "release" / "hotpot"
    mock = TARGET / "release" / "hotpot-mock-server"
    script = Path(sys.executable).parent / "hotpot"
    for path in (hotpot, mock, script):
        if not path.exists():
            raise SystemExit(f"{path} is missing: run `make {make_target}`")
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed as the baseline")
    return hotpot, mock, script


def compare(
    server: subprocess.Popen[bytes],
    commands: dict[str, list[str]],
    env: dict[str, str],
    requests_script: str,
    args: argparse.Namespace,
    ratios: tuple[tuple[str, str], tuple[str, str]],
) -> None:
    """Runs `commands` interleaved (the requests script under the name "requests script"),
    stops the server, prints the medians and the two ratios (Rust against curl, the console
    script against the requests script)."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(requests_script)
    commands = {**commands, "requests script": [sys.executable, f.name]}
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
    (rust, curl), (script, requests) = ratios
    print(f"Rust binary / curl:                 {medians[rust] / medians[curl]:.2f}x "
          "(target <= 1.5x)")
    print(f"console script / requests script:   {medians[script] / medians[requests]:.2f}x "
          "(target <= 0.3x)")


def main() -> None:
    args = arguments(__doc__)
    hotpot, mock, script = binaries("bench-cli")
    server, url = start_mock(mock)
    env = {**os.environ, "HOTPOT_WEBHOOK_URL": url}
    env.pop("RUST_LOG", None)
    commands = {
        "curl -X POST --json": ["curl", "-s", "-o", "/dev/null", "-f", "-X", "POST",
                                "--json", PAYLOAD, url],
        "hotpot send (Rust binary)": [str(hotpot), "send", "--json", PAYLOAD, "--quiet"],
        "hotpot send (console script)": [str(script), "send", "--json", PAYLOAD, "--quiet"],
    }
    compare(server, commands, env, REQUESTS_SCRIPT, args, (
        ("hotpot send (Rust binary)", "curl -X POST --json"),
        ("hotpot send (console script)", "requests script"),
    ))


if __name__ == "__main__":
    main()
