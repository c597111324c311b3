//! Rejected (`/rejected`): the requests that reached no live webhook (spec §7) — an unknown
//! token, an expired one, a malformed path — newest first, each with its near miss: the live
//! webhook it most likely meant, and why. Paths show the token's hint only.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hotpot_protocol::moment::rules::format_time;
use maud::{Markup, html};

use super::html_page;
use super::layout::{self, Root, Section};
use crate::state::Shared;
use crate::watch::Rejected;

/// How many rejected requests the view shows (the newest; the JSON has every kept one).
pub(crate) const SHOWN: usize = 100;

/// `GET /rejected`.
pub(crate) async fn view(State(shared): State<Arc<Shared>>) -> Response {
    let rejected = shared.rejected();
    html_page(StatusCode::OK, render(&rejected))
}

/// The Rejected view of `rejected` (newest first).
pub(crate) fn render(rejected: &[Rejected]) -> Markup {
    let shown = rejected.len().min(SHOWN);
    let body = html! {
        p {
            "Requests that reached no live webhook: an unknown token (404), an expired one (410) "
            "or a path that is not " code { "/moment/TOKEN[/INTEGRATION]" } " (404). Each names the "
            "webhook it most likely meant."
        }
        div #live .live data-kind="rejected" data-stream="./_mock/stream" data-show="rejected"
            data-newest=(rejected.first().map_or("0", |r| r.id.as_str())) {
            p #live-status role="status" aria-live="polite" {}
            button #live-toggle type="button" hidden aria-pressed="false" { "Pause live updates" }
        }
        h2 { "Newest rejected requests" }
        p.meta {
            (shown) " shown of " (rejected.len()) " kept, newest first. All of them as JSON: "
            a href="./_mock/rejected" { "_mock/rejected" } "."
        }
        @if rejected.is_empty() {
            p { "None yet." }
        }
        ul.rejected {
            @for r in &rejected[..shown] { (item(r)) }
        }
    };
    layout::page("Rejected", Section::Rejected, Root::TOP, body)
}

fn item(r: &Rejected) -> Markup {
    html! {
        li.rejected id=(format!("rejected-{}", r.id)) {
            p {
                span.flag { (r.status) } " " code { (r.method) " " (r.path_hint) }
                " " span.meta { "#" (r.id) " · " (format_time(r.received_at)) }
            }
            @match &r.near {
                Some(near) => {
                    p.near {
                        "Near miss: webhook " strong { (near.label) } " (" (near.token_hint) "): " (near.why)
                    }
                }
                None => { p.near { "No live webhook looks like it." } }
            }
            dl.facts {
                dt { "User-Agent" } dd { (r.user_agent.as_deref().unwrap_or("(none)")) }
                dt { "Client address" } dd { (r.client_addr.as_deref().unwrap_or("(unknown)")) }
            }
            @if let Some(payload) = &r.payload {
                details {
                    summary { "Payload" }
                    pre { code { (serde_json::to_string_pretty(payload).unwrap_or_default()) } }
                }
            }
        }
    }
}
