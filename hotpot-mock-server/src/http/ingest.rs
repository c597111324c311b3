//! `POST /moment/{token}` and `POST /moment/{token}/{integration}` (contract §3): the hot path.
//!
//! One short look at the state ([`Shared::begin`]: faults, token, expiry, idempotency, rate
//! limit), then the body is read and parsed once outside the lock, then one short write
//! ([`Shared::finish`]) records the event and the moment.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use hotpot_client::moment::rules::format_time;
use hotpot_client::{Problem, parse_lenient};
use http_body_util::BodyExt;

use super::reply::{self, fixed, json_bytes};
use crate::document::Document;
use crate::state::{Answer, Outcome, Record, Shared, StoredBody, Ticket};

/// Largest accepted body: 1 MiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Longest `raw_body` an event keeps: 64 KiB.
pub const RAW_BODY_MAX_BYTES: usize = 64 * 1024;

/// Longest accepted `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// How much of an oversized body is read (and thrown away) before answering 413, so that the
/// client finishes writing and sees the answer instead of a reset connection.
const DRAIN_MAX_BYTES: usize = 16 * 1024 * 1024;

/// The `Idempotency-Key` header.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A marker in a response's extensions: close the connection instead of answering.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HangUp;

/// Handles both webhook routes.
pub(crate) async fn ingest(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some((token, integration)) = webhook_path(parts.uri.path()) else {
        return json_bytes(StatusCode::NOT_FOUND, reply::NOT_FOUND);
    };
    let key = idempotency_key(&parts.headers);
    let (delay, outcome) = shared.begin(token, integration, key.as_ref().ok().copied().flatten());
    let response = answer(&shared, outcome, key, &parts.headers, body).await;
    // A delay fault slows the answer down: the request is processed (and recorded) first,
    // so a client that gives up and retries meets the `Idempotency-Key` replay.
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

/// The answer to one request, after [`Shared::begin`] decided its outcome.
async fn answer(
    shared: &Arc<Shared>,
    outcome: Outcome,
    key: Result<Option<&str>, Problem>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    match outcome {
        Outcome::FaultStatus {
            status,
            retry_after,
        } => {
            let error = status.canonical_reason().unwrap_or("Injected Fault");
            let mut response = json_bytes(
                status,
                Bytes::from(
                    serde_json::to_vec(&serde_json::json!({"error": error})).unwrap_or_default(),
                ),
            );
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Outcome::Drop => {
            let mut response = Response::new(Body::empty());
            response.extensions_mut().insert(HangUp);
            response
        }
        Outcome::Unknown => json_bytes(StatusCode::NOT_FOUND, reply::NOT_FOUND),
        Outcome::Expired(at) => json_bytes(
            StatusCode::GONE,
            reply::message_body(
                "Gone",
                &format!(
                    "this webhook expired at {}; ask its owner for the new webhook URL",
                    format_time(at)
                ),
            ),
        ),
        Outcome::Replay(answer) => {
            let mut response = reply::answer(answer);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Outcome::Limited { retry_after } => {
            let mut response = json_bytes(StatusCode::TOO_MANY_REQUESTS, reply::TOO_MANY_REQUESTS);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            response
        }
        Outcome::Go(ticket) => {
            match key {
                Ok(_) => {}
                Err(problem) => {
                    let body = bad_request(&problem);
                    let answer = Answer::Other {
                        status: StatusCode::BAD_REQUEST,
                        body,
                    };
                    let record = Record::Rejected {
                        problem,
                        body: StoredBody::None,
                    };
                    return reply::answer(shared.finish(ticket, record, answer));
                }
            }
            let answer = process(shared, &ticket, headers, body).await;
            let (record, answer) = answer;
            reply::answer(shared.finish(ticket, record, answer))
        }
    }
}

/// Reads, checks and parses the body; returns what to record and what to answer.
async fn process(
    shared: &Shared,
    ticket: &Ticket,
    headers: &HeaderMap,
    body: Body,
) -> (Record, Answer) {
    let rejected = |status: StatusCode, answer_body: Bytes, problem: Problem, body: StoredBody| {
        (
            Record::Rejected { problem, body },
            Answer::Other {
                status,
                body: answer_body,
            },
        )
    };
    let too_large = |size: String| {
        let problem = Problem::new(
            "payload",
            format!("expected a body of at most {MAX_BODY_BYTES} bytes (1 MiB), found {size}"),
        );
        let answer = fixed(StatusCode::PAYLOAD_TOO_LARGE, reply::PAYLOAD_TOO_LARGE);
        (
            Record::Rejected {
                problem,
                body: StoredBody::None,
            },
            answer,
        )
    };

    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared.filter(|n| *n > MAX_BODY_BYTES as u64) {
        drain(body).await;
        return too_large(format!("{length} bytes"));
    }
    let media_type = content_type_problem(headers);
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge(read)) => return too_large(format!("more than {read} bytes")),
        Err(BodyError::Broken(e)) => {
            let problem = Problem::new("payload", format!("expected a complete body, found {e}"));
            let body = reply::message_body("Bad Request", &problem.message);
            return rejected(StatusCode::BAD_REQUEST, body, problem, StoredBody::None);
        }
    };
    if let Some(problem) = media_type {
        let body = stored_body(&bytes);
        let answer = Bytes::from_static(reply::UNSUPPORTED_MEDIA_TYPE);
        return rejected(StatusCode::UNSUPPORTED_MEDIA_TYPE, answer, problem, body);
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => {
            let problem = Problem::new(
                "payload",
                format!(
                    "expected UTF-8 JSON text, found a byte that is not UTF-8 at offset {}",
                    e.valid_up_to()
                ),
            );
            let body = bad_request(&problem);
            return rejected(StatusCode::BAD_REQUEST, body, problem, raw(&bytes));
        }
    };
    let document = match Document::parse(text) {
        Ok(document) => document,
        Err(e) => {
            let problem = Problem::new(
                "payload",
                format!("expected a JSON object, found text that is not JSON ({e})"),
            );
            let body = bad_request(&problem);
            return rejected(StatusCode::BAD_REQUEST, body, problem, raw(&bytes));
        }
    };
    // Copied into the log's arena when it is recorded.
    let payload = bytes.clone();
    let value = &document.value;
    let mut parsed = parse_lenient(value, ticket.now);
    parsed.warnings.extend(document.warnings());
    if !value.is_object() {
        // parse_lenient words the "not an object" problem; the payload is not processed further.
        let problems = parsed
            .moment
            .err()
            .map(|e| e.into_problems())
            .unwrap_or_default();
        let problem = problems
            .into_iter()
            .next()
            .unwrap_or_else(|| Problem::new("payload", "expected a JSON object"));
        let body = bad_request(&problem);
        return rejected(
            StatusCode::BAD_REQUEST,
            body,
            problem,
            StoredBody::Json(payload),
        );
    }
    let answer = match (&parsed.moment, shared.config.strict) {
        (Err(err), true) => Answer::Other {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: Bytes::from(
                serde_json::to_vec(&serde_json::json!({
                    "error": "Unprocessable Entity",
                    "details": err.problems(),
                }))
                .unwrap_or_default(),
            ),
        },
        // The request id is made when the event is recorded.
        _ => Answer::Queued(uuid::Uuid::nil()),
    };
    let record = Record::Processed { payload, parsed };
    (record, answer)
}

/// `{"error": "Bad Request", "message": "<field>: <message>"}`.
fn bad_request(problem: &Problem) -> Bytes {
    reply::message_body("Bad Request", &problem.to_string())
}

/// `/moment/{token}` or `/moment/{token}/{integration}` split into its parts.
fn webhook_path(path: &str) -> Option<(&str, Option<&str>)> {
    let rest = path.strip_prefix("/moment/")?;
    let (token, integration) = match rest.split_once('/') {
        Some((token, integration)) => (token, Some(integration)),
        None => (rest, None),
    };
    let slug = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if token.is_empty() || integration.is_some_and(|i| !slug(i)) {
        return None;
    }
    Some((token, integration))
}

/// The `Idempotency-Key`, if any, or the problem with it.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, Problem> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| {
        Problem::new(
            "Idempotency-Key",
            "expected visible ASCII characters, found other bytes",
        )
    })?;
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(Problem::new(
            "Idempotency-Key",
            format!("expected 1 to {MAX_IDEMPOTENCY_KEY_CHARS} characters, found {chars}"),
        ));
    }
    Ok(Some(text))
}

/// `None` when the Content-Type is absent or JSON (`application/json`, `*/*+json`, with any
/// parameters); else the problem.
fn content_type_problem(headers: &HeaderMap) -> Option<Problem> {
    let value = headers.get(header::CONTENT_TYPE)?;
    let is_json = value.to_str().ok().is_some_and(|text| {
        let essence = text.split(';').next().unwrap_or("").trim();
        let Some((kind, subtype)) = essence.split_once('/') else {
            return false;
        };
        let subtype = subtype.to_ascii_lowercase();
        (kind.eq_ignore_ascii_case("application") && subtype == "json")
            || (!kind.is_empty() && subtype.len() > 5 && subtype.ends_with("+json"))
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

enum BodyError {
    TooLarge(usize),
    Broken(String),
}

/// Reads the body, keeping a single chunk as it is; stops past [`MAX_BODY_BYTES`] (after
/// draining what the client still sends, up to a bound).
async fn read_body(mut body: Body) -> Result<Bytes, BodyError> {
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
async fn drain(mut body: Body) {
    let mut read = 0usize;
    while read < DRAIN_MAX_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
            _ => return,
        }
    }
}

/// How an event keeps a body: the JSON when it parses, else the text.
fn stored_body(bytes: &[u8]) -> StoredBody {
    if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        StoredBody::Json(Bytes::copy_from_slice(bytes))
    } else {
        raw(bytes)
    }
}

/// Text that is not JSON, as an event keeps it: lossy UTF-8, cut at 64 KiB on a character
/// boundary.
fn raw(bytes: &[u8]) -> StoredBody {
    let text = String::from_utf8_lossy(bytes);
    let mut end = text.len().min(RAW_BODY_MAX_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    StoredBody::Raw(Bytes::copy_from_slice(&text.as_bytes()[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(webhook_path("/moment/abc"), Some(("abc", None)));
        assert_eq!(
            webhook_path("/moment/abc/datadog"),
            Some(("abc", Some("datadog")))
        );
        assert_eq!(webhook_path("/moment/abc/Data_Dog"), None);
        assert_eq!(webhook_path("/moment/"), None);
        assert_eq!(webhook_path("/moment/abc/"), None);
    }

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
