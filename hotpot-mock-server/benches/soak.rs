//! Soak: the `hotpot-mock-server` binary under concurrent clients for `SOAK_SECONDS` (default
//! 180), loopback only, with a small event cap (`--max-events 5000`) so that the cap is
//! reached within seconds and most of the run is spent at it.
//!
//! Each client runs a mix: valid moments through `hotpot_client::Client` (30 % of them with
//! the request status looked up after), payloads that break §1 (202, error event), bodies that
//! are not JSON (400), a non-JSON content type (415), an unknown token (404), idempotent
//! repeats (the same answer twice, one event), admin reads (health, the whole event and moment
//! logs) and webhooks created and deleted. Every answer is checked; an *error* is an
//! unexpected status or body, or a transport failure — there must be none.
//!
//! The server's RSS (`/proc/<pid>/status`, the binary's own) is sampled every second and
//! reported at start, when the cap is reached, at the middle and at the end (medians of the
//! samples around them). It must be flat once the cap is reached: whole-log reads make it
//! swing, so "flat" is judged on peaks — the last third of the run after the cap reaches no
//! new high beyond 10 % of the peak before it. At the end the event log must hold exactly the
//! cap and count every other recorded request as dropped.
//!
//! `make bench-soak` (`cargo bench -p hotpot-mock-server --bench soak`; not run by a plain
//! `cargo bench`). `SOAK_SECONDS` and `SOAK_CLIENTS` (default 16) change the run.

#[path = "support/load.rs"]
mod load;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hotpot_client::{Client, Moment, MomentType, Priority, RequestState, RetryPolicy};
use hotpot_mock_server::DEFAULT_API_KEY;
use serde_json::{Value, json};

const TOKEN: &str = "soak_Token_0123456789";
const MAX_EVENTS: usize = 5_000;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the clients did.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    /// Requests to the live webhook that the server records (one event each).
    recorded: AtomicU64,
    errors: AtomicU64,
    first_errors: Mutex<Vec<String>>,
}

impl Tally {
    fn request(&self, records: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if records {
            self.recorded.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_errors.lock().unwrap_or_else(|e| e.into_inner());
        if first.len() < 10 {
            first.push(what);
        }
    }

    fn check(&self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.error(what());
        }
    }
}

/// The binary's resident set size in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

struct Target {
    base: String,
    client: Client,
    http: reqwest::Client,
    tally: Arc<Tally>,
}

impl Target {
    fn webhook(&self) -> String {
        format!("{}/moment/{TOKEN}", self.base)
    }

    async fn post(&self, url: &str, content_type: &str, body: Vec<u8>) -> Option<(u16, Value)> {
        let sent = self
            .http
            .post(url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await;
        self.answer(sent).await
    }

    async fn get(&self, path: &str) -> Option<(u16, Value)> {
        let sent = self.http.get(format!("{}{path}", self.base)).send().await;
        self.answer(sent).await
    }

    async fn answer(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
    ) -> Option<(u16, Value)> {
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(body) => {
                        Some((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
                    }
                    Err(e) => {
                        self.tally.error(format!("reading an answer: {e}"));
                        None
                    }
                }
            }
            Err(e) => {
                self.tally.error(format!("transport: {e}"));
                None
            }
        }
    }

    /// One step of the mix; `n` picks which.
    async fn step(&self, n: u64) {
        let t = &self.tally;
        match n % 20 {
            // A valid moment through the SDK (sometimes with its status looked up).
            0..=9 => {
                let moment =
                    Moment::builder(format!("Soak moment {n}"), MomentType::ALL[n as usize % 4])
                        .priority(Priority::ALL[n as usize % 3])
                        .source("soak")
                        .description("x".repeat((n % 500) as usize))
                        .build()
                        .expect("a valid moment");
                t.request(true);
                match self.client.send(&moment).await {
                    Ok(receipt) => {
                        t.check(
                            receipt.status == 202 && receipt.request_id.is_some(),
                            || {
                                format!(
                                    "moment answered {} {:?}",
                                    receipt.status, receipt.request_id
                                )
                            },
                        );
                        if n % 10 < 3 {
                            if let Some(id) = receipt.request_id {
                                t.request(false);
                                match self.client.request_status(&id).await {
                                    Ok(status) => t
                                        .check(status.state == RequestState::Success, || {
                                            format!("status of {id}: {:?}", status.state)
                                        }),
                                    Err(e) => t.error(format!("request status: {e}")),
                                }
                            }
                        }
                    }
                    Err(e) => t.error(format!("send: {e}")),
                }
            }
            // §1 broken: queued, then an error event.
            10 | 11 => {
                let body = json!({"name": "n".repeat(71), "type": "near_miss", "occurred_at": "2999-01-01T00:00:00Z"});
                t.request(true);
                if let Some((status, body)) = self
                    .post(
                        &self.webhook(),
                        "application/json",
                        serde_json::to_vec(&body).unwrap_or_default(),
                    )
                    .await
                {
                    t.check(
                        status == 202 && body["hotpot_request_id"].is_string(),
                        || format!("§1-invalid payload answered {status} {body}"),
                    );
                }
            }
            // Not JSON: 400.
            12 => {
                t.request(true);
                if let Some((status, body)) = self
                    .post(
                        &self.webhook(),
                        "application/json",
                        b"{\"name\": \"cut".to_vec(),
                    )
                    .await
                {
                    t.check(status == 400 && body["error"] == "Bad Request", || {
                        format!("broken JSON answered {status} {body}")
                    });
                }
            }
            // Not a JSON content type: 415.
            13 => {
                t.request(true);
                if let Some((status, body)) = self
                    .post(&self.webhook(), "text/plain", b"hello".to_vec())
                    .await
                {
                    t.check(
                        status == 415 && body == json!({"error": "Unsupported Media Type"}),
                        || format!("text/plain answered {status} {body}"),
                    );
                }
            }
            // An unknown token: 404, nothing recorded.
            14 => {
                t.request(false);
                let url = format!("{}/moment/unknown{n}", self.base);
                if let Some((status, body)) =
                    self.post(&url, "application/json", b"{}".to_vec()).await
                {
                    t.check(
                        status == 404 && body == json!({"error": "Not Found"}),
                        || format!("unknown token answered {status} {body}"),
                    );
                }
            }
            // An idempotent repeat: the same answer twice, one event.
            15 | 16 => {
                let moment = Moment::builder(format!("Repeated {n}"), MomentType::Page)
                    .build()
                    .expect("a valid moment");
                let key = format!("soak-{n}");
                t.request(true);
                let first = self.client.send_with_idempotency_key(&moment, &key).await;
                t.request(false);
                let again = self.client.send_with_idempotency_key(&moment, &key).await;
                match (first, again) {
                    (Ok(a), Ok(b)) => t.check(
                        a.request_id.is_some() && a.request_id == b.request_id,
                        || format!("repeat answered {:?} then {:?}", a.request_id, b.request_id),
                    ),
                    (a, b) => t.error(format!("repeat: {a:?} / {b:?}")),
                }
            }
            // Admin reads: health often, the whole logs now and then.
            17 => {
                t.request(false);
                if let Some((status, body)) = self.get("/_mock/health").await {
                    t.check(status == 200 && body == json!({"status": "ok"}), || {
                        format!("health {status} {body}")
                    });
                }
                if n % 200 == 17 {
                    for path in ["/_mock/events", "/_mock/moments"] {
                        t.request(false);
                        if let Some((status, body)) = self.get(path).await {
                            let key = &path["/_mock/".len()..];
                            let len = body[key].as_array().map_or(0, Vec::len);
                            t.check(status == 200 && len > 0 && len <= MAX_EVENTS, || {
                                format!("{path} answered {status} with {len}")
                            });
                        }
                    }
                }
            }
            18 => {
                t.request(false);
                if let Some((status, body)) =
                    self.get("/_mock/events?status=error&min=1&wait_ms=0").await
                {
                    t.check(status == 200 && body["events"].is_array(), || {
                        format!("error events {status}")
                    });
                }
            }
            // A webhook created and deleted.
            _ => {
                t.request(false);
                let created = self
                    .http
                    .post(format!("{}/_mock/webhooks", self.base))
                    .json(&json!({"label": format!("soak {n}")}))
                    .send()
                    .await;
                let Some((status, body)) = self.answer(created).await else {
                    return;
                };
                let Some(token) = body["token"].as_str().filter(|_| status == 201) else {
                    t.error(format!("create webhook answered {status} {body}"));
                    return;
                };
                t.request(false);
                let deleted = self
                    .http
                    .delete(format!("{}/_mock/webhooks/{token}", self.base))
                    .send()
                    .await;
                match deleted {
                    Ok(r) => t.check(r.status().as_u16() == 204, || {
                        format!("delete webhook answered {}", r.status())
                    }),
                    Err(e) => t.error(format!("transport: {e}")),
                }
            }
        }
    }
}

fn main() {
    let seconds = env_number("SOAK_SECONDS", 180);
    let clients = env_number("SOAK_CLIENTS", 16);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
        .args(["--port", "0", "--token", TOKEN, "--max-events"])
        .arg(MAX_EVENTS.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let pid = child.id();
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first line");
    let base = first
        .trim_end()
        .trim_start_matches("listening on ")
        .to_owned();
    let mut second = String::new();
    stdout.read_line(&mut second).expect("the second line");

    let runtime = load::runtime(1);
    let tally = Arc::new(Tally::default());
    let target = Arc::new(Target {
        client: Client::builder(format!("{base}/moment/{TOKEN}").as_str())
            .api_key(DEFAULT_API_KEY)
            .retry(RetryPolicy::never())
            .build()
            .expect("a client"),
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client"),
        base: base.clone(),
        tally: Arc::clone(&tally),
    });

    println!(
        "soak: {clients} clients for {seconds} s against the mock server binary (pid {pid}), \
         --max-events {MAX_EVENTS}"
    );
    let rss_start = rss_mib(pid);
    let started = Instant::now();
    let run_for = Duration::from_secs(seconds);
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU64::new(0));
    let (samples, cap_at) = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (target, stop, next) = (Arc::clone(&target), Arc::clone(&stop), Arc::clone(&next));
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    target.step(next.fetch_add(1, Ordering::Relaxed)).await;
                }
            }));
        }
        let mut samples: Vec<(f64, f64, u64)> = Vec::new();
        let mut cap_at: Option<(f64, f64)> = None;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while started.elapsed() < run_for {
            tick.tick().await;
            let at = started.elapsed().as_secs_f64();
            let rss = rss_mib(pid);
            let requests = tally.requests.load(Ordering::Relaxed);
            samples.push((at, rss, requests));
            if cap_at.is_none() && tally.recorded.load(Ordering::Relaxed) >= MAX_EVENTS as u64 {
                cap_at = Some((at, rss));
            }
        }
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            let _ = task.await;
        }
        (samples, cap_at)
    });
    let elapsed = started.elapsed().as_secs_f64();

    // The log holds exactly the cap and counts the rest as dropped.
    let (events_kept, dropped) = runtime.block_on(async {
        let (_, body) = target
            .get("/_mock/events")
            .await
            .unwrap_or((0, Value::Null));
        (
            body["events"].as_array().map_or(0, Vec::len) as u64,
            body["dropped"].as_u64().unwrap_or(0),
        )
    });
    let _ = child.kill();
    let _ = child.wait();

    let requests = tally.requests.load(Ordering::Relaxed);
    let recorded = tally.recorded.load(Ordering::Relaxed);
    let errors = tally.errors.load(Ordering::Relaxed);
    // Medians over a few samples: a whole-log read allocates for a moment.
    let median_between = |from: f64, to: f64| {
        let mut window: Vec<f64> = samples
            .iter()
            .filter(|s| s.0 >= from && s.0 <= to)
            .map(|s| s.1)
            .collect();
        window.sort_by(f64::total_cmp);
        window.get(window.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let middle = median_between(elapsed / 2.0 - 5.0, elapsed / 2.0 + 5.0);
    let rss_end = median_between(elapsed - 10.0, elapsed);
    let max = samples.iter().map(|s| s.1).fold(f64::NAN, f64::max);
    let (cap_time, cap_rss) = cap_at.unwrap_or((f64::NAN, f64::NAN));

    println!(
        "requests: {requests} in {elapsed:.0} s ({:.0}/s); recorded {recorded}",
        requests as f64 / elapsed
    );
    println!("errors: {errors}");
    for e in tally
        .first_errors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        println!("  {e}");
    }
    println!(
        "event log at the end: {events_kept} kept, {dropped} dropped (expected {MAX_EVENTS} kept, {} dropped)",
        recorded.saturating_sub(MAX_EVENTS as u64)
    );
    println!("RSS start: {rss_start:.1} MiB");
    println!("RSS when the cap was reached ({cap_time:.0} s): {cap_rss:.1} MiB");
    println!(
        "RSS middle ({:.0} s, median of ±5 s): {middle:.1} MiB",
        elapsed / 2.0
    );
    println!(
        "RSS end (median of the last 10 s): {rss_end:.1} MiB; max during the run {max:.1} MiB"
    );
    print!("RSS every 10 s:");
    for (at, rss, _) in samples.iter().step_by(10) {
        print!(" {at:.0}s={rss:.1}");
    }
    println!();

    // Whole-log reads allocate tens of MB for a moment and the allocator keeps some of it, so
    // single samples move by ±15 %. A leak shows as new highs: the peak of the last third of
    // the run after the cap must stay within 10 % of the peak before it.
    let peak_between = |from: f64, to: f64| {
        samples
            .iter()
            .filter(|s| s.0 >= from && s.0 <= to)
            .map(|s| s.1)
            .fold(f64::NAN, f64::max)
    };
    let last_third = elapsed - (elapsed - cap_time) / 3.0;
    let (before, late) = (
        peak_between(cap_time, last_third),
        peak_between(last_third, elapsed),
    );
    let growth = 100.0 * (late - before) / before;
    println!(
        "RSS peak after the cap: {before:.1} MiB before {last_third:.0} s, {late:.1} MiB after \
         ({growth:+.1} %); middle→end {:+.1} %",
        100.0 * (rss_end - middle) / middle
    );
    let log_ok =
        events_kept == MAX_EVENTS as u64 && dropped == recorded.saturating_sub(MAX_EVENTS as u64);
    let flat = growth <= 10.0;
    let pass = errors == 0 && log_ok && flat && cap_at.is_some();
    println!(
        "soak: {errors} errors, log {}, RSS {} (no new high after the cap, ±10 %) {}",
        if log_ok { "exact" } else { "WRONG" },
        if flat { "flat" } else { "GROWING" },
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        std::process::exit(1);
    }
}
