//! Spec §6: the `Sunset` header read into `Receipt::sunset` and `Client::sunset`, one `warn`
//! per webhook URL per process (the emitter's sends included), and a 410 that says when the
//! webhook expired.

use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use hotpot_client::Client;
use hotpot_client::{Emitter, Moment, MomentType, sunset};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{LogBuffer, envelope, fast_policy, received, warnings_in};

const SUNSET: &str = "Mon, 30 Nov 2026 12:00:00 GMT";

fn moment(name: &str) -> Moment {
    Moment::builder(name, MomentType::Alert).build().unwrap()
}

fn accepted_with_sunset(value: &str) -> ResponseTemplate {
    ResponseTemplate::new(202)
        .set_body_json(envelope("r-1"))
        .insert_header("Sunset", value)
}

/// A server answering POSTs to `/moment/{token}` with `template`, and a client of it. Each
/// test has tokens of its own, whose first four characters (all that the logs show) differ:
/// with the port, they tell its log lines from the other tests'.
async fn webhook(token: &str, template: ResponseTemplate) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/moment/{token}")))
        .respond_with(template)
        .mount(&server)
        .await;
    let client = client_of(&server, token);
    (server, client)
}

fn client_of(server: &MockServer, token: &str) -> Client {
    Client::builder(format!("{}/moment/{token}", server.uri()))
        .retry(fast_policy())
        .build()
        .unwrap()
}

/// The warning lines about the webhook of `token` at `uri`.
fn sunset_warnings(uri: &str, token: &str) -> Vec<String> {
    let webhook = format!("{uri}/moment/{}…", &token[..4]);
    warnings_in(&LogBuffer::global().text())
        .lines()
        .filter(|l| l.contains("rotate it") && l.contains(&webhook))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_receipt_carries_the_sunset_and_none_without_one() {
    LogBuffer::global();
    let token = "rcpt-sunset-0123456789";
    let (server, client) = webhook(token, accepted_with_sunset(SUNSET)).await;
    assert_eq!(client.sunset(), None);
    let receipt = client.send(&moment("a")).await.unwrap();
    let want = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    assert_eq!(receipt.sunset(), Some(want));
    assert_eq!(client.sunset(), Some(want));
    // Clones share what the webhook said.
    assert_eq!(client.clone().sunset(), Some(want));
    assert_eq!(sunset_warnings(&server.uri(), token).len(), 1);

    let token = "none-sunset-0123456789";
    let plain = ResponseTemplate::new(202).set_body_json(envelope("r-2"));
    let (server, client) = webhook(token, plain).await;
    let receipt = client.send(&moment("b")).await.unwrap();
    assert_eq!(receipt.sunset(), None);
    assert!(sunset_warnings(&server.uri(), token).is_empty());

    // Not an HTTP date: ignored, no warning.
    let token = "odd0-sunset-0123456789";
    let (server, client) = webhook(token, accepted_with_sunset("next Tuesday")).await;
    let receipt = client.send(&moment("c")).await.unwrap();
    assert_eq!(receipt.sunset(), None);
    assert_eq!(client.sunset(), None);
    assert!(sunset_warnings(&server.uri(), token).is_empty());
}

#[tokio::test]
async fn one_warning_per_webhook_url_per_process_from_sends_and_an_emitter() {
    LogBuffer::global();
    let token = "once-sunset-0123456789";
    let (server, first) = webhook(token, accepted_with_sunset(SUNSET)).await;
    for name in ["one", "two", "three"] {
        first.send(&moment(name)).await.unwrap();
    }
    // Another client of the same URL, and an emitter on it: no second warning.
    let second = client_of(&server, token);
    second.send(&moment("four")).await.unwrap();
    let emitter = Emitter::new(second.clone()).unwrap();
    for name in ["five", "six"] {
        emitter.emit(moment(name)).unwrap();
    }
    let report = emitter.flush_async(Duration::from_secs(10)).await;
    assert_eq!(report.delivered, 2, "{report}");
    assert_eq!(received(&server).await, 6);

    let warnings = sunset_warnings(&server.uri(), token);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let line = &warnings[0];
    assert!(
        line.contains("this webhook expires at 2026-11-30T12:00:00Z; rotate it"),
        "{line}"
    );
    assert!(!LogBuffer::global().text().contains(token));

    // The notice left for programs that show it their own way, once.
    let url = format!("{}/moment/once…", server.uri());
    let notices: Vec<_> = sunset::take_notices()
        .into_iter()
        .filter(|n| n.webhook.to_string() == url)
        .collect();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        notices[0].to_string(),
        format!("this webhook expires at 2026-11-30T12:00:00Z; rotate it ({url})")
    );
}

#[tokio::test]
async fn an_emitter_alone_warns_once_too() {
    LogBuffer::global();
    let token = "emit-sunset-0123456789";
    let (server, client) = webhook(token, accepted_with_sunset(SUNSET)).await;
    let emitter = Emitter::new(client).unwrap();
    for name in ["a", "b", "c"] {
        emitter.emit(moment(name)).unwrap();
    }
    let report = emitter.flush_async(Duration::from_secs(10)).await;
    assert_eq!(report.delivered, 3, "{report}");
    assert_eq!(sunset_warnings(&server.uri(), token).len(), 1);
}

#[tokio::test]
async fn a_410_says_when_the_webhook_expired_and_is_no_rotation_warning() {
    LogBuffer::global();
    let body = json!({
        "error": "Gone",
        "message": "this webhook expired at 2026-01-02T03:04:05Z; ask its owner for the new webhook URL",
    });
    let token = "gone-sunset-0123456789";
    let gone = ResponseTemplate::new(410)
        .set_body_json(body)
        .insert_header("Sunset", "Fri, 02 Jan 2026 03:04:05 GMT");
    let (server, client) = webhook(token, gone).await;
    let err = client.send(&moment("late")).await.unwrap_err();
    assert!(err.is_expired(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("expired at 2026-01-02T03:04:05Z"), "{text}");
    assert!(!text.contains(token));
    assert_eq!(client.sunset(), None);
    assert!(sunset_warnings(&server.uri(), token).is_empty());
}

/// Against the bundled mock: a rotation rehearsed with its `expires_at`.
#[tokio::test]
async fn the_mock_s_expiry_reaches_the_receipt() {
    let mock = hotpot_mock_server::MockServer::builder()
        .token("rotate-me-0123456789")
        .start()
        .await
        .unwrap();
    let client = hotpot_client::Client::builder(mock.webhook_url())
        .build()
        .unwrap();
    assert_eq!(client.send(&moment("before")).await.unwrap().sunset(), None);
    let expires = Utc::now() + TimeDelta::days(7);
    mock.update_webhook(
        "rotate-me-0123456789",
        hotpot_mock_server::WebhookPatch::default().expires_at(Some(expires)),
    )
    .unwrap();
    let receipt = client.send(&moment("after")).await.unwrap();
    assert_eq!(
        receipt.sunset().map(|t| t.timestamp()),
        Some(expires.timestamp())
    );
}
