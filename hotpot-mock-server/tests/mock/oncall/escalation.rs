//! Escalation on the mock's clock, acknowledgements, and `GET /_mock/pages`'s filters and
//! long-poll.

use std::time::Duration;

use hotpot_mock_server::{MockServer, NewTeam, NewUser, NotificationRole};
use serde_json::json;

use super::support::{body, get_authorized, page, request_id};
use crate::support::{get, http, post_json};

const T0: &str = "2026-12-06T03:00:00Z";

/// A server at T0 with users a..e and the team `ops`: stages [a, b] then [c], copy [d],
/// backstop e, 60 s between stages.
async fn ops() -> MockServer {
    let mut builder = MockServer::builder();
    for user in ["a", "b", "c", "d", "e"] {
        builder = builder.user(NewUser::new(format!("{user}@example.com")));
    }
    let team = NewTeam::new(
        "ops",
        [
            vec!["a@example.com", "b@example.com"],
            vec!["c@example.com"],
        ],
    )
    .copy(["d@example.com"])
    .backstop("e@example.com")
    .escalate_after(Duration::from_secs(60));
    let server = builder.team(team).start().await.unwrap();
    server.set_clock(T0.parse().unwrap());
    server
}

fn notified(server: &MockServer, id: &str) -> Vec<serde_json::Value> {
    serde_json::to_value(server.page(id).unwrap().notified)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_team_page_escalates_stage_by_stage_then_the_backstop_then_stops() {
    let server = ops().await;
    let id = request_id(&page(&server, "team", &body("ops"), &[]).await);
    let first = [
        json!({"email": "a@example.com", "at": T0, "role": "stage", "stage": 1}),
        json!({"email": "b@example.com", "at": T0, "role": "stage", "stage": 1}),
        json!({"email": "d@example.com", "at": T0, "role": "copy", "stage": null}),
    ];
    assert_eq!(notified(&server, &id), first);
    server.advance_clock(Duration::from_secs(59));
    assert_eq!(notified(&server, &id).len(), 3, "not yet");
    server.advance_clock(Duration::from_secs(1));
    let second = json!({"email": "c@example.com", "at": "2026-12-06T03:01:00Z", "role": "stage", "stage": 2});
    assert_eq!(notified(&server, &id)[3], second);
    server.advance_clock(Duration::from_secs(60));
    let backstop = json!({"email": "e@example.com", "at": "2026-12-06T03:02:00Z", "role": "backstop", "stage": null});
    assert_eq!(notified(&server, &id)[4], backstop);
    server.advance_clock(Duration::from_secs(3600));
    assert_eq!(notified(&server, &id).len(), 5, "then it stops");
}

#[tokio::test]
async fn an_acknowledgement_stops_escalation() {
    let server = ops().await;
    let http = http();
    let id = request_id(&page(&server, "team", &body("ops"), &[]).await);
    server.advance_clock(Duration::from_secs(30));
    let ack_url = format!("{}/_mock/pages/{id}/ack", server.url());
    let ack = post_json(&http, &ack_url, &json!({"email": "B@example.com"})).await;
    assert_eq!(ack.status, 201, "{}", ack.text);
    let b = server
        .users()
        .into_iter()
        .find(|u| u.email == "b@example.com")
        .unwrap();
    assert_eq!(
        ack.json,
        json!({"acknowledged_at": "2026-12-06T03:00:30Z", "acknowledged_by_email": "b@example.com",
            "acknowledged_by": b.id, "status": "handled"})
    );
    server.advance_clock(Duration::from_secs(600));
    assert_eq!(
        notified(&server, &id).len(),
        3,
        "nobody after the acknowledgement"
    );
    let again = post_json(
        &http,
        &ack_url,
        &json!({"email": "b@example.com", "status": "handled"}),
    )
    .await;
    assert_eq!(
        (again.status, again.json.clone()),
        (200, ack.json.clone()),
        "a repeat: 200, the same record"
    );
    let other = server.acknowledge(&id, "c@example.com").unwrap();
    assert_eq!(
        other.email, "c@example.com",
        "anyone may handle it, once each"
    );
    let acks = get_authorized(&server, &format!("/request/{id}/acknowledgements")).await;
    assert_eq!(acks.json["response"].as_array().unwrap().len(), 2);
    assert_eq!(acks.json["response"][0], ack.json);
    let status = get_authorized(&server, &format!("/request/{id}/status")).await;
    assert_eq!(
        status.json["response"]["status"], "success",
        "acknowledging leaves the status"
    );
}

#[tokio::test]
async fn acknowledgements_are_refused_with_reasons() {
    let server = ops().await;
    let http = http();
    let id = request_id(&page(&server, "team", &body("ops"), &[]).await);
    let errored = request_id(&page(&server, "team", &body("nobody"), &[]).await);
    let ack = |id: String, body: serde_json::Value| {
        let http = http.clone();
        let url = format!("{}/_mock/pages/{id}/ack", server.url());
        async move { post_json(&http, &url, &body).await }
    };
    let cases = [
        (
            id.clone(),
            json!({"email": "z@example.com"}),
            400,
            "email: expected the e-mail of a known user",
        ),
        (
            id.clone(),
            json!({"email": "a@example.com", "status": "snoozed"}),
            400,
            "status: expected handled",
        ),
        (id.clone(), json!({}), 400, "email: required"),
        (
            id.clone(),
            json!({"email": "a@example.com", "by": 1}),
            400,
            "by: unknown field",
        ),
        (
            errored,
            json!({"email": "a@example.com"}),
            409,
            "expected a delivered page",
        ),
        (
            "00000000-0000-4000-8000-000000000000".to_owned(),
            json!({"email": "a@example.com"}),
            404,
            "no page",
        ),
    ];
    for (id, body, status, message) in cases {
        let answer = ack(id, body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        assert!(
            answer.message().starts_with(message),
            "{body}: {}",
            answer.text
        );
    }
    assert!(server.page(&id).unwrap().acknowledgements.is_empty());
}

#[tokio::test]
async fn a_team_with_nobody_to_notify_is_an_error_and_a_lone_backstop_is_paged_at_once() {
    let server = ops().await;
    server
        .add_team(NewTeam::new("empty", Vec::<Vec<String>>::new()))
        .unwrap();
    server
        .add_team(NewTeam::new("lone", Vec::<Vec<String>>::new()).backstop("e@example.com"))
        .unwrap();
    let empty = request_id(&page(&server, "team", &body("empty"), &[]).await);
    let recorded = server.page(&empty).unwrap();
    assert_eq!(recorded.status, hotpot_mock_server::PageStatus::Error);
    assert!(
        recorded.errors[0].message.contains("nobody")
            || recorded.errors[0].message.contains("no stage")
    );
    let lone = request_id(&page(&server, "team", &body("lone"), &[]).await);
    let notified = server.page(&lone).unwrap().notified;
    assert_eq!(notified[0].role, NotificationRole::Backstop);
    assert_eq!(
        notified[0].at,
        T0.parse::<chrono::DateTime<chrono::Utc>>().unwrap()
    );
}

#[tokio::test]
async fn a_person_is_listed_once_per_page() {
    let server = ops().await;
    server
        .add_team(
            NewTeam::new("twice", [["a@example.com"], ["A@example.com"]])
                .copy(["a@example.com"])
                .backstop("a@example.com"),
        )
        .unwrap();
    let id = request_id(&page(&server, "team", &body("twice"), &[]).await);
    server.advance_clock(Duration::from_secs(3600));
    assert_eq!(notified(&server, &id).len(), 1);
}

#[tokio::test]
async fn the_pages_list_filters_and_long_polls() {
    let server = ops().await;
    let http = http();
    let base = server.url().to_owned();
    page(&server, "team", &body("ops"), &[]).await;
    page(&server, "person", &body("A@example.com"), &[]).await;
    let by_team = get(&http, &format!("{base}/_mock/pages?recipient=ops")).await;
    assert_eq!(by_team.json["pages"].as_array().unwrap().len(), 1);
    let by_slug_case = get(&http, &format!("{base}/_mock/pages?recipient=OPS")).await;
    assert_eq!(
        by_slug_case.json["pages"],
        json!([]),
        "slugs compare exactly"
    );
    let by_email = get(
        &http,
        &format!("{base}/_mock/pages?recipient=a%40EXAMPLE.com"),
    )
    .await;
    assert_eq!(by_email.json["pages"].as_array().unwrap().len(), 1);
    let typo = get(&http, &format!("{base}/_mock/pages?recipients=ops")).await;
    assert_eq!(typo.status, 400);
    let ran_out = get(&http, &format!("{base}/_mock/pages?min=3&wait_ms=10")).await;
    assert_eq!(ran_out.json["timed_out"], true);
    assert_eq!(ran_out.json["dropped"], 0);
    assert_eq!(ran_out.headers["hotpot-mock-wait"], "timed-out");
    let waiting = tokio::spawn({
        let http = http.clone();
        let url = format!("{base}/_mock/pages?min=3&wait_ms=60000");
        async move { get(&http, &url).await }
    });
    page(&server, "team", &body("ops"), &[]).await;
    let woke = waiting.await.unwrap();
    assert_eq!(
        (
            woke.json["timed_out"].clone(),
            woke.json["pages"].as_array().unwrap().len()
        ),
        (json!(false), 3)
    );
    let pages = server
        .wait_for_pages(3, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let short = server
        .wait_for_pages(4, Duration::from_millis(10))
        .await
        .unwrap_err();
    assert_eq!((short.wanted, short.got.len()), (4, 3));
    let one = get(
        &http,
        &format!("{base}/_mock/pages/{}", pages[0].request_id),
    )
    .await;
    assert_eq!(one.json["request_id"], pages[0].request_id.as_str());
    assert_eq!(
        get(&http, &format!("{base}/_mock/pages/nope")).await.status,
        404
    );
}
