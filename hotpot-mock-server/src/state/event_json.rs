//! An event's §7 JSON for `GET /_mock/stream`, written from the stored record without making
//! the public [`Event`](crate::Event) first: the fields are written one by one (strings that
//! need no escape copied as they are, the rest through serde_json), and the payload's bytes,
//! kept as received and valid JSON, are spliced in as they are (never parsed back into a
//! value). The same fields as [`StoredEvent::to_event`] gives, with `payload` written last;
//! a test holds the two to the same JSON.

use std::io::Write as _;

use hotpot_protocol::Problem;
use hotpot_protocol::moment::rules::format_time;
use uuid::Uuid;

use super::record::{StoredBody, StoredEvent};

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

    /// Appends the public record's JSON (spec §7), as `serde_json::to_string(&self.to_event())`
    /// gives it up to the order of the fields and the payload's own spacing and key order.
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
        out.extend_from_slice(b"{\"id\":\"");
        push_number(out, self.seq);
        out.extend_from_slice(b"\",\"request_id\":");
        push_uuid(out, self.request_id);
        out.extend_from_slice(b",\"webhook_label\":");
        push_str(out, &self.hook.label);
        out.extend_from_slice(b",\"token_hint\":");
        push_str(out, &self.hook.hint);
        out.extend_from_slice(b",\"integration\":");
        push_opt_str(out, self.integration.as_deref());
        out.extend_from_slice(b",\"received_at\":");
        push_str(out, &format_time(self.received_at));
        out.extend_from_slice(b",\"status\":\"");
        out.extend_from_slice(self.status.as_str().as_bytes());
        out.extend_from_slice(b"\",\"errors\":");
        push_problems(out, &self.errors);
        out.extend_from_slice(b",\"warnings\":");
        push_problems(out, &self.warnings);
        out.extend_from_slice(b",\"raw_body\":");
        match &self.body {
            StoredBody::Raw(bytes) => push_str(out, &String::from_utf8_lossy(bytes)),
            _ => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"moment_id\":");
        push_uuid(out, self.moment_id);
        out.extend_from_slice(b",\"headers\":{\"user_agent\":");
        push_opt_str(out, origin.user_agent.as_deref());
        out.extend_from_slice(b",\"idempotency_key\":");
        push_opt_str(out, origin.idempotency_key.as_deref());
        out.extend_from_slice(b",\"content_type\":");
        push_opt_str(out, origin.content_type.as_ref().map(|c| c.as_str()));
        out.extend_from_slice(b"},\"client_addr\":");
        match origin.client {
            // An address's text has nothing to escape.
            Some(ip) => {
                let _ = write!(out, "\"{ip}\"");
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"payload\":");
        out.extend_from_slice(payload.unwrap_or("null").as_bytes());
        out.push(b'}');
    }
}

/// A JSON string: copied as it is when nothing in it needs an escape (the usual case), else
/// written by serde_json.
fn push_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(out, s);
    }
}

fn push_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => push_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// A number's decimal digits, written without a formatter.
fn push_number(out: &mut Vec<u8>, value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// A UUID in its hyphenated lower-case form as a JSON string, or `null`.
fn push_uuid(out: &mut Vec<u8>, id: Option<Uuid>) {
    match id {
        Some(id) => {
            out.push(b'"');
            let mut buffer = Uuid::encode_buffer();
            out.extend_from_slice(id.hyphenated().encode_lower(&mut buffer).as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

/// `[]`, or the problems as serde_json writes them.
fn push_problems(out: &mut Vec<u8>, problems: &[Problem]) {
    if problems.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        let _ = serde_json::to_writer(out, problems);
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
            origin: Arc::new(Origin {
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
            if seq == 0 {
                // Strings that need escapes: a control character, a backslash.
                let origin = Arc::make_mut(&mut stored.origin);
                origin.user_agent = Some("tab\there \\ and \u{7f}".into());
                origin.client = None;
                stored.request_id = None;
            }
            let ours: Value = serde_json::from_str(&stored.to_json()).unwrap();
            let public = serde_json::to_value(stored.to_event()).unwrap();
            assert_eq!(ours, public);
        }
    }
}
