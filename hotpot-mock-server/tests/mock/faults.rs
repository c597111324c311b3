//! Faults (`POST /_mock/faults` and `MockServer::fail_next`): each kind, counts, token scope,
//! clearing, and input checks.

use std::time::{Duration, Instant};

use hotpot_mock_server::{Fault, MockServer, NewWebhook};
use serde_json::json;

use crate::support;
use crate::support::{Answer, delete, http, post_json, raw_exchange};

async fn send(http: &reqwest::Client, url: &str) -> Answer {
    post_json(http, url, &json!({"name": "x", "type": "alert"})).await
}

async fn fault(http: &reqwest::Client, server: &MockServer, body: serde_json::Value) -> Answer {
    post_json(http, &format!("{}/_mock/faults", server.url()), &body).await
}

#[tokio::test]
async fn status_fault_hits_count_requests_then_normal_service() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let queued = fault(&http, &server, json!({"status": 503, "count": 2})).await;
    assert_eq!(queued.status, 201);
    assert_eq!(queued.json, json!({"queued": 1}));
    for _ in 0..2 {
        let a = send(&http, &server.webhook_url()).await;
        assert_eq!(a.status, 503);
        assert_eq!(a.json, json!({"error": "Service Unavailable"}));
        assert!(a.headers.get("retry-after").is_none());
    }
    assert_eq!(send(&http, &server.webhook_url()).await.status, 202);
    assert_eq!(server.events().len(), 1, "faults are not recorded");
}

#[tokio::test]
async fn status_with_retry_after() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    fault(&http, &server, json!({"status": 429, "retry_after": 7})).await;
    let a = send(&http, &server.webhook_url()).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers["retry-after"], "7");
    assert_eq!(a.json, json!({"error": "Too Many Requests"}));
}

#[tokio::test]
async fn faults_queue_in_order() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    server.fail_next(Fault::status(500)).unwrap();
    server.fail_next(Fault::status(502)).unwrap();
    assert_eq!(send(&http, &server.webhook_url()).await.status, 500);
    assert_eq!(send(&http, &server.webhook_url()).await.status, 502);
    assert_eq!(send(&http, &server.webhook_url()).await.status, 202);
}

#[tokio::test]
async fn delay_only_slows_the_answer_down() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    // A second: far longer than an undelayed answer takes, even on a loaded machine.
    fault(&http, &server, json!({"delay_ms": 1000})).await;
    let started = Instant::now();
    let a = send(&http, &server.webhook_url()).await;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(a.status, 202);
    assert_eq!(server.moments().len(), 1);
    // Only once.
    assert_eq!(server.pending_faults(), 0);
    send(&http, &server.webhook_url()).await;
    let journal = server.requests();
    assert_eq!(journal.len(), 2);
    assert!(journal[0].fault.is_some() && journal[1].fault.is_none());
}

#[tokio::test]
async fn a_delayed_answer_is_recorded_before_it_leaves() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::delay(Duration::from_secs(3)))
        .unwrap();
    let url = server.webhook_url();
    let sending = tokio::spawn(async move { send(&http(), &url).await });
    // The moment is recorded long before its answer is due...
    let moments = server
        .wait_for_moments(1, Duration::from_secs(2))
        .await
        .expect("recorded at once, only the answer waits");
    assert_eq!(moments.len(), 1);
    assert!(
        !sending.is_finished(),
        "...and the answer is still held back"
    );
    // A client that gave up and hung up does not undo the record.
    sending.abort();
    assert_eq!(server.moments().len(), 1);
}

#[tokio::test]
async fn delay_with_status() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::status(504).after(Duration::from_millis(200)))
        .unwrap();
    let started = Instant::now();
    let a = send(&http(), &server.webhook_url()).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(a.status, 504);
}

#[tokio::test]
async fn drop_connection_closes_without_answering() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    fault(&http, &server, json!({"drop_connection": true})).await;
    let body = r#"{"name":"x","type":"alert"}"#;
    let request = format!(
        "POST /moment/{} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        server.token(),
        body.len()
    );
    let answer = raw_exchange(server.addr(), request.as_bytes()).await;
    assert_eq!(answer, "", "nothing at all is answered");
    assert!(server.events().is_empty());
    // The next request is served.
    let answer = raw_exchange(server.addr(), request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");

    // A reqwest client sees a transport error.
    server.fail_next(Fault::drop_connection()).unwrap();
    let err = http
        .post(server.webhook_url())
        .json(&json!({"name": "x", "type": "alert"}))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
}

#[tokio::test]
async fn token_scoped_faults_hit_only_their_webhook() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let other = server
        .create_webhook(NewWebhook::new("other").token("other-token"))
        .unwrap();
    fault(
        &http,
        &server,
        json!({"token": "other-token", "status": 503, "count": 2}),
    )
    .await;
    assert_eq!(send(&http, &server.webhook_url()).await.status, 202);
    assert_eq!(send(&http, &other).await.status, 503);
    assert_eq!(send(&http, &server.webhook_url()).await.status, 202);
    assert_eq!(send(&http, &other).await.status, 503);
    assert_eq!(send(&http, &other).await.status, 202);
}

#[tokio::test]
async fn global_faults_hit_any_path_even_unknown_tokens() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    server.fail_next(Fault::status(500)).unwrap();
    let a = send(&http, &format!("{}/moment/unknown", server.url())).await;
    assert_eq!(a.status, 500);
}

#[tokio::test]
async fn delete_drops_queued_faults() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    fault(&http, &server, json!({"status": 503, "count": 10})).await;
    let a = delete(&http, &format!("{}/_mock/faults", server.url())).await;
    assert_eq!(a.status, 204);
    assert_eq!(send(&http, &server.webhook_url()).await.status, 202);
}

#[tokio::test]
async fn bad_fault_input_is_400_with_a_specific_message() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let cases = [
        (
            json!({}),
            "at least one of status, delay_ms or drop_connection",
        ),
        (
            json!({"status": 99}),
            "status: expected a whole number from 200 to 599, found 99",
        ),
        (
            json!({"status": "503"}),
            "status: expected a whole number, found a string",
        ),
        (
            json!({"status": 503, "count": 0}),
            "count: expected a whole number from 1",
        ),
        (
            json!({"status": 503, "drop_connection": true}),
            "either status or drop_connection",
        ),
        (
            json!({"retry_after": 1, "delay_ms": 5}),
            "retry_after: expected only with a status",
        ),
        (
            json!({"delay_ms": 600_001}),
            "delay_ms: expected a whole number from 0 to 600000",
        ),
        (
            json!({"drop_connection": "yes"}),
            "drop_connection: expected true or false",
        ),
        (json!({"status": 503, "when": 1}), "when: unknown field"),
        (
            json!({"status": 503, "token": ""}),
            "token: expected a webhook token",
        ),
    ];
    for (body, expected) in cases {
        let a = fault(&http, &server, body.clone()).await;
        assert_eq!(a.status, 400, "{body}");
        let message = a.json["message"].as_str().unwrap();
        assert!(
            message.contains(expected),
            "{body}: {message:?} should contain {expected:?}"
        );
    }
    assert_eq!(
        send(&http, &server.webhook_url()).await.status,
        202,
        "nothing was queued"
    );
    assert!(server.fail_next(Fault::status(503).times(0)).is_err());
}

#[tokio::test]
async fn the_client_retries_through_faults_without_duplicates() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::status(503).times(2).for_token(server.token()))
        .unwrap();
    let receipt = support::send_with_the_client(&server, "Retried").await;
    assert_eq!(receipt.attempts, 3);
    assert_eq!(server.moments().len(), 1);
}
