//! The routes: ingest (§3), request status (§4), the admin API (§7); the console (§15) adds its own.

pub(crate) mod admin;
pub(crate) mod body;
pub(crate) mod ingest;
pub(crate) mod input;
mod oncall;
mod page_admin;
pub(crate) mod pages;
mod rejected;
pub(crate) mod reply;
mod status;
pub(crate) mod stream;
mod watch;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{delete, get, post};

use crate::state::Shared;

/// Every route of the server, on one state.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/moment/{token}", post(ingest::ingest))
        .route("/moment/{token}/{integration}", post(ingest::ingest))
        .route("/request/{request_id}/status", get(status::request_status))
        .route("/page/person", post(pages::page_person))
        .route("/page/team", post(pages::page_team))
        .route(
            "/request/{request_id}/acknowledgements",
            get(pages::acknowledgements),
        )
        .route("/_mock/health", get(admin::health))
        .route("/_mock/openapi.json", get(admin::openapi))
        .route(
            "/_mock/webhooks",
            get(admin::list_webhooks).post(admin::create_webhook),
        )
        .route(
            "/_mock/webhooks/{token}",
            get(admin::get_webhook)
                .patch(admin::patch_webhook)
                .delete(admin::delete_webhook),
        )
        .route("/_mock/webhooks/{token}/senders", get(watch::senders))
        .route("/_mock/rejected", get(watch::rejected))
        .route("/_mock/stream", get(stream::stream))
        .route("/_mock/expect", post(watch::expect))
        .route("/_mock/events", get(admin::list_events))
        .route("/_mock/events/{id}", get(admin::get_event))
        .route("/_mock/events/{id}/retry", post(admin::retry_event))
        .route("/_mock/moments", get(admin::list_moments))
        .route("/_mock/requests", get(admin::list_requests))
        .route(
            "/_mock/faults",
            get(admin::list_faults)
                .post(admin::add_fault)
                .delete(admin::clear_faults),
        )
        .route(
            "/_mock/clock",
            get(admin::get_clock)
                .post(admin::set_clock)
                .delete(admin::reset_clock),
        )
        .route("/_mock/reset", post(admin::reset))
        .merge(crate::console::routes())
        .route(
            "/_mock/users",
            get(oncall::list_users).post(oncall::create_user),
        )
        .route("/_mock/users/{email}", delete(oncall::delete_user))
        .route(
            "/_mock/teams",
            get(oncall::list_teams).post(oncall::create_team),
        )
        .route("/_mock/teams/{slug}", delete(oncall::delete_team))
        .route("/_mock/pages", get(page_admin::list_pages))
        .route("/_mock/pages/{request_id}", get(page_admin::get_page))
        .route("/_mock/pages/{request_id}/ack", post(page_admin::ack_page))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(rejected::not_found)
        .with_state(shared)
}

/// 405 with `{"error": "Method Not Allowed"}`; axum adds the `Allow` header. On a webhook's
/// path, with its `Sunset` when it has an `expires_at` (spec §6: every answer of its routes).
async fn method_not_allowed(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let mut response = reply::json_bytes(StatusCode::METHOD_NOT_ALLOWED, reply::METHOD_NOT_ALLOWED);
    if let Some((token, _)) = ingest::webhook_path(uri.path())
        && let Ok(hook) = shared.webhook(token)
        && let Some(at) = hook.expires_at
    {
        ingest::sunset_header(&mut response, at);
    }
    response
}
