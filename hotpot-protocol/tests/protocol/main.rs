//! hotpot-protocol's integration tests: one binary (`cargo test -p hotpot-protocol --test
//! protocol`), a module per subject.
//!
//! | module | tests |
//! |---|---|
//! | `moment_rules`, `lenient`, `properties` | spec §1: the builder, the server-side parser, and properties over generated moments |
//! | `pages`, `page_properties` | spec §14: the page model, recipients, the server-side parse, acknowledgements, the API key |
//! | `source_url` | spec §1's `source_url`: the rule's quick path for plain URLs against the `url` crate's verdict |
//! | `fuzz_regressions` | the fuzz targets' properties (`fuzz/src`), replayed from committed inputs and random ones |
//!
//! The webhook URL's rules (spec §2) are tested where a client uses them, in hotpot-client's
//! `webhook_url` and `redaction` suites.

mod fuzz_regressions;
mod lenient;
mod moment_rules;
mod page_properties;
mod pages;
mod properties;
mod source_url;
