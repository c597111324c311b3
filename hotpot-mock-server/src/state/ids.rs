//! Request ids that lead back to their event without a lookup table.
//!
//! A request id is a UUID v4 whose 62 low bits are the event's sequence number passed
//! through a keyed permutation (a 4-round Feistel network with a per-server random key), and
//! whose other bits are random. It looks random and is unique per server; `GET
//! /request/{id}/status` inverts the permutation to find the event in O(1) and then checks the
//! whole id, so a forged or foreign id is simply unknown. This spares the hot path a hash map
//! of 100,000 random keys (an insert and a removal per request, each a cache miss).

use uuid::{Builder, Uuid, Variant, Version};

const HALF_BITS: u32 = 31;
const HALF: u64 = (1 << HALF_BITS) - 1;
const ROUNDS: usize = 4;

pub(crate) struct RequestIds {
    keys: [u64; ROUNDS],
}

impl RequestIds {
    pub(crate) fn new() -> Self {
        RequestIds {
            keys: std::array::from_fn(|_| fastrand::u64(..)),
        }
    }

    /// A fresh UUID v4 for the event with sequence number `seq` (below 2^62).
    pub(crate) fn encode(&self, seq: u64) -> Uuid {
        let low = self.permute(seq & (u64::MAX >> 2));
        let high = fastrand::u64(..);
        Builder::from_u128((u128::from(high) << 64) | u128::from(low))
            .with_version(Version::Random)
            .with_variant(Variant::RFC4122)
            .into_uuid()
    }

    /// The sequence number `id` was made for, if it was made by [`encode`](Self::encode)
    /// (callers check the event's id in full).
    pub(crate) fn decode(&self, id: &Uuid) -> u64 {
        let (_, low) = id.as_u64_pair();
        self.unpermute(low & (u64::MAX >> 2))
    }

    fn round(half: u64, key: u64) -> u64 {
        ((half ^ key).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 29) & HALF
    }

    fn permute(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> HALF_BITS, x & HALF);
        for key in self.keys {
            (left, right) = (right, left ^ Self::round(right, key));
        }
        (left << HALF_BITS) | right
    }

    fn unpermute(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> HALF_BITS, x & HALF);
        for key in self.keys.iter().rev() {
            (left, right) = (right ^ Self::round(left, *key), left);
        }
        (left << HALF_BITS) | right
    }
}

#[cfg(test)]
mod tests {
    use uuid::{Variant, Version};

    use super::RequestIds;

    #[test]
    fn ids_are_v4_unique_and_lead_back() {
        let ids = RequestIds::new();
        let mut seen = std::collections::HashSet::new();
        for seq in (0..50_000u64).chain([u64::MAX >> 2, 1 << 40]) {
            let id = ids.encode(seq);
            assert_eq!(id.get_version(), Some(Version::Random));
            assert_eq!(id.get_variant(), Variant::RFC4122);
            assert_eq!(ids.decode(&id), seq);
            assert!(seen.insert(id));
        }
        // Consecutive sequence numbers do not give related-looking ids.
        let a = ids.encode(1).as_u64_pair().1;
        let b = ids.encode(2).as_u64_pair().1;
        assert!((a ^ b).count_ones() > 8);
        // Another server's key does not decode this one's ids.
        let other = RequestIds::new();
        assert_ne!(other.decode(&ids.encode(7)), 7);
    }
}
