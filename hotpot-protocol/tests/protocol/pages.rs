//! Spec §14 through the page model: the builder, the recipient rules, the server-side parse,
//! the acknowledgement records and the API key's redaction.

use chrono::{TimeZone, Utc};
use hotpot_protocol::page::rules::{self, TEXT_MAX_CHARS, TITLE_MAX_CHARS};
use hotpot_protocol::{
    Acknowledgement, ApiKey, Page, PageRequest, Problem, Recipient, RecipientKind, Urgency,
    parse_acknowledgements, parse_page_lenient,
};
use serde_json::json;

fn fields(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.field.as_str()).collect()
}

fn assert_expected_found(p: &Problem) {
    assert!(
        p.message.contains("expected") && p.message.contains("found"),
        "message must say what was expected and found: {p}"
    );
}

#[test]
fn title_and_text_limits_are_scalar_values_and_non_blank() {
    assert_eq!((TITLE_MAX_CHARS, TEXT_MAX_CHARS), (200, 10_000));
    for (unit, n) in [("x", 200), ("é", 200), ("🔥", 200), ("e\u{301}", 100)] {
        let ok = unit.repeat(n);
        assert!(Page::builder(ok.clone(), "t").build().is_ok(), "{unit:?}");
        let err = Page::builder(format!("{ok}x"), "t").build().unwrap_err();
        assert_eq!(fields(err.problems()), ["title"]);
        assert!(
            err.problems()[0].message.contains("found 201 characters"),
            "{err}"
        );
    }
    assert!(Page::builder("t", "🔥".repeat(10_000)).build().is_ok());
    let err = Page::builder("t", "🔥".repeat(10_001)).build().unwrap_err();
    assert!(err.problems()[0].message.contains("found 10001 characters"));
    for blank in ["", " ", "\t\n", "\u{3000}"] {
        let err = Page::builder(blank, blank).build().unwrap_err();
        assert_eq!(fields(err.problems()), ["title", "text"], "{blank:?}");
        err.problems().iter().for_each(assert_expected_found);
    }
}

#[test]
fn every_problem_at_once_and_a_page_message() {
    let err = Page::builder("", "")
        .urgency(Urgency::High)
        .source_url("mailto:ana@example.com")
        .build()
        .unwrap_err();
    assert_eq!(fields(err.problems()), ["title", "text", "source_url"]);
    assert!(
        err.to_string()
            .starts_with("invalid page: 3 problems: title: "),
        "{err}"
    );
    assert_eq!(err.subject(), "page");
}

#[test]
fn urgency_any_case_in_lower_case_out() {
    for (s, u) in [
        ("low", Urgency::Low),
        ("MEDIUM", Urgency::Medium),
        ("High", Urgency::High),
    ] {
        assert_eq!(s.parse::<Urgency>().unwrap(), u);
        assert_eq!(serde_json::to_value(u).unwrap(), json!(s.to_lowercase()));
    }
    let e = "hihg".parse::<Urgency>().unwrap_err().to_string();
    assert!(
        e.contains("did you mean \"high\"") && e.contains("found \"hihg\""),
        "{e}"
    );
    assert!("critical".parse::<Urgency>().is_err());
    assert!("".parse::<Urgency>().is_err());
}

#[test]
fn email_rules() {
    for ok in [
        "ana@example.com",
        "a@b.c",
        "Ana.Lopez+oncall@mail.example.co.uk",
        "a@.x",
    ] {
        assert!(rules::check_email(ok).is_ok(), "{ok}");
    }
    for (bad, found) in [
        ("", "found an empty string"),
        ("ana", "found no `@`"),
        ("ana@@example.com", "found 2 `@`"),
        ("a@b@c.d", "found 2 `@`"),
        ("@example.com", "found nothing before the `@`"),
        ("ana@localhost", "found a domain without a dot"),
        ("ana@", "found a domain without a dot"),
    ] {
        let e = rules::check_email(bad).unwrap_err();
        assert!(e.contains(found), "{bad}: {e}");
        assert!(e.starts_with("expected an e-mail address"), "{e}");
    }
}

#[test]
fn team_slug_rules() {
    for ok in ["ops", "payments-oncall", "team_2", "A-b_C9"] {
        assert!(rules::check_team_slug(ok).is_ok(), "{ok}");
    }
    for (bad, found) in [
        ("", "found an empty string"),
        ("my team", "found ' ' at character 3"),
        ("ops/eu", "found '/' at character 4"),
        ("équipe", "found 'é' at character 1"),
        ("ops@example.com", "found '@' at character 4"),
    ] {
        let e = rules::check_team_slug(bad).unwrap_err();
        assert!(e.contains(found), "{bad}: {e}");
    }
}

#[test]
fn recipients_compare_emails_in_any_case_and_slugs_exactly() {
    let ana = Recipient::person("Ana@Example.com").unwrap();
    assert_eq!(ana.kind(), RecipientKind::Person);
    assert!(ana.matches("ana@example.COM"));
    assert!(!ana.matches("ana@example.org"));
    let ops = Recipient::team("Ops").unwrap();
    assert!(ops.matches("Ops") && !ops.matches("ops"));
    let err = Recipient::team("my team").unwrap_err();
    assert_eq!(fields(err.problems()), ["recipient"]);
    assert!(err.to_string().starts_with("invalid page: recipient: "));
}

#[test]
fn request_body_is_canonical() {
    let page = Page::builder("Disk full", "db-1")
        .urgency(Urgency::Medium)
        .source_url("https://grafana.example.com/d/1")
        .build()
        .unwrap();
    let request = PageRequest::new(Recipient::person("ana@example.com").unwrap(), page.clone());
    assert_eq!(request.path(), "/page/person");
    assert_eq!(
        request.to_json(),
        r#"{"title":"Disk full","text":"db-1","recipient":"ana@example.com","urgency":"medium","source_url":"https://grafana.example.com/d/1"}"#
    );
    let minimal = PageRequest::new(
        Recipient::team("ops").unwrap(),
        Page::builder("a", "b").build().unwrap(),
    );
    assert_eq!(
        minimal.to_json(),
        r#"{"title":"a","text":"b","recipient":"ops"}"#
    );
    // The server reads back what a client sends.
    let parsed = parse_page_lenient(&request.to_json_value(), RecipientKind::Person);
    assert_eq!(parsed.request, Ok(request));
    assert!(parsed.warnings.is_empty());
}

#[test]
fn lenient_parse_reports_every_problem() {
    let parsed = parse_page_lenient(
        &json!({"title": 42, "text": null, "recipient": "not-an-email",
                "urgency": "", "source_url": "", "titel": "x"}),
        RecipientKind::Person,
    );
    let err = parsed.request.unwrap_err();
    assert_eq!(
        fields(err.problems()),
        ["title", "text", "recipient", "urgency", "source_url"]
    );
    err.problems().iter().for_each(assert_expected_found);
    assert!(err.problems()[0].message.contains("found a number (42)"));
    assert!(
        err.problems()[1].message.contains("required")
            && err.problems()[1].message.contains("found null")
    );
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].field, "titel");
    assert!(parsed.warnings[0].message.contains("did you mean `title`"));
}

#[test]
fn lenient_parse_nulls_are_absent_and_case_is_forgiven() {
    let parsed = parse_page_lenient(
        &json!({"title": "t", "text": "x", "recipient": "ops", "urgency": "LOW", "source_url": null}),
        RecipientKind::Team,
    );
    let request = parsed.request.unwrap();
    assert_eq!(request.page().urgency(), Some(Urgency::Low));
    assert_eq!(request.page().source_url(), None);
    assert_eq!(request.recipient(), &Recipient::Team("ops".into()));
    // The same recipient is a person's error on the person route.
    let parsed = parse_page_lenient(
        &json!({"title": "t", "text": "x", "recipient": "ops"}),
        RecipientKind::Person,
    );
    assert_eq!(
        fields(parsed.request.unwrap_err().problems()),
        ["recipient"]
    );
}

#[test]
fn lenient_parse_of_a_non_object() {
    for v in [json!([]), json!("page"), json!(null), json!(1)] {
        let err = parse_page_lenient(&v, RecipientKind::Team)
            .request
            .unwrap_err();
        assert_eq!(fields(err.problems()), ["payload"], "{v}");
        assert!(
            err.problems()[0]
                .message
                .starts_with("expected a JSON object, found")
        );
    }
}

#[test]
fn acknowledgements_round_trip_and_read_leniently() {
    let at = Utc.with_ymd_and_hms(2026, 12, 6, 3, 4, 5).unwrap();
    let ack = Acknowledgement::new(at, "ana@example.com", "3f2a");
    assert_eq!(
        ack.to_json_value(),
        json!({"acknowledged_at": "2026-12-06T03:04:05Z", "acknowledged_by_email": "ana@example.com",
               "acknowledged_by": "3f2a", "status": "handled"})
    );
    let body = json!({"response": [ack.to_json_value(),
        {"acknowledged_at": "2026-12-06 03:04:05", "acknowledged_by_email": "bo@example.com", "acknowledged_by": 12}]});
    let acks = parse_acknowledgements(&body).unwrap();
    assert_eq!(acks[0], ack);
    assert_eq!(
        (acks[1].user_id.as_str(), acks[1].status.as_str()),
        ("12", "handled")
    );
    assert_eq!(acks[1].acknowledged_at, at);
    assert_eq!(parse_acknowledgements(&json!({"response": []})), Ok(vec![]));
    let e = parse_acknowledgements(&json!({"response": [{"acknowledged_by_email": "a@b.c"}]}))
        .unwrap_err();
    assert!(e.starts_with("acknowledgement 1: acknowledged_at"), "{e}");
    let e = parse_acknowledgements(&json!({"error": "Not Found"})).unwrap_err();
    assert!(e.contains("found null"), "{e}");
}

#[test]
fn api_key_never_printed_whole() {
    let secret = "hp_live_s3cr3t_0123456789";
    let key = ApiKey::new(format!("{secret}\n")).unwrap();
    assert_eq!(key.expose(), secret);
    for shown in [
        key.to_string(),
        format!("{key:?}"),
        format!("{key:#?}"),
        key.redacted(),
    ] {
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("hp_l…"), "{shown}");
    }
    assert_eq!(key.redact_in(&format!("Bearer {secret}")), "Bearer hp_l…");
    for bad in [
        format!("{secret} x"),
        format!("{secret}\u{7f}"),
        format!("{secret}é"),
    ] {
        let e = ApiKey::new(bad).unwrap_err().to_string();
        assert!(!e.contains("s3cr3t"), "{e}");
        assert!(e.contains("hp_l…") && e.contains("found"), "{e}");
    }
    assert!(
        ApiKey::new("  ")
            .unwrap_err()
            .to_string()
            .contains("found an empty string")
    );
}
