//! Bodies that are not what they say: malformed, oversized, cut off, lying about their
//! length, or dribbled slowly.

use super::*;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowly_dribbled_chunked_body_is_read_whole() {
    // The read timeout is ten minutes, so that however slowly a loaded machine dribbles,
    // only a server that answered before the body ended would fail this.
    let bin = Binary::spawn(&["--read-timeout", "600"]);
    let body = r#"{"name": "Dribbled in small chunks", "type": "near-miss", "priority": "low"}"#;
    let mut conn = Conn::open(bin.addr).await;
    let head = format!(
        "POST /moment/{TOKEN} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\n\r\n"
    );
    conn.write(head.as_bytes()).await.unwrap();
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
