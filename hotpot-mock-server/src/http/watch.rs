//! `GET /_mock/webhooks/{token}/senders` and `GET /_mock/rejected` (spec §7): who sent to a
//! webhook, and the requests that reached no live webhook.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::admin::{PathParam, Shared_, param, query, respond};
use super::reply::json;

pub(crate) async fn senders(State(shared): Shared_, token: PathParam, raw: RawQuery) -> Response {
    if let Err(response) = query(raw, &[]) {
        return *response;
    }
    let token = match param(token) {
        Ok(token) => token,
        Err(response) => return *response,
    };
    respond(shared.senders(&token), |senders| {
        json(StatusCode::OK, &json!({"senders": senders}))
    })
}

pub(crate) async fn rejected(State(shared): Shared_, raw: RawQuery) -> Response {
    if let Err(response) = query(raw, &[]) {
        return *response;
    }
    json(StatusCode::OK, &json!({"rejected": shared.rejected()}))
}
