//! Spec §6: every answer to a request on a webhook that has an `expires_at` carries
//! `Sunset: <HTTP-date>` (RFC 8594) with that time, the 410s after it included; a webhook
//! without one sends no `Sunset`.

use chrono::{TimeDelta, TimeZone, Utc};
use hotpot_mock_server::{Fault, MockServer, WebhookPatch};
use serde_json::json;

use crate::support::{self, http, post_moment, post_raw};

const TOKEN: &str = "sunset-token-0123";

async fn server() -> MockServer {
    support::server_with_token(TOKEN).await
}

#[tokio::test]
async fn a_webhook_without_expiry_sends_no_sunset() {
    let server = server().await;
    let a = post_moment(&http(), &server, &json!({"name": "x", "type": "alert"})).await;
    assert_eq!(a.status, 202);
    assert!(a.headers.get("sunset").is_none(), "{:?}", a.headers);
}

#[tokio::test]
async fn every_answer_of_an_expiring_webhook_carries_its_sunset() {
    let server = server().await;
    let http = http();
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    server.set_clock(now);
    let expires = now + TimeDelta::days(3) + TimeDelta::milliseconds(500);
    server
        .update_webhook(TOKEN, WebhookPatch::default().expires_at(Some(expires)))
        .unwrap();
    let want = "Mon, 30 Nov 2026 12:00:00 GMT";

    let queued = post_moment(&http, &server, &json!({"name": "x", "type": "alert"})).await;
    assert_eq!(queued.status, 202);
    assert_eq!(queued.headers["sunset"], want);

    // A refused payload, an integration route and an injected fault: all answers of the webhook.
    let bad = post_raw(&http, &server.webhook_url(), Some("application/json"), "{").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.headers["sunset"], want);
    let integration = post_raw(
        &http,
        &format!("{}/datadog", server.webhook_url()),
        None,
        r#"{"name": "x", "type": "alert"}"#,
    )
    .await;
    assert_eq!(integration.status, 202);
    assert_eq!(integration.headers["sunset"], want);
    server.fail_next(Fault::status(503)).unwrap();
    let fault = post_moment(&http, &server, &json!({"name": "x", "type": "alert"})).await;
    assert_eq!(fault.status, 503);
    assert_eq!(fault.headers["sunset"], want);
    // A wrong method: the router's 405, on both webhook routes.
    for url in [
        server.webhook_url(),
        format!("{}/datadog", server.webhook_url()),
    ] {
        let wrong = support::get(&http, &url).await;
        assert_eq!(wrong.status, 405, "{url}");
        assert_eq!(wrong.headers["sunset"], want, "{url}");
    }

    // Other webhooks are not affected.
    let other = post_raw(
        &http,
        &format!("{}/moment/not-a-known-token", server.url()),
        None,
        "{}",
    )
    .await;
    assert_eq!(other.status, 404);
    assert!(other.headers.get("sunset").is_none());
    let other = support::get(&http, &format!("{}/moment/not-a-known-token", server.url())).await;
    assert_eq!(other.status, 405);
    assert!(other.headers.get("sunset").is_none());

    // Cleared: no more Sunset.
    server
        .update_webhook(TOKEN, WebhookPatch::default().expires_at(None))
        .unwrap();
    let cleared = post_moment(&http, &server, &json!({"name": "x", "type": "alert"})).await;
    assert_eq!(cleared.status, 202);
    assert!(cleared.headers.get("sunset").is_none());
}

#[tokio::test]
async fn the_410_after_expiry_carries_the_sunset_and_says_when() {
    let server = server().await;
    let expired = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    server.set_clock(expired + TimeDelta::hours(1));
    server
        .update_webhook(TOKEN, WebhookPatch::default().expires_at(Some(expired)))
        .unwrap();
    let a = post_moment(&http(), &server, &json!({"name": "x", "type": "alert"})).await;
    assert_eq!(a.status, 410);
    assert_eq!(a.headers["sunset"], "Fri, 02 Jan 2026 03:04:05 GMT");
    let message = a.json["message"].as_str().unwrap();
    assert!(
        message.contains("expired at 2026-01-02T03:04:05Z"),
        "{message}"
    );
    assert!(!a.text.contains(TOKEN));
}
