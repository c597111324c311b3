//! The bytes of a segment file: its header and its records (see the format section of the
//! [module documentation](super)). Encoding and decoding only; no I/O.

use crate::Moment;

/// The first 8 bytes of every segment file.
pub(super) const MAGIC: [u8; 8] = *b"HPSPOOL\0";

/// The format version this release writes, and the only one it reads.
pub(super) const VERSION: u32 = 1;

/// magic (8) + version (4) + first record id (8) + CRC-32 of the 20 bytes before it (4).
pub(super) const HEADER_LEN: usize = 24;

/// The two bytes every record starts with: `0xF5` never occurs in UTF-8, so it cannot appear
/// in a moment's JSON or its key, which makes resynchronising after damage cheap.
const MARKER: [u8; 2] = [0xF5, b'R'];

/// marker (2) + kind (1) + reserved (1) + payload length (4) + CRC-32 (4).
pub(super) const RECORD_HEADER_LEN: usize = 12;

/// The largest payload a record carries: Hotpot takes bodies up to 1 MiB (spec §3), so a
/// moment this large could never be delivered anyway. It also bounds what recovery believes.
pub(super) const MAX_PAYLOAD: usize = (1 << 20) + 4096;

/// A moment, its `Idempotency-Key` and its record id.
const KIND_MOMENT: u8 = 1;
/// Ids of moments that settled.
const KIND_SETTLED: u8 = 2;

/// What a segment's header says.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Header {
    /// This release's format; records start after it, ids at `first_id` or later.
    Current { first_id: u64 },
    /// A valid header of another format version: the file is left alone.
    OtherVersion(u32),
    /// Shorter than a header, not our magic, or a checksum mismatch.
    Damaged,
}

pub(super) fn encode_header(first_id: u64) -> [u8; HEADER_LEN] {
    let mut out = [0; HEADER_LEN];
    out[..8].copy_from_slice(&MAGIC);
    out[8..12].copy_from_slice(&VERSION.to_le_bytes());
    out[12..20].copy_from_slice(&first_id.to_le_bytes());
    let crc = crc32fast::hash(&out[..20]);
    out[20..].copy_from_slice(&crc.to_le_bytes());
    out
}

pub(super) fn decode_header(bytes: &[u8]) -> Header {
    if bytes.len() < HEADER_LEN || bytes[..8] != MAGIC {
        return Header::Damaged;
    }
    if crc32fast::hash(&bytes[..20]) != u32_at(bytes, 20) {
        return Header::Damaged;
    }
    match u32_at(bytes, 8) {
        VERSION => Header::Current {
            first_id: u64_at(bytes, 12),
        },
        other => Header::OtherVersion(other),
    }
}

/// A record, decoded.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Record<'a> {
    /// A spooled moment: its id, key and canonical JSON.
    Moment {
        id: u64,
        key: &'a str,
        json: &'a [u8],
    },
    /// Moments that settled, by id.
    Settled(Vec<u64>),
}

/// Appends a moment record to `out`: its id, `key` (ASCII, as every key the spool makes)
/// and canonical JSON, serialized straight into the record.
pub(super) fn encode_moment(out: &mut Vec<u8>, id: u64, key: &[u8], moment: &Moment) {
    let key_len = u16::try_from(key.len()).unwrap_or(u16::MAX);
    let key = &key[..usize::from(key_len)];
    encode(out, KIND_MOMENT, |out| {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&key_len.to_le_bytes());
        out.extend_from_slice(key);
        moment.write_json(out);
    });
}

/// Appends a settled record for `ids` to `out`.
pub(super) fn encode_settled(out: &mut Vec<u8>, ids: &[u64]) {
    encode(out, KIND_SETTLED, |out| {
        for id in ids {
            out.extend_from_slice(&id.to_le_bytes());
        }
    });
}

/// The most ids one settled record carries (its payload stays far below [`MAX_PAYLOAD`]).
pub(super) const MAX_SETTLED_PER_RECORD: usize = 4096;

fn encode(out: &mut Vec<u8>, kind: u8, payload: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&MARKER);
    out.extend_from_slice(&[kind, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    payload(out);
    let len = (out.len() - start - RECORD_HEADER_LEN) as u32;
    out[start + 4..start + 8].copy_from_slice(&len.to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&out[start..start + 8]);
    crc.update(&out[start + RECORD_HEADER_LEN..]);
    let crc = crc.finalize();
    out[start + 8..start + 12].copy_from_slice(&crc.to_le_bytes());
}

/// What is at one position of a segment's bytes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Decoded<'a> {
    /// A whole, intact record, and where the next one starts.
    Record(Record<'a>, usize),
    /// The bytes end in the middle of what may be a record: a torn last write.
    Truncated,
    /// Not a record: damaged, or not written by us.
    Damaged,
}

/// Decodes the record starting at `pos`.
pub(super) fn decode_at(bytes: &[u8], pos: usize) -> Decoded<'_> {
    let rest = &bytes[pos..];
    if rest.len() < RECORD_HEADER_LEN {
        // Too short for a header: torn, unless what is there cannot start one.
        return if MARKER.starts_with(&rest[..rest.len().min(2)]) {
            Decoded::Truncated
        } else {
            Decoded::Damaged
        };
    }
    if rest[..2] != MARKER || rest[3] != 0 {
        return Decoded::Damaged;
    }
    let len = u32_at(rest, 4) as usize;
    if len > MAX_PAYLOAD {
        return Decoded::Damaged;
    }
    let Some(payload) = rest.get(RECORD_HEADER_LEN..RECORD_HEADER_LEN + len) else {
        return Decoded::Truncated;
    };
    let mut crc = crc32fast::Hasher::new();
    crc.update(&rest[..8]);
    crc.update(payload);
    if crc.finalize() != u32_at(rest, 8) {
        return Decoded::Damaged;
    }
    let next = pos + RECORD_HEADER_LEN + len;
    match (rest[2], payload) {
        (KIND_MOMENT, p) if p.len() >= 10 => {
            let id = u64_at(p, 0);
            let key_len = usize::from(u16::from_le_bytes([p[8], p[9]]));
            let Some(key) = p.get(10..10 + key_len) else {
                return Decoded::Damaged;
            };
            match std::str::from_utf8(key) {
                Ok(key) => Decoded::Record(
                    Record::Moment {
                        id,
                        key,
                        json: &p[10 + key_len..],
                    },
                    next,
                ),
                Err(_) => Decoded::Damaged,
            }
        }
        (KIND_SETTLED, p) if p.len() % 8 == 0 => Decoded::Record(
            Record::Settled(p.chunks_exact(8).map(|c| u64_at(c, 0)).collect()),
            next,
        ),
        _ => Decoded::Damaged,
    }
}

/// The next position after `pos` where a record marker starts (or the end).
pub(super) fn resync(bytes: &[u8], pos: usize) -> usize {
    let from = pos + 1;
    bytes[from.min(bytes.len())..]
        .windows(2)
        .position(|w| w == MARKER)
        .map_or(bytes.len(), |i| from + i)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(name: &str) -> Moment {
        Moment::builder(name, crate::MomentType::Alert)
            .build()
            .unwrap()
    }

    #[test]
    fn records_round_trip_and_every_flipped_bit_is_caught() {
        let mut buf = Vec::new();
        encode_moment(&mut buf, 7, b"key-1", &moment("a"));
        let first = buf.len();
        encode_settled(&mut buf, &[7, 9]);
        match decode_at(&buf, 0) {
            Decoded::Record(Record::Moment { id, key, json }, next) => {
                assert_eq!((id, key, next), (7, "key-1", first));
                assert_eq!(json, br#"{"name":"a","type":"alert"}"#);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            decode_at(&buf, first),
            Decoded::Record(Record::Settled(vec![7, 9]), buf.len())
        );
        for byte in 0..first {
            for bit in 0..8 {
                let mut bad = buf.clone();
                bad[byte] ^= 1 << bit;
                assert!(
                    !matches!(decode_at(&bad, 0), Decoded::Record(..)),
                    "flip of bit {bit} in byte {byte} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn a_record_cut_short_is_truncated_and_garbage_is_damaged() {
        let mut buf = Vec::new();
        encode_moment(&mut buf, 1, b"k", &moment("b"));
        for cut in 1..buf.len() {
            assert_eq!(
                decode_at(&buf[..cut], 0),
                Decoded::Truncated,
                "cut at {cut}"
            );
        }
        assert_eq!(decode_at(b"{\"name\":1}xxxxxxxx", 0), Decoded::Damaged);
        let mut junk = b"garbage".to_vec();
        junk.extend_from_slice(&buf);
        assert_eq!(resync(&junk, 0), 7);
    }

    #[test]
    fn headers_name_their_version_and_catch_damage() {
        let h = encode_header(42);
        assert_eq!(decode_header(&h), Header::Current { first_id: 42 });
        assert_eq!(decode_header(&h[..10]), Header::Damaged);
        let mut bad = h;
        bad[13] ^= 1;
        assert_eq!(decode_header(&bad), Header::Damaged);
        let mut v2 = h;
        v2[8..12].copy_from_slice(&2u32.to_le_bytes());
        let crc = crc32fast::hash(&v2[..20]);
        v2[20..].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(decode_header(&v2), Header::OtherVersion(2));
    }
}
