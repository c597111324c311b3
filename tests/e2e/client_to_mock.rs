//! A valid moment sent by the client lands in the mock as a moment, field for field.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use hotpot_client::{Client, Moment, MomentType, Priority, RequestState, blocking};
use hotpot_mock_server::{EventStatus, MockServer, NewWebhook};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_valid_moment_lands_as_a_moment_with_every_field() {
    let server = MockServer::start().await.unwrap();
    let client = Client::new(server.webhook_url()).unwrap();
    let occurred = Utc.with_ymd_and_hms(2023, 4, 1, 12, 31, 26).unwrap();
    let moment = Moment::builder(
        "Failed deploy with successful rollback",
        MomentType::NearMiss,
    )
    .priority(Priority::High)
    .source("Deploybot")
    .source_url("https://deploys.example.com/runs/1234")
    .description("Rolled back **automatically**.")
    .occurred_at(occurred)
    .build()
    .unwrap();

    let receipt = client.send(&moment).await.unwrap();
    assert_eq!(receipt.status, 202);
    assert_eq!(receipt.attempts, 1);
    assert_eq!(
        receipt.message.as_deref(),
        Some("Your request has been queued.")
    );

    let moments = server.wait_for_moments(1, WAIT).await.unwrap();
    let m = &moments[0];
    assert_eq!(m.name, moment.name());
    assert_eq!(m.moment_type, MomentType::NearMiss);
    assert_eq!(m.priority, Priority::High);
    assert_eq!(m.source.as_deref(), Some("Deploybot"));
    assert_eq!(
        m.source_url.as_deref(),
        Some("https://deploys.example.com/runs/1234")
    );
    assert_eq!(
        m.description.as_deref(),
        Some("Rolled back **automatically**.")
    );
    assert_eq!(m.occurred_at, occurred);
    assert_eq!(m.integration, None);
    assert_eq!(Some(&m.request_id), receipt.request_id.as_ref());

    let events = server.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status, EventStatus::Success);
    assert!(events[0].errors.is_empty() && events[0].warnings.is_empty());
    assert_eq!(events[0].moment_id.as_ref(), Some(&m.id));
}

#[tokio::test]
async fn an_unset_time_is_left_to_the_server_clock() {
    let server = MockServer::start().await.unwrap();
    let frozen = Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap();
    server.set_clock(frozen);
    let client = Client::new(server.webhook_url()).unwrap();
    let moment = Moment::builder("Paged the on-call", MomentType::Page)
        .build()
        .unwrap();
    assert!(!moment.to_json().contains("occurred_at"));

    client.send(&moment).await.unwrap();
    let moments = server.wait_for_moments(1, WAIT).await.unwrap();
    assert_eq!(moments[0].occurred_at, frozen);
    assert_eq!(moments[0].priority, Priority::Medium, "server default");
}

#[tokio::test]
async fn request_status_follows_a_sent_moment() {
    let server = MockServer::start().await.unwrap();
    let client = Client::builder(server.webhook_url())
        .api_key(server.api_key())
        .build()
        .unwrap();
    let moment = Moment::builder("Disk 91% full", MomentType::Alert)
        .build()
        .unwrap();
    let receipt = client.send(&moment).await.unwrap();
    let request_id = receipt
        .request_id
        .expect("the mock answers with a request id");
    server.wait_for_moments(1, WAIT).await.unwrap();

    let status = client.request_status(&request_id).await.unwrap();
    assert_eq!(status.state, RequestState::Success);
    assert_eq!(status.request_id, request_id);
    assert_eq!(status.message_id, Some(server.moments()[0].id.clone()));
    assert!(status.errors.is_empty());

    let wrong_key = Client::builder(server.webhook_url())
        .api_key("not-the-key")
        .build()
        .unwrap();
    let err = wrong_key.request_status(&request_id).await.unwrap_err();
    assert!(
        matches!(err, hotpot_client::Error::Unauthorized(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_integration_route_records_the_integration() {
    let server = MockServer::start().await.unwrap();
    let url = server
        .create_webhook(NewWebhook::new("Datadog").kind("datadog"))
        .unwrap();
    let client = Client::new(format!("{url}/datadog")).unwrap();
    assert_eq!(client.webhook_url().integration(), Some("datadog"));
    let moment = Moment::builder("Monitor triggered", MomentType::Alert)
        .build()
        .unwrap();
    client.send(&moment).await.unwrap();

    let moments = server.wait_for_moments(1, WAIT).await.unwrap();
    assert_eq!(moments[0].integration.as_deref(), Some("datadog"));
    assert_eq!(moments[0].webhook_label, "Datadog");
    assert_eq!(server.events()[0].integration.as_deref(), Some("datadog"));
}

#[test]
fn the_blocking_client_sends_from_threads() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start()).unwrap();
    let client = blocking::Client::new(server.webhook_url()).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let client = client.clone();
            scope.spawn(move || {
                for i in 0..25 {
                    let moment =
                        Moment::builder(format!("thread {t} moment {i}"), MomentType::Alert)
                            .build()
                            .unwrap();
                    client.send(&moment).unwrap();
                }
            });
        }
    });
    let moments = runtime
        .block_on(server.wait_for_moments(100, WAIT))
        .unwrap();
    let mut names: Vec<_> = moments.iter().map(|m| m.name.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 100, "every moment exactly once");
}
