//! `POST /page/person` and `POST /page/team`: every answer of spec §14, in its order, what is
//! recorded, strict mode, the request status and acknowledgements endpoints.

use hotpot_mock_server::{MockServer, PageKind, PageStatus};
use serde_json::json;

use super::support::{body, get_authorized, page, request_id};
use crate::support::{answer, http};

#[tokio::test]
async fn a_team_page_is_queued_recorded_and_delivered_at_once() {
    let server = MockServer::start().await.unwrap();
    let mut sent = body("default");
    sent["urgency"] = json!("HIGH");
    sent["source_url"] = json!("https://ci.example.com/42");
    sent["priority"] = json!("p1");
    let queued = page(&server, "team", &sent, &[]).await;
    let id = request_id(&queued);
    assert_eq!(
        queued.json["response"],
        json!({"success": true, "message": "Your request has been queued."})
    );
    let [recorded] = server.pages().try_into().unwrap();
    assert_eq!(recorded.request_id, id);
    assert_eq!(recorded.kind, PageKind::Team);
    assert_eq!(recorded.status, PageStatus::Success, "processed at once");
    assert_eq!(
        recorded.urgency.as_deref(),
        Some("high"),
        "the effective urgency, lower case"
    );
    assert_eq!(
        recorded.warnings[0].field, "priority",
        "unknown fields warn"
    );
    assert_eq!(recorded.notified.len(), 1);

    let status = get_authorized(&server, &format!("/request/{id}/status")).await;
    assert_eq!(status.status, 200);
    assert_eq!(
        status.json,
        json!({"response": {"message_request_id": id, "status": "success",
            "status_message": "Page delivered", "errors": [], "message_id": recorded.id}})
    );
    assert!(recorded.id.is_some());
    let acks = get_authorized(&server, &format!("/request/{id}/acknowledgements")).await;
    assert_eq!(
        (acks.status, acks.json.clone()),
        (200, json!({"response": []}))
    );

    let listed = crate::support::get(&http(), &format!("{}/_mock/pages", server.url())).await;
    let page0 = &listed.json["pages"][0];
    assert_eq!(page0["recipient"], "default");
    assert_eq!(page0["urgency"], "high");
    assert_eq!(page0["source_url"], "https://ci.example.com/42");
    assert_eq!(
        page0["notified"],
        json!([{"email": "oncall@example.com",
        "at": page0["received_at"], "role": "stage", "stage": 1}])
    );
}

#[tokio::test]
async fn unknown_recipients_are_accepted_then_errors_in_strict_mode_too() {
    for strict in [false, true] {
        let server = MockServer::builder().strict(strict).start().await.unwrap();
        let person = request_id(&page(&server, "person", &body("nobody@example.com"), &[]).await);
        let team = request_id(&page(&server, "team", &body("nobody"), &[]).await);
        for (id, message) in [(person, "no user has it"), (team, "no team has it")] {
            let status = get_authorized(&server, &format!("/request/{id}/status")).await;
            let response = &status.json["response"];
            assert_eq!(response["status"], "error", "{}", status.text);
            assert_eq!(response["message_id"], json!(null));
            assert_eq!(response["errors"][0]["field"], "recipient");
            assert!(
                response["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains(message)
            );
        }
        let pages = server.pages();
        assert!(
            pages
                .iter()
                .all(|p| p.status == PageStatus::Error && p.id.is_none())
        );
        assert!(pages.iter().all(|p| p.notified.is_empty()));
    }
}

#[tokio::test]
async fn a_person_page_reaches_that_person_only_whatever_the_case() {
    let server = MockServer::start().await.unwrap();
    let id = request_id(&page(&server, "person", &body("OnCall@Example.com"), &[]).await);
    let recorded = server.page(&id).unwrap();
    assert_eq!(recorded.notified.len(), 1);
    let json = serde_json::to_value(&recorded.notified[0]).unwrap();
    assert_eq!(json["email"], "oncall@example.com");
    assert_eq!(
        (json["role"].clone(), json["stage"].clone()),
        (json!("person"), json!(null))
    );
    assert_eq!(
        recorded.urgency.as_deref(),
        Some("medium"),
        "medium when absent"
    );
    assert_eq!(
        server.pages_for("ONCALL@example.com").len(),
        1,
        "e-mails: any case"
    );
}

#[tokio::test]
async fn field_problems_are_all_reported_202_or_strict_422_and_recorded() {
    let bad = json!({"title": " ", "recipient": "not an address", "urgency": "", "source_url": "ftp://x"});
    let lax = MockServer::start().await.unwrap();
    let id = request_id(&page(&lax, "person", &bad, &[]).await);
    let status = get_authorized(&lax, &format!("/request/{id}/status")).await;
    let fields: Vec<&str> = status.json["response"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["title", "text", "recipient", "urgency", "source_url"]
    );

    let strict = MockServer::builder().strict(true).start().await.unwrap();
    let answer = page(&strict, "person", &bad, &[]).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(answer.json["error"], "Unprocessable Entity");
    assert_eq!(answer.json["details"].as_array().unwrap().len(), 5);
    let [recorded] = strict.pages().try_into().unwrap();
    assert_eq!(
        recorded.status,
        PageStatus::Error,
        "a strict 422 is recorded"
    );
    assert_eq!(recorded.title.as_deref(), Some(" "));
    assert_eq!(recorded.text, None);
}

#[tokio::test]
async fn answers_come_in_order_and_refusals_are_not_pages() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let url = format!("{}/page/team", server.url());
    let key = format!("Bearer {}", server.api_key());

    let get = http
        .get(&url)
        .header("authorization", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405, "method first, even with a good key");
    assert_eq!(get.headers()["allow"], "POST");
    let no_key = answer(http.post(&url).body("[").send().await.unwrap()).await;
    assert_eq!(
        (no_key.status, no_key.json.clone()),
        (401, json!({"error": "Unauthorized"}))
    );
    let wrong = answer(
        http.post(&url)
            .bearer_auth("nope")
            .json(&body("default"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let huge = "x".repeat(hotpot_mock_server::MAX_BODY_BYTES + 1);
    let too_large = answer(
        http.post(&url)
            .header("authorization", &key)
            .header("content-type", "text/plain")
            .body(huge)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(too_large.status, 413, "size before Content-Type");
    let text = answer(
        http.post(&url)
            .header("authorization", &key)
            .header("content-type", "text/plain")
            .body("[")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(text.status, 415, "Content-Type before JSON");
    let not_json = answer(
        http.post(&url)
            .header("authorization", &key)
            .body("{")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.json["error"], "Bad Request");
    let array = answer(
        http.post(&url)
            .header("authorization", &key)
            .json(&json!([1]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(array.status, 400);
    assert!(
        array
            .message()
            .contains("expected a JSON object, found an array"),
        "{}",
        array.text
    );
    assert!(server.pages().is_empty(), "none of these is a page");
    let lower = answer(
        http.post(&url)
            .header("authorization", format!("bearer {}", server.api_key()))
            .json(&body("default"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(lower.status, 202, "the scheme in any case");
}

#[tokio::test]
async fn status_and_acknowledgements_need_the_key_and_a_known_id() {
    let server = MockServer::start().await.unwrap();
    let id = request_id(&page(&server, "team", &body("default"), &[]).await);
    let http = http();
    for path in ["status", "acknowledgements"] {
        let url = format!("{}/request/{id}/{path}", server.url());
        let anonymous = answer(http.get(&url).send().await.unwrap()).await;
        assert_eq!(anonymous.status, 401, "{path}");
        let unknown = get_authorized(&server, &format!("/request/{}/{path}", uuid_like())).await;
        assert_eq!(unknown.status, 404, "{path}");
    }
    // A moment's request has no acknowledgements.
    let moment =
        crate::support::post_moment(&http, &server, &json!({"name": "x", "type": "alert"})).await;
    let moment_id = moment.json["hotpot_request_id"].as_str().unwrap();
    let acks = get_authorized(&server, &format!("/request/{moment_id}/acknowledgements")).await;
    assert_eq!(acks.status, 404);
    let status = get_authorized(&server, &format!("/request/{moment_id}/status")).await;
    assert_eq!(
        status.json["response"]["status"], "success",
        "moments keep their status"
    );
}

fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}
