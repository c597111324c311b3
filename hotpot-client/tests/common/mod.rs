//! Helpers shared by the integration tests: a known token, fast retry policies, clients
//! pointed at a wiremock server, and a typical moment.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use hotpot_client::{Client, ClientBuilder, Moment, MomentType, Priority, RetryPolicy};
use wiremock::MockServer;

/// A long token that must never be printed whole.
pub const TOKEN: &str = "tok3n_SECRET-4f1d9a8c2b7e6d5c4b3a2f1e0d9c8b7a";

/// The webhook path of [`TOKEN`].
pub fn moment_path() -> String {
    format!("/moment/{TOKEN}")
}

/// The webhook URL of [`TOKEN`] on `server`.
pub fn webhook_url(server: &MockServer) -> String {
    format!("{}{}", server.uri(), moment_path())
}

/// The default policy (3 attempts) with 1 ms backoffs, so that tests run fast.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy::default().with_base_delay(Duration::from_millis(1))
}

/// A client builder for `server` with [`fast_policy`].
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder(webhook_url(server)).retry(fast_policy())
}

/// A client for `server` with [`fast_policy`].
pub fn client(server: &MockServer) -> Client {
    builder(server)
        .build()
        .expect("a loopback webhook URL is valid")
}

/// A moment with every field set.
pub fn full_moment() -> Moment {
    Moment::builder(
        "Failed deploy with successful rollback",
        MomentType::NearMiss,
    )
    .priority(Priority::High)
    .source("Deploybot")
    .source_url("https://deploys.example.com/runs/1234")
    .description("Rolled back **automatically** after health checks failed.")
    .occurred_at(
        chrono::DateTime::parse_from_rfc3339("2023-04-01T12:31:26Z")
            .expect("a valid time")
            .to_utc(),
    )
    .build()
    .expect("a valid moment")
}

/// The canonical JSON of [`full_moment`].
pub const FULL_MOMENT_JSON: &str = concat!(
    r#"{"name":"Failed deploy with successful rollback","type":"near-miss","priority":"high","#,
    r#""source":"Deploybot","source_url":"https://deploys.example.com/runs/1234","#,
    r#""description":"Rolled back **automatically** after health checks failed.","#,
    r#""occurred_at":"2023-04-01T12:31:26Z"}"#
);

/// The envelope Hotpot answers an accepted moment with.
pub fn envelope(request_id: &str) -> serde_json::Value {
    serde_json::json!({
        "hotpot_request_id": request_id,
        "response": {"success": true, "message": "Your request has been queued."}
    })
}

/// Tracing output captured as text, for assertions on what a send logged.
#[derive(Clone, Default)]
pub struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// A subscriber that writes every event and span, at TRACE level and without colours,
    /// into this buffer.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let buffer = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(move || buffer.clone())
            .finish()
    }

    /// The process-wide capture, installed on first use as the global subscriber, with
    /// `log` records (reqwest's) forwarded to it by tracing-subscriber's `tracing-log`
    /// feature. Global rather than scoped: tracing caches per call site whether anybody
    /// listens, which makes a thread-scoped subscriber miss events while other tests run.
    pub fn global() -> &'static LogBuffer {
        static LOGS: std::sync::OnceLock<LogBuffer> = std::sync::OnceLock::new();
        LOGS.get_or_init(|| {
            let logs = LogBuffer::default();
            tracing_subscriber::util::SubscriberInitExt::try_init(logs.subscriber())
                .expect("the only global subscriber of this test binary");
            logs
        })
    }

    /// How many lines contain every one of `needles`.
    pub fn count_lines_with(&self, needles: &[&str]) -> usize {
        self.text()
            .lines()
            .filter(|l| needles.iter().all(|n| l.contains(n)))
            .count()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How many requests `server` has received.
pub async fn received(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .len()
}

/// A loopback address where connections are refused: a socket bound but not listening, kept
/// for as long as the returned socket lives (so that no other test can take the port).
pub fn refusing_address() -> (tokio::net::TcpSocket, std::net::SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("a free port");
    let addr = socket.local_addr().expect("a bound socket");
    (socket, addr)
}
