//! Everything the command prints goes through here: results on stdout (text or JSON, nothing
//! with `--quiet`), problems on stderr as `field: message` (and as `{"errors": [...]}` on
//! stdout with `--output json`), GitHub Actions annotations and `$GITHUB_OUTPUT`, and the
//! redaction of every secret the command knows (spec §2) on the way out.

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

/// The first error writing to stdout (a full disk, `/dev/full`, a closed descriptor), but a
/// broken pipe: the reader (`| head`) has all it wanted.
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Writes `text` to stdout, redacted (and made inert in GitHub Actions). An error is kept for
/// [`stdout_error`]: the result a script reads would be lost.
pub(crate) fn stdout(text: &str) {
    let mut out = io::stdout().lock();
    let written = out
        .write_all(inert(&redact(text)).as_bytes())
        .and_then(|()| out.flush());
    if let Err(e) = written
        && e.kind() != io::ErrorKind::BrokenPipe
        && let Ok(mut first) = STDOUT_ERROR.lock()
    {
        first.get_or_insert_with(|| e.to_string());
    }
}

/// The first error [`stdout`] met since the last call, if any (each run of the command
/// starts afresh: the Python package may run it more than once in one process).
pub(crate) fn take_stdout_error() -> Option<String> {
    STDOUT_ERROR.lock().ok().and_then(|mut e| e.take())
}

/// Writes `text` to stderr, redacted (and made inert in GitHub Actions).
pub(crate) fn stderr(text: &str) {
    write_stderr(&inert(&redact(text)));
}

fn write_stderr(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Whether this process runs in GitHub Actions (`GITHUB_ACTIONS=true`), where the runner
/// reads workflow commands from every line of standard output and standard error.
/// Read each time: the Python package runs the command in its own process, perhaps more
/// than once with another environment.
pub(crate) fn in_github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// In GitHub Actions, `text` with nothing in it that the runner would take for a workflow
/// command: a line (after CR or LF) whose first non-blank characters are `::` gets its first
/// `:` written `%3A`, and the old `##[` form is written `##%5B`. Elsewhere, `text` as it is.
/// hotpot's own annotations are written past this ([`Printer::problems`]).
pub(crate) fn inert(text: &str) -> Cow<'_, str> {
    if !in_github_actions() {
        return Cow::Borrowed(text);
    }
    defuse_workflow_commands(text)
}

/// The escaping of [`inert`], whatever the environment.
fn defuse_workflow_commands(text: &str) -> Cow<'_, str> {
    let starts_command = |line: &str| line.trim_start().starts_with("::");
    if !text.contains("##[") && !text.split(['\r', '\n']).any(starts_command) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for piece in text.split_inclusive(['\r', '\n']) {
        let body = piece.trim_start();
        if body.starts_with("::") {
            out.push_str(&piece[..piece.len() - body.len()]);
            out.push_str("%3A");
            out.push_str(&body[1..]);
        } else {
            out.push_str(piece);
        }
    }
    Cow::Owned(out.replace("##[", "##%5B"))
}

/// Text as the data of a workflow command (and as one line of a problem in GitHub Actions):
/// `%`, CR and LF written `%25`, `%0D` and `%0A`, as the runner unescapes them.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// JSON in the specification's spelling: `{"status": 202, "request_id": "..."}`, with a space
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
    json_to: JsonTo,
}

/// Where a JSON result goes: stdout for every subcommand but `run`, whose stdout is its
/// command's (spec §9).
pub(crate) enum JsonTo {
    /// Standard output (nothing with `--quiet`).
    Stdout,
    /// The last line of standard error (`run --output json`).
    Stderr,
    /// A file (`run --output-file PATH`), created empty before the command starts.
    File(std::fs::File),
}

/// A failure as `--output json` prints it: every problem, the exit status, and for a send
/// that was tried (`send`, `run`) its attempts and `Idempotency-Key`, so that a script can
/// retry with the same key.
#[derive(Serialize)]
struct Errors<'a> {
    errors: &'a [Problem],
    exit: u8,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    tried: Option<&'a Tried>,
}

/// What became of a send that failed: how many attempts reached the network (0 when the
/// problems stopped it before) and the `Idempotency-Key` it carried (`None` when the key
/// itself is the problem).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Tried {
    pub(crate) attempts: u32,
    pub(crate) idempotency_key: Option<String>,
}

impl Printer {
    /// The printer of `command` with its `--output` and `--quiet`.
    pub(crate) fn new(command: &'static str, output: &OutputArgs) -> Self {
        Printer {
            command,
            format: output.output,
            quiet: output.quiet,
            github: in_github_actions(),
            json_to: JsonTo::Stdout,
        }
    }

    /// The printer of `command` with the default output (text, not quiet), for problems
    /// found before the arguments are known.
    pub(crate) fn plain(command: &'static str) -> Self {
        Printer::new(
            command,
            &OutputArgs {
                output: Format::Text,
                quiet: false,
            },
        )
    }

    /// The same printer with its JSON results sent to `json_to`; a file means JSON whatever
    /// `--output` says.
    pub(crate) fn json_to(mut self, json_to: JsonTo) -> Self {
        if matches!(json_to, JsonTo::File(_)) {
            self.format = Format::Json;
        }
        self.json_to = json_to;
        self
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

    /// A result as one JSON line on stdout (nothing with `--quiet`), or where
    /// [`json_to`](Self::json_to) says.
    pub(crate) fn result_json<T: Serialize + ?Sized>(&self, value: &T) {
        let line = to_json_line(value);
        match &self.json_to {
            JsonTo::Stdout => self.result(&line),
            JsonTo::Stderr => stderr(&line),
            JsonTo::File(file) => {
                let mut file: &std::fs::File = file;
                let written = file
                    .write_all(redact(&line).as_bytes())
                    .and_then(|()| file.flush());
                if let Err(e) = written {
                    stderr(&format!(
                        "--output-file: cannot write the result: {e}\n{line}"
                    ));
                }
            }
        }
    }

    /// Every problem, at once: `field: message` lines on stderr, `{"errors": [...], "exit":
    /// N}` on stdout with `--output json` (with `attempts` and `idempotency_key` for a send),
    /// and in GitHub Actions an annotation each: `::warning::` for exit 75 (try later),
    /// `::error::` otherwise.
    pub(crate) fn problems(&self, problems: &[Problem], exit: u8, tried: Option<&Tried>) {
        self.problem_lines(problems, exit);
        if self.json() {
            self.problems_json(problems, exit, tried);
        }
    }

    /// The stderr half of [`problems`](Self::problems): the lines and the annotations.
    pub(crate) fn problem_lines(&self, problems: &[Problem], exit: u8) {
        let level = if exit == crate::exit::TEMPFAIL {
            "warning"
        } else {
            "error"
        };
        self.lines("", problems, level);
    }

    /// The JSON half of [`problems`](Self::problems), whatever `--output` says.
    pub(crate) fn problems_json(&self, problems: &[Problem], exit: u8, tried: Option<&Tried>) {
        self.result_json(&Errors {
            errors: problems,
            exit,
            tried,
        });
    }

    /// Warnings (unknown payload fields) on stderr, as `warning: field: message`.
    pub(crate) fn warnings(&self, warnings: &[Problem]) {
        self.lines("warning: ", warnings, "warning");
    }

    /// `{prefix}field: message` on stderr, one line each, and in GitHub Actions an annotation
    /// each at `level`. In GitHub Actions every line is one line whatever the field and the
    /// message hold (a payload's key may hold a newline and `::`): `%`, CR and LF are
    /// escaped as in a workflow command's data.
    fn lines(&self, prefix: &str, problems: &[Problem], level: &str) {
        let mut text = String::new();
        for problem in problems {
            let line = format!("{}: {}", problem.field, problem.message);
            let line = if self.github {
                escape_data(&line)
            } else {
                line
            };
            text.push_str(&format!("{prefix}{line}\n"));
        }
        stderr(&text);
        if self.github {
            let annotations: String = problems
                .iter()
                .map(|problem| self.annotation(level, problem))
                .collect();
            // The one place a workflow command is written on purpose: redacted, its data
            // escaped, its title hotpot's own, and no old-form command inside it either.
            write_stderr(&redact(&annotations).replace("##[", "##%5B"));
        }
    }

    /// A GitHub Actions workflow command for one problem, its data escaped as the runner
    /// expects (`%`, CR and LF).
    fn annotation(&self, level: &str, problem: &Problem) -> String {
        let data = escape_data(&format!("{}: {}", problem.field, problem.message));
        let title = if self.command.is_empty() {
            "hotpot".to_owned()
        } else {
            format!("hotpot {}", self.command)
        };
        format!("::{level} title={title}::{data}\n")
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
    fn no_line_can_start_a_workflow_command() {
        assert_eq!(
            defuse_workflow_commands("ok\n::notice::X\r  ::error::Y\nnot :: this"),
            "ok\n%3A:notice::X\r  %3A:error::Y\nnot :: this"
        );
        assert_eq!(
            defuse_workflow_commands("a ##[set-env]b"),
            "a ##%5Bset-env]b"
        );
        assert!(matches!(
            defuse_workflow_commands("k: v\n"),
            Cow::Borrowed(_)
        ));
        assert_eq!(escape_data("100%\r\n::x"), "100%25%0D%0A::x");
    }

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
    fn json_lines_are_spaced_as_the_spec_writes_them() {
        let value = serde_json::json!({"status": 202, "errors": [1, 2]});
        assert_eq!(
            to_json_line(&value),
            "{\"errors\": [1, 2], \"status\": 202}\n"
        );
    }
}
