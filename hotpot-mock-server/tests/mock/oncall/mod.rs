//! Spec §14 in the mock: the on-call directory (users and teams over the admin API, the
//! library and the binary's `--oncall FILE`), page ingest and its answers, delivery (keys,
//! rate limit, faults, the journal), escalation and acknowledgements, the OpenAPI shapes.

mod delivery;
mod directory;
mod escalation;
mod ingest;
mod shapes;
mod support;
