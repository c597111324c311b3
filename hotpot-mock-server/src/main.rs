//! `hotpot-mock-server`: the mock as a standalone process, for tests in any language.
//!
//! Prints `listening on http://HOST:PORT` and `webhook url: http://HOST:PORT/moment/TOKEN` as
//! its first two stdout lines, logs one line per request to stderr (tokens redacted), and stops
//! cleanly on SIGINT or SIGTERM. Its flags are [`MockArgs`], shared with `hotpot mock`.

use std::process::ExitCode;

use clap::Parser;
use hotpot_mock_server::MockArgs;

/// A faithful, stateful mock of Hotpot's moment webhooks.
#[derive(Debug, Parser)]
#[command(name = "hotpot-mock-server", version, about)]
struct Cli {
    #[command(flatten)]
    mock: MockArgs,
}

fn main() -> ExitCode {
    Cli::parse().mock.run()
}
