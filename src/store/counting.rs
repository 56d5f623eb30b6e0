//! A store that keeps only which chunks were put: what an upload would write, counted without
//! keeping its data (`swarmec cost --files`). Memory is 32 bytes and a set entry per distinct chunk.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use super::{check_size, ChunkStore, StoreError};
use crate::address::Address;
use crate::cac::Chunk;

/// Distinct addresses put, and the bytes of their data; reads find nothing.
#[derive(Default)]
pub struct CountingStore {
    seen: Mutex<(HashSet<Address>, u64)>,
}

impl CountingStore {
    /// An empty count.
    pub fn new() -> CountingStore {
        CountingStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, (HashSet<Address>, u64)> {
        // Each update is one insert and one add: a panic elsewhere leaves the count usable.
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Distinct chunks put so far.
    pub fn chunks(&self) -> u64 {
        self.lock().0.len() as u64
    }

    /// Bytes of those chunks' data.
    pub fn bytes(&self) -> u64 {
        self.lock().1
    }
}

impl ChunkStore for CountingStore {
    /// The data is not kept: always `None`.
    fn get(&self, _: &Address) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }

    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        for c in chunks {
            check_size(c)?;
        }
        let mut seen = self.lock();
        for c in chunks {
            if seen.0.insert(c.address) {
                seen.1 += c.data.len() as u64;
            }
        }
        Ok(())
    }

    /// Whether the chunk was put (its data is not kept).
    fn has(&self, address: &Address) -> Result<bool, StoreError> {
        Ok(self.lock().0.contains(address))
    }

    /// Forgets the chunk; its bytes stay counted (a count of what was written).
    fn remove(&self, address: &Address) -> Result<bool, StoreError> {
        Ok(self.lock().0.remove(address))
    }

    /// No data to visit.
    fn iterate(&self, _: &mut dyn FnMut(&Address, &[u8]) -> bool) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_chunks_and_their_bytes() {
        let store = CountingStore::new();
        let a = Chunk::new(b"one").unwrap();
        let b = Chunk::new(&[7u8; 4096]).unwrap();
        store.put_batch(&[a.clone(), b.clone(), a.clone()]).unwrap();
        store.put(&b).unwrap();
        assert_eq!(store.chunks(), 2);
        assert_eq!(store.bytes(), (8 + 3) + (8 + 4096));
        assert!(store.has(&a.address).unwrap());
        assert_eq!(store.get(&a.address).unwrap(), None);
        let too_big = Chunk {
            address: a.address,
            data: vec![0; crate::store::MAX_CHUNK_DATA + 1],
        };
        assert!(store.put(&too_big).is_err());
        assert_eq!(store.chunks(), 2);
    }
}
