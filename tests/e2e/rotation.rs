//! Webhook rotation (§6): the old token keeps working until `expires_at`, then answers 410,
//! which the client reports as an expired webhook without retrying.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use hotpot_client::{Client, Error, Moment, MomentType};
use hotpot_mock_server::{MockServer, NewWebhook, WebhookPatch};

#[tokio::test]
async fn the_old_token_works_until_it_expires_then_410() {
    let server = MockServer::start().await.unwrap();
    let t0 = Utc.with_ymd_and_hms(2030, 6, 1, 9, 0, 0).unwrap();
    server.set_clock(t0);

    let old_token = "ci-old-token";
    let old = server
        .create_webhook(NewWebhook::new("ci").token(old_token))
        .unwrap();
    let old_client = Client::new(old.as_str()).unwrap();
    let moment = Moment::builder("Deploy started", MomentType::Alert)
        .build()
        .unwrap();
    old_client.send(&moment).await.unwrap();

    // Rotate: the old webhook expires in an hour, a new one takes over.
    server
        .update_webhook(
            old_token,
            WebhookPatch::default().expires_at(Some(t0 + chrono::Duration::hours(1))),
        )
        .unwrap();
    let new_token = "ci-new-token";
    let new = server
        .create_webhook(NewWebhook::new("ci (rotated)").token(new_token))
        .unwrap();
    let new_client = Client::new(new.as_str()).unwrap();

    old_client
        .send(&moment)
        .await
        .expect("still valid before expiry");
    server.advance_clock(Duration::from_secs(3600));

    let err = old_client.send(&moment).await.unwrap_err();
    assert!(err.is_expired(), "{err:?}");
    assert!(!err.is_retryable());
    assert!(matches!(err, Error::Webhook { status: 410, .. }));
    assert!(!err.to_string().contains(old_token));

    new_client.send(&moment).await.unwrap();
    let by_old = server.moments_for(old_token);
    let by_new = server.moments_for(new_token);
    assert_eq!(by_old.len(), 2);
    assert_eq!(by_new.len(), 1);
    assert_eq!(by_new[0].webhook_label, "ci (rotated)");
}

#[tokio::test]
async fn a_deleted_webhook_is_unknown() {
    let server = MockServer::start().await.unwrap();
    let url = server
        .create_webhook(NewWebhook::new("temp").token("temp-token"))
        .unwrap();
    server.delete_webhook("temp-token").unwrap();
    let client = Client::new(url.as_str()).unwrap();
    let err = client
        .send(&Moment::builder("x", MomentType::Page).build().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Webhook { status: 404, .. }), "{err:?}");
    assert!(
        server.events().is_empty(),
        "an unknown token records nothing"
    );
}
