//! `expect` (spec §7): waits until enough moments match, or finds the near misses.

use serde_json::Value;

use super::Shared;
use super::record::StoredMoment;
use crate::Error;
use crate::expect::{ExpectationFailed, MAX_NEAR_MISSES, MomentMatch, NearMiss};
use crate::model::RecordedMoment;

impl Shared {
    /// The moments (of `token`'s webhook, if given), each with its JSON form.
    fn moments_as_json(&self, token: Option<&str>) -> Vec<(RecordedMoment, Value)> {
        let state = self.lock();
        state
            .log
            .moments()
            .iter()
            .filter(|m| token.is_none_or(|t| *m.hook.token == *t))
            .map(StoredMoment::to_recorded)
            .map(|m| {
                let json = serde_json::to_value(&m).unwrap_or_default();
                (m, json)
            })
            .collect()
    }

    /// Waits up to `wanted.within` for `wanted.count` matching moments; returns them all, or
    /// the failure with its near misses. A token that names no webhook is
    /// [`Error::NotFound`].
    pub(crate) async fn expect(&self, wanted: &MomentMatch) -> Result<Vec<RecordedMoment>, Error> {
        let token = wanted
            .token
            .as_deref()
            .map(|t| self.known_token(t))
            .transpose()?;
        let token = token.as_deref();
        let count = |s: &Self| {
            s.moments_as_json(token)
                .iter()
                .filter(|(_, json)| wanted.differences(json).is_empty())
                .count()
        };
        if !wanted.within.is_zero() {
            self.wait_until(wanted.within, || count(self) >= wanted.count)
                .await;
        }
        let mut matched = Vec::new();
        let mut misses = Vec::new();
        for (moment, json) in self.moments_as_json(token) {
            let differences = wanted.differences(&json);
            if differences.is_empty() {
                matched.push(moment);
            } else {
                misses.push(NearMiss {
                    moment,
                    differences,
                });
            }
        }
        if matched.len() >= wanted.count {
            return Ok(matched);
        }
        // Fewest differences first; the newest first among equals (a stable sort of the
        // newest-first list).
        misses.reverse();
        misses.sort_by_key(|m| m.differences.len());
        misses.truncate(MAX_NEAR_MISSES);
        Err(Error::ExpectationFailed(Box::new(ExpectationFailed::new(
            wanted, matched, misses,
        ))))
    }
}
