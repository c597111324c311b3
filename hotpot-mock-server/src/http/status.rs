//! `GET /request/{request_id}/status` (spec §4), behind `Authorization: Bearer <api key>`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::reply::{self, json, json_bytes};
use crate::model::EventStatus;
use crate::state::Shared;

pub(crate) async fn request_status(
    State(shared): State<Arc<Shared>>,
    request_id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = match api_request_id(&shared, &headers, request_id) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    let Some(view) = shared.request_status(&request_id) else {
        // Not a moment's request: a page's, or nothing.
        return super::pages::page_status(&shared, &request_id);
    };
    let (status_message, errors) = match view.status {
        EventStatus::Success => ("Moment created".to_owned(), Vec::new()),
        EventStatus::Error => (
            format!(
                "Moment not created: the payload has {} problem{}",
                view.errors.len(),
                if view.errors.len() == 1 { "" } else { "s" }
            ),
            view.errors,
        ),
    };
    json(
        StatusCode::OK,
        &json!({"response": {
            "message_request_id": view.request_id.to_string(),
            "status": view.status.as_str(),
            "status_message": status_message,
            "errors": errors,
            "message_id": view.moment_id.map(|id| id.to_string()),
        }}),
    )
}

/// The request id of a `GET /request/{id}/...` behind the API key; else the answer: 401
/// without the server's key, 404 for a path that holds no id.
pub(crate) fn api_request_id(
    shared: &Shared,
    headers: &HeaderMap,
    request_id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<String, Box<Response>> {
    if !authorized(headers, &shared.config.api_key) {
        return Err(Box::new(unauthorized()));
    }
    match request_id {
        Ok(Path(request_id)) => Ok(request_id),
        Err(_) => Err(Box::new(json_bytes(
            StatusCode::NOT_FOUND,
            reply::NOT_FOUND,
        ))),
    }
}

/// 401 `{"error": "Unauthorized"}` with `WWW-Authenticate: Bearer`.
pub(crate) fn unauthorized() -> Response {
    let mut response = json_bytes(StatusCode::UNAUTHORIZED, reply::UNAUTHORIZED);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"hotpot-mock\""),
    );
    response
}

/// `Authorization: Bearer <key>` with exactly the server's key (the scheme in any case).
pub(crate) fn authorized(headers: &HeaderMap, api_key: &str) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, key)) = value.trim().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && key.trim() == api_key
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::authorized;

    #[test]
    fn bearer_only_with_the_key() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            authorized(&h, "k3y")
        };
        assert!(with("Bearer k3y"));
        assert!(with("bearer  k3y"));
        assert!(!with("Bearer k3"));
        assert!(!with("Basic k3y"));
        assert!(!with("k3y"));
        assert!(!authorized(&HeaderMap::new(), "k3y"));
    }
}
