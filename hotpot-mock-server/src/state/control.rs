//! What a test steers: queued faults, the clock, and reset.

use chrono::{DateTime, TimeDelta, Utc};

use super::clock::Clock;
use super::rate::Bucket;
use super::{Shared, State};
use crate::{Error, Fault};

impl Shared {
    /// Queues a fault; returns how many are queued now.
    /// A fault's `token` may be the webhook's URL (it is kept as the token); a token that names
    /// no webhook is [`Error::NotFound`]: the fault would never fire.
    pub(crate) fn push_fault(&self, mut fault: Fault) -> Result<usize, Error> {
        fault.validate()?;
        if let Some(given) = fault.token.take() {
            fault.token = Some(self.known_token(&given)?);
        }
        let mut state = self.lock();
        state.faults.push_back(fault);
        Ok(state.faults.len())
    }

    /// How many faults are queued (a fault hitting several requests counts once).
    pub(crate) fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    /// The queued faults, in the order they hit; with `token`, only that webhook's.
    pub(crate) fn faults(&self, token: Option<&str>) -> Vec<Fault> {
        let state = self.lock();
        state
            .faults
            .iter()
            .filter(|f| token.is_none_or(|t| f.token.as_deref() == Some(t)))
            .cloned()
            .collect()
    }

    /// Drops the queued faults (with `token`, only that webhook's); returns how many went.
    pub(crate) fn clear_faults(&self, token: Option<&str>) -> usize {
        let mut state = self.lock();
        let before = state.faults.len();
        match token {
            None => state.faults.clear(),
            Some(t) => state.faults.retain(|f| f.token.as_deref() != Some(t)),
        }
        before - state.faults.len()
    }

    /// The server's "now".
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.lock().clock.now()
    }

    /// "Now", and whether the clock is frozen.
    pub(crate) fn clock(&self) -> (DateTime<Utc>, bool) {
        let state = self.lock();
        (state.clock.now(), state.clock.is_frozen())
    }

    pub(crate) fn set_clock(&self, now: DateTime<Utc>) {
        self.move_clock(|clock| *clock = Clock::Frozen(now));
        self.changed.notify_waiters();
    }

    pub(crate) fn advance_clock(&self, by: TimeDelta) {
        self.move_clock(|clock| clock.advance(by));
    }

    pub(crate) fn reset_clock(&self) {
        self.move_clock(|clock| *clock = Clock::default());
    }

    /// Moves the clock, and tells the stream about pages whose next notification came due.
    fn move_clock(&self, change: impl FnOnce(&mut Clock)) {
        let mut state = self.lock();
        change(&mut state.clock);
        state.publish_due_pages();
    }

    /// How many `Idempotency-Key`s the bound pushed out.
    pub(crate) fn evicted_idempotency_keys(&self) -> u64 {
        self.lock().idempotency.evicted()
    }

    /// Forgets events, moments, pages, faults, remembered idempotent answers, rate-limit buckets,
    /// senders and rejected requests;
    /// with `webhooks`, also every webhook but the default one, which gets its first state back.
    pub(crate) fn reset(&self, webhooks: bool) {
        {
            let mut state = self.lock();
            state.log.clear();
            state.faults.clear();
            state.idempotency.clear();
            state.senders.clear();
            state.rejections.clear();
            state.reset_paging(false);
            for hook in state.webhooks.values_mut() {
                hook.bucket = Bucket::default();
            }
            if webhooks {
                let default = state.default_token.clone();
                state.webhooks.retain(|token, _| *token == default);
                state.insert_default();
            }
        }
        self.clear_journal();
        self.changed.notify_waiters();
    }
}

impl State {
    /// The first queued fault for a request to `token`, counted down.
    pub(super) fn take_fault(&mut self, token: &str) -> Option<Fault> {
        if self.faults.is_empty() {
            return None;
        }
        self.take_first_fault(|f| {
            f.route != Some(crate::fault::FaultRoute::Pages)
                && f.token.as_deref().is_none_or(|t| t == token)
        })
    }

    /// The first queued fault that `hits` a request, counted down (removed at its last hit).
    pub(super) fn take_first_fault(&mut self, hits: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let index = self.faults.iter().position(hits)?;
        let fault = &mut self.faults[index];
        if fault.count > 1 {
            fault.count -= 1;
            Some(fault.clone())
        } else {
            self.faults.remove(index)
        }
    }
}
