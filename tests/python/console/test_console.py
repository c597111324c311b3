"""The mock's console (spec §15) in a real browser: Debian's chromium driven by Playwright.

Every view loads with its own script under its Content-Security-Policy; live updates are
announced without moving the list; filters narrow the list and survive a reload; Retry works
with and without JavaScript; a webhook is created, its URL copied and its expiry set (then
heard as a `Sunset` header); a
rejected request shows its near miss; the keyboard alone reaches every control; axe-core finds
no serious or critical violation on any view (Pages and Teams included), light or dark; behind
a proxy under a path prefix every link, form and redirect stays under it. A failing test
leaves a screenshot of each page it opened in target/console-screenshots/. (Pages and Teams
in detail: test_pages.py.)
"""

from __future__ import annotations

import http.client
import http.server
import os
import re
import threading
import urllib.parse
from typing import Any

import pytest
import requests

try:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
    from playwright.sync_api import expect
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("Playwright is not installed (make venv)", allow_module_level=True)

# Each view's path and its h1.
VIEWS = [
    ("", "Events"),
    ("integrations", "Integrations"),
    ("integrations/ci", "Integration ci"),
    ("webhooks", "Webhooks"),
    ("rejected", "Rejected"),
    ("pages", "Pages"),
    ("teams", "Teams"),
]


def post(url: str, body: Any, **headers: str) -> requests.Response:
    return requests.post(url, json=body, headers=headers, timeout=10)


def page_team(mock: Any, slug: str, title: str, **fields: str) -> str:
    """Pages the team `slug` through the mock's API; the request id."""
    answer = post(
        f"{mock.url}/page/team",
        {"title": title, "text": "details", "recipient": slug, **fields},
        Authorization=f"Bearer {mock.api_key}",
    )
    assert answer.status_code == 202, answer.text
    request_id: str = answer.json()["hotpot_request_id"]
    return request_id


def reject_one_and_page(mock: Any) -> str:
    """A moment to a near miss of the default token (refused 404, listed as rejected), then
    three pages: one to the default team and handled, one urgent, one to an unknown team.
    Returns the near-miss token."""
    wrong = mock.token[:-1] + ("0" if mock.token[-1] != "0" else "1")
    assert post(f"{mock.url}/moment/{wrong}", {"name": "lost", "type": "alert"}).status_code == 404
    handled = page_team(mock, "default", "Rollback failed", source_url="https://ci.example/1")
    mock.acknowledge(handled, "oncall@example.com")
    page_team(mock, "default", "Disk <b>full</b>", urgency="high")
    page_team(mock, "nobody-here", "Lost page")
    return wrong


def seed(mock: Any) -> None:
    """Something on every view: a moment with Markdown, an error, two webhooks, a rejection,
    pages (handled, waiting, not delivered)."""
    description = (
        "Disk **full** on `node-7`. <script>window.pwned = 1</script> "
        "[runbook](https://runbooks.example/disk) [evil](javascript:window.pwned=2)"
    )
    ok = post(
        mock.webhook_url + "/ci",
        {
            "name": "Disk full",
            "type": "alert",
            "priority": "high",
            "source": "node-7",
            "source_url": "https://grafana.example/d/1",
            "description": description,
        },
        **{"User-Agent": "seed/1.0"},
    )
    assert ok.status_code == 202
    assert post(mock.webhook_url, {"name": "broken"}).status_code == 202
    mock.create_webhook("old-ci", "github")
    reject_one_and_page(mock)


def test_every_view_loads_with_its_own_script_and_style(mock: Any, pages: Any) -> None:
    seed(mock)
    for path, title in VIEWS:
        page = pages.open(f"{mock.url}/{path}")
        expect(page.locator("h1")).to_have_text(title)
        expect(page.locator("main")).to_have_count(1)
        # The stylesheet applied (the Content-Security-Policy lets the console's own through).
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.skip')).position")
            == "absolute"
        )
    page = pages.open(f"{mock.url}/")
    expect(page.locator("#live-toggle")).to_be_visible()  # the script ran
    page.locator("li.event", has_text="Disk full").locator("summary").click()
    description = page.locator("li.event", has_text="Disk full").locator(".description")
    expect(description.locator("strong")).to_have_text("full")
    expect(description).to_contain_text("<script>window.pwned = 1</script>")
    expect(description.get_by_role("link", name="runbook")).to_have_attribute(
        "href", "https://runbooks.example/disk"
    )
    expect(description.get_by_role("link")).to_have_count(1)  # the javascript: link is text
    assert page.evaluate("window.pwned") is None
    assert pages.errors == []


def test_a_moment_posted_while_the_page_is_open_is_announced_not_pushed(
    mock: Any, pages: Any
) -> None:
    post(mock.webhook_url, {"name": "Before", "type": "alert"})
    page = pages.open(f"{mock.url}/")
    live = page.locator("#live")
    expect(live).to_have_attribute("data-state", "live")
    post(mock.webhook_url, {"name": "While open", "type": "incident"})
    status = page.get_by_role("status")
    expect(status).to_have_text("1 new event \u2014 show")
    expect(page.locator("li.event")).to_have_count(1)  # the list did not move

    # Paused, an event is not counted; resumed, the next one is.
    toggle = page.get_by_role("button", name="Pause live updates")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(live).to_have_attribute("data-state", "paused")
    post(mock.webhook_url, {"name": "While paused", "type": "alert"})
    mock.wait_for_events(3)
    toggle.click()
    expect(live).to_have_attribute("data-state", "live")
    post(mock.webhook_url, {"name": "After", "type": "alert"})
    expect(live).to_have_attribute("data-newest", "4")
    expect(status).to_have_text("2 new events \u2014 show")

    status.get_by_role("link", name="show").click()
    expect(page.locator("li.event .name")).to_have_text(
        ["After", "While paused", "While open", "Before"]
    )
    assert pages.errors == []


def test_filters_and_search_narrow_the_list_and_survive_a_reload(mock: Any, pages: Any) -> None:
    post(mock.webhook_url, {"name": "Disk full", "type": "alert", "source": "node-7"})
    post(mock.webhook_url, {"name": "broken"})
    ci = mock.create_webhook("ci", "github")
    post(ci + "/deploys", {"name": "Deployed", "type": "page"})
    page = pages.open(f"{mock.url}/")
    names = page.locator("li.event .name")
    expect(names).to_have_text(["Deployed", "broken", "Disk full"])

    page.get_by_label("Status").select_option("error")
    page.get_by_role("button", name="Apply filters").click()
    expect(names).to_have_text(["broken"])
    assert "status=error" in page.url

    page.get_by_label("Status").select_option("")
    page.get_by_label("Search name, source and payload").fill("NODE-7")
    page.get_by_role("button", name="Apply filters").click()
    expect(names).to_have_text(["Disk full"])

    page.get_by_label("Search name, source and payload").fill("")
    page.get_by_label("Webhook (label or token)").fill("ci")
    page.get_by_label("Integration").fill("deploys")
    page.get_by_role("button", name="Apply filters").click()
    expect(names).to_have_text(["Deployed"])

    page.reload()
    expect(names).to_have_text(["Deployed"])
    expect(page.get_by_label("Webhook (label or token)")).to_have_value("ci")
    expect(page.get_by_label("Integration")).to_have_value("deploys")
    page.get_by_role("link", name="Clear filters").click()
    expect(names).to_have_count(3)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_an_errored_event_is_retried_from_the_page(mock: Any, pages: Any, javascript: bool) -> None:
    mock.set_clock("2026-01-01T00:00:00Z")
    post(
        mock.webhook_url, {"name": "Later", "type": "alert", "occurred_at": "2026-01-01T00:10:00Z"}
    )
    assert mock.events()[0]["status"] == "error"
    page = pages.open(f"{mock.url}/?q=later", javascript=javascript)
    expect(page.locator("li.event.error")).to_have_count(1)
    mock.advance_clock(1200)
    page.get_by_role("button", name="Retry event 1").click()
    expect(page).to_have_url(re.compile(r"/\?q=later#event-1$"))
    expect(page.locator("li.event.success")).to_have_count(1)
    expect(page.get_by_role("button", name="Retry event 1")).to_have_count(0)
    assert mock.events()[0]["status"] == "success"


def test_a_webhook_is_created_its_url_copied_and_its_expiry_set(mock: Any, pages: Any) -> None:
    page = pages.open(f"{mock.url}/webhooks", permissions=["clipboard-read", "clipboard-write"])
    page.get_by_label("Label").fill("ci")
    page.get_by_label("Type").select_option("github")
    page.get_by_role("button", name="Create webhook").click()
    notice = page.locator(".notice")
    expect(notice).to_have_text("Created webhook ci.")
    hook = next(h for h in mock.webhooks() if h["label"] == "ci")
    assert hook["type"] == "github"

    copy = page.get_by_role("button", name="Copy the URL of webhook ci")
    assert copy.get_attribute("data-copy") == hook["url"]
    copy.click()
    expect(notice).to_have_text("Copied the URL of webhook ci.")
    assert page.evaluate("navigator.clipboard.readText()") == hook["url"]

    page.get_by_label("New expiry of ci (UTC)").fill("2030-01-02T03:04:05")
    card = page.locator("li.hook", has=page.get_by_role("heading", name="ci", exact=True))
    card.get_by_role("button", name="Set expiry").click()
    expect(notice).to_have_text("Changed the expiry of webhook ci.")
    hook = next(h for h in mock.webhooks() if h["label"] == "ci")
    assert hook["expires_at"] == "2030-01-02T03:04:05Z"

    # The old URL's senders: who still uses it.
    sent = post(
        hook["url"],
        {"name": "from ci", "type": "page", "source": "ci-runner"},
        **{"User-Agent": "ci-runner/7"},
    )
    assert sent.status_code == 202
    # The expiry set from the console is what the senders now hear (spec §6).
    assert sent.headers["Sunset"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    page.reload()
    card = page.locator("li.hook", has=page.get_by_role("heading", name="ci", exact=True))
    expect(card.locator("table.senders tbody tr")).to_have_text(
        [re.compile(r"ci-runner\s*ci-runner/7\s*127\.0\.0\.1")]
    )

    card.get_by_role("button", name="Clear expiry").click()
    expect(notice).to_have_text("Changed the expiry of webhook ci.")
    assert next(h for h in mock.webhooks() if h["label"] == "ci")["expires_at"] is None
    page.get_by_role("button", name="Delete webhook ci").click()
    expect(notice).to_have_text("Deleted webhook ci.")
    assert all(h["label"] != "ci" for h in mock.webhooks())


def test_a_rejected_request_shows_its_near_miss(mock: Any, pages: Any) -> None:
    page = pages.open(f"{mock.url}/rejected")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    wrong = reject_one_and_page(mock)
    status = page.get_by_role("status")
    expect(status).to_have_text("1 new rejected request \u2014 show")
    status.get_by_role("link", name="show").click()
    item = page.locator("li.rejected")
    expect(item).to_have_count(1)
    expect(item.locator(".near")).to_contain_text("Near miss: webhook default")
    expect(item).not_to_contain_text(wrong)


FOCUSABLE = """() => {
  const all = Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary'));
  const shown = all.filter(
    e => !e.hidden && e.getClientRects().length > 0 && !e.closest('[hidden]'));
  shown.forEach((e, i) => e.setAttribute('data-kb', String(i)));
  return shown.length;
}"""


def test_the_keyboard_alone_reaches_every_control(mock: Any, pages: Any) -> None:
    seed(mock)
    for path, _ in VIEWS:
        page = pages.open(f"{mock.url}/{path}")
        expect(page.locator("h1")).to_be_visible()
        page.wait_for_load_state("load")
        if page.locator("summary").count():
            summary = page.locator("summary").first
            summary.focus()
            page.keyboard.press("Enter")
            expect(page.locator("details").first).to_have_attribute("open", "")
        # Every control, those inside each <details> too (Enter on its summary opens it).
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        count = page.evaluate(FOCUSABLE)
        assert count > 3, path
        reached: set[str] = set()
        for _ in range(count * 2 + 10):
            page.keyboard.press("Tab")
            kb = page.evaluate(
                "document.activeElement && document.activeElement.getAttribute('data-kb')"
            )
            if kb is not None:
                reached.add(kb)
            if len(reached) == count:
                break
        missed = page.evaluate(
            "(reached) => Array.from(document.querySelectorAll('[data-kb]'))"
            ".filter(e => !reached.includes(e.getAttribute('data-kb'))).map(e => e.outerHTML)",
            sorted(reached),
        )
        assert missed == [], f"/{path}: Tab never reaches {missed}"


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_no_serious_violation_on_any_view(mock: Any, pages: Any, dark: bool) -> None:
    seed(mock)
    axe = Axe()
    for path, _ in VIEWS:
        page = pages.open(f"{mock.url}/{path}", dark=dark)
        expect(page.locator("h1")).to_be_visible()
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is dark
        # Open every <details>, so that what they hold is checked too.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        violations = axe.run(page).response["violations"]
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], f"/{path} ({'dark' if dark else 'light'}): " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['html'] for n in v['nodes']][:3]}" for v in serious
        )


class PrefixProxy:
    """A reverse proxy serving the mock under /hotpot/ on its own port (as nginx would), which
    passes redirects on as they are; the stream is not proxied (404), so the console's script
    keeps retrying it, as it would behind a proxy that does not pass it."""

    PREFIX = "/hotpot/"

    def __init__(self, upstream: str) -> None:
        target = urllib.parse.urlsplit(upstream)
        proxy = self
        self.seen: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.forward()

            def do_POST(self) -> None:
                self.forward()

            def forward(self) -> None:
                proxy.seen.append(self.path)
                rest = self.path[len(PrefixProxy.PREFIX) :]
                if not self.path.startswith(PrefixProxy.PREFIX) or rest.startswith("_mock/stream"):
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request(self.command, "/" + rest, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.PREFIX}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_console_works_under_a_path_prefix(mock: Any, pages: Any) -> None:
    """Behind a proxy at /hotpot/: every link, form and redirect stays under the prefix."""
    seed(mock)
    proxy = PrefixProxy(mock.url)
    try:
        page = pages.open(proxy.url)

        def nav(name: str) -> Any:
            return page.get_by_role("navigation", name="Console").get_by_role("link", name=name)

        expect(page.locator("h1")).to_have_text("Events")
        nav("Integrations").click()
        page.get_by_role("link", name="ci", exact=True).click()
        expect(page.locator("h1")).to_have_text("Integration ci")
        nav("Webhooks").click()
        page.get_by_label("Label").fill("behind-proxy")
        page.get_by_role("button", name="Create webhook").click()
        expect(page.locator(".notice")).to_have_text("Created webhook behind-proxy.")
        assert page.url == proxy.url + "webhooks?created=behind-proxy"
        nav("Events").click()
        page.get_by_role("button", name="Retry event 2").click()
        expect(page).to_have_url(proxy.url + "#event-2")
        nav("Rejected").click()
        expect(page.locator("li.rejected")).to_have_count(1)
        nav("Pages").click()
        waiting = page.locator("li.page", has_text="Disk <b>full</b>")
        waiting.get_by_role("button", name="Mark handled").click()
        expect(page).to_have_url(re.compile(re.escape(proxy.url) + r"pages#page-[0-9a-f-]+$"))
        expect(waiting).to_contain_text("Handled by oncall@example.com at ")
        nav("Teams").click()
        expect(page.locator("h1")).to_have_text("Teams")
        outside = [p for p in proxy.seen if not p.startswith(PrefixProxy.PREFIX)]
        assert outside == [], f"requests outside the prefix: {outside}"
    finally:
        proxy.close()
