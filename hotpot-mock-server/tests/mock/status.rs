//! Spec §4 over real HTTP: `GET /request/{id}/status` with the API key.

use hotpot_mock_server::{DEFAULT_API_KEY, MockServer};
use serde_json::json;

use crate::support;
use crate::support::{http, post_moment};

async fn status(server: &MockServer, id: &str, key: Option<&str>) -> support::Answer {
    support::request_status(server.url(), id, key).await
}

#[tokio::test]
async fn success_error_and_unknown_requests() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let ok = post_moment(&http, &server, &json!({"name": "x", "type": "alert"})).await;
    let ok_id = ok.json["hotpot_request_id"].as_str().unwrap();
    let a = status(&server, ok_id, Some(DEFAULT_API_KEY)).await;
    assert_eq!(a.status, 200);
    let moment_id = server.moments()[0].id.clone();
    assert_eq!(
        a.json,
        json!({"response": {"message_request_id": ok_id, "status": "success",
            "status_message": "Moment created", "errors": [], "message_id": moment_id}})
    );

    let bad = post_moment(&http, &server, &json!({"name": "x"})).await;
    let bad_id = bad.json["hotpot_request_id"].as_str().unwrap();
    let b = status(&server, bad_id, Some(DEFAULT_API_KEY)).await;
    assert_eq!(b.status, 200);
    let r = &b.json["response"];
    assert_eq!(r["status"], "error");
    assert_eq!(r["message_id"], serde_json::Value::Null);
    assert_eq!(r["errors"][0]["field"], "type");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("required")
    );

    let unknown = status(
        &server,
        "f1e5ae0a-f90c-4dac-affa-2eda897f5c3f",
        Some(DEFAULT_API_KEY),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json, json!({"error": "Not Found"}));
    let not_a_uuid = status(&server, "nope", Some(DEFAULT_API_KEY)).await;
    assert_eq!(not_a_uuid.status, 404);
}

#[tokio::test]
async fn needs_the_api_key() {
    let server = MockServer::builder()
        .api_key("s3cret")
        .start()
        .await
        .unwrap();
    let ok = post_moment(&http(), &server, &json!({"name": "x", "type": "alert"})).await;
    let id = ok.json["hotpot_request_id"].as_str().unwrap();
    for key in [None, Some(DEFAULT_API_KEY), Some("s3cre")] {
        let a = status(&server, id, key).await;
        assert_eq!(a.status, 401, "{key:?}");
        assert_eq!(a.json, json!({"error": "Unauthorized"}));
    }
    // Even an unknown id is 401 without the key: nothing is revealed.
    assert_eq!(status(&server, "nope", None).await.status, 401);
    assert_eq!(status(&server, id, Some("s3cret")).await.status, 200);
}

#[tokio::test]
async fn the_client_reads_it() {
    let server = MockServer::start().await.unwrap();
    let client = hotpot_client::Client::builder(server.webhook_url().as_str())
        .api_key(DEFAULT_API_KEY)
        .build()
        .unwrap();
    let moment = hotpot_client::Moment::builder("x", hotpot_client::MomentType::Page)
        .build()
        .unwrap();
    let receipt = client.send(&moment).await.unwrap();
    let status = client
        .request_status(receipt.request_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(status.state, hotpot_client::RequestState::Success);
    assert_eq!(
        status.message_id.as_deref(),
        Some(server.moments()[0].id.as_str())
    );
}
