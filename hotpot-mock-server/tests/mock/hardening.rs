//! No client can hold the server (spec §7): the read timeout (408 for a request whose head or
//! body trickles in, an admin request's, a page's and a console form's included; idle
//! connections closed), the connection cap, and an `Idempotency-Key`
//! memory that outlives the event log's cap.

use std::time::Duration;

use hotpot_mock_server::MockServer;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{http, post_json, post_with_key};

const TOKEN: &str = "hardening-token";

async fn server(read_timeout: Duration) -> MockServer {
    MockServer::builder()
        .token(TOKEN)
        .read_timeout(read_timeout)
        .start()
        .await
        .unwrap()
}

/// Writes `first`, then trickles `rest` a byte every 100 ms while reading; returns what the
/// server answered before closing (it must close within 30 s).
async fn trickle(server: &MockServer, first: &[u8], rest: &'static [u8]) -> String {
    let stream = TcpStream::connect(server.addr()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(first).await.unwrap();
    let trickler = tokio::spawn(async move {
        for byte in rest {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
        }
        // Keep the write side open: the server, not the client, must end it.
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), reader.read_to_end(&mut answer));
    // A reset after the answer is a close too.
    let _ = read.await.expect("the server closed the connection");
    trickler.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_trickled_head_is_answered_408_and_closed() {
    let server = server(Duration::from_secs(1)).await;
    let head: &'static [u8] = b"user-agent: slowloris\r\ncontent-type: application/json\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let answer = trickle(
        &server,
        format!("POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\n").as_bytes(),
        head,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(answer.contains("Request Timeout"), "{answer:?}");
    assert_eq!(server.event_count(), 0);
}

#[tokio::test]
async fn a_trickled_body_is_answered_408_and_closed_and_nothing_is_recorded() {
    let server = server(Duration::from_secs(1)).await;
    let body: &'static [u8] =
        br#"{"name": "slow", "type": "alert", "description": "a body that takes a long time"}"#;
    let head = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let answer = trickle(&server, head.as_bytes(), body).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:?}"
    );
    assert_eq!(server.event_count(), 0);
}

/// Spaces (JSON whitespace) that take a minute to trickle, longer than the test waits.
static A_MINUTE_OF_SPACES: [u8; 600] = [b' '; 600];

#[tokio::test]
async fn a_trickled_admin_body_is_answered_408_and_closed_and_nothing_is_done() {
    let server = server(Duration::from_secs(1)).await;
    // The body keeps coming, a byte every 100 ms, and never completes: only a deadline for
    // the whole body (not one per byte, nor none) answers within the test's 30 s.
    let head = "POST /_mock/faults HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                content-length: 10000\r\n\r\n{\"status\": 503,";
    let answer = trickle(&server, head.as_bytes(), &A_MINUTE_OF_SPACES).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:?}"
    );
    assert_eq!(server.pending_faults(), 0, "no fault was queued");
}

#[tokio::test]
async fn a_trickled_page_is_answered_408_and_closed_and_nothing_is_recorded() {
    let server = server(Duration::from_secs(1)).await;
    let head = format!(
        "POST /page/team HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         authorization: Bearer {}\r\nidempotency-key: trickled-page\r\n\
         content-length: 10000\r\n\r\n{{\"slug\": \"default\",",
        hotpot_mock_server::DEFAULT_API_KEY
    );
    let answer = trickle(&server, head.as_bytes(), &A_MINUTE_OF_SPACES).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:?}"
    );
    assert!(server.pages().is_empty(), "no page was recorded");
}

#[tokio::test]
async fn a_trickled_console_form_is_answered_408_and_closed_and_nothing_is_done() {
    let server = server(Duration::from_secs(1)).await;
    let before = server.webhooks().len();
    let head = "POST /webhooks HTTP/1.1\r\nhost: x\r\n\
                content-type: application/x-www-form-urlencoded\r\n\
                content-length: 10000\r\n\r\nlabel=trickled&";
    let answer = trickle(&server, head.as_bytes(), &A_MINUTE_OF_SPACES).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:?}"
    );
    assert_eq!(server.webhooks().len(), before, "no webhook was created");
}

#[tokio::test]
async fn idle_connections_are_closed_and_ingest_keeps_answering_meanwhile() {
    // 2,000 idle connections, all served at once (the cap is above them).
    let server = MockServer::builder()
        .token(TOKEN)
        .read_timeout(Duration::from_secs(1))
        .max_connections(2_100)
        .start()
        .await
        .unwrap();
    let mut idle = Vec::new();
    for _ in 0..2_000 {
        idle.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    let http = http();
    for i in 0..20 {
        let answer = post_json(
            &http,
            &server.webhook_url(),
            &json!({"name": format!("n{i}"), "type": "alert"}),
        )
        .await;
        assert_eq!(answer.status, 202);
    }
    // Each idle connection is closed by the server, without an answer (no request began).
    for mut stream in idle {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut buf));
        let _ = read.await.expect("an idle connection closed by the server");
        assert!(buf.is_empty(), "{:?}", String::from_utf8_lossy(&buf));
    }
}

#[tokio::test]
async fn connections_past_the_cap_wait_in_the_backlog_and_are_served_later() {
    let server = MockServer::builder()
        .max_connections(2)
        .read_timeout(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    // Two idle connections take both slots until the read timeout closes them.
    let _a = TcpStream::connect(server.addr()).await.unwrap();
    let _b = TcpStream::connect(server.addr()).await.unwrap();
    let answer = tokio::time::timeout(
        Duration::from_secs(30),
        post_json(
            &http(),
            &server.webhook_url(),
            &json!({"name": "later", "type": "alert"}),
        ),
    )
    .await
    .expect("served once a slot came free");
    assert_eq!(answer.status, 202);
}

#[tokio::test]
async fn idempotency_keys_outlive_the_event_logs_cap() {
    let server = MockServer::builder()
        .token(TOKEN)
        .max_events(10)
        .start()
        .await
        .unwrap();
    let http = http();
    let url = server.webhook_url();
    let moment = json!({"name": "Once", "type": "alert"});
    let first = post_with_key(&http, &url, "key-0", &moment).await;
    assert_eq!(first.status, 202);
    for i in 1..1_000 {
        let answer = post_with_key(&http, &url, &format!("key-{i}"), &moment).await;
        assert_eq!(answer.status, 202);
    }
    let dropped = server.dropped_events();
    assert_eq!(dropped, 990);
    let events = server.events();
    let again = post_with_key(&http, &url, "key-0", &moment).await;
    assert_eq!(again.status, 202);
    assert_eq!(again.json, first.json, "the original answer");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(server.events(), events, "nothing recorded");
    assert_eq!(server.dropped_events(), dropped);
    assert_eq!(server.evicted_idempotency_keys(), 0);

    // Its own bound: the oldest keys go first, and are counted.
    let small = MockServer::builder()
        .max_idempotency_keys(5)
        .start()
        .await
        .unwrap();
    for i in 0..6 {
        post_with_key(&http, &small.webhook_url(), &format!("k{i}"), &moment).await;
    }
    assert_eq!(small.evicted_idempotency_keys(), 1);
    let forgotten = post_with_key(&http, &small.webhook_url(), "k0", &moment).await;
    assert!(forgotten.headers.get("idempotent-replayed").is_none());
    assert_eq!(small.event_count(), 7);
}

/// A client that ends its side of the connection once its request is sent (a half-close,
/// as `nc -N` or a script's `shutdown(SHUT_WR)` does) still gets its answer, and the moment
/// is recorded — also when the answer takes a while (a delay fault holds it back here, so
/// that the server sees the end of the client's side before it answers).
#[tokio::test]
async fn a_half_closed_connection_still_gets_its_answer() {
    let server = server(Duration::from_secs(10)).await;
    server
        .fail_next(hotpot_mock_server::Fault::delay(Duration::from_millis(500)))
        .unwrap();
    let body = r#"{"name":"Half-closed","type":"alert"}"#;
    let request = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server answered and closed")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 202 "), "{answer:?}");
    assert_eq!(server.moments()[0].name, "Half-closed");
}
