//! `/_mock/clock` and `/_mock/reset`.

use super::*;

#[tokio::test]
async fn clock_routes() {
    let (_server, http, url) = at_route("clock").await;
    let real = get(&http, &url).await;
    assert_eq!(real.json["frozen"], false);
    let set = post_json(&http, &url, &json!({"now": "2030-01-01T00:00:00+02:00"})).await;
    assert_eq!(
        set.json,
        json!({"now": "2029-12-31T22:00:00Z", "frozen": true})
    );
    let back = post_json(&http, &url, &json!({"advance_ms": -1000})).await;
    assert_eq!(back.json["now"], "2029-12-31T21:59:59Z");
    let reset = delete(&http, &url).await;
    assert_eq!(reset.status, 200);
    assert_eq!(reset.json["frozen"], false);
    let now = chrono::DateTime::parse_from_rfc3339(reset.json["now"].as_str().unwrap()).unwrap();
    assert!((chrono::Utc::now() - now.to_utc()).num_seconds().abs() < 5);
    // A running clock can be moved too: it keeps running, ahead.
    post_json(&http, &url, &json!({"advance_ms": 3_600_000})).await;
    let ahead = get(&http, &url).await;
    assert_eq!(ahead.json["frozen"], false);
    let t = chrono::DateTime::parse_from_rfc3339(ahead.json["now"].as_str().unwrap()).unwrap();
    assert!((t.to_utc() - chrono::Utc::now()).num_minutes() >= 59);

    assert_bad(&post_json(&http, &url, &json!({})).await, "found neither");
    assert_bad(
        &post_json(
            &http,
            &url,
            &json!({"now": "2030-01-01T00:00:00Z", "advance_ms": 1}),
        )
        .await,
        "found both",
    );
    for (body, expected) in [
        (
            json!({"now": "2030-01-01"}),
            "now: expected an ISO 8601 date-time such as",
        ),
        (json!({"now": "10000-01-01T00:00:00Z"}), "now: expected"),
        (
            json!({"advance_ms": 1.5}),
            "advance_ms: expected a whole number",
        ),
        (
            json!({"advance_ms": "1"}),
            "advance_ms: expected a whole number, found a string",
        ),
    ] {
        assert_bad(&post_json(&http, &url, &body).await, expected);
    }
    // Every time form of spec §1: RFC 3339, and the zone-less forms that mean UTC.
    for (given, now) in [
        ("2023-04-01 12:31:26", "2023-04-01T12:31:26Z"),
        ("2023-04-01T12:31:26", "2023-04-01T12:31:26Z"),
        ("2023-04-01 12:31:26.250", "2023-04-01T12:31:26.250Z"),
        ("2023-04-01T12:31:26.250+02:00", "2023-04-01T10:31:26.250Z"),
    ] {
        let set = post_json(&http, &url, &json!({ "now": given })).await;
        assert_eq!(set.status, 200, "{given}: {}", set.text);
        assert_eq!(set.json["now"], now, "{given}");
    }
    // null is no time and no distance, beside the other field or alone (found by Schemathesis).
    for (body, expected) in [
        (
            json!({"advance_ms": 0, "now": null}),
            "now: expected an ISO 8601 date-time, found null",
        ),
        (
            json!({"advance_ms": null}),
            "advance_ms: expected a whole number of milliseconds, found null",
        ),
    ] {
        assert_bad(&post_json(&http, &url, &body).await, expected);
    }
}

#[tokio::test]
async fn reset_forgets_state_and_optionally_webhooks() {
    let server = server().await;
    let http = http();
    let extra = server
        .create_webhook(hotpot_mock_server::NewWebhook::new("extra"))
        .unwrap();
    send(&http, &server.webhook_url(), "a", "alert").await;
    server
        .fail_next(hotpot_mock_server::Fault::status(503))
        .unwrap();
    let url = format!("{}/_mock/reset", server.url());
    let a = post_raw(&http, &url, None, "").await;
    assert_eq!(a.status, 204);
    assert!(server.events().is_empty());
    assert!(server.moments().is_empty());
    let sent = send(&http, &server.webhook_url(), "a", "alert").await;
    assert_eq!(sent.status, 202, "the fault is gone");
    assert_eq!(server.webhooks().len(), 2, "webhooks stay");

    // Ids keep counting after a reset.
    assert_eq!(server.events()[0].id, "2");

    server
        .update_webhook(
            server.token(),
            hotpot_mock_server::WebhookPatch::default().label("renamed"),
        )
        .unwrap();
    let b = post_json(&http, &url, &json!({"webhooks": true})).await;
    assert_eq!(b.status, 204);
    let hooks = server.webhooks();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].label, "default");
    assert_eq!(hooks[0].token, server.token());
    assert_eq!(send(&http, &extra, "a", "alert").await.status, 404);

    // The default webhook comes back even after being deleted.
    server.delete_webhook(server.token()).unwrap();
    post_json(&http, &url, &json!({"webhooks": true})).await;
    let sent = send(&http, &server.webhook_url(), "a", "alert").await;
    assert_eq!(sent.status, 202);

    assert_bad(
        &post_json(&http, &url, &json!({"webhooks": "yes"})).await,
        "webhooks: expected true or false",
    );
}
