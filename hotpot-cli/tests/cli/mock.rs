//! `hotpot mock`: the mock server's binary, with the same flags.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use clap::Args as _;

use crate::support::{RunExt, hotpot, hotpot_to};

#[test]
fn it_prints_its_urls_serves_and_stops_on_sigterm() {
    let bin = assert_cmd::cargo::cargo_bin("hotpot");
    let mut server = std::process::Command::new(bin)
        .args([
            "mock",
            "--port",
            "0",
            "--token",
            "mockT0kenForCli",
            "--strict",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let listening = lines.next().unwrap().unwrap();
    let base = listening.strip_prefix("listening on ").unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{listening}");
    let webhook = lines.next().unwrap().unwrap();
    assert_eq!(
        webhook,
        format!("webhook url: {base}/moment/mockT0kenForCli")
    );

    let url = format!("{base}/moment/mockT0kenForCli");
    let output = hotpot_to(&url).args(["send", "x", "--type", "alert"]).run();
    assert!(output.success(), "{}", output.err);
    // --strict was passed through: with the server's clock a year behind, a moment of now
    // is in its future, and answered 422.
    let year_ago = (chrono::Utc::now() - chrono::Duration::days(365)).to_rfc3339();
    post_json(
        &base,
        "/_mock/clock",
        &format!(r#"{{"now": "{year_ago}"}}"#),
    );
    let now = chrono::Utc::now().to_rfc3339();
    let output = hotpot_to(&url)
        .args(["send", "x", "--type", "alert", "--occurred-at", &now])
        .run();
    output.exits(65);

    std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let done = server.wait_with_output().unwrap();
    assert!(done.status.success());
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(err.contains("stopping") && err.contains("SIGTERM"), "{err}");
    assert!(
        !err.contains("mockT0kenForCli"),
        "the log redacts the token: {err}"
    );
}

#[test]
fn its_flags_are_checked_as_the_binarys() {
    let output = hotpot().args(["mock", "--rate-limit", "0"]).run();
    assert_eq!(output.code, Some(2));
    let output = hotpot().args(["mock", "--help"]).run();
    let help = output.out;
    // Every flag of the mock server's binary (its clap definition), hidden ones aside.
    let flags = hotpot_mock_server::MockArgs::augment_args(clap::Command::new("mock"));
    let flags: Vec<String> = flags
        .get_arguments()
        .filter(|arg| !arg.is_hide_set())
        .filter_map(|arg| arg.get_long().map(|long| format!("--{long}")))
        .collect();
    assert!(flags.len() >= 7, "{flags:?}");
    for flag in flags {
        assert!(help.contains(&flag), "{flag} missing from:\n{help}");
    }
}

/// One `POST` with a JSON body, over a plain socket; the answer's status line.
fn post_json(base: &str, path: &str, body: &str) -> String {
    use std::io::{Read as _, Write as _};
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default().to_owned();
    assert!(status.contains(" 200 "), "{answer}");
    status
}
