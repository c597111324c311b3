"""The webhook token appears in no output (spec §2), across processes.

Runs the Rust examples (``quickstart``, ``blocking``), the mock server binary, the Python
examples, the ``hotpot`` command (binary and console script) and every error path reachable
from them — unknown and expired webhooks, 503, 429, dropped connections, 422, timeouts,
invalid URLs, a wrong API key — with ``RUST_LOG=trace`` and Python logging at DEBUG, captures
every line of stdout and stderr, and fails if a token, the API key, or any 8 consecutive
characters of them appear, or if any ``/moment/`` is
followed by more than the 4 characters the redacted form shows (which catches the random
tokens of in-process mocks too). The only exception is the start-up line of the mock server
(binary or ``python -m hotpot.testing``) that hands the user its webhook URL.

The secrets are distinctive so that a leak cannot hide. The in-process error paths of the
Rust client, with a capturing subscriber, are ``hotpot-client/tests/redaction.rs``; those of
the Python package, ``hotpot-py/tests/test_redaction.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
EXAMPLES = ROOT / "examples" / "python"

TOKEN = "s3cr3tTOKENxq7ZpL9wV2"  # the binary's default webhook
EXPIRED_TOKEN = "s3cr3tEXPIREDw3bh00kQ4"  # a webhook that expired long ago
UNKNOWN_TOKEN = "s3cr3tUNKNOWNt0kenR5yy"  # no such webhook
PY_MOCK_TOKEN = "s3cr3tPYMOCKt0kenJ8zz"  # python -m hotpot.testing's default webhook
STRICT_TOKEN = "s3cr3tSTRICTt0kenM2ww"  # the strict binary's default webhook
API_KEY = "s3cr3tAPIKEYk9d2Lq7"
SECRETS = [TOKEN, EXPIRED_TOKEN, UNKNOWN_TOKEN, PY_MOCK_TOKEN, STRICT_TOKEN, API_KEY]

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A redacted URL shows at most 4 characters of the token, then "…" (messages that explain the
# form write it as /moment/TOKEN).
UNREDACTED = re.compile(r"/moment/(?!TOKEN\b)[A-Za-z0-9_-]{5,}")

MOMENT = {"name": "Secrets check", "type": "alert"}


def leaks(text: str) -> list[str]:
    """Every secret (or 8-character piece of one) and every unredacted webhook path in text."""
    text = ANSI.sub("", text)
    found = []
    for secret in SECRETS:
        pieces = {secret[i : i + 8] for i in range(len(secret) - 7)}
        found += sorted(piece for piece in pieces if piece in text)
    found += UNREDACTED.findall(text)
    return found


def assert_clean(label: str, text: str) -> None:
    found = leaks(text)
    assert not found, f"{label} leaks {found}:\n{text[-6000:]}"


def run(label: str, command: list[str], *, env: dict[str, str] | None = None,
        timeout: float = 120, expect_ok: bool | None = True) -> str:
    """Runs command with RUST_LOG=trace; returns stdout and stderr, checked for leaks."""
    full_env = {**os.environ, "RUST_LOG": "trace", "NO_COLOR": "1"}
    full_env.pop("HOTPOT_WEBHOOK_URL", None)
    full_env.update(env or {})
    done = subprocess.run(command, env=full_env, capture_output=True, timeout=timeout, cwd=ROOT)
    text = done.stdout.decode(errors="replace") + "\n" + done.stderr.decode(errors="replace")
    assert_clean(label, text)
    if expect_ok is True:
        assert done.returncode == 0, f"{label} failed ({done.returncode}):\n{text[-4000:]}"
    elif expect_ok is False:
        assert done.returncode != 0, f"{label} should have failed:\n{text[-4000:]}"
    return text


def http(method: str, url: str, body: Any = None, *, raw: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str]:
    """One request; returns the status and the body text."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and not request.has_header("Content-type"):
        request.add_header("Content-Type", "application/json")  # urllib would say a form
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


class Server:
    """A mock server process whose start-up lines are read, and whose output is kept."""

    def __init__(self, command: list[str], token: str) -> None:
        self.token = token
        env = {**os.environ, "RUST_LOG": "trace", "NO_COLOR": "1"}
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=env, cwd=ROOT)
        assert self.process.stdout is not None and self.process.stderr is not None
        self.startup = [self.process.stdout.readline().decode() for _ in range(2)]
        assert self.startup[0].startswith("listening on http://127.0.0.1:"), self.startup
        self.url = self.startup[0].removeprefix("listening on ").strip()
        self.webhook_url = f"{self.url}/moment/{token}"
        assert self.startup[1] == f"webhook url: {self.webhook_url}\n", self.startup
        # Read both pipes all along, so that a chatty trace log never blocks the server.
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._readers = [
            threading.Thread(target=self._drain, args=(self.process.stdout, self._out), daemon=True),
            threading.Thread(target=self._drain, args=(self.process.stderr, self._err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(pipe: Any, into: list[bytes]) -> None:
        for chunk in iter(lambda: pipe.read1(65536), b""):
            into.append(chunk)

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM; returns the exit code and what was printed after the start-up lines."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=15)
        for reader in self._readers:
            reader.join(timeout=5)
        return (code, b"".join(self._out).decode(errors="replace"),
                b"".join(self._err).decode(errors="replace"))


def cargo_build(*args: str) -> None:
    cargo = os.environ.get("CARGO", "cargo")
    subprocess.run([cargo, "build", "--quiet", *args], cwd=ROOT, check=True, timeout=1800)


@pytest.fixture(scope="module")
def binaries() -> dict[str, Path]:
    cargo_build("-p", "hotpot-mock-server", "--bin", "hotpot-mock-server")
    cargo_build("-p", "hotpot-examples", "--example", "quickstart", "--example", "blocking")
    return {
        "mock": TARGET / "debug" / "hotpot-mock-server",
        "quickstart": TARGET / "debug" / "examples" / "quickstart",
        "blocking": TARGET / "debug" / "examples" / "blocking",
    }


@pytest.fixture(scope="module")
def mock(binaries: dict[str, Path]) -> Iterator[Server]:
    """The binary with a known token and API key, shared by the tests of this module; the last
    test stops it and checks its own output."""
    server = Server([str(binaries["mock"]), "--port", "0", "--token", TOKEN,
                     "--api-key", API_KEY], TOKEN)
    # A webhook that expired long ago, for the 410 paths.
    status, body = http("POST", f"{server.url}/_mock/webhooks",
                        {"label": "old", "token": EXPIRED_TOKEN,
                         "expires_at": "2000-01-01T00:00:00Z"})
    assert status == 201, body
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_faults_left(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "mock" in request.fixturenames:
        server = request.getfixturevalue("mock")
        if server.process.poll() is None:
            http("DELETE", f"{server.url}/_mock/faults")


def fault(server: Server, **fields: Any) -> None:
    status, body = http("POST", f"{server.url}/_mock/faults", {"token": TOKEN, **fields})
    assert status == 201, body


# ----- the Rust examples -----

@pytest.mark.parametrize("example", ["quickstart", "blocking"])
def test_rust_example_against_its_embedded_mock(binaries: dict[str, Path], example: str) -> None:
    text = run(example, [str(binaries[example])])
    assert "TRACE" in text, "RUST_LOG=trace should show the client's trace logs"
    assert "…" in text  # it prints the redacted URL


@pytest.mark.parametrize("example", ["quickstart", "blocking"])
def test_rust_example_against_the_binary(binaries: dict[str, Path], mock: Server,
                                         example: str) -> None:
    text = run(example, [str(binaries[example])], env={"HOTPOT_WEBHOOK_URL": mock.webhook_url})
    assert f"/moment/{TOKEN[:4]}…" in text
    assert "HTTP 202" in text


RUST_ERRORS: dict[str, tuple[Callable[[Server], str], list[dict[str, Any]], str]] = {
    # name: (URL, faults to queue first, what the error says)
    "unknown webhook (404)": (lambda s: f"{s.url}/moment/{UNKNOWN_TOKEN}", [], "404"),
    "expired webhook (410)": (lambda s: f"{s.url}/moment/{EXPIRED_TOKEN}", [], "410"),
    "503 on every attempt": (lambda s: s.webhook_url, [{"status": 503, "count": 3}], "503"),
    "429 on every attempt": (lambda s: s.webhook_url,
                             [{"status": 429, "count": 3, "retry_after": 0}], "429"),
    "connection dropped on every attempt": (lambda s: s.webhook_url,
                                            [{"drop_connection": True, "count": 6}], "Transport"),
    "422": (lambda s: s.webhook_url, [{"status": 422}], "422"),
    "an integration's 404": (lambda s: f"{s.url}/moment/{UNKNOWN_TOKEN}/datadog", [], "404"),
    "http to a remote host": (lambda s: f"http://hotpot.invalid/moment/{TOKEN}", [], "http"),
    "a bad integration slug": (lambda s: f"https://127.0.0.1:9/moment/{TOKEN}/Data_Dog",
                               [], "integration"),
    "a path that is not a webhook": (lambda s: f"https://127.0.0.1:9/moments/{TOKEN}",
                                     [], "path"),
    "a query string": (lambda s: f"https://127.0.0.1:9/moment/{TOKEN}?key={TOKEN}", [], "query"),
    "not a URL": (lambda s: f"127.0.0.1 moment {TOKEN}", [], ""),
    "credentials in the URL": (lambda s: f"https://{TOKEN}:{TOKEN}@127.0.0.1:9/moment/x",
                               [], "credentials"),
}


@pytest.mark.parametrize("case", list(RUST_ERRORS))
def test_rust_quickstart_error_paths(binaries: dict[str, Path], mock: Server, case: str) -> None:
    url, faults, says = RUST_ERRORS[case]
    for f in faults:
        fault(mock, **f)
    text = run(f"quickstart, {case}", [str(binaries["quickstart"])],
               env={"HOTPOT_WEBHOOK_URL": url(mock)}, expect_ok=False)
    assert "Error:" in text  # main's Err, printed with Debug
    assert says.lower() in text.lower(), text[-3000:]


# ----- the Python examples -----

PYTHON_EXAMPLES = ["hotpot_after.py", "deploy_script.py", "async_example.py", "requests_before.py"]


def python_with_debug_logs(script: Path) -> list[str]:
    """Runs script as __main__ with every Python logger at DEBUG on stderr."""
    quiet = ""
    if script.name == "requests_before.py":
        # The raw-requests "before" example: urllib3 logs whole request lines, token included,
        # which is the point of that example. The rule is for hotpot's code.
        quiet = "logging.getLogger('urllib3').setLevel(logging.INFO); "
    code = (
        "import logging, runpy, sys; "
        "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr); "
        f"{quiet}"
        f"sys.argv = [{str(script)!r}]; "
        # As `python script.py` does: the script's folder first on the path (its helpers).
        f"sys.path.insert(0, {str(script.parent)!r}); "
        f"runpy.run_path({str(script)!r}, run_name='__main__')"
    )
    return [sys.executable, "-c", code]


@pytest.mark.parametrize("script", PYTHON_EXAMPLES)
def test_python_example_against_its_in_process_mock(script: str) -> None:
    run(script, python_with_debug_logs(EXAMPLES / script))


@pytest.mark.parametrize("script", PYTHON_EXAMPLES)
def test_python_example_against_the_binary(mock: Server, script: str) -> None:
    run(script, python_with_debug_logs(EXAMPLES / script),
        env={"HOTPOT_WEBHOOK_URL": mock.webhook_url})


def test_python_fixture_example_under_pytest() -> None:
    run("test_with_fixture.py", [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-o", "log_cli=true", "--log-cli-level=DEBUG", "-rA",
        str(EXAMPLES / "test_with_fixture.py"),
    ])


PYTHON_ERROR_PATHS = r'''
import asyncio, logging, sys, traceback
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
import hotpot

base, token, expired, unknown, api_key = sys.argv[1:6]
webhook = f"{base}/moment/{token}"

def show(label, call):
    try:
        result = call()
    except BaseException as e:  # every error: its str, repr, args, attributes and traceback
        print(f"{label}: {type(e).__name__}: {e}")
        print(repr(e), e.args, {k: v for k, v in vars(e).items()})
        traceback.print_exc()
        return e
    print(f"{label}: {result!r}")
    return None

client = hotpot.Client(webhook, timeout=0.5, max_retries=1, api_key="wrong-" + api_key[::-1])
print(repr(client))
show("unknown", lambda: hotpot.Client(f"{base}/moment/{unknown}", max_retries=0).send("x", "alert"))
show("expired", lambda: hotpot.send(f"{base}/moment/{expired}", "x", "alert"))
for label, fault in [
    ("503", {"status": 503, "count": 2}),
    ("429", {"status": 429, "count": 2, "retry_after": 0}),
    ("drop", {"drop_connection": True, "count": 4}),
    ("422", {"status": 422}),
    ("timeout", {"delay_ms": 3000, "count": 2}),
]:
    import json, urllib.request
    urllib.request.urlopen(urllib.request.Request(
        f"{base}/_mock/faults", data=json.dumps({"token": token, **fault}).encode(),
        headers={"Content-Type": "application/json"}, method="POST"), timeout=5).read()
    show(label, lambda: client.send("Secrets check", "alert"))
    urllib.request.urlopen(urllib.request.Request(f"{base}/_mock/faults", method="DELETE"),
                           timeout=5).read()
receipt = client.send("Secrets check", "alert")
print(receipt)
show("wrong api key", lambda: client.request_status(receipt.request_id))
right = hotpot.Client(webhook, api_key=api_key)
print(repr(right))
show("unknown request", lambda: right.request_status("00000000-0000-4000-8000-000000000000"))
show("status", lambda: right.request_status(receipt.request_id))
# The API client of pages (spec §14): its key is a secret too.
api = hotpot.ApiClient("wrong-" + api_key[::-1], base_url=base, max_retries=0)
print(repr(api))
show("api page", lambda: api.page_team("ops", "Secrets check", "x"))
show("api wrong key", lambda: api.request_status(receipt.request_id))
right_api = hotpot.ApiClient(api_key, base_url=base, max_retries=0)
print(repr(right_api), repr(hotpot.AsyncApiClient(api_key, base_url=base)))
show("api status", lambda: right_api.request_status(receipt.request_id))
show("api acks", lambda: right_api.acknowledgements(receipt.request_id))
show("api wait", lambda: right_api.wait_for_acknowledgement(receipt.request_id, 0.1, 0.05))
show("api bad key", lambda: hotpot.ApiClient(api_key + " x"))
show("api bad page", lambda: right_api.page_person("nobody", "", "x"))
paged = right_api.page_team("default", "Secrets check", "x")
print(paged)
show("api page status", lambda: right_api.request_status(paged.request_id))
show("api page wait", lambda: right_api.wait_for_acknowledgement(paged.request_id, 0.1, 0.05))
lost = right_api.page_person("nobody@example.com", "Secrets check", "x")
show("api page failed", lambda: right_api.wait_for_acknowledgement(lost.request_id, 5, 0.05))
urllib.request.urlopen(urllib.request.Request(
    f"{base}/_mock/faults", data=json.dumps({"route": "pages", "status": 503, "count": 2}).encode(),
    headers={"Content-Type": "application/json"}, method="POST"), timeout=5).read()
show("api page 503", lambda: hotpot.ApiClient(api_key, base_url=base, max_retries=2).page_team(
    "default", "Secrets check", "x"))
# Hosts that cannot reach the internet, even if a URL were (wrongly) accepted.
for bad in [f"http://hotpot.invalid/moment/{token}", f"https://127.0.0.1:9/moment/{token}/Bad_Slug",
            f"https://127.0.0.1:9/moments/{token}", f"ftp://127.0.0.1:9/moment/{token}",
            f"https://{token}@127.0.0.1:9/moment/x", f"https://127.0.0.1:9/moment/{token}?q={token}"]:
    show("bad url", lambda: hotpot.Client(bad))
    show("bad url send", lambda: hotpot.send(bad, "x", "alert"))
show("invalid moment", lambda: client.send("", "near_miss", source_url="no"))
show("async unknown", lambda: asyncio.run(
    hotpot.AsyncClient(f"{base}/moment/{unknown}", max_retries=0).send("x", "alert")))
emitter = hotpot.Emitter(
    hotpot.Client(f"{base}/moment/{unknown}", max_retries=0),
    on_error=lambda moment, error: print(f"emitter on_error: {moment!r} {error} {error!r}"))
print(repr(emitter))
emitter.emit(hotpot.Moment("Emitted", "alert"))
print("emitter report:", emitter.shutdown(5))
show("async refused", lambda: asyncio.run(
    hotpot.AsyncClient(f"http://127.0.0.1:9/moment/{token}", timeout=0.2, max_retries=0).send("x", "alert")))
'''


def test_python_error_paths(mock: Server) -> None:
    text = run("Python error paths", [sys.executable, "-c", PYTHON_ERROR_PATHS, mock.url, TOKEN,
                                      EXPIRED_TOKEN, UNKNOWN_TOKEN, API_KEY])
    for expected in ["WebhookError", "ServerError", "RateLimitedError", "TransportError",
                     "RejectedError", "TimeoutError", "UnauthorizedError", "UnknownRequestError",
                     "ConfigError", "ValidationError", "status: RequestStatus(",
                     "api status: RequestStatus(", "api bad key: ConfigError",
                     "api page status: RequestStatus(", "api page wait: TimeoutError",
                     "api page failed: PageFailedError", "api page 503: Receipt(",
                     "emitter on_error: ", "emitter report: "]:
        assert expected in text, f"{expected} not reached:\n{text[-4000:]}"


# ----- the command line (hotpot-cli): the binary and the console script -----

@pytest.fixture(scope="module")
def cli() -> dict[str, list[str]]:
    cargo_build("-p", "hotpot-cli", "--bin", "hotpot")
    script = Path(sys.executable).parent / "hotpot"
    return {
        "binary": [str(TARGET / "debug" / "hotpot")],
        "console script": [str(script)] if script.exists() else [sys.executable, "-m", "hotpot._cli"],
    }


CLI_SEND = ["send", "Secrets check", "--type", "alert"]
CLI_PAGE = ["page", "--team", "default", "--title", "Secrets check", "--text", "x"]
CLI_CASES: dict[str, tuple[Callable[[Server], str], list[dict[str, Any]],
                           Callable[[Server], list[str]], int]] = {
    # name: (HOTPOT_WEBHOOK_URL, faults to queue first, arguments, exit status)
    "sent": (lambda s: s.webhook_url, [], lambda s: CLI_SEND, 0),
    "sent, json": (lambda s: s.webhook_url, [], lambda s: [*CLI_SEND, "--output", "json"], 0),
    "unknown webhook": (lambda s: f"{s.url}/moment/{UNKNOWN_TOKEN}", [], lambda s: CLI_SEND, 77),
    "expired webhook": (lambda s: f"{s.url}/moment/{EXPIRED_TOKEN}", [], lambda s: CLI_SEND, 77),
    "503 on every attempt": (lambda s: s.webhook_url, [{"status": 503, "count": 3}],
                             lambda s: CLI_SEND, 75),
    "429 on every attempt": (lambda s: s.webhook_url,
                             [{"status": 429, "count": 3, "retry_after": 0}], lambda s: CLI_SEND, 75),
    "connection dropped": (lambda s: s.webhook_url, [{"drop_connection": True, "count": 6}],
                           lambda s: CLI_SEND, 75),
    "422": (lambda s: s.webhook_url, [{"status": 422}], lambda s: CLI_SEND, 65),
    "http to a remote host": (lambda s: f"http://hotpot.invalid/moment/{TOKEN}", [],
                              lambda s: CLI_SEND, 78),
    "a query string": (lambda s: f"https://127.0.0.1:9/moment/{TOKEN}?key={TOKEN}", [],
                       lambda s: CLI_SEND, 78),
    "credentials in the URL": (lambda s: f"https://{TOKEN}:{TOKEN}@127.0.0.1:9/moment/x", [],
                               lambda s: CLI_SEND, 78),
    "the URL as a flag": (lambda s: s.webhook_url, [],
                          lambda s: [*CLI_SEND, "--url", s.webhook_url], 2),
    "the URL as an argument": (lambda s: s.webhook_url, [], lambda s: ["send", s.webhook_url], 2),
    "the URL after a typo": (lambda s: s.webhook_url, [], lambda s: ["sned", s.webhook_url], 2),
    "run, failing": (lambda s: s.webhook_url, [], lambda s: ["run", "--", "sh", "-c", "exit 3"], 3),
    "status, wrong API key": (lambda s: s.webhook_url, [],
                              lambda s: ["status", "00000000-0000-4000-8000-000000000000"], 77),
    "page, wrong API key": (lambda s: s.webhook_url, [], lambda s: CLI_PAGE, 77),
    "page, wrong API key, json": (lambda s: s.webhook_url, [],
                                  lambda s: [*CLI_PAGE, "--output", "json"], 77),
}


@pytest.mark.parametrize("way", ["binary", "console script"])
@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_paths(cli: dict[str, list[str]], mock: Server, way: str, case: str) -> None:
    url, faults, args, expected = CLI_CASES[case]
    for f in faults:
        fault(mock, **f)
    env = {**os.environ, "RUST_LOG": "trace", "NO_COLOR": "1", "GITHUB_ACTIONS": "true",
           "HOTPOT_WEBHOOK_URL": url(mock), "HOTPOT_API_KEY": "wrong-" + API_KEY[::-1]}
    env.pop("GITHUB_OUTPUT", None)
    done = subprocess.run([*cli[way], *args(mock)], env=env, capture_output=True, timeout=120,
                          cwd=ROOT)
    text = done.stdout.decode(errors="replace") + "\n" + done.stderr.decode(errors="replace")
    assert_clean(f"hotpot ({way}), {case}", text)
    assert done.returncode == expected, f"{case}: {done.returncode}\n{text[-3000:]}"


def test_cli_status_with_the_api_key(cli: dict[str, list[str]], mock: Server) -> None:
    env = {**os.environ, "RUST_LOG": "trace", "NO_COLOR": "1",
           "HOTPOT_WEBHOOK_URL": mock.webhook_url, "HOTPOT_API_KEY": API_KEY}
    for command in cli.values():
        sent = subprocess.run([*command, *CLI_SEND], env=env, capture_output=True, timeout=60)
        assert sent.returncode == 0, sent.stderr
        assert_clean("hotpot send", (sent.stdout + sent.stderr).decode(errors="replace"))
        status = subprocess.run([*command, "status", sent.stdout.decode().strip()], env=env,
                                capture_output=True, timeout=60)
        assert status.returncode == 0, status.stderr
        assert_clean("hotpot status", (status.stdout + status.stderr).decode(errors="replace"))
        # Pages with the right key: queued, then a wait that runs out (75), then one that fails
        # (an unknown person, 65), text and JSON; the key in none of it.
        for args, expected in [(CLI_PAGE, 0), ([*CLI_PAGE, "--wait", "1s"], 75),
                               ([*CLI_PAGE, "--wait", "1s", "--output", "json"], 75),
                               (["page", "--person", "nobody@example.com", "--title", "t",
                                 "--text", "x", "--wait", "30s"], 65)]:
            paged = subprocess.run([*command, *args], env=env, capture_output=True, timeout=60,
                                   check=False)
            assert paged.returncode == expected, (args, paged.stderr[-3000:])
            assert_clean(f"hotpot {' '.join(args)}",
                         (paged.stdout + paged.stderr).decode(errors="replace"))


# ----- the mock servers themselves -----

def test_the_binary_answers_bad_requests_without_the_token(mock: Server) -> None:
    hook = mock.webhook_url
    answers = [
        http("POST", hook, MOMENT),
        http("POST", hook, raw=b"{not json"),
        http("POST", hook, raw=b"[1, 2]", headers={"Content-Type": "application/json"}),
        http("POST", hook, raw=b"name=x", headers={"Content-Type": "text/plain"}),
        http("POST", hook, raw=b"\xff\xfe", headers={"Content-Type": "application/json"}),
        http("POST", hook, MOMENT, headers={"Idempotency-Key": "k" * 300}),
        http("GET", hook),
        http("DELETE", hook),
        http("POST", f"{hook}/Not_A_Slug", MOMENT),
        http("POST", f"{mock.url}/moment/{EXPIRED_TOKEN}", MOMENT),
        http("POST", f"{mock.url}/moment/{UNKNOWN_TOKEN}", MOMENT),
        http("POST", hook, raw=b" " * (1024 * 1024 + 1)),
        http("GET", f"{mock.url}/request/nope/status", headers={"Authorization": "Bearer x"}),
        http("GET", f"{mock.url}/_mock/webhooks/{UNKNOWN_TOKEN}"),
        http("DELETE", f"{mock.url}/_mock/webhooks/{UNKNOWN_TOKEN}"),
        http("POST", f"{mock.url}/_mock/webhooks", {"label": "dup", "token": TOKEN}),
        http("POST", f"{mock.url}/_mock/faults", {"token": TOKEN, "status": 99}),
        http("GET", f"{mock.url}/_mock/events?token={TOKEN}&min=x"),
    ]
    statuses = [status for status, _ in answers]
    assert statuses == [202, 400, 400, 415, 400, 400, 405, 405, 404, 410, 404, 413, 401, 404,
                        404, 409, 400, 400], statuses
    for status, body in answers:
        assert_clean(f"the {status} answer", body)


def test_a_strict_binary_answers_422_without_the_token(binaries: dict[str, Path]) -> None:
    server = Server([str(binaries["mock"]), "--port", "0", "--strict", "--token", STRICT_TOKEN],
                    STRICT_TOKEN)
    try:
        status, body = http("POST", server.webhook_url, {"name": "", "type": "near_miss",
                                                         "source_url": "runs/1"})
        assert status == 422, body
        assert_clean("the strict 422", body)
        status, body = http("POST", f"{server.webhook_url}/pagerduty", {"name": 42})
        assert status == 422, body
    finally:
        code, out, err = server.stop()
    assert code == 0, err
    assert_clean("the strict binary's output", out + err)
    assert "status=422" in err


def test_the_python_standalone_mock_prints_its_token_only_in_its_start_up_line() -> None:
    server = Server([sys.executable, "-m", "hotpot.testing", "--port", "0",
                     "--token", PY_MOCK_TOKEN], PY_MOCK_TOKEN)
    try:
        assert http("POST", server.webhook_url, MOMENT)[0] == 202
        assert http("POST", server.webhook_url, raw=b"{")[0] == 400
    finally:
        code, out, err = server.stop()
    assert code == 0, err
    assert_clean("python -m hotpot.testing", out + err)


def test_zz_the_binary_logged_everything_above_without_the_token_and_stops_on_sigterm(
        mock: Server) -> None:
    """Last in this file: the shared binary has seen every request above."""
    code, out, err = mock.stop()
    assert code == 0, err
    # Its own start-up line is the one place the URL appears whole.
    assert mock.startup[1] == f"webhook url: {mock.url}/moment/{TOKEN}\n"
    assert_clean("the binary's stdout after its start-up lines", out)
    assert_clean("the binary's log", err)
    assert f"path=/moment/{TOKEN[:4]}…" in err  # requests are logged, redacted
    assert "stopping" in err and "SIGTERM" in err
