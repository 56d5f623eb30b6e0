//! Postage on disk, for a network without a chain: the batches this node created or learned
//! ([`BatchStore`]), a crash-safe stamp issuer per batch ([`Issuer`], [`Issuers`]), and the storer's
//! ledger of which chunk holds which stamp slot ([`StampLedger`]).
//!
//! The stamp arithmetic, signatures and the self-certifying local batch ids are in
//! [`crate::postage`] (pure); this module adds files, fsyncs and redb. Every call blocks on disk:
//! an async caller runs them on `spawn_blocking`. `docs/POSTAGE.md` describes the formats.
//!
//! Not built: reading batches from bee's postage contract (another [`BatchSource`]), expiry and
//! TTL, top-up and dilution.

mod batches;
mod issuer;
mod ledger;
mod node;

use std::path::{Path, PathBuf};

pub use self::batches::{BatchRecord, BatchSource, BatchStore, Origin, MAX_DEPTH, MIN_DEPTH};
pub use self::issuer::{Issuer, Issuers, LEASE_SLOTS};
pub use self::ledger::{Admission, StampLedger, LEDGER_FILE};
pub use self::node::{BatchStamper, NodeStamps, PresignedStamper};

use crate::address::Address;
use crate::identity::key::EthAddress;
use crate::postage::PostageError;

/// Why a batch, an issuer or the ledger failed. Each variant names the batch, chunk or file.
#[derive(Debug, thiserror::Error)]
pub enum StampsError {
    /// Reading, writing or syncing a file failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done ("reading", "writing", "syncing", ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A batch file that is damaged or not a batch record.
    #[error("batch file {path} is not a batch record: {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An issuer log that is not the log of this batch.
    #[error("issuer log {path} at byte {offset}: {message}")]
    IssuerLog {
        /// The file.
        path: PathBuf,
        /// Where it goes wrong.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// A depth a batch cannot have here.
    #[error(
        "batch depth {depth}: want {MIN_DEPTH}..={MAX_DEPTH} (2^depth chunks in 2^16 buckets)"
    )]
    Depth {
        /// The depth asked for.
        depth: u8,
    },
    /// A batch bought for nothing.
    #[error("batch amount must be above 0")]
    Amount,
    /// The operating system's random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// An immutable batch has no free slot left in the chunk's bucket (bee: "bucket full").
    #[error("bucket {bucket} of immutable batch {batch} is full")]
    BucketFull {
        /// The batch id, hex.
        batch: String,
        /// The bucket.
        bucket: u32,
    },
    /// The key asked to sign is not the batch owner's.
    #[error("batch {batch} belongs to {owner}, not to the signing key {key}")]
    NotOwner {
        /// The batch id, hex.
        batch: String,
        /// The batch owner.
        owner: EthAddress,
        /// The key's address.
        key: EthAddress,
    },
    /// An issuer that failed to write its log; it issues nothing more until reopened.
    #[error("issuer of batch {batch} stopped after a failed write to {path}; reopen it")]
    IssuerFailed {
        /// The batch id, hex.
        batch: String,
        /// The log.
        path: PathBuf,
    },
    /// Another issuer of the batch is open (in this process or another).
    #[error("the issuer of batch {batch} is in use (lock {path} is held)")]
    IssuerBusy {
        /// The batch id, hex.
        batch: String,
        /// The lock file.
        path: PathBuf,
    },
    /// Issuers were asked for a batch with the id of an open issuer but other parameters.
    #[error("batch {batch} is open with other parameters")]
    BatchChanged {
        /// The batch id, hex.
        batch: String,
    },
    /// An immutable batch's slot is held by another chunk.
    #[error("slot {slot} of bucket {bucket} of immutable batch {batch} holds chunk {holder}, not {chunk}")]
    IndexTaken {
        /// The batch id, hex.
        batch: String,
        /// The bucket.
        bucket: u32,
        /// The slot.
        slot: u32,
        /// The chunk refused.
        chunk: Address,
        /// The chunk holding the slot.
        holder: Address,
    },
    /// A mutable batch's slot is held with a stamp as new as or newer than this one (bee:
    /// "overwriting chunk with newer timestamp").
    #[error("overwriting chunk with newer timestamp: slot {slot} of bucket {bucket} of batch {batch} holds chunk {holder} stamped at {held}, chunk {chunk} is stamped at {timestamp}")]
    OlderStamp {
        /// The batch id, hex.
        batch: String,
        /// The bucket.
        bucket: u32,
        /// The slot.
        slot: u32,
        /// The chunk refused.
        chunk: Address,
        /// Its stamp's timestamp.
        timestamp: u64,
        /// The chunk holding the slot.
        holder: Address,
        /// The holder's stamp's timestamp.
        held: u64,
    },
    /// The ledger database failed.
    #[error("stamp ledger {op}: {message}")]
    Ledger {
        /// The operation.
        op: &'static str,
        /// redb's error.
        message: String,
    },
    /// A stamp or batch refused by the postage rules.
    #[error(transparent)]
    Postage(#[from] PostageError),
    /// A batch this node does not know (bee: "batch with id not found").
    #[error("batch {batch} not found")]
    UnknownBatch {
        /// The batch id, hex.
        batch: String,
    },
    /// A batch this node knows but cannot stamp with: another owner's (bee: "batch not usable").
    #[error("batch {batch} is not usable here: it is not this node's own")]
    NotUsable {
        /// The batch id, hex.
        batch: String,
    },
    /// An immutable batch whose fullest bucket has no slot left (bee: "batch is overissued").
    #[error("batch {batch} is full: a bucket holds all {slots} of its slots")]
    BatchFull {
        /// The batch id, hex.
        batch: String,
        /// Slots per bucket.
        slots: u64,
    },
}

/// An I/O error constructor naming `op` and `path`.
fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StampsError + 'a {
    move |source| StampsError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically and durably: a temporary file beside it, fsync, rename,
/// fsync of the directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StampsError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp).map_err(io("creating", &tmp))?;
        f.write_all(bytes).map_err(io("writing", &tmp))?;
        f.sync_all().map_err(io("syncing", &tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io("renaming", &tmp))?;
    sync_dir(dir)
}

/// fsyncs a directory so that a rename or a new file in it survives a power cut.
fn sync_dir(dir: &Path) -> Result<(), StampsError> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("syncing", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Now, in Unix nanoseconds (0 before 1970, saturating far in the future).
fn unix_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Now, in Unix seconds.
fn unix_seconds() -> u64 {
    unix_nanos() / 1_000_000_000
}

/// A batch with what its issuer says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStatus {
    /// The stored record.
    pub record: BatchRecord,
    /// bee's utilization: the most slots used in any bucket (0 for a batch this node does not
    /// issue for).
    pub utilization: u32,
    /// Whether this node can stamp with it: its own batch, signed by its overlay key.
    pub usable: bool,
}

/// A node's postage: its batches, their issuers and the key that owns its batches. What the CLI
/// and the HTTP API share.
#[derive(Debug)]
pub struct Postage {
    /// The batches.
    pub batches: BatchStore,
    /// The issuers of this node's own batches.
    pub issuers: Issuers,
    key: crate::identity::OverlayKey,
    data_dir: PathBuf,
}

impl Postage {
    /// The postage of `data_dir`, whose batches `key` (the overlay key) owns.
    pub fn open(data_dir: &Path, key: crate::identity::OverlayKey) -> Result<Postage, StampsError> {
        Ok(Postage {
            batches: BatchStore::open(data_dir)?,
            issuers: Issuers::new(data_dir),
            key,
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// The key that owns and signs this node's batches.
    pub fn key(&self) -> &crate::identity::OverlayKey {
        &self.key
    }

    /// Creates a batch owned by this node (see [`BatchStore::create`]).
    pub fn create(
        &self,
        depth: u8,
        amount: u128,
        immutable: bool,
        label: Option<String>,
    ) -> Result<BatchRecord, StampsError> {
        self.batches
            .create(&self.key, depth, amount, immutable, label)
    }

    fn is_own(&self, record: &BatchRecord) -> bool {
        record.origin == Origin::Local && record.batch.owner == self.key.eth_address()
    }

    /// The status of a stored batch; opens the issuer of an own batch (creating its log), or reads
    /// its log when another process has it open.
    pub fn status(&self, record: BatchRecord) -> Result<BatchStatus, StampsError> {
        if !self.is_own(&record) {
            return Ok(BatchStatus {
                record,
                utilization: 0,
                usable: false,
            });
        }
        // The issuer of a batch another process (a running node) issues for is busy: read its log.
        let utilization = match self.issuers.get(&record.batch) {
            Ok(issuer) => issuer.utilization(),
            Err(StampsError::IssuerBusy { .. }) => {
                Issuer::peek_utilization(&self.data_dir, &record.batch)?
            }
            Err(e) => return Err(e),
        };
        Ok(BatchStatus {
            record,
            utilization,
            usable: true,
        })
    }

    /// One of this node's own batches, if stored.
    pub fn own_batch(
        &self,
        id: &crate::postage::BatchId,
    ) -> Result<Option<BatchStatus>, StampsError> {
        match self.batches.get(id)? {
            Some(r) if self.is_own(&r) => self.status(r).map(Some),
            _ => Ok(None),
        }
    }

    /// This node's own batches (created here with its key), oldest first.
    pub fn own_batches(&self) -> Result<Vec<BatchStatus>, StampsError> {
        self.batches
            .list()?
            .into_iter()
            .filter(|r| self.is_own(r))
            .map(|r| self.status(r))
            .collect()
    }
}
