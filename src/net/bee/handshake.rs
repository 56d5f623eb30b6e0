//! bee's handshake 15.0.0 (`pkg/p2p/libp2p/internal/handshake`), both sides.
//!
//! The dialer opens the stream (no headers exchange on this one) and writes `Syn` with the
//! underlay it dialed; the listener answers `SynAck`: the underlay it sees the dialer at and its own
//! `Ack` (a signed BzzAddress, the network id, the full-node flag, a welcome message); the dialer
//! checks it and writes its own `Ack`, which the listener checks. Each side refuses a peer on
//! another network, a BzzAddress whose signature does not recover the claimed overlay, a timestamp
//! too far ahead, and a welcome message over 140 bytes.

use std::time::Duration;

use futures::{AsyncRead, AsyncWrite};

use super::pb::handshake::{Ack, BzzAddress as PbBzzAddress, Syn, SynAck};
use super::wire::{self, WireError};
use super::MAX_WELCOME_MESSAGE_LEN;
use crate::address::Address;
use crate::identity::bzz::{self, check_timestamp, TimestampSource};
use crate::identity::{BzzAddress, BzzError, EthAddress, Nonce, OverlayKey};

/// Largest handshake message read: a BzzAddress with its underlays (at most 2 KiB), a signature,
/// the welcome message and the observed underlays, with room to spare.
pub const MAX_HANDSHAKE_MESSAGE: usize = 16 * 1024;

/// What this node says of itself in a handshake.
#[derive(Debug, Clone)]
pub struct Local {
    /// The overlay key.
    pub key: OverlayKey,
    /// Its nonce.
    pub nonce: Nonce,
    /// The network id.
    pub network_id: u64,
    /// Whether this node stores chunks (bee's full node).
    pub full_node: bool,
    /// The welcome message (at most 140 bytes).
    pub welcome: String,
    /// Longest wait for one message.
    pub timeout: Duration,
}

impl Local {
    /// This node's overlay.
    pub fn overlay(&self) -> Address {
        self.key.overlay(self.network_id, &self.nonce)
    }

    /// Signs this node's BzzAddress over `underlays` (multiaddr bytes) as of `now` (Unix seconds).
    pub fn bzz_address(&self, underlays: &[Vec<u8>], now: i64) -> Result<BzzAddress, BzzError> {
        BzzAddress::sign(
            &self.key,
            underlays,
            self.network_id,
            &self.nonce,
            now.max(1),
            EthAddress::default(),
        )
    }
}

/// A peer after a successful handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// Its verified BzzAddress.
    pub address: BzzAddress,
    /// Its overlay.
    pub overlay: Address,
    /// Its underlays (multiaddr bytes).
    pub underlays: Vec<Vec<u8>>,
    /// Whether it is a full node.
    pub full_node: bool,
    /// Its welcome message.
    pub welcome: String,
    /// What it says our underlay is, as it sees us.
    pub observed: Vec<Vec<u8>>,
}

/// Why a handshake failed.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// Reading or writing failed.
    #[error("handshake: {0}")]
    Wire(#[from] WireError),
    /// A message lacks a part the protocol requires.
    #[error("handshake: {0} missing")]
    Missing(&'static str),
    /// The peer is on another network.
    #[error("handshake: peer is on network {theirs}, this node on {ours}")]
    NetworkId {
        /// The peer's network id.
        theirs: u64,
        /// Ours.
        ours: u64,
    },
    /// The peer's address record does not check out.
    #[error("handshake: peer's address: {0}")]
    Address(#[from] BzzError),
    /// The peer's welcome message is too long.
    #[error("handshake: welcome message of {0} bytes is over bee's 140")]
    Welcome(usize),
    /// The peer's overlay is ours.
    #[error("handshake: peer has this node's own overlay {0}")]
    SelfConnection(Address),
}

fn ack(local: &Local, address: &BzzAddress) -> Ack {
    Ack {
        address: Some(PbBzzAddress::from(address)),
        network_id: local.network_id,
        full_node: local.full_node,
        welcome_message: local.welcome.clone(),
    }
}

/// Checks a peer's `Ack` as bee's `parseCheckAck` does, and the timestamp against `now`.
pub fn check_ack(
    local: &Local,
    ack: &Ack,
    observed: Vec<Vec<u8>>,
    now: i64,
) -> Result<Remote, HandshakeError> {
    if ack.network_id != local.network_id {
        return Err(HandshakeError::NetworkId {
            theirs: ack.network_id,
            ours: local.network_id,
        });
    }
    let a = ack
        .address
        .as_ref()
        .ok_or(HandshakeError::Missing("address"))?;
    let verified = a.verify(local.network_id)?;
    check_timestamp(a.timestamp, None, TimestampSource::Handshake, now)?;
    if ack.welcome_message.len() > MAX_WELCOME_MESSAGE_LEN {
        return Err(HandshakeError::Welcome(ack.welcome_message.len()));
    }
    if verified.address.overlay == local.overlay() {
        return Err(HandshakeError::SelfConnection(verified.address.overlay));
    }
    Ok(Remote {
        overlay: verified.address.overlay,
        address: verified.address,
        underlays: verified.underlays,
        full_node: ack.full_node,
        welcome: ack.welcome_message.clone(),
        observed,
    })
}

/// The dialer's side. `dialed` is the listener's address as dialed (multiaddr bytes with
/// `/p2p/<id>`); `advertise` turns the underlays the listener says it sees us at into the ones we
/// sign (an unspecified listen address is no use to others).
pub async fn dial<S>(
    stream: &mut S,
    local: &Local,
    dialed: &[u8],
    advertise: impl FnOnce(&[Vec<u8>]) -> Vec<Vec<u8>>,
    now: impl Fn() -> i64,
) -> Result<Remote, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let syn = Syn {
        observed_underlay: bzz::serialize_underlays(&[dialed])?,
    };
    wire::write(stream, &syn, local.timeout).await?;
    let answer: SynAck = wire::read(stream, MAX_HANDSHAKE_MESSAGE, local.timeout).await?;
    let observed = answer
        .syn
        .as_ref()
        .ok_or(HandshakeError::Missing("syn"))
        .and_then(|s| Ok(bzz::deserialize_underlays(&s.observed_underlay)?))?;
    let their_ack = answer.ack.as_ref().ok_or(HandshakeError::Missing("ack"))?;
    let remote = check_ack(local, their_ack, observed.clone(), now())?;
    let mine = local.bzz_address(&advertise(&observed), now())?;
    wire::write(stream, &ack(local, &mine), local.timeout).await?;
    Ok(remote)
}

/// The listener's side. `remote_addr` is the dialer's address as this node sees it (multiaddr bytes
/// with `/p2p/<id>`).
pub async fn listen<S>(
    stream: &mut S,
    local: &Local,
    remote_addr: &[u8],
    advertise: impl FnOnce(&[Vec<u8>]) -> Vec<Vec<u8>>,
    now: impl Fn() -> i64,
) -> Result<Remote, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let syn: Syn = wire::read(stream, MAX_HANDSHAKE_MESSAGE, local.timeout).await?;
    let observed = bzz::deserialize_underlays(&syn.observed_underlay)?;
    let mine = local.bzz_address(&advertise(&observed), now())?;
    let answer = SynAck {
        syn: Some(Syn {
            observed_underlay: bzz::serialize_underlays(&[remote_addr])?,
        }),
        ack: Some(ack(local, &mine)),
    };
    wire::write(stream, &answer, local.timeout).await?;
    let theirs: Ack = wire::read(stream, MAX_HANDSHAKE_MESSAGE, local.timeout).await?;
    check_ack(local, &theirs, observed, now())
}
