//! The signers of stamps recovered lately, so that a node recovers a stamp once.
//!
//! The same chunk with the same stamp reaches a node more than once: pushed to it and offered again
//! by pull sync, a copy sent by the storer that forwarded it, a batch learned from a claim (the
//! owner recovered to check the claim, then the stamp validated). Public-key recovery is the costly
//! part of [`Stamp::validate`]; its result depends only on the chunk address and the stamp's 113
//! bytes, so it is kept under exactly that key. A different stamp, however close, is a different
//! key and is recovered (and refused if bad) as if nothing were cached. Only successful recoveries
//! are kept. Bounded: two generations of at most [`SignerCache::capacity`] entries each, the
//! older dropped when the newer fills (most recently recovered stay).

use std::collections::HashMap;
use std::sync::Mutex;

use super::{PostageError, Stamp, STAMP_SIZE};
use crate::address::Address;
use crate::identity::EthAddress;

type Key = (Address, [u8; STAMP_SIZE]);

/// Recovered stamp signers, by chunk address and stamp bytes (module docs).
#[derive(Debug)]
pub struct SignerCache {
    capacity: usize,
    generations: Mutex<Generations>,
}

#[derive(Debug, Default)]
struct Generations {
    new: HashMap<Key, EthAddress>,
    old: HashMap<Key, EthAddress>,
}

impl Default for SignerCache {
    /// Room for the stamps of 8192 to 16384 chunks (about 1.5 to 3 MiB).
    fn default() -> SignerCache {
        SignerCache::new(8192)
    }
}

impl SignerCache {
    /// A cache keeping at least the last `capacity` recoveries (at most twice as many).
    pub fn new(capacity: usize) -> SignerCache {
        SignerCache {
            capacity: capacity.max(1),
            generations: Mutex::new(Generations::default()),
        }
    }

    /// Entries kept per generation.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations> {
        self.generations.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// [`Stamp::recover_owner`], recovered only if this chunk and these stamp bytes were not
    /// recovered lately.
    pub fn recover_owner(
        &self,
        stamp: &Stamp,
        chunk: &Address,
    ) -> Result<EthAddress, PostageError> {
        let key = (*chunk, stamp.to_bytes());
        {
            let g = self.lock();
            if let Some(owner) = g.new.get(&key).or_else(|| g.old.get(&key)) {
                return Ok(*owner);
            }
        }
        // Recovered without the lock: other threads' checks go on meanwhile.
        let owner = stamp.recover_owner(chunk)?;
        let mut g = self.lock();
        if g.new.len() >= self.capacity {
            g.old = std::mem::take(&mut g.new);
        }
        g.new.insert(key, owner);
        Ok(owner)
    }

    /// Entries held now (both generations).
    pub fn len(&self) -> usize {
        let g = self.lock();
        g.new.len() + g.old.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::OverlayKey;
    use crate::postage::{Batch, StampIndex};

    fn setup() -> (OverlayKey, Batch, Address, Stamp) {
        let key = OverlayKey::from_slice(&[7; 32]).unwrap();
        let batch = Batch::new([3; 32], key.eth_address(), 20, true).unwrap();
        let chunk = Address([0x42; 32]);
        let index = StampIndex {
            bucket: batch.bucket_of(&chunk),
            slot: 1,
        };
        let stamp = Stamp::sign(&key, &batch, &chunk, index, 5).unwrap();
        (key, batch, chunk, stamp)
    }

    #[test]
    fn a_cached_good_stamp_does_not_let_a_different_bad_one_pass() {
        let (_, batch, chunk, good) = setup();
        let cache = SignerCache::new(4);
        assert_eq!(good.validate_cached(&chunk, &batch, &cache), Ok(()));
        assert_eq!(cache.len(), 1);
        assert_eq!(good.validate_cached(&chunk, &batch, &cache), Ok(()));
        assert_eq!(cache.len(), 1);

        // The same stamp with one signature bit flipped: recovered anew, and refused as without
        // a cache.
        let mut bad = good;
        bad.signature.0[10] ^= 1;
        let uncached = bad.validate_for(&chunk, &batch).unwrap_err();
        assert_eq!(bad.validate_cached(&chunk, &batch, &cache), Err(uncached));
        // Another timestamp, same signature: the digest differs, so the signer does.
        let mut later = good;
        later.timestamp[7] ^= 1;
        assert!(later.validate_cached(&chunk, &batch, &cache).is_err());
        // The good stamp for another chunk (same bucket byte-wise or not): refused too.
        let mut other = chunk;
        other.0[31] ^= 1;
        assert_eq!(
            good.validate_cached(&other, &batch, &cache),
            good.validate_for(&other, &batch)
        );
        assert!(good.validate_cached(&other, &batch, &cache).is_err());
        // A batch of another owner still refuses the cached good stamp.
        let stranger = OverlayKey::from_slice(&[9; 32]).unwrap();
        let foreign = Batch::new(batch.id, stranger.eth_address(), 20, true).unwrap();
        assert!(matches!(
            good.validate_cached(&chunk, &foreign, &cache),
            Err(PostageError::OwnerMismatch { .. })
        ));
    }

    #[test]
    fn bounded() {
        let (key, batch, _, _) = setup();
        let cache = SignerCache::new(3);
        for i in 0..10u8 {
            let chunk = Address([i; 32]);
            let index = StampIndex {
                bucket: batch.bucket_of(&chunk),
                slot: 0,
            };
            let stamp = Stamp::sign(&key, &batch, &chunk, index, 1).unwrap();
            assert_eq!(stamp.validate_cached(&chunk, &batch, &cache), Ok(()));
            assert!(cache.len() <= 2 * cache.capacity());
        }
        assert!(cache.len() >= cache.capacity());
    }
}
