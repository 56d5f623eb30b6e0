//! Pins in the slot store: a pinned root names every chunk of its tree (data, intermediate, parity,
//! replicas), each of which counts its pins in its index entry; a chunk with pins is not removed
//! (`ChunkStore::remove` answers [`StoreError::Pinned`], so that eviction keeps it).
//!
//! Kept in the index file: two tables beside the slots, `pins` (root reference → chunk count) and
//! `pin_chunks` (root ‖ address). Pinning and unpinning are durable when they return. An index rebuilt
//! from the data file (after damage) has no pins: the chunks stay, unpinned.

use redb::{Durability, ReadableTable, TableDefinition};

use super::{backend, Entry, SlotStore, INDEX, LOST};
use crate::address::Address;
use crate::store::{PinStore, StoreError};

pub(super) const PINS: TableDefinition<&[u8], u64> = TableDefinition::new("pins");
pub(super) const PIN_CHUNKS: TableDefinition<&[u8], ()> = TableDefinition::new("pin_chunks");

fn pin_key(root: &[u8], address: &Address) -> Vec<u8> {
    let mut k = root.to_vec();
    k.extend_from_slice(&address.0);
    k
}

impl SlotStore {
    /// A durable write: the data file is fsynced under the writer lock before the commit (as
    /// [`crate::store::ChunkStore::sync`] does), since the commit makes earlier entries durable too.
    fn durable_write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let err = backend(op, None);
        let mut txn = self.index.begin_write().map_err(|e| err(e.to_string()))?;
        txn.set_durability(Durability::Immediate);
        let out = f(&txn)?;
        self.data.sync_data().map_err(|e| err(e.to_string()))?;
        txn.commit().map_err(|e| err(e.to_string()))?;
        self.slots().release_pending();
        Ok(out)
    }
}

impl PinStore for SlotStore {
    fn pin(&self, root: &[u8], chunks: &[Address]) -> Result<bool, StoreError> {
        self.durable_write("pin", |txn| {
            let err = |a: Option<Address>| backend("pin", a);
            let mut pins = txn.open_table(PINS).map_err(|e| err(None)(e.to_string()))?;
            if pins
                .get(root)
                .map_err(|e| err(None)(e.to_string()))?
                .is_some()
            {
                return Ok(false);
            }
            let mut index = txn
                .open_table(INDEX)
                .map_err(|e| err(None)(e.to_string()))?;
            let mut members = txn
                .open_table(PIN_CHUNKS)
                .map_err(|e| err(None)(e.to_string()))?;
            let mut count = 0u64;
            for a in chunks {
                let key = pin_key(root, a);
                if members
                    .get(key.as_slice())
                    .map_err(|e| err(Some(*a))(e.to_string()))?
                    .is_some()
                {
                    continue;
                }
                let entry = index
                    .get(&a.0)
                    .map_err(|e| err(Some(*a))(e.to_string()))?
                    .map(|v| Entry::decode(v.value()))
                    .filter(|e| e.slot != LOST)
                    .ok_or(StoreError::Missing { address: *a })?;
                let entry = Entry {
                    pins: entry.pins.saturating_add(1),
                    ..entry
                };
                index
                    .insert(&a.0, entry.encode())
                    .map_err(|e| err(Some(*a))(e.to_string()))?;
                members
                    .insert(key.as_slice(), ())
                    .map_err(|e| err(Some(*a))(e.to_string()))?;
                count += 1;
            }
            pins.insert(root, count)
                .map_err(|e| err(None)(e.to_string()))?;
            Ok(true)
        })
    }

    fn unpin(&self, root: &[u8]) -> Result<bool, StoreError> {
        self.durable_write("unpin", |txn| {
            let err = |a: Option<Address>| backend("unpin", a);
            let mut pins = txn.open_table(PINS).map_err(|e| err(None)(e.to_string()))?;
            if pins
                .remove(root)
                .map_err(|e| err(None)(e.to_string()))?
                .is_none()
            {
                return Ok(false);
            }
            let mut index = txn
                .open_table(INDEX)
                .map_err(|e| err(None)(e.to_string()))?;
            let mut members = txn
                .open_table(PIN_CHUNKS)
                .map_err(|e| err(None)(e.to_string()))?;
            let mut end = root.to_vec();
            end.extend_from_slice(&[0xff; 33]);
            let keys: Vec<Vec<u8>> = members
                .range(root..end.as_slice())
                .map_err(|e| err(None)(e.to_string()))?
                .map(|item| item.map(|(k, _)| k.value().to_vec()))
                .collect::<Result<_, _>>()
                .map_err(|e| err(None)(e.to_string()))?;
            for key in keys {
                if key.len() != root.len() + 32 {
                    continue;
                }
                let a = Address(key[root.len()..].try_into().expect("32 bytes"));
                members
                    .remove(key.as_slice())
                    .map_err(|e| err(Some(a))(e.to_string()))?;
                let entry = index
                    .get(&a.0)
                    .map_err(|e| err(Some(a))(e.to_string()))?
                    .map(|v| Entry::decode(v.value()));
                if let Some(entry) = entry {
                    let entry = Entry {
                        pins: entry.pins.saturating_sub(1),
                        ..entry
                    };
                    index
                        .insert(&a.0, entry.encode())
                        .map_err(|e| err(Some(a))(e.to_string()))?;
                }
            }
            Ok(true)
        })
    }

    fn is_pinned(&self, root: &[u8]) -> Result<bool, StoreError> {
        let err = backend("pins", None);
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let pins = txn.open_table(PINS).map_err(|e| err(e.to_string()))?;
        Ok(pins.get(root).map_err(|e| err(e.to_string()))?.is_some())
    }

    fn pinned_roots(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let err = backend("pins", None);
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let pins = txn.open_table(PINS).map_err(|e| err(e.to_string()))?;
        let mut out = Vec::new();
        for item in pins.iter().map_err(|e| err(e.to_string()))? {
            let (k, _) = item.map_err(|e| err(e.to_string()))?;
            out.push(k.value().to_vec());
        }
        Ok(out)
    }

    fn pins_of(&self, address: &Address) -> Result<u32, StoreError> {
        let err = backend("pins", Some(*address));
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let index = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        let entry = index.get(&address.0).map_err(|e| err(e.to_string()))?;
        Ok(entry.map_or(0, |v| Entry::decode(v.value()).pins))
    }
}
