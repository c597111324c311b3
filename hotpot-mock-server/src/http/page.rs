//! `GET /`: the Events view as one HTML page, newest first, every user value escaped.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hotpot_protocol::Problem;
use hotpot_protocol::moment::rules::format_time;

use crate::model::{Event, EventStatus};
use crate::state::Shared;

/// How many events the page shows (the newest ones); the JSON API has them all.
pub const PAGE_EVENTS: usize = 200;

pub(crate) async fn page(State(shared): State<Arc<Shared>>) -> Response {
    let (events, total) = shared.newest_events(PAGE_EVENTS);
    let dropped = shared.dropped_events();
    let html = render(&events, total, dropped);
    let mut response = (StatusCode::OK, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HEAD: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hotpot mock server: events</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
ul.events{list-style:none;padding:0}
li.event{border:1px solid #ccc;border-left-width:6px;border-radius:4px;margin:.5rem 0;padding:.4rem .8rem}
li.success{border-left-color:#2a8f3c} li.error{border-left-color:#c0392b}
.flag{font-weight:bold;text-transform:uppercase;font-size:.8rem;margin-right:.5rem}
li.success .flag{color:#2a8f3c} li.error .flag{color:#c0392b}
pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;white-space:pre-wrap}
.muted{color:#777}
</style></head><body>
<h1>Events</h1>
"#;

const TAIL: &str = r#"<script>
document.querySelectorAll("form.retry").forEach(function (form) {
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    fetch(form.action, {method: "POST"}).then(function () { location.reload(); });
  });
});
</script>
</body></html>
"#;

/// The page for `events` (newest first), out of `total` kept and `dropped` dropped.
pub(crate) fn render(events: &[Event], total: usize, dropped: u64) -> String {
    let mut html = String::with_capacity(HEAD.len() + TAIL.len() + events.len() * 600);
    html.push_str(HEAD);
    let _ = writeln!(
        html,
        "<p class=\"muted\">{total} events kept, newest first{}; {dropped} dropped by the cap. \
         As JSON: <a href=\"/_mock/events\">/_mock/events</a>, <a href=\"/_mock/moments\">/_mock/moments</a>.</p>",
        if total > events.len() {
            format!(" (showing the newest {})", events.len())
        } else {
            String::new()
        }
    );
    if events.is_empty() {
        html.push_str("<p>No events yet: POST a moment to a webhook URL.</p>\n");
    }
    html.push_str("<ul class=\"events\">\n");
    for event in events {
        render_event(&mut html, event);
    }
    html.push_str("</ul>\n");
    html.push_str(TAIL);
    html
}

fn render_event(html: &mut String, event: &Event) {
    let status = event.status.as_str();
    let name = event
        .payload
        .as_ref()
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("(no name)");
    let _ = writeln!(
        html,
        "<li class=\"event {status}\" id=\"event-{id}\"><details><summary>\
         <span class=\"flag\">{status}</span> #{id} <strong>{name}</strong> \
         <span class=\"muted\">{at} · {label} ({hint}){integration}</span></summary>",
        id = escape(&event.id),
        name = escape(name),
        at = escape(&format_time(event.received_at)),
        label = escape(&event.webhook_label),
        hint = escape(&event.token_hint),
        integration = event
            .integration
            .as_deref()
            .map(|i| format!(" · {}", escape(i)))
            .unwrap_or_default(),
    );
    if let Some(id) = &event.request_id {
        let _ = writeln!(html, "<p class=\"muted\">request {}</p>", escape(id));
    }
    if let Some(id) = &event.moment_id {
        let _ = writeln!(html, "<p>Moment created: {}</p>", escape(id));
    }
    problems(html, "Problems", &event.errors);
    problems(html, "Warnings", &event.warnings);
    if let Some(payload) = &event.payload {
        let pretty = serde_json::to_string_pretty(payload).unwrap_or_default();
        let _ = writeln!(html, "<h4>Payload</h4><pre>{}</pre>", escape(&pretty));
    }
    if let Some(raw) = &event.raw_body {
        let _ = writeln!(html, "<h4>Body (not JSON)</h4><pre>{}</pre>", escape(raw));
    }
    if event.status == EventStatus::Error && event.payload.is_some() {
        let _ = writeln!(
            html,
            "<form class=\"retry\" method=\"post\" action=\"/_mock/events/{}/retry\">\
             <button type=\"submit\">Retry</button></form>",
            escape(&event.id)
        );
    }
    html.push_str("</details></li>\n");
}

fn problems(html: &mut String, title: &str, list: &[Problem]) {
    if list.is_empty() {
        return;
    }
    let _ = write!(html, "<h4>{title}</h4><ul>");
    for p in list {
        let _ = write!(
            html,
            "<li><code>{}</code>: {}</li>",
            escape(&p.field),
            escape(&p.message)
        );
    }
    html.push_str("</ul>\n");
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }
}
