//! Answers: the static bodies of spec §3 rendered once, and helpers for the dynamic ones.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use uuid::Uuid;

use crate::Error;
use crate::state::Answer;

pub(crate) const NOT_FOUND: &[u8] = br#"{"error":"Not Found"}"#;
pub(crate) const METHOD_NOT_ALLOWED: &[u8] = br#"{"error":"Method Not Allowed"}"#;
pub(crate) const PAYLOAD_TOO_LARGE: &[u8] = br#"{"error":"Payload Too Large"}"#;
pub(crate) const UNSUPPORTED_MEDIA_TYPE: &[u8] = br#"{"error":"Unsupported Media Type"}"#;
pub(crate) const TOO_MANY_REQUESTS: &[u8] = br#"{"error":"Too Many Requests"}"#;
pub(crate) const REQUEST_TIMEOUT: &[u8] = br#"{"error":"Request Timeout","message":"the request's headers or body did not arrive within the read timeout"}"#;
pub(crate) const UNAUTHORIZED: &[u8] = br#"{"error":"Unauthorized"}"#;

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A JSON answer from bytes that are already JSON.
pub(crate) fn json_bytes(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut response = (status, body.into()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, JSON);
    response
}

/// A JSON answer from a serialisable value.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => json_bytes(status, body),
        // Our own records always serialise; say so rather than panic if one day they do not.
        Err(e) => json_bytes(
            StatusCode::INTERNAL_SERVER_ERROR,
            message_body("Internal Server Error", &e.to_string()),
        ),
    }
}

/// `{"error": error, "message": message}`.
pub(crate) fn message_body(error: &str, message: &str) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&serde_json::json!({"error": error, "message": message}))
            .unwrap_or_default(),
    )
}

/// The 202 envelope with its request id, built without a formatter.
pub(crate) fn queued(request_id: Uuid) -> Bytes {
    const HEAD: &[u8] = br#"{"hotpot_request_id":""#;
    const TAIL: &[u8] =
        br#"","response":{"success":true,"message":"Your request has been queued."}}"#;
    let mut body = Vec::with_capacity(HEAD.len() + 36 + TAIL.len());
    body.extend_from_slice(HEAD);
    let mut id = [0u8; uuid::fmt::Hyphenated::LENGTH];
    body.extend_from_slice(request_id.hyphenated().encode_lower(&mut id).as_bytes());
    body.extend_from_slice(TAIL);
    Bytes::from(body)
}

/// An answer remembered for idempotency, as a response.
pub(crate) fn answer(answer: Answer) -> Response {
    match answer {
        Answer::Queued(request_id) => json_bytes(StatusCode::ACCEPTED, queued(request_id)),
        Answer::Other { status, body } => json_bytes(status, body),
    }
}

/// A static answer of spec §3.
pub(crate) fn fixed(status: StatusCode, body: &'static [u8]) -> Answer {
    Answer::Other {
        status,
        body: Bytes::from_static(body),
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::ExpectationFailed(failed) = &self {
            let body = serde_json::json!({
                "error": "Conflict",
                "message": failed.to_string(),
                "near_misses": failed.near_misses,
            });
            return json(StatusCode::CONFLICT, &body);
        }
        let (status, error) = match &self {
            Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "Bad Request"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "Not Found"),
            Error::Conflict(_) | Error::ExpectationFailed(_) => (StatusCode::CONFLICT, "Conflict"),
            Error::Bind(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        };
        json_bytes(status, message_body(error, &self.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{
        METHOD_NOT_ALLOWED, NOT_FOUND, PAYLOAD_TOO_LARGE, TOO_MANY_REQUESTS, UNAUTHORIZED,
        UNSUPPORTED_MEDIA_TYPE, queued,
    };

    #[test]
    fn queued_envelope_is_the_documented_json() {
        let id = Uuid::new_v4();
        let body: serde_json::Value = serde_json::from_slice(&queued(id)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"hotpot_request_id": id.to_string(),
                "response": {"success": true, "message": "Your request has been queued."}})
        );
    }

    #[test]
    fn static_bodies_are_json() {
        for body in [
            NOT_FOUND,
            METHOD_NOT_ALLOWED,
            PAYLOAD_TOO_LARGE,
            UNSUPPORTED_MEDIA_TYPE,
            TOO_MANY_REQUESTS,
            UNAUTHORIZED,
        ] {
            let v: serde_json::Value = serde_json::from_slice(body).unwrap();
            assert!(v["error"].is_string());
        }
    }
}
