//! Bad input over raw HTTP against the `hotpot-mock-server` binary: malformed bodies, lying
//! framing, slow senders, hostile tokens. Each request gets the spec §3 status and body
//! it should, the server keeps serving (a normal moment is accepted afterwards), and the
//! event log (`GET /_mock/events`) holds exactly what it should.
//!
//! Here: the binary on its port, raw connections and the checks they share; the requests in
//! `framing` and `payloads`.

mod framing;
mod payloads;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support;

const TOKEN: &str = "badInput_Token_0123456789";

/// The binary, spawned with `--port 0`; killed when dropped. Its stderr (the request log) is
/// collected so that a test can check the token never appears in it.
struct Binary {
    child: Child,
    addr: SocketAddr,
    stderr: Option<JoinHandle<String>>,
}

impl Binary {
    fn spawn(extra: &[&str]) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
            .args(["--port", "0", "--token", TOKEN])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut listening = String::new();
        stdout.read_line(&mut listening).expect("a first line");
        let mut webhook = String::new();
        stdout.read_line(&mut webhook).expect("a second line");
        let base = listening
            .trim_end()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("first line: {listening:?}"));
        assert!(webhook.trim_end().ends_with(&format!("/moment/{TOKEN}")));
        let addr = base.parse().expect("HOST:PORT");
        let mut stderr = child.stderr.take().expect("piped");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Binary {
            child,
            addr,
            stderr: Some(stderr),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `GET /_mock/events`.
    async fn events(&self) -> Vec<Value> {
        let a = support::get(&support::http(), &self.url("/_mock/events")).await;
        assert_eq!(a.status, 200);
        a.json["events"].as_array().expect("events").clone()
    }

    async fn moments(&self) -> Vec<Value> {
        let a = support::get(&support::http(), &self.url("/_mock/moments")).await;
        a.json["moments"].as_array().expect("moments").clone()
    }

    /// A normal moment is still accepted: the server keeps serving.
    async fn still_serving(&self) {
        let a = support::post_json(
            &support::http(),
            &self.url(&format!("/moment/{TOKEN}")),
            &json!({"name": "Still serving", "type": "alert"}),
        )
        .await;
        assert_eq!(a.status, 202, "{}", a.text);
    }

    /// Stops the binary and returns everything it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One answer read off a raw connection.
#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("a JSON body ({e}): {:?}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A raw HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// Writes; an error (the server closed first) is returned, not a panic.
    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Closes the sending half: the server sees the end of the stream.
    async fn close_write(&mut self) {
        let _ = self.stream.shutdown().await;
    }

    /// The next full answer (by `Content-Length`), or `None` if the connection closes or
    /// `within` passes first.
    async fn reply(&mut self, within: Duration) -> Option<Reply> {
        let deadline = tokio::time::Instant::now() + within;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if self.buf.len() >= end + 4 + length {
                    let body = self.buf[end + 4..end + 4 + length].to_vec();
                    self.buf.drain(..end + 4 + length);
                    let status = head.get(9..12)?.parse().ok()?;
                    return Some(Reply { status, head, body });
                }
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await;
            match read {
                Ok(Ok(n)) if n > 0 => self.buf.extend_from_slice(&chunk[..n]),
                _ => return None,
            }
        }
    }

    /// Whether the server closed the connection (reads end) within `within`.
    async fn closed_within(&mut self, within: Duration) -> bool {
        let mut chunk = [0u8; 1024];
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
                Err(_) => return false,
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A POST to the default webhook with a body and a `Content-Length` that tells the truth.
fn post(body: &[u8]) -> Vec<u8> {
    post_to(&format!("/moment/{TOKEN}"), body)
}

fn post_to(path: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Sends one request on a fresh connection and returns the answer.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut conn = Conn::open(addr).await;
    conn.write(request).await.expect("write");
    conn.reply(Duration::from_secs(10))
        .await
        .expect("an answer")
}

/// The 400 answer of §3: `{"error": "Bad Request", "message": ...}` whose message contains
/// `says`.
fn assert_bad_request(reply: &Reply, says: &str) {
    assert_eq!(reply.status, 400, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["error"], "Bad Request", "{body}");
    let message = body["message"].as_str().expect("a message");
    assert!(message.contains(says), "{message:?} should say {says:?}");
    assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
    assert!(
        reply
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json")
    );
}

/// The last event, checked to be an `error` event for the default webhook whose first
/// problem is about `field`.
fn assert_error_event(event: &Value, field: &str) {
    assert_eq!(event["status"], "error", "{event}");
    assert_eq!(event["token_hint"], "badI…");
    assert_eq!(event["errors"][0]["field"], field, "{event}");
    assert_eq!(event["moment_id"], Value::Null);
}

impl Binary {
    /// The events once there are at least `n` (a cut-off request is recorded when the server
    /// notices the hang-up, which can trail the test's next step).
    async fn wait_for_events(&self, n: usize) -> Vec<Value> {
        let url = self.url(&format!("/_mock/events?min={n}&wait_ms=5000"));
        let a = support::get(&support::http(), &url).await;
        let events = a.json["events"].as_array().expect("events").clone();
        assert_eq!(events.len(), n, "{events:#?}");
        events
    }
}
