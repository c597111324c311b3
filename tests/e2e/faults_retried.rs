//! The client retries through the mock's faults; the `Idempotency-Key` makes the retries
//! safe, so each moment is recorded exactly once.

use std::time::{Duration, Instant};

use hotpot_client::{Client, Error, Moment, MomentType, RetryPolicy};
use hotpot_mock_server::{Fault, MockServer};

const WAIT: Duration = Duration::from_secs(10);

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(3)
        .with_base_delay(Duration::from_millis(5))
}

/// A client of the mock's default webhook with [`fast_retries`].
fn retrying_client(server: &MockServer) -> Client {
    Client::builder(server.webhook_url())
        .retry(fast_retries())
        .build()
        .unwrap()
}

fn moment(name: &str) -> Moment {
    Moment::builder(name, MomentType::Incident).build().unwrap()
}

#[tokio::test]
async fn two_503s_then_success_is_exactly_one_moment() {
    let server = MockServer::start().await.unwrap();
    server.fail_next(Fault::status(503).times(2)).unwrap();
    let client = retrying_client(&server);

    let receipt = client.send(&moment("Database failover")).await.unwrap();
    assert_eq!(receipt.attempts, 3);
    let moments = server.wait_for_moments(1, WAIT).await.unwrap();
    assert_eq!(moments.len(), 1);
    assert_eq!(server.pending_faults(), 0);
}

#[tokio::test]
async fn a_slow_answer_cut_by_the_timeout_is_retried_and_lands_once() {
    // The mock records the moment at once and holds its answer back; the client times out
    // and retries with the same key, which the mock answers from its replay.
    let server = MockServer::start().await.unwrap();
    // The retry must land within the timeout: a second, not a few hundred milliseconds, so
    // that a loaded machine's slow answer is not a third attempt.
    server
        .fail_next(Fault::delay(Duration::from_secs(5)))
        .unwrap();
    let client = Client::builder(server.webhook_url())
        .timeout(Duration::from_secs(1))
        .retry(fast_retries())
        .build()
        .unwrap();
    let receipt = client.send(&moment("Slow once")).await.unwrap();
    assert_eq!(receipt.attempts, 2, "{receipt:?}");
    let moments = server.wait_for_moments(1, WAIT).await.unwrap();
    assert_eq!(moments.len(), 1);
}

#[tokio::test]
async fn the_same_key_sent_twice_is_answered_from_the_replay() {
    let server = MockServer::start().await.unwrap();
    let client = Client::new(server.webhook_url()).unwrap();
    let m = moment("Sent twice on purpose");
    let first = client
        .send_with_idempotency_key(&m, "deploy-1234")
        .await
        .unwrap();
    let second = client
        .send_with_idempotency_key(&m, "deploy-1234")
        .await
        .unwrap();
    assert_eq!(first.request_id, second.request_id);
    assert_eq!(server.moments().len(), 1);
    assert_eq!(server.events().len(), 1, "a replay records nothing new");

    let third = client.send(&m).await.unwrap();
    assert_ne!(
        third.request_id, first.request_id,
        "a fresh key is a new request"
    );
    assert_eq!(server.wait_for_moments(2, WAIT).await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::status(429).retry_after(Duration::from_secs(1)))
        .unwrap();
    let client = retrying_client(&server);
    let started = Instant::now();
    let receipt = client.send(&moment("Rate limited once")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After"
    );
    assert_eq!(receipt.attempts, 2);
    assert_eq!(server.wait_for_moments(1, WAIT).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_maximum_gives_up_at_once() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::status(429).retry_after(Duration::from_secs(120)))
        .unwrap();
    let client = Client::builder(server.webhook_url())
        .retry(fast_retries().with_max_retry_after(Duration::from_secs(5)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.send(&moment("Rate limited long")).await.unwrap_err();
    // One that waited would take the 120 s it was told.
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(120))
    );
    assert!(server.moments().is_empty());
}

#[tokio::test]
async fn a_dropped_connection_is_resent_then_retried() {
    let server = MockServer::start().await.unwrap();
    let client = retrying_client(&server);
    // Once: resent at once, no attempt spent (spec §5).
    server.fail_next(Fault::drop_connection()).unwrap();
    let receipt = client
        .send(&moment("Connection dropped once"))
        .await
        .unwrap();
    assert_eq!(receipt.attempts, 1);
    // Twice: the resend dropped too, the attempt failed and is retried.
    server.fail_next(Fault::drop_connection().times(2)).unwrap();
    let receipt = client
        .send(&moment("Connection dropped twice"))
        .await
        .unwrap();
    assert_eq!(receipt.attempts, 2);
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(server.wait_for_moments(2, WAIT).await.unwrap().len(), 2);
}

#[tokio::test]
async fn persistent_trouble_ends_in_a_typed_error_after_the_attempts() {
    let server = MockServer::start().await.unwrap();
    server.fail_next(Fault::status(502).times(4)).unwrap();
    let client = retrying_client(&server);
    let err = client.send(&moment("Never lands")).await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 502, .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(server.pending_faults(), 0, "4 attempts used the 4 faults");
    assert!(server.moments().is_empty());
    let receipt = client.send(&moment("Lands after")).await.unwrap();
    assert_eq!(receipt.attempts, 1);
}

#[tokio::test]
async fn faults_for_one_token_leave_others_alone() {
    let server = MockServer::start().await.unwrap();
    let other = server
        .create_webhook(hotpot_mock_server::NewWebhook::new("other").token("other-token"))
        .unwrap();
    server
        .fail_next(Fault::status(503).times(5).for_token("other-token"))
        .unwrap();
    let client = Client::builder(server.webhook_url())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let receipt = client.send(&moment("Unaffected")).await.unwrap();
    assert_eq!(receipt.attempts, 1);
    assert_eq!(
        server.pending_faults(),
        1,
        "the other webhook's fault is still queued"
    );
    let other_client = Client::builder(other.as_str())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = other_client.send(&moment("Affected")).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
}
