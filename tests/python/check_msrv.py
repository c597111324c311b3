#!/usr/bin/env python3
"""The stated minimum Rust version is true: `make msrv-check` (part of `make test`).

No older toolchain can be installed here, so `cargo +1.xx check` cannot prove it; what can be
checked is what each package of the locked dependency graph declares. This script fails when

- the published workspace members do not all declare the same `rust-version` (the workspace's),
- any package of the graph (`cargo metadata --locked`, every target and platform) declares a
  `rust-version` above it, or
- a document names another minimum than the stated one ("Rust 1.xx+", "Minimum Rust
  version: 1.xx", "Rust toolchain **1.xx or later**").

Clippy's `incompatible_msrv` lint (in `make clippy`) checks the other half: that the code itself
uses no standard-library API newer than the stated version.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The documents that tell a user which Rust they need.
DOCS = [
    "README.md",
    "RELEASING.md",
    "hotpot-client/README.md",
    "hotpot-protocol/README.md",
    "hotpot-cli/README.md",
    "hotpot-py/README.md",
    "docs/src/guides/rust-service.md",
    "docs/src/guides/python-service.md",
]
# "Rust 1.89+", "Minimum Rust version: 1.89", "Rust toolchain **1.89 or later**".
MENTION = re.compile(r"Rust(?: toolchain| version:)?\s+\**(1\.\d+)")


def version(text: str) -> tuple[int, ...]:
    """`1.89` and `1.89.0` alike."""
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def main() -> int:
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in metadata["packages"]}
    # The published members (the test and example crates are not published).
    members = [packages[i] for i in metadata["workspace_members"] if packages[i]["publish"] != []]
    stated = {p["rust_version"] for p in members}
    problems = []
    if len(stated) != 1 or None in stated:
        problems.append(
            "expected every published workspace member to inherit one rust-version, found "
            + ", ".join(f"{p['name']}: {p['rust_version']}" for p in members)
        )
        msrv = max((v for v in stated if v), key=version, default="0")
    else:
        msrv = stated.pop()

    graph = {node["id"] for node in metadata["resolve"]["nodes"]}
    above = sorted(
        (p for i, p in packages.items() if i in graph and p["rust_version"]
         and version(p["rust_version"]) > version(msrv)),
        key=lambda p: (version(p["rust_version"]), p["name"]),
    )
    for p in above:
        problems.append(
            f"{p['name']} {p['version']} needs Rust {p['rust_version']}, "
            f"above the stated rust-version {msrv} (Cargo.toml [workspace.package])"
        )

    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        found = [m.group(1) for m in MENTION.finditer(text)]
        if not found:
            problems.append(f"{doc}: expected the minimum Rust version {msrv} named, found none")
        for v in found:
            if version(v) != version(msrv):
                problems.append(f"{doc}: names Rust {v}, expected the stated {msrv}")

    if problems:
        print("msrv-check failed:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    highest = max(
        (p for i, p in packages.items() if i in graph and p["rust_version"] and p["source"]),
        key=lambda p: version(p["rust_version"]),
    )
    print(
        f"msrv-check: rust-version {msrv}; {len(graph)} packages, the most demanding "
        f"{highest['name']} {highest['version']} (Rust {highest['rust_version']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
