//! Slots: one spool directory for every emitter of a service. Each emitter claims a slot of
//! its own, `slot-N/` (its lock file and segments), the lowest one no live emitter holds: a
//! non-blocking `flock`, so claiming never waits and never fails because others are in use,
//! and the number of slots stays at the most emitters alive at once. Slots are never named
//! after process ids (prometheus_client's per-pid files pile up, prometheus/client_python#115).
//!
//! A spool of the single-owner layout (a `lock` and segments in the directory itself) is
//! taken over as one slot: its segments move, unchanged, into a new slot.

use std::io;
use std::path::{Path, PathBuf};

use super::config_error;
use super::lock::DirLock;
use crate::Error;

/// The name of slot `i`'s directory.
fn slot_dir(dir: &Path, i: u64) -> PathBuf {
    dir.join(format!("slot-{i}"))
}

/// A slot held by this process: its directory and its lock.
#[derive(Debug)]
pub(crate) struct Claimed {
    pub(super) dir: PathBuf,
    pub(super) lock: DirLock,
}

/// Claims a slot of the spool `dir` (which exists): the one a spool of the single-owner
/// layout is taken over into, or else the lowest one free.
pub(super) fn claim(dir: &Path) -> Result<Claimed, Error> {
    if let Some(claimed) = take_over_single_owner(dir)? {
        return Ok(claimed);
    }
    let mut i = 0;
    loop {
        let slot = slot_dir(dir, i);
        std::fs::create_dir_all(&slot)
            .map_err(|e| config_error(&slot, "cannot create the slot's directory", &e))?;
        if let Ok(lock) = DirLock::try_acquire(&slot)? {
            return Ok(Claimed { dir: slot, lock });
        }
        i += 1;
    }
}

/// The slots of the spool `dir`, by number.
pub(super) fn slots(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let i = name.to_str()?.strip_prefix("slot-")?.parse().ok()?;
            entry.path().is_dir().then(|| (i, entry.path()))
        })
        .collect();
    found.sort();
    Ok(found.into_iter().map(|(_, path)| path).collect())
}

/// Whether the directory `dir` holds a segment file.
pub(super) fn has_segments(dir: &Path) -> bool {
    single_owner_segments(dir).is_ok_and(|found| !found.is_empty())
}

/// The segments in the directory itself: a spool of the single-owner layout.
fn single_owner_segments(dir: &Path) -> io::Result<Vec<PathBuf>> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|entry| {
            entry.file_name().to_str().is_some_and(|name| {
                name.strip_suffix(".seg")
                    .is_some_and(|id| id.len() == 20 && id.bytes().all(|b| b.is_ascii_digit()))
            })
        })
        .map(|entry| entry.path())
        .collect())
}

/// Moves the segments of a spool of the single-owner layout into a new slot, which it
/// returns claimed; `None` when there are none, or an emitter of an earlier version holds
/// them (its lock).
pub(super) fn take_over_single_owner(dir: &Path) -> Result<Option<Claimed>, Error> {
    let cannot = |e: io::Error| config_error(dir, "cannot take over its segments", &e);
    if single_owner_segments(dir).map_err(cannot)?.is_empty() {
        return Ok(None);
    }
    let Ok(whole) = DirLock::try_acquire(dir)? else {
        return Ok(None);
    };
    // Again under its lock: another emitter may have taken them over meanwhile.
    let segments = single_owner_segments(dir).map_err(cannot)?;
    if segments.is_empty() {
        return Ok(None);
    }
    let mut i = 0;
    loop {
        let slot = slot_dir(dir, i);
        match std::fs::create_dir(&slot) {
            Ok(()) => {
                if let Ok(lock) = DirLock::try_acquire(&slot)? {
                    for segment in &segments {
                        let name = segment.file_name().unwrap_or_default();
                        std::fs::rename(segment, slot.join(name)).map_err(cannot)?;
                    }
                    tracing::info!(
                        spool = %dir.display(),
                        slot = %slot.display(),
                        "hotpot spool: took over a spool of the single-owner layout as a slot"
                    );
                    drop(whole);
                    return Ok(Some(Claimed { dir: slot, lock }));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(cannot(e)),
        }
        i += 1;
    }
}
