//! [`Acknowledgement`]: a record of someone handling a page, as
//! `GET /request/{id}/acknowledgements` lists them.

use chrono::{DateTime, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::moment::lenient::describe;
use crate::moment::rules::{format_time, parse_occurred_at};

/// The one acknowledgement status Hotpot documents: the page was handled.
pub const ACK_HANDLED: &str = "handled";

/// Someone handled a page (spec §14): the wire record
/// `{"acknowledged_at", "acknowledged_by_email", "acknowledged_by", "status": "handled"}`.
///
/// The Rust and Python names are `acknowledged_at`, `email` (`acknowledged_by_email`),
/// `user_id` (`acknowledged_by`) and `status`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use hotpot_protocol::Acknowledgement;
///
/// let at = Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap();
/// let ack = Acknowledgement::new(at, "ana@example.com", "u-1");
/// let json = ack.to_json_value();
/// assert_eq!(json["acknowledged_by_email"], "ana@example.com");
/// assert_eq!(json["acknowledged_at"], "2026-12-06T03:00:00Z");
/// assert_eq!(Acknowledgement::from_json(&json), Ok(ack));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Acknowledgement {
    /// When it was acknowledged.
    pub acknowledged_at: DateTime<Utc>,
    /// Who acknowledged it: the user's e-mail address (`acknowledged_by_email` on the wire).
    pub email: String,
    /// The user's id (`acknowledged_by` on the wire; a number is kept as its decimal text).
    pub user_id: String,
    /// `handled` (the only status Hotpot documents).
    pub status: String,
}

impl Acknowledgement {
    /// A `handled` acknowledgement.
    pub fn new(
        acknowledged_at: DateTime<Utc>,
        email: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Self {
        Acknowledgement {
            acknowledged_at,
            email: email.into(),
            user_id: user_id.into(),
            status: ACK_HANDLED.to_owned(),
        }
    }

    /// Reads one wire record, leniently: `acknowledged_at` in any §1 time form,
    /// `acknowledged_by` a string or a number (absent: empty), `status` absent meaning
    /// `handled`. The error says which field was wrong and what was found.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let Some(object) = value.as_object() else {
            return Err(format!(
                "expected an acknowledgement object, found {}",
                describe(value)
            ));
        };
        let text = |field: &str| match object.get(field) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            None | Some(Value::Null) => Ok(None),
            Some(other) => Err(format!(
                "{field}: expected a string, found {}",
                describe(other)
            )),
        };
        let at = text("acknowledged_at")?
            .ok_or("acknowledged_at: expected a date-time, found nothing")?;
        let acknowledged_at =
            parse_occurred_at(&at).map_err(|e| format!("acknowledged_at: {e}"))?;
        let email = text("acknowledged_by_email")?
            .ok_or("acknowledged_by_email: expected an e-mail address, found nothing")?;
        let user_id = match object.get("acknowledged_by") {
            Some(Value::Number(n)) => n.to_string(),
            _ => text("acknowledged_by")?.unwrap_or_default(),
        };
        let status = text("status")?.unwrap_or_else(|| ACK_HANDLED.to_owned());
        Ok(Acknowledgement {
            acknowledged_at,
            email,
            user_id,
            status,
        })
    }

    /// The wire record as a [`serde_json::Value`].
    pub fn to_json_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl Serialize for Acknowledgement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("acknowledged_at", &format_time(self.acknowledged_at))?;
        map.serialize_entry("acknowledged_by_email", &self.email)?;
        map.serialize_entry("acknowledged_by", &self.user_id)?;
        map.serialize_entry("status", &self.status)?;
        map.end()
    }
}

/// Reads the body of `GET /request/{id}/acknowledgements`: `{"response": [record, ...]}`
/// (a bare list is taken too). The error names the record that could not be read.
///
/// ```
/// use hotpot_protocol::parse_acknowledgements;
/// use serde_json::json;
///
/// assert_eq!(parse_acknowledgements(&json!({"response": []})), Ok(vec![]));
/// let acks = parse_acknowledgements(&json!({"response": [{
///     "acknowledged_at": "2026-12-06T03:00:00Z", "acknowledged_by_email": "ana@example.com",
///     "acknowledged_by": 7, "status": "handled"}]})).unwrap();
/// assert_eq!(acks[0].user_id, "7");
/// assert!(parse_acknowledgements(&json!({"response": {}})).is_err());
/// ```
pub fn parse_acknowledgements(body: &Value) -> Result<Vec<Acknowledgement>, String> {
    let list = match body {
        Value::Object(o) => o.get("response").unwrap_or(&Value::Null),
        other => other,
    };
    let Value::Array(items) = list else {
        return Err(format!(
            "expected {{\"response\": [acknowledgement, ...]}}, found {}",
            describe(list)
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Acknowledgement::from_json(item).map_err(|e| format!("acknowledgement {}: {e}", i + 1))
        })
        .collect()
}
