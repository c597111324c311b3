//! Helpers shared by the integration tests: a known token, fast retry policies, clients
//! pointed at a wiremock server, and a typical moment.

use std::time::Duration;

use hotpot_client::{Client, ClientBuilder, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// A client for [`TOKEN`]'s webhook at `addr` (a server that is not wiremock), with
/// [`fast_policy`].
pub fn client_at(addr: std::net::SocketAddr) -> Client {
    Client::builder(format!("http://{addr}{}", moment_path()))
        .retry(fast_policy())
        .build()
        .expect("a loopback webhook URL is valid")
}

pub use hotpot_test_support::{FULL_MOMENT_JSON, full_moment};

/// The envelope Hotpot answers an accepted moment with.
pub fn envelope(request_id: &str) -> serde_json::Value {
    serde_json::json!({
        "hotpot_request_id": request_id,
        "response": {"success": true, "message": "Your request has been queued."}
    })
}

/// Tracing output captured as text: every event and span of every thread, at TRACE level,
/// into one process-wide buffer, and each event also into its thread's own buffer.
#[derive(Clone, Default)]
pub struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

thread_local! {
    /// What the current thread logged since [`LogBuffer::of_this_thread`] last cleared it.
    static THIS_THREAD: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl LogBuffer {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The process-wide capture, installed on first use as the global subscriber (the only
    /// one of this test binary), with `log` records (reqwest's) forwarded to it by
    /// tracing-subscriber's `tracing-log` feature. Global rather than scoped: tracing caches
    /// per call site whether anybody listens, which makes a thread-scoped subscriber miss
    /// events while other tests run.
    pub fn global() -> &'static LogBuffer {
        static LOGS: std::sync::OnceLock<LogBuffer> = std::sync::OnceLock::new();
        LOGS.get_or_init(|| {
            let logs = LogBuffer::default();
            let buffer = logs.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
                .with_ansi(false)
                .with_writer(move || buffer.clone())
                .finish();
            tracing_subscriber::util::SubscriberInitExt::try_init(subscriber)
                .expect("the only global subscriber of this test binary");
            logs
        })
    }

    /// What the calling thread logged while `f` ran.
    pub fn of_this_thread(f: impl FnOnce()) -> String {
        LogBuffer::global();
        THIS_THREAD.with(|logs| logs.borrow_mut().clear());
        f();
        let bytes = THIS_THREAD.with(|logs| std::mem::take(&mut *logs.borrow_mut()));
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// How many lines contain every one of `needles`.
    pub fn count_lines_with(&self, needles: &[&str]) -> usize {
        self.text()
            .lines()
            .filter(|l| needles.iter().all(|n| l.contains(n)))
            .count()
    }
}

/// The lines of `logs` at level WARN or ERROR.
pub fn warnings_in(logs: &str) -> String {
    logs.lines()
        .filter(|line| {
            let level = line.split_whitespace().nth(1);
            matches!(level, Some("WARN" | "ERROR"))
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        THIS_THREAD.with(|logs| logs.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A server answering every POST to the webhook with `template`.
pub async fn server_answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(moment_path()))
        .respond_with(template)
        .mount(&server)
        .await;
    server
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

/// The texts `anyhow`'s `{:#}` joins with ": ", the error's own message first: its message and
/// each source's, down the `source()` chain.
pub fn chain_of(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut texts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        texts.push(cause.to_string());
        source = cause.source();
    }
    texts
}

/// A cause is in the message or in the chain, never both (the Rust API guidelines' rule): no
/// text of the chain repeats in a message above it, so `{:#}` says each thing once.
pub fn assert_each_cause_printed_once(err: &(dyn std::error::Error + 'static)) {
    let texts = chain_of(err);
    for (i, upper) in texts.iter().enumerate() {
        for lower in &texts[i + 1..] {
            assert!(
                !upper.contains(lower.as_str()),
                "{lower:?} is printed twice in the chain {texts:#?}"
            );
        }
    }
}
