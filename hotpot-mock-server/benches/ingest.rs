//! Ingest throughput under 32 concurrent keep-alive connections: the mock server against a bare
//! axum route that only parses the same JSON, measured in the same run. Target: ≥ 70 %.
//!
//! `cargo bench -p hotpot-mock-server --bench ingest`

#[path = "support/load.rs"]
mod load;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use hotpot_mock_server::MockServer;

const CONNECTIONS: usize = 32;
const ROUNDS: usize = 5;

const QUEUED: &str = r#"{"hotpot_request_id":"f1e5ae0a-f90c-4dac-affa-2eda897f5c3f","response":{"success":true,"message":"Your request has been queued."}}"#;

/// The baseline: axum, one route, parse the body as JSON, answer a static 202.
async fn bare(body: Bytes) -> impl IntoResponse {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(value) => {
            std::hint::black_box(value);
            (
                StatusCode::ACCEPTED,
                [(header::CONTENT_TYPE, "application/json")],
                QUEUED,
            )
        }
        Err(_) => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":"Bad Request"}"#,
        ),
    }
}

fn main() {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let bare_addr = listener.local_addr().unwrap();
    let app = Router::new().route("/moment/{token}", post(bare));
    server_rt.spawn(async move { axum::serve(listener, app).await });

    let mock = MockServer::builder()
        .token("bench-token")
        .start_on(server_rt.handle())
        .unwrap();
    let mock_addr = mock.addr();

    let plain: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> = {
        let request = load::request("/moment/bench-token", None);
        Arc::new(move |_| request.clone())
    };
    let keyed: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
        Arc::new(|i| load::request("/moment/bench-token", Some(i)));

    let run = |addr, make: &Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>| {
        client_rt.block_on(load::throughput(
            addr,
            CONNECTIONS,
            Duration::from_millis(500),
            Duration::from_secs(2),
            make.clone(),
        ))
    };

    if std::env::var("HOTPOT_BENCH_PROFILE").is_ok() {
        // For a profiler: the mock alone, for a while.
        let rate = client_rt.block_on(load::throughput(
            mock_addr,
            CONNECTIONS,
            Duration::from_millis(200),
            Duration::from_secs(8),
            plain.clone(),
        ));
        println!("mock alone: {rate:.0} req/s");
        return;
    }
    // Alternate the servers within each round; report the median of the per-round ratios
    // (robust to other load on a shared machine) and the best rates.
    let (mut ratios, mut ratios_keyed) = (Vec::new(), Vec::new());
    let (mut best_bare, mut best_mock) = (0f64, 0f64);
    for round in 1..=ROUNDS {
        let b = run(bare_addr, &plain);
        let m = run(mock_addr, &plain);
        let mk = run(mock_addr, &keyed);
        let bk = run(bare_addr, &keyed);
        println!(
            "round {round}: bare {b:>7.0} req/s, mock {m:>7.0} req/s ({:>3.0} %) | \
             with Idempotency-Key: bare {bk:>7.0}, mock {mk:>7.0} ({:>3.0} %)",
            100.0 * m / b,
            100.0 * mk / bk
        );
        ratios.push(m / b);
        ratios_keyed.push(mk / bk);
        best_bare = best_bare.max(b);
        best_mock = best_mock.max(m);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ratio = median(&mut ratios);
    let ratio_keyed = median(&mut ratios_keyed);
    println!(
        "ingest, {CONNECTIONS} keep-alive connections: bare axum best {best_bare:.0} req/s, mock best \
         {best_mock:.0} req/s; median ratio over {ROUNDS} rounds {:.1} % (target >= 70 %) {}",
        100.0 * ratio,
        if ratio >= 0.70 { "PASS" } else { "FAIL" }
    );
    println!(
        "ingest with a unique Idempotency-Key per request (as the client sends): median ratio {:.1} %",
        100.0 * ratio_keyed
    );
    println!(
        "events recorded: {} (kept {}, dropped {})",
        mock.event_count() as u64 + mock.dropped_events(),
        mock.event_count(),
        mock.dropped_events()
    );
    drop(mock);
}
