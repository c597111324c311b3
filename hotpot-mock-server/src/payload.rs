//! Reading a payload, the one parse step of ingest and of retry: the body as JSON text, its
//! top-level object read field by field (noticing the keys it repeats), then §1 through
//! [`hotpot_protocol::parse_lenient_fields`] (never a copy of its rules).
//!
//! JSON parsers keep the last value of a repeated key and drop the others without a word.
//! The mock does the same (as Hotpot's server presumably does) but says so: each repeated
//! field becomes a warning on the event, beside the unknown ones.
//!
//! The object is read in one pass without building a [`Value`] for it: its strings are
//! borrowed from the text where they have no escapes (this runs on every request the mock
//! records); a field that is not a string or null is read as a [`Value`], for the problem
//! that names it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use hotpot_protocol::{
    FieldValue, JsonFields, LenientParse, Problem, parse_lenient, parse_lenient_fields,
};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// A JSON document, and the keys its top-level object repeats, each with how often it came.
#[derive(Debug)]
struct Document<'a> {
    top: Top<'a>,
    repeated: Vec<(String, usize)>,
}

/// The document's top-level value.
#[derive(Debug)]
enum Top<'a> {
    Object(Object<'a>),
    Other(Value),
}

/// A top-level object's fields, each once with its last value, in the order they first came.
#[derive(Debug, Default)]
struct Object<'a> {
    fields: Vec<(Cow<'a, str>, Field<'a>)>,
    /// Where each name is, once there are more fields than a scan finds quickly.
    index: Option<HashMap<Cow<'a, str>, usize>>,
}

/// Beyond this many fields, an object's names are looked up in an index.
const SCAN_MAX: usize = 16;

/// A field's value: what the rules tell apart.
#[derive(Debug)]
enum Field<'a> {
    Null,
    String(Cow<'a, str>),
    Other(Value),
}

impl<'a> Object<'a> {
    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(name).copied(),
            None => self.fields.iter().position(|(key, _)| key == name),
        }
    }

    /// Sets a field; gives `name` back when the object already had it (the new value
    /// replaces the old).
    fn insert(&mut self, name: Cow<'a, str>, value: Field<'a>) -> Option<Cow<'a, str>> {
        if let Some(at) = self.position(&name) {
            self.fields[at].1 = value;
            return Some(name);
        }
        if let Some(index) = &mut self.index {
            index.insert(name.clone(), self.fields.len());
        }
        self.fields.push((name, value));
        if self.index.is_none() && self.fields.len() > SCAN_MAX {
            let index = self.fields.iter().enumerate();
            self.index = Some(index.map(|(at, (key, _))| (key.clone(), at)).collect());
        }
        None
    }
}

impl JsonFields for Object<'_> {
    fn field(&self, name: &str) -> Option<FieldValue<'_>> {
        let (_, value) = &self.fields[self.position(name)?];
        Some(match value {
            Field::Null => FieldValue::Null,
            Field::String(s) => FieldValue::String(s),
            Field::Other(value) => FieldValue::Other(value),
        })
    }

    fn each_name(&self, each: &mut dyn FnMut(&str)) {
        self.fields.iter().for_each(|(key, _)| each(key));
    }
}

impl<'a> Document<'a> {
    /// Parses JSON text (with serde_json's limits, nesting depth included).
    fn parse(text: &'a str) -> serde_json::Result<Document<'a>> {
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
    let mut parsed = match &document.top {
        Top::Object(object) => parse_lenient_fields(object, now),
        Top::Other(value) => {
            let problem = parse_lenient(value, now)
                .moment
                .err()
                .and_then(|e| e.into_problems().into_iter().next())
                .unwrap_or_else(|| Problem::new("payload", "expected a JSON object"));
            return Err(Unreadable::NotObject(problem));
        }
    };
    parsed.warnings.extend(document.warnings());
    Ok(parsed)
}

impl<'de> Deserialize<'de> for Document<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevel)
    }
}

/// Reads the top-level object field by field, counting repeated keys; any other value as
/// serde_json builds it.
struct TopLevel;

fn plain(value: Value) -> Document<'static> {
    Document {
        top: Top::Other(value),
        repeated: Vec::new(),
    }
}

impl<'de> Visitor<'de> for TopLevel {
    type Value = Document<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Document<'de>, A::Error> {
        let mut object = Object::default();
        let mut repeated: Vec<(String, usize)> = Vec::new();
        while let Some(key) = access.next_key_seed(Text)? {
            let value: Field<'de> = access.next_value()?;
            if let Some(key) = object.insert(key, value) {
                match repeated.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, times)) => *times += 1,
                    None => repeated.push((key.into_owned(), 2)),
                }
            }
        }
        Ok(Document {
            top: Top::Object(object),
            repeated,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, access: A) -> Result<Document<'de>, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(access)).map(plain)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Document<'de>, E> {
        Ok(plain(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Document<'de>, E> {
        Ok(plain(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Document<'de>, E> {
        Ok(plain(Value::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Document<'de>, E> {
        finite(v).map(plain)
    }

    fn visit_str<E>(self, v: &str) -> Result<Document<'de>, E> {
        Ok(plain(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Document<'de>, E> {
        Ok(plain(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Document<'de>, E> {
        Ok(plain(Value::Null))
    }
}

/// JSON text has no NaN or infinity: serde_json never hands one over.
fn finite<E: serde::de::Error>(v: f64) -> Result<Value, E> {
    Number::from_f64(v)
        .map(Value::Number)
        .ok_or_else(|| E::custom("a number that is not finite"))
}

/// A string, borrowed from the text when it has no escapes.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// A field's value: strings borrowed where they can be, anything else but null as a
/// [`Value`].
struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Field<'de>, E> {
        Ok(Field::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Field<'de>, E> {
        Ok(Field::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Field<'de>, E> {
        Ok(Field::String(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Field<'de>, E> {
        Ok(Field::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Field<'de>, E> {
        finite(v).map(Field::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, access: A) -> Result<Field<'de>, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(access)).map(Field::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Field<'de>, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(access)).map(Field::Other)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};

    use super::{Document, Field, Top, Unreadable, check};

    /// The document as a `Value`, each field with its last value.
    fn value(doc: &Document<'_>) -> Value {
        match &doc.top {
            Top::Other(value) => value.clone(),
            Top::Object(object) => Value::Object(
                object
                    .fields
                    .iter()
                    .map(|(key, field)| {
                        let value = match field {
                            Field::Null => Value::Null,
                            Field::String(s) => Value::String(s.to_string()),
                            Field::Other(value) => value.clone(),
                        };
                        (key.to_string(), value)
                    })
                    .collect::<Map<String, Value>>(),
            ),
        }
    }

    #[test]
    fn repeated_top_level_keys_are_counted_and_the_last_value_kept() {
        let doc =
            Document::parse(r#"{"a": 1, "b": 2, "a": 3, "a": {"c": 1, "c": 2}, "b": 4}"#).unwrap();
        assert_eq!(value(&doc), serde_json::json!({"a": {"c": 2}, "b": 4}));
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
    fn a_large_object_counts_its_repeats_as_a_small_one_does() {
        // More fields than a scan is used for: names are then found through the index.
        let mut text = String::from("{");
        for i in 0..100 {
            text.push_str(&format!("\"f{i}\": {i}, "));
        }
        text.push_str(r#""f3": "again", "f99": null, "f3": true, "\u0066\u0035": "escaped"}"#);
        let doc = Document::parse(&text).unwrap();
        assert_eq!(value(&doc), serde_json::from_str::<Value>(&text).unwrap());
        let warnings: Vec<String> = doc.warnings().map(|p| p.to_string()).collect();
        assert_eq!(
            warnings,
            [
                "f3: expected each field once, found it 3 times; the last value was used",
                "f99: expected each field once, found it 2 times; the last value was used",
                "f5: expected each field once, found it 2 times; the last value was used",
            ]
        );
    }

    #[test]
    fn every_document_is_the_value_serde_json_builds() {
        for text in [
            r#"{"name": "x", "type": "alert"}"#,
            r#"{"name": "line\nbreak \u00e9", "n": -1.5e3, "o": {"p": [1, null]}, "z": null, "b": false}"#,
            "{}",
            "[1, -2, 3.5, -0.0, 18446744073709551615, null, true, \"s\", [], {}]",
            "\"text\"",
            "-7",
            "1e300",
            "null",
            "false",
        ] {
            let doc = Document::parse(text).unwrap();
            assert_eq!(
                value(&doc),
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
            assert_eq!(doc.warnings().count(), 0);
        }
        for bad in [
            "",
            "{",
            "NaN",
            "1e999",
            "[1,]",
            &"[".repeat(1000),
            &format!("{{\"a\": {}", "[".repeat(1000)),
        ] {
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
