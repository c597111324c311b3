//! Quickstart: build moments, send them, see what arrived.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With `HOTPOT_WEBHOOK_URL` set, it sends one real moment there. Without it, it starts the
//! embedded mock server, sends a few moments — one of them refused by the client before
//! anything goes on the wire — and prints what the mock recorded. `RUST_LOG` (e.g.
//! `RUST_LOG=debug`) shows the client's logs on stderr; the token never appears in them.

use std::error::Error;
use std::io::IsTerminal as _;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use hotpot_client::{Client, ENV_WEBHOOK_URL, Moment, MomentType, Priority};
use hotpot_mock_server::MockServer;
use hotpot_protocol::moment::rules::format_time;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if std::env::var_os(ENV_WEBHOOK_URL).is_some() {
        return send_for_real().await;
    }

    let server = MockServer::start().await?;
    let client = Client::new(server.webhook_url())?;
    // The URL is a secret: it prints redacted.
    println!(
        "no {ENV_WEBHOOK_URL} set: sending to the embedded mock at {}",
        client.webhook_url()
    );

    // The seed's Deploybot moment, with its zone-less time (UTC).
    let deploy = Moment::builder(
        "Failed deploy with successful rollback",
        MomentType::NearMiss,
    )
    .priority(Priority::Medium)
    .source("Deploybot")
    .source_url("https://deploys.example.com/runs/1234")
    .occurred_at(
        Utc.with_ymd_and_hms(2023, 4, 1, 12, 31, 26)
            .single()
            .ok_or("bad date")?,
    )
    .build()?;
    let alert = Moment::builder("A thing happened", MomentType::Alert).build()?;

    for moment in [&deploy, &alert] {
        let receipt = client.send(moment).await?;
        println!(
            "sent {:?}: HTTP {}, request id {}",
            moment.name(),
            receipt.status,
            receipt.request_id.as_deref().unwrap_or("-")
        );
    }

    // This one breaks two rules of the specification; the client refuses it and says why.
    let refused = Moment::builder("x".repeat(71), MomentType::Incident)
        .source_url("deploys.example.com/runs/1234")
        .build();
    if let Err(err) = refused {
        println!("refused by the client, nothing sent:");
        for problem in err.problems() {
            println!("  - {problem}");
        }
    }

    println!("the mock recorded:");
    for moment in server.wait_for_moments(2, Duration::from_secs(5)).await? {
        println!(
            "  {} {:<9} {:<40} source={} occurred_at={}",
            moment.id,
            moment.moment_type.as_str(),
            moment.name,
            moment.source.as_deref().unwrap_or("-"),
            format_time(moment.occurred_at)
        );
    }
    Ok(())
}

/// Sends one moment to the webhook in `HOTPOT_WEBHOOK_URL`.
async fn send_for_real() -> Result<(), Box<dyn Error>> {
    let client = Client::from_env()?;
    let moment = Moment::builder("hotpot quickstart ran", MomentType::Alert)
        .priority(Priority::Low)
        .source("hotpot quickstart")
        .build()?;
    let receipt = client.send(&moment).await?;
    println!(
        "sent to {}: HTTP {}, request id {}",
        client.webhook_url(),
        receipt.status,
        receipt.request_id.as_deref().unwrap_or("-")
    );
    Ok(())
}
