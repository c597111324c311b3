//! The strict admin API (spec §7, "A strict admin API"): unknown query parameters and body
//! fields are 400 on every route, faults can be listed and cleared per webhook.

use hotpot_mock_server::{Fault, MockServer, NewWebhook};
use serde_json::json;

use crate::support::{Answer, answer, delete, get, http, post_json};

async fn server() -> MockServer {
    MockServer::builder()
        .token("default-token-123")
        .start()
        .await
        .unwrap()
}

fn assert_unknown(a: &Answer, name: &str, what: &str) {
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.json["error"], "Bad Request");
    let message = a.json["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("{name}: unknown {what}")),
        "{message:?} should name {name:?}"
    );
}

#[tokio::test]
async fn every_admin_route_refuses_an_unknown_query_parameter() {
    let server = server().await;
    let http = http();
    let base = server.url();
    let token = server.token();
    let routes = [
        ("GET", "/_mock/health".to_owned()),
        ("GET", "/_mock/openapi.json".to_owned()),
        ("GET", "/_mock/webhooks".to_owned()),
        ("POST", "/_mock/webhooks".to_owned()),
        ("GET", format!("/_mock/webhooks/{token}")),
        ("PATCH", format!("/_mock/webhooks/{token}")),
        ("DELETE", format!("/_mock/webhooks/{token}")),
        ("GET", "/_mock/events".to_owned()),
        ("GET", "/_mock/events/1".to_owned()),
        ("POST", "/_mock/events/1/retry".to_owned()),
        ("GET", "/_mock/moments".to_owned()),
        ("GET", "/_mock/faults".to_owned()),
        ("POST", "/_mock/faults".to_owned()),
        ("DELETE", "/_mock/faults".to_owned()),
        ("GET", "/_mock/clock".to_owned()),
        ("POST", "/_mock/clock".to_owned()),
        ("DELETE", "/_mock/clock".to_owned()),
        ("POST", "/_mock/reset".to_owned()),
    ];
    server.fail_next(Fault::status(503).times(3)).unwrap();
    for (method, path) in routes {
        let url = format!("{base}{path}?bogus=1");
        let request = http.request(method.parse().unwrap(), &url);
        let a = answer(request.send().await.unwrap()).await;
        assert_unknown(&a, "bogus", "query parameter");
        assert!(!a.text.contains(token), "{method} {path}: {}", a.text);
    }
    // Nothing was done: the faults are still queued, the webhook still there.
    assert_eq!(server.pending_faults(), 1);
    assert_eq!(server.webhooks().len(), 1);
}

#[tokio::test]
async fn routes_without_a_body_refuse_body_fields() {
    let server = server().await;
    let http = http();
    let base = server.url();
    server.fail_next(Fault::status(503)).unwrap();
    for (method, path) in [
        ("DELETE", "/_mock/faults".to_owned()),
        ("DELETE", "/_mock/clock".to_owned()),
        ("DELETE", format!("/_mock/webhooks/{}", server.token())),
        ("POST", "/_mock/events/1/retry".to_owned()),
    ] {
        let request = http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .json(&json!({"token": "default-token-123"}));
        let a = answer(request.send().await.unwrap()).await;
        assert_unknown(&a, "token", "field");
    }
    assert_eq!(server.pending_faults(), 1);
    assert_eq!(server.webhooks().len(), 1);
}

#[tokio::test]
async fn reset_refuses_an_unknown_query() {
    let server = server().await;
    let http = http();
    server.fail_next(Fault::status(503)).unwrap();
    let a = post_json(
        &http,
        &format!("{}/_mock/reset?bogus=1", server.url()),
        &json!({}),
    )
    .await;
    assert_unknown(&a, "bogus", "query parameter");
    assert_eq!(server.pending_faults(), 1, "nothing was reset");
}

#[tokio::test]
async fn faults_are_listed_and_cleared_per_webhook() {
    let server = server().await;
    let http = http();
    server
        .create_webhook(NewWebhook::new("other").token("other-token-456"))
        .unwrap();
    let faults = format!("{}/_mock/faults", server.url());
    for body in [
        json!({"token": "default-token-123", "status": 503, "count": 2}),
        json!({"token": "other-token-456", "status": 429, "retry_after": 3}),
        json!({"delay_ms": 10}),
    ] {
        assert_eq!(post_json(&http, &faults, &body).await.status, 201);
    }
    let listed = get(&http, &faults).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(
        listed.json,
        json!({"faults": [
            {"token_hint": "defa…", "status": 503, "count": 2, "retry_after": null,
             "delay_ms": null, "drop_connection": false},
            {"token_hint": "othe…", "status": 429, "count": 1, "retry_after": 3,
             "delay_ms": null, "drop_connection": false},
            {"token_hint": null, "status": null, "count": 1, "retry_after": null,
             "delay_ms": 10, "drop_connection": false},
        ]})
    );
    assert!(!listed.text.contains("default-token-123"));
    let mine = get(&http, &format!("{faults}?token=other-token-456")).await;
    assert_eq!(mine.json["faults"].as_array().unwrap().len(), 1);
    assert_eq!(mine.json["faults"][0]["status"], 429);

    // Clearing one webhook's faults leaves the others'.
    let cleared = delete(&http, &format!("{faults}?token=default-token-123")).await;
    assert_eq!(cleared.status, 204, "{}", cleared.text);
    let left = get(&http, &faults).await.json;
    let left = left["faults"].as_array().unwrap();
    assert_eq!(left.len(), 2);
    assert_eq!(left[0]["token_hint"], "othe…");
    assert_eq!(left[1]["token_hint"], serde_json::Value::Null);
    assert_eq!(server.faults().len(), 2);

    // Without a token, everything goes.
    assert_eq!(delete(&http, &faults).await.status, 204);
    assert_eq!(get(&http, &faults).await.json, json!({"faults": []}));
}

#[tokio::test]
async fn the_library_lists_and_clears_faults_per_webhook() {
    let server = server().await;
    server
        .create_webhook(NewWebhook::new("other").token("other-token-456"))
        .unwrap();
    server
        .fail_next(Fault::status(503).for_token("other-token-456"))
        .unwrap();
    server
        .fail_next(Fault::status(500).for_token(server.token()))
        .unwrap();
    assert_eq!(server.clear_faults_for("other-token-456").unwrap(), 1);
    let faults = server.faults();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].status, Some(500));
}
