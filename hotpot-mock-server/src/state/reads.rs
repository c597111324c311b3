//! Reads and waits: events and moments with their filters, counts, a request's status
//! (spec §4), and the waits that wake on every change.
//!
//! Reads copy what they need under the lock and build the public records after releasing it.

use std::time::Duration;

use hotpot_protocol::Problem;
use uuid::Uuid;

use super::Shared;
use super::ingest::{no_event, parse_event_id};
use super::record::{StoredEvent, StoredMoment};
use crate::Error;
use crate::model::{Event, EventStatus, RecordedMoment};

/// Which events or moments a read wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    pub token: Option<String>,
    pub status: Option<EventStatus>,
}

impl Filter {
    fn event(&self, e: &StoredEvent) -> bool {
        self.token.as_deref().is_none_or(|t| *e.hook.token == *t)
            && self.status.is_none_or(|s| e.status == s)
    }

    fn moment(&self, m: &StoredMoment) -> bool {
        self.token.as_deref().is_none_or(|t| *m.hook.token == *t)
    }
}

/// A request status (spec §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestView {
    pub request_id: Uuid,
    pub status: EventStatus,
    pub errors: Vec<Problem>,
    pub moment_id: Option<Uuid>,
}

impl Shared {
    /// The status of the request with this id, if its event is still kept.
    pub(crate) fn request_status(&self, request_id: &str) -> Option<RequestView> {
        let id = Uuid::try_parse(request_id).ok()?;
        let state = self.lock();
        let event = state
            .log
            .get(state.request_ids.seq_of(&id))
            .filter(|e| e.request_id == Some(id))?;
        Some(RequestView {
            request_id: id,
            status: event.status,
            errors: event.errors.clone(),
            moment_id: event.moment_id,
        })
    }

    /// Matching events, oldest first, and how many events the cap has dropped so far.
    pub(crate) fn events(&self, filter: &Filter) -> (Vec<Event>, u64) {
        let state = self.lock();
        let events: Vec<StoredEvent> = state
            .log
            .events()
            .iter()
            .filter(|e| filter.event(e))
            .cloned()
            .collect();
        let dropped = state.log.dropped_events();
        drop(state);
        (events.iter().map(StoredEvent::to_event).collect(), dropped)
    }

    /// Matching moments, oldest first, and how many moments the cap has dropped so far.
    pub(crate) fn moments(&self, filter: &Filter) -> (Vec<RecordedMoment>, u64) {
        let state = self.lock();
        let moments: Vec<RecordedMoment> = state
            .log
            .moments()
            .iter()
            .filter(|m| filter.moment(m))
            .map(StoredMoment::to_recorded)
            .collect();
        (moments, state.log.dropped_moments())
    }

    /// One event by id.
    pub(crate) fn event(&self, id: &str) -> Result<Event, Error> {
        let seq = parse_event_id(id)?;
        let state = self.lock();
        let event = state.log.get(seq).cloned().ok_or_else(|| no_event(id))?;
        drop(state);
        Ok(event.to_event())
    }

    /// How many events and moments are kept.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let state = self.lock();
        (state.log.events().len(), state.log.moments().len())
    }

    /// How many events the cap has dropped so far.
    pub(crate) fn dropped_events(&self) -> u64 {
        self.lock().log.dropped_events()
    }

    fn count_events(&self, filter: &Filter) -> usize {
        let state = self.lock();
        let events = state.log.events();
        if *filter == Filter::default() {
            events.len()
        } else {
            events.iter().filter(|e| filter.event(e)).count()
        }
    }

    fn count_moments(&self, filter: &Filter) -> usize {
        let state = self.lock();
        let moments = state.log.moments();
        if filter.token.is_none() {
            moments.len()
        } else {
            moments.iter().filter(|m| filter.moment(m)).count()
        }
    }

    /// Waits until at least `min` events match, `timeout` passes or the server shuts down;
    /// returns whether `min` was reached.
    pub(crate) async fn wait_events(&self, filter: &Filter, min: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, || self.count_events(filter) >= min)
            .await
    }

    /// Like [`wait_events`](Self::wait_events), for moments.
    pub(crate) async fn wait_moments(
        &self,
        filter: &Filter,
        min: usize,
        timeout: Duration,
    ) -> bool {
        self.wait_until(timeout, || self.count_moments(filter) >= min)
            .await
    }

    pub(super) async fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut() -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut shutdown = self.shutdown.subscribe();
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Register before checking, so a change between the check and the wait wakes us.
            notified.as_mut().enable();
            if done() {
                return true;
            }
            if *shutdown.borrow_and_update() {
                return false;
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(deadline) => return done(),
                _ = shutdown.changed() => return done(),
            }
        }
    }
}
