//! # hotpot-e2e
//!
//! End-to-end suites: `hotpot_client` talking to `hotpot_mock_server` over real loopback
//! HTTP. The package is its tests: one binary, `e2e/main.rs`
//! (`cargo test -p hotpot-e2e`), and the benchmark `benches/emitter_into_mock.rs`. This
//! library is empty; it exists because a package needs one target besides its tests.
