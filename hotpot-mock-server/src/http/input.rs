//! Reading admin inputs (JSON bodies and query strings) with messages that name the field,
//! what was expected and what was found.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::Error;

/// A JSON object being read field by field; [`finish`](Input::finish) rejects what is left.
pub(crate) struct Input {
    map: Map<String, Value>,
    allowed: &'static [&'static str],
}

/// A field that may be absent, `null` or set (PATCH needs the difference).
pub(crate) enum Field<T> {
    Absent,
    Null,
    Set(T),
}

impl Input {
    /// Parses `body` as a JSON object; an empty body is an empty object.
    pub(crate) fn parse(body: &[u8], allowed: &'static [&'static str]) -> Result<Self, Error> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Input {
                map: Map::new(),
                allowed,
            });
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Input { map, allowed }),
            Ok(other) => Err(Error::bad(format!(
                "expected a JSON object, found {}",
                kind(&other)
            ))),
            Err(e) => Err(Error::bad(format!(
                "expected a JSON object, found text that is not JSON ({e})"
            ))),
        }
    }

    /// A field's JSON value as it is; `None` when absent or `null`.
    pub(crate) fn value(&mut self, key: &str) -> Option<Value> {
        self.take(key).into_option()
    }

    fn take(&mut self, key: &str) -> Field<Value> {
        match self.map.remove(key) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(v) => Field::Set(v),
        }
    }

    pub(crate) fn string(&mut self, key: &str) -> Result<Field<String>, Error> {
        match self.take(key) {
            Field::Set(Value::String(s)) => Ok(Field::Set(s)),
            Field::Set(other) => Err(expected(key, "a string", &other)),
            Field::Null => Ok(Field::Null),
            Field::Absent => Ok(Field::Absent),
        }
    }

    pub(crate) fn opt_string(&mut self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.string(key)?.into_option())
    }

    pub(crate) fn integer(&mut self, key: &str, min: i64, max: i64) -> Result<Option<i64>, Error> {
        match self.take(key) {
            Field::Set(Value::Number(n)) => match n.as_i64().filter(|n| (min..=max).contains(n)) {
                Some(n) => Ok(Some(n)),
                None => Err(Error::bad(format!(
                    "{key}: expected a whole number from {min} to {max}, found {n}"
                ))),
            },
            Field::Set(other) => Err(expected(key, "a whole number", &other)),
            Field::Null | Field::Absent => Ok(None),
        }
    }

    pub(crate) fn boolean(&mut self, key: &str) -> Result<Option<bool>, Error> {
        match self.take(key) {
            Field::Set(Value::Bool(b)) => Ok(Some(b)),
            Field::Set(other) => Err(expected(key, "true or false", &other)),
            Field::Null | Field::Absent => Ok(None),
        }
    }

    pub(crate) fn time(&mut self, key: &str) -> Result<Field<DateTime<Utc>>, Error> {
        Ok(match self.string(key)? {
            Field::Set(text) => Field::Set(parse_time(key, &text)?),
            Field::Null => Field::Null,
            Field::Absent => Field::Absent,
        })
    }

    /// An error when `key` is present and `null` (for fields where `null` means nothing).
    pub(crate) fn refuse_null(&self, key: &str, expected: &str) -> Result<(), Error> {
        match self.map.get(key) {
            Some(Value::Null) => Err(Error::bad(format!(
                "{key}: expected {expected}, found null"
            ))),
            _ => Ok(()),
        }
    }

    /// Rejects the fields nobody read.
    pub(crate) fn finish(self) -> Result<(), Error> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => {
                let shown: String = key.chars().take(40).collect();
                Err(Error::bad(format!(
                    "{shown}: unknown field; {}",
                    expected_only(self.allowed, "no body (or an empty JSON object)")
                )))
            }
        }
    }
}

impl<T> Field<T> {
    pub(crate) fn into_option(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            Field::Null | Field::Absent => None,
        }
    }
}

/// An RFC 3339 time, named in the message when it is not one.
pub(crate) fn parse_time(key: &str, text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            let shown: String = text.chars().take(60).collect();
            Error::bad(format!(
                "{key}: expected an RFC 3339 date-time such as \"2026-11-27T12:00:00Z\", found {shown:?} ({e})"
            ))
        })
}

fn expected(key: &str, what: &str, found: &Value) -> Error {
    Error::bad(format!("{key}: expected {what}, found {}", kind(found)))
}

pub(crate) fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => {
            let shown: String = s.chars().take(40).collect();
            format!("a string ({shown:?})")
        }
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A query string as `(name, value)` pairs, with unknown names rejected.
pub(crate) fn query_pairs(
    query: Option<&str>,
    allowed: &'static [&'static str],
) -> Result<Vec<(String, String)>, Error> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Some((key, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        let shown: String = key.chars().take(40).collect();
        return Err(Error::bad(format!(
            "{shown}: unknown query parameter; {}",
            expected_only(allowed, "no query parameters")
        )));
    }
    Ok(pairs)
}

/// "expected only a, b" or, when nothing is allowed, "expected `nothing`".
fn expected_only(allowed: &[&str], nothing: &str) -> String {
    if allowed.is_empty() {
        format!("expected {nothing}")
    } else {
        format!("expected only {}", allowed.join(", "))
    }
}

/// A whole number from a query string, within bounds.
pub(crate) fn query_number(key: &str, value: &str, max: u64) -> Result<u64, Error> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| {
            let shown: String = value.chars().take(40).collect();
            Error::bad(format!(
                "{key}: expected a whole number from 0 to {max}, found {shown:?}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::{Input, parse_time, query_number, query_pairs};

    #[test]
    fn messages_name_the_field() {
        let mut input = Input::parse(br#"{"label": 42, "x": 1}"#, &["label"]).unwrap();
        let err = input.string("label").err().unwrap().to_string();
        assert_eq!(err, "label: expected a string, found a number (42)");
        let err = input.finish().unwrap_err().to_string();
        assert_eq!(err, "x: unknown field; expected only label");
        let err = Input::parse(b"[1]", &[]).err().unwrap().to_string();
        assert_eq!(err, "expected a JSON object, found an array");
        assert!(Input::parse(b"  ", &[]).is_ok());
        let input = Input::parse(br#"{"now": null, "advance_ms": 5}"#, &[]).unwrap();
        let err = input.refuse_null("now", "a time").unwrap_err().to_string();
        assert_eq!(err, "now: expected a time, found null");
        assert!(input.refuse_null("advance_ms", "a number").is_ok());
        assert!(input.refuse_null("absent", "a number").is_ok());
        let err = parse_time("now", "yesterday").unwrap_err().to_string();
        assert!(
            err.starts_with("now: expected an RFC 3339 date-time"),
            "{err}"
        );
    }

    #[test]
    fn query_strings() {
        let pairs = query_pairs(Some("token=a%2Bb&min=2"), &["token", "min"]).unwrap();
        assert_eq!(pairs[0], ("token".to_owned(), "a+b".to_owned()));
        assert!(query_pairs(Some("tokn=a"), &["token"]).is_err());
        assert_eq!(query_number("min", "7", 10).unwrap(), 7);
        assert!(query_number("min", "-1", 10).is_err());
        assert!(query_number("min", "11", 10).is_err());
    }
}
