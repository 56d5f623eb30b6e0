//! Pull sync 1.4.0: two streams.
//!
//! - `cursors`: `Syn` → `Ack{cursors, epoch}`: the last bin id of each of the 32 bins of the
//!   peer's reserve and the reserve's epoch.
//! - `pullsync`: `Get{bin, start}` → `Offer{topmost, chunks}`; when the offer is not empty,
//!   `Want{bit_vector}` (bit `i`, least significant first within each byte, wants offered chunk
//!   `i`; `len / 8 + 1` bytes as bee's `bitvector.New`) → one `Delivery{address, data, stamp}` per
//!   wanted chunk, in offer order. A chunk the server no longer has is a delivery with a zero
//!   address, which the puller skips (bee does the same).
//!
//! Here are the checks of form only: sizes, lengths, a delivery that was not wanted. The node
//! (`net::pullsync`) checks data against addresses and stamps against batches.

use std::time::Duration;

use futures::{AsyncRead, AsyncWrite};

use super::pb::pullsync::{Ack, Chunk, Delivery, Get, Offer, Syn, Want};
use super::wire::{self, WireError};
use crate::address::{Address, ADDRESS_LEN};
use crate::postage::{Stamp, STAMP_SIZE};
use crate::reserve::BINS;
use crate::soc::SOC_MAX_SIZE;

/// Most chunks bee offers in one page (`DefaultMaxPage`); we offer at most this many.
pub const MAX_PAGE: usize = 250;
/// Most chunks we accept in an offer from a peer (a bee node may be configured for larger
/// pages; the frame limit bounds it anyway).
pub const MAX_OFFERED: usize = 1000;
/// Largest `Ack` read: 32 cursors of at most 10 bytes each, the epoch, with room.
pub const MAX_ACK: usize = 1024;
/// Largest `Offer` read (the frame limit: about 1,200 offered chunks).
pub const MAX_OFFER: usize = super::frame::MAX_FRAME_SIZE;
/// Largest `Get` or `Want` read.
pub const MAX_REQUEST: usize = 256;
/// Largest `Delivery` read: a single-owner chunk, a stamp and a claim, with room.
pub const MAX_DELIVERY: usize = SOC_MAX_SIZE + STAMP_SIZE + 1024;

/// Why a pull-sync exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum PullsyncError {
    /// Reading or writing failed.
    #[error("pullsync: {0}")]
    Wire(#[from] WireError),
    /// A message broke the protocol.
    #[error("pullsync: {0}")]
    Malformed(String),
    /// No stream to the peer could be opened.
    #[error("pullsync: {0}")]
    Unreachable(String),
}

fn malformed(reason: impl Into<String>) -> PullsyncError {
    PullsyncError::Malformed(reason.into())
}

/// A chunk as offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offered {
    /// The chunk.
    pub address: Address,
    /// The batch of its stamp.
    pub batch: [u8; 32],
    /// bee's hash of its stamp.
    pub stamp_hash: [u8; 32],
}

/// A chunk as delivered: checked for form only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The chunk.
    pub address: Address,
    /// Its data, not yet checked against the address.
    pub data: Vec<u8>,
    /// Its stamp, parsed, not yet validated.
    pub stamp: Stamp,
    /// Our batch claim, if sent.
    pub claim: Option<String>,
}

fn address(bytes: &[u8], what: &str) -> Result<Address, PullsyncError> {
    let a: [u8; ADDRESS_LEN] = bytes
        .try_into()
        .map_err(|_| malformed(format!("{what} of {} bytes, want 32", bytes.len())))?;
    Ok(Address(a))
}

/// bee's bit vector for `len` bits: `len / 8 + 1` bytes.
pub fn bit_vector(wanted: &[bool]) -> Vec<u8> {
    let mut b = vec![0u8; wanted.len() / 8 + 1];
    for (i, _) in wanted.iter().enumerate().filter(|(_, w)| **w) {
        b[i / 8] |= 1 << (i % 8);
    }
    b
}

/// Reads bee's bit vector of `len` bits; refuses one too short for them (bee's `NewFromBytes`).
pub fn read_bit_vector(bytes: &[u8], len: usize) -> Result<Vec<bool>, PullsyncError> {
    if len == 0 || bytes.len().saturating_mul(8) < len {
        return Err(malformed(format!(
            "want of {} bytes for {len} offered chunks",
            bytes.len()
        )));
    }
    Ok((0..len)
        .map(|i| bytes[i / 8] & (1 << (i % 8)) != 0)
        .collect())
}

/// Asks for the peer's cursors on an opened `cursors` stream: one per bin, and the epoch.
pub async fn get_cursors<S>(
    stream: &mut S,
    timeout: Duration,
) -> Result<(Vec<u64>, u64), PullsyncError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::open_headers(stream, timeout).await?;
    wire::write(stream, &Syn {}, timeout).await?;
    let ack: Ack = wire::read(stream, MAX_ACK, timeout).await?;
    let _ = wire::close(stream).await;
    if ack.cursors.len() != BINS {
        return Err(malformed(format!(
            "{} cursors, want {BINS}",
            ack.cursors.len()
        )));
    }
    Ok((ack.cursors, ack.epoch))
}

/// Answers a `cursors` stream.
pub async fn serve_cursors<S>(
    stream: &mut S,
    cursors: Vec<u64>,
    epoch: u64,
    timeout: Duration,
) -> Result<(), PullsyncError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::accept_headers(stream, timeout).await?;
    let _: Syn = wire::read(stream, MAX_REQUEST, timeout).await?;
    wire::write(stream, &Ack { cursors, epoch }, timeout).await?;
    wire::close(stream).await?;
    Ok(())
}

/// Asks for `bin` from `start` on an opened `pullsync` stream and reads the offer (waiting up to
/// `wait` for it: a server waits for a first chunk before it answers). The topmost bin id and
/// the chunks offered.
pub async fn request<S>(
    stream: &mut S,
    bin: u8,
    start: u64,
    timeout: Duration,
    wait: Duration,
) -> Result<(u64, Vec<Offered>), PullsyncError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::open_headers(stream, timeout).await?;
    let get = Get {
        bin: i32::from(bin),
        start,
    };
    wire::write(stream, &get, timeout).await?;
    let offer: Offer = wire::read(stream, MAX_OFFER, wait).await?;
    if offer.chunks.len() > MAX_OFFERED {
        return Err(malformed(format!(
            "offer of {} chunks, at most {MAX_OFFERED} taken",
            offer.chunks.len()
        )));
    }
    let mut out = Vec::with_capacity(offer.chunks.len());
    for c in &offer.chunks {
        let batch: [u8; 32] = c
            .batch_id
            .as_slice()
            .try_into()
            .map_err(|_| malformed("offered batch id is not 32 bytes"))?;
        let stamp_hash: [u8; 32] = c
            .stamp_hash
            .as_slice()
            .try_into()
            .map_err(|_| malformed("offered stamp hash is not 32 bytes"))?;
        out.push(Offered {
            address: address(&c.address, "offered address")?,
            batch,
            stamp_hash,
        });
    }
    Ok((offer.topmost, out))
}

/// Sends which of `offered` are wanted (nothing when none was offered).
pub async fn want<S>(
    stream: &mut S,
    wanted: &[bool],
    timeout: Duration,
) -> Result<(), PullsyncError>
where
    S: AsyncWrite + Unpin,
{
    if wanted.is_empty() {
        return Ok(());
    }
    let w = Want {
        bit_vector: bit_vector(wanted),
    };
    wire::write(stream, &w, timeout).await?;
    Ok(())
}

/// Reads one delivery; `None` for bee's zero-address delivery of a chunk the server lost.
pub async fn read_delivery<S>(
    stream: &mut S,
    timeout: Duration,
) -> Result<Option<Delivered>, PullsyncError>
where
    S: AsyncRead + Unpin,
{
    let d: Delivery = wire::read(stream, MAX_DELIVERY, timeout).await?;
    let a = address(&d.address, "delivered address")?;
    if a == Address::ZERO {
        return Ok(None);
    }
    let stamp = Stamp::from_bytes(&d.stamp)
        .map_err(|e| malformed(format!("delivery of {a}: stamp: {e}")))?;
    let claim = (!d.swarmec_claim.is_empty()).then_some(d.swarmec_claim);
    Ok(Some(Delivered {
        address: a,
        data: d.data,
        stamp,
        claim,
    }))
}

/// Reads a `Get` on an accepted `pullsync` stream: the bin and first bin id asked for.
pub async fn read_get<S>(stream: &mut S, timeout: Duration) -> Result<(u8, u64), PullsyncError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::accept_headers(stream, timeout).await?;
    let get: Get = wire::read(stream, MAX_REQUEST, timeout).await?;
    let bin = u8::try_from(get.bin)
        .ok()
        .filter(|b| usize::from(*b) < BINS)
        .ok_or_else(|| malformed(format!("bin {} asked for", get.bin)))?;
    Ok((bin, get.start))
}

/// Writes an offer and, when it is not empty, reads the want: which offered chunks to deliver.
pub async fn offer<S>(
    stream: &mut S,
    topmost: u64,
    chunks: &[Offered],
    timeout: Duration,
) -> Result<Vec<bool>, PullsyncError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let offer = Offer {
        topmost,
        chunks: chunks
            .iter()
            .map(|c| Chunk {
                address: c.address.0.to_vec(),
                batch_id: c.batch.to_vec(),
                stamp_hash: c.stamp_hash.to_vec(),
            })
            .collect(),
    };
    wire::write(stream, &offer, timeout).await?;
    if chunks.is_empty() {
        wire::close(stream).await?;
        return Ok(Vec::new());
    }
    let w: Want = wire::read(stream, MAX_REQUEST, timeout).await?;
    read_bit_vector(&w.bit_vector, chunks.len())
}

/// Writes one delivery: the chunk, or `None` for a chunk no longer here (a zero address).
pub async fn deliver<S>(
    stream: &mut S,
    chunk: Option<(&Address, &[u8], &Stamp, Option<&str>)>,
    timeout: Duration,
) -> Result<(), PullsyncError>
where
    S: AsyncWrite + Unpin,
{
    let d = match chunk {
        Some((address, data, stamp, claim)) => Delivery {
            address: address.0.to_vec(),
            data: data.to_vec(),
            stamp: stamp.to_bytes().to_vec(),
            swarmec_claim: claim.unwrap_or_default().to_string(),
        },
        None => Delivery {
            address: Address::ZERO.0.to_vec(),
            ..Delivery::default()
        },
    };
    wire::write(stream, &d, timeout).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_vectors_are_bees() {
        // bee: New(10) is 2 bytes; Set(0), Set(9) → [0x01, 0x02].
        let mut w = vec![false; 10];
        w[0] = true;
        w[9] = true;
        assert_eq!(bit_vector(&w), vec![0x01, 0x02]);
        assert_eq!(bit_vector(&[false; 8]), vec![0, 0]);
        assert_eq!(read_bit_vector(&[0x01, 0x02], 10).unwrap(), w);
        assert!(read_bit_vector(&[0x01], 10).is_err());
        assert!(read_bit_vector(&[], 0).is_err());
    }
}
