//! [`Emitter`]: background delivery that never blocks the caller and never loses a moment
//! without saying so.
//!
//! # `send` or the `Emitter`?
//!
//! - [`Client::send`] when you need the answer: the [`Receipt`](crate::Receipt) (its
//!   `request_id`) or the error, in the code path that made the moment — a CLI, a deploy
//!   script, a request handler that must report success.
//! - [`Emitter::emit`] when the moment must never slow or stall the code that makes it — a
//!   service in the middle of an incident, a hot loop, a `Drop` impl. `emit` validates,
//!   queues and returns at once, from sync or async code, inside a tokio runtime or not. The emitter sends in the background on its own small runtime, with up
//!   to [`concurrency`](EmitterBuilder::concurrency) sends at once, each retried through
//!   retryable answers (429, 5xx, timeouts, transport errors) with capped, jittered backoff
//!   until that moment's delivery deadline (default 10 minutes, counted from `emit`). Every
//!   attempt of a moment carries the same `Idempotency-Key`, so a retry cannot record it
//!   twice where the server honours the header.
//!
//! Every moment given to `emit` ends in exactly one place, counted by [`Emitter::stats`]:
//! delivered (the server answered 2xx), failed (a non-retryable answer such as 400 or 410,
//! or its deadline passed), or dropped (given up without an answer, with a [`DropReason`]);
//! the [`on_error`](EmitterBuilder::on_error) hook sees each failure and drop, as
//! [`Undelivered`].
//! Failures and drops are also traced (a `warn` at most once a second, each one at `debug`);
//! the webhook token never appears.
//!
//! # Overload
//!
//! The queue is bounded ([`capacity`](EmitterBuilder::capacity), default 10,000). When it is
//! full, [`Overflow`] decides: refuse the new moment ([`EmitError::QueueFull`], the default),
//! drop the oldest queued one, or block the caller for a bounded time. Nothing grows without
//! bound, and nothing is dropped without the hook and the counters knowing.
//!
//! # Shutdown
//!
//! [`Emitter::flush`] waits, up to a timeout, until every moment emitted before the call has
//! settled. [`Emitter::shutdown`] refuses new moments, keeps sending until the queue is
//! empty or its timeout passes, then gives up on the rest — each passed to `on_error` as
//! [`DropReason::Abandoned`] or [`DropReason::AbandonedInFlight`] — and stops the
//! emitter's thread; its [`Report`] says how many were delivered, failed, dropped, and left
//! unsent. Call it before your service exits. In async code, use
//! [`flush_async`](Emitter::flush_async) and [`shutdown_async`](Emitter::shutdown_async),
//! which do not block the executor: in a `#[tokio::test]` the blocking forms stop the test's
//! one-thread runtime, the in-process mock's with it, so its moments cannot be delivered
//! (they warn when called there, and the [`Report`] says so in `blocked_runtime`). Dropping the last handle without a shutdown sends what
//! it can for at most about 100 ms, then abandons the rest with a `warn` saying how many.
//!
//! # Surviving a crash: the spool
//!
//! Without a spool the queue lives in memory, and a process that dies without a shutdown
//! (a panic, SIGKILL, the OOM killer) loses the moments still queued. With
//! [`spool`](EmitterBuilder::spool) the queue is also kept in a directory: `emit` returns only
//! once the moment and its `Idempotency-Key` are written there, and the next emitter built on
//! that directory sends them first, with the same keys, counted as [`Stats::recovered`]. A
//! shutdown (or a drop) whose timeout passes keeps what it gives up on in the spool, counted
//! as [`Report::kept`], for the next emitter. See
//! the [`spool`](crate::spool) module for the details, and [`crate::spool::flush_spool`] to
//! drain the spool of a service that will not come back.
//!
//! # After `fork`
//!
//! A forked child does not inherit the emitter's threads: its copy of the emitter would
//! queue moments nobody sends (and its queue's lock may have been held by one of the
//! parent's threads at the fork). Build a new emitter in the child — for the Python
//! `hotpot.Emitter`, its fork handler's job — and forget the old one
//! ([`Emitter::forget_after_fork`], which also lets go of the child's copy of the spool
//! slot's lock, never the parent's lock itself);
//! dropping it in the child is safe too: it notices the fork and touches nothing the
//! parent's threads owned. The child's new emitter may use the same spool directory: it claims
//! a slot of its own, never its parent's.
//!
//! ```no_run
//! use std::time::Duration;
//! use hotpot_client::{Client, Emitter, Moment, MomentType};
//!
//! let emitter = Emitter::new(Client::from_env()?)?;
//! let moment = Moment::builder("Disk 91% full on db-1", MomentType::Alert).build()?;
//! if let Err(e) = emitter.emit(moment) {
//!     eprintln!("not queued: {e}");
//! }
//! // ... before exiting:
//! let report = emitter.shutdown(Duration::from_secs(5));
//! println!("{report}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builder;
mod report;
mod state;
mod tasks;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::runtime::{Handle, Runtime};

pub use builder::{EmitterBuilder, Overflow};
pub use report::{DropReason, EmitError, Report, Stats, Undelivered};

use crate::{Client, Error, Moment, MomentBuilder};
use state::EmitterState;

/// How long shutdown waits, after its deadline, for the moments being sent to stop.
const ABANDON_GRACE: Duration = Duration::from_millis(25);

/// The emitter's runtime threads: one is plenty for a client whose work is waiting on the
/// network, and leaves the other cores to the service.
const RUNTIME_THREADS: usize = 1;

/// Background delivery of moments: [`emit`](Emitter::emit) queues and returns at once; the
/// emitter's own thread sends, retrying until each moment is delivered, fails for good, or
/// is given up — and says which. See the [module documentation](crate::emitter) for when to use it.
///
/// Cheap to clone (clones share one queue and thread) and safe to share between threads and
/// tasks. Dropping the last clone without [`shutdown`](Emitter::shutdown) gives the queue
/// about 100 ms, then abandons the rest (and says so).
///
/// ```no_run
/// use std::time::Duration;
/// use hotpot_client::{Client, Emitter, Moment, MomentType, Overflow};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
/// let emitter = Emitter::builder(client)
///     .overflow(Overflow::DropOldest)
///     .on_error(|moment, why| eprintln!("hotpot: {} not delivered: {why}", moment.name()))
///     .build()?;
///
/// emitter.emit(Moment::builder("Deploy 1234 rolled back", MomentType::NearMiss).build()?)?;
/// emitter.emit_builder(Moment::builder("Disk 91% full on db-1", MomentType::Alert))?;
/// println!("{}", emitter.stats());
///
/// let report = emitter.shutdown(Duration::from_secs(5));
/// assert_eq!(report.delivered + report.failed + report.dropped + report.unsent(), report.emitted);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Emitter {
    owner: Arc<Owner>,
}

/// The part of the emitter its handles share; dropping it shuts the emitter down.
struct Owner {
    state: Arc<EmitterState>,
    /// Taken out (and shut down) by the first shutdown.
    runtime: Mutex<Option<Runtime>>,
    handle: Handle,
    /// The process that started the runtime: a forked child has none of its threads.
    pid: u32,
}

impl Emitter {
    /// A builder for the queue, overflow policy, concurrency, retries and hooks.
    ///
    /// ```
    /// use hotpot_client::{Client, Emitter};
    /// let client = Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// let emitter = Emitter::builder(client).capacity(1_000).concurrency(4).build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn builder(client: Client) -> EmitterBuilder {
        EmitterBuilder::new(client)
    }

    /// An emitter with the default settings (see [`EmitterBuilder`]).
    ///
    /// ```
    /// use hotpot_client::{Client, Emitter};
    /// let emitter = Emitter::new(Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn new(client: Client) -> Result<Emitter, Error> {
        EmitterBuilder::new(client).build()
    }

    fn start(state: EmitterState, concurrency: usize) -> Result<Emitter, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(RUNTIME_THREADS)
            .thread_name("hotpot-emitter")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the emitter's runtime: {e}")))?;
        let state = Arc::new(state);
        for _ in 0..concurrency {
            runtime.spawn(tasks::send_moments(Arc::clone(&state)));
        }
        runtime.spawn(tasks::watch_queue(Arc::clone(&state)));
        if state.spool.is_some() {
            runtime.spawn(tasks::adopt_orphans(Arc::clone(&state)));
        }
        Ok(Emitter {
            owner: Arc::new(Owner {
                state,
                handle: runtime.handle().clone(),
                runtime: Mutex::new(Some(runtime)),
                pid: std::process::id(),
            }),
        })
    }

    /// Queues a moment for delivery and returns at once, never waiting on the network (with
    /// [`Overflow::Block`], it may wait for room up to the configured timeout).
    ///
    /// Refuses the moment, handing it back, when the queue is full
    /// ([`EmitError::QueueFull`]) or the emitter has shut down ([`EmitError::ShutDown`]);
    /// either way it is counted as dropped and passed to the `on_error` hook.
    ///
    /// ```
    /// # // Nothing listens on this port: the example sends nowhere.
    /// # let client = hotpot_client::Client::new("http://127.0.0.1:9/moment/845b1e3c9d0f")?;
    /// use hotpot_client::{Emitter, Moment, MomentType};
    /// let emitter = Emitter::new(client)?;
    /// let moment = Moment::builder("Failed deploy with successful rollback", MomentType::NearMiss)
    ///     .source("Deploybot")
    ///     .build()?;
    /// emitter.emit(moment)?;
    /// assert_eq!(emitter.stats().emitted, 1);
    /// # emitter.shutdown(std::time::Duration::ZERO);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn emit(&self, moment: Moment) -> Result<(), EmitError> {
        self.owner.state.enqueue(moment)
    }

    /// Builds the moment — checking every rule of spec §1 — and emits it. An invalid
    /// moment is refused with [`EmitError::Invalid`], listing every problem; it is not
    /// counted (it never was a moment).
    ///
    /// ```
    /// use hotpot_client::{Client, EmitError, Emitter, Moment, MomentType};
    /// let emitter = Emitter::new(Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// let err = emitter.emit_builder(Moment::builder("", MomentType::Alert)).unwrap_err();
    /// assert!(matches!(err, EmitError::Invalid(ref v) if v.problems()[0].field == "name"));
    /// assert_eq!(emitter.stats().emitted, 0);
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn emit_builder(&self, builder: MomentBuilder) -> Result<(), EmitError> {
        self.emit(builder.build()?)
    }

    /// The counters, as one consistent snapshot: cheap enough to poll.
    ///
    /// ```
    /// use hotpot_client::{Client, Emitter};
    /// let emitter = Emitter::new(Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// let s = emitter.stats();
    /// assert_eq!(s.emitted, s.queued + s.in_flight + s.delivered + s.failed + s.dropped);
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.owner.state.stats()
    }

    /// Damaged records or files the spool skipped when it was read (0 without a spool).
    pub(crate) fn spool_damaged(&self) -> u64 {
        self.owner.state.spool.as_ref().map_or(0, |s| s.damaged())
    }

    /// In a forked child, leaves this inherited emitter without touching anything its
    /// parent's threads own (as `std::mem::forget` does), and closes the child's copy of the
    /// spool's lock descriptor, so that the spool is free again once the parent ends, even
    /// while the child lives. In the process that built the emitter it only forgets it.
    ///
    /// ```no_run
    /// # fn demo(inherited: hotpot_client::Emitter) -> Result<(), hotpot_client::Error> {
    /// // Right after fork(), in the child:
    /// inherited.forget_after_fork();
    /// let emitter = hotpot_client::Emitter::new(hotpot_client::Client::from_env()?)?;
    /// # Ok(()) }
    /// ```
    pub fn forget_after_fork(self) {
        if std::process::id() != self.owner.pid
            && let Some(spool) = &self.owner.state.spool
        {
            spool.close_inherited_lock();
        }
        std::mem::forget(self);
    }

    /// Whether [`shutdown`](Self::shutdown) has begun: `emit` refuses moments from then on.
    ///
    /// ```
    /// # let emitter = hotpot_client::Emitter::new(hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// emitter.shutdown(std::time::Duration::ZERO);
    /// assert!(emitter.is_closed());
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.owner.state.is_closed()
    }

    /// Blocks until every moment emitted before the call has settled (delivered, failed or
    /// dropped), or `timeout` passes; moments emitted meanwhile are not waited for. Returns
    /// the counts as they are then; [`Report::timed_out`] tells whether it gave up waiting.
    /// Nothing is abandoned: what is pending is still being sent.
    ///
    /// It does not need a runtime, but blocks the calling thread: in async code use
    /// [`flush_async`](Self::flush_async). Above all in a `#[tokio::test]`: its runtime has one
    /// thread, so blocking it stops every task of it, the in-process mock server's included,
    /// and the moments sent to that mock cannot be answered. Called there, `flush` says so: a
    /// `warn`, and [`Report::blocked_runtime`].
    ///
    /// ```no_run
    /// # fn demo(emitter: hotpot_client::Emitter) {
    /// use std::time::Duration;
    /// let report = emitter.flush(Duration::from_secs(2));
    /// if report.timed_out {
    ///     eprintln!("{} moments still pending", report.unsent());
    /// }
    /// # }
    /// ```
    pub fn flush(&self, timeout: Duration) -> Report {
        let blocked_runtime = blocks_its_runtime("flush", timeout);
        let deadline = deadline_after(timeout);
        let state = &self.owner.state;
        let settled = state.wait_settled(state.mark(), deadline);
        Report {
            blocked_runtime,
            ..state.report(!settled)
        }
    }

    /// [`flush`](Self::flush) without blocking: the wait runs on the emitter's own runtime,
    /// so this future can be awaited on any executor.
    ///
    /// ```no_run
    /// # async fn demo(emitter: hotpot_client::Emitter) {
    /// let report = emitter.flush_async(std::time::Duration::from_secs(2)).await;
    /// println!("{report}");
    /// # }
    /// ```
    pub async fn flush_async(&self, timeout: Duration) -> Report {
        let deadline = deadline_after(timeout);
        let state = &self.owner.state;
        let settled = self.owner.wait_async(state.mark(), deadline).await;
        state.report(!settled)
    }

    /// Stops accepting moments, keeps sending until everything queued has settled or
    /// `timeout` passes, then gives up on the rest — each passed to the `on_error` hook as
    /// [`DropReason::Abandoned`] (never sent) or [`DropReason::AbandonedInFlight`] (being
    /// sent; the server may have it) — and stops the emitter's thread. Returns within about
    /// `timeout` + 25 ms (plus the time the hooks take).
    ///
    /// With a [`spool`](EmitterBuilder::spool) nothing is given up: the moments still
    /// queued or being sent stay in the spool, counted as [`Report::kept`] (the hook is not
    /// called for them), and the next emitter on the directory sends them with their keys.
    ///
    /// The report counts the abandoned moments as `still_queued` and `in_flight` (with a
    /// spool, as `kept`); none is counted as delivered unless the server answered 2xx. Calling it again returns the
    /// same counts at once. Blocks the calling thread: in async code use
    /// [`shutdown_async`](Self::shutdown_async). Above all in a `#[tokio::test]`: its runtime
    /// has one thread, so blocking it stops every task of it, the in-process mock server's
    /// included, and every moment sent to that mock is reported undelivered. Called there,
    /// `shutdown` says so: a `warn` when it begins, and [`Report::blocked_runtime`].
    ///
    /// ```no_run
    /// # fn demo(emitter: hotpot_client::Emitter) {
    /// use std::time::Duration;
    /// let report = emitter.shutdown(Duration::from_secs(5));
    /// if report.unsent() > 0 {
    ///     eprintln!("hotpot: {} moments not delivered: {report}", report.unsent());
    /// }
    /// # }
    /// ```
    pub fn shutdown(&self, timeout: Duration) -> Report {
        let blocked_runtime = blocks_its_runtime("shutdown", timeout);
        Report {
            blocked_runtime,
            ..self.owner.shutdown(timeout)
        }
    }

    /// [`shutdown`](Self::shutdown) without blocking the executor.
    ///
    /// ```no_run
    /// # async fn demo(emitter: hotpot_client::Emitter) {
    /// let report = emitter.shutdown_async(std::time::Duration::from_secs(5)).await;
    /// println!("{report}");
    /// # }
    /// ```
    pub async fn shutdown_async(&self, timeout: Duration) -> Report {
        let deadline = deadline_after(timeout);
        let state = &self.owner.state;
        let drained = self.owner.wait_async(state.close(), deadline).await;
        let (queued, in_flight) = state.abandon();
        if in_flight > 0 {
            self.owner
                .wait_async(u64::MAX, deadline_after(ABANDON_GRACE))
                .await;
        }
        self.owner.finish(queued, !drained)
    }
}

impl Owner {
    fn shutdown(&self, timeout: Duration) -> Report {
        let deadline = deadline_after(timeout);
        let state = &self.state;
        let drained = state.wait_settled(state.close(), deadline);
        let (queued, in_flight) = state.abandon();
        if in_flight > 0 {
            state.wait_settled(u64::MAX, deadline_after(ABANDON_GRACE));
        }
        self.finish(queued, !drained)
    }

    /// The end of a shutdown, once the queue is taken out and the in-flight sends had their
    /// grace period: reports what was abandoned and stops the runtime.
    fn finish(&self, queued: Vec<state::QueuedMoment>, timed_out: bool) -> Report {
        let state = &self.state;
        state.write_off_in_flight();
        for entry in &queued {
            state.report_drop(&entry.moment, DropReason::Abandoned);
        }
        let report = state.report(timed_out);
        let runtime = self
            .runtime
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(runtime) = runtime {
            // Never blocks, so it is safe inside an async context; the moments still being
            // sent were counted above, and report themselves as they stop.
            runtime.shutdown_background();
        }
        if let Some(spool) = &state.spool {
            // What is still pending stays for the next emitter on this spool.
            spool.close();
        }
        if report.kept > 0 {
            tracing::warn!(
                kept = report.kept,
                "hotpot emitter shut down before delivering every moment: kept {} in its spool \
                 for the next emitter on the directory ({report})",
                report.kept,
            );
        }
        if timed_out && report.abandoned > 0 {
            // Those not in the queue were being sent: cancelled in their grace, or written off.
            let in_flight = report.abandoned - queued.len() as u64;
            tracing::warn!(
                still_queued = queued.len(),
                in_flight,
                "hotpot emitter shut down before delivering every moment: abandoned {} queued \
                 and {in_flight} in-flight moments ({report})",
                queued.len(),
            );
        }
        report
    }

    /// Waits on the emitter's runtime until everything before `mark` has settled or
    /// `deadline` passes, without blocking the caller's executor.
    async fn wait_async(&self, mark: u64, deadline: Instant) -> bool {
        let state = Arc::clone(&self.state);
        let wait = self
            .handle
            .spawn(async move { state.wait_settled_async(mark, deadline).await });
        match wait.await {
            Ok(settled) => settled,
            // The runtime has shut down: nothing moves any more.
            Err(_) => self.state.settled_before(mark),
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        let runtime = self
            .runtime
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if runtime.is_none() {
            return; // already shut down
        }
        if std::process::id() != self.pid {
            // A forked child: the runtime's threads exist only in the parent, and the
            // queue's lock may have been held by one of them at the fork. Touch nothing.
            std::mem::forget(runtime.take());
            return;
        }
        self.shutdown(crate::defaults::DROP_SHUTDOWN_TIMEOUT);
    }
}

/// Whether the blocking `call` (`flush` or `shutdown`) was made from async code on a
/// current-thread runtime, which it blocks while it waits; says so in a `warn` when it is.
fn blocks_its_runtime(call: &str, timeout: Duration) -> bool {
    let blocked = crate::async_context::on_current_thread_runtime();
    if blocked {
        tracing::warn!(
            "hotpot emitter: the blocking {call}({timeout:?}) was called from async code on a \
             current-thread tokio runtime (#[tokio::test]'s default), which it blocks until it \
             returns: no task of that runtime runs meanwhile, so a server on it (such as the \
             in-process mock) cannot answer, and its moments will be reported undelivered; \
             use `{call}_async(..).await` in async code"
        );
    }
    blocked
}

fn deadline_after(timeout: Duration) -> Instant {
    state::deadline_after(Instant::now(), timeout)
}

impl fmt::Debug for Emitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = &self.owner.state;
        f.debug_struct("Emitter")
            .field("client", &state.client)
            .field("stats", &state.stats())
            .finish_non_exhaustive()
    }
}
