//! Payloads a script can get wrong: each a clear message, the right exit status, no panic.

use std::io::Write as _;

use crate::support::{Mock, hotpot, hotpot_to, texts};

/// `hotpot send --json-file FILE` with these bytes; the status and stderr.
fn send_file(bytes: &[u8]) -> (i32, String) {
    let mock = Mock::start();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let output = hotpot_to(&mock.url())
        .args(["send", "--json-file"])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(mock.events().is_empty(), "bad input must not be sent");
    let (_, err) = texts(&output);
    assert!(!err.contains("panicked"), "{err}");
    (output.status.code().unwrap(), err)
}

#[test]
fn not_json() {
    let (code, err) = send_file(b"name=deploy&type=alert");
    assert_eq!(code, 65);
    assert!(err.starts_with("payload: expected a JSON object, found text that is not JSON (expected ident at line 1 column 2)"), "{err}");
}

#[test]
fn not_an_object() {
    let (code, err) = send_file(b"[1, 2]");
    assert_eq!(code, 65);
    assert_eq!(
        err,
        "payload: expected a JSON object, found an array of 2 items\n"
    );
}

#[test]
fn not_utf8() {
    let (code, err) = send_file(b"{\"name\": \"caf\xe9\", \"type\": \"alert\"}");
    assert_eq!(code, 65);
    assert_eq!(
        err,
        "payload: expected UTF-8 text, found a byte that is not UTF-8 at offset 13\n"
    );
}

#[test]
fn ten_megabytes() {
    let mut big = br#"{"name": "x", "type": "alert", "description": ""#.to_vec();
    big.resize(10 * 1024 * 1024, b'a');
    big.extend_from_slice(b"\"}");
    let (code, err) = send_file(&big);
    assert_eq!(code, 65);
    assert!(
        err.starts_with(
            "payload: expected at most 1048576 bytes (1 MiB, the largest body Hotpot accepts)"
        ),
        "{err}"
    );
}

#[test]
fn nested_ten_thousand_deep() {
    let deep = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let (code, err) = send_file(deep.as_bytes());
    assert_eq!(code, 65);
    assert!(err.contains("not JSON (recursion limit exceeded"), "{err}");
}

#[test]
fn an_unreadable_file() {
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be read as a file, whoever runs the test (root included).
    let output = hotpot().args(["check"]).arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(66));
    let (_, err) = texts(&output);
    // The file is named, not the placeholder of the help.
    assert!(
        err.starts_with(&format!("{}: cannot read the file: ", dir.path().display())),
        "{err}"
    );
    assert!(err.contains("Is a directory"), "{err}");
}

#[test]
fn empty_standard_input() {
    let mock = Mock::start();
    for input in ["", "  \n"] {
        let output = hotpot_to(&mock.url())
            .args(["send", "--json-file", "-"])
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(65));
        assert_eq!(
            texts(&output).1,
            "payload: expected a JSON object, found empty input\n"
        );
    }
    assert!(mock.events().is_empty());
}

#[test]
fn a_description_file_that_is_not_utf8() {
    let mock = Mock::start();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"\xff\xfe").unwrap();
    let output = hotpot_to(&mock.url())
        .args(["send", "x", "--type", "alert", "--description-file"])
        .arg(file.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(65));
    assert!(
        texts(&output)
            .1
            .starts_with("description: expected UTF-8 text")
    );
}

#[test]
fn bad_flag_values_are_usage_errors() {
    for args in [
        &["--timeout", "0"][..],
        &["--timeout", "soon"],
        &["--retries", "-1"],
        &["--output", "yaml"],
    ] {
        let output = hotpot()
            .args(["send", "x", "--type", "alert"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
