//! §1 from both sides: a payload the client would refuse, sent raw, becomes an `error` event
//! in the mock with the same problems the builder reports — one set of rules.

use std::time::Duration;

use chrono::Utc;
use hotpot_client::{Moment, MomentType, Problem};
use hotpot_mock_server::{EventStatus, MockServer};
use serde_json::{Value, json};

use crate::support::post_raw;

const WAIT: Duration = Duration::from_secs(10);

/// Sends `payload` raw and returns the problems of the error event it became.
async fn problems_recorded_for(payload: Value) -> Vec<Problem> {
    let server = MockServer::start().await.unwrap();
    let (status, body) = post_raw(&server, &payload).await;
    assert_eq!(
        status, 202,
        "not strict: queued first, checked after ({body})"
    );
    assert_eq!(body["response"]["success"], json!(true));
    let events = server.wait_for_events(1, WAIT).await.unwrap();
    assert_eq!(events[0].status, EventStatus::Error, "{payload}");
    assert!(
        server.moments().is_empty(),
        "no moment from an invalid payload"
    );
    assert_eq!(events[0].payload.as_ref(), Some(&payload));
    events[0].errors.clone()
}

#[tokio::test]
async fn a_71_character_name_is_the_same_problem_on_both_sides() {
    let name = "é".repeat(71);
    let client_side = Moment::builder(name.clone(), MomentType::Alert)
        .build()
        .unwrap_err();
    let server_side = problems_recorded_for(json!({"name": name, "type": "alert"})).await;
    assert_eq!(server_side, client_side.problems());
}

#[tokio::test]
async fn whitespace_names_bad_urls_and_future_times_are_all_reported_together() {
    let future = Utc::now() + chrono::Duration::hours(1);
    let problems = problems_recorded_for(json!({
        "name": " \t ",
        "type": "incident",
        "source_url": "ftp://files.example.com/x",
        "occurred_at": hotpot_protocol::moment::rules::format_time(future),
    }))
    .await;
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "source_url", "occurred_at"]);
    assert!(
        problems[2].message.contains("future"),
        "{}",
        problems[2].message
    );
}

#[tokio::test]
async fn the_seed_python_sample_without_type_lists_the_four_values() {
    let problems = problems_recorded_for(json!({"name": "A thing happened"})).await;
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "type");
    for value in ["page", "alert", "near-miss", "incident"] {
        assert!(
            problems[0].message.contains(value),
            "{}",
            problems[0].message
        );
    }
    assert!(problems[0].message.contains("required"));
}

#[tokio::test]
async fn near_miss_misspelt_suggests_the_right_spelling() {
    let problems = problems_recorded_for(json!({"name": "Almost", "type": "near_miss"})).await;
    assert_eq!(problems[0].field, "type");
    assert!(problems[0].message.contains("did you mean \"near-miss\""));
}

#[tokio::test]
async fn wrong_json_types_are_reported_per_field() {
    let problems = problems_recorded_for(json!({
        "name": 42, "type": ["alert"], "priority": true, "source": {"a": 1}
    }))
    .await;
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "type", "priority", "source"]);
    assert!(
        problems
            .iter()
            .all(|p| p.message.contains("expected a string"))
    );
}

#[tokio::test]
async fn unknown_fields_are_warnings_on_a_successful_event() {
    let server = MockServer::start().await.unwrap();
    let (status, _) = post_raw(
        &server,
        &json!({"name": "Typo", "type": "Alert", "occured_at": "2023-04-01 12:31:26"}),
    )
    .await;
    assert_eq!(status, 202);
    let events = server.wait_for_events(1, WAIT).await.unwrap();
    assert_eq!(events[0].status, EventStatus::Success);
    assert_eq!(events[0].warnings[0].field, "occured_at");
    assert!(events[0].warnings[0].message.contains("occurred_at"));
    assert_eq!(server.moments()[0].moment_type, MomentType::Alert);
}

#[tokio::test]
async fn strict_mode_answers_422_with_the_same_problems() {
    let server = MockServer::builder().strict(true).start().await.unwrap();
    let payload = json!({"name": "", "type": "outage"});
    let (status, body) = post_raw(&server, &payload).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "Unprocessable Entity");
    let details: Vec<Problem> = serde_json::from_value(body["details"].clone()).unwrap();
    let recorded = server.wait_for_events(1, WAIT).await.unwrap()[0]
        .errors
        .clone();
    assert_eq!(details, recorded);
    assert_eq!(details.len(), 2);
}
