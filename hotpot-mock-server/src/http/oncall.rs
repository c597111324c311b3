//! The on-call directory's admin routes (spec §14): `GET`/`POST /_mock/users`,
//! `DELETE /_mock/users/{email}`, `GET`/`POST /_mock/teams`, `DELETE /_mock/teams/{slug}`.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::admin::{Body, PathParam, Shared_, body, no_body, or_answer, param, query, respond};
use super::reply::json as json_answer;
use crate::Error;
use crate::oncall::{NewTeam, NewUser};

/// The body as a JSON value (an empty body is `{}`), or a JSON 400.
fn value(bytes: &[u8]) -> Result<Value, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Error::bad(format!(
            "expected a JSON object, found text that is not JSON ({e})"
        ))
    })
}

pub(crate) async fn list_users(State(shared): Shared_, raw: RawQuery) -> Response {
    or_answer!(query(raw, &[]));
    json_answer(StatusCode::OK, &json!({"users": shared.users()}))
}

pub(crate) async fn create_user(State(shared): Shared_, raw: RawQuery, given: Body) -> Response {
    or_answer!(query(raw, &[]));
    let bytes = or_answer!(body(given));
    let result = value(&bytes)
        .and_then(NewUser::from_json)
        .and_then(|new| shared.add_user(new));
    respond(result, |user| json_answer(StatusCode::CREATED, &user))
}

pub(crate) async fn delete_user(
    State(shared): Shared_,
    email: PathParam,
    raw: RawQuery,
    given: Body,
) -> Response {
    or_answer!(query(raw, &[]));
    or_answer!(no_body(given));
    let email = or_answer!(param(email));
    respond(shared.delete_user(&email), |()| {
        StatusCode::NO_CONTENT.into_response()
    })
}

pub(crate) async fn list_teams(State(shared): Shared_, raw: RawQuery) -> Response {
    or_answer!(query(raw, &[]));
    json_answer(StatusCode::OK, &json!({"teams": shared.teams()}))
}

pub(crate) async fn create_team(State(shared): Shared_, raw: RawQuery, given: Body) -> Response {
    or_answer!(query(raw, &[]));
    let bytes = or_answer!(body(given));
    let result = value(&bytes)
        .and_then(NewTeam::from_json)
        .and_then(|new| shared.add_team(new));
    respond(result, |team| json_answer(StatusCode::CREATED, &team))
}

pub(crate) async fn delete_team(
    State(shared): Shared_,
    slug: PathParam,
    raw: RawQuery,
    given: Body,
) -> Response {
    or_answer!(query(raw, &[]));
    or_answer!(no_body(given));
    let slug = or_answer!(param(slug));
    respond(shared.delete_team(&slug), |()| {
        StatusCode::NO_CONTENT.into_response()
    })
}
