//! Postage stamps as bee makes and checks them (`pkg/postage`).
//!
//! A batch (bought on chain in bee; created locally on a private network) has an id, an owner
//! (an Ethereum address), a depth `d` and a bucket depth of 16: it pays for `2^d` chunks, in
//! `2^16` buckets of `2^(d-16)` slots. A chunk belongs in the bucket named by the first 16 bits
//! of its address. A stamp names the batch, the bucket and slot (the 8-byte index
//! `bucket(u32 BE) || slot(u32 BE)`), a timestamp (bee: Unix nanoseconds, u64 BE), and the owner's
//! signature over `keccak256(chunk address || batch id || index || timestamp)`, signed as every
//! bee signature (Ethereum message prefix, `r || s || v`).
//!
//! On the wire a stamp is 113 bytes: `batch id(32) || index(8) || timestamp(8) || signature(65)`.
//!
//! A storer accepts a stamp ([`Stamp::validate`], bee's `Stamp.Valid`) when a key recovers from
//! its signature, its bucket is the chunk's, its slot is below `2^(depth - 16)`, and the recovered
//! owner is the batch's, checked in that order. Which batches exist, and the ordering rule for
//! mutable batches, are the caller's.
//!
//! # Local batches and claims
//!
//! Without a chain, a batch is created by its owner alone, and a storer cannot look it up. Its id
//! is therefore self-certifying ([`local_batch_id`]): `keccak256("swarmec-local-batch" || owner ||
//! depth || bucket depth || immutable || nonce)`. A storer that receives a stamp of a batch it does
//! not know learns the batch from a [`BatchClaim`] sent beside the chunk (depth, bucket depth,
//! immutable flag, nonce): it recovers the owner from the stamp's signature and recomputes the id
//! ([`BatchClaim::batch`]). Nobody can claim someone else's batch (the owner is the signer) or other
//! parameters for a batch (they are hashed into its id). What a claim cannot say is whether the
//! batch was paid for: on a private network every owner may create batches.
//!
//! Pure: no I/O.

mod claim;
mod signers;

pub use self::claim::{local_batch_id, BatchClaim, LOCAL_BATCH_DOMAIN, MAX_CLAIM_LEN};
pub use self::signers::SignerCache;

use crate::address::Address;
use crate::identity::key::{recover, EthAddress, IdentityError, OverlayKey, Signature};
use crate::keccak::{keccak256, keccak256_concat};

/// Bytes of a marshalled stamp.
pub const STAMP_SIZE: usize = 113;
/// Bytes of a stamp index.
pub const INDEX_SIZE: usize = 8;
/// Bytes of a batch id.
pub const BATCH_ID_SIZE: usize = 32;
/// The bucket depth of every batch bee knows.
pub const BUCKET_DEPTH: u8 = 16;

/// A batch id.
pub type BatchId = [u8; BATCH_ID_SIZE];

/// Why a batch or a stamp was refused. Each variant carries the input it refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostageError {
    /// A marshalled stamp that is not 113 bytes.
    #[error("stamp {stamp} has {len} bytes, want {STAMP_SIZE}")]
    StampSize {
        /// The bytes, hex (shortened).
        stamp: String,
        /// Their length.
        len: usize,
    },
    /// Batch parameters the postage contract would not create.
    #[error("batch {batch}: depth {depth} with bucket depth {bucket_depth} (want 0 < bucket depth < depth, bucket depth <= 32, depth - bucket depth < 32)")]
    BatchDepth {
        /// The batch id, hex.
        batch: String,
        /// Its depth.
        depth: u8,
        /// Its bucket depth.
        bucket_depth: u8,
    },
    /// An index outside the batch (when issuing).
    #[error("stamp index bucket {bucket} slot {slot} is outside batch {batch} of depth {depth}")]
    IndexOutOfRange {
        /// The batch id, hex.
        batch: String,
        /// The batch depth.
        depth: u8,
        /// The bucket.
        bucket: u32,
        /// The slot.
        slot: u32,
    },
    /// No key recovers from the stamp's signature.
    #[error("stamp of batch {batch} on chunk {chunk}: {source}")]
    Signature {
        /// The batch id, hex.
        batch: String,
        /// The chunk address.
        chunk: Address,
        /// Why recovery failed.
        source: IdentityError,
    },
    /// The stamp's bucket is not the chunk's (bee: "bucket mismatch").
    #[error(
        "stamp of batch {batch} names bucket {bucket}, but chunk {chunk} is in bucket {expected}"
    )]
    BucketMismatch {
        /// The batch id, hex.
        batch: String,
        /// The chunk address.
        chunk: Address,
        /// The stamp's bucket.
        bucket: u32,
        /// The chunk's bucket.
        expected: u32,
    },
    /// The stamp's slot is beyond the batch depth (bee: "invalid index").
    #[error("stamp of batch {batch} on chunk {chunk} has slot {slot}, beyond depth {depth} (bucket depth {bucket_depth})")]
    InvalidIndex {
        /// The batch id, hex.
        batch: String,
        /// The chunk address.
        chunk: Address,
        /// The stamp's slot.
        slot: u32,
        /// The batch depth.
        depth: u8,
        /// The batch's bucket depth.
        bucket_depth: u8,
    },
    /// The stamp was signed by someone other than the batch owner (bee: "owner mismatch").
    #[error("stamp of batch {batch} on chunk {chunk} is signed by {signer}, not the batch owner {owner}")]
    OwnerMismatch {
        /// The batch id, hex.
        batch: String,
        /// The chunk address.
        chunk: Address,
        /// Who signed.
        signer: EthAddress,
        /// The batch owner.
        owner: EthAddress,
    },
    /// A batch claim that is not `<depth>,<bucket depth>,<0|1>,<64 hex nonce>`.
    #[error("batch claim {claim:?}: {reason}")]
    ClaimSyntax {
        /// The claim as received (shortened when long).
        claim: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A claim whose parameters and owner do not hash to the batch id it is sent for.
    #[error("batch claim for {batch} by owner {owner} gives batch id {computed}")]
    ClaimMismatch {
        /// The batch id the claim was sent for, hex.
        batch: String,
        /// The owner recovered from the stamp.
        owner: EthAddress,
        /// The id the claim's parameters give, hex.
        computed: String,
    },
    /// The stamp is of another batch than the one it is checked against.
    #[error("stamp of batch {stamp_batch} checked against batch {batch}")]
    BatchMismatch {
        /// The stamp's batch id, hex.
        stamp_batch: String,
        /// The batch's id, hex.
        batch: String,
    },
}

/// The collision bucket of a chunk address: its first `bucket_depth` bits (bee's `toBucket`).
/// Bucket depth 0 gives bucket 0; more than 32 is taken as 32.
pub fn bucket_of(bucket_depth: u8, chunk: &Address) -> u32 {
    let prefix = u32::from_be_bytes([chunk.0[0], chunk.0[1], chunk.0[2], chunk.0[3]]);
    prefix
        .checked_shr(32 - u32::from(bucket_depth.min(32)))
        .unwrap_or(0)
}

/// The digest a batch owner signs for a stamp (bee's `postage.ToSignDigest`):
/// `keccak256(chunk address || batch id || index || timestamp)`.
pub fn sign_digest(
    chunk: &Address,
    batch_id: &BatchId,
    index: &[u8; INDEX_SIZE],
    timestamp: &[u8; 8],
) -> [u8; 32] {
    keccak256_concat(&[&chunk.0, batch_id, index, timestamp])
}

/// Where a stamp sits in its batch: a bucket and a slot in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StampIndex {
    /// The collision bucket (the chunk's first 16 address bits).
    pub bucket: u32,
    /// The slot within the bucket.
    pub slot: u32,
}

impl StampIndex {
    /// `bucket(u32 BE) || slot(u32 BE)`.
    pub fn to_bytes(&self) -> [u8; INDEX_SIZE] {
        let mut out = [0u8; INDEX_SIZE];
        out[..4].copy_from_slice(&self.bucket.to_be_bytes());
        out[4..].copy_from_slice(&self.slot.to_be_bytes());
        out
    }

    /// Reads `bucket(u32 BE) || slot(u32 BE)`.
    pub fn from_bytes(bytes: &[u8; INDEX_SIZE]) -> StampIndex {
        let v = u64::from_be_bytes(*bytes);
        StampIndex {
            bucket: (v >> 32) as u32,
            slot: v as u32,
        }
    }
}

/// Whether `slot` lies within a batch of `depth`, with the arithmetic of bee's
/// `index >= 1<<int(depth-bucketDepth)`: the depth difference wraps as a byte and the shifted 1 is
/// a u32, so a difference of 32 or more (or a depth below the bucket depth) leaves no valid slot.
fn slot_in_depth(slot: u32, depth: u8, bucket_depth: u8) -> bool {
    let shift = depth.wrapping_sub(bucket_depth);
    slot < 1u32.checked_shl(u32::from(shift)).unwrap_or(0)
}

/// A postage batch as a storer needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// The batch id.
    pub id: BatchId,
    /// The owner, who signs its stamps.
    pub owner: EthAddress,
    /// The depth: the batch pays for `2^depth` chunks.
    pub depth: u8,
    /// The bucket depth (16 for every batch bee knows).
    pub bucket_depth: u8,
    /// Whether a full bucket refuses new stamps (immutable) or wraps round to slot 0 (mutable).
    pub immutable: bool,
}

impl Batch {
    /// A batch with bucket depth 16; refuses a depth of 16 or less, as the postage contract does.
    pub fn new(
        id: BatchId,
        owner: EthAddress,
        depth: u8,
        immutable: bool,
    ) -> Result<Batch, PostageError> {
        Batch::with_bucket_depth(id, owner, depth, BUCKET_DEPTH, immutable)
    }

    /// A batch with another bucket depth (tests, other networks): `0 < bucket_depth < depth`,
    /// `bucket_depth <= 32`, and `depth - bucket_depth < 32` (bee takes no stamp of a deeper one).
    pub fn with_bucket_depth(
        id: BatchId,
        owner: EthAddress,
        depth: u8,
        bucket_depth: u8,
        immutable: bool,
    ) -> Result<Batch, PostageError> {
        if bucket_depth == 0
            || bucket_depth >= depth
            || bucket_depth > 32
            || depth - bucket_depth >= 32
        {
            return Err(PostageError::BatchDepth {
                batch: hex::encode(id),
                depth,
                bucket_depth,
            });
        }
        Ok(Batch {
            id,
            owner,
            depth,
            bucket_depth,
            immutable,
        })
    }

    /// Slots in each bucket: `2^(depth - bucket_depth)` (0 for parameters bee takes no stamp of).
    pub fn slots_per_bucket(&self) -> u64 {
        let shift = self.depth.wrapping_sub(self.bucket_depth);
        u64::from(1u32.checked_shl(u32::from(shift)).unwrap_or(0))
    }

    /// The bucket a chunk belongs in.
    pub fn bucket_of(&self, chunk: &Address) -> u32 {
        bucket_of(self.bucket_depth, chunk)
    }
}

/// A postage stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The batch that pays for the chunk.
    pub batch_id: BatchId,
    /// `bucket || slot` ([`StampIndex`]).
    pub index: [u8; INDEX_SIZE],
    /// When it was issued (bee: Unix nanoseconds), u64 big-endian.
    pub timestamp: [u8; 8],
    /// The batch owner's signature over [`sign_digest`].
    pub signature: Signature,
}

impl Stamp {
    /// Signs a stamp for `chunk` as bee's stamper does once its issuer has picked the index and
    /// the timestamp. Refuses an index outside the batch or a bucket that is not the chunk's.
    pub fn sign(
        key: &OverlayKey,
        batch: &Batch,
        chunk: &Address,
        index: StampIndex,
        timestamp: u64,
    ) -> Result<Stamp, PostageError> {
        let expected = batch.bucket_of(chunk);
        if index.bucket != expected {
            return Err(PostageError::BucketMismatch {
                batch: hex::encode(batch.id),
                chunk: *chunk,
                bucket: index.bucket,
                expected,
            });
        }
        if u64::from(index.slot) >= batch.slots_per_bucket() {
            return Err(PostageError::IndexOutOfRange {
                batch: hex::encode(batch.id),
                depth: batch.depth,
                bucket: index.bucket,
                slot: index.slot,
            });
        }
        Stamp::sign_unchecked(
            key,
            &batch.id,
            chunk,
            index.to_bytes(),
            timestamp.to_be_bytes(),
        )
    }

    /// Signs whatever it is given, without checking the index against a batch (test vectors,
    /// deliberately bad stamps).
    pub fn sign_unchecked(
        key: &OverlayKey,
        batch_id: &BatchId,
        chunk: &Address,
        index: [u8; INDEX_SIZE],
        timestamp: [u8; 8],
    ) -> Result<Stamp, PostageError> {
        let digest = sign_digest(chunk, batch_id, &index, &timestamp);
        let signature = key
            .sign(&digest)
            .map_err(|source| PostageError::Signature {
                batch: hex::encode(batch_id),
                chunk: *chunk,
                source,
            })?;
        Ok(Stamp {
            batch_id: *batch_id,
            index,
            timestamp,
            signature,
        })
    }

    /// The 113-byte form bee sends and stores (`Stamp.MarshalBinary`).
    pub fn to_bytes(&self) -> [u8; STAMP_SIZE] {
        let mut out = [0u8; STAMP_SIZE];
        out[..32].copy_from_slice(&self.batch_id);
        out[32..40].copy_from_slice(&self.index);
        out[40..48].copy_from_slice(&self.timestamp);
        out[48..].copy_from_slice(&self.signature.0);
        out
    }

    /// Reads the 113-byte form; refuses any other length (bee's `Stamp.UnmarshalBinary`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Stamp, PostageError> {
        let array: &[u8; STAMP_SIZE] = bytes.try_into().map_err(|_| PostageError::StampSize {
            stamp: crate::identity::key::hex_short(bytes),
            len: bytes.len(),
        })?;
        let mut stamp = Stamp {
            batch_id: [0; 32],
            index: [0; 8],
            timestamp: [0; 8],
            signature: Signature([0; 65]),
        };
        stamp.batch_id.copy_from_slice(&array[..32]);
        stamp.index.copy_from_slice(&array[32..40]);
        stamp.timestamp.copy_from_slice(&array[40..48]);
        stamp.signature.0.copy_from_slice(&array[48..]);
        Ok(stamp)
    }

    /// keccak256 of the 113-byte form (bee's `Stamp.Hash`, the stamp hash of pull sync).
    pub fn hash(&self) -> [u8; 32] {
        keccak256(&self.to_bytes())
    }

    /// The bucket and slot.
    pub fn stamp_index(&self) -> StampIndex {
        StampIndex::from_bytes(&self.index)
    }

    /// The timestamp as a number.
    pub fn timestamp_u64(&self) -> u64 {
        u64::from_be_bytes(self.timestamp)
    }

    /// The digest the owner signed for `chunk`.
    pub fn digest(&self, chunk: &Address) -> [u8; 32] {
        sign_digest(chunk, &self.batch_id, &self.index, &self.timestamp)
    }

    /// The Ethereum address that signed this stamp for `chunk` (bee's `RecoverBatchOwner`).
    pub fn recover_owner(&self, chunk: &Address) -> Result<EthAddress, PostageError> {
        recover(&self.signature.0, &self.digest(chunk))
            .map(|key| key.eth_address())
            .map_err(|source| PostageError::Signature {
                batch: hex::encode(self.batch_id),
                chunk: *chunk,
                source,
            })
    }

    /// bee's `Stamp.Valid`: the signature recovers a key, the bucket is the chunk's, the slot is
    /// within `depth`, and the signer is `owner`, checked in that order. (`immutable` does not
    /// change validity; bee passes it along for the reserve.)
    pub fn validate(
        &self,
        chunk: &Address,
        owner: &EthAddress,
        depth: u8,
        bucket_depth: u8,
    ) -> Result<(), PostageError> {
        let signer = self.recover_owner(chunk)?;
        self.check_signed(chunk, signer, owner, depth, bucket_depth)
    }

    /// [`Stamp::validate`] after the recovery: `signer` is what the signature recovers for `chunk`.
    fn check_signed(
        &self,
        chunk: &Address,
        signer: EthAddress,
        owner: &EthAddress,
        depth: u8,
        bucket_depth: u8,
    ) -> Result<(), PostageError> {
        let StampIndex { bucket, slot } = self.stamp_index();
        let expected = bucket_of(bucket_depth, chunk);
        if bucket != expected {
            return Err(PostageError::BucketMismatch {
                batch: hex::encode(self.batch_id),
                chunk: *chunk,
                bucket,
                expected,
            });
        }
        if !slot_in_depth(slot, depth, bucket_depth) {
            return Err(PostageError::InvalidIndex {
                batch: hex::encode(self.batch_id),
                chunk: *chunk,
                slot,
                depth,
                bucket_depth,
            });
        }
        if signer != *owner {
            return Err(PostageError::OwnerMismatch {
                batch: hex::encode(self.batch_id),
                chunk: *chunk,
                signer,
                owner: *owner,
            });
        }
        Ok(())
    }

    /// [`Stamp::validate`] against a known batch, which must be the stamp's.
    pub fn validate_for(&self, chunk: &Address, batch: &Batch) -> Result<(), PostageError> {
        self.same_batch(batch)?;
        self.validate(chunk, &batch.owner, batch.depth, batch.bucket_depth)
    }

    /// [`Stamp::validate_for`], the signer taken from `cache` when this chunk and these stamp
    /// bytes were recovered lately: the same outcome, without a second recovery.
    pub fn validate_cached(
        &self,
        chunk: &Address,
        batch: &Batch,
        cache: &SignerCache,
    ) -> Result<(), PostageError> {
        self.same_batch(batch)?;
        let signer = cache.recover_owner(self, chunk)?;
        self.check_signed(chunk, signer, &batch.owner, batch.depth, batch.bucket_depth)
    }

    fn same_batch(&self, batch: &Batch) -> Result<(), PostageError> {
        if self.batch_id != batch.id {
            return Err(PostageError::BatchMismatch {
                stamp_batch: hex::encode(self.batch_id),
                batch: hex::encode(batch.id),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_slots_follow_go_arithmetic() {
        let mut a = Address([0u8; 32]);
        a.0[..4].copy_from_slice(&[0xab, 0xcd, 0xef, 0x12]);
        assert_eq!(bucket_of(16, &a), 0xabcd);
        assert_eq!(bucket_of(0, &a), 0);
        assert_eq!(bucket_of(32, &a), 0xabcd_ef12);
        assert_eq!(bucket_of(8, &a), 0xab);
        assert!(slot_in_depth(0, 16, 16));
        assert!(!slot_in_depth(1, 16, 16));
        assert!(slot_in_depth(15, 20, 16));
        assert!(!slot_in_depth(16, 20, 16));
        assert!(slot_in_depth((1 << 31) - 1, 47, 16));
        assert!(!slot_in_depth(1 << 31, 47, 16));
        assert!(!slot_in_depth(0, 48, 16));
        // depth below bucket depth wraps to a huge shift: nothing is valid
        assert!(!slot_in_depth(0, 15, 16));
        assert!(!slot_in_depth(0, 80, 16));
        let i = StampIndex { bucket: 7, slot: 9 };
        assert_eq!(StampIndex::from_bytes(&i.to_bytes()), i);
    }
}
