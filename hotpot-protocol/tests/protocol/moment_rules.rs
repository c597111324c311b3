//! Spec §1 through the typed builder: every rule, at its boundaries, and the canonical
//! serialisation.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hotpot_protocol::moment::rules::{self, NAME_MAX_CHARS};
use hotpot_protocol::{Moment, MomentType, Priority, Problem, ValidationError};

use hotpot_test_support as common;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

fn name_problem(name: &str) -> Option<Problem> {
    match Moment::builder(name, MomentType::Alert).build_at(now()) {
        Ok(m) => {
            assert_eq!(m.name(), name);
            None
        }
        Err(e) => {
            assert_eq!(e.problems().len(), 1, "{e}");
            let p = e.problems()[0].clone();
            assert_eq!(p.field, "name");
            assert_expected_found(&p);
            Some(p)
        }
    }
}

fn assert_expected_found(p: &Problem) {
    assert!(
        p.message.contains("expected") && p.message.contains("found"),
        "message must say what was expected and found: {p}"
    );
}

#[test]
fn name_limit_is_70_scalar_values_not_bytes() {
    assert_eq!(NAME_MAX_CHARS, 70);
    // (unit, how many units make 70 scalar values)
    let cases: [(&str, usize); 4] = [
        ("x", 70),
        ("é", 70),  // 2 bytes each: 140 bytes
        ("🔥", 70), // 4 bytes each: 280 bytes
        // "e" + COMBINING ACUTE ACCENT: one visible letter, two scalar values.
        ("e\u{301}", 35),
    ];
    for (unit, n) in cases {
        let ok = unit.repeat(n);
        assert_eq!(ok.chars().count(), 70);
        assert_eq!(name_problem(&ok), None, "70 × {unit:?} must be accepted");

        let too_long = format!("{ok}x");
        let p = name_problem(&too_long).unwrap_or_else(|| panic!("71 × {unit:?} accepted"));
        assert!(
            p.message.contains("expected 1 to 70 characters")
                && p.message.contains("found 71 characters"),
            "{p}"
        );
    }
    // Combining marks count as scalar values although they render as one letter: 36 visible
    // letters, 72 scalar values.
    let p = name_problem(&"e\u{301}".repeat(36)).expect("72 scalar values rejected");
    assert!(p.message.contains("found 72 characters"), "{p}");
}

#[test]
fn one_character_names_are_fine() {
    for name in ["x", "é", "🔥", "0"] {
        assert_eq!(name_problem(name), None, "{name:?}");
    }
}

#[test]
fn empty_name_is_rejected() {
    let p = name_problem("").expect("empty name rejected");
    assert!(p.message.contains("found an empty string"), "{p}");
}

#[test]
fn whitespace_only_names_are_rejected_including_unicode_whitespace() {
    for name in [
        " ",
        "   ",
        "\t",
        "\n\r\n",
        "\u{00A0}",         // no-break space
        "\u{2003}\u{2009}", // em space, thin space
        "\u{3000}",         // ideographic space
        "\u{2028}",         // line separator
    ] {
        let p = name_problem(name).unwrap_or_else(|| panic!("{name:?} accepted"));
        assert!(p.message.contains("whitespace"), "{name:?}: {p}");
    }
    // Whitespace around a real character is fine, and is kept as given.
    assert_eq!(name_problem("  Disk full \u{00A0}"), None);
}

#[test]
fn every_type_spelling() {
    let spellings = [
        (MomentType::Page, ["page", "PAGE", "Page"]),
        (MomentType::Alert, ["alert", "ALERT", "Alert"]),
        (
            MomentType::NearMiss,
            ["near-miss", "NEAR-MISS", "Near-miss"],
        ),
        (MomentType::Incident, ["incident", "INCIDENT", "Incident"]),
    ];
    for (expected, forms) in spellings {
        for form in forms {
            assert_eq!(form.parse::<MomentType>().unwrap(), expected, "{form}");
            let de: MomentType = serde_json::from_str(&format!("\"{form}\"")).unwrap();
            assert_eq!(de, expected);
        }
        // Display and serde always give the lower-case wire form.
        assert_eq!(expected.to_string(), forms[0]);
        assert_eq!(
            serde_json::to_string(&expected).unwrap(),
            format!("\"{}\"", forms[0])
        );
        let m = Moment::builder("x", expected).build_at(now()).unwrap();
        assert!(m.to_json().contains(&format!(r#""type":"{}""#, forms[0])));
    }
    assert_eq!(
        "nEaR-MiSs".parse::<MomentType>().unwrap(),
        MomentType::NearMiss
    );
}

#[test]
fn near_miss_misspellings_suggest_the_right_one() {
    for wrong in [
        "near_miss",
        "nearmiss",
        "Near_Miss",
        "NEARMISS",
        "near miss",
    ] {
        let err = wrong.parse::<MomentType>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("did you mean \"near-miss\""), "{wrong}: {msg}");
        assert!(msg.contains("expected one of page, alert, near-miss, incident"));
        assert!(msg.contains(&format!("found \"{wrong}\"")), "{msg}");
        // serde says the same.
        let de = serde_json::from_str::<MomentType>(&format!("\"{wrong}\"")).unwrap_err();
        assert!(de.to_string().contains("did you mean \"near-miss\""));
    }
    // Every near spelling gets its hint (one edit for a short word, two for a long one).
    for (wrong, meant) in [
        ("pages", "page"),
        ("incdent", "incident"),
        ("alret", "alert"),
    ] {
        let msg = wrong.parse::<MomentType>().unwrap_err().to_string();
        assert!(
            msg.contains(&format!("did you mean \"{meant}\"")),
            "{wrong}: {msg}"
        );
    }
    for wrong in ["", "outage", "near"] {
        let msg = wrong.parse::<MomentType>().unwrap_err().to_string();
        assert!(msg.contains("expected one of"), "{msg}");
        assert!(!msg.contains("did you mean"), "{wrong}: {msg}");
    }
}

#[test]
fn priority_in_any_case() {
    for (expected, forms) in [
        (Priority::High, ["high", "HIGH", "High", "hIgH"]),
        (Priority::Medium, ["medium", "MEDIUM", "Medium", "mEdIuM"]),
        (Priority::Low, ["low", "LOW", "Low", "lOw"]),
    ] {
        for form in forms {
            assert_eq!(form.parse::<Priority>().unwrap(), expected, "{form}");
        }
        assert_eq!(expected.to_string(), forms[0]);
        let m = Moment::builder("x", MomentType::Page)
            .priority(expected)
            .build_at(now())
            .unwrap();
        assert!(
            m.to_json()
                .contains(&format!(r#""priority":"{}""#, forms[0]))
        );
    }
    let msg = "urgent".parse::<Priority>().unwrap_err().to_string();
    assert!(
        msg.contains("expected one of high, medium, low") && msg.contains("found \"urgent\""),
        "{msg}"
    );
}

fn source_url_problem(url: &str) -> Option<Problem> {
    match Moment::builder("x", MomentType::Page)
        .source_url(url)
        .build_at(now())
    {
        Ok(m) => {
            assert_eq!(m.source_url(), Some(url));
            None
        }
        Err(e) => {
            assert_eq!(e.problems().len(), 1, "{e}");
            let p = e.problems()[0].clone();
            assert_eq!(p.field, "source_url");
            assert_expected_found(&p);
            assert!(p.message.contains("absolute http or https URL"), "{p}");
            Some(p)
        }
    }
}

#[test]
fn source_url_must_be_absolute_http_or_https() {
    for ok in [
        "http://example.com",
        "https://example.com/runs/1234?tab=logs#step-3",
        "HTTPS://EXAMPLE.COM/x",
        "http://127.0.0.1:8080/",
        "https://[::1]/x",
    ] {
        assert_eq!(source_url_problem(ok), None, "{ok}");
    }
    for (bad, says) in [
        ("/runs/1234", "relative"),
        ("runs/1234", "relative"),
        ("example.com/runs", "relative"),
        ("ftp://example.com/file", "\"ftp\""),
        ("mailto:ops@example.com", "\"mailto\""),
        ("file:///etc/passwd", "\"file\""),
        ("", "empty"),
        ("   ", "\"   \""),
        ("https://", "https://"),
    ] {
        let p = source_url_problem(bad).unwrap_or_else(|| panic!("{bad:?} accepted"));
        assert!(p.message.contains(says), "{bad:?}: {p}");
    }
}

#[test]
fn occurred_at_now_is_fine_one_second_later_is_not() {
    let build = |t| {
        Moment::builder("x", MomentType::Page)
            .occurred_at(t)
            .build_at(now())
    };
    assert_eq!(build(now()).unwrap().occurred_at(), Some(now()));
    assert!(build(now() - Duration::days(3650)).is_ok());

    let err = build(now() + Duration::seconds(1)).unwrap_err();
    let [p] = err.problems() else { panic!("{err}") };
    assert_eq!(p.field, "occurred_at");
    assert_expected_found(p);
    assert!(
        p.message.contains("not in the future")
            && p.message.contains("2026-11-27T12:00:00Z")
            && p.message.contains("found 2026-11-27T12:00:01Z")
            && p.message.contains("1s ahead"),
        "{p}"
    );
    // Even a millisecond is the future.
    assert!(build(now() + Duration::milliseconds(1)).is_err());
}

#[test]
fn build_uses_the_current_clock() {
    let later = Utc::now() + Duration::hours(1);
    assert!(
        Moment::builder("x", MomentType::Page)
            .occurred_at(later)
            .build()
            .is_err()
    );
    let earlier = Utc::now() - Duration::seconds(1);
    assert!(
        Moment::builder("x", MomentType::Page)
            .occurred_at(earlier)
            .build()
            .is_ok()
    );
}

#[test]
fn accepted_occurred_at_forms() {
    let t = |s: &str| rules::parse_occurred_at(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    let base = Utc.with_ymd_and_hms(2023, 4, 1, 12, 31, 26).unwrap();
    let ms250 = base + Duration::milliseconds(250);
    for (text, expected) in [
        ("2023-04-01T12:31:26Z", base),
        ("2023-04-01T12:31:26z", base),
        ("2023-04-01T12:31:26+00:00", base),
        ("2023-04-01T12:31:26-00:00", base),
        ("2023-04-01T14:31:26+02:00", base),
        ("2023-04-01T07:01:26-05:30", base),
        ("2023-04-01T14:31:26.250+02:00", ms250),
        ("2023-04-01T12:31:26.250Z", ms250),
        ("2023-04-01T12:31:26.25Z", ms250),
        (
            "2023-04-01T12:31:26.123456789Z",
            base + Duration::nanoseconds(123_456_789),
        ),
        // Zone-less forms mean UTC, with a space or a T, fractions optional.
        ("2023-04-01 12:31:26", base),
        ("2023-04-01T12:31:26", base),
        ("2023-04-01 12:31:26.250", ms250),
        ("2023-04-01T12:31:26.250", ms250),
        (
            "2023-04-01T12:31:26.000001",
            base + Duration::microseconds(1),
        ),
        // Longer than the parser's stack copy: the same answer.
        (
            "2023-04-01 12:31:26.25000000000000000000000000000000000000000000000000000",
            ms250,
        ),
    ] {
        assert_eq!(t(text), expected, "{text}");
    }
}

#[test]
fn rejected_occurred_at_forms() {
    for bad in [
        "2023-04-01",               // date only
        "2023-04-01T12:31",         // no seconds
        "2023-04-01T12:31:26+0200", // offset without a colon
        "2023-04-01T12:31:26 +02:00",
        "2023-04-01T12:31:26+02", // hours-only offset
        "2023-04-01T12:31:26 UTC",
        "12:31:26",
        "2023-13-01T12:31:26Z", // month 13
        "2023-02-30T12:31:26Z", // no such day
        "2023-04-01T25:31:26Z",
        "Sat, 01 Apr 2023 12:31:26 GMT",
        "1680352286", // a Unix timestamp
        "yesterday",
        "",
        " ",
    ] {
        let err = rules::parse_occurred_at(bad).expect_err(bad);
        assert!(
            err.contains("expected an ISO 8601 date-time") && err.contains("found"),
            "{bad}: {err}"
        );
        assert!(
            err.contains(&serde_json::Value::from(bad).to_string()),
            "{err}"
        );
    }
}

#[test]
fn serialisation_is_canonical() {
    let m = common::full_moment();
    assert_eq!(m.to_json(), common::FULL_MOMENT_JSON);
    assert_eq!(m.to_json_vec(), common::FULL_MOMENT_JSON.as_bytes());
    assert_eq!(
        m.to_json_value(),
        serde_json::from_str::<serde_json::Value>(common::FULL_MOMENT_JSON).unwrap()
    );
    assert_eq!(serde_json::to_string(&m).unwrap(), common::FULL_MOMENT_JSON);
}

#[test]
fn absent_fields_are_omitted_never_null_and_unset_time_stays_absent() {
    let m = Moment::builder("Paged", MomentType::Page).build().unwrap();
    assert_eq!(m.to_json(), r#"{"name":"Paged","type":"page"}"#);
    assert_eq!(m.occurred_at(), None);
    // Every subset of optional fields: never a null, never an empty key.
    let m = Moment::builder("x", MomentType::Incident)
        .description("")
        .build()
        .unwrap();
    assert_eq!(
        m.to_json(),
        r#"{"name":"x","type":"incident","description":""}"#
    );
    assert!(!m.to_json().contains("null"));
}

#[test]
fn times_are_sent_as_rfc3339_utc_with_z() {
    let offset = rules::parse_occurred_at("2023-04-01T14:31:26.250+02:00").unwrap();
    let m = Moment::builder("x", MomentType::Page)
        .occurred_at(offset)
        .build()
        .unwrap();
    assert!(
        m.to_json()
            .contains(r#""occurred_at":"2023-04-01T12:31:26.250Z""#),
        "{}",
        m.to_json()
    );
    let cases = [
        ("2023-04-01 12:31:26", "2023-04-01T12:31:26Z"),
        ("2023-04-01T12:31:26.000001", "2023-04-01T12:31:26.000001Z"),
        ("2023-04-01T12:31:26.1Z", "2023-04-01T12:31:26.100Z"),
        ("2023-04-01T23:59:59-01:00", "2023-04-02T00:59:59Z"),
    ];
    for (input, wire) in cases {
        let t = rules::parse_occurred_at(input).unwrap();
        assert_eq!(rules::format_time(t), wire, "{input}");
        // The wire form parses back to the same instant.
        assert_eq!(rules::parse_occurred_at(wire).unwrap(), t);
    }
}

#[test]
fn build_reports_every_problem_at_once() {
    let err = Moment::builder("\u{3000} ", MomentType::Alert)
        .priority(Priority::Low)
        .source_url("/relative/link")
        .occurred_at(now() + Duration::minutes(5))
        .build_at(now())
        .unwrap_err();
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "source_url", "occurred_at"]);
    for p in err.problems() {
        assert_expected_found(p);
    }
    let text = err.to_string();
    assert!(
        text.starts_with("invalid moment: 3 problems: name: "),
        "{text}"
    );
    assert!(text.contains("; source_url: ") && text.contains("; occurred_at: "));
    assert!(text.contains("5min ahead"), "{text}");

    // into_problems gives the same list.
    let again: ValidationError = err.clone();
    assert_eq!(again.into_problems(), err.problems());
}

#[test]
fn to_builder_revalidates() {
    let m = common::full_moment();
    assert_eq!(m.to_builder().build().unwrap(), m);
    let err = m.to_builder().source_url("ftp://x").build().unwrap_err();
    assert_eq!(err.problems()[0].field, "source_url");
}
