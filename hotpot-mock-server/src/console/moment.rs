//! One event as the Events view shows it: a line that says what arrived (status, the moment's
//! name, its type badge and priority, when, through which webhook), expanding to the moment as
//! Hotpot would show it (source linked, the description from Markdown), the problems, the
//! warnings, the request's headers and client address, and the payload; an errored event also
//! gets a Retry button.

use hotpot_protocol::moment::rules::format_time;
use maud::{Markup, html};

use super::layout::Root;
use super::markdown;
use crate::model::{Event, EventStatus, RecordedMoment};
use hotpot_protocol::Problem;

/// `event` (and the moment it created) as a list item; `back` is the view's address relative
/// to the console's root, where the Retry form comes back to.
pub(crate) fn event_item(
    event: &Event,
    moment: Option<&RecordedMoment>,
    root: Root,
    back: &str,
) -> Markup {
    let status = event.status.as_str();
    let name = moment.map(|m| m.name.as_str()).unwrap_or_else(|| {
        event
            .payload
            .as_ref()
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or(if event.raw_body.is_some() {
                "(not JSON)"
            } else {
                "(no name)"
            })
    });
    let received = format_time(event.received_at);
    html! {
        li.event.(status) id=(format!("event-{}", event.id)) data-event-id=(event.id) {
            details {
                summary {
                    span.flag { (status) } " "
                    span.name { (name) }
                    @if let Some(m) = moment {
                        " " span.badge { (m.moment_type.as_str()) }
                        " " span.priority { (m.priority.as_str()) " priority" }
                    }
                    " " span.meta {
                        "#" (event.id) " · " time datetime=(received) { (received) }
                        " · " (event.webhook_label) " (" (event.token_hint) ")"
                    }
                }
                div.more {
                    @if let Some(m) = moment { (moment_block(m)) }
                    (facts(event, root))
                    (problems("Problems", &event.errors))
                    (problems("Warnings", &event.warnings))
                    @if let Some(payload) = &event.payload {
                        h3 { "Payload" }
                        pre { code { (serde_json::to_string_pretty(payload).unwrap_or_default()) } }
                    }
                    @if let Some(raw) = &event.raw_body {
                        h3 { "Body (not JSON)" }
                        pre { code { (raw) } }
                    }
                }
            }
            @if event.status == EventStatus::Error && event.payload.is_some() {
                form.retry method="post" action=(root.to("events/retry")) {
                    input type="hidden" name="id" value=(event.id);
                    input type="hidden" name="back" value=(back);
                    button type="submit" aria-label=(format!("Retry event {}", event.id)) { "Retry" }
                }
            }
        }
    }
}

/// The moment as Hotpot shows it.
fn moment_block(m: &RecordedMoment) -> Markup {
    let source_url = m.source_url.as_deref().and_then(markdown::safe_url);
    html! {
        h3 { "Moment" }
        dl.facts {
            dt { "Name" } dd { (m.name) }
            dt { "Type" } dd { span.badge { (m.moment_type.as_str()) } }
            dt { "Priority" } dd { (m.priority.as_str()) }
            @if m.source.is_some() || m.source_url.is_some() {
                dt { "Source" }
                dd {
                    @match (m.source.as_deref(), source_url) {
                        (Some(s), Some(url)) => { a href=(url) rel="nofollow noopener noreferrer" { (s) } }
                        (None, Some(url)) => { a href=(url) rel="nofollow noopener noreferrer" { (url) } }
                        (Some(s), None) => { (s) }
                        (None, None) => { (m.source_url.as_deref().unwrap_or_default()) }
                    }
                }
            }
            dt { "Occurred at" } dd { (format_time(m.occurred_at)) }
        }
        @if let Some(d) = &m.description {
            h3 { "Description" }
            div.description { (markdown::render(d)) }
        }
    }
}

/// Where the event came from.
fn facts(event: &Event, root: Root) -> Markup {
    html! {
        h3 { "Request" }
        dl.facts {
            dt { "Webhook" } dd { (event.webhook_label) " (" (event.token_hint) ")" }
            @if let Some(i) = &event.integration {
                dt { "Integration" }
                dd { a href=(root.to(&format!("integrations/{}", path_segment(i)))) { (i) } }
            }
            @if let Some(id) = &event.request_id { dt { "Request id" } dd { code { (id) } } }
            @if let Some(id) = &event.moment_id { dt { "Moment id" } dd { code { (id) } } }
            @if let Some(addr) = &event.client_addr { dt { "Client address" } dd { (addr) } }
        }
        h3 { "Headers" }
        dl.facts {
            dt { "User-Agent" } dd { (shown(event.headers.user_agent.as_deref())) }
            dt { "Content-Type" } dd { (shown(event.headers.content_type.as_deref())) }
            dt { "Idempotency-Key" } dd { (shown(event.headers.idempotency_key.as_deref())) }
        }
    }
}

/// A header's value, or that it was not sent.
fn shown(value: Option<&str>) -> &str {
    value.unwrap_or("(none)")
}

fn problems(title: &str, list: &[Problem]) -> Markup {
    html! {
        @if !list.is_empty() {
            h3 { (title) }
            ul.problems {
                @for p in list { li { code { (p.field) } ": " (p.message) } }
            }
        }
    }
}

/// `text` percent-encoded for one path segment.
pub(crate) fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
