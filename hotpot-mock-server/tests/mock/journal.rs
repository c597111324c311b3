//! The request journal, `GET /_mock/requests` and `MockServer::requests()` (spec §7): every
//! request that reached an ingest route, faulted, replayed and refused ones included.

use chrono::{Duration as TimeDelta, Utc};
use hotpot_mock_server::{Fault, MockServer, NewWebhook, WebhookPatch};
use serde_json::{Value, json};

use crate::support;
use crate::support::{Answer, answer, get, http, post_json, post_raw};

const TOKEN: &str = "journal-token-123";

async fn server() -> MockServer {
    MockServer::builder().token(TOKEN).start().await.unwrap()
}

async fn journal(http: &reqwest::Client, server: &MockServer, query: &str) -> Answer {
    get(http, &format!("{}/_mock/requests{query}", server.url())).await
}

#[tokio::test]
async fn every_request_to_an_ingest_route_is_noted_with_its_answer() {
    let server = server().await;
    let http = http();
    let url = server.webhook_url();
    let moment = json!({"name": "Disk full", "type": "alert"});
    let send_keyed = |key: &'static str| {
        http.post(&url)
            .header("user-agent", "journal-test/1.0")
            .header("idempotency-key", key)
            .json(&moment)
            .send()
    };

    // 1: a fault's status; 2: processed; 3: its replay; 4: a hang-up; 5: delayed but processed.
    server
        .fail_next(Fault::status(503).retry_after(std::time::Duration::from_secs(2)))
        .unwrap();
    assert_eq!(answer(send_keyed("key-1").await.unwrap()).await.status, 503);
    assert_eq!(answer(send_keyed("key-1").await.unwrap()).await.status, 202);
    let replay = answer(send_keyed("key-1").await.unwrap()).await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    server.fail_next(Fault::drop_connection()).unwrap();
    assert!(
        send_keyed("key-2").await.is_err(),
        "the connection was dropped"
    );
    server
        .fail_next(Fault::delay(std::time::Duration::from_millis(1)))
        .unwrap();
    assert_eq!(answer(send_keyed("key-2").await.unwrap()).await.status, 202);
    // 6: an unknown token; 7: an expired webhook; 8: a malformed path; 9: not JSON.
    let base = server.url();
    post_json(&http, &format!("{base}/moment/unknown-token-456"), &moment).await;
    let old = server
        .create_webhook(NewWebhook::new("old").token("expired-token-789"))
        .unwrap();
    server
        .update_webhook(
            "expired-token-789",
            WebhookPatch::default().expires_at(Some(Utc::now() - TimeDelta::minutes(1))),
        )
        .unwrap();
    assert_eq!(post_json(&http, &old, &moment).await.status, 410);
    post_json(&http, &format!("{url}/Not_A_Slug"), &moment).await;
    post_raw(&http, &url, Some("text/plain"), "hello").await;

    let a = journal(&http, &server, "").await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(
        !a.text.contains(TOKEN),
        "the journal never shows a token: {}",
        a.text
    );
    assert!(!a.text.contains("unknown-token-456"), "{}", a.text);
    assert!(!a.text.contains("expired-token-789"), "{}", a.text);
    assert_eq!(a.json["dropped"], 0);
    assert_eq!(a.json["timed_out"], false);
    let requests = a.json["requests"].as_array().unwrap();
    let summary: Vec<(Value, &str, Value, bool)> = requests
        .iter()
        .map(|r| {
            (
                r["status"].clone(),
                r["path_hint"].as_str().unwrap(),
                r["fault"].clone(),
                r["replayed"].as_bool().unwrap(),
            )
        })
        .collect();
    let no_fault = Value::Null;
    assert_eq!(
        summary,
        [
            (
                json!(503),
                "/moment/jour…",
                json!({"status": 503, "retry_after": 2, "delay_ms": null, "drop_connection": false}),
                false
            ),
            (json!(202), "/moment/jour…", no_fault.clone(), false),
            (json!(202), "/moment/jour…", no_fault.clone(), true),
            (
                Value::Null,
                "/moment/jour…",
                json!({"status": null, "retry_after": null, "delay_ms": null, "drop_connection": true}),
                false
            ),
            (
                json!(202),
                "/moment/jour…",
                json!({"status": null, "retry_after": null, "delay_ms": 1, "drop_connection": false}),
                false
            ),
            (json!(404), "/moment/unkn…", no_fault.clone(), false),
            (json!(410), "/moment/expi…", no_fault.clone(), false),
            (json!(404), "/moment/jour…/Not_…", no_fault.clone(), false),
            (json!(415), "/moment/jour…", no_fault.clone(), false),
        ]
    );
    let first = &requests[0];
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "event_id",
            "fault",
            "headers",
            "id",
            "method",
            "path_hint",
            "received_at",
            "replayed",
            "status"
        ]
    );
    assert_eq!(first["method"], "POST");
    assert_eq!(
        first["headers"],
        json!({"user_agent": "journal-test/1.0", "idempotency_key": "key-1",
               "content_type": "application/json"})
    );
    // The events: the processed request's, which its replay points at too; none for a fault's
    // status, a hang-up, an unknown or expired webhook.
    let events = server.events();
    assert_eq!(requests[0]["event_id"], Value::Null);
    assert_eq!(requests[1]["event_id"], events[0].id);
    assert_eq!(requests[2]["event_id"], events[0].id);
    assert_eq!(requests[3]["event_id"], Value::Null);
    assert_eq!(requests[4]["event_id"], events[1].id);
    assert_eq!(requests[5]["event_id"], Value::Null);
    assert_eq!(requests[8]["event_id"], events[2].id);
    assert_eq!(requests[8]["headers"]["content_type"], "text/plain");
    let ids: Vec<&str> = requests.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);

    // The library has the same records.
    let library = serde_json::to_value(server.requests()).unwrap();
    assert_eq!(&library, &a.json["requests"]);
    assert_eq!(
        server.requests()[0].fault.as_ref().unwrap().status,
        Some(503)
    );
}

#[tokio::test]
async fn filtered_by_token_waited_for_bounded_and_reset() {
    let server = MockServer::builder()
        .token(TOKEN)
        .max_events(3)
        .start()
        .await
        .unwrap();
    let http = http();
    let other = server
        .create_webhook(NewWebhook::new("other").token("other-token-456"))
        .unwrap();
    let moment = json!({"name": "x", "type": "alert"});
    post_json(&http, &server.webhook_url(), &moment).await;
    post_json(&http, &other, &moment).await;

    let mine = journal(&http, &server, &format!("?token={TOKEN}")).await;
    assert_eq!(mine.json["requests"].as_array().unwrap().len(), 1);
    let by_url = journal(
        &http,
        &server,
        &format!(
            "?token={}",
            url::form_urlencoded::byte_serialize(other.as_bytes()).collect::<String>()
        ),
    )
    .await;
    assert_eq!(by_url.json["requests"].as_array().unwrap().len(), 1);
    assert_eq!(by_url.json["requests"][0]["path_hint"], "/moment/othe…");
    let unknown = journal(&http, &server, "?token=nobody-home").await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let bad = journal(&http, &server, "?status=error").await;
    assert_eq!(bad.status, 400, "{}", bad.text);

    // A long-poll that ran out says so; one that is met answers at once.
    let short = journal(&http, &server, &format!("?token={TOKEN}&min=2&wait_ms=0")).await;
    assert_eq!(short.json["timed_out"], true);
    assert_eq!(short.headers["hotpot-mock-wait"], "timed-out");
    let poll = tokio::spawn({
        let http = http.clone();
        let url = format!("{}/_mock/requests?min=3&wait_ms=60000", server.url());
        async move { get(&http, &url).await }
    });
    post_json(&http, &format!("{}/moment/nobody", server.url()), &moment).await;
    let met = poll.await.unwrap();
    assert_eq!(met.json["requests"].as_array().unwrap().len(), 3);
    assert_eq!(met.json["timed_out"], false);

    // Bounded like the event log: the oldest go, and a counter says how many.
    post_json(&http, &server.webhook_url(), &moment).await;
    let all = journal(&http, &server, "").await;
    assert_eq!(all.json["requests"].as_array().unwrap().len(), 3);
    assert_eq!(all.json["dropped"], 1);
    assert_eq!(all.json["requests"][0]["id"], "2");

    // Reset forgets it.
    let reset = post_json(&http, &format!("{}/_mock/reset", server.url()), &json!({})).await;
    assert_eq!(reset.status, 204);
    assert_eq!(
        journal(&http, &server, "").await.json,
        json!({"requests": [], "dropped": 0, "timed_out": false})
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_test_counts_its_clients_attempts() {
    let server = server().await;
    server
        .fail_next(Fault::status(503).times(2).for_token(TOKEN))
        .unwrap();
    let receipt = support::send_with_the_client(&server, "Retried").await;
    let requests = server.requests();
    assert_eq!(requests.len(), receipt.attempts as usize);
    let statuses: Vec<Option<u16>> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(202)]);
    let keys: Vec<&Option<String>> = requests
        .iter()
        .map(|r| &r.headers.idempotency_key)
        .collect();
    assert!(
        keys[0].is_some() && keys.iter().all(|k| *k == keys[0]),
        "{keys:?}"
    );
    let agent = requests[0]
        .headers
        .user_agent
        .as_deref()
        .unwrap_or_default();
    assert!(agent.starts_with("hotpot"), "{agent}");
}
