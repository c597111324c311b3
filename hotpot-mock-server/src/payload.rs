//! Reading a payload, the one parse step of ingest and of retry: the body as JSON text
//! (noticing the keys its top-level object repeats), then §1 through
//! [`hotpot_protocol::parse_lenient`] (never a copy of its rules).
//!
//! JSON parsers keep the last value of a repeated key and drop the others without a word.
//! The mock does the same (as Hotpot's server presumably does) but says so: each repeated
//! field becomes a warning on the event, beside the unknown ones.

use std::fmt;

use chrono::{DateTime, Utc};
use hotpot_protocol::{LenientParse, Problem, parse_lenient};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A JSON document and the keys its top-level object repeats, each with how often it came.
#[derive(Debug)]
struct Document {
    value: Value,
    repeated: Vec<(String, usize)>,
}

impl Document {
    /// Parses JSON text (with serde_json's limits, nesting depth included).
    fn parse(text: &str) -> serde_json::Result<Document> {
        serde_json::from_str(text)
    }

    /// One warning per repeated top-level key, in the order they first repeat.
    fn warnings(&self) -> impl Iterator<Item = Problem> + '_ {
        self.repeated.iter().map(|(key, times)| {
            Problem::new(
                key.as_str(),
                format!(
                    "expected each field once, found it {times} times; the last value was used"
                ),
            )
        })
    }
}

/// Why a body could not be checked against §1: the HTTP layer words each as a 400.
#[derive(Debug)]
pub(crate) enum Unreadable {
    /// Not UTF-8: the first bad byte is at this offset.
    NotUtf8 { offset: usize },
    /// UTF-8, but not JSON.
    NotJson(serde_json::Error),
    /// JSON, but not an object: `parse_lenient`'s problem saying so.
    NotObject(Problem),
}

impl Unreadable {
    /// The problem, as the event records it and a 400 answer says it.
    pub(crate) fn into_problem(self) -> Problem {
        match self {
            Unreadable::NotUtf8 { offset } => Problem::new(
                "payload",
                format!(
                    "expected UTF-8 JSON text, found a byte that is not UTF-8 at offset {offset}"
                ),
            ),
            Unreadable::NotJson(e) => Problem::new(
                "payload",
                format!("expected a JSON object, found text that is not JSON ({e})"),
            ),
            Unreadable::NotObject(problem) => problem,
        }
    }
}

/// The one parse step: `bytes` as a JSON object checked against §1 at `now`, with the
/// warnings for unknown and repeated fields. Ingest calls it on a request's body, retry on an
/// event's kept payload.
pub(crate) fn check(bytes: &[u8], now: DateTime<Utc>) -> Result<LenientParse, Unreadable> {
    let text = std::str::from_utf8(bytes).map_err(|e| Unreadable::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let document = Document::parse(text).map_err(Unreadable::NotJson)?;
    let mut parsed = parse_lenient(&document.value, now);
    if !document.value.is_object() {
        let problem = parsed
            .moment
            .err()
            .and_then(|e| e.into_problems().into_iter().next())
            .unwrap_or_else(|| Problem::new("payload", "expected a JSON object"));
        return Err(Unreadable::NotObject(problem));
    }
    parsed.warnings.extend(document.warnings());
    Ok(parsed)
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevel)
    }
}

/// Builds the same [`Value`] as serde_json does, counting repeated keys at the top level.
struct TopLevel;

fn plain(value: Value) -> Document {
    Document {
        value,
        repeated: Vec::new(),
    }
}

impl<'de> Visitor<'de> for TopLevel {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Document, A::Error> {
        let mut object = Map::new();
        let mut repeated: Vec<(String, usize)> = Vec::new();
        while let Some(key) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            if object.contains_key(&key) {
                match repeated.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, times)) => *times += 1,
                    None => repeated.push((key.clone(), 2)),
                }
            }
            object.insert(key, value);
        }
        Ok(Document {
            value: Value::Object(object),
            repeated,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Document, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<Value>()? {
            items.push(item);
        }
        Ok(plain(Value::Array(items)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Document, E> {
        Ok(plain(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Document, E> {
        Ok(plain(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Document, E> {
        Ok(plain(Value::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Document, E> {
        // JSON text has no NaN or infinity: serde_json never hands one over.
        Number::from_f64(v)
            .map(|n| plain(Value::Number(n)))
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Document, E> {
        Ok(plain(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Document, E> {
        Ok(plain(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Document, E> {
        Ok(plain(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{Document, Unreadable, check};

    #[test]
    fn repeated_top_level_keys_are_counted_and_the_last_value_kept() {
        let doc =
            Document::parse(r#"{"a": 1, "b": 2, "a": 3, "a": {"c": 1, "c": 2}, "b": 4}"#).unwrap();
        assert_eq!(doc.value, serde_json::json!({"a": {"c": 2}, "b": 4}));
        let warnings: Vec<String> = doc.warnings().map(|p| p.to_string()).collect();
        assert_eq!(
            warnings,
            [
                "a: expected each field once, found it 3 times; the last value was used",
                "b: expected each field once, found it 2 times; the last value was used",
            ]
        );
    }

    #[test]
    fn every_document_is_the_value_serde_json_builds() {
        for text in [
            r#"{"name": "x", "type": "alert"}"#,
            "[1, -2, 3.5, -0.0, 18446744073709551615, null, true, \"s\", [], {}]",
            "\"text\"",
            "-7",
            "1e300",
            "null",
            "false",
        ] {
            let doc = Document::parse(text).unwrap();
            assert_eq!(
                doc.value,
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
            assert_eq!(doc.warnings().count(), 0);
        }
        for bad in ["", "{", "NaN", "1e999", "[1,]", &"[".repeat(1000)] {
            assert!(Document::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn check_says_why_a_body_is_unreadable_and_warns_of_repeats() {
        let now = chrono::Utc::now();
        let parsed = check(br#"{"name": "x", "type": "alert", "name": "y"}"#, now).unwrap();
        assert_eq!(parsed.moment.unwrap().name(), "y");
        assert_eq!(parsed.warnings[0].field, "name");
        assert!(matches!(
            check(b"{\"a\xff", now),
            Err(Unreadable::NotUtf8 { offset: 3 })
        ));
        assert!(matches!(check(b"{", now), Err(Unreadable::NotJson(_))));
        let Err(Unreadable::NotObject(problem)) = check(b"[1]", now) else {
            panic!("expected NotObject");
        };
        assert_eq!(problem.field, "payload");
        assert!(
            problem
                .message
                .starts_with("expected a JSON object, found an array")
        );
    }
}
