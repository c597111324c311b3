//! The `Sunset` header (spec §6): a webhook that has an expiry date says so on every answer,
//! and a sender should hear it once, not on every moment.
//!
//! The first answer carrying `Sunset` for a webhook URL logs one `warn` (target
//! `hotpot_client::sunset`, so the log bridge never turns it into a moment) for the whole
//! process, whichever [`Client`](crate::Client), emitter or log bridge sent it, and leaves a
//! [`SunsetNotice`] for [`take_notices`] (the Python package logs those through Python's
//! `logging`).

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use hotpot_protocol::moment::rules::format_time;

use crate::WebhookUrl;

/// The webhook URLs warned about in this process (kept in memory only, never printed).
static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// The notices not yet taken by [`take_notices`]: at most one per webhook URL.
static NOTICES: Mutex<Vec<SunsetNotice>> = Mutex::new(Vec::new());

/// Whether [`NOTICES`] may hold any: [`take_notices`] costs one atomic load when it does not
/// (the Python package calls it on every `emit`).
static PENDING: AtomicBool = AtomicBool::new(false);

/// A webhook announced when it expires (its answers carry `Sunset`, spec §6): rotate it
/// before then.
///
/// Displays as `this webhook expires at 2026-11-30T12:00:00Z; rotate it
/// (https://api.hotpot.works/moment/845b…)`, the token redacted (spec §2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SunsetNotice {
    /// The webhook (prints redacted).
    pub webhook: WebhookUrl,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl fmt::Display for SunsetNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "this webhook expires at {}; rotate it ({})",
            format_time(self.expires_at),
            self.webhook
        )
    }
}

/// The notices logged since the last call, oldest first: one per webhook URL per process,
/// whichever client, emitter or log bridge heard the `Sunset` first. They are kept until
/// taken (at most one per webhook URL), for a program that shows them its own way.
///
/// ```
/// for notice in hotpot_client::sunset::take_notices() {
///     eprintln!("warning: {notice}");
/// }
/// ```
pub fn take_notices() -> Vec<SunsetNotice> {
    // A load first: the common case writes nothing to the shared flag.
    if !PENDING.load(Ordering::Acquire) || !PENDING.swap(false, Ordering::AcqRel) {
        return Vec::new();
    }
    NOTICES
        .lock()
        .map(|mut notices| std::mem::take(&mut *notices))
        .unwrap_or_default()
}

/// An answer from `url` carried `Sunset: at`: the first time in this process for this URL,
/// logs the warning and keeps its notice.
pub(crate) fn heard(url: &WebhookUrl, at: DateTime<Utc>) {
    let first = WARNED
        .lock()
        .is_ok_and(|mut warned| warned.insert(url.expose_url().as_str().to_owned()));
    if !first {
        return;
    }
    let notice = SunsetNotice {
        webhook: url.clone(),
        expires_at: at,
    };
    tracing::warn!(
        webhook = %url,
        expires_at = %format_time(at),
        "this webhook expires at {}; rotate it",
        format_time(at)
    );
    if let Ok(mut notices) = NOTICES.lock() {
        notices.push(notice);
        PENDING.store(true, Ordering::Release);
    }
}
