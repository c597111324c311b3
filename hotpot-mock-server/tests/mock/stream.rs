//! `GET /_mock/stream` (spec §7): Server-Sent Events with ids, `Last-Event-ID` replay,
//! `?token=`, and a stalled reader that neither slows ingest nor misses being told it lagged.

use std::time::Duration;

use hotpot_mock_server::{MockServer, NewUser, NewWebhook};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{get, http, ops_in_two_stages, page, post_json};

/// A client, the server's stream URL, and the stream opened on it.
async fn open_stream(server: &MockServer) -> (reqwest::Client, String, reqwest::Response) {
    let http = http();
    let url = format!("{}/_mock/stream", server.url());
    let stream = http.get(&url).send().await.unwrap();
    (http, url, stream)
}

/// Reads an SSE response until `pieces` all appeared (or 10 s passed); returns what was read.
async fn read_until(response: &mut reqwest::Response, pieces: &[&str]) -> String {
    let mut text = String::new();
    let read = async {
        while !pieces.iter().all(|p| text.contains(p)) {
            match response.chunk().await.unwrap() {
                Some(chunk) => text.push_str(&String::from_utf8_lossy(&chunk)),
                None => break,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), read).await;
    text
}

/// The `(id, event name, data)` of each message in `text`.
fn messages(text: &str) -> Vec<(String, String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(str::to_owned))
            };
            let data = field("data: ")?;
            Some((
                field("id: ").unwrap_or_default(),
                field("event: ")?,
                serde_json::from_str(&data).ok()?,
            ))
        })
        .collect()
}

#[tokio::test]
async fn events_webhooks_and_rejections_are_streamed_with_ids_and_replayed_from_last_event_id() {
    let server = MockServer::start().await.unwrap();
    let (http, url, mut stream) = open_stream(&server).await;
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    post_json(&http, &server.webhook_url(), &json!({"name": "One"})).await;
    post_json(&http, &format!("{}/moment/nope", server.url()), &json!({})).await;
    server.create_webhook(NewWebhook::new("ci")).unwrap();
    let text = read_until(
        &mut stream,
        &["event: event", "event: rejected", "event: webhook"],
    )
    .await;
    let got = messages(&text);
    assert_eq!(got.len(), 3, "{text}");
    assert_eq!(got[0].1, "event");
    assert_eq!(got[0].2["payload"]["name"], "One");
    assert_eq!(got[1].1, "rejected");
    assert_eq!(got[1].2["path_hint"], "/moment/no…");
    assert_eq!(got[2].1, "webhook");
    assert_eq!(got[2].2["change"], "created");
    assert_eq!(got[2].2["webhook"]["label"], "ci");
    let first_id: u64 = got[0].0.parse().unwrap();
    drop(stream);

    // Reconnecting after the first message: the two that followed it, then what comes next.
    post_json(&http, &server.webhook_url(), &json!({"name": "Two"})).await;
    let mut again = http
        .get(&url)
        .header("last-event-id", first_id.to_string())
        .send()
        .await
        .unwrap();
    let text = read_until(&mut again, &["\"Two\""]).await;
    let names: Vec<String> = messages(&text).into_iter().map(|m| m.1).collect();
    assert_eq!(names, ["rejected", "webhook", "event"], "{text}");
}

#[tokio::test]
async fn a_token_filter_keeps_one_webhooks_messages() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let other = server.create_webhook(NewWebhook::new("other")).unwrap();
    let url = format!("{}/_mock/stream?token={}", server.url(), server.token());
    let mut stream = http.get(&url).send().await.unwrap();
    post_json(
        &http,
        &format!("{}/moment/{other}", server.url()),
        &json!({"name": "Other"}),
    )
    .await;
    post_json(&http, &server.webhook_url(), &json!({"name": "Mine"})).await;
    let text = read_until(&mut stream, &["\"Mine\""]).await;
    assert!(!text.contains("Other"), "{text}");
    let missing = get(&http, &format!("{}/_mock/stream?token=nope", server.url())).await;
    assert_eq!(missing.status, 404);
    let typo = get(&http, &format!("{}/_mock/stream?tokn=x", server.url())).await;
    assert_eq!(typo.status, 400);
}

/// A reader that stops reading: ingest goes on answering, and when the reader reads again it
/// is told how many messages its stream skipped.
#[tokio::test]
async fn a_stalled_reader_does_not_slow_ingest_and_is_told_it_lagged() {
    let server = MockServer::builder().max_events(50).start().await.unwrap();
    let http = http();
    let mut stalled = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stalled
        .write_all(b"GET /_mock/stream HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    // Wait until the stream is open (its headers arrived), then stop reading.
    let mut head = [0u8; 256];
    let n = stalled.read(&mut head).await.unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).contains("200 OK"));

    // Enough large events to fill the socket buffers and the channel many times over.
    let description = "x".repeat(20_000);
    let moment = json!({"name": "Big", "description": description});
    for _ in 0..3_000 {
        let answer = post_json(&http, &server.webhook_url(), &moment).await;
        assert_eq!(answer.status, 202);
    }
    let mut seen = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let read = async {
        loop {
            let n = stalled.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the stream ended");
            seen.extend_from_slice(&chunk[..n]);
            if seen.windows(13).any(|w| w == b"event: lagged") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("an `event: lagged` message");
    let text = String::from_utf8_lossy(&seen);
    let at = text.find("event: lagged").unwrap();
    let data = text[at..]
        .lines()
        .nth(1)
        .unwrap()
        .strip_prefix("data: ")
        .unwrap();
    let skipped: Value = serde_json::from_str(data).unwrap();
    assert!(skipped["skipped"].as_u64().unwrap() > 0, "{data}");
}

/// A stream outlives the read timeout: the timeout is for a request's head and body, not for
/// an answer that is still being sent.
#[tokio::test]
async fn a_stream_is_not_cut_by_the_read_timeout() {
    let server = MockServer::builder()
        .read_timeout(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let (http, _, mut stream) = open_stream(&server).await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    post_json(&http, &server.webhook_url(), &json!({"name": "Still here"})).await;
    let text = read_until(&mut stream, &["Still here"]).await;
    assert!(text.contains("Still here"), "{text:?}");
}

#[tokio::test]
async fn page_changes_are_streamed_with_the_page_and_replayed() {
    let first = NewUser::new("a@example.com");
    let server = ops_in_two_stages(first, Duration::from_secs(60)).await;
    server.set_clock("2026-12-06T03:00:00Z".parse().unwrap());
    let (http, url, mut stream) = open_stream(&server).await;
    let body = json!({"title": "Disk <full>", "text": "db-1", "recipient": "ops"});
    let id = page(&server, "team", &body).await;
    // Not yet due: the clock moving without an escalation tells nothing.
    server.advance_clock(Duration::from_secs(59));
    server.advance_clock(Duration::from_secs(1));
    // Back before the second stage and forward again: each move changes who was notified.
    server.set_clock("2026-12-06T03:00:30Z".parse().unwrap());
    server.advance_clock(Duration::from_secs(30));
    server.acknowledge(&id, "b@example.com").unwrap();
    // A repeat by the same person changes nothing, and tells nothing.
    server.acknowledge(&id, "b@example.com").unwrap();
    // An event after the page changes marks the end of what is sent.
    post_json(&http, &server.webhook_url(), &json!({"name": "End"})).await;
    let text = read_until(&mut stream, &["\"End\""]).await;
    let got = messages(&text);
    let names: Vec<&str> = got.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(
        names,
        ["page", "page", "page", "page", "page", "event"],
        "{text}"
    );
    // Recorded: delivered to the first stage, nobody has handled it.
    assert_eq!(got[0].2["request_id"], id.as_str());
    assert_eq!(got[0].2["title"], "Disk <full>");
    assert_eq!(got[0].2["status"], "success");
    assert_eq!(got[0].2["notified"].as_array().unwrap().len(), 1);
    // The second stage came due on the mock's clock.
    assert_eq!(got[1].2["notified"][1]["email"], "b@example.com");
    assert_eq!(got[1].2["notified"][1]["stage"], 2);
    assert_eq!(got[1].2["acknowledgements"], json!([]));
    // Back: one notified again; forward: two.
    assert_eq!(got[2].2["notified"].as_array().unwrap().len(), 1);
    assert_eq!(got[3].2["notified"].as_array().unwrap().len(), 2);
    // Handled.
    assert_eq!(
        got[4].2["acknowledgements"][0]["acknowledged_by_email"],
        "b@example.com"
    );
    let ids: Vec<u64> = got.iter().map(|m| m.0.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    drop(stream);

    // Reconnecting after the third page message replays the other two, in order.
    let mut again = http
        .get(&url)
        .header("last-event-id", ids[2].to_string())
        .send()
        .await
        .unwrap();
    let text = read_until(&mut again, &["\"End\""]).await;
    let names: Vec<String> = messages(&text).into_iter().map(|m| m.1).collect();
    assert_eq!(names, ["page", "page", "event"], "{text}");

    // `?token=` is about one webhook: pages are not for it.
    post_json(&http, &server.webhook_url(), &json!({"name": "Last"})).await;
    let token = server.webhook_url().rsplit('/').next().unwrap().to_owned();
    let mut filtered = http
        .get(format!("{url}?token={token}"))
        .header("last-event-id", ids[0].to_string())
        .send()
        .await
        .unwrap();
    let text = read_until(&mut filtered, &["\"Last\""]).await;
    let names: Vec<String> = messages(&text).into_iter().map(|m| m.1).collect();
    assert_eq!(names, ["event", "event"], "{text}");
}

#[tokio::test]
async fn a_notification_due_as_a_running_clock_goes_on_is_streamed_by_itself() {
    let first = NewUser::new("a@example.com");
    let server = ops_in_two_stages(first, Duration::from_secs(1)).await;
    let (_, _, mut stream) = open_stream(&server).await;
    page(
        &server,
        "team",
        &json!({"title": "T", "text": "t", "recipient": "ops"}),
    )
    .await;
    // Nobody moves the clock: the second stage comes due a second later, and is told.
    let text = read_until(&mut stream, &["\"stage\":2"]).await;
    let got = messages(&text);
    let names: Vec<&str> = got.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(names, ["page", "page"], "{text}");
    assert_eq!(got[1].2["notified"][1]["email"], "b@example.com");
}

/// A burst of events reaches a reader whole and in order: the messages a reader had waiting
/// and wrote as one chunk are each a complete message with its own id.
#[tokio::test]
async fn a_burst_of_events_arrives_whole_in_order_with_consecutive_ids() {
    let server = MockServer::start().await.unwrap();
    let (http, _, mut stream) = open_stream(&server).await;
    let posts = (0..300).map(|i| {
        let (http, url) = (http.clone(), server.webhook_url());
        async move { post_json(&http, &url, &json!({"name": format!("n{i}")})).await }
    });
    for answer in futures_util::future::join_all(posts).await {
        assert_eq!(answer.status, 202);
    }
    let mut text = String::new();
    while messages(&text).len() < 300 {
        let more = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("the rest of the burst")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&more));
    }
    let got = messages(&text);
    assert_eq!(got.len(), 300, "{text}");
    let ids: Vec<u64> = got.iter().map(|m| m.0.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    let mut names: Vec<String> = got
        .iter()
        .map(|m| m.2["payload"]["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 300);
}

#[tokio::test]
async fn an_idle_stream_sends_a_keep_alive_comment_every_interval() {
    let server = MockServer::builder()
        .stream_keep_alive(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let mut stream = http()
        .get(format!("{}/_mock/stream", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    // Nothing happens on the server: what arrives is comment lines (`:`), one per interval.
    let mut text = String::new();
    let read = async {
        while text.matches(":\n\n").count() < 3 {
            match stream.chunk().await.unwrap() {
                Some(chunk) => text.push_str(&String::from_utf8_lossy(&chunk)),
                None => break,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("three keep-alive comments");
    assert!(
        text.split("\n\n")
            .filter(|block| !block.is_empty())
            .all(|block| block == ":"),
        "only comments: {text:?}"
    );
}

#[tokio::test]
async fn a_zero_keep_alive_interval_is_refused() {
    let err = MockServer::builder()
        .stream_keep_alive(Duration::ZERO)
        .start()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("stream_keep_alive: expected a positive duration, found 0"),
        "{err}"
    );
}
