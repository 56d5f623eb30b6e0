//! Chunk stores: where chunks live, behind one small trait.
//!
//! [`MemStore`] keeps chunks in memory (tests, hashing); [`SlotStore`] is the default embedded store,
//! fixed-size slots in one data file and a small index beside it; [`RedbStore`] is the store of
//! earlier versions (one redb file), kept to migrate from and to compare against. Stores hold bytes under addresses and do not validate
//! them: the joiner checks every chunk it reads against the address it was reached by, and
//! `swarmec store verify` checks everything stored.

mod counting;
mod mem;
mod redb;
pub mod slots;

use std::path::{Path, PathBuf};

pub use self::counting::CountingStore;
pub use self::mem::MemStore;
pub(crate) use self::redb::open_database;
pub use self::redb::RedbStore;
pub use self::slots::SlotStore;
use crate::address::Address;
use crate::cac::Chunk;

/// File name of the store of earlier versions (one redb database) inside the data directory;
/// [`SlotStore::open`] migrates it.
pub const DB_FILE: &str = "chunks.redb";

/// A store failure, naming the address concerned where there is one.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("cannot open chunk store {path}: {message}")]
    Open {
        /// Database path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A read or write failed.
    #[error("chunk store {op} failed{}: {message}", address.map(|a| format!(" for {a}")).unwrap_or_default())]
    Backend {
        /// The operation.
        op: &'static str,
        /// The chunk concerned, if one.
        address: Option<Address>,
        /// What went wrong.
        message: String,
    },
    /// A chunk to pin that is not stored.
    #[error("chunk {address} is not stored")]
    Missing {
        /// The chunk.
        address: Address,
    },
    /// A chunk that pins hold cannot be removed.
    #[error("chunk {address} is pinned ({pins} pins): unpin its roots first")]
    Pinned {
        /// The chunk.
        address: Address,
        /// How many pinned roots hold it.
        pins: u32,
    },
    /// A chunk that does not fit a store record.
    #[error("chunk {address} has {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// The chunk.
        address: Address,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Pins, as bee's `/pins` has them: a pinned root keeps every chunk of its tree (data, intermediate,
/// parity, replicas) in the store; such chunks are never removed while pinned. A pin store is the
/// chunk store whose chunks it pins.
pub trait PinStore: ChunkStore {
    /// Pins `root` (a reference: 32 bytes, or 64 encrypted) holding `chunks`, every chunk of its
    /// tree, all stored ([`StoreError::Missing`] names one that is not). `false` if `root` was
    /// pinned already (nothing changes). Durable when it returns.
    fn pin(&self, root: &[u8], chunks: &[Address]) -> Result<bool, StoreError>;
    /// Unpins `root`; `false` if it was not pinned. Durable when it returns.
    fn unpin(&self, root: &[u8]) -> Result<bool, StoreError>;
    /// Whether `root` is pinned.
    fn is_pinned(&self, root: &[u8]) -> Result<bool, StoreError>;
    /// Every pinned root, in byte order.
    fn pinned_roots(&self) -> Result<Vec<Vec<u8>>, StoreError>;
    /// How many pinned roots hold `address`.
    fn pins_of(&self, address: &Address) -> Result<u32, StoreError>;
}

/// What became of one chunk given to [`ChunkStore::put_batch_reporting`]: what an upload's tag
/// counts (bee's tag counters, `docs/API.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Stored already (before the call, or earlier in the same call) and not written again: bee's
    /// "seen".
    Seen,
    /// Now kept by this store itself (a local store; a node that is itself the chunk's closest):
    /// bee's "stored", which bee also counts as "synced".
    Stored,
    /// Handed to a peer that answered with a receipt: bee's "sent" and "synced".
    Receipted,
}

/// What [`ChunkStore::remove_many`] did with one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// It was stored and is removed.
    Removed,
    /// It was not stored.
    Absent,
    /// It is pinned (by this many roots) and stays.
    Pinned(u32),
}

/// Largest chunk a store accepts: a single-owner chunk (105 + 4096 bytes).
pub const MAX_CHUNK_DATA: usize = crate::soc::SOC_MAX_SIZE;

/// Where chunks are kept. Implementations are shared between threads.
pub trait ChunkStore: Send + Sync {
    /// The stored data of `address`, or `None` if absent.
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores one chunk (idempotent: storing the same address again overwrites it).
    fn put(&self, chunk: &Chunk) -> Result<(), StoreError> {
        self.put_batch(std::slice::from_ref(chunk))
    }

    /// Stores several chunks at once; either all are stored or, on error, the store is still consistent
    /// (every stored record is a whole chunk).
    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError>;

    /// Stores `chunks` as [`ChunkStore::put_batch`] does, reporting what became of each (once per
    /// chunk, in the order of `chunks`, after the write succeeded). A local store writes only the
    /// chunks it does not hold yet and reports the others [`Delivery::Seen`]; a network store
    /// reports how each was delivered.
    fn put_batch_reporting(
        &self,
        chunks: &[Chunk],
        report: &mut dyn FnMut(Delivery),
    ) -> Result<(), StoreError> {
        let mut earlier = std::collections::HashSet::with_capacity(chunks.len());
        let mut new = Vec::with_capacity(chunks.len());
        for (i, chunk) in chunks.iter().enumerate() {
            if earlier.insert(chunk.address) && !self.has(&chunk.address)? {
                new.push(i);
            }
        }
        if new.len() == chunks.len() {
            self.put_batch(chunks)?;
        } else {
            let fresh: Vec<Chunk> = new.iter().map(|&i| chunks[i].clone()).collect();
            self.put_batch(&fresh)?;
        }
        let mut fresh = new.iter().peekable();
        for i in 0..chunks.len() {
            report(if fresh.next_if_eq(&&i).is_some() {
                Delivery::Stored
            } else {
                Delivery::Seen
            });
        }
        Ok(())
    }

    /// Whether `address` is stored.
    fn has(&self, address: &Address) -> Result<bool, StoreError>;

    /// Removes `address`; returns whether it was stored.
    fn remove(&self, address: &Address) -> Result<bool, StoreError>;

    /// Removes every one of `addresses` that is stored and not pinned, and says what became of each
    /// (one [`Removal`] per address, in order). Durable when it returns, like `remove`; a store on
    /// disk makes one commit for many removals, where `remove` makes one each (a reserve evicting a
    /// bin removes thousands at once). On error, some of the removals may have been made.
    fn remove_many(&self, addresses: &[Address]) -> Result<Vec<Removal>, StoreError> {
        addresses
            .iter()
            .map(|a| match self.remove(a) {
                Ok(true) => Ok(Removal::Removed),
                Ok(false) => Ok(Removal::Absent),
                Err(StoreError::Pinned { pins, .. }) => Ok(Removal::Pinned(pins)),
                Err(e) => Err(e),
            })
            .collect()
    }

    /// Visits every stored chunk in address order until `visit` returns `false`.
    fn iterate(&self, visit: &mut dyn FnMut(&Address, &[u8]) -> bool) -> Result<(), StoreError>;

    /// Makes everything stored so far durable.
    fn sync(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Fetches `addresses`, stopping once `need` of them were found. The result has one slot per
    /// address (`None` for absent or not fetched). Local stores look them up in order; a network store
    /// asks for all of them at once and cancels the rest once `need` arrived.
    fn get_many(
        &self,
        addresses: &[Address],
        need: usize,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        get_in_order(addresses, need, |a| self.get(a))
    }
}

/// Implements the named [`ChunkStore`] methods of a store that wraps another (in field `$inner`) by
/// calling the same method of the wrapped store: a wrapper writes only the methods it changes, e.g.
/// `forward_chunk_store!(inner: has, remove, iterate, sync, get_many);` inside its `impl`.
#[doc(hidden)]
#[macro_export]
macro_rules! forward_chunk_store {
    ($inner:ident: $($method:ident),+ $(,)?) => {
        $($crate::forward_chunk_store!(@one $inner $method);)+
    };
    (@one $inner:ident get) => {
        fn get(
            &self,
            address: &$crate::address::Address,
        ) -> Result<Option<Vec<u8>>, $crate::store::StoreError> {
            self.$inner.get(address)
        }
    };
    (@one $inner:ident put_batch) => {
        fn put_batch(&self, chunks: &[$crate::cac::Chunk]) -> Result<(), $crate::store::StoreError> {
            self.$inner.put_batch(chunks)
        }
    };
    (@one $inner:ident put_batch_reporting) => {
        fn put_batch_reporting(
            &self,
            chunks: &[$crate::cac::Chunk],
            report: &mut dyn FnMut($crate::store::Delivery),
        ) -> Result<(), $crate::store::StoreError> {
            self.$inner.put_batch_reporting(chunks, report)
        }
    };
    (@one $inner:ident has) => {
        fn has(&self, address: &$crate::address::Address) -> Result<bool, $crate::store::StoreError> {
            self.$inner.has(address)
        }
    };
    (@one $inner:ident remove) => {
        fn remove(
            &self,
            address: &$crate::address::Address,
        ) -> Result<bool, $crate::store::StoreError> {
            self.$inner.remove(address)
        }
    };
    (@one $inner:ident remove_many) => {
        fn remove_many(
            &self,
            addresses: &[$crate::address::Address],
        ) -> Result<Vec<$crate::store::Removal>, $crate::store::StoreError> {
            self.$inner.remove_many(addresses)
        }
    };
    (@one $inner:ident iterate) => {
        fn iterate(
            &self,
            visit: &mut dyn FnMut(&$crate::address::Address, &[u8]) -> bool,
        ) -> Result<(), $crate::store::StoreError> {
            self.$inner.iterate(visit)
        }
    };
    (@one $inner:ident sync) => {
        fn sync(&self) -> Result<(), $crate::store::StoreError> {
            self.$inner.sync()
        }
    };
    (@one $inner:ident get_many) => {
        fn get_many(
            &self,
            addresses: &[$crate::address::Address],
            need: usize,
        ) -> Result<Vec<Option<Vec<u8>>>, $crate::store::StoreError> {
            self.$inner.get_many(addresses, need)
        }
    };
}

/// [`ChunkStore::get_many`] done one address at a time with `get`, in order, stopping after `need`
/// chunks were found.
pub(crate) fn get_in_order(
    addresses: &[Address],
    need: usize,
    mut get: impl FnMut(&Address) -> Result<Option<Vec<u8>>, StoreError>,
) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
    let mut out = vec![None; addresses.len()];
    let mut found = 0;
    for (slot, address) in out.iter_mut().zip(addresses) {
        if found >= need {
            break;
        }
        if let Some(data) = get(address)? {
            *slot = Some(data);
            found += 1;
        }
    }
    Ok(out)
}

impl<S: ChunkStore + ?Sized> ChunkStore for &S {
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(address)
    }
    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        (**self).put_batch(chunks)
    }
    fn put_batch_reporting(
        &self,
        chunks: &[Chunk],
        report: &mut dyn FnMut(Delivery),
    ) -> Result<(), StoreError> {
        (**self).put_batch_reporting(chunks, report)
    }
    fn has(&self, address: &Address) -> Result<bool, StoreError> {
        (**self).has(address)
    }
    fn remove(&self, address: &Address) -> Result<bool, StoreError> {
        (**self).remove(address)
    }
    fn remove_many(&self, addresses: &[Address]) -> Result<Vec<Removal>, StoreError> {
        (**self).remove_many(addresses)
    }
    fn iterate(&self, visit: &mut dyn FnMut(&Address, &[u8]) -> bool) -> Result<(), StoreError> {
        (**self).iterate(visit)
    }
    fn sync(&self) -> Result<(), StoreError> {
        (**self).sync()
    }
    fn get_many(
        &self,
        addresses: &[Address],
        need: usize,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        (**self).get_many(addresses, need)
    }
}

/// The data directory: `explicit` (from `--data-dir`), else `$SWARMEC_DATA_DIR`, else the platform's
/// data directory joined with `swarmec`, else `./.swarmec`.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("SWARMEC_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_dir()
        .map(|d| d.join("swarmec"))
        .unwrap_or_else(|| PathBuf::from(".swarmec"))
}

/// The [`StoreError::Backend`] of `op` on `address`, for a message still to come.
pub(crate) fn backend(op: &'static str, address: Option<Address>) -> impl Fn(String) -> StoreError {
    move |message| StoreError::Backend {
        op,
        address,
        message,
    }
}

pub(crate) fn check_size(chunk: &Chunk) -> Result<(), StoreError> {
    if chunk.data.len() > MAX_CHUNK_DATA {
        return Err(StoreError::TooLarge {
            address: chunk.address,
            len: chunk.data.len(),
            max: MAX_CHUNK_DATA,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn exercise(store: &dyn ChunkStore) {
        let a = Chunk::new(b"foo").unwrap();
        let b = Chunk::new(b"bar").unwrap();
        assert_eq!(store.get(&a.address).unwrap(), None);
        assert!(!store.has(&a.address).unwrap());
        store.put_batch(&[a.clone(), b.clone()]).unwrap();
        store.put(&a).unwrap();
        assert_eq!(store.get(&a.address).unwrap(), Some(a.data.clone()));
        assert!(store.has(&b.address).unwrap());
        let mut seen = Vec::new();
        store
            .iterate(&mut |addr, data| {
                seen.push((*addr, data.to_vec()));
                true
            })
            .unwrap();
        let mut want = vec![(a.address, a.data.clone()), (b.address, b.data.clone())];
        want.sort();
        assert_eq!(seen, want);
        let got = store
            .get_many(&[b.address, Address::ZERO, a.address], 1)
            .unwrap();
        assert_eq!(got, vec![Some(b.data.clone()), None, None]);
        let got = store
            .get_many(&[Address::ZERO, a.address, b.address], 2)
            .unwrap();
        assert_eq!(got, vec![None, Some(a.data.clone()), Some(b.data.clone())]);
        assert!(store.remove(&a.address).unwrap());
        assert!(!store.remove(&a.address).unwrap());
        assert_eq!(store.get(&a.address).unwrap(), None);
        let c = Chunk::new(b"baz").unwrap();
        store.put_batch(&[a.clone(), c.clone()]).unwrap();
        assert_eq!(
            store
                .remove_many(&[c.address, Address::ZERO, a.address, c.address])
                .unwrap(),
            [
                Removal::Removed,
                Removal::Absent,
                Removal::Removed,
                Removal::Absent
            ]
        );
        assert_eq!(store.get(&c.address).unwrap(), None);
        assert_eq!(store.get(&a.address).unwrap(), None);
        assert_eq!(store.get(&b.address).unwrap(), Some(b.data.clone()));
        assert_eq!(store.remove_many(&[]).unwrap(), []);
        let big = Chunk {
            address: Address::ZERO,
            data: vec![0; MAX_CHUNK_DATA + 1],
        };
        assert!(matches!(
            store.put(&big),
            Err(StoreError::TooLarge { len: 4202, .. })
        ));
        store.sync().unwrap();
    }

    #[test]
    fn mem_store_contract() {
        exercise(&MemStore::new());
    }

    pub(crate) use exercise as contract;

    #[test]
    fn redb_store_contract_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let c = Chunk::new(b"persist").unwrap();
        {
            let store = RedbStore::open(dir.path()).unwrap();
            exercise(&store);
            store.put(&c).unwrap();
            store.sync().unwrap();
        }
        let store = RedbStore::open(dir.path()).unwrap();
        assert_eq!(store.get(&c.address).unwrap(), Some(c.data));
    }

    #[test]
    fn data_dir_precedence() {
        assert_eq!(data_dir(Some(Path::new("/x"))), PathBuf::from("/x"));
    }
}
