//! A service whose `tracing` errors become Hotpot moments: `MomentLayer`.
//!
//! ```text
//! cargo run --example tracing_service
//! ```
//!
//! The service logs as it always does (`info!`, `warn!`, `error!` inside spans); one line of
//! set-up adds `MomentLayer` beside the `fmt` layer, and every `error!` becomes a moment,
//! delivered in the background by an `Emitter`. A burst of the same error becomes one moment,
//! and the layer ignores hotpot's own logs and the HTTP stack's.
//!
//! Runs against the embedded mock server unless `HOTPOT_WEBHOOK_URL` is set. The tests
//! (`hotpot-client/tests/layer/main.rs`) run it too.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use hotpot_client::{Client, ENV_WEBHOOK_URL, Emitter, MomentLayer};
use hotpot_mock_server::MockServer;
use tracing_subscriber::prelude::*;

fn main() -> Result<(), Box<dyn Error>> {
    let summary = run(std::env::var(ENV_WEBHOOK_URL).ok())?;
    println!("{summary}");
    Ok(())
}

/// What a run delivered, and what the embedded mock recorded (empty against a real webhook).
pub struct Summary {
    /// The emitter's report at shutdown.
    pub report: hotpot_client::Report,
    /// The moments the mock recorded: name, type and description.
    pub moments: Vec<(String, String, String)>,
}

/// Sets up logging with the layer, serves a few requests and shuts the emitter down.
pub fn run(webhook_url: Option<String>) -> Result<Summary, Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mock = match &webhook_url {
        Some(_) => None,
        None => Some(MockServer::builder().start_on(runtime.handle())?),
    };
    let url = webhook_url.unwrap_or_else(|| {
        mock.as_ref()
            .map(MockServer::webhook_url)
            .unwrap_or_default()
    });
    // A service on HOTPOT_WEBHOOK_URL writes `Emitter::from_env()?`, which also keeps the queue
    // in the spool HOTPOT_SPOOL names, where set (it survives a crash; spec §10); here the URL
    // may be the mock's, so the spool is read on its own.
    let mut builder = Emitter::builder(Client::new(url)?);
    if let Some(dir) = hotpot_client::env::spool_from_env()? {
        builder = builder.spool(dir);
    }
    let emitter = builder.build()?;

    // The one line a service adds. A service calls `.init()` once at start-up; `set_default`
    // keeps this example callable from the tests.
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(MomentLayer::new(emitter.clone()).source("checkout-service"));
    let logging = tracing::subscriber::set_default(subscriber);

    serve();

    // Before exiting: deliver what is queued (a bounded wait).
    let report = emitter.shutdown(Duration::from_secs(5));
    drop(logging);
    let moments = mock
        .map(|mock| {
            let wait = mock.wait_for_moments(report.delivered as usize, Duration::from_secs(5));
            let mut moments: Vec<_> = runtime
                .block_on(wait)
                .unwrap_or_else(|timeout| timeout.got)
                .into_iter()
                .map(|m| {
                    (
                        m.name,
                        m.moment_type.to_string(),
                        m.description.unwrap_or_default(),
                    )
                })
                .collect();
            moments.sort();
            moments
        })
        .unwrap_or_default();
    Ok(Summary { report, moments })
}

/// The service: requests in spans, logged the usual way.
fn serve() {
    for (order, amount) in [(1001, 25), (1002, 0), (1003, 40)] {
        let span = tracing::info_span!("request", method = "POST", path = "/checkout", order);
        let _entered = span.enter();
        match charge(amount) {
            Ok(()) => tracing::info!(amount, "order paid"),
            // `error = &e as &dyn Error` records the error with its chain of causes.
            Err(e) => tracing::error!(
                error = &e as &dyn Error,
                hotpot_type = "incident",
                amount,
                "Payment provider refused order {order}"
            ),
        }
    }
    // A flapping dependency: 50 identical errors in a burst become one moment.
    for _ in 0..50 {
        tracing::error!(
            cache = "redis-1",
            "Cache unreachable, serving from the database"
        );
    }
    tracing::warn!("Slow request: 2.4 s (limit 2 s)"); // below ERROR: logged, not a moment
}

fn charge(amount: u32) -> Result<(), PaymentError> {
    if amount == 0 {
        return Err(PaymentError(Some(std::io::Error::other(
            "card declined: zero amount",
        ))));
    }
    Ok(())
}

/// An error with a cause, as services have.
#[derive(Debug)]
struct PaymentError(Option<std::io::Error>);

impl fmt::Display for PaymentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the payment provider refused the charge")
    }
}

impl Error for PaymentError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.as_ref().map(|e| e as _)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "emitter: {}", self.report)?;
        for (name, kind, _) in &self.moments {
            writeln!(f, "moment: {name} ({kind})")?;
        }
        Ok(())
    }
}
