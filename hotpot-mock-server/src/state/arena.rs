//! [`Arena`]: the log's payload bytes, copied into 64 KiB blocks that are reused in turn.
//!
//! Events leave the log oldest first, so the oldest block is the first to be free again: it is
//! taken back (`BytesMut::try_reclaim`) instead of allocating a new one. The log's bytes are
//! thus a fixed set of large blocks once it is full, rather than one small allocation per event
//! interleaved with each request's short-lived ones, which fragmented the allocator's heap and
//! made the process grow long after the cap (the arena belongs to one server and goes with it).

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::record::StoredBody;

const BLOCK_BYTES: usize = 64 * 1024;

/// Bodies larger than this get their own allocation.
const OWN_ALLOCATION_BYTES: usize = 4 * 1024;

/// How many of the oldest blocks are tried for reuse before allocating a new one.
const REUSE_TRIES: usize = 4;

#[derive(Default)]
pub(crate) struct Arena {
    current: BytesMut,
    /// Full blocks, oldest first; each is free again once every payload in it is dropped.
    retired: VecDeque<BytesMut>,
}

impl Arena {
    /// A shared copy of `bytes`.
    fn copy(&mut self, bytes: &[u8]) -> Bytes {
        if bytes.len() > OWN_ALLOCATION_BYTES || bytes.is_empty() {
            return Bytes::copy_from_slice(bytes);
        }
        if self.current.capacity() - self.current.len() < bytes.len() {
            let fresh = self.fresh_block();
            let full = std::mem::replace(&mut self.current, fresh);
            self.retired.push_back(full);
        }
        self.current.extend_from_slice(bytes);
        self.current.split().freeze()
    }

    /// The log's own copy of a body: a request's bytes may be a slice of a much larger read
    /// buffer.
    pub(crate) fn keep(&mut self, body: StoredBody) -> StoredBody {
        match body {
            StoredBody::None => StoredBody::None,
            StoredBody::Json(b) => StoredBody::Json(self.copy(&b)),
            StoredBody::Raw(b) => StoredBody::Raw(self.copy(&b)),
        }
    }

    fn fresh_block(&mut self) -> BytesMut {
        for i in 0..self.retired.len().min(REUSE_TRIES) {
            if self.retired[i].try_reclaim(BLOCK_BYTES) {
                if let Some(block) = self.retired.remove(i) {
                    return block;
                }
            }
        }
        BytesMut::with_capacity(BLOCK_BYTES)
    }

    /// How many blocks the arena holds (for tests).
    #[cfg(test)]
    fn blocks(&self) -> usize {
        self.retired.len() + 1
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::{Arena, OWN_ALLOCATION_BYTES};

    #[test]
    fn copies_are_exact_and_independent() {
        let mut arena = Arena::default();
        let a = arena.copy(b"{\"name\":\"a\"}");
        let b = arena.copy(b"{\"name\":\"b\"}");
        assert_eq!(&a[..], b"{\"name\":\"a\"}");
        assert_eq!(&b[..], b"{\"name\":\"b\"}");
        let big = vec![7u8; OWN_ALLOCATION_BYTES + 1];
        assert_eq!(arena.copy(&big), big);
        assert!(arena.copy(b"").is_empty());
        for i in 0..10_000u32 {
            let text = i.to_string();
            assert_eq!(arena.copy(text.as_bytes()), text.as_bytes());
        }
        assert_eq!(&a[..], b"{\"name\":\"a\"}");
    }

    #[test]
    fn blocks_are_reused_once_their_payloads_are_gone() {
        let mut arena = Arena::default();
        let payload = [b'x'; 1000];
        let mut kept = VecDeque::new();
        // A FIFO log of 200 payloads: about 3 blocks' worth.
        for _ in 0..10_000 {
            kept.push_back(arena.copy(&payload));
            if kept.len() > 200 {
                kept.pop_front();
            }
        }
        assert!(arena.blocks() <= 6, "{} blocks", arena.blocks());
        assert!(kept.iter().all(|p| p[..] == payload[..]));
    }
}
