//! Everything the command prints goes through here: results on stdout (text or JSON, nothing
//! with `--quiet`), problems on stderr as `field: message` (and as `{"errors": [...]}` on
//! stdout with `--output json`), GitHub Actions annotations and `$GITHUB_OUTPUT`, and the
//! redaction of every secret the command knows (contract §2) on the way out.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Mutex;

use hotpot_client::Problem;
use hotpot_protocol::{redact_secret_in, redact_token};
use serde::Serialize;

use crate::args::{Format, OutputArgs};

/// The secrets of this run (the webhook token, the API key): no byte of output carries them.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Adds a secret that must never be printed.
pub(crate) fn add_secret(secret: &str) {
    if !secret.is_empty()
        && let Ok(mut secrets) = SECRETS.lock()
    {
        secrets.push(secret.to_owned());
    }
}

/// `text` with every known secret and every webhook token after `/moment/` shown as its
/// hint (`845b…`).
pub(crate) fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    if let Ok(secrets) = SECRETS.lock() {
        for secret in secrets.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(redact_secret_in(&out, secret));
            }
        }
    }
    if out.contains("/moment/") {
        out = Cow::Owned(redact_moment_paths(&out));
    }
    out
}

/// Replaces the token of every `/moment/TOKEN` in `text` by its hint, for URLs the command
/// did not read itself (an argument clap echoes back, a child's standard error).
fn redact_moment_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("/moment/") {
        let (before, after) = rest.split_at(at + "/moment/".len());
        out.push_str(before);
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        let token = &after[..end];
        // TOKEN is how the help and the messages write the form.
        let hinted = after[end..].starts_with('…');
        if token.is_empty() || token == "TOKEN" || hinted {
            out.push_str(token);
        } else {
            out.push_str(&redact_token(token));
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Writes `text` to stdout, redacted; a closed stdout is not an error worth reporting.
pub(crate) fn stdout(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(redact(text).as_bytes());
    let _ = out.flush();
}

/// Writes `text` to stderr, redacted.
pub(crate) fn stderr(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(redact(text).as_bytes());
    let _ = err.flush();
}

/// JSON in the contract's spelling: `{"status": 202, "request_id": "..."}`, with a space
/// after each `:` and `,`, on one line.
pub(crate) fn to_json_line<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Spaced);
    // Serialising plain structs of strings and numbers cannot fail.
    let _ = value.serialize(&mut serializer);
    out.push(b'\n');
    String::from_utf8(out).unwrap_or_default()
}

/// The formatter of [`to_json_line`].
struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// How one subcommand prints: its name (for annotations), the format, `--quiet`, and whether
/// it runs in GitHub Actions.
pub(crate) struct Printer {
    command: &'static str,
    format: Format,
    quiet: bool,
    github: bool,
}

#[derive(Serialize)]
struct Errors<'a> {
    errors: &'a [Problem],
}

impl Printer {
    /// The printer of `command` with its `--output` and `--quiet`.
    pub(crate) fn new(command: &'static str, output: &OutputArgs) -> Self {
        Printer {
            command,
            format: output.output,
            quiet: output.quiet,
            github: std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true"),
        }
    }

    /// Whether results are JSON.
    pub(crate) fn json(&self) -> bool {
        self.format == Format::Json
    }

    /// A result on stdout (nothing with `--quiet`).
    pub(crate) fn result(&self, text: &str) {
        if !self.quiet {
            stdout(text);
        }
    }

    /// A result as one JSON line on stdout (nothing with `--quiet`).
    pub(crate) fn result_json<T: Serialize + ?Sized>(&self, value: &T) {
        self.result(&to_json_line(value));
    }

    /// Every problem, at once: `field: message` lines on stderr, `{"errors": [...]}` on
    /// stdout with `--output json`, and an `::error::` annotation each in GitHub Actions.
    pub(crate) fn problems(&self, problems: &[Problem]) {
        let mut text = String::new();
        for problem in problems {
            text.push_str(&format!("{}: {}\n", problem.field, problem.message));
        }
        if self.github {
            for problem in problems {
                text.push_str(&self.annotation("error", problem));
            }
        }
        stderr(&text);
        if self.json() {
            self.result_json(&Errors { errors: problems });
        }
    }

    /// Warnings (unknown payload fields) on stderr, as `warning: field: message`.
    pub(crate) fn warnings(&self, warnings: &[Problem]) {
        let mut text = String::new();
        for warning in warnings {
            text.push_str(&format!(
                "warning: {}: {}\n",
                warning.field, warning.message
            ));
        }
        if self.github {
            for warning in warnings {
                text.push_str(&self.annotation("warning", warning));
            }
        }
        stderr(&text);
    }

    /// A GitHub Actions workflow command for one problem, its data escaped as the runner
    /// expects (`%`, CR and LF).
    fn annotation(&self, level: &str, problem: &Problem) -> String {
        let data = format!("{}: {}", problem.field, problem.message)
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        format!("::{level} title=hotpot {}::{data}\n", self.command)
    }

    /// In GitHub Actions, appends `request_id=ID` to the file `$GITHUB_OUTPUT` names, so a
    /// later step can read `steps.<id>.outputs.request_id`. A file that cannot be written is
    /// a warning: the moment was sent.
    pub(crate) fn github_output(&self, request_id: Option<&str>) {
        let (true, Some(id)) = (self.github, request_id) else {
            return;
        };
        let Some(path) = std::env::var_os("GITHUB_OUTPUT") else {
            return;
        };
        let written = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "request_id={id}"));
        if let Err(e) = written {
            stderr(&format!(
                "warning: GITHUB_OUTPUT: cannot append request_id to {}: {e}\n",
                path.to_string_lossy()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_after_moment_are_cut_to_their_hint() {
        assert_eq!(
            redact_moment_paths("error: unexpected argument 'https://h/moment/abcdef123/datadog'"),
            "error: unexpected argument 'https://h/moment/abcd…/datadog'"
        );
        assert_eq!(
            redact_moment_paths("/moment/TOKEN and /moment/ and /moment/ab /moment/abcd…"),
            "/moment/TOKEN and /moment/ and /moment/a… /moment/abcd…"
        );
    }

    #[test]
    fn json_lines_are_spaced_as_the_contract_writes_them() {
        let value = serde_json::json!({"status": 202, "errors": [1, 2]});
        assert_eq!(
            to_json_line(&value),
            "{\"errors\": [1, 2], \"status\": 202}\n"
        );
    }
}
