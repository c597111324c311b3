//! Reads for the console (spec §15): one page of events, newest first, filtered, without
//! copying or sorting the whole log; the moments of that page; per-webhook counts.
//!
//! A page is found by walking the log backwards from its newest event (or from `before`),
//! testing each event with cheap checks on what is kept, and stopping after one event more
//! than the page holds (which says whether there are older ones). Only the page's events are
//! turned into public records.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Shared;
use super::record::{StoredBody, StoredEvent};
use crate::model::{Event, EventStatus, RecordedMoment};

/// What the console's Events view asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ConsoleQuery {
    /// A webhook's label or token.
    pub webhook: Option<String>,
    pub integration: Option<String>,
    pub status: Option<EventStatus>,
    /// Text in the name, source or payload (ASCII letters in any case).
    pub q: Option<String>,
    /// Only events older than this one (keyset pagination: stable while events arrive).
    pub before: Option<u64>,
}

/// One page of events.
#[derive(Clone, Debug)]
pub(crate) struct ConsolePage {
    /// Newest first, each with the moment it created (if still kept).
    pub events: Vec<(Event, Option<RecordedMoment>)>,
    /// The id to ask for older events with (`before`), when there are any.
    pub older: Option<u64>,
    /// The newest event's id in the whole log (the live script counts from it).
    pub newest: u64,
    /// Events kept, and dropped by the cap.
    pub kept: usize,
    pub dropped: u64,
}

/// A webhook's traffic, as the Webhooks view shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HookStats {
    pub events: usize,
    /// The newest event's id and time.
    pub last: Option<(u64, DateTime<Utc>)>,
}

impl ConsoleQuery {
    fn matches(&self, e: &StoredEvent) -> bool {
        if self.before.is_some_and(|b| e.seq >= b) {
            return false;
        }
        if let Some(w) = &self.webhook
            && *e.hook.label != **w
            && *e.hook.token != **w
        {
            return false;
        }
        if let Some(i) = &self.integration
            && e.integration.as_deref() != Some(i.as_str())
        {
            return false;
        }
        if self.status.is_some_and(|s| e.status != s) {
            return false;
        }
        if let Some(q) = &self.q {
            let body: &[u8] = match &e.body {
                StoredBody::None => &[],
                StoredBody::Json(b) | StoredBody::Raw(b) => b,
            };
            return contains_ignoring_ascii_case(body, q.as_bytes());
        }
        true
    }
}

/// Whether `needle` occurs in `hay`, ASCII letters compared without case.
fn contains_ignoring_ascii_case(hay: &[u8], needle: &[u8]) -> bool {
    let Some(first) = needle.first().map(u8::to_ascii_lowercase) else {
        return true;
    };
    // Most windows fail on their first byte: test it alone before the whole window.
    hay.windows(needle.len())
        .any(|w| w[0].to_ascii_lowercase() == first && w.eq_ignore_ascii_case(needle))
}

impl Shared {
    /// One page of at most `size` events matching `query`, newest first.
    pub(crate) fn console_page(&self, query: &ConsoleQuery, size: usize) -> ConsolePage {
        let state = self.lock();
        let log = state.log.events();
        let mut found: Vec<StoredEvent> = Vec::with_capacity(size);
        let mut older = None;
        // Ids are consecutive in the log: a page far back starts at its place, not at the end.
        let end = match (query.before, log.front()) {
            (Some(before), Some(first)) => usize::try_from(before.saturating_sub(first.seq))
                .unwrap_or(usize::MAX)
                .min(log.len()),
            _ => log.len(),
        };
        for e in log.range(..end).rev().filter(|e| query.matches(e)) {
            if found.len() == size {
                older = found.last().map(|last| last.seq);
                break;
            }
            found.push(e.clone());
        }
        // The moments of this page: recent events' moments sit at the end, so walk back from
        // there and stop once every one is found.
        let mut wanted: HashMap<Uuid, usize> = found
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((e.moment_id?, i)))
            .collect();
        let mut moments: Vec<Option<RecordedMoment>> = vec![None; found.len()];
        for m in state.log.moments().iter().rev() {
            if wanted.is_empty() {
                break;
            }
            if let Some(i) = wanted.remove(&m.id) {
                moments[i] = Some(m.to_recorded());
            }
        }
        let newest = log.back().map_or(0, |e| e.seq);
        let kept = log.len();
        let dropped = state.log.dropped_events();
        drop(state);
        let events = found
            .iter()
            .map(StoredEvent::to_event)
            .zip(moments)
            .collect();
        ConsolePage {
            events,
            older,
            newest,
            kept,
            dropped,
        }
    }

    /// Per webhook token: its kept events and the newest one.
    pub(crate) fn hook_stats(&self) -> HashMap<String, HookStats> {
        let state = self.lock();
        let mut stats: HashMap<&str, HookStats> = HashMap::new();
        for e in state.log.events() {
            let s = stats.entry(&e.hook.token).or_default();
            s.events += 1;
            s.last = Some((e.seq, e.received_at));
        }
        stats
            .into_iter()
            .map(|(token, s)| (token.to_owned(), s))
            .collect()
    }

    /// Every integration slug among the kept events, with its event count, by name.
    pub(crate) fn integrations(&self) -> BTreeMap<String, usize> {
        let state = self.lock();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for e in state.log.events() {
            if let Some(i) = &e.integration {
                *seen.entry(i.to_string()).or_default() += 1;
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::contains_ignoring_ascii_case;

    #[test]
    fn search_ignores_ascii_case_only() {
        assert!(contains_ignoring_ascii_case(
            b"{\"name\":\"Disk FULL\"}",
            b"disk full"
        ));
        assert!(contains_ignoring_ascii_case(b"abc", b""));
        assert!(!contains_ignoring_ascii_case(b"ab", b"abc"));
        assert!(!contains_ignoring_ascii_case(b"disk", b"desk"));
    }
}
