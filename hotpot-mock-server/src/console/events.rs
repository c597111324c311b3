//! Events (`/`), Integrations (`/integrations`, `/integrations/{name}`) and the Retry form
//! (`POST /events/retry`).
//!
//! Filters are query parameters (`webhook`, `integration`, `status`, `q`), so a view can be
//! bookmarked; pages go back in time with `before` (the oldest shown event's id), which keeps
//! a page stable while new events arrive.

use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Root, Section};
use super::moment::{event_item, path_segment};
use super::{html_page, see_other, status_of};
use crate::http::admin::Timed;
use crate::model::EventStatus;
use crate::state::{ConsolePage, ConsoleQuery, Shared, token_of};

/// How many events one page of the Events view shows.
pub const PAGE_EVENTS: usize = 50;

/// The Events view's query parameters, as given (a form leaves empty ones empty).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    webhook: Option<String>,
    integration: Option<String>,
    status: Option<String>,
    q: Option<String>,
    before: Option<String>,
}

fn given(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl Params {
    /// The query, or what is wrong with a parameter.
    fn query(&self) -> Result<ConsoleQuery, String> {
        let status = match given(self.status.as_ref()) {
            None => None,
            Some(s) => Some(s.parse::<EventStatus>().map_err(|e| e.to_string())?),
        };
        let before = match given(self.before.as_ref()) {
            None => None,
            Some(b) => Some(b.parse::<u64>().map_err(|_| {
                format!("before: expected an event id (a whole number), found {b:?}")
            })?),
        };
        let webhook = match given(self.webhook.as_ref()) {
            Some(w) if w.contains("://") => Some(token_of(&w).map_err(|e| e.to_string())?),
            other => other,
        };
        Ok(ConsoleQuery {
            webhook,
            integration: given(self.integration.as_ref()),
            status,
            q: given(self.q.as_ref()),
            before,
        })
    }
}

/// `query`'s filters (not its page) as a query string: `?a=b&...`, or the empty string.
fn filter_string(query: &ConsoleQuery, before: Option<u64>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    let pairs = [
        ("webhook", query.webhook.clone()),
        ("integration", query.integration.clone()),
        ("status", query.status.map(|s| s.as_str().to_owned())),
        ("q", query.q.clone()),
        ("before", before.map(|b| b.to_string())),
    ];
    for (name, value) in pairs {
        if let Some(value) = value {
            s.append_pair(name, &value);
        }
    }
    let s = s.finish();
    if s.is_empty() { s } else { format!("?{s}") }
}

/// `GET /`: every event.
pub(crate) async fn events_view(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<Params>,
) -> Response {
    match params.query() {
        Ok(query) => {
            let page = shared.console_page(&query, PAGE_EVENTS);
            let labels: Vec<String> = shared.webhooks().into_iter().map(|w| w.label).collect();
            html_page(StatusCode::OK, render_events(&page, &query, &labels, None))
        }
        Err(message) => bad_filter(&message, Root::TOP),
    }
}

/// `GET /integrations/{name}`: the events of one integration.
pub(crate) async fn integration_view(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    match params.query() {
        Ok(mut query) => {
            query.integration = Some(name.clone());
            let page = shared.console_page(&query, PAGE_EVENTS);
            let labels: Vec<String> = shared.webhooks().into_iter().map(|w| w.label).collect();
            html_page(
                StatusCode::OK,
                render_events(&page, &query, &labels, Some(&name)),
            )
        }
        Err(message) => bad_filter(&message, Root::DOWN),
    }
}

fn bad_filter(message: &str, root: Root) -> Response {
    html_page(
        StatusCode::BAD_REQUEST,
        layout::problem("That filter is not valid", message, root, "./"),
    )
}

/// The Events view (or, with `integration`, one integration's).
pub(crate) fn render_events(
    page: &ConsolePage,
    query: &ConsoleQuery,
    labels: &[String],
    integration: Option<&str>,
) -> Markup {
    let (root, title, here, section) = match integration {
        None => (
            Root::TOP,
            "Events".to_owned(),
            String::new(),
            Section::Events,
        ),
        Some(name) => (
            Root::DOWN,
            format!("Integration {name}"),
            format!("integrations/{}", path_segment(name)),
            Section::Integrations,
        ),
    };
    let back = format!("{here}{}", filter_string(query, query.before));
    let newest_link = filter_string(query, None);
    let shown = page.events.len();
    let body = html! {
        div #live .live
            data-newest=(page.newest)
            data-stream=(root.to("_mock/stream"))
            data-show=(if newest_link.is_empty() { "?" } else { newest_link.as_str() })
            data-webhook=[query.webhook.as_deref()]
            data-integration=[query.integration.as_deref()]
            data-status=[query.status.map(EventStatus::as_str)]
            data-q=[query.q.as_deref()] {
            p #live-status role="status" aria-live="polite" {}
            button #live-toggle type="button" hidden aria-pressed="false" { "Pause live updates" }
        }
        section aria-labelledby="filters-title" {
            h2 #filters-title { "Filters" }
            form.filters method="get" {
                p {
                    label for="f-webhook" { "Webhook (label or token)" }
                    input #f-webhook type="text" name="webhook" list="webhook-labels"
                        value=[query.webhook.as_deref()];
                    datalist #webhook-labels { @for l in labels { option value=(l) {} } }
                }
                @if integration.is_none() {
                    p {
                        label for="f-integration" { "Integration" }
                        input #f-integration type="text" name="integration"
                            value=[query.integration.as_deref()];
                    }
                }
                p {
                    label for="f-status" { "Status" }
                    select #f-status name="status" {
                        option value="" selected[query.status.is_none()] { "any" }
                        option value="success" selected[query.status == Some(EventStatus::Success)] { "success" }
                        option value="error" selected[query.status == Some(EventStatus::Error)] { "error" }
                    }
                }
                p {
                    label for="f-q" { "Search name, source and payload" }
                    input #f-q type="search" name="q" value=[query.q.as_deref()];
                }
                p.actions {
                    button type="submit" { "Apply filters" }
                    " " a href="?" { "Clear filters" }
                }
            }
        }
        section aria-labelledby="list-title" {
            h2 #list-title { @if query.before.is_some() { "Older events" } @else { "Newest events" } }
            p.meta {
                (shown) " shown, newest first; " (page.kept) " events kept"
                @if page.dropped > 0 { ", " (page.dropped) " dropped by the cap" }
                "."
            }
            @if page.events.is_empty() {
                p { "No events match. POST a moment to a webhook URL (see " a href=(root.to("webhooks")) { "Webhooks" } ")." }
            }
            ul.events {
                @for (event, moment) in &page.events {
                    (event_item(event, moment.as_ref(), root, &back))
                }
            }
            @if query.before.is_some() || page.older.is_some() {
                nav.pager aria-label="Pages of events" {
                    @if query.before.is_some() {
                        a href=(if newest_link.is_empty() { "?" } else { newest_link.as_str() }) { "Newest events" }
                    }
                    @if let Some(older) = page.older {
                        " " a href=(filter_string(query, Some(older))) rel="next" { "Older events" }
                    }
                }
            }
        }
    };
    layout::page(&title, section, root, body)
}

/// `GET /integrations`: every integration seen, with its event count.
pub(crate) async fn integrations_view(State(shared): State<Arc<Shared>>) -> Response {
    let seen = shared.integrations();
    let body = html! {
        p {
            "An integration is the last part of a webhook URL, "
            code { "/moment/TOKEN/INTEGRATION" } "; each has its own Events view."
        }
        @if seen.is_empty() {
            p { "No event has named an integration yet." }
        } @else {
            table {
                caption { "Integrations among the kept events" }
                thead { tr { th scope="col" { "Integration" } th scope="col" { "Events" } } }
                tbody {
                    @for (name, count) in &seen {
                        tr {
                            td { a href=(format!("integrations/{}", path_segment(name))) { (name) } }
                            td { (count) }
                        }
                    }
                }
            }
        }
    };
    html_page(
        StatusCode::OK,
        layout::page("Integrations", Section::Integrations, Root::TOP, body),
    )
}

/// The Retry form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct RetryForm {
    id: String,
    #[serde(default)]
    back: String,
}

/// Whether `back` is a view of this console (a query, or a path below the root without `..`).
fn is_console_view(back: &str) -> bool {
    (back.is_empty() || back.starts_with('?') || back.starts_with("integrations/"))
        && !back.contains("..")
        && !back.contains("//")
        && !back.contains('\\')
        && !back.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// `POST /events/retry`: processes an errored event's payload again, then back to the view.
pub(crate) async fn retry(
    State(shared): State<Arc<Shared>>,
    Timed(Form(form)): Timed<Form<RetryForm>>,
) -> Response {
    match shared.retry_event(&form.id) {
        Ok(event) => {
            let back = if is_console_view(&form.back) {
                form.back.as_str()
            } else {
                ""
            };
            see_other(&format!("../{back}#event-{}", path_segment(&event.id)))
        }
        Err(e) => html_page(
            status_of(&e),
            layout::problem(
                "The event was not retried",
                &e.to_string(),
                Root::DOWN,
                "./",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{Params, filter_string, is_console_view};

    #[test]
    fn only_console_views_are_followed_back() {
        for ok in ["", "?status=error", "integrations/ci?q=x%20y"] {
            assert!(is_console_view(ok), "{ok}");
        }
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/etc",
            "integrations/../../x",
            "?a\nb",
            "\\\\evil",
        ] {
            assert!(!is_console_view(bad), "{bad}");
        }
    }

    #[test]
    fn filters_round_trip_through_the_query_string() {
        let params = Params {
            webhook: Some(" ci ".into()),
            integration: Some(String::new()),
            status: Some("error".into()),
            q: Some("disk & co".into()),
            before: Some("120".into()),
        };
        let query = params.query().unwrap();
        assert_eq!(query.webhook.as_deref(), Some("ci"));
        assert_eq!(query.integration, None);
        assert_eq!(query.before, Some(120));
        assert_eq!(
            filter_string(&query, None),
            "?webhook=ci&status=error&q=disk+%26+co"
        );
        assert_eq!(
            filter_string(&query, Some(7)),
            "?webhook=ci&status=error&q=disk+%26+co&before=7"
        );
    }

    #[test]
    fn a_bad_filter_says_which_and_why() {
        let bad = |status: &str, before: &str| Params {
            status: Some(status.into()),
            before: Some(before.into()),
            ..Params::default()
        };
        let e = bad("broken", "").query().unwrap_err();
        assert!(e.contains("status: expected success or error"), "{e}");
        let e = bad("", "x1").query().unwrap_err();
        assert_eq!(
            e,
            "before: expected an event id (a whole number), found \"x1\""
        );
    }
}
