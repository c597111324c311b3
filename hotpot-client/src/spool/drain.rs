//! [`flush_spool`]: delivers what a spool holds (the spool of a service that died, say) and
//! reports; what `hotpot flush --spool DIR` runs.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::{Client, Emitter, Error, Report, Undelivered};

/// A slot a live emitter holds, which [`flush_spool`] leaves alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct LiveSlot {
    /// The holder's process id, as written in the slot's lock file (`None` when it cannot
    /// be read).
    pub pid: Option<u32>,
    /// The moments it held when its files were read: what its emitter has not settled yet
    /// (settled ones are written down in batches, so a moment just delivered may still
    /// count).
    pub moments: u64,
}

/// What [`flush_spool`] did with the moments it found.
///
/// `found == delivered + webhook_gone + rejected + other_failed + left`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FlushReport {
    /// Moments the spool held.
    pub found: u64,
    /// Answered 2xx; they left the spool.
    pub delivered: u64,
    /// Met an unknown, revoked or expired webhook (401, 403, 404, 410); they left the spool.
    pub webhook_gone: u64,
    /// Refused by Hotpot (400, 413, 415, 422); they left the spool.
    pub rejected: u64,
    /// Failed for another reason that retrying cannot fix; they left the spool.
    pub other_failed: u64,
    /// Not delivered in time (Hotpot down or slow): still in the spool, for a later run.
    pub left: u64,
    /// Damaged records or files skipped when the spool was read (logged once).
    pub damaged: u64,
    /// Slots held by live emitters, left alone: each delivers what it holds itself.
    pub live_slots: u64,
    /// Those slots, by number: their holders' process ids and the moments they held.
    pub live: Vec<LiveSlot>,
    /// The emitters' own reports (one per slot drained), added up.
    pub report: Report,
}

impl fmt::Display for FlushReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "found {}, delivered {}, webhook unknown or expired {}, refused {}, failed \
             otherwise {}, left in the spool {}",
            self.found,
            self.delivered,
            self.webhook_gone,
            self.rejected,
            self.other_failed,
            self.left
        )?;
        if self.damaged > 0 {
            write!(f, ", damaged records skipped {}", self.damaged)?;
        }
        if self.live_slots > 0 {
            write!(f, ", slots of live emitters left alone {}", self.live_slots)?;
        }
        Ok(())
    }
}

/// Delivers every moment the spool `dir` holds in slots no live emitter holds (each live
/// emitter delivers its own; they are listed in [`FlushReport::live`], with their process
/// ids and how many moments they hold), with their original `Idempotency-Key`s, through `client`, for
/// at most `timeout` in all; what is not delivered by then stays in the
/// spool for a later run. A moment that fails for good (an unknown webhook, a refused
/// payload) leaves the spool, counted by its kind.
///
/// Fails with [`Error::Config`] when the directory does not exist (a typo is not an empty
/// spool) or cannot be used. An empty spool is not an error:
/// nothing to deliver.
///
/// ```no_run
/// use std::time::Duration;
/// use hotpot_client::{Client, spool::flush_spool};
///
/// let report = flush_spool("/var/lib/myservice/hotpot-spool", Client::from_env()?, Duration::from_secs(60))?;
/// println!("{report}");
/// if report.left > 0 {
///     eprintln!("{} moments are left in the spool for a later run", report.left);
/// }
/// # Ok::<(), hotpot_client::Error>(())
/// ```
pub fn flush_spool(
    dir: impl AsRef<Path>,
    client: Client,
    timeout: Duration,
) -> Result<FlushReport, Error> {
    let started = Instant::now();
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(Error::Config(format!(
            "no spool at {}: the directory does not exist",
            dir.display()
        )));
    }
    let mut total = FlushReport::default();
    // A spool of the single-owner layout becomes a slot, free at once, drained below.
    drop(super::slots::take_over_single_owner(dir)?);
    let slots = super::slots::slots(dir)
        .map_err(|e| super::config_error(dir, "cannot read the directory", &e))?;
    for slot in slots {
        let lock = match super::lock::DirLock::try_acquire(&slot)? {
            Ok(lock) => lock,
            Err(pid) => {
                // A live emitter's: it delivers what it holds itself. Its files are only
                // read, to say how much it holds; a record being written as they are read
                // is no damage of the spool's.
                let moments = super::recover::recover(&slot).map_or(0, |r| r.live.len() as u64);
                total.live_slots += 1;
                total.live.push(LiveSlot { pid, moments });
                continue;
            }
        };
        let claimed = super::Claimed { dir: slot, lock };
        let remaining = timeout.saturating_sub(started.elapsed());
        let report = flush_slot(claimed, client.clone(), timeout, remaining)?;
        total.add(&report);
    }
    Ok(total)
}

/// [`flush_spool`] of one slot, claimed: sends for `remaining`, retrying for up to
/// `timeout` in all.
fn flush_slot(
    claimed: super::Claimed,
    client: Client,
    timeout: Duration,
    remaining: Duration,
) -> Result<FlushReport, Error> {
    let counts = Arc::new(Failures::default());
    let hook = Arc::clone(&counts);
    let mut builder = Emitter::builder(client)
        // Retried until the total time is up, then left in the spool, not failed.
        .delivery_deadline(timeout + Duration::from_secs(3600))
        .on_error(move |_, why| hook.count(why));
    builder.claimed = Some(claimed);
    let emitter = builder.build()?;
    let damaged = emitter.spool_damaged();
    emitter.flush(remaining);
    let report = emitter.shutdown(Duration::ZERO);
    let failures = |c: &AtomicU64| c.load(Ordering::SeqCst);
    let (webhook_gone, rejected, other_failed) = (
        failures(&counts.webhook),
        failures(&counts.rejected),
        failures(&counts.other),
    );
    Ok(FlushReport {
        found: report.recovered,
        delivered: report.delivered,
        webhook_gone,
        rejected,
        other_failed,
        left: report
            .recovered
            .saturating_sub(report.delivered + webhook_gone + rejected + other_failed),
        damaged,
        live_slots: 0,
        live: Vec::new(),
        report,
    })
}

impl FlushReport {
    /// Adds the counts of another slot's flush.
    fn add(&mut self, other: &FlushReport) {
        self.found += other.found;
        self.delivered += other.delivered;
        self.webhook_gone += other.webhook_gone;
        self.rejected += other.rejected;
        self.other_failed += other.other_failed;
        self.left += other.left;
        self.damaged += other.damaged;
        self.live_slots += other.live_slots;
        self.live.extend_from_slice(&other.live);
        self.report += &other.report;
    }
}

/// Failures by kind, counted by the `on_error` hook.
#[derive(Default)]
struct Failures {
    webhook: AtomicU64,
    rejected: AtomicU64,
    other: AtomicU64,
}

impl Failures {
    fn count(&self, why: &Undelivered) {
        let Some(error) = why.error() else {
            return; // a drop (not one given up at the end: those are kept, unreported)
        };
        let counter = if error.is_webhook() {
            &self.webhook
        } else if error.is_rejected() {
            &self.rejected
        } else {
            &self.other
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }
}
