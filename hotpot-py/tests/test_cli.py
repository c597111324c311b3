"""The ``hotpot`` console script of the wheel against the Rust binary ``hotpot``: the same code
(crate hotpot-cli through the extension), so the same bytes on stdout and stderr and the same
exit status for the same call; and the console script's own concerns, Ctrl-C and flushing."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import hotpot
from hotpot.testing import MockServer

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))

#: What varies between two runs of the same call: ids, keys and measured times.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SECONDS = re.compile(r"over \d+\.\d s")


def console_script() -> list[str]:
    """The installed ``hotpot`` script beside this Python, else the module it runs."""
    script = Path(sys.executable).parent / "hotpot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "hotpot._cli"]


@pytest.fixture(scope="module")
def binary() -> str:
    """The Rust binary, built as the workspace builds it (HOTPOT_CLI_BIN names another)."""
    if "HOTPOT_CLI_BIN" in os.environ:
        return os.environ["HOTPOT_CLI_BIN"]
    cargo = os.environ.get("CARGO", "cargo")
    subprocess.run([cargo, "build", "--quiet", "-p", "hotpot-cli", "--bin", "hotpot"],
                   cwd=ROOT, check=True, timeout=1800)
    return str(TARGET / "debug" / "hotpot")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOTPOT_", "GITHUB_")) and k != "RUST_LOG"}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def run(command: list[str], args: list[str], *, env: dict[str, str],
        stdin: bytes = b"") -> tuple[int, str, str]:
    done = subprocess.run([*command, *args], input=stdin, capture_output=True, env=env,
                          timeout=60)
    normal = [SECONDS.sub("over N s", UUID.sub("UUID", s.decode(errors="replace")))
              for s in (done.stdout, done.stderr)]
    return done.returncode, normal[0], normal[1]


CALLS: dict[str, tuple[list[str], bytes]] = {
    "help": (["--help"], b""),
    "short help": (["-h"], b""),
    "send help": (["send", "--help"], b""),
    "run help": (["help", "run"], b""),
    "version": (["--version"], b""),
    "usage error": (["send", "--colour"], b""),
    "url flag refused": (["send", "x", "--type", "alert", "--url", "https://h/moment/abcdefgh"], b""),
    "check valid": (["check"], b'{"name": "x", "type": "Near-Miss", "occurred_at": "2023-04-01 12:31:26"}'),
    "check invalid": (["check", "--output", "json"], b'{"name": "", "type": "nearmiss"}'),
    "check empty": (["check", "-"], b""),
    "check not utf-8": (["check", "-"], b"\xff"),
    "check unreadable": (["check", "/no/such/file.json"], b""),
    "send": (["send", "Deploy failed", "--type", "alert"], b""),
    "send json output": (["send", "--json-file", "-", "--output", "json"],
                         b'{"name": "x", "type": "page", "occured_at": "typo"}'),
    "send quiet": (["send", "x", "--type", "alert", "--quiet"], b""),
    "send invalid": (["send", "", "--type", "near_miss", "--source-url", "x"], b""),
    "send 503": (["send", "x", "--type", "alert", "--retries", "1"], b""),
    "run": (["run", "--", "sh", "-c", "echo out; echo err >&2; exit 3"], b""),
    "completions": (["completions", "bash"], b""),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_the_console_script_prints_what_the_binary_prints(binary: str, call: str) -> None:
    args, stdin = CALLS[call]
    with MockServer(token="cliPyT0kenSecret") as mock:
        env = clean_env(HOTPOT_WEBHOOK_URL=mock.webhook_url)
        results = []
        for command in ([binary], console_script()):
            if call == "send 503":
                mock.fail_next(503, count=2)
            results.append(run(command, args, env=env, stdin=stdin))
        assert results[0] == results[1], f"binary:\n{results[0]}\nconsole script:\n{results[1]}"
        code, out, err = results[0]
        assert code == {"usage error": 2, "url flag refused": 2, "check invalid": 65,
                        "check empty": 65, "check not utf-8": 65, "check unreadable": 66,
                        "send invalid": 65, "send 503": 75, "run": 3}.get(call, 0), err
        assert "cliPyT0ken" not in out + err


def test_no_url_and_an_expired_webhook_the_same_way(binary: str) -> None:
    with MockServer() as mock:
        expired = mock.create_webhook("old", expires_at="2000-01-01T00:00:00Z")
        for env in (clean_env(), clean_env(HOTPOT_WEBHOOK_URL=expired)):
            results = [run(command, ["send", "x", "--type", "alert"], env=env)
                       for command in ([binary], console_script())]
            assert results[0] == results[1]
            assert results[0][0] in (77, 78)


@pytest.mark.parametrize("actions", ["", "true"])
def test_an_expiring_webhook_is_the_same_warning_and_exit_status(
    binary: str, actions: str
) -> None:
    """Spec §6: the rotation warning on stderr (and as ``::warning::`` in GitHub Actions), with
    exit 0, from the console script as from the binary."""
    with MockServer(token="cliPyT0kenSecret") as mock:
        mock.update_webhook(mock.token, expires_at="2099-01-02T03:04:05Z")
        env = clean_env(HOTPOT_WEBHOOK_URL=mock.webhook_url, GITHUB_ACTIONS=actions)
        results = [run(command, ["send", "x", "--type", "alert"], env=env)
                   for command in ([binary], console_script())]
    assert results[0] == results[1], f"binary:\n{results[0]}\nconsole script:\n{results[1]}"
    code, out, err = results[0]
    assert code == 0 and out == "UUID\n", err
    warning = "webhook: this webhook expires at 2099-01-02T03:04:05Z; rotate it"
    assert f"warning: {warning}\n" in err
    assert (f"::warning title=hotpot send::{warning}\n" in err) == (actions == "true"), err
    assert "cliPyT0ken" not in out + err


def test_the_console_script_is_installed_and_says_its_version() -> None:
    done = subprocess.run([*console_script(), "--version"], capture_output=True, check=True)
    assert re.fullmatch(rb"hotpot \d+\.\d+\.\d+\n", done.stdout)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("way", ["binary", "console script"])
def test_ctrl_c_ends_a_send_at_once(binary: str, way: str) -> None:
    """Python's own SIGINT handler would only run once the Rust code returned; the script
    restores the default action, so Ctrl-C stops a send waiting on a slow server as it stops
    the binary."""
    command = [binary] if way == "binary" else console_script()
    with MockServer() as mock:
        # Uninterrupted, the send would wait ten minutes for its answer.
        mock.fail_next(None, delay=600, count=3)
        process = subprocess.Popen([*command, "send", "x", "--type", "alert", "--timeout", "900"],
                                   env=clean_env(HOTPOT_WEBHOOK_URL=mock.webhook_url),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=_default_sigint)
        mock.wait_for_moments(1, timeout=20)  # recorded at once: the answer is what it waits on
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
        assert process.returncode == -signal.SIGINT
        assert time.monotonic() - started < 60


@pytest.mark.parametrize("way", ["binary", "console script"])
def test_ctrl_c_stops_the_mock_cleanly(binary: str, way: str) -> None:
    command = [binary] if way == "binary" else console_script()
    process = subprocess.Popen([*command, "mock", "--port", "0"], env=clean_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_default_sigint)
    assert process.stdout is not None
    assert process.stdout.readline().startswith(b"listening on http://127.0.0.1:")
    assert process.stdout.readline().startswith(b"webhook url: ")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert b"SIGINT" in err


def test_output_written_by_python_first_is_not_reordered(tmp_path: Path) -> None:
    """Text Python buffered before the command runs comes out before the command's own."""
    code = ("import sys; from hotpot import _cli; sys.stdout.write('before\\n'); "
            "sys.argv = ['hotpot', 'check', '-']; _cli.main()")
    done = subprocess.run([sys.executable, "-c", code], input=b'{"name": "x", "type": "page"}',
                          capture_output=True, env=clean_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'before\n{"name":"x","type":"page"}\n'


# --- closed standard streams: the console script behaves as the binary does -----------------

#: `hotpot run` whose command leaves a mark, so a run that never started shows.
MARK_RUN = 'run -- sh -c \'echo ran > "$0"\' "$MARK"'


@pytest.mark.parametrize(
    ("args", "redirect"),
    [
        (MARK_RUN, "2>&-"),
        (MARK_RUN, ">&-"),
        (MARK_RUN, ">&- 2>&-"),
        ("--version", ">&-"),
        ("--help", "2>&-"),
        ("check -", ">&- <&-"),
    ],
    ids=["run, no stderr", "run, no stdout", "run, neither", "version, no stdout",
         "help, no stderr", "check, no stdin nor stdout"],
)
def test_closed_standard_streams_behave_as_the_binary(
        binary: str, args: str, redirect: str, tmp_path: Path) -> None:
    results = []
    for i, command in enumerate((console_script(), [binary])):
        mark = tmp_path / f"mark{i}"
        line = " ".join(f"'{part}'" for part in command) + f" {args} {redirect}"
        done = subprocess.run(["sh", "-c", line], capture_output=True, timeout=60,
                              env=clean_env(MARK=str(mark)))
        assert b"Traceback" not in done.stderr and b"AttributeError" not in done.stderr, done
        results.append((done.returncode, mark.exists()))
    assert results[0] == results[1], f"console script, binary: {results}"
    if args == MARK_RUN:
        assert results[0] == (0, True), "hotpot run ran its command"


# ----- hotpot page (spec §14) against the mock's on-call: every exit row the mock can reach -----

PAGE = ["page", "--team", "default", "--title", "Rollback failed", "--text", "api 1.4.2"]
#: name: (arguments, the API key to use: "right", "wrong" or None, faults on pages, exit status)
PAGE_CALLS: dict[str, tuple[list[str], str | None, int, int]] = {
    "page queued": (PAGE, "right", 0, 0),
    "page queued, json": ([*PAGE, "--output", "json", "--urgency", "HIGH"], "right", 0, 0),
    "page a person": (["page", "--person", "oncall@example.com", "--title", "t", "--text", "x"],
                      "right", 0, 0),
    "page usage, two recipients": ([*PAGE, "--person", "oncall@example.com"], "right", 0, 2),
    "page usage, bad wait": ([*PAGE, "--wait", "soon"], "right", 0, 2),
    "page field problems": (["page", "--team", "a b", "--title", "", "--text", " ",
                             "--urgency", "urgent", "--source-url", "x"], "right", 0, 65),
    "page 503 outlasting the retries": ([*PAGE, "--retries", "1"], "right", 2, 75),
    "page 503 then queued": ([*PAGE, "--retries", "2", "--output", "json"], "right", 2, 0),
    "page wrong key": (PAGE, "wrong", 0, 77),
    "page no key": (PAGE, None, 0, 78),
    "page wait, unknown team": (["page", "--team", "nobody", "--title", "t", "--text", "x",
                                 "--wait", "30s"], "right", 0, 65),
    "page wait, unknown person, json": (["page", "--person", "nobody@example.com", "--title", "t",
                                         "--text", "x", "--wait", "--output", "json"],
                                        "right", 0, 65),
    "page wait runs out": ([*PAGE, "--wait", "1s"], "right", 0, 75),
}


def page_env(mock: MockServer, key: str | None) -> dict[str, str]:
    keys = {"right": mock.api_key, "wrong": "hp_wrong_cliPyKeySecret"}
    extra = {"HOTPOT_API_URL": mock.url}
    if key is not None:
        extra["HOTPOT_API_KEY"] = keys[key]
    return clean_env(**extra)


@pytest.mark.parametrize("call", list(PAGE_CALLS))
def test_page_prints_the_same_from_the_console_script_and_the_binary(binary: str,
                                                                      call: str) -> None:
    args, key, faults, expected = PAGE_CALLS[call]
    with MockServer(api_key="cliPyApiKeySecret0123") as mock:
        mock.set_clock("2026-12-06T03:00:00Z")
        results = []
        for command in ([binary], console_script()):
            if faults:
                mock.fail_next(503, count=faults, route="pages")
            results.append(run(command, args, env=page_env(mock, key)))
        assert results[0] == results[1], f"binary:\n{results[0]}\nconsole script:\n{results[1]}"
        code, out, err = results[0]
        assert code == expected, err
        assert "cliPyApiKey" not in out + err and "cliPyKeySecret" not in out + err
        # Queued pages are recorded (also those waited on); refused ones are not.
        queued = expected == 0 or call.startswith("page wait")
        assert len(mock.pages()) == (2 if queued else 0), mock.pages()


@pytest.mark.parametrize("output", ["text", "json"])
def test_page_wait_returns_when_someone_handles_it(binary: str, output: str) -> None:
    """Someone handles each page from another thread while the command waits: exit 0 and the
    same bytes from both (the mock's clock is frozen, so the time printed is too)."""
    with MockServer(api_key="cliPyApiKeySecret0123") as mock:
        mock.set_clock("2026-12-06T03:00:00Z")
        results = []
        for n, command in enumerate(([binary], console_script()), start=1):
            def handle(n: int = n) -> None:
                page = mock.wait_for_pages(n, timeout=30)[-1]
                mock.acknowledge(page["request_id"], "oncall@example.com")
            helper = threading.Thread(target=handle)
            helper.start()
            results.append(run(command, [*PAGE, "--wait", "60s", "--output", output],
                               env=page_env(mock, "right")))
            helper.join()
        assert results[0] == results[1], f"binary:\n{results[0]}\nconsole script:\n{results[1]}"
        code, out, err = results[0]
        assert code == 0, err
        if output == "text":
            assert out == "UUID\nhandled by oncall@example.com at 2026-12-06T03:00:00Z\n", out
        else:
            (acks,) = [json.loads(out)["acknowledgements"]]
            assert [a["acknowledged_by_email"] for a in acks] == ["oncall@example.com"], out


def test_status_lists_a_handled_pages_acknowledgements_the_same_way(binary: str) -> None:
    with MockServer(api_key="cliPyApiKeySecret0123") as mock:
        mock.set_clock("2026-12-06T03:00:00Z")
        receipt = hotpot.ApiClient(mock.api_key, base_url=mock.url).page_team("default", "t", "x")
        assert receipt.request_id
        mock.acknowledge(receipt.request_id, "oncall@example.com")
        results = [run(command, ["status", receipt.request_id], env=page_env(mock, "right"))
                   for command in ([binary], console_script())]
    assert results[0] == results[1], f"binary:\n{results[0]}\nconsole script:\n{results[1]}"
    code, out, err = results[0]
    assert code == 0, err
    assert "handled by oncall@example.com at 2026-12-06T03:00:00Z" in out, out
