//! Request ids (spec §3, §4) that carry their event's number, so that
//! `GET /request/{id}/status` finds the event without a map from ids to events (which cost
//! a hash-table insert and a removal, both under the lock, on every ingest request).
//!
//! An id is a version 4 UUID whose first 48 bits are the event's number masked by a random
//! value chosen when the server starts (ids do not show how many events came before); the
//! rest is random. Two events under 2⁴⁸ apart never share an id, and a made-up id finds
//! nothing: the event its bits name must have exactly that id.

use uuid::Uuid;

/// Makes request ids and reads the event number back out of them.
#[derive(Debug)]
pub(super) struct RequestIds {
    mask: u64,
}

/// The bits of an id that carry the event's number.
const SEQ_BITS: u32 = 48;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

impl RequestIds {
    pub(super) fn new() -> Self {
        RequestIds {
            mask: fastrand::u64(..) & SEQ_MASK,
        }
    }

    /// A new request id for the event numbered `seq`.
    pub(super) fn make(&self, seq: u64) -> Uuid {
        let mut bytes = fastrand::u128(..).to_be_bytes();
        let masked = ((seq ^ self.mask) & SEQ_MASK).to_be_bytes();
        bytes[..6].copy_from_slice(&masked[2..]);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// The number of the event whose id `id` would be (to be checked against that event).
    pub(super) fn seq_of(&self, id: &Uuid) -> u64 {
        let mut number = [0u8; 8];
        number[2..].copy_from_slice(&id.as_bytes()[..6]);
        u64::from_be_bytes(number) ^ self.mask
    }
}

#[cfg(test)]
mod tests {
    use super::RequestIds;

    #[test]
    fn an_id_names_its_event() {
        let ids = RequestIds::new();
        for seq in [1, 2, 1000, (1 << 48) - 1] {
            let id = ids.make(seq);
            assert_eq!(id.get_version_num(), 4);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(ids.seq_of(&id), seq);
            // Random apart from the number: two ids of one event differ.
            assert_ne!(ids.make(seq), id);
        }
    }
}
