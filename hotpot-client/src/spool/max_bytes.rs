//! `spool_max_bytes`: the bound on the whole spool directory (spec §10), counted as the sum
//! of the lengths of its segment files in every slot (space reserved ahead included).
//!
//! The writer asks only when a moment needs more space on disk: a new reservation of
//! [`GROW_STEP`](super::mapped::GROW_STEP) (about 500 moments) or a new segment. A moment
//! written into space already reserved leaves the sum as it was, so it can never pass the
//! bound, and `emit` pays nothing for it. Only then is the directory listed: a few system
//! calls per slot, once in hundreds of moments, never on the common path. Each emitter
//! enforces its own setting against what every slot holds.

use std::io;
use std::path::{Path, PathBuf};

use super::slots;

/// The bound an emitter's spool enforces on the directory it is part of.
#[derive(Debug)]
pub(super) struct MaxBytes {
    /// The spool's directory (every slot in it counts).
    pub(super) root: PathBuf,
    /// The most bytes its spool files may take in all.
    pub(super) max: u64,
}

impl MaxBytes {
    /// `Ok` when `growth` more bytes keep the directory within the bound; otherwise the
    /// error a full disk would give (`StorageFull`), saying how much it holds.
    pub(super) fn check(&self, growth: u64) -> io::Result<()> {
        let used = spool_bytes(&self.root);
        if used.saturating_add(growth) <= self.max {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::StorageFull,
            format!(
                "the spool {} would pass its spool_max_bytes ({} bytes): its files take {used} \
                 bytes, and {growth} more are needed",
                self.root.display(),
                self.max
            ),
        ))
    }
}

/// The bytes the spool files of the directory `root` take: the segments of every slot, and
/// of the directory itself (a spool of the single-owner layout not yet taken over). A file
/// that goes away while it is counted counts as nothing.
pub(super) fn spool_bytes(root: &Path) -> u64 {
    let slots = slots::slots(root).unwrap_or_default();
    std::iter::once(root.to_owned())
        .chain(slots)
        .map(|dir| segment_bytes(&dir))
        .sum()
}

/// The lengths of the segment files of the directory `dir`.
fn segment_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| is_segment_name(&entry.file_name()))
        .filter_map(|entry| entry.metadata().ok())
        .map(|meta| meta.len())
        .sum()
}

/// Whether `name` is a segment file's: 20 decimal digits and `.seg`.
fn is_segment_name(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|name| {
        name.strip_suffix(".seg")
            .is_some_and(|id| id.len() == 20 && id.bytes().all(|b| b.is_ascii_digit()))
    })
}
