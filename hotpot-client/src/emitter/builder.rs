//! [`EmitterBuilder`] and [`Overflow`]: the emitter's settings and their defaults.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::Emitter;
use super::state::{EmitterState, ErrorHook, SpoolSetup};
use crate::defaults::{self, MAX_CONCURRENCY};
use crate::spool::{Claimed, Spool};
use crate::{Client, Error, Moment, RetryPolicy, SpoolSync, Undelivered};

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
    /// Make room by dropping the oldest queued moment ([`DropReason::Displaced`](crate::DropReason::Displaced)): the
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
///     .delivery_deadline(Duration::from_secs(60))
///     .retry(RetryPolicy::default().with_max_retries(u32::MAX).with_max_delay(Duration::from_secs(1)))
///     .on_error(|moment, why| eprintln!("hotpot: {} not delivered: {why}", moment.name()))
///     .build()?;
/// # Ok::<(), hotpot_client::Error>(())
/// ```
#[must_use = "a builder does nothing until build() is called"]
pub struct EmitterBuilder {
    client: Client,
    capacity: usize,
    overflow: Overflow,
    concurrency: usize,
    delivery_deadline: Duration,
    retry: Option<RetryPolicy>,
    on_error: Option<ErrorHook>,
    spool: Option<PathBuf>,
    spool_sync: SpoolSync,
    spool_max_bytes: u64,
    /// A slot claimed already, to open instead of claiming one (`flush_spool`'s).
    pub(crate) claimed: Option<Claimed>,
}

impl EmitterBuilder {
    pub(super) fn new(client: Client) -> Self {
        EmitterBuilder {
            client,
            capacity: defaults::CAPACITY,
            overflow: Overflow::default(),
            concurrency: defaults::CONCURRENCY,
            delivery_deadline: defaults::DELIVERY_DEADLINE,
            retry: None,
            on_error: None,
            spool: None,
            spool_sync: SpoolSync::default(),
            spool_max_bytes: defaults::SPOOL_MAX_BYTES,
            claimed: None,
        }
    }

    /// Keeps the queue in the directory `dir` (created if missing), so that moments survive
    /// the death of the process: `emit` returns once the moment and its `Idempotency-Key` are
    /// written to it, and an emitter built later on the same directory sends what it left
    /// first, with the same keys (counted as [`Stats::recovered`](crate::Stats::recovered)).
    /// A moment leaves the spool when it settles (delivered, failed, dropped); one that a
    /// shutdown gives up on stays in it, counted as [`Report::kept`](crate::Report::kept),
    /// for the next emitter on the directory. See the [`spool`](crate::spool) module for what it promises.
    ///
    /// Every emitter of a service, in this process or others, may use the same directory:
    /// each claims a slot of its own in it (`slot-N`, the lowest one free), never waiting for
    /// the others and never refused because they are there. A full disk, or a directory at
    /// its [`spool_max_bytes`](Self::spool_max_bytes), makes `emit` refuse the moment with
    /// [`EmitError::Spool`](crate::EmitError::Spool), handing it back.
    /// [`Emitter::from_env`] takes the directory from `HOTPOT_SPOOL`.
    ///
    /// ```no_run
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// use hotpot_client::{Emitter, SpoolSync};
    /// let emitter = Emitter::builder(client)
    ///     .spool("/var/lib/myservice/hotpot-spool")
    ///     .spool_sync(SpoolSync::Batch)
    ///     .build()?;
    /// println!("{} moments left by the last run", emitter.stats().recovered);
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn spool(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spool = Some(dir.into());
        self
    }

    /// When the spool is `fsync`ed (default [`SpoolSync::Batch`]: within 100 ms of `emit`);
    /// without [`spool`](Self::spool) it does nothing.
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// # let dir = std::env::temp_dir().join(format!("hotpot-doc-spool-sync-{}", std::process::id()));
    /// use hotpot_client::{Emitter, SpoolSync};
    /// let emitter = Emitter::builder(client).spool(&dir).spool_sync(SpoolSync::Always).build()?;
    /// # emitter.shutdown(std::time::Duration::ZERO);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn spool_sync(mut self, sync: SpoolSync) -> Self {
        self.spool_sync = sync;
        self
    }

    /// The most bytes the spool directory's files may take in all, every emitter's slot
    /// counted, space reserved ahead included (default [`defaults::SPOOL_MAX_BYTES`], 1 GiB;
    /// at least 1). An `emit` that would take them past it is refused as on a full disk:
    /// [`EmitError::Spool`](crate::EmitError::Spool) hands the moment back, its error of kind
    /// [`std::io::ErrorKind::StorageFull`]. The directory is looked at only when the spool
    /// needs more space (every 64 KiB), not at every `emit`. Each emitter enforces its own
    /// setting; without [`spool`](Self::spool) it does nothing.
    ///
    /// ```no_run
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// let emitter = hotpot_client::Emitter::builder(client)
    ///     .spool("/var/lib/myservice/hotpot-spool")
    ///     .spool_max_bytes(256 << 20) // 256 MiB
    ///     .build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn spool_max_bytes(mut self, bytes: u64) -> Self {
        self.spool_max_bytes = bytes;
        self
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

    /// How many moments are sent at once (default [`defaults::CONCURRENCY`], 32; 1 to 4096).
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

    /// How long the emitter keeps trying to deliver a moment, counted from `emit` (time
    /// spent queued included): retryable answers are retried until then (default
    /// [`defaults::DELIVERY_DEADLINE`], 10 minutes). A moment still undelivered then fails
    /// with the last attempt's error.
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// use std::time::Duration;
    /// let emitter = hotpot_client::Emitter::builder(client)
    ///     .delivery_deadline(Duration::from_secs(30))
    ///     .build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn delivery_deadline(mut self, deadline: Duration) -> Self {
        self.delivery_deadline = deadline;
        self
    }

    /// How each moment is retried: the backoff, the longest `Retry-After` honoured and the
    /// number of retries. Its deadline is replaced by the
    /// [`delivery_deadline`](Self::delivery_deadline).
    ///
    /// Default: the client's backoff with unbounded retries and `Retry-After` honoured up to
    /// the delivery deadline, so that a burst of faults delays moments instead of losing them.
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// use std::time::Duration;
    /// use hotpot_client::{Emitter, RetryPolicy};
    /// let emitter = Emitter::builder(client)
    ///     .retry(RetryPolicy::default().with_max_retries(10).with_max_delay(Duration::from_secs(1)))
    ///     .build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Called once with each moment that is not delivered, and why ([`Undelivered`]): it
    /// failed for good (a non-retryable answer such as 400, 404 or 410, or its delivery
    /// deadline passed: [`Undelivered::Failed`] with the last error), or it was given up
    /// without an answer ([`Undelivered::Dropped`] with a [`DropReason`](crate::DropReason)).
    ///
    /// Runs on the thread that settled the moment: the emitter's (failures), the caller of
    /// `emit` (queue full, displaced, shut down) or of `shutdown` (abandoned). Keep it short
    /// and never block in it. `flush` and `shutdown` wait for hooks under way, so a hook must
    /// not call them, nor hold a clone of the emitter (it would never be dropped). A panic in
    /// the hook is caught and logged.
    ///
    /// ```
    /// # let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// use hotpot_client::{DropReason, Emitter, Undelivered};
    /// let emitter = Emitter::builder(client)
    ///     .on_error(|moment, why| match why {
    ///         Undelivered::Dropped(DropReason::QueueFull) => {} // emit returned the error too
    ///         other => eprintln!("hotpot: {:?} not delivered: {other}", moment.name()),
    ///     })
    ///     .build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn on_error(
        mut self,
        hook: impl Fn(&Moment, &Undelivered) + Send + Sync + 'static,
    ) -> Self {
        self.on_error = Some(Box::new(hook));
        self
    }

    /// Starts the emitter: its own small runtime on a background thread, and the sending
    /// tasks. Fails with [`Error::Config`] for a capacity of 0, a concurrency outside 1 to
    /// 4096, a `spool_max_bytes` of 0, a spool that cannot be used, or a runtime that cannot
    /// start.
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
        if self.spool_max_bytes == 0 {
            return Err(Error::Config(
                "spool_max_bytes: expected at least 1 byte, found 0".to_owned(),
            ));
        }
        let deadline = self.delivery_deadline;
        let policy = self
            .retry
            .unwrap_or_else(|| {
                self.client
                    .retry_policy()
                    .clone()
                    .with_max_retries(u32::MAX)
                    .with_max_retry_after(deadline)
            })
            .with_deadline(deadline);
        let opened = match (self.claimed, &self.spool) {
            (Some(claimed), _) => Some(Spool::open_claimed(claimed, self.spool_sync)?),
            (None, Some(dir)) => Some(Spool::claim(dir, self.spool_sync, self.spool_max_bytes)?),
            (None, None) => None,
        };
        let adopter = opened.as_ref().map(|(spool, _)| Arc::clone(spool));
        let spool = opened.map(|(spool, recovered)| SpoolSetup { spool, recovered });
        let state = EmitterState::new(
            self.client,
            policy,
            self.capacity,
            self.overflow,
            self.on_error,
            spool,
        );
        let emitter = Emitter::start(state, self.concurrency)?;
        if let Some(spool) = adopter {
            // Orphaned slots are adopted at start, after this slot's own moments, which are
            // being sent meanwhile; each slot's moments are sent as soon as it is copied. (A
            // slot opened for `flush_spool` adopts nothing.)
            let state = &emitter.owner.state;
            spool.adopt_orphans(|adopted| state.take_in(adopted));
        }
        Ok(emitter)
    }
}

impl Emitter {
    /// An emitter on [`Client::from_env`] (`HOTPOT_WEBHOOK_URL`, and `HOTPOT_API_KEY` where
    /// set) with its queue in the spool `HOTPOT_SPOOL` names (in memory when it is unset or
    /// blank), every other setting at its default: for a program whose settings are its
    /// environment, as a service's every process can share one spool directory (spec §10).
    /// Fails with [`Error::Config`] when `HOTPOT_WEBHOOK_URL` is not set, or the spool cannot
    /// be used. [`builder_from_env`](Self::builder_from_env) takes other settings too.
    ///
    /// ```no_run
    /// // HOTPOT_WEBHOOK_URL=https://api.hotpot.works/moment/... HOTPOT_SPOOL=/var/lib/myservice/hotpot
    /// let emitter = hotpot_client::Emitter::from_env()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn from_env() -> Result<Emitter, Error> {
        Self::builder_from_env()?.build()
    }

    /// The builder of [`from_env`](Self::from_env): its client and spool read from the
    /// environment, for more settings before [`build`](EmitterBuilder::build).
    ///
    /// ```no_run
    /// let emitter = hotpot_client::Emitter::builder_from_env()?.capacity(50_000).build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn builder_from_env() -> Result<EmitterBuilder, Error> {
        let builder = Emitter::builder(Client::from_env()?);
        Ok(match crate::env::spool_from_env()? {
            Some(dir) => builder.spool(dir),
            None => builder,
        })
    }
}

impl fmt::Debug for EmitterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmitterBuilder")
            .field("client", &self.client)
            .field("capacity", &self.capacity)
            .field("overflow", &self.overflow)
            .field("concurrency", &self.concurrency)
            .field("delivery_deadline", &self.delivery_deadline)
            .field("retry", &self.retry)
            .field("on_error", &self.on_error.is_some())
            .field("spool", &self.spool)
            .field("spool_sync", &self.spool_sync)
            .field("spool_max_bytes", &self.spool_max_bytes)
            .finish()
    }
}
