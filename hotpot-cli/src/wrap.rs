//! `hotpot run -- COMMAND`: runs a cron job or a deploy step and, when it fails (a non-zero
//! exit or a signal), sends a moment saying how, with the last 50 lines of its standard
//! error; then exits with the command's own status, whatever happened to the moment.
//!
//! The command's standard input and output are its own; its standard error passes through
//! unchanged as it comes, and the tail is kept for the description. While it runs, SIGINT
//! and SIGQUIT (which a terminal sends to the whole foreground group, the command included)
//! are left to the command, and SIGTERM and SIGHUP (often sent to this process alone, by a
//! CI runner or `timeout`) are passed on to it. The handlers stay for the send that follows
//! (at most the retry deadline), so that the process still ends with the command's status.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use hotpot_client::{Problem, WebhookUrl};
use serde_json::Value;
use std::io::Write as _;

use tokio::io::AsyncReadExt as _;

use crate::args::RunArgs;
use crate::config::{self, Failure};
use crate::exit;
use crate::output::{self, JsonTo, Printer, Tried, redact};
use crate::send::{self, checked, deliver, fields_payload};

/// Lines of the command's standard error kept for the description.
const TAIL_LINES: usize = 50;
/// Bytes kept of one line of it; the rest of a longer line is dropped.
const LINE_BYTES: usize = 1024;
/// The longest name a moment may have (spec §1), in characters.
const NAME_CHARS: usize = 70;

/// How the command ended.
enum Ended {
    /// It ran and exited, or was killed by a signal.
    Status(ExitStatus),
    /// It could not be started (not found, not executable).
    NotStarted(std::io::Error),
}

/// Runs `hotpot run`; returns the command's exit status (128 + N for a signal N; 127 when
/// it cannot be found, 126 when it cannot be run, as shells say).
pub(crate) fn run(args: RunArgs) -> u8 {
    let printer = Printer::new("run", &args.output);
    // Standard output is the command's: hotpot's JSON goes to a file or to stderr's last line.
    let printer = match &args.output_file {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => printer.json_to(JsonTo::File(file)),
            Err(e) => {
                output::stderr(&format!(
                    "hotpot run: --output-file: cannot create {}: {e}; the result goes to \
                     standard error\n",
                    path.display()
                ));
                printer.json_to(JsonTo::Stderr)
            }
        },
        None => printer.json_to(JsonTo::Stderr),
    };
    // Everything that would stop the moment is said before the command starts.
    // Their JSON comes at the end, as the last line (or in the --output-file).
    let ready = prepare(&args, &printer);
    let unready = ready.as_ref().err().map(|(failures, tried)| {
        output::stderr("hotpot run: a moment could not be sent if the command fails:\n");
        let code = send::exit_of(failures);
        let problems: Vec<Problem> = failures.iter().map(|(_, p)| p.clone()).collect();
        printer.problem_lines(&problems, code);
        (problems, code, tried.clone())
    });
    let unready_json = || {
        if let (Some((problems, code, tried)), true) = (&unready, printer.json()) {
            printer.problems_json(problems, *code, Some(tried));
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            output::stderr(&format!("hotpot run: cannot start the runtime: {e}\n"));
            return exit::TEMPFAIL;
        }
    };
    let started = Instant::now();
    let (ended, tail) = runtime.block_on(supervise(&args.command));
    let elapsed = started.elapsed();
    let code = exit_code(&ended);
    let failed = code != 0;
    if !(failed || args.always) {
        unready_json();
        return code;
    }
    let Ok((url, key, user_description)) = ready else {
        output::stderr("hotpot run: no moment was sent (see the problems above)\n");
        unready_json();
        return code;
    };
    let program = program_name(&args.command);
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&program, &ended));
    let description = describe(
        user_description.as_deref(),
        &args.command,
        &ended,
        elapsed,
        &tail,
    );
    let mut fields = args.fields.clone();
    fields.description = Some(description);
    fields.description_file = None;
    fields.moment_type.get_or_insert_with(|| "alert".to_owned());
    // The description file was read (and checked) in `prepare`, and is part of `description`.
    let moment = fields_payload(Some(&name), &fields)
        .map_err(|f| vec![f])
        .and_then(|payload| checked(&payload, &printer));
    let sent = moment
        .map_err(|failures| (failures, Tried::none(&key)))
        .and_then(|moment| {
            let total = Duration::from_secs_f64(args.once.timeout_total);
            let client = config::client(url, &args.delivery, None, Some(total))
                .map_err(|f| (vec![f], Tried::none(&key)))?;
            deliver(&client, &moment, &key, &printer)
        });
    match sent {
        Ok(receipt) => {
            if !args.output.quiet {
                output::stderr(&format!(
                    "hotpot run: sent {name:?} as request {}\n",
                    receipt.request_id.as_deref().unwrap_or("(no id)")
                ));
            }
            // Text mode prints nothing on stdout: it is the command's. The JSON comes last.
            send::print_receipt(&printer, &receipt, false);
        }
        Err((failures, tried)) => {
            output::stderr("hotpot run: the moment was not sent:\n");
            send::fail_tried(&printer, failures, &tried);
        }
    }
    code
}

/// The webhook URL, the `Idempotency-Key` and the user's description (from
/// `--description-file`, read once), with the flags checked by the §1 rules as they will be
/// sent.
#[allow(clippy::type_complexity)]
fn prepare(
    args: &RunArgs,
    printer: &Printer,
) -> Result<(WebhookUrl, String, Option<String>), (Vec<Failure>, Tried)> {
    let mut failures = Vec::new();
    let url = config::webhook_url(&args.delivery)
        .map_err(|f| failures.push(f))
        .ok();
    let key = config::idempotency_key(&args.once)
        .map_err(|f| failures.push(f))
        .ok();
    let mut fields = args.fields.clone();
    fields.moment_type.get_or_insert_with(|| "alert".to_owned());
    let name = args.name.as_deref().unwrap_or("COMMAND failed");
    let mut user_description = fields.description.clone();
    match fields_payload(Some(name), &fields) {
        Ok(payload) => {
            if fields.description_file.is_some() {
                user_description = payload
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            if let Err(problems) = checked(&payload, printer) {
                failures.extend(problems);
            }
        }
        Err(failure) => failures.push(failure),
    }
    match (url, key) {
        (Some(url), Some(key)) if failures.is_empty() => Ok((url, key, user_description)),
        (_, key) => Err((
            failures,
            Tried {
                attempts: 0,
                idempotency_key: key,
            },
        )),
    }
}

/// Runs the command to its end; its status and the tail of its standard error.
async fn supervise(command: &[OsString]) -> (Ended, Vec<String>) {
    let Some((program, rest)) = command.split_first() else {
        return (
            Ended::NotStarted(std::io::Error::other("no command given")),
            Vec::new(),
        );
    };
    // Listening before the command starts: a signal sent as soon as it runs is handled too.
    let mut signals = Signals::new();
    let mut child = match tokio::process::Command::new(program)
        .args(rest)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            output::stderr(&format!(
                "hotpot run: cannot run {}: {e}\n",
                program.to_string_lossy()
            ));
            return (Ended::NotStarted(e), Vec::new());
        }
    };
    let mut tail = Tail::default();
    let mut stderr = child.stderr.take();
    let mut ours = std::io::stderr();
    let mut buf = vec![0u8; 8192];
    let status = loop {
        tokio::select! {
            read = async { stderr.as_mut()?.read(&mut buf).await.ok() }, if stderr.is_some() => {
                match read {
                    Some(n) if n > 0 => {
                        let _ = ours.write_all(&buf[..n]);
                        let _ = ours.flush();
                        tail.push(&buf[..n]);
                    }
                    _ => stderr = None,
                }
            }
            status = child.wait() => break status,
            signal = signals.next() => signals.forward(signal, child.id()),
        }
    };
    // What the command wrote just before it ended.
    if let Some(mut rest) = stderr {
        let mut remaining = Vec::new();
        let _ = tokio::time::timeout(Duration::from_millis(500), rest.read_to_end(&mut remaining))
            .await;
        let _ = ours.write_all(&remaining);
        let _ = ours.flush();
        tail.push(&remaining);
    }
    let ended = match status {
        Ok(status) => Ended::Status(status),
        Err(e) => Ended::NotStarted(e),
    };
    (ended, tail.lines())
}

/// The exit status `hotpot run` ends with.
fn exit_code(ended: &Ended) -> u8 {
    match ended {
        Ended::Status(status) => match (status.code(), signal_of(status)) {
            (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
            (None, Some(signal)) => u8::try_from((128 + signal) & 0xff).unwrap_or(1),
            (None, None) => 1,
        },
        Ended::NotStarted(e) if e.kind() == std::io::ErrorKind::NotFound => 127,
        Ended::NotStarted(_) => 126,
    }
}

#[cfg(unix)]
fn signal_of(status: &ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt as _;
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_: &ExitStatus) -> Option<i32> {
    None
}

/// A signal's name (`SIGTERM`), or its number.
fn signal_name(signal: i32) -> String {
    let name = match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => return format!("signal {signal}"),
    };
    name.to_owned()
}

/// The program's file name, for the default moment name: `deploy.sh` for
/// `./scripts/deploy.sh`; the program as given when it has no file name (`./`, `..`), and
/// `the command` when it is empty.
fn program_name(command: &[OsString]) -> String {
    let program = command
        .first()
        .map(|p| p.to_string_lossy())
        .unwrap_or_default();
    let file_name = std::path::Path::new(program.as_ref())
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.trim().is_empty());
    let name = match file_name {
        Some(name) => name,
        None if program.trim().is_empty() => "the command".to_owned(),
        None => program.into_owned(),
    };
    redact(&name).into_owned()
}

/// `COMMAND failed (exit N)`, cut to the 70 characters a name may have.
fn default_name(program: &str, ended: &Ended) -> String {
    let what = match ended {
        Ended::Status(status) if status.success() => " succeeded".to_owned(),
        Ended::Status(status) => match (status.code(), signal_of(status)) {
            (Some(code), _) => format!(" failed (exit {code})"),
            (None, Some(signal)) => format!(" failed (killed by {})", signal_name(signal)),
            (None, None) => " failed".to_owned(),
        },
        Ended::NotStarted(_) => " failed (could not start)".to_owned(),
    };
    let room = NAME_CHARS.saturating_sub(what.chars().count());
    let program = if program.chars().count() > room {
        let mut cut: String = program.chars().take(room.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        program.to_owned()
    };
    format!("{program}{what}")
}

/// The moment's description: the user's, then the command, how it ended, how long it ran,
/// and the tail of its standard error in a fenced block (secrets redacted).
fn describe(
    user: Option<&str>,
    command: &[OsString],
    ended: &Ended,
    elapsed: Duration,
    tail: &[String],
) -> String {
    let mut text = String::new();
    if let Some(user) = user {
        text.push_str(user);
        text.push_str("\n\n");
    }
    let command = command
        .iter()
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let how = match ended {
        Ended::Status(status) => match (status.code(), signal_of(status)) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!("was killed by {}", signal_name(signal)),
            (None, None) => "ended".to_owned(),
        },
        Ended::NotStarted(e) => format!("could not start: {e}"),
    };
    let fence = "`".repeat(longest_backtick_run(&command).max(2) + 1);
    text.push_str(&format!(
        "{fence}{command}{fence} {how} after {:.1} s.\n",
        elapsed.as_secs_f64()
    ));
    if !tail.is_empty() {
        let body = tail.join("\n");
        let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
        text.push_str(&format!(
            "\nIts standard error (the last {} lines):\n\n{fence}text\n{body}\n{fence}\n",
            tail.len()
        ));
    }
    redact(&text).into_owned()
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `arg` as a POSIX shell would need it written.
fn shell_quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if safe {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The last lines of a byte stream, each cut at [`LINE_BYTES`].
#[derive(Default)]
struct Tail {
    lines: VecDeque<Vec<u8>>,
    current: Vec<u8>,
}

impl Tail {
    fn push(&mut self, bytes: &[u8]) {
        for piece in bytes.split_inclusive(|b| *b == b'\n') {
            let (text, ends) = match piece.strip_suffix(b"\n") {
                Some(text) => (text, true),
                None => (piece, false),
            };
            let room = LINE_BYTES.saturating_sub(self.current.len());
            self.current
                .extend_from_slice(&text[..text.len().min(room)]);
            if ends {
                self.lines.push_back(std::mem::take(&mut self.current));
                if self.lines.len() > TAIL_LINES {
                    self.lines.pop_front();
                }
            }
        }
    }

    fn lines(mut self) -> Vec<String> {
        if !self.current.is_empty() {
            self.lines.push_back(std::mem::take(&mut self.current));
            if self.lines.len() > TAIL_LINES {
                self.lines.pop_front();
            }
        }
        self.lines
            .iter()
            .map(|line| {
                String::from_utf8_lossy(line)
                    .trim_end_matches('\r')
                    .to_owned()
            })
            .collect()
    }
}

/// The signals watched while the command runs.
struct Signals {
    #[cfg(unix)]
    streams: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [
            (libc::SIGINT, SignalKind::interrupt()),
            (libc::SIGQUIT, SignalKind::quit()),
            (libc::SIGTERM, SignalKind::terminate()),
            (libc::SIGHUP, SignalKind::hangup()),
        ];
        let streams = kinds
            .into_iter()
            .filter_map(|(number, kind)| signal(kind).ok().map(|s| (number, s)))
            .collect();
        Signals { streams }
    }

    #[cfg(not(unix))]
    fn new() -> Self {
        Signals {}
    }

    /// The next signal received (never resolves when none is watched).
    #[cfg(unix)]
    async fn next(&mut self) -> i32 {
        if self.streams.is_empty() {
            return std::future::pending().await;
        }
        let waits = self.streams.iter_mut().map(|(number, stream)| {
            let number = *number;
            Box::pin(async move {
                stream.recv().await;
                number
            })
        });
        futures_select_all(waits).await
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> i32 {
        std::future::pending().await
    }

    /// SIGTERM and SIGHUP go on to the command; SIGINT and SIGQUIT reached it already.
    #[cfg(unix)]
    fn forward(&self, signal: i32, child: Option<u32>) {
        if (signal == libc::SIGTERM || signal == libc::SIGHUP)
            && let Some(pid) = child.and_then(|pid| libc::pid_t::try_from(pid).ok())
        {
            // SAFETY: kill has no memory-safety preconditions; the pid is our child's,
            // which has not been reaped yet (wait() has not returned).
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    #[cfg(not(unix))]
    fn forward(&self, _: i32, _: Option<u32>) {}
}

/// The first of several futures to finish (a tiny `select_all`).
#[cfg(unix)]
async fn futures_select_all<F: std::future::Future<Output = i32> + Unpin>(
    futures: impl Iterator<Item = F>,
) -> i32 {
    let mut futures: Vec<F> = futures.collect();
    std::future::poll_fn(|cx| {
        for future in &mut futures {
            if let std::task::Poll::Ready(v) = std::pin::Pin::new(future).poll(cx) {
                return std::task::Poll::Ready(v);
            }
        }
        std::task::Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_fifty_lines_each_cut() {
        let mut tail = Tail::default();
        for i in 0..120 {
            tail.push(format!("line {i}\n").as_bytes());
        }
        tail.push(&[b'x'; 3000]);
        let lines = tail.lines();
        assert_eq!(lines.len(), TAIL_LINES);
        assert_eq!(lines[0], "line 71");
        assert_eq!(lines[TAIL_LINES - 1].len(), LINE_BYTES);
    }

    #[test]
    fn lines_split_across_reads_are_joined() {
        let mut tail = Tail::default();
        tail.push(b"hel");
        tail.push(b"lo\r\nwor");
        tail.push(b"ld");
        assert_eq!(tail.lines(), ["hello", "world"]);
    }

    #[test]
    fn a_long_program_name_is_cut_to_fit_seventy_characters() {
        let ended = Ended::NotStarted(std::io::Error::other("x"));
        let name = default_name(&"a".repeat(100), &ended);
        assert_eq!(name.chars().count(), NAME_CHARS);
        assert!(name.ends_with("… failed (could not start)"), "{name}");
    }

    #[test]
    fn the_program_is_named_by_its_file_name_or_as_given() {
        let name = |program: &str| program_name(&[OsString::from(program)]);
        assert_eq!(name("./scripts/deploy.sh"), "deploy.sh");
        assert_eq!(name("/usr/bin/"), "bin");
        assert_eq!(name("./"), "./");
        assert_eq!(name(".."), "..");
        assert_eq!(name(""), "the command");
        assert_eq!(name("   "), "the command");
    }

    #[test]
    fn arguments_are_quoted_for_a_shell() {
        assert_eq!(shell_quote("deploy.sh"), "deploy.sh");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
