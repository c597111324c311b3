//! The writing side: appends records to the active segment, rolls to a new one when it is
//! full, and reclaims the oldest segments once what they hold has settled.
//!
//! Reclaiming follows one rule that keeps recovery right after a crash at any point: only
//! the oldest segment is ever deleted. A segment's settled records name moments of that
//! segment or older ones, so deleting the oldest cannot bring a settled moment back. When
//! the oldest is pinned by a few moments still pending (one retried for minutes) while the
//! files hold more than two segments plus twice what is pending, those moments' records are
//! copied, byte for byte, into the active segment (made durable first), and the oldest goes.
//! So the files hold a few segments plus twice the pending moments, however long one of them
//! takes, and each copy is paid for by more space freed.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::SpoolSync;
use super::format::{self, MAX_PAYLOAD, MAX_SETTLED_PER_RECORD, RECORD_HEADER_LEN};
use super::mapped::{GROW_STEP, Mapped};
use super::max_bytes::MaxBytes;
use super::recover::{Loc, segment_path};
use crate::Moment;

/// One segment file and the moments still pending in it.
#[derive(Debug)]
struct Segment {
    id: u64,
    file: Arc<File>,
    len: u64,
    live: usize,
    /// Bytes of the pending moments' records.
    live_bytes: u64,
}

/// The spool's writing state; behind the spool's lock.
#[derive(Debug)]
pub(super) struct Writer {
    dir: PathBuf,
    sync: SpoolSync,
    segment_bytes: u64,
    active: Segment,
    /// The active segment's mapping: where every record is written.
    map: Mapped,
    /// Full segments, oldest first, each with pending moments (or about to be deleted).
    sealed: VecDeque<Segment>,
    /// Every pending moment's record, by id.
    live: BTreeMap<u64, Loc>,
    /// Bytes of their records.
    live_bytes: u64,
    next_id: u64,
    next_segment: u64,
    /// Ids settled since the last settled record was written.
    pub(super) settled: Vec<u64>,
    /// Written since the last `fsync` (batch mode only).
    pub(super) dirty: bool,
    /// Sealed segments and a new directory entry not yet `fsync`ed (batch mode).
    unsynced: Vec<Arc<File>>,
    dir_unsynced: bool,
    buf: Vec<u8>,
    pub(super) closed: bool,
}

/// What the sync thread must make durable, taken under the lock and done outside it.
#[derive(Default)]
pub(super) struct SyncWork {
    files: Vec<Arc<File>>,
    dir: Option<PathBuf>,
}

impl SyncWork {
    /// `fsync`s what was taken; errors are returned for one warning.
    pub(super) fn run(self) -> io::Result<()> {
        for file in &self.files {
            file.sync_data()?;
        }
        if let Some(dir) = self.dir {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

impl Writer {
    /// Starts writing into a new segment of `dir`, beside the recovered `segments` (whose
    /// pending moments are `live`).
    pub(super) fn start(
        dir: &Path,
        sync: SpoolSync,
        segment_bytes: u64,
        recovered: &super::recover::Recovery,
    ) -> io::Result<Writer> {
        let mut sealed = VecDeque::new();
        for &(id, end) in &recovered.segments {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(segment_path(dir, id))?;
            let mut len = file.metadata()?.len();
            if end < len {
                // Space reserved after the last record, left by a process that died: freed.
                file.set_len(end)?;
                len = end;
            }
            sealed.push_back(Segment {
                id,
                file: Arc::new(file),
                len,
                live: 0,
                live_bytes: 0,
            });
        }
        let live: BTreeMap<u64, Loc> = recovered.live.iter().map(|(&id, f)| (id, f.loc)).collect();
        for loc in live.values() {
            if let Some(s) = sealed.iter_mut().find(|s| s.id == loc.segment) {
                s.live += 1;
                s.live_bytes += u64::from(loc.len);
            }
        }
        let live_bytes = live.values().map(|l| u64::from(l.len)).sum();
        let (active, map) = create_segment(
            dir,
            recovered.next_segment,
            recovered.next_id,
            segment_bytes,
        )?;
        let mut writer = Writer {
            dir: dir.to_owned(),
            sync,
            segment_bytes,
            active,
            map,
            sealed,
            live,
            live_bytes,
            next_id: recovered.next_id,
            next_segment: recovered.next_segment + 1,
            settled: Vec::new(),
            dirty: false,
            unsynced: Vec::new(),
            dir_unsynced: false,
            buf: Vec::new(),
            closed: false,
        };
        writer.new_entry_written()?;
        writer.delete_dead_front();
        Ok(writer)
    }

    /// Appends a moment under `key` (ASCII); returns its record id and whether the sync
    /// thread must be woken. With `max_bytes`, a moment that needs more space on disk (a
    /// new reservation or segment) is refused when that space would pass the bound.
    pub(super) fn append(
        &mut self,
        key: &[u8],
        moment: &Moment,
        max_bytes: Option<&MaxBytes>,
    ) -> io::Result<(u64, bool)> {
        if self.closed {
            return Err(io::Error::other("the spool is closed"));
        }
        let id = self.next_id;
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        format::encode_moment(&mut buf, id, key, moment);
        let written = if buf.len() > MAX_PAYLOAD + RECORD_HEADER_LEN {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a moment of {} bytes is larger than a spool record takes ({MAX_PAYLOAD} \
                     bytes; Hotpot takes at most 1 MiB)",
                    buf.len() - RECORD_HEADER_LEN - 10 - key.len()
                ),
            ))
        } else {
            self.make_room(buf.len() as u64, max_bytes)
                .and_then(|()| self.write_active(&buf))
        };
        self.buf = buf;
        let loc = written?;
        self.next_id += 1;
        self.live.insert(id, loc);
        self.live_bytes += u64::from(loc.len);
        self.active.live += 1;
        self.active.live_bytes += u64::from(loc.len);
        if self.sync == SpoolSync::Always
            && let Err(e) = self.active.file.sync_data()
        {
            // On the disk or not, it is refused: settle it, so that it is never sent.
            self.settle(id);
            return Err(e);
        }
        Ok((id, self.mark_dirty()))
    }

    /// Before a record of `len` bytes is written: rolls to a new segment when the active one
    /// is full, and checks `max_bytes` when the files must grow. At the bound, a spool whose
    /// every moment has settled rolls early: the new segment takes less than the old one
    /// gives back, so a spool that filled up during an outage takes moments again once they
    /// are delivered.
    fn make_room(&mut self, len: u64, max_bytes: Option<&MaxBytes>) -> io::Result<()> {
        let roll = self.active.len >= self.segment_bytes;
        let new_segment = (format::HEADER_LEN as u64 + len).div_ceil(GROW_STEP) * GROW_STEP;
        if let Some(max) = max_bytes {
            let growth = if roll {
                new_segment // the sealed one gives back its reserve
            } else {
                let end = self.active.len + len;
                let reserved = self.map.reserved();
                end.saturating_sub(reserved).div_ceil(GROW_STEP) * GROW_STEP
            };
            if growth > 0
                && let Err(e) = max.check(growth)
            {
                // Only the active segment is left, with nothing pending: a roll deletes it.
                let freed = if self.sealed.is_empty() && self.active.live == 0 {
                    self.map.reserved()
                } else {
                    0
                };
                if freed == 0 || (new_segment > freed && max.check(new_segment - freed).is_err()) {
                    return Err(e);
                }
                return self.roll();
            }
        }
        if roll { self.roll() } else { Ok(()) }
    }

    /// The id the next moment gets.
    pub(super) fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Marks a moment settled; returns whether the sync thread must be woken to write the
    /// settled record.
    pub(super) fn settle(&mut self, id: u64) -> bool {
        let Some(loc) = self.live.remove(&id) else {
            return false;
        };
        self.live_bytes -= u64::from(loc.len);
        let segment = if loc.segment == self.active.id {
            Some(&mut self.active)
        } else {
            self.sealed.iter_mut().find(|s| s.id == loc.segment)
        };
        if let Some(s) = segment {
            s.live -= 1;
            s.live_bytes -= u64::from(loc.len);
        }
        self.delete_dead_front();
        self.settled.push(id);
        if self.settled.len() >= MAX_SETTLED_PER_RECORD
            && let Err(e) = self.write_settled()
        {
            tracing::debug!(error = %e, "hotpot spool: cannot write settled moments");
        }
        self.settled.len() == 1
    }

    /// Writes the settled ids gathered so far as records. A failure only means those
    /// moments would be sent again after a crash (with their keys, so recorded once).
    pub(super) fn write_settled(&mut self) -> io::Result<()> {
        if self.settled.is_empty() || self.closed {
            return Ok(());
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        for chunk in self.settled.chunks(MAX_SETTLED_PER_RECORD) {
            format::encode_settled(&mut buf, chunk);
        }
        self.settled.clear();
        let written = self.write_active(&buf).map(drop);
        self.buf = buf;
        self.mark_dirty();
        written
    }

    /// Pending moments.
    #[cfg(test)]
    pub(super) fn live(&self) -> usize {
        self.live.len()
    }

    /// Bytes of segment files on disk.
    pub(super) fn disk_bytes(&self) -> u64 {
        self.active.len + self.sealed.iter().map(|s| s.len).sum::<u64>()
    }

    /// What the batch sync must make durable now.
    pub(super) fn take_sync_work(&mut self) -> SyncWork {
        if !std::mem::take(&mut self.dirty) {
            return SyncWork::default();
        }
        let mut files = std::mem::take(&mut self.unsynced);
        files.push(Arc::clone(&self.active.file));
        let dir = std::mem::take(&mut self.dir_unsynced).then(|| self.dir.clone());
        SyncWork { files, dir }
    }

    /// The end: writes the settled ids, and deletes every segment when nothing is pending
    /// (a clean shutdown leaves an empty spool); otherwise makes the rest durable.
    pub(super) fn close(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let settled = self.write_settled();
        self.closed = true;
        if self.live.is_empty() {
            let ids: Vec<u64> = self.sealed.drain(..).map(|s| s.id).collect();
            for id in ids.into_iter().chain([self.active.id]) {
                let _ = fs::remove_file(segment_path(&self.dir, id));
            }
            return settled;
        }
        give_back_reserve(&self.active);
        if self.sync != SpoolSync::Never {
            self.dirty = true;
            self.take_sync_work().run()?;
        }
        settled
    }

    fn mark_dirty(&mut self) -> bool {
        if self.sync != SpoolSync::Batch {
            return false;
        }
        !std::mem::replace(&mut self.dirty, true)
    }

    /// Writes `bytes` at the end of the active segment, all of them or (on an error) none.
    fn write_active(&mut self, bytes: &[u8]) -> io::Result<Loc> {
        let loc = Loc {
            segment: self.active.id,
            offset: self.active.len,
            len: bytes.len() as u32,
        };
        self.map.write_at(loc.offset, bytes)?;
        self.active.len += bytes.len() as u64;
        Ok(loc)
    }

    /// Seals the active segment, starts a new one, and reclaims what it can.
    fn roll(&mut self) -> io::Result<()> {
        let (active, map) = create_segment(
            &self.dir,
            self.next_segment,
            self.next_id,
            self.segment_bytes,
        )?;
        self.next_segment += 1;
        drop(std::mem::replace(&mut self.map, map));
        let old = std::mem::replace(&mut self.active, active);
        give_back_reserve(&old);
        if self.sync == SpoolSync::Batch {
            self.unsynced.push(Arc::clone(&old.file));
        }
        self.sealed.push_back(old);
        self.new_entry_written()?;
        self.delete_dead_front();
        while !self.sealed.is_empty()
            && self.disk_bytes() > 2 * self.segment_bytes + 2 * self.live_bytes
        {
            self.move_front()?;
        }
        Ok(())
    }

    /// A new segment file exists: its directory entry must reach the disk too.
    fn new_entry_written(&mut self) -> io::Result<()> {
        match self.sync {
            SpoolSync::Always => File::open(&self.dir)?.sync_all(),
            SpoolSync::Batch => {
                self.dir_unsynced = true;
                self.mark_dirty();
                Ok(())
            }
            SpoolSync::Never => Ok(()),
        }
    }

    /// Copies the pending moments of the oldest segment into the active one, then deletes it.
    fn move_front(&mut self) -> io::Result<()> {
        let Some(front) = self.sealed.front() else {
            return Ok(());
        };
        let moving: Vec<(u64, Loc)> = self
            .live
            .iter()
            .filter(|(_, loc)| loc.segment == front.id)
            .map(|(&id, &loc)| (id, loc))
            .collect();
        let file = Arc::clone(&front.file);
        let mut bytes = Vec::new();
        for (id, loc) in moving {
            bytes.resize(loc.len as usize, 0);
            file.read_exact_at(&mut bytes, loc.offset)?;
            let new = self.write_active(&bytes)?;
            self.live.insert(id, new);
            self.active.live += 1;
            self.active.live_bytes += u64::from(loc.len);
            if let Some(front) = self.sealed.front_mut() {
                front.live -= 1;
                front.live_bytes -= u64::from(loc.len);
            }
        }
        if self.sync != SpoolSync::Never {
            // The copies must be on the disk before the originals go.
            self.active.file.sync_data()?;
        }
        self.delete_dead_front();
        Ok(())
    }

    /// Deletes the oldest sealed segments while nothing in them is pending.
    fn delete_dead_front(&mut self) {
        while self.sealed.front().is_some_and(|s| s.live == 0) {
            if let Some(s) = self.sealed.pop_front() {
                let path = segment_path(&self.dir, s.id);
                if let Err(e) = fs::remove_file(&path)
                    && e.kind() != io::ErrorKind::NotFound
                {
                    tracing::warn!(
                        file = %path.display(),
                        error = %e,
                        "hotpot spool: cannot delete a settled segment"
                    );
                }
            }
        }
    }
}

/// Cuts a segment that is no longer written off after its last record. A failure costs
/// only space: recovery stops at the zeros reserved after the last record.
fn give_back_reserve(segment: &Segment) {
    if let Err(e) = segment.file.set_len(segment.len) {
        tracing::debug!(error = %e, "hotpot spool: cannot give back a segment's reserve");
    }
}

/// Creates segment `id`, mapped, with its header; new records get ids from `first_id` on.
fn create_segment(
    dir: &Path,
    id: u64,
    first_id: u64,
    segment_bytes: u64,
) -> io::Result<(Segment, Mapped)> {
    let path = segment_path(dir, id);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    let file = Arc::new(file);
    let header = format::encode_header(first_id);
    let mapped = Mapped::new(Arc::clone(&file), segment_bytes + GROW_STEP)
        .and_then(|mut map| map.write_at(0, &header).map(|()| map));
    match mapped {
        Ok(map) => Ok((
            Segment {
                id,
                file,
                len: header.len() as u64,
                live: 0,
                live_bytes: 0,
            },
            map,
        )),
        Err(e) => {
            let _ = fs::remove_file(&path);
            Err(e)
        }
    }
}
