//! `parse_retry_after` on any text, on delay-seconds and on HTTP dates around "now".

use std::time::{Duration, SystemTime};

use arbitrary::{Arbitrary, Unstructured};
use hotpot_protocol::parse_retry_after;

/// Target `retry_after`.
pub fn retry_after(data: &[u8]) {
    let Ok(input) = RetryInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    // Any instant from 2000 to 2136, to the nanosecond.
    let now = SystemTime::UNIX_EPOCH
        + Duration::new(
            946_684_800 + u64::from(input.now_secs),
            input.now_nanos % 1_000_000_000,
        );
    match &input.text {
        RetryText::Raw(text) => {
            let got = parse_retry_after(text, now);
            let trimmed = text.trim();
            if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
                let secs = trimmed.parse::<u64>().unwrap_or(u64::MAX);
                assert_eq!(got, Some(Duration::from_secs(secs)), "{text:?}");
            } else if let Ok(date) = httpdate::parse_http_date(trimmed) {
                let wait = date.duration_since(now).unwrap_or(Duration::ZERO);
                assert_eq!(got, Some(wait), "{text:?}");
            } else {
                assert_eq!(got, None, "{text:?}");
            }
        }
        RetryText::Seconds { value, pad } => {
            let spaces = " ".repeat(usize::from(*pad % 4));
            let text = format!("{spaces}{value}{spaces}");
            assert_eq!(
                parse_retry_after(&text, now),
                Some(Duration::from_secs(*value))
            );
        }
        RetryText::Digits(digits) => {
            let text: String = digits.iter().map(|d| char::from(b'0' + d % 10)).collect();
            let got = parse_retry_after(&text, now);
            if text.is_empty() {
                assert_eq!(got, None);
            } else {
                let secs = text.parse::<u64>().unwrap_or(u64::MAX);
                assert_eq!(got, Some(Duration::from_secs(secs)), "{text}");
            }
        }
        RetryText::Date { shift } => {
            let whole = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs();
            let date = SystemTime::UNIX_EPOCH
                + Duration::from_secs(whole.saturating_add_signed(i64::from(*shift)));
            let text = httpdate::fmt_http_date(date);
            let wait = date.duration_since(now).unwrap_or(Duration::ZERO);
            assert_eq!(parse_retry_after(&text, now), Some(wait), "{text}");
            if *shift > 0 {
                assert!(wait <= Duration::from_secs(u64::from(shift.unsigned_abs())));
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct RetryInput {
    text: RetryText,
    now_secs: u32,
    now_nanos: u32,
}

#[derive(Arbitrary, Debug)]
enum RetryText {
    Raw(String),
    Seconds {
        value: u64,
        pad: u8,
    },
    Digits(Vec<u8>),
    /// An HTTP date `shift` seconds from now (whole seconds).
    Date {
        shift: i32,
    },
}
