//! The admin API under `/_mock` (spec §7). Every handler is a thin layer over a
//! [`Shared`] method that the library's [`MockServer`](crate::MockServer) calls too.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use hotpot_protocol::moment::rules::{self, format_time};
use serde_json::json;

use super::input::{Field, Input, query_number, query_pairs};
use super::reply::{json, json_bytes};
use crate::model::{EventStatus, NewWebhook, WebhookPatch};
use crate::state::{Filter, Shared};
use crate::{Error, Fault};

/// Longest long-poll wait: 10 minutes.
pub const MAX_WAIT_MS: u64 = 600_000;

/// The long-poll wait when `min` is given without `wait_ms`: 30 seconds.
pub const DEFAULT_WAIT_MS: u64 = 30_000;

pub(super) type Shared_ = State<Arc<Shared>>;
pub(super) type PathParam = Result<Path<String>, PathRejection>;

/// Any extractor `T` run within the read timeout (spec §7: a request whose headers or body do
/// not arrive in time is answered 408 and closed), as ingest reads its body: the admin API's
/// bodies ([`Body`]) and the console's forms.
pub(crate) struct Timed<T>(pub(crate) T);

impl<T> FromRequest<Arc<Shared>> for Timed<T>
where
    T: FromRequest<Arc<Shared>>,
    T::Rejection: IntoResponse,
{
    type Rejection = Response;

    async fn from_request(request: Request, shared: &Arc<Shared>) -> Result<Self, Response> {
        let within = shared.config.read_timeout;
        match tokio::time::timeout(within, T::from_request(request, shared)).await {
            Ok(Ok(value)) => Ok(Timed(value)),
            Ok(Err(rejection)) => Err(rejection.into_response()),
            Err(_) => Err(super::ingest::timed_out()),
        }
    }
}

/// An admin request's body, read within the read timeout; or why it could not be read (too
/// large, broken).
pub(crate) type Body = Timed<Result<Bytes, BytesRejection>>;

/// A path parameter, or a JSON 400 that does not repeat it (it may be a token).
pub(super) fn param(path: PathParam) -> Result<String, Box<Response>> {
    path.map(|Path(value)| value).map_err(|_| {
        Box::new(
            Error::bad("path: expected a percent-encoded UTF-8 path segment, found other bytes")
                .into_response(),
        )
    })
}

/// The request body, or a JSON 413/400.
pub(super) fn body(Timed(body): Body) -> Result<Bytes, Box<Response>> {
    body.map_err(|rejection| {
        let status = rejection.status();
        let error = status.canonical_reason().unwrap_or("Bad Request");
        Box::new(json_bytes(
            status,
            super::reply::message_body(error, &format!("body: {}", rejection.body_text())),
        ))
    })
}

/// The query string's pairs, or a JSON 400 naming the first parameter not in `allowed`: every
/// admin route refuses what it does not know, so that a test's typo is an error.
pub(super) fn query(
    RawQuery(raw): RawQuery,
    allowed: &'static [&'static str],
) -> Result<Vec<(String, String)>, Box<Response>> {
    query_pairs(raw.as_deref(), allowed).map_err(boxed)
}

/// For routes that take no body: nothing, whitespace or `{}`; a field is a JSON 400.
pub(super) fn no_body(body: Body) -> Result<(), Box<Response>> {
    let body = self::body(body)?;
    Input::parse(&body, &[])
        .and_then(Input::finish)
        .map_err(boxed)
}

/// An error as the answer [`or_answer!`] returns.
pub(super) fn boxed(e: impl IntoResponse) -> Box<Response> {
    Box::new(e.into_response())
}

macro_rules! or_answer {
    ($value:expr) => {
        match $value {
            Ok(value) => value,
            Err(response) => return *response,
        }
    };
}
pub(super) use or_answer;

pub(super) fn respond<T>(result: Result<T, Error>, ok: impl FnOnce(T) -> Response) -> Response {
    match result {
        Ok(value) => ok(value),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn health(raw: RawQuery) -> Response {
    or_answer!(query(raw, &[]));
    json_bytes(StatusCode::OK, &br#"{"status":"ok"}"#[..])
}

pub(crate) async fn openapi(State(shared): Shared_, raw: RawQuery) -> Response {
    or_answer!(query(raw, &[]));
    json_bytes(StatusCode::OK, shared.openapi())
}

// ----- webhooks -----

pub(crate) async fn create_webhook(State(shared): Shared_, raw: RawQuery, body: Body) -> Response {
    or_answer!(query(raw, &[]));
    let body = or_answer!(self::body(body));
    let result = (|| {
        let mut input = Input::parse(&body, &["label", "type", "expires_at", "token"])?;
        let label = input.opt_string("label")?.ok_or_else(|| {
            Error::bad("label: required: expected a string of 1 to 200 characters, found nothing")
        })?;
        let new = NewWebhook {
            label,
            kind: input.opt_string("type")?,
            expires_at: input.time("expires_at")?.into_option(),
            token: input.opt_string("token")?,
        };
        input.finish()?;
        shared.create_webhook(new)
    })();
    respond(result, |hook| json(StatusCode::CREATED, &hook))
}

pub(crate) async fn list_webhooks(State(shared): Shared_, raw: RawQuery) -> Response {
    or_answer!(query(raw, &[]));
    json(StatusCode::OK, &json!({"webhooks": shared.webhooks()}))
}

pub(crate) async fn get_webhook(
    State(shared): Shared_,
    token: PathParam,
    raw: RawQuery,
) -> Response {
    or_answer!(query(raw, &[]));
    let token = or_answer!(param(token));
    respond(shared.webhook(&token), |hook| json(StatusCode::OK, &hook))
}

pub(crate) async fn patch_webhook(
    State(shared): Shared_,
    token: PathParam,
    raw: RawQuery,
    body: Body,
) -> Response {
    or_answer!(query(raw, &[]));
    let token = or_answer!(param(token));
    let body = or_answer!(self::body(body));
    let result = (|| {
        let mut input = Input::parse(&body, &["label", "expires_at"])?;
        let label = match input.string("label")? {
            Field::Set(label) => Some(label),
            Field::Absent => None,
            Field::Null => {
                return Err(Error::bad(
                    "label: expected a string of 1 to 200 characters, found null",
                ));
            }
        };
        let expires_at = match input.time("expires_at")? {
            Field::Set(t) => Some(Some(t)),
            Field::Null => Some(None),
            Field::Absent => None,
        };
        input.finish()?;
        if label.is_none() && expires_at.is_none() {
            return Err(Error::bad(
                "expected at least one of label, expires_at, found neither",
            ));
        }
        shared.update_webhook(&token, WebhookPatch { label, expires_at })
    })();
    respond(result, |hook| json(StatusCode::OK, &hook))
}

pub(crate) async fn delete_webhook(
    State(shared): Shared_,
    token: PathParam,
    raw: RawQuery,
    body: Body,
) -> Response {
    or_answer!(query(raw, &[]));
    or_answer!(no_body(body));
    let token = or_answer!(param(token));
    respond(shared.delete_webhook(&token), |()| {
        StatusCode::NO_CONTENT.into_response()
    })
}

// ----- events and moments -----

/// The filters and long-poll parameters of a list.
struct List {
    filter: Filter,
    min: Option<usize>,
    wait: Duration,
}

impl List {
    /// Whether a long-poll ran out: fewer than `min` items match when it answers.
    fn timed_out(&self, found: usize) -> bool {
        self.min.is_some_and(|min| found < min)
    }

    /// 200 with `{key: items, "dropped": dropped, "timed_out": ...}`, and
    /// `Hotpot-Mock-Wait: timed-out` when the long-poll ran out.
    fn answer<T: serde::Serialize>(&self, key: &str, (items, dropped): (Vec<T>, u64)) -> Response {
        let timed_out = self.timed_out(items.len());
        let body = json!({key: items, "dropped": dropped, "timed_out": timed_out});
        let mut response = json(StatusCode::OK, &body);
        if timed_out {
            response
                .headers_mut()
                .insert(WAIT_HEADER, HeaderValue::from_static("timed-out"));
        }
        response
    }
}

/// Says that a long-poll ran out (`timed-out`): a header a client can read without the body.
const WAIT_HEADER: &str = "hotpot-mock-wait";

fn list_query(shared: &Shared, query: Option<&str>, with_status: bool) -> Result<List, Error> {
    const EVENTS: &[&str] = &["token", "status", "min", "wait_ms"];
    const MOMENTS: &[&str] = &["token", "min", "wait_ms"];
    let pairs = query_pairs(query, if with_status { EVENTS } else { MOMENTS })?;
    let mut list = List {
        filter: Filter::default(),
        min: None,
        wait: Duration::from_millis(DEFAULT_WAIT_MS),
    };
    let mut wait_ms = None;
    for (key, value) in pairs {
        match key.as_str() {
            "token" => list.filter.token = Some(value),
            "status" => list.filter.status = Some(value.parse::<EventStatus>()?),
            "min" => list.min = Some(query_number("min", &value, 10_000_000)? as usize),
            _ => wait_ms = Some(query_number("wait_ms", &value, MAX_WAIT_MS)?),
        }
    }
    match (list.min, wait_ms) {
        (None, Some(_)) => {
            return Err(Error::bad(
                "wait_ms: expected together with min (the number of items to wait for), found it alone",
            ));
        }
        (_, Some(ms)) => list.wait = Duration::from_millis(ms),
        _ => {}
    }
    // Bad input first (400), then a token that names no webhook (404): a long-poll on it
    // would only wait out its time.
    if let Some(given) = list.filter.token.take() {
        list.filter.token = Some(shared.known_token(&given)?);
    }
    Ok(list)
}

pub(crate) async fn list_events(State(shared): Shared_, RawQuery(query): RawQuery) -> Response {
    let list = or_answer!(list_query(&shared, query.as_deref(), true).map_err(boxed));
    if let Some(min) = list.min {
        shared.wait_events(&list.filter, min, list.wait).await;
    }
    list.answer("events", shared.events(&list.filter))
}

pub(crate) async fn list_moments(State(shared): Shared_, RawQuery(query): RawQuery) -> Response {
    let list = or_answer!(list_query(&shared, query.as_deref(), false).map_err(boxed));
    if let Some(min) = list.min {
        shared.wait_moments(&list.filter, min, list.wait).await;
    }
    list.answer("moments", shared.moments(&list.filter))
}

pub(crate) async fn list_requests(State(shared): Shared_, RawQuery(query): RawQuery) -> Response {
    let list = or_answer!(list_query(&shared, query.as_deref(), false).map_err(boxed));
    let token = list.filter.token.as_deref();
    if let Some(min) = list.min {
        shared.wait_requests(token, min, list.wait).await;
    }
    list.answer("requests", shared.requests(token))
}

pub(crate) async fn get_event(State(shared): Shared_, id: PathParam, raw: RawQuery) -> Response {
    or_answer!(query(raw, &[]));
    let id = or_answer!(param(id));
    respond(shared.event(&id), |event| json(StatusCode::OK, &event))
}

pub(crate) async fn retry_event(
    State(shared): Shared_,
    id: PathParam,
    raw: RawQuery,
    body: Body,
) -> Response {
    or_answer!(query(raw, &[]));
    or_answer!(no_body(body));
    let id = or_answer!(param(id));
    respond(shared.retry_event(&id), |event| {
        json(StatusCode::OK, &event)
    })
}

// ----- faults, clock, reset -----

pub(crate) async fn add_fault(State(shared): Shared_, raw: RawQuery, body: Body) -> Response {
    or_answer!(query(raw, &[]));
    let body = or_answer!(self::body(body));
    let result = (|| {
        let mut input = Input::parse(
            &body,
            &[
                "token",
                "status",
                "count",
                "retry_after",
                "delay_ms",
                "drop_connection",
                "route",
            ],
        )?;
        let fault = Fault {
            token: input.opt_string("token")?,
            status: input.integer("status", 200, 599)?.map(|s| s as u16),
            count: input
                .integer("count", 1, i64::from(crate::fault::MAX_FAULT_COUNT))?
                .map_or(1, |c| c as u32),
            retry_after: input
                .integer("retry_after", 0, 86_400)?
                .map(|s| Duration::from_secs(s as u64)),
            delay: input
                .integer(
                    "delay_ms",
                    0,
                    crate::fault::MAX_FAULT_DELAY.as_millis() as i64,
                )?
                .map(|ms| Duration::from_millis(ms as u64)),
            drop_connection: input.boolean("drop_connection")?.unwrap_or(false),
            route: input
                .opt_string("route")?
                .map(|r| r.parse::<crate::fault::FaultRoute>())
                .transpose()?,
        };
        input.finish()?;
        shared.push_fault(fault)
    })();
    respond(result, |queued| {
        json(StatusCode::CREATED, &json!({"queued": queued}))
    })
}

/// The `?token=` of the fault routes, if given: a webhook's token or URL, 404 for no webhook.
fn fault_token(shared: &Shared, raw: RawQuery) -> Result<Option<String>, Box<Response>> {
    match query(raw, &["token"])?.into_iter().last() {
        None => Ok(None),
        Some((_, given)) => shared.known_token(&given).map(Some).map_err(boxed),
    }
}

pub(crate) async fn list_faults(State(shared): Shared_, raw: RawQuery) -> Response {
    let token = or_answer!(fault_token(&shared, raw));
    let faults: Vec<serde_json::Value> = shared
        .faults(token.as_deref())
        .iter()
        .map(Fault::to_json)
        .collect();
    json(StatusCode::OK, &json!({"faults": faults}))
}

pub(crate) async fn clear_faults(State(shared): Shared_, raw: RawQuery, body: Body) -> Response {
    let token = or_answer!(fault_token(&shared, raw));
    or_answer!(no_body(body));
    shared.clear_faults(token.as_deref());
    StatusCode::NO_CONTENT.into_response()
}

/// `{"now": RFC 3339, "frozen": bool}`.
fn clock_response(shared: &Shared) -> Response {
    let (now, frozen): (DateTime<Utc>, bool) = shared.clock();
    json(
        StatusCode::OK,
        &json!({"now": format_time(now), "frozen": frozen}),
    )
}

pub(crate) async fn get_clock(State(shared): Shared_, raw: RawQuery) -> Response {
    or_answer!(query(raw, &[]));
    clock_response(&shared)
}

pub(crate) async fn set_clock(State(shared): Shared_, raw: RawQuery, body: Body) -> Response {
    or_answer!(query(raw, &[]));
    let body = or_answer!(self::body(body));
    const YEAR_MS: i64 = 366 * 24 * 3600 * 1000;
    let result = (|| {
        let mut input = Input::parse(&body, &["now", "advance_ms"])?;
        // Exactly one of the two, each with a value: `null` would say neither what nor how far.
        input.refuse_null("now", "an ISO 8601 date-time")?;
        input.refuse_null("advance_ms", "a whole number of milliseconds")?;
        // Every time form of §1 (RFC 3339, and the zone-less forms that mean UTC).
        let now = match input.opt_string("now")? {
            Some(text) => {
                Some(rules::parse_occurred_at(&text).map_err(|e| Error::bad(format!("now: {e}")))?)
            }
            None => None,
        };
        let advance = input.integer("advance_ms", -100 * YEAR_MS, 100 * YEAR_MS)?;
        input.finish()?;
        match (now, advance) {
            (Some(now), None) => shared.set_clock(now),
            (None, Some(ms)) => shared.advance_clock(TimeDelta::milliseconds(ms)),
            (Some(_), Some(_)) => {
                return Err(Error::bad("expected either now or advance_ms, found both"));
            }
            (None, None) => {
                return Err(Error::bad(
                    "expected now (an ISO 8601 date-time) or advance_ms (milliseconds), found neither",
                ));
            }
        }
        Ok(())
    })();
    respond(result, |()| clock_response(&shared))
}

pub(crate) async fn reset_clock(State(shared): Shared_, raw: RawQuery, body: Body) -> Response {
    or_answer!(query(raw, &[]));
    or_answer!(no_body(body));
    shared.reset_clock();
    clock_response(&shared)
}

pub(crate) async fn reset(State(shared): Shared_, raw: RawQuery, body: Body) -> Response {
    or_answer!(query(raw, &[]));
    let body = or_answer!(self::body(body));
    let result = (|| {
        let mut input = Input::parse(&body, &["webhooks", "oncall"])?;
        let webhooks = input.boolean("webhooks")?.unwrap_or(false);
        let oncall = input.boolean("oncall")?.unwrap_or(false);
        input.finish()?;
        shared.reset(webhooks);
        if oncall {
            shared.reset_directory();
        }
        Ok(())
    })();
    respond(result, |()| StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{DEFAULT_WAIT_MS, list_query};
    use crate::model::EventStatus;
    use crate::state::{Config, Shared};

    #[test]
    fn list_queries() {
        let shared = Shared::new(
            Config {
                strict: false,
                api_key: "k".into(),
                rate_limit: None,
                max_events: 10,
                max_idempotency_keys: 10,
                read_timeout: Duration::from_secs(10),
                stream_keep_alive: Duration::from_secs(15),
                base_url: "http://127.0.0.1:1".into(),
            },
            "abc",
        );
        let list_query = |query, with_status| list_query(&shared, query, with_status);
        let list = list_query(Some("token=abc&status=error&min=2&wait_ms=50"), true).unwrap();
        assert_eq!(list.filter.token.as_deref(), Some("abc"));
        let bad_first = list_query(Some("token=nope&min=x"), true).err().unwrap();
        assert!(
            matches!(bad_first, crate::Error::BadRequest(_)),
            "{bad_first}"
        );
        let unknown = list_query(Some("token=nope"), true).err().unwrap();
        assert!(matches!(unknown, crate::Error::NotFound(_)), "{unknown}");
        assert_eq!(list.filter.status, Some(EventStatus::Error));
        assert_eq!(list.min, Some(2));
        assert_eq!(list.wait, Duration::from_millis(50));
        assert!(list_query(Some("status=error"), false).is_err());
        let err = list_query(Some("status=ok"), true)
            .err()
            .unwrap()
            .to_string();
        assert_eq!(err, "status: expected success or error, found \"ok\"");
        assert!(list_query(Some("wait_ms=5"), true).is_err());
        let list = list_query(Some("min=1"), true).unwrap();
        assert_eq!(list.wait, Duration::from_millis(DEFAULT_WAIT_MS));
    }
}
