//! The cache beside the reserve: chunks a node fetched from peers to serve a download, kept in its
//! chunk store up to a capacity, the oldest fetched removed first (bee keeps such a cache too).
//! Without it, every chunk a node ever fetched stayed in its store with nothing to remove it.
//!
//! Two tables in the reserve's database: `cache_order` (fetch sequence → chunk) and `cached`
//! (chunk → its sequence), so that a chunk fetched again moves to the back. What [`Reserve::trim_cache`]
//! drops from the cache and the reserve does not hold is for the caller to remove from the chunk
//! store (which keeps pinned chunks).

use redb::{ReadableTable, ReadableTableMetadata, TableDefinition};

use super::{backend, Reserve, ReserveError, ITEMS, META};
use crate::address::Address;

const ORDER: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("cache_order");
const CACHED: TableDefinition<&[u8; 32], u64> = TableDefinition::new("cached");
const NEXT: &str = "cache next";

/// bee's default cache capacity, in chunks.
pub const DEFAULT_CACHE_CAPACITY: u64 = 1_000_000;

impl Reserve {
    /// Records `chunks` as fetched now (each moves to the back of the cache) and trims the cache
    /// to `capacity`, in one transaction; returns what [`Reserve::trim_cache`] returns.
    pub fn cache_fetched(
        &self,
        chunks: &[Address],
        capacity: u64,
    ) -> Result<Vec<Address>, ReserveError> {
        let err = backend("cache", chunks.first().copied());
        let txn = self.write("cache")?;
        let old = {
            let mut order = txn.open_table(ORDER).map_err(|e| err(e.to_string()))?;
            let mut cached = txn.open_table(CACHED).map_err(|e| err(e.to_string()))?;
            let mut meta = txn.open_table(META).map_err(|e| err(e.to_string()))?;
            let mut next = meta
                .get(NEXT)
                .map_err(|e| err(e.to_string()))?
                .map_or(0, |v| v.value());
            for chunk in chunks {
                let old = cached
                    .insert(&chunk.0, next)
                    .map_err(|e| err(e.to_string()))?
                    .map(|v| v.value());
                if let Some(old) = old {
                    order.remove(old).map_err(|e| err(e.to_string()))?;
                }
                order
                    .insert(next, &chunk.0)
                    .map_err(|e| err(e.to_string()))?;
                next += 1;
            }
            meta.insert(NEXT, next).map_err(|e| err(e.to_string()))?;
            trim(&txn, &mut order, &mut cached, capacity).map_err(&err)?
        };
        txn.commit().map_err(|e| err(e.to_string()))?;
        Ok(old)
    }

    /// Chunks in the cache.
    pub fn cache_len(&self) -> Result<u64, ReserveError> {
        let err = backend("cache", None);
        let txn = self.read("cache")?;
        let cached = txn.open_table(CACHED).map_err(|e| err(e.to_string()))?;
        cached.len().map_err(|e| err(e.to_string()))
    }

    /// Drops the oldest fetched chunks until the cache holds at most `capacity`; returns those of
    /// them that the reserve does not hold (the caller removes them from the chunk store).
    pub fn trim_cache(&self, capacity: u64) -> Result<Vec<Address>, ReserveError> {
        let err = backend("cache", None);
        let txn = self.write("cache")?;
        let old = {
            let mut order = txn.open_table(ORDER).map_err(|e| err(e.to_string()))?;
            let mut cached = txn.open_table(CACHED).map_err(|e| err(e.to_string()))?;
            trim(&txn, &mut order, &mut cached, capacity).map_err(&err)?
        };
        txn.commit().map_err(|e| err(e.to_string()))?;
        Ok(old)
    }
}

/// [`Reserve::trim_cache`] inside `txn`.
fn trim(
    txn: &redb::WriteTransaction,
    order: &mut redb::Table<u64, &[u8; 32]>,
    cached: &mut redb::Table<&[u8; 32], u64>,
    capacity: u64,
) -> Result<Vec<Address>, String> {
    let e = |x: redb::Error| x.to_string();
    let items = txn.open_table(ITEMS).map_err(|x| e(x.into()))?;
    let len = cached.len().map_err(|x| e(x.into()))?;
    let mut out = Vec::new();
    for _ in 0..len.saturating_sub(capacity) {
        let Some(chunk) = order
            .pop_first()
            .map_err(|x| e(x.into()))?
            .map(|(_, v)| Address(*v.value()))
        else {
            break;
        };
        cached.remove(&chunk.0).map_err(|x| e(x.into()))?;
        let (from, to) = super::chunk_items(&chunk);
        let reserved = items
            .range::<&[u8; 96]>(&from..=&to)
            .map_err(|x| e(x.into()))?
            .next()
            .is_some();
        if !reserved {
            out.push(chunk);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::OverlayKey;

    #[test]
    fn the_oldest_fetched_go_first_a_refetch_moves_to_the_back_and_reserved_chunks_stay() {
        let dir = tempfile::tempdir().unwrap();
        let r = Reserve::open(dir.path(), Address([0; 32]), 100).unwrap();
        let c: Vec<Address> = (1..=5u8).map(|i| Address([i; 32])).collect();
        assert_eq!(r.cache_fetched(&c[..3], 5).unwrap(), vec![]);
        // Fetched again: now the newest.
        assert_eq!(r.cache_fetched(&[c[0]], 5).unwrap(), vec![]);
        assert_eq!(r.cache_fetched(&c[3..], 5).unwrap(), vec![]);
        assert_eq!(r.cache_len().unwrap(), 5);
        // c[1] is also in the reserve: dropped from the cache, not to be removed from the store.
        let key = OverlayKey::generate().unwrap();
        r.put(&c[1], &super::super::tests::stamp(&key, &c[1], 1, 0, 1))
            .unwrap();
        assert_eq!(r.trim_cache(2).unwrap(), vec![c[2], c[0]]);
        assert_eq!(r.cache_len().unwrap(), 2);
        assert_eq!(r.trim_cache(2).unwrap(), vec![]);
        assert_eq!(r.trim_cache(0).unwrap(), vec![c[3], c[4]]);
        assert_eq!(r.cache_len().unwrap(), 0);
        // Recording and trimming in one call.
        assert_eq!(r.cache_fetched(&c[2..4], 1).unwrap(), vec![c[2]]);
        assert_eq!(r.cache_len().unwrap(), 1);
    }
}
