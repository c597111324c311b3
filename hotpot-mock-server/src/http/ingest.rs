//! `POST /moment/{token}` and `POST /moment/{token}/{integration}` (spec §3): the hot path,
//! and the one place every answer of §3 and every rejection an event records are worded.
//!
//! 1. [`Shared::begin`] takes a short look at the state (faults, token, expiry, idempotency,
//!    rate limit) and says whether the request goes on.
//! 2. Without the lock, [`process`] reads the body and parses it once
//!    ([`payload::check`](crate::payload::check)).
//! 3. [`Shared::finish`] records the event (and the moment) and gives the answer to send.

use std::sync::Arc;

use axum::body::Body;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotpot_protocol::moment::rules::format_time;
use hotpot_protocol::{
    IDEMPOTENCY_KEY, MAX_TOKEN_CHARS, Problem, SUNSET, check_idempotency_key, check_integration,
    format_sunset, redact_token,
};

use super::body::{
    BodyError, MAX_BODY_BYTES, content_type_problem, declared_length, drain, raw, read_body,
    stored_body,
};
use super::reply::{self, fixed, json_bytes};
use crate::payload::Unreadable;
use crate::payload::check;
use crate::serve::Redacted;
use crate::state::{
    Admission, Answer, Begun, ContentType, Finished, Origin, Record, Refusal, RequestNote, Shared,
    StoredBody, Target, Ticket, header_text,
};

/// A marker in a response's extensions: close the connection instead of answering.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HangUp;

/// Handles both webhook routes, and notes every request in the journal.
pub(crate) async fn ingest(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some((token, integration)) = webhook_path(parts.uri.path()) else {
        let response = json_bytes(StatusCode::NOT_FOUND, reply::NOT_FOUND);
        let target = Target::other(None, Redacted(&parts.uri).to_string());
        let mut note = note(&parts.headers, shared.now(), target);
        note.status = response.status().as_u16();
        shared.note_request(note);
        let token = parts
            .uri
            .path()
            .strip_prefix("/moment/")
            .and_then(|rest| rest.split('/').next());
        let hint = Redacted(&parts.uri).to_string();
        super::rejected::keep(
            &shared,
            &parts,
            body,
            token.filter(|t| !t.is_empty()),
            hint,
            StatusCode::NOT_FOUND,
        )
        .await;
        return response;
    };
    let key = idempotency_key(&parts.headers);
    let origin = origin(&parts);
    let Begun {
        now,
        fault,
        hook,
        sunset,
        admission,
    } = shared.begin(token, integration, key.as_ref().ok().copied().flatten());
    let target = match hook {
        Some(hook) => Target::Hook {
            hook,
            integration: integration.map(Box::from),
        },
        None => Target::other(
            (token.len() <= MAX_TOKEN_CHARS).then(|| token.into()),
            path_hint(token, integration),
        ),
    };
    let mut note = note_of(&origin, now, target);
    let mut response = match admission {
        Admission::Go(mut ticket) => {
            ticket.origin = origin;
            let processed = match key {
                Ok(_) => process(&shared, &ticket, &parts.headers, body).await,
                Err(problem) => Ok(rejected(
                    StatusCode::BAD_REQUEST,
                    bad_request(&problem),
                    problem,
                )),
            };
            match processed {
                Ok((record, answer)) => finished(&mut note, shared.finish(ticket, record, answer)),
                // Nothing recorded, nothing remembered for the key: the request never arrived.
                Err(TimedOut) => timed_out(),
            }
        }
        Admission::Limited {
            mut ticket,
            per_second,
            retry_after,
        } => {
            ticket.origin = origin;
            let problem = Problem::new(
                "request",
                format!(
                    "rate limit exceeded: expected at most {per_second} requests per second \
                     to this webhook, answered 429 with Retry-After: {retry_after}"
                ),
            );
            let (record, answer) = rejected(
                StatusCode::TOO_MANY_REQUESTS,
                Bytes::from_static(reply::TOO_MANY_REQUESTS),
                problem,
            );
            let mut response = finished(&mut note, shared.finish(ticket, record, answer));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            response
        }
        Admission::Refused(refusal) => {
            if let Refusal::Replay(_, event) = &refusal {
                note.replayed = true;
                note.event = *event;
            }
            let rejected = matches!(refusal, Refusal::Unknown | Refusal::Expired(_));
            let response = refused(refusal);
            if rejected {
                let hint = path_hint(token, integration);
                super::rejected::keep(&shared, &parts, body, Some(token), hint, response.status())
                    .await;
            }
            response
        }
    };
    if let Some(at) = sunset {
        sunset_header(&mut response, at);
    }
    let delay = fault.as_ref().and_then(|f| f.delay);
    if response.extensions().get::<HangUp>().is_none() {
        note.status = response.status().as_u16();
    }
    note.fault = fault.map(Box::new);
    shared.note_request(note);
    // A delay fault slows the answer down: the request is processed (and recorded) first,
    // so a client that gives up and retries meets the `Idempotency-Key` replay.
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

/// `Sunset: <HTTP-date>` (RFC 8594) on every answer of a webhook that has an `expires_at`,
/// the 410s after it included (spec §6).
pub(crate) fn sunset_header(response: &mut Response, at: DateTime<Utc>) {
    if let Ok(value) = HeaderValue::from_str(&format_sunset(at)) {
        response.headers_mut().insert(SUNSET, value);
    }
}

/// The answer [`Shared::finish`] gave, noting its event (and whether it was a replay).
fn finished(note: &mut RequestNote, finished: Finished) -> Response {
    note.event = finished.event;
    note.replayed = finished.replayed;
    let mut response = reply::answer(finished.answer);
    if finished.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// A journal note with the request's headers; the answer is filled in later.
pub(crate) fn note(headers: &HeaderMap, received_at: DateTime<Utc>, target: Target) -> RequestNote {
    let text = |value: Option<&HeaderValue>| value.map(|v| header_text(v.as_bytes()));
    RequestNote {
        received_at,
        target,
        user_agent: text(headers.get(header::USER_AGENT)),
        idempotency_key: text(headers.get(IDEMPOTENCY_KEY)),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .map(|v| ContentType::of(v.as_bytes())),
        status: 0,
        fault: None,
        replayed: false,
        event: 0,
    }
}

/// A journal note with the headers an event keeps (shared with it); the answer is filled in
/// later.
fn note_of(origin: &Origin, received_at: DateTime<Utc>, target: Target) -> RequestNote {
    RequestNote {
        received_at,
        target,
        user_agent: origin.user_agent.clone(),
        idempotency_key: origin.idempotency_key.clone(),
        content_type: origin.content_type.clone(),
        status: 0,
        fault: None,
        replayed: false,
        event: 0,
    }
}

/// What an event keeps of its request: three headers and the client's IP address.
fn origin(parts: &axum::http::request::Parts) -> Origin {
    let text = |v: Option<&HeaderValue>| v.map(|v| header_text(v.as_bytes()));
    let headers = &parts.headers;
    Origin {
        user_agent: text(headers.get(header::USER_AGENT)),
        idempotency_key: text(headers.get(IDEMPOTENCY_KEY)),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .map(|v| ContentType::of(v.as_bytes())),
        client: client_ip(parts),
    }
}

/// The client's IP address, without the port, when the connection gave it.
pub(crate) fn client_ip(parts: &axum::http::request::Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical())
}

/// `/moment/{hint}[/{integration}]`: the path with the token redacted (spec §2).
fn path_hint(token: &str, integration: Option<&str>) -> String {
    let mut hint = format!("/moment/{}", redact_token(token));
    if let Some(integration) = integration {
        hint.push('/');
        hint.push_str(integration);
    }
    hint
}

/// The answer to a request that [`Shared::begin`] refused (nothing is recorded).
fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::FaultStatus {
            status,
            retry_after,
        } => {
            let error = status.canonical_reason().unwrap_or("Injected Fault");
            let body = serde_json::to_vec(&serde_json::json!({"error": error})).unwrap_or_default();
            let mut response = json_bytes(status, body);
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Refusal::Drop => {
            let mut response = Response::new(Body::empty());
            response.extensions_mut().insert(HangUp);
            response
        }
        Refusal::Expired(at) => json_bytes(
            StatusCode::GONE,
            reply::message_body(
                "Gone",
                &format!(
                    "this webhook expired at {}; ask its owner for the new webhook URL",
                    format_time(at)
                ),
            ),
        ),
        Refusal::Replay(answer, _) => {
            let mut response = reply::answer(answer);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Refusal::Unknown => json_bytes(StatusCode::NOT_FOUND, reply::NOT_FOUND),
    }
}

/// The body did not arrive within the read timeout.
struct TimedOut;

/// 408, and the connection closed after it.
pub(crate) fn timed_out() -> Response {
    let mut response = json_bytes(StatusCode::REQUEST_TIMEOUT, reply::REQUEST_TIMEOUT);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Reads, checks and parses the body; returns what to record and what to answer, or
/// [`TimedOut`] when the body did not arrive within the read timeout.
async fn process(
    shared: &Shared,
    ticket: &Ticket,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Record, Answer), TimedOut> {
    let within = shared.config.read_timeout;
    let too_large = |size: String| {
        let problem = Problem::new(
            "payload",
            format!("expected a body of at most {MAX_BODY_BYTES} bytes (1 MiB), found {size}"),
        );
        let record = Record::Rejected {
            problem,
            body: StoredBody::None,
        };
        (
            record,
            fixed(StatusCode::PAYLOAD_TOO_LARGE, reply::PAYLOAD_TOO_LARGE),
        )
    };
    if let Some(length) = declared_length(headers).filter(|n| *n > MAX_BODY_BYTES as u64) {
        let _ = tokio::time::timeout(within, drain(body)).await;
        return Ok(too_large(format!("{length} bytes")));
    }
    let media_type = content_type_problem(headers);
    let read = tokio::time::timeout(within, read_body(body)).await;
    let bytes = match read.map_err(|_| TimedOut)? {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge(read)) => return Ok(too_large(format!("more than {read} bytes"))),
        Err(BodyError::Broken(e)) => {
            let problem = Problem::new("payload", format!("expected a complete body, found {e}"));
            let body = reply::message_body("Bad Request", &problem.message);
            return Ok(rejected(StatusCode::BAD_REQUEST, body, problem));
        }
    };
    if let Some(problem) = media_type {
        let answer = fixed(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            reply::UNSUPPORTED_MEDIA_TYPE,
        );
        let body = stored_body(bytes);
        return Ok((Record::Rejected { problem, body }, answer));
    }
    let parsed = match check(&bytes, ticket.now) {
        Ok(parsed) => parsed,
        Err(unreadable) => {
            // JSON that is not an object is kept as the event's payload; other text as text.
            let kept = match &unreadable {
                Unreadable::NotObject(_) => StoredBody::Json(bytes.clone()),
                _ => raw(&bytes),
            };
            let problem = unreadable.into_problem();
            let answer = Answer::Other {
                status: StatusCode::BAD_REQUEST,
                body: bad_request(&problem),
            };
            return Ok((
                Record::Rejected {
                    problem,
                    body: kept,
                },
                answer,
            ));
        }
    };
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
    let record = Record::Processed {
        payload: bytes,
        parsed,
    };
    Ok((record, answer))
}

/// A rejection that keeps no body: answered `status` with `answer_body`.
fn rejected(status: StatusCode, answer_body: Bytes, problem: Problem) -> (Record, Answer) {
    let record = Record::Rejected {
        problem,
        body: StoredBody::None,
    };
    let answer = Answer::Other {
        status,
        body: answer_body,
    };
    (record, answer)
}

/// `{"error": "Bad Request", "message": "<field>: <message>"}`.
pub(crate) fn bad_request(problem: &Problem) -> Bytes {
    reply::message_body("Bad Request", &problem.to_string())
}

/// `/moment/{token}` or `/moment/{token}/{integration}` split into its parts; `None` (404) for
/// an empty token or an integration that is not a slug (spec §2).
pub(crate) fn webhook_path(path: &str) -> Option<(&str, Option<&str>)> {
    let rest = path.strip_prefix("/moment/")?;
    let (token, integration) = match rest.split_once('/') {
        Some((token, integration)) => (token, Some(integration)),
        None => (rest, None),
    };
    if token.is_empty() || integration.is_some_and(|i| check_integration(i).is_err()) {
        return None;
    }
    Some((token, integration))
}

/// The `Idempotency-Key`, if any, or the problem with it ([`check_idempotency_key`]).
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, Problem> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    check_idempotency_key(&String::from_utf8_lossy(value.as_bytes()))?;
    // Printable ASCII, so the header's own bytes are the key.
    value.to_str().map(Some).map_err(|_| {
        Problem::new(
            "Idempotency-Key",
            "expected printable ASCII characters, found other bytes",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::webhook_path;

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
}
