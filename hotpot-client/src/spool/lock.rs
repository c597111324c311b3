//! One emitter per slot: an exclusive OS lock (`flock`) on the file `lock` in the slot's
//! directory (and, in a spool of the single-owner layout, in the spool's directory).
//!
//! The kernel releases it when the holder's last descriptor of it closes, so a process that
//! dies in any way (SIGKILL, the OOM killer, a panic) frees the spool; there is no stale
//! lock file to clean up. Two opens in one process conflict too, so a second emitter in the
//! same process takes another slot, as one in another process does. The holder's process id
//! is written into the file, for messages only.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use fs4::{FileExt, TryLockError};

use crate::Error;

/// The name of the lock file in a spool directory.
pub(super) const LOCK_FILE: &str = "lock";

/// The held lock; dropping it (closing the file) releases it.
#[derive(Debug)]
pub(super) struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock of `dir`, or says who holds it (a test's opening of one slot).
    #[cfg(test)]
    pub(super) fn acquire(dir: &Path) -> Result<DirLock, Error> {
        match Self::try_acquire(dir)? {
            Ok(lock) => Ok(lock),
            Err(holder) => {
                let by = holder.map_or(String::new(), |pid| format!(" (process {pid})"));
                Err(Error::Config(format!(
                    "the spool {} is in use by another emitter{by}: one emitter at a time \
                     per slot, in this process or another; it is free again once that \
                     emitter shuts down or its process ends",
                    dir.display()
                )))
            }
        }
    }

    /// Takes the lock of `dir` without waiting: `Ok(Err(holder))` when another emitter holds
    /// it (with the process id it wrote, if readable).
    pub(super) fn try_acquire(dir: &Path) -> Result<Result<DirLock, Option<u32>>, Error> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| super::config_error(dir, "cannot open its lock file", &e))?;
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Ok(Err(holder.trim().parse().ok()));
            }
            Err(TryLockError::Error(e)) => {
                return Err(super::config_error(dir, "cannot lock it", &e));
            }
        }
        // Best effort: only messages and `hotpot flush`'s list of live slots read it.
        let _ = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| write!(file, "{}", std::process::id()));
        Ok(Ok(DirLock { _file: file }))
    }
}
