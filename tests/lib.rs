//! End-to-end suites; see the `[[test]]` targets.
