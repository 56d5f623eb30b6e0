//! The node's own status as bee v2.8.1 reports it: `GET /node`, `/addresses`, `/peers`,
//! `/topology`, `/status` and `/chainstate` (`pkg/api/node.go`, `p2p.go`, `peer.go`, `topology.go`,
//! `status.go`, `postage.go`). What they report comes from a [`NodeStatus`]: the network layer's for a node, a
//! [`StoreOnly`] for the API over a local store, which has no peers.

use std::sync::Arc;

use super::Json;
use axum::extract::State;
use futures::future::BoxFuture;
use serde_json::{json, Map, Value};

use super::ApiState;
use crate::address::Address;
use crate::identity::key::PublicKey;

/// bee's node modes, as `/node` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeMode {
    /// Stores a reserve and syncs it (`full`).
    Full,
    /// Neither stores for the network nor is reachable (`ultra-light`): the API over a local store.
    UltraLight,
}

impl NodeMode {
    fn name(self) -> &'static str {
        match self {
            NodeMode::Full => "full",
            NodeMode::UltraLight => "ultra-light",
        }
    }
}

/// A connected peer, as `/peers` and `/topology` list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerView {
    /// Its overlay.
    pub overlay: Address,
    /// Whether it is a full node.
    pub full_node: bool,
}

/// What the status endpoints report.
pub trait NodeStatus: Send + Sync {
    /// The node's mode.
    fn mode(&self) -> NodeMode;
    /// Its overlay address.
    fn overlay(&self) -> Address;
    /// Its overlay key's public key.
    fn public_key(&self) -> PublicKey;
    /// Its underlay addresses (multiaddrs, as text).
    fn underlay(&self) -> Vec<String>;
    /// Its connected peers.
    fn peers(&self) -> Vec<PeerView>;
    /// Its neighbourhood depth.
    fn depth(&self) -> u8;
    /// Its status snapshot, as it tells peers over bee's status protocol.
    fn snapshot(&self) -> BoxFuture<'_, StatusSnapshot>;
}

/// What bee's status snapshot (`pkg/status`) says of a node's reserve and neighbourhood.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusSnapshot {
    /// Chunks in the reserve.
    pub reserve_size: u64,
    /// Of them, within the storage radius.
    pub reserve_size_within_radius: u64,
    /// Chunks pulled per second.
    pub pullsync_rate: f64,
    /// The storage radius.
    pub storage_radius: u8,
    /// Connected peers.
    pub connected_peers: u64,
    /// Peers within the storage radius.
    pub neighborhood_size: u64,
    /// The batches' total commitment (chunks): none without a chain.
    pub batch_commitment: u64,
    /// Whether the node says it is reachable.
    pub is_reachable: bool,
    /// The last chain block synced: none without a chain.
    pub last_synced_block: u64,
    /// The depth the node committed to.
    pub committed_depth: u8,
}

/// The status of the API over a local store: an ultra-light node with this key and no peers.
pub struct StoreOnly {
    /// The data directory's overlay address.
    pub overlay: Address,
    /// Its public key.
    pub public_key: PublicKey,
}

impl NodeStatus for StoreOnly {
    fn mode(&self) -> NodeMode {
        NodeMode::UltraLight
    }
    fn overlay(&self) -> Address {
        self.overlay
    }
    fn public_key(&self) -> PublicKey {
        self.public_key
    }
    fn underlay(&self) -> Vec<String> {
        Vec::new()
    }
    fn peers(&self) -> Vec<PeerView> {
        Vec::new()
    }
    fn depth(&self) -> u8 {
        0
    }
    /// No reserve, no peers, and not reachable: nothing listens for peers.
    fn snapshot(&self) -> BoxFuture<'_, StatusSnapshot> {
        Box::pin(async { StatusSnapshot::default() })
    }
}

/// bee's bins in `/topology`.
const BINS: u8 = 32;

fn status(state: &ApiState) -> Option<&Arc<dyn NodeStatus>> {
    state.node.as_ref()
}

/// `GET /node`. Without a status (a bare router): ultra-light.
pub(super) async fn node(State(state): State<ApiState>) -> Json<Value> {
    let mode = status(&state).map_or(NodeMode::UltraLight, |s| s.mode());
    Json(json!({
        "beeMode": mode.name(),
        "chequebookEnabled": false,
        "swapEnabled": false,
    }))
}

/// `GET /addresses`. There is no PSS key: `pssPublicKey` is the overlay key's, as the field must
/// hold a key for clients to parse it (docs/API.md).
pub(super) async fn addresses(State(state): State<ApiState>) -> Json<Value> {
    let Some(s) = status(&state) else {
        return Json(json!({"overlay": null, "underlay": []}));
    };
    let key = s.public_key();
    let eth = format!("0x{}", hex::encode(key.eth_address().as_bytes()));
    let public = hex::encode(key.to_compressed());
    Json(json!({
        "overlay": s.overlay().to_hex(),
        "underlay": s.underlay(),
        "ethereum": eth,
        "chain_address": eth,
        "publicKey": public,
        "pssPublicKey": public,
    }))
}

/// `GET /peers`.
pub(super) async fn peers(State(state): State<ApiState>) -> Json<Value> {
    let peers: Vec<Value> = status(&state)
        .map(|s| s.peers())
        .unwrap_or_default()
        .into_iter()
        .map(|p| json!({"address": p.overlay.to_hex(), "fullNode": p.full_node}))
        .collect();
    Json(json!({ "peers": peers }))
}

/// `GET /topology`: connected peers per bin (known = connected: peers that are not connected are
/// not kept), the depth; reachability and network availability `Unknown` (not measured).
pub(super) async fn topology(State(state): State<ApiState>) -> Json<Value> {
    let (base, peers, depth) = match status(&state) {
        Some(s) => (Some(s.overlay()), s.peers(), s.depth()),
        None => (None, Vec::new(), 0),
    };
    let mut bins = Map::new();
    let mut light = Vec::new();
    for b in 0..BINS {
        let in_bin: Vec<Value> = peers
            .iter()
            .filter(|p| p.full_node && base.is_some_and(|a| a.proximity(&p.overlay) == b))
            .map(|p| json!({"address": p.overlay.to_hex()}))
            .collect();
        bins.insert(format!("bin_{b}"), bin_info(in_bin));
    }
    for p in peers.iter().filter(|p| !p.full_node) {
        light.push(json!({"address": p.overlay.to_hex()}));
    }
    let connected = peers.iter().filter(|p| p.full_node).count();
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Json(json!({
        "baseAddr": base.map(|a| a.to_hex()).unwrap_or_default(),
        "population": connected,
        "connected": connected,
        "timestamp": timestamp,
        "nnLowWatermark": crate::net::topology::LOW_WATERMARK,
        "depth": depth,
        "reachability": "Unknown",
        "networkAvailability": "Unknown",
        "bins": bins,
        "lightNodes": bin_info(light),
    }))
}

/// One bin as bee's `BinInfo` (Go's empty lists are `null`).
fn bin_info(connected: Vec<Value>) -> Value {
    let n = connected.len();
    let list = if connected.is_empty() {
        Value::Null
    } else {
        Value::Array(connected)
    };
    json!({
        "population": n,
        "connected": n,
        "disconnectedPeers": null,
        "connectedPeers": list,
    })
}

/// `GET /status`: bee's snapshot of this node (its `statusGetHandler`): `proximity` 256 as bee's,
/// never warming up (there is no warm-up period). Without a status (a bare router): an
/// ultra-light node with no overlay.
pub(super) async fn status_snapshot(State(state): State<ApiState>) -> Json<Value> {
    let (overlay, mode, s) = match status(&state) {
        Some(n) => (n.overlay().to_hex(), n.mode(), n.snapshot().await),
        None => (
            String::new(),
            NodeMode::UltraLight,
            StatusSnapshot::default(),
        ),
    };
    Json(json!({
        "overlay": overlay,
        "proximity": 256,
        "beeMode": mode.name(),
        "reserveSize": s.reserve_size,
        "reserveSizeWithinRadius": s.reserve_size_within_radius,
        "pullsyncRate": s.pullsync_rate,
        "storageRadius": s.storage_radius,
        "connectedPeers": s.connected_peers,
        "neighborhoodSize": s.neighborhood_size,
        "batchCommitment": s.batch_commitment,
        "isReachable": s.is_reachable,
        "lastSyncedBlock": s.last_synced_block,
        "committedDepth": s.committed_depth,
        "isWarmingUp": false,
    }))
}

/// `GET /chainstate`: there is no chain (postage batches are local, docs/POSTAGE.md), so every
/// figure is 0.
pub(super) async fn chainstate() -> Json<Value> {
    Json(json!({
        "chainTip": 0,
        "block": 0,
        "totalAmount": "0",
        "currentPrice": "0",
    }))
}
