//! Reading what the user hands in: a JSON payload (`--json`, `--json-file PATH|-`, `check`'s
//! argument) or a description file, each with a clear problem for input that is unreadable
//! (66), too large, empty, not UTF-8 or not JSON (65). Nothing here panics on any input:
//! reads are capped, and serde_json refuses nesting deeper than 128 levels.

use std::io::{IsTerminal as _, Read};
use std::path::Path;

use hotpot_client::Problem;
use hotpot_protocol::MAX_BODY_BYTES;
use serde_json::Value;

use crate::config::Failure;
use crate::exit;

/// Where a payload or a description comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source<'a> {
    /// Text given on the command line (`--json`).
    Text(&'a str),
    /// A file, or standard input for `-`; `flag` names it in problems.
    File { path: &'a Path, flag: &'a str },
    /// Standard input, named by `flag` in problems.
    Stdin { flag: &'a str },
}

impl<'a> Source<'a> {
    /// A file argument, `-` meaning standard input.
    pub(crate) fn file(path: &'a Path, flag: &'a str) -> Self {
        if path.as_os_str() == "-" {
            Source::Stdin { flag }
        } else {
            Source::File { path, flag }
        }
    }
}

/// The bytes of `source`, at most Hotpot's 1 MiB body limit (spec §3: a larger body is
/// answered 413, so it is refused before anything is sent).
fn read(source: Source<'_>, what: &str) -> Result<Vec<u8>, Failure> {
    let limit = MAX_BODY_BYTES as u64;
    let (result, flag, name) = match source {
        Source::Text(text) => return Ok(text.as_bytes().to_vec()),
        Source::File { path, flag } => {
            let result = std::fs::File::open(path).and_then(|file| {
                let mut bytes = Vec::new();
                file.take(limit + 1).read_to_end(&mut bytes).map(|_| bytes)
            });
            (result, flag, path.display().to_string())
        }
        Source::Stdin { flag } => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                crate::output::stderr(&format!(
                    "reading the {what} from standard input (end it with Ctrl-D)\n"
                ));
            }
            let mut bytes = Vec::new();
            let result = stdin
                .lock()
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .map(|_| bytes);
            (result, flag, "standard input".to_owned())
        }
    };
    // A flag names the problem's field; a positional path (`check PATH`, no flag) is the
    // field itself, `-` for standard input.
    let bytes = result.map_err(|e| {
        let problem = match (flag, source) {
            ("", Source::Stdin { .. }) => Problem::new("-", format!("cannot read {name}: {e}")),
            ("", _) => Problem::new(name.clone(), format!("cannot read the file: {e}")),
            (flag, _) => Problem::new(flag, format!("cannot read {name}: {e}")),
        };
        (exit::NOINPUT, problem)
    })?;
    if bytes.len() as u64 > limit {
        return Err(data(
            what,
            format!(
                "expected at most {MAX_BODY_BYTES} bytes (1 MiB, the largest body Hotpot \
                 accepts), found more in {name}"
            ),
        ));
    }
    Ok(bytes)
}

fn data(field: &str, message: String) -> Failure {
    (exit::DATAERR, Problem::new(field, message))
}

/// UTF-8 text, or the problem the mock server would report for the same bytes.
fn utf8(bytes: Vec<u8>, field: &str) -> Result<String, Failure> {
    String::from_utf8(bytes).map_err(|e| {
        data(
            field,
            format!(
                "expected UTF-8 text, found a byte that is not UTF-8 at offset {}",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// `text` without the UTF-8 byte order mark some editors (Notepad, PowerShell's
/// `Out-File`) put at the start of a file: JSON (RFC 8259, section 8.1) and a URL have none, and it
/// is nothing the user meant.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A JSON payload (any JSON value: §1 then says whether it is an object).
pub(crate) fn payload(source: Source<'_>) -> Result<Value, Failure> {
    let text = utf8(read(source, "payload")?, "payload")?;
    let text = strip_bom(&text);
    if text.trim().is_empty() {
        return Err(data(
            "payload",
            "expected a JSON object, found empty input".to_owned(),
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        data(
            "payload",
            format!("expected a JSON object, found text that is not JSON ({e})"),
        )
    })
}

/// A description (Markdown text).
pub(crate) fn description(source: Source<'_>) -> Result<String, Failure> {
    utf8(read(source, "description")?, "description").map(|text| strip_bom(&text).to_owned())
}
