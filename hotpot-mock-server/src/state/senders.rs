//! Who sent to each webhook (spec §7 `senders`): one entry per distinct (`source`,
//! `User-Agent`, client IP address), at most [`MAX_SENDERS`] per webhook, the least recent
//! out first.

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::Shared;
use crate::Error;
use crate::watch::Sender;

/// Most senders kept per webhook.
pub(crate) const MAX_SENDERS: usize = 100;

/// One sender as it is kept.
struct Entry {
    source: Option<Box<str>>,
    user_agent: Option<Box<str>>,
    client: Option<IpAddr>,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    count: u64,
    /// When it last sent, in the order of all notes (ties of the clock broken).
    order: u64,
}

/// The senders of every webhook, by the webhook's id.
#[derive(Default)]
pub(super) struct Senders {
    by_hook: HashMap<u64, Vec<Entry>>,
    next_order: u64,
}

/// Who sent one request.
pub(super) struct Who<'a> {
    pub source: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub client: Option<IpAddr>,
}

impl Senders {
    /// Counts a request from `who` to webhook `hook` at `now`.
    pub(super) fn note(&mut self, hook: u64, who: Who<'_>, now: DateTime<Utc>) {
        self.next_order += 1;
        let order = self.next_order;
        let entries = self.by_hook.entry(hook).or_default();
        let same = entries.iter_mut().find(|e| {
            e.source.as_deref() == who.source
                && e.user_agent.as_deref() == who.user_agent
                && e.client == who.client
        });
        if let Some(entry) = same {
            entry.last_seen = now;
            entry.count += 1;
            entry.order = order;
            return;
        }
        if entries.len() >= MAX_SENDERS
            && let Some(oldest) = (0..entries.len()).min_by_key(|&i| entries[i].order)
        {
            entries.swap_remove(oldest);
        }
        entries.push(Entry {
            source: who.source.map(Box::from),
            user_agent: who.user_agent.map(Box::from),
            client: who.client,
            first_seen: now,
            last_seen: now,
            count: 1,
            order,
        });
    }

    /// Webhook `hook`'s senders, the most recent first.
    fn list(&self, hook: u64) -> Vec<Sender> {
        let Some(entries) = self.by_hook.get(&hook) else {
            return Vec::new();
        };
        let mut sorted: Vec<&Entry> = entries.iter().collect();
        sorted.sort_by_key(|e| std::cmp::Reverse(e.order));
        sorted
            .into_iter()
            .map(|e| Sender {
                source: e.source.as_deref().map(str::to_owned),
                user_agent: e.user_agent.as_deref().map(str::to_owned),
                client_addr: e.client.map(|ip| ip.to_string()),
                first_seen: e.first_seen,
                last_seen: e.last_seen,
                count: e.count,
            })
            .collect()
    }

    /// Forgets webhook `hook`'s senders.
    pub(super) fn forget(&mut self, hook: u64) {
        self.by_hook.remove(&hook);
    }

    pub(super) fn clear(&mut self) {
        self.by_hook.clear();
    }
}

impl Shared {
    /// Who sent to the webhook `token` names (its token or URL), the most recent first.
    pub(crate) fn senders(&self, token: &str) -> Result<Vec<Sender>, Error> {
        let token = self.known_token(token)?;
        let state = self.lock();
        let id = state
            .webhooks
            .get(token.as_str())
            .map(|h| h.ident.id)
            .unwrap_or_default();
        Ok(state.senders.list(id))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::{MAX_SENDERS, Senders, Who};

    #[test]
    fn one_entry_per_sender_the_least_recent_out_first() {
        let mut senders = Senders::default();
        let now = Utc::now();
        fn who(source: &str) -> Who<'_> {
            Who {
                source: Some(source),
                user_agent: Some("ua"),
                client: None,
            }
        }
        senders.note(1, who("first"), now);
        for i in 0..MAX_SENDERS {
            senders.note(1, who(&format!("s{i}")), now);
        }
        senders.note(1, who("s0"), now);
        let list = senders.list(1);
        assert_eq!(list.len(), MAX_SENDERS);
        assert!(list.iter().all(|s| s.source.as_deref() != Some("first")));
        assert_eq!(list[0].source.as_deref(), Some("s0"));
        assert_eq!(list[0].count, 2);
        assert!(senders.list(2).is_empty());
    }
}
