//! Postage for the network: what a node checks deliveries with ([`NodeStamps`], the node's
//! [`StampCheck`]) and what an uploader stamps with ([`BatchStamper`], a [`Stamper`]).
//!
//! The rule by which a storer learns the batches it must accept (a network without a chain): a
//! stamp of a batch it knows is checked against that batch; a stamp of a batch it does not know
//! is accepted only beside a batch claim ([`crate::postage::BatchClaim`], sent in pushsync's
//! `swarmec-batch-claim` header) from which, with the owner recovered from the stamp's signature,
//! the batch id recomputes exactly. The batch is then recorded as learned. A batch without a claim
//! that the node does not know is refused ("batch not found"). bee's nodes read batches from the
//! chain instead; a chain reader would be another [`super::BatchSource`].

use std::sync::Arc;

use std::collections::HashMap;
use std::sync::Mutex;

use super::{BatchRecord, Issuer, Postage, StampLedger, StampsError};
use crate::address::Address;
use crate::identity::OverlayKey;
use crate::net::pushsync::{StampCheck, StampFailure, Stamper};
use crate::postage::{Batch, BatchClaim, BatchId, Stamp};

/// Most batches a node keeps in memory (a batch never changes once made; more are read again).
const MAX_CACHED_BATCHES: usize = 1024;

/// A node's stamp check: its batch store and its stamp ledger.
pub struct NodeStamps {
    postage: Arc<Postage>,
    ledger: StampLedger,
    known: Mutex<HashMap<BatchId, Batch>>,
}

impl NodeStamps {
    /// The check over `postage`'s batches and `ledger`.
    pub fn new(postage: Arc<Postage>, ledger: StampLedger) -> NodeStamps {
        NodeStamps {
            postage,
            ledger,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The check over the batches and ledger of `data_dir`, whose own batches `key` owns.
    pub fn open(data_dir: &std::path::Path, key: OverlayKey) -> Result<NodeStamps, StampsError> {
        let postage = Arc::new(Postage::open(data_dir, key)?);
        Ok(NodeStamps::new(postage, StampLedger::open(data_dir)?))
    }

    /// The batch of a stamp: known, or learned from the claim.
    fn batch_for(
        &self,
        chunk: &Address,
        stamp: &Stamp,
        claim: Option<&str>,
    ) -> Result<Batch, String> {
        let id = stamp.batch_id;
        let cached = self.known().get(&id).copied();
        if let Some(batch) = cached {
            return Ok(batch);
        }
        // Looked up without the lock: reading a batch file or checking a claim must not hold up
        // the admissions of batches already known.
        let batch = self.lookup(chunk, stamp, claim)?;
        let mut known = self.known();
        if known.len() >= MAX_CACHED_BATCHES {
            known.clear();
        }
        known.insert(id, batch);
        Ok(batch)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<BatchId, Batch>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lookup(&self, chunk: &Address, stamp: &Stamp, claim: Option<&str>) -> Result<Batch, String> {
        let batches = &self.postage.batches;
        if let Some(record) = batches.get(&stamp.batch_id).map_err(|e| e.to_string())? {
            return Ok(record.batch);
        }
        let Some(claim) = claim else {
            return Err(format!("batch {} not found", hex::encode(stamp.batch_id)));
        };
        let claim = BatchClaim::parse(claim).map_err(|e| e.to_string())?;
        let owner = self
            .ledger
            .recover_owner(chunk, stamp)
            .map_err(|e| e.to_string())?;
        let batch = claim
            .batch(&stamp.batch_id, owner)
            .map_err(|e| e.to_string())?;
        let record = batches
            .learn(BatchRecord::learned(batch, claim.nonce))
            .map_err(|e| e.to_string())?;
        tracing::info!(batch = %hex::encode(batch.id), owner = %owner, depth = batch.depth, "batch learned from a claim");
        Ok(record.batch)
    }
}

impl StampCheck for NodeStamps {
    fn admit(&self, chunk: &Address, stamp: &Stamp, claim: Option<&str>) -> Result<(), String> {
        let batch = self.batch_for(chunk, stamp, claim)?;
        self.ledger
            .admit(chunk, stamp, &batch)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn admit_many(&self, items: &[(Address, Stamp, Option<&str>)]) -> Vec<Result<(), String>> {
        let batches: Vec<Result<Batch, String>> = items
            .iter()
            .map(|(chunk, stamp, claim)| self.batch_for(chunk, stamp, *claim))
            .collect();
        let known: Vec<(Address, Stamp, Batch)> = items
            .iter()
            .zip(&batches)
            .filter_map(|((chunk, stamp, _), b)| Some((*chunk, *stamp, *b.as_ref().ok()?)))
            .collect();
        let mut admitted = match self.ledger.admit_many(&known) {
            Ok(answers) => answers
                .into_iter()
                .map(|a| a.map(|_| ()).map_err(|e| e.to_string()))
                .collect::<Vec<_>>(),
            Err(e) => vec![Err(e.to_string()); known.len()],
        }
        .into_iter();
        batches
            .into_iter()
            .map(|b| match b {
                Err(e) => Err(e),
                Ok(_) => admitted
                    .next()
                    .unwrap_or_else(|| Err("no admission".into())),
            })
            .collect()
    }

    fn sync(&self) -> Result<(), String> {
        self.ledger.sync().map_err(|e| e.to_string())
    }

    fn claim_of(&self, batch: &[u8; 32]) -> Option<String> {
        let record = self.postage.batches.get(batch).ok()??;
        let claim = BatchClaim {
            depth: record.batch.depth,
            bucket_depth: record.batch.bucket_depth,
            immutable: record.batch.immutable,
            nonce: record.nonce?,
        };
        // Only a claim that certifies the batch is worth sending.
        (claim.id_for(&record.batch.owner) == *batch).then(|| claim.to_header())
    }
}

/// Stamps from one of this node's own batches.
pub struct BatchStamper {
    issuer: Arc<Issuer>,
    key: OverlayKey,
    claim: Option<String>,
}

impl BatchStamper {
    /// A stamper for batch `id` of `postage`: the batch must exist, be this key's own, and not be
    /// full (an immutable batch whose fullest bucket has no slot left).
    pub fn new(postage: &Postage, id: &BatchId) -> Result<BatchStamper, StampsError> {
        let batch_hex = hex::encode(id);
        let Some(status) = postage.own_batch(id)? else {
            return Err(match postage.batches.get(id)? {
                None => StampsError::UnknownBatch { batch: batch_hex },
                Some(_) => StampsError::NotUsable { batch: batch_hex },
            });
        };
        let record = status.record;
        let batch = record.batch;
        let slots = batch.slots_per_bucket();
        if batch.immutable && u64::from(status.utilization) >= slots {
            return Err(StampsError::BatchFull {
                batch: batch_hex,
                slots,
            });
        }
        let claim = record.nonce.map(|nonce| {
            BatchClaim {
                depth: batch.depth,
                bucket_depth: batch.bucket_depth,
                immutable: batch.immutable,
                nonce,
            }
            .to_header()
        });
        Ok(BatchStamper {
            issuer: postage.issuers.get(&batch)?,
            key: postage.key().clone(),
            claim,
        })
    }
}

impl Stamper for BatchStamper {
    fn stamp(&self, chunks: &[Address]) -> Result<Vec<Stamp>, StampFailure> {
        self.issuer
            .issue_many(&self.key, chunks)
            .map_err(|e| match e {
                StampsError::BucketFull { .. } => StampFailure::Full(e.to_string()),
                e => StampFailure::Failed(e.to_string()),
            })
    }

    fn claim(&self) -> Option<String> {
        self.claim.clone()
    }
}

/// The one stamp a client signed for the one chunk it uploads (`/chunks` with
/// `Swarm-Postage-Stamp`); the storers check it.
pub struct PresignedStamper(pub Stamp);

impl Stamper for PresignedStamper {
    fn stamp(&self, chunks: &[Address]) -> Result<Vec<Stamp>, StampFailure> {
        Ok(vec![self.0; chunks.len()])
    }

    fn claim(&self) -> Option<String> {
        None
    }
}
