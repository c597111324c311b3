//! Parsing a payload the way a server does: leniently, reporting every problem and warning.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::rules::{self, FIELDS, NAME_MAX_CHARS};
use super::{Moment, Priority, Problem, ValidationError};

/// What [`parse_lenient`] found in a payload: the moment or every problem, and the warnings
/// (unknown fields) in either case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LenientParse {
    /// The moment, or every §1 problem of the payload.
    pub moment: Result<Moment, ValidationError>,
    /// One warning per unknown field, which was ignored (`occured_at` → "did you mean
    /// `occurred_at`?").
    pub warnings: Vec<Problem>,
}

/// Parses a JSON payload as Hotpot's server does (spec §1), with `now` deciding what is
/// "in the future".
///
/// Lenient where the specification is: `type` and `priority` in any case, the zone-less
/// `occurred_at` forms (UTC), `null` for an absent optional field, unknown fields ignored
/// with a warning. Every problem is reported, each naming its field and saying what was
/// expected and what was found — wrong JSON types included. The mock server calls this for
/// every request it records.
///
/// ```
/// use chrono::Utc;
/// use hotpot_protocol::{parse_lenient, MomentType};
/// use serde_json::json;
///
/// let parsed = parse_lenient(
///     &json!({"name": "Failed deploy", "type": "Near-miss", "occured_at": "2023-04-01 12:31:26"}),
///     Utc::now(),
/// );
/// assert_eq!(parsed.moment.unwrap().moment_type(), MomentType::NearMiss);
/// assert_eq!(parsed.warnings[0].field, "occured_at");
/// assert!(parsed.warnings[0].message.contains("did you mean `occurred_at`"));
///
/// let parsed = parse_lenient(&json!({"name": 42}), Utc::now());
/// let err = parsed.moment.unwrap_err();
/// assert_eq!(err.problems().len(), 2); // name has the wrong type, type is missing
/// ```
pub fn parse_lenient(payload: &Value, now: DateTime<Utc>) -> LenientParse {
    match payload.as_object() {
        Some(object) => parse_lenient_fields(object, now),
        None => LenientParse {
            moment: Err(ValidationError::new(vec![not_an_object(payload)])),
            warnings: Vec::new(),
        },
    }
}

/// [`parse_lenient`] over the fields of a JSON object however they were read: a
/// `serde_json` [`Map`], or a reader's own form of the object ([`JsonFields`]) — the mock
/// server reads a body's top-level fields in one pass, borrowing their strings from the
/// text, rather than building a [`Value`] first.
pub fn parse_lenient_fields(object: &dyn JsonFields, now: DateTime<Utc>) -> LenientParse {
    let (moment, warnings) = parse_object(object, &FIELDS, |fields| {
        let name = fields.required(
            "name",
            &format_args!("a string of 1 to {NAME_MAX_CHARS} characters"),
            |s| rules::check_name(s).map(|()| s.to_owned()),
        );
        let moment_type = fields.required(
            "type",
            &"one of page, alert, near-miss, incident",
            rules::parse_moment_type,
        );
        let priority: Option<Priority> = fields.optional("priority", rules::parse_priority);
        let source = fields.optional("source", |s| Ok(s.to_owned()));
        let source_url = fields.optional("source_url", |s| {
            rules::check_source_url(s).map(|()| s.to_owned())
        });
        let description = fields.optional("description", |s| Ok(s.to_owned()));
        let occurred_at = fields.optional("occurred_at", |s| {
            let t = rules::parse_occurred_at(s)?;
            rules::check_occurred_at(t, now).map(|()| t)
        });
        Some(Moment {
            name: name?,
            moment_type: moment_type?,
            priority,
            source,
            source_url,
            description,
            occurred_at,
        })
    });
    LenientParse {
        moment: moment.map_err(ValidationError::new),
        warnings,
    }
}

/// The fields of a JSON object, as the lenient parsers read them.
pub trait JsonFields {
    /// The value of the field `name`, or `None` when the object has no such field. A field
    /// the text repeats has its last value, as JSON parsers keep.
    fn field(&self, name: &str) -> Option<FieldValue<'_>>;

    /// Calls `each` with every field's name, once each.
    fn each_name(&self, each: &mut dyn FnMut(&str));
}

/// A field's value as [`JsonFields::field`] gives it: what the rules tell apart.
#[derive(Clone, Copy, Debug)]
pub enum FieldValue<'a> {
    /// `null`.
    Null,
    /// A string.
    String(&'a str),
    /// Any other JSON value (a number, a boolean, an array or an object).
    Other(&'a Value),
}

impl JsonFields for Map<String, Value> {
    fn field(&self, name: &str) -> Option<FieldValue<'_>> {
        self.get(name).map(|value| match value {
            Value::Null => FieldValue::Null,
            Value::String(s) => FieldValue::String(s),
            other => FieldValue::Other(other),
        })
    }

    fn each_name(&self, each: &mut dyn FnMut(&str)) {
        self.keys().for_each(|key| each(key));
    }
}

/// "expected a JSON object, found ..." for a payload that is not one.
fn not_an_object(payload: &Value) -> Problem {
    Problem::new(
        "payload",
        format!("expected a JSON object, found {}", describe(payload)),
    )
}

/// Runs `build` over the fields of `payload` (which must be a JSON object) the way both
/// lenient parsers (moments and pages) do: what `build` made when no field had a problem,
/// else every problem; and one warning per field that is not one of `known`.
pub(crate) fn parse_fields<T>(
    payload: &Value,
    known: &[&str],
    build: impl FnOnce(&mut Fields<'_>) -> Option<T>,
) -> (Result<T, Vec<Problem>>, Vec<Problem>) {
    match payload.as_object() {
        Some(object) => parse_object(object, known, build),
        None => (Err(vec![not_an_object(payload)]), Vec::new()),
    }
}

/// [`parse_fields`] over an object's fields.
fn parse_object<T>(
    object: &dyn JsonFields,
    known: &[&str],
    build: impl FnOnce(&mut Fields<'_>) -> Option<T>,
) -> (Result<T, Vec<Problem>>, Vec<Problem>) {
    let mut fields = Fields {
        object,
        problems: Vec::new(),
    };
    let built = build(&mut fields);
    let warnings = unknown_field_warnings(object, known);
    let result = match built {
        Some(built) if fields.problems.is_empty() => Ok(built),
        _ => Err(fields.problems),
    };
    (result, warnings)
}

/// The object being parsed and the problems found so far (see [`parse_fields`]).
pub(crate) struct Fields<'a> {
    pub(crate) object: &'a dyn JsonFields,
    pub(crate) problems: Vec<Problem>,
}

impl Fields<'_> {
    /// A string field that must be present; `expected` describes it for the "missing" message
    /// (written only then: this runs on every request the mock records).
    pub(crate) fn required<T>(
        &mut self,
        field: &str,
        expected: &dyn std::fmt::Display,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let found = match self.object.field(field) {
            Some(FieldValue::Null) => "null",
            None => "nothing (the field is missing)",
            Some(value) => return self.string(field, value, parse),
        };
        self.problems.push(Problem::new(
            field,
            format!("required: expected {expected}, found {found}"),
        ));
        None
    }

    /// A string field that may be absent or `null`.
    pub(crate) fn optional<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.object.field(field) {
            None | Some(FieldValue::Null) => None,
            Some(value) => self.string(field, value, parse),
        }
    }

    fn string<T>(
        &mut self,
        field: &str,
        value: FieldValue<'_>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let result = match value {
            FieldValue::String(s) => parse(s),
            FieldValue::Null => Err("expected a string, found null".to_owned()),
            FieldValue::Other(other) => {
                Err(format!("expected a string, found {}", describe(other)))
            }
        };
        result
            .map_err(|message| self.problems.push(Problem::new(field, message)))
            .ok()
    }
}

/// One warning per field of `object` that is not one of `known` (in the order of their
/// names), with the nearest known spelling where there is one.
pub(crate) fn unknown_field_warnings(object: &dyn JsonFields, known: &[&str]) -> Vec<Problem> {
    let mut unknown: Vec<String> = Vec::new();
    object.each_name(&mut |key| {
        if !known.contains(&key) {
            unknown.push(key.to_owned());
        }
    });
    unknown.sort_unstable();
    unknown.dedup();
    unknown
        .into_iter()
        .map(|key| {
            let close = known.iter().find(|k| {
                k.eq_ignore_ascii_case(&key) || strsim::damerau_levenshtein(k, &key) <= 2
            });
            let message = match close {
                Some(k) => format!("unknown field, ignored; did you mean `{k}`?"),
                None => format!(
                    "unknown field, ignored (the fields are {})",
                    known.join(", ")
                ),
            };
            Problem::new(key, message)
        })
        .collect()
}

/// A JSON value named for a message: `a number (42)`, `an array`, ...
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({})", rules::quote(s)),
        Value::Array(a) => format!("an array of {}", plural(a.len(), "item")),
        Value::Object(o) => format!("an object with {}", plural(o.len(), "field")),
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
