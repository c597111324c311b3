//! The console (spec §15) over real HTTP: the views' HTML, escaping and Markdown safety,
//! pages of 50, filters, and the forms (Retry, create, expiry, delete) with their `303`s.
//! (The same views in a real browser: tests/python/test_console.py.)

use hotpot_mock_server::{EventStatus, MockServer, NewWebhook, PAGE_EVENTS};
use serde_json::json;

use crate::support;
use crate::support::{Answer, answer, get, http, post_json, post_moment, post_raw};

/// A client that does not follow redirects, to see the forms' `303`s.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

pub(crate) async fn post_form(url: &str, form: &[(&str, &str)]) -> Answer {
    answer(
        no_redirects()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            )
            .send()
            .await
            .expect("a response"),
    )
    .await
}

/// The `<li>` ids of the events a page lists, in order.
fn listed(html: &str) -> Vec<u64> {
    html.match_indices("<li class=\"event ")
        .map(|(at, _)| {
            let rest = &html[at..];
            let start = rest.find("id=\"event-").unwrap() + "id=\"event-".len();
            let end = start + rest[start..].find('"').unwrap();
            rest[start..end].parse().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn the_events_view_is_one_accessible_page_with_a_strict_policy() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    post_moment(&http, &server, &json!({"name": "First", "type": "alert", "priority": "high", "source": "prometheus", "source_url": "https://prom.example/graph"})).await;
    post_moment(&http, &server, &json!({"name": "Second", "typo": 1})).await;
    let page = get(&http, server.url()).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = page.text;
    assert_eq!(html.matches("<main").count(), 1);
    assert_eq!(listed(&html), [2, 1], "newest first");
    // The only script is the console's own file, by a relative URL; no inline script or style.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script src=\"./_mock/console.js\" defer></script>"));
    assert!(!html.contains("<style") && !html.contains(" style=") && !html.contains(" onclick"));
    assert!(!html.contains("href=\"/"), "links are relative");
    support::assert_contains_all(
        &html,
        &[
            "<h1>Events</h1>",
            "<span class=\"badge\">alert</span>",
            "<span class=\"priority\">high priority</span>",
            "<a href=\"https://prom.example/graph\" rel=\"nofollow noopener noreferrer\">prometheus</a>",
            "<h3>Problems</h3>",
            "<code>type</code>: required",
            "<h3>Warnings</h3>",
            "<code>typo</code>",
            "aria-live=\"polite\"",
        ],
    );
    assert_eq!(
        html.matches("class=\"retry\"").count(),
        1,
        "Retry only on the error"
    );
    assert!(
        !html.contains(server.token()),
        "the events view shows the hint only"
    );
    let js = get(&http, &format!("{}/_mock/console.js", server.url())).await;
    assert_eq!(js.headers["content-type"], "text/javascript; charset=utf-8");
    assert!(js.text.contains("EventSource"));
    let css = get(&http, &format!("{}/_mock/console.css", server.url())).await;
    assert!(css.text.contains("prefers-color-scheme: dark"));
}

#[tokio::test]
async fn user_values_are_escaped_and_descriptions_made_safe() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let description = "Look: <script>alert(1)</script> [click](javascript:alert(2)) \
                       [runbook](https://runbooks.example/disk) <img src=x onerror=alert(3)>";
    post_moment(
        &http,
        &server,
        &json!({"name": "<b>bold</b>", "type": "alert", "description": description,
                "source": "<i>src</i>", "source_url": "https://src.example/?a=1&b=2"}),
    )
    .await;
    post_raw(
        &http,
        &server.webhook_url(),
        Some("text/html"),
        "<iframe src=x>",
    )
    .await;
    server
        .create_webhook(NewWebhook::new("<svg onload=alert(5)>").token("evil-label"))
        .unwrap();
    post_json(
        &http,
        &format!("{}/moment/evil-label/x-1", server.url()),
        &json!({"name": "ok", "type": "page"}),
    )
    .await;
    let html = get(&http, server.url()).await.text;
    for raw in [
        "<script>alert",
        "<img",
        "<iframe",
        "<svg",
        "<b>",
        "<i>",
        "javascript:alert(2)\"",
    ] {
        assert!(!html.contains(raw), "{raw} must not reach the page as HTML");
    }
    assert!(!html.contains("href=\"javascript"), "no javascript: link");
    support::assert_contains_all(
        &html,
        &[
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "&lt;img src=x onerror=alert(3)&gt;",
            "<a href=\"https://runbooks.example/disk\" rel=\"nofollow noopener noreferrer\">runbook</a>",
            "&lt;iframe src=x&gt;",
            "&lt;svg onload=alert(5)&gt;",
            "&lt;b&gt;bold&lt;/b&gt;",
            "<dt>Source</dt><dd><a href=\"https://src.example/?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer\">&lt;i&gt;src&lt;/i&gt;</a></dd>",
        ],
    );
}

#[tokio::test]
async fn pages_of_fifty_go_back_in_time_and_stay_put_while_events_arrive() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let total = 2 * PAGE_EVENTS as u64 + 20;
    for i in 1..=total {
        post_moment(
            &http,
            &server,
            &json!({"name": format!("n{i}"), "type": "alert"}),
        )
        .await;
    }
    let first = get(&http, server.url()).await.text;
    let ids = listed(&first);
    assert_eq!(ids.len(), PAGE_EVENTS);
    assert_eq!(ids[0], total);
    let oldest = ids[PAGE_EVENTS - 1];
    let older = format!("?before={oldest}");
    assert!(first.contains(&format!("href=\"{older}\" rel=\"next\">Older events</a>")));
    // A new event does not shift the second page.
    post_moment(&http, &server, &json!({"name": "late", "type": "alert"})).await;
    let second = get(&http, &format!("{}/{older}", server.url())).await.text;
    let ids = listed(&second);
    assert_eq!(ids.first(), Some(&(oldest - 1)));
    assert_eq!(ids.len(), PAGE_EVENTS);
    assert!(second.contains(">Newest events</a>"));
    let third = format!("?before={}", ids[PAGE_EVENTS - 1]);
    let third = get(&http, &format!("{}/{third}", server.url())).await.text;
    assert_eq!(listed(&third), (1..=20).rev().collect::<Vec<u64>>());
    assert!(!third.contains("Older events</a>"), "nothing older");
}

#[tokio::test]
async fn filters_are_query_parameters_and_narrow_the_list() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let ci_url = server
        .create_webhook(NewWebhook::new("ci").token("ci-token-1"))
        .unwrap();
    post_moment(
        &http,
        &server,
        &json!({"name": "Disk full", "type": "alert", "source": "node-7"}),
    )
    .await; // 1
    post_moment(&http, &server, &json!({"name": "broken"})).await; // 2: error
    post_json(
        &http,
        &format!("{}/grafana", ci_url),
        &json!({"name": "Deploy", "type": "page"}),
    )
    .await; // 3
    post_json(
        &http,
        &format!("{}/linear", ci_url),
        &json!({"name": "Ticket", "type": "incident"}),
    )
    .await; // 4
    let view = |query: &str| {
        let http = http.clone();
        let url = format!("{}/{query}", server.url());
        async move { listed(&get(&http, &url).await.text) }
    };
    assert_eq!(view("").await, [4, 3, 2, 1]);
    assert_eq!(view("?webhook=ci").await, [4, 3], "by label");
    assert_eq!(view("?webhook=ci-token-1").await, [4, 3], "by token");
    assert_eq!(
        view(&format!("?webhook={}", ci_url)).await,
        [4, 3],
        "by URL"
    );
    assert_eq!(view("?webhook=default&status=error").await, [2]);
    assert_eq!(view("?integration=grafana").await, [3]);
    assert_eq!(view("?q=NODE-7").await, [1], "in the source, any case");
    assert_eq!(view("?q=ticket").await, [4], "in the name");
    assert_eq!(
        view("?q=&status=&webhook=").await,
        [4, 3, 2, 1],
        "empty means any"
    );
    assert_eq!(view("integrations/linear").await, [4]);
    assert_eq!(
        view("integrations/linear?q=nothing").await,
        Vec::<u64>::new()
    );
    // The form shows the filters it was given, and the page says it is one view.
    let html = get(&http, &format!("{}/?status=error&q=a%22b", server.url()))
        .await
        .text;
    assert!(html.contains("<option value=\"error\" selected>error</option>"));
    assert!(html.contains("name=\"q\" value=\"a&quot;b\""));
    // A filter that cannot mean anything says so.
    let bad = get(&http, &format!("{}/?status=maybe", server.url())).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.text
            .contains("status: expected success or error, found")
    );
    let integrations = get(&http, &format!("{}/integrations", server.url()))
        .await
        .text;
    assert!(integrations.contains("<a href=\"integrations/grafana\">grafana</a>"));
    let one = get(&http, &format!("{}/integrations/grafana", server.url()))
        .await
        .text;
    assert!(one.contains("<link rel=\"stylesheet\" href=\"../_mock/console.css\">"));
    assert!(!one.contains("ci-token-1"));
}

#[tokio::test]
async fn retry_posts_a_form_and_comes_back_to_the_view() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    server.set_clock(
        chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc(),
    );
    post_moment(
        &http,
        &server,
        &json!({"name": "Later", "type": "alert", "occurred_at": "2026-01-01T00:10:00Z"}),
    )
    .await;
    assert_eq!(server.events()[0].status, EventStatus::Error);
    let html = get(&http, &format!("{}/?status=error", server.url()))
        .await
        .text;
    support::assert_contains_all(
        &html,
        &[
            "<form class=\"retry\" method=\"post\" action=\"./events/retry\">",
            "<input type=\"hidden\" name=\"id\" value=\"1\">",
            "<input type=\"hidden\" name=\"back\" value=\"?status=error\">",
        ],
    );
    server.advance_clock(std::time::Duration::from_secs(1200));
    let url = format!("{}/events/retry", server.url());
    let a = post_form(&url, &[("id", "1"), ("back", "?status=error")]).await;
    assert_eq!(a.status, 303);
    assert_eq!(a.headers["location"], "../?status=error#event-1");
    assert_eq!(server.events()[0].status, EventStatus::Success);
    // Again: the event no longer needs it, and the page says why.
    let again = post_form(&url, &[("id", "1"), ("back", "")]).await;
    assert_eq!(again.status, 409);
    assert!(again.text.contains("expected an error event"));
    // A `back` that leaves the console is not followed.
    post_moment(&http, &server, &json!({"name": "x"})).await;
    let away = post_form(&url, &[("id", "2"), ("back", "//evil.example/")]).await;
    assert_eq!(away.headers["location"], "../#event-2");
}

#[tokio::test]
async fn webhooks_are_created_rotated_and_deleted_with_forms() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let base = server.url();
    let created = post_form(
        &format!("{base}/webhooks"),
        &[("label", "ci <1>"), ("type", "github")],
    )
    .await;
    assert_eq!(created.status, 303);
    assert_eq!(created.headers["location"], "webhooks?created=ci+%3C1%3E");
    let hook = server
        .webhooks()
        .into_iter()
        .find(|w| w.label == "ci <1>")
        .unwrap();
    assert_eq!(hook.kind, "github");
    post_json(
        &http,
        &hook.url,
        &json!({"name": "from ci", "type": "page"}),
    )
    .await;

    let html = get(&http, &format!("{base}/webhooks?created=ci+%3C1%3E"))
        .await
        .text;
    support::assert_contains_all(
        &html,
        &[
            "Created webhook ci &lt;1&gt;.",
            // The copy button holds the full URL; the column shows the hint.
            &format!("data-copy=\"{}\"", hook.url),
            &format!(
                "<code>{}</code>",
                hotpot_protocol::redact_token(&hook.token)
            ),
            "<dt>Events</dt><dd>1</dd>",
            "<a href=\"./?webhook=ci+%3C1%3E#event-1\">#1</a>",
            "<option value=\"github\">github</option>",
        ],
    );

    let expiry = format!("{base}/webhooks/expiry");
    let set = post_form(
        &expiry,
        &[
            ("token", &hook.token),
            ("expires_at", "2030-01-02T03:04"),
            ("action", "set"),
        ],
    )
    .await;
    assert_eq!(set.status, 303);
    assert_eq!(set.headers["location"], "../webhooks?updated=ci+%3C1%3E");
    let at = server
        .webhooks()
        .into_iter()
        .find(|w| w.token == hook.token)
        .unwrap()
        .expires_at;
    assert_eq!(at.unwrap().to_rfc3339(), "2030-01-02T03:04:00+00:00");
    let html = get(&http, &format!("{base}/webhooks")).await.text;
    assert!(
        html.contains("value=\"2030-01-02T03:04:00\""),
        "the form shows the expiry"
    );
    let cleared = post_form(&expiry, &[("token", &hook.token), ("action", "clear")]).await;
    assert_eq!(cleared.status, 303);
    assert!(server.webhooks().iter().all(|w| w.expires_at.is_none()));
    let bad = post_form(
        &expiry,
        &[
            ("token", &hook.token),
            ("expires_at", "soon"),
            ("action", "set"),
        ],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.text
            .contains("expires_at: expected a date and time in UTC")
    );

    let refused = post_form(
        &format!("{base}/webhooks"),
        &[("label", "  "), ("type", "custom")],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(refused.text.contains("label: expected 1 to 200 characters"));

    let deleted = post_form(
        &format!("{base}/webhooks/delete"),
        &[("token", &hook.token)],
    )
    .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(
        deleted.headers["location"],
        "../webhooks?deleted=ci+%3C1%3E"
    );
    assert!(server.webhooks().iter().all(|w| w.token != hook.token));
    let gone = post_form(
        &format!("{base}/webhooks/delete"),
        &[("token", &hook.token)],
    )
    .await;
    assert_eq!(gone.status, 404);
    assert!(
        !gone.text.contains(&hook.token),
        "the token stays secret in errors"
    );
}

#[tokio::test]
async fn events_show_headers_webhooks_their_senders_and_rejected_requests_their_near_miss() {
    let server = support::server_with_token("ci-token-abcdef").await;
    let http = http();
    let sent = http
        .post(server.webhook_url())
        .header("user-agent", "deploy-bot/<2>")
        .header("idempotency-key", "key-1")
        .json(&json!({"name": "Deployed", "type": "page", "source": "deploy <job>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    let events = get(&http, server.url()).await.text;
    support::assert_contains_all(
        &events,
        &[
            "<h3>Headers</h3>",
            "<dt>User-Agent</dt><dd>deploy-bot/&lt;2&gt;</dd>",
            "<dt>Idempotency-Key</dt><dd>key-1</dd>",
            "<dt>Client address</dt><dd>127.0.0.1</dd>",
        ],
    );
    let hooks = get(&http, &format!("{}/webhooks", server.url())).await.text;
    support::assert_contains_all(
        &hooks,
        &[
            "<h4>Senders</h4>",
            "<caption>Who sent to webhook default, most recent first</caption>",
            "<td>deploy &lt;job&gt;</td><td>deploy-bot/&lt;2&gt;</td><td>127.0.0.1</td>",
        ],
    );
    // One character off the live token.
    let miss = post_json(
        &http,
        &format!("{}/moment/ci-token-abcdeg", server.url()),
        &json!({"name": "lost", "type": "alert"}),
    )
    .await;
    assert_eq!(miss.status, 404);
    let rejected = get(&http, &format!("{}/rejected", server.url())).await.text;
    support::assert_contains_all(
        &rejected,
        &[
            "<h1>Rejected</h1>",
            "<span class=\"flag\">404</span>",
            "Near miss: webhook <strong>default</strong> (ci-t…)",
            "&quot;lost&quot;",
        ],
    );
    assert!(
        !rejected.contains("ci-token-abcdeg"),
        "paths show the hint only"
    );
    assert!(!rejected.contains("ci-token-abcdef"));
}

#[tokio::test]
async fn older_pages_find_their_place_after_the_cap_dropped_events() {
    let server = MockServer::builder().max_events(60).start().await.unwrap();
    let http = http();
    for i in 1..=100 {
        post_moment(
            &http,
            &server,
            &json!({"name": format!("n{i}"), "type": "alert"}),
        )
        .await;
    }
    let page = |query: &'static str| {
        let http = http.clone();
        let url = format!("{}/{query}", server.url());
        async move { listed(&get(&http, &url).await.text) }
    };
    assert_eq!(
        page("?before=45").await,
        [44, 43, 42, 41],
        "41 is the oldest kept"
    );
    assert_eq!(page("?before=10").await, Vec::<u64>::new());
    assert_eq!(page("?before=1000").await.first(), Some(&100));
    assert_eq!(
        page("?before=92&q=n9").await,
        [91, 90],
        "n9 itself was dropped"
    );
    let html = get(&http, server.url()).await.text;
    assert!(html.contains("60 events kept, 40 dropped by the cap."));
}
