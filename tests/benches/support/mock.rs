//! What the benches into the mock share: the mock on a runtime of its own, the number of
//! cores to print beside the results, and the rates and ratios as they are printed.

use hotpot_mock_server::MockServer;

/// The in-process mock with its default settings, on a 1-worker runtime of its own (its
/// threads named `mock`); the runtime must outlive the server.
pub fn mock_on_its_own_runtime() -> (tokio::runtime::Runtime, MockServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("mock")
        .enable_all()
        .build()
        .expect("runtime");
    let server = MockServer::builder()
        .start_on(runtime.handle())
        .expect("mock server");
    (runtime, server)
}

/// The cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `values` with two decimals, separated by commas: the per-round ratios.
pub fn two_decimals(values: &[f64]) -> String {
    values
        .iter()
        .map(|r| format!("{r:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rates in thousands with one decimal, separated by commas: one a round.
pub fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{:.1}k", v / 1000.0))
        .collect::<Vec<_>>()
        .join(", ")
}
