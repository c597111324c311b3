//! The binary's request log: ingest throughput of the `hotpot-mock-server` binary with its
//! default log (`info`: one line per request, gathered in a buffer that a thread of its own
//! writes to stderr in batches) against the same binary with `RUST_LOG=warn` (no request lines), and both against a
//! bare axum route that parses the same JSON, measured in the same run: 32 keep-alive
//! connections, 5 rounds, the order rotated every round. stderr goes to a file, as in CI.
//!
//! `cargo bench -p hotpot-mock-server --bench log`

#[path = "support/bare.rs"]
mod bare;
#[path = "support/load.rs"]
mod load;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

const CONNECTIONS: usize = 32;
const ROUNDS: usize = 5;

/// The process measured by [`child_cpu`].
static MEASURED: AtomicU32 = AtomicU32::new(0);

/// CPU seconds (user + system) used so far by the process [`MEASURED`].
fn child_cpu() -> f64 {
    let pid = MEASURED.load(Ordering::Relaxed);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15; `after` starts at field 3.
    (fields.get(11).unwrap_or(&0) + fields.get(12).unwrap_or(&0)) as f64 / 100.0
}

/// The binary on a free port, with `RUST_LOG` as given (unset: its default, `info`), its
/// stderr written to `log`.
fn spawn(rust_log: Option<&str>, log: &std::path::Path) -> (Child, SocketAddr) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"));
    command
        .args(["--port", "0", "--token", "bench-token"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("a log file"));
    match rust_log {
        Some(filter) => command.env("RUST_LOG", filter),
        None => command.env_remove("RUST_LOG"),
    };
    let mut child = command.spawn().expect("the mock server's binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("the first line");
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("expected `listening on http://ADDR`, found {first:?}"));
    (child, addr)
}

fn main() {
    // Held to the end: dropping the runtime would stop the bare server.
    let (_server_rt, bare_addr) = bare::start();
    let client_rt = load::runtime(2);

    let dir = std::env::temp_dir();
    let info_log = dir.join(format!("hotpot-bench-log-info-{}.txt", std::process::id()));
    let warn_log = dir.join(format!("hotpot-bench-log-warn-{}.txt", std::process::id()));
    let (mut info, info_addr) = spawn(None, &info_log);
    let (mut warn, warn_addr) = spawn(Some("warn"), &warn_log);

    let request = load::request("/moment/bench-token", None);
    let make: load::MakeRequest = Arc::new(move |_| request.clone());
    let run = |addr, cpu| load::round(&client_rt, addr, CONNECTIONS, &make, cpu);
    // [bare, info, warn] per round, in a rotated order.
    let mut rows: Vec<[load::Measured; 3]> = Vec::new();
    for round in 0..ROUNDS {
        let mut measured: [Option<load::Measured>; 3] = [None, None, None];
        for step in 0..3 {
            let which = (round + step) % 3;
            measured[which] = Some(match which {
                0 => run(bare_addr, bare::server_cpu),
                1 => {
                    MEASURED.store(info.id(), Ordering::Relaxed);
                    run(info_addr, child_cpu)
                }
                _ => {
                    MEASURED.store(warn.id(), Ordering::Relaxed);
                    run(warn_addr, child_cpu)
                }
            });
        }
        let [b, i, w] = measured.map(|m| m.expect("measured"));
        println!(
            "round {}: bare {:>7.0} req/s {:>5.1} µs | log on {:>7.0} req/s {:>5.1} µs ({:>3.0} %) | \
             RUST_LOG=warn {:>7.0} req/s {:>5.1} µs ({:>3.0} %)",
            round + 1,
            b.rate,
            b.cpu_us,
            i.rate,
            i.cpu_us,
            100.0 * i.rate / b.rate,
            w.rate,
            w.cpu_us,
            100.0 * w.rate / b.rate
        );
        rows.push([b, i, w]);
    }
    let median = |f: &dyn Fn(&[load::Measured; 3]) -> f64| {
        let mut v: Vec<f64> = rows.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let on = median(&|r| r[1].rate / r[0].rate);
    let off = median(&|r| r[2].rate / r[0].rate);
    let on_off = median(&|r| r[1].rate / r[2].rate);
    let cpu = |i: usize| median(&|r| r[i].cpu_us);
    println!(
        "the binary, {CONNECTIONS} keep-alive connections, {ROUNDS} rounds (medians): log on {:.1} % \
         of bare axum, RUST_LOG=warn {:.1} %; log on / RUST_LOG=warn {:.1} %",
        100.0 * on,
        100.0 * off,
        100.0 * on_off
    );
    println!(
        "  CPU per request (the binary's whole process; bare: its server threads): bare {:.1} µs, \
         log on {:.1} µs, RUST_LOG=warn {:.1} µs",
        cpu(0),
        cpu(1),
        cpu(2)
    );
    let lines = std::fs::read_to_string(&info_log)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    println!("  log lines written with the log on: {lines}");
    // Processes this bench started, by their handles.
    let _ = info.kill();
    let _ = warn.kill();
    let _ = info.wait();
    let _ = warn.wait();
    let _ = std::fs::remove_file(info_log);
    let _ = std::fs::remove_file(warn_log);
}
