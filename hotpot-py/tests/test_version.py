"""One version everywhere: the Cargo workspace, every crate in it, the Python package's metadata,
`hotpot.__version__`, the User-Agent it sends, the `hotpot` command and the CHANGELOG."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib  # the tests run on 3.11+ (the package itself supports 3.9)
from http_helpers import accepting_server

import hotpot

ROOT = Path(__file__).resolve().parents[2]

WORKSPACE = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]
WORKSPACE_VERSION = WORKSPACE["package"]["version"]
PYPROJECT = tomllib.loads((ROOT / "hotpot-py/pyproject.toml").read_text())
DISTRIBUTION = "hotpot-sdk"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@pytest.fixture(scope="module")
def crates() -> dict[str, dict[str, object]]:
    """The workspace's packages, by name, as `cargo metadata` sees them."""
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--no-deps", "--format-version", "1"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout
    )
    return {p["name"]: p for p in metadata["packages"]}


def test_every_crate_has_the_workspace_version(crates: dict[str, dict[str, object]]) -> None:
    assert {"hotpot-client", "hotpot-mock-server", "hotpot-py"} <= crates.keys()
    assert {name: p["version"] for name, p in crates.items() if p["version"] != WORKSPACE_VERSION} == {}


def test_published_crates_are_required_at_the_workspace_version(crates: dict[str, dict[str, object]]) -> None:
    # `cargo package` turns path dependencies into these versions: a bump must move them too.
    published = {name for name, p in crates.items() if p["publish"] != []}
    assert {"hotpot-client", "hotpot-mock-server"} <= published
    deps = WORKSPACE["dependencies"]
    assert {name: deps[name].get("version") for name in published if name in deps} == {
        name: WORKSPACE_VERSION for name in published if name in deps
    }


def test_the_python_package_takes_its_version_from_cargo() -> None:
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert hotpot.__version__ == WORKSPACE_VERSION
    assert importlib.metadata.version(DISTRIBUTION) == WORKSPACE_VERSION


def test_the_distribution_has_a_name_of_its_own_on_pypi() -> None:
    # `hotpot` on PyPI is someone else's project (a web framework that also imports as `hotpot`):
    # the package is published as `hotpot-sdk`, and still gives `import hotpot` and the `hotpot` command.
    assert PYPROJECT["project"]["name"] == DISTRIBUTION
    assert PYPROJECT["project"]["scripts"]["hotpot"] == "hotpot._cli:main"
    assert PYPROJECT["tool"]["maturin"]["module-name"] == "hotpot._hotpot"


def test_the_docs_install_the_distribution_by_its_name() -> None:
    pages = [ROOT / "README.md", ROOT / "RELEASING.md", ROOT / "hotpot-py/README.md",
             ROOT / "hotpot-cli/README.md", *sorted((ROOT / "docs/src").rglob("*.md"))]
    wrong = [
        f"{page.relative_to(ROOT)}: {line.strip()}"
        for page in pages
        for line in page.read_text().splitlines()
        if re.search(r"pip install (?:--\S+ )*hotpot(?![-\w])|dist/hotpot-", line)
    ]
    assert wrong == []


@pytest.fixture
def recorded_agents() -> Iterator[tuple[str, list[str]]]:
    """A plain HTTP server on loopback answering 202 and recording each request's User-Agent."""
    with accepting_server(
        "127.0.0.1", "versioncheck", lambda request: request.headers["User-Agent"]
    ) as served:
        yield served


def test_the_user_agent_on_the_wire_carries_the_version(recorded_agents: tuple[str, list[str]]) -> None:
    url, agents = recorded_agents
    hotpot.send(url, "version check", "alert")
    hotpot.Client(url).send("version check", "page")
    assert agents == [f"hotpot-python/{WORKSPACE_VERSION}"] * 2


@pytest.mark.skipif(
    "hotpot" not in PYPROJECT["project"].get("scripts", {}),
    reason="hotpot-py/pyproject.toml declares no `hotpot` console script yet",
)
def test_the_hotpot_command_prints_the_version() -> None:
    command = shutil.which("hotpot", path=str(Path(sys.executable).parent))
    assert command, "the hotpot console script is not installed next to this Python"
    out = subprocess.run([command, "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"hotpot {WORKSPACE_VERSION}"


def test_the_changelog_names_no_version_beyond_the_workspace() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert headings[0] == "Unreleased" or headings[0] == WORKSPACE_VERSION, headings
    released = [h for h in headings if h != "Unreleased"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", h) for h in released), released
    # Newest first, and none newer than the version being built.
    assert released == sorted(released, key=version_key, reverse=True)
    assert all(version_key(h) <= version_key(WORKSPACE_VERSION) for h in released), released
