//! An in-memory chunk store.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use super::{check_size, ChunkStore, StoreError};
use crate::address::Address;
use crate::cac::Chunk;

/// Chunks in a map in memory; for tests and hashing.
#[derive(Default)]
pub struct MemStore {
    chunks: Mutex<BTreeMap<Address, Vec<u8>>>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> MemStore {
        MemStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<Address, Vec<u8>>> {
        // A panic while holding the lock cannot leave a half-written entry, so the map is usable.
        self.chunks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of chunks stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Every stored address, in order.
    pub fn addresses(&self) -> Vec<Address> {
        self.lock().keys().copied().collect()
    }
}

impl ChunkStore for MemStore {
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().get(address).cloned())
    }

    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        for c in chunks {
            check_size(c)?;
        }
        let mut map = self.lock();
        for c in chunks {
            map.insert(c.address, c.data.clone());
        }
        Ok(())
    }

    fn has(&self, address: &Address) -> Result<bool, StoreError> {
        Ok(self.lock().contains_key(address))
    }

    fn remove(&self, address: &Address) -> Result<bool, StoreError> {
        Ok(self.lock().remove(address).is_some())
    }

    fn iterate(&self, visit: &mut dyn FnMut(&Address, &[u8]) -> bool) -> Result<(), StoreError> {
        let snapshot: Vec<(Address, Vec<u8>)> =
            self.lock().iter().map(|(a, d)| (*a, d.clone())).collect();
        for (a, d) in &snapshot {
            if !visit(a, d) {
                break;
            }
        }
        Ok(())
    }
}
