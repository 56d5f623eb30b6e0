//! The default embedded store: one redb database file (`chunks.redb`) in the data directory, one
//! table from 32-byte address to chunk data.
//!
//! Batches are committed without an fsync; [`ChunkStore::sync`] commits durably, which makes every
//! earlier commit durable too. Each commit is atomic, so an interrupted upload leaves whole chunks
//! only, and since chunks are content-addressed, writing one again is harmless.

use std::path::Path;

use redb::{Database, Durability, ReadableTable, TableDefinition};

use super::{backend, check_size, ChunkStore, StoreError, DB_FILE};
use crate::address::Address;
use crate::cac::Chunk;

const CHUNKS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("chunks");

/// A chunk store in a redb database file.
pub struct RedbStore {
    db: Database,
}

/// redb's page cache: the interior pages of the chunk table and a write batch fit easily.
pub const CACHE_BYTES: usize = 16 << 20;

/// Opens (creating if needed) the redb database at `path` with a page cache of `cache` bytes,
/// refusing what is not a database to open: a file of 0 bytes (a store that lost its content is not
/// a new store: taking it for one would hide the loss) and a file redb cannot read, which redb
/// answers with a panic (a truncated file trips an assertion in `Database::create`); the panic is
/// caught and reported as damage, though redb's panic message still reaches stderr.
pub(crate) fn open_database(path: &Path, cache: usize) -> Result<Database, String> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        return Err(
            "the file is empty (0 bytes): it lost its content, it is not a new store; move it away \
             to start a new one"
                .into(),
        );
    }
    let opened =
        std::panic::catch_unwind(|| redb::Builder::new().set_cache_size(cache).create(path));
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!(
                "the file is damaged (truncated or overwritten) and cannot be read: {why}"
            ))
        }
    }
}

impl RedbStore {
    /// Opens (creating if needed) the store in data directory `dir`.
    pub fn open(dir: &Path) -> Result<RedbStore, StoreError> {
        let path = dir.join(DB_FILE);
        let open_err = |message: String| StoreError::Open {
            path: path.clone(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        // redb's default page cache is 1 GiB and shows up whole as resident memory after a big
        // upload or download; chunks are read and written once per pass, so a small cache costs
        // nothing and keeps the process bounded.
        let db = open_database(&path, CACHE_BYTES).map_err(open_err)?;
        // Create the table so that readers never see it missing.
        let txn = db.begin_write().map_err(|e| open_err(e.to_string()))?;
        txn.open_table(CHUNKS)
            .map_err(|e| open_err(e.to_string()))?;
        txn.commit().map_err(|e| open_err(e.to_string()))?;
        Ok(RedbStore { db })
    }

    fn write(
        &self,
        op: &'static str,
        durability: Durability,
        f: impl FnOnce(&mut redb::Table<&[u8; 32], &[u8]>) -> Result<bool, redb::StorageError>,
    ) -> Result<bool, StoreError> {
        let mut txn = self
            .db
            .begin_write()
            .map_err(|e| backend(op, None)(e.to_string()))?;
        txn.set_durability(durability);
        let result = {
            let mut table = txn
                .open_table(CHUNKS)
                .map_err(|e| backend(op, None)(e.to_string()))?;
            f(&mut table).map_err(|e| backend(op, None)(e.to_string()))?
        };
        txn.commit().map_err(|e| backend(op, None)(e.to_string()))?;
        Ok(result)
    }
}

impl ChunkStore for RedbStore {
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
        let err = |e: String| backend("get", Some(*address))(e);
        let txn = self.db.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn.open_table(CHUNKS).map_err(|e| err(e.to_string()))?;
        let value = table.get(&address.0).map_err(|e| err(e.to_string()))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    /// One read transaction for the whole batch.
    fn get_many(
        &self,
        addresses: &[Address],
        need: usize,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let err = |e: String| backend("get", addresses.first().copied())(e);
        let txn = self.db.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn.open_table(CHUNKS).map_err(|e| err(e.to_string()))?;
        super::get_in_order(addresses, need, |address| {
            let value = table
                .get(&address.0)
                .map_err(|e| backend("get", Some(*address))(e.to_string()))?;
            Ok(value.map(|v| v.value().to_vec()))
        })
    }

    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        for c in chunks {
            check_size(c)?;
        }
        self.write("put", Durability::None, |t| {
            for c in chunks {
                t.insert(&c.address.0, c.data.as_slice())?;
            }
            Ok(true)
        })?;
        Ok(())
    }

    fn has(&self, address: &Address) -> Result<bool, StoreError> {
        Ok(self.get(address)?.is_some())
    }

    fn remove(&self, address: &Address) -> Result<bool, StoreError> {
        self.write("remove", Durability::Immediate, |t| {
            Ok(t.remove(&address.0)?.is_some())
        })
    }

    fn iterate(&self, visit: &mut dyn FnMut(&Address, &[u8]) -> bool) -> Result<(), StoreError> {
        let err = backend("iterate", None);
        let txn = self.db.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn
            .open_table(CHUNKS)
            .map_err(|e| backend("iterate", None)(e.to_string()))?;
        let iter = table
            .iter()
            .map_err(|e| backend("iterate", None)(e.to_string()))?;
        for item in iter {
            let (k, v) = item.map_err(|e| backend("iterate", None)(e.to_string()))?;
            if !visit(&Address(*k.value()), v.value()) {
                break;
            }
        }
        Ok(())
    }

    fn sync(&self) -> Result<(), StoreError> {
        // An empty durable commit flushes every earlier non-durable commit.
        self.write("sync", Durability::Immediate, |_| Ok(true))?;
        Ok(())
    }
}
