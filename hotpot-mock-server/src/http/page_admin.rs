//! The admin routes of pages (spec §14): `GET /_mock/pages` (`?recipient=`, the long-poll
//! `min` and `wait_ms`), `GET /_mock/pages/{request_id}` and
//! `POST /_mock/pages/{request_id}/ack`.

use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use hotpot_protocol::ACK_HANDLED;
use serde_json::json;

use super::admin::{
    Body, DEFAULT_WAIT_MS, MAX_WAIT_MS, PathParam, Shared_, body, boxed, or_answer, param, query,
    respond,
};
use super::input::{Input, query_number, query_pairs};
use super::reply::json as json_answer;
use crate::Error;

pub(crate) async fn list_pages(State(shared): Shared_, RawQuery(raw): RawQuery) -> Response {
    let pairs =
        or_answer!(query_pairs(raw.as_deref(), &["recipient", "min", "wait_ms"]).map_err(boxed));
    let mut recipient = None;
    let mut min = None;
    let mut wait_ms = None;
    for (key, value) in pairs {
        match key.as_str() {
            "recipient" => recipient = Some(value),
            "min" => {
                min = Some(or_answer!(
                    query_number("min", &value, 10_000_000).map_err(boxed)
                ))
            }
            _ => {
                wait_ms = Some(or_answer!(
                    query_number("wait_ms", &value, MAX_WAIT_MS).map_err(boxed)
                ))
            }
        }
    }
    if min.is_none() && wait_ms.is_some() {
        return *boxed(Error::bad(
            "wait_ms: expected together with min (the number of pages to wait for), found it alone",
        ));
    }
    if let Some(min) = min {
        let wait = Duration::from_millis(wait_ms.unwrap_or(DEFAULT_WAIT_MS));
        shared
            .wait_pages(recipient.as_deref(), min as usize, wait)
            .await;
    }
    let pages = shared.pages(recipient.as_deref());
    let timed_out = min.is_some_and(|min| (pages.len() as u64) < min);
    let mut response = json_answer(
        StatusCode::OK,
        &json!({"pages": pages, "dropped": shared.dropped_pages(), "timed_out": timed_out}),
    );
    if timed_out {
        response
            .headers_mut()
            .insert("hotpot-mock-wait", HeaderValue::from_static("timed-out"));
    }
    response
}

pub(crate) async fn get_page(State(shared): Shared_, id: PathParam, raw: RawQuery) -> Response {
    or_answer!(query(raw, &[]));
    let id = or_answer!(param(id));
    respond(shared.page(&id), |page| json_answer(StatusCode::OK, &page))
}

pub(crate) async fn ack_page(
    State(shared): Shared_,
    id: PathParam,
    raw: RawQuery,
    given: Body,
) -> Response {
    or_answer!(query(raw, &[]));
    let id = or_answer!(param(id));
    let bytes = or_answer!(body(given));
    let result = (|| {
        let mut input = Input::parse(&bytes, &["email", "status"])?;
        let email = input.opt_string("email")?.ok_or_else(|| {
            Error::bad("email: required: expected the e-mail of a known user, found nothing")
        })?;
        if let Some(status) = input.opt_string("status")?
            && status != ACK_HANDLED
        {
            let shown: String = status.chars().take(40).collect();
            return Err(Error::bad(format!(
                "status: expected {ACK_HANDLED} (the only acknowledgement status), found {shown:?}"
            )));
        }
        input.finish()?;
        shared.acknowledge(&id, &email)
    })();
    respond(result, |(ack, created)| {
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        json_answer(status, &ack)
    })
}
