//! `rules::parse_occurred_at` on any text, and on times spelt in the documented forms.

use arbitrary::{Arbitrary, Unstructured};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use hotpot_protocol::moment::rules;

use super::inputs::{TimeParts, Zone};

/// Target `occurred_at`.
pub fn occurred_at(data: &[u8]) {
    let Ok(input) = TimeInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    match input {
        TimeInput::Raw(text) => {
            check_text(&text);
        }
        TimeInput::Unclamped(parts) => {
            check_text(&parts.render());
        }
        TimeInput::Parts(parts) => {
            let parts = parts.clamped();
            let text = parts.render();
            let parsed = check_text(&text);
            if let Some(expected) = expected(&parts) {
                assert_eq!(parsed, expected, "{text}");
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
enum TimeInput {
    Raw(String),
    /// Parts with no range applied (years up to 65535, hours up to 255, ...).
    Unclamped(TimeParts),
    /// Parts near their ranges.
    Parts(TimeParts),
}

/// An accepted time formats back to text that parses to the same instant; a refused one gets
/// the documented message, bounded in length.
fn check_text(text: &str) -> Option<DateTime<Utc>> {
    match rules::parse_occurred_at(text) {
        Ok(t) => {
            let canonical = rules::format_time(t);
            assert!(canonical.ends_with('Z'), "{canonical}");
            assert_eq!(
                rules::parse_occurred_at(&canonical),
                Ok(t),
                "{text:?} was read as {canonical}"
            );
            Some(t)
        }
        Err(message) => {
            assert!(
                (message.starts_with("expected an ISO 8601 date-time")
                    || message.starts_with("expected a time from 0000-01-01T00:00:00Z"))
                    && message.contains("found"),
                "{message}"
            );
            assert!(message.len() <= 600, "a bounded message: {message}");
            None
        }
    }
}

/// What the parts name: `Some(Some(t))` for a valid time, `Some(None)` for one that must be
/// refused, `None` where this check does not decide (a leap second). `separator` 2 is `t`.
fn expected(p: &TimeParts) -> Option<Option<DateTime<Utc>>> {
    if p.second == 60 {
        return None;
    }
    // The zone-less forms are the specification's `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DDTHH:MM:SS`:
    // RFC 3339 allows a lower-case `t`, but a time without a zone is not RFC 3339.
    if matches!(p.zone, Zone::None) && p.separator % 3 == 2 {
        return Some(None);
    }
    let digits = u32::from(p.digits.min(9));
    let scale = 10u32.pow(9 - digits);
    let nanos = if p.digits == 0 {
        0
    } else {
        p.nanos / scale * scale
    };
    let date = NaiveDate::from_ymd_opt(i32::from(p.year), p.month.into(), p.day.into());
    let time = NaiveTime::from_hms_nano_opt(p.hour.into(), p.minute.into(), p.second.into(), nanos);
    let (Some(date), Some(time)) = (date, time) else {
        return Some(None);
    };
    let offset_seconds = match p.zone {
        Zone::None | Zone::Z | Zone::LowerZ => 0,
        Zone::Offset {
            east,
            hours,
            minutes,
        } => {
            if hours > 23 || minutes > 59 {
                return Some(None);
            }
            let seconds = i64::from(hours) * 3600 + i64::from(minutes) * 60;
            if east { seconds } else { -seconds }
        }
    };
    let utc = (NaiveDateTime::new(date, time) - TimeDelta::seconds(offset_seconds)).and_utc();
    // RFC 3339 writes years 0000 to 9999 only: an instant outside them cannot travel.
    Some((0..=9999).contains(&utc.year()).then_some(utc))
}
