//! Telling the user about moments that were not delivered: a trace, a warning at most once
//! a second per kind, and the `on_error` hook, whose panics are caught.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::EmitterState;
use crate::{DropReason, Error, Moment, Undelivered};

/// The shortest time between two warnings of one kind (drops, failures).
pub(super) const WARN_PERIOD_MS: u64 = 1_000;

impl EmitterState {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Traces a drop (a warning at most once a second) and calls the hook.
    pub(in crate::emitter) fn report_drop(&self, moment: &Moment, reason: DropReason) {
        tracing::debug!(moment = moment.name(), %reason, "hotpot emitter dropped a moment");
        // Abandoned moments are summed up in one warning by shutdown itself.
        let abandoned = matches!(
            reason,
            DropReason::Abandoned | DropReason::AbandonedInFlight
        );
        if !abandoned && let Some(held_back) = self.drop_warnings.allow(self.now_ms()) {
            tracing::warn!(
                moment = moment.name(),
                %reason,
                more_since_last_warning = held_back,
                "hotpot emitter dropped a moment"
            );
        }
        self.call_hook(moment, &Undelivered::Dropped(reason));
    }

    /// Traces a failure (a warning at most once a second) and calls the hook.
    pub(super) fn report_failure(&self, moment: &Moment, error: Error) {
        tracing::debug!(moment = moment.name(), %error, "hotpot emitter failed to deliver a moment");
        if let Some(held_back) = self.failure_warnings.allow(self.now_ms()) {
            tracing::warn!(
                moment = moment.name(),
                %error,
                more_since_last_warning = held_back,
                "hotpot emitter failed to deliver a moment"
            );
        }
        self.call_hook(moment, &Undelivered::Failed(error));
    }

    /// Calls `on_error`, if any; a panic in it is logged, never passed on.
    fn call_hook(&self, moment: &Moment, why: &Undelivered) {
        if let Some(hook) = &self.on_error
            && catch_unwind(AssertUnwindSafe(|| hook(moment, why))).is_err()
        {
            tracing::error!("the hotpot emitter's on_error hook panicked");
        }
    }
}
