//! Sequence feeds (bee's `pkg/feeds` and `pkg/feeds/sequence`): the format, and a bounded lookup of
//! the latest update over any source of updates. No I/O here; the API's `/feeds` and `/bzz` supply the
//! source.
//!
//! A feed is a topic (any bytes) and an owner (an Ethereum address). Its update at index `i` is the
//! single-owner chunk with id `keccak256(topic || i as 8 bytes big-endian)`, at address
//! `keccak256(id || owner)`.
//!
//! Lookup: bee's sequence finder probes indices concurrently at doubling offsets, 255 at a time, and
//! walks a long feed in steps of 255; its answer on a feed with gaps depends on timing. Here the lookup
//! is sequential and deterministic: it probes `after`, then `after + 1, after + 3, after + 7, …`
//! (doubling steps) until an index is missing, then bisects between the last present and the first
//! missing index. On a feed without gaps it finds the same latest update as bee, with at most
//! [`MAX_PROBES`] probes however long the feed (indices are 64-bit), so a feed crafted to be long or
//! full of gaps cannot cause more work. On a feed with gaps it finds *some* present index whose
//! successor is missing.

use crate::address::Address;
use crate::keccak::keccak256_concat;
use crate::soc::{soc_address, OWNER_SIZE};

/// Most probes one [`latest`] lookup makes: the probe of `after`, at most 64 doubling probes
/// (offsets `2^k − 1` for k = 1..=64 cannot all fit in 64 bits), at most 64 bisection probes.
pub const MAX_PROBES: usize = 1 + 64 + 64;

/// The metadata key of a feed manifest's root entry naming the owner (hex, no `0x`).
pub const OWNER_KEY: &str = "swarm-feed-owner";
/// The metadata key naming the topic (hex).
pub const TOPIC_KEY: &str = "swarm-feed-topic";
/// The metadata key naming the feed type (`Sequence`; bee reads it case-insensitively).
pub const TYPE_KEY: &str = "swarm-feed-type";
/// The only feed type built: bee's `feeds.Sequence.String()`.
pub const SEQUENCE: &str = "Sequence";

/// The SOC id of the update at `index`: `keccak256(topic || index as 8 bytes big-endian)`.
pub fn update_id(topic: &[u8], index: u64) -> [u8; 32] {
    keccak256_concat(&[topic, &index.to_be_bytes()])
}

/// The address of the update at `index` of the feed `(topic, owner)`.
pub fn update_address(topic: &[u8], owner: &[u8; OWNER_SIZE], index: u64) -> Address {
    soc_address(&update_id(topic, index), owner)
}

/// What a lookup found: the latest update and its index; bee's next index is `index + 1` (wrapping
/// as bee's `uint64` does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    /// The index of the update.
    pub index: u64,
    /// The update (whatever the probe returned for it).
    pub update: T,
}

impl<T> Found<T> {
    /// The index after this one, as bee reports it in `Swarm-Feed-Index-Next`.
    pub fn next(&self) -> u64 {
        self.index.wrapping_add(1)
    }
}

/// Finds the latest update at or after `after` (see the module docs), calling `probe(index)` for
/// at most [`MAX_PROBES`] indices; `probe` answers `Ok(None)` for a missing update. `Ok(None)` when
/// there is no update at `after` (bee: no update, next index `after`). A probe's error ends the
/// lookup.
pub fn latest<T, E>(
    after: u64,
    mut probe: impl FnMut(u64) -> Result<Option<T>, E>,
) -> Result<Option<Found<T>>, E> {
    let Some(first) = probe(after)? else {
        return Ok(None);
    };
    let mut found = Found {
        index: after,
        update: first,
    };
    // `hi` is the first index known missing; u64::MAX + 1 stands for "past the end".
    let end = u128::from(u64::MAX) + 1;
    let mut hi = end;
    let mut step: u128 = 1;
    let mut probes = 1;
    loop {
        let candidate = u128::from(found.index) + step;
        if candidate >= end || probes >= MAX_PROBES {
            break;
        }
        probes += 1;
        // candidate < 2^64 here.
        let index = candidate as u64;
        match probe(index)? {
            Some(update) => {
                found = Found { index, update };
                step *= 2;
            }
            None => {
                hi = candidate;
                break;
            }
        }
    }
    while hi - u128::from(found.index) > 1 && probes < MAX_PROBES {
        let mid = u128::from(found.index) + (hi - u128::from(found.index)) / 2;
        probes += 1;
        let index = mid as u64;
        match probe(index)? {
            Some(update) => found = Found { index, update },
            None => hi = mid,
        }
    }
    Ok(Some(found))
}

/// bee's legacy ("v1") feed payload: the wrapped chunk's data (span and payload) is 48 or 80 bytes,
/// an 8-byte timestamp after the span, then a reference (32 bytes, or 64 when encrypted). Returns the
/// reference bytes.
pub fn legacy_reference(wrapped_data: &[u8]) -> Option<&[u8]> {
    match wrapped_data.len() {
        48 | 80 => Some(&wrapped_data[16..]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn run(present: impl Fn(u64) -> bool, after: u64) -> (Option<u64>, usize) {
        let probes = Cell::new(0usize);
        let r = latest::<(), ()>(after, |i| {
            probes.set(probes.get() + 1);
            Ok(present(i).then_some(()))
        })
        .unwrap();
        (r.map(|f| f.index), probes.get())
    }

    #[test]
    fn contiguous_feeds_give_the_last_index() {
        for n in [1u64, 2, 3, 4, 5, 7, 8, 9, 255, 256, 1000, 1 << 20] {
            let (found, probes) = run(|i| i < n, 0);
            assert_eq!(found, Some(n - 1), "n = {n}");
            assert!(probes <= MAX_PROBES);
        }
        assert_eq!(run(|_| false, 0), (None, 1));
        assert_eq!(run(|i| i < 10, 4).0, Some(9));
        assert_eq!(run(|i| i < 10, 12), (None, 1));
    }

    #[test]
    fn probes_are_bounded_for_any_feed() {
        // Every index present: the lookup ends at u64::MAX.
        let (found, probes) = run(|_| true, 0);
        assert_eq!(found, Some(u64::MAX));
        assert!(probes <= MAX_PROBES, "{probes}");
        let (found, probes) = run(|i| i % 3 != 2, 0);
        assert!(found.is_some());
        assert!(probes <= MAX_PROBES, "{probes}");
        let (found, probes) = run(|i| i < u64::MAX, u64::MAX - 5);
        assert_eq!(found, Some(u64::MAX - 1));
        assert!(probes <= MAX_PROBES);
    }

    #[test]
    fn next_wraps_like_bee() {
        let f = Found {
            index: u64::MAX,
            update: (),
        };
        assert_eq!(f.next(), 0);
    }

    #[test]
    fn legacy_lengths() {
        assert_eq!(legacy_reference(&[0u8; 48]).map(<[u8]>::len), Some(32));
        assert_eq!(legacy_reference(&[0u8; 80]).map(<[u8]>::len), Some(64));
        assert_eq!(legacy_reference(&[0u8; 49]), None);
    }
}
