//! `/_mock/webhooks`: create, read, update and delete, the checks of their input, and rotation.

use super::*;

#[tokio::test]
async fn webhooks_crud() {
    let (server, http, base) = at_route("webhooks").await;

    let list = get(&http, &base).await;
    assert_eq!(list.status, 200);
    let hooks = list.json["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["label"], "default");
    assert_eq!(hooks[0]["type"], "custom");
    assert_eq!(hooks[0]["token"], "default-token-123");
    assert_eq!(hooks[0]["url"], server.webhook_url());
    assert_eq!(hooks[0]["expires_at"], Value::Null);

    let created = post_json(
        &http,
        &base,
        &json!({"label": "Datadog", "type": "datadog", "expires_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let token = created.json["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    assert_eq!(
        created.json["url"],
        format!("{}/moment/{token}", server.url())
    );
    assert_eq!(created.json["label"], "Datadog");
    assert_eq!(created.json["type"], "datadog");
    assert_eq!(created.json["expires_at"], "2099-01-01T00:00:00Z");
    assert!(created.json["created_at"].as_str().unwrap().ends_with('Z'));
    let keys: Vec<&String> = created.json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["created_at", "expires_at", "label", "token", "type", "url"]
    );

    // A chosen token, then the same token again.
    let mine = json!({"label": "mine", "token": "my_token-1"});
    let chosen = post_json(&http, &base, &mine).await;
    assert_eq!(chosen.status, 201);
    assert_eq!(chosen.json["type"], "custom");
    let again = post_json(&http, &base, &mine).await;
    assert_eq!(again.status, 409);
    assert!(!again.text.contains("my_token-1"), "{}", again.text);

    // Moments through the new webhook.
    let sent = send(&http, created.json["url"].as_str().unwrap(), "x", "alert").await;
    assert_eq!(sent.status, 202);
    assert_eq!(server.events()[0].webhook_label, "Datadog");

    let one = get(&http, &format!("{base}/{token}")).await;
    assert_eq!(one.json, created.json);

    let patched = patch_json(
        &http,
        &format!("{base}/{token}"),
        &json!({"label": "DD", "expires_at": null}),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["label"], "DD");
    assert_eq!(patched.json["expires_at"], Value::Null);
    // Old events keep the label they arrived with.
    assert_eq!(server.events()[0].webhook_label, "Datadog");

    assert_eq!(
        get(&http, &base).await.json["webhooks"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let deleted = delete(&http, &format!("{base}/{token}")).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.text, "");
    assert_eq!(
        send(&http, created.json["url"].as_str().unwrap(), "x", "alert")
            .await
            .status,
        404
    );
    let gone = delete(&http, &format!("{base}/{token}")).await;
    assert_eq!(gone.status, 404);
    assert!(gone.message().contains("no webhook"));
    assert!(!gone.text.contains(&token));
    assert_eq!(
        patch_json(&http, &format!("{base}/{token}"), &json!({"label": "x"}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn webhook_input_is_checked() {
    let (server, http, base) = at_route("webhooks").await;
    for (body, expected) in [
        (json!({}), "label: required"),
        (
            json!({"label": 5}),
            "label: expected a string, found a number (5)",
        ),
        (
            json!({"label": "  "}),
            "label: expected 1 to 200 characters",
        ),
        (
            json!({"label": "x", "type": "Data Dog"}),
            "type: expected a slug",
        ),
        (
            json!({"label": "x", "token": "a/b"}),
            "token: expected only",
        ),
    ] {
        assert_bad(&post_json(&http, &base, &body).await, expected);
    }
    assert_bad(
        &post_json(
            &http,
            &base,
            &json!({"label": "x", "expires_at": "tomorrow"}),
        )
        .await,
        "expires_at: expected an RFC 3339",
    );
    assert_bad(
        &post_json(&http, &base, &json!({"label": "x", "lable": "y"})).await,
        "lable: unknown field",
    );
    assert_bad(&post_raw(&http, &base, None, "{").await, "not JSON");
    assert_bad(
        &post_raw(&http, &base, None, "[]").await,
        "expected a JSON object, found an array",
    );
    let hook = format!("{base}/default-token-123");
    for (body, expected) in [
        (json!({}), "at least one of label, expires_at"),
        (json!({"label": null}), "label: expected a string"),
        (json!({"token": "x"}), "token: unknown field"),
    ] {
        assert_bad(&patch_json(&http, &hook, &body).await, expected);
    }
    assert_eq!(server.webhooks().len(), 1);
}

#[tokio::test]
async fn rotation_old_token_works_until_expiry_then_410() {
    let server = server().await;
    let http = http();
    let t0 = "2026-11-27T12:00:00Z";
    let clock = post_json(
        &http,
        &format!("{}/_mock/clock", server.url()),
        &json!({"now": t0}),
    )
    .await;
    assert_eq!(clock.json, json!({"now": t0, "frozen": true}));
    // Rotate: the old webhook expires in 10 minutes, a new one takes over.
    let old = format!("{}/_mock/webhooks/default-token-123", server.url());
    patch_json(&http, &old, &json!({"expires_at": "2026-11-27T12:10:00Z"})).await;
    let new = post_json(
        &http,
        &format!("{}/_mock/webhooks", server.url()),
        &json!({"label": "default (rotated)"}),
    )
    .await;
    let new_url = new.json["url"].as_str().unwrap();

    let sent = send(&http, &server.webhook_url(), "old", "alert").await;

    assert_eq!(sent.status, 202);
    let advance = post_json(
        &http,
        &format!("{}/_mock/clock", server.url()),
        &json!({"advance_ms": 599_999}),
    )
    .await;
    assert_eq!(advance.json["now"], "2026-11-27T12:09:59.999Z");
    let sent = send(&http, &server.webhook_url(), "old", "alert").await;
    assert_eq!(sent.status, 202);
    post_json(
        &http,
        &format!("{}/_mock/clock", server.url()),
        &json!({"advance_ms": 1}),
    )
    .await;
    let gone = send(&http, &server.webhook_url(), "old", "alert").await;
    assert_eq!(gone.status, 410);
    assert_eq!(gone.json["error"], "Gone");
    assert_eq!(send(&http, new_url, "new", "alert").await.status, 202);
    assert_eq!(server.moments().len(), 3);
}
