//! The emitter's spool (spec §10): a directory where the queue is kept, so that moments
//! survive a crash, a `kill -9` or the OOM killer, and a restart delivers them.
//!
//! Turn it on with [`EmitterBuilder::spool`](crate::EmitterBuilder::spool); drain the spool of
//! a service that died with [`flush_spool`] (the command line's `hotpot flush --spool DIR`).
//!
//! # What it promises
//!
//! - `emit` returns only once the moment and its `Idempotency-Key` are in the spool's file,
//!   that is in the operating system's page cache: from then on the death of the process
//!   loses nothing. Power loss is a matter of [`SpoolSync`]: with the default
//!   [`SpoolSync::Batch`] at most the last 100 ms of moments.
//! - A full disk, or a file size limit, refuses the moment with
//!   [`EmitError::Spool`](crate::EmitError::Spool), which hands it back; nothing of it is
//!   left in the spool.
//! - A restarted emitter sends the moments it finds first, with their original keys, so a
//!   server that honours the key records each exactly once; a moment that was being sent
//!   when the process died may be sent twice, and deduplicated by its key.
//! - Damage (a torn last write, a flipped byte, a file cut short or edited by hand) costs only
//!   the damaged records: they are skipped, counted and logged once, and the emitter starts.
//! - Once every moment has settled the spool takes one segment, at most about 4 MiB (the
//!   specification allows 16), however much went through it; a shutdown with nothing pending leaves
//!   it empty.
//! - A shutdown keeps what it gives up on: the moments still queued or being sent when its
//!   timeout passes (Hotpot down during a deploy) stay in the spool, counted as
//!   [`Report::kept`](crate::Report::kept), and the next emitter on the directory sends them.
//!   (The OpenTelemetry Collector's users report the opposite behaviour of its queue as a
//!   bug, open-telemetry/opentelemetry-collector#15677.)
//!
//! # Why a log of our own
//!
//! A write-ahead queue with one writer needs an append, a checksum, a sequential read at
//! start-up and the deletion of whole files: an append-only segment log does all of it, and
//! Kafka's and Vector's disk buffers are built the same way. An embedded store (redb, fjall,
//! bbolt) brings transactions, pages and compaction we do not need; a durable commit of
//! theirs is an `fsync` (milliseconds), and we did not measure their non-durable modes
//! against the 5 µs budget of `emit`, which the log meets (BENCHMARKS.md).
//!
//! Records are copied into a shared memory mapping of the segment being written, not
//! written with `write`: the copy lands in the same page cache, so a killed process loses
//! nothing either way, but it costs tens of nanoseconds where the system call cost about
//! 1.5 µs, more than a whole Python `emit` without a spool (Chronicle Queue does the same).
//! A store into a mapped page the disk cannot back would kill the process with `SIGBUS`, so
//! space is reserved ahead by writing zeros, 64 KiB at a time: a full disk is an error of
//! that call, and the moment is refused. The zeros reserved after the last record are no
//! damage, and are cut off when the segment is sealed, closed or read back.
//!
//! What we took from their users' bug reports:
//!
//! - Vector's disk buffer keeps its read position in a separate ledger file, and a crash
//!   between deleting a data file and updating the ledger left Vector in a crash loop
//!   (vectordotdev/vector#25570); records that failed to decode stopped the buffer for good
//!   (#16525, #17644). Here the state is derived from the log alone (no ledger), only the
//!   oldest segment is ever deleted, and damage is skipped, never fatal.
//! - The OpenTelemetry Collector's persistent queue lives in bbolt, whose file never shrinks
//!   after an outage without a compaction (open-telemetry/opentelemetry-collector#5159).
//!   Here whole segments are deleted once settled, and a few moments that stay pending do not
//!   pin the files behind them: they are copied forward.
//! - The Collector's queue hung at start-up when the recovered items filled it
//!   (open-telemetry/opentelemetry-collector#12532). Here recovered moments are always taken
//!   in, even beyond the capacity; only new ones are refused until there is room.
//!
//! # Format (version 1)
//!
//! A spool directory holds one directory per slot, `slot-N` (`N` from 0; see the `slots`
//! module: each emitter claims the lowest slot no live emitter holds). A slot holds `lock`
//! (the OS lock, with the holder's process id) and segment files `NNNNNNNNNNNNNNNNNNNN.seg` (20 decimal digits, in the order written). Every segment
//! starts with a 24-byte header and holds records; integers are little-endian:
//!
//! | bytes | header |
//! |---|---|
//! | 8 | magic `HPSPOOL\0` |
//! | 4 | format version, `1` |
//! | 8 | the first record id this segment may use |
//! | 4 | CRC-32 of the 20 bytes before |
//!
//! | bytes | record |
//! |---|---|
//! | 2 | marker `F5 52` (`0xF5` never occurs in UTF-8, so it is cheap to find after damage) |
//! | 1 | kind: `1` a moment, `2` settled moments |
//! | 1 | reserved, `0` |
//! | 4 | payload length (at most 1 MiB + 4 KiB) |
//! | 4 | CRC-32 (`crc32fast`) of the 8 bytes before and the payload |
//! | n | payload: a moment is its id (8), its key's length (2), the key, and the moment's canonical JSON (spec §1); settled moments are a list of ids (8 each) |
//!
//! Records end where the bytes from a record's start on are all zero (space reserved ahead,
//! never written). A moment is pending from its record until a settled record names its id.
//! Recovery reads every segment in order; a later copy of a moment (moved forward when its
//! segment was reclaimed) replaces an earlier one. A segment of another format version is
//! left untouched (and skipped); a future release reads version 1.

mod drain;
mod format;
mod lock;
mod mapped;
mod max_bytes;
mod recover;
mod slots;
mod writer;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

pub use drain::{FlushReport, LiveSlot, flush_spool};

use crate::{Error, Moment, defaults};
use lock::DirLock;
use max_bytes::MaxBytes;
pub(crate) use slots::Claimed;
use writer::Writer;

/// When the spool's writes are `fsync`ed to the disk. Every mode survives the death of the
/// process (the write is in the operating system's hands before `emit` returns); they differ
/// on a loss of power or a kernel crash.
///
/// ```
/// use hotpot_client::SpoolSync;
/// assert_eq!(SpoolSync::default(), SpoolSync::Batch);
/// assert_eq!("always".parse::<SpoolSync>()?, SpoolSync::Always);
/// assert_eq!(SpoolSync::Never.as_str(), "never");
/// # Ok::<(), hotpot_client::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpoolSync {
    /// Before `emit` returns: nothing is lost, at the price of a disk flush per moment
    /// (milliseconds on many disks).
    Always,
    /// At most [`defaults::SPOOL_SYNC_INTERVAL`] (100 ms) after `emit`, by a background
    /// thread (the default): a power loss costs at most that much.
    #[default]
    Batch,
    /// Left to the operating system (usually within 30 s).
    Never,
}

impl SpoolSync {
    /// The name: `always`, `batch` or `never` (Python's `sync=`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpoolSync::Always => "always",
            SpoolSync::Batch => "batch",
            SpoolSync::Never => "never",
        }
    }
}

impl std::str::FromStr for SpoolSync {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "always" => Ok(SpoolSync::Always),
            "batch" => Ok(SpoolSync::Batch),
            "never" => Ok(SpoolSync::Never),
            other => Err(Error::Config(format!(
                "sync: expected 'always', 'batch' or 'never', found {other:?}"
            ))),
        }
    }
}

/// A moment read back from a spool when it was opened.
#[derive(Debug)]
pub(crate) struct Recovered {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) moment: Moment,
}

/// An open spool: the writer behind a lock, the directory lock, and the sync thread.
#[derive(Debug)]
pub(crate) struct Spool {
    dir: PathBuf,
    /// The spool's directory, whose other slots this one adopts when orphaned; `None` for a
    /// slot opened on its own (`flush_spool`'s, tests).
    root: Option<PathBuf>,
    writer: Mutex<Writer>,
    /// Wakes the sync thread: something to write or to `fsync`, or closing.
    wake: Condvar,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// Held until [`close`](Self::close).
    dir_lock: Mutex<Option<DirLock>>,
    damaged: u64,
    /// The bound on the whole directory that `append` enforces (`spool_max_bytes`); none
    /// for a slot opened on its own.
    max_bytes: Option<MaxBytes>,
    /// Random, drawn when opened: the base of the keys (see [`key_for`](Self::key_for)).
    key_base: u128,
}

/// Makes the `Error::Config` for a spool directory that cannot be used.
fn config_error(dir: &Path, what: &str, e: &io::Error) -> Error {
    Error::Config(format!(
        "cannot use {} as the emitter's spool: {what}: {e}",
        dir.display()
    ))
}

impl Spool {
    /// Opens (creating it if needed) and locks the directory `dir` as one slot, and reads
    /// back what it holds.
    #[cfg(test)]
    pub(crate) fn open(dir: &Path, sync: SpoolSync) -> Result<(Arc<Spool>, Vec<Recovered>), Error> {
        Self::open_with(dir, sync, defaults::SPOOL_SEGMENT_BYTES)
    }

    /// Opens the spool `dir` (creating it if needed) for an emitter: claims a slot of its
    /// own (see the `slots` module), and reads back what that slot holds. Its `append`
    /// refuses a moment that would take the directory's spool files past `max_bytes`.
    pub(crate) fn claim(
        dir: &Path,
        sync: SpoolSync,
        max_bytes: u64,
    ) -> Result<(Arc<Spool>, Vec<Recovered>), Error> {
        if dir.as_os_str().is_empty() {
            // Not the working directory by accident: its `lock` would be left there.
            return Err(Error::Config(
                "spool: expected a directory, found an empty path".to_owned(),
            ));
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| config_error(dir, "cannot create the directory", &e))?;
        let claimed = slots::claim(dir)?;
        let max_bytes = MaxBytes {
            root: dir.to_owned(),
            max: max_bytes,
        };
        Self::open_locked(
            &claimed.dir,
            Some(max_bytes),
            sync,
            defaults::SPOOL_SEGMENT_BYTES,
            claimed.lock,
        )
    }

    /// Opens a slot already claimed (`flush_spool`'s).
    pub(crate) fn open_claimed(
        claimed: Claimed,
        sync: SpoolSync,
    ) -> Result<(Arc<Spool>, Vec<Recovered>), Error> {
        Self::open_locked(
            &claimed.dir,
            None,
            sync,
            defaults::SPOOL_SEGMENT_BYTES,
            claimed.lock,
        )
    }

    /// [`open`](Self::open) with another segment size (tests).
    #[cfg(test)]
    pub(crate) fn open_with(
        dir: &Path,
        sync: SpoolSync,
        segment_bytes: u64,
    ) -> Result<(Arc<Spool>, Vec<Recovered>), Error> {
        std::fs::create_dir_all(dir)
            .map_err(|e| config_error(dir, "cannot create the directory", &e))?;
        let dir_lock = DirLock::acquire(dir)?;
        Self::open_locked(dir, None, sync, segment_bytes, dir_lock)
    }

    /// Reads back what the directory `dir`, whose lock is held, holds, and starts writing.
    fn open_locked(
        dir: &Path,
        max_bytes: Option<MaxBytes>,
        sync: SpoolSync,
        segment_bytes: u64,
        dir_lock: DirLock,
    ) -> Result<(Arc<Spool>, Vec<Recovered>), Error> {
        let mut recovery = recover::recover(dir)?;
        if recovery.damaged > 0 {
            tracing::warn!(
                spool = %dir.display(),
                damaged = recovery.damaged,
                "hotpot spool: skipped {} damaged record stretch(es) or file(s); the intact \
                 moments are recovered: {}",
                recovery.damaged,
                recovery.notes.join("; ")
            );
        }
        let writer = Writer::start(dir, sync, segment_bytes, &recovery)
            .map_err(|e| config_error(dir, "cannot write to it", &e))?;
        let recovered = std::mem::take(&mut recovery.live)
            .into_iter()
            .map(|(id, found)| Recovered {
                id,
                key: found.key,
                moment: found.moment,
            })
            .collect();
        let spool = Arc::new(Spool {
            dir: dir.to_owned(),
            root: max_bytes.as_ref().map(|m| m.root.clone()),
            writer: Mutex::new(writer),
            wake: Condvar::new(),
            thread: Mutex::new(None),
            dir_lock: Mutex::new(Some(dir_lock)),
            damaged: recovery.damaged,
            max_bytes,
            key_base: uuid::Uuid::new_v4().as_u128(),
        });
        let background = Arc::clone(&spool);
        let thread = std::thread::Builder::new()
            .name("hotpot-spool".to_owned())
            .spawn(move || background.run(sync))
            .map_err(|e| config_error(dir, "cannot start its thread", &e))?;
        *lock(&spool.thread) = Some(thread);
        Ok((spool, recovered))
    }

    /// Adopts the orphaned slots of the spool's directory: each slot no live emitter holds
    /// (its lock is free) that still holds moments. Under that slot's lock, its moments are
    /// copied into this slot with their original keys, made durable here, and only then are
    /// its segments deleted; so a slot is adopted by one emitter only, and an adopter that
    /// dies midway leaves the moments in one slot or the other (sent again, with the same
    /// keys, at worst). Hands the moments taken in (their ids in this slot) to `each`, slot by
    /// slot, so that the first slot's are sent while the next is copied.
    pub(crate) fn adopt_orphans(&self, mut each: impl FnMut(Vec<Recovered>)) {
        let Some(root) = &self.root else {
            return;
        };
        let Ok(slots) = slots::slots(root) else {
            return;
        };
        for slot in slots {
            if slot == self.dir || !slots::has_segments(&slot) {
                continue;
            }
            let Ok(Ok(slot_lock)) = DirLock::try_acquire(&slot) else {
                continue; // a live emitter's
            };
            let mut adopted = Vec::new();
            if let Err(e) = self.adopt(&slot, &mut adopted) {
                tracing::warn!(
                    spool = %root.display(),
                    slot = %slot.display(),
                    error = %e,
                    "hotpot spool: cannot adopt an orphaned slot; it is left for another try"
                );
            }
            drop(slot_lock);
            if !adopted.is_empty() {
                each(adopted);
            }
        }
    }

    /// Copies the moments of the orphaned `slot` (whose lock is held) into this slot, then
    /// deletes its segments.
    fn adopt(&self, slot: &Path, adopted: &mut Vec<Recovered>) -> Result<(), String> {
        let recovery = recover::recover(slot).map_err(|e| e.to_string())?;
        if recovery.damaged > 0 {
            tracing::warn!(
                slot = %slot.display(),
                damaged = recovery.damaged,
                "hotpot spool: skipped {} damaged record stretch(es) or file(s) of an orphaned \
                 slot; the intact moments are adopted: {}",
                recovery.damaged,
                recovery.notes.join("; ")
            );
        }
        let n = recovery.live.len();
        let mut writer = lock(&self.writer);
        for found in recovery.live.into_values() {
            let (id, _) = writer
                .append(found.key.as_bytes(), &found.moment, None)
                .map_err(|e| format!("cannot copy its moments: {e}"))?;
            adopted.push(Recovered {
                id,
                key: found.key,
                moment: found.moment,
            });
        }
        // Durable here before they leave there.
        writer.dirty = true;
        let work = writer.take_sync_work();
        drop(writer);
        work.run()
            .map_err(|e| format!("cannot make the copies durable: {e}"))?;
        for (segment, _) in &recovery.segments {
            let _ = std::fs::remove_file(recover::segment_path(slot, *segment));
        }
        if n > 0 {
            tracing::info!(
                slot = %slot.display(),
                moments = n,
                "hotpot spool: adopted an orphaned slot"
            );
        }
        Ok(())
    }

    /// Damaged stretches and files skipped when it was opened.
    pub(crate) fn damaged(&self) -> u64 {
        self.damaged
    }

    /// Writes a moment with a fresh `Idempotency-Key`, the one [`key_for`](Self::key_for)
    /// its record id stands for; returns the id. The bytes are in the operating system's
    /// hands when it returns (and on the disk, with [`SpoolSync::Always`]).
    pub(crate) fn append(&self, moment: &Moment) -> io::Result<u64> {
        let mut writer = lock(&self.writer);
        let key = self.key_bytes(writer.next_id());
        let (id, wake) = writer
            .append(&key, moment, self.max_bytes.as_ref())
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot write to the spool {}: {e}", self.dir.display()),
                )
            })?;
        drop(writer);
        if wake {
            self.wake.notify_one();
        }
        Ok(id)
    }

    /// The key of record `id` written by this opening: a UUID v4 made of this spool's random
    /// base plus the id, unique for every record of this opening (ids below 2^48 apart never
    /// meet in the bits the version takes), and much cheaper than a fresh random UUID (no
    /// `getpid`, no draw). Made again when the moment is sent rather than kept beside it.
    pub(crate) fn key_for(&self, id: u64) -> String {
        self.uuid_for(id).to_string()
    }

    /// [`key_for`](Self::key_for) on the stack, for the record.
    fn key_bytes(&self, id: u64) -> [u8; uuid::fmt::Hyphenated::LENGTH] {
        let mut key = [0; uuid::fmt::Hyphenated::LENGTH];
        self.uuid_for(id).hyphenated().encode_lower(&mut key);
        key
    }

    fn uuid_for(&self, id: u64) -> uuid::Uuid {
        uuid::Builder::from_random_bytes(self.key_base.wrapping_add(u128::from(id)).to_le_bytes())
            .into_uuid()
    }

    /// The moment `id` settled: it leaves the spool (written in the background, in batches).
    pub(crate) fn settle(&self, id: u64) {
        if lock(&self.writer).settle(id) {
            self.wake.notify_one();
        }
    }

    /// Pending moments and bytes on disk.
    #[cfg(test)]
    pub(crate) fn usage(&self) -> (usize, u64) {
        let w = lock(&self.writer);
        (w.live(), w.disk_bytes())
    }

    /// In a forked child: closes this process's copy of the lock's descriptor. The parent
    /// keeps its lock (a `flock` lasts while any descriptor of it is open), and the child no
    /// longer holds the spool once the parent ends. Never blocks: a lock held at the fork is
    /// left alone.
    pub(crate) fn close_inherited_lock(&self) {
        if let Ok(mut held) = self.dir_lock.try_lock() {
            drop(held.take());
        }
    }

    /// Writes what is left, makes it durable, stops the thread and releases the lock. The
    /// moments still pending stay in the spool for the next emitter.
    pub(crate) fn close(&self) {
        let closed = lock(&self.writer).close();
        if let Err(e) = closed {
            tracing::warn!(spool = %self.dir.display(), error = %e, "hotpot spool: cannot write at close");
        }
        self.wake.notify_all();
        let thread = lock(&self.thread).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
        drop(lock(&self.dir_lock).take());
    }

    /// The sync thread: writes settled records and, in batch mode, `fsync`s within the
    /// interval.
    fn run(&self, sync: SpoolSync) {
        let pause = match sync {
            SpoolSync::Batch => defaults::SPOOL_SYNC_INTERVAL / 2,
            _ => SETTLED_PAUSE,
        };
        let mut warned = false;
        loop {
            let mut w = lock(&self.writer);
            while !w.closed && !w.dirty && w.settled.is_empty() {
                w = self.wake.wait(w).unwrap_or_else(PoisonError::into_inner);
            }
            // Gather more before writing: one record and one fsync for many moments.
            let (mut w, _) = self
                .wake
                .wait_timeout_while(w, pause, |w| !w.closed)
                .unwrap_or_else(PoisonError::into_inner);
            if w.closed {
                return;
            }
            let written = w.write_settled();
            let work = w.take_sync_work();
            drop(w);
            if let Err(e) = written.and_then(|()| work.run())
                && !std::mem::replace(&mut warned, true)
            {
                tracing::warn!(spool = %self.dir.display(), error = %e, "hotpot spool: cannot write or sync");
            }
        }
    }
}

/// How long the sync thread gathers settled ids before writing them (modes without batch
/// syncs).
const SETTLED_PAUSE: Duration = Duration::from_millis(10);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
