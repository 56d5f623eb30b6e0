//! The reserve: which stored chunks this node keeps for its neighbourhood, indexed by proximity
//! bin and arrival order, as bee's reserve indexes them for pull sync; and the pull-sync state of
//! each peer (the bin-id ranges already synced from it). One redb file, `<data dir>/reserve.redb`.
//!
//! Each chunk that enters the reserve with a stamp gets, in its bin (`proximity(base, chunk)`,
//! capped at 31), the next bin id of that bin, starting at 1. A peer asks for a bin's entries from
//! a bin id on ([`Reserve::range`]) and learns each bin's last id ([`Reserve::last_bin_ids`]),
//! with the reserve's epoch (its creation time: a peer that sees another epoch forgets what it
//! synced from us). The same chunk with another stamp (a renewed stamp of the same batch, or a
//! stamp of another batch) is a new entry, as in bee: the renewed one replaces the old entry of
//! the same batch.
//!
//! The radius ([`Reserve::radius`]): chunks of bins below it are not this node's to keep. When the
//! reserve holds more than its capacity, [`Reserve::enforce_capacity`] raises the radius and
//! evicts the bins below it, as bee's `unreserve` does (bee evicts the cheapest batches first;
//! without a chain every batch here is alike, so the whole bin goes), and the caller removes
//! the evicted chunks from the chunk store.
//!
//! A reserve opened for another overlay than the one it was made for (another network id or key)
//! starts anew, as its bins mean nothing for the new overlay; the chunks stay in the chunk store.
//!
//! Writes are committed without fsync, as the chunk store's are; [`Reserve::sync`] makes them
//! durable (the node calls it after the chunk store's sync, so that an interval recorded as
//! synced never outlives the chunks it covers). Every call blocks.

mod cache;
mod intervals;

use std::path::Path;

pub use self::intervals::{Intervals, MAX_RANGES};
use redb::{Database, Durability, ReadableTable, ReadableTableMetadata, TableDefinition};

use crate::address::{Address, ADDRESS_LEN, MAX_PO};
use crate::keccak::keccak256;
use crate::postage::{Stamp, STAMP_SIZE};

/// File name of the reserve inside the data directory.
pub const RESERVE_FILE: &str = "reserve.redb";
/// Proximity bins (bee's `swarm.MaxBins`).
pub const BINS: usize = MAX_PO as usize + 1;
/// bee's default reserve capacity: 2^22 chunks (16 GiB of chunk data).
pub const DEFAULT_CAPACITY: u64 = 1 << 22;
pub use cache::DEFAULT_CACHE_CAPACITY;

const ENTRY_LEN: usize = ADDRESS_LEN + STAMP_SIZE;
/// `bin || bin id (BE)` → `chunk || stamp`.
const BIN_ENTRIES: TableDefinition<&[u8; 9], &[u8; ENTRY_LEN]> = TableDefinition::new("bins");
/// `chunk || batch || stamp hash` → `bin || bin id (BE)`.
const ITEMS: TableDefinition<&[u8; 96], &[u8; 9]> = TableDefinition::new("items");
/// Last bin id per bin.
const TOPS: TableDefinition<u8, u64> = TableDefinition::new("tops");
/// `epoch`, `radius`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// `peer overlay || bin` → [`Intervals::to_bytes`].
const INTERVALS: TableDefinition<&[u8; 33], &[u8]> = TableDefinition::new("intervals");
/// `peer overlay` → the epoch of the peer's reserve that the intervals are about.
const PEER_EPOCHS: TableDefinition<&[u8; 32], u64> = TableDefinition::new("peer_epochs");
/// `base` → the overlay the bins are proximities to.
const BASE: TableDefinition<&str, &[u8; 32]> = TableDefinition::new("base");
const CACHE_BYTES: usize = 8 << 20;

/// A reserve failure, naming the chunk or peer concerned where there is one.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    /// The database could not be opened or written.
    #[error("reserve {op} failed{}: {message}", subject.map(|a| format!(" for {a}")).unwrap_or_default())]
    Backend {
        /// The operation.
        op: &'static str,
        /// The chunk or peer concerned, if one.
        subject: Option<Address>,
        /// What went wrong.
        message: String,
    },
    /// A stored record is not one this version writes (a damaged file).
    #[error("reserve record {what} is damaged")]
    Damaged {
        /// Which record.
        what: String,
    },
}

fn backend(op: &'static str, subject: Option<Address>) -> impl Fn(String) -> ReserveError {
    move |message| ReserveError::Backend {
        op,
        subject,
        message,
    }
}

/// One entry of a bin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinEntry {
    /// Its bin id.
    pub bin_id: u64,
    /// The chunk.
    pub address: Address,
    /// The stamp it is kept under.
    pub stamp: Stamp,
}

impl BinEntry {
    /// bee's stamp hash: keccak256 of the stamp's 113 bytes.
    pub fn stamp_hash(&self) -> [u8; 32] {
        stamp_hash(&self.stamp)
    }
}

/// bee's `Stamp.Hash`: keccak256 of the stamp's 113 bytes.
pub fn stamp_hash(stamp: &Stamp) -> [u8; 32] {
    keccak256(&stamp.to_bytes())
}

/// The first and last item keys of `chunk`: every batch and stamp hash it is kept under.
fn chunk_items(chunk: &Address) -> ([u8; 96], [u8; 96]) {
    (
        item_key(chunk, &[0; 32], &[0; 32]),
        item_key(chunk, &[0xff; 32], &[0xff; 32]),
    )
}

fn item_key(chunk: &Address, batch: &[u8; 32], hash: &[u8; 32]) -> [u8; 96] {
    let mut k = [0u8; 96];
    k[..32].copy_from_slice(&chunk.0);
    k[32..64].copy_from_slice(batch);
    k[64..].copy_from_slice(hash);
    k
}

fn bin_key(bin: u8, id: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = bin;
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

fn split_bin_key(k: &[u8; 9]) -> (u8, u64) {
    let mut id = [0u8; 8];
    id.copy_from_slice(&k[1..]);
    (k[0], u64::from_be_bytes(id))
}

fn interval_key(peer: &Address, bin: u8) -> [u8; 33] {
    let mut k = [0u8; 33];
    k[..32].copy_from_slice(&peer.0);
    k[32] = bin;
    k
}

fn entry(bin_id: u64, value: &[u8; ENTRY_LEN]) -> Result<BinEntry, ReserveError> {
    let mut a = [0u8; 32];
    a.copy_from_slice(&value[..32]);
    let stamp = Stamp::from_bytes(&value[32..]).map_err(|e| ReserveError::Damaged {
        what: format!("bin entry {bin_id}: {e}"),
    })?;
    Ok(BinEntry {
        bin_id,
        address: Address(a),
        stamp,
    })
}

/// Removes the items with keys in `from..=to` and their bin entries; how many there were.
fn remove_items(
    items: &mut redb::Table<&[u8; 96], &[u8; 9]>,
    bins: &mut redb::Table<&[u8; 9], &[u8; ENTRY_LEN]>,
    from: &[u8; 96],
    to: &[u8; 96],
) -> Result<usize, String> {
    let old: Vec<([u8; 96], [u8; 9])> = items
        .range::<&[u8; 96]>(from..=to)
        .map_err(|e| e.to_string())?
        .map(|r| r.map(|(k, v)| (*k.value(), *v.value())))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    for (k, v) in &old {
        items.remove(k).map_err(|e| e.to_string())?;
        bins.remove(v).map_err(|e| e.to_string())?;
    }
    Ok(old.len())
}

/// The reserve of one node. Shared by reference; redb serialises writers.
pub struct Reserve {
    db: Database,
    base: Address,
    capacity: u64,
    epoch: u64,
}

impl std::fmt::Debug for Reserve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reserve")
            .field("base", &self.base)
            .field("capacity", &self.capacity)
            .field("epoch", &self.epoch)
            .finish()
    }
}

impl Reserve {
    /// Opens (creating if needed) `data_dir/reserve.redb` for the node with overlay `base`,
    /// holding at most `capacity` chunks before its radius rises. A new reserve's epoch is the
    /// current Unix time in nanoseconds.
    pub fn open(data_dir: &Path, base: Address, capacity: u64) -> Result<Reserve, ReserveError> {
        let path = data_dir.join(RESERVE_FILE);
        let err = backend("open", None);
        std::fs::create_dir_all(data_dir)
            .map_err(|e| err(format!("{}: {e}", data_dir.display())))?;
        let db = crate::store::open_database(&path, CACHE_BYTES)
            .map_err(|e| err(format!("{}: {e}", path.display())))?;
        let txn = db.begin_write().map_err(|e| err(e.to_string()))?;
        // Bins are proximities to the overlay: a reserve made for another overlay (another
        // network id or key) indexes nothing that holds for this one, so it starts anew. The
        // chunks stay in the chunk store.
        let made_for = {
            let bases = txn.open_table(BASE).map_err(|e| err(e.to_string()))?;
            let stored = bases.get("base").map_err(|e| err(e.to_string()))?;
            stored.map(|v| Address(*v.value()))
        };
        if made_for.is_some_and(|b| b != base) {
            tracing::warn!(old = ?made_for, new = %base, "the reserve was made for another overlay: starting it anew");
            for name in ["bins", "items", "tops", "meta", "intervals", "peer_epochs"] {
                txn.delete_table(redb::TableDefinition::<&[u8], &[u8]>::new(name))
                    .map_err(|e| err(e.to_string()))?;
            }
        }
        let epoch = {
            txn.open_table(BASE)
                .map_err(|e| err(e.to_string()))?
                .insert("base", &base.0)
                .map_err(|e| err(e.to_string()))?;
            txn.open_table(BIN_ENTRIES)
                .map_err(|e| err(e.to_string()))?;
            txn.open_table(ITEMS).map_err(|e| err(e.to_string()))?;
            txn.open_table(TOPS).map_err(|e| err(e.to_string()))?;
            txn.open_table(INTERVALS).map_err(|e| err(e.to_string()))?;
            txn.open_table(PEER_EPOCHS)
                .map_err(|e| err(e.to_string()))?;
            let mut meta = txn.open_table(META).map_err(|e| err(e.to_string()))?;
            let stored = meta
                .get("epoch")
                .map_err(|e| err(e.to_string()))?
                .map(|v| v.value());
            match stored {
                Some(epoch) => epoch,
                None => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos() as u64)
                        .unwrap_or(1)
                        .max(1);
                    meta.insert("epoch", now).map_err(|e| err(e.to_string()))?;
                    now
                }
            }
        };
        txn.commit().map_err(|e| err(e.to_string()))?;
        Ok(Reserve {
            db,
            base,
            capacity: capacity.max(1),
            epoch,
        })
    }

    /// The node's overlay.
    pub fn base(&self) -> Address {
        self.base
    }

    /// The reserve's epoch (its creation time, Unix nanoseconds).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Chunks it holds at most before the radius rises.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The bin of `chunk`: its proximity to this node, capped at 31.
    pub fn bin_of(&self, chunk: &Address) -> u8 {
        self.base.proximity(chunk)
    }

    fn write(&self, op: &'static str) -> Result<redb::WriteTransaction, ReserveError> {
        let err = backend(op, None);
        let mut txn = self.db.begin_write().map_err(|e| err(e.to_string()))?;
        txn.set_durability(Durability::None);
        Ok(txn)
    }

    fn read(&self, op: &'static str) -> Result<redb::ReadTransaction, ReserveError> {
        self.db
            .begin_read()
            .map_err(|e| backend(op, None)(e.to_string()))
    }

    /// The storage radius: chunks in bins below it are not kept.
    pub fn radius(&self) -> Result<u8, ReserveError> {
        let err = backend("read radius", None);
        let txn = self.read("read radius")?;
        let meta = txn.open_table(META).map_err(|e| err(e.to_string()))?;
        let r = meta.get("radius").map_err(|e| err(e.to_string()))?;
        Ok(r.map(|v| v.value().min(u64::from(MAX_PO) + 1) as u8)
            .unwrap_or(0))
    }

    /// Sets the radius (at least the configured minimum, by the caller's choice).
    pub fn set_radius(&self, radius: u8) -> Result<(), ReserveError> {
        let err = backend("set radius", None);
        let txn = self.write("set radius")?;
        {
            let mut meta = txn.open_table(META).map_err(|e| err(e.to_string()))?;
            meta.insert("radius", u64::from(radius))
                .map_err(|e| err(e.to_string()))?;
        }
        txn.commit().map_err(|e| err(e.to_string()))
    }

    /// Whether `chunk` is within the radius: this node's to keep.
    pub fn is_within_radius(&self, chunk: &Address) -> Result<bool, ReserveError> {
        Ok(self.bin_of(chunk) >= self.radius()?)
    }

    /// Adds `chunk` under `stamp`: a new bin id unless the chunk is already there with this very
    /// stamp (then nothing changes and `false` is returned). A stamp of the same batch with another
    /// hash replaces the chunk's entry of that batch.
    pub fn put(&self, chunk: &Address, stamp: &Stamp) -> Result<bool, ReserveError> {
        Ok(self.put_many(&[(*chunk, *stamp)])?[0])
    }

    /// [`Reserve::put`] for each of `items` in order, in one transaction; whether each gained an
    /// entry. A failure fails them all (nothing is written).
    pub fn put_many(&self, items: &[(Address, Stamp)]) -> Result<Vec<bool>, ReserveError> {
        let mut added = Vec::with_capacity(items.len());
        let Some((first, _)) = items.first() else {
            return Ok(added);
        };
        let txn = self.write("put")?;
        {
            let err = backend("put", Some(*first));
            let mut entries = txn.open_table(ITEMS).map_err(|e| err(e.to_string()))?;
            let mut bins = txn
                .open_table(BIN_ENTRIES)
                .map_err(|e| err(e.to_string()))?;
            let mut tops = txn.open_table(TOPS).map_err(|e| err(e.to_string()))?;
            for (chunk, stamp) in items {
                let err = backend("put", Some(*chunk));
                let key = item_key(chunk, &stamp.batch_id, &stamp_hash(stamp));
                if entries.get(&key).map_err(|e| err(e.to_string()))?.is_some() {
                    added.push(false);
                    continue;
                }
                // The chunk's older entry of the same batch, if any.
                let from = item_key(chunk, &stamp.batch_id, &[0; 32]);
                let to = item_key(chunk, &stamp.batch_id, &[0xff; 32]);
                remove_items(&mut entries, &mut bins, &from, &to).map_err(&err)?;
                let bin = self.bin_of(chunk);
                let id = tops
                    .get(bin)
                    .map_err(|e| err(e.to_string()))?
                    .map(|v| v.value())
                    .unwrap_or(0)
                    + 1;
                tops.insert(bin, id).map_err(|e| err(e.to_string()))?;
                let mut value = [0u8; ENTRY_LEN];
                value[..32].copy_from_slice(&chunk.0);
                value[32..].copy_from_slice(&stamp.to_bytes());
                bins.insert(&bin_key(bin, id), &value)
                    .map_err(|e| err(e.to_string()))?;
                entries
                    .insert(&key, &bin_key(bin, id))
                    .map_err(|e| err(e.to_string()))?;
                added.push(true);
            }
        }
        txn.commit()
            .map_err(|e| backend("put", Some(*first))(e.to_string()))?;
        Ok(added)
    }

    /// [`Reserve::has`] for each of `items` (chunk, batch, stamp hash), in one read transaction.
    pub fn has_many(
        &self,
        items: &[(Address, [u8; 32], [u8; 32])],
    ) -> Result<Vec<bool>, ReserveError> {
        let err = backend("read", None);
        let txn = self.read("read")?;
        let table = txn.open_table(ITEMS).map_err(|e| err(e.to_string()))?;
        items
            .iter()
            .map(|(chunk, batch, hash)| {
                let found = table
                    .get(&item_key(chunk, batch, hash))
                    .map_err(|e| backend("read", Some(*chunk))(e.to_string()))?;
                Ok(found.is_some())
            })
            .collect()
    }

    /// Whether the reserve holds `chunk` under the stamp of `batch` with hash `stamp_hash`.
    pub fn has(
        &self,
        chunk: &Address,
        batch: &[u8; 32],
        stamp_hash: &[u8; 32],
    ) -> Result<bool, ReserveError> {
        Ok(self.has_many(&[(*chunk, *batch, *stamp_hash)])?[0])
    }

    /// The stamp `chunk` is kept under for `batch` with `stamp_hash`, if it is.
    pub fn stamp(
        &self,
        chunk: &Address,
        batch: &[u8; 32],
        stamp_hash: &[u8; 32],
    ) -> Result<Option<Stamp>, ReserveError> {
        let err = backend("read", Some(*chunk));
        let txn = self.read("read")?;
        let items = txn.open_table(ITEMS).map_err(|e| err(e.to_string()))?;
        let Some(at) = items
            .get(&item_key(chunk, batch, stamp_hash))
            .map_err(|e| err(e.to_string()))?
            .map(|v| *v.value())
        else {
            return Ok(None);
        };
        let bins = txn
            .open_table(BIN_ENTRIES)
            .map_err(|e| err(e.to_string()))?;
        let Some(v) = bins.get(&at).map_err(|e| err(e.to_string()))? else {
            return Err(ReserveError::Damaged {
                what: format!("item of {chunk} without its bin entry"),
            });
        };
        Ok(Some(entry(split_bin_key(&at).1, v.value())?.stamp))
    }

    /// The last bin id of every bin (0 for an empty one), and the epoch.
    pub fn last_bin_ids(&self) -> Result<(Vec<u64>, u64), ReserveError> {
        let err = backend("read", None);
        let txn = self.read("read")?;
        let tops = txn.open_table(TOPS).map_err(|e| err(e.to_string()))?;
        let mut ids = vec![0u64; BINS];
        for item in tops.iter().map_err(|e| err(e.to_string()))? {
            let (bin, id) = item.map_err(|e| err(e.to_string()))?;
            if let Some(slot) = ids.get_mut(usize::from(bin.value())) {
                *slot = id.value();
            }
        }
        Ok((ids, self.epoch))
    }

    /// At most `limit` entries of `bin` with bin ids from `start` on, in order.
    pub fn range(&self, bin: u8, start: u64, limit: usize) -> Result<Vec<BinEntry>, ReserveError> {
        let err = backend("read", None);
        let txn = self.read("read")?;
        let bins = txn
            .open_table(BIN_ENTRIES)
            .map_err(|e| err(e.to_string()))?;
        let mut out = Vec::new();
        for item in bins
            .range::<&[u8; 9]>(&bin_key(bin, start)..=&bin_key(bin, u64::MAX))
            .map_err(|e| err(e.to_string()))?
            .take(limit)
        {
            let (k, v) = item.map_err(|e| err(e.to_string()))?;
            out.push(entry(split_bin_key(k.value()).1, v.value())?);
        }
        Ok(out)
    }

    /// Chunks (entries) held.
    pub fn size(&self) -> Result<u64, ReserveError> {
        let err = backend("read", None);
        let txn = self.read("read")?;
        let items = txn.open_table(ITEMS).map_err(|e| err(e.to_string()))?;
        items.len().map_err(|e| err(e.to_string()))
    }

    /// Removes every entry of `chunk`; how many there were.
    pub fn remove(&self, chunk: &Address) -> Result<usize, ReserveError> {
        self.remove_many(std::slice::from_ref(chunk))
    }

    /// Removes every entry of each of `chunks` in one transaction; how many there were.
    pub fn remove_many(&self, chunks: &[Address]) -> Result<usize, ReserveError> {
        let first = chunks.first().copied();
        let err = backend("remove", first);
        let txn = self.write("remove")?;
        let mut n = 0;
        {
            let mut items = txn.open_table(ITEMS).map_err(|e| err(e.to_string()))?;
            let mut bins = txn
                .open_table(BIN_ENTRIES)
                .map_err(|e| err(e.to_string()))?;
            for chunk in chunks {
                let (from, to) = chunk_items(chunk);
                n += remove_items(&mut items, &mut bins, &from, &to)
                    .map_err(backend("remove", Some(*chunk)))?;
            }
        }
        txn.commit().map_err(|e| err(e.to_string()))?;
        Ok(n)
    }

    /// While the reserve holds more than its capacity: first evicts every entry of the bins below
    /// the radius (chunks a node stored as the closest it knew although outside its radius, kept
    /// while there was room), and when there are none, raises the radius by one, which puts the
    /// next bin below it. The chunks evicted (the caller removes them from the chunk store) and the
    /// radius now.
    pub fn enforce_capacity(&self) -> Result<(Vec<Address>, u8), ReserveError> {
        let mut evicted = Vec::new();
        let mut radius = self.radius()?;
        while self.size()? > self.capacity {
            let before = evicted.len();
            for bin in 0..radius {
                loop {
                    let page = self.range(bin, 0, 1024)?;
                    if page.is_empty() {
                        break;
                    }
                    let chunks: Vec<Address> = page.iter().map(|e| e.address).collect();
                    self.remove_many(&chunks)?;
                    evicted.extend(chunks);
                }
            }
            if evicted.len() > before {
                tracing::info!(
                    radius,
                    evicted = evicted.len() - before,
                    "reserve over capacity: evicted the bins below the radius"
                );
                continue;
            }
            if usize::from(radius) >= BINS {
                break;
            }
            radius += 1;
            self.set_radius(radius)?;
            tracing::info!(radius, "reserve over capacity: radius raised");
        }
        evicted.sort();
        evicted.dedup();
        Ok((evicted, radius))
    }

    /// The bin-id ranges synced from `peer` in `bin`.
    pub fn intervals(&self, peer: &Address, bin: u8) -> Result<Intervals, ReserveError> {
        let err = backend("read intervals", Some(*peer));
        let txn = self.read("read intervals")?;
        let table = txn.open_table(INTERVALS).map_err(|e| err(e.to_string()))?;
        let Some(v) = table
            .get(&interval_key(peer, bin))
            .map_err(|e| err(e.to_string()))?
        else {
            return Ok(Intervals::new());
        };
        Intervals::from_bytes(v.value()).ok_or_else(|| ReserveError::Damaged {
            what: format!("intervals of peer {peer} bin {bin}"),
        })
    }

    /// Records `start..=end` of `bin` as synced from `peer`.
    pub fn add_interval(
        &self,
        peer: &Address,
        bin: u8,
        start: u64,
        end: u64,
    ) -> Result<(), ReserveError> {
        let mut i = self.intervals(peer, bin)?;
        i.add(start, end);
        let err = backend("write intervals", Some(*peer));
        let txn = self.write("write intervals")?;
        {
            let mut table = txn.open_table(INTERVALS).map_err(|e| err(e.to_string()))?;
            table
                .insert(&interval_key(peer, bin), i.to_bytes().as_slice())
                .map_err(|e| err(e.to_string()))?;
        }
        txn.commit().map_err(|e| err(e.to_string()))
    }

    /// Makes the intervals of `peer` about its reserve of `epoch`: when the epoch differs from
    /// the one recorded, its intervals are forgotten (its reserve was made anew). Whether they were.
    pub fn align_peer_epoch(&self, peer: &Address, epoch: u64) -> Result<bool, ReserveError> {
        let err = backend("write intervals", Some(*peer));
        let txn = self.write("write intervals")?;
        let reset = {
            let mut epochs = txn
                .open_table(PEER_EPOCHS)
                .map_err(|e| err(e.to_string()))?;
            let stored = epochs
                .get(&peer.0)
                .map_err(|e| err(e.to_string()))?
                .map(|v| v.value());
            if stored == Some(epoch) {
                false
            } else {
                epochs
                    .insert(&peer.0, epoch)
                    .map_err(|e| err(e.to_string()))?;
                let mut table = txn.open_table(INTERVALS).map_err(|e| err(e.to_string()))?;
                for bin in 0..BINS as u8 {
                    table
                        .remove(&interval_key(peer, bin))
                        .map_err(|e| err(e.to_string()))?;
                }
                stored.is_some()
            }
        };
        txn.commit().map_err(|e| err(e.to_string()))?;
        Ok(reset)
    }

    /// Makes every write so far durable.
    pub fn sync(&self) -> Result<(), ReserveError> {
        let err = backend("sync", None);
        let mut txn = self.db.begin_write().map_err(|e| err(e.to_string()))?;
        txn.set_durability(Durability::Immediate);
        txn.commit().map_err(|e| err(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::OverlayKey;
    use crate::postage::StampIndex;

    pub(super) fn stamp(key: &OverlayKey, chunk: &Address, batch: u8, slot: u32, ts: u64) -> Stamp {
        let batch = crate::postage::Batch {
            id: [batch; 32],
            owner: key.eth_address(),
            depth: 20,
            bucket_depth: 16,
            immutable: false,
        };
        let index = StampIndex {
            bucket: batch.bucket_of(chunk),
            slot,
        };
        Stamp::sign(key, &batch, chunk, index, ts).unwrap()
    }

    #[test]
    fn putting_many_in_one_transaction_is_putting_one_by_one() {
        let key = OverlayKey::generate().unwrap();
        let (near, far) = (Address([0x01; 32]), Address([0x80; 32]));
        let items = vec![
            (near, stamp(&key, &near, 1, 0, 5)),
            (far, stamp(&key, &far, 1, 1, 5)),
            (near, stamp(&key, &near, 1, 0, 5)),
            (near, stamp(&key, &near, 1, 0, 9)),
            (far, stamp(&key, &far, 2, 3, 5)),
        ];
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let one = Reserve::open(a.path(), Address([0; 32]), 100).unwrap();
        let many = Reserve::open(b.path(), Address([0; 32]), 100).unwrap();
        let added: Vec<bool> = items.iter().map(|(c, s)| one.put(c, s).unwrap()).collect();
        assert_eq!(added, vec![true, true, false, true, true]);
        assert_eq!(many.put_many(&items).unwrap(), added);
        assert_eq!(
            many.last_bin_ids().unwrap().0,
            one.last_bin_ids().unwrap().0
        );
        for bin in [0, 7] {
            assert_eq!(
                many.range(bin, 0, 10).unwrap(),
                one.range(bin, 0, 10).unwrap()
            );
        }
        let asked: Vec<_> = items
            .iter()
            .map(|(c, s)| (*c, s.batch_id, stamp_hash(s)))
            .collect();
        assert_eq!(
            many.has_many(&asked).unwrap(),
            vec![false, true, false, true, true],
            "the first stamp of `near` in batch 1 was replaced by the later one"
        );
        assert_eq!(many.put_many(&[]).unwrap(), Vec::<bool>::new());
    }

    #[test]
    fn bins_ids_cursors_and_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let base = Address([0; 32]);
        let r = Reserve::open(dir.path(), base, 100).unwrap();
        let key = OverlayKey::generate().unwrap();
        let near = Address([0x01; 32]); // bin 7
        let far = Address([0x80; 32]); // bin 0
        let far2 = Address([0x81; 32]); // bin 0
        let s_near = stamp(&key, &near, 1, 0, 5);
        assert!(r.put(&near, &s_near).unwrap());
        assert!(
            !r.put(&near, &s_near).unwrap(),
            "the same stamp again adds nothing"
        );
        assert!(r.put(&far, &stamp(&key, &far, 1, 0, 5)).unwrap());
        assert!(r.put(&far2, &stamp(&key, &far2, 1, 1, 5)).unwrap());
        let (tops, epoch) = r.last_bin_ids().unwrap();
        assert_eq!(epoch, r.epoch());
        assert_eq!(tops.len(), BINS);
        assert_eq!((tops[0], tops[7], tops[1]), (2, 1, 0));
        let bin0: Vec<(u64, Address)> = r
            .range(0, 0, 10)
            .unwrap()
            .into_iter()
            .map(|e| (e.bin_id, e.address))
            .collect();
        assert_eq!(bin0, vec![(1, far), (2, far2)]);
        assert_eq!(r.range(0, 2, 10).unwrap()[0].address, far2);
        assert_eq!(r.range(0, 3, 10).unwrap(), vec![]);
        assert_eq!(r.range(0, 0, 1).unwrap().len(), 1);
        assert!(r.has(&near, &[1; 32], &stamp_hash(&s_near)).unwrap());
        assert!(!r.has(&near, &[2; 32], &stamp_hash(&s_near)).unwrap());
        assert_eq!(
            r.stamp(&near, &[1; 32], &stamp_hash(&s_near)).unwrap(),
            Some(s_near)
        );
        // A renewed stamp of the same batch replaces the entry with a new bin id.
        let renewed = stamp(&key, &near, 1, 0, 6);
        assert!(r.put(&near, &renewed).unwrap());
        assert!(!r.has(&near, &[1; 32], &stamp_hash(&s_near)).unwrap());
        let bin7 = r.range(7, 0, 10).unwrap();
        assert_eq!(bin7.len(), 1);
        assert_eq!((bin7[0].bin_id, bin7[0].stamp), (2, renewed));
        assert_eq!(r.size().unwrap(), 3);
        assert_eq!(r.remove(&far).unwrap(), 1);
        assert_eq!(r.size().unwrap(), 2);
        assert_eq!(r.range(0, 0, 10).unwrap()[0].address, far2);
    }

    #[test]
    fn state_survives_reopening_and_epoch_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let base = Address([0; 32]);
        let key = OverlayKey::generate().unwrap();
        let chunk = Address([0x40; 32]);
        let peer = Address([7; 32]);
        let epoch = {
            let r = Reserve::open(dir.path(), base, 100).unwrap();
            r.put(&chunk, &stamp(&key, &chunk, 1, 0, 1)).unwrap();
            assert!(!r.align_peer_epoch(&peer, 99).unwrap());
            r.add_interval(&peer, 3, 1, 10).unwrap();
            r.sync().unwrap();
            r.epoch()
        };
        let r = Reserve::open(dir.path(), base, 100).unwrap();
        assert_eq!(r.epoch(), epoch);
        assert_eq!(r.last_bin_ids().unwrap().0[1], 1);
        assert_eq!(r.intervals(&peer, 3).unwrap().next(), 11);
        assert!(!r.align_peer_epoch(&peer, 99).unwrap());
        assert_eq!(r.intervals(&peer, 3).unwrap().next(), 11);
        assert!(
            r.align_peer_epoch(&peer, 100).unwrap(),
            "a new epoch forgets"
        );
        assert_eq!(r.intervals(&peer, 3).unwrap().next(), 1);
    }

    #[test]
    fn a_reserve_of_another_overlay_starts_anew() {
        let dir = tempfile::tempdir().unwrap();
        let key = OverlayKey::generate().unwrap();
        let chunk = Address([0x40; 32]);
        let peer = Address([7; 32]);
        let epoch = {
            let r = Reserve::open(dir.path(), Address([0; 32]), 100).unwrap();
            r.put(&chunk, &stamp(&key, &chunk, 1, 0, 1)).unwrap();
            r.add_interval(&peer, 1, 1, 5).unwrap();
            r.set_radius(2).unwrap();
            r.epoch()
        };
        let same = Reserve::open(dir.path(), Address([0; 32]), 100).unwrap();
        assert_eq!((same.size().unwrap(), same.epoch()), (1, epoch));
        drop(same);
        let other = Reserve::open(dir.path(), Address([0xff; 32]), 100).unwrap();
        assert_eq!(other.size().unwrap(), 0);
        assert_eq!(other.last_bin_ids().unwrap().0, vec![0; BINS]);
        assert_eq!(other.intervals(&peer, 1).unwrap().next(), 1);
        assert_eq!(other.radius().unwrap(), 0);
        assert_ne!(other.epoch(), epoch);
    }

    #[test]
    fn over_capacity_raises_the_radius_and_evicts_lower_bins() {
        let dir = tempfile::tempdir().unwrap();
        let base = Address([0; 32]);
        let r = Reserve::open(dir.path(), base, 2).unwrap();
        let key = OverlayKey::generate().unwrap();
        let chunks = [
            Address([0x80; 32]), // bin 0
            Address([0x40; 32]), // bin 1
            Address([0x20; 32]), // bin 2
        ];
        for (i, c) in chunks.iter().enumerate() {
            r.put(c, &stamp(&key, c, 1, i as u32, 1)).unwrap();
        }
        assert_eq!(r.radius().unwrap(), 0);
        let (evicted, radius) = r.enforce_capacity().unwrap();
        assert_eq!((evicted, radius), (vec![chunks[0]], 1));
        assert!(!r.is_within_radius(&chunks[0]).unwrap());
        assert!(r.is_within_radius(&chunks[1]).unwrap());
        assert_eq!(r.size().unwrap(), 2);
        assert_eq!(r.enforce_capacity().unwrap(), (vec![], 1));
        // A chunk below the radius (stored as the closest node) stays while there is room, and
        // goes first when the reserve is over capacity, before the radius rises again.
        let below = Address([0x81; 32]);
        r.put(&below, &stamp(&key, &below, 1, 3, 1)).unwrap();
        r.set_radius(1).unwrap();
        assert_eq!(r.size().unwrap(), 3);
        assert_eq!(r.enforce_capacity().unwrap(), (vec![below], 1));
        assert_eq!(r.size().unwrap(), 2);
    }
}
