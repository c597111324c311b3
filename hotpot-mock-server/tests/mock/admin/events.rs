//! `/_mock/events` and `/_mock/moments`: filters, fields, the long-poll, retry, the event cap
//! and what leaves the log with it.

use super::*;

#[tokio::test]
async fn events_and_moments_with_filters() {
    let server = server().await;
    let http = http();
    let other = server
        .create_webhook(hotpot_mock_server::NewWebhook::new("other").token("other-token-456"))
        .unwrap();
    send(&http, &server.webhook_url(), "one", "alert").await;
    send(&http, &server.webhook_url(), "bad", "outage").await;
    send(&http, &other, "two", "page").await;
    send(&http, &other, "bad", "oops").await;

    let events = |query: &'static str| {
        let http = http.clone();
        let url = format!("{}/_mock/events{query}", server.url());
        async move { get(&http, &url).await }
    };
    let all = events("").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.json["dropped"], 0);
    let list = all.json["events"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    let ids: Vec<&str> = list.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4"], "oldest first");
    let keys: Vec<&String> = list[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "client_addr",
            "errors",
            "headers",
            "id",
            "integration",
            "moment_id",
            "payload",
            "raw_body",
            "received_at",
            "request_id",
            "status",
            "token_hint",
            "warnings",
            "webhook_label"
        ]
    );
    // The HTTP shape is the library's Event, serialised.
    assert_eq!(list[0], serde_json::to_value(&server.events()[0]).unwrap());

    let mine = events("?token=other-token-456").await;
    let names: Vec<&str> = mine.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["two", "bad"]);
    let errors = events("?status=error").await;
    assert_eq!(errors.json["events"].as_array().unwrap().len(), 2);
    let both = events("?status=success&token=other-token-456").await;
    assert_eq!(both.json["events"].as_array().unwrap().len(), 1);
    assert_eq!(both.json["events"][0]["payload"]["name"], "two");
    // A token that names no webhook is a mistake, not an empty list (spec §7).
    let none = events("?token=nobody").await;
    assert_eq!(none.status, 404, "{}", none.text);

    let moments = get(&http, &format!("{}/_mock/moments", server.url())).await;
    let list = moments.json["moments"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let keys: Vec<&String> = list[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "created_at",
            "description",
            "id",
            "integration",
            "name",
            "occurred_at",
            "priority",
            "request_id",
            "source",
            "source_url",
            "type",
            "webhook_label"
        ]
    );
    assert_eq!(list[0], serde_json::to_value(&server.moments()[0]).unwrap());
    let theirs = get(
        &http,
        &format!("{}/_mock/moments?token=other-token-456", server.url()),
    )
    .await;
    assert_eq!(theirs.json["moments"].as_array().unwrap().len(), 1);
    assert_eq!(theirs.json["moments"][0]["webhook_label"], "other");

    let one = get(&http, &format!("{}/_mock/events/2", server.url())).await;
    assert_eq!(one.json["payload"]["name"], "bad");
    assert_eq!(
        get(&http, &format!("{}/_mock/events/99", server.url()))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&http, &format!("{}/_mock/events/x", server.url()))
            .await
            .status,
        404
    );

    assert_bad(
        &events("?status=ok").await,
        "status: expected success or error",
    );
    assert_bad(&events("?tokn=x").await, "tokn: unknown query parameter");
    assert_bad(&events("?min=-1").await, "min: expected a whole number");
    assert_bad(
        &events("?min=1&wait_ms=99999999").await,
        "wait_ms: expected a whole number from 0 to 600000",
    );
    assert_bad(
        &events("?wait_ms=10").await,
        "wait_ms: expected together with min",
    );
    assert_bad(
        &get(
            &http,
            &format!("{}/_mock/moments?status=error", server.url()),
        )
        .await,
        "status: unknown query parameter",
    );
}

#[tokio::test]
async fn moment_fields_and_defaults() {
    let server = server().await;
    let http = http();
    post_moment(
        &http,
        &server,
        &json!({"name": "Failed deploy with successful rollback", "type": "Near-miss",
                "source": "Deploybot", "occurred_at": "2023-04-01 12:31:26",
                "priority": "HIGH", "description": "**Rolled back**",
                "source_url": "https://deploys.example.com/1"}),
    )
    .await;
    post_moment(&http, &server, &json!({"name": "Paged", "type": "page"})).await;
    let moments = get(&http, &format!("{}/_mock/moments", server.url()))
        .await
        .json;
    let m = &moments["moments"][0];
    assert_eq!(m["type"], "near-miss");
    assert_eq!(m["priority"], "high");
    assert_eq!(m["source"], "Deploybot");
    assert_eq!(m["source_url"], "https://deploys.example.com/1");
    assert_eq!(m["description"], "**Rolled back**");
    assert_eq!(m["occurred_at"], "2023-04-01T12:31:26Z");
    assert_eq!(m["webhook_label"], "default");
    assert_eq!(m["integration"], Value::Null);
    let paged = &moments["moments"][1];
    assert_eq!(paged["priority"], "medium", "the server's default");
    assert_eq!(
        paged["occurred_at"], paged["created_at"],
        "receipt time when absent"
    );
    assert_eq!(paged["source"], Value::Null);
}

#[tokio::test]
async fn long_poll_answers_when_enough_events_arrive() {
    let server = server().await;
    let http = http();
    let poll_url = format!(
        // A poll the events did not wake would answer after ten minutes, timed out.
        "{}/_mock/events?min=2&wait_ms=600000&status=success",
        server.url()
    );
    let poll = tokio::spawn({
        let http = http.clone();
        async move {
            let started = Instant::now();
            (get(&http, &poll_url).await, started.elapsed())
        }
    });
    send(&http, &server.webhook_url(), "a", "alert").await;
    send(&http, &server.webhook_url(), "bad", "nope").await; // does not match the filter
    send(&http, &server.webhook_url(), "b", "alert").await;
    let (a, took) = poll.await.unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.json["events"].as_array().unwrap().len(), 2);
    assert_eq!(a.json["timed_out"], false);
    assert!(a.headers.get("hotpot-mock-wait").is_none());
    assert!(took < Duration::from_secs(60), "{took:?}");

    // Not enough: answers after wait_ms with what there is.
    let started = Instant::now();
    let short = get(
        &http,
        &format!("{}/_mock/events?min=10&wait_ms=200", server.url()),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(short.json["events"].as_array().unwrap().len(), 3);
    // ... and says that it ran out, in the body and in a header.
    assert_eq!(short.json["timed_out"], true);
    assert_eq!(short.headers["hotpot-mock-wait"], "timed-out");

    // Moments too.
    let moments = get(
        &http,
        &format!("{}/_mock/moments?min=2&wait_ms=10000", server.url()),
    )
    .await;
    assert_eq!(moments.json["moments"].as_array().unwrap().len(), 2);
    assert_eq!(moments.json["timed_out"], false);
    let short = get(
        &http,
        &format!("{}/_mock/moments?min=3&wait_ms=0", server.url()),
    )
    .await;
    assert_eq!(short.json["moments"].as_array().unwrap().len(), 2);
    assert_eq!(short.json["timed_out"], true);
    assert_eq!(short.headers["hotpot-mock-wait"], "timed-out");
    // Without min there is no wait to run out.
    let plain = get(&http, &format!("{}/_mock/events", server.url())).await;
    assert_eq!(plain.json["timed_out"], false);
    assert!(plain.headers.get("hotpot-mock-wait").is_none());
}

#[tokio::test]
async fn retry_processes_an_error_event_again() {
    let server = server().await;
    let http = http();
    let when = "2026-11-27T12:00:00Z";
    server.set_clock(chrono::DateTime::parse_from_rfc3339(when).unwrap().to_utc());
    let a = post_moment(
        &http,
        &server,
        &json!({"name": "Late", "type": "alert", "occurred_at": "2026-11-27T12:05:00Z"}),
    )
    .await;
    let request_id = a.json["hotpot_request_id"].as_str().unwrap().to_owned();
    let event = &server.events()[0];
    assert_eq!(event.errors[0].field, "occurred_at");

    // Still in the future: still an error.
    let url = format!("{}/_mock/events/{}/retry", server.url(), event.id);
    let still = post_raw(&http, &url, None, "").await;
    assert_eq!(still.status, 200);
    assert_eq!(still.json["status"], "error");

    server.advance_clock(Duration::from_secs(600));
    let fixed = post_raw(&http, &url, None, "").await;
    assert_eq!(fixed.status, 200);
    assert_eq!(fixed.json["status"], "success");
    assert_eq!(fixed.json["errors"], json!([]));
    assert_eq!(fixed.json["id"], event.id);
    assert_eq!(fixed.json["request_id"], request_id);
    let moments = server.moments();
    assert_eq!(moments.len(), 1);
    assert_eq!(fixed.json["moment_id"], moments[0].id);
    assert_eq!(moments[0].request_id, request_id);
    assert_eq!(
        server.events().len(),
        1,
        "retry changes the event, it adds none"
    );

    // Success events and bodies that are not JSON cannot be retried.
    let again = post_raw(&http, &url, None, "").await;
    assert_eq!(again.status, 409);
    assert!(again.message().contains("already succeeded"));
    post_raw(
        &http,
        &server.webhook_url(),
        Some("application/json"),
        "{nope",
    )
    .await;
    let raw = post_raw(
        &http,
        &format!("{}/_mock/events/2/retry", server.url()),
        None,
        "",
    )
    .await;
    assert_eq!(raw.status, 409);
    assert_eq!(
        post_raw(
            &http,
            &format!("{}/_mock/events/77/retry", server.url()),
            None,
            ""
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn event_log_is_capped_and_counts_what_it_dropped() {
    let server = MockServer::builder().max_events(3).start().await.unwrap();
    let http = http();
    for i in 0..5 {
        send(&http, &server.webhook_url(), &format!("m{i}"), "alert").await;
    }
    let a = get(&http, &format!("{}/_mock/events", server.url())).await;
    let ids: Vec<&str> = a.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["3", "4", "5"], "the oldest go first");
    assert_eq!(a.json["dropped"], 2);
    assert_eq!(server.dropped_events(), 2);
    let m = get(&http, &format!("{}/_mock/moments", server.url())).await;
    assert_eq!(m.json["moments"].as_array().unwrap().len(), 3);
    assert_eq!(m.json["dropped"], 2);
    assert_eq!(m.json["moments"][0]["name"], "m2");
}

#[tokio::test]
async fn admin_request_status_for_dropped_events_is_404() {
    let server = MockServer::builder().max_events(1).start().await.unwrap();
    let http = http();
    let first = send(&http, &server.webhook_url(), "a", "alert").await;
    send(&http, &server.webhook_url(), "b", "alert").await;
    let id = first.json["hotpot_request_id"].as_str().unwrap();
    let a = support::request_status(server.url(), id, Some(server.api_key())).await;
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn moments_leave_the_log_with_their_events() {
    let server = MockServer::builder().max_events(2).start().await.unwrap();
    let http = http();
    server.set_clock(
        chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc(),
    );
    let later = json!({"name": "later", "type": "alert", "occurred_at": "2026-01-01T00:05:00Z"});
    post_moment(&http, &server, &later).await; // event 1: error
    send(&http, &server.webhook_url(), "a", "alert").await; // event 2: moment a
    server.advance_clock(Duration::from_secs(600));
    assert_eq!(
        server.retry_event("1").unwrap().status,
        hotpot_mock_server::EventStatus::Success
    );
    let names = |server: &MockServer| -> Vec<String> {
        server.moments().into_iter().map(|m| m.name).collect()
    };
    assert_eq!(names(&server), ["a", "later"]);
    // Event 3 pushes event 1 out, and with it the moment its retry created.
    send(&http, &server.webhook_url(), "c", "alert").await;
    assert_eq!(names(&server), ["a", "c"]);
    let moments = get(&http, &format!("{}/_mock/moments", server.url())).await;
    assert_eq!(moments.json["dropped"], 1);
    assert_eq!(server.event_count(), 2);
    assert_eq!(server.moment_count(), 2);
}
