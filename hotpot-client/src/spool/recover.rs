//! Reading a spool back: every segment in order, every intact record applied, every damaged
//! stretch skipped and counted — never a panic, never an error for damage.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::format::{self, Decoded, HEADER_LEN, Header, Record};
use crate::{Error, Moment};

/// A segment file's name: its number, 20 digits, and this extension.
const EXTENSION: &str = "seg";

/// The path of segment `id` in `dir`.
pub(super) fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:020}.{EXTENSION}"))
}

/// The segment number a file name stands for, if it names a segment.
fn segment_id(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(EXTENSION)?.strip_suffix('.')?;
    if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// Where a record lies: its segment, offset and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Loc {
    pub(super) segment: u64,
    pub(super) offset: u64,
    pub(super) len: u32,
}

/// A moment read back from the spool.
#[derive(Debug)]
pub(super) struct Found {
    pub(super) key: String,
    pub(super) moment: Moment,
    pub(super) loc: Loc,
}

/// What a spool held.
#[derive(Debug, Default)]
pub(super) struct Recovery {
    /// The moments that had not settled, by record id (the order they were emitted in).
    pub(super) live: BTreeMap<u64, Found>,
    /// This format's segments, oldest first, each with where its records end (the space
    /// reserved after them is zeros).
    pub(super) segments: Vec<(u64, u64)>,
    /// The first record id and segment number free for new ones.
    pub(super) next_id: u64,
    pub(super) next_segment: u64,
    /// Damaged stretches of records, and whole files skipped (an unreadable file, another
    /// format version).
    pub(super) damaged: u64,
    /// What was skipped, for the one log line: `(file, why)`.
    pub(super) notes: Vec<String>,
}

/// Reads every segment of `dir`.
pub(super) fn recover(dir: &Path) -> Result<Recovery, Error> {
    let mut ids = Vec::new();
    let entries =
        fs::read_dir(dir).map_err(|e| super::config_error(dir, "cannot list the directory", &e))?;
    for entry in entries.flatten() {
        if let Some(id) = entry.file_name().to_str().and_then(segment_id) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    let mut recovery = Recovery::default();
    for id in ids {
        recovery.next_segment = recovery.next_segment.max(id + 1);
        let path = segment_path(dir, id);
        match fs::read(&path) {
            Ok(bytes) => recovery.read_segment(id, &bytes, &path),
            Err(e) => {
                recovery.damaged += 1;
                recovery
                    .notes
                    .push(format!("{} could not be read ({e})", path.display()));
            }
        }
    }
    Ok(recovery)
}

impl Recovery {
    fn read_segment(&mut self, id: u64, bytes: &[u8], path: &Path) {
        if bytes.iter().all(|&b| b == 0) {
            // Created, and the process died before its header was written: nothing lost.
            self.segments.push((id, 0));
            return;
        }
        match format::decode_header(bytes) {
            Header::Current { first_id } => self.next_id = self.next_id.max(first_id),
            Header::OtherVersion(version) => {
                // Written by another release: left as it is, for that release to read.
                self.damaged += 1;
                self.notes.push(format!(
                    "{} has format version {version}, this release reads version {}: left \
                     untouched",
                    path.display(),
                    format::VERSION
                ));
                return;
            }
            Header::Damaged => {
                self.damaged += 1;
                self.notes
                    .push(format!("{} has a damaged header", path.display()));
            }
        }
        let mut pos = HEADER_LEN.min(bytes.len());
        let mut in_damage = false;
        let mut skipped = 0;
        while pos < bytes.len() {
            if bytes[pos] == 0 && bytes[pos..].iter().all(|&b| b == 0) {
                // Only zeros from where a record would start: space reserved, never written.
                break;
            }
            match format::decode_at(bytes, pos) {
                Decoded::Record(record, next) => {
                    in_damage = false;
                    let loc = Loc {
                        segment: id,
                        offset: pos as u64,
                        len: (next - pos) as u32,
                    };
                    if !self.apply(record, loc) {
                        skipped += 1;
                    }
                    pos = next;
                }
                // Cut short (a torn write) or not a record at all: skip to the next record.
                Decoded::Truncated | Decoded::Damaged => {
                    if !in_damage {
                        skipped += 1;
                        in_damage = true;
                    }
                    pos = format::resync(bytes, pos);
                }
            }
        }
        self.segments.push((id, pos.min(bytes.len()) as u64));
        if skipped > 0 {
            self.damaged += skipped;
            self.notes.push(format!(
                "{}: {skipped} damaged stretch(es) of records skipped",
                path.display()
            ));
        }
    }

    /// Applies one record; `false` if it turned out unusable.
    fn apply(&mut self, record: Record<'_>, loc: Loc) -> bool {
        match record {
            Record::Moment { id, key, json } => {
                self.next_id = self.next_id.max(id + 1);
                let Some(moment) = parse_moment(json) else {
                    return false;
                };
                // A later copy (moved when its segment was reclaimed) replaces an earlier one.
                self.live.insert(
                    id,
                    Found {
                        key: key.to_owned(),
                        moment,
                        loc,
                    },
                );
            }
            Record::Settled(ids) => {
                for id in ids {
                    self.next_id = self.next_id.max(id + 1);
                    self.live.remove(&id);
                }
            }
        }
        true
    }
}

/// A spooled moment's JSON, checked by the §1 rules again. It was valid when emitted, so
/// "the future" is not held against it (the clock may have gone back since).
fn parse_moment(json: &[u8]) -> Option<Moment> {
    let value: serde_json::Value = serde_json::from_slice(json).ok()?;
    hotpot_protocol::parse_lenient(&value, DateTime::<Utc>::MAX_UTC)
        .moment
        .ok()
}

#[cfg(test)]
mod tests {
    use super::segment_id;

    #[test]
    fn only_twenty_digit_names_are_segments() {
        assert_eq!(segment_id("00000000000000000042.seg"), Some(42));
        assert_eq!(segment_id("42.seg"), None);
        assert_eq!(segment_id("0000000000000000004x.seg"), None);
        assert_eq!(segment_id("00000000000000000042.seg.tmp"), None);
        assert_eq!(segment_id("lock"), None);
    }
}
