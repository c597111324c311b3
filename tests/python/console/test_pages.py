"""The console's Pages and Teams views (spec §14, §15) in a real browser.

A page posted while /pages is open is announced, then listed with who was notified; "Mark
handled" works with and without JavaScript, and from the keyboard alone; /teams shows who is
on call now. (axe-core and the keyboard on every control of both views: test_console.py.)
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import requests

try:
    from playwright.sync_api import expect
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("Playwright is not installed (make venv)", allow_module_level=True)


def page_team(mock: Any, slug: str, title: str, **fields: str) -> str:
    """Pages the team `slug` through the mock's API; the request id."""
    answer = requests.post(
        f"{mock.url}/page/team",
        json={"title": title, "text": "details", "recipient": slug, **fields},
        headers={"Authorization": f"Bearer {mock.api_key}"},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    request_id: str = answer.json()["hotpot_request_id"]
    return request_id


def test_a_page_posted_while_the_view_is_open_is_announced_then_listed(
    mock: Any, pages: Any
) -> None:
    mock.set_clock("2026-12-06T03:00:00Z")
    page = pages.open(f"{mock.url}/pages")
    expect(page.get_by_text("No pages yet.")).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    request_id = page_team(mock, "default", "Rollback <failed>", urgency="HIGH")
    status = page.get_by_role("status")
    expect(status).to_have_text("1 page change \u2014 show")
    expect(page.locator("li.page")).to_have_count(0)  # the list did not move
    status.get_by_role("link", name="show").click()
    item = page.locator(f"li.page#page-{request_id}")
    expect(item.get_by_role("heading", level=3)).to_have_text("success Rollback <failed>")
    expect(item).to_contain_text("Nobody has handled it yet.")
    expect(item.locator("dd", has_text="high")).to_have_count(1)
    row = item.get_by_role("table", name="Notified").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        ["oncall@example.com", "stage", "1", "2026-12-06T03:00:00Z"]
    )
    assert pages.errors == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_mark_handled_records_the_acknowledgement_and_comes_back(
    mock: Any, pages: Any, javascript: bool
) -> None:
    mock.add_user("second@example.com", name="Second")
    older = page_team(mock, "default", "Older")
    newer = page_team(mock, "default", "Newer")
    page = pages.open(f"{mock.url}/pages", javascript=javascript)
    items = page.locator("li.page")
    expect(items.first).to_have_attribute("id", f"page-{newer}")  # newest first
    item = page.locator(f"#page-{older}")
    item.get_by_label("Handled by").select_option("second@example.com")
    item.get_by_role("button", name="Mark handled").click()
    expect(page).to_have_url(re.compile(rf"/pages#page-{older}$"))
    expect(page.locator(f"#page-{older}")).to_contain_text("Handled by second@example.com at ")
    expect(page.locator(f"#page-{newer}")).to_contain_text("Nobody has handled it yet.")
    acks = next(p for p in mock.pages() if p["request_id"] == older)["acknowledgements"]
    assert [a["acknowledged_by_email"] for a in acks] == ["second@example.com"]


def test_the_keyboard_alone_marks_a_page_handled(mock: Any, pages: Any) -> None:
    request_id = page_team(mock, "default", "By keyboard")
    page = pages.open(f"{mock.url}/pages")
    page.wait_for_load_state("load")
    select = page.get_by_label("Handled by")
    for _ in range(60):
        page.keyboard.press("Tab")
        if select.evaluate("e => e === document.activeElement"):
            break
    expect(select).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Mark handled")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/pages#page-{request_id}$"))
    expect(page.locator(f"#page-{request_id}")).to_contain_text("Handled by oncall@example.com at ")


def test_an_undelivered_page_says_why_and_has_no_form(mock: Any, pages: Any) -> None:
    page_team(mock, "no-such-team", "Lost")
    page = pages.open(f"{mock.url}/pages", javascript=False)
    item = page.locator("li.page.error")
    expect(item).to_contain_text("Page not delivered")
    expect(item).to_contain_text("Nobody was notified.")
    expect(item.get_by_role("button", name="Mark handled")).to_have_count(0)


def test_the_teams_view_shows_who_is_on_call_now(mock: Any, pages: Any) -> None:
    mock.add_user("b@example.com", name="Bea")
    mock.add_user("c@example.com")
    mock.add_team(
        "db",
        [["b@example.com"], ["c@example.com"]],
        name="Databases",
        backstop="oncall@example.com",
        escalate_after_s=90,
    )
    page = pages.open(f"{mock.url}/teams", javascript=False)
    nav = page.get_by_role("navigation", name="Console")
    expect(nav.get_by_role("link", name="Teams")).to_have_attribute("aria-current", "page")
    default = page.get_by_role("region", name="default")
    expect(default.locator("dd.oncall")).to_have_text("oncall@example.com")
    expect(default).to_contain_text("300 s")
    db = page.get_by_role("region", name="Databases")
    expect(db.locator("dd.oncall")).to_have_text("b@example.com")
    expect(db.get_by_role("list", name="Stages of Databases").locator("li")).to_have_text(
        ["Stage 1: b@example.com", "Stage 2: c@example.com"]
    )
    expect(db).to_contain_text("90 s")
    users = page.get_by_role("table", name="Users pages can reach")
    expect(users.locator("tbody tr")).to_have_count(3)
    expect(users).to_contain_text("Bea")
