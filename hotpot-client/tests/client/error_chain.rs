//! Each error with a cause says it once: in its message or in its `source()` chain, not both,
//! so `anyhow`'s `{:#}` (and any chain walker) prints nothing twice, while the plain message
//! (`{}`) still says what went wrong. The TLS refusals are checked in `tls`.

use std::time::Duration;

use hotpot_client::{Client, EmitError, Error, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{TOKEN, assert_each_cause_printed_once, chain_of, full_moment};

fn assert_no_token(texts: &[String]) {
    for text in texts {
        assert!(!text.contains(&TOKEN[..8]), "token leaked: {text}");
    }
}

#[test]
fn an_invalid_url_says_why_once() {
    let err = Client::new(format!("ftp://api.hotpot.works/moment/{TOKEN}")).unwrap_err();
    assert!(matches!(err, Error::InvalidUrl(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid webhook URL: expected an https URL, found the scheme \"ftp\""
    );
    assert_each_cause_printed_once(&err);
    assert_no_token(&chain_of(&err));
}

#[tokio::test]
async fn a_refused_connection_says_why_once() {
    let (_reserved, addr) = crate::common::refusing_address();
    let client = Client::builder(format!("http://{addr}/moment/{TOKEN}"))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client.send(&full_moment()).await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    // `{}` alone names the root cause.
    assert!(
        err.to_string().starts_with("transport error: ") && err.to_string().contains("refused"),
        "{err}"
    );
    assert_each_cause_printed_once(&err);
    assert_no_token(&chain_of(&err));
    // The HTTP stack's chain is still there to walk, from the variant.
    let Error::Transport(transport) = &err else {
        unreachable!()
    };
    let io = chain_of(transport);
    assert!(io.last().unwrap().contains("refused"), "{io:?}");
    assert_no_token(&io);
}

#[tokio::test]
async fn a_timeout_says_why_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = Client::builder(format!("{}/moment/{TOKEN}", server.uri()))
        .timeout(Duration::from_millis(50))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client.send(&full_moment()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().starts_with("timed out after "), "{err}");
    assert_each_cause_printed_once(&err);
    assert_no_token(&chain_of(&err));
}

#[test]
fn a_spool_refusal_says_why_once() {
    let err = EmitError::Spool {
        moment: full_moment(),
        error: std::io::Error::from_raw_os_error(28), // ENOSPC
    };
    assert!(err.to_string().contains("No space left on device"), "{err}");
    assert_each_cause_printed_once(&err);
}
