//! A lean HTTP/1.1 load generator for the benches: N keep-alive connections, each sending one
//! request after another and reading each answer fully (by Content-Length). Far cheaper than a
//! full client, so that on a small machine the server, not the generator, is measured.
#![allow(dead_code)] // each bench uses a part

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A multi-threaded runtime with `workers` threads, for the server or the load.
pub fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The Deploybot payload of the seed, with all optional fields.
pub const PAYLOAD: &str = r#"{"name":"Failed deploy with successful rollback","type":"near-miss","source":"Deploybot","occurred_at":"2023-04-01 12:31:26","priority":"high","source_url":"https://deploys.example.com/runs/1234"}"#;

/// A POST of [`PAYLOAD`] to `path`, with an `Idempotency-Key` when `key` is given.
pub fn request(path: &str, key: Option<u64>) -> Vec<u8> {
    let key = key
        .map(|k| format!("idempotency-key: bench-{k:016x}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         accept: application/json\r\n{key}content-length: {}\r\n\r\n{PAYLOAD}",
        PAYLOAD.len()
    )
    .into_bytes()
}

/// Reads one full answer; returns its status.
async fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(buf, b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
            let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
            let length = head
                .split("\r\n")
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Ok(status);
            }
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What a throughput run measured.
pub struct Measured {
    /// Requests per second.
    pub rate: f64,
    /// CPU time the server's threads spent per request, in microseconds.
    pub cpu_us: f64,
}

/// Builds the i-th request of a run.
pub type MakeRequest = Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

/// One run of a bench's rounds, on the load runtime `rt`: `connections` connections, half a
/// second of warm-up, two seconds measured.
pub fn round(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    connections: usize,
    make: &MakeRequest,
    cpu: fn() -> f64,
) -> Measured {
    rt.block_on(throughput(
        addr,
        connections,
        Duration::from_millis(500),
        Duration::from_secs(2),
        make.clone(),
        cpu,
    ))
}

/// Runs `connections` keep-alive connections against `addr` for `duration` (after `warmup`),
/// with `make(i)` building the i-th request; `cpu()` gives the server threads' CPU seconds so
/// far. Panics on any answer other than 202.
pub async fn throughput(
    addr: SocketAddr,
    connections: usize,
    warmup: Duration,
    duration: Duration,
    make: MakeRequest,
    cpu: fn() -> f64,
) -> Measured {
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (counting, stop, done, next, make) = (
            counting.clone(),
            stop.clone(),
            done.clone(),
            next.clone(),
            make.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).unwrap();
            let mut buf = Vec::with_capacity(4096);
            while !stop.load(Ordering::Relaxed) {
                let request = make(next.fetch_add(1, Ordering::Relaxed));
                stream.write_all(&request).await.expect("write");
                let status = read_answer(&mut stream, &mut buf).await.expect("answer");
                assert_eq!(status, 202, "unexpected answer");
                if counting.load(Ordering::Relaxed) {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(warmup).await;
    counting.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let cpu_before = cpu();
    tokio::time::sleep(duration).await;
    let count = done.load(Ordering::Relaxed);
    let cpu_used = cpu() - cpu_before;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("a connection task");
    }
    Measured {
        rate: count as f64 / elapsed.as_secs_f64(),
        cpu_us: cpu_used * 1e6 / count.max(1) as f64,
    }
}

/// CPU seconds (user + system) used so far by this process's threads named `name`.
pub fn thread_cpu_seconds(name: &str) -> f64 {
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    let mut ticks = 0u64;
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim_end() != name {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the command name (which is in parentheses): state is field 3,
        // utime 14, stime 15.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let field = |n: usize| {
            fields
                .get(n - 3)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        ticks += field(14) + field(15);
    }
    ticks as f64 / ticks_per_second
}

/// Sends exactly `total` requests over `connections` connections, `make(i)` building each.
pub async fn send_n(addr: SocketAddr, connections: usize, total: u64, make: MakeRequest) {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (next, make) = (next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).unwrap();
            let mut buf = Vec::with_capacity(4096);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                stream.write_all(&make(i)).await.expect("write");
                let status = read_answer(&mut stream, &mut buf).await.expect("answer");
                assert_eq!(status, 202, "unexpected answer");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a connection task");
    }
}

/// This process's resident set size in MiB, from /proc/self/status.
pub fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
