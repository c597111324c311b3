//! # hotpot-cli
//!
//! `hotpot`, one command for shell scripts, deploy pipelines and CI jobs, in place of
//! `curl -X POST --json '{...}' $WEBHOOK_URL` (spec §9). It checks the moment before
//! sending it (§1), retries through server trouble (§5), never prints the webhook token
//! (§2), and its exit status tells "fix your call" (65, 66, 77, 78) from "try again later"
//! (75): see [`exit`].
//!
//! The binary `hotpot` and the console script of the Python package both call [`run`], so
//! they behave, and print, the same.
//!
//! ```no_run
//! // What the binary's main does.
//! let status = hotpot_cli::run(["hotpot", "send", "Deploy failed", "--type", "alert"]);
//! std::process::exit(i32::from(status));
//! ```
//!
//! ## Layout
//!
//! | module | holds |
//! |---|---|
//! | `args` | the clap declarations: every subcommand, flag and help text |
//! | [`exit`] | the exit statuses, and the one for each client error |
//! | `config` | the webhook URL (`HOTPOT_WEBHOOK_URL`, `--url-file`), the API key and base, the clients |
//! | `input` | reading payloads and descriptions: size, UTF-8 and JSON problems |
//! | `output` | stdout and stderr: text or JSON, `--quiet`, GitHub Actions, redaction |
//! | `logging` | `RUST_LOG` logs on stderr, and the count of attempts a send made |
//! | `send`, `check`, `status`, `wrap`, `flush`, `page` | `hotpot send`, `check`, `status`, `run`, `flush` and `page` |
//!
//! `hotpot mock` is [`hotpot_mock_server::MockArgs`], the flags of the `hotpot-mock-server`
//! binary, and `hotpot completions` is `clap_complete`.

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

mod args;
mod check;
mod completions;
mod config;
pub mod exit;
mod flush;
mod input;
mod logging;
mod output;
mod page;
mod send;
mod status;
mod wrap;

use std::ffi::OsString;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use args::{Cli, Command};

/// The whole command line as a clap [`Command`](clap::Command): for man pages
/// (`clap_mangen`) and completion scripts.
///
/// ```
/// let command = hotpot_cli::command();
/// assert_eq!(command.get_name(), "hotpot");
/// assert!(command.get_subcommands().any(|c| c.get_name() == "send"));
/// ```
pub fn command() -> clap::Command {
    Cli::command()
}

/// Runs `hotpot` with these arguments (the first is the program's name, as in
/// `std::env::args_os()`) and returns the exit status: spec §9's table for `send`,
/// `check`, `status` and `flush`, the command's own for `run`, 2 for usage errors.
///
/// Prints to this process's stdout and stderr.
///
/// ```
/// // `check` needs no webhook URL; a payload file that cannot be read is exit 66.
/// let status = hotpot_cli::run(["hotpot", "check", "--quiet", "/no/such/file.json"]);
/// assert_eq!(status, hotpot_cli::exit::NOINPUT);
/// ```
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    output::take_stdout_error();
    let (status, is_run) = dispatch(args);
    // A result that could not be written is not a success: 74 (`EX_IOERR`), with why. `run`
    // keeps its command's status, whatever; a failure keeps its own, more telling, status.
    match output::take_stdout_error() {
        Some(error) if status == exit::OK && !is_run => {
            output::stderr(&format!(
                "hotpot: cannot write to standard output: {error}\n"
            ));
            exit::IOERR
        }
        _ => status,
    }
}

/// Runs the subcommand; its exit status, and whether it was `run`.
fn dispatch<I, T>(args: I) -> (u8, bool)
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) if is_url_flag(&e) => {
            let printer = output::Printer::plain("");
            printer.problems(&[config::url_flag_problem()], exit::USAGE, None);
            return (exit::USAGE, false);
        }
        Err(e) => return (usage(&e), false),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return (usage(&e), false),
    };
    let status = match cli.command {
        // The mock server sets up its own logs, as its binary does.
        Command::Mock(args) => {
            if args.run() == ExitCode::SUCCESS {
                exit::OK
            } else {
                1
            }
        }
        Command::Completions(args) => {
            output::stdout(&completions::script(args.shell));
            exit::OK
        }
        Command::Check(args) => check::check(args),
        Command::Send(args) => logged(send::send, args),
        Command::Run(args) => return (logged(wrap::run, args), true),
        Command::Page(args) => logged(page::page, args),
        Command::Status(args) => logged(status::status, args),
        Command::Flush(args) => logged(flush::flush, args),
    };
    (status, false)
}

/// Runs a command that sends, with its logs set up first.
fn logged<A>(command: fn(A) -> u8, args: A) -> u8 {
    logging::init();
    command(args)
}

/// Whether clap refused a `--url` flag (`--url`, `--url=...`): no subcommand takes one, on
/// purpose, and the refusal says where the URL comes from instead.
fn is_url_flag(error: &clap::Error) -> bool {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    error.kind() == ErrorKind::UnknownArgument
        && matches!(
            error.get(ContextKind::InvalidArg),
            Some(ContextValue::String(arg)) if arg == "--url" || arg.starts_with("--url=")
        )
}

/// Prints clap's help, version or usage error (redacted: an argument it echoes back may hold
/// a URL) and returns its exit status: 0 for help and version, 2 for a usage error.
fn usage(error: &clap::Error) -> u8 {
    let to_stdout = !error.use_stderr();
    let color = std::env::var_os("NO_COLOR").is_none()
        && if to_stdout {
            std::io::stdout().is_terminal()
        } else {
            std::io::stderr().is_terminal()
        };
    let rendered = error.render();
    let text = if color {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    if to_stdout {
        output::stdout(&text);
        exit::OK
    } else {
        output::stderr(&text);
        exit::USAGE
    }
}
