//! Every default of the clients and the emitter, in one place: the Rust builders start from
//! these, and the Python package reads them from here (its stubs and docs state the same
//! values, and a test checks that they agree).
//!
//! ```
//! use std::time::Duration;
//! use hotpot_client::defaults;
//!
//! assert_eq!(defaults::TIMEOUT, Duration::from_secs(15));
//! assert_eq!(defaults::MAX_RETRIES, 2); // 3 attempts in all (spec §5)
//! assert_eq!(hotpot_client::RetryPolicy::default().max_retries(), defaults::MAX_RETRIES);
//! ```

use std::time::Duration;

// --- one send (spec §5) ------------------------------------------------------------------

/// Time allowed for one attempt, connecting and reading the answer included: 15 s.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Time allowed to connect: 5 s.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Retries after the first attempt: 2, so 3 attempts in all. The Rust
/// [`RetryPolicy::max_retries`](crate::RetryPolicy::max_retries), Python's `max_retries` and
/// the command line's `--retries` all count retries, not attempts.
pub const MAX_RETRIES: u32 = 2;

/// The first backoff's upper bound (full jitter; each retry doubles it): 100 ms.
pub const BASE_DELAY: Duration = Duration::from_millis(100);

/// The largest backoff between two attempts: 5 s.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// The longest `Retry-After` a send waits for; a longer one ends it at once: 30 s.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The time budget of one send, every attempt and wait included: 30 s.
pub const SEND_DEADLINE: Duration = Duration::from_secs(30);

// --- the emitter -----------------------------------------------------------------------------

/// Moments the emitter's queue holds: 10,000.
pub const CAPACITY: usize = 10_000;

/// Moments the emitter sends at once: 32.
///
/// Throughput is about `concurrency / round-trip time`: 32 sends at once carry well over
/// 20,000 moments/s to a nearby server and still 600/s at a 50 ms round trip, while the load
/// on a struggling server (and the connections an HTTP/1.1 server must hold) stays small.
pub const CONCURRENCY: usize = 32;

/// The largest concurrency an emitter accepts: 4,096.
pub const MAX_CONCURRENCY: usize = 4096;

/// How long the emitter keeps retrying a moment, counted from `emit`: 10 minutes.
pub const DELIVERY_DEADLINE: Duration = Duration::from_secs(600);

/// How long `emit` waits for room with the `block` overflow policy when no time is given
/// (Python's `block_timeout=None`): 1 s.
pub const BLOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a shutdown without a timeout (Python's `shutdown(timeout=None)`) keeps sending: 10 s.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an emitter dropped without a shutdown keeps sending before it abandons the rest:
/// 75 ms (it returns within about 100 ms).
pub const DROP_SHUTDOWN_TIMEOUT: Duration = Duration::from_millis(75);

/// At the exit of a Python process, the time every emitter still running gets, in all: 2 s.
pub const EXIT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

// --- the emitter's spool (spec §10) ---------------------------------------------------------

/// With [`SpoolSync::Batch`](crate::SpoolSync::Batch), the longest a spooled moment waits
/// for its `fsync`: 100 ms.
pub const SPOOL_SYNC_INTERVAL: Duration = Duration::from_millis(100);

/// How often a live emitter with a spool looks for orphaned slots to adopt (slots whose
/// emitter is gone, holding moments): 10 s, so an orphan waits at most that long plus the
/// time to drain the ones before it (the promise is 30 s).
pub const SPOOL_ADOPT_INTERVAL: Duration = Duration::from_secs(10);

/// The size at which the spool starts a new segment file: 4 MiB. Once every moment has
/// settled, only the segment being written is left.
pub const SPOOL_SEGMENT_BYTES: u64 = 4 << 20;

/// The most bytes the spool files of a spool directory take in all, every slot counted
/// (space reserved ahead included): 1 GiB. An `emit` that would pass it is refused as on a
/// full disk ([`EmitterBuilder::spool_max_bytes`](crate::EmitterBuilder::spool_max_bytes)).
pub const SPOOL_MAX_BYTES: u64 = 1 << 30;

/// How long `hotpot flush --spool` may take in all (`--timeout-total`, spec §9); what is
/// not delivered by then stays in the spool.
pub const FLUSH_TIMEOUT_TOTAL: Duration = Duration::from_secs(60);

// --- logs as moments (spec §11) ----------------------------------------------------------

/// How long the same record from the same place is folded into the moment already sent for
/// it (the `tracing` layer's `dedup_window`, Python's `MomentHandler(dedup_window=)`): 60 s.
pub const LOG_DEDUP_WINDOW: Duration = Duration::from_secs(60);

/// The places (callsite or logger and line, with the message) whose last moment the
/// deduplication remembers; past this, those whose window has passed are forgotten first:
/// 1,000.
pub const LOG_DEDUP_PLACES: usize = 1_000;
