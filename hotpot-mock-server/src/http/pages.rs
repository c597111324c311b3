//! `POST /page/person` and `POST /page/team` (spec §14), the page's request status and
//! `GET /request/{id}/acknowledgements`.
//!
//! Answers are checked in this order: method (405, the router's), a queued fault,
//! authentication (401), the `Idempotency-Key` replay, the rate limit (429), size (413),
//! `Content-Type` (415), JSON object (400), then the fields (202, or 422 in strict mode).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use hotpot_protocol::{Problem, parse_page_lenient};
use serde_json::{Value, json};

use super::body::{
    BodyError, MAX_BODY_BYTES, content_type_problem, declared_length, drain, read_body,
};
use super::ingest::{HangUp, bad_request, idempotency_key, note};
use super::reply::{self, fixed, json as json_answer, json_bytes};
use super::status::{api_request_id, authorized, unauthorized};
use crate::Fault;
use crate::pages::PageKind;
use crate::state::{Answer, PageAdmission, PageOutcome, Shared, Target};

pub(crate) async fn page_person(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    ingest(&shared, PageKind::Person, request).await
}

pub(crate) async fn page_team(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    ingest(&shared, PageKind::Team, request).await
}

/// Handles a page request, and notes it in the request journal; a queued fault answers
/// instead, or holds the answer back.
async fn ingest(shared: &Shared, kind: PageKind, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = format!("/page/{}", kind.as_str());
    let mut note = note(&parts.headers, shared.now(), Target::other(None, path));
    let fault = shared.take_page_fault();
    let response = match fault.as_ref().and_then(fault_answer) {
        Some(response) => response,
        None => handle(shared, kind, &parts.headers, body).await,
    };
    if response.extensions().get::<HangUp>().is_none() {
        note.status = response.status().as_u16();
    }
    note.replayed = response.headers().contains_key("idempotent-replayed");
    note.fault = fault.clone().map(Box::new);
    shared.note_request(note);
    // As for moments: the page is processed (and recorded) first, the answer leaves later.
    if let Some(delay) = fault.and_then(|f| f.delay) {
        tokio::time::sleep(delay).await;
    }
    response
}

/// The answer of a fault that stands in for the server (a status, or a dropped connection).
fn fault_answer(fault: &Fault) -> Option<Response> {
    if fault.drop_connection {
        let mut response = Response::new(Body::empty());
        response.extensions_mut().insert(HangUp);
        return Some(response);
    }
    let status = fault.status_code()?;
    let error = status.canonical_reason().unwrap_or("Injected Fault");
    let mut response = json_bytes(
        status,
        serde_json::to_vec(&json!({"error": error})).unwrap_or_default(),
    );
    if let Some(after) = fault.retry_after {
        let seconds = after.as_secs_f64().ceil() as u64;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    Some(response)
}

async fn handle(shared: &Shared, kind: PageKind, headers: &HeaderMap, body: Body) -> Response {
    if !authorized(headers, &shared.config.api_key) {
        return unauthorized();
    }
    let key = match idempotency_key(headers) {
        Ok(key) => key,
        Err(problem) => return json_bytes(StatusCode::BAD_REQUEST, bad_request(&problem)),
    };
    let (now, admission) = shared.admit_page(kind, key);
    match admission {
        PageAdmission::Go => {}
        PageAdmission::Replay(answer) => return replayed(answer),
        PageAdmission::Limited { retry_after, .. } => {
            let mut response = json_bytes(StatusCode::TOO_MANY_REQUESTS, reply::TOO_MANY_REQUESTS);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return response;
        }
    }
    // Within the read timeout (spec §7), as ingest's body: a page that never arrives is
    // answered 408 and closed, and nothing is recorded or remembered for its key.
    let Ok(outcome) =
        tokio::time::timeout(shared.config.read_timeout, read(kind, headers, body)).await
    else {
        return super::ingest::timed_out();
    };
    match shared.record_page(kind, key, now, outcome) {
        (answer, true) => replayed(answer),
        (answer, false) => reply::answer(answer),
    }
}

/// A remembered answer, marked `Idempotent-Replayed: true`.
fn replayed(answer: Answer) -> Response {
    let mut response = reply::answer(answer);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// Reads the body: size, `Content-Type`, a JSON object, then the §14 fields.
async fn read(kind: PageKind, headers: &HeaderMap, body: Body) -> PageOutcome {
    let too_large = || {
        PageOutcome::Refused(fixed(
            StatusCode::PAYLOAD_TOO_LARGE,
            reply::PAYLOAD_TOO_LARGE,
        ))
    };
    let refused = |problem: Problem| {
        PageOutcome::Refused(Answer::Other {
            status: StatusCode::BAD_REQUEST,
            body: bad_request(&problem),
        })
    };
    if declared_length(headers).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        drain(body).await;
        return too_large();
    }
    let media_type = content_type_problem(headers);
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge(_)) => return too_large(),
        Err(BodyError::Broken(e)) => {
            return refused(Problem::new(
                "payload",
                format!("expected a complete body, found {e}"),
            ));
        }
    };
    if media_type.is_some() {
        return PageOutcome::Refused(fixed(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            reply::UNSUPPORTED_MEDIA_TYPE,
        ));
    }
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(e) => {
            return refused(Problem::new(
                "payload",
                format!("expected a JSON object, found text that is not JSON ({e})"),
            ));
        }
    };
    let parsed = parse_page_lenient(&value, kind.recipient_kind());
    match value {
        Value::Object(body) => PageOutcome::Parsed { body, parsed },
        other => refused(Problem::new(
            "payload",
            format!(
                "expected a JSON object, found {}",
                super::input::kind(&other)
            ),
        )),
    }
}

/// `GET /request/{id}/status` for a page's request id (spec §4, §14); 404 for no page.
pub(crate) fn page_status(shared: &Shared, request_id: &str) -> Response {
    let Some(page) = shared.stored_page(request_id) else {
        return json_bytes(StatusCode::NOT_FOUND, reply::NOT_FOUND);
    };
    json_answer(
        StatusCode::OK,
        &json!({"response": {
            "message_request_id": page.request_id.to_string(),
            "status": page.status().as_str(),
            "status_message": page.status_message(),
            "errors": page.errors,
            "message_id": page.id.map(|id| id.to_string()),
        }}),
    )
}

/// `GET /request/{id}/acknowledgements`: `{"response": [...]}`, behind the API key; 404 for
/// an id that is no page's.
pub(crate) async fn acknowledgements(
    State(shared): State<Arc<Shared>>,
    request_id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = match api_request_id(&shared, &headers, request_id) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    match shared.stored_page(&request_id) {
        Some(page) => json_answer(StatusCode::OK, &json!({"response": page.acknowledgements})),
        None => json_bytes(StatusCode::NOT_FOUND, reply::NOT_FOUND),
    }
}
