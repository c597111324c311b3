//! Every row of the exit-status table of spec §9.

use std::time::Duration;

use hotpot_mock_server::Fault;

use crate::support::{API_KEY, Mock, RunExt, hotpot, hotpot_to, texts};

/// Runs a `hotpot send 'Deploy failed' --type alert` with `extra` arguments; its exit status,
/// stdout and stderr.
fn send(url: &str, extra: &[&str]) -> (i32, String, String) {
    let output = hotpot_to(url)
        .args(["send", "Deploy failed", "--type", "alert"])
        .args(extra)
        .run();
    let (out, err) = texts(&output);
    (output.code.unwrap(), out, err)
}

#[test]
fn zero_when_sent() {
    let mock = Mock::start();
    let (code, out, err) = send(&mock.url(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mock.moments().len(), 1);
    assert_eq!(out.trim(), mock.events()[0].request_id.as_deref().unwrap());
}

#[test]
fn two_for_an_unknown_flag_a_missing_argument_or_a_url_flag() {
    let mock = Mock::start();
    assert_eq!(send(&mock.url(), &["--colour"]).0, 2);
    let missing = hotpot_to(&mock.url()).args(["send"]).run();
    assert_eq!(missing.code, Some(2));
    let no_type = hotpot_to(&mock.url()).args(["send", "x"]).run();
    assert_eq!(no_type.code, Some(2));
    assert!(no_type.err.contains("--type"), "{}", no_type.err);
    let (code, _, err) = send(
        &mock.url(),
        &["--url", "https://api.hotpot.works/moment/abcdef1234"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("HOTPOT_WEBHOOK_URL") && err.contains("--url-file"),
        "{err}"
    );
    assert!(!err.contains("abcdef1234"), "{err}");
    assert!(mock.events().is_empty(), "nothing is sent on a usage error");
}

#[test]
fn sixty_five_for_a_moment_that_breaks_the_rules_nothing_sent() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["send", "", "--type", "near_miss", "--source-url", "runs/1"])
        .run();
    assert_eq!(output.code, Some(65));
    let (_, err) = texts(&output);
    // Every problem at once, one per line, `field: message`.
    let fields: Vec<&str> = err.lines().filter_map(|l| l.split(": ").next()).collect();
    assert_eq!(fields, ["name", "type", "source_url"], "{err}");
    assert!(err.contains("did you mean \"near-miss\""), "{err}");
    assert!(
        mock.events().is_empty(),
        "nothing is sent for an invalid moment"
    );
}

#[test]
fn sixty_five_when_hotpot_refuses_the_payload() {
    let mock = Mock::start();
    for status in [400, 413, 415] {
        mock.server.fail_next(Fault::status(status)).unwrap();
        let (code, _, err) = send(&mock.url(), &[]);
        assert_eq!(code, 65, "HTTP {status}: {err}");
        assert!(err.contains(&format!("HTTP {status}")), "{err}");
        assert!(
            err.starts_with("payload: Hotpot refused the payload"),
            "{err}"
        );
    }
}

#[test]
fn sixty_five_for_a_strict_422_with_each_problem_on_its_line() {
    let mock = Mock::strict();
    // In the future by the server's clock: only the server can tell.
    mock.server
        .set_clock(chrono::Utc::now() - chrono::Duration::days(365));
    let (code, _, err) = send(
        &mock.url(),
        &["--occurred-at", &chrono::Utc::now().to_rfc3339()],
    );
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("HTTP 422"), "{err}");
    assert!(err.lines().any(|l| l.starts_with("occurred_at: ")), "{err}");
}

#[test]
fn sixty_six_for_a_file_that_cannot_be_read() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["send", "--json-file", "/no/such/payload.json"])
        .run();
    output.exits_starting(66, "--json-file: cannot read /no/such/payload.json");
    let (code, _, err) = send(&mock.url(), &["--description-file", "/no/such/notes.md"]);
    assert_eq!(code, 66, "{err}");
    assert!(err.starts_with("--description-file: cannot read"), "{err}");
    assert!(mock.events().is_empty());
}

#[test]
fn sixty_nine_for_an_unknown_request_id() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .env("HOTPOT_API_KEY", API_KEY)
        .args(["status", "00000000-0000-4000-8000-000000000000"])
        .run();
    output.exits(69);
    assert!(output.err.starts_with("request_id: "));
}

#[test]
fn seventy_five_for_server_trouble_on_every_attempt() {
    let mock = Mock::start();
    mock.server.fail_next(Fault::status(503).times(3)).unwrap();
    let (code, _, err) = send(&mock.url(), &[]);
    assert_eq!(code, 75, "{err}");
    // How many attempts over how long, and what to do.
    assert!(
        err.contains("HTTP 503") && err.contains("each of 3 attempts over"),
        "{err}"
    );
    assert!(err.contains("try again later"), "{err}");
    assert!(mock.moments().is_empty());

    mock.server.fail_next(Fault::status(408).times(2)).unwrap();
    let (code, _, err) = send(&mock.url(), &["--retries", "1"]);
    assert_eq!(code, 75, "{err}");
    assert!(
        err.contains("each of 2 attempts"),
        "--retries counts retries: {err}"
    );
}

#[test]
fn seventy_five_for_a_rate_limit_a_timeout_or_no_server() {
    let mock = Mock::start();
    mock.server
        .fail_next(Fault::status(429).retry_after(Duration::ZERO).times(3))
        .unwrap();
    let (code, _, err) = send(&mock.url(), &[]);
    assert_eq!(code, 75, "{err}");
    assert!(err.contains("rate limited (HTTP 429)"), "{err}");

    mock.server
        .fail_next(Fault::delay(Duration::from_secs(3)).times(2))
        .unwrap();
    let (code, _, err) = send(&mock.url(), &["--timeout", "0.2", "--retries", "1"]);
    assert_eq!(code, 75, "{err}");
    assert!(
        err.contains("no answer in time on each of 2 attempts"),
        "{err}"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (code, _, err) = send(
        &format!("http://127.0.0.1:{port}/moment/abcdefgh"),
        &["--retries", "0"],
    );
    assert_eq!(code, 75, "{err}");
    assert!(
        err.contains("cannot reach Hotpot on its only attempt"),
        "{err}"
    );
}

#[test]
fn seventy_seven_for_an_unknown_revoked_or_expired_webhook() {
    let mock = Mock::start();
    let unknown = format!("{}/moment/noSuchWebhook42", mock.server.url());
    let (code, _, err) = send(&unknown, &[]);
    assert_eq!(code, 77, "{err}");
    assert!(
        err.contains("does not know the webhook") && err.contains("HTTP 404"),
        "{err}"
    );

    let (code, _, err) = send(&mock.expired_webhook(), &[]);
    assert_eq!(code, 77, "{err}");
    assert!(
        err.contains("expired (HTTP 410)") && err.contains("rotate"),
        "{err}"
    );

    for status in [401, 403] {
        mock.server.fail_next(Fault::status(status)).unwrap();
        assert_eq!(send(&mock.url(), &[]).0, 77, "HTTP {status}");
    }
}

#[test]
fn seventy_seven_for_a_refused_api_key() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .env("HOTPOT_API_KEY", "not-the-key")
        .args(["status", "00000000-0000-4000-8000-000000000000"])
        .run();
    output.exits(77);
    assert!(
        output
            .err
            .starts_with("HOTPOT_API_KEY: Hotpot refused the API key")
    );
}

#[test]
fn seventy_eight_for_no_url_an_invalid_one_or_an_unreadable_url_file() {
    let output = hotpot().args(["send", "x", "--type", "alert"]).run();
    output.exits_starting(
        78,
        "HOTPOT_WEBHOOK_URL: is not set: set it to your webhook URL",
    );

    let (code, _, err) = send("http://hotpot.example.com/moment/abcdefgh12", &[]);
    assert_eq!(code, 78, "{err}");
    assert!(
        err.starts_with("HOTPOT_WEBHOOK_URL: invalid webhook URL"),
        "{err}"
    );
    assert!(!err.contains("abcdefgh12"), "{err}");

    let output = hotpot()
        .args(["send", "x", "--type", "alert", "--url-file", "/no/such/url"])
        .run();
    output.exits_starting(78, "--url-file: cannot read /no/such/url");
}

#[test]
fn seventy_eight_for_a_trailing_slash_never_an_unknown_webhook() {
    let mock = Mock::start();
    let url = format!("{}/", mock.url());
    let (code, _, err) = send(&url, &[]);
    assert_eq!(code, 78, "{err}");
    assert!(
        err.starts_with(
            "HOTPOT_WEBHOOK_URL: invalid webhook URL: expected the URL to end with the token"
        ),
        "{err}"
    );
    assert!(err.contains("trailing '/'"), "{err}");
    assert!(!err.contains("does not know"), "{err}");
    crate::support::assert_no_secret(&err, &[crate::support::TOKEN]);
    assert!(mock.events().is_empty(), "refused before anything was sent");
}

#[test]
fn seventy_eight_for_status_without_an_api_key() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url()).args(["status", "some-id"]).run();
    output.exits_starting(78, "HOTPOT_API_KEY: is not set");
}

#[test]
fn every_problem_at_once_and_configuration_first() {
    // No URL and an invalid moment: both reported, the status is the configuration's.
    let output = hotpot()
        .args(["send", "x", "--type", "alrt", "--priority", "urgent"])
        .run();
    assert_eq!(output.code, Some(78));
    let (_, err) = texts(&output);
    let fields: Vec<&str> = err.lines().filter_map(|l| l.split(": ").next()).collect();
    assert_eq!(fields, ["HOTPOT_WEBHOOK_URL", "type", "priority"], "{err}");
}
