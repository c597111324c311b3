//! The blocking client, for scripts and threads without async.
//!
//! ```text
//! cargo run --example blocking
//! ```
//!
//! Sends to `HOTPOT_WEBHOOK_URL` when set, else to an embedded mock server (run on its own
//! runtime, as a test would). `RUST_LOG` shows the client's logs on stderr.

use std::error::Error;
use std::io::IsTerminal as _;
use std::time::Duration;

use hotpot_client::{ENV_WEBHOOK_URL, Moment, MomentType, blocking};
use hotpot_mock_server::MockServer;
use tracing_subscriber::EnvFilter;

fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // Only for the demo: a runtime to host the mock server when no real webhook is set.
    let runtime = tokio::runtime::Runtime::new()?;
    let mock = match std::env::var_os(ENV_WEBHOOK_URL) {
        Some(_) => None,
        None => Some(runtime.block_on(MockServer::start())?),
    };
    let client = match &mock {
        Some(server) => blocking::Client::new(server.webhook_url())?,
        None => blocking::Client::from_env()?,
    };

    let moment = Moment::builder("Nightly backup failed", MomentType::Alert)
        .source("backup.sh")
        .description("`pg_dump` exited with status 1; see the job log.")
        .build()?;
    let receipt = client.send(&moment)?;
    println!(
        "sent to {}: HTTP {} after {} attempt(s)",
        client.webhook_url(),
        receipt.status,
        receipt.attempts
    );

    if let Some(server) = &mock {
        let moments = runtime.block_on(server.wait_for_moments(1, Duration::from_secs(5)))?;
        println!("the mock recorded {:?}", moments[0].name);
    }
    Ok(())
}
