//! Paging the mock over HTTP.

use hotpot_mock_server::MockServer;
use serde_json::{Value, json};

use crate::support::{Answer, answer, http};

/// A page body with every required field.
pub fn body(recipient: &str) -> Value {
    json!({"title": "Rollback failed", "text": "deploy 42 could not be rolled back", "recipient": recipient})
}

/// `POST {url}/page/{kind}` with the server's API key, `body` as JSON and `headers`.
pub async fn page(
    server: &MockServer,
    kind: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = http()
        .post(format!("{}/page/{kind}", server.url()))
        .header("authorization", format!("Bearer {}", server.api_key()))
        .json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.send().await.expect("a response")).await
}

/// `GET {url}{path}` with the server's API key.
pub async fn get_authorized(server: &MockServer, path: &str) -> Answer {
    let request = http()
        .get(format!("{}{path}", server.url()))
        .header("authorization", format!("Bearer {}", server.api_key()));
    answer(request.send().await.expect("a response")).await
}

/// The request id of a 202.
pub fn request_id(answer: &Answer) -> String {
    assert_eq!(answer.status, 202, "{}", answer.text);
    answer.json["hotpot_request_id"]
        .as_str()
        .expect("a request id")
        .to_owned()
}
