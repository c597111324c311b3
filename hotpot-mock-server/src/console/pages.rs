//! Pages (`/pages`, spec §14 and §15): every recorded page, newest first, with its status,
//! recipient, urgency, who was notified when (by the mock's clock) and its acknowledgements;
//! a "Mark handled" form per delivered page (`POST /pages/ack`, then `303` back).

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use hotpot_protocol::moment::rules::format_time;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Root, Section};
use super::moment::path_segment;
use super::{html_page, see_other, status_of};
use crate::http::admin::Timed;
use crate::oncall::User;
use crate::pages::{NotificationRole, PageStatus, RecordedPage};
use crate::state::Shared;

/// How many pages the view shows (the newest; `GET /_mock/pages` has every kept one).
pub(crate) const SHOWN: usize = 100;

/// `GET /pages`.
pub(crate) async fn view(State(shared): State<Arc<Shared>>) -> Response {
    let (pages, kept) = shared.newest_pages(SHOWN);
    let users = shared.users();
    html_page(StatusCode::OK, render(&pages, kept, &users, shared.now()))
}

/// The Pages view of `pages` (the newest, newest first) of `kept`, with `users` to choose from
/// when marking one handled, at `now` on the mock's clock.
pub(crate) fn render(
    pages: &[RecordedPage],
    kept: usize,
    users: &[User],
    now: DateTime<Utc>,
) -> Markup {
    let body = html! {
        p {
            "Pages sent to " code { "POST /page/person" } " and " code { "POST /page/team" }
            ", newest first. Who was notified is worked out on the mock's clock, now "
            (format_time(now)) "; marking a page handled stops its escalation."
        }
        div #live .live data-kind="page" data-stream="./_mock/stream" data-show="pages" data-newest="0" {
            p #live-status role="status" aria-live="polite" {}
            button #live-toggle type="button" hidden aria-pressed="false" { "Pause live updates" }
        }
        h2 { "Newest pages" }
        p.meta {
            (pages.len()) " shown of " (kept) " kept, newest first. All of them as JSON: "
            a href="./_mock/pages" { "_mock/pages" } ". The people they reach: "
            a href="./teams" { "Teams" } "."
        }
        @if pages.is_empty() {
            p { "No pages yet." }
        }
        ul.pages {
            @for page in pages { (item(page, users)) }
        }
    };
    layout::page("Pages", Section::Pages, Root::TOP, body)
}

/// `page-{request id}`: the anchor of a page in the view.
fn anchor(page: &RecordedPage) -> String {
    format!("page-{}", page.request_id)
}

fn role(role: NotificationRole) -> &'static str {
    match role {
        NotificationRole::Person => "person",
        NotificationRole::Stage => "stage",
        NotificationRole::Copy => "copy",
        NotificationRole::Backstop => "backstop",
    }
}

fn item(page: &RecordedPage, users: &[User]) -> Markup {
    let status = page.status.as_str();
    let anchor = anchor(page);
    html! {
        li.page.(status) id=(anchor) {
            h3 {
                span.flag { (status) } " "
                span.name { (page.title.as_deref().unwrap_or("(no title)")) }
            }
            p.meta { (page.status_message) }
            dl.facts {
                dt { "Recipient" }
                dd { (page.kind.as_str()) " " code { (page.recipient.as_deref().unwrap_or("(none)")) } }
                dt { "Urgency" } dd { (page.urgency.as_deref().unwrap_or("(none)")) }
                dt { "Received" } dd { (format_time(page.received_at)) }
                dt { "Request id" } dd { code { (page.request_id) } }
                @if let Some(url) = &page.source_url {
                    dt { "Source" }
                    dd {
                        @if url.starts_with("https://") || url.starts_with("http://") {
                            a href=(url) rel="nofollow noopener noreferrer" { (url) }
                        } @else {
                            (url)
                        }
                    }
                }
            }
            @if let Some(text) = &page.text {
                details {
                    summary { "Text" }
                    pre { (text) }
                }
            }
            @if !page.errors.is_empty() {
                p { "Problems:" }
                ul.problems {
                    @for e in &page.errors { li { code { (e.field) } ": " (e.message) } }
                }
            }
            @if page.notified.is_empty() {
                p { "Nobody was notified." }
            } @else {
                table {
                    caption { "Notified" }
                    thead { tr { th scope="col" { "Who" } th scope="col" { "Role" } th scope="col" { "Stage" } th scope="col" { "When" } } }
                    tbody {
                        @for n in &page.notified {
                            tr {
                                td { (n.email) }
                                td { (role(n.role)) }
                                td { @if let Some(s) = n.stage { (s) } @else { "—" } }
                                td { (format_time(n.at)) }
                            }
                        }
                    }
                }
            }
            @if page.acknowledgements.is_empty() {
                @if page.status == PageStatus::Success { p { "Nobody has handled it yet." } }
            } @else {
                ul.acks {
                    @for ack in &page.acknowledgements {
                        li { "Handled by " (ack.email) " at " (format_time(ack.acknowledged_at)) }
                    }
                }
            }
            @if page.status == PageStatus::Success && !users.is_empty() {
                (ack_form(page, &anchor, users))
            }
        }
    }
}

fn ack_form(page: &RecordedPage, anchor: &str, users: &[User]) -> Markup {
    let select = format!("{anchor}-email");
    html! {
        form.ack method="post" action="./pages/ack" {
            input type="hidden" name="id" value=(page.request_id);
            label for=(select) { "Handled by" }
            select id=(select) name="email" {
                @for u in users { option value=(u.email) { (u.name) " <" (u.email) ">" } }
            }
            " "
            button type="submit" { "Mark handled" }
        }
    }
}

/// The "Mark handled" form: the page's request id and the user's e-mail.
#[derive(Debug, Deserialize)]
pub(crate) struct AckForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    email: String,
}

/// `POST /pages/ack`: records that the chosen user handled the page, then back to it.
pub(crate) async fn ack(
    State(shared): State<Arc<Shared>>,
    Timed(Form(form)): Timed<Form<AckForm>>,
) -> Response {
    match shared.acknowledge(&form.id, &form.email) {
        Ok(_) => {
            // The id as the view spells it (a request id is a UUID: it parsed to be found).
            let id =
                uuid::Uuid::try_parse(form.id.trim()).map_or(form.id.clone(), |u| u.to_string());
            see_other(&format!("../pages#page-{}", path_segment(&id)))
        }
        Err(e) => html_page(
            status_of(&e),
            layout::problem(
                "The page was not marked handled",
                &e.to_string(),
                Root::DOWN,
                "pages",
            ),
        ),
    }
}
