//! [`EmitterBuilder`] and [`Overflow`]: the emitter's settings and their defaults.

use std::fmt;
use std::time::Duration;

use super::Emitter;
use super::queue::{DropHook, FailureHook, Hooks, Shared};
use crate::{Client, DropReason, Error, Moment, RetryPolicy};

/// The queue's default capacity, in moments.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The default number of moments sent at once.
///
/// Throughput is about `concurrency / round-trip time`: 32 sends at once carry well over
/// 20,000 moments/s to a nearby server, and still 600/s at a 50 ms round trip, while keeping
/// the load on a struggling server (and the connections an HTTP/1.1 server must hold) small.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// The default delivery deadline of a moment, counted from `emit`: 10 minutes.
pub const DEFAULT_DELIVERY_DEADLINE: Duration = Duration::from_secs(600);

/// The largest accepted [`concurrency`](EmitterBuilder::concurrency).
const MAX_CONCURRENCY: usize = 4096;

/// What [`Emitter::emit`] does when the queue is full.
///
/// ```
/// use std::time::Duration;
/// use hotpot_client::{Client, Emitter, Overflow};
///
/// let client = Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
/// let emitter = Emitter::builder(client)
///     .capacity(1_000)
///     .overflow(Overflow::Block(Duration::from_millis(50)))
///     .build()?;
/// # Ok::<(), hotpot_client::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Overflow {
    /// Refuse the new moment at once with [`EmitError::QueueFull`](crate::EmitError::QueueFull)
    /// (the default): the moments already queued keep their place.
    #[default]
    DropNewest,
    /// Make room by dropping the oldest queued moment ([`DropReason::Displaced`]): the
    /// freshest moments win.
    DropOldest,
    /// Wait up to this long for room, then refuse as [`Overflow::DropNewest`] does. The
    /// caller's thread is blocked meanwhile: avoid it on an async executor's threads.
    Block(Duration),
}

/// Configures an [`Emitter`]; made by [`Emitter::builder`].
///
/// ```
/// use std::time::Duration;
/// use hotpot_client::{Client, Emitter, Overflow, RetryPolicy};
///
/// let client = Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
/// let emitter = Emitter::builder(client)
///     .capacity(50_000)
///     .overflow(Overflow::DropOldest)
///     .concurrency(8)
///     .retry(RetryPolicy::default().max_attempts(u32::MAX).deadline(Duration::from_secs(60)))
///     .on_failure(|moment, error| eprintln!("hotpot: {} failed: {error}", moment.name()))
///     .on_drop(|moment, reason| eprintln!("hotpot: {} dropped ({reason})", moment.name()))
///     .build()?;
/// # Ok::<(), hotpot_client::Error>(())
/// ```
#[must_use = "a builder does nothing until build() is called"]
pub struct EmitterBuilder {
    client: Client,
    capacity: usize,
    overflow: Overflow,
    concurrency: usize,
    retry: Option<RetryPolicy>,
    on_failure: Option<FailureHook>,
    on_drop: Option<DropHook>,
}

impl EmitterBuilder {
    pub(super) fn new(client: Client) -> Self {
        EmitterBuilder {
            client,
            capacity: DEFAULT_CAPACITY,
            overflow: Overflow::default(),
            concurrency: DEFAULT_CONCURRENCY,
            retry: None,
            on_failure: None,
            on_drop: None,
        }
    }

    /// The most moments waiting to be sent (default 10,000; at least 1). Moments being sent
    /// do not count.
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// let emitter = hotpot_client::Emitter::builder(client).capacity(100_000).build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn capacity(mut self, moments: usize) -> Self {
        self.capacity = moments;
        self
    }

    /// What `emit` does when the queue is full (default [`Overflow::DropNewest`]).
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// use hotpot_client::{Emitter, Overflow};
    /// let emitter = Emitter::builder(client).overflow(Overflow::DropOldest).build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// How many moments are sent at once (default [`DEFAULT_CONCURRENCY`], 32; 1 to 4096).
    /// Each send retries its moment until it settles, so this also bounds the moments
    /// waiting to retry while the server is down.
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// let emitter = hotpot_client::Emitter::builder(client).concurrency(4).build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn concurrency(mut self, sends: usize) -> Self {
        self.concurrency = sends;
        self
    }

    /// How each moment is retried. Its [`deadline`](RetryPolicy::deadline) is the moment's
    /// delivery deadline, counted from `emit` (time spent queued included); retryable
    /// answers are retried until then, or until the attempts run out.
    ///
    /// Default: the client's policy with unbounded attempts, a 10-minute deadline
    /// ([`DEFAULT_DELIVERY_DEADLINE`]) and `Retry-After` honoured up to that deadline, so a
    /// burst of faults delays moments instead of losing them.
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// use std::time::Duration;
    /// use hotpot_client::{Emitter, RetryPolicy};
    /// let emitter = Emitter::builder(client)
    ///     .retry(RetryPolicy::default().max_attempts(u32::MAX).deadline(Duration::from_secs(30)))
    ///     .build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Called with each moment that failed for good — a non-retryable answer (400, 404,
    /// 410, ...) or its delivery deadline passed — and the last error. Runs on the emitter's
    /// thread: keep it short and never block in it. `flush` and `shutdown` wait for hooks
    /// under way, so a hook must not call them; nor hold a clone of the emitter (it would
    /// never be dropped).
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// let emitter = hotpot_client::Emitter::builder(client)
    ///     .on_failure(|moment, error| {
    ///         eprintln!("hotpot: {:?} not delivered: {error}", moment.name());
    ///     })
    ///     .build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn on_failure(mut self, hook: impl Fn(&Moment, &Error) + Send + Sync + 'static) -> Self {
        self.on_failure = Some(Box::new(hook));
        self
    }

    /// Called with each moment given up without an answer, and why. Runs on the thread that
    /// gave it up: the caller of `emit` for [`DropReason::QueueFull`],
    /// [`DropReason::Displaced`] and [`DropReason::ShutDown`], the caller of `shutdown` (or
    /// the emitter's thread) for the abandoned ones. Keep it short and never block in it;
    /// the same rules as [`on_failure`](Self::on_failure) apply.
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// use hotpot_client::{DropReason, Emitter};
    /// let emitter = Emitter::builder(client)
    ///     .on_drop(|moment, reason| {
    ///         if reason != DropReason::QueueFull {
    ///             eprintln!("hotpot: {:?} dropped ({reason}): {}", moment.name(), moment.to_json());
    ///         }
    ///     })
    ///     .build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn on_drop(mut self, hook: impl Fn(&Moment, DropReason) + Send + Sync + 'static) -> Self {
        self.on_drop = Some(Box::new(hook));
        self
    }

    /// Starts the emitter: its own small runtime on a background thread, and the sending
    /// tasks. Fails with [`Error::Config`] for a capacity of 0, a concurrency outside 1 to
    /// 4096, or a runtime that cannot start.
    ///
    /// ```
    /// use hotpot_client::{Client, Emitter};
    /// let client = Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// let err = Emitter::builder(client).capacity(0).build().unwrap_err();
    /// assert!(err.is_config());
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn build(self) -> Result<Emitter, Error> {
        if self.capacity == 0 {
            return Err(Error::Config(
                "an emitter's capacity is at least 1 moment, found 0".to_owned(),
            ));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::Config(format!(
                "an emitter's concurrency is 1 to {MAX_CONCURRENCY} sends, found {}",
                self.concurrency
            )));
        }
        let policy = self.retry.unwrap_or_else(|| {
            self.client
                .retry_policy()
                .clone()
                .max_attempts(u32::MAX)
                .deadline(DEFAULT_DELIVERY_DEADLINE)
                .max_retry_after(DEFAULT_DELIVERY_DEADLINE)
        });
        let shared = Shared::new(
            self.client,
            policy,
            self.capacity,
            self.overflow,
            Hooks {
                on_failure: self.on_failure,
                on_drop: self.on_drop,
            },
        );
        Emitter::start(shared, self.concurrency)
    }
}

impl fmt::Debug for EmitterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmitterBuilder")
            .field("client", &self.client)
            .field("capacity", &self.capacity)
            .field("overflow", &self.overflow)
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .field("on_failure", &self.on_failure.is_some())
            .field("on_drop", &self.on_drop.is_some())
            .finish()
    }
}
