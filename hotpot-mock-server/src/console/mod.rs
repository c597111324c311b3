//! The console (spec §15): the mock's web pages, after Hotpot's screens for webhooks.
//!
//! Plain HTML rendered on the server with `maud` (which escapes every value it is given),
//! working with JavaScript off: forms post and the answer is a `303` back to the view. One
//! stylesheet and one small script of the console's own (`assets/`, compiled into the crate)
//! add the copy buttons and the live updates from `/_mock/stream`. Every link is relative, so
//! the console works behind a proxy under a path prefix.
//!
//! | file | view |
//! |---|---|
//! | `layout` | the page around every view: navigation, `main`, footer |
//! | `events` | Events (`/`) and Integrations (`/integrations`, `/integrations/{name}`), Retry |
//! | `moment` | one event as the Events view shows it |
//! | `markdown` | a description rendered from Markdown, made safe |
//! | `webhooks` | Webhooks (`/webhooks`): create, copy, expiry, delete, senders |
//! | `rejected` | Rejected (`/rejected`): requests that reached no live webhook, with near misses |
//! | `pages` | Pages (`/pages`): recorded pages, who was notified, Mark handled |
//! | `teams` | Teams (`/teams`): who is on call now, stages, backstop, copy; the users |

mod events;
mod layout;
mod markdown;
mod moment;
mod pages;
mod rejected;
mod teams;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::Markup;

pub use events::PAGE_EVENTS;

use crate::state::Shared;

/// The console's stylesheet, served at `/_mock/console.css`.
const CSS: &str = include_str!("../../assets/console.css");

/// The console's script, served at `/_mock/console.js`.
const JS: &str = include_str!("../../assets/console.js");

/// The console's icon, served at `/_mock/console.svg` (so browsers ask for no `/favicon.ico`).
const ICON: &str = include_str!("../../assets/console.svg");

/// What the console's pages may load: their own stylesheet and script, and connect to their
/// own stream; no inline script or style, no frames, forms posted only to the mock.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The console's routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(events::events_view))
        .route("/integrations", get(events::integrations_view))
        .route("/integrations/{name}", get(events::integration_view))
        .route("/events/retry", post(events::retry))
        .route("/webhooks", get(webhooks::view).post(webhooks::create))
        .route("/webhooks/expiry", post(webhooks::expiry))
        .route("/webhooks/delete", post(webhooks::delete))
        .route("/rejected", get(rejected::view))
        .route("/pages", get(pages::view))
        .route("/pages/ack", post(pages::ack))
        .route("/teams", get(teams::view))
        .route("/_mock/console.css", get(css))
        .route("/_mock/console.js", get(js))
        .route("/_mock/console.svg", get(icon))
}

/// A page with the console's headers.
pub(crate) fn html_page(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    security_headers(headers);
    response
}

fn security_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The HTTP status for an error of the state's.
pub(crate) fn status_of(e: &crate::Error) -> StatusCode {
    match e {
        crate::Error::NotFound(_) => StatusCode::NOT_FOUND,
        crate::Error::Conflict(_) => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// `303 See Other` to `location`, a path relative to the posted form's URL.
pub(crate) fn see_other(location: &str) -> Response {
    let value = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("./"));
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(header::LOCATION, value);
    security_headers(response.headers_mut());
    response
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn icon() -> Response {
    asset("image/svg+xml", ICON)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}
