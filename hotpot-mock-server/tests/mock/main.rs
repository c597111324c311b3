//! The mock server's integration tests, one binary (as ripgrep and cargo have it): each module
//! covers one part of the specification over real HTTP, against the library or the binary.

mod admin;
mod bad_input;
mod binary;
mod faults;
mod ingest;
mod journal;
mod library;
mod oncall;
mod page;
mod status;
mod strict;
mod support;
