//! `hotpot`: send Hotpot moments from shell scripts, deploy pipelines and CI jobs. See
//! `hotpot --help`, and the crate's documentation for the exit statuses.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(hotpot_cli::run(std::env::args_os()))
}
