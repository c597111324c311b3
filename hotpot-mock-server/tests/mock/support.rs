//! Helpers shared by the test modules: a plain reqwest client and small request helpers.
#![allow(dead_code)] // each suite uses a different subset

use reqwest::header::HeaderMap;
use serde_json::Value;

/// A client that never uses a proxy (tests talk to 127.0.0.1 only).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client")
}

/// An answer: status, headers and the body as JSON (`Value::Null` when it is not JSON) and text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Answer {
    /// The body's `message` (the error bodies' explanation).
    pub fn message(&self) -> &str {
        self.json["message"].as_str().expect("a message")
    }
}

/// Fails unless `text` holds every one of `pieces`.
pub fn assert_contains_all(text: &str, pieces: &[&str]) {
    for piece in pieces {
        assert!(text.contains(piece), "{piece} missing from:\n{text}");
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        json,
        text,
    }
}

pub async fn post_json(http: &reqwest::Client, url: &str, body: &Value) -> Answer {
    answer(http.post(url).json(body).send().await.expect("a response")).await
}

/// A server whose default webhook has `token`.
pub async fn server_with_token(token: &str) -> hotpot_mock_server::MockServer {
    hotpot_mock_server::MockServer::builder()
        .token(token)
        .start()
        .await
        .unwrap()
}

/// Sends an alert named `name` to the server's default webhook through `hotpot_client`, with
/// its default retries: the receipt.
pub async fn send_with_the_client(
    server: &hotpot_mock_server::MockServer,
    name: &str,
) -> hotpot_client::Receipt {
    let client = hotpot_client::Client::new(server.webhook_url().as_str()).unwrap();
    let moment = hotpot_client::Moment::builder(name, hotpot_client::MomentType::Alert)
        .build()
        .unwrap();
    client.send(&moment).await.unwrap()
}

/// POSTs `body` to `url` with an `Idempotency-Key`.
pub async fn post_with_key(http: &reqwest::Client, url: &str, key: &str, body: &Value) -> Answer {
    let request = http.post(url).header("idempotency-key", key).json(body);
    answer(request.send().await.expect("a response")).await
}

/// POSTs `body` to the server's default webhook.
pub async fn post_moment(
    http: &reqwest::Client,
    server: &hotpot_mock_server::MockServer,
    body: &Value,
) -> Answer {
    post_json(http, &server.webhook_url(), body).await
}

/// `GET {base}/request/{id}/status`, with `Authorization: Bearer {key}` when a key is given.
pub async fn request_status(base: &str, id: &str, key: Option<&str>) -> Answer {
    let mut request = http().get(format!("{base}/request/{id}/status"));
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    answer(request.send().await.expect("a response")).await
}

pub async fn post_raw(
    http: &reqwest::Client,
    url: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Answer {
    let mut request = http.post(url).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    answer(request.send().await.expect("a response")).await
}

pub async fn get(http: &reqwest::Client, url: &str) -> Answer {
    answer(http.get(url).send().await.expect("a response")).await
}

pub async fn delete(http: &reqwest::Client, url: &str) -> Answer {
    answer(http.delete(url).send().await.expect("a response")).await
}

pub async fn patch_json(http: &reqwest::Client, url: &str, body: &Value) -> Answer {
    answer(http.patch(url).json(body).send().await.expect("a response")).await
}

/// Writes `request` on a fresh connection and reads until the server closes it or one full
/// answer (by Content-Length) has arrived; returns what was read as text.
pub async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end].lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
            });
            if let Some(length) = length
                && buf.len() >= head_end + 4 + length
            {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Pages `recipient` through `POST /page/{kind}` and gives the request id.
pub async fn page(server: &hotpot_mock_server::MockServer, kind: &str, body: &Value) -> String {
    let sent = http()
        .post(format!("{}/page/{kind}", server.url()))
        .bearer_auth(server.api_key())
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    sent.json::<Value>().await.unwrap()["hotpot_request_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A server whose team `ops` pages `first` (a@example.com), then b@example.com
/// `escalate_after` later.
pub async fn ops_in_two_stages(
    first: hotpot_mock_server::NewUser,
    escalate_after: std::time::Duration,
) -> hotpot_mock_server::MockServer {
    use hotpot_mock_server::{MockServer, NewTeam, NewUser};
    let team = NewTeam::new("ops", [vec!["a@example.com"], vec!["b@example.com"]])
        .escalate_after(escalate_after);
    MockServer::builder()
        .user(first)
        .user(NewUser::new("b@example.com"))
        .team(team)
        .start()
        .await
        .unwrap()
}
