//! Who sends and what was refused (spec §7): events' `headers` and `client_addr`,
//! `GET /_mock/webhooks/{token}/senders` and `GET /_mock/rejected` with its near misses.

use chrono::{Duration as TimeDelta, Utc};
use hotpot_mock_server::{MockServer, NewWebhook, WebhookPatch};
use serde_json::json;

use crate::support::{get, http, post_json};

const TOKEN: &str = "watch-token-0123456789";

async fn server() -> MockServer {
    MockServer::builder().token(TOKEN).start().await.unwrap()
}

#[tokio::test]
async fn events_carry_their_headers_and_client_address() {
    let server = server().await;
    let http = http();
    let sent = http
        .post(server.webhook_url())
        .header("user-agent", "watch-test/1.0")
        .header("idempotency-key", "key-7")
        .json(&json!({"name": "Deploy", "type": "deployment"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    let events = get(&http, &format!("{}/_mock/events", server.url()))
        .await
        .json;
    let event = &events["events"][0];
    assert_eq!(
        event["headers"],
        json!({"user_agent": "watch-test/1.0", "idempotency_key": "key-7", "content_type": "application/json"})
    );
    assert_eq!(event["client_addr"], "127.0.0.1");
    let library = &server.events()[0];
    assert_eq!(
        library.headers.user_agent.as_deref(),
        Some("watch-test/1.0")
    );
    assert_eq!(library.client_addr.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn senders_are_one_entry_per_source_agent_and_address_most_recent_first() {
    let server = server().await;
    let http = http();
    let send = |source: &'static str, agent: &'static str| {
        http.post(server.webhook_url())
            .header("user-agent", agent)
            .json(&json!({"name": "Thing", "type": "alert", "source": source}))
            .send()
    };
    send("ci", "curl/8").await.unwrap();
    send("ci", "curl/8").await.unwrap();
    // An event that made no moment (no `type`) still names its source.
    http.post(server.webhook_url())
        .header("user-agent", "python-requests/2")
        .json(&json!({"name": "Thing", "source": "cron"}))
        .send()
        .await
        .unwrap();
    send("ci", "curl/8").await.unwrap();
    let url = format!("{}/_mock/webhooks/{TOKEN}/senders", server.url());
    let senders = get(&http, &url).await.json["senders"].clone();
    let senders = senders.as_array().unwrap();
    assert_eq!(senders.len(), 2, "{senders:?}");
    assert_eq!(senders[0]["source"], "ci");
    assert_eq!(senders[0]["user_agent"], "curl/8");
    assert_eq!(senders[0]["client_addr"], "127.0.0.1");
    assert_eq!(senders[0]["count"], 3);
    assert!(
        senders[0]["first_seen"].as_str().unwrap() <= senders[0]["last_seen"].as_str().unwrap()
    );
    assert_eq!(senders[1]["source"], "cron");
    assert_eq!(senders[1]["count"], 1);
    assert_eq!(server.senders(&server.webhook_url()).unwrap().len(), 2);

    // A token that names no webhook is 404; reset forgets the senders.
    let missing = get(
        &http,
        &format!("{}/_mock/webhooks/nope/senders", server.url()),
    )
    .await;
    assert_eq!(missing.status, 404);
    server.reset();
    assert!(server.senders(TOKEN).unwrap().is_empty());
}

#[tokio::test]
async fn rejected_requests_are_kept_with_the_webhook_they_most_likely_meant() {
    let server = server().await;
    let http = http();
    let base = server.url().to_owned();
    let moment = json!({"name": "Lost"});
    // One character off, one trailing character, a malformed path, something else entirely.
    let typo = format!("{}X", &TOKEN[..TOKEN.len() - 1]);
    assert_eq!(
        post_json(&http, &format!("{base}/moment/{typo}"), &moment)
            .await
            .status,
        404
    );
    assert_eq!(
        post_json(&http, &format!("{base}/moment/{TOKEN}x"), &moment)
            .await
            .status,
        404
    );
    assert_eq!(
        post_json(&http, &format!("{base}/moment/{TOKEN}/a/b"), &moment)
            .await
            .status,
        404
    );
    assert_eq!(
        post_json(&http, &format!("{base}/moment/unrelated"), &moment)
            .await
            .status,
        404
    );

    let answer = get(&http, &format!("{base}/_mock/rejected")).await;
    assert!(
        !answer.text.contains(TOKEN),
        "a token leaked: {}",
        answer.text
    );
    let rejected = answer.json["rejected"].as_array().unwrap().clone();
    assert_eq!(rejected.len(), 4);
    // Newest first.
    assert_eq!(rejected[0]["near"], serde_json::Value::Null);
    assert_eq!(rejected[0]["path_hint"], "/moment/unre…");
    assert_eq!(rejected[1]["status"], 404);
    assert_eq!(rejected[1]["near"]["label"], "default");
    assert_eq!(
        rejected[2]["near"]["why"],
        "this token has one trailing character more than webhook `default`'s"
    );
    assert_eq!(
        rejected[3]["near"]["why"],
        "this token differs by one character from webhook `default`'s"
    );
    assert_eq!(rejected[3]["near"]["token_hint"], "watc…");
    assert_eq!(rejected[3]["payload"], moment);
    assert_eq!(rejected[3]["method"], "POST");
    assert_eq!(rejected[3]["client_addr"], "127.0.0.1");

    server.reset();
    assert!(server.rejected().is_empty());
}

#[tokio::test]
async fn an_expired_webhook_points_at_its_replacement() {
    let server = server().await;
    let http = http();
    let old = server
        .create_webhook(NewWebhook::new("old-ci").kind("datadog"))
        .unwrap();
    let old_url = old.clone();
    server
        .create_webhook(NewWebhook::new("ci").kind("datadog"))
        .unwrap();
    let past = Utc::now() - TimeDelta::hours(1);
    server
        .update_webhook(&old, WebhookPatch::default().expires_at(Some(past)))
        .unwrap();
    let answer = post_json(&http, &old_url, &json!({"name": "Late"})).await;
    assert_eq!(answer.status, 410);
    let rejected = server.rejected();
    assert_eq!(rejected[0].status, 410);
    let near = rejected[0].near.as_ref().expect("a near miss");
    assert_eq!(near.label, "ci");
    assert!(
        near.why.starts_with("webhook `old-ci` expired at "),
        "{}",
        near.why
    );
    assert!(
        near.why.ends_with("; `ci` was created after it"),
        "{}",
        near.why
    );
}
