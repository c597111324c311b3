//! The mock server's integration tests, one binary (as ripgrep and cargo have it): each module
//! covers one part of the specification over real HTTP, against the library or the binary.

mod admin;
mod bad_input;
mod binary;
mod console;
mod console_pages;
mod expect;
mod faults;
mod hardening;
mod ingest;
mod journal;
mod library;
mod oncall;
mod status;
mod stream;
mod strict;
mod sunset;
mod support;
mod watch;
