//! Idempotency per API key and route, the rate limit per API key, faults by route, reset.

use hotpot_mock_server::{Fault, FaultRoute, MockServer};
use serde_json::json;

use super::support::{body, page, request_id};
use crate::support::{http, post_json};

#[tokio::test]
async fn a_repeated_key_answers_the_first_answer_and_pages_nobody_again() {
    let server = MockServer::start().await.unwrap();
    let key = [("idempotency-key", "page-1")];
    let first = page(&server, "team", &body("default"), &key).await;
    let id = request_id(&first);
    let mut other = body("default");
    other["title"] = json!("something else");
    let again = page(&server, "team", &other, &key).await;
    assert_eq!(again.status, 202);
    assert_eq!(
        again.json, first.json,
        "the original answer, whatever the body"
    );
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(server.pages().len(), 1, "paged once");
    // The same key on the other route is another page.
    let person = page(&server, "person", &body("oncall@example.com"), &key).await;
    assert_ne!(request_id(&person), id);
    assert_eq!(server.pages().len(), 2);
    // A strict 422 is replayed too; a 24-hour-old key is forgotten.
    server.advance_clock(std::time::Duration::from_secs(24 * 3600));
    let later = page(&server, "team", &body("default"), &key).await;
    assert_ne!(request_id(&later), id, "a key is kept 24 hours");
    // Reset forgets pages and their keys.
    server.reset();
    assert!(server.pages().is_empty());
    let after_reset = page(&server, "team", &body("default"), &key).await;
    assert!(after_reset.headers.get("idempotent-replayed").is_none());
}

#[tokio::test]
async fn a_503_retried_with_one_key_records_the_page_once() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::status(503).on_route(FaultRoute::Pages))
        .unwrap();
    let key = [("idempotency-key", "retry-me")];
    let failed = page(&server, "team", &body("default"), &key).await;
    assert_eq!(
        (failed.status, failed.json.clone()),
        (503, json!({"error": "Service Unavailable"}))
    );
    assert!(
        server.pages().is_empty(),
        "a faulted request is not recorded"
    );
    let retried = page(&server, "team", &body("default"), &key).await;
    request_id(&retried);
    let replayed = page(&server, "team", &body("default"), &key).await;
    assert_eq!(replayed.json, retried.json);
    assert_eq!(server.pages().len(), 1);
}

#[tokio::test]
async fn faults_hit_the_route_they_name() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let faults = format!("{}/_mock/faults", server.url());
    let moment = json!({"name": "x", "type": "alert"});
    let queued = post_json(&http, &faults, &json!({"status": 500, "route": "moments"})).await;
    assert_eq!(queued.status, 201, "{}", queued.text);
    assert_eq!(
        page(&server, "team", &body("default"), &[]).await.status,
        202,
        "not a moment"
    );
    assert_eq!(
        post_json(&http, &server.webhook_url(), &moment)
            .await
            .status,
        500
    );

    post_json(&http, &faults, &json!({"status": 502, "route": "pages"})).await;
    assert_eq!(
        post_json(&http, &server.webhook_url(), &moment)
            .await
            .status,
        202,
        "not a page"
    );
    assert_eq!(
        page(&server, "person", &body("oncall@example.com"), &[])
            .await
            .status,
        502
    );

    post_json(&http, &faults, &json!({"status": 504, "count": 2})).await;
    assert_eq!(
        post_json(&http, &server.webhook_url(), &moment)
            .await
            .status,
        504,
        "both routes"
    );
    assert_eq!(
        page(&server, "team", &body("default"), &[]).await.status,
        504
    );

    // A webhook's fault never hits a page.
    post_json(
        &http,
        &faults,
        &json!({"status": 503, "token": server.token()}),
    )
    .await;
    assert_eq!(
        page(&server, "team", &body("default"), &[]).await.status,
        202
    );
    server.clear_faults();

    let with_token = post_json(
        &http,
        &faults,
        &json!({"status": 503, "route": "pages", "token": server.token()}),
    )
    .await;
    assert_eq!(with_token.status, 400);
    assert!(
        with_token.message().starts_with("token: expected no token"),
        "{}",
        with_token.text
    );
    let bad_route = post_json(&http, &faults, &json!({"status": 503, "route": "page"})).await;
    assert_eq!(
        bad_route.message(),
        "route: expected moments or pages, found \"page\""
    );
    let listed = crate::support::get(&http, &faults).await;
    assert_eq!(listed.json, json!({"faults": []}));
    post_json(&http, &faults, &json!({"status": 503, "route": "pages"})).await;
    let listed = crate::support::get(&http, &faults).await;
    assert_eq!(listed.json["faults"][0]["route"], "pages");
}

#[tokio::test]
async fn a_dropped_connection_records_nothing() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::drop_connection().on_route(FaultRoute::Pages))
        .unwrap();
    let sent = http()
        .post(format!("{}/page/team", server.url()))
        .bearer_auth(server.api_key())
        .json(&body("default"))
        .send()
        .await;
    assert!(sent.is_err(), "the connection was closed without an answer");
    assert!(server.pages().is_empty());
}

#[tokio::test]
async fn the_rate_limit_counts_per_api_key_after_authentication() {
    let server = MockServer::builder().rate_limit(1).start().await.unwrap();
    server.set_clock("2026-12-06T03:00:00Z".parse().unwrap());
    let anonymous = http()
        .post(format!("{}/page/team", server.url()))
        .json(&body("default"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "not counted");
    request_id(&page(&server, "team", &body("default"), &[]).await);
    let limited = page(&server, "person", &body("oncall@example.com"), &[]).await;
    assert_eq!(limited.status, 429, "one bucket for both routes of the key");
    assert_eq!(limited.headers["retry-after"], "1");
    // Moments have their own bucket per webhook.
    let moment = post_json(
        &http(),
        &server.webhook_url(),
        &json!({"name": "x", "type": "alert"}),
    )
    .await;
    assert_eq!(moment.status, 202);
    assert_eq!(server.pages().len(), 1, "a 429 is not recorded");
    server.advance_clock(std::time::Duration::from_secs(1));
    request_id(&page(&server, "team", &body("default"), &[]).await);
}

#[tokio::test]
async fn page_requests_are_in_the_request_journal() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::status(503).on_route(FaultRoute::Pages))
        .unwrap();
    let key = [("idempotency-key", "journal-1")];
    assert_eq!(
        page(&server, "team", &body("default"), &key).await.status,
        503
    );
    request_id(&page(&server, "team", &body("default"), &key).await);
    page(&server, "team", &body("default"), &key).await;
    let requests = server.requests();
    let statuses: Vec<Option<u16>> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(202), Some(202)]);
    let json = serde_json::to_value(&requests).unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|r| r["path_hint"] == "/page/team")
    );
    assert_eq!(json[0]["fault"]["status"], 503);
    assert_eq!(json[2]["replayed"], true);
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|r| r["headers"]["idempotency_key"] == "journal-1")
    );
    assert!(
        server.requests_for(server.token()).unwrap().is_empty(),
        "no webhook's"
    );
}

#[tokio::test]
async fn pages_are_capped_like_events() {
    let server = MockServer::builder().max_events(2).start().await.unwrap();
    let first = request_id(&page(&server, "team", &body("default"), &[]).await);
    for _ in 0..2 {
        request_id(&page(&server, "team", &body("default"), &[]).await);
    }
    assert_eq!(server.pages().len(), 2, "the oldest went");
    assert!(server.page(&first).is_err());
    let listed = crate::support::get(&http(), &format!("{}/_mock/pages", server.url())).await;
    assert_eq!(listed.json["dropped"], 1);
    let status = super::support::get_authorized(&server, &format!("/request/{first}/status")).await;
    assert_eq!(status.status, 404, "its status went with it");
}
