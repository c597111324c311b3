//! What `GET /_mock/stream` tells (spec §7): every recorded event, rejected request and
//! webhook change gets the next stream id and goes to a broadcast channel, and into a short
//! history that a reader reconnecting with `Last-Event-ID` is replayed from.
//!
//! An item only names what it is about (an event's number, a rejected request's number):
//! publishing costs no serialisation on the ingest path; a reader renders what it sends, and
//! an item whose record has left the log is skipped. An event is rendered once for every
//! reader, from a copy of its record taken under the lock and written after it
//! ([`StoredEvent::write_json`]: the payload's bytes spliced in, never parsed again). A slow reader never holds a sender up:
//! the channel overwrites what it has not read, and it hears how much it skipped.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};

use tokio::sync::broadcast;

use super::record::{StoredBody, StoredEvent};
use super::webhooks::Ident;
use super::{Shared, State};

/// How many items the channel holds for a reader that has not read them yet.
pub(crate) const STREAM_CAPACITY: usize = 1024;

/// How many of the latest items are kept for `Last-Event-ID` replay.
pub(crate) const STREAM_HISTORY: usize = 1024;

/// One thing the stream tells.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    /// An event was recorded or changed (retried): its number, and its JSON once a reader has
    /// rendered it (every other reader sends the same text).
    Event(u64, Rendered),
    /// A request was rejected: its number.
    Rejected(u64),
    /// A webhook was created, changed or deleted: the token (for `?token=`), and the data.
    Webhook(Arc<str>, Arc<serde_json::Value>),
    /// A page changed (spec §14): the data.
    Page(Arc<serde_json::Value>),
}

/// An event's webhook (for a reader's `?token=`) and SSE message (`event: event` and its
/// data lines), rendered once for every reader (`None` inside once the event has left the
/// log).
pub(crate) type Rendered = Arc<OnceLock<Option<(Arc<Ident>, String)>>>;

/// The channel and the history.
pub(super) struct Stream {
    sender: broadcast::Sender<(u64, Item)>,
    history: VecDeque<(u64, Item)>,
    next_id: u64,
}

impl Default for Stream {
    fn default() -> Self {
        Stream {
            sender: broadcast::Sender::new(STREAM_CAPACITY),
            history: VecDeque::new(),
            next_id: 1,
        }
    }
}

/// A new reader: what it missed that is still kept, then the live channel.
pub(crate) struct Subscription {
    pub missed: VecDeque<(u64, Item)>,
    pub live: broadcast::Receiver<(u64, Item)>,
}

impl Item {
    /// An event recorded or changed, not rendered yet.
    pub(crate) fn event(seq: u64) -> Item {
        Item::Event(seq, Arc::default())
    }
}

impl State {
    /// Whether a reader is connected (an event is then rendered by the request that made it).
    pub(super) fn stream_watched(&self) -> bool {
        self.stream.sender.receiver_count() > 0
    }

    /// Publishes a new event; returns where its JSON goes, for the request that made it to
    /// write after the lock ([`render_event`]), and the item the history let go, to be freed
    /// after the lock too (it may hold the last reference to an old event's message).
    pub(super) fn publish_event(&mut self, seq: u64) -> (Rendered, Option<(u64, Item)>) {
        let rendered = Rendered::default();
        let old = self.send(Item::Event(seq, Arc::clone(&rendered)));
        (rendered, old)
    }

    /// Gives `item` the next stream id and sends it.
    pub(super) fn publish(&mut self, item: Item) {
        drop(self.send(item));
    }

    /// Gives `item` the next stream id, keeps it in the history and sends it; returns the
    /// item the history let go. The channel's copy of that item (the slot this one takes) is
    /// let go first, so that the one returned is its last reference.
    fn send(&mut self, item: Item) -> Option<(u64, Item)> {
        let stream = &mut self.stream;
        let id = stream.next_id;
        stream.next_id += 1;
        // No reader: nothing to do.
        let _ = stream.sender.send((id, item.clone()));
        let old = if stream.history.len() >= STREAM_HISTORY {
            stream.history.pop_front()
        } else {
            None
        };
        stream.history.push_back((id, item));
        old
    }
}

/// Writes the JSON of an event for every reader, from a copy of its record taken under the
/// lock (a reader that got there first already did).
pub(super) fn render_event(rendered: &Rendered, event: StoredEvent) {
    rendered.get_or_init(|| Some((Arc::clone(&event.hook), event_message(&event))));
}

/// An event's SSE message, written in one buffer: `event: event`, then its JSON as one data
/// line (or, when the payload spliced in has line breaks, one data line per line).
fn event_message(event: &StoredEvent) -> String {
    const HEAD: &[u8] = b"event: event\ndata: ";
    let mut out = Vec::with_capacity(HEAD.len() + 512 + event.body_len());
    out.extend_from_slice(HEAD);
    event.write_json(&mut out);
    // Only the payload, spliced in as received, can have line breaks: serde_json escapes
    // them in every string it writes.
    let breaks = |text: &[u8]| text.contains(&b'\n') || text.contains(&b'\r');
    if matches!(&event.body, StoredBody::Json(payload) if breaks(payload)) {
        let json = String::from_utf8_lossy(&out[HEAD.len()..]);
        let mut message = String::with_capacity(json.len() + 64);
        push_message(&mut message, "event", &json);
        return message;
    }
    out.extend_from_slice(b"\n\n");
    // Written from `str`s and the payload's checked UTF-8: always text.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends an SSE message without its id: `event: {name}`, then `data` as data lines (one
/// `data:` line per line of text), then a blank line.
pub(crate) fn push_message(out: &mut String, name: &str, data: &str) {
    out.push_str("event: ");
    out.push_str(name);
    out.push('\n');
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
}

impl Shared {
    /// Subscribes a reader that has seen everything up to `last_seen` (0: nothing, and then
    /// it is not replayed anything: a new reader starts from now).
    pub(crate) fn subscribe(&self, last_seen: Option<u64>) -> Subscription {
        let state = self.lock();
        let live = state.stream.sender.subscribe();
        let missed = match last_seen {
            Some(last) => state
                .stream
                .history
                .iter()
                .filter(|(id, _)| *id > last)
                .cloned()
                .collect(),
            None => VecDeque::new(),
        };
        Subscription { missed, live }
    }

    /// The event numbered `seq`, if it is still kept.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn event_by_seq(&self, seq: u64) -> Option<crate::Event> {
        self.lock().log.get(seq).map(|e| e.to_event())
    }

    /// Renders, under one lock, the events among `items` that no reader has rendered yet
    /// (their JSON is written after the lock is let go).
    pub(crate) fn prerender<'a>(&self, items: impl Iterator<Item = &'a Item>) {
        let pending: Vec<(u64, &Rendered)> = items
            .filter_map(|item| match item {
                Item::Event(seq, rendered) if rendered.get().is_none() => Some((*seq, rendered)),
                _ => None,
            })
            .collect();
        if pending.is_empty() {
            return;
        }
        // Under the lock only a copy of each record (reference counts and a few short
        // strings); the JSON is written after it is let go. Readers woken together render
        // each event once: one writes it, the others wait for it rather than write it too.
        let events: Vec<Option<StoredEvent>> = {
            let state = self.lock();
            pending
                .iter()
                .map(|(seq, rendered)| match rendered.get() {
                    None => state.log.get(*seq).cloned(),
                    Some(_) => None,
                })
                .collect()
        };
        for ((_, rendered), event) in pending.into_iter().zip(events) {
            match event {
                Some(event) => render_event(rendered, event),
                None => {
                    let _ = rendered.set(None);
                }
            }
        }
    }

    /// The SSE message (without its id line) of an item for a reader (with `token`, only
    /// items about that webhook); `None` for an item it does not get or whose record has
    /// gone. An event's message is rendered once and borrowed by every reader.
    pub(crate) fn render<'a>(&self, item: &'a Item, token: Option<&str>) -> Option<Cow<'a, str>> {
        let for_token = |t: &str| token.is_none_or(|want| want == t);
        let owned = |name: &str, data: &str| {
            let mut message = String::new();
            push_message(&mut message, name, data);
            Some(Cow::Owned(message))
        };
        match item {
            Item::Event(seq, rendered) => {
                if rendered.get().is_none() {
                    match self.lock().log.get(*seq).cloned() {
                        Some(event) => render_event(rendered, event),
                        None => {
                            let _ = rendered.set(None);
                        }
                    }
                }
                let (hook, message) = rendered.get()?.as_ref()?;
                for_token(&hook.token).then_some(Cow::Borrowed(message.as_str()))
            }
            Item::Rejected(id) => {
                let rejected = {
                    let state = self.lock();
                    let items = &state.rejections.items;
                    let at = items.binary_search_by_key(id, |r| r.id).ok()?;
                    let kept = &items[at];
                    if token.is_some_and(|t| !kept.is_for(t)) {
                        return None;
                    }
                    kept.to_public()
                };
                owned("rejected", &serde_json::to_string(&rejected).ok()?)
            }
            Item::Webhook(t, data) => {
                if for_token(t) {
                    owned("webhook", &data.to_string())
                } else {
                    None
                }
            }
            Item::Page(data) => {
                if token.is_none() {
                    owned("page", &data.to_string())
                } else {
                    None
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::super::event_json::tests::event;
    use super::super::record::StoredBody;
    use super::{event_message, push_message};

    #[test]
    fn an_event_message_is_its_json_in_data_lines() {
        let bodies = [&b"{\"a\": 1}"[..], &b"{\"a\":\r\n 1,\n \"b\": 2}"[..]];
        for body in bodies {
            let stored = event(StoredBody::Json(Bytes::copy_from_slice(body)));
            let mut expected = String::new();
            push_message(&mut expected, "event", &stored.to_json());
            assert_eq!(event_message(&stored), expected);
        }
        let one_line = event_message(&event(StoredBody::Json(Bytes::from_static(b"{}"))));
        assert!(one_line.starts_with("event: event\ndata: {"), "{one_line}");
        assert!(one_line.ends_with("\"payload\":{}}\n\n"), "{one_line}");
    }
}
