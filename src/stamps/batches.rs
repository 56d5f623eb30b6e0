//! The batch store: one JSON file per batch under `<data dir>/batches/<64-hex id>.json`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{io, unix_seconds, write_atomic, StampsError};
use crate::identity::key::EthAddress;
use crate::identity::OverlayKey;
use crate::postage::{local_batch_id, Batch, BatchId, BUCKET_DEPTH};

/// Directory of the batch files inside the data directory.
pub const BATCHES_DIR: &str = "batches";
/// The smallest depth of a batch created here (bee: `min=17`).
pub const MIN_DEPTH: u8 = BUCKET_DEPTH + 1;
/// The largest depth of a batch created here: a slot is a u32, so a bucket holds at most `2^31`.
pub const MAX_DEPTH: u8 = BUCKET_DEPTH + 31;
/// The format version written in every batch file.
const VERSION: u32 = 1;

/// Where a batch came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Created on this node, by its overlay key.
    Local,
    /// Learned from a verified claim beside a stamp ([`crate::postage::BatchClaim`]).
    Learned,
}

/// A batch and what this node knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    /// The batch.
    pub batch: Batch,
    /// What was paid per chunk (bee's `amount`; 0 when learned, as a claim does not say).
    pub amount: u128,
    /// When this node created or learned it, Unix seconds.
    pub created: u64,
    /// The owner's label.
    pub label: Option<String>,
    /// The nonce of the local batch id (see [`crate::postage::local_batch_id`]).
    pub nonce: Option<[u8; 32]>,
    /// Where it came from.
    pub origin: Origin,
}

impl BatchRecord {
    /// A record of `batch` learned from a verified claim with `nonce`, now.
    pub fn learned(batch: Batch, nonce: [u8; 32]) -> BatchRecord {
        BatchRecord {
            batch,
            amount: 0,
            created: unix_seconds(),
            label: None,
            nonce: Some(nonce),
            origin: Origin::Learned,
        }
    }
}

/// The file form of a [`BatchRecord`]; hex for bytes, a decimal string for the amount (it does not
/// fit a JSON number).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordFile {
    version: u32,
    id: String,
    owner: String,
    depth: u8,
    bucket_depth: u8,
    immutable: bool,
    amount: String,
    created: u64,
    label: Option<String>,
    nonce: Option<String>,
    origin: Origin,
}

impl RecordFile {
    fn of(r: &BatchRecord) -> RecordFile {
        RecordFile {
            version: VERSION,
            id: hex::encode(r.batch.id),
            owner: r.batch.owner.to_hex(),
            depth: r.batch.depth,
            bucket_depth: r.batch.bucket_depth,
            immutable: r.batch.immutable,
            amount: r.amount.to_string(),
            created: r.created,
            label: r.label.clone(),
            nonce: r.nonce.map(hex::encode),
            origin: r.origin,
        }
    }

    /// The record, when every field is well-formed and a nonce gives the id.
    fn record(self) -> Result<BatchRecord, String> {
        if self.version != VERSION {
            return Err(format!("version {}, want {VERSION}", self.version));
        }
        let id: BatchId = decode_hex(&self.id).ok_or("id is not 64 hex digits")?;
        let owner = EthAddress(decode_hex(&self.owner).ok_or("owner is not 40 hex digits")?);
        let amount: u128 = self
            .amount
            .parse()
            .map_err(|_| format!("amount {:?} is not a decimal number", self.amount))?;
        let nonce: Option<[u8; 32]> = match &self.nonce {
            None => None,
            Some(n) => Some(decode_hex(n).ok_or("nonce is not 64 hex digits")?),
        };
        let batch =
            Batch::with_bucket_depth(id, owner, self.depth, self.bucket_depth, self.immutable)
                .map_err(|e| e.to_string())?;
        if let Some(n) = &nonce {
            if local_batch_id(&owner, self.depth, self.bucket_depth, self.immutable, n) != id {
                return Err("owner, parameters and nonce do not give the id".into());
            }
        }
        Ok(BatchRecord {
            batch,
            amount,
            created: self.created,
            label: self.label,
            nonce,
            origin: self.origin,
        })
    }
}

fn decode_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// Where batches come from. [`BatchStore`] is the one built: batches created here or learned from
/// claims. Reading bee's postage contract events over JSON-RPC (`BatchCreated`, `BatchTopUp`,
/// `BatchDepthIncrease`) is not built; it would be another implementation of this trait.
pub trait BatchSource: Send + Sync {
    /// The batch `id`, if known.
    fn batch(&self, id: &BatchId) -> Result<Option<Batch>, StampsError>;
}

/// The batches of a data directory. Cheap to share in an `Arc`; writes are serialised inside.
/// Every call blocks on the file system.
#[derive(Debug)]
pub struct BatchStore {
    dir: PathBuf,
    writing: Mutex<()>,
}

impl BatchStore {
    /// Opens (creating if needed) `data_dir/batches`.
    pub fn open(data_dir: &Path) -> Result<BatchStore, StampsError> {
        let dir = data_dir.join(BATCHES_DIR);
        std::fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
        Ok(BatchStore {
            dir,
            writing: Mutex::new(()),
        })
    }

    fn path(&self, id: &BatchId) -> PathBuf {
        self.dir.join(format!("{}.json", hex::encode(id)))
    }

    /// Creates a batch of `2^depth` chunks owned by `owner_key`, with a random nonce, and stores
    /// it. Refuses a depth outside [`MIN_DEPTH`]`..=`[`MAX_DEPTH`] and an amount of 0.
    pub fn create(
        &self,
        owner_key: &OverlayKey,
        depth: u8,
        amount: u128,
        immutable: bool,
        label: Option<String>,
    ) -> Result<BatchRecord, StampsError> {
        if !(MIN_DEPTH..=MAX_DEPTH).contains(&depth) {
            return Err(StampsError::Depth { depth });
        }
        if amount == 0 {
            return Err(StampsError::Amount);
        }
        let mut nonce = [0u8; 32];
        getrandom::fill(&mut nonce).map_err(|e| StampsError::Random(e.to_string()))?;
        let owner = owner_key.eth_address();
        let id = local_batch_id(&owner, depth, BUCKET_DEPTH, immutable, &nonce);
        let record = BatchRecord {
            batch: Batch::new(id, owner, depth, immutable)?,
            amount,
            created: unix_seconds(),
            label,
            nonce: Some(nonce),
            origin: Origin::Local,
        };
        self.write(&record)?;
        Ok(record)
    }

    fn write(&self, record: &BatchRecord) -> Result<(), StampsError> {
        let path = self.path(&record.batch.id);
        let bytes = serde_json::to_vec_pretty(&RecordFile::of(record)).map_err(|e| {
            StampsError::Record {
                path: path.clone(),
                message: e.to_string(),
            }
        })?;
        // A poisoned lock only means another writer panicked; the files are whole either way.
        let _guard = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        write_atomic(&path, &bytes)
    }

    fn read(&self, path: &Path) -> Result<BatchRecord, StampsError> {
        let bytes = std::fs::read(path).map_err(io("reading", path))?;
        let bad = |message: String| StampsError::Record {
            path: path.to_path_buf(),
            message,
        };
        let file: RecordFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        let record = file.record().map_err(bad)?;
        if path.file_stem().map(|s| s.to_string_lossy().into_owned())
            != Some(hex::encode(record.batch.id))
        {
            return Err(bad("the file name is not the batch id".into()));
        }
        Ok(record)
    }

    /// The batch `id`, if stored.
    pub fn get(&self, id: &BatchId) -> Result<Option<BatchRecord>, StampsError> {
        let path = self.path(id);
        if !path.exists() {
            return Ok(None);
        }
        self.read(&path).map(Some)
    }

    /// Every readable batch, oldest first (ties by id). Unreadable files are skipped with a
    /// warning.
    pub fn list(&self) -> Result<Vec<BatchRecord>, StampsError> {
        let entries = std::fs::read_dir(&self.dir).map_err(io("listing", &self.dir))?;
        let mut records = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io("listing", &self.dir))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            match self.read(&path) {
                Ok(r) => records.push(r),
                Err(e) => tracing::warn!("skipping batch file: {e}"),
            }
        }
        records.sort_by_key(|r| (r.created, r.batch.id));
        Ok(records)
    }

    /// Stores a batch learned from a verified claim; a batch already stored is kept as it is.
    /// Returns the stored record.
    pub fn learn(&self, record: BatchRecord) -> Result<BatchRecord, StampsError> {
        if let Some(existing) = self.get(&record.batch.id)? {
            return Ok(existing);
        }
        self.write(&record)?;
        Ok(record)
    }
}

impl BatchSource for BatchStore {
    fn batch(&self, id: &BatchId) -> Result<Option<Batch>, StampsError> {
        Ok(self.get(id)?.map(|r| r.batch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postage::BatchClaim;

    fn key() -> OverlayKey {
        OverlayKey::from_slice(&[5; 32]).unwrap()
    }

    #[test]
    fn create_get_list_and_reopen() {
        let tmp = tempfile::tempdir().unwrap();
        let store = BatchStore::open(tmp.path()).unwrap();
        let a = store
            .create(
                &key(),
                20,
                1_000_000_000_000_000_000_000,
                true,
                Some("a".into()),
            )
            .unwrap();
        let b = store.create(&key(), 17, 1, false, None).unwrap();
        assert_ne!(a.batch.id, b.batch.id);
        assert_eq!(a.batch.owner, key().eth_address());
        assert_eq!(a.batch.bucket_depth, 16);
        assert_eq!(a.origin, Origin::Local);
        let nonce = a.nonce.unwrap();
        assert_eq!(
            a.batch.id,
            local_batch_id(&a.batch.owner, 20, 16, true, &nonce)
        );
        let reopened = BatchStore::open(tmp.path()).unwrap();
        assert_eq!(reopened.get(&a.batch.id).unwrap(), Some(a.clone()));
        assert_eq!(reopened.get(&[0; 32]).unwrap(), None);
        let list = reopened.list().unwrap();
        assert_eq!(list.len(), 2);
        assert!(list.contains(&a) && list.contains(&b));
        assert!(list[0].created <= list[1].created);
        assert_eq!(reopened.batch(&b.batch.id).unwrap(), Some(b.batch));
    }

    #[test]
    fn refuses_bad_depth_and_amount() {
        let tmp = tempfile::tempdir().unwrap();
        let store = BatchStore::open(tmp.path()).unwrap();
        for depth in [0, 16, 48, 255] {
            assert!(matches!(
                store.create(&key(), depth, 1, true, None),
                Err(StampsError::Depth { depth: d }) if d == depth
            ));
        }
        assert!(store.create(&key(), 47, 1, true, None).is_ok());
        assert!(matches!(
            store.create(&key(), 20, 0, true, None),
            Err(StampsError::Amount)
        ));
    }

    #[test]
    fn damaged_files_name_the_file_and_list_skips_them() {
        let tmp = tempfile::tempdir().unwrap();
        let store = BatchStore::open(tmp.path()).unwrap();
        let good = store.create(&key(), 20, 5, true, None).unwrap();
        let dir = tmp.path().join(BATCHES_DIR);
        let path = dir.join(format!("{}.json", hex::encode(good.batch.id)));
        let text = std::fs::read_to_string(&path).unwrap();
        // A damaged copy under another id, a foreign JSON file, a tampered depth.
        let other = [3u8; 32];
        let other_path = dir.join(format!("{}.json", hex::encode(other)));
        for bad in [
            text[..text.len() / 2].to_string(),
            "{\"hello\": 1}".to_string(),
            text.replace("\"depth\": 20", "\"depth\": 21"),
            "\u{0}\u{1}".to_string(),
        ] {
            std::fs::write(&other_path, &bad).unwrap();
            let e = store.get(&other).unwrap_err();
            assert!(
                matches!(&e, StampsError::Record { path, .. } if *path == other_path),
                "{e}"
            );
            assert!(e.to_string().contains(&hex::encode(other)));
            assert_eq!(store.list().unwrap(), vec![good.clone()]);
        }
        // A tampered record under its own name fails the id check.
        std::fs::write(&path, text.replace("\"depth\": 20", "\"depth\": 21")).unwrap();
        assert!(store.get(&good.batch.id).is_err());
    }

    #[test]
    fn learn_is_idempotent() {
        let tmp = tempfile::tempdir().unwrap();
        let store = BatchStore::open(tmp.path()).unwrap();
        let owner = key().eth_address();
        let claim = BatchClaim {
            depth: 18,
            bucket_depth: 16,
            immutable: false,
            nonce: [8; 32],
        };
        let id = claim.id_for(&owner);
        let batch = claim.batch(&id, owner).unwrap();
        let first = store
            .learn(BatchRecord::learned(batch, claim.nonce))
            .unwrap();
        let mut again = BatchRecord::learned(batch, claim.nonce);
        again.created += 100;
        assert_eq!(store.learn(again).unwrap(), first);
        assert_eq!(store.list().unwrap(), vec![first.clone()]);
        assert_eq!(first.origin, Origin::Learned);
    }
}
