//! Retrieval (modelled on bee's, spec §8.2): fetch one chunk by address from the closest peers.
//!
//! An origin asks the peers closest to the chunk, one at a time, in order of XOR distance (peers that
//! delivered bad data go last, peers that recently failed are skipped), until one delivers valid data,
//! at most [`NodeConfig::origin_attempts`](super::NodeConfig::origin_attempts) peers and
//! [`NodeConfig::retrieve_deadline`](super::NodeConfig::retrieve_deadline) in all; each attempt waits
//! at most [`NodeConfig::request_timeout`](super::NodeConfig::request_timeout).
//!
//! A node asked for a chunk serves it from its store; lacking it, it forwards the request to peers
//! strictly closer to the chunk than itself (never back to the requester), so every hop gets closer
//! and forwarding ends; a node with no closer peer answers not found. Every delivery is validated —
//! a content-addressed chunk must hash to the address, a single-owner chunk must carry a valid
//! signature for it — and a peer delivering anything else is skipped for this request and scored down.
//! Forwarders do not cache what they relay.

use std::time::Instant;

use libp2p::PeerId;

use super::node::Client;
use super::protocol::{RetrievalRequest, RetrievalResponse};
use crate::address::Address;
use crate::soc;

/// Serves a request from `from`: the local chunk, or one fetched from a closer peer.
pub(crate) async fn serve(
    client: &Client,
    from: PeerId,
    request: RetrievalRequest,
) -> RetrievalResponse {
    let address = request.address;
    let shared = &client.shared;
    match shared.store.get(&address) {
        Ok(Some(data)) => return RetrievalResponse::Chunk(data),
        Ok(None) => {}
        Err(e) => return RetrievalResponse::Error(e.to_string()),
    }
    let me = shared.overlay;
    let candidates = shared.peers().ranked(&address, |peer, info| {
        *peer != from && address.distance(&info.overlay) < address.distance(&me)
    });
    let config = &shared.config;
    match ask(
        client,
        address,
        candidates,
        config.forward_attempts,
        config.forward_timeout,
    )
    .await
    {
        Some(data) => RetrievalResponse::Chunk(data),
        None => RetrievalResponse::NotFound,
    }
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
        let request = RetrievalRequest { address };
        match tokio::time::timeout(wait, client.request_retrieval(peer, request)).await {
            Ok(Ok(RetrievalResponse::Chunk(data))) => {
                if soc::is_valid_chunk(&address, &data) {
                    shared.peers().heard_from(&peer);
                    return Some(data);
                }
                shared.peers().penalize(&peer);
            }
            Ok(Ok(RetrievalResponse::NotFound)) | Ok(Ok(RetrievalResponse::Error(_))) => {
                shared.peers().heard_from(&peer);
            }
            Ok(Err(_)) | Err(_) => shared.peers().skip(&peer, shared.config.skip_duration),
        }
    }
    None
}
