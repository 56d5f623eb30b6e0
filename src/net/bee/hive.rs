//! Hive 2.0.0: peers passing on signed addresses of other peers.
//!
//! The sender opens `/swarm/hive/2.0.0/peers`, exchanges headers, writes one `Peers` message of at
//! most 30 records and closes. The receiver checks every record as bee does (signature, overlay,
//! network id, underlays, timestamp not ahead of the clock) and keeps those that pass; one bad
//! record does not spoil the others.

use std::time::Duration;

use futures::{AsyncRead, AsyncWrite};

use super::pb::hive::BzzAddress as PbBzzAddress;
use super::pb::hive::Peers;
use super::wire::{self, WireError};
use super::HIVE_MAX_BATCH;
use crate::identity::bzz::{check_timestamp, TimestampSource};
use crate::identity::{BzzAddress, BzzError, VerifiedBzzAddress};

/// Largest `Peers` message read: 30 records of at most 2 KiB of underlays each, with room.
pub const MAX_PEERS_MESSAGE: usize = 96 * 1024;

/// What a received `Peers` message held.
#[derive(Debug, Default)]
pub struct Received {
    /// Records that checked out.
    pub valid: Vec<VerifiedBzzAddress>,
    /// Records refused, with why.
    pub refused: Vec<BzzError>,
}

/// Sends `peers` (the first 30) on an opened hive stream.
pub async fn send<S>(
    stream: &mut S,
    peers: &[BzzAddress],
    timeout: Duration,
) -> Result<(), WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::open_headers(stream, timeout).await?;
    let msg = Peers {
        peers: peers
            .iter()
            .take(HIVE_MAX_BATCH)
            .map(PbBzzAddress::from)
            .collect(),
    };
    wire::write(stream, &msg, timeout).await?;
    wire::close(stream).await
}

/// Receives one `Peers` message on an accepted hive stream and checks each record on
/// `network_id` as of `now` (Unix seconds).
pub async fn receive<S>(
    stream: &mut S,
    network_id: u64,
    now: i64,
    timeout: Duration,
) -> Result<Received, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::accept_headers(stream, timeout).await?;
    let msg: Peers = wire::read(stream, MAX_PEERS_MESSAGE, timeout).await?;
    let mut out = Received::default();
    for p in msg.peers.iter().take(HIVE_MAX_BATCH) {
        let checked = p.verify(network_id).and_then(|v| {
            check_timestamp(p.timestamp, None, TimestampSource::Gossip, now)?;
            Ok(v)
        });
        match checked {
            Ok(v) => out.valid.push(v),
            Err(e) => out.refused.push(e),
        }
    }
    // The sender closes after one message; anything more is ignored.
    let _ = wire::close(stream).await;
    Ok(out)
}
