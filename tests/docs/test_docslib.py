"""The readers of docslib on small inputs: a check that reads wrongly passes wrongly."""

from __future__ import annotations

import docslib

S = docslib.SECTION_SIGN


def test_citations() -> None:
    def cited(line: str) -> list[str]:
        return [num for num, _ in docslib.cited_sections(line)]

    assert cited(f"spec {S}9, {S}10): x") == ["9", "10"]
    assert cited(f"{S}{S}3\u20135 and {S}7") == ["3", "4", "5", "7"]
    assert cited(f"{S}{S} 3, 4 and 9") == ["3", "4", "9"]
    assert cited(f"see {S}3.2 there") == ["3.2"]
    assert cited(f"the end of {S}5.") == ["5"]
    # A single sign cites one number: "3 retries" is not a section.
    assert cited(f"{S}5, 3 retries") == ["5"]
    # Not citations: a table header, a placeholder.
    assert cited(f"| {S} | page |") == []
    assert cited(f'cite it as "spec {S}N"') == []


def test_github_slugs() -> None:
    assert docslib.github_slug(f"{S}1 The moment payload") == "1-the-moment-payload"
    assert docslib.github_slug("Plain `http` and TLS") == "plain-http-and-tls"
    assert docslib.github_slug("What's new — 0.1") == "whats-new--01"
    text = "# A\n\n## `source_url`\n\n## A\n\n```sh\n# not a heading\n```\n\n<a id=\"x\"></a>\n"
    assert docslib.anchors_of(text) == {"a", "source_url", "a-1", "x"}


def test_links_leave_code_out_and_name_their_line() -> None:
    text = (
        "Intro [guide](docs/guide.md#install).\n"
        "\n"
        "`[not](a-link.md)`\n"
        "\n"
        "```md\n[nor](this.md)\n```\n"
        "\n"
        "| a | [table](t%C3%A9.md) |\n|---|---|\n| b | ![img](img.png) |\n"
        "\n"
        '<a href="raw.md">raw</a>\n'
    )
    links = [(link.line, link.target) for link in docslib.markdown_links("X.md", text)]
    assert links == [(1, "docs/guide.md#install"), (9, "t\u00e9.md"), (11, "img.png"), (13, "raw.md")]


def test_blocks_their_language_and_ignore_reason() -> None:
    text = (
        "```python\nprint(1)\n```\n"
        "<!-- ignore: needs a real Hotpot account -->\n"
        "```sh,ignore\nhotpot send x\n```\n"
        "- item\n\n  ```rust no_run\n  fn main() {}\n  ```\n"
        "```\nbare\n```\n"
    )
    blocks = docslib.code_blocks("X.md", text)
    assert [(b.line, b.lang, b.ignored, b.ignore_reason) for b in blocks] == [
        (1, "python", False, None),
        (5, "sh", True, "needs a real Hotpot account"),
        (10, "rust", False, None),
        (13, "", False, None),
    ]
    assert blocks[2].code == "fn main() {}\n"
    assert blocks[2].words == ["rust", "no_run"]
