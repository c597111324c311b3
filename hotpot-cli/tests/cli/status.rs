//! `hotpot status REQUEST_ID` (spec §4).

use crate::support::{API_KEY, Mock, RunExt, hotpot_to, texts};

fn send(mock: &Mock, args: &[&str]) -> String {
    let output = hotpot_to(&mock.url()).arg("send").args(args).run();
    assert!(output.success(), "{}", output.err);
    output.out.trim().to_owned()
}

#[test]
fn the_state_of_a_sent_moment() {
    let mock = Mock::start();
    let id = send(&mock, &["Deploy started", "--type", "page"]);
    mock.wait_moments(1);
    let output = hotpot_to(&mock.url())
        .env("HOTPOT_API_KEY", API_KEY)
        .args(["status", &id])
        .run();
    assert!(output.success(), "{}", output.err);
    assert_eq!(output.out, "success\n");

    let key_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key_file.path(), format!("{API_KEY}\n")).unwrap();
    let output = hotpot_to(&mock.url())
        .args(["status", &id, "--output", "json", "--api-key-file"])
        .arg(key_file.path())
        .run();
    assert!(output.success(), "{}", output.err);
    let answer: serde_json::Value = serde_json::from_str(&output.out).unwrap();
    assert_eq!(answer["message_request_id"], id.as_str());
    assert_eq!(answer["status"], "success");
    assert_eq!(answer["errors"], serde_json::json!([]));
    assert_eq!(answer["message_id"], mock.moments()[0].id.as_str());
}

#[test]
fn an_errored_request_lists_its_problems() {
    let mock = Mock::start();
    // The server's clock is a year behind: the moment is "in the future" for it only.
    mock.server
        .set_clock(chrono::Utc::now() - chrono::Duration::days(365));
    let id = send(
        &mock,
        &[
            "x",
            "--type",
            "alert",
            "--occurred-at",
            &chrono::Utc::now().to_rfc3339(),
        ],
    );
    let output = hotpot_to(&mock.url())
        .env("HOTPOT_API_KEY", API_KEY)
        .args(["status", &id])
        .run();
    assert!(
        output.success(),
        "a known request is exit 0, whatever its state"
    );
    let (out, _) = texts(&output);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("error"));
    assert!(lines.next().unwrap().starts_with("occurred_at: "), "{out}");
}
