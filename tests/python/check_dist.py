"""Checks what `make wheel` put in dist/ as a user's machine would see it (`make wheel-test`).

The wheel: its name carries the workspace version and the tag `cp39-abi3-manylinux_2_17_x86_64`,
`auditwheel show` finds it consistent with that tag, and its extension needs no glibc symbol newer
than 2.17 (`objdump -T`) and no libpython. Then, for each Python given (the oldest and newest
CPython >= 3.9 found, by default), a fresh virtualenv whose PATH has no cargo or rustc installs it
with `pip install --no-index`, and there `import hotpot`, the version and User-Agent it sends,
`hotpot.send` to `python -m hotpot.testing`, the `hotpot_mock` pytest fixture and, when the package
declares it, the `hotpot` command all work. The sdist (unless --no-sdist) is installed with pip in
another fresh virtualenv, compiled with Rust, and passes the same checks.

Usage: python tests/python/check_dist.py [--python PY]... [--no-sdist] [--release] [DIST_DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[2]
TAG = "cp39-abi3-manylinux_2_17_x86_64"  # the platform tag may come with its alias manylinux2014
GLIBC_MAX = (2, 17)
# The console script, once hotpot-py/pyproject.toml declares it.
PYPROJECT = tomllib.loads((ROOT / "hotpot-py/pyproject.toml").read_text())
# The distribution's name on PyPI (`hotpot` there is another project); it imports as `hotpot`.
DIST = PYPROJECT["project"]["name"]
assert DIST == "hotpot-sdk", DIST
# Wheel and sdist file names spell it with an underscore (PEP 427, PEP 625).
FILE_DIST = DIST.replace("-", "_")
HAS_CLI = "hotpot" in PYPROJECT["project"].get("scripts", {})


def workspace_version() -> str:
    return str(tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"])


def fail(message: str) -> NoReturn:
    raise SystemExit(f"check_dist: FAILED: {message}")


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Runs `cmd`, failing with its output when it fails."""
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        fail(f"{' '.join(map(str, cmd))} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done  # type: ignore[no-any-return]


def without_rust() -> dict[str, str]:
    """The environment of a machine with no Rust toolchain: PATH without cargo's directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO", "RUSTUP", "RUSTC"))}
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = "/usr/bin:/bin"
    for tool in ("cargo", "rustc"):
        if shutil.which(tool, path=env["PATH"]):
            fail(f"{tool} is on {env['PATH']}: the check could not tell a wheel from a build")
    return env


def find_pythons() -> list[str]:
    """The oldest and the newest CPython >= 3.9 on this machine (pyenv's or on PATH)."""
    found: dict[tuple[int, int], str] = {}
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(pyenv.glob("3.*/bin/python3")) if pyenv.is_dir() else []
    candidates += [Path(p) for v in range(9, 15) if (p := shutil.which(f"python3.{v}"))]
    candidates.append(Path(sys.executable))
    for python in candidates:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True, text=True,
        )
        if out.returncode == 0:
            version = tuple(int(x) for x in out.stdout.split())
            if version >= (3, 9):
                found.setdefault((version[0], version[1]), str(python))
    return list(dict.fromkeys([found[min(found)], found[max(found)]]))


def check_wheel_file(wheel: Path, version: str) -> None:
    # hotpot-VERSION-PYTHON-ABI-PLATFORM.whl, PLATFORM possibly several tags joined by dots.
    name, got_version, python_tag, abi_tag, platforms = wheel.name[: -len(".whl")].split("-")
    if (name, got_version, python_tag, abi_tag) != (FILE_DIST, version, "cp39", "abi3") or \
            "manylinux_2_17_x86_64" not in platforms.split("."):
        fail(f"{wheel.name}: expected {FILE_DIST}-{version}-{TAG}")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        libs = [n for n in names if n.endswith(".so") or ".so." in n]
        if libs != ["hotpot/_hotpot.abi3.so"]:
            fail(f"{wheel.name}: shared libraries {libs}, expected only hotpot/_hotpot.abi3.so")
        for needed in ("hotpot/py.typed", "hotpot/_hotpot.pyi", "hotpot/testing/pytest_plugin.py"):
            if needed not in names:
                fail(f"{wheel.name}: {needed} is missing")
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entries = zf.read(entry_points).decode().replace(" ", "")
        if "[pytest11]\nhotpot=hotpot.testing.pytest_plugin" not in entries:
            fail(f"{wheel.name}: the pytest11 entry point is missing:\n{entries}")
        if HAS_CLI and not re.search(r"^\[console_scripts\]\n(.+\n)*hotpot=", entries, re.M):
            fail(f"{wheel.name}: the hotpot console script is missing:\n{entries}")
        with tempfile.TemporaryDirectory() as tmp:
            so = Path(zf.extract("hotpot/_hotpot.abi3.so", tmp))
            check_glibc(so)
    print(f"ok: {wheel.name}, {wheel.stat().st_size / 1e6:.1f} MB")

    shown = run([str(Path(sys.executable).parent / "auditwheel"), "show", str(wheel)]).stdout
    flat = " ".join(shown.split())
    if 'consistent with the following platform tag: "manylinux_2_17_x86_64"' not in flat:
        fail(f"auditwheel show does not agree with manylinux_2_17_x86_64:\n{shown}")
    print("ok: auditwheel show: consistent with manylinux_2_17_x86_64")


def check_glibc(so: Path) -> None:
    """No GLIBC_x.y symbol version above 2.17, no libpython among the needed libraries."""
    needs: dict[str, tuple[int, ...]] = {}  # symbol -> the glibc version it is bound to
    for line in run(["objdump", "-T", str(so)]).stdout.splitlines():
        if m := re.search(r"\bGLIBC_(\d+(?:\.\d+)+)\b", line):
            needs[line.split()[-1]] = tuple(int(x) for x in m.group(1).split("."))
    if not needs:
        fail(f"objdump -T {so.name} shows no GLIBC symbol version: not the extension?")
    newest = ".".join(map(str, max(needs.values())))
    too_new = sorted(symbol for symbol, version in needs.items() if version > GLIBC_MAX)
    if too_new:
        fail(f"{so.name} needs GLIBC_{newest} (> 2.17) for {too_new}")
    needed = re.findall(r"NEEDED\s+(\S+)", run(["objdump", "-p", str(so)]).stdout)
    if any(n.startswith("libpython") for n in needed):
        fail(f"{so.name} links libpython: {needed}")
    print(f"ok: objdump -T: {len(needs)} glibc symbols, the newest GLIBC_{newest}; needs {needed}")


def make_venv(python: str, where: Path) -> Path:
    run([python, "-m", "venv", str(where)])
    return where / "bin" / "python"


# Runs inside the fresh virtualenv: every check a user would make first.
USER_CHECK = r'''
import http.server, importlib.metadata, json, os, shutil, signal, subprocess, sys, threading, urllib.request

expected = sys.argv[1]
assert shutil.which("cargo") is None and shutil.which("rustc") is None, "a Rust toolchain is on PATH"
import hotpot
assert hotpot.__file__.startswith(sys.prefix), f"hotpot imported from {hotpot.__file__}, not the venv"
assert hotpot.__version__ == expected, (hotpot.__version__, expected)
assert importlib.metadata.version("hotpot-sdk") == expected, importlib.metadata.version("hotpot-sdk")

# The User-Agent on the wire, recorded by a plain HTTP server.
agents = []
class Record(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        agents.append(self.headers["User-Agent"])
        body = b'{"hotpot_request_id": "r-1", "response": {"success": true}}'
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
recorder = http.server.HTTPServer(("127.0.0.1", 0), Record)
threading.Thread(target=recorder.serve_forever, daemon=True).start()
receipt = hotpot.send(f"http://127.0.0.1:{recorder.server_port}/moment/wheelcheck", "ua", "alert")
assert receipt.request_id == "r-1", receipt
assert agents == [f"hotpot-python/{expected}"], agents
recorder.shutdown()

# hotpot.send against the standalone mock server.
mock = subprocess.Popen([sys.executable, "-m", "hotpot.testing", "--port", "0"],
                        stdout=subprocess.PIPE, text=True)
try:
    base = mock.stdout.readline().split("listening on ")[1].strip()
    url = mock.stdout.readline().split("webhook url: ")[1].strip()
    receipt = hotpot.send(url, "Sent from a fresh virtualenv", "near-miss", source="check_dist")
    assert receipt.status_code == 202 and receipt.request_id, receipt
    with urllib.request.urlopen(base + "/_mock/moments") as answer:
        moments = json.load(answer)["moments"]
    assert [(m["name"], m["type"]) for m in moments] == [("Sent from a fresh virtualenv", "near-miss")], moments
finally:
    mock.send_signal(signal.SIGTERM)
assert mock.wait(10) == 0, "python -m hotpot.testing did not stop cleanly on SIGTERM"
print("ok: import, __version__, User-Agent, hotpot.send to python -m hotpot.testing")
'''

FIXTURE_TEST = '''
import hotpot

def test_the_fixture_is_registered_on_install(hotpot_mock):
    receipt = hotpot.send(hotpot_mock.webhook_url, "From the fixture", "incident")
    assert receipt.status_code == 202
    assert [m["name"] for m in hotpot_mock.moments()] == ["From the fixture"]
'''


def check_installed(venv_python: Path, version: str, env: dict[str, str]) -> None:
    """The checks a user would make first, in the virtualenv, without Rust on PATH."""
    env = dict(env, PATH=f"{venv_python.parent}:{env['PATH']}")
    with tempfile.TemporaryDirectory() as tmp:
        # Run from an empty directory, so nothing of the repository is importable.
        print(run([str(venv_python), "-c", USER_CHECK, version], cwd=tmp, env=env).stdout.strip())
        # pytest is the user's own, not a dependency of hotpot: from the index (or pip's cache).
        run([str(venv_python), "-m", "pip", "install", "--quiet", "pytest>=8"], env=env)
        Path(tmp, "test_fixture.py").write_text(FIXTURE_TEST)
        out = run([str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_fixture.py"],
                  cwd=tmp, env=env).stdout
        if "1 passed" not in out:
            fail(f"the fixture test did not pass:\n{out}")
        print("ok: the hotpot_mock fixture, registered on install")
        if HAS_CLI:
            hotpot_cmd = str(venv_python.parent / "hotpot")
            out = run([hotpot_cmd, "--version"], cwd=tmp, env=env).stdout.strip()
            if out != f"hotpot {version}":
                fail(f"hotpot --version printed {out!r}, expected 'hotpot {version}'")
            out = run([hotpot_cmd, "check", "-"], input='{"name": "CLI", "type": "Alert"}',
                      cwd=tmp, env=env).stdout
            if '"type":"alert"' not in out.replace(" ", ""):
                fail(f"hotpot check printed {out!r}")
            print(f"ok: the hotpot command ({out.strip()})")
        else:
            print("note: hotpot-py/pyproject.toml declares no `hotpot` console script yet; not checked")


def check_sdist(sdist: Path, version: str, python: str, work: Path) -> None:
    if sdist.name != f"{FILE_DIST}-{version}.tar.gz":
        fail(f"{sdist.name}: expected {FILE_DIST}-{version}.tar.gz")
    venv_python = make_venv(python, work / "sdist-venv")
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    # SDIST_PROFILE: the cargo profile of this test build (what a user's pip build uses is the
    # wheel profile of pyproject.toml; fat LTO is minutes more on 2 cores and proves nothing more).
    profile = os.environ.get("SDIST_PROFILE")
    if profile:
        env["MATURIN_PEP517_ARGS"] = f"--profile {profile}"
    env.setdefault("CARGO_TARGET_DIR", str(ROOT / "target" / "sdist-check"))
    start = time.monotonic()
    run([str(venv_python), "-m", "pip", "install", "--quiet", str(sdist)], env=env, cwd=work)
    print(f"ok: pip install {sdist.name} built it with Rust in {time.monotonic() - start:.0f} s"
          f" (profile {profile or 'wheel'})")
    check_installed(venv_python, version, without_rust())


def check_changelog(version: str) -> None:
    if not re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$",
                     (ROOT / "CHANGELOG.md").read_text(), re.M):
        fail(f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' entry for this release")
    print(f"ok: CHANGELOG.md has an entry for {version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", nargs="?", default=str(ROOT / "dist"), type=Path)
    parser.add_argument("--python", action="append", help="interpreter(s) to install the wheel for")
    parser.add_argument("--no-sdist", action="store_true", help="check the wheel only")
    parser.add_argument("--release", action="store_true", help="also require a CHANGELOG entry")
    args = parser.parse_args()

    version = workspace_version()
    args.dist = args.dist.resolve()
    wheels = sorted(args.dist.glob(f"{FILE_DIST}-*.whl"))
    sdists = sorted(args.dist.glob(f"{FILE_DIST}-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        fail(f"{args.dist}: expected one wheel and one sdist, found {[p.name for p in wheels + sdists]}")
    if args.release:
        check_changelog(version)
    check_wheel_file(wheels[0], version)
    pythons = args.python or find_pythons()
    with tempfile.TemporaryDirectory(prefix="check-dist-") as tmp:
        for i, python in enumerate(pythons):
            venv_python = make_venv(python, Path(tmp, f"venv-{i}"))
            env = without_rust()
            run([str(venv_python), "-m", "pip", "install", "--quiet", "--no-index", str(wheels[0])], env=env)
            py = run([str(venv_python), "-c", "import platform; print(platform.python_version())"]).stdout.strip()
            print(f"-- the wheel in a fresh CPython {py} virtualenv, without cargo or rustc on PATH")
            check_installed(venv_python, version, env)
        if not args.no_sdist:
            print("-- the sdist, built by pip with Rust, in another fresh virtualenv")
            check_sdist(sdists[0], version, pythons[-1], Path(tmp))
    print("check_dist: all passed")


if __name__ == "__main__":
    main()
