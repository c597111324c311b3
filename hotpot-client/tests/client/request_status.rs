//! Spec §4 through `Client::request_status`: the API key, the typed answer, and the
//! errors.

use hotpot_client::{Client, Error, Problem, RequestState, RequestStatus};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common;
use crate::common::{TOKEN, envelope, received};

const KEY: &str = "hp_api_key_0123456789";

fn client_with_key(server: &MockServer, base_path: &str) -> Client {
    Client::builder(format!("{}{base_path}/moment/{TOKEN}", server.uri()))
        .retry(common::fast_policy())
        .api_key(KEY)
        .build()
        .unwrap()
}

async fn status_answer(server: &MockServer, id: &str, template: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(format!("/request/{id}/status")))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(template)
        .mount(server)
        .await;
}

/// Asks the status of `id` (with the base path `base_path`) from a server that answers GET
/// `expected_path` with `template`: the result, and how many requests the server received.
async fn ask_status(
    base_path: &str,
    id: &str,
    expected_path: &str,
    template: ResponseTemplate,
) -> (Result<RequestStatus, Error>, usize) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(expected_path))
        .respond_with(template)
        .mount(&server)
        .await;
    let result = client_with_key(&server, base_path).request_status(id).await;
    (result, received(&server).await)
}

#[tokio::test]
async fn success_is_parsed_and_the_api_key_sent_as_bearer() {
    let server = MockServer::start().await;
    status_answer(
        &server,
        "req-1",
        ResponseTemplate::new(200).set_body_json(json!({"response": {
            "message_request_id": "req-1", "status": "success",
            "status_message": "Moment created", "errors": [], "message_id": "mom-9"
        }})),
    )
    .await;
    let status = client_with_key(&server, "")
        .request_status("req-1")
        .await
        .unwrap();
    assert_eq!(status.request_id, "req-1");
    assert_eq!(status.state, RequestState::Success);
    assert_eq!(status.status_message.as_deref(), Some("Moment created"));
    assert_eq!(status.errors, []);
    assert_eq!(status.message_id.as_deref(), Some("mom-9"));

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let auth = requests[0].headers.get("authorization").unwrap();
    assert_eq!(auth.to_str().unwrap(), format!("Bearer {KEY}"));
    // The status URL is the base's, not the webhook's: no token in it.
    assert!(!requests[0].url.as_str().contains(TOKEN));
}

#[tokio::test]
async fn accepted_and_error_states() {
    let server = MockServer::start().await;
    status_answer(
        &server,
        "req-queued",
        ResponseTemplate::new(200).set_body_json(json!({"response": {
            "message_request_id": "req-queued", "status": "accepted",
            "status_message": "Queued", "errors": [], "message_id": null
        }})),
    )
    .await;
    status_answer(
        &server,
        "req-bad",
        ResponseTemplate::new(200).set_body_json(json!({"response": {
            "message_request_id": "req-bad", "status": "error",
            "status_message": "Invalid moment",
            "errors": [
                {"field": "name", "message": "expected 1 to 70 characters, found 71 characters"},
                {"field": "type", "message": "expected one of page, alert, near-miss, incident, found \"x\""}
            ],
            "message_id": null
        }})),
    )
    .await;
    let client = client_with_key(&server, "");

    let queued = client.request_status("req-queued").await.unwrap();
    assert_eq!(queued.state, RequestState::Accepted);
    assert_eq!(queued.message_id, None);

    let bad = client.request_status("req-bad").await.unwrap();
    assert_eq!(bad.state, RequestState::Error);
    assert_eq!(bad.message_id, None);
    assert_eq!(
        bad.errors,
        [
            Problem::new("name", "expected 1 to 70 characters, found 71 characters"),
            Problem::new(
                "type",
                "expected one of page, alert, near-miss, incident, found \"x\""
            ),
        ]
    );
}

#[tokio::test]
async fn the_status_url_keeps_a_base_path_prefix() {
    let (result, requests) = ask_status(
        "/hotpot/v1",
        "abc-123",
        "/hotpot/v1/request/abc-123/status",
        ResponseTemplate::new(200).set_body_json(
            json!({"response": {"message_request_id": "abc-123", "status": "success"}}),
        ),
    )
    .await;
    let status = result.unwrap();
    assert_eq!(status.state, RequestState::Success);
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn an_odd_request_id_stays_one_path_segment() {
    let (result, _) = ask_status(
        "",
        "a/b?c",
        "/request/a%2Fb%3Fc/status",
        ResponseTemplate::new(200).set_body_json(json!({"response": {"status": "accepted"}})),
    )
    .await;
    let status = result.unwrap();
    assert_eq!(status.state, RequestState::Accepted);
    // Missing fields are filled leniently.
    assert_eq!(status.request_id, "a/b?c");
}

#[tokio::test]
async fn a_wrong_api_key_is_unauthorized_and_not_retried() {
    let (result, requests) = ask_status(
        "",
        "req-1",
        "/request/req-1/status",
        ResponseTemplate::new(401).set_body_json(json!({"error": "Unauthorized"})),
    )
    .await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized(m) if m.contains("401")),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(!err.to_string().contains(KEY));
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn an_unknown_request_id_is_unknown_request() {
    let (result, requests) = ask_status(
        "",
        "nope",
        "/request/nope/status",
        ResponseTemplate::new(404).set_body_json(json!({"error": "Not Found"})),
    )
    .await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::UnknownRequest(id) if id == "nope"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn server_trouble_on_the_status_endpoint_is_retried() {
    let (result, requests) =
        ask_status("", "r", "/request/r/status", ResponseTemplate::new(503)).await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Server { status: 503, .. }), "{err:?}");
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn without_an_api_key_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_body_json(envelope("r")))
        .mount(&server)
        .await;
    let client = common::client(&server);
    let err = client.request_status("req-1").await.unwrap_err();
    assert!(err.is_config(), "{err:?}");
    assert!(err.to_string().contains("API key"), "{err}");
    assert_eq!(received(&server).await, 0);
}

#[tokio::test]
async fn the_api_key_is_never_printed() {
    let server = MockServer::start().await;
    let client = client_with_key(&server, "");
    assert!(!format!("{client:?}").contains(KEY));
    let err = Client::builder(format!("{}/moment/{TOKEN}", server.uri()))
        .api_key("bad\nkey")
        .build()
        .unwrap_err();
    assert!(err.is_config());
    assert!(!err.to_string().contains("bad\nkey"));
}
