//! Spec §14, the mock's on-call directory: users and teams over the admin API, the library
//! and the binary's `--oncall FILE`.

mod delivery;
mod directory;
mod escalation;
mod ingest;
mod support;
