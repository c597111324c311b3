//! The `hotpot-mock-server` binary: start-up lines, flags and environment variables, the seed's
//! own samples verbatim, clean stops on SIGTERM and SIGINT, and no token in its logs.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support;
use crate::support::{answer, get, http, post_json};

const TOKEN: &str = "seedToken_0123456789";

/// A running binary: its first two stdout lines, and its stderr collected in the background.
struct Binary {
    child: Child,
    listening: String,
    webhook_line: String,
    base: String,
    webhook_url: String,
    rest_of_stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

impl Binary {
    fn spawn(args: &[&str], env: &[(&str, &str)]) -> Binary {
        Binary::spawn_with(args, env, Stdio::null())
    }

    fn spawn_with(args: &[&str], env: &[(&str, &str)], stdin: Stdio) -> Binary {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"));
        command
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("the binary starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut listening = String::new();
        stdout.read_line(&mut listening).unwrap();
        let mut webhook_line = String::new();
        stdout.read_line(&mut webhook_line).unwrap();
        let rest_of_stdout = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest);
            rest
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let base = listening
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {listening:?}"))
            .to_owned();
        let webhook_url = webhook_line
            .trim_end()
            .strip_prefix("webhook url: ")
            .unwrap_or_else(|| panic!("second line: {webhook_line:?}"))
            .to_owned();
        Binary {
            child,
            listening,
            webhook_line,
            base,
            webhook_url,
            rest_of_stdout,
            stderr,
        }
    }

    /// Waits for the exit (at most a minute: a safety net only); returns (success, stdout
    /// rest, stderr).
    fn wait(self) -> (bool, String, String) {
        let Binary {
            mut child,
            rest_of_stdout,
            stderr,
            ..
        } = self;
        let (done, exited) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(child.wait().unwrap());
        });
        let status = exited
            .recv_timeout(Duration::from_secs(60))
            .expect("the binary exits within a minute");
        (
            status.success(),
            rest_of_stdout.join().unwrap(),
            stderr.join().unwrap(),
        )
    }

    /// Sends `signal` and waits for the exit; returns (success, how long, stdout rest, stderr).
    fn stop(mut self, signal: &str) -> (bool, Duration, String, String) {
        let started = Instant::now();
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        let took = started.elapsed();
        (
            status.success(),
            took,
            self.rest_of_stdout.join().unwrap(),
            self.stderr.join().unwrap(),
        )
    }
}

fn curl_available() -> bool {
    Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_lines_seed_samples_and_sigterm() {
    // A stop that waited for the idle connection below would wait ten minutes: the grace
    // period and the read timeout (which closes idle connections) are that long.
    let bin = Binary::spawn(
        &[
            "--port",
            "0",
            "--token",
            TOKEN,
            "--shutdown-grace",
            "600",
            "--read-timeout",
            "600",
        ],
        &[],
    );
    let port = bin.base.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    assert_ne!(port, 0, "the real port is printed");
    assert_eq!(
        bin.listening,
        format!("listening on http://127.0.0.1:{port}\n")
    );
    assert_eq!(
        bin.webhook_line,
        format!("webhook url: http://127.0.0.1:{port}/moment/{TOKEN}\n")
    );
    let http = http();

    // Seed sample 1, verbatim: curl -X POST --json '...' $WEBHOOK_URL
    let sample = r#"{"name": "A thing happened", "type": "alert"}"#;
    if curl_available() {
        let out = Command::new("curl")
            .args(["-s", "-X", "POST", "--json", sample])
            .arg(&bin.webhook_url)
            .output()
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(body["response"]["message"], "Your request has been queued.");
    } else {
        // What curl's --json sends.
        let a = answer(
            http.post(&bin.webhook_url)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(sample)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, 202);
    }

    // Seed sample 2: the Deploybot payload, and variants with the optional fields.
    let deploybot = json!({"name": "Failed deploy with successful rollback", "type": "near-miss",
                           "source": "Deploybot", "occurred_at": "2023-04-01 12:31:26"});
    assert_eq!(
        post_json(&http, &bin.webhook_url, &deploybot).await.status,
        202
    );
    let mut variant = deploybot.clone();
    variant["priority"] = json!("high");
    variant["description"] = json!("Rolled back **automatically** after health checks failed.");
    variant["source_url"] = json!("https://deploys.example.com/runs/1234");
    assert_eq!(
        post_json(&http, &bin.webhook_url, &variant).await.status,
        202
    );

    // Seed sample 3: the Python requests sample, which sends only `name`.
    let only_name = post_json(
        &http,
        &bin.webhook_url,
        &json!({"name": "A thing happened"}),
    )
    .await;
    assert_eq!(only_name.status, 202);

    let moments = get(&http, &format!("{}/_mock/moments", bin.base))
        .await
        .json;
    let moments = moments["moments"].as_array().unwrap();
    assert_eq!(moments.len(), 3);
    assert_eq!(moments[0]["name"], "A thing happened");
    assert_eq!(moments[0]["type"], "alert");
    assert_eq!(moments[1]["type"], "near-miss");
    assert_eq!(moments[1]["source"], "Deploybot");
    assert_eq!(moments[1]["occurred_at"], "2023-04-01T12:31:26Z");
    assert_eq!(moments[2]["priority"], "high");
    assert_eq!(
        moments[2]["source_url"],
        "https://deploys.example.com/runs/1234"
    );

    let events = get(&http, &format!("{}/_mock/events?status=error", bin.base))
        .await
        .json;
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    let problem = &events[0]["errors"][0];
    assert_eq!(problem["field"], "type");
    let message = problem["message"].as_str().unwrap();
    assert!(message.contains("required"), "{message}");
    assert!(
        message.contains("page, alert, near-miss, incident"),
        "{message}"
    );

    // Requests that carry the token in other places, to check the logs.
    get(&http, &format!("{}/_mock/events?token={TOKEN}", bin.base)).await;
    get(&http, &format!("{}/_mock/webhooks/{TOKEN}", bin.base)).await;
    post_json(
        &http,
        &format!("{}/moment/{TOKEN}/datadog", bin.base),
        &json!({}),
    )
    .await;

    // An idle keep-alive connection stays open in `http`'s pool during the stop.
    let (ok, took, rest, stderr) = bin.stop("TERM");
    assert!(ok, "exit status 0 on SIGTERM; stderr: {stderr}");
    assert!(took < Duration::from_secs(60), "stopping took {took:?}");
    assert!(
        !rest.contains(TOKEN),
        "stdout after the start-up lines: {rest}"
    );
    assert!(
        !stderr.contains(TOKEN),
        "the token leaked into the logs:\n{stderr}"
    );
    let request_lines = stderr.lines().filter(|l| l.contains(" request ")).count();
    assert!(request_lines >= 9, "one line per request:\n{stderr}");
    assert!(stderr.contains("/moment/seed…"), "{stderr}");
    assert!(stderr.contains("SIGTERM"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_variables_and_sigint() {
    let bin = Binary::spawn(
        &[],
        &[
            ("HOTPOT_MOCK_PORT", "0"),
            ("HOTPOT_MOCK_HOST", "127.0.0.1"),
            ("HOTPOT_MOCK_TOKEN", "env-token-abc"),
            ("HOTPOT_MOCK_API_KEY", "env-key"),
            // An on/off variable takes 1/0, yes/no, on/off as well as true/false.
            ("HOTPOT_MOCK_STRICT", "1"),
            ("HOTPOT_MOCK_RATE_LIMIT", "1000"),
            ("HOTPOT_MOCK_MAX_EVENTS", "2"),
        ],
    );
    assert!(bin.webhook_url.ends_with("/moment/env-token-abc"));
    let http = http();
    let strict = post_json(&http, &bin.webhook_url, &json!({"name": "x"})).await;
    assert_eq!(strict.status, 422, "HOTPOT_MOCK_STRICT");
    for _ in 0..2 {
        post_json(
            &http,
            &bin.webhook_url,
            &json!({"name": "x", "type": "page"}),
        )
        .await;
    }
    let events = get(&http, &format!("{}/_mock/events", bin.base)).await.json;
    assert_eq!(events["dropped"], 1, "HOTPOT_MOCK_MAX_EVENTS");
    let id = events["events"][0]["request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = support::request_status(&bin.base, &id, Some("env-key")).await;
    assert_eq!(status.status, 200, "HOTPOT_MOCK_API_KEY");
    let (ok, _, _, stderr) = bin.stop("INT");
    assert!(ok, "exit status 0 on SIGINT; stderr: {stderr}");
    assert!(!stderr.contains("env-token-abc"));
}

#[test]
fn bad_flags_fail_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
        .args(["--port", "0", "--token", "not a token"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("token: expected only"), "{stderr}");
    assert!(!stderr.contains("not a token"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
        .args(["--port", "0", "--rate-limit", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rate-limit"));
}

#[test]
fn help_lists_flags_and_environment_variables() {
    let out = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--host",
        "--port",
        "--token",
        "--api-key",
        "--strict",
        "--rate-limit",
        "--max-events",
        "--public-url",
        "--shutdown-grace",
        "--exit-with-parent",
        "--log-format",
        "--read-timeout",
        "--max-connections",
        "--max-idempotency-keys",
        "--print",
        "HOTPOT_MOCK_READ_TIMEOUT",
        "HOTPOT_MOCK_PRINT",
        "--oncall",
        "HOTPOT_MOCK_HOST",
        "HOTPOT_MOCK_PORT",
        "HOTPOT_MOCK_TOKEN",
        "HOTPOT_MOCK_API_KEY",
        "HOTPOT_MOCK_STRICT",
        "HOTPOT_MOCK_RATE_LIMIT",
        "HOTPOT_MOCK_MAX_EVENTS",
        "HOTPOT_MOCK_PUBLIC_URL",
        "HOTPOT_MOCK_SHUTDOWN_GRACE",
        "HOTPOT_MOCK_EXIT_WITH_PARENT",
        "HOTPOT_MOCK_LOG_FORMAT",
        "HOTPOT_MOCK_ONCALL",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_url_and_localhost() {
    let bin = Binary::spawn(
        &["--host", "localhost", "--port", "0", "--token", TOKEN],
        &[("HOTPOT_MOCK_PUBLIC_URL", "http://hotpot-mock:8080/")],
    );
    assert_eq!(bin.listening, "listening on http://hotpot-mock:8080\n");
    assert_eq!(
        bin.webhook_line,
        format!("webhook url: http://hotpot-mock:8080/moment/{TOKEN}\n")
    );
    let (ok, _, _, stderr) = bin.stop("TERM");
    assert!(ok, "{stderr}");
    // The real address is in the log: localhost is bound as 127.0.0.1.
    assert!(stderr.contains("address=127.0.0.1:"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_one_object_per_line() {
    let bin = Binary::spawn(
        &["--port", "0", "--token", TOKEN, "--log-format", "json"],
        &[],
    );
    let http = http();
    let sent = post_json(
        &http,
        &bin.webhook_url,
        &json!({"name": "x", "type": "alert"}),
    )
    .await;
    assert_eq!(sent.status, 202);
    get(&http, &format!("{}/_mock/events?token={TOKEN}", bin.base)).await;
    let (ok, _, _, stderr) = bin.stop("TERM");
    assert!(ok, "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    let ready = lines
        .iter()
        .find(|l| l["message"] == "hotpot mock server ready")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(ready["level"], "INFO");
    assert_eq!(ready["target"], "hotpot_mock_server::cli");
    assert_eq!(ready["strict"], false);
    assert!(ready["timestamp"].as_str().unwrap().ends_with('Z'));
    let ingest = lines
        .iter()
        .find(|l| l["message"] == "request" && l["method"] == "POST")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(ingest["path"], "/moment/seed…");
    assert_eq!(ingest["status"], 202);
    assert!(lines.iter().any(|l| l["reason"] == "SIGTERM"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_with_parent_stops_when_standard_input_closes() {
    let mut bin = Binary::spawn_with(
        &["--port", "0", "--token", TOKEN],
        &[("HOTPOT_MOCK_EXIT_WITH_PARENT", "yes")],
        Stdio::piped(),
    );
    let mut stdin = bin.child.stdin.take().unwrap();
    // Whatever the parent writes is read and ignored.
    std::io::Write::write_all(&mut stdin, b"anything\n").unwrap();
    let health = get(&http(), &format!("{}/_mock/health", bin.base)).await;
    assert_eq!(health.status, 200, "still serving while its input is open");
    drop(stdin); // the parent is gone
    let (ok, _, stderr) = bin.wait();
    assert!(ok, "exit status 0; stderr: {stderr}");
    assert!(stderr.contains("standard input closed"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_grace_bounds_the_wait_for_requests_in_flight() {
    let bin = Binary::spawn(
        &["--port", "0", "--token", TOKEN, "--shutdown-grace", "0.2"],
        &[],
    );
    let http = http();
    // A request held for ten minutes by a delay fault.
    let fault = post_json(
        &http,
        &format!("{}/_mock/faults", bin.base),
        &json!({"delay_ms": 600_000}),
    )
    .await;
    assert_eq!(fault.status, 201);
    let held = tokio::spawn({
        let http = http.clone();
        let url = bin.webhook_url.clone();
        async move {
            http.post(url)
                .json(&json!({"name": "x", "type": "alert"}))
                .send()
                .await
        }
    });
    // The journal notes it before the delay starts: then it is in flight.
    let noted = get(
        &http,
        &format!("{}/_mock/requests?min=1&wait_ms=60000", bin.base),
    )
    .await;
    assert_eq!(noted.json["timed_out"], false);
    let (ok, _, _, stderr) = bin.stop("TERM");
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("connections still busy after the shutdown grace period"),
        "{stderr}"
    );
    assert!(held.await.unwrap().is_err(), "the held request was cut");
}

#[test]
fn bad_new_flags_fail_with_a_message() {
    for (args, says) in [
        (&["--host", "example.com"][..], "expected an IP address"),
        (&["--shutdown-grace=-1"][..], "expected a number of seconds"),
        (&["--log-format", "xml"][..], "--log-format"),
        (&["--read-timeout", "0"][..], "more than 0"),
        (&["--max-connections", "0"][..], "--max-connections"),
        (
            &["--public-url", "ftp://mock"][..],
            "public_url: expected an absolute http",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// `--print`: one line per received event on standard output, as it arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_shows_each_event_as_it_arrives() {
    let bin = Binary::spawn(
        &[
            "--port",
            "0",
            "--token",
            TOKEN,
            "--print",
            "--read-timeout",
            "2.5",
        ],
        &[],
    );
    let http = http();
    let ok = json!({"name": "Disk full on db-1", "type": "alert"});
    assert_eq!(post_json(&http, &bin.webhook_url, &ok).await.status, 202);
    let bad = json!({"name": "No type"});
    assert_eq!(post_json(&http, &bin.webhook_url, &bad).await.status, 202);
    // Every event answered before the stop is printed before the binary exits.
    let (clean, _, stdout, _) = bin.stop("TERM");
    assert!(clean);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    support::assert_contains_all(
        lines[0],
        &["ok", "alert", "Disk full on db-1", "(webhook default)"],
    );
    support::assert_contains_all(lines[1], &["error", "No type", "type: required"]);
    assert!(!stdout.contains(TOKEN));
}
