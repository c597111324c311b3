//! Payloads a script can get wrong: each a clear message, the right exit status, no panic.

use std::io::Write as _;

use crate::support::{Mock, RunExt, hotpot, hotpot_to, texts};

/// `hotpot send --json-file FILE` with these bytes: refused with status 65, nothing sent, no
/// panic; its stderr.
fn refused_file(bytes: &[u8]) -> String {
    let mock = Mock::start();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let output = hotpot_to(&mock.url())
        .args(["send", "--json-file"])
        .arg(file.path())
        .run();
    assert!(mock.events().is_empty(), "bad input must not be sent");
    let (_, err) = texts(&output);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(output.code, Some(65), "{err}");
    err
}

#[test]
fn not_json() {
    let err = refused_file(b"name=deploy&type=alert");
    assert!(err.starts_with("payload: expected a JSON object, found text that is not JSON (expected ident at line 1 column 2)"), "{err}");
}

#[test]
fn not_an_object() {
    let err = refused_file(b"[1, 2]");
    assert_eq!(
        err,
        "payload: expected a JSON object, found an array of 2 items\n"
    );
}

#[test]
fn not_utf8() {
    let err = refused_file(b"{\"name\": \"caf\xe9\", \"type\": \"alert\"}");
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
    let err = refused_file(&big);
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
    let err = refused_file(deep.as_bytes());
    assert!(err.contains("not JSON (recursion limit exceeded"), "{err}");
}

#[test]
fn an_unreadable_file() {
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be read as a file, whoever runs the test (root included).
    let output = hotpot().args(["check"]).arg(dir.path()).run();
    // The file is named, not the placeholder of the help.
    let err = output.exits_starting(
        66,
        &format!("{}: cannot read the file: ", dir.path().display()),
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
            .run();
        assert_eq!(output.code, Some(65));
        assert_eq!(
            output.err,
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
        .run();
    output.exits_starting(65, "description: expected UTF-8 text");
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
            .run();
        assert_eq!(output.code, Some(2), "{args:?}");
    }
}
