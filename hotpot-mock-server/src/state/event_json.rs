//! An event's §7 JSON for `GET /_mock/stream`, written from the stored record without making
//! the public [`Event`](crate::Event) first: the fields are serialised from borrowed views,
//! and the payload's bytes, kept as received and valid JSON, are spliced in as they are
//! (never parsed back into a value). The same fields as [`StoredEvent::to_event`] gives,
//! with `payload` written last.

use std::borrow::Cow;
use std::fmt::Display;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use hotpot_protocol::Problem;
use serde::{Serialize, Serializer};
use uuid::Uuid;

use super::record::{StoredBody, StoredEvent};
use crate::model::{EventStatus, ser_time};

/// Every field of the event but `payload`.
#[derive(Serialize)]
struct View<'a> {
    #[serde(serialize_with = "number_text")]
    id: u64,
    #[serde(serialize_with = "opt_uuid")]
    request_id: Option<Uuid>,
    webhook_label: &'a str,
    token_hint: &'a str,
    integration: Option<&'a str>,
    #[serde(serialize_with = "ser_time")]
    received_at: DateTime<Utc>,
    status: EventStatus,
    errors: &'a [Problem],
    warnings: &'a [Problem],
    raw_body: Option<Cow<'a, str>>,
    #[serde(serialize_with = "opt_uuid")]
    moment_id: Option<Uuid>,
    headers: Headers<'a>,
    #[serde(serialize_with = "opt_text")]
    client_addr: Option<IpAddr>,
}

#[derive(Serialize)]
struct Headers<'a> {
    user_agent: Option<&'a str>,
    idempotency_key: Option<&'a str>,
    content_type: Option<&'a str>,
}

/// A number as a JSON string, written without a formatter.
fn number_text<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = *value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    s.serialize_str(std::str::from_utf8(&digits[start..]).unwrap_or_default())
}

/// A UUID in its hyphenated lower-case form, written without a formatter.
fn opt_uuid<S: Serializer>(value: &Option<Uuid>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(id) => s.serialize_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer())),
        None => s.serialize_none(),
    }
}

fn opt_text<S: Serializer, T: Display>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => s.collect_str(value),
        None => s.serialize_none(),
    }
}

impl StoredEvent {
    /// The JSON [`write_json`](Self::write_json) writes, as a string.
    #[cfg(test)]
    pub(super) fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// How long the kept body is, in bytes.
    pub(super) fn body_len(&self) -> usize {
        match &self.body {
            StoredBody::None => 0,
            StoredBody::Json(bytes) | StoredBody::Raw(bytes) => bytes.len(),
        }
    }

    /// Appends the public record's JSON (spec §7), as `serde_json::to_string(&self.to_event())` gives
    /// it up to the order of the fields and the payload's own spacing and key order.
    pub(super) fn write_json(&self, out: &mut Vec<u8>) {
        let payload = match &self.body {
            StoredBody::Json(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => Some(text),
                // Not expected (it parsed as JSON), but never spliced unchecked.
                Err(_) => {
                    let _ = serde_json::to_writer(out, &self.to_event());
                    return;
                }
            },
            _ => None,
        };
        let origin = &self.origin;
        let view = View {
            id: self.seq,
            request_id: self.request_id,
            webhook_label: &self.hook.label,
            token_hint: &self.hook.hint,
            integration: self.integration.as_deref(),
            received_at: self.received_at,
            status: self.status,
            errors: &self.errors,
            warnings: &self.warnings,
            raw_body: match &self.body {
                StoredBody::Raw(bytes) => Some(String::from_utf8_lossy(bytes)),
                _ => None,
            },
            moment_id: self.moment_id,
            headers: Headers {
                user_agent: origin.user_agent.as_deref(),
                idempotency_key: origin.idempotency_key.as_deref(),
                content_type: origin.content_type.as_ref().map(|c| c.as_str()),
            },
            client_addr: origin.client,
        };
        let payload = payload.unwrap_or("null");
        let start = out.len();
        if serde_json::to_writer(&mut *out, &view).is_err() {
            out.truncate(start);
            return;
        }
        // `{...}` becomes `{...,"payload":<the body>}`.
        out.pop();
        out.extend_from_slice(b",\"payload\":");
        out.extend_from_slice(payload.as_bytes());
        out.push(b'}');
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use bytes::Bytes;
    use chrono::Utc;
    use hotpot_protocol::Problem;
    use serde_json::Value;
    use uuid::Uuid;

    use super::super::record::{Origin, StoredBody, StoredEvent};
    use super::super::webhooks::Ident;
    use crate::model::EventStatus;

    /// An event with every field set, and `body`.
    pub(in crate::state) fn event(body: StoredBody) -> StoredEvent {
        StoredEvent {
            seq: 42,
            request_id: Some(Uuid::new_v4()),
            hook: Arc::new(Ident {
                id: 1,
                token: "secret-token".into(),
                label: "ci \"main\"".into(),
                hint: "secr…".into(),
            }),
            integration: Some("github".into()),
            received_at: Utc::now(),
            status: EventStatus::Error,
            errors: vec![Problem::new("name", "is required")],
            warnings: Vec::new(),
            body,
            moment_id: Some(Uuid::new_v4()),
            origin: Box::new(Origin {
                user_agent: Some("curl/8 \u{1F600}".into()),
                idempotency_key: Some("k-1".into()),
                content_type: Some(super::super::journal::ContentType::Json),
                client: Some("::1".parse().unwrap()),
            }),
        }
    }

    #[test]
    fn the_json_is_the_public_records() {
        let bodies = [
            StoredBody::Json(Bytes::from_static(
                b"{\"b\": 1,\n \"a\": [true, \"\\u00e9\"]}",
            )),
            StoredBody::Raw(Bytes::from_static(b"not json \xff")),
            StoredBody::None,
        ];
        for (body, seq) in bodies.into_iter().zip([0, 42, u64::MAX]) {
            let mut stored = event(body);
            stored.seq = seq;
            let ours: Value = serde_json::from_str(&stored.to_json()).unwrap();
            let public = serde_json::to_value(stored.to_event()).unwrap();
            assert_eq!(ours, public);
        }
    }
}
