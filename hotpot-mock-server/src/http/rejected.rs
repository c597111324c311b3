//! Keeping a request that reached no live webhook (spec §7 `rejected`): the answer is decided
//! elsewhere; this reads the body (for its JSON) and tells the state.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use hotpot_protocol::MAX_TOKEN_CHARS;

use super::body::read_body;
use super::ingest::client_ip;
use super::reply;
use crate::serve::Redacted;
use crate::state::{RejectedNote, Shared, header_text};

/// Keeps a rejected request: `token` is the token its path carried, if any.
pub(crate) async fn keep(
    shared: &Shared,
    parts: &Parts,
    body: Body,
    token: Option<&str>,
    path_hint: String,
    status: StatusCode,
) {
    let read = tokio::time::timeout(shared.config.read_timeout, read_body(body)).await;
    let payload = match read {
        Ok(Ok(bytes)) if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok() => {
            Some(bytes::Bytes::copy_from_slice(&bytes))
        }
        _ => None,
    };
    let note = RejectedNote {
        method: parts.method.as_str().into(),
        token: token.filter(|t| t.len() <= MAX_TOKEN_CHARS).map(Box::from),
        path_hint: path_hint.into(),
        status: status.as_u16(),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .map(|v| header_text(v.as_bytes())),
        client: client_ip(parts),
        payload,
    };
    shared.reject(note);
}

/// The routes' fallback: 404, and a request to a malformed webhook path (`/moment/...` that
/// is neither `/moment/{token}` nor `/moment/{token}/{integration}`) is kept as rejected.
pub(crate) async fn not_found(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let response = reply::json_bytes(StatusCode::NOT_FOUND, reply::NOT_FOUND);
    let (parts, body) = request.into_parts();
    if let Some(rest) = parts.uri.path().strip_prefix("/moment/") {
        let token = rest.split('/').next().filter(|t| !t.is_empty());
        let hint = Redacted(&parts.uri).to_string();
        keep(&shared, &parts, body, token, hint, StatusCode::NOT_FOUND).await;
    }
    response
}
