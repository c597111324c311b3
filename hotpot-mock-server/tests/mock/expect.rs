//! `POST /_mock/expect` and `MockServer::expect_moment` (spec §7): matches, waits, and near
//! misses field by field, closest first.

use std::time::Duration;

use hotpot_mock_server::{Error, MockServer, MomentMatch};
use hotpot_protocol::{MomentType, Priority};
use serde_json::{Value, json};

use crate::support::{Answer, http, post_json};

async fn with_moments() -> MockServer {
    let server = MockServer::start().await.unwrap();
    let http = http();
    for moment in [
        json!({"name": "Deploy failed", "type": "alert", "priority": "high"}),
        json!({"name": "Deploy rolled back", "type": "near-miss"}),
        json!({"name": "Disk full", "type": "incident", "source": "db-1"}),
    ] {
        assert_eq!(
            post_json(&http, &server.webhook_url(), &moment)
                .await
                .status,
            202
        );
    }
    server
}

/// `POST /_mock/expect` with `body`.
async fn expect(server: &MockServer, body: &Value) -> Answer {
    post_json(&http(), &format!("{}/_mock/expect", server.url()), body).await
}

#[tokio::test]
async fn matching_moments_are_returned_and_count_means_at_least() {
    let server = with_moments().await;
    let answer = expect(
        &server,
        &json!({"match": {"name": {"contains": "Deploy"}}, "count": 2}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["matched"].as_array().unwrap().len(), 2);
    let answer = expect(
        &server,
        &json!({"match": {"type": "incident", "source": "db-1"}}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["matched"][0]["name"], "Disk full");

    let matched = server
        .expect_moment(
            MomentMatch::new()
                .name("Deploy failed")
                .priority(Priority::High),
        )
        .await
        .unwrap();
    assert_eq!(matched.len(), 1);
}

#[tokio::test]
async fn a_miss_is_409_with_the_closest_moments_field_by_field() {
    let server = with_moments().await;
    let answer = expect(
        &server,
        &json!({"match": {"name": "Deploy failed", "type": "incident"}}),
    )
    .await;
    assert_eq!(answer.status, 409, "{}", answer.text);
    assert_eq!(answer.json["error"], "Conflict");
    let misses = answer.json["near_misses"].as_array().unwrap();
    assert_eq!(misses.len(), 3);
    // One field off first: "Deploy failed" (type) and "Disk full" (name), the newest first.
    assert_eq!(misses[0]["moment"]["name"], "Disk full");
    assert_eq!(
        misses[0]["differences"],
        json!([{"field": "name", "expected": "Deploy failed", "found": "Disk full"}])
    );
    assert_eq!(
        misses[1]["differences"],
        json!([{"field": "type", "expected": "incident", "found": "alert"}])
    );
    assert_eq!(misses[2]["differences"].as_array().unwrap().len(), 2);

    let failed = server
        .expect_moment(
            MomentMatch::new()
                .name("Deploy failed")
                .moment_type(MomentType::Incident),
        )
        .await
        .unwrap_err();
    let Error::ExpectationFailed(failed) = failed else {
        panic!("{failed}")
    };
    assert_eq!(failed.near_misses.len(), 3);
    let message = failed.to_string();
    assert!(
        message.contains("type: expected \"incident\", found \"alert\""),
        "{message}"
    );
    assert!(message.contains("found 0"), "{message}");
}

#[tokio::test]
async fn expect_waits_within_for_moments_still_on_their_way() {
    let server = MockServer::start().await.unwrap();
    let url = server.webhook_url();
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        post_json(&http(), &url, &json!({"name": "Late", "type": "page"})).await
    });
    let matched = server
        .expect_moment(
            MomentMatch::new()
                .name("Late")
                .within(Duration::from_secs(30)),
        )
        .await
        .unwrap();
    assert_eq!(matched[0].name, "Late");
    late.await.unwrap();
}

#[tokio::test]
async fn bad_expectations_are_400_and_unknown_tokens_404() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let url = format!("{}/_mock/expect", server.url());
    for (body, says) in [
        (json!({}), "match: required"),
        (json!({"match": []}), "match: expected an object"),
        (json!({"match": {"nmae": "x"}}), "match.nmae: unknown field"),
        (
            json!({"match": {"type": {"contains": "x"}}}),
            "match.type: expected a string",
        ),
        (
            json!({"match": {"name": {"contains": 1}}}),
            "match.name: expected a string or",
        ),
        (
            json!({"match": {}, "count": 0}),
            "count: expected a whole number from 1",
        ),
        (json!({"match": {}, "extra": 1}), "extra"),
    ] {
        let answer = post_json(&http, &url, &body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.text);
        assert!(
            answer.message().contains(says),
            "{body}: {}",
            answer.message()
        );
    }
    let answer = post_json(&http, &url, &json!({"match": {}, "token": "nope"})).await;
    assert_eq!(answer.status, 404);
}
