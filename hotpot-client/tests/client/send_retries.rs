//! Spec §5 row by row: which answers are accepted, rejected, retried, and how often;
//! Retry-After, the overall deadline and the per-attempt timeout.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use hotpot_client::{Error, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common;
use crate::common::{
    LogBuffer, builder, client, envelope, full_moment, moment_path, received, server_answering,
};

/// Answers `first` for the first `n` requests, then 202 with the envelope.
async fn server_failing_then_accepting(first: ResponseTemplate, n: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(moment_path()))
        .respond_with(first)
        .up_to_n_times(n)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(moment_path()))
        .respond_with(ResponseTemplate::new(202).set_body_json(envelope("req-after-retry")))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn every_2xx_is_accepted_once_with_the_envelope_parsed() {
    for status in [200u16, 201, 202] {
        let server =
            server_answering(ResponseTemplate::new(status).set_body_json(envelope("req-1"))).await;
        let receipt = client(&server).send(&full_moment()).await.unwrap();
        assert_eq!(receipt.status, status);
        assert_eq!(receipt.request_id.as_deref(), Some("req-1"));
        assert_eq!(
            receipt.message.as_deref(),
            Some("Your request has been queued.")
        );
        assert_eq!(receipt.attempts, 1);
        assert_eq!(received(&server).await, 1, "HTTP {status}");
    }
    let server = server_answering(ResponseTemplate::new(204)).await;
    let receipt = client(&server).send(&full_moment()).await.unwrap();
    assert_eq!(receipt.status, 204);
    assert_eq!(receipt.request_id, None);
    assert_eq!(receipt.message, None);
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn the_2xx_body_is_parsed_leniently() {
    let cases: Vec<(ResponseTemplate, Option<&str>, Option<&str>)> = vec![
        (
            ResponseTemplate::new(202).set_body_json(serde_json::json!({})),
            None,
            None,
        ),
        (
            ResponseTemplate::new(202)
                .set_body_json(serde_json::json!({"hotpot_request_id": "only-id"})),
            Some("only-id"),
            None,
        ),
        (
            ResponseTemplate::new(202)
                .set_body_json(serde_json::json!({"response": {"message": "queued"}})),
            None,
            Some("queued"),
        ),
        (
            ResponseTemplate::new(202).set_body_json(
                serde_json::json!({"hotpot_request_id": 42, "response": "not an object"}),
            ),
            None,
            None,
        ),
        (
            ResponseTemplate::new(202).set_body_json(
                serde_json::json!({"hotpot_request_id": "kept", "response": {"message": 5}}),
            ),
            Some("kept"),
            None,
        ),
        (
            ResponseTemplate::new(202).set_body_raw(
                r#"{"hotpot_request_id": "esc\"aped", "extra": [1, {"x": null}],
                    "response": {"success": true, "message": "q\u00fceued"}}"#,
                "application/json",
            ),
            Some("esc\"aped"),
            Some("qüeued"),
        ),
        (
            ResponseTemplate::new(202).set_body_string("Accepted, thanks!"),
            None,
            None,
        ),
        (
            ResponseTemplate::new(202)
                .set_body_raw("{\"hotpot_request_id\": \"cut", "application/json"),
            None,
            None,
        ),
        (ResponseTemplate::new(202), None, None),
    ];
    for (template, request_id, message) in cases {
        let server = server_answering(template).await;
        let receipt = client(&server).send(&full_moment()).await.unwrap();
        assert_eq!(receipt.status, 202);
        assert_eq!(receipt.request_id.as_deref(), request_id);
        assert_eq!(receipt.message.as_deref(), message);
        assert_eq!(received(&server).await, 1);
    }
}

#[tokio::test]
async fn rejected_payloads_are_not_retried() {
    for status in [400u16, 413, 415, 422] {
        let body = format!(r#"{{"error": "rejected with {status}"}}"#);
        let server = server_answering(ResponseTemplate::new(status).set_body_string(&body)).await;
        let err = client(&server).send(&full_moment()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Rejected { status: s, body: b } if *s == status && *b == body),
            "{err:?}"
        );
        assert!(err.is_rejected() && !err.is_retryable());
        assert_eq!(err.status(), Some(status));
        assert!(err.to_string().contains(&format!("HTTP {status}")));
        assert_eq!(received(&server).await, 1, "HTTP {status} retried");
    }
}

#[tokio::test]
async fn unknown_revoked_or_expired_webhooks_are_not_retried() {
    for status in [401u16, 403, 404, 410] {
        let server = server_answering(
            ResponseTemplate::new(status).set_body_json(serde_json::json!({"error": "nope"})),
        )
        .await;
        let err = client(&server).send(&full_moment()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Webhook { status: s, .. } if *s == status),
            "{err:?}"
        );
        assert!(err.is_webhook() && !err.is_retryable());
        assert_eq!(err.is_expired(), status == 410, "HTTP {status}");
        assert_eq!(err.body(), Some(r#"{"error":"nope"}"#));
        assert_eq!(received(&server).await, 1, "HTTP {status} retried");
    }
}

#[tokio::test]
async fn server_trouble_is_retried_up_to_the_attempt_limit() {
    for status in [408u16, 500, 502, 503, 504] {
        let server = server_answering(ResponseTemplate::new(status)).await;
        let err = client(&server).send(&full_moment()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Server { status: s, .. } if *s == status),
            "{err:?}"
        );
        assert!(err.is_server() && err.is_retryable());
        assert_eq!(received(&server).await, 3, "HTTP {status}");
    }
    // The attempt limit is the policy's.
    let server = server_answering(ResponseTemplate::new(503)).await;
    let client = builder(&server)
        .retry(common::fast_policy().with_max_retries(4))
        .build()
        .unwrap();
    client.send(&full_moment()).await.unwrap_err();
    assert_eq!(received(&server).await, 5);
    let server = server_answering(ResponseTemplate::new(503)).await;
    let client = builder(&server)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    client.send(&full_moment()).await.unwrap_err();
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn a_retried_send_succeeds_when_the_server_recovers() {
    for status in [408u16, 500, 502, 503, 504] {
        let server = server_failing_then_accepting(ResponseTemplate::new(status), 2).await;
        let receipt = client(&server).send(&full_moment()).await.unwrap();
        assert_eq!(receipt.status, 202);
        assert_eq!(receipt.attempts, 3);
        assert_eq!(receipt.request_id.as_deref(), Some("req-after-retry"));
        assert_eq!(received(&server).await, 3);
    }
}

#[tokio::test]
async fn not_implemented_is_not_retried() {
    let server = server_answering(ResponseTemplate::new(501)).await;
    let err = client(&server).send(&full_moment()).await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 501, .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn rate_limits_without_retry_after_use_backoff_then_give_up() {
    let server = server_answering(ResponseTemplate::new(429).set_body_string("slow down")).await;
    let err = client(&server).send(&full_moment()).await.unwrap_err();
    assert!(
        matches!(&err, Error::RateLimited { retry_after: None, body } if body == "slow down"),
        "{err:?}"
    );
    assert!(err.is_rate_limited() && err.is_retryable());
    assert_eq!(err.status(), Some(429));
    assert_eq!(received(&server).await, 3);

    let server = server_failing_then_accepting(ResponseTemplate::new(429), 1).await;
    let receipt = client(&server).send(&full_moment()).await.unwrap();
    assert_eq!(receipt.attempts, 2);
    assert_eq!(received(&server).await, 2);
}

/// A server that answers `first` once, then 202, and records when each request came.
async fn timed_server(
    first: impl Fn() -> ResponseTemplate + Send + Sync + 'static,
) -> (MockServer, Arc<Mutex<Vec<Instant>>>) {
    let server = MockServer::start().await;
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    Mock::given(method("POST"))
        .and(path(moment_path()))
        .respond_with(move |_: &Request| {
            let mut seen = seen.lock().unwrap();
            seen.push(Instant::now());
            if seen.len() == 1 {
                first()
            } else {
                ResponseTemplate::new(202).set_body_json(envelope("req-2"))
            }
        })
        .mount(&server)
        .await;
    (server, times)
}

fn gap(times: &Mutex<Vec<Instant>>) -> Duration {
    let times = times.lock().unwrap();
    assert_eq!(times.len(), 2);
    times[1] - times[0]
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let (server, times) =
        timed_server(|| ResponseTemplate::new(429).insert_header("retry-after", "1")).await;
    let receipt = client(&server).send(&full_moment()).await.unwrap();
    assert_eq!(receipt.attempts, 2);
    // The backoff alone is at most 1 ms: a gap of a second is the server's Retry-After.
    assert!(gap(&times) >= Duration::from_secs(1), "{:?}", gap(&times));
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    // Two seconds ahead, written with whole seconds: the wait is between 1 and 2 s.
    let (server, times) = timed_server(|| {
        ResponseTemplate::new(503).insert_header(
            "retry-after",
            httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2)),
        )
    })
    .await;
    let receipt = client(&server).send(&full_moment()).await.unwrap();
    assert_eq!(receipt.attempts, 2);
    assert!(gap(&times) >= Duration::from_secs(1), "{:?}", gap(&times));
}

/// Sends once, under `policy`, to a server that answers 429 with `Retry-After: retry_after`:
/// the error, how long the send took, and the server (for what it received).
async fn rate_limited(retry_after: &str, policy: RetryPolicy) -> (Error, Duration, MockServer) {
    let server =
        server_answering(ResponseTemplate::new(429).insert_header("retry-after", retry_after))
            .await;
    let client = builder(&server).retry(policy).build().unwrap();
    let started = Instant::now();
    let err = client.send(&full_moment()).await.unwrap_err();
    (err, started.elapsed(), server)
}

#[tokio::test]
async fn a_retry_after_beyond_the_maximum_gives_up_at_once() {
    // In seconds.
    let (err, took, server) = rate_limited("60", common::fast_policy()).await;
    assert!(took < Duration::from_secs(10));
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert!(err.to_string().contains("retry after 60s"), "{err}");
    assert_eq!(received(&server).await, 1);

    // As an HTTP date.
    let server = server_answering(ResponseTemplate::new(429).insert_header(
        "retry-after",
        httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120)),
    ))
    .await;
    let err = client(&server).send(&full_moment()).await.unwrap_err();
    let wait = err.retry_after().expect("the wait is reported");
    assert!(
        wait > Duration::from_secs(110) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
    assert_eq!(received(&server).await, 1);

    // The maximum is the policy's: a 2 s wait is too long for a 1 s maximum.
    let policy = common::fast_policy().with_max_retry_after(Duration::from_secs(1));
    let (err, _, server) = rate_limited("2", policy).await;
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_gives_up_at_once() {
    // A 200 s wait (within a 300 s maximum) past a 100 s deadline: one that waited for the
    // deadline would take 100 s, far from the milliseconds an answer takes.
    let policy = common::fast_policy()
        .with_max_retry_after(Duration::from_secs(300))
        .with_deadline(Duration::from_secs(100));
    let (err, took, server) = rate_limited("200", policy).await;
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert!(err.is_rate_limited());
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn the_overall_deadline_bounds_a_send() {
    // A server in trouble and a policy that would try 100,000 times, 20 ms apart: half an
    // hour without the deadline.
    let server = server_answering(ResponseTemplate::new(503)).await;
    let policy = RetryPolicy::default()
        .with_max_retries(99_999)
        .with_base_delay(Duration::from_millis(20))
        .with_max_delay(Duration::from_millis(20))
        .with_deadline(Duration::from_secs(1));
    let client = builder(&server).retry(policy).build().unwrap();
    let started = Instant::now();
    let err = client.send(&full_moment()).await.unwrap_err();
    let elapsed = started.elapsed();
    // The last error seen, or a timeout when the deadline cut the last attempt short.
    assert!(
        matches!(
            err,
            Error::Server { status: 503, .. } | Error::Timeout { .. }
        ),
        "{err:?}"
    );
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    let n = received(&server).await;
    // Attempts 20 ms apart for a second: a few dozen; more than one even when a loaded
    // machine makes the first slow.
    assert!(n > 1 && n < 99_999, "{n} attempts");

    // A server that answers after ten minutes, and a ten-minute attempt timeout: the deadline
    // cuts the attempt short.
    let server =
        server_answering(ResponseTemplate::new(202).set_delay(Duration::from_secs(600))).await;
    let client = builder(&server)
        .timeout(Duration::from_secs(600))
        .retry(common::fast_policy().with_deadline(Duration::from_millis(300)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.send(&full_moment()).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    let Error::Timeout {
        elapsed: reported, ..
    } = err
    else {
        unreachable!()
    };
    assert!(reported >= Duration::from_millis(300), "{reported:?}");
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn the_per_attempt_timeout_gives_a_timeout_error_and_is_retried() {
    let server =
        server_answering(ResponseTemplate::new(202).set_delay(Duration::from_secs(10))).await;
    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client.send(&full_moment()).await.unwrap_err();
    assert!(err.is_timeout() && err.is_retryable(), "{err:?}");
    assert!(matches!(
        err,
        Error::Timeout {
            source: Some(_),
            ..
        }
    ));
    assert!(err.to_string().starts_with("timed out after"), "{err}");
    assert_eq!(received(&server).await, 1);

    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client.send(&full_moment()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(received(&server).await, 1 + 3);

    // A slow first answer, then a quick one: the retry succeeds.
    let server = server_failing_then_accepting(
        ResponseTemplate::new(202).set_delay(Duration::from_secs(10)),
        1,
    )
    .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let receipt = client.send(&full_moment()).await.unwrap();
    assert_eq!(receipt.attempts, 2);
}

#[tokio::test]
async fn connection_refused_is_a_retried_transport_error() {
    let logs = LogBuffer::global();
    let (_reserved, addr) = common::refusing_address();
    let client = common::client_at(addr);
    let err = client.send(&full_moment()).await.unwrap_err();
    assert!(err.is_transport() && err.is_retryable(), "{err:?}");
    assert!(err.to_string().starts_with("transport error"), "{err}");
    // Other tests log into the same buffer: count this send's lines, which name the port.
    let attempts =
        logs.count_lines_with(&["attempt failed", &format!("webhook=http://{addr}/moment/")]);
    assert_eq!(attempts, 3, "three attempts expected:\n{}", logs.text());
}

#[tokio::test]
async fn a_dropped_connection_is_a_retried_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(Mutex::new(0usize));
    let counter = accepted.clone();
    let server = tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            *counter.lock().unwrap() += 1;
            // Close at once, before any answer: the client sees a reset connection.
            drop(socket);
        }
    });
    let client = common::client_at(addr);
    let err = client.send(&full_moment()).await.unwrap_err();
    assert!(err.is_transport() && err.is_retryable(), "{err:?}");
    // Three attempts, each resent once at once on a new connection (spec §5: a connection
    // closed before any answer does not count as an attempt, once per attempt).
    assert_eq!(*accepted.lock().unwrap(), 6);
    server.abort();
}
