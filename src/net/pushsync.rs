//! Pushsync (modelled on bee's, spec §8.3): hand a chunk to the nodes closest to its address.
//!
//! Placement rule: a chunk belongs on the [`replication`](super::NodeConfig::replication) nodes whose
//! overlays are closest (XOR) to its address. A storer handling a push checks its own view: if it is
//! among those closest (fewer than `replication` known peers are closer), it validates and stores the
//! chunk, sends it as *replicate* to the next closest peers until `replication` copies exist, and
//! answers with every storer's receipt. Otherwise it forwards the push to the closest peer strictly
//! closer to the chunk than itself (at most
//! [`forward_attempts`](super::NodeConfig::forward_attempts) of them, each within
//! [`request_timeout`](super::NodeConfig::request_timeout)) and passes the receipts back; with no
//! closer peer reachable it stores the chunk itself. A client (not a storer) forwards to its node.
//!
//! The origin verifies each receipt (address, and the signature against the key embedded in the
//! storer's peer id) and fails the push if none is valid. A chunk that is neither a valid
//! content-addressed nor single-owner chunk is refused by every node.

use libp2p::identity::PublicKey;
use libp2p::PeerId;

use super::identity::public_key_of_peer;
use super::node::Client;
use super::protocol::{PushKind, PushRequest, PushResponse, Receipt, RECEIPT_DOMAIN};
use super::NetError;
use crate::address::Address;
use crate::cac::Chunk;
use crate::soc;

/// Pushes a chunk from this node and returns the verified receipts.
pub(crate) async fn push_origin(
    client: &Client,
    address: Address,
    data: Vec<u8>,
) -> Result<Vec<Receipt>, NetError> {
    let request = PushRequest {
        kind: PushKind::Push,
        address,
        data,
    };
    let receipts = match handle(client, None, request).await {
        PushResponse::Receipts(r) => r,
        PushResponse::Error(message) => return Err(NetError::Push { address, message }),
    };
    let valid: Vec<Receipt> = receipts
        .into_iter()
        .filter(|r| verify_receipt(r, &address))
        .collect();
    if valid.is_empty() {
        return Err(NetError::Push {
            address,
            message: "no valid receipt".into(),
        });
    }
    Ok(valid)
}

/// Serves a push from peer `from`.
pub(crate) async fn serve(client: &Client, from: PeerId, request: PushRequest) -> PushResponse {
    handle(client, Some(from), request).await
}

async fn handle(client: &Client, from: Option<PeerId>, request: PushRequest) -> PushResponse {
    let shared = &client.shared;
    let address = request.address;
    if !soc::is_valid_chunk(&address, &request.data) {
        return PushResponse::Error(format!("chunk {address} is not valid"));
    }
    if request.kind == PushKind::Replicate {
        if !shared.config.storer {
            return PushResponse::Error("not a storer".into());
        }
        return match store(client, request) {
            Ok(receipt) => PushResponse::Receipts(vec![receipt]),
            Err(e) => PushResponse::Error(e),
        };
    }

    let me = shared.overlay;
    let replication = shared.config.replication.max(1);
    let closer_than_me = |overlay: &Address| address.distance(overlay) < address.distance(&me);
    let closest = shared.peers().closest(&address, replication);
    let among_closest = shared.config.storer
        && closest.iter().filter(|(_, o)| closer_than_me(o)).count() < replication;

    if !among_closest {
        let candidates = shared.peers().ranked(&address, |peer, info| {
            Some(*peer) != from && (!shared.config.storer || closer_than_me(&info.overlay))
        });
        for (peer, _) in candidates.into_iter().take(shared.config.forward_attempts) {
            let forward = PushRequest {
                kind: PushKind::Push,
                address,
                data: request.data.clone(),
            };
            match ask(client, peer, forward).await {
                Some(receipts) => return PushResponse::Receipts(receipts),
                None => continue,
            }
        }
        if !shared.config.storer {
            return PushResponse::Error(format!("no peer accepted chunk {address}"));
        }
    }

    // Store here, then make up the remaining copies on the next closest peers.
    let data = request.data.clone();
    let mut receipts = match store(client, request) {
        Ok(r) => vec![r],
        Err(e) => return PushResponse::Error(e),
    };
    let others = shared
        .peers()
        .ranked(&address, |peer, _| Some(*peer) != from);
    let extra = shared.config.forward_attempts;
    for (peer, _) in others.into_iter().take(replication - 1 + extra) {
        if receipts.len() >= replication {
            break;
        }
        let replicate = PushRequest {
            kind: PushKind::Replicate,
            address,
            data: data.clone(),
        };
        if let Some(mut r) = ask(client, peer, replicate).await {
            receipts.append(&mut r);
        }
    }
    PushResponse::Receipts(receipts)
}

/// Sends a push to one peer; its receipts, or `None` (and the peer skipped) if it failed.
async fn ask(client: &Client, peer: PeerId, request: PushRequest) -> Option<Vec<Receipt>> {
    let shared = &client.shared;
    let wait = shared.config.request_timeout;
    match tokio::time::timeout(wait, client.request_push(peer, request)).await {
        Ok(Ok(PushResponse::Receipts(r))) if !r.is_empty() => {
            shared.peers().heard_from(&peer);
            Some(r)
        }
        Ok(Ok(_)) => None,
        Ok(Err(_)) | Err(_) => {
            shared.peers().skip(&peer, shared.config.skip_duration);
            None
        }
    }
}

/// Stores a validated chunk locally and signs a receipt for it.
fn store(client: &Client, request: PushRequest) -> Result<Receipt, String> {
    let shared = &client.shared;
    let chunk = Chunk {
        address: request.address,
        data: request.data,
    };
    shared.store.put(&chunk).map_err(|e| e.to_string())?;
    shared.mark_dirty();
    let signature = shared
        .keypair
        .sign(&receipt_message(&chunk.address))
        .map_err(|e| e.to_string())?;
    Ok(Receipt {
        address: chunk.address,
        peer_id: shared.peer_id.to_bytes(),
        signature,
    })
}

fn receipt_message(address: &Address) -> Vec<u8> {
    let mut m = RECEIPT_DOMAIN.to_vec();
    m.extend_from_slice(&address.0);
    m
}

/// Whether `receipt` is for `address` and signed by the key of the peer it names.
pub fn verify_receipt(receipt: &Receipt, address: &Address) -> bool {
    if receipt.address != *address {
        return false;
    }
    let Ok(peer) = PeerId::from_bytes(&receipt.peer_id) else {
        return false;
    };
    let Some(key): Option<PublicKey> = public_key_of_peer(&peer) else {
        return false;
    };
    key.verify(&receipt_message(address), &receipt.signature)
}

/// The peer a receipt names, if it parses.
pub fn receipt_peer(receipt: &Receipt) -> Option<PeerId> {
    PeerId::from_bytes(&receipt.peer_id).ok()
}
