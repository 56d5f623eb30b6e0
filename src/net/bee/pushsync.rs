//! Pushsync 1.3.1: `Delivery{address, data, stamp}` → `Receipt{address, signature, nonce, err,
//! storage_radius}` on one stream.
//!
//! The pusher opens the stream, exchanges headers, writes the delivery and reads one receipt (bee:
//! 30 s). A storer signs the chunk address with its overlay key (bee's `signer.Sign`, the Ethereum
//! message prefix over the 32 bytes) and sends its overlay nonce and storage radius, so that the
//! origin can recompute the storer's overlay from the signature and refuse a *shallow* receipt
//! ([`check_receipt`], bee's `checkReceipt`). Any failure is a receipt whose `err` says why.
//!
//! Two headers of ours ride on the headers exchange that opens the stream; bee reads headers it
//! does not know and ignores them, so a bee peer sees a plain delivery:
//! - [`BATCH_CLAIM_HEADER`]: the batch claim of a batch made on a network without a chain, from
//!   which a storer that does not know the batch learns it (see `crate::postage::BatchClaim`).
//! - [`REPLICATE_HEADER`]: a copy sent by a storer to its neighbours; the receiver stores it if it
//!   may and does not pass it on.

use std::time::Duration;

use futures::{AsyncRead, AsyncWrite};

use super::pb::headers::{Header, Headers};
use super::pb::pushsync::{Delivery, Receipt};
use super::wire::{self, WireError};
use crate::address::{Address, ADDRESS_LEN};
use crate::identity::key::{recover, Nonce, OverlayKey, NONCE_SIZE};
use crate::postage::{PostageError, Stamp, STAMP_SIZE};
use crate::soc::SOC_MAX_SIZE;

/// Largest delivery read: a single-owner chunk and a stamp, with room for the message's fields.
pub const MAX_DELIVERY: usize = SOC_MAX_SIZE + STAMP_SIZE + 64;
/// Largest receipt read: a signature, a nonce and an error text of bee's length, with room.
pub const MAX_RECEIPT: usize = 4096;
/// The header carrying a batch claim (ours; bee ignores it).
pub const BATCH_CLAIM_HEADER: &str = "swarmec-batch-claim";
/// The header marking a storer's copy to a neighbour (ours; bee ignores it).
pub const REPLICATE_HEADER: &str = "swarmec-replicate";
/// Longest batch claim header value read.
pub const MAX_CLAIM_LEN: usize = 256;
/// How much of a peer's error text is kept.
const MAX_ERROR_KEPT: usize = 512;

/// Why a push failed, naming the chunk.
#[derive(Debug, thiserror::Error)]
pub enum PushsyncError {
    /// Reading or writing failed.
    #[error("push of {chunk}: {source}")]
    Wire {
        /// The chunk.
        chunk: Address,
        /// The error.
        source: WireError,
    },
    /// The peer answered with an error.
    #[error("push of {chunk}: peer answered {message:?}")]
    Peer {
        /// The chunk.
        chunk: Address,
        /// What it said.
        message: String,
    },
    /// The receipt is for another chunk.
    #[error("push of {chunk}: receipt is for {receipt}")]
    WrongAddress {
        /// The chunk.
        chunk: Address,
        /// What the receipt named, hex.
        receipt: String,
    },
    /// The receipt's signature or nonce is malformed or recovers no key.
    #[error("push of {chunk}: bad receipt: {reason}")]
    BadReceipt {
        /// The chunk.
        chunk: Address,
        /// Why.
        reason: String,
    },
    /// The receipt comes from a node too far from the chunk to keep it (bee's
    /// `ErrShallowReceipt`).
    #[error("push of {chunk}: shallow receipt from {storer} (proximity {proximity}, storer radius {storer_radius}, ours {own_radius})")]
    Shallow {
        /// The chunk.
        chunk: Address,
        /// The storer's overlay.
        storer: Address,
        /// Proximity of chunk and storer.
        proximity: u8,
        /// The radius the storer reported.
        storer_radius: u8,
        /// Our radius.
        own_radius: u8,
    },
    /// The delivery is malformed: an address that is not 32 bytes, a stamp that is not 113.
    #[error("delivery of {chunk}: {reason}")]
    BadDelivery {
        /// The chunk named (hex; may be malformed).
        chunk: String,
        /// Why.
        reason: String,
    },
    /// No stream to the peer could be opened.
    #[error("push of {chunk}: {message}")]
    Unreachable {
        /// The chunk.
        chunk: Address,
        /// Why.
        message: String,
    },
}

/// A chunk to push, with its stamp and our headers.
#[derive(Debug, Clone)]
pub struct Push {
    /// The chunk address.
    pub chunk: Address,
    /// Span and payload.
    pub data: Vec<u8>,
    /// Its stamp.
    pub stamp: Stamp,
    /// The batch claim sent beside it, if any ([`BATCH_CLAIM_HEADER`]).
    pub claim: Option<String>,
    /// Whether this is a storer's copy to a neighbour ([`REPLICATE_HEADER`]).
    pub replicate: bool,
}

/// A delivery as a storer reads it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The chunk address.
    pub chunk: Address,
    /// Span and payload (not yet checked against the address).
    pub data: Vec<u8>,
    /// Its stamp (parsed, not yet validated).
    pub stamp: Stamp,
    /// The batch claim header, if sent.
    pub claim: Option<String>,
    /// Whether the replicate header was sent.
    pub replicate: bool,
}

/// A receipt as checked by the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReceipt {
    /// The storer's overlay, recovered from the signature and nonce.
    pub storer: Address,
    /// The storer's storage radius.
    pub storage_radius: u8,
}

fn headers_of(push: &Push) -> Headers {
    let mut headers = Vec::new();
    if let Some(claim) = &push.claim {
        headers.push(Header {
            key: BATCH_CLAIM_HEADER.into(),
            value: claim.as_bytes().to_vec(),
        });
    }
    if push.replicate {
        headers.push(Header {
            key: REPLICATE_HEADER.into(),
            value: b"1".to_vec(),
        });
    }
    Headers { headers }
}

/// Pushes a chunk on an opened pushsync stream and returns the receipt, checked only for its
/// address and error (the origin then applies [`check_receipt`]).
pub async fn push<S>(
    stream: &mut S,
    push: &Push,
    timeout: Duration,
) -> Result<Receipt, PushsyncError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let chunk = push.chunk;
    let wire_err = |source| PushsyncError::Wire { chunk, source };
    wire::open_headers_with(stream, &headers_of(push), timeout)
        .await
        .map_err(wire_err)?;
    let delivery = Delivery {
        address: chunk.0.to_vec(),
        data: push.data.clone(),
        stamp: push.stamp.to_bytes().to_vec(),
    };
    wire::write(stream, &delivery, timeout)
        .await
        .map_err(wire_err)?;
    let receipt: Receipt = wire::read(stream, MAX_RECEIPT, timeout)
        .await
        .map_err(wire_err)?;
    let _ = wire::close(stream).await;
    if !receipt.err.is_empty() {
        return Err(PushsyncError::Peer {
            chunk,
            message: receipt.err.chars().take(MAX_ERROR_KEPT).collect(),
        });
    }
    if receipt.address != chunk.0 {
        return Err(PushsyncError::WrongAddress {
            chunk,
            receipt: hex::encode(&receipt.address),
        });
    }
    Ok(receipt)
}

/// Reads a delivery on an accepted pushsync stream.
pub async fn read_delivery<S>(stream: &mut S, timeout: Duration) -> Result<Incoming, PushsyncError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let unknown = Address([0; ADDRESS_LEN]);
    let wire_err = |source| PushsyncError::Wire {
        chunk: unknown,
        source,
    };
    let headers = wire::accept_headers(stream, timeout)
        .await
        .map_err(wire_err)?;
    let delivery: Delivery = wire::read(stream, MAX_DELIVERY, timeout)
        .await
        .map_err(wire_err)?;
    let bad = |reason: String| PushsyncError::BadDelivery {
        chunk: hex::encode(&delivery.address),
        reason,
    };
    let address: [u8; ADDRESS_LEN] = delivery
        .address
        .as_slice()
        .try_into()
        .map_err(|_| bad(format!("address of {} bytes", delivery.address.len())))?;
    let stamp = Stamp::from_bytes(&delivery.stamp).map_err(|e: PostageError| bad(e.to_string()))?;
    let mut claim = None;
    let mut replicate = false;
    for h in headers.headers {
        if h.key == BATCH_CLAIM_HEADER {
            if h.value.len() > MAX_CLAIM_LEN {
                return Err(bad(format!("batch claim of {} bytes", h.value.len())));
            }
            claim = Some(
                String::from_utf8(h.value).map_err(|_| bad("batch claim is not UTF-8".into()))?,
            );
        } else if h.key == REPLICATE_HEADER {
            replicate = true;
        }
    }
    Ok(Incoming {
        chunk: Address(address),
        data: delivery.data,
        stamp,
        claim,
        replicate,
    })
}

/// A storer's receipt for `chunk`: the address signed with its overlay key, its nonce and radius.
pub fn sign_receipt(
    key: &OverlayKey,
    nonce: &Nonce,
    chunk: &Address,
    storage_radius: u8,
) -> Result<Receipt, crate::identity::IdentityError> {
    let signature = key.sign(&chunk.0)?;
    Ok(Receipt {
        address: chunk.0.to_vec(),
        signature: signature.as_bytes().to_vec(),
        nonce: nonce.to_vec(),
        err: String::new(),
        storage_radius: u32::from(storage_radius),
    })
}

/// Answers a delivery read with [`read_delivery`]: the receipt, or the error text.
pub async fn answer<S>(
    stream: &mut S,
    chunk: Address,
    receipt: Result<Receipt, String>,
    timeout: Duration,
) -> Result<(), PushsyncError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let receipt = receipt.unwrap_or_else(|err| Receipt {
        address: chunk.0.to_vec(),
        err,
        ..Receipt::default()
    });
    let wire_err = |source| PushsyncError::Wire { chunk, source };
    wire::write(stream, &receipt, timeout)
        .await
        .map_err(wire_err)?;
    wire::close(stream).await.map_err(wire_err)
}

/// The origin's check of a receipt (bee's `checkReceipt`): the signature over the chunk address
/// recovers the storer's key, its overlay on `network_id` with the receipt's nonce is the storer's,
/// and the storer is deep enough: proximity(chunk, storer) must be at least the storer's reported
/// radius and at least our own radius less bee's tolerance of 1.
pub fn check_receipt(
    receipt: &Receipt,
    chunk: &Address,
    network_id: u64,
    own_radius: u8,
) -> Result<CheckedReceipt, PushsyncError> {
    let bad = |reason: String| PushsyncError::BadReceipt {
        chunk: *chunk,
        reason,
    };
    if receipt.address != chunk.0 {
        return Err(PushsyncError::WrongAddress {
            chunk: *chunk,
            receipt: hex::encode(&receipt.address),
        });
    }
    let nonce: Nonce = receipt.nonce.as_slice().try_into().map_err(|_| {
        bad(format!(
            "nonce of {} bytes, want {NONCE_SIZE}",
            receipt.nonce.len()
        ))
    })?;
    let key = recover(&receipt.signature, &chunk.0).map_err(|e| bad(e.to_string()))?;
    let storer = key.overlay(network_id, &nonce);
    let proximity = chunk.proximity(&storer);
    let storer_radius = u8::try_from(receipt.storage_radius).unwrap_or(u8::MAX);
    let tolerance = own_radius.saturating_sub(SHALLOW_RECEIPT_TOLERANCE);
    if proximity < tolerance || proximity < storer_radius {
        return Err(PushsyncError::Shallow {
            chunk: *chunk,
            storer,
            proximity,
            storer_radius,
            own_radius,
        });
    }
    Ok(CheckedReceipt {
        storer,
        storage_radius: storer_radius,
    })
}

/// bee's `shallowReceiptTolerance` with the default reserve capacity doubling (0): 1.
pub const SHALLOW_RECEIPT_TOLERANCE: u8 = 1;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::key::OverlayKey;

    fn address(byte: u8) -> Address {
        Address([byte; ADDRESS_LEN])
    }

    #[test]
    fn a_signed_receipt_checks_and_names_the_storer() {
        let key = OverlayKey::generate().unwrap();
        let nonce = [7u8; NONCE_SIZE];
        let chunk = address(0x42);
        let receipt = sign_receipt(&key, &nonce, &chunk, 0).unwrap();
        let checked = check_receipt(&receipt, &chunk, 10, 0).unwrap();
        assert_eq!(checked.storer, key.overlay(10, &nonce));
        assert_eq!(checked.storage_radius, 0);
        // Another network id gives another overlay, never an error: the signature is still good.
        assert_ne!(
            check_receipt(&receipt, &chunk, 11, 0).unwrap().storer,
            checked.storer
        );
    }

    #[test]
    fn a_receipt_for_another_chunk_or_with_a_bad_nonce_is_refused() {
        let key = OverlayKey::generate().unwrap();
        let chunk = address(1);
        let mut receipt = sign_receipt(&key, &[0; NONCE_SIZE], &chunk, 0).unwrap();
        assert!(matches!(
            check_receipt(&receipt, &address(2), 1, 0),
            Err(PushsyncError::WrongAddress { .. })
        ));
        receipt.nonce.pop();
        assert!(matches!(
            check_receipt(&receipt, &chunk, 1, 0),
            Err(PushsyncError::BadReceipt { .. })
        ));
        let mut forged = sign_receipt(&key, &[0; NONCE_SIZE], &chunk, 0).unwrap();
        forged.signature[64] = 99;
        assert!(matches!(
            check_receipt(&forged, &chunk, 1, 0),
            Err(PushsyncError::BadReceipt { .. })
        ));
    }

    #[test]
    fn a_shallow_receipt_is_refused_by_bees_rule() {
        let key = OverlayKey::generate().unwrap();
        let nonce = [3u8; NONCE_SIZE];
        let storer = key.overlay(1, &nonce);
        // A chunk at proximity exactly 2 from the storer: flip bit 2 of its first byte.
        let mut bytes = storer.0;
        bytes[0] ^= 0x20;
        let chunk = Address(bytes);
        assert_eq!(chunk.proximity(&storer), 2);
        let at = |storer_radius: u8, own: u8| {
            let r = sign_receipt(&key, &nonce, &chunk, storer_radius).unwrap();
            check_receipt(&r, &chunk, 1, own)
        };
        assert!(at(2, 0).is_ok());
        assert!(
            at(0, 3).is_ok(),
            "our radius 3 less the tolerance of 1 is 2"
        );
        assert!(matches!(
            at(3, 0),
            Err(PushsyncError::Shallow {
                proximity: 2,
                storer_radius: 3,
                ..
            })
        ));
        assert!(matches!(
            at(0, 4),
            Err(PushsyncError::Shallow { own_radius: 4, .. })
        ));
    }
}
