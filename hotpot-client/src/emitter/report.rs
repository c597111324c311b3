//! What the emitter tells its caller: [`EmitError`] when `emit` refuses a moment,
//! [`Undelivered`] (and its [`DropReason`]) for each moment it does not deliver, [`Stats`] at
//! any time and a [`Report`] at the end of `flush` and `shutdown`.

use std::fmt;

use crate::{Error, Moment, ValidationError};

/// Why [`Emitter::emit`](crate::Emitter::emit) refused a moment. The refused moment is
/// handed back (except an invalid one, which never became a [`Moment`]).
///
/// ```
/// use hotpot_client::{Client, EmitError, Emitter, Moment, MomentType};
/// # fn demo(emitter: &Emitter, moment: Moment) {
/// match emitter.emit(moment) {
///     Ok(()) => {}
///     Err(EmitError::QueueFull(moment)) => eprintln!("overloaded, not sent: {}", moment.name()),
///     Err(e) => eprintln!("not sent: {e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The moment breaks a rule of spec §1 (from
    /// [`Emitter::emit_builder`](crate::Emitter::emit_builder)); nothing was queued.
    #[error(transparent)]
    Invalid(#[from] ValidationError),

    /// The queue was full: with [`Overflow::DropNewest`](crate::Overflow::DropNewest) at
    /// once, with [`Overflow::Block`](crate::Overflow::Block) after its timeout. Counted as
    /// dropped ([`DropReason::QueueFull`]).
    #[error("{}", DropReason::QueueFull.describe(.0.name()))]
    QueueFull(Moment),

    /// The emitter has shut down (or is shutting down). Counted as dropped
    /// ([`DropReason::ShutDown`]).
    #[error("{}", DropReason::ShutDown.describe(.0.name()))]
    ShutDown(Moment),

    /// The emitter's spool could not store the moment: a full disk, a directory no longer
    /// writable, a moment larger than a spool record takes. Nothing was queued. Counted as
    /// dropped ([`DropReason::Spool`]). The message ends with what the operating system said,
    /// so the `io::Error` is not also its `source()`: read it from the `error` field.
    #[error("{}: {error}", DropReason::Spool.describe(.moment.name()))]
    Spool {
        /// The refused moment.
        moment: Moment,
        /// What the operating system said.
        error: std::io::Error,
    },
}

impl EmitError {
    /// The refused moment, to keep or send another way; `None` for an invalid one.
    ///
    /// ```
    /// # fn demo(emitter: &hotpot_client::Emitter, moment: hotpot_client::Moment) {
    /// if let Err(e) = emitter.emit(moment) {
    ///     if let Some(moment) = e.into_moment() {
    ///         eprintln!("kept aside: {}", moment.to_json());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn into_moment(self) -> Option<Moment> {
        match self {
            EmitError::Invalid(_) => None,
            EmitError::QueueFull(m) | EmitError::ShutDown(m) => Some(m),
            EmitError::Spool { moment, .. } => Some(moment),
        }
    }

    /// The reason the moment counts as dropped, `None` for an invalid one (never counted).
    ///
    /// ```
    /// use hotpot_client::{DropReason, EmitError, Moment, MomentType};
    /// let moment = Moment::builder("Disk full", MomentType::Alert).build()?;
    /// assert_eq!(EmitError::QueueFull(moment).drop_reason(), Some(DropReason::QueueFull));
    /// # Ok::<(), hotpot_client::ValidationError>(())
    /// ```
    pub fn drop_reason(&self) -> Option<DropReason> {
        match self {
            EmitError::Invalid(_) => None,
            EmitError::QueueFull(_) => Some(DropReason::QueueFull),
            EmitError::ShutDown(_) => Some(DropReason::ShutDown),
            EmitError::Spool { .. } => Some(DropReason::Spool),
        }
    }
}

/// Why the emitter gave a moment up without an answer from the server. Each drop is passed
/// to the [`on_error`](crate::EmitterBuilder::on_error) hook as [`Undelivered::Dropped`],
/// counted in [`Stats::dropped`] and traced.
///
/// ```
/// use hotpot_client::DropReason;
/// assert_eq!(DropReason::QueueFull.as_str(), "queue_full");
/// assert_eq!(DropReason::AbandonedInFlight.to_string(), "abandoned_in_flight");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// `emit` found the queue full ([`Overflow::DropNewest`](crate::Overflow::DropNewest),
    /// or [`Overflow::Block`](crate::Overflow::Block) after its timeout).
    QueueFull,
    /// Removed from the queue, unsent, to make room for a newer moment
    /// ([`Overflow::DropOldest`](crate::Overflow::DropOldest)).
    Displaced,
    /// Emitted after shutdown began.
    ShutDown,
    /// Still queued, never sent, when shutdown (or drop) reached its deadline.
    Abandoned,
    /// Being sent when shutdown reached its deadline: the server may or may not have
    /// received it. Never counted as delivered.
    AbandonedInFlight,
    /// The spool could not store it ([`EmitError::Spool`]).
    Spool,
}

impl DropReason {
    /// A stable snake_case name (`queue_full`, `displaced`, `shut_down`, `abandoned`,
    /// `abandoned_in_flight`, `spool`), for logs and the Python layer.
    ///
    /// ```
    /// assert_eq!(hotpot_client::DropReason::Displaced.as_str(), "displaced");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::Displaced => "displaced",
            DropReason::ShutDown => "shut_down",
            DropReason::Abandoned => "abandoned",
            DropReason::AbandonedInFlight => "abandoned_in_flight",
            DropReason::Spool => "spool",
        }
    }
}

impl DropReason {
    /// What happened to the moment named `name`, in one sentence: the message of
    /// [`EmitError`] and of the Python package's `DroppedError`.
    ///
    /// ```
    /// use hotpot_client::DropReason;
    /// assert_eq!(
    ///     DropReason::QueueFull.describe("Disk full"),
    ///     r#"the emitter's queue is full: moment "Disk full" not queued"#
    /// );
    /// ```
    pub fn describe(self, name: &str) -> String {
        match self {
            DropReason::QueueFull => {
                format!("the emitter's queue is full: moment {name:?} not queued")
            }
            DropReason::Displaced => format!(
                "moment {name:?} dropped unsent: the queue was full and a newer moment took its place"
            ),
            DropReason::ShutDown => {
                format!("the emitter has shut down: moment {name:?} not queued")
            }
            DropReason::Abandoned => format!(
                "moment {name:?} abandoned unsent: the emitter shut down before it could be sent"
            ),
            DropReason::AbandonedInFlight => format!(
                "moment {name:?} abandoned while being sent: the emitter shut down before \
                 Hotpot answered (Hotpot may have it)"
            ),
            DropReason::Spool => {
                format!("the emitter's spool cannot store moment {name:?}: not queued")
            }
        }
    }
}

/// Why a moment given to [`Emitter::emit`](crate::Emitter::emit) was not delivered: what the
/// [`on_error`](crate::EmitterBuilder::on_error) hook is told, once per such moment.
///
/// ```
/// use hotpot_client::{DropReason, Undelivered};
/// let why = Undelivered::Dropped(DropReason::Displaced);
/// assert_eq!(why.drop_reason(), Some(DropReason::Displaced));
/// assert!(why.error().is_none());
/// assert_eq!(why.to_string(), "dropped (displaced)");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Undelivered {
    /// Failed for good: a non-retryable answer (400, 404, 410, ...), or the delivery deadline
    /// passed (the last attempt's error). Counted in [`Stats::failed`].
    Failed(Error),
    /// Given up without an answer from the server. Counted in [`Stats::dropped`].
    Dropped(DropReason),
}

impl Undelivered {
    /// The error of a failure, `None` for a drop.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Undelivered::Failed(error) => Some(error),
            Undelivered::Dropped(_) => None,
        }
    }

    /// The reason of a drop, `None` for a failure.
    pub fn drop_reason(&self) -> Option<DropReason> {
        match self {
            Undelivered::Failed(_) => None,
            Undelivered::Dropped(reason) => Some(*reason),
        }
    }
}

impl fmt::Display for Undelivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undelivered::Failed(error) => write!(f, "failed: {error}"),
            Undelivered::Dropped(reason) => write!(f, "dropped ({reason})"),
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The emitter's counters, as one consistent snapshot ([`Emitter::stats`](crate::Emitter::stats)).
///
/// Every valid moment handed to `emit` is in exactly one of `queued`, `in_flight`,
/// `delivered`, `failed`, `dropped` and `kept`, so at every moment
/// `emitted == queued + in_flight + delivered + failed + dropped + kept`.
///
/// ```
/// # fn demo(emitter: &hotpot_client::Emitter) {
/// let s = emitter.stats();
/// assert_eq!(s.emitted, s.queued + s.in_flight + s.delivered + s.failed + s.dropped + s.kept);
/// println!("{s}");
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stats {
    /// Valid moments handed to `emit` since the emitter was built, refused ones included.
    pub emitted: u64,
    /// Waiting in the queue.
    pub queued: u64,
    /// Being sent (an attempt under way, or waiting to retry).
    pub in_flight: u64,
    /// Answered 2xx by the server.
    pub delivered: u64,
    /// Given up after a non-retryable answer, or when their delivery deadline passed; each
    /// was passed to the [`on_error`](crate::EmitterBuilder::on_error) hook.
    pub failed: u64,
    /// Given up without an answer (see [`DropReason`]); each was passed to the
    /// [`on_error`](crate::EmitterBuilder::on_error) hook.
    pub dropped: u64,
    /// Given up on by `shutdown` (its timeout passed) with a spool: left in the spool, not
    /// dropped, for the next emitter on the directory to send (which counts them as
    /// [`recovered`](Self::recovered)); never passed to the `on_error` hook. Always 0
    /// without a spool, where they count as dropped.
    pub kept: u64,
    /// Retries made (attempts after a moment's first), delivered or not.
    pub retried: u64,
    /// Of `emitted`: moments found in the spool when the emitter was built, left by a
    /// process that died (0 without a spool). They count as emitted, then as delivered,
    /// failed or dropped like any other.
    pub recovered: u64,
}

impl Stats {
    /// Queued or in flight: emitted, not yet settled.
    ///
    /// ```
    /// # fn demo(emitter: &hotpot_client::Emitter) {
    /// println!("{} moments pending", emitter.stats().pending());
    /// # }
    /// ```
    pub fn pending(&self) -> u64 {
        self.queued + self.in_flight
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "emitted {}, queued {}, in flight {}, delivered {}, failed {}, dropped {}, retried {}",
            self.emitted,
            self.queued,
            self.in_flight,
            self.delivered,
            self.failed,
            self.dropped,
            self.retried
        )?;
        kept_suffix(f, self.kept)?;
        recovered_suffix(f, self.recovered)
    }
}

/// What [`Emitter::flush`](crate::Emitter::flush) and
/// [`Emitter::shutdown`](crate::Emitter::shutdown) found when they returned; counts since the
/// emitter was built.
///
/// The counts add up:
/// `emitted == delivered + failed + dropped + kept + still_queued + in_flight`.
///
/// - After `flush`, `still_queued` and `in_flight` are moments not settled yet (when the
///   timeout passed, or emitted after the call began); they are still being delivered.
/// - After `shutdown` nothing is pending: without a spool, the moments it gave up when its
///   deadline passed are `dropped` (as in [`Stats`]), each passed to the `on_error` hook
///   ([`DropReason::Abandoned`] or [`DropReason::AbandonedInFlight`]) and counted again in
///   `abandoned`, the part of `dropped` this shutdown gave up.
/// - After `shutdown` with a spool, the moments it gave up on stay in the spool and are
///   counted as `kept` only (its `still_queued` and `in_flight` are then 0); the hook is not
///   called for them, and the next emitter on the directory sends them.
///
/// ```
/// # fn demo(emitter: &hotpot_client::Emitter) {
/// use std::time::Duration;
/// let report = emitter.shutdown(Duration::from_secs(5));
/// if !report.is_complete() {
///     eprintln!("gave up {} moments: {report}", report.unsent());
/// }
/// assert_eq!(
///     report.emitted,
///     report.delivered
///         + report.failed
///         + report.dropped
///         + report.kept
///         + report.still_queued
///         + report.in_flight
/// );
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Report {
    /// Valid moments handed to `emit`, refused ones included.
    pub emitted: u64,
    /// Answered 2xx by the server.
    pub delivered: u64,
    /// Given up after a non-retryable answer or at their delivery deadline.
    pub failed: u64,
    /// Given up without an answer (see [`DropReason`]), as [`Stats::dropped`] counts them.
    pub dropped: u64,
    /// Of `dropped`: given up by `shutdown` when its deadline passed, queued or mid-send
    /// (the server may have received those; none is counted as delivered); 0 after `flush`
    /// and with a spool (which keeps them).
    pub abandoned: u64,
    /// Given up on by `shutdown` with a spool, and left in it for the next emitter (see
    /// [`Stats::kept`]); 0 after `flush`, and without a spool.
    pub kept: u64,
    /// In the queue, never sent, when `flush` returned (0 after `shutdown`).
    pub still_queued: u64,
    /// Being sent when `flush` returned (0 after `shutdown`).
    pub in_flight: u64,
    /// Retries made.
    pub retried: u64,
    /// Of `emitted`: moments recovered from the spool (see [`Stats::recovered`]).
    pub recovered: u64,
    /// Whether the timeout passed before every moment the call waited for had settled.
    pub timed_out: bool,
    /// Whether the blocking call was made from async code on a current-thread tokio runtime
    /// (`#[tokio::test]`'s default), which it blocked while it waited: no task of that
    /// runtime ran meanwhile, so a server on it (the in-process mock) could not answer, and its
    /// moments were reported undelivered. Use `flush_async` / `shutdown_async` there. Also
    /// logged as a `warn` when the call begins.
    pub blocked_runtime: bool,
}

impl Report {
    /// Whether every moment the call waited for settled in time (`!timed_out`).
    ///
    /// ```
    /// # fn demo(emitter: &hotpot_client::Emitter) {
    /// if !emitter.flush(std::time::Duration::from_secs(1)).is_complete() {
    ///     eprintln!("Hotpot is slow: moments still pending");
    /// }
    /// # }
    /// ```
    pub fn is_complete(&self) -> bool {
        !self.timed_out
    }

    /// The moments not delivered when the call returned: pending (`still_queued + in_flight`),
    /// or given up by a shutdown (`abandoned`, or `kept` in the spool for the next emitter).
    ///
    /// ```
    /// # fn demo(emitter: &hotpot_client::Emitter) {
    /// let report = emitter.shutdown(std::time::Duration::from_secs(1));
    /// println!("{} moments were not delivered in time", report.unsent());
    /// # }
    /// ```
    pub fn unsent(&self) -> u64 {
        self.still_queued + self.in_flight + self.abandoned + self.kept
    }
}

impl std::ops::AddAssign<&Report> for Report {
    /// Adds up two reports (one per emitter, say): every count is summed, and `timed_out` and
    /// `blocked_runtime` hold if they held in either.
    ///
    /// ```
    /// # fn demo(a: &hotpot_client::Emitter, b: &hotpot_client::Emitter) {
    /// let timeout = std::time::Duration::from_secs(1);
    /// let mut total = a.flush(timeout);
    /// total += &b.flush(timeout);
    /// println!("{total}");
    /// # }
    /// ```
    fn add_assign(&mut self, other: &Report) {
        self.emitted += other.emitted;
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.dropped += other.dropped;
        self.abandoned += other.abandoned;
        self.kept += other.kept;
        self.still_queued += other.still_queued;
        self.in_flight += other.in_flight;
        self.retried += other.retried;
        self.recovered += other.recovered;
        self.timed_out |= other.timed_out;
        self.blocked_runtime |= other.blocked_runtime;
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "emitted {}, delivered {}, failed {}, dropped {}{}, still queued {}, in flight {}, \
             retried {}",
            self.emitted,
            self.delivered,
            self.failed,
            self.dropped,
            if self.abandoned > 0 {
                format!(" ({} given up by the shutdown)", self.abandoned)
            } else {
                String::new()
            },
            self.still_queued,
            self.in_flight,
            self.retried,
        )?;
        kept_suffix(f, self.kept)?;
        recovered_suffix(f, self.recovered)?;
        f.write_str(if self.timed_out { " (timed out)" } else { "" })?;
        f.write_str(if self.blocked_runtime {
            " (called from async code on a current-thread tokio runtime, which it blocked: \
             nothing on that runtime could answer meanwhile; use the _async method there)"
        } else {
            ""
        })
    }
}

/// `, recovered N` when some moments came from the spool (nothing without one).
fn recovered_suffix(f: &mut fmt::Formatter<'_>, recovered: u64) -> fmt::Result {
    if recovered > 0 {
        write!(f, ", recovered {recovered}")?;
    }
    Ok(())
}

/// `, kept N in the spool` when a shutdown left moments there (nothing otherwise).
fn kept_suffix(f: &mut fmt::Formatter<'_>, kept: u64) -> fmt::Result {
    if kept > 0 {
        write!(f, ", kept {kept} in the spool")?;
    }
    Ok(())
}
