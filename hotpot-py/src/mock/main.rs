//! `hotpot._hotpot._mock_main`: `python -m hotpot.testing`, the standalone mock server run by
//! the same Rust code as the `hotpot-mock-server` binary and `hotpot mock` — the flags and
//! `HOTPOT_MOCK_*` variables of [`MockArgs`], its start-up lines, its logs, its signals.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser as _;
use hotpot_mock_server::MockArgs;
use pyo3::prelude::*;

/// The command: the binary's, under the name it is run by (its `about` is the description of
/// crate `hotpot-mock-server`, which the binary's `about` shows).
#[derive(Debug, clap::Parser)]
#[command(
    name = "python -m hotpot.testing",
    version,
    about = "A faithful, stateful mock of Hotpot's moment webhooks, in-process or standalone"
)]
struct Cli {
    #[command(flatten)]
    mock: MockArgs,
}

/// Runs `python -m hotpot.testing` with `argv` (the program's name first) and returns its
/// exit status: 0 after SIGINT or SIGTERM (or `--help`, `--version`), 1 when the server
/// cannot start, 2 for a bad flag (clap's usage error, as the binary exits).
///
/// The GIL is released for the whole run. It writes to the file descriptors 1 and 2 directly;
/// `hotpot.testing.__main__` flushes Python's buffers first.
#[pyfunction]
pub(crate) fn _mock_main(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    py.detach(|| match Cli::try_parse_from(argv) {
        Ok(cli) => u8::from(cli.mock.run() != ExitCode::SUCCESS),
        Err(e) => {
            // Help and version on stdout with 0, usage errors on stderr with 2, as clap's exit().
            let _ = e.print();
            u8::try_from(e.exit_code()).unwrap_or(2)
        }
    })
}
