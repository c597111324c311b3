//! The token and the API key never appear in any output, at any `RUST_LOG` level (spec
//! §2, §9), whatever path the command takes.

use hotpot_mock_server::Fault;

use crate::support::{API_KEY, Mock, RunExt, TOKEN, assert_no_secret, hotpot, hotpot_to, texts};

#[test]
fn no_output_of_any_path_holds_a_secret_even_at_trace() {
    let mock = Mock::start();
    let url = mock.url();
    let expired = mock.expired_webhook();
    let unknown = format!("{}/moment/cliUnknownT0kenXy", mock.server.url());
    let secrets = [TOKEN, API_KEY, "cliExpiredT0kenQ7", "cliUnknownT0kenXy"];
    let url_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(url_file.path(), format!("{url}\n")).unwrap();
    let url_file = url_file.path().to_str().unwrap().to_owned();

    let send = ["send", "Secrets check", "--type", "alert", "--retries", "1"];
    let mut runs: Vec<(String, Vec<String>, Option<Fault>)> = Vec::new();
    let mut add = |url: &str, args: &[&str], fault: Option<Fault>| {
        runs.push((
            url.to_owned(),
            args.iter().map(|s| s.to_string()).collect(),
            fault,
        ));
    };
    add(&url, &send, None);
    add(&url, &[&send[..], &["--output", "json"]].concat(), None);
    add("", &[&send[..], &["--url-file", &url_file]].concat(), None);
    add(&unknown, &send, None);
    add(&expired, &send, None);
    add(&url, &send, Some(Fault::status(503).times(2)));
    add(&url, &send, Some(Fault::status(429).times(2)));
    add(&url, &send, Some(Fault::drop_connection().times(4)));
    add(&url, &send, Some(Fault::status(400)));
    add(
        &format!("http://hotpot.invalid/moment/{TOKEN}"),
        &send,
        None,
    );
    add(&format!("{url}?key={TOKEN}"), &send, None);
    add(&url, &[&send[..], &["--url", &url]].concat(), None);
    add(
        &url,
        &[&send[..], &[&format!("--url={url}")]].concat(),
        None,
    );
    add(&url, &["send", &url], None);
    add(&url, &["sned", &url], None);
    add(
        &url,
        &["run", "--", "sh", "-c", "echo oops >&2; exit 1"],
        None,
    );
    add(
        &url,
        &["status", "00000000-0000-4000-8000-000000000000"],
        None,
    );

    for (url, args, fault) in runs {
        if let Some(fault) = fault {
            mock.server.fail_next(fault).unwrap();
        }
        let mut cmd = if url.is_empty() {
            hotpot()
        } else {
            hotpot_to(&url)
        };
        let output = cmd
            .args(&args)
            .env("RUST_LOG", "trace")
            .env("HOTPOT_API_KEY", format!("wrong-{API_KEY}"))
            .env("GITHUB_ACTIONS", "true")
            .run();
        let (out, err) = texts(&output);
        assert_no_secret(&format!("{out}\n{err}"), &secrets);
        mock.server.clear_faults();
    }
}

#[test]
fn logs_go_to_stderr_only() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["send", "x", "--type", "alert"])
        .env("RUST_LOG", "trace")
        .run();
    let (out, err) = texts(&output);
    assert!(output.success());
    assert_eq!(
        out.lines().count(),
        1,
        "stdout holds the request id only: {out}"
    );
    assert!(
        err.contains("TRACE") && err.contains("hotpot_client"),
        "{err}"
    );
    assert!(err.contains("/moment/cliT…"), "{err}");
}
