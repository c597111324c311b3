//! Spec §14 through `ApiClient` against a wiremock server: the page request on the wire, the
//! §5 retries with one `Idempotency-Key`, the answers, status and acknowledgements, the wait
//! for an acknowledgement, and the API key in no output.

use std::time::Duration;

use hotpot_client::{ApiClient, Error, Page, RequestState, Urgency};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{LogBuffer, envelope, fast_policy};

const KEY: &str = "hp_live_SECRETKEY_0123456789";

fn api(server: &MockServer) -> ApiClient {
    ApiClient::builder(KEY)
        .base_url(server.uri())
        .retry(fast_policy())
        .poll_interval(Duration::from_millis(20))
        .build()
        .unwrap()
}

fn page() -> Page {
    Page::builder("Rollback failed", "api 1.4.2 could not be rolled back")
        .urgency(Urgency::High)
        .source_url("https://ci.example.com/runs/1")
        .build()
        .unwrap()
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

async fn answer(server: &MockServer, verb: &str, route: &str, template: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(template)
        .mount(server)
        .await;
}

/// `POST route` answers 202, queued with this request id.
async fn answer_queued(server: &MockServer, route: &str, request_id: &str) {
    let template = ResponseTemplate::new(202).set_body_json(envelope(request_id));
    answer(server, "POST", route, template).await;
}

/// `GET /request/req-1/acknowledgements` answers 200 with these `(email, user id)` pairs.
async fn answer_acks(server: &MockServer, acks: &[(&str, &str)]) {
    let template = ResponseTemplate::new(200).set_body_json(acks_body(acks));
    answer(server, "GET", "/request/req-1/acknowledgements", template).await;
}

/// `GET /request/req-1/status` answers 200 with this body (see [`status_body`]).
async fn answer_status(server: &MockServer, body: Value) {
    let template = ResponseTemplate::new(200).set_body_json(body);
    answer(server, "GET", "/request/req-1/status", template).await;
}

fn acks_body(acks: &[(&str, &str)]) -> Value {
    let list: Vec<Value> = acks
        .iter()
        .map(|(email, id)| {
            json!({"acknowledged_at": "2026-12-06T03:00:00Z", "acknowledged_by_email": email,
                   "acknowledged_by": id, "status": "handled"})
        })
        .collect();
    json!({ "response": list })
}

fn status_body(state: &str, errors: Value) -> Value {
    json!({"response": {"message_request_id": "req-1", "status": state,
        "status_message": "Page queued for delivery!", "errors": errors, "message_id": null}})
}

#[tokio::test]
async fn page_team_sends_the_canonical_body_with_key_and_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/page/team"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(202).set_body_json(envelope("req-1")))
        .mount(&server)
        .await;
    let receipt = api(&server).page_team("payments", &page()).await.unwrap();
    assert_eq!((receipt.status, receipt.attempts), (202, 1));
    assert_eq!(receipt.request_id.as_deref(), Some("req-1"));
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(
        body,
        json!({"title": "Rollback failed", "text": "api 1.4.2 could not be rolled back",
               "recipient": "payments", "urgency": "high", "source_url": "https://ci.example.com/runs/1"})
    );
    let key = sent[0]
        .headers
        .get("idempotency-key")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(key, receipt.idempotency_key);
}

#[tokio::test]
async fn page_person_goes_to_the_person_route() {
    let server = MockServer::start().await;
    answer_queued(&server, "/page/person", "r").await;
    api(&server)
        .page_person("ana@example.com", &page())
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&requests(&server).await[0].body).unwrap();
    assert_eq!(body["recipient"], "ana@example.com");
}

#[tokio::test]
async fn a_bad_recipient_is_a_validation_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let api = api(&server);
    for err in [
        api.page_person("ana", &page()).await.unwrap_err(),
        api.page_team("my team", &page()).await.unwrap_err(),
    ] {
        let Error::Validation(v) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(v.problems()[0].field, "recipient");
        assert!(
            err.to_string()
                .starts_with("invalid page: recipient: expected"),
            "{err}"
        );
    }
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn a_503_is_retried_with_the_same_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/page/team"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    answer_queued(&server, "/page/team", "r").await;
    let receipt = api(&server).page_team("ops", &page()).await.unwrap();
    assert_eq!(receipt.attempts, 3);
    let keys: Vec<String> = requests(&server)
        .await
        .iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(
        keys.iter().all(|k| *k == receipt.idempotency_key),
        "{keys:?}"
    );
    // A second page gets a key of its own.
    let again = api(&server).page_team("ops", &page()).await.unwrap();
    assert_ne!(again.idempotency_key, receipt.idempotency_key);
}

#[tokio::test]
async fn answers_map_to_errors_and_only_retryable_ones_are_retried() {
    for (status, attempts, check) in [
        (401u16, 1usize, Error::is_unauthorized as fn(&Error) -> bool),
        (403, 1, Error::is_unauthorized),
        (400, 1, Error::is_rejected),
        (413, 1, Error::is_rejected),
        (415, 1, Error::is_rejected),
        (422, 1, Error::is_rejected),
        (429, 3, Error::is_rate_limited),
        (500, 3, Error::is_server),
        (504, 3, Error::is_server),
    ] {
        let server = MockServer::start().await;
        // An error body that repeats the key must not carry it into the error.
        let template = ResponseTemplate::new(status).set_body_string(format!("bad key {KEY}"));
        answer(&server, "POST", "/page/person", template).await;
        let err = api(&server)
            .page_person("ana@example.com", &page())
            .await
            .unwrap_err();
        assert!(check(&err), "{status}: {err:?}");
        assert_eq!(requests(&server).await.len(), attempts, "{status}");
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("SECRETKEY"), "{status}: {text}");
        }
    }
}

#[tokio::test]
async fn status_and_acknowledgements_are_read() {
    let server = MockServer::start().await;
    let mut body = status_body("success", json!([]));
    body["response"]["message_id"] = json!("page-7");
    answer_status(&server, body).await;
    answer_acks(
        &server,
        &[("ana@example.com", "u-1"), ("bo@example.com", "u-2")],
    )
    .await;
    let api = api(&server);
    let status = api.request_status("req-1").await.unwrap();
    assert_eq!(status.state, RequestState::Success);
    assert_eq!(status.message_id.as_deref(), Some("page-7"));
    let acks = api.acknowledgements("req-1").await.unwrap();
    assert_eq!(acks.len(), 2);
    assert_eq!(
        (acks[0].email.as_str(), acks[0].user_id.as_str()),
        ("ana@example.com", "u-1")
    );
    assert_eq!(
        acks[0].acknowledged_at.to_rfc3339(),
        "2026-12-06T03:00:00+00:00"
    );
    // An unknown id (answered here, so that wiremock does not log the unexpected request).
    answer(
        &server,
        "GET",
        "/request/nope/acknowledgements",
        ResponseTemplate::new(404),
    )
    .await;
    let err = api.acknowledgements("nope").await.unwrap_err();
    assert!(
        matches!(err, Error::UnknownRequest(ref id) if id == "nope"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreadable_acknowledgement_list_is_an_error_not_an_empty_list() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/request/r/acknowledgements",
        ResponseTemplate::new(200).set_body_json(json!({"response": {"oops": 1}})),
    )
    .await;
    let err = api(&server).acknowledgements("r").await.unwrap_err();
    assert!(err.to_string().contains("expected {\"response\""), "{err}");
}

#[tokio::test]
async fn wait_returns_the_first_acknowledgement_once_there_is_one() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/request/req-1/acknowledgements"))
        .respond_with(ResponseTemplate::new(200).set_body_json(acks_body(&[])))
        .up_to_n_times(3)
        .mount(&server)
        .await;
    answer_acks(&server, &[("ana@example.com", "u-1")]).await;
    answer_status(&server, status_body("success", json!([]))).await;
    let ack = api(&server)
        .wait_for_acknowledgement("req-1", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(ack.email, "ana@example.com");
    let sent = requests(&server).await;
    let count = |suffix: &str| {
        sent.iter()
            .filter(|r| r.url.path().ends_with(suffix))
            .count()
    };
    assert_eq!(count("/acknowledgements"), 4);
    // Once delivered, the status is not asked again.
    assert_eq!(count("/status"), 1);
}

#[tokio::test]
async fn wait_fails_at_once_when_the_page_errors() {
    let server = MockServer::start().await;
    answer_acks(&server, &[]).await;
    let errors = json!([{"field": "recipient", "message": "no user ghost@example.com"}]);
    answer_status(&server, status_body("error", errors)).await;
    let err = api(&server)
        .wait_for_acknowledgement("req-1", Duration::from_secs(600))
        .await
        .unwrap_err();
    let Error::PageFailed { request_id, errors } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(request_id, "req-1");
    assert_eq!(errors[0].field, "recipient");
    assert!(err.is_page_failed() && !err.is_retryable());
    assert!(
        err.to_string()
            .contains("page req-1 failed: recipient: no user ghost@example.com"),
        "{err}"
    );
    assert_eq!(
        requests(&server).await.len(),
        2,
        "one poll, then the verdict"
    );
}

#[tokio::test]
async fn wait_times_out_when_nobody_handles_the_page() {
    let server = MockServer::start().await;
    answer_acks(&server, &[]).await;
    answer_status(&server, status_body("accepted", json!([]))).await;
    let err = api(&server)
        .wait_for_acknowledgement("req-1", Duration::from_millis(150))
        .await
        .unwrap_err();
    assert!(err.is_timeout() && err.is_retryable(), "{err:?}");
    assert!(requests(&server).await.len() >= 2, "polled more than once");
}

#[tokio::test]
async fn wait_stops_on_a_refused_key() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/request/req-1/acknowledgements",
        ResponseTemplate::new(401),
    )
    .await;
    let err = api(&server)
        .wait_for_acknowledgement("req-1", Duration::from_secs(600))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
}

#[test]
fn blocking_api_client_pages_and_waits() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        answer_queued(&server, "/page/team", "req-1").await;
        answer_acks(&server, &[("ana@example.com", "u-1")]).await;
        server
    });
    let api = hotpot_client::blocking::ApiClient::builder(KEY)
        .base_url(server.uri())
        .retry(fast_policy())
        .build()
        .unwrap();
    let receipt = api.page_team("ops", &page()).unwrap();
    let ack = api
        .wait_for_acknowledgement(
            receipt.request_id.as_deref().unwrap(),
            Duration::from_secs(10),
        )
        .unwrap();
    assert_eq!(ack.user_id, "u-1");
    assert!(!format!("{api:?}").contains("SECRETKEY"));
}

#[test]
fn configuration_errors_are_caught_when_built() {
    for (key, base, found) in [
        ("", None, "found an empty string"),
        ("hp live", None, "found a space"),
        (
            KEY,
            Some("http://hotpot.example.com"),
            "refusing plain http to hotpot.example.com",
        ),
        (KEY, Some("ftp://127.0.0.1"), "found the scheme \"ftp\""),
        (
            KEY,
            Some("api.hotpot.works"),
            "expected an absolute http or https URL",
        ),
    ] {
        let mut builder = ApiClient::builder(key);
        if let Some(base) = base {
            builder = builder.base_url(base);
        }
        let err = builder.build().unwrap_err();
        assert!(err.is_config(), "{err:?}");
        assert!(err.to_string().contains(found), "{err}");
    }
    let ok = ApiClient::builder(KEY)
        .base_url("http://ci-mock:8080")
        .allow_http(true)
        .build()
        .unwrap();
    assert_eq!(ok.base_url().to_string(), "http://ci-mock:8080");
}

#[tokio::test]
async fn the_key_is_in_no_output_at_trace_level() {
    // A key of its own: the log capture is process-wide, and other tests' servers may log
    // the requests they did not expect, headers included.
    const TRACED_KEY: &str = "hp_live_TRACEDKEY_0123456789";
    let logs = LogBuffer::global();
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/page/team",
        ResponseTemplate::new(401).set_body_string(TRACED_KEY),
    )
    .await;
    let api = ApiClient::builder(TRACED_KEY)
        .base_url(server.uri())
        .retry(fast_policy())
        .build()
        .unwrap();
    let err = api.page_team("ops", &page()).await.unwrap_err();
    let debug = format!("{api:?} {err:?} {err} {:?}", api.api_key());
    assert!(debug.contains("hp_l…"), "{debug}");
    assert!(!debug.contains("TRACEDKEY"), "{debug}");
    let text = logs.text();
    assert!(text.contains("hotpot.page"), "the page was traced");
    assert!(!text.contains("TRACEDKEY"), "the key leaked into the logs");
}
