//! Spec §14 from both sides: `hotpot_client::ApiClient` (and its blocking twin) pages through
//! the real mock, which simulates on-call: recipients, retries with one key, escalation on
//! the mock's clock, acknowledgements and the wait for them.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use hotpot_client::{ApiClient, Error, Page, RequestState, RetryPolicy, Urgency};
use hotpot_mock_server::{
    Fault, FaultRoute, MockServer, NewTeam, NewUser, NotificationRole, PageStatus,
};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

/// A client of the mock's API with fast retries and a short poll interval.
fn api(server: &MockServer) -> ApiClient {
    ApiClient::builder(server.api_key())
        .base_url(server.url())
        .retry(
            RetryPolicy::default()
                .with_max_retries(3)
                .with_base_delay(Duration::from_millis(5)),
        )
        .poll_interval(Duration::from_millis(50))
        .build()
        .unwrap()
}

fn page(title: &str) -> Page {
    Page::builder(title, "api 1.4.2 could not be rolled back")
        .urgency(Urgency::High)
        .build()
        .unwrap()
}

/// A mock with users ana, bo, cy and a team `ops`: ana, then bo, then the backstop cy, each
/// 120 s apart; copy to oncall@example.com is not there (the directory replaces the default).
async fn ops_server() -> MockServer {
    let server = MockServer::builder()
        .user(NewUser::new("ana@example.com"))
        .user(NewUser::new("bo@example.com"))
        .user(NewUser::new("cy@example.com"))
        .team(
            NewTeam::new("ops", [["ana@example.com"], ["bo@example.com"]])
                .backstop("cy@example.com")
                .escalate_after(Duration::from_secs(120)),
        )
        .start()
        .await
        .unwrap();
    server.set_clock(Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap());
    server
}

/// `POST /_mock/pages/{id}/ack` as a test outside the library would: (status, body).
async fn ack_raw(server: &MockServer, request_id: &str, body: Value) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}/_mock/pages/{request_id}/ack", server.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_team_page_and_a_person_page_land_field_for_field() {
    let server = MockServer::start().await.unwrap();
    let api = api(&server);
    let team = api
        .page_team("default", &page("Rollback failed"))
        .await
        .unwrap();
    assert_eq!((team.status, team.attempts), (202, 1));
    let person = api
        .page_person("ONCALL@example.com", &page("Backup missing"))
        .await
        .unwrap();
    let pages = server.wait_for_pages(2, WAIT).await.unwrap();
    assert_eq!(pages[0].request_id, team.request_id.clone().unwrap());
    assert_eq!(pages[0].recipient.as_deref(), Some("default"));
    assert_eq!(pages[0].urgency.as_deref(), Some("high"));
    assert_eq!(pages[0].title.as_deref(), Some("Rollback failed"));
    assert_eq!(pages[0].status, PageStatus::Success);
    assert_eq!(pages[1].request_id, person.request_id.clone().unwrap());
    assert_eq!(pages[1].recipient.as_deref(), Some("ONCALL@example.com"));
    assert_eq!(pages[1].notified.len(), 1);
    assert_eq!(pages[1].notified[0].role, NotificationRole::Person);

    // The status as the client reads it: delivered, message_id the page's id.
    let status = api
        .request_status(team.request_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(status.state, RequestState::Success);
    assert_eq!(status.message_id, pages[0].id);
    let acks = api
        .acknowledgements(team.request_id.as_deref().unwrap())
        .await
        .unwrap();
    assert!(acks.is_empty());
}

#[tokio::test]
async fn a_503_is_retried_with_one_key_and_the_page_recorded_once() {
    let server = MockServer::start().await.unwrap();
    server
        .fail_next(Fault::status(503).times(2).on_route(FaultRoute::Pages))
        .unwrap();
    let receipt = api(&server)
        .page_team("default", &page("Twice refused"))
        .await
        .unwrap();
    assert_eq!(receipt.attempts, 3);
    let pages = server.wait_for_pages(1, WAIT).await.unwrap();
    assert_eq!(pages.len(), 1);
    let attempts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path_hint == "/page/team")
        .collect();
    assert_eq!(
        attempts.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(503), Some(503), Some(202)]
    );
    assert!(attempts.iter().all(|r| r.headers.idempotency_key.as_deref()
        == Some(receipt.idempotency_key.as_str())));
}

#[tokio::test]
async fn an_unknown_recipient_errors_and_the_wait_fails_at_once() {
    let server = MockServer::start().await.unwrap();
    let api = api(&server);
    let receipt = api
        .page_team("no-such-team", &page("Nobody"))
        .await
        .unwrap();
    assert_eq!(receipt.status, 202, "post-queue: accepted first");
    let id = receipt.request_id.unwrap();
    let status = api.request_status(&id).await.unwrap();
    assert_eq!(status.state, RequestState::Error);
    assert!(!status.errors.is_empty());
    // An hour's timeout: the wait returns at the first poll, not when the timeout runs out.
    let err = tokio::time::timeout(
        WAIT,
        api.wait_for_acknowledgement(&id, Duration::from_secs(3600)),
    )
    .await
    .expect("the wait fails at once")
    .unwrap_err();
    match err {
        Error::PageFailed { request_id, errors } => {
            assert_eq!(request_id, id);
            assert!(errors.iter().any(|p| p.field == "recipient"), "{errors:?}");
        }
        other => panic!("expected PageFailed, found {other:?}"),
    }
}

#[tokio::test]
async fn escalation_stage_by_stage_then_the_wait_returns_the_acknowledgement() {
    let server = ops_server().await;
    let api = api(&server);
    let id = api
        .page_team("ops", &page("Disk full"))
        .await
        .unwrap()
        .request_id
        .unwrap();
    let notified = |server: &MockServer| -> Vec<(String, NotificationRole, Option<u32>)> {
        server
            .page(&id)
            .unwrap()
            .notified
            .into_iter()
            .map(|n| (n.email, n.role, n.stage))
            .collect()
    };
    let ana = (
        "ana@example.com".to_owned(),
        NotificationRole::Stage,
        Some(1),
    );
    let bo = (
        "bo@example.com".to_owned(),
        NotificationRole::Stage,
        Some(2),
    );
    assert_eq!(notified(&server), std::slice::from_ref(&ana));
    server.advance_clock(Duration::from_secs(119));
    assert_eq!(notified(&server), std::slice::from_ref(&ana), "not yet");
    server.advance_clock(Duration::from_secs(1));
    assert_eq!(notified(&server), [ana.clone(), bo.clone()]);
    let at = server.page(&id).unwrap().notified[1].at;
    assert_eq!(
        at,
        Utc.with_ymd_and_hms(2026, 12, 6, 3, 2, 0).unwrap(),
        "exact on the clock"
    );

    // Bo handles it while the client waits; the escalation stops short of the backstop.
    let waiter = {
        let api = api.clone();
        let id = id.clone();
        tokio::spawn(async move { api.wait_for_acknowledgement(&id, WAIT).await })
    };
    tokio::time::sleep(Duration::from_millis(120)).await;
    let (status, record) = ack_raw(&server, &id, json!({"email": "BO@example.com"})).await;
    assert_eq!(status, 201, "{record}");
    let ack = waiter.await.unwrap().unwrap();
    assert_eq!(ack.email, "bo@example.com");
    assert_eq!(ack.status, "handled");
    assert_eq!(ack.user_id, record["acknowledged_by"].as_str().unwrap());
    server.advance_clock(Duration::from_secs(3600));
    assert_eq!(
        notified(&server),
        [ana, bo],
        "acknowledged: cy is never paged"
    );
    let (again, _) = ack_raw(&server, &id, json!({"email": "bo@example.com"})).await;
    assert_eq!(again, 200, "the same person again");
}

#[tokio::test]
async fn acknowledging_refuses_an_unknown_user_and_an_errored_page() {
    let server = MockServer::start().await.unwrap();
    let api = api(&server);
    let good = api.page_team("default", &page("Up")).await.unwrap();
    let bad = api
        .page_person("nobody@example.com", &page("Down"))
        .await
        .unwrap();
    let good = good.request_id.unwrap();
    let bad = bad.request_id.unwrap();

    let (status, body) = ack_raw(&server, &good, json!({"email": "stranger@example.com"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = ack_raw(
        &server,
        &good,
        json!({"email": "oncall@example.com", "status": "seen"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = ack_raw(&server, &bad, json!({"email": "oncall@example.com"})).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = ack_raw(
        &server,
        "no-such-request",
        json!({"email": "oncall@example.com"}),
    )
    .await;
    assert_eq!(status, 404);
    // The library says the same.
    assert!(matches!(
        server.acknowledge(&good, "stranger@example.com"),
        Err(hotpot_mock_server::Error::BadRequest(_))
    ));
    assert!(matches!(
        server.acknowledge(&bad, "oncall@example.com"),
        Err(hotpot_mock_server::Error::Conflict(_))
    ));
    assert!(
        api.acknowledgements(&good).await.unwrap().is_empty(),
        "nothing recorded"
    );
}

#[tokio::test]
async fn a_refused_api_key_is_unauthorized_and_pages_nobody() {
    let server = MockServer::start().await.unwrap();
    let api = ApiClient::builder("hp_wrong_key_0123456789")
        .base_url(server.url())
        .build()
        .unwrap();
    let err = api.page_team("default", &page("Nope")).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert!(!err.to_string().contains("0123456789"), "{err}");
    assert!(server.pages().is_empty());
}

#[test]
fn the_blocking_client_pages_and_waits_too() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start()).unwrap();
    let api = hotpot_client::blocking::ApiClient::builder(server.api_key())
        .base_url(server.url())
        .poll_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    let id = api
        .page_team("default", &page("Blocking"))
        .unwrap()
        .request_id
        .unwrap();
    std::thread::scope(|scope| {
        let waiter = scope.spawn(|| api.wait_for_acknowledgement(&id, WAIT));
        std::thread::sleep(Duration::from_millis(120));
        server.acknowledge(&id, "oncall@example.com").unwrap();
        let ack = waiter.join().unwrap().unwrap();
        assert_eq!(ack.email, "oncall@example.com");
    });
}

#[tokio::test]
async fn the_same_idempotency_key_again_pages_nobody_twice() {
    // A re-run of a CI job with `hotpot page --idempotency-key` (the paging guide's advice).
    let server = MockServer::start().await.unwrap();
    let api = api(&server);
    let request = hotpot_client::PageRequest::new(
        hotpot_protocol::Recipient::team("default").unwrap(),
        page("Rollback failed"),
    );
    let key = "ci-run-4711-rollback";
    let first = api
        .send_page_with_idempotency_key(&request, key)
        .await
        .unwrap();
    let again = api
        .send_page_with_idempotency_key(&request, key)
        .await
        .unwrap();
    assert_eq!(first.request_id, again.request_id, "the original answer");
    assert_eq!(server.pages().len(), 1);
    let replayed: Vec<bool> = server.requests().iter().map(|r| r.replayed).collect();
    assert_eq!(replayed, [false, true]);
}
