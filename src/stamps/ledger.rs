//! The storer's stamp ledger: which chunk holds which slot of which batch, and the stamps of each
//! chunk, in `<data dir>/stamps.redb`.
//!
//! Tables: `index` maps `batch id (32) || stamp index (8)` to `chunk address (32) || timestamp
//! (8, BE)`; `stamps` maps `chunk address (32) || batch id (32)` to the 113-byte stamp, the latest
//! the chunk has of that batch.
//!
//! The ordering rule ([`StampLedger::admit`]), after [`Stamp::validate_for`]:
//! - the slot is free: the chunk takes it;
//! - the slot is held by the same chunk: accepted; the newer of the two stamps is kept;
//! - the slot is held by another chunk, in an immutable batch: refused
//!   ([`StampsError::IndexTaken`]). bee's reserve lets a newer timestamp win whatever the batch
//!   type; an immutable batch's owner never issues a slot twice, so a second chunk on it means a
//!   double-signing owner, and swarmec keeps the first;
//! - the slot is held by another chunk, in a mutable batch: a strictly newer timestamp replaces it
//!   ([`Admission::Replaced`] names the displaced chunk, whose data the caller may drop if it has
//!   no other stamp); an older or equal one is refused ([`StampsError::OlderStamp`], bee's
//!   "overwriting chunk with newer timestamp").
//!
//! Each admission is one redb transaction, committed without fsync as the chunk store's writes
//! are; [`StampLedger::sync`] makes every admission so far durable (the node calls it with the
//! chunk store's sync, every second). Every call blocks.

use std::path::Path;

use redb::{Database, Durability, ReadableTable, TableDefinition};

use super::{io, StampsError};
use crate::address::Address;
use crate::identity::EthAddress;
use crate::postage::{Batch, PostageError, SignerCache, Stamp, StampIndex, STAMP_SIZE};

/// File name of the ledger inside the data directory.
pub const LEDGER_FILE: &str = "stamps.redb";

const INDEX: TableDefinition<&[u8; 40], &[u8; 40]> = TableDefinition::new("index");
const STAMPS: TableDefinition<&[u8; 64], &[u8; STAMP_SIZE]> = TableDefinition::new("stamps");
/// The ledger holds small records; a small page cache suffices.
const CACHE_BYTES: usize = 4 << 20;

/// What [`StampLedger::admit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The slot was free; the chunk holds it now.
    Stored,
    /// The chunk held the slot already, with a stamp as new or newer; nothing changed.
    Duplicate,
    /// The chunk held the slot (or another slot of the batch) with an older stamp; the new one
    /// is kept.
    Renewed,
    /// The chunk took the slot of a mutable batch from `displaced`, whose stamp was older.
    Replaced {
        /// The chunk that lost the slot.
        displaced: Address,
    },
}

/// The ledger. Shared by reference; redb serialises writers.
pub struct StampLedger {
    db: Database,
    /// Signers recovered lately: a chunk and stamp seen again (pushed, then offered by pull sync;
    /// a claim's owner, then the stamp) are not recovered twice.
    signers: SignerCache,
}

fn ledger_err(op: &'static str) -> impl Fn(String) -> StampsError {
    move |message| StampsError::Ledger { op, message }
}

fn stamp_key(chunk: &Address, batch: &[u8; 32]) -> [u8; 64] {
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(&chunk.0);
    k[32..].copy_from_slice(batch);
    k
}

fn index_key(stamp: &Stamp) -> [u8; 40] {
    let mut k = [0u8; 40];
    k[..32].copy_from_slice(&stamp.batch_id);
    k[32..].copy_from_slice(&stamp.index);
    k
}

fn holder_value(chunk: &Address, stamp: &Stamp) -> [u8; 40] {
    let mut v = [0u8; 40];
    v[..32].copy_from_slice(&chunk.0);
    v[32..].copy_from_slice(&stamp.timestamp);
    v
}

fn split_holder(v: &[u8; 40]) -> (Address, u64) {
    let mut a = [0u8; 32];
    a.copy_from_slice(&v[..32]);
    let mut t = [0u8; 8];
    t.copy_from_slice(&v[32..]);
    (Address(a), u64::from_be_bytes(t))
}

impl StampLedger {
    /// Opens (creating if needed) `data_dir/stamps.redb`.
    pub fn open(data_dir: &Path) -> Result<StampLedger, StampsError> {
        std::fs::create_dir_all(data_dir).map_err(io("creating", data_dir))?;
        let path = data_dir.join(LEDGER_FILE);
        let err = ledger_err("open");
        let db = crate::store::open_database(&path, CACHE_BYTES)
            .map_err(|e| err(format!("{}: {e}", path.display())))?;
        let txn = db.begin_write().map_err(|e| err(e.to_string()))?;
        txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        txn.open_table(STAMPS).map_err(|e| err(e.to_string()))?;
        txn.commit().map_err(|e| err(e.to_string()))?;
        Ok(StampLedger {
            db,
            signers: SignerCache::default(),
        })
    }

    /// Makes every admission so far durable.
    pub fn sync(&self) -> Result<(), StampsError> {
        let err = ledger_err("sync");
        let mut txn = self.db.begin_write().map_err(|e| err(e.to_string()))?;
        txn.set_durability(Durability::Immediate);
        txn.commit().map_err(|e| err(e.to_string()))
    }

    /// The signer of `stamp` for `chunk`, through the cache [`StampLedger::admit`] checks with.
    pub fn recover_owner(
        &self,
        chunk: &Address,
        stamp: &Stamp,
    ) -> Result<EthAddress, PostageError> {
        self.signers.recover_owner(stamp, chunk)
    }

    /// Checks `stamp` for `chunk` against `batch` and applies the ordering rule (module docs).
    pub fn admit(
        &self,
        chunk: &Address,
        stamp: &Stamp,
        batch: &Batch,
    ) -> Result<Admission, StampsError> {
        self.admit_many(&[(*chunk, *stamp, *batch)])?
            .pop()
            .unwrap_or_else(|| Err(ledger_err("admit")("no admission".into())))
    }

    /// [`StampLedger::admit`] for each of `items` (chunk, stamp, batch) in order, in one
    /// transaction: each gets its own answer; the outer error is a ledger failure, which admits
    /// none of them.
    #[allow(clippy::type_complexity)]
    pub fn admit_many(
        &self,
        items: &[(Address, Stamp, Batch)],
    ) -> Result<Vec<Result<Admission, StampsError>>, StampsError> {
        // Signatures first, outside the write lock.
        let checked: Vec<Result<(), StampsError>> = items
            .iter()
            .map(|(chunk, stamp, batch)| {
                stamp
                    .validate_cached(chunk, batch, &self.signers)
                    .map_err(StampsError::from)
            })
            .collect();
        let err = ledger_err("admit");
        let mut txn = self.db.begin_write().map_err(|e| err(e.to_string()))?;
        // Committed without fsync, as chunks are; the node calls `sync` every second.
        txn.set_durability(Durability::None);
        let mut answers = Vec::with_capacity(items.len());
        {
            let mut index = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
            let mut stamps = txn.open_table(STAMPS).map_err(|e| err(e.to_string()))?;
            for ((chunk, stamp, batch), checked) in items.iter().zip(checked) {
                answers.push(match checked {
                    Err(e) => Err(e),
                    Ok(()) => match admit_in(&mut index, &mut stamps, chunk, stamp, batch) {
                        Err(Refused::Stamp(e)) => Err(e),
                        Err(Refused::Ledger(e)) => return Err(e),
                        Ok(a) => Ok(a),
                    },
                });
            }
        }
        txn.commit().map_err(|e| err(e.to_string()))?;
        Ok(answers)
    }

    /// Every stamp `chunk` holds, one per batch.
    pub fn stamps_of(&self, chunk: &Address) -> Result<Vec<Stamp>, StampsError> {
        let err = ledger_err("read");
        let txn = self.db.begin_read().map_err(|e| err(e.to_string()))?;
        let stamps = txn.open_table(STAMPS).map_err(|e| err(e.to_string()))?;
        let from = stamp_key(chunk, &[0; 32]);
        let to = stamp_key(chunk, &[0xff; 32]);
        let mut out = Vec::new();
        for item in stamps
            .range::<&[u8; 64]>(&from..=&to)
            .map_err(|e| err(e.to_string()))?
        {
            let (_, v) = item.map_err(|e| err(e.to_string()))?;
            out.push(Stamp::from_bytes(v.value())?);
        }
        Ok(out)
    }

    /// The newest stamp `chunk` holds, of any batch.
    pub fn stamp_of(&self, chunk: &Address) -> Result<Option<Stamp>, StampsError> {
        Ok(self
            .stamps_of(chunk)?
            .into_iter()
            .max_by_key(|s| s.timestamp_u64()))
    }

    /// The chunk holding `index` of batch `batch`, and its stamp's timestamp.
    pub fn holder(
        &self,
        batch: &[u8; 32],
        index: StampIndex,
    ) -> Result<Option<(Address, u64)>, StampsError> {
        let err = ledger_err("read");
        let txn = self.db.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        let mut key = [0u8; 40];
        key[..32].copy_from_slice(batch);
        key[32..].copy_from_slice(&index.to_bytes());
        let v = table.get(&key).map_err(|e| err(e.to_string()))?;
        Ok(v.map(|v| split_holder(v.value())))
    }
}

/// Why [`admit_in`] admitted nothing: the stamp (an answer for that chunk) or the ledger (a
/// failure for the whole transaction).
enum Refused {
    Stamp(StampsError),
    Ledger(StampsError),
}

/// One admission inside a write transaction (the ordering rule of the module docs). Writes only
/// once the stamp is admitted.
fn admit_in(
    index: &mut redb::Table<&[u8; 40], &[u8; 40]>,
    stamps: &mut redb::Table<&[u8; 64], &[u8; STAMP_SIZE]>,
    chunk: &Address,
    stamp: &Stamp,
    batch: &Batch,
) -> Result<Admission, Refused> {
    let err = ledger_err("admit");
    let r = |e: redb::StorageError| Refused::Ledger(err(e.to_string()));
    let slot_key = index_key(stamp);
    let own_key = stamp_key(chunk, &batch.id);
    let held = index
        .get(&slot_key)
        .map_err(r)?
        .map(|v| split_holder(v.value()));
    let previous = stamps
        .get(&own_key)
        .map_err(r)?
        .and_then(|v| Stamp::from_bytes(v.value()).ok());
    let ts = stamp.timestamp_u64();
    let StampIndex { bucket, slot } = stamp.stamp_index();
    let admission = match held {
        Some((holder, held_ts)) if holder != *chunk => {
            if batch.immutable {
                return Err(Refused::Stamp(StampsError::IndexTaken {
                    batch: hex::encode(batch.id),
                    bucket,
                    slot,
                    chunk: *chunk,
                    holder,
                }));
            }
            if held_ts >= ts {
                return Err(Refused::Stamp(StampsError::OlderStamp {
                    batch: hex::encode(batch.id),
                    bucket,
                    slot,
                    chunk: *chunk,
                    timestamp: ts,
                    holder,
                    held: held_ts,
                }));
            }
            // The displaced chunk loses its stamp of this batch if it is this slot's.
            let displaced_key = stamp_key(&holder, &batch.id);
            let displaced_stamp = stamps
                .get(&displaced_key)
                .map_err(r)?
                .and_then(|v| Stamp::from_bytes(v.value()).ok());
            if displaced_stamp.is_some_and(|s| s.index == stamp.index) {
                stamps.remove(&displaced_key).map_err(r)?;
            }
            Admission::Replaced { displaced: holder }
        }
        _ => match previous {
            Some(p) if p.timestamp_u64() >= ts => {
                // Keep the newer stamp; make sure its slot is recorded.
                return Ok(Admission::Duplicate);
            }
            Some(_) => Admission::Renewed,
            None => Admission::Stored,
        },
    };
    if let Some(p) = previous {
        if p.index != stamp.index {
            let old_slot = index_key(&p);
            let still_ours = index
                .get(&old_slot)
                .map_err(r)?
                .is_some_and(|v| split_holder(v.value()).0 == *chunk);
            if still_ours {
                index.remove(&old_slot).map_err(r)?;
            }
        }
    }
    index
        .insert(&slot_key, &holder_value(chunk, stamp))
        .map_err(r)?;
    stamps.insert(&own_key, &stamp.to_bytes()).map_err(r)?;
    Ok(admission)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::OverlayKey;
    use crate::postage::{PostageError, INDEX_SIZE};

    fn key() -> OverlayKey {
        OverlayKey::from_slice(&[21; 32]).unwrap()
    }

    fn batch(immutable: bool) -> Batch {
        Batch::new(
            [u8::from(immutable) + 1; 32],
            key().eth_address(),
            20,
            immutable,
        )
        .unwrap()
    }

    fn chunk(n: u8) -> Address {
        let mut a = [n; 32];
        a[..2].copy_from_slice(&[0x12, 0x34]);
        Address(a)
    }

    fn stamp(b: &Batch, c: &Address, slot: u32, ts: u64) -> Stamp {
        let index = StampIndex {
            bucket: b.bucket_of(c),
            slot,
        };
        Stamp::sign(&key(), b, c, index, ts).unwrap()
    }

    #[test]
    fn same_chunk_same_slot_is_idempotent_and_keeps_the_newer() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = StampLedger::open(tmp.path()).unwrap();
        for immutable in [true, false] {
            let b = batch(immutable);
            let c = chunk(1);
            let s = stamp(&b, &c, 3, 100);
            assert_eq!(ledger.admit(&c, &s, &b).unwrap(), Admission::Stored);
            assert_eq!(ledger.admit(&c, &s, &b).unwrap(), Admission::Duplicate);
            let newer = stamp(&b, &c, 3, 200);
            assert_eq!(ledger.admit(&c, &newer, &b).unwrap(), Admission::Renewed);
            assert_eq!(ledger.admit(&c, &s, &b).unwrap(), Admission::Duplicate);
            assert_eq!(
                ledger.stamps_of(&c).unwrap().len(),
                if immutable { 1 } else { 2 }
            );
            assert!(ledger.stamps_of(&c).unwrap().contains(&newer));
        }
        // The newest over both batches.
        assert_eq!(
            ledger.stamp_of(&chunk(1)).unwrap().unwrap().timestamp_u64(),
            200
        );
        assert_eq!(ledger.stamp_of(&chunk(2)).unwrap(), None);
    }

    #[test]
    fn admitting_many_in_one_transaction_answers_as_one_by_one() {
        let b = batch(true);
        let (c1, c2, c3, c4) = (chunk(1), chunk(2), chunk(3), chunk(4));
        let mut forged = stamp(&b, &c3, 1, 100);
        forged.signature.0[5] ^= 1;
        let items = vec![
            (c1, stamp(&b, &c1, 0, 100), b),
            (c2, stamp(&b, &c2, 0, 200), b),
            (c1, stamp(&b, &c1, 0, 100), b),
            (c3, forged, b),
            (c4, stamp(&b, &c4, 2, 300), b),
        ];
        let (one, many) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (one, many) = (
            StampLedger::open(one.path()).unwrap(),
            StampLedger::open(many.path()).unwrap(),
        );
        let answers = many.admit_many(&items).unwrap();
        let shown = |a: &Result<Admission, StampsError>| match a {
            Ok(a) => format!("{a:?}"),
            Err(e) => format!("error: {e}"),
        };
        let expected: Vec<String> = items
            .iter()
            .map(|(c, s, b)| shown(&one.admit(c, s, b)))
            .collect();
        assert_eq!(answers.iter().map(shown).collect::<Vec<_>>(), expected);
        assert_eq!(expected[0], "Stored");
        assert!(expected[1].contains("error"), "{}", expected[1]);
        assert_eq!(expected[2], "Duplicate");
        assert!(expected[3].contains("error"), "{}", expected[3]);
        assert_eq!(expected[4], "Stored");
        for c in [c1, c2, c3, c4] {
            assert_eq!(many.stamps_of(&c).unwrap(), one.stamps_of(&c).unwrap());
        }
    }

    #[test]
    fn immutable_slot_held_by_another_chunk_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = StampLedger::open(tmp.path()).unwrap();
        let b = batch(true);
        let (c1, c2) = (chunk(1), chunk(2));
        ledger.admit(&c1, &stamp(&b, &c1, 0, 100), &b).unwrap();
        let e = ledger.admit(&c2, &stamp(&b, &c2, 0, 200), &b).unwrap_err();
        assert!(
            matches!(e, StampsError::IndexTaken { slot: 0, holder, chunk, .. } if holder == c1 && chunk == c2),
            "{e}"
        );
        assert_eq!(ledger.stamp_of(&c2).unwrap(), None);
    }

    #[test]
    fn mutable_newer_replaces_older_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = StampLedger::open(tmp.path()).unwrap();
        let b = batch(false);
        let (c1, c2, c3) = (chunk(1), chunk(2), chunk(3));
        ledger.admit(&c1, &stamp(&b, &c1, 5, 100), &b).unwrap();
        assert_eq!(
            ledger.admit(&c2, &stamp(&b, &c2, 5, 101), &b).unwrap(),
            Admission::Replaced { displaced: c1 }
        );
        assert_eq!(ledger.stamp_of(&c1).unwrap(), None);
        let index = StampIndex {
            bucket: b.bucket_of(&c2),
            slot: 5,
        };
        assert_eq!(ledger.holder(&b.id, index).unwrap(), Some((c2, 101)));
        for ts in [100, 101] {
            let e = ledger.admit(&c3, &stamp(&b, &c3, 5, ts), &b).unwrap_err();
            assert!(
                matches!(e, StampsError::OlderStamp { holder, held: 101, .. } if holder == c2),
                "{e}"
            );
            assert!(e
                .to_string()
                .contains("overwriting chunk with newer timestamp"));
        }
        // Reopened, the ledger remembers.
        drop(ledger);
        let ledger = StampLedger::open(tmp.path()).unwrap();
        assert_eq!(ledger.holder(&b.id, index).unwrap(), Some((c2, 101)));
    }

    #[test]
    fn a_chunk_moving_to_another_slot_frees_the_old_one() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = StampLedger::open(tmp.path()).unwrap();
        let b = batch(false);
        let c = chunk(1);
        ledger.admit(&c, &stamp(&b, &c, 1, 100), &b).unwrap();
        assert_eq!(
            ledger.admit(&c, &stamp(&b, &c, 2, 200), &b).unwrap(),
            Admission::Renewed
        );
        let bucket = b.bucket_of(&c);
        assert_eq!(
            ledger
                .holder(&b.id, StampIndex { bucket, slot: 1 })
                .unwrap(),
            None
        );
        assert_eq!(
            ledger
                .holder(&b.id, StampIndex { bucket, slot: 2 })
                .unwrap(),
            Some((c, 200))
        );
    }

    #[test]
    fn invalid_stamps_are_refused_with_the_postage_error() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = StampLedger::open(tmp.path()).unwrap();
        let b = batch(true);
        let c = chunk(1);
        let mut bad_sig = stamp(&b, &c, 0, 1);
        bad_sig.signature.0[64] = 0;
        let wrong_bucket = Stamp::sign_unchecked(
            &key(),
            &b.id,
            &c,
            StampIndex { bucket: 7, slot: 0 }.to_bytes(),
            1u64.to_be_bytes(),
        )
        .unwrap();
        let beyond: [u8; INDEX_SIZE] = StampIndex {
            bucket: b.bucket_of(&c),
            slot: 16,
        }
        .to_bytes();
        let beyond = Stamp::sign_unchecked(&key(), &b.id, &c, beyond, 1u64.to_be_bytes()).unwrap();
        let stranger = OverlayKey::from_slice(&[22; 32]).unwrap();
        let index = StampIndex {
            bucket: b.bucket_of(&c),
            slot: 0,
        };
        let foreign = Stamp::sign(&stranger, &b, &c, index, 1).unwrap();
        let other_batch = stamp(&batch(false), &c, 0, 1);
        type Kind = fn(&PostageError) -> bool;
        let cases: [(Stamp, Kind); 5] = [
            (bad_sig, |e| matches!(e, PostageError::Signature { .. })),
            (wrong_bucket, |e| {
                matches!(e, PostageError::BucketMismatch { .. })
            }),
            (beyond, |e| {
                matches!(e, PostageError::InvalidIndex { slot: 16, .. })
            }),
            (foreign, |e| matches!(e, PostageError::OwnerMismatch { .. })),
            (other_batch, |e| {
                matches!(e, PostageError::BatchMismatch { .. })
            }),
        ];
        for (s, kind) in cases {
            match ledger.admit(&c, &s, &b) {
                Err(StampsError::Postage(e)) => assert!(kind(&e), "{e}"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(ledger.stamp_of(&c).unwrap(), None);
    }
}
