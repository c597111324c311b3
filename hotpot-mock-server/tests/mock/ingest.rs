//! Spec §3 over real HTTP: every row of the status table, the events each request leaves,
//! strict mode, idempotency, rate limits and the integration route.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use hotpot_mock_server::{EventStatus, MockServer, NewWebhook, WebhookPatch};
use serde_json::json;

use crate::support;
use crate::support::{answer, get, http, post_json, post_moment, post_raw, post_with_key};

const TOKEN: &str = "t0k3n-abcdefgh";

async fn server() -> MockServer {
    support::server_with_token(TOKEN).await
}

fn assert_no_token(body: &str) {
    assert!(!body.contains(TOKEN), "the token leaked into {body}");
}

#[tokio::test]
async fn valid_moment_is_queued_and_becomes_a_moment() {
    let server = server().await;
    let http = http();
    let a = post_moment(
        &http,
        &server,
        &json!({"name": "A thing happened", "type": "alert"}),
    )
    .await;
    assert_eq!(a.status, 202);
    assert_eq!(a.headers["content-type"], "application/json");
    let id = a.json["hotpot_request_id"].as_str().unwrap();
    let uuid = uuid::Uuid::parse_str(id).unwrap();
    assert_eq!(uuid.get_version_num(), 4);
    assert_eq!(
        a.json["response"],
        json!({"success": true, "message": "Your request has been queued."})
    );

    let events = server.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status, EventStatus::Success);
    assert_eq!(events[0].request_id.as_deref(), Some(id));
    assert_eq!(events[0].webhook_label, "default");
    assert_eq!(events[0].token_hint, "t0k3…");
    assert_eq!(events[0].integration, None);
    let moments = server.moments();
    assert_eq!(moments.len(), 1);
    assert_eq!(moments[0].name, "A thing happened");
    assert_eq!(moments[0].request_id, id);
    assert_eq!(events[0].moment_id.as_deref(), Some(moments[0].id.as_str()));

    // A second request gets a fresh id.
    let b = post_moment(&http, &server, &json!({"name": "Again", "type": "page"})).await;
    assert_ne!(b.json["hotpot_request_id"], a.json["hotpot_request_id"]);
}

#[tokio::test]
async fn unknown_token_is_404_and_records_nothing() {
    let server = server().await;
    let a = post_json(
        &http(),
        &format!("{}/moment/not-a-known-token", server.url()),
        &json!({"name": "x", "type": "alert"}),
    )
    .await;
    assert_eq!(a.status, 404);
    assert_eq!(a.json, json!({"error": "Not Found"}));
    assert!(server.events().is_empty());
}

#[tokio::test]
async fn expired_webhook_is_410_with_a_message() {
    let server = server().await;
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    server.set_clock(now);
    server
        .update_webhook(TOKEN, WebhookPatch::default().expires_at(Some(now)))
        .unwrap();
    let a = post_moment(&http(), &server, &json!({"name": "x", "type": "alert"})).await;
    assert_eq!(a.status, 410);
    assert_eq!(a.json["error"], "Gone");
    let message = a.json["message"].as_str().unwrap();
    assert!(message.contains("2026-11-27T12:00:00Z"), "{message}");
    assert_no_token(&a.text);
    assert!(server.events().is_empty(), "an expired token is not live");
}

#[tokio::test]
async fn other_methods_are_405_with_allow_post() {
    let server = server().await;
    let http = http();
    for url in [
        server.webhook_url(),
        format!("{}/datadog", server.webhook_url()),
    ] {
        for method in [
            reqwest::Method::GET,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
            reqwest::Method::PATCH,
        ] {
            let a = answer(http.request(method.clone(), &url).send().await.unwrap()).await;
            assert_eq!(a.status, 405, "{method}");
            assert_eq!(a.headers["allow"], "POST");
            assert_eq!(a.json, json!({"error": "Method Not Allowed"}));
        }
    }
}

#[tokio::test]
async fn body_over_one_mib_is_413_and_an_error_event() {
    let server = server().await;
    let http = http();
    let name = "x".repeat(hotpot_mock_server::MAX_BODY_BYTES);
    let body = serde_json::to_vec(&json!({"name": name, "type": "alert"})).unwrap();
    assert!(body.len() > hotpot_mock_server::MAX_BODY_BYTES);
    let a = post_raw(&http, &server.webhook_url(), Some("application/json"), body).await;
    assert_eq!(a.status, 413);
    assert_eq!(a.json, json!({"error": "Payload Too Large"}));

    // Exactly 1 MiB is fine (it is a valid JSON object, with an over-long name).
    let mut exact = br#"{"type":"alert","name":""#.to_vec();
    let tail = br#""}"#;
    exact.resize(hotpot_mock_server::MAX_BODY_BYTES - tail.len(), b'y');
    exact.extend_from_slice(tail);
    let b = post_raw(&http, &server.webhook_url(), None, exact).await;
    assert_eq!(b.status, 202);

    let events = server.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].status, EventStatus::Error);
    assert_eq!(events[0].errors[0].field, "payload");
    assert!(
        events[0].errors[0]
            .message
            .contains("at most 1048576 bytes")
    );
    assert_eq!(events[0].payload, None);
    assert_eq!(events[0].request_id, None);
    assert_eq!(events[1].errors[0].field, "name");
}

#[tokio::test]
async fn chunked_body_over_one_mib_is_413() {
    let server = server().await;
    let mut request = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..20 {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let response = support::raw_exchange(server.addr(), &request).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(
        response.ends_with(r#"{"error":"Payload Too Large"}"#),
        "{response}"
    );
    assert_eq!(server.events()[0].status, EventStatus::Error);
}

#[tokio::test]
async fn non_json_content_type_is_415_and_the_body_is_kept() {
    let server = server().await;
    let http = http();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let a = post_raw(&http, &server.webhook_url(), Some(content_type), "name=x").await;
        assert_eq!(a.status, 415, "{content_type}");
        assert_eq!(a.json, json!({"error": "Unsupported Media Type"}));
    }
    let events = server.events();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.status == EventStatus::Error));
    assert_eq!(events[0].errors[0].field, "Content-Type");
    assert!(events[0].errors[0].message.contains("\"text/plain\""));
    assert_eq!(events[0].raw_body.as_deref(), Some("name=x"));
    assert_eq!(events[0].payload, None);
}

#[tokio::test]
async fn json_content_types_and_a_missing_one_are_accepted() {
    let server = server().await;
    let http = http();
    let body = r#"{"name": "A thing happened", "type": "alert"}"#;
    for content_type in [
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("APPLICATION/JSON"),
        Some("application/vnd.hotpot.moment+json"),
        None,
    ] {
        let a = post_raw(&http, &server.webhook_url(), content_type, body).await;
        assert_eq!(a.status, 202, "{content_type:?}");
    }
    assert_eq!(server.moments().len(), 5);
}

#[tokio::test]
async fn bad_bodies_are_400_with_a_message_and_error_events() {
    let server = server().await;
    let http = http();
    let url = server.webhook_url();
    let cases: [(&[u8], &str); 5] = [
        (b"{\"name\": \"x\", ", "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "an array"),
        (b"\"just a string\"", "a string"),
        (b"", "not JSON"),
    ];
    for (body, expected) in cases {
        let a = post_raw(&http, &url, Some("application/json"), body.to_vec()).await;
        assert_eq!(a.status, 400, "{expected}");
        assert_eq!(a.json["error"], "Bad Request");
        let message = a.json["message"].as_str().unwrap();
        assert!(
            message.contains(expected),
            "{message} should say {expected}"
        );
        assert_no_token(&a.text);
    }
    let events = server.events();
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e.status == EventStatus::Error));
    assert_eq!(events[0].raw_body.as_deref(), Some("{\"name\": \"x\", "));
    assert_eq!(events[1].raw_body.as_deref(), Some("\u{fffd}\u{fffd}{}"));
    assert_eq!(events[2].payload, Some(json!([1, 2])));
    assert_eq!(events[2].raw_body, None);
    assert!(server.moments().is_empty());
}

#[tokio::test]
async fn raw_bodies_are_cut_at_64_kib() {
    let server = server().await;
    let body = "z".repeat(100 * 1024);
    let a = post_raw(&http(), &server.webhook_url(), Some("text/plain"), body).await;
    assert_eq!(a.status, 415);
    let raw = server.events()[0].raw_body.clone().unwrap();
    assert_eq!(raw.len(), hotpot_mock_server::RAW_BODY_MAX_BYTES);
}

#[tokio::test]
async fn section_1_failures_are_202_then_error_events_with_every_problem() {
    let server = server().await;
    let a = post_moment(
        &http(),
        &server,
        &json!({"name": "", "type": "near_miss", "priority": "urgent",
                "source_url": "ftp://x", "occurred_at": "yesterday", "occured_at": "x"}),
    )
    .await;
    assert_eq!(a.status, 202);
    let event = &server.events()[0];
    assert_eq!(event.status, EventStatus::Error);
    let fields: Vec<&str> = event.errors.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["name", "type", "priority", "source_url", "occurred_at"]
    );
    assert!(
        event.errors[1]
            .message
            .contains("did you mean \"near-miss\"")
    );
    assert_eq!(event.warnings.len(), 1);
    assert_eq!(event.warnings[0].field, "occured_at");
    assert!(event.warnings[0].message.contains("occurred_at"));
    assert_eq!(event.moment_id, None);
    assert!(server.moments().is_empty());
}

#[tokio::test]
async fn unknown_fields_are_warnings_on_a_successful_event() {
    let server = server().await;
    post_moment(
        &http(),
        &server,
        &json!({"name": "x", "type": "Alert", "severity": "high"}),
    )
    .await;
    let event = &server.events()[0];
    assert_eq!(event.status, EventStatus::Success);
    assert_eq!(event.warnings[0].field, "severity");
}

#[tokio::test]
async fn occurred_at_in_the_future_follows_the_mock_clock() {
    let server = server().await;
    let http = http();
    server.set_clock(Utc.with_ymd_and_hms(2023, 4, 1, 12, 0, 0).unwrap());
    let payload =
        json!({"name": "Deploy", "type": "incident", "occurred_at": "2023-04-01 12:31:26"});
    post_moment(&http, &server, &payload).await;
    assert_eq!(server.events()[0].errors[0].field, "occurred_at");
    server.advance_clock(Duration::from_secs(3600));
    post_moment(&http, &server, &payload).await;
    let moments = server.moments();
    assert_eq!(moments.len(), 1);
    assert_eq!(
        moments[0].occurred_at,
        Utc.with_ymd_and_hms(2023, 4, 1, 12, 31, 26).unwrap()
    );
    assert_eq!(
        moments[0].created_at,
        Utc.with_ymd_and_hms(2023, 4, 1, 13, 0, 0).unwrap()
    );
}

#[tokio::test]
async fn strict_mode_answers_422_with_details_and_records_an_error_event() {
    let server = MockServer::builder()
        .token(TOKEN)
        .strict(true)
        .start()
        .await
        .unwrap();
    let http = http();
    let a = post_moment(&http, &server, &json!({"name": "x"})).await;
    assert_eq!(a.status, 422);
    assert_eq!(a.json["error"], "Unprocessable Entity");
    let details = a.json["details"].as_array().unwrap();
    assert_eq!(details.len(), 1);
    assert_eq!(details[0]["field"], "type");
    assert!(
        details[0]["message"]
            .as_str()
            .unwrap()
            .contains("page, alert, near-miss, incident")
    );
    assert_eq!(server.events()[0].status, EventStatus::Error);
    // A valid payload is still 202 in strict mode.
    let b = post_moment(&http, &server, &json!({"name": "x", "type": "page"})).await;
    assert_eq!(b.status, 202);
}

#[tokio::test]
async fn idempotency_key_replays_the_first_answer_for_24_hours() {
    let server = server().await;
    let http = http();
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    server.set_clock(now);
    let send = |key: &'static str, name: &'static str| {
        let http = http.clone();
        let url = server.webhook_url();
        async move { post_with_key(&http, &url, key, &json!({"name": name, "type": "alert"})).await }
    };
    let first = send("key-1", "first").await;
    let replay = send("key-1", "something else").await;
    assert_eq!(first.status, 202);
    assert_eq!(replay.status, 202);
    assert_eq!(
        replay.text, first.text,
        "the original body, request id included"
    );
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(server.events().len(), 1, "a replay records nothing");
    assert_eq!(server.moments().len(), 1);

    // Another key, or the same key on another webhook, is a new request.
    send("key-2", "second").await;
    let other = server
        .create_webhook(NewWebhook::new("other").token("other-token"))
        .unwrap();
    let on_other = post_with_key(
        &http,
        &other,
        "key-1",
        &json!({"name": "x", "type": "alert"}),
    )
    .await;
    assert_ne!(
        on_other.json["hotpot_request_id"],
        first.json["hotpot_request_id"]
    );
    assert_eq!(server.moments().len(), 3);

    // Still replayed just before 24 hours, not at 24 hours.
    server.advance_clock(Duration::from_secs(24 * 3600 - 1));
    assert_eq!(send("key-1", "x").await.text, first.text);
    server.advance_clock(Duration::from_secs(1));
    let fresh = send("key-1", "after a day").await;
    assert_ne!(
        fresh.json["hotpot_request_id"],
        first.json["hotpot_request_id"]
    );
    assert_eq!(server.moments().len(), 4);
}

#[tokio::test]
async fn idempotency_replays_rejections_too() {
    let server = server().await;
    let http = http();
    for _ in 0..2 {
        let a = answer(
            http.post(server.webhook_url())
                .header("idempotency-key", "bad-one")
                .header("content-type", "application/json")
                .body("{oops")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, 400);
    }
    assert_eq!(server.events().len(), 1);
}

#[tokio::test]
async fn over_long_idempotency_key_is_400() {
    let server = server().await;
    let key = "k".repeat(256);
    let a = post_with_key(
        &http(),
        &server.webhook_url(),
        &key,
        &json!({"name": "x", "type": "alert"}),
    )
    .await;
    assert_eq!(a.status, 400);
    assert!(a.message().contains("1 to 255 characters, found 256"));
    assert_eq!(server.events()[0].errors[0].field, "Idempotency-Key");
    // 255 is fine.
    let ok = post_with_key(
        &http(),
        &server.webhook_url(),
        &"k".repeat(255),
        &json!({"name": "x", "type": "alert"}),
    )
    .await;
    assert_eq!(ok.status, 202);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_per_webhook() {
    let server = MockServer::builder()
        .token(TOKEN)
        .rate_limit(2)
        .start()
        .await
        .unwrap();
    let http = http();
    server.set_clock(Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap());
    let payload = json!({"name": "x", "type": "alert"});
    assert_eq!(post_moment(&http, &server, &payload).await.status, 202);
    assert_eq!(post_moment(&http, &server, &payload).await.status, 202);
    let limited = post_moment(&http, &server, &payload).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json, json!({"error": "Too Many Requests"}));
    assert_eq!(limited.headers["retry-after"], "1");

    // Another webhook has its own bucket.
    let other = server.create_webhook(NewWebhook::new("other")).unwrap();
    assert_eq!(post_json(&http, &other, &payload).await.status, 202);

    // The bucket refills with the server's clock.
    server.advance_clock(Duration::from_millis(500));
    assert_eq!(post_moment(&http, &server, &payload).await.status, 202);
    assert_eq!(post_moment(&http, &server, &payload).await.status, 429);

    let errors = server.events_with(EventStatus::Error);
    assert_eq!(errors.len(), 2, "each 429 is an error event");
    assert_eq!(errors[0].errors[0].field, "request");
    assert_eq!(server.moments().len(), 4);
}

#[tokio::test]
async fn no_rate_limit_unless_configured() {
    let server = server().await;
    let http = http();
    for _ in 0..50 {
        let a = post_moment(&http, &server, &json!({"name": "x", "type": "alert"})).await;
        assert_eq!(a.status, 202);
    }
}

#[tokio::test]
async fn integration_route_records_the_integration() {
    let server = server().await;
    let http = http();
    let a = post_json(
        &http,
        &format!("{}/datadog", server.webhook_url()),
        &json!({"name": "Monitor fired", "type": "alert"}),
    )
    .await;
    assert_eq!(a.status, 202);
    assert_eq!(server.events()[0].integration.as_deref(), Some("datadog"));
    assert_eq!(server.moments()[0].integration.as_deref(), Some("datadog"));
    // Not a slug: no such route.
    let b = post_json(
        &http,
        &format!("{}/Data_Dog", server.webhook_url()),
        &json!({"name": "x", "type": "alert"}),
    )
    .await;
    assert_eq!(b.status, 404);
    // Unknown token on the integration route.
    let c = post_json(
        &http,
        &format!("{}/moment/nope/datadog", server.url()),
        &json!({"name": "x", "type": "alert"}),
    )
    .await;
    assert_eq!(c.status, 404);
}

#[tokio::test]
async fn error_bodies_never_contain_the_token() {
    let server = MockServer::builder()
        .token(TOKEN)
        .strict(true)
        .rate_limit(1)
        .start()
        .await
        .unwrap();
    let http = http();
    let url = server.webhook_url();
    let mut bodies = vec![
        post_json(&http, &url, &json!({"name": TOKEN})).await.text,
        post_json(&http, &url, &json!({"name": TOKEN})).await.text,
        post_raw(&http, &url, Some("text/plain"), TOKEN).await.text,
        get(&http, &url).await.text,
    ];
    server
        .update_webhook(TOKEN, WebhookPatch::default().expires_at(Some(Utc::now())))
        .unwrap();
    bodies.push(post_json(&http, &url, &json!({})).await.text);
    let unknown = format!("{}/moment/{TOKEN}x", server.url());
    bodies.push(post_json(&http, &unknown, &json!({})).await.text);
    assert_eq!(bodies.len(), 6);
    for body in &bodies {
        assert!(!body.is_empty());
        assert_no_token(body);
    }
}
