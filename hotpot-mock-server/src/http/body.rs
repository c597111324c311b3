//! Reading an ingest request's body: the 1 MiB cap (draining an oversized body so the client
//! sees the 413), the `Content-Type` check, and the forms an event keeps a rejected body in.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use bytes::{Bytes, BytesMut};
use hotpot_protocol::Problem;
use http_body_util::BodyExt;

use crate::state::StoredBody;

pub use hotpot_protocol::MAX_BODY_BYTES;

/// Longest `raw_body` an event keeps: 64 KiB.
pub const RAW_BODY_MAX_BYTES: usize = 64 * 1024;

/// How much of an oversized body is read (and thrown away) before answering 413, so that the
/// client finishes writing and sees the answer instead of a reset connection.
const DRAIN_MAX_BYTES: usize = 16 * 1024 * 1024;

/// The declared `Content-Length`, if it is a number.
pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// `None` when the Content-Type is absent or JSON (`application/json`, `*/*+json`, with any
/// parameters); else the problem.
pub(crate) fn content_type_problem(headers: &HeaderMap) -> Option<Problem> {
    let value = headers.get(header::CONTENT_TYPE)?;
    let is_json = value.to_str().ok().is_some_and(|text| {
        let essence = text.split(';').next().unwrap_or("").trim();
        let Some((kind, subtype)) = essence.split_once('/') else {
            return false;
        };
        // Compared without a lower-case copy: this runs on every ingest request.
        let suffix = subtype
            .len()
            .checked_sub(5)
            .and_then(|at| subtype.get(at..));
        (kind.eq_ignore_ascii_case("application") && subtype.eq_ignore_ascii_case("json"))
            || (!kind.is_empty()
                && subtype.len() > 5
                && suffix.is_some_and(|s| s.eq_ignore_ascii_case("+json")))
    });
    if is_json {
        return None;
    }
    let shown = String::from_utf8_lossy(value.as_bytes());
    let shown: String = shown.chars().take(100).collect();
    Some(Problem::new(
        "Content-Type",
        format!("expected application/json or a type ending in +json, found {shown:?}"),
    ))
}

pub(crate) enum BodyError {
    TooLarge(usize),
    Broken(String),
}

/// Reads the body, keeping a single chunk as it is; stops past [`MAX_BODY_BYTES`] (after
/// draining what the client still sends, up to a bound).
pub(crate) async fn read_body(mut body: Body) -> Result<Bytes, BodyError> {
    let mut first: Option<Bytes> = None;
    let mut more: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Broken(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        total += data.len();
        if total > MAX_BODY_BYTES {
            drain(body).await;
            return Err(BodyError::TooLarge(MAX_BODY_BYTES));
        }
        match (&mut first, &mut more) {
            (None, None) => first = Some(data),
            (Some(_), None) => {
                let mut buf = BytesMut::with_capacity(total.max(1024));
                if let Some(prev) = first.take() {
                    buf.extend_from_slice(&prev);
                }
                buf.extend_from_slice(&data);
                more = Some(buf);
            }
            (_, Some(buf)) => buf.extend_from_slice(&data),
        }
    }
    Ok(match (first, more) {
        (_, Some(buf)) => buf.freeze(),
        (Some(one), None) => one,
        (None, None) => Bytes::new(),
    })
}

/// Reads and throws away up to [`DRAIN_MAX_BYTES`] more of the body.
pub(crate) async fn drain(mut body: Body) {
    let mut read = 0usize;
    while read < DRAIN_MAX_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
            _ => return,
        }
    }
}

/// How an event keeps a body: the JSON when it parses, else the text.
pub(crate) fn stored_body(bytes: Bytes) -> StoredBody {
    if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok() {
        StoredBody::Json(bytes)
    } else {
        raw(&bytes)
    }
}

/// Text that is not JSON, as an event keeps it: lossy UTF-8, cut at 64 KiB on a character
/// boundary.
pub(crate) fn raw(bytes: &[u8]) -> StoredBody {
    let text = String::from_utf8_lossy(bytes);
    let mut end = text.len().min(RAW_BODY_MAX_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    StoredBody::Raw(Bytes::copy_from_slice(&text.as_bytes()[..end]))
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::{RAW_BODY_MAX_BYTES, content_type_problem, raw};
    use crate::state::StoredBody;

    #[test]
    fn content_types() {
        let check = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            content_type_problem(&headers).is_none()
        };
        assert!(check("application/json"));
        assert!(check("Application/JSON; charset=utf-8"));
        assert!(check("application/vnd.hotpot+json"));
        assert!(check("text/x-moment+json;v=1"));
        assert!(check("application/VND.Hotpot+JSON"));
        assert!(!check("text/+json"));
        assert!(!check("text/plain"));
        assert!(!check("application/x-www-form-urlencoded"));
        assert!(!check("application/jsonx"));
        assert!(!check("+json"));
        assert!(content_type_problem(&HeaderMap::new()).is_none());
    }

    #[test]
    fn raw_bodies_are_cut_on_a_character_boundary() {
        let text = "é".repeat(RAW_BODY_MAX_BYTES);
        let StoredBody::Raw(cut) = raw(text.as_bytes()) else {
            panic!("expected a raw body");
        };
        assert_eq!(cut.len(), RAW_BODY_MAX_BYTES);
        assert!(std::str::from_utf8(&cut).is_ok());
        let StoredBody::Raw(cut) = raw(&[b'a', 0xff, b'b']) else {
            panic!("expected a raw body");
        };
        assert_eq!(&cut[..], "a\u{fffd}b".as_bytes());
    }
}
