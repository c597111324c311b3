"""Fixtures for the console's tests in a real browser: Debian's chromium driven by Playwright, a
fresh mock per test, and a screenshot of the page when a test fails.

Without chromium or Playwright these tests are skipped, except under CI (the `CI` environment
variable set), where they fail: `make chromium` installs the browser, `make venv` Playwright.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("HOTPOT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "target" / "console-screenshots"


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI is set: the console's browser tests must run)")
    pytest.skip(why)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (make venv)")
    if not os.path.exists(CHROMIUM):
        _missing(f"no chromium at {CHROMIUM} (make chromium installs Debian's)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def mock() -> Iterator[Any]:
    from hotpot.testing import MockServer

    with MockServer(host="127.0.0.1", port=0) as server:
        yield server


class Pages:
    """Opens pages in a browser context; keeps each one, to screenshot it if the test fails."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []
        self.pages: list[Any] = []
        self.errors: list[str] = []

    def open(self, url: str, *, javascript: bool = True, dark: bool = False, **options: Any) -> Any:
        context = self.browser.new_context(
            java_script_enabled=javascript,
            color_scheme="dark" if dark else "light",
            **options,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def on_console(message: Any) -> None:
            if message.type == "error":
                self.errors.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        self.pages.append(page)
        page.goto(url)
        return page

    def close(self, name: str, failed: bool) -> None:
        if failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for i, page in enumerate(self.pages):
                safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
                path = SCREENSHOTS / f"{safe}-{i}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                    print(f"screenshot of {page.url}: {path}")
                except Exception as e:  # a failed screenshot must not hide the failure
                    print(f"no screenshot of {page.url}: {e}")
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Any, request: pytest.FixtureRequest) -> Iterator[Pages]:
    opened = Pages(browser)
    yield opened
    opened.close(request.node.name, request.node.stash.get(_FAILED, True))
