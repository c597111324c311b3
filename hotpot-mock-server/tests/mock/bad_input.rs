//! Bad input over raw HTTP against the `hotpot-mock-server` binary: malformed bodies, lying
//! framing, slow senders, hostile tokens. Each request gets the contract §3 status and body
//! it should, the server keeps serving (a normal moment is accepted afterwards), and the
//! event log (`GET /_mock/events`) holds exactly what it should.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_are_400_and_error_events() {
    let bin = Binary::spawn(&[]);
    let addr = bin.addr;

    // Invalid UTF-8.
    let reply = exchange(addr, &post(b"{\"name\": \"caf\xe9\", \"type\": \"alert\"}")).await;
    assert_bad_request(&reply, "not UTF-8 at offset 13");
    // A JSON array, and other JSON that is not an object.
    let reply = exchange(addr, &post(br#"[{"name": "x", "type": "alert"}]"#)).await;
    assert_bad_request(&reply, "expected a JSON object, found an array of 1 item");
    let reply = exchange(addr, &post(b"null")).await;
    assert_bad_request(&reply, "expected a JSON object, found null");
    // Nested 10,000 deep: refused by the parser's depth limit, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let reply = exchange(addr, &post(deep.as_bytes())).await;
    assert_bad_request(&reply, "recursion limit exceeded");
    let deep_field = format!(
        r#"{{"name": "x", "type": "alert", "description": {}1{}}}"#,
        r#"{"a":"#.repeat(10_000),
        "}".repeat(10_000)
    );
    let reply = exchange(addr, &post(deep_field.as_bytes())).await;
    assert_bad_request(&reply, "recursion limit exceeded");
    // NaN and the infinities are not JSON; nor is a number beyond f64.
    for literal in ["NaN", "Infinity", "-Infinity", "1e999"] {
        let body = format!(r#"{{"name": "x", "type": "alert", "priority": {literal}}}"#);
        let reply = exchange(addr, &post(body.as_bytes())).await;
        assert_bad_request(&reply, "found text that is not JSON");
    }
    // Not JSON at all, and empty.
    let reply = exchange(addr, &post(b"name=x&type=alert")).await;
    assert_bad_request(&reply, "found text that is not JSON");
    let reply = exchange(addr, &post(b"")).await;
    assert_bad_request(&reply, "found text that is not JSON");

    let events = bin.events().await;
    assert_eq!(events.len(), 11, "one error event per request");
    for event in &events {
        assert_error_event(event, "payload");
        assert_eq!(event["request_id"], Value::Null);
    }
    // What was not JSON is kept as text (lossy UTF-8); JSON that is not an object as JSON.
    assert_eq!(
        events[0]["raw_body"],
        "{\"name\": \"caf\u{fffd}\", \"type\": \"alert\"}"
    );
    assert_eq!(
        events[1]["payload"],
        json!([{"name": "x", "type": "alert"}])
    );
    assert_eq!(events[2]["payload"], Value::Null);
    assert_eq!(events[3]["raw_body"].as_str().map(str::len), Some(20_000));
    assert!(bin.moments().await.is_empty());
    bin.still_serving().await;
    let log = bin.stop();
    assert!(!log.contains(TOKEN), "the token is never logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_cut_off_and_lying_bodies() {
    let bin = Binary::spawn(&[]);
    let addr = bin.addr;
    let started = Instant::now();

    // 10 MB with an honest Content-Length: 413 once it is read (the client sees the answer,
    // not a reset), recorded without the body.
    let big = vec![b'x'; 10 * 1000 * 1000];
    let reply = exchange(addr, &post(&big)).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json(), json!({"error": "Payload Too Large"}));
    // 10 MB chunked, without a Content-Length: cut off after 1 MiB.
    let mut request =
        format!("POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n")
            .into_bytes();
    for _ in 0..10 {
        request.extend_from_slice(format!("{:x}\r\n", 1_000_000).as_bytes());
        request.extend_from_slice(&big[..1_000_000]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let reply = exchange(addr, &request).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json(), json!({"error": "Payload Too Large"}));

    // Cut off mid-string: Content-Length promises 100 bytes, 30 come, then the client closes
    // its side. The body is incomplete: a 400 (if anyone still listens) and an error event.
    let mut conn = Conn::open(addr).await;
    let partial = br#"{"name": "Cut off in the mid"#;
    let head = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: 100\r\n\r\n"
    );
    conn.write(head.as_bytes()).await.unwrap();
    conn.write(partial).await.unwrap();
    conn.close_write().await;
    if let Some(reply) = conn.reply(Duration::from_secs(5)).await {
        assert_bad_request(&reply, "expected a complete body");
    }

    // Content-Length larger than what is sent, and the client waits: no answer until the
    // body is complete (the server waits too), then the client gives up and hangs up.
    let mut conn = Conn::open(addr).await;
    conn.write(head.as_bytes()).await.unwrap();
    conn.write(partial).await.unwrap();
    assert!(
        conn.reply(Duration::from_millis(500)).await.is_none(),
        "no answer to half a body"
    );
    drop(conn);
    // The hang-up is recorded when the server notices it: wait for it, so that the events
    // below keep their order on a busy machine.
    bin.wait_for_events(4).await;

    // Content-Length smaller than the body: the first 10 bytes are the body (not JSON: 400),
    // the rest is read as the next request, which is not HTTP: a bare 400 from the HTTP
    // layer and the connection closes. Only the first is a request to the webhook.
    let body = br#"{"name": "x", "type": "alert"}"#;
    let mut request = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: 10\r\n\r\n"
    )
    .into_bytes();
    request.extend_from_slice(body);
    let mut conn = Conn::open(addr).await;
    conn.write(&request).await.unwrap();
    let first = conn.reply(Duration::from_secs(5)).await.expect("an answer");
    assert_bad_request(&first, "found text that is not JSON");
    if let Some(second) = conn.reply(Duration::from_secs(5)).await {
        assert_eq!(second.status, 400, "{second:?}");
    }
    assert!(conn.closed_within(Duration::from_secs(5)).await);

    // Framing the HTTP layer refuses outright: nothing reaches the webhook.
    for framing in [
        "content-length: 5\r\ncontent-length: 6\r\n",
        "content-length: -1\r\n",
        "content-length: ten\r\n",
    ] {
        let request = format!("POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\n{framing}\r\nhello");
        let mut conn = Conn::open(addr).await;
        conn.write(request.as_bytes()).await.unwrap();
        if let Some(reply) = conn.reply(Duration::from_secs(5)).await {
            assert_eq!(reply.status, 400, "{framing:?}: {reply:?}");
        }
        assert!(
            conn.closed_within(Duration::from_secs(5)).await,
            "{framing:?}"
        );
    }

    // A chunked body with a broken chunk size: an incomplete body.
    let request = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n\
         5\r\n{{\"nam\r\nzz\r\n"
    );
    let mut conn = Conn::open(addr).await;
    conn.write(request.as_bytes()).await.unwrap();
    let reply = conn.reply(Duration::from_secs(5)).await.expect("an answer");
    assert_bad_request(&reply, "expected a complete body");

    bin.still_serving().await;
    let events = bin.wait_for_events(7).await;
    let fields: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["status"].as_str().unwrap(),
                e["errors"][0]["field"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // 413, 413, cut off, gave up, too short, broken chunk, then the normal moment.
    assert_eq!(
        fields,
        [
            ("error", "payload"),
            ("error", "payload"),
            ("error", "payload"),
            ("error", "payload"),
            ("error", "payload"),
            ("error", "payload"),
            ("success", ""),
        ]
    );
    for event in &events[..6] {
        assert_error_event(event, "payload");
    }
    assert!(
        events[0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("found 10000000 bytes")
    );
    for event in &events[2..4] {
        let message = event["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("expected a complete body"), "{message}");
    }
    assert_eq!(bin.moments().await.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(30));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowly_dribbled_chunked_body_is_read_whole() {
    let bin = Binary::spawn(&[]);
    let body = r#"{"name": "Dribbled in small chunks", "type": "near-miss", "priority": "low"}"#;
    let mut conn = Conn::open(bin.addr).await;
    let head = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\n\r\n"
    );
    conn.write(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // Chunks of 1 to 4 bytes, each written in two pieces with pauses: ~2 s in all.
    for (i, piece) in body.as_bytes().chunks(3).enumerate() {
        let chunk = format!(
            "{:x}\r\n{}\r\n",
            piece.len(),
            std::str::from_utf8(piece).unwrap()
        );
        let (a, b) = chunk.as_bytes().split_at(chunk.len() / 2);
        conn.write(a).await.unwrap();
        tokio::time::sleep(Duration::from_millis(if i % 5 == 0 { 60 } else { 15 })).await;
        conn.write(b).await.unwrap();
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    assert!(
        conn.reply(Duration::from_millis(100)).await.is_none(),
        "no answer before the last chunk"
    );
    conn.write(b"0\r\n\r\n").await.unwrap();
    let reply = conn.reply(Duration::from_secs(5)).await.expect("an answer");
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert!(reply.json()["hotpot_request_id"].is_string());
    assert!(started.elapsed() < Duration::from_secs(10));

    let moments = bin.moments().await;
    assert_eq!(moments.len(), 1);
    assert_eq!(moments[0]["name"], "Dribbled in small chunks");
    assert_eq!(moments[0]["type"], "near-miss");
    // The connection stays usable for the next request.
    conn.write(&post(br#"{"name": "Next", "type": "page"}"#))
        .await
        .unwrap();
    let reply = conn.reply(Duration::from_secs(5)).await.expect("an answer");
    assert_eq!(reply.status, 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_of_emoji_with_combining_marks_count_scalar_values() {
    let bin = Binary::spawn(&[]);
    // 🔥 + COMBINING ACUTE ACCENT: 2 scalar values, 6 bytes.
    let seventy = "🔥\u{301}".repeat(35);
    assert_eq!(seventy.chars().count(), 70);
    let seventy_one = format!("{seventy}\u{20dd}");
    for name in [&seventy, &seventy_one] {
        let body = serde_json::to_vec(&json!({"name": name, "type": "incident"})).unwrap();
        let reply = exchange(bin.addr, &post(&body)).await;
        assert_eq!(reply.status, 202, "{}", reply.text());
    }
    let events = bin.events().await;
    assert_eq!(events[0]["status"], "success");
    assert_eq!(events[1]["status"], "error");
    assert_eq!(events[1]["errors"][0]["field"], "name");
    let message = events[1]["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("expected 1 to 70 characters, found 71 characters"),
        "{message}"
    );
    let moments = bin.moments().await;
    assert_eq!(moments.len(), 1);
    assert_eq!(moments[0]["name"], seventy.as_str());

    // Strict mode answers the 71 with 422 and the problem.
    let strict = Binary::spawn(&["--strict"]);
    let body = serde_json::to_vec(&json!({"name": seventy_one, "type": "incident"})).unwrap();
    let reply = exchange(strict.addr, &post(&body)).await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["details"][0]["field"], "name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_field_as_every_wrong_json_type() {
    let bin = Binary::spawn(&["--strict"]);
    let wrong: [(Value, &str); 5] = [
        (json!(42), "a number (42)"),
        (json!(-1.5), "a number (-1.5)"),
        (json!(true), "a boolean (true)"),
        (json!(["x"]), "an array of 1 item"),
        (json!({"x": 1}), "an object with 1 field"),
    ];
    let fields = hotpot_protocol::moment::rules::FIELDS;
    let mut sent = 0;
    for field in fields {
        for (value, described) in &wrong {
            let mut payload = json!({"name": "Wrong types", "type": "alert"});
            payload[field] = value.clone();
            let body = serde_json::to_vec(&payload).unwrap();
            let reply = exchange(bin.addr, &post(&body)).await;
            sent += 1;
            assert_eq!(reply.status, 422, "{payload}");
            let body = reply.json();
            assert_eq!(body["error"], "Unprocessable Entity");
            assert_eq!(
                body["details"],
                json!([{"field": field, "message": format!("expected a string, found {described}")}]),
                "{payload}"
            );
        }
    }
    // null is absence for the optional fields, a missing value for the required ones.
    for field in fields {
        let mut payload = json!({"name": "Nulls", "type": "alert"});
        payload[field] = Value::Null;
        let reply = exchange(bin.addr, &post(&serde_json::to_vec(&payload).unwrap())).await;
        sent += 1;
        if field == "name" || field == "type" {
            assert_eq!(reply.status, 422);
            let message = reply.json()["details"][0]["message"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(message.starts_with("required: expected"), "{message}");
            assert!(message.ends_with("found null"), "{message}");
        } else {
            assert_eq!(reply.status, 202, "{payload}");
        }
    }
    let events = bin.events().await;
    assert_eq!(events.len(), sent);
    let successes = events.iter().filter(|e| e["status"] == "success").count();
    assert_eq!(successes, 5, "only the optional nulls made moments");
    assert_eq!(bin.moments().await.len(), 5);
    bin.still_serving().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_keys_keep_the_last_value_and_say_so() {
    let bin = Binary::spawn(&[]);
    let body =
        br#"{"name": "First", "type": "alert", "name": "Second", "type": "page", "name": "Third"}"#;
    let reply = exchange(bin.addr, &post(body)).await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let moments = bin.moments().await;
    assert_eq!(moments[0]["name"], "Third");
    assert_eq!(moments[0]["type"], "page");
    let event = &bin.events().await[0];
    assert_eq!(event["status"], "success");
    assert_eq!(
        event["warnings"],
        json!([
            {"field": "name", "message": "expected each field once, found it 3 times; the last value was used"},
            {"field": "type", "message": "expected each field once, found it 2 times; the last value was used"},
        ])
    );

    // An error event keeps the warning, also when it is retried.
    let body = br#"{"name": "Fine", "type": "alert", "name": " "}"#;
    let reply = exchange(bin.addr, &post(body)).await;
    assert_eq!(reply.status, 202);
    let event = bin.events().await[1].clone();
    assert_eq!(event["status"], "error");
    assert_eq!(event["errors"][0]["field"], "name");
    let warning = json!([{"field": "name", "message": "expected each field once, found it 2 times; the last value was used"}]);
    assert_eq!(event["warnings"], warning);
    let id = event["id"].as_str().unwrap();
    let retried = support::answer(
        support::http()
            .post(bin.url(&format!("/_mock/events/{id}/retry")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.json["status"], "error");
    assert_eq!(retried.json["warnings"], warning);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injection_attempts_in_the_token_are_unknown_webhooks() {
    let bin = Binary::spawn(&[]);
    let addr = bin.addr;
    bin.still_serving().await; // one event, to see that nothing resets or adds to the log
    let long = "a".repeat(10_000);
    let paths = [
        format!("/moment/{TOKEN}%0d%0aSet-Cookie:%20stolen=1"),
        format!("/moment/x%0d%0aLocation:%20http://evil.example/{TOKEN}"),
        "/moment/../_mock/reset".to_owned(),
        "/moment/..%2F_mock%2Freset".to_owned(),
        format!("/moment/{TOKEN}%2F..%2F..%2F_mock%2Freset"),
        format!("/moment/%2e%2e/{TOKEN}"),
        format!("/moment/{TOKEN}/..%2F..%2Fetc%2Fpasswd"),
        format!("/moment/{TOKEN}/"),
        format!("/moment/{TOKEN}x"),
        format!("/moment/x{TOKEN}"),
        format!("/moment/{}", TOKEN.to_lowercase()),
        format!("/moment/{TOKEN}%00"),
        "/moment/t%C3%B6ken".to_owned(),
        "/moment/%F0%9F%94%A5".to_owned(),
        format!("/moment/{long}"),
        format!("/moment//{TOKEN}"),
        format!("//moment/{TOKEN}"),
    ];
    for path in &paths {
        let reply = exchange(addr, &post_to(path, br#"{"name": "x", "type": "alert"}"#)).await;
        assert_eq!(reply.status, 404, "{path}: {}", reply.text());
        assert_eq!(reply.json(), json!({"error": "Not Found"}), "{path}");
        let head = reply.head.to_ascii_lowercase();
        assert!(
            !head.contains("set-cookie") && !head.contains("location"),
            "{head}"
        );
    }
    // Raw bytes the request line may not hold (CR LF, spaces): the HTTP layer refuses them
    // with a bare 400 and closes. Raw UTF-8 in the path gets through to the router: an unknown
    // webhook. A megabyte of path is refused as too large.
    for (line, expected) in [
        (
            format!("POST /moment/{TOKEN}\r\nSet-Cookie: stolen=1 HTTP/1.1\r\n"),
            400,
        ),
        (format!("POST /moment/{TOKEN} x HTTP/1.1\r\n"), 400),
        ("POST /moment/töken HTTP/1.1\r\n".to_owned(), 404),
        (
            format!("POST /moment/{} HTTP/1.1\r\n", "b".repeat(1_000_000)),
            431,
        ),
    ] {
        let shown = &line[..line.len().min(40)];
        let request = format!("{line}host: x\r\ncontent-length: 0\r\n\r\n");
        let mut conn = Conn::open(addr).await;
        let _ = conn.write(request.as_bytes()).await; // a huge line may be cut off
        let reply = conn.reply(Duration::from_secs(5)).await;
        let status = reply.as_ref().map(|r| r.status);
        if expected == 404 {
            assert_eq!(status, Some(404), "{shown}");
            assert_eq!(reply.unwrap().json(), json!({"error": "Not Found"}));
        } else {
            // The answer may be lost when the server closes with unread input.
            assert!(status.is_none_or(|s| s == expected), "{shown}: {reply:?}");
            assert!(conn.closed_within(Duration::from_secs(5)).await, "{shown}");
        }
    }
    // A header injection attempt in a header value is just a header value.
    let body = r#"{"name": "x", "type": "page"}"#;
    let request = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         idempotency-key: a%0d%0aSet-Cookie: stolen=1\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let reply = exchange(addr, request.as_bytes()).await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert!(!reply.head.to_ascii_lowercase().contains("set-cookie"));

    // Nothing was reset, nothing else recorded: the first moment and the last one.
    let events = bin.events().await;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(events.iter().all(|e| e["status"] == "success"));
    bin.still_serving().await;
    let log = bin.stop();
    assert!(!log.contains(TOKEN), "the token is never logged: {log}");
}
