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
             "delay_ms": null, "drop_connection": false, "route": null},
            {"token_hint": "othe…", "status": 429, "count": 1, "retry_after": 3,
             "delay_ms": null, "drop_connection": false, "route": null},
            {"token_hint": null, "status": null, "count": 1, "retry_after": null,
             "delay_ms": 10, "drop_connection": false, "route": null},
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

/// `s` percent-encoded for a query value or a path segment.
fn encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
}

#[tokio::test]
async fn a_token_that_names_no_webhook_is_404_wherever_a_token_is_taken() {
    let server = server().await;
    // A safety net only: a long-poll that waited out its 10 minutes would fail the test.
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let base = server.url();
    let unknown = "no-such-token-789";
    let fault = post_json(
        &http,
        &format!("{base}/_mock/faults"),
        &json!({"token": unknown, "status": 503}),
    )
    .await;
    for (what, a) in [
        ("POST /_mock/faults", fault),
        (
            "GET /_mock/faults",
            get(&http, &format!("{base}/_mock/faults?token={unknown}")).await,
        ),
        (
            "DELETE /_mock/faults",
            delete(&http, &format!("{base}/_mock/faults?token={unknown}")).await,
        ),
        (
            "GET /_mock/events",
            get(
                &http,
                &format!("{base}/_mock/events?token={unknown}&min=1&wait_ms=600000"),
            )
            .await,
        ),
        (
            "GET /_mock/moments",
            get(
                &http,
                &format!("{base}/_mock/moments?token={unknown}&min=1&wait_ms=600000"),
            )
            .await,
        ),
    ] {
        assert_eq!(a.status, 404, "{what}: {}", a.text);
        assert_eq!(a.json["error"], "Not Found", "{what}");
        assert_eq!(
            a.json["message"], "no webhook with token no-s…",
            "{what}: the message names the token by its hint"
        );
    }
    assert_eq!(server.pending_faults(), 0, "nothing was queued");
    let err = server
        .fail_next(Fault::status(503).for_token(unknown))
        .unwrap_err();
    assert!(
        matches!(err, hotpot_mock_server::Error::NotFound(_)),
        "{err:?}"
    );
    assert!(server.clear_faults_for(unknown).is_err());
}

#[tokio::test]
async fn a_webhook_url_is_accepted_wherever_a_token_is() {
    let server = server().await;
    let http = http();
    let base = server.url();
    let url = server.webhook_url();
    // The URL as another host knows the mock (docker-compose, a CI service) works too.
    let elsewhere = format!("http://hotpot-mock:8080/moment/{}", server.token());
    let queued = post_json(
        &http,
        &format!("{base}/_mock/faults"),
        &json!({"token": url, "status": 503}),
    )
    .await;
    assert_eq!(queued.status, 201, "{}", queued.text);
    assert_eq!(server.faults()[0].token.as_deref(), Some(server.token()));
    let listed = get(
        &http,
        &format!("{base}/_mock/faults?token={}", encoded(&elsewhere)),
    )
    .await;
    assert_eq!(listed.json["faults"].as_array().unwrap().len(), 1);
    assert_eq!(
        post_json(&http, &url, &json!({"name": "x", "type": "alert"}))
            .await
            .status,
        503
    );
    assert_eq!(
        post_json(&http, &url, &json!({"name": "x", "type": "alert"}))
            .await
            .status,
        202
    );
    for list in ["events", "moments"] {
        let a = get(
            &http,
            &format!("{base}/_mock/{list}?token={}&min=1", encoded(&url)),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.json[list].as_array().unwrap().len(), 1, "{list}");
    }
    let hook = get(&http, &format!("{base}/_mock/webhooks/{}", encoded(&url))).await;
    assert_eq!(hook.status, 200, "{}", hook.text);
    assert_eq!(hook.json["label"], "default");
    server
        .fail_next(Fault::status(500).for_token(elsewhere.as_str()))
        .unwrap();
    assert_eq!(server.clear_faults_for(&url).unwrap(), 1);
    assert_eq!(server.events_for(&url).len(), 1);

    // A URL that is not a webhook URL is 400, and the message keeps the token out.
    let bad = post_json(
        &http,
        &format!("{base}/_mock/faults"),
        &json!({"token": format!("{base}/hooks/{}", server.token()), "status": 503}),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(
        bad.json["message"]
            .as_str()
            .unwrap()
            .starts_with("token: expected a webhook token or its URL"),
        "{}",
        bad.text
    );
    assert!(!bad.text.contains(server.token()), "{}", bad.text);
}
