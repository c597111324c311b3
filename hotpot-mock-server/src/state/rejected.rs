//! Requests that reached no live webhook (spec §7 `rejected`): an unknown token (404), an
//! expired one (410), a malformed webhook path (404); at most [`MAX_REJECTED`], newest first,
//! each with the live webhook it most likely meant (its "near miss").

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotpot_protocol::moment::rules::format_time;

use super::webhooks::Hook;
use super::{Shared, State};
use crate::watch::{Near, Rejected};

/// Most rejected requests kept.
pub(crate) const MAX_REJECTED: usize = 1_000;

/// What the HTTP layer tells about a rejected request.
pub(crate) struct RejectedNote {
    pub method: Box<str>,
    /// The token the path carried, if it had one in its place.
    pub token: Option<Box<str>>,
    pub path_hint: Box<str>,
    pub status: u16,
    pub user_agent: Option<Arc<str>>,
    pub client: Option<IpAddr>,
    /// The body, when it was JSON.
    pub payload: Option<Bytes>,
}

/// A rejected request as it is kept.
pub(super) struct StoredRejected {
    pub id: u64,
    pub received_at: DateTime<Utc>,
    pub note: RejectedNote,
    pub near: Option<Near>,
}

impl StoredRejected {
    pub(super) fn to_public(&self) -> Rejected {
        let n = &self.note;
        Rejected {
            id: self.id.to_string(),
            received_at: self.received_at,
            method: n.method.to_string(),
            path_hint: n.path_hint.to_string(),
            status: n.status,
            user_agent: n.user_agent.as_deref().map(str::to_owned),
            client_addr: n.client.map(|ip| ip.to_string()),
            payload: n
                .payload
                .as_ref()
                .and_then(|b| serde_json::from_slice(b).ok()),
            near: self.near.clone(),
        }
    }

    /// Whether it was a request to `token`'s path.
    pub(super) fn is_for(&self, token: &str) -> bool {
        self.note.token.as_deref() == Some(token)
    }
}

/// The kept rejected requests, oldest first.
#[derive(Default)]
pub(super) struct Rejections {
    pub items: VecDeque<StoredRejected>,
    next_id: u64,
}

impl Rejections {
    pub(super) fn clear(&mut self) {
        self.items.clear();
    }
}

impl Shared {
    /// Keeps a rejected request, with its near miss; returns its number.
    pub(crate) fn reject(&self, note: RejectedNote) -> u64 {
        let mut state = self.lock();
        let now = state.clock.now();
        let near = note.token.as_deref().and_then(|t| state.near(t, now));
        let rejections = &mut state.rejections;
        rejections.next_id += 1;
        let id = rejections.next_id;
        if rejections.items.len() >= MAX_REJECTED {
            rejections.items.pop_front();
        }
        rejections.items.push_back(StoredRejected {
            id,
            received_at: now,
            note,
            near,
        });
        state.publish(super::stream::Item::Rejected(id));
        id
    }

    /// The kept rejected requests, newest first.
    pub(crate) fn rejected(&self) -> Vec<Rejected> {
        let state = self.lock();
        state
            .rejections
            .items
            .iter()
            .rev()
            .map(StoredRejected::to_public)
            .collect()
    }
}

impl State {
    /// The live webhook a request to `token` most likely meant.
    fn near(&self, token: &str, now: DateTime<Utc>) -> Option<Near> {
        let live = |h: &&Hook| h.expires_at.is_none_or(|at| at > now);
        if let Some(expired) = self.webhooks.get(token) {
            if live(&expired) {
                let why = format!(
                    "the token is webhook `{}`'s, but the path is not /moment/TOKEN or \
                     /moment/TOKEN/INTEGRATION (a lower-case slug)",
                    expired.ident.label
                );
                return Some(near(expired, why));
            }
            let at = expired.expires_at?;
            let replacement = self
                .webhooks
                .values()
                .filter(live)
                .filter(|h| h.kind == expired.kind && h.created_at >= expired.created_at)
                .filter(|h| h.ident.id != expired.ident.id)
                .max_by_key(|h| (h.created_at, h.ident.id))?;
            let why = format!(
                "webhook `{}` expired at {}; `{}` was created after it",
                expired.ident.label,
                format_time(at),
                replacement.ident.label
            );
            return Some(near(replacement, why));
        }
        let (hook, why) = self
            .webhooks
            .values()
            .filter(live)
            .filter_map(|h| Some((h, likeness(token, &h.ident.token)?)))
            .min_by_key(|(h, (rank, _))| (*rank, h.ident.id))
            .map(|(h, (_, how))| (h, how))?;
        let why = format!(
            "this token {how} webhook `{}`'s",
            hook.ident.label,
            how = why
        );
        Some(near(hook, why))
    }
}

fn near(hook: &Hook, why: String) -> Near {
    Near {
        token_hint: hook.ident.hint.to_string(),
        label: hook.ident.label.to_string(),
        why,
    }
}

/// How `given` differs from `token`, if it is close: the same length with one or two
/// characters different, or one character more or fewer at the end. A rank (lower is closer)
/// and the words for it.
fn likeness(given: &str, token: &str) -> Option<(u8, &'static str)> {
    let (a, b) = (given.as_bytes(), token.as_bytes());
    if a.len() == b.len() {
        return match a.iter().zip(b).filter(|(x, y)| x != y).count() {
            1 => Some((1, "differs by one character from")),
            2 => Some((3, "differs by two characters from")),
            _ => None,
        };
    }
    if a.len() == b.len() + 1 && a.starts_with(b) {
        return Some((2, "has one trailing character more than"));
    }
    if b.len() == a.len() + 1 && b.starts_with(a) {
        return Some((2, "lacks the last character of"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::likeness;

    #[test]
    fn close_tokens() {
        assert_eq!(likeness("abcdef", "abcdef").map(|l| l.0), None);
        assert_eq!(likeness("abcdeX", "abcdef").map(|l| l.0), Some(1));
        assert_eq!(likeness("XbcdeX", "abcdef").map(|l| l.0), Some(3));
        assert_eq!(likeness("XYcdeX", "abcdef"), None);
        assert_eq!(likeness("abcdef/", "abcdef").map(|l| l.0), Some(2));
        assert_eq!(likeness("abcde", "abcdef").map(|l| l.0), Some(2));
        assert_eq!(likeness("bcdef", "abcdef"), None);
    }
}
