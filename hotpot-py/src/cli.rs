//! `hotpot._hotpot._cli_main`: the `hotpot` console script of the wheel runs the command line
//! of crate `hotpot-cli` in this process, so a Python user gets the same command, printing
//! the same bytes, without a Rust toolchain.

use std::ffi::OsString;

use pyo3::prelude::*;

/// Runs `hotpot` with `argv` (the program's name first) and returns its exit status.
///
/// The GIL is released for the whole run: the command may wait on the network, on a child
/// process (`hotpot run`) or on a signal (`hotpot mock`). It writes to the process's file
/// descriptors 1 and 2 directly; `hotpot._cli.main` flushes Python's buffers first.
#[pyfunction]
pub(crate) fn _cli_main(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    py.detach(|| hotpot_cli::run(argv))
}
