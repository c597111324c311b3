"""The docs cannot drift (`make docs-check`, part of `make test`): the built book's internal
links and anchors, the links of the Markdown read outside the book, no reference to a file
outside the repository, no citation of a section the specification does not have, and every
code sample of the book and the READMEs run (Python, shell) or parsed (JSON); Rust samples are
doctests of tests/lib.rs, and a check here makes sure each file with one is included there.

Each failure names the file and line."""

from __future__ import annotations

import json
import os
import posixpath
import re
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

import docslib
from conftest import Mock, block_id, unavailable

SAMPLE_TIMEOUT = 60  # seconds per block

PYTHON = ("python", "py", "python3")
SHELL = ("sh", "bash", "shell")
JSON = ("json",)
JSON_LINES = ("jsonl", "ndjson")
RUST = ("rust",)
# Info strings rustdoc reads as Rust without the word "rust": written alone, mdBook would not
# highlight them as Rust, so they are spelled "rust,<attribute>".
RUSTDOC_ATTRIBUTES = {"ignore", "no_run", "should_panic", "compile_fail", "test_harness",
                      "edition2015", "edition2018", "edition2021", "edition2024"}


def _fail(problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{len(problems)} problem(s):\n" + "\n".join(problems), pytrace=False)


def _blocks(langs: tuple[str, ...]) -> list[docslib.Block]:
    return [b for rel in docslib.sample_files() for b in docslib.code_blocks(rel) if b.lang in langs]


def _params(langs: tuple[str, ...]) -> list:  # type: ignore[type-arg]
    """One test per block to run; ignored blocks are counted in the summary line, not here (a
    skip always means something this run lacks)."""
    return [pytest.param(b, id=block_id(b)) for b in _blocks(langs) if not b.ignored]


# --- links --------------------------------------------------------------------------------


def _source_of(page: Path) -> str | None:
    """The Markdown page a built HTML page comes from, relative to the root."""
    rel = page.relative_to(docslib.BOOK_OUT).with_suffix(".md")
    src = docslib.BOOK_SRC / rel
    return src.relative_to(docslib.ROOT).as_posix() if src.is_file() else None


def _source_line(src: str, url: str) -> int | None:
    """The line of a book page's Markdown that holds the link an HTML href came from (mdBook
    turns "x.md#a" into "x.html#a")."""
    path, _, fragment = url.partition("#")
    md_path = re.sub(r"\.html$", ".md", urllib.parse.unquote(path))
    needles = [n for n in (f"{md_path}#{fragment}" if path else "", f"#{fragment}" if fragment else "",
                           md_path) if n]
    lines = (docslib.ROOT / src).read_text(encoding="utf-8").splitlines()
    for needle in needles:
        for i, line in enumerate(lines):
            if f"({needle}" in line or f'"{needle}' in line or f"]: {needle}" in line:
                return i + 1
    return None


def test_book_links_and_anchors_resolve() -> None:
    """Every relative href and src of the built book names a file of the book, and its #id an
    element of that page. print.html (every page again, in one) is left out: its links are the
    pages' own, already checked."""
    if not (docslib.BOOK_OUT / "index.html").is_file():
        unavailable(f"the book is not built ({docslib.BOOK_OUT}): run make docs")
    pages: dict[Path, docslib.HtmlPage] = {}

    def page(path: Path) -> docslib.HtmlPage:
        if path not in pages:
            pages[path] = docslib.parse_html(path)
        return pages[path]

    root = docslib.BOOK_OUT.resolve()
    problems = []
    for html in docslib.book_pages():
        if html.name == "print.html" and html.parent == docslib.BOOK_OUT:
            continue
        this = page(html)
        # mdBook's 404.html has <base href="/">: its links are from the site's root.
        base_dir = root if this.base == "/" else html.parent.resolve()
        for line, url in this.urls:
            if not url or docslib.is_external(url):
                continue
            path, _, fragment = urllib.parse.unquote(url.split("?", 1)[0]).partition("#")
            target = (base_dir / path).resolve() if path else html.resolve()
            if target.is_dir():
                target = target / "index.html"
            problem = None
            if not target.is_relative_to(root):
                problem = f"{url}: points outside the book"
            elif not target.is_file():
                problem = f"{url}: no such file {target.relative_to(root)} in the book"
            elif fragment and target.suffix == ".html" and fragment not in page(target).ids:
                problem = f"{url}: no id {fragment!r} in {target.relative_to(root)}"
            if problem is None:
                continue
            built = f"{html.relative_to(docslib.ROOT)}:{line}"
            src = _source_of(html)
            src_line = _source_line(src, url) if src else None
            where = f"{src}:{src_line} (built into {built})" if src and src_line else built
            problems.append(f"{where}: dead link {problem}")
    _fail(problems)


def test_markdown_links_outside_the_book_resolve() -> None:
    """Every relative link of the Markdown read on GitHub and crates.io (README.md, the crates'
    READMEs, CHANGELOG, RELEASING, BENCHMARKS, ...) names a file or directory of the tree, and
    its #anchor a heading of the target where that is Markdown (GitHub's heading ids)."""
    tree = docslib.tree_paths()
    problems = []
    for rel in docslib.markdown_outside_book():
        for link in docslib.markdown_links(rel):
            if not link.target or docslib.is_external(link.target):
                continue
            path, _, fragment = link.target.split("?", 1)[0].partition("#")
            if path.startswith("/"):
                joined = path.lstrip("/")
            elif path:
                joined = posixpath.join(posixpath.dirname(rel), path)
            else:
                joined = rel
            target = posixpath.normpath(joined).rstrip("/")
            target = "" if target == "." else target
            where = f"{link.path}:{link.line}: link {link.target}"
            if target == ".." or target.startswith("../"):
                problems.append(f"{where}: points outside the repository")
            elif target not in tree:
                problems.append(f"{where}: no file or directory {target} in the tree")
            elif fragment and target.endswith(".md") and fragment not in docslib.markdown_anchors(target):
                problems.append(f"{where}: no heading with id {fragment!r} in {target}")
    _fail(problems)


# --- references -----------------------------------------------------------------------------


def test_nothing_refers_to_a_file_outside_the_repository() -> None:
    """No file of the tree names the specification's old home outside the repository (the
    strings are built here so that this file does not hold them)."""
    needles = [".." + "/" + "shared", "shared" + "/" + "contract.md"]
    problems = []
    for rel in docslib.tree_files():
        text = docslib.read_text(rel)
        if text is None:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            for needle in needles:
                if needle in line:
                    problems.append(f"{rel}:{n}: {needle!r} refers to a file outside the repository")
    _fail(problems)


def test_every_cited_section_exists() -> None:
    """Every citation of a section (the sign and a number, N or N.M, or two signs and several
    numbers) in a text file of the tree names a section of docs/src/spec/."""
    sections = docslib.spec_sections()
    if not sections:
        pytest.fail("docs/src/spec/ has no page whose level-1 heading is a section (# <sign>N Title)")
    sign = docslib.SECTION_SIGN
    problems = []
    for rel in docslib.tree_files():
        text = docslib.read_text(rel)
        if text is None or sign not in text:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            for num, written in docslib.cited_sections(line):
                if num not in sections:
                    known = f"{sign}1-{sign}{max(int(k) for k in sections if k.isdigit())}"
                    what = (f"no section {sign}{num} in docs/src/spec/ (it has {known})" if "." not in num
                            else f"no numbered subsection {num} in docs/src/spec/ (cite {sign}{num.split('.')[0]})")
                    problems.append(f"{rel}:{n}: {written!r}: {what}")
    _fail(problems)


# --- the samples' form ----------------------------------------------------------------------


def test_every_block_says_its_language_and_why_it_is_ignored() -> None:
    """Every fenced block of the samples' files names its language (rustdoc compiles an
    unlabelled block as Rust); a block marked `ignore` has `<!-- ignore: REASON -->` on the line
    just above its fence, and such a comment stands only above an ignored block."""
    problems = []
    for rel in docslib.sample_files():
        for block in docslib.code_blocks(rel):
            if not block.lang:
                problems.append(f"{block.where}: a code block without a language (```text, ```python, ...)")
            elif block.lang in RUSTDOC_ATTRIBUTES:
                problems.append(f"{block.where}: ```{block.info}: write ```rust,{block.info}")
            if block.ignored and block.ignore_reason is None:
                problems.append(f"{block.where}: ```{block.info} without `<!-- ignore: REASON -->` on the line above")
            if not block.ignored and block.ignore_reason is not None:
                problems.append(f"{block.where}: an ignore comment above ```{block.info}, which is not ignored")
    _fail(problems)


def test_every_file_with_rust_samples_is_a_doctest() -> None:
    """Rust samples are compiled (and run unless no_run) by `cargo test -p hotpot-e2e --doc`,
    from tests/lib.rs's #[doc = include_str!(...)]: each file with a ```rust block is there."""
    included = docslib.doctest_includes()
    problems = [f"tests/lib.rs: includes {p}, which does not exist" for p in sorted(included)
                if not (docslib.ROOT / p).is_file()]
    for rel in docslib.sample_files():
        rust = [b for b in docslib.code_blocks(rel) if b.lang in RUST]
        if rust and rel not in included:
            problems.append(f"{rust[0].where}: {len(rust)} Rust block(s), but tests/lib.rs does not "
                            f"include {rel} as a doctest")
    _fail(problems)


@pytest.mark.parametrize("block", _params(JSON + JSON_LINES))
def test_json_sample_parses(block: docslib.Block) -> None:
    docs = [block.code] if block.lang in JSON else [ln for ln in block.code.splitlines() if ln.strip()]
    for i, doc in enumerate(docs):
        try:
            json.loads(doc)
            continue
        except json.JSONDecodeError as e:
            line = block.line + (e.lineno if block.lang in JSON else i + 1)
            problem = f"{block.path}:{line}: not JSON: {e.msg} (column {e.colno})"
        pytest.fail(problem, pytrace=False)


# --- running samples ------------------------------------------------------------------------


def _run(block: docslib.Block, argv: list[str], shown: str, script: Path, env: dict[str, str],
         mock: Mock) -> None:
    """Runs a sample in its own process group (so a timeout kills what it started too) and
    fails with its location, exit status, stdout and stderr, secrets redacted. Line numbers of
    the sample's file in its output are turned into lines of the Markdown."""
    proc = subprocess.Popen(argv, cwd=script.parent, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=SAMPLE_TIMEOUT)
        status = f"exit status {proc.returncode}"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        status = f"timed out after {SAMPLE_TIMEOUT} s"
    finally:
        # Whatever the sample left running in its group (a server started in the background).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if status == "exit status 0":
        return

    def to_source(text: str) -> str:
        # Line N of the sample's file is line N of the block: the fence's line plus N.
        name = re.escape(script.name)
        text = re.sub(rf'File "[^"]*{name}", line (\d+)',
                      lambda m: f'File "{block.path}", line {block.line + int(m.group(1))}', text)
        # bash's "sample.sh: line N:", pytest's "test_sample.py:N:".
        return re.sub(rf"[^\s:]*{name}:(?: line )?(\d+):",
                      lambda m: f"{block.path}:{block.line + int(m.group(1))}:", text)

    pytest.fail(
        f"{block.where}: the ```{block.info} sample failed ({status}: {shown})\n"
        f"--- stdout ---\n{mock.redact(to_source(out))}\n--- stderr ---\n{mock.redact(to_source(err))}",
        pytrace=False,
    )


@pytest.mark.parametrize("block", _params(PYTHON))
def test_python_sample_runs(block: docslib.Block, mock: Mock, sample_env: dict[str, str],
                            tmp_path: Path) -> None:
    """A Python block runs alone in a fresh interpreter of the virtualenv (with hotpot
    installed), HOTPOT_WEBHOOK_URL and HOTPOT_API_KEY naming a fresh mock server; a block with
    a test function runs under pytest, with the hotpot_mock fixture of the installed plugin."""
    probe = subprocess.run([sys.executable, "-c", "import hotpot"], capture_output=True, text=True)
    if probe.returncode != 0:
        unavailable(f"hotpot is not installed in {sys.executable} (make py-dev): {probe.stderr.strip()}")
    work = tmp_path / "work"
    work.mkdir()
    if re.search(r"^\s*(async\s+)?def test_", block.code, re.M):
        script = work / "test_sample.py"
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", script.name]
    else:
        script = work / "sample.py"
        argv = [sys.executable, script.name]
    script.write_text(block.code, encoding="utf-8")
    _run(block, argv, f"python {' '.join(argv[1:])}", script, sample_env, mock)


@pytest.mark.parametrize("block", _params(SHELL))
def test_shell_sample_runs(block: docslib.Block, mock: Mock, sample_env: dict[str, str],
                           tmp_path: Path) -> None:
    """A shell block runs with `bash -euo pipefail` in an empty directory, the cargo-built
    `hotpot` and `hotpot-mock-server` first on PATH, HOTPOT_WEBHOOK_URL and HOTPOT_API_KEY naming
    a fresh mock server."""
    work = tmp_path / "work"
    work.mkdir()
    script = work / "sample.sh"
    script.write_text(block.code, encoding="utf-8")
    # Sourced under an ERR trap, so that the line of the command that stopped it is shown.
    trap = f'trap \'echo "{script.name}: line $LINENO: exit status $?" >&2\' ERR; . ./{script.name}'
    _run(block, ["bash", "-euo", "pipefail", "-c", trap], f"bash -euo pipefail {script.name}", script,
         sample_env, mock)
