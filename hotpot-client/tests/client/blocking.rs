//! The blocking client: from plain threads, shared between threads, inside `spawn_blocking`,
//! and refusing (without panicking) to block a thread that runs async code.

use std::sync::Arc;

use hotpot_client::blocking::Client;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common;
use crate::common::{envelope, full_moment};

/// A wiremock server (it serves from its own thread) and the runtime used to talk to it.
fn server() -> (tokio::runtime::Runtime, MockServer) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(common::server_answering(
        ResponseTemplate::new(202).set_body_json(envelope("req-b")),
    ));
    (rt, server)
}

fn blocking_client(server: &MockServer) -> Client {
    Client::builder(common::webhook_url(server))
        .retry(common::fast_policy())
        .build()
        .unwrap()
}

fn received(rt: &tokio::runtime::Runtime, server: &MockServer) -> usize {
    rt.block_on(common::received(server))
}

#[test]
fn sends_from_a_plain_thread() {
    let (rt, server) = server();
    let client = blocking_client(&server);
    let receipt = client.send(&full_moment()).unwrap();
    assert_eq!(receipt.status, 202);
    assert_eq!(receipt.request_id.as_deref(), Some("req-b"));
    let receipt = client
        .send_with_idempotency_key(&full_moment(), "blocking-key")
        .unwrap();
    assert_eq!(receipt.idempotency_key, "blocking-key");
    assert_eq!(received(&rt, &server), 2);
}

#[test]
fn eight_threads_share_one_client() {
    let (rt, server) = server();
    let client = Arc::new(blocking_client(&server));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    let receipt = client.send(&full_moment()).unwrap();
                    assert_eq!(receipt.status, 202);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no thread panicked");
    }
    // And with clones instead of an Arc.
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let client = (*client).clone();
            std::thread::spawn(move || client.send(&full_moment()).map(|r| r.status))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), 202);
    }
    assert_eq!(received(&rt, &server), 8 * 5 + 8);
}

#[test]
fn errors_come_back_as_errors() {
    let (rt, server) = server();
    rt.block_on(async {
        server.reset().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(410))
            .mount(&server)
            .await;
    });
    let err = blocking_client(&server).send(&full_moment()).unwrap_err();
    assert!(err.is_expired(), "{err:?}");
    let err = blocking_client(&server).request_status("r").unwrap_err();
    assert!(err.is_config(), "no API key: {err:?}");
}

/// The refusal on a runtime's own thread: its own kind, a message that names the mistake and
/// the two ways out, nothing sent.
fn assert_refused_as_blocking_in_async(err: &hotpot_client::Error) {
    assert!(err.is_blocking_in_async(), "{err:?}");
    assert!(!err.is_config() && !err.is_retryable(), "{err:?}");
    let message = err.to_string();
    for words in ["called from async code", "spawn_blocking", ".await"] {
        assert!(message.contains(words), "{words:?} not in: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_runtime_thread_it_returns_an_error_instead_of_blocking() {
    let server = MockServer::start().await;
    // Built inside the runtime: fine.
    let client = blocking_client(&server);
    assert_refused_as_blocking_in_async(&client.send(&full_moment()).unwrap_err());
    // From a spawned task too.
    let in_task = client.clone();
    let err = tokio::spawn(async move { in_task.send(&full_moment()) })
        .await
        .unwrap()
        .unwrap_err();
    assert_refused_as_blocking_in_async(&err);
    assert_refused_as_blocking_in_async(&client.request_status("r").unwrap_err());
    assert_eq!(common::received(&server).await, 0);
    // Dropped inside the runtime: no panic.
    drop(client);
}

#[tokio::test]
async fn on_a_current_thread_runtime_too() {
    let server = MockServer::start().await;
    let client = blocking_client(&server);
    assert_refused_as_blocking_in_async(&client.send(&full_moment()).unwrap_err());
    drop(client);
}

#[tokio::test]
async fn a_failed_build_inside_a_runtime_is_an_error_not_a_panic() {
    for url in [
        "http://example.com/moment/tok3n",
        "https://example.com/not-a-webhook",
    ] {
        let err = Client::new(url).unwrap_err();
        assert!(err.is_config(), "{err:?}");
    }
    let err = Client::builder("https://example.com/moment/tok3n")
        .api_key("bad\nkey")
        .build()
        .unwrap_err();
    assert!(err.is_config(), "{err:?}");
}

/// `spawn_blocking` is where sync code belongs in async code: the blocking client works there
/// (as reqwest's does), even against the in-process mock running on the test's own
/// current-thread runtime (whose thread stays free to answer).
#[tokio::test]
async fn it_works_inside_spawn_blocking_on_a_current_thread_runtime() {
    let mock = hotpot_mock_server::MockServer::start().await.unwrap();
    let client = Client::new(mock.webhook_url()).unwrap();
    let receipt = tokio::task::spawn_blocking(move || client.send(&full_moment()))
        .await
        .expect("no panic")
        .expect("sent from spawn_blocking");
    assert_eq!(receipt.status, 202);
    assert_eq!(mock.moment_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_works_inside_spawn_blocking_and_block_in_place_on_a_multi_thread_runtime() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let client = blocking_client(&server);
    let in_pool = client.clone();
    let receipt = tokio::task::spawn_blocking(move || in_pool.send(&full_moment()))
        .await
        .expect("no panic")
        .expect("sent from spawn_blocking");
    assert_eq!(receipt.status, 202);
    let receipt = tokio::task::block_in_place(|| client.send(&full_moment()))
        .expect("sent from block_in_place");
    assert_eq!(receipt.status, 202);
    // And from a plain thread started inside the runtime.
    let receipt = std::thread::spawn(move || client.send(&full_moment()))
        .join()
        .expect("no panic")
        .unwrap();
    assert_eq!(receipt.status, 202);
    assert_eq!(common::received(&server).await, 3);
}

#[test]
fn a_client_built_outside_can_be_dropped_inside_a_runtime() {
    let (rt, server) = server();
    let client = blocking_client(&server);
    client.send(&full_moment()).unwrap();
    let clone = client.clone();
    rt.block_on(async move {
        drop(clone);
        drop(client);
    });
    // A runtime of another flavour, dropping from a task.
    let client = blocking_client(&server);
    let other = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    other
        .block_on(async move { tokio::spawn(async move { drop(client) }).await })
        .unwrap();
}
