//! Retrieval (bee's retrieval 1.4.0, [`super::bee::retrieval`]): fetch one chunk by address from the
//! closest peers.
//!
//! An origin asks the full peers closest to the chunk, one at a time, in order of XOR distance between
//! overlays (peers that delivered bad data go last, peers that recently failed are skipped), until one
//! delivers valid data, at most [`NodeConfig::origin_attempts`](super::NodeConfig::origin_attempts)
//! peers and [`NodeConfig::retrieve_deadline`](super::NodeConfig::retrieve_deadline) in all; each
//! attempt waits at most [`NodeConfig::request_timeout`](super::NodeConfig::request_timeout).
//!
//! A node asked for a chunk serves it from its store; lacking it, it forwards the request to peers
//! strictly closer to the chunk than itself (never back to the requester), so every hop gets closer
//! and forwarding ends; a node with no closer peer answers not found. Every delivery is validated —
//! a content-addressed chunk must hash to the address, a single-owner chunk must carry a valid
//! signature for it — and a peer delivering anything else is skipped for this request and scored down.
//! Forwarders do not cache what they relay. Store reads run on blocking threads.

use std::time::Instant;

use libp2p::PeerId;

use super::bee::retrieval::{RetrievalError, NOT_FOUND};
use super::bee_node;
use super::node::Client;
use crate::address::Address;

/// Serves a request from `from`: the local chunk, or one fetched from a closer peer; the error text
/// to answer otherwise.
pub(crate) async fn serve(
    client: &Client,
    from: PeerId,
    address: Address,
) -> Result<Vec<u8>, String> {
    let shared = &client.shared;
    let store = shared.store.clone();
    let local = tokio::task::spawn_blocking(move || store.get(&address))
        .await
        .map_err(|e| e.to_string())?;
    match local {
        Ok(Some(data)) => return Ok(data),
        Ok(None) => {}
        Err(e) => return Err(e.to_string()),
    }
    let me = shared.overlay;
    let candidates = shared.peers().ranked(&address, |peer, info| {
        *peer != from && address.distance(&info.overlay) < address.distance(&me)
    });
    let config = &shared.config;
    ask(
        client,
        address,
        candidates,
        config.forward_attempts,
        config.forward_timeout,
    )
    .await
    .ok_or_else(|| NOT_FOUND.to_string())
}

/// Fetches a chunk as origin: from any peer, closest first.
pub(crate) async fn fetch(client: &Client, address: Address) -> Option<Vec<u8>> {
    let candidates = client.shared.peers().ranked(&address, |_, _| true);
    let config = &client.shared.config;
    ask(
        client,
        address,
        candidates,
        config.origin_attempts,
        config.retrieve_deadline,
    )
    .await
}

/// Asks `candidates` in order until one delivers valid data, within `attempts` peers and `deadline`.
async fn ask(
    client: &Client,
    address: Address,
    candidates: Vec<(PeerId, Address)>,
    attempts: usize,
    deadline: std::time::Duration,
) -> Option<Vec<u8>> {
    let shared = &client.shared;
    let started = Instant::now();
    for (peer, _) in candidates.into_iter().take(attempts) {
        let remaining = deadline.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            break;
        }
        let wait = remaining.min(shared.config.request_timeout);
        match tokio::time::timeout(wait, bee_node::retrieve_from(client, peer, address)).await {
            Ok(Ok(data)) => {
                shared.peers().heard_from(&peer);
                return Some(data);
            }
            Ok(Err(RetrievalError::Invalid { .. })) => shared.peers().penalize(&peer),
            Ok(Err(RetrievalError::Peer { .. })) => shared.peers().heard_from(&peer),
            Ok(Err(_)) | Err(_) => shared.peers().skip(&peer, shared.config.skip_duration),
        }
    }
    None
}
