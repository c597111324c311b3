//! Spec §2: both URL forms, every refusal, and the token never printed whole.

use hotpot_client::{Client, UrlError, WebhookUrl};
use hotpot_protocol::{DEFAULT_BASE, redact_secret_in, redact_token};

use crate::common::TOKEN;

const HINT: &str = "tok3…";

fn assert_no_token(text: &str) {
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    // Not even a long piece of it.
    assert!(!text.contains(&TOKEN[..8]), "token prefix leaked: {text}");
}

fn parse_ok(url: &str) -> WebhookUrl {
    let parsed = WebhookUrl::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_no_token(&parsed.to_string());
    assert_no_token(&format!("{parsed:?}"));
    assert_no_token(&format!("{parsed:#?}"));
    parsed
}

fn parse_err(url: &str) -> UrlError {
    let err = WebhookUrl::parse(url).expect_err(url);
    assert_no_token(&err.to_string());
    assert_no_token(&format!("{err:?}"));
    // The same refusal through the client's constructors.
    let client_err = Client::new(url).expect_err(url);
    assert!(client_err.is_config());
    assert_no_token(&client_err.to_string());
    assert_no_token(&format!("{client_err:?}"));
    err
}

#[test]
fn team_webhook_form() {
    let url = parse_ok(&format!("https://api.hotpot.works/moment/{TOKEN}"));
    assert_eq!(
        url.to_string(),
        format!("https://api.hotpot.works/moment/{HINT}")
    );
    assert_eq!(
        format!("{url:?}"),
        format!("WebhookUrl(\"https://api.hotpot.works/moment/{HINT}\")")
    );
    assert_eq!(url.token_hint(), HINT);
    assert_eq!(url.integration(), None);
    assert_eq!(url.base().as_str(), "https://api.hotpot.works/");
    assert_eq!(
        url.expose_secret(),
        format!("https://api.hotpot.works/moment/{TOKEN}")
    );
    assert!(!url.is_loopback());
}

#[test]
fn integration_form() {
    for slug in ["datadog", "pagerduty", "linear", "new-relic", "x1"] {
        let url = parse_ok(&format!("https://api.hotpot.works/moment/{TOKEN}/{slug}"));
        assert_eq!(url.integration(), Some(slug));
        assert_eq!(
            url.to_string(),
            format!("https://api.hotpot.works/moment/{HINT}/{slug}")
        );
        assert_eq!(url.base().as_str(), "https://api.hotpot.works/");
    }
}

#[test]
fn base_with_a_path_prefix_and_port() {
    let url = parse_ok(&format!(
        "https://example.com:8443/hotpot/v1/moment/{TOKEN}/linear"
    ));
    assert_eq!(url.base().as_str(), "https://example.com:8443/hotpot/v1/");
    assert_eq!(
        url.to_string(),
        format!("https://example.com:8443/hotpot/v1/moment/{HINT}/linear")
    );
    assert_eq!(url.integration(), Some("linear"));
}

#[test]
fn a_trailing_slash_is_refused_with_a_message_that_names_it() {
    // The server does not know /moment/TOKEN/: refused here, not answered "unknown webhook".
    for url in [
        format!("https://api.hotpot.works/moment/{TOKEN}/"),
        format!("https://api.hotpot.works/moment/{TOKEN}/datadog/"),
    ] {
        let err = WebhookUrl::parse(&url).unwrap_err();
        assert_eq!(err, UrlError::TrailingSlash);
        let text = err.to_string();
        assert!(text.contains("trailing '/'"), "{text}");
        assert!(!text.contains(TOKEN) && !text.contains(HINT), "{text}");
    }
    // Surrounding whitespace (a copied line) is ignored.
    parse_ok(&format!("  https://api.hotpot.works/moment/{TOKEN}\n"));
}

#[test]
fn from_parts_builds_both_forms() {
    let url = WebhookUrl::from_parts(DEFAULT_BASE, TOKEN, None).unwrap();
    assert_eq!(
        url.expose_secret(),
        format!("{DEFAULT_BASE}/moment/{TOKEN}")
    );
    let url = WebhookUrl::from_parts("https://example.com/hp/", TOKEN, Some("datadog")).unwrap();
    assert_eq!(
        url.expose_secret(),
        format!("https://example.com/hp/moment/{TOKEN}/datadog")
    );
    // A token that would change the path is refused before any URL is assembled.
    for bad in [format!("{TOKEN}/x"), format!("{TOKEN}?x"), String::new()] {
        let err = WebhookUrl::from_parts(DEFAULT_BASE, &bad, None).unwrap_err();
        assert!(matches!(err, UrlError::Token(_)), "{err:?}");
        assert_no_token(&err.to_string());
    }
}

#[test]
fn token_syntax_errors() {
    for (path, found) in [
        (format!("{TOKEN}.json"), "'.'"),
        (format!("{TOKEN}%21"), "'%'"),
        (format!("{TOKEN}~x"), "'~'"),
        (format!("{}é", &TOKEN[..10]), "'%'"), // percent-encoded by the URL parser
        (format!("{TOKEN}+1"), "'+'"),
    ] {
        let err = parse_err(&format!("https://api.hotpot.works/moment/{path}"));
        assert!(matches!(err, UrlError::Token(_)), "{path}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("expected the token to be one path segment of 1 to 200 letters, digits")
                && msg.contains(found),
            "{msg}"
        );
    }
    let err = parse_err("https://api.hotpot.works/moment//datadog");
    assert_eq!(err, UrlError::Token("an empty segment".into()));
}

#[test]
fn integration_slug_errors() {
    for (slug, found) in [
        // Token characters are named by kind only: the segment may be a misplaced token.
        ("DataDog", "an upper-case letter at byte 0"),
        ("data_dog", "an underscore at byte 4"),
        ("data.dog", "'.'"),
        ("pager%20duty", "'%'"),
    ] {
        let err = parse_err(&format!("https://api.hotpot.works/moment/{TOKEN}/{slug}"));
        assert!(matches!(err, UrlError::Integration(_)), "{slug}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("a slug of a-z, 0-9 and '-'") && msg.contains(found),
            "{msg}"
        );
    }
    // A plain word is shown whole: it is no secret.
    let err = parse_err(&format!("https://api.hotpot.works/moment/{TOKEN}/data_dog"));
    assert!(
        err.to_string()
            .ends_with("found an underscore at byte 4 of data_dog"),
        "{err}"
    );
    // A token pasted where the integration goes is not repeated either.
    let err = parse_err(&format!("https://api.hotpot.works/moment/abc/{TOKEN}"));
    assert!(matches!(err, UrlError::Integration(_)));
}

#[test]
fn path_errors() {
    for path in [
        format!("/moments/{TOKEN}"),
        format!("/{TOKEN}"),
        "/moment".to_owned(),
        "/".to_owned(),
        format!("/moment/{TOKEN}/datadog/extra"),
        format!("/request/{TOKEN}/status"),
    ] {
        let err = parse_err(&format!("https://api.hotpot.works{path}"));
        assert!(matches!(err, UrlError::Path(_)), "{path}: {err:?}");
        assert!(
            err.to_string()
                .contains("expected a path ending in /moment/TOKEN")
        );
    }
    // Only what may be the token is redacted: the segment after `moment`, and any segment
    // that is not a plain word (a misplaced token); the words around it are shown whole.
    for (url, found) in [
        ("https://example.com/hooks/abc", r#""/hooks/abc""#),
        (
            "https://example.com/api/v1/webhooks/moments",
            r#""/api/v1/webhooks/moments""#,
        ),
        (
            &format!("https://api.hotpot.works/moments/{TOKEN}"),
            r#""/moments/tok3…""#,
        ),
        (&format!("https://api.hotpot.works/{TOKEN}"), r#""/tok3…""#),
        (
            &format!("https://api.hotpot.works/request/{TOKEN}/status"),
            r#""/request/tok3…/status""#,
        ),
        (
            &format!("https://api.hotpot.works/moment/{TOKEN}/datadog/extra"),
            r#""/moment/tok3…/datadog/extra""#,
        ),
        (
            "https://api.hotpot.works/moment/abc/datadog/extra",
            r#""/moment/a…/datadog/extra""#,
        ),
        ("https://api.hotpot.works/moment", r#""/moment""#),
        (
            "https://example.com/hooks/T0123ABCD/B0456EFGH",
            r#""/hooks/T012…/B045…""#,
        ),
        (
            "https://example.com/hooks/abcdefghijklmnopqrstuvwxyz",
            r#""/hooks/abcd…""#,
        ),
    ] {
        let err = parse_err(url);
        assert_eq!(
            err.to_string(),
            format!(
                "expected a path ending in /moment/TOKEN or /moment/TOKEN/INTEGRATION, found {found}"
            ),
            "{url}"
        );
    }
    // Two trailing slashes: the second one leaves an empty integration.
    let err = parse_err(&format!("https://api.hotpot.works/moment/{TOKEN}//"));
    assert_eq!(err, UrlError::Integration("an empty segment".into()));
}

#[test]
fn query_fragment_and_credentials_are_refused() {
    for url in [
        format!("https://api.hotpot.works/moment/{TOKEN}?token={TOKEN}"),
        format!("https://api.hotpot.works/moment/{TOKEN}?"),
        format!("https://api.hotpot.works/moment/{TOKEN}#{TOKEN}"),
    ] {
        assert_eq!(parse_err(&url), UrlError::QueryOrFragment, "{url}");
    }
    for url in [
        format!("https://user:{TOKEN}@api.hotpot.works/moment/{TOKEN}"),
        format!("https://{TOKEN}@api.hotpot.works/moment/{TOKEN}"),
        format!("https://:{TOKEN}@api.hotpot.works/moment/{TOKEN}"),
    ] {
        assert_eq!(parse_err(&url), UrlError::Credentials, "{url}");
    }
}

#[test]
fn other_schemes_and_non_urls_are_refused() {
    let err = parse_err(&format!("ftp://api.hotpot.works/moment/{TOKEN}"));
    assert_eq!(err, UrlError::Scheme("ftp".into()));
    assert!(err.to_string().contains("expected an https URL"));
    for text in [
        TOKEN.to_owned(),
        format!("/moment/{TOKEN}"),
        format!("api.hotpot.works/moment/{TOKEN}"),
        format!("https://api.hotpot.works:99999/moment/{TOKEN}"),
        format!("https:// api.hotpot.works/moment/{TOKEN}"),
        String::new(),
    ] {
        let err = parse_err(&text);
        assert!(matches!(err, UrlError::Malformed(_)), "{text:?}: {err:?}");
        assert!(err.to_string().contains("expected an absolute URL"));
    }
}

#[test]
fn plain_http_only_for_loopback_unless_allowed() {
    for host in [
        "localhost",
        "LOCALHOST",
        "localhost:8080",
        "127.0.0.1",
        "127.0.0.1:1",
        "127.8.9.10",
        "[::1]",
        "[::1]:8080",
    ] {
        let url = parse_ok(&format!("http://{host}/moment/{TOKEN}"));
        assert!(url.is_loopback(), "{host}");
    }
    for host in [
        "example.com",
        "10.0.0.1",
        "192.168.1.2",
        "[::2]",
        "0.0.0.0",
        "localhost.example.com",
    ] {
        let text = format!("http://{host}/moment/{TOKEN}");
        let err = parse_err(&text);
        assert!(matches!(err, UrlError::InsecureHttp(_)), "{host}: {err:?}");
        assert!(err.to_string().contains("refusing plain http"));
        // The explicit opt-ins.
        let url = WebhookUrl::parse_allowing_http(&text).unwrap();
        assert!(!url.is_loopback());
        assert_eq!(url.expose_secret(), text);
        let client = Client::builder(text.as_str())
            .allow_http(true)
            .build()
            .unwrap();
        assert_no_token(&format!("{client:?}"));
    }
    // https is fine anywhere, loopback included.
    assert!(parse_ok(&format!("https://127.0.0.1/moment/{TOKEN}")).is_loopback());
}

#[test]
fn clients_print_redacted() {
    let client = Client::builder(format!("https://api.hotpot.works/moment/{TOKEN}"))
        .api_key("hp_api_key_that_is_secret_too")
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert_no_token(&debug);
    assert!(debug.contains(HINT), "{debug}");
    assert!(!debug.contains("hp_api_key_that_is_secret_too"), "{debug}");
    assert_eq!(
        client.webhook_url().to_string(),
        format!("https://api.hotpot.works/moment/{HINT}")
    );
    let blocking =
        hotpot_client::blocking::Client::new(format!("https://api.hotpot.works/moment/{TOKEN}"))
            .unwrap();
    assert_no_token(&format!("{blocking:?}"));
}

#[test]
fn redaction_helpers() {
    assert_eq!(redact_token(TOKEN), HINT);
    assert_eq!(redact_token("abcdefgh"), "abcd…");
    assert_eq!(redact_token("abcdefg"), "abc…"); // at most half of a short token
    assert_eq!(redact_token("ab"), "a…");
    assert_eq!(redact_token("a"), "…");
    assert_eq!(redact_token(""), "…");
    let text = format!("POST /moment/{TOKEN} failed; again /moment/{TOKEN}");
    assert_eq!(
        redact_secret_in(&text, TOKEN),
        format!("POST /moment/{HINT} failed; again /moment/{HINT}")
    );
    assert_eq!(redact_secret_in("nothing here", TOKEN), "nothing here");
    assert_eq!(redact_secret_in("abc", ""), "abc");
}

#[test]
fn equal_urls_compare_equal_and_parse_via_from_str() {
    let text = format!("https://api.hotpot.works/moment/{TOKEN}");
    let a: WebhookUrl = text.parse().unwrap();
    let b = WebhookUrl::try_from(text.clone()).unwrap();
    let c = WebhookUrl::try_from(text.as_str()).unwrap();
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_ne!(a, WebhookUrl::parse(&format!("{text}/datadog")).unwrap());
}
