//! Spec §5: a connection closed before any answer (a keep-alive connection the server closed
//! while it sat idle in the pool) is resent once at once, not counted as an attempt.
//!
//! The servers here close a connection as soon as a second request arrives on it, without
//! answering: the client cannot have learnt of the close before sending, whatever the
//! scheduling, so a client that does not resend fails every time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hotpot_client::{ApiClient, Client, Page, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::{TOKEN, full_moment};

const ACCEPTED: &str =
    r#"{"status":"success","hotpot_request_id":"r-1","message":"Your request has been queued."}"#;

/// What a [`ClosingServer`] saw.
#[derive(Default)]
struct Seen {
    connections: usize,
    /// Requests answered 202, by `Idempotency-Key`.
    answered: HashMap<String, usize>,
    /// Requests received and left unanswered (the connection closed instead).
    dropped: usize,
}

impl Seen {
    /// `count` requests answered, each `Idempotency-Key` once.
    fn assert_each_delivered_once(&self, count: usize) {
        assert_eq!(self.answered.len(), count, "delivered: {:?}", self.answered);
        assert!(
            self.answered.values().all(|&n| n == 1),
            "each delivered once: {:?}",
            self.answered
        );
    }
}

/// A raw HTTP/1.1 server that answers 202 with keep-alive the first `answer_first` requests of
/// each connection, then closes the connection when the next request has arrived, unanswered.
struct ClosingServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl ClosingServer {
    async fn start(answer_first: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let state = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                state.lock().unwrap().connections += 1;
                tokio::spawn(serve(socket, answer_first, state.clone()));
            }
        });
        ClosingServer { addr, seen, task }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }
}

impl Drop for ClosingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut socket: TcpStream, answer_first: usize, seen: Arc<Mutex<Seen>>) {
    let mut buffer = Vec::new();
    for served in 0.. {
        let Some(key) = read_request(&mut socket, &mut buffer).await else {
            return;
        };
        if served >= answer_first {
            seen.lock().unwrap().dropped += 1;
            return; // closes the connection, the request unanswered
        }
        *seen.lock().unwrap().answered.entry(key).or_default() += 1;
        let answer = format!(
            "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ACCEPTED}",
            ACCEPTED.len()
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
    }
}

/// Reads one whole request (head and `Content-Length` body); its `Idempotency-Key` (empty
/// without one), or `None` when the client closed the connection.
async fn read_request(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let length: usize = header("content-length").map_or(0, |v| v.parse().unwrap());
    while buffer.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    buffer.drain(..head_end + length);
    Some(header("idempotency-key").unwrap_or_default())
}

#[tokio::test]
async fn a_send_on_a_connection_the_server_closed_is_resent_without_costing_an_attempt() {
    let server = ClosingServer::start(1).await;
    // One attempt: a send that spent one on the closed connection would fail.
    let client = Client::builder(format!("http://{}/moment/{TOKEN}", server.addr))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    for _ in 0..4 {
        let receipt = client.send(&full_moment()).await.unwrap();
        assert_eq!(receipt.attempts, 1);
    }
    let seen = server.seen();
    // Sends 2 to 4 each went out on the previous send's connection first.
    assert_eq!(seen.dropped, 3);
    assert_eq!(seen.connections, 4);
    seen.assert_each_delivered_once(4);
}

#[tokio::test]
async fn a_page_on_a_connection_the_server_closed_is_resent_without_costing_an_attempt() {
    let server = ClosingServer::start(1).await;
    let api = ApiClient::builder("hp_live_SECRETKEY_0123456789")
        .base_url(format!("http://{}", server.addr))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    for _ in 0..3 {
        let page = Page::builder("Rollback failed", "db-1 is down")
            .build()
            .unwrap();
        let receipt = api.page_person("ada@example.com", &page).await.unwrap();
        assert_eq!(receipt.attempts, 1);
    }
    let seen = server.seen();
    assert_eq!((seen.dropped, seen.connections), (2, 3));
    seen.assert_each_delivered_once(3);
}

#[tokio::test]
async fn a_server_that_drops_every_request_still_fails_in_the_usual_attempts() {
    let server = ClosingServer::start(0).await;
    let client = Client::builder(format!("http://{}/moment/{TOKEN}", server.addr))
        .retry(
            RetryPolicy::default()
                .with_max_retries(1)
                .with_base_delay(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let err = client.send(&full_moment()).await.unwrap_err();
    assert!(err.is_transport() && err.is_retryable(), "{err:?}");
    let seen = server.seen();
    // Two attempts, each resent once at once.
    assert_eq!(seen.dropped, 4);
    assert_eq!(seen.connections, 4);
    assert!(seen.answered.is_empty());
}
