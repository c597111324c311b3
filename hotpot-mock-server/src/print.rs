//! `--print`: one line per received event on standard output as it arrives, like
//! `stripe listen`, so a developer running the mock in a terminal sees what their code sends:
//!
//! ```text
//! 12:00:01  ok     alert      Disk full on db-1  (webhook default)
//! 12:00:02  error  ?          (no name)  (webhook ci)  type: required: expected one of ...
//! ```

use std::io::Write as _;
use std::sync::Arc;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::model::{Event, EventStatus};
use crate::state::Shared;
use crate::state::stream::Item;

/// Longest name shown, in characters.
const NAME_CHARS: usize = 80;

/// Prints each event the stream tells of until the server stops; then prints what is still
/// in the channel (every event answered before the stop) and returns.
pub(crate) async fn print_events(shared: Arc<Shared>) {
    let mut live = shared.subscribe(None).live;
    let mut shutdown = shared.shutdown.subscribe();
    let mut stopping = false;
    loop {
        let received = if stopping {
            match live.try_recv() {
                Ok(item) => Ok(item),
                Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
                Err(_) => return,
            }
        } else {
            tokio::select! {
                received = live.recv() => received,
                _ = shutdown.wait_for(|stop| *stop) => {
                    stopping = true;
                    continue;
                }
            }
        };
        let line = match received {
            Ok((_, Item::Event(seq, _))) => match shared.event_by_seq(seq) {
                Some(event) => line(&event),
                None => continue,
            },
            Ok(_) => continue,
            Err(RecvError::Lagged(skipped)) => {
                format!("({skipped} messages not shown: the terminal fell behind)")
            }
            Err(RecvError::Closed) => return,
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// The line of one event: time, flag, type, name, webhook, problems.
pub(crate) fn line(event: &Event) -> String {
    let text = |field: &str| {
        event
            .payload
            .as_ref()
            .and_then(|p| p.get(field))
            .and_then(|v| v.as_str())
            .map(|s| one_line(s, NAME_CHARS))
    };
    let flag = match event.status {
        EventStatus::Success => "ok",
        EventStatus::Error => "error",
    };
    let kind = text("type").map_or_else(|| "?".to_owned(), |t| t.to_lowercase());
    let name = text("name").unwrap_or_else(|| "(no name)".to_owned());
    let mut line = format!(
        "{}  {flag:<5}  {kind:<9}  {name}  (webhook {})",
        event.received_at.format("%H:%M:%S"),
        one_line(&event.webhook_label, NAME_CHARS),
    );
    let problems: Vec<String> = event
        .errors
        .iter()
        .map(|p| format!("{}: {}", p.field, one_line(&p.message, 200)))
        .collect();
    if !problems.is_empty() {
        line.push_str("  ");
        line.push_str(&problems.join("; "));
    }
    line
}

/// `text` on one line (control characters as spaces), cut at `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let mut shown: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > max {
        shown.push('…');
    }
    shown
}
