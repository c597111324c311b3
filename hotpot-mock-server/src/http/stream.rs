//! `GET /_mock/stream` (spec §7): Server-Sent Events of every recorded event, rejected
//! request, webhook change and page change, each with its stream id; `Last-Event-ID` replays
//! what is still kept; a comment every 15 s; `?token=`; `event: lagged` when a reader fell
//! behind and the channel skipped ahead.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use tokio::sync::{broadcast, watch};

use super::admin::{Shared_, boxed, query};
use crate::state::Shared;
use crate::state::stream::Item;

/// How often a comment line keeps an idle stream open through proxies.
pub const STREAM_KEEP_ALIVE: Duration = Duration::from_secs(15);

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
    let reader = Reader {
        shutdown: shared.shutdown.subscribe(),
        shared,
        token,
        missed: subscription.missed,
        live: subscription.live,
        last_sent: 0,
    };
    Sse::new(events(reader))
        .keep_alive(KeepAlive::new().interval(STREAM_KEEP_ALIVE))
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
}

impl Reader {
    /// The next event to send; `None` once the server shuts down.
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            let (id, item) = match self.missed.pop_front() {
                Some(next) => next,
                None => {
                    let received = tokio::select! {
                        received = self.live.recv() => received,
                        _ = self.shutdown.wait_for(|stop| *stop) => return None,
                    };
                    match received {
                        Ok(next) => next,
                        Err(broadcast::error::RecvError::Lagged(skipped)) => {
                            let data = serde_json::json!({"skipped": skipped}).to_string();
                            return Some(SseEvent::default().event("lagged").data(data));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            };
            if id <= self.last_sent {
                continue;
            }
            self.last_sent = id;
            if let Some((name, data)) = self.shared.render(&item, self.token.as_deref()) {
                return Some(
                    SseEvent::default()
                        .id(id.to_string())
                        .event(name)
                        .data(data),
                );
            }
        }
    }
}

fn events(reader: Reader) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    stream::unfold(reader, |mut reader| async move {
        let event = reader.next().await?;
        Some((Ok(event), reader))
    })
}
