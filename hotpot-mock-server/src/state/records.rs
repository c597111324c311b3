//! The stored records turned into the public ones: [`Event`], [`RecordedMoment`], and the
//! clock's JSON.

use super::*;

impl From<StoredEvent> for Event {
    fn from(e: StoredEvent) -> Self {
        let (payload, raw_body) = match &e.body {
            StoredBody::None => (None, None),
            StoredBody::Json(bytes) => (serde_json::from_slice(bytes).ok(), None),
            StoredBody::Raw(bytes) => (None, Some(String::from_utf8_lossy(bytes).into_owned())),
        };
        Event {
            id: e.seq.to_string(),
            request_id: e.request_id.map(|id| id.to_string()),
            webhook_label: e.hook.label.to_string(),
            token_hint: e.hook.hint.to_string(),
            integration: e.integration.as_deref().map(str::to_owned),
            received_at: e.received_at,
            status: e.status,
            errors: e.errors,
            warnings: e.warnings,
            payload,
            raw_body,
            moment_id: e.moment_id.map(|id| id.to_string()),
        }
    }
}

/// Builds the public moment from its stored payload, parsed again with its creation time as
/// "now" (which is how it was parsed when it was created, so it cannot fail).
pub(super) fn recorded_moment(m: StoredMoment) -> Option<RecordedMoment> {
    let value: serde_json::Value = serde_json::from_slice(&m.payload).ok()?;
    let moment = match parse_lenient(&value, m.created_at).moment {
        Ok(moment) => moment,
        Err(err) => {
            tracing::warn!(moment = %m.id, error = %err, "a stored moment no longer parses");
            return None;
        }
    };
    let moment = &moment;
    {
        Some(RecordedMoment {
            id: m.id.to_string(),
            request_id: m.request_id.to_string(),
            name: moment.name().to_owned(),
            moment_type: moment.moment_type(),
            priority: moment.priority().unwrap_or(Priority::Medium),
            source: moment.source().map(str::to_owned),
            source_url: moment.source_url().map(str::to_owned),
            description: moment.description().map(str::to_owned),
            occurred_at: moment.occurred_at().unwrap_or(m.created_at),
            created_at: m.created_at,
            webhook_label: m.hook.label.to_string(),
            integration: m.integration.as_deref().map(str::to_owned),
        })
    }
}

/// RFC 3339 for the admin API's clock answers.
pub(crate) fn clock_json(now: DateTime<Utc>, frozen: bool) -> serde_json::Value {
    serde_json::json!({"now": format_time(now), "frozen": frozen})
}
