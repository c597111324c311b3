//! Sequential `Client::send` against a raw reqwest loop POSTing the same JSON bytes to the
//! same local server, in one run (goal: `send` at ≥ 90 % of raw reqwest's rate).
//!
//! The server is a minimal axum route on 127.0.0.1:0, on its own runtime thread, answering
//! 202 with Hotpot's envelope. The two loops take turns in several rounds (A B B A ...) so
//! that drift on a shared machine hits both; the rates reported are the medians.
//!
//! `cargo bench -p hotpot-client --bench send_vs_reqwest` (or `make bench`) prints e.g.
//! `send: 9500/s, raw reqwest: 9800/s, ratio: 0.97`. Without `--bench` (as `cargo test
//! --benches` runs it) it does a short smoke run.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header::CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::post;
use hotpot_client::{Client, Moment};
use hotpot_test_support::{QUEUED_ENVELOPE, full_moment};

const TOKEN: &str = "bench-token-0123456789abcdef";

async fn ingest(body: Bytes) -> impl IntoResponse {
    black_box(body.len());
    (
        StatusCode::ACCEPTED,
        [(CONTENT_TYPE, "application/json")],
        QUEUED_ENVELOPE,
    )
}

/// Starts the server on its own thread and runtime; returns its address.
fn start_server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a free port");
                tx.send(listener.local_addr().expect("an address"))
                    .expect("the bench waits");
                let app = Router::new().route("/moment/{token}", post(ingest));
                axum::serve(listener, app).await.expect("the server runs");
            });
        })
        .expect("a thread");
    rx.recv().expect("the server starts")
}

struct Loops {
    client: Client,
    raw: reqwest::Client,
    url: String,
    moment: Moment,
    body: bytes::Bytes,
}

/// One loop's round: its rate, and the CPU time this thread spent per request.
struct Round {
    rate: f64,
    cpu_ns: Option<f64>,
}

impl Loops {
    async fn send(&self, n: usize) -> Round {
        measure(n, async {
            for _ in 0..n {
                let receipt = self.client.send(&self.moment).await.expect("accepted");
                debug_assert_eq!(receipt.status, 202);
                black_box(receipt);
            }
        })
        .await
    }

    async fn raw(&self, n: usize) -> Round {
        measure(n, async {
            for _ in 0..n {
                let response = self
                    .raw
                    .post(&self.url)
                    .header(CONTENT_TYPE, "application/json")
                    .body(self.body.clone())
                    .send()
                    .await
                    .expect("answered");
                assert_eq!(response.status(), reqwest::StatusCode::ACCEPTED);
                black_box(response.bytes().await.expect("a body"));
            }
        })
        .await
    }
}

async fn measure(n: usize, run: impl std::future::Future<Output = ()>) -> Round {
    let cpu = thread_cpu_ns();
    let started = Instant::now();
    run.await;
    let elapsed = started.elapsed();
    Round {
        rate: n as f64 / elapsed.as_secs_f64(),
        cpu_ns: cpu
            .zip(thread_cpu_ns())
            .map(|(a, b)| (b - a) as f64 / n as f64),
    }
}

/// CPU time of this thread so far (Linux: /proc/thread-self/schedstat, in ns). The client
/// runs on this thread (a current-thread runtime); the server has its own.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (rounds, per_round, warmup) = if full { (61, 500, 2000) } else { (3, 50, 50) };

    let addr = start_server();
    let url = format!("http://{addr}/moment/{TOKEN}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let loops = rt.block_on(async {
        let moment = full_moment();
        Loops {
            client: Client::builder(url.as_str())
                .no_proxy()
                .build()
                .expect("a client"),
            raw: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("a client"),
            body: bytes::Bytes::from(moment.to_json_vec()),
            url: url.clone(),
            moment,
        }
    });

    let (send, raw) = rt.block_on(async {
        loops.send(warmup).await;
        loops.raw(warmup).await;
        let (mut send, mut raw) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // A B, then B A: neither loop always runs first.
            if round % 2 == 0 {
                send.push(loops.send(per_round).await);
                raw.push(loops.raw(per_round).await);
            } else {
                raw.push(loops.raw(per_round).await);
                send.push(loops.send(per_round).await);
            }
        }
        (send, raw)
    });

    // Each round's two loops ran back to back, under the same load: the median of the
    // rounds' ratios is the robust number on a shared machine.
    let ratio = median(
        send.iter()
            .zip(&raw)
            .map(|(s, r)| s.rate / r.rate)
            .collect(),
    );
    let rate = |xs: &[Round]| median(xs.iter().map(|r| r.rate).collect());
    let cpu = |xs: &[Round]| -> Option<f64> {
        let v: Option<Vec<f64>> = xs.iter().map(|r| r.cpu_ns).collect();
        v.map(median)
    };
    let (s, r) = (rate(&send), rate(&raw));
    println!(
        "{rounds} rounds of {per_round} sequential requests per loop, taking turns \
         (medians over the rounds)"
    );
    if let (Some(cs), Some(cr)) = (cpu(&send), cpu(&raw)) {
        println!(
            "client thread CPU per request: send {:.1} µs, raw reqwest {:.1} µs",
            cs / 1000.0,
            cr / 1000.0
        );
    }
    println!(
        "send: {s:.0}/s, raw reqwest: {r:.0}/s, ratio: {ratio:.2} (goal >= 0.90: {})",
        if ratio >= 0.90 { "met" } else { "MISSED" }
    );
}
