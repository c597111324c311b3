//! The storage on its own: what goes in comes back after a reopen, damage costs only the
//! damaged records, the lock holds, and space is reclaimed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::recover::segment_path;
use super::{Spool, SpoolSync};
use crate::{Moment, MomentType};

/// A fresh directory under the system's temporary directory, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("hotpot-spool-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        TempDir(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn moment(i: usize) -> Moment {
    Moment::builder(format!("moment {i}"), MomentType::Alert)
        .description("x".repeat(100))
        .build()
        .unwrap()
}

/// Appends `n` moments named `moment 0`, `moment 1`, ... and returns their ids.
fn fill(spool: &Spool, n: usize) -> Vec<u64> {
    fill_keyed(spool, n).into_iter().map(|(id, _)| id).collect()
}

/// The same, with the keys the spool gave them.
fn fill_keyed(spool: &Spool, n: usize) -> Vec<(u64, String)> {
    (0..n).map(|i| append(spool, &moment(i))).collect()
}

/// Appends one moment: its record id and key.
fn append(spool: &Spool, moment: &Moment) -> (u64, String) {
    let id = spool.append(moment).unwrap();
    (id, spool.key_for(id))
}

fn names(recovered: &[super::Recovered]) -> Vec<String> {
    recovered
        .iter()
        .map(|r| r.moment.name().to_owned())
        .collect()
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    files.sort();
    files
}

/// Where a segment's records end: the space reserved after them is zeros (the records
/// written here are moments, whose JSON ends in `}`).
fn data_len(file: &Path) -> usize {
    let bytes = fs::read(file).unwrap();
    bytes.iter().rposition(|&b| b != 0).unwrap() + 1
}

/// Leaves the spool as a killed process would: nothing more is written (the sync thread
/// stops without a word), and the kernel drops the lock.
fn crash(spool: std::sync::Arc<Spool>) {
    super::lock(&spool.writer).closed = true;
    spool.wake.notify_all();
    if let Some(thread) = super::lock(&spool.thread).take() {
        thread.join().unwrap();
    }
    drop(super::lock(&spool.dir_lock).take());
}

#[test]
fn pending_moments_come_back_in_order_with_their_keys_and_settled_ones_do_not() {
    let dir = TempDir::new("order");
    let (spool, recovered) = Spool::open(dir.path(), SpoolSync::Batch).unwrap();
    assert!(recovered.is_empty());
    let keyed = fill_keyed(&spool, 10);
    let ids: Vec<u64> = keyed.iter().map(|(id, _)| *id).collect();
    for &id in &ids[..4] {
        spool.settle(id);
    }
    crash(spool);
    let (spool, recovered) = Spool::open(dir.path(), SpoolSync::Batch).unwrap();
    // The settled records may not have been written before the "crash" (they are batched):
    // then those moments come back too, to be deduplicated by their keys.
    let first = 10 - recovered.len();
    assert!(first <= 4, "{first}");
    assert_eq!(
        names(&recovered),
        (first..10)
            .map(|i| format!("moment {i}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(recovered[0].key, keyed[first].1);
    let keys: std::collections::HashSet<&str> = keyed.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys.len(), 10, "every record has its own key");
    assert_eq!(spool.damaged(), 0);
    // New ids never reuse a recovered one.
    let new = spool.append(&moment(99)).unwrap();
    assert!(recovered.iter().all(|r| r.id < new));
    spool.close();
}

#[test]
fn a_clean_close_writes_the_settled_ids_and_an_empty_spool_leaves_no_segment() {
    let dir = TempDir::new("close");
    let (spool, _) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    let ids = fill(&spool, 5);
    spool.settle(ids[1]);
    spool.close();
    let (spool, recovered) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    assert_eq!(recovered.len(), 4);
    assert!(!names(&recovered).contains(&"moment 1".to_owned()));
    for r in &recovered {
        spool.settle(r.id);
    }
    spool.close();
    assert!(
        segments(dir.path()).is_empty(),
        "{:?}",
        segments(dir.path())
    );
}

#[test]
fn a_second_opener_is_refused_naming_the_directory_until_the_first_closes() {
    let dir = TempDir::new("lock");
    let (spool, _) = Spool::open(dir.path(), SpoolSync::Batch).unwrap();
    let err = Spool::open(dir.path(), SpoolSync::Batch).unwrap_err();
    assert!(err.is_config(), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&format!("process {}", std::process::id())),
        "{message}"
    );
    spool.close();
    let (again, _) = Spool::open(dir.path(), SpoolSync::Batch).unwrap();
    again.close();
}

#[test]
fn a_torn_last_record_costs_that_record_only() {
    // Torn in memory (a kill in the middle of the copy: the rest of the record never
    // written, zeros) and cut short on disk (a file truncated): the same outcome.
    for cut_short in [false, true] {
        let dir = TempDir::new("torn");
        let (spool, _) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
        fill(&spool, 5);
        crash(spool);
        let file = segments(dir.path()).pop().unwrap();
        let end = data_len(&file);
        if cut_short {
            let f = fs::OpenOptions::new().write(true).open(&file).unwrap();
            f.set_len(end as u64 - 7).unwrap();
        } else {
            let mut bytes = fs::read(&file).unwrap();
            bytes[end - 7..end].fill(0);
            fs::write(&file, &bytes).unwrap();
        }
        let (spool, recovered) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
        assert_eq!(
            names(&recovered),
            ["moment 0", "moment 1", "moment 2", "moment 3"],
            "cut short: {cut_short}"
        );
        assert_eq!(spool.damaged(), 1);
        // What is written next lands in a new segment and comes back.
        let (_, after) = append(&spool, &moment(5));
        crash(spool);
        let (spool, recovered) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
        assert_eq!(recovered.len(), 5);
        assert_eq!(recovered[4].key, after);
        // The torn record is still in its segment (which holds pending moments): counted by
        // every opening, never mistaken for a moment.
        assert_eq!(spool.damaged(), 1);
        spool.close();
    }
}

#[test]
fn the_space_reserved_after_the_records_is_no_damage_and_is_given_back() {
    let dir = TempDir::new("reserve");
    let (spool, _) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    fill(&spool, 3);
    crash(spool);
    let file = segments(dir.path()).pop().unwrap();
    let (len, end) = (fs::metadata(&file).unwrap().len(), data_len(&file));
    assert!(len >= super::mapped::GROW_STEP && end < 1024, "{len} {end}");
    let (spool, recovered) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    assert_eq!(recovered.len(), 3);
    assert_eq!(spool.damaged(), 0);
    // The dead process's reserve is cut off once its segment is read back.
    assert_eq!(fs::metadata(&file).unwrap().len(), end as u64);
    spool.close();
    // A close with moments pending leaves the active segment without a reserve too.
    let active = segments(dir.path()).pop().unwrap();
    assert_eq!(
        fs::metadata(&active).unwrap().len(),
        data_len(&active) as u64
    );
}

#[test]
fn a_flipped_byte_in_the_middle_costs_one_record_and_the_rest_is_read() {
    let dir = TempDir::new("flip");
    let (spool, _) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    fill(&spool, 9);
    crash(spool);
    let file = segments(dir.path()).pop().unwrap();
    let mut bytes = fs::read(&file).unwrap();
    let middle = data_len(&file) / 2;
    bytes[middle] ^= 0x20;
    fs::write(&file, &bytes).unwrap();
    let (spool, recovered) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    assert_eq!(recovered.len(), 8, "{:?}", names(&recovered));
    assert_eq!(spool.damaged(), 1);
    spool.close();
}

#[test]
fn garbage_zero_length_missing_and_other_version_files_never_stop_the_spool() {
    let dir = TempDir::new("junk");
    let (spool, _) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    fill(&spool, 3);
    crash(spool);
    // A file cut to nothing, one written by hand, one of a future format version.
    fs::write(segment_path(dir.path(), 100), b"").unwrap();
    fs::write(
        segment_path(dir.path(), 101),
        b"{\"name\": \"hand-edited\", \"type\": \"alert\"}\n",
    )
    .unwrap();
    let mut future = super::format::encode_header(0).to_vec();
    future[8..12].copy_from_slice(&9u32.to_le_bytes());
    let crc = crc32fast::hash(&future[..20]);
    future[20..].copy_from_slice(&crc.to_le_bytes());
    future.extend_from_slice(b"records of version 9");
    let future_path = segment_path(dir.path(), 102);
    fs::write(&future_path, &future).unwrap();
    let (spool, recovered) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    assert_eq!(names(&recovered), ["moment 0", "moment 1", "moment 2"]);
    // The hand-written file (its header and its text) and the future one.
    assert_eq!(spool.damaged(), 3);
    for r in &recovered {
        spool.settle(r.id);
    }
    spool.close();
    // A file of another version is never deleted: it is another release's to read.
    assert_eq!(fs::read(&future_path).unwrap(), future);

    // A segment deleted by hand: the others are still read.
    let dir = TempDir::new("missing");
    let (spool, _) = Spool::open_with(dir.path(), SpoolSync::Never, 1024).unwrap();
    fill(&spool, 30);
    crash(spool);
    let files = segments(dir.path());
    assert!(files.len() >= 3, "{files:?}");
    fs::remove_file(&files[1]).unwrap();
    let (spool, recovered) = Spool::open_with(dir.path(), SpoolSync::Never, 1024).unwrap();
    assert!(
        recovered.len() < 30 && recovered.len() >= 20,
        "{}",
        recovered.len()
    );
    assert_eq!(recovered[0].moment.name(), "moment 0");
    spool.close();
}

#[test]
fn space_is_reclaimed_over_many_cycles_and_a_long_pending_moment_is_kept() {
    let dir = TempDir::new("reclaim");
    let segment = 4096;
    let (spool, _) = Spool::open_with(dir.path(), SpoolSync::Batch, segment).unwrap();
    // One moment that stays pending the whole time, as one retried for minutes would.
    let (pinned, pinned_key) = append(&spool, &moment(0));
    let mut peak = 0;
    for round in 0..200 {
        let ids = fill(&spool, 20);
        for id in ids {
            spool.settle(id);
        }
        // The settled ids reach the file here, as the sync thread writes them within 50 ms
        // in a live process. Left to that thread alone (behind under load), they piled up
        // into one record of many rounds' ids, written past a segment's end, and the bound
        // below depended on how far behind it was.
        super::lock(&spool.writer).write_settled().unwrap();
        let (live, bytes) = spool.usage();
        assert_eq!(live, 1, "round {round}");
        peak = peak.max(bytes);
    }
    // 200 rounds wrote about 900 KiB; the files stayed within a few segments (each at most
    // a few records over its size: one moment and one round's settled ids, 20 x 8 bytes)
    // and twice the pending moments.
    let (record, pending) = (256, 21);
    let bound = 4 * (segment + 4 * record);
    assert!(peak <= bound + 2 * pending * record, "peak {peak} bytes");
    // Everything but the pinned moment has settled.
    let (_, settled) = spool.usage();
    assert!(settled <= bound, "{settled} bytes");
    // The settled ids still being batched reach the file, then the process dies.
    super::lock(&spool.writer).write_settled().unwrap();
    crash(spool);
    let (spool, recovered) = Spool::open_with(dir.path(), SpoolSync::Batch, segment).unwrap();
    // The pinned moment survived being moved forward many times, alone.
    let keys: Vec<&str> = recovered.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, [pinned_key.as_str()]);
    assert_eq!(recovered[0].id, pinned);
    assert_eq!(spool.damaged(), 0);
    // Once everything has settled, only the segment being written is left.
    for r in &recovered {
        spool.settle(r.id);
    }
    assert_eq!(segments(dir.path()).len(), 1);
    spool.close();
}

#[test]
fn an_oversized_moment_is_refused_with_a_clear_error_and_nothing_is_written() {
    let dir = TempDir::new("big");
    let (spool, _) = Spool::open(dir.path(), SpoolSync::Never).unwrap();
    let big = Moment::builder("big", MomentType::Alert)
        .description("x".repeat(2 << 20))
        .build()
        .unwrap();
    let err = spool.append(&big).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("larger than a spool record takes"),
        "{err}"
    );
    assert_eq!(spool.usage().0, 0);
    spool.close();
}

#[test]
fn moments_larger_than_a_reservation_step_and_a_segment_grow_the_mapping_and_come_back() {
    let dir = TempDir::new("grow");
    // Segments of 64 KiB: a 700 KiB moment outgrows both the first reservation and the
    // address space mapped for the segment.
    let (spool, _) = Spool::open_with(dir.path(), SpoolSync::Batch, 64 << 10).unwrap();
    let sizes = [100usize, 200 << 10, 700 << 10, 100];
    for (i, size) in sizes.iter().enumerate() {
        let m = Moment::builder(format!("moment {i}"), MomentType::Alert)
            .description("y".repeat(*size))
            .build()
            .unwrap();
        spool.append(&m).unwrap();
    }
    crash(spool);
    let (spool, recovered) = Spool::open_with(dir.path(), SpoolSync::Batch, 64 << 10).unwrap();
    assert_eq!(spool.damaged(), 0);
    let lens: Vec<usize> = recovered
        .iter()
        .map(|r| r.moment.description().map_or(0, str::len))
        .collect();
    assert_eq!(lens, sizes);
    spool.close();
}

#[test]
fn a_directory_that_cannot_be_created_is_a_config_error_naming_it() {
    let dir = TempDir::new("notdir");
    fs::write(dir.path(), b"a file, not a directory").unwrap();
    let path = dir.path().join("spool");
    let err = Spool::open(&path, SpoolSync::Batch).unwrap_err();
    assert!(err.is_config());
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    let _ = fs::remove_file(dir.path());
}
