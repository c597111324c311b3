//! # hotpot-e2e
//!
//! End-to-end suites: `hotpot_client` talking to `hotpot_mock_server` over real loopback
//! HTTP. The package is its tests: one binary, `e2e/main.rs`
//! (`cargo test -p hotpot-e2e`), and the benchmark `benches/emitter_into_mock.rs`.
//!
//! The library holds no code. It is where the Rust samples of the docs and the READMEs are
//! compiled (and run, unless `no_run`) as doctests: `cargo test -p hotpot-e2e --doc`, part of
//! `cargo test --workspace` and so of `make test`. Each Markdown file with a ```` ```rust ````
//! block is included below as the documentation of an item that exists only under
//! `cfg(doctest)`; `tests/docs/test_docs.py` fails when one is missing.

/// One `#[cfg(doctest)]` unit struct per Markdown file, documented by that file.
macro_rules! doctests {
    ($($name:ident = $path:literal;)*) => {$(
        #[cfg(doctest)]
        #[doc = include_str!($path)]
        pub struct $name;
    )*};
}

doctests! {
    Readme = "../README.md";
    ClientReadme = "../hotpot-client/README.md";
    MockServerReadme = "../hotpot-mock-server/README.md";
    ProtocolReadme = "../hotpot-protocol/README.md";
    GuideRustService = "../docs/src/guides/rust-service.md";
    GuideTestingWithTheMock = "../docs/src/guides/testing-with-the-mock.md";
    GuidePaging = "../docs/src/guides/paging.md";
    GuideOperatingTheSpool = "../docs/src/guides/operating-the-spool.md";
    ReferenceErrors = "../docs/src/reference/errors.md";
}
