//! What a send puts on the wire (method, headers, exact body, idempotency key) and what it
//! keeps of an error answer (truncated, redacted).

use hotpot_client::{Error, USER_AGENT};
use hotpot_protocol::IDEMPOTENCY_KEY;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common;
use crate::common::{
    TOKEN, client, envelope, full_moment, moment_path, received, server_answering,
};

fn header<'a>(request: &'a wiremock::Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn a_send_posts_the_exact_canonical_json_with_the_right_headers() {
    let server = server_answering(ResponseTemplate::new(202).set_body_json(envelope("r"))).await;
    let receipt = client(&server).send(&full_moment()).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), moment_path());
    assert_eq!(request.url.query(), None);
    assert_eq!(
        std::str::from_utf8(&request.body).unwrap(),
        common::FULL_MOMENT_JSON
    );
    assert_eq!(header(request, "content-type"), "application/json");
    assert_eq!(
        header(request, "user-agent"),
        format!("hotpot-client/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        USER_AGENT,
        format!("hotpot-client/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(header(request, "idempotency-key"), receipt.idempotency_key);
    assert_eq!(IDEMPOTENCY_KEY, "idempotency-key");
    // A fresh UUID v4 per send.
    let key = uuid::Uuid::parse_str(&receipt.idempotency_key).unwrap();
    assert_eq!(key.get_version_num(), 4);
    assert_eq!(request.headers.get_all("content-type").iter().count(), 1);
    assert!(request.headers.get("authorization").is_none());
}

#[tokio::test]
async fn a_minimal_moment_is_sent_without_absent_fields() {
    let server = server_answering(ResponseTemplate::new(202)).await;
    let moment = hotpot_client::Moment::builder("Paged", hotpot_client::MomentType::Page)
        .build()
        .unwrap();
    client(&server).send(&moment).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].body, br#"{"name":"Paged","type":"page"}"#);
}

#[tokio::test]
async fn the_idempotency_key_is_the_same_on_every_retry_and_new_per_send() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(moment_path()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(moment_path()))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let client = client(&server);
    let first = client.send(&full_moment()).await.unwrap();
    assert_eq!(first.attempts, 3);
    let second = client.send(&full_moment()).await.unwrap();
    assert_eq!(second.attempts, 1);

    let requests = server.received_requests().await.unwrap();
    let keys: Vec<&str> = requests
        .iter()
        .map(|r| header(r, "idempotency-key"))
        .collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(keys[0], first.idempotency_key);
    assert_eq!(keys[1], keys[0]);
    assert_eq!(keys[2], keys[0]);
    assert_eq!(keys[3], second.idempotency_key);
    assert_ne!(keys[3], keys[0]);
    // Every retry is the same request, byte for byte.
    assert!(requests.iter().all(|r| r.body == requests[0].body));
}

#[tokio::test]
async fn a_chosen_idempotency_key_is_sent_as_is_and_checked() {
    let server = server_answering(ResponseTemplate::new(202)).await;
    let client = client(&server);
    let receipt = client
        .send_with_idempotency_key(&full_moment(), "deploy-1234-rollback")
        .await
        .unwrap();
    assert_eq!(receipt.idempotency_key, "deploy-1234-rollback");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        header(&requests[0], "idempotency-key"),
        "deploy-1234-rollback"
    );

    let longest = "k".repeat(255);
    client
        .send_with_idempotency_key(&full_moment(), &longest)
        .await
        .unwrap();
    for bad in [String::new(), "k".repeat(256), "new\nline".to_owned()] {
        let err = client
            .send_with_idempotency_key(&full_moment(), &bad)
            .await
            .unwrap_err();
        assert!(err.is_config(), "{bad:?}: {err:?}");
    }
    // The refused keys never reached the server.
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn error_bodies_are_kept_cut_to_512_characters() {
    // Exactly 512 characters: kept whole.
    let body = "é".repeat(512);
    let server = server_answering(ResponseTemplate::new(400).set_body_string(&body)).await;
    let err = client(&server).send(&full_moment()).await.unwrap_err();
    assert_eq!(err.body(), Some(body.as_str()));
    assert!(err.to_string().ends_with(&body));

    // Longer: the first 512 characters (not bytes) and an ellipsis.
    let body = format!("{}{}", "é".repeat(512), "x".repeat(5000));
    let server = server_answering(ResponseTemplate::new(422).set_body_string(&body)).await;
    let err = client(&server).send(&full_moment()).await.unwrap_err();
    let kept = err.body().unwrap();
    assert_eq!(kept, format!("{}…", "é".repeat(512)));
    assert_eq!(kept.chars().count(), 513);

    // Every kind of error answer keeps its body.
    for status in [404u16, 429, 500] {
        let server =
            server_answering(ResponseTemplate::new(status).set_body_string("y".repeat(600))).await;
        let client = common::builder(&server)
            .retry(hotpot_client::RetryPolicy::never())
            .build()
            .unwrap();
        let err = client.send(&full_moment()).await.unwrap_err();
        assert_eq!(
            err.body(),
            Some(format!("{}…", "y".repeat(512)).as_str()),
            "{status}"
        );
    }
}

#[tokio::test]
async fn a_token_in_an_error_body_is_redacted() {
    let body = format!(
        r#"{{"error": "Not Found", "message": "no webhook /moment/{TOKEN}", "url": "http://h/moment/{TOKEN}"}}"#
    );
    let server = server_answering(ResponseTemplate::new(404).set_body_string(&body)).await;
    let err = client(&server).send(&full_moment()).await.unwrap_err();
    let kept = err.body().unwrap();
    assert!(!kept.contains(TOKEN), "{kept}");
    assert_eq!(kept.matches("/moment/tok3…").count(), 2, "{kept}");
    assert!(!err.to_string().contains(TOKEN));
    assert!(!format!("{err:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_token_cut_by_the_512_character_limit_is_still_redacted() {
    // The token straddles the cut: what is left of it must not be a long piece of it.
    for offset in [500usize, 505, 510, 511] {
        let body = format!("{}{TOKEN}{}", "a".repeat(offset), "b".repeat(100));
        let server = server_answering(ResponseTemplate::new(400).set_body_string(&body)).await;
        let err = client(&server).send(&full_moment()).await.unwrap_err();
        let kept = err.body().unwrap();
        assert!(kept.chars().count() <= 513, "{offset}");
        assert!(
            !kept.contains(&TOKEN[..5]),
            "{offset}: a piece of the token survived: {kept}"
        );
    }
}

#[tokio::test]
async fn a_huge_error_body_is_not_read_whole() {
    // 5 MB of error: the client keeps 512 characters and does not choke.
    let server =
        server_answering(ResponseTemplate::new(400).set_body_string("z".repeat(5_000_000))).await;
    let err = client(&server).send(&full_moment()).await.unwrap_err();
    assert_eq!(err.body().unwrap().chars().count(), 513);
    assert!(matches!(err, Error::Rejected { status: 400, .. }));
}
