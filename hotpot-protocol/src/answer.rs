//! What an HTTP answer means to a client (spec §5): which answers are retried, which mean the
//! payload or the webhook is wrong, and how much of an error body is kept.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use crate::WebhookUrl;

/// Which endpoint answered: 401, 403 and 404 mean different things on each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST` to a webhook URL (spec §3).
    Ingest,
    /// `GET /request/{id}/status` (spec §4) and `GET /request/{id}/acknowledgements` (§14).
    Status,
    /// `POST /page/person` or `POST /page/team` (spec §14): 401 and 403 mean the API key was
    /// refused; any other 4xx that is not 408 or 429 means the page was refused.
    Page,
}

/// The meaning of an answer's status code (spec §5).
///
/// ```
/// use hotpot_protocol::{Answer, Endpoint, classify, is_retryable_status};
///
/// assert_eq!(classify(Endpoint::Ingest, 202), Answer::Accepted);
/// assert_eq!(classify(Endpoint::Ingest, 404), Answer::Webhook);
/// assert_eq!(classify(Endpoint::Status, 404), Answer::UnknownRequest);
/// assert!(is_retryable_status(503));
/// assert!(!is_retryable_status(422));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Any 2xx: accepted (queued).
    Accepted,
    /// 400, 413, 415, 422 and any other 4xx not listed here: the payload was refused.
    Rejected,
    /// 401, 403, 404 or 410 from a webhook: it is unknown, revoked or expired.
    Webhook,
    /// 401 or 403 from the API: the API key was refused.
    Unauthorized,
    /// 404 from the request-status endpoint: the request id is unknown.
    UnknownRequest,
    /// 429: rate limited.
    RateLimited,
    /// 408 or any 5xx: server trouble.
    Server,
    /// A status the specification gives no meaning (1xx, 3xx).
    Unexpected,
}

/// Whether an answer with this status is worth another attempt (spec §5): 429, 408, 500, 502,
/// 503 and 504. Other 5xx (501 Not Implemented, ...) are server trouble that a retry does not
/// mend.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 408 | 500 | 502 | 503 | 504)
}

/// The meaning of `status` from `endpoint` (spec §5).
pub fn classify(endpoint: Endpoint, status: u16) -> Answer {
    match (status, endpoint) {
        (200..=299, _) => Answer::Accepted,
        (429, _) => Answer::RateLimited,
        (408 | 500..=599, _) => Answer::Server,
        (401 | 403 | 404 | 410, Endpoint::Ingest) => Answer::Webhook,
        (401 | 403, Endpoint::Status | Endpoint::Page) => Answer::Unauthorized,
        (404, Endpoint::Status) => Answer::UnknownRequest,
        (400..=499, _) => Answer::Rejected,
        _ => Answer::Unexpected,
    }
}

/// At most this many characters of an error body are kept (spec §5).
pub const ERROR_BODY_CHARS: usize = 512;

/// An error body as a client keeps it (spec §5): UTF-8 (lossy), the token redacted, trimmed,
/// cut to [`ERROR_BODY_CHARS`] characters with `…` where cut.
///
/// Redacted before it is cut, so that a token straddling the cut cannot leave a piece of
/// itself behind; `truncated` says the read stopped before the body's end, where a piece of
/// the token could end the text, so a token's length of text is dropped from that end.
pub fn error_body(bytes: &[u8], truncated: bool, url: &WebhookUrl) -> String {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    if truncated {
        let keep = text.chars().count().saturating_sub(url.secret_len());
        text = text.chars().take(keep).collect();
    }
    cut(&url.redact(&text), truncated)
}

/// [`error_body`] for any secret (the API key of spec §14): every occurrence of `secret` is
/// redacted before the body is cut.
///
/// ```
/// let body = br#"{"error": "Unauthorized", "key": "hp_live_0123456789"}"#;
/// let kept = hotpot_protocol::error_body_redacting(body, false, "hp_live_0123456789");
/// assert_eq!(kept, r#"{"error": "Unauthorized", "key": "hp_l…"}"#);
/// ```
pub fn error_body_redacting(bytes: &[u8], truncated: bool, secret: &str) -> String {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    if truncated {
        let keep = text.chars().count().saturating_sub(secret.chars().count());
        text = text.chars().take(keep).collect();
    }
    cut(&crate::redact_secret_in(&text, secret), truncated)
}

/// A redacted body trimmed and cut to [`ERROR_BODY_CHARS`], with `…` where cut.
fn cut(text: &str, truncated: bool) -> String {
    let text = text.trim();
    match text.char_indices().nth(ERROR_BODY_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None if truncated => format!("{text}…"),
        None => text.to_owned(),
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110), relative to `now`.
/// A date in the past means "now" (zero); anything else is `None`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use hotpot_protocol::parse_retry_after;
///
/// let now = SystemTime::now();
/// assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
/// let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
/// let wait = parse_retry_after(&later, now).unwrap();
/// assert!(wait > Duration::from_secs(88) && wait <= Duration::from_secs(90));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long digit strings saturate rather than fail.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `Sunset` response header (RFC 8594): when the webhook answering stops working (spec §6).
pub const SUNSET: &str = "sunset";

/// Parses a `Sunset` value (RFC 8594): an HTTP date (RFC 9110: the IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT`, or the obsolete RFC 850 and asctime forms); `None` for
/// anything else.
///
/// ```
/// use hotpot_protocol::{format_sunset, parse_sunset};
///
/// let at = parse_sunset("Tue, 31 Mar 2026 12:00:00 GMT").unwrap();
/// assert_eq!(at.to_rfc3339(), "2026-03-31T12:00:00+00:00");
/// assert_eq!(format_sunset(at), "Tue, 31 Mar 2026 12:00:00 GMT");
/// assert_eq!(parse_sunset("next week"), None);
/// ```
pub fn parse_sunset(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(at) = httpdate::parse_http_date(value) {
        return Some(DateTime::<Utc>::from(at));
    }
    // Dates before 1970, which `httpdate` does not represent, in the IMF-fixdate form.
    DateTime::parse_from_rfc2822(value)
        .ok()
        .filter(|_| value.ends_with(" GMT"))
        .map(|at| at.with_timezone(&Utc))
}

/// `at` as a `Sunset` value: an IMF-fixdate (RFC 9110), `Tue, 31 Mar 2026 12:00:00 GMT`, to
/// the second (fractions are dropped). Any year from 0000 to 9999 is written with four digits.
pub fn format_sunset(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "abcdefghij0123456789";

    fn url() -> WebhookUrl {
        WebhookUrl::parse(&format!("https://h.example/moment/{TOKEN}")).unwrap()
    }

    #[test]
    fn every_status_has_one_meaning() {
        use Answer::*;
        let ingest = |s| classify(Endpoint::Ingest, s);
        let status = |s| classify(Endpoint::Status, s);
        for s in [200, 202, 204, 299] {
            assert_eq!(ingest(s), Accepted);
        }
        for s in [400, 413, 415, 422, 418] {
            assert_eq!(ingest(s), Rejected, "{s}");
        }
        for s in [401, 403, 404, 410] {
            assert_eq!(ingest(s), Webhook, "{s}");
        }
        assert_eq!(status(401), Unauthorized);
        assert_eq!(status(403), Unauthorized);
        assert_eq!(status(404), UnknownRequest);
        assert_eq!(status(410), Rejected);
        for s in [408, 500, 501, 502, 503, 504, 599] {
            assert_eq!(ingest(s), Server, "{s}");
        }
        assert_eq!(ingest(429), RateLimited);
        assert_eq!(ingest(302), Unexpected);
        assert_eq!(ingest(100), Unexpected);
        let retried: Vec<u16> = (100..600).filter(|s| is_retryable_status(*s)).collect();
        assert_eq!(retried, [408, 429, 500, 502, 503, 504]);
    }

    #[test]
    fn short_bodies_are_kept_trimmed() {
        assert_eq!(
            error_body(b"  {\"error\": \"x\"}\n", false, &url()),
            "{\"error\": \"x\"}"
        );
        assert_eq!(error_body(b"", false, &url()), "");
        assert_eq!(error_body(b"\xff ok", false, &url()), "\u{fffd} ok");
    }

    #[test]
    fn a_token_cut_by_the_read_limit_leaves_nothing_behind() {
        // 8 spaces of padding, then the read stopped 10 characters into the token.
        let read = format!("{}{}", " ".repeat(8), &TOKEN[..10]);
        let kept = error_body(read.as_bytes(), true, &url());
        assert!(!kept.contains(&TOKEN[..5]), "{kept}");
        assert_eq!(kept, "…");
        // Untruncated text is not shortened.
        assert_eq!(error_body(b"short", false, &url()), "short");
    }

    #[test]
    fn whole_tokens_are_redacted_before_the_cut() {
        let body = format!("{}{TOKEN}", "a".repeat(510));
        let kept = error_body(body.as_bytes(), false, &url());
        assert_eq!(kept, format!("{}ab…", "a".repeat(510)));
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn sunset_dates_round_trip_in_every_http_date_form() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(1994, 11, 6, 8, 49, 37).unwrap();
        assert_eq!(format_sunset(at), "Sun, 06 Nov 1994 08:49:37 GMT");
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            " Sun, 06 Nov 1994 08:49:37 GMT ",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_sunset(form), Some(at), "{form:?}");
        }
        let early = Utc.with_ymd_and_hms(1, 2, 3, 4, 5, 6).unwrap();
        assert_eq!(format_sunset(early), "Sat, 03 Feb 0001 04:05:06 GMT");
        assert_eq!(parse_sunset(&format_sunset(early)), Some(early));
        let late = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(parse_sunset(&format_sunset(late)), Some(late));
        let fraction = at + chrono::Duration::milliseconds(250);
        assert_eq!(format_sunset(fraction), format_sunset(at));
        for bad in [
            "",
            "soon",
            "2026-03-31T12:00:00Z",
            "Sun, 06 Nov 1994 08:49:37 +0200",
        ] {
            assert_eq!(parse_sunset(bad), None, "{bad:?}");
        }
    }
}
