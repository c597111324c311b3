//! `GET /_mock/webhooks/{token}/senders` and `GET /_mock/rejected` (spec §7): who sent to a
//! webhook, and the requests that reached no live webhook; `POST /_mock/expect`.

use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::admin::{Body, PathParam, Shared_, param, query, respond};
use super::input::{Input, kind};
use super::reply::json;
use crate::{Error, MAX_WAIT_MS, MomentMatch};

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

pub(crate) async fn expect(State(shared): Shared_, raw: RawQuery, body: Body) -> Response {
    if let Err(response) = query(raw, &[]) {
        return *response;
    }
    let body = match super::admin::body(body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let wanted = match expectation(&body) {
        Ok(wanted) => wanted,
        Err(e) => return e.into_response(),
    };
    respond(shared.expect(&wanted).await, |matched| {
        json(StatusCode::OK, &json!({"matched": matched}))
    })
}

/// `{"match": {field: value}, "count"?, "within_ms"?, "token"?}`.
fn expectation(body: &[u8]) -> Result<MomentMatch, Error> {
    let mut input = Input::parse(body, &["match", "count", "within_ms", "token"])?;
    let fields = match input.value("match") {
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(Error::bad(format!(
                "match: expected an object of moment fields, found {}",
                kind(&other)
            )));
        }
        None => {
            return Err(Error::bad(
                "match: required: expected an object of moment fields, found nothing",
            ));
        }
    };
    let mut wanted = MomentMatch::new();
    for (field, value) in fields {
        wanted = wanted.field(&field, value)?;
    }
    if let Some(count) = input.integer("count", 1, 1_000_000)? {
        wanted = wanted.count(count as usize);
    }
    if let Some(ms) = input.integer("within_ms", 0, MAX_WAIT_MS as i64)? {
        wanted = wanted.within(Duration::from_millis(ms as u64));
    }
    if let Some(token) = input.opt_string("token")? {
        wanted = wanted.token(token);
    }
    input.finish()?;
    Ok(wanted)
}
