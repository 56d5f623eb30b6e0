//! The network: libp2p nodes that push chunks to the nodes closest to them and retrieve chunks from
//! wherever they are, speaking bee's protocols (spec §8; `docs/NETWORK.md`), so that bee nodes and
//! swarmec nodes form one network.
//!
//! # Transport and discovery
//! TCP with Noise and Yamux, on tokio; identify and ping. A node dials its bootstrap peers (again
//! every [`NodeConfig::bootstrap_interval`] while it has none); every connection runs bee's
//! handshake ([`bee::handshake`], driven by `bee_node`), and the full nodes that complete it are the
//! chunk peers. Hive finds the rest: a node tells a new full peer the full peers it knows and tells
//! those about it, and dials the peers it is told about as its [`topology`] decides (bee's bins,
//! depth and saturation).
//!
//! # Identity and overlay
//! A libp2p key (`node.key`) and bee's secp256k1 overlay key with its nonce (`overlay.key`), both in
//! the data directory ([`identity`]). The overlay address is bee's, on [`NodeConfig::network_id`];
//! proximity and distance are bee's (§8.4).
//!
//! # Protocols
//! * bee's handshake, pricing, pseudosettle, status, pingpong, hive, retrieval and pushsync
//!   ([`bee`], [`retrieval`], [`pushsync`]) on raw libp2p streams (`streams`); no protocol of our
//!   own. Deliveries carry bee's postage stamps; a node with a batch store checks them
//!   ([`pushsync::StampCheck`]), an uploader stamps with [`pushsync::Stamper`].
//!
//! Every wait is bounded: per request ([`NodeConfig::request_timeout`]), per forward
//! ([`NodeConfig::forward_timeout`]), per chunk at the origin ([`NodeConfig::retrieve_deadline`]),
//! per connection or listener ([`NodeConfig::connect_timeout`]).
//!
//! # What it refuses
//! Chunks that are neither valid content-addressed nor single-owner chunks are never stored, relayed
//! or returned; malformed or oversized messages fail the request. Peers on another network, or whose
//! signed address does not check out, are refused at the handshake.
//!
//! # Not built
//! Batches from the chain (only local batches; see `docs/NETWORK.md`), pruning of
//! oversaturated bins and bee's other topology upkeep (see [`topology`]),
//! bandwidth accounting beyond accepting light nodes' payments (SWAP), storage radius and reserve
//! management, pull sync, NAT traversal and QUIC.

mod batcher;
pub mod bee;
mod bee_node;
pub mod identity;
mod node;
pub mod peers;
pub mod pullsync;
pub mod pushsync;
pub mod retrieval;
pub mod status;
mod store;
mod streams;
pub mod topology;

use std::path::Path;
use std::sync::Arc;

pub use libp2p::{Multiaddr, PeerId};

pub use self::bee_node::BeePeer;
pub use self::node::{Client, Node, NodeConfig, PeerSummary, Settled, SETTLE_QUIET};
pub use self::store::{NetworkStore, BATCH_FULL_OP};
use crate::address::Address;
use crate::store::{ChunkStore, MemStore, StoreError};

/// A network failure.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The node key could not be loaded or created.
    #[error(transparent)]
    Identity(#[from] identity::IdentityError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The transport could not be set up, or a connection failed.
    #[error("network transport: {0}")]
    Transport(String),
    /// A listen address could not be used.
    #[error("cannot listen on {0}: {1}")]
    Listen(Multiaddr, String),
    /// A peer could not be dialled.
    #[error("cannot dial {0}: {1}")]
    Dial(Multiaddr, String),
    /// A request to a peer failed.
    #[error("request failed: {0}")]
    Request(String),
    /// No peer accepted a chunk.
    #[error("pushing chunk {address} failed: {message}")]
    Push {
        /// The chunk.
        address: Address,
        /// Why.
        message: String,
    },
    /// A bounded wait ran out.
    #[error("timed out {0}")]
    Timeout(&'static str),
    /// The node has stopped.
    #[error("the network node has stopped")]
    Stopped,
    /// The async runtime could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// A thread of the node could not be started.
    #[error("cannot start a thread of the node: {0}")]
    Thread(std::io::Error),
}

/// A multi-threaded tokio runtime for a node or a client.
pub fn runtime() -> Result<tokio::runtime::Runtime, NetError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(NetError::Runtime)
}

/// How often [`run_node`] looks at the peer count it reports.
const PEER_REPORT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

/// Runs a storer node on `store` with the key in `data_dir` until SIGINT or SIGTERM, then shuts down
/// cleanly. `ready` is called once the node's view of its neighbourhood has settled
/// ([`Node::settled`]: its bootstrap peers answered and the peers hive told it of were dialled, or
/// [`NodeConfig::settle_timeout`] ran out); `peers` then with the number of known peers whenever it
/// changes (an operator's view of the routing table, and what tests wait for).
pub fn run_node(
    data_dir: &Path,
    store: Arc<dyn ChunkStore>,
    config: NodeConfig,
    ready: impl FnOnce(&Node),
    mut peers: impl FnMut(usize) + Send + 'static,
) -> Result<(), NetError> {
    let key = identity::load_or_create_key(data_dir)?;
    let config = NodeConfig {
        overlay: Some(match config.overlay {
            Some(o) => o,
            None => identity::load_or_create_overlay(data_dir)?,
        }),
        ..config
    };
    let rt = runtime()?;
    rt.block_on(async move {
        let signal = shutdown_signal().map_err(NetError::Runtime)?;
        tokio::pin!(signal);
        let node = Node::start(key, store, config).await?;
        tokio::select! {
            settled = node.settled() => {
                let t = node.client().topology();
                tracing::info!(?settled, peers = t.connected, depth = t.depth, "ready");
            }
            _ = &mut signal => return node.shutdown().await,
        }
        ready(&node);
        let client = node.client();
        let report = tokio::spawn(async move {
            let mut last = None;
            let mut tick = tokio::time::interval(PEER_REPORT_INTERVAL);
            loop {
                tick.tick().await;
                let n = client.peers().len();
                if last != Some(n) {
                    last = Some(n);
                    peers(n);
                }
            }
        });
        signal.await;
        report.abort();
        node.shutdown().await
    })
}

/// Listens for the signals that ask a server to stop: SIGINT and SIGTERM (what service managers
/// send), Ctrl-C where there are no Unix signals. Listening starts when this returns (call it inside a
/// tokio runtime), so a signal sent afterwards is never missed; the future ends at the first signal.
/// Shared by `node` and `api`.
#[cfg(unix)]
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static>
{
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Listens for Ctrl-C (from the first poll); the future ends at the first.
#[cfg(not(unix))]
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static>
{
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler: the process still ends on the signal, only less gracefully.
            std::future::pending::<()>().await
        }
    })
}

/// A short-lived client connected to a node (and to the full peers that node's hive names): it
/// pushes and retrieves over the network with an ephemeral key and an in-memory store that keeps
/// nothing it pushes or fetches; writes need a stamper ([`Session::with_stamper`]).
pub struct Session {
    runtime: tokio::runtime::Runtime,
    node: Node,
    store: NetworkStore,
    peer: PeerId,
}

impl Session {
    /// Connects to the node at `address` (within [`NodeConfig::connect_timeout`]).
    pub fn connect(address: &Multiaddr, config: NodeConfig) -> Result<Session, NetError> {
        let runtime = runtime()?;
        let config = NodeConfig {
            storer: false,
            listen: Vec::new(),
            bootstrap: Vec::new(),
            ..config
        };
        let key = libp2p::identity::Keypair::generate_ed25519();
        let local: Arc<dyn ChunkStore> = Arc::new(MemStore::new());
        let (node, peer) = runtime.block_on(async {
            let node = Node::start(key, local.clone(), config).await?;
            let peer = node.client().dial(address.clone()).await?;
            Ok::<_, NetError>((node, peer))
        })?;
        let store = NetworkStore::new(local, node.client(), runtime.handle().clone(), false);
        Ok(Session {
            runtime,
            node,
            store,
            peer,
        })
    }

    /// This session with writes stamped by `stamper` (without one, writes are refused).
    pub fn with_stamper(self, stamper: Arc<dyn pushsync::Stamper>) -> Session {
        Session {
            store: self.store.with_stamper(stamper),
            ..self
        }
    }

    /// The store over the connected node.
    pub fn store(&self) -> &NetworkStore {
        &self.store
    }

    /// This client's overlay address.
    pub fn overlay(&self) -> Address {
        self.node.overlay()
    }

    /// The node connected to.
    pub fn peer(&self) -> PeerId {
        self.peer
    }

    /// The overlay of the node connected to, as its handshake gave it.
    pub fn peer_overlay(&self) -> Option<Address> {
        self.node
            .client()
            .bee_peers()
            .into_iter()
            .find(|p| p.peer_id == self.peer)
            .map(|p| p.overlay)
    }

    /// Disconnects.
    pub fn close(self) -> Result<(), NetError> {
        let Session { runtime, node, .. } = self;
        runtime.block_on(node.shutdown())
    }
}
