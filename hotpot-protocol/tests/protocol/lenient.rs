//! The server-side parser, `parse_lenient`: lenient where §1 is, strict everywhere else, and
//! every problem reported per field.

use chrono::{DateTime, TimeZone, Utc};
use hotpot_protocol::moment::rules::FIELDS;
use hotpot_protocol::{LenientParse, Moment, MomentType, Priority, Problem, parse_lenient};
use serde_json::{Value, json};

use hotpot_test_support as common;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

fn parse(payload: Value) -> LenientParse {
    parse_lenient(&payload, now())
}

fn ok(payload: Value) -> Moment {
    let parsed = parse(payload.clone());
    parsed
        .moment
        .unwrap_or_else(|e| panic!("{payload} rejected: {e}"))
}

fn problems(payload: Value) -> Vec<Problem> {
    match parse(payload.clone()).moment {
        Ok(m) => panic!("{payload} accepted as {m:?}"),
        Err(e) => {
            for p in e.problems() {
                assert!(
                    p.message.contains("expected") && p.message.contains("found"),
                    "{p}"
                );
            }
            e.into_problems()
        }
    }
}

#[test]
fn a_full_payload_gives_the_same_moment_as_the_builder() {
    let payload: Value = serde_json::from_str(common::FULL_MOMENT_JSON).unwrap();
    let parsed = parse(payload);
    assert_eq!(parsed.warnings, []);
    assert_eq!(parsed.moment.unwrap(), common::full_moment());
}

#[test]
fn type_and_priority_in_any_case_serialise_lower_case() {
    let m = ok(json!({"name": "x", "type": "Near-miss", "priority": "HIGH"}));
    assert_eq!(m.moment_type(), MomentType::NearMiss);
    assert_eq!(m.priority(), Some(Priority::High));
    assert_eq!(
        m.to_json(),
        r#"{"name":"x","type":"near-miss","priority":"high"}"#
    );
    for t in ["ALERT", "Alert", "alert", "aLeRt"] {
        assert_eq!(
            ok(json!({"name": "x", "type": t})).moment_type(),
            MomentType::Alert
        );
    }
}

#[test]
fn near_miss_spelt_with_an_underscore_is_an_error_that_suggests_the_fix() {
    let [p] = problems(json!({"name": "x", "type": "near_miss"}))
        .try_into()
        .unwrap();
    assert_eq!(p.field, "type");
    assert!(p.message.contains("did you mean \"near-miss\""), "{p}");
}

#[test]
fn zone_less_and_offset_times_become_utc() {
    let cases = [
        ("2023-04-01 12:31:26", "2023-04-01T12:31:26Z"),
        ("2023-04-01T12:31:26", "2023-04-01T12:31:26Z"),
        ("2023-04-01 12:31:26.5", "2023-04-01T12:31:26.500Z"),
        ("2023-04-01T14:31:26.250+02:00", "2023-04-01T12:31:26.250Z"),
    ];
    for (input, wire) in cases {
        let m = ok(json!({"name": "x", "type": "page", "occurred_at": input}));
        let json = m.to_json_value();
        assert_eq!(json["occurred_at"], wire, "{input}");
    }
    let [p] = problems(json!({"name": "x", "type": "page", "occurred_at": "2023-04-01"}))
        .try_into()
        .unwrap();
    assert_eq!(p.field, "occurred_at");
}

#[test]
fn the_future_is_decided_by_the_given_now() {
    let payload = json!({"name": "x", "type": "page", "occurred_at": "2026-11-27T12:00:00Z"});
    assert!(parse_lenient(&payload, now()).moment.is_ok());
    let earlier = now() - chrono::Duration::seconds(1);
    let err = parse_lenient(&payload, earlier).moment.unwrap_err();
    assert_eq!(err.problems()[0].field, "occurred_at");
    assert!(err.problems()[0].message.contains("not in the future"));
}

#[test]
fn unknown_fields_are_warnings_with_suggestions() {
    let parsed = parse(json!({
        "name": "x",
        "type": "page",
        "occured_at": "2023-04-01 12:31:26",
        "Priority": "high",
        "team": "payments",
    }));
    let m = parsed.moment.unwrap();
    // Unknown fields are ignored: not even a misspelt occurred_at is used.
    assert_eq!(m.occurred_at(), None);
    assert_eq!(m.priority(), None);
    let by_field = |f: &str| {
        parsed
            .warnings
            .iter()
            .find(|w| w.field == f)
            .unwrap_or_else(|| panic!("no warning for {f}: {:?}", parsed.warnings))
            .message
            .clone()
    };
    assert_eq!(parsed.warnings.len(), 3);
    assert!(by_field("occured_at").contains("did you mean `occurred_at`?"));
    assert!(by_field("Priority").contains("did you mean `priority`?"));
    let team = by_field("team");
    assert!(team.contains("unknown field, ignored") && !team.contains("did you mean"));
    assert!(team.contains("name, type, priority, source, source_url, description, occurred_at"));
}

#[test]
fn warnings_are_reported_for_invalid_payloads_too() {
    let parsed = parse(json!({"nmae": "x", "type": "page"}));
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].field, "nmae");
    assert!(parsed.warnings[0].message.contains("did you mean `name`?"));
    let err = parsed.moment.unwrap_err();
    assert_eq!(err.problems()[0].field, "name");
}

#[test]
fn null_means_absent_for_optional_fields() {
    let m = ok(json!({
        "name": "x", "type": "alert", "priority": null, "source": null,
        "source_url": null, "description": null, "occurred_at": null,
    }));
    assert_eq!(m, Moment::builder("x", MomentType::Alert).build().unwrap());
    assert_eq!(m.to_json(), r#"{"name":"x","type":"alert"}"#);
}

#[test]
fn null_or_missing_required_fields_are_errors() {
    let ps = problems(json!({"name": null}));
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].field, "name");
    assert!(ps[0].message.contains("required") && ps[0].message.ends_with("found null"));
    assert_eq!(ps[1].field, "type");
    assert!(
        ps[1]
            .message
            .contains("expected one of page, alert, near-miss, incident"),
        "{}",
        ps[1]
    );
    assert!(
        ps[1]
            .message
            .contains("found nothing (the field is missing)")
    );

    let ps = problems(json!({}));
    let fields: Vec<&str> = ps.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "type"]);
    let ps = problems(json!({"type": null, "name": "x"}));
    assert_eq!(ps.len(), 1);
    assert!(ps[0].message.ends_with("found null"));
}

#[test]
fn every_field_as_every_wrong_json_type() {
    let wrong: [(Value, &str); 4] = [
        (json!(42), "a number (42)"),
        (json!(true), "a boolean (true)"),
        (json!(["a", "b"]), "an array of 2 items"),
        (json!({"a": 1}), "an object with 1 field"),
    ];
    for field in FIELDS {
        for (value, described) in &wrong {
            let mut payload = json!({"name": "x", "type": "page"});
            payload[field] = value.clone();
            let ps = problems(payload.clone());
            assert_eq!(ps.len(), 1, "{payload}: {ps:?}");
            assert_eq!(ps[0].field, field);
            assert_eq!(
                ps[0].message,
                format!("expected a string, found {described}"),
                "{payload}"
            );
        }
    }
}

#[test]
fn non_object_payloads_are_one_payload_problem() {
    for (payload, found) in [
        (json!(null), "found null"),
        (json!([]), "found an array of 0 items"),
        (
            json!([{"name": "x", "type": "page"}]),
            "found an array of 1 item",
        ),
        (json!("name"), "found a string (\"name\")"),
        (json!(7), "found a number (7)"),
        (json!(false), "found a boolean (false)"),
    ] {
        let parsed = parse(payload.clone());
        assert_eq!(parsed.warnings, []);
        let ps = parsed.moment.unwrap_err().into_problems();
        assert_eq!(ps.len(), 1, "{payload}");
        assert_eq!(ps[0].field, "payload");
        assert!(ps[0].message.starts_with("expected a JSON object"));
        assert!(ps[0].message.ends_with(found), "{}", ps[0]);
    }
}

#[test]
fn several_problems_at_once_in_field_order() {
    let parsed = parse(json!({
        "occurred_at": "tomorrow",
        "description": 3,
        "source_url": "ftp://example.com",
        "source": [],
        "priority": "urgent",
        "type": "near_miss",
        "name": "x".repeat(71),
        "occured_at": "2023-04-01",
    }));
    let err = parsed.moment.unwrap_err();
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, FIELDS);
    assert!(err.to_string().starts_with("invalid moment: 7 problems:"));
    assert_eq!(parsed.warnings.len(), 1);
    for p in err.problems() {
        assert!(
            p.message.contains("expected") && p.message.contains("found"),
            "{p}"
        );
    }
}

#[test]
fn long_values_are_cut_in_messages() {
    let long = "y".repeat(500);
    let ps = problems(json!({"name": long, "type": "page"}));
    assert!(ps[0].message.contains("found 500 characters"));
    assert!(ps[0].message.len() < 200, "{}", ps[0].message);
}
