//! The active segment's bytes, written through a shared memory mapping of its file.
//!
//! A store into a `MAP_SHARED` mapping lands in the operating system's page cache, the same
//! pages `read` and `fsync` see, so the moment survives the death of the process as a
//! `write` would, without a system call per moment (about 1.5 µs each on our machines, more
//! than a whole Python `emit` without a spool). Chronicle Queue is built the same way.
//!
//! A store into a page the file system cannot back kills the process with `SIGBUS`, so
//! writes stay within space reserved beforehand by writing zeros, in steps of
//! [`GROW_STEP`]; a full disk is then an error of that write (the moment refused and handed
//! back), never a signal. `fsync` of the file (`File::sync_data`) writes back the
//! mapped pages as it does written ones (Linux).

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use memmap2::{MmapOptions, MmapRaw};

/// Space is reserved in steps of this much: one write of zeros for about 500 moments.
pub(super) const GROW_STEP: u64 = 64 << 10;

/// A segment file open for writing through a mapping.
#[derive(Debug)]
pub(super) struct Mapped {
    file: Arc<File>,
    map: MmapRaw,
    /// Bytes reserved in the file (its length); the mapping may reach further.
    reserved: u64,
}

impl Mapped {
    /// Maps `file` (empty, opened for reading and writing), `expected` bytes of address
    /// space to begin with, and reserves the first step.
    pub(super) fn new(file: Arc<File>, expected: u64) -> io::Result<Mapped> {
        let map = map(&file, expected.max(GROW_STEP))?;
        let mut mapped = Mapped {
            file,
            map,
            reserved: 0,
        };
        mapped.reserve(GROW_STEP)?;
        Ok(mapped)
    }

    /// Copies `bytes` to `offset`. Either all of them are in the page cache when it returns,
    /// or none was written and the error says why (the disk is full, the file too large).
    pub(super) fn write_at(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let end = offset + bytes.len() as u64;
        if end > self.map.len() as u64 {
            self.map = map(&self.file, end.max(2 * self.map.len() as u64))?;
        }
        if end > self.reserved {
            self.reserve(end.div_ceil(GROW_STEP) * GROW_STEP)?;
        }
        // SAFETY: `offset..end` lies inside the mapping (just checked) and inside the file's
        // reserved length, so every page has disk space behind it and no store can raise
        // `SIGBUS`. The mapping is only ever reached through this raw pointer, never through
        // a Rust reference, and `&mut self` keeps writers one at a time; `bytes` is ordinary
        // memory, not part of the mapping. Another process truncating the file would turn a
        // store into `SIGBUS` (a crash, not a memory error): the spool's lock keeps other
        // emitters out, and its files are not to be edited while it is held.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.map.as_mut_ptr().add(offset as usize),
                bytes.len(),
            );
        }
        Ok(())
    }

    /// Bytes reserved in the file: a write ending past them reserves more.
    pub(super) fn reserved(&self) -> u64 {
        self.reserved
    }

    /// Extends the file to `len` bytes of reserved, zeroed space.
    fn reserve(&mut self, len: u64) -> io::Result<()> {
        reserve(&self.file, self.reserved, len)?;
        self.reserved = len;
        Ok(())
    }
}

/// Reserves `from..to` of `file` by writing zeros there: the one way that works on every
/// platform and file system (`posix_fallocate` is not on macOS, and glibc's own fallback on a
/// file system without `fallocate` writes zeros too). A full disk or a file-size limit is then
/// an error of this write, before any store touches those pages.
fn reserve(file: &File, from: u64, to: u64) -> io::Result<()> {
    static ZEROS: [u8; GROW_STEP as usize] = [0; GROW_STEP as usize];
    let mut at = from;
    while at < to {
        let len = usize::try_from((to - at).min(GROW_STEP)).map_err(io::Error::other)?;
        file.write_all_at(&ZEROS[..len], at)?;
        at += len as u64;
    }
    Ok(())
}

fn map(file: &File, len: u64) -> io::Result<MmapRaw> {
    let len = usize::try_from(len).map_err(io::Error::other)?;
    MmapOptions::new().len(len).map_raw(file)
}
