//! The library API (spec §8): start, builder, isolation, waits, typed records, drop and
//! graceful shutdown, and running on a runtime the caller owns.

use std::time::{Duration, Instant};

use hotpot_mock_server::{
    Error, EventStatus, Fault, MockServer, NewWebhook, RecordedMoment, Webhook, WebhookPatch,
};
use serde_json::json;

use crate::support;
use crate::support::{http, post_json, post_moment};

#[tokio::test]
async fn each_server_is_isolated() {
    let a = MockServer::start().await.unwrap();
    let b = MockServer::start().await.unwrap();
    assert_ne!(a.addr(), b.addr());
    assert_ne!(a.token(), b.token());
    assert!(a.addr().ip().is_loopback());
    post_moment(&http(), &a, &json!({"name": "x", "type": "alert"})).await;
    assert_eq!(a.events().len(), 1);
    assert!(b.events().is_empty());
    // Tokens are not shared either.
    let on_b = format!("{}/moment/{}", b.url(), a.token());
    assert_eq!(post_json(&http(), &on_b, &json!({})).await.status, 404);
}

#[tokio::test]
async fn wait_for_events_and_moments() {
    let server = MockServer::start().await.unwrap();
    let url = server.webhook_url();
    let sender = tokio::spawn(async move {
        let http = http();
        post_json(&http, &url, &json!({"name": "one", "type": "alert"})).await;
        post_json(&http, &url, &json!({"name": "bad"})).await;
        post_json(&http, &url, &json!({"name": "two", "type": "page"})).await;
    });
    let events = server
        .wait_for_events(3, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(events.len(), 3);
    let moments = server
        .wait_for_moments(2, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        moments.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["one", "two"]
    );
    sender.await.unwrap();

    let started = Instant::now();
    let timeout = server
        .wait_for_moments(5, Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(timeout.wanted, 5);
    assert_eq!(timeout.got.len(), 2);
    assert!(timeout.to_string().contains("for 5 items, found 2"));
}

#[tokio::test]
async fn typed_records_serialise_to_the_section_7_shapes() {
    let server = MockServer::start().await.unwrap();
    post_moment(
        &http(),
        &server,
        &json!({"name": "x", "type": "INCIDENT", "priority": "Low"}),
    )
    .await;
    let moment = &server.moments()[0];
    let value = serde_json::to_value(moment).unwrap();
    assert_eq!(value["type"], "incident");
    assert_eq!(value["priority"], "low");
    let back: RecordedMoment = serde_json::from_value(value).unwrap();
    assert_eq!(&back, moment);
    let event = &server.events()[0];
    let value = serde_json::to_value(event).unwrap();
    assert_eq!(value["status"], "success");
    let back: hotpot_mock_server::Event = serde_json::from_value(value).unwrap();
    assert_eq!(&back, event);
}

/// Creates the webhook `new` and returns its record, as `webhooks()` lists it.
fn created(server: &MockServer, new: NewWebhook) -> Webhook {
    let url = server.create_webhook(new).unwrap();
    server
        .webhooks()
        .into_iter()
        .find(|h| h.url == url)
        .unwrap()
}

#[tokio::test]
async fn library_methods_mirror_the_admin_api() {
    let server = support::server_with_token("lib-token").await;
    let hook = created(
        &server,
        NewWebhook::new("linear")
            .kind("linear")
            .token("linear-token"),
    );
    assert_eq!(hook.kind, "linear");
    assert!(matches!(
        server.create_webhook(NewWebhook::new("dup").token("linear-token")),
        Err(Error::Conflict(_))
    ));
    let patched = server
        .update_webhook("linear-token", WebhookPatch::default().label("Linear"))
        .unwrap();
    assert_eq!(patched.label, "Linear");
    assert!(matches!(
        server.update_webhook("nope", WebhookPatch::default().label("x")),
        Err(Error::NotFound(_))
    ));
    assert_eq!(server.webhooks().len(), 2);

    let http = http();
    post_json(&http, &hook.url, &json!({"name": "x", "type": "alert"})).await;
    post_moment(&http, &server, &json!({"name": "x"})).await;
    assert_eq!(server.events_for("linear-token").len(), 1);
    assert_eq!(server.moments_for("linear-token").len(), 1);
    assert_eq!(server.moments_for("lib-token").len(), 0);
    let errors = server.events_with(EventStatus::Error);
    assert_eq!(errors.len(), 1);
    assert_eq!(server.event(&errors[0].id).unwrap(), errors[0]);
    assert!(matches!(
        server.retry_event(&errors[0].id).unwrap().status,
        EventStatus::Error
    ));

    server.delete_webhook("linear-token").unwrap();
    assert!(server.delete_webhook("linear-token").is_err());

    server.fail_next(Fault::status(503)).unwrap();
    server.clear_faults();
    assert_eq!(
        post_moment(&http, &server, &json!({"name": "x", "type": "page"}))
            .await
            .status,
        202
    );
    server.reset();
    assert!(server.events().is_empty());
}

#[tokio::test]
async fn builder_checks_its_settings() {
    assert!(matches!(
        MockServer::builder().token("a b").start().await,
        Err(Error::BadRequest(_))
    ));
    assert!(MockServer::builder().max_events(0).start().await.is_err());
    assert!(MockServer::builder().rate_limit(0).start().await.is_err());
    assert!(MockServer::builder().api_key(" ").start().await.is_err());
    let taken = MockServer::start().await.unwrap();
    let err = MockServer::builder()
        .port(taken.addr().port())
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Bind(_)), "{err}");
}

#[tokio::test]
async fn debug_output_never_shows_the_token() {
    let server = support::server_with_token("supersecrettoken").await;
    let hook = created(&server, NewWebhook::new("x").token("anothersecret"));
    for text in [
        format!("{server:?}"),
        format!("{hook:?}"),
        format!("{:?}", NewWebhook::new("x").token("anothersecret")),
        format!("{:?}", Fault::status(503).for_token("anothersecret")),
        format!("{:?}", MockServer::builder().token("supersecrettoken")),
    ] {
        assert!(
            !text.contains("supersecrettoken") && !text.contains("anothersecret"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let server = MockServer::start().await.unwrap();
    let addr = server.addr();
    // A keep-alive connection is open when the server goes.
    let http = http();
    post_moment(&http, &server, &json!({"name": "x", "type": "alert"})).await;
    drop(server);
    // The listener is closed: a new connection is refused (the accept task was aborted).
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused, "the port still accepts connections");
}

#[tokio::test]
async fn shutdown_finishes_in_flight_requests_and_does_not_wait_for_idle_connections() {
    // A shutdown that waited for the idle connection would wait ten minutes: the grace period
    // and the read timeout (which closes idle connections) are that long.
    let server = MockServer::builder()
        .shutdown_timeout(Duration::from_secs(600))
        .read_timeout(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let http = http();
    // An idle keep-alive connection in the client's pool.
    post_moment(&http, &server, &json!({"name": "x", "type": "alert"})).await;
    // A request in flight, slowed down by a fault.
    server
        .fail_next(Fault::delay(Duration::from_millis(300)))
        .unwrap();
    let url = server.webhook_url();
    let in_flight = tokio::spawn({
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        async move { post_json(&http, &url, &json!({"name": "slow", "type": "alert"})).await }
    });
    // Wait until the slow request has reached the server (its fault is taken).
    while server.pending_faults() > 0 {
        tokio::task::yield_now().await;
    }
    let started = Instant::now();
    server.shutdown().await;
    let took = started.elapsed();
    assert_eq!(
        in_flight.await.unwrap().status,
        202,
        "the in-flight request finished"
    );
    assert!(took < Duration::from_secs(60), "shutdown took {took:?}");
}

#[test]
fn start_on_a_runtime_the_caller_owns() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // Not in an async context: the Python wrapper's situation.
    let server = MockServer::builder().start_on(runtime.handle()).unwrap();
    let url = server.webhook_url();
    let status = runtime.block_on(async move {
        post_json(&http(), &url, &json!({"name": "x", "type": "alert"}))
            .await
            .status
    });
    assert_eq!(status, 202);
    assert_eq!(server.moments().len(), 1);
    let moments = runtime
        .block_on(server.wait_for_moments(1, Duration::from_secs(1)))
        .unwrap();
    assert_eq!(moments[0].name, "x");
    runtime.block_on(server.shutdown());
}

#[tokio::test]
async fn shutdown_answers_long_polls_at_once() {
    // Nothing observable marks a parked poll, so the poll gets a while to arrive; when it had
    // not (the shutdown found no request: the client sees a refused or closed connection),
    // the round is run again with a longer while — it cannot pass wrongly either way.
    for wait_ms in [100, 500, 2_000, 8_000] {
        // A shutdown that waited for the long poll would wait its ten minutes (the grace
        // period is as long).
        let server = MockServer::builder()
            .shutdown_timeout(Duration::from_secs(600))
            .start()
            .await
            .unwrap();
        let url = format!("{}/_mock/events?min=5&wait_ms=600000", server.url());
        // The client is built first: building one can take longer than the wait below.
        let client = http();
        let poll = tokio::spawn(async move { client.get(url).send().await });
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        let started = Instant::now();
        server.shutdown().await;
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "shutdown waited for the long poll"
        );
        let Ok(response) = poll.await.unwrap() else {
            continue; // the poll had not reached the server
        };
        let answer = support::answer(response).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json["events"], json!([]));
        return;
    }
    panic!("the long poll never reached the server");
}

#[tokio::test]
async fn a_public_url_is_the_base_of_every_url_returned() {
    let server = hotpot_mock_server::MockServer::builder()
        .token("public-token-1")
        .public_url("https://mock.example.test:9443/hotpot/")
        .start()
        .await
        .unwrap();
    assert_eq!(server.url(), "https://mock.example.test:9443/hotpot");
    assert_eq!(
        server.webhook_url(),
        "https://mock.example.test:9443/hotpot/moment/public-token-1"
    );
    let created = server
        .create_webhook(hotpot_mock_server::NewWebhook::new("x").token("second-token"))
        .unwrap();
    assert_eq!(
        created,
        "https://mock.example.test:9443/hotpot/moment/second-token"
    );
    // Over HTTP at its real address: the records and the OpenAPI servers say the public URL.
    let real = format!("http://{}", server.addr());
    let http = crate::support::http();
    let hooks = crate::support::get(&http, &format!("{real}/_mock/webhooks")).await;
    assert_eq!(hooks.json["webhooks"][1]["url"], created);
    let spec = crate::support::get(&http, &format!("{real}/_mock/openapi.json")).await;
    assert_eq!(
        spec.json["servers"],
        serde_json::json!([{"url": "https://mock.example.test:9443/hotpot",
                            "description": "this mock server"}])
    );
    // A webhook URL with the public base is taken wherever a token is.
    server
        .fail_next(hotpot_mock_server::Fault::status(503).for_token(created.as_str()))
        .unwrap();
    assert_eq!(server.faults()[0].token.as_deref(), Some("second-token"));

    for bad in [
        "ftp://mock:21",
        "mock:8080",
        "http://user:pw@mock:8080",
        "http://mock:8080/?x=1",
    ] {
        let err = hotpot_mock_server::MockServer::builder()
            .public_url(bad)
            .start()
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("public_url: expected an absolute http"),
            "{bad}: {err}"
        );
    }
}

#[tokio::test]
async fn the_openapi_servers_entry_is_the_address_served() {
    let server = MockServer::start().await.unwrap();
    let http = crate::support::http();
    let spec = crate::support::get(&http, &format!("{}/_mock/openapi.json", server.url())).await;
    assert_eq!(spec.json["servers"][0]["url"], server.url());
    // Everything else is the committed description.
    let mut committed: serde_json::Value =
        serde_json::from_str(hotpot_mock_server::OPENAPI_JSON).unwrap();
    committed["servers"] = spec.json["servers"].clone();
    assert_eq!(spec.json, committed);
}
