"""What the snippet's tests share: the file, a fresh copy of it as a module, the oldest Python,
running it as a Zapier step does, and a server that records what arrives."""

from __future__ import annotations

import importlib.util
import json
import re
import ssl
import subprocess
import textwrap
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SNIPPET = Path(__file__).resolve().parents[1] / "snippet" / "hotpot_snippet.py"
PYENV_VERSIONS = Path.home() / ".pyenv" / "versions"


def load_snippet() -> ModuleType:
    """The snippet as a module of its own (each call a fresh copy, free to be changed)."""
    spec = importlib.util.spec_from_file_location("hotpot_snippet", SNIPPET)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_oldest_python() -> Path:
    """The oldest pyenv CPython at or above 3.7 (Code by Zapier runs 3.7); fails without one."""
    found = []
    for entry in PYENV_VERSIONS.glob("*"):
        m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", entry.name)
        python = entry / "bin" / "python"
        if m and python.exists() and (int(m[1]), int(m[2])) >= (3, 7):
            found.append(((int(m[1]), int(m[2]), int(m[3])), python))
    if not found:
        pytest.fail(
            f"no pyenv CPython >= 3.7 in {PYENV_VERSIONS}: the snippet must be tested under the "
            "oldest Python it supports (install one with `pyenv install 3.7`)"
        )
    return min(found)[1]


UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
#: Executes the file as a Zapier step does: `input_data` given, `output` read back. With
#: "wrapped", the code is the body of a function, as Zapier's `return` support suggests.
RUNNER = textwrap.dedent("""
    import json, sys, textwrap
    source = open(sys.argv[1], encoding="utf-8").read()
    input_data = json.load(sys.stdin)
    if sys.argv[2] == "wrapped":
        source = "def step(input_data):\\n" + textwrap.indent(source, "    ")
        scope = {}
        exec(compile(source + "\\n    return output\\n", "step.py", "exec"), scope)
        output = scope["step"](input_data)
    else:
        scope = {"input_data": input_data}
        exec(compile(source, "step.py", "exec"), scope)
        output = scope["output"]
    sys.stdout.write(json.dumps(output))
""")


def run_step(input_data: dict[str, Any], mode: str, secrets: Sequence[str],
             what: str) -> subprocess.CompletedProcess[str]:
    """Runs the snippet as a step (``mode`` "top-level" or "wrapped") under the oldest Python
    with ``-I -S``; fails if it crashed or printed any of ``secrets`` (``what`` names them)."""
    done = subprocess.run(
        [str(find_oldest_python()), "-I", "-S", "-c", RUNNER, str(SNIPPET), mode],
        input=json.dumps(input_data), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for secret in secrets:
        assert secret not in done.stdout + done.stderr, f"the {what} was printed"
    return done


class Recorder(ThreadingHTTPServer):
    """Answers the ``(status, headers)`` in `answers` in turn (then 202, whose body names
    ``request_id``) and keeps every request as ``(path, headers, body)``; ``url`` is the
    server's address followed by ``path``."""

    def __init__(self, answers: Sequence[tuple[int, dict[str, str]]], path: str,
                 request_id: str, tls: ssl.SSLContext | None = None) -> None:
        self.answers = list(answers)
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.accepted = json.dumps({"hotpot_request_id": request_id}).encode()
        super().__init__(("127.0.0.1", 0), _RecorderHandler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.url_path = path
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}{self.url_path}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _RecorderHandler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, dict(self.headers), body))
        status, headers = self.server.answers.pop(0) if self.server.answers else (202, {})
        text = self.server.accepted if status == 202 else b'{"error": "x"}'
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args: Any) -> None:
        pass
