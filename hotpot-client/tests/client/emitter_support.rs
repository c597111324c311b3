//! A small scripted webhook server for the emitter's tests, on its own thread and runtime
//! (so that blocking `flush`/`shutdown` calls and plain `#[test]`s work against it), that
//! records every request's `Idempotency-Key` and moment name and, like the mock server,
//! records an accepted key only once.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hotpot_client::{Client, Emitter, Moment, MomentType, RetryPolicy};
use tokio::sync::{oneshot, watch};

/// A long token that must never be printed whole.
pub const TOKEN: &str = "emitTOKEN_secret-0f1e2d3c4b5a69788796a5b4";

/// How the server answers one request.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// 202 with Hotpot's queued envelope (recorded once per key).
    Accept,
    /// This status with a small JSON error body.
    Status(u16),
    /// 429 with `Retry-After: <seconds>`.
    RateLimited(u64),
    /// Waits until [`Server::release`], then accepts.
    Hold,
    /// Never answers.
    Stall,
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub key: String,
    pub name: String,
}

#[derive(Default)]
struct Log {
    requests: Vec<Seen>,
    /// Accepted moments, once per key, in order.
    accepted: Vec<Seen>,
    accepted_keys: HashMap<String, usize>,
}

struct ServerState {
    script: Mutex<VecDeque<Answer>>,
    default: Mutex<Answer>,
    log: Mutex<Log>,
    changed: Condvar,
    gate: watch::Sender<bool>,
}

impl ServerState {
    fn next_answer(&self) -> Answer {
        let scripted = self.script.lock().unwrap().pop_front();
        scripted.unwrap_or(*self.default.lock().unwrap())
    }

    fn record(&self, seen: &Seen, accepted: bool) {
        let mut log = self.log.lock().unwrap();
        if accepted {
            if !log.accepted_keys.contains_key(&seen.key) {
                let n = log.accepted.len();
                log.accepted_keys.insert(seen.key.clone(), n);
                log.accepted.push(seen.clone());
            }
        } else {
            log.requests.push(seen.clone());
        }
        self.changed.notify_all();
    }
}

/// The running server; dropping it stops it (and every request it holds).
pub struct Server {
    addr: SocketAddr,
    state: Arc<ServerState>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// A server answering every request with `default` (after the scripted answers).
    pub fn start(default: Answer) -> Server {
        Server::scripted(&[], default)
    }

    /// A server answering the first requests as `script` says, then as `default`.
    pub fn scripted(script: &[Answer], default: Answer) -> Server {
        let state = Arc::new(ServerState {
            script: Mutex::new(script.iter().copied().collect()),
            default: Mutex::new(default),
            log: Mutex::new(Log::default()),
            changed: Condvar::new(),
            gate: watch::Sender::new(false),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .route("/moment/{token}", post(ingest))
            .with_state(Arc::clone(&state));
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here drops every held request and closes its connection.
        });
        Server {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The webhook URL on this server.
    pub fn url(&self) -> String {
        format!("http://{}/moment/{TOKEN}", self.addr)
    }

    /// Changes the answer given once the script is used up (the spool's tests: Hotpot
    /// comes back).
    pub fn set_default(&self, answer: Answer) {
        *self.state.default.lock().unwrap() = answer;
    }

    /// Lets the requests held by [`Answer::Hold`] (and later ones) be accepted.
    pub fn release(&self) {
        self.state.gate.send_replace(true);
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.state.log.lock().unwrap().requests.clone()
    }

    /// The accepted moments, once per `Idempotency-Key`, in order.
    pub fn accepted(&self) -> Vec<Seen> {
        self.state.log.lock().unwrap().accepted.clone()
    }

    /// Waits until `n` requests have arrived; panics after `timeout`.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut log = self.state.log.lock().unwrap();
        while log.requests.len() < n {
            let remaining = deadline.saturating_duration_since(Instant::now());
            assert!(
                !remaining.is_zero(),
                "expected {n} requests, got {}",
                log.requests.len()
            );
            log = self.state.changed.wait_timeout(log, remaining).unwrap().0;
        }
    }

    /// Waits until a request for each moment named in `names` has arrived; panics after
    /// `timeout`, naming those still missing.
    pub fn wait_for_requests_of(&self, names: &HashSet<String>, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut log = self.state.log.lock().unwrap();
        loop {
            let seen: HashSet<&str> = log.requests.iter().map(|s| s.name.as_str()).collect();
            let missing: Vec<&String> = names
                .iter()
                .filter(|n| !seen.contains(n.as_str()))
                .collect();
            if missing.is_empty() {
                return;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            assert!(!remaining.is_zero(), "no request for {missing:?}");
            log = self.state.changed.wait_timeout(log, remaining).unwrap().0;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn ingest(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let name = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let seen = Seen { key, name };
    let answer = state.next_answer();
    state.record(&seen, false);
    match answer {
        Answer::Accept => accept(&state, &seen),
        Answer::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap();
            (status, format!(r#"{{"error": "status {code}"}}"#)).into_response()
        }
        Answer::RateLimited(seconds) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", seconds.to_string())],
            r#"{"error": "Too Many Requests"}"#,
        )
            .into_response(),
        Answer::Hold => {
            let mut gate = state.gate.subscribe();
            let _ = gate.wait_for(|&open| open).await;
            accept(&state, &seen)
        }
        Answer::Stall => std::future::pending().await,
    }
}

fn accept(state: &ServerState, seen: &Seen) -> Response {
    state.record(seen, true);
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        hotpot_test_support::QUEUED_ENVELOPE,
    )
        .into_response()
}

/// A URL on which nothing listens: every connection is refused.
pub fn unreachable_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/moment/{TOKEN}")
}

/// Unbounded retries with 1–20 ms backoffs, `Retry-After` honoured up to 30 s.
pub fn fast_retry() -> RetryPolicy {
    hotpot_test_support::unbounded_retry(
        Duration::from_millis(1),
        Duration::from_millis(20),
        Duration::from_secs(30),
    )
}

/// A client for `url`, built outside any runtime.
pub fn client(url: &str) -> Client {
    Client::builder(url)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// An emitter into `server` with [`fast_retry`] and the other settings at their defaults.
pub fn emitter_to(server: &Server) -> Emitter {
    Emitter::builder(client(&server.url()))
        .retry(fast_retry())
        .build()
        .unwrap()
}

/// A valid moment named `name`.
pub fn moment(name: impl Into<String>) -> Moment {
    Moment::builder(name, MomentType::Alert).build().unwrap()
}

pub use hotpot_test_support::Collected;
