//! The console's Pages view and moving the clock with 100,000 pages kept (spec §14, §15): the
//! time to render `/pages` (the newest 100) and to move the clock (which looks at every page for
//! a notification come due, for the stream's `event: page`), against the same with 100 pages
//! kept, measured in the same run. Both should cost about the same at both sizes: the view
//! copies only the pages it shows, and a clock moved forward looks at the pages only once a
//! notification is due (these pages go to a team of one stage: nothing is ever due later).
//! A clock moved back looks at every page: that one grows with them.
//!
//! `cargo bench -p hotpot-mock-server --bench console_pages`

#[path = "support/load.rs"]
mod load;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotpot_mock_server::MockServer;

const RUNS: usize = 30;

/// A `POST /page/team` to the default team with the server's default API key.
fn page_request(_: u64) -> Vec<u8> {
    let body = r#"{"title":"Disk full","text":"db-1 is at 99%","recipient":"default"}"#;
    format!(
        "POST /page/team HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         authorization: Bearer hotpot-mock-api-key\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The medians of `RUNS` GETs of `/pages` (after two warm-up ones), of `RUNS` clock moves
/// forward and of `RUNS` back.
fn measure(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    server: &MockServer,
) -> (Duration, Duration, Duration) {
    let url = format!("{}/pages", server.url());
    let get = || async {
        let body = http.get(&url).send().await.unwrap().bytes().await.unwrap();
        assert!(body.len() > 1000);
    };
    runtime.block_on(async {
        get().await;
        get().await;
    });
    let view = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            runtime.block_on(get());
            started.elapsed()
        })
        .collect();
    let clock = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            server.advance_clock(Duration::from_secs(1));
            started.elapsed()
        })
        .collect();
    let back = (0..RUNS)
        .map(|_| {
            let earlier = server.now() - chrono::TimeDelta::seconds(1);
            let started = Instant::now();
            server.set_clock(earlier);
            started.elapsed()
        })
        .collect();
    (median(view), median(clock), median(back))
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let runtime = load::runtime(2);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let make: load::MakeRequest = Arc::new(page_request);
    let mut baseline = None;
    for kept in [100_u64, 100_000] {
        let server = MockServer::builder().start_on(runtime.handle()).unwrap();
        runtime.block_on(load::send_n(server.addr(), 32, kept, make.clone()));
        assert_eq!(server.pages().len() as u64, kept);
        let (view, clock, back) = measure(&runtime, &http, &server);
        let (base_view, base_clock, base_back) = *baseline.get_or_insert((view, clock, back));
        println!(
            "{kept} pages kept: /pages median {:.2} ms ({:.2}x); clock forward median {:.1} µs \
             ({:.1}x); clock back median {:.1} µs ({:.1}x)",
            ms(view),
            view.as_secs_f64() / base_view.as_secs_f64(),
            us(clock),
            clock.as_secs_f64() / base_clock.as_secs_f64(),
            us(back),
            back.as_secs_f64() / base_back.as_secs_f64(),
        );
    }
}
