//! A running node's status for the HTTP API's `/node`, `/addresses`, `/peers` and `/topology`
//! ([`crate::api::NodeStatus`]), read from its [`Client`] when asked.

use libp2p::Multiaddr;

use super::Client;
use crate::address::Address;
use futures::future::BoxFuture;

use crate::api::{NodeMode, NodeStatus, PeerView, StatusSnapshot};
use crate::identity::key::PublicKey;

/// The status of the node behind `client`.
pub struct NodeStatusView {
    client: Client,
    public_key: PublicKey,
    underlay: Vec<String>,
}

impl NodeStatusView {
    /// The status of the node behind `client`, whose overlay key is `public_key` and which listens
    /// on `listen` (each ending in `/p2p/<peer id>`, as bee's underlays).
    pub fn new(client: Client, public_key: PublicKey, listen: &[Multiaddr]) -> NodeStatusView {
        let underlay = listen.iter().map(ToString::to_string).collect();
        NodeStatusView {
            client,
            public_key,
            underlay,
        }
    }
}

impl NodeStatus for NodeStatusView {
    fn mode(&self) -> NodeMode {
        NodeMode::Full
    }
    fn overlay(&self) -> Address {
        self.client.overlay()
    }
    fn public_key(&self) -> PublicKey {
        self.public_key
    }
    fn underlay(&self) -> Vec<String> {
        self.underlay.clone()
    }
    fn peers(&self) -> Vec<PeerView> {
        let mut peers: Vec<PeerView> = self
            .client
            .bee_peers()
            .into_iter()
            .map(|p| PeerView {
                overlay: p.overlay,
                full_node: p.full_node,
            })
            .collect();
        peers.sort_by_key(|p| p.overlay);
        peers
    }
    fn depth(&self) -> u8 {
        self.client.topology().depth
    }
    fn snapshot(&self) -> BoxFuture<'_, StatusSnapshot> {
        Box::pin(async {
            let bee = self.client.shared.bee.snapshot();
            let s = super::pullsync::status(&self.client, bee).await;
            let narrow = |n: u32| u8::try_from(n).unwrap_or(u8::MAX);
            StatusSnapshot {
                reserve_size: s.reserve_size,
                reserve_size_within_radius: s.reserve_size_within_radius,
                pullsync_rate: s.pullsync_rate,
                storage_radius: narrow(s.storage_radius),
                connected_peers: s.connected_peers,
                neighborhood_size: s.neighborhood_size,
                batch_commitment: s.batch_commitment,
                is_reachable: s.is_reachable,
                last_synced_block: s.last_synced_block,
                committed_depth: narrow(s.committed_depth),
            }
        })
    }
}
