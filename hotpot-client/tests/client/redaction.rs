//! Spec §2: with a URL holding a known long token, every error kind the client can
//! produce is triggered, and the token appears in none of `Display`, `Debug`, the `source()`
//! chain, nor the tracing output — `log` records of reqwest and its stack included — captured
//! at TRACE level.
//!
//! One test in this binary, because the capturing subscriber is global: events from every
//! thread (the blocking client's runtime, the HTTP stack's) are seen.

use std::error::Error as _;
use std::time::Duration;

use hotpot_client::{Client, Error, Moment, MomentType, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common;
use crate::common::{LogBuffer, TOKEN, full_moment};

/// Fails if `text` holds the token or a long piece of it.
fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} leaks the token: {text}");
    for piece in TOKEN.as_bytes().windows(8) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(
            !text.contains(piece),
            "{what} leaks a piece of the token ({piece}): {text}"
        );
    }
}

/// Checks an error's Display, Debug (both forms) and its whole source chain; returns a
/// label for the kinds-seen list.
fn check(label: &str, err: &Error) -> String {
    assert_clean(&format!("{label} Display"), &err.to_string());
    assert_clean(&format!("{label} Debug"), &format!("{err:?}"));
    assert_clean(&format!("{label} Debug#"), &format!("{err:#?}"));
    // The source chain, and the transport error a `Transport` carries (not its source: the
    // message says its cause already), with its own chain.
    let mut source = match err {
        Error::Transport(inner) => Some(inner as &(dyn std::error::Error + 'static)),
        _ => err.source(),
    };
    while let Some(s) = source {
        assert_clean(&format!("{label} source Display"), &s.to_string());
        assert_clean(&format!("{label} source Debug"), &format!("{s:?}"));
        source = s.source();
    }
    // And through the tracing stack, as an application would log it.
    tracing::error!(error = %err, debug = ?err, "{label}");
    label.to_owned()
}

async fn answering(template: ResponseTemplate) -> MockServer {
    let server = common::server_answering(template).await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(format!("bad key for /moment/{TOKEN}")),
        )
        .mount(&server)
        .await;
    server
}

/// An answer whose body and headers repeat the token, as a careless server might.
fn leaky(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_string(format!(
            r#"{{"error": "no", "url": "http://127.0.0.1/moment/{TOKEN}", "token": "{TOKEN}"}}"#
        ))
        .insert_header("x-webhook", format!("/moment/{TOKEN}").as_str())
        .insert_header("location", format!("/moment/{TOKEN}/elsewhere").as_str())
}

fn client_for(url: &str) -> Client {
    Client::builder(url)
        .retry(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_retries(1),
        )
        .timeout(Duration::from_millis(200))
        .api_key("hp_key")
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_error_kind_and_no_log_line_carries_the_token() {
    let logs = LogBuffer::global();
    let mut kinds = Vec::new();

    // Invalid URLs, each variant.
    for url in [
        format!("http://example.com/moment/{TOKEN}"),
        format!("ftp://example.com/moment/{TOKEN}"),
        format!("https://example.com/moment/{TOKEN}?a=b"),
        format!("https://example.com/moment/{TOKEN}#frag"),
        format!("https://user:{TOKEN}@example.com/moment/{TOKEN}"),
        format!("https://example.com/moments/{TOKEN}"),
        format!("https://example.com/moment/{TOKEN}.json"),
        format!("https://example.com/moment/{TOKEN}/Bad_Slug"),
        format!("https://example.com/moment/x/{TOKEN}"),
        format!("https://example.com:99999/moment/{TOKEN}"),
        format!("example.com/moment/{TOKEN}"),
        TOKEN.to_owned(),
    ] {
        let err = Client::new(url.as_str()).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl(_)), "{url}: {err:?}");
        kinds.push(check("invalid url", &err));
        let err = hotpot_client::blocking::Client::new(url.as_str()).unwrap_err();
        kinds.push(check("invalid url (blocking)", &err));
    }

    // Validation.
    let err: Error = Moment::builder(TOKEN.repeat(3), MomentType::Alert)
        .build()
        .unwrap_err()
        .into();
    assert!(err.is_validation());
    // The moment's own fields are the caller's data, not the webhook's secret, but the name
    // here is the token, and the message repeats only 40 characters of it.
    let count = TOKEN.len() * 3;
    assert!(
        err.to_string()
            .contains(&format!("found {count} characters"))
    );

    // Answers from the server, each with the token in its body and headers.
    type IsKind = fn(&Error) -> bool;
    let cases: [(u16, IsKind); 6] = [
        (400, Error::is_rejected),
        (404, Error::is_webhook),
        (410, Error::is_expired),
        (429, Error::is_rate_limited),
        (503, Error::is_server),
        (302, |e| {
            matches!(e, Error::UnexpectedStatus { status: 302, .. })
        }),
    ];
    for (status, is_kind) in cases {
        let server = answering(leaky(status)).await;
        let client = client_for(&common::webhook_url(&server));
        assert_clean("client Debug", &format!("{client:?}"));
        let err = client.send(&full_moment()).await.unwrap_err();
        assert!(is_kind(&err), "{status}: {err:?}");
        assert!(err.body().unwrap().contains("tok3…"), "{err:?}");
        kinds.push(check(&format!("HTTP {status}"), &err));

        // The status endpoint on the same server: unauthorized, with the token in the body.
        let err = client.request_status("req-1").await.unwrap_err();
        assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
        kinds.push(check("unauthorized", &err));
    }

    // Rate limited with a Retry-After beyond the maximum.
    let server = answering(leaky(429).insert_header("retry-after", "3600")).await;
    let err = client_for(&common::webhook_url(&server))
        .send(&full_moment())
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    kinds.push(check("rate limited, long wait", &err));

    // Unknown request id.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let err = client_for(&common::webhook_url(&server))
        .request_status("req-unknown")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownRequest(_)));
    kinds.push(check("unknown request", &err));

    // Timeout: per attempt, and the overall deadline.
    let server = answering(leaky(202).set_delay(Duration::from_secs(10))).await;
    let err = client_for(&common::webhook_url(&server))
        .send(&full_moment())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.source().is_some(), "the HTTP stack's error is kept");
    kinds.push(check("timeout", &err));
    let err = Client::builder(common::webhook_url(&server))
        .retry(RetryPolicy::default().with_deadline(Duration::from_millis(100)))
        .build()
        .unwrap()
        .send(&full_moment())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    kinds.push(check("deadline", &err));

    // Transport: refused, and reset.
    let (_reserved, addr) = common::refusing_address();
    let err = client_for(&format!("http://{addr}/moment/{TOKEN}"))
        .send(&full_moment())
        .await
        .unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert!(matches!(&err, Error::Transport(inner) if inner.source().is_some()));
    kinds.push(check("refused", &err));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let closer = tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            drop(socket);
        }
    });
    let err = client_for(&format!("http://{addr}/moment/{TOKEN}"))
        .send(&full_moment())
        .await
        .unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    kinds.push(check("reset", &err));
    closer.abort();

    // Config: no API key, a bad idempotency key, a bad proxy, a blocking call in a runtime.
    let server = answering(leaky(202)).await;
    let url = common::webhook_url(&server);
    let no_key = Client::new(url.as_str()).unwrap();
    kinds.push(check(
        "no api key",
        &no_key.request_status("r").await.unwrap_err(),
    ));
    kinds.push(check(
        "bad idempotency key",
        &no_key
            .send_with_idempotency_key(&full_moment(), TOKEN.repeat(10).as_str())
            .await
            .unwrap_err(),
    ));
    let err = Client::builder(url.as_str())
        .proxy("not a proxy url")
        .build()
        .unwrap_err();
    assert!(err.is_config(), "{err:?}");
    kinds.push(check("bad proxy", &err));
    let blocking = hotpot_client::blocking::Client::new(url.as_str()).unwrap();
    assert_clean("blocking Debug", &format!("{blocking:?}"));
    kinds.push(check(
        "blocking in a runtime",
        &blocking.send(&full_moment()).unwrap_err(),
    ));

    // A successful send, from the blocking client on its own runtime's threads.
    let receipt = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            let client = hotpot_client::blocking::Client::new(url.as_str()).unwrap();
            // The blocking client refuses in spawn_blocking too (it cannot tell the two
            // apart); a plain thread is the way.
            std::thread::spawn(move || client.send(&full_moment()))
                .join()
                .unwrap()
        }
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(receipt.status, 202);
    assert_clean("receipt Debug", &format!("{receipt:?}"));

    // The captured output holds what was logged, and none of it is the token.
    let text = logs.text();
    assert!(
        text.contains("hotpot.send") && text.contains("attempt failed"),
        "the client's own spans and events are captured:\n{text}"
    );
    assert!(
        text.contains("starting new connection"),
        "reqwest's `log` records are captured:\n{text}"
    );
    assert!(text.contains("webhook=http://127.0.0.1:"), "{text}");
    assert!(text.contains("/moment/tok3…"), "{text}");
    for kind in ["HTTP 400", "timeout", "refused", "reset", "unauthorized"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} not triggered");
    }
    assert_clean("tracing output", &text);
}
