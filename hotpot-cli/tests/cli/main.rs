//! The `hotpot` binary as a script runs it: a real process against the in-process mock
//! server, one module per concern. Every row of the exit-status table of spec §9 is
//! reached by at least one test (`exit_codes`).

mod bad_input;
mod check;
mod completions;
mod edges;
mod exit_codes;
mod flush;
mod help;
mod mock;
mod output;
mod page;
mod plain_http;
mod retrying;
mod run;
mod secrets;
mod send;
mod shell_example;
mod status;
mod sunset;
mod support;
