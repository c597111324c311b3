//! Ingest throughput under 32 concurrent keep-alive connections: the mock server against a bare
//! axum route that only parses the same JSON, measured in the same run. Target: ≥ 70 %, also
//! with four `/_mock/stream` readers connected, one of them stalled.
//!
//! `cargo bench -p hotpot-mock-server --bench ingest`

#[path = "support/bare.rs"]
mod bare;
#[path = "support/load.rs"]
mod load;

use std::sync::Arc;
use std::time::Duration;

use hotpot_mock_server::MockServer;

const CONNECTIONS: usize = 32;
const ROUNDS: usize = 5;

fn main() {
    let (server_rt, bare_addr) = bare::start();
    let client_rt = load::runtime(2);

    let mock = MockServer::builder()
        .token("bench-token")
        .start_on(server_rt.handle())
        .unwrap();
    let mock_addr = mock.addr();
    // A second mock with four stream readers: three read everything, one stops reading.
    let streamed = MockServer::builder()
        .token("bench-token")
        .start_on(server_rt.handle())
        .unwrap();
    let streamed_addr = streamed.addr();
    for reader in 0..4 {
        client_rt.spawn(stream_reader(streamed_addr, reader == 3));
    }

    let plain: load::MakeRequest = {
        let request = load::request("/moment/bench-token", None);
        Arc::new(move |_| request.clone())
    };
    // A fresh key for every request of every run (each run numbers its requests from 0:
    // numbered by run, the keys of a later run would be replays of the first's).
    let keyed: load::MakeRequest = {
        let next = std::sync::atomic::AtomicU64::new(0);
        Arc::new(move |_| {
            let key = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            load::request("/moment/bench-token", Some(key))
        })
    };

    let run = |addr, make: &load::MakeRequest| {
        load::round(&client_rt, addr, CONNECTIONS, make, bare::server_cpu)
    };

    if let Ok(list) = std::env::var("HOTPOT_BENCH_PROFILE") {
        // For a profiler: one server alone (`mock`, `bare` or `streamed`: the mock with the
        // four stream readers; `-keyed` for a fresh key per request), for a while; a comma
        // separated list runs each in turn on the same servers.
        for which in list.split(',') {
            let addr = if which.starts_with("bare") {
                bare_addr
            } else if which.starts_with("streamed") {
                streamed_addr
            } else {
                mock_addr
            };
            let make = if which.ends_with("keyed") {
                keyed.clone()
            } else {
                plain.clone()
            };
            let rate = client_rt.block_on(load::throughput(
                addr,
                CONNECTIONS,
                Duration::from_millis(200),
                Duration::from_secs(8),
                make,
                bare::server_cpu,
            ));
            println!(
                "{which} alone: {:.0} req/s, {:.1} µs server CPU per request",
                rate.rate, rate.cpu_us
            );
        }
        return;
    }
    // Alternate the servers within each round, in an order that turns every round. Two
    // measures, both as mock / bare:
    // - throughput: the median of the per-round ratios (other load on a shared machine moves
    //   single rounds a lot);
    // - efficiency: server-thread CPU time per request, bare / mock, which other processes
    //   barely disturb (with the CPU as the bottleneck, it is the throughput ratio of a quiet
    //   machine).
    let mut rows: Vec<[load::Measured; 4]> = Vec::new();
    let mut streamed_ratios = Vec::new();
    for round in 1..=ROUNDS {
        // The order turns every round: a run's place in it (right after another server's run,
        // say) moves its measure, and so no measure keeps one place.
        let mut got: [Option<load::Measured>; 5] = Default::default();
        for step in 0..5 {
            let which = (round - 1 + step) % 5;
            got[which] = Some(match which {
                0 => run(bare_addr, &plain),
                1 => run(mock_addr, &plain),
                2 => run(streamed_addr, &plain),
                3 => run(mock_addr, &keyed),
                _ => run(bare_addr, &keyed),
            });
        }
        let [b, m, s, mk, bk] = got.map(|g| g.expect("measured"));
        streamed_ratios.push(s.rate / b.rate);
        println!(
            "round {round}: with 4 stream readers (1 stalled): {:>7.0} req/s {:>5.1} µs ({:>3.0} %)",
            s.rate,
            s.cpu_us,
            100.0 * s.rate / b.rate
        );
        println!(
            "round {round}: bare {:>7.0} req/s {:>5.1} µs | mock {:>7.0} req/s {:>5.1} µs ({:>3.0} %) | \
             with Idempotency-Key: bare {:>7.0} {:>5.1} µs, mock {:>7.0} {:>5.1} µs ({:>3.0} %)",
            b.rate,
            b.cpu_us,
            m.rate,
            m.cpu_us,
            100.0 * m.rate / b.rate,
            bk.rate,
            bk.cpu_us,
            mk.rate,
            mk.cpu_us,
            100.0 * mk.rate / bk.rate
        );
        rows.push([b, m, bk, mk]);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let column = |f: &dyn Fn(&[load::Measured; 4]) -> f64| median(rows.iter().map(f).collect());
    let ratio = column(&|r| r[1].rate / r[0].rate);
    let ratio_keyed = column(&|r| r[3].rate / r[2].rate);
    let (bare_cpu, mock_cpu) = (column(&|r| r[0].cpu_us), column(&|r| r[1].cpu_us));
    let (bare_cpu_k, mock_cpu_k) = (column(&|r| r[2].cpu_us), column(&|r| r[3].cpu_us));
    let best = |i: usize| rows.iter().map(|r| r[i].rate).fold(0.0, f64::max);
    let verdict = |x: f64| if x >= 0.70 { "PASS" } else { "FAIL" };
    println!(
        "ingest, {CONNECTIONS} keep-alive connections, {ROUNDS} rounds: bare axum best {:.0} req/s, mock best {:.0} req/s",
        best(0),
        best(1)
    );
    println!(
        "  throughput ratio (median of rounds): {:.1} % (target >= 70 %) {}",
        100.0 * ratio,
        verdict(ratio)
    );
    println!(
        "  server CPU per request (median): bare {bare_cpu:.1} µs, mock {mock_cpu:.1} µs, efficiency {:.1} % {}",
        100.0 * bare_cpu / mock_cpu,
        verdict(bare_cpu / mock_cpu)
    );
    println!(
        "  with a unique Idempotency-Key per request (as the client sends): throughput {:.1} %, \
         CPU bare {bare_cpu_k:.1} µs, mock {mock_cpu_k:.1} µs, efficiency {:.1} %",
        100.0 * ratio_keyed,
        100.0 * bare_cpu_k / mock_cpu_k
    );
    let streamed_ratio = median(streamed_ratios);
    println!(
        "  with four /_mock/stream readers, one stalled: throughput ratio (median) {:.1} % {}",
        100.0 * streamed_ratio,
        verdict(streamed_ratio)
    );
    println!(
        "events recorded: {} (kept {}, dropped {})",
        mock.event_count() as u64 + mock.dropped_events(),
        mock.event_count(),
        mock.dropped_events()
    );
    drop(mock);
    drop(streamed);
}

/// A `/_mock/stream` reader: reads and throws away what arrives, or (`stalled`) reads the
/// answer's head and then nothing.
async fn stream_reader(addr: std::net::SocketAddr, stalled: bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return;
    };
    let request = b"GET /_mock/stream HTTP/1.1\r\nhost: bench\r\n\r\n";
    if stream.write_all(request).await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    if stalled {
        let _ = stream.read(&mut buf).await;
        std::future::pending::<()>().await;
    }
    while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
}
