"""What the snippet's tests share: the file, a fresh copy of it as a module, the oldest Python."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

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
