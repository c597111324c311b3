//! Requests a client that skips validation would make.

use hotpot_mock_server::MockServer;
use serde_json::Value;

/// POSTs a raw JSON payload to the server's default webhook, as a client that skips
/// validation would, and returns the status and the JSON body of the answer.
pub async fn post_raw(server: &MockServer, payload: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(server.webhook_url())
        .json(payload)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST failed: {}", e.without_url()));
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}
