//! Payloads and tokens that are well framed but hostile: long names in combining marks,
//! every field as every wrong JSON type, repeated keys, injection attempts in the token.

use super::*;

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
