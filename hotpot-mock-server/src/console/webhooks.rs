//! Webhooks (`/webhooks`, after Hotpot's Settings > Webhooks): create one, copy its URL, set
//! or clear its expiry (rotation, spec §6), delete it; each with its event count, last event
//! and senders (spec §7), so that before an old URL expires one can see who still uses it. This page may hold each webhook's full URL (for its copy button): it is the owner's
//! settings screen, served on loopback. The forms post and come back here with `303`.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, Utc};
use hotpot_protocol::moment::rules::format_time;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Root, Section};
use super::moment::path_segment;
use super::{html_page, see_other, status_of};
use crate::http::admin::Timed;
use crate::model::{NewWebhook, Webhook, WebhookPatch};
use crate::state::{HookStats, Shared};
use crate::watch::Sender;

/// The types the create form offers (Hotpot's integrations; the API takes any slug).
pub(crate) const TYPES: [&str; 8] = [
    "custom",
    "datadog",
    "linear",
    "pagerduty",
    "opsgenie",
    "sentry",
    "grafana",
    "github",
];

/// What the last form did, shown once at the top.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    created: Option<String>,
    updated: Option<String>,
    deleted: Option<String>,
}

/// `GET /webhooks`.
pub(crate) async fn view(
    State(shared): State<Arc<Shared>>,
    Query(notice): Query<Notice>,
) -> Response {
    let hooks = shared.webhooks();
    let stats = shared.hook_stats();
    let senders: Vec<Vec<Sender>> = hooks
        .iter()
        .map(|h| shared.senders(&h.token).unwrap_or_default())
        .collect();
    let now = shared.now();
    html_page(
        StatusCode::OK,
        render(&hooks, &senders, &stats, now, &notice),
    )
}

/// The Webhooks view.
pub(crate) fn render(
    hooks: &[Webhook],
    senders: &[Vec<Sender>],
    stats: &std::collections::HashMap<String, HookStats>,
    now: DateTime<Utc>,
    notice: &Notice,
) -> Markup {
    let said = match (&notice.created, &notice.updated, &notice.deleted) {
        (Some(l), _, _) => Some(format!("Created webhook {l}.")),
        (_, Some(l), _) => Some(format!("Changed the expiry of webhook {l}.")),
        (_, _, Some(l)) => Some(format!("Deleted webhook {l}.")),
        _ => None,
    };
    let body = html! {
        p.notice role="status" { @if let Some(s) = &said { (s) } }
        section aria-labelledby="create-title" {
            h2 #create-title { "Create a webhook" }
            form.create method="post" action="webhooks" {
                p {
                    label for="new-label" { "Label" }
                    input #new-label type="text" name="label" required maxlength="200";
                }
                p {
                    label for="new-type" { "Type" }
                    select #new-type name="type" {
                        @for t in TYPES { option value=(t) { (t) } }
                    }
                }
                p.actions { button type="submit" { "Create webhook" } }
            }
        }
        section aria-labelledby="hooks-title" {
            h2 #hooks-title { "Webhooks" }
            p.meta {
                "To rotate a URL: give the old webhook an expiry, create a new one, and watch "
                "the old one's senders move over. Times are UTC."
            }
            ul.hooks {
                @for (i, hook) in hooks.iter().enumerate() {
                    (hook_item(i, hook, senders.get(i).map_or(&[], Vec::as_slice), stats.get(&hook.token), now))
                }
            }
        }
    };
    layout::page("Webhooks", Section::Webhooks, Root::TOP, body)
}

fn hook_item(
    i: usize,
    hook: &Webhook,
    senders: &[Sender],
    stats: Option<&HookStats>,
    now: DateTime<Utc>,
) -> Markup {
    let hint = hotpot_protocol::redact_token(&hook.token);
    let expired = hook.expires_at.is_some_and(|at| at <= now);
    let heading = format!("hook-{i}");
    let stats = stats.cloned().unwrap_or_default();
    html! {
        li.hook {
            h3 #(heading) {
                (hook.label)
                @if expired { " " span.badge.expired { "expired" } }
            }
            dl.facts {
                dt { "Type" } dd { (hook.kind) }
                dt { "Token" }
                dd {
                    code { (hint) } " "
                    button.copy type="button" hidden data-copy=(hook.url)
                        aria-label=(format!("Copy the URL of webhook {}", hook.label)) { "Copy URL" }
                    details.url {
                        summary { "Show the URL" }
                        code { (hook.url) }
                    }
                }
                dt { "Created" } dd { (format_time(hook.created_at)) }
                dt { "Expires" }
                dd {
                    @match hook.expires_at {
                        Some(at) => { (format_time(at)) @if expired { " (answered 410 since)" } }
                        None => { "never" }
                    }
                }
                dt { "Events" } dd { (stats.events) }
                dt { "Last event" }
                dd {
                    @match stats.last {
                        Some((id, at)) => {
                            a href=(format!("./?webhook={}#event-{id}", path_segment(&hook.label))) { "#" (id) }
                            " at " (format_time(at))
                        }
                        None => { "none yet" }
                    }
                }
            }
            form.expiry method="post" action="webhooks/expiry" {
                input type="hidden" name="token" value=(hook.token);
                label for=(format!("expiry-{i}")) { "New expiry of " (hook.label) " (UTC)" }
                " "
                input id=(format!("expiry-{i}")) type="datetime-local" name="expires_at" step="1"
                    value=[hook.expires_at.map(|at| at.format("%Y-%m-%dT%H:%M:%S").to_string())];
                " "
                button type="submit" name="action" value="set" { "Set expiry" }
                @if hook.expires_at.is_some() {
                    " " button type="submit" name="action" value="clear" { "Clear expiry" }
                }
            }
            h4 { "Senders" }
            @if senders.is_empty() {
                p { "Nobody has sent to it yet." }
            } @else {
                table.senders {
                    caption { "Who sent to webhook " (hook.label) ", most recent first" }
                    thead {
                        tr {
                            th scope="col" { "Source" }
                            th scope="col" { "User-Agent" }
                            th scope="col" { "Client address" }
                            th scope="col" { "First seen" }
                            th scope="col" { "Last seen" }
                            th scope="col" { "Requests" }
                        }
                    }
                    tbody {
                        @for s in senders {
                            tr {
                                td { (s.source.as_deref().unwrap_or("(none)")) }
                                td { (s.user_agent.as_deref().unwrap_or("(none)")) }
                                td { (s.client_addr.as_deref().unwrap_or("(unknown)")) }
                                td { (format_time(s.first_seen)) }
                                td { (format_time(s.last_seen)) }
                                td { (s.count) }
                            }
                        }
                    }
                }
            }
            form.delete method="post" action="webhooks/delete" {
                input type="hidden" name="token" value=(hook.token);
                button type="submit" aria-label=(format!("Delete webhook {}", hook.label)) { "Delete" }
            }
        }
    }
}

/// The create form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    label: String,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `POST /webhooks`: creates a webhook, then back to the list.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Timed(Form(form)): Timed<Form<CreateForm>>,
) -> Response {
    let mut new = NewWebhook::new(form.label.trim());
    if let Some(kind) = form.kind.filter(|k| !k.is_empty()) {
        new = new.kind(kind);
    }
    match shared.create_webhook(new) {
        Ok(hook) => see_other(&format!("webhooks?created={}", path_segment(&hook.label))),
        Err(e) => html_page(
            status_of(&e),
            layout::problem(
                "The webhook was not created",
                &e.to_string(),
                Root::TOP,
                "webhooks",
            ),
        ),
    }
}

/// The expiry form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct ExpiryForm {
    token: String,
    #[serde(default)]
    expires_at: String,
    #[serde(default)]
    action: String,
}

/// A time from the form: RFC 3339, or a `datetime-local` value (`2026-01-02T03:04[:05]`) in UTC.
fn parse_expiry(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.to_utc());
    }
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|at| at.and_utc())
        .ok_or_else(|| {
            format!(
                "expires_at: expected a date and time in UTC (2026-01-02T03:04), found {text:?}"
            )
        })
}

/// `POST /webhooks/expiry`: sets (`action=set`) or clears (`action=clear`) an expiry.
pub(crate) async fn expiry(
    State(shared): State<Arc<Shared>>,
    Timed(Form(form)): Timed<Form<ExpiryForm>>,
) -> Response {
    let at = match form.action.as_str() {
        "clear" => Ok(None),
        "set" | "" => parse_expiry(&form.expires_at).map(Some),
        other => Err(format!("action: expected set or clear, found {other:?}")),
    };
    let result = at
        .map_err(crate::Error::BadRequest)
        .and_then(|at| shared.update_webhook(&form.token, WebhookPatch::default().expires_at(at)));
    match result {
        Ok(hook) => see_other(&format!(
            "../webhooks?updated={}",
            path_segment(&hook.label)
        )),
        Err(e) => html_page(
            status_of(&e),
            layout::problem(
                "The expiry was not changed",
                &e.to_string(),
                Root::DOWN,
                "webhooks",
            ),
        ),
    }
}

/// The delete form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct DeleteForm {
    token: String,
}

/// `POST /webhooks/delete`.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Timed(Form(form)): Timed<Form<DeleteForm>>,
) -> Response {
    let result = shared
        .webhook(&form.token)
        .and_then(|hook| shared.delete_webhook(&form.token).map(|()| hook));
    match result {
        Ok(hook) => see_other(&format!(
            "../webhooks?deleted={}",
            path_segment(&hook.label)
        )),
        Err(e) => html_page(
            status_of(&e),
            layout::problem(
                "The webhook was not deleted",
                &e.to_string(),
                Root::DOWN,
                "webhooks",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_expiry;

    #[test]
    fn expiry_takes_the_form_value_or_rfc_3339() {
        let want = "2026-01-02T03:04:00Z";
        for given in [
            "2026-01-02T03:04",
            "2026-01-02T03:04:00",
            "2026-01-02T04:04:00+01:00",
        ] {
            let at = parse_expiry(given).unwrap();
            assert_eq!(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), want);
        }
        let e = parse_expiry("").unwrap_err();
        assert_eq!(
            e,
            "expires_at: expected a date and time in UTC (2026-01-02T03:04), found \"\""
        );
    }
}
