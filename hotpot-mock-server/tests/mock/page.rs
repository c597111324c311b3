//! `GET /`: the HTML Events view, newest first, escaped, with a working retry.

use hotpot_mock_server::MockServer;
use serde_json::json;

use crate::support;
use crate::support::{get, http, post_json, post_moment, post_raw};

#[tokio::test]
async fn lists_events_newest_first_with_flags_details_and_problems() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    post_moment(
        &http,
        &server,
        &json!({"name": "First moment", "type": "alert"}),
    )
    .await;
    post_moment(&http, &server, &json!({"name": "Second one", "typo": 1})).await;
    let page = get(&http, server.url()).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    let html = page.text;
    let first = html.find("First moment").unwrap();
    let second = html.find("Second one").unwrap();
    assert!(second < first, "newest first");
    support::assert_contains_all(
        &html,
        &[
            "<li class=\"event error\" id=\"event-2\">",
            "<li class=\"event success\" id=\"event-1\">",
            "<details>",
            "<h4>Problems</h4>",
            "<code>type</code>: required",
            "<h4>Warnings</h4>",
            "<code>typo</code>",
            "<h4>Payload</h4>",
        ],
    );
    // Retry only on the error event.
    assert_eq!(html.matches("class=\"retry\"").count(), 1);
    assert!(html.contains("action=\"/_mock/events/2/retry\""));
    assert!(
        !html.contains(server.token()),
        "the page shows the token hint only"
    );
}

#[tokio::test]
async fn user_values_are_escaped() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let evil = "<script>alert(1)</script>";
    post_moment(&http, &server, &json!({"name": evil, "type": "alert", "description": "<img src=x onerror=alert(2)>", "<b>": "\"'&"}),
    )
    .await;
    post_raw(
        &http,
        &server.webhook_url(),
        Some("text/html"),
        "<iframe src=javascript:alert(3)>",
    )
    .await;
    server
        .create_webhook(
            hotpot_mock_server::NewWebhook::new("<svg onload=alert(4)>").token("evil-label"),
        )
        .unwrap();
    post_json(
        &http,
        &format!("{}/moment/evil-label/x-1", server.url()),
        &json!({"name": "ok", "type": "page"}),
    )
    .await;

    let html = get(&http, server.url()).await.text;
    for raw in ["<script>alert", "<img", "<iframe", "<svg", "<b>"] {
        assert!(!html.contains(raw), "{raw} must be escaped");
    }
    support::assert_contains_all(
        &html,
        &[
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "&lt;img src=x onerror=alert(2)&gt;",
            "&lt;iframe src=javascript:alert(3)&gt;",
            "&lt;svg onload=alert(4)&gt;",
            "&quot;",
        ],
    );
    // The page's own script is the only one.
    assert_eq!(html.matches("<script>").count(), 1);
}

#[tokio::test]
async fn the_retry_form_posts_to_a_working_route() {
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
        &json!({"name": "Later", "type": "alert", "occurred_at": "2026-01-01T00:01:00Z"}),
    )
    .await;
    let html = get(&http, server.url()).await.text;
    let start = html.find("action=\"").unwrap() + "action=\"".len();
    let action = &html[start..start + html[start..].find('"').unwrap()];
    assert!(html.contains("method=\"post\""));
    assert!(html.contains("fetch(form.action, {method: \"POST\"})"));
    server.advance_clock(std::time::Duration::from_secs(120));
    // What a browser sends for the form: an empty urlencoded body.
    let a = post_raw(
        &http,
        &format!("{}{action}", server.url()),
        Some("application/x-www-form-urlencoded"),
        "",
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json["status"], "success");
    let html = get(&http, server.url()).await.text;
    assert!(html.contains("class=\"event success\""));
    assert!(!html.contains("class=\"retry\""));
}

#[tokio::test]
async fn the_page_is_bounded() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    for i in 0..(hotpot_mock_server::PAGE_EVENTS + 5) {
        post_moment(
            &http,
            &server,
            &json!({"name": format!("n{i}"), "type": "alert"}),
        )
        .await;
    }
    let html = get(&http, server.url()).await.text;
    assert_eq!(
        html.matches("<li class=\"event").count(),
        hotpot_mock_server::PAGE_EVENTS
    );
    assert!(html.contains("showing the newest 200"));
    assert!(html.contains("n204"));
    assert!(!html.contains(">n4<"));
}
