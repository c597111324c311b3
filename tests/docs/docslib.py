"""What the docs checks read: the repository's files, the Markdown's code blocks, links and
headings (parsed with markdown-it-py, CommonMark as mdBook's and rustdoc's pulldown-cmark read
it), the built book's HTML, and the specification's section numbers.

Everything here is pure reading; test_docs.py decides what is a failure.
"""

from __future__ import annotations

import functools
import html.parser
import re
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
BOOK_SRC = ROOT / "docs" / "src"
SPEC_DIR = BOOK_SRC / "spec"
BOOK_OUT = ROOT / "target" / "book"
DOCTEST_LIB = ROOT / "tests" / "lib.rs"

# The section sign, spelled by its code point so that this file cites no section itself.
SECTION_SIGN = "\u00a7"

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


# --- the tree -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def tree_files() -> tuple[str, ...]:
    """The repository's files as a clone has them, relative to the root: tracked ones plus new
    ones not ignored (so a file being written shows up before its commit), that exist."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return tuple(sorted({p for p in out.split("\0") if p and (ROOT / p).is_file()}))


@functools.lru_cache(maxsize=None)
def tree_paths() -> frozenset[str]:
    """tree_files() and every directory that holds one ("" is the root)."""
    paths: set[str] = set()
    for f in tree_files():
        paths.add(f)
        parts = f.split("/")
        for i in range(len(parts)):
            paths.add("/".join(parts[:i]))
    return frozenset(paths)


def read_text(rel: str) -> str | None:
    """A file's text, or None for a binary file (a NUL byte, or not UTF-8)."""
    data = (ROOT / rel).read_bytes()
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def sample_files() -> list[str]:
    """The Markdown whose code blocks are samples: the book's pages, the root README, each
    crate's or package's README (one directory down) and examples/**/README.md."""
    picked = []
    for rel in tree_files():
        if not rel.endswith(".md"):
            continue
        parts = rel.split("/")
        if (
            rel.startswith("docs/src/")
            or rel == "README.md"
            or (len(parts) == 2 and parts[1] == "README.md")
            or (parts[0] == "examples" and parts[-1] == "README.md")
        ):
            picked.append(rel)
    return picked


def markdown_outside_book() -> list[str]:
    """Every Markdown file of the tree that the book does not render (READMEs, CHANGELOG,
    RELEASING, BENCHMARKS, ...): read on GitHub or crates.io, so its links are to files."""
    return [r for r in tree_files() if r.endswith(".md") and not r.startswith("docs/src/")]


# --- code blocks --------------------------------------------------------------------------

IGNORE_COMMENT = re.compile(r"^\s*<!--\s*ignore:\s*(?P<reason>\S.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it is, its info string split into words, its code."""

    path: str  # relative to the root
    line: int  # 1-based line of the opening fence
    info: str
    code: str
    line_before: str  # the source line just above the fence ("" at the top)

    @property
    def words(self) -> list[str]:
        return [w for w in re.split(r"[\s,]+", self.info.strip()) if w]

    @property
    def lang(self) -> str:
        return self.words[0].lower() if self.words else ""

    @property
    def ignored(self) -> bool:
        return "ignore" in self.words[1:]

    @property
    def ignore_reason(self) -> str | None:
        m = IGNORE_COMMENT.match(self.line_before)
        return m.group("reason") if m else None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def code_blocks(rel: str, text: str | None = None) -> list[Block]:
    """The fenced code blocks of a Markdown file (or of text, named rel)."""
    if text is None:
        text = (ROOT / rel).read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks = []
    for tok in _MD.parse(text):
        if tok.type != "fence" or tok.map is None:
            continue
        start = tok.map[0]
        blocks.append(
            Block(
                path=rel,
                line=start + 1,
                info=tok.info,
                code=tok.content,
                line_before=lines[start - 1] if start > 0 else "",
            )
        )
    return blocks


# --- links and headings in Markdown -------------------------------------------------------


@dataclass(frozen=True)
class Link:
    path: str
    line: int
    target: str  # as written (percent-decoded)


_HTML_URL = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_HTML_ID = re.compile(r"""\b(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def markdown_links(rel: str, text: str | None = None) -> list[Link]:
    """Every link, image and raw-HTML href/src of a Markdown file (or of text, named rel),
    code excluded."""
    if text is None:
        text = (ROOT / rel).read_text(encoding="utf-8")
    lines = text.splitlines()
    links: list[Link] = []

    def add(raw: str, lo: int, hi: int) -> None:
        # markdown-it hands the URL normalised (percent-encoded): the source may spell either.
        target = urllib.parse.unquote(raw)
        line = next(
            (i + 1 for i in range(lo, min(hi, len(lines))) if target in lines[i] or raw in lines[i]),
            lo + 1,
        )
        links.append(Link(rel, line, target))

    for tok in _MD.parse(text):
        if tok.map is None:
            continue
        lo, hi = tok.map
        if tok.type == "html_block":
            for m in _HTML_URL.finditer(tok.content):
                add(m.group(1) or m.group(2) or "", lo, hi)
        elif tok.type == "inline":
            for child in tok.children or []:
                if child.type == "link_open":
                    add(str(child.attrGet("href") or ""), lo, hi)
                elif child.type == "image":
                    add(str(child.attrGet("src") or ""), lo, hi)
                elif child.type == "html_inline":
                    for m in _HTML_URL.finditer(child.content):
                        add(m.group(1) or m.group(2) or "", lo, hi)
    return links


def is_external(target: str) -> bool:
    """A URL with a scheme (http:, mailto:, ...) or a network path (//host/...)."""
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target)) or target.startswith("//")


def _plain_heading(inline_children: list) -> str:  # type: ignore[type-arg]
    """A heading's text as GitHub renders it: code spans' content, links' text, no markup."""
    parts = []
    for child in inline_children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append("".join(c.content for c in child.children or []))
    return "".join(parts)


def github_slug(text: str) -> str:
    """GitHub's heading id (github-slugger): lower case, punctuation and symbols dropped
    (letters, digits, '_', '-' and spaces kept), each space a '-'."""
    text = text.strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in "_- ")
    return text.replace(" ", "-")


@functools.lru_cache(maxsize=None)
def markdown_anchors(rel: str) -> frozenset[str]:
    """The fragment ids a Markdown file of the tree has on GitHub."""
    return anchors_of((ROOT / rel).read_text(encoding="utf-8"))


def anchors_of(text: str) -> frozenset[str]:
    """The fragment ids of Markdown text on GitHub: each heading's slug (a repeated slug gets
    -1, -2, ...) and any explicit id= or name= in raw HTML."""
    ids: set[str] = set()
    seen: dict[str, int] = {}
    tokens = _MD.parse(text)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            slug = github_slug(_plain_heading(tokens[i + 1].children or []))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            ids.add(slug if n == 0 else f"{slug}-{n}")
        elif tok.type == "html_block":
            ids.update(m.group(1) or m.group(2) for m in _HTML_ID.finditer(tok.content))
        elif tok.type == "inline":
            for child in tok.children or []:
                if child.type == "html_inline":
                    ids.update(m.group(1) or m.group(2) for m in _HTML_ID.finditer(child.content))
    return frozenset(ids)


# --- the built book -----------------------------------------------------------------------


@dataclass
class HtmlPage:
    ids: set[str] = field(default_factory=set)
    urls: list[tuple[int, str]] = field(default_factory=list)  # (line, href or src)
    base: str | None = None


class _PageParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = HtmlPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.page.ids.add(value)
            elif tag == "base" and name == "href":
                self.page.base = value
            elif name in ("href", "src"):
                self.page.urls.append((line, value))

    handle_startendtag = handle_starttag


def parse_html(path: Path) -> HtmlPage:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


def book_pages() -> list[Path]:
    return sorted(BOOK_OUT.rglob("*.html"))


# --- the specification's sections ---------------------------------------------------------

_PAGE_HEADING = re.compile(r"^#\s+" + SECTION_SIGN + r"(\d+)\b")
_SUB_HEADING = re.compile(r"^#{2,6}\s+" + SECTION_SIGN + r"?(\d+\.\d+(?:\.\d+)*)\b")


@functools.lru_cache(maxsize=None)
def spec_sections() -> dict[str, str]:
    """Every section the specification has, "N" or "N.M", and the page that holds it: a page
    is section N when its level-1 heading is "# <sign>N ..."; a numbered sub-heading
    ("## N.M ..." or "## <sign>N.M ...") is a subsection."""
    sections: dict[str, str] = {}
    for page in sorted(SPEC_DIR.glob("*.md")):
        rel = page.relative_to(ROOT).as_posix()
        in_fence = False
        for line in page.read_text(encoding="utf-8").splitlines():
            if re.match(r"^\s*(```|~~~)", line):
                in_fence = not in_fence
            if in_fence:
                continue
            if m := _PAGE_HEADING.match(line):
                sections.setdefault(m.group(1), rel)
            elif m := _SUB_HEADING.match(line):
                sections.setdefault(m.group(1), rel)
    return sections


# One citation: a sign, or two for several sections; then a number (N or N.M). With two signs,
# the numbers that follow, joined by commas, "and", "or", "to" or a dash (a range), are cited too.
_NUM = r"\d+(?:\.\d+)*"
_CITATION = re.compile(
    SECTION_SIGN
    + r"(?P<many>"
    + SECTION_SIGN
    + r")?\s?(?P<first>"
    + _NUM
    + r")(?(many)(?P<rest>(?:\s*(?:,|and|or|to|-|\u2013|\u2014)\s*"
    + SECTION_SIGN
    + r"?"
    + _NUM
    + r")*)|)"
)


def cited_sections(line: str) -> Iterator[tuple[str, str]]:
    """(cited number, the citation as written) for each citation in a line of text. A sign
    followed by no digit (a table header, "<sign>N" as a placeholder) cites nothing."""
    for m in _CITATION.finditer(line):
        nums = [m.group("first")]
        if m.group("many"):
            rest = m.group("rest") or ""
            parts = re.findall(r"(,|and|or|to|-|\u2013|\u2014)\s*" + SECTION_SIGN + "?(" + _NUM + ")", rest)
            prev = nums[0]
            for sep, num in parts:
                if sep in ("to", "-", "\u2013", "\u2014") and prev.isdigit() and num.isdigit():
                    nums.extend(str(n) for n in range(int(prev) + 1, int(num) + 1))
                else:
                    nums.append(num)
                prev = num
        for num in nums:
            yield num, m.group(0)


# --- tests/lib.rs -------------------------------------------------------------------------


def doctest_includes() -> set[str]:
    """The Markdown files tests/lib.rs includes as doctests, as paths relative to the root:
    each entry `Name = "path.md";` of its doctests! macro, or a literal include_str!("path.md")
    (paths relative to tests/). Line comments are left out."""
    text = re.sub(r"//.*", "", DOCTEST_LIB.read_text(encoding="utf-8"))
    included = set()
    entries = r'\b\w+\s*=\s*"([^"]+\.md)"\s*;|include_str!\(\s*"([^"]+\.md)"\s*\)'
    for m in re.finditer(entries, text):
        path = (DOCTEST_LIB.parent / (m.group(1) or m.group(2))).resolve()
        try:
            included.add(path.relative_to(ROOT).as_posix())
        except ValueError:
            included.add(str(path))
    return included
