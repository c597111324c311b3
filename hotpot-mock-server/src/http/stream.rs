//! `GET /_mock/stream` (spec §7): Server-Sent Events of every recorded event, rejected
//! request, webhook change and page change, each with its stream id; `Last-Event-ID` replays
//! what is still kept; a comment every 15 s; `?token=`; `event: lagged` when a reader fell
//! behind and the channel skipped ahead.
//!
//! A reader writes everything it has waiting as one chunk (one wake-up and one socket write
//! for a burst of events, not one per event), and borrows each event's message, rendered once
//! for all readers (by the request that recorded it, when a reader is connected).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::{broadcast, watch};
use tokio::time::{Instant, Sleep};

use super::admin::{Shared_, boxed, query};
use crate::state::Shared;
use crate::state::stream::{Item, push_message};

/// How often a comment line keeps an idle stream open through proxies.
pub const STREAM_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A chunk stops taking what a reader has waiting once it holds this many messages.
const CHUNK_MESSAGES: usize = 256;

/// How long a reader woken by a message lets more gather before it writes them as one chunk:
/// under a burst of ingest, a reader wakes once per window rather than once per event.
const GATHER: Duration = Duration::from_millis(5);

pub(crate) async fn stream(State(shared): Shared_, headers: HeaderMap, raw: RawQuery) -> Response {
    let token = match query(raw, &["token"]).and_then(|pairs| {
        pairs
            .into_iter()
            .find(|(k, _)| k == "token")
            .map(|(_, given)| shared.known_token(&given).map_err(boxed))
            .transpose()
    }) {
        Ok(token) => token,
        Err(response) => return *response,
    };
    // A malformed id is a reader that has seen nothing still kept.
    let last_seen = headers.get("last-event-id").map(|v| {
        v.to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    });
    let subscription = shared.subscribe(last_seen);
    let keep_alive = shared.config.stream_keep_alive;
    let reader = Reader {
        shutdown: shared.shutdown.subscribe(),
        shared,
        token,
        missed: subscription.missed,
        live: subscription.live,
        last_sent: 0,
        idle: Box::pin(tokio::time::sleep(keep_alive)),
    };
    let body = Body::from_stream(stream::unfold(reader, |mut reader| async move {
        let chunk = reader.next_chunk().await?;
        Some((Ok::<_, Infallible>(chunk), reader))
    }));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// One reader's place in the stream.
struct Reader {
    shared: Arc<Shared>,
    token: Option<String>,
    missed: VecDeque<(u64, Item)>,
    live: broadcast::Receiver<(u64, Item)>,
    /// The last id sent: the live channel may repeat what the replay sent.
    last_sent: u64,
    shutdown: watch::Receiver<bool>,
    /// Fires when nothing was sent for [`STREAM_KEEP_ALIVE`].
    idle: Pin<Box<Sleep>>,
}

/// What the channel gave a reader.
enum Next {
    Item(u64, Item),
    Lagged(u64),
    /// Nothing more waiting (for a chunk already started), or nothing for a while.
    Idle,
    Closed,
}

impl Reader {
    /// The next chunk to send: every message waiting (up to [`CHUNK_MESSAGES`]), or a
    /// keep-alive comment; `None` once the server shuts down.
    async fn next_chunk(&mut self) -> Option<Bytes> {
        let mut batch: Vec<Next> = Vec::new();
        loop {
            let next = if let Some((id, item)) = self.missed.pop_front() {
                Next::Item(id, item)
            } else if !batch.is_empty() {
                match self.live.try_recv() {
                    Ok((id, item)) => Next::Item(id, item),
                    Err(broadcast::error::TryRecvError::Lagged(skipped)) => Next::Lagged(skipped),
                    Err(broadcast::error::TryRecvError::Empty) => Next::Idle,
                    Err(broadcast::error::TryRecvError::Closed) => Next::Closed,
                }
            } else {
                tokio::select! {
                    received = self.live.recv() => match received {
                        Ok((id, item)) => Next::Item(id, item),
                        Err(broadcast::error::RecvError::Lagged(skipped)) => Next::Lagged(skipped),
                        Err(broadcast::error::RecvError::Closed) => Next::Closed,
                    },
                    _ = self.shutdown.wait_for(|stop| *stop) => Next::Closed,
                    () = self.idle.as_mut() => Next::Idle,
                }
            };
            match next {
                Next::Item(id, _) if id <= self.last_sent => continue,
                Next::Item(id, _) => {
                    if batch.is_empty() {
                        // Not waiting on the channel meanwhile: a send wakes nobody.
                        tokio::time::sleep(GATHER).await;
                    }
                    self.last_sent = id;
                    batch.push(next);
                }
                Next::Lagged(_) => batch.push(next),
                Next::Idle => break,
                Next::Closed if batch.is_empty() => return None,
                Next::Closed => break,
            }
            if batch.len() >= CHUNK_MESSAGES {
                break;
            }
        }
        // The events no reader has rendered yet, under one lock for the whole chunk.
        self.shared
            .prerender(batch.iter().filter_map(|next| match next {
                Next::Item(_, item) => Some(item),
                _ => None,
            }));
        let mut out = String::with_capacity(batch.len() * 1024);
        for next in &batch {
            match next {
                Next::Item(id, item) => {
                    if let Some(message) = self.shared.render(item, self.token.as_deref()) {
                        let _ = writeln!(out, "id: {id}");
                        out.push_str(&message);
                    }
                }
                Next::Lagged(skipped) => {
                    push_message(&mut out, "lagged", &format!("{{\"skipped\":{skipped}}}"));
                }
                Next::Idle | Next::Closed => {}
            }
        }
        if out.is_empty() {
            // Nothing for this reader (an idle spell, or messages about other webhooks).
            out.push_str(":\n\n");
        }
        let keep_alive = self.shared.config.stream_keep_alive;
        self.idle.as_mut().reset(Instant::now() + keep_alive);
        Some(Bytes::from(out))
    }
}
