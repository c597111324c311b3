//! The admin API of contract §7 over real HTTP: health, webhooks, events and moments with their
//! filters and long-poll, retry, reset, the clock, the event cap, and bad input.

use std::time::{Duration, Instant};

use hotpot_mock_server::{MockServer, OPENAPI_JSON};
use serde_json::{Value, json};

use crate::support;
use crate::support::{Answer, delete, get, http, patch_json, post_json, post_raw};

async fn server() -> MockServer {
    MockServer::builder()
        .token("default-token-123")
        .start()
        .await
        .unwrap()
}

async fn send(http: &reqwest::Client, url: &str, name: &str, kind: &str) -> Answer {
    post_json(http, url, &json!({"name": name, "type": kind})).await
}

fn assert_bad(a: &Answer, expected: &str) {
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.json["error"], "Bad Request");
    let message = a.json["message"].as_str().unwrap();
    assert!(
        message.contains(expected),
        "{message:?} should contain {expected:?}"
    );
}

#[tokio::test]
async fn health_openapi_and_unknown_routes() {
    let server = server().await;
    let http = http();
    let a = get(&http, &format!("{}/_mock/health", server.url())).await;
    assert_eq!((a.status, a.json), (200, json!({"status": "ok"})));
    let spec = get(&http, &format!("{}/_mock/openapi.json", server.url())).await;
    assert_eq!(spec.status, 200);
    let mut committed = serde_json::from_str::<Value>(OPENAPI_JSON).unwrap();
    committed["servers"] = json!([{"url": server.url(), "description": "this mock server"}]);
    assert_eq!(spec.json, committed);
    assert_eq!(spec.json["openapi"], "3.0.3");
    let nope = get(&http, &format!("{}/nope", server.url())).await;
    assert_eq!(
        (nope.status, nope.json),
        (404, json!({"error": "Not Found"}))
    );
    let wrong = post_raw(&http, &format!("{}/_mock/health", server.url()), None, "").await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.json, json!({"error": "Method Not Allowed"}));
    assert_eq!(wrong.headers["allow"], "GET,HEAD");
}

#[tokio::test]
async fn webhooks_crud() {
    let server = server().await;
    let http = http();
    let base = format!("{}/_mock/webhooks", server.url());

    let list = get(&http, &base).await;
    assert_eq!(list.status, 200);
    let hooks = list.json["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["label"], "default");
    assert_eq!(hooks[0]["type"], "custom");
    assert_eq!(hooks[0]["token"], "default-token-123");
    assert_eq!(hooks[0]["url"], server.webhook_url());
    assert_eq!(hooks[0]["expires_at"], Value::Null);

    let created = post_json(
        &http,
        &base,
        &json!({"label": "Datadog", "type": "datadog", "expires_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let token = created.json["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    assert_eq!(
        created.json["url"],
        format!("{}/moment/{token}", server.url())
    );
    assert_eq!(created.json["label"], "Datadog");
    assert_eq!(created.json["type"], "datadog");
    assert_eq!(created.json["expires_at"], "2099-01-01T00:00:00Z");
    assert!(created.json["created_at"].as_str().unwrap().ends_with('Z'));
    let keys: Vec<&String> = created.json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["created_at", "expires_at", "label", "token", "type", "url"]
    );

    // A chosen token, then the same token again.
    let chosen = post_json(
        &http,
        &base,
        &json!({"label": "mine", "token": "my_token-1"}),
    )
    .await;
    assert_eq!(chosen.status, 201);
    assert_eq!(chosen.json["type"], "custom");
    let again = post_json(
        &http,
        &base,
        &json!({"label": "mine", "token": "my_token-1"}),
    )
    .await;
    assert_eq!(again.status, 409);
    assert!(!again.text.contains("my_token-1"), "{}", again.text);

    // Moments through the new webhook.
    assert_eq!(
        send(&http, created.json["url"].as_str().unwrap(), "x", "alert")
            .await
            .status,
        202
    );
    assert_eq!(server.events()[0].webhook_label, "Datadog");

    let one = get(&http, &format!("{base}/{token}")).await;
    assert_eq!(one.json, created.json);

    let patched = patch_json(
        &http,
        &format!("{base}/{token}"),
        &json!({"label": "DD", "expires_at": null}),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["label"], "DD");
    assert_eq!(patched.json["expires_at"], Value::Null);
    // Old events keep the label they arrived with.
    assert_eq!(server.events()[0].webhook_label, "Datadog");

    assert_eq!(
        get(&http, &base).await.json["webhooks"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let deleted = delete(&http, &format!("{base}/{token}")).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.text, "");
    assert_eq!(
        send(&http, created.json["url"].as_str().unwrap(), "x", "alert")
            .await
            .status,
        404
    );
    let gone = delete(&http, &format!("{base}/{token}")).await;
    assert_eq!(gone.status, 404);
    assert!(
        gone.json["message"]
            .as_str()
            .unwrap()
            .contains("no webhook")
    );
    assert!(!gone.text.contains(&token));
    assert_eq!(
        patch_json(&http, &format!("{base}/{token}"), &json!({"label": "x"}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn webhook_input_is_checked() {
    let server = server().await;
    let http = http();
    let base = format!("{}/_mock/webhooks", server.url());
    assert_bad(
        &post_json(&http, &base, &json!({})).await,
        "label: required",
    );
    assert_bad(
        &post_json(&http, &base, &json!({"label": 5})).await,
        "label: expected a string, found a number (5)",
    );
    assert_bad(
        &post_json(&http, &base, &json!({"label": "  "})).await,
        "label: expected 1 to 200 characters",
    );
    assert_bad(
        &post_json(&http, &base, &json!({"label": "x", "type": "Data Dog"})).await,
        "type: expected a slug",
    );
    assert_bad(
        &post_json(&http, &base, &json!({"label": "x", "token": "a/b"})).await,
        "token: expected only",
    );
    assert_bad(
        &post_json(
            &http,
            &base,
            &json!({"label": "x", "expires_at": "tomorrow"}),
        )
        .await,
        "expires_at: expected an RFC 3339",
    );
    assert_bad(
        &post_json(&http, &base, &json!({"label": "x", "lable": "y"})).await,
        "lable: unknown field",
    );
    assert_bad(&post_raw(&http, &base, None, "{").await, "not JSON");
    assert_bad(
        &post_raw(&http, &base, None, "[]").await,
        "expected a JSON object, found an array",
    );
    let hook = format!("{base}/default-token-123");
    assert_bad(
        &patch_json(&http, &hook, &json!({})).await,
        "at least one of label, expires_at",
    );
    assert_bad(
        &patch_json(&http, &hook, &json!({"label": null})).await,
        "label: expected a string",
    );
    assert_bad(
        &patch_json(&http, &hook, &json!({"token": "x"})).await,
        "token: unknown field",
    );
    assert_eq!(server.webhooks().len(), 1);
}

#[tokio::test]
async fn rotation_old_token_works_until_expiry_then_410() {
    let server = server().await;
    let http = http();
    let t0 = "2026-11-27T12:00:00Z";
    let clock = post_json(
        &http,
        &format!("{}/_mock/clock", server.url()),
        &json!({"now": t0}),
    )
    .await;
    assert_eq!(clock.json, json!({"now": t0, "frozen": true}));
    // Rotate: the old webhook expires in 10 minutes, a new one takes over.
    let old = format!("{}/_mock/webhooks/default-token-123", server.url());
    patch_json(&http, &old, &json!({"expires_at": "2026-11-27T12:10:00Z"})).await;
    let new = post_json(
        &http,
        &format!("{}/_mock/webhooks", server.url()),
        &json!({"label": "default (rotated)"}),
    )
    .await;
    let new_url = new.json["url"].as_str().unwrap();

    assert_eq!(
        send(&http, &server.webhook_url(), "old", "alert")
            .await
            .status,
        202
    );
    let advance = post_json(
        &http,
        &format!("{}/_mock/clock", server.url()),
        &json!({"advance_ms": 599_999}),
    )
    .await;
    assert_eq!(advance.json["now"], "2026-11-27T12:09:59.999Z");
    assert_eq!(
        send(&http, &server.webhook_url(), "old", "alert")
            .await
            .status,
        202
    );
    post_json(
        &http,
        &format!("{}/_mock/clock", server.url()),
        &json!({"advance_ms": 1}),
    )
    .await;
    let gone = send(&http, &server.webhook_url(), "old", "alert").await;
    assert_eq!(gone.status, 410);
    assert_eq!(gone.json["error"], "Gone");
    assert_eq!(send(&http, new_url, "new", "alert").await.status, 202);
    assert_eq!(server.moments().len(), 3);
}

#[tokio::test]
async fn clock_routes() {
    let server = server().await;
    let http = http();
    let url = format!("{}/_mock/clock", server.url());
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
    assert_bad(
        &post_json(&http, &url, &json!({"now": "2030-01-01"})).await,
        "now: expected an ISO 8601 date-time such as",
    );
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
    assert_bad(
        &post_json(&http, &url, &json!({"now": "10000-01-01T00:00:00Z"})).await,
        "now: expected",
    );
    assert_bad(
        &post_json(&http, &url, &json!({"advance_ms": 1.5})).await,
        "advance_ms: expected a whole number",
    );
    assert_bad(
        &post_json(&http, &url, &json!({"advance_ms": "1"})).await,
        "advance_ms: expected a whole number, found a string",
    );
    // null is no time and no distance, beside the other field or alone (found by Schemathesis).
    assert_bad(
        &post_json(&http, &url, &json!({"advance_ms": 0, "now": null})).await,
        "now: expected an ISO 8601 date-time, found null",
    );
    assert_bad(
        &post_json(&http, &url, &json!({"advance_ms": null})).await,
        "advance_ms: expected a whole number of milliseconds, found null",
    );
}

#[tokio::test]
async fn events_and_moments_with_filters() {
    let server = server().await;
    let http = http();
    let other = server
        .create_webhook(hotpot_mock_server::NewWebhook::new("other").token("other-token-456"))
        .unwrap();
    send(&http, &server.webhook_url(), "one", "alert").await;
    send(&http, &server.webhook_url(), "bad", "outage").await;
    send(&http, &other, "two", "page").await;
    send(&http, &other, "bad", "oops").await;

    let events = |query: &'static str| {
        let http = http.clone();
        let url = format!("{}/_mock/events{query}", server.url());
        async move { get(&http, &url).await }
    };
    let all = events("").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.json["dropped"], 0);
    let list = all.json["events"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    let ids: Vec<&str> = list.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4"], "oldest first");
    let keys: Vec<&String> = list[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "errors",
            "id",
            "integration",
            "moment_id",
            "payload",
            "raw_body",
            "received_at",
            "request_id",
            "status",
            "token_hint",
            "warnings",
            "webhook_label"
        ]
    );
    // The HTTP shape is the library's Event, serialised.
    assert_eq!(list[0], serde_json::to_value(&server.events()[0]).unwrap());

    let mine = events("?token=other-token-456").await;
    let names: Vec<&str> = mine.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["two", "bad"]);
    let errors = events("?status=error").await;
    assert_eq!(errors.json["events"].as_array().unwrap().len(), 2);
    let both = events("?status=success&token=other-token-456").await;
    assert_eq!(both.json["events"].as_array().unwrap().len(), 1);
    assert_eq!(both.json["events"][0]["payload"]["name"], "two");
    // A token that names no webhook is a mistake, not an empty list (spec §7).
    let none = events("?token=nobody").await;
    assert_eq!(none.status, 404, "{}", none.text);

    let moments = get(&http, &format!("{}/_mock/moments", server.url())).await;
    let list = moments.json["moments"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let keys: Vec<&String> = list[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "created_at",
            "description",
            "id",
            "integration",
            "name",
            "occurred_at",
            "priority",
            "request_id",
            "source",
            "source_url",
            "type",
            "webhook_label"
        ]
    );
    assert_eq!(list[0], serde_json::to_value(&server.moments()[0]).unwrap());
    let theirs = get(
        &http,
        &format!("{}/_mock/moments?token=other-token-456", server.url()),
    )
    .await;
    assert_eq!(theirs.json["moments"].as_array().unwrap().len(), 1);
    assert_eq!(theirs.json["moments"][0]["webhook_label"], "other");

    let one = get(&http, &format!("{}/_mock/events/2", server.url())).await;
    assert_eq!(one.json["payload"]["name"], "bad");
    assert_eq!(
        get(&http, &format!("{}/_mock/events/99", server.url()))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&http, &format!("{}/_mock/events/x", server.url()))
            .await
            .status,
        404
    );

    assert_bad(
        &events("?status=ok").await,
        "status: expected success or error",
    );
    assert_bad(&events("?tokn=x").await, "tokn: unknown query parameter");
    assert_bad(&events("?min=-1").await, "min: expected a whole number");
    assert_bad(
        &events("?min=1&wait_ms=99999999").await,
        "wait_ms: expected a whole number from 0 to 600000",
    );
    assert_bad(
        &events("?wait_ms=10").await,
        "wait_ms: expected together with min",
    );
    assert_bad(
        &get(
            &http,
            &format!("{}/_mock/moments?status=error", server.url()),
        )
        .await,
        "status: unknown query parameter",
    );
}

#[tokio::test]
async fn moment_fields_and_defaults() {
    let server = server().await;
    let http = http();
    post_json(
        &http,
        &server.webhook_url(),
        &json!({"name": "Failed deploy with successful rollback", "type": "Near-miss",
                "source": "Deploybot", "occurred_at": "2023-04-01 12:31:26",
                "priority": "HIGH", "description": "**Rolled back**",
                "source_url": "https://deploys.example.com/1"}),
    )
    .await;
    post_json(
        &http,
        &server.webhook_url(),
        &json!({"name": "Paged", "type": "page"}),
    )
    .await;
    let moments = get(&http, &format!("{}/_mock/moments", server.url()))
        .await
        .json;
    let m = &moments["moments"][0];
    assert_eq!(m["type"], "near-miss");
    assert_eq!(m["priority"], "high");
    assert_eq!(m["source"], "Deploybot");
    assert_eq!(m["source_url"], "https://deploys.example.com/1");
    assert_eq!(m["description"], "**Rolled back**");
    assert_eq!(m["occurred_at"], "2023-04-01T12:31:26Z");
    assert_eq!(m["webhook_label"], "default");
    assert_eq!(m["integration"], Value::Null);
    let paged = &moments["moments"][1];
    assert_eq!(paged["priority"], "medium", "the server's default");
    assert_eq!(
        paged["occurred_at"], paged["created_at"],
        "receipt time when absent"
    );
    assert_eq!(paged["source"], Value::Null);
}

#[tokio::test]
async fn long_poll_answers_when_enough_events_arrive() {
    let server = server().await;
    let http = http();
    let poll_url = format!(
        "{}/_mock/events?min=2&wait_ms=10000&status=success",
        server.url()
    );
    let poll = tokio::spawn({
        let http = http.clone();
        async move {
            let started = Instant::now();
            (get(&http, &poll_url).await, started.elapsed())
        }
    });
    send(&http, &server.webhook_url(), "a", "alert").await;
    send(&http, &server.webhook_url(), "bad", "nope").await; // does not match the filter
    send(&http, &server.webhook_url(), "b", "alert").await;
    let (a, took) = poll.await.unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.json["events"].as_array().unwrap().len(), 2);
    assert_eq!(a.json["timed_out"], false);
    assert!(a.headers.get("hotpot-mock-wait").is_none());
    assert!(took < Duration::from_secs(5), "{took:?}");

    // Not enough: answers after wait_ms with what there is.
    let started = Instant::now();
    let short = get(
        &http,
        &format!("{}/_mock/events?min=10&wait_ms=200", server.url()),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(short.json["events"].as_array().unwrap().len(), 3);
    // ... and says that it ran out, in the body and in a header.
    assert_eq!(short.json["timed_out"], true);
    assert_eq!(short.headers["hotpot-mock-wait"], "timed-out");

    // Moments too.
    let moments = get(
        &http,
        &format!("{}/_mock/moments?min=2&wait_ms=10000", server.url()),
    )
    .await;
    assert_eq!(moments.json["moments"].as_array().unwrap().len(), 2);
    assert_eq!(moments.json["timed_out"], false);
    let short = get(
        &http,
        &format!("{}/_mock/moments?min=3&wait_ms=0", server.url()),
    )
    .await;
    assert_eq!(short.json["moments"].as_array().unwrap().len(), 2);
    assert_eq!(short.json["timed_out"], true);
    assert_eq!(short.headers["hotpot-mock-wait"], "timed-out");
    // Without min there is no wait to run out.
    let plain = get(&http, &format!("{}/_mock/events", server.url())).await;
    assert_eq!(plain.json["timed_out"], false);
    assert!(plain.headers.get("hotpot-mock-wait").is_none());
}

#[tokio::test]
async fn retry_processes_an_error_event_again() {
    let server = server().await;
    let http = http();
    let when = "2026-11-27T12:00:00Z";
    server.set_clock(chrono::DateTime::parse_from_rfc3339(when).unwrap().to_utc());
    let a = post_json(
        &http,
        &server.webhook_url(),
        &json!({"name": "Late", "type": "alert", "occurred_at": "2026-11-27T12:05:00Z"}),
    )
    .await;
    let request_id = a.json["hotpot_request_id"].as_str().unwrap().to_owned();
    let event = &server.events()[0];
    assert_eq!(event.errors[0].field, "occurred_at");

    // Still in the future: still an error.
    let url = format!("{}/_mock/events/{}/retry", server.url(), event.id);
    let still = post_raw(&http, &url, None, "").await;
    assert_eq!(still.status, 200);
    assert_eq!(still.json["status"], "error");

    server.advance_clock(Duration::from_secs(600));
    let fixed = post_raw(&http, &url, None, "").await;
    assert_eq!(fixed.status, 200);
    assert_eq!(fixed.json["status"], "success");
    assert_eq!(fixed.json["errors"], json!([]));
    assert_eq!(fixed.json["id"], event.id);
    assert_eq!(fixed.json["request_id"], request_id);
    let moments = server.moments();
    assert_eq!(moments.len(), 1);
    assert_eq!(fixed.json["moment_id"], moments[0].id);
    assert_eq!(moments[0].request_id, request_id);
    assert_eq!(
        server.events().len(),
        1,
        "retry changes the event, it adds none"
    );

    // Success events and bodies that are not JSON cannot be retried.
    let again = post_raw(&http, &url, None, "").await;
    assert_eq!(again.status, 409);
    assert!(
        again.json["message"]
            .as_str()
            .unwrap()
            .contains("already succeeded")
    );
    post_raw(
        &http,
        &server.webhook_url(),
        Some("application/json"),
        "{nope",
    )
    .await;
    let raw = post_raw(
        &http,
        &format!("{}/_mock/events/2/retry", server.url()),
        None,
        "",
    )
    .await;
    assert_eq!(raw.status, 409);
    assert_eq!(
        post_raw(
            &http,
            &format!("{}/_mock/events/77/retry", server.url()),
            None,
            ""
        )
        .await
        .status,
        404
    );
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
    assert_eq!(
        send(&http, &server.webhook_url(), "a", "alert")
            .await
            .status,
        202,
        "the fault is gone"
    );
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
    assert_eq!(
        send(&http, &server.webhook_url(), "a", "alert")
            .await
            .status,
        202
    );

    assert_bad(
        &post_json(&http, &url, &json!({"webhooks": "yes"})).await,
        "webhooks: expected true or false",
    );
}

#[tokio::test]
async fn event_log_is_capped_and_counts_what_it_dropped() {
    let server = MockServer::builder().max_events(3).start().await.unwrap();
    let http = http();
    for i in 0..5 {
        send(&http, &server.webhook_url(), &format!("m{i}"), "alert").await;
    }
    let a = get(&http, &format!("{}/_mock/events", server.url())).await;
    let ids: Vec<&str> = a.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["3", "4", "5"], "the oldest go first");
    assert_eq!(a.json["dropped"], 2);
    assert_eq!(server.dropped_events(), 2);
    let m = get(&http, &format!("{}/_mock/moments", server.url())).await;
    assert_eq!(m.json["moments"].as_array().unwrap().len(), 3);
    assert_eq!(m.json["dropped"], 2);
    assert_eq!(m.json["moments"][0]["name"], "m2");
}

#[tokio::test]
async fn admin_request_status_for_dropped_events_is_404() {
    let server = MockServer::builder().max_events(1).start().await.unwrap();
    let http = http();
    let first = send(&http, &server.webhook_url(), "a", "alert").await;
    send(&http, &server.webhook_url(), "b", "alert").await;
    let id = first.json["hotpot_request_id"].as_str().unwrap();
    let a = support::answer(
        http.get(format!("{}/request/{id}/status", server.url()))
            .header("authorization", format!("Bearer {}", server.api_key()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn openapi_describes_every_route_and_the_record_shapes() {
    let spec: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    let routes = [
        ("/moment/{token}", "post"),
        ("/moment/{token}/{integration}", "post"),
        ("/request/{request_id}/status", "get"),
        ("/", "get"),
        ("/_mock/health", "get"),
        ("/_mock/openapi.json", "get"),
        ("/_mock/webhooks", "get"),
        ("/_mock/webhooks", "post"),
        ("/_mock/webhooks/{token}", "get"),
        ("/_mock/webhooks/{token}", "patch"),
        ("/_mock/webhooks/{token}", "delete"),
        ("/_mock/events", "get"),
        ("/_mock/events/{id}", "get"),
        ("/_mock/events/{id}/retry", "post"),
        ("/_mock/moments", "get"),
        ("/_mock/requests", "get"),
        ("/_mock/faults", "get"),
        ("/_mock/faults", "post"),
        ("/_mock/faults", "delete"),
        ("/_mock/clock", "get"),
        ("/_mock/clock", "post"),
        ("/_mock/clock", "delete"),
        ("/_mock/reset", "post"),
    ];
    for (path, method) in routes {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    let documented: usize = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| {
            p.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters" && *k != "description")
                .count()
        })
        .sum();
    assert_eq!(
        documented,
        routes.len(),
        "a documented operation does not exist"
    );

    // The record schemas list exactly the fields the server sends.
    let server = server().await;
    let http = http();
    send(&http, &server.webhook_url(), "x", "alert").await;
    let required = |name: &str| -> Vec<String> {
        let mut fields: Vec<String> = spec["components"]["schemas"][name]["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        fields.sort();
        fields
    };
    let keys = |v: Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(serde_json::to_value(&server.events()[0]).unwrap()),
        required("Event")
    );
    assert_eq!(
        keys(serde_json::to_value(&server.moments()[0]).unwrap()),
        required("Moment")
    );
    assert_eq!(
        keys(serde_json::to_value(&server.webhooks()[0]).unwrap()),
        required("Webhook")
    );
    assert_eq!(
        keys(serde_json::to_value(&server.requests()[0]).unwrap()),
        required("RecordedRequest")
    );
}

#[tokio::test]
async fn moments_leave_the_log_with_their_events() {
    let server = MockServer::builder().max_events(2).start().await.unwrap();
    let http = http();
    server.set_clock(
        chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc(),
    );
    let later = json!({"name": "later", "type": "alert", "occurred_at": "2026-01-01T00:05:00Z"});
    post_json(&http, &server.webhook_url(), &later).await; // event 1: error
    send(&http, &server.webhook_url(), "a", "alert").await; // event 2: moment a
    server.advance_clock(Duration::from_secs(600));
    assert_eq!(
        server.retry_event("1").unwrap().status,
        hotpot_mock_server::EventStatus::Success
    );
    let names = |server: &MockServer| -> Vec<String> {
        server.moments().into_iter().map(|m| m.name).collect()
    };
    assert_eq!(names(&server), ["a", "later"]);
    // Event 3 pushes event 1 out, and with it the moment its retry created.
    send(&http, &server.webhook_url(), "c", "alert").await;
    assert_eq!(names(&server), ["a", "c"]);
    let moments = get(&http, &format!("{}/_mock/moments", server.url())).await;
    assert_eq!(moments.json["dropped"], 1);
    assert_eq!(server.event_count(), 2);
    assert_eq!(server.moment_count(), 2);
}

#[tokio::test]
async fn extractor_rejections_are_json_too() {
    let server = server().await;
    let http = http();
    let bad_path = get(&http, &format!("{}/_mock/webhooks/%FF%FE", server.url())).await;
    assert_eq!(bad_path.status, 400);
    assert_eq!(bad_path.headers["content-type"], "application/json");
    assert!(
        bad_path.json["message"]
            .as_str()
            .unwrap()
            .starts_with("path: ")
    );
    let huge = "x".repeat(3 * 1024 * 1024);
    let too_big = post_raw(&http, &format!("{}/_mock/faults", server.url()), None, huge).await;
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.json["error"], "Payload Too Large");
    let status = support::answer(
        http.get(format!("{}/request/%FF/status", server.url()))
            .header("authorization", format!("Bearer {}", server.api_key()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status.status, status.json),
        (404, json!({"error": "Not Found"}))
    );
}

#[tokio::test]
async fn openapi_examples_license_and_security_scheme() {
    let spec: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    assert_eq!(spec["info"]["license"]["name"], "MIT");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        spec["paths"]["/request/{request_id}/status"]["get"]["security"],
        json!([{"bearer": []}])
    );
    // Each example names the schema's required fields and nothing it does not describe.
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut with_examples = 0;
    for (name, schema) in schemas {
        let Some(example) = schema.get("example") else {
            continue;
        };
        with_examples += 1;
        let example = example.as_object().unwrap();
        for field in schema["required"].as_array().into_iter().flatten() {
            let field = field.as_str().unwrap();
            assert!(
                example.contains_key(field),
                "{name}'s example lacks {field}"
            );
        }
        let properties = schema["properties"].as_object().unwrap();
        for key in example.keys() {
            assert!(properties.contains_key(key), "{name}'s example has {key}");
        }
    }
    assert!(with_examples >= 10, "{with_examples} schemas with examples");
    // The record examples are what the server sends: the same fields as a real record.
    let server = server().await;
    let http = http();
    send(&http, &server.webhook_url(), "x", "alert").await;
    let keys = |v: &Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    for (name, record) in [
        ("Event", serde_json::to_value(&server.events()[0]).unwrap()),
        (
            "Moment",
            serde_json::to_value(&server.moments()[0]).unwrap(),
        ),
        (
            "Webhook",
            serde_json::to_value(&server.webhooks()[0]).unwrap(),
        ),
        (
            "RecordedRequest",
            serde_json::to_value(&server.requests()[0]).unwrap(),
        ),
    ] {
        assert_eq!(keys(&schemas[name]["example"]), keys(&record), "{name}");
    }
}
