//! `--allow-http` and `HOTPOT_ALLOW_HTTP=1` (spec §9): plain http to a host that is not
//! loopback, for a mock in a CI service container, only when asked for; every refusal says
//! how to ask.

use crate::support::{Mock, RunExt, TOKEN, assert_no_secret, hotpot_to};

/// The mock's URL through `0.0.0.0`, which Linux routes to this machine but which is not a
/// loopback address: plain http to it needs the opt-in.
fn not_loopback(mock: &Mock) -> String {
    mock.url().replace("127.0.0.1", "0.0.0.0")
}

#[test]
fn plain_http_to_another_host_is_refused_and_the_refusal_says_how_to_opt_in() {
    let mock = Mock::start();
    let output = hotpot_to(&not_loopback(&mock))
        .args(["send", "Deploy failed", "--type", "alert"])
        .run();
    let err = output.exits_with(78, "refusing plain http to 0.0.0.0");
    assert!(
        err.contains("--allow-http (or HOTPOT_ALLOW_HTTP=1)"),
        "{err}"
    );
    assert!(
        !err.contains("ClientBuilder"),
        "the command's opt-in, not Rust's: {err}"
    );
    assert_no_secret(err, &[TOKEN]);
    assert!(mock.events().is_empty());
}

#[test]
fn allow_http_or_its_variable_opts_in() {
    if !cfg!(target_os = "linux") {
        return; // 0.0.0.0 reaches this machine on Linux
    }
    let mock = Mock::start();
    let output = hotpot_to(&not_loopback(&mock))
        .args(["send", "Deploy failed", "--type", "alert", "--allow-http"])
        .run();
    output.exits(0);
    let output = hotpot_to(&not_loopback(&mock))
        .env("HOTPOT_ALLOW_HTTP", "1")
        .args(["run", "--", "sh", "-c", "exit 3"])
        .run();
    output.exits(3);
    assert_eq!(mock.wait_moments(2).len(), 2);

    // 0 is no; a value that is neither is a problem, not a guess.
    let output = hotpot_to(&not_loopback(&mock))
        .env("HOTPOT_ALLOW_HTTP", "0")
        .args(["send", "Deploy failed", "--type", "alert"])
        .run();
    assert_eq!(output.code, Some(78));
    let output = hotpot_to(&not_loopback(&mock))
        .env("HOTPOT_ALLOW_HTTP", "yes please")
        .args(["send", "Deploy failed", "--type", "alert"])
        .run();
    output.exits_starting(
        78,
        "HOTPOT_ALLOW_HTTP: expected 1 (or true) to allow plain http",
    );
    assert_eq!(mock.moments().len(), 2);
}
