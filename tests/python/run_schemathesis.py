"""Schemathesis against the mock server binary and its committed OpenAPI description.

    .venv/bin/python tests/python/run_schemathesis.py [--max-examples N] [--seed S]

Builds ``hotpot-mock-server`` (debug), starts it on 127.0.0.1 with ``--port 0``, reads its
two start-up lines, and runs ``schemathesis run`` on ``hotpot-mock-server/openapi.json``
against it, with every check (positive and negative data, status codes, content types,
response schemas and headers, auth, allowed methods, use after free, ...) and every phase
(examples, coverage, fuzzing, and stateful sequences through the OpenAPI links):

1. every operation but the faults' and ``GET /_mock/stream`` (an endless stream);
2. ``GET``, ``POST`` and ``DELETE /_mock/faults`` alone, after the first run: a generated fault would
   make later ingest requests fail, stall or hang up on purpose, so faults are fuzzed where
   no ingest request follows.

Then the server must still answer its health check and stop cleanly on SIGTERM, without a
panic in its log. Exits non-zero on any failure. Settings: ``schemathesis.toml`` and
``schemathesis_hooks.py`` beside this file. ``make schemathesis`` runs it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SPEC = ROOT / "hotpot-mock-server" / "openapi.json"
CONFIG = HERE / "schemathesis.toml"
# Must match schemathesis.toml.
TOKEN = "schemathesis_live_webhook"
API_KEY = "schemathesis-api-key"
FAULT_OPERATIONS = ["listFaults", "addFault", "clearFaults"]
# GET /_mock/stream never ends (Server-Sent Events until the server stops): every request would
# run into the request timeout. The Rust tests (tests/mock/stream.rs) cover it.
ENDLESS_OPERATIONS = ["stream"]


def build_binary() -> Path:
    explicit = os.environ.get("HOTPOT_MOCK_BIN")
    if explicit:
        return Path(explicit)
    cargo = os.environ.get("CARGO", "cargo")
    subprocess.run(
        [cargo, "build", "--quiet", "-p", "hotpot-mock-server", "--bin", "hotpot-mock-server"],
        cwd=ROOT,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "hotpot-mock-server"


class MockBinary:
    """The binary, started on a free loopback port; its stderr goes to a file."""

    def __init__(self, binary: Path, log: Path) -> None:
        self.log_path = log
        self.log = open(log, "wb")
        env = dict(os.environ, RUST_LOG="warn")
        self.process = subprocess.Popen(
            [str(binary), "--host", "127.0.0.1", "--port", "0",
             "--token", TOKEN, "--api-key", API_KEY],
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
        )
        lines = self._first_lines(2, timeout=30)
        if len(lines) != 2 or not lines[0].startswith("listening on http://"):
            self.stop()
            raise RuntimeError(f"unexpected start-up lines from {binary}: {lines!r}")
        self.url = lines[0].removeprefix("listening on ").strip()

    def _first_lines(self, count: int, timeout: float) -> list[str]:
        lines: list[str] = []
        assert self.process.stdout is not None
        stdout = self.process.stdout

        def read() -> None:
            for _ in range(count):
                line = stdout.readline()
                if not line:
                    return
                lines.append(line.decode())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        return list(lines)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_mock/health", timeout=5) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None
        self.log.close()
        return self.process.returncode


def schemathesis(url: str, args: argparse.Namespace, selection: list[str]) -> int:
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    command = [
        executable or "schemathesis",
        "--config-file", str(CONFIG),
        "--no-color",
        "run", str(SPEC),
        "--url", url,
        "--checks", "all",
        "--max-examples", str(args.max_examples),
        "--seed", str(args.seed),
        "--workers", str(args.workers),
        "--generation-database", "none",
        *selection,
    ]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    print("$", " ".join(command), flush=True)
    return subprocess.run(command, env=env, cwd=args.workdir).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int,
                        default=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "100")))
    parser.add_argument("--seed", type=int,
                        default=int(os.environ.get("SCHEMATHESIS_SEED", "20261127")))
    # One worker: with two threads, Hypothesis's concurrent ast.parse calls can trip CPython
    # 3.11's shared AST recursion counter ("SystemError: AST constructor recursion depth
    # mismatch", python/cpython#106905), which failed a CI run with nothing wrong in the mock.
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    binary = build_binary()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hotpot-schemathesis-") as workdir:
        args.workdir = workdir
        server = MockBinary(binary, Path(workdir) / "mock-server.log")
        try:
            print(f"mock server at {server.url}", flush=True)
            failed = []
            exclude = [f"--exclude-operation-id={op}"
                       for op in FAULT_OPERATIONS + ENDLESS_OPERATIONS]
            if schemathesis(server.url, args, exclude) != 0:
                failed.append("every operation but faults and the stream")
            include = [f"--include-operation-id={op}" for op in FAULT_OPERATIONS]
            include.append("--phases=examples,coverage,fuzzing")  # no links among them
            if schemathesis(server.url, args, include) != 0:
                failed.append("faults")
            if not server.healthy():
                failed.append("the server stopped answering its health check")
        finally:
            code = server.stop()
        log = server.log_path.read_text(errors="replace")
        if code != 0:
            failed.append(f"the server did not stop cleanly on SIGTERM (exit {code})")
        if "panicked" in log:
            failed.append("the server panicked:\n" + log[-4000:])
    took = time.monotonic() - started
    if failed:
        print(f"schemathesis: FAILED ({took:.0f} s): " + "; ".join(failed), file=sys.stderr)
        return 1
    print(f"schemathesis: no failures ({took:.0f} s, seed {args.seed}, "
          f"up to {args.max_examples} examples per operation and phase)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
