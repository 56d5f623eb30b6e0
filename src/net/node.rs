//! The node: a libp2p swarm owned by one event loop task, and a cloneable [`Client`] handle.
//!
//! The [`EventLoop`] owns the `Swarm` and is the only code that touches it: it turns swarm events into
//! peer-table updates and handshakes, and [`Command`]s (each with a oneshot reply) into dials and
//! disconnects, keeping pending dials in a map keyed by connection id. Streams of bee's protocols
//! are opened and accepted outside it (`streams`), and the chunk logic ([`super::retrieval`],
//! [`super::pushsync`]) runs in ordinary tasks, so the swarm is never blocked by a slow peer or a
//! store write.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::StreamExt;
use libp2p::core::ConnectedPoint;
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{ConnectionId, NetworkBehaviour, SwarmEvent};
use libp2p::{identify, noise, ping, tcp, yamux, Multiaddr, PeerId, Swarm};
use tokio::sync::{mpsc, oneshot};

use super::bee::handshake::Local;
use super::bee::pushsync::{CheckedReceipt, Push};
use super::bee_node::{self, BeePeer, BeeState};
use super::identity::OverlayIdentity;
use super::peers::{PeerInfo, PeerTable};
use super::pushsync::PostageCheck;
use super::{pushsync, retrieval, NetError};
use crate::address::Address;
use crate::store::ChunkStore;

/// The protocol version identify reports (the stream itself is libp2p's `/ipfs/id/1.0.0`).
const IDENTIFY_VERSION: &str = "swarmec/1";

/// How a node behaves; [`NodeConfig::default`] gives the documented defaults.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Addresses to listen on (none for a client).
    pub listen: Vec<Multiaddr>,
    /// Peers to join the network through.
    pub bootstrap: Vec<Multiaddr>,
    /// How many of the closest nodes store each chunk (default 2).
    pub replication: usize,
    /// Whether this node stores chunks pushed to it (a node) or only routes its own (a client).
    pub storer: bool,
    /// Longest wait for one peer's answer to one request (default 10 s).
    pub request_timeout: Duration,
    /// Longest a node spends serving one request it forwards (default 5 s; below `request_timeout`
    /// so the requester hears back before giving up on it).
    pub forward_timeout: Duration,
    /// Longest an origin spends fetching one chunk over all peers (default 30 s).
    pub retrieve_deadline: Duration,
    /// Peers an origin asks for one chunk before giving up (default 6).
    pub origin_attempts: usize,
    /// Closer peers a forwarder asks before answering not found (default 3).
    pub forward_attempts: usize,
    /// How long a peer that failed a request is not asked (default 60 s).
    pub skip_duration: Duration,
    /// How often a node without peers dials its bootstrap peers again (default 30 s).
    pub bootstrap_interval: Duration,
    /// Longest wait for a connection or a listener (default 10 s).
    pub connect_timeout: Duration,
    /// bee's network id (default 1, Swarm mainnet); peers on another network are refused.
    pub network_id: u64,
    /// The overlay key and nonce; `None` draws a key for this run only (a client's).
    pub overlay: Option<OverlayIdentity>,
    /// The greeting sent in bee's handshake (at most 140 bytes).
    pub welcome: String,
    /// The storage radius sent in receipts and used to refuse shallow ones (default 0: every
    /// node of a small network is in every neighbourhood).
    pub storage_radius: u8,
    /// The batch store and stamp ledger that deliveries are checked against; `None` accepts any
    /// well-formed stamp (a client, which stores nothing, or a test).
    pub postage: Option<PostageCheck>,
    /// Longest wait for the node's view of its neighbourhood to settle before it is called ready
    /// anyway (default 15 s; [`Node::settled`]).
    pub settle_timeout: Duration,
    /// The reserve: the chunks this node keeps for its neighbourhood, indexed for pull sync
    /// ([`super::pullsync`]). `None`: no pull sync (a client, or a node in a test).
    pub reserve: Option<Arc<crate::reserve::Reserve>>,
    /// Chunks fetched from peers to serve downloads that a node with a reserve keeps in its store
    /// (default bee's 1,000,000); beyond it the oldest fetched are removed.
    pub cache_capacity: u64,
    /// How often the puller looks at its peers and the reserve's capacity (default 1 s).
    pub puller_tick: Duration,
    /// Longest a pull-sync server waits for a chunk in a bin before it answers with an empty
    /// offer (default 30 s; bee waits until the stream ends).
    pub pull_live_wait: Duration,
    /// How long a pull-sync server that has something to offer waits for more before it offers
    /// fewer than a full page: the page closes when this passes without a new chunk in the bin
    /// (default 1 s, bee's `pageTimeout`).
    pub pull_page_wait: Duration,
}

/// How long nothing may change (no peer joining or leaving, no dial starting or ending) before a
/// node's view counts as settled: long enough for hive's records to arrive after a handshake and
/// their dials to start, on loopback and on a LAN.
pub const SETTLE_QUIET: Duration = Duration::from_secs(1);

/// How [`Node::settled`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// No bootstrap peers: nothing to wait for.
    Alone,
    /// Every bootstrap peer answered, no dial is pending, and nothing changed for [`SETTLE_QUIET`].
    Quiet,
    /// [`NodeConfig::settle_timeout`] ran out first.
    TimedOut,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            listen: Vec::new(),
            bootstrap: Vec::new(),
            replication: 2,
            storer: true,
            request_timeout: Duration::from_secs(10),
            forward_timeout: Duration::from_secs(5),
            retrieve_deadline: Duration::from_secs(30),
            origin_attempts: 6,
            forward_attempts: 3,
            skip_duration: Duration::from_secs(60),
            bootstrap_interval: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            network_id: 1,
            overlay: None,
            welcome: String::new(),
            storage_radius: 0,
            cache_capacity: crate::reserve::DEFAULT_CACHE_CAPACITY,
            postage: None,
            settle_timeout: Duration::from_secs(15),
            reserve: None,
            puller_tick: Duration::from_secs(1),
            pull_live_wait: Duration::from_secs(30),
            pull_page_wait: Duration::from_secs(1),
        }
    }
}

/// A known peer as the node sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSummary {
    /// Its peer id.
    pub peer_id: PeerId,
    /// Its overlay address.
    pub overlay: Address,
    /// Its score (negative after bad deliveries).
    pub score: i32,
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    streams: super::streams::Behaviour,
    ping: ping::Behaviour,
}

/// State shared by the event loop and the protocol handlers.
pub(crate) struct Shared {
    pub(crate) peer_id: PeerId,
    pub(crate) overlay: Address,
    pub(crate) store: Arc<dyn ChunkStore>,
    pub(crate) config: NodeConfig,
    peers: Mutex<PeerTable>,
    pub(crate) bee: BeeState,
    /// Chunks were stored since the last durable sync.
    dirty: AtomicBool,
    /// Per bin of the reserve, the entries it gained since start (pull-sync servers of that bin
    /// wait on it; a chunk wakes only the servers of its own bin).
    pub(crate) reserve_changed: Vec<tokio::sync::watch::Sender<u64>>,
    /// The reserve's radius as last read (the configured radius is its floor).
    reserve_radius: std::sync::atomic::AtomicU8,
    /// Set when the node shuts down (the puller stops).
    pub(crate) stopped: tokio::sync::watch::Sender<bool>,
    /// Chunks pulled into the reserve since start.
    pub(crate) pulled: std::sync::atomic::AtomicU64,
    /// Chunks pulled per second over the puller's last tick, as `f64` bits (bee's sync rate).
    pub(crate) pull_rate: std::sync::atomic::AtomicU64,
    /// Pushsync's stamp checks and chunk stores, batched on threads of their own.
    pub(crate) intake: super::pushsync::Intake,
}

impl Shared {
    /// The peer table (a poisoned lock is recovered: the table holds no invariants a panic can break).
    pub(crate) fn peers(&self) -> MutexGuard<'_, PeerTable> {
        self.peers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// The storage radius: the reserve's, at least the configured one.
    pub(crate) fn radius(&self) -> u8 {
        self.reserve_radius
            .load(Ordering::Acquire)
            .max(self.config.storage_radius)
    }

    pub(crate) fn set_reserve_radius(&self, radius: u8) {
        self.reserve_radius.store(radius, Ordering::Release);
    }

    /// Tells the pull-sync servers waiting on `chunk`'s bin that the reserve gained its entry.
    pub(crate) fn reserve_grew(&self, chunk: &Address) {
        let bin = usize::from(self.overlay.proximity(chunk));
        if let Some(bin) = self.reserve_changed.get(bin) {
            bin.send_modify(|n| *n = n.wrapping_add(1));
        }
    }
}

type Reply<T> = oneshot::Sender<Result<T, NetError>>;

enum Command {
    Dial {
        address: Multiaddr,
        reply: Reply<PeerId>,
    },
    /// Closes every connection to a peer (a refused handshake).
    Disconnect(PeerId),
    Shutdown,
}

/// A cloneable handle to a running node.
#[derive(Clone)]
pub struct Client {
    commands: mpsc::Sender<Command>,
    pub(crate) shared: Arc<Shared>,
}

impl Client {
    /// This node's peer id.
    pub fn peer_id(&self) -> PeerId {
        self.shared.peer_id
    }

    /// This node's overlay address.
    pub fn overlay(&self) -> Address {
        self.shared.overlay
    }

    /// The peers this node routes to.
    pub fn peers(&self) -> Vec<PeerSummary> {
        let mut out: Vec<PeerSummary> = self
            .shared
            .peers()
            .all()
            .into_iter()
            .map(|(peer_id, PeerInfo { overlay, score, .. })| PeerSummary {
                peer_id,
                overlay,
                score,
            })
            .collect();
        out.sort_by_key(|p| p.overlay);
        out
    }

    /// The peers that completed bee's handshake, by overlay.
    pub fn bee_peers(&self) -> Vec<BeePeer> {
        self.shared.bee.peers()
    }

    /// The topology: neighbourhood depth and connected full peers per bin.
    pub fn topology(&self) -> super::topology::Snapshot {
        self.shared.bee.topology()
    }

    /// Whether a connection to `peer` is open.
    pub fn is_connected(&self, peer: &PeerId) -> bool {
        self.shared.bee.is_connected(peer)
    }

    /// How many handshakes this node refused (a peer on another network, a forged address...).
    pub fn refused_handshakes(&self) -> usize {
        self.shared.bee.refused()
    }

    /// Fetches a chunk from the network (not from the local store), validated against `address`.
    pub async fn retrieve(&self, address: Address) -> Result<Option<Vec<u8>>, NetError> {
        Ok(retrieval::fetch(self, address).await)
    }

    /// Asks a connected peer for bee's status snapshot (reserve size, radius, mode, ...).
    pub async fn peer_status(
        &self,
        peer: PeerId,
    ) -> Result<super::bee::pb::status::Snapshot, NetError> {
        let mut stream = bee_node::open_stream(self, peer, super::bee::STATUS)
            .await
            .ok_or_else(|| NetError::Request(format!("cannot open a status stream to {peer}")))?;
        super::bee::status::get_status(&mut stream, self.shared.config.request_timeout)
            .await
            .map_err(|e| NetError::Request(format!("status of {peer}: {e}")))
    }

    /// Pushes a stamped chunk to its closest nodes and returns the storer's checked receipt.
    pub async fn push(&self, push: Push) -> Result<CheckedReceipt, NetError> {
        pushsync::push_origin(self, push).await
    }

    /// Connects to `address` and returns the peer id found there once bee's handshake with it is
    /// done.
    pub async fn dial(&self, address: Multiaddr) -> Result<PeerId, NetError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Dial { address, reply }).await?;
        let connect = async {
            let peer = rx.await.map_err(|_| NetError::Stopped)??;
            self.shared
                .bee
                .joined(&peer)
                .await
                .map_err(|reason| NetError::Transport(format!("{peer}: {reason}")))?;
            Ok(peer)
        };
        tokio::time::timeout(self.shared.config.connect_timeout, connect)
            .await
            .map_err(|_| NetError::Timeout("connecting and completing the handshake"))?
    }

    /// Closes every connection to `peer`.
    pub(crate) async fn disconnect(&self, peer: PeerId) {
        // A stopped node has no connections left to close.
        let _ = self.send(Command::Disconnect(peer)).await;
    }

    async fn send(&self, command: Command) -> Result<(), NetError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| NetError::Stopped)
    }
}

/// A running node: its event loop task and a client handle.
pub struct Node {
    client: Client,
    listen_addrs: Vec<Multiaddr>,
    task: tokio::task::JoinHandle<()>,
}

impl Node {
    /// Starts a node on the current tokio runtime with key `keypair` and local store `store`: listens,
    /// waits until every listener is bound, and dials the bootstrap peers.
    pub async fn start(
        keypair: Keypair,
        store: Arc<dyn ChunkStore>,
        config: NodeConfig,
    ) -> Result<Node, NetError> {
        let peer_id = keypair.public().to_peer_id();
        let storer = config.storer;
        let overlay_identity = match &config.overlay {
            Some(o) => o.clone(),
            None => OverlayIdentity {
                key: crate::identity::OverlayKey::generate()
                    .map_err(|e| NetError::Transport(e.to_string()))?,
                nonce: [0; crate::identity::key::NONCE_SIZE],
            },
        };
        let local = Local {
            key: overlay_identity.key,
            nonce: overlay_identity.nonce,
            network_id: config.network_id,
            full_node: storer,
            welcome: config.welcome.clone(),
            timeout: bee_node::MESSAGE_TIMEOUT,
        };
        let overlay = local.overlay();
        let (streams, inbound, opener) = super::streams::Behaviour::new(&bee_node::PROTOCOLS);
        let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair.clone())
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(|e| NetError::Transport(e.to_string()))?
            .with_behaviour(|key| Behaviour {
                identify: identify::Behaviour::new(
                    identify::Config::new(IDENTIFY_VERSION.to_string(), key.public())
                        .with_agent_version(format!("swarmec/{}", env!("CARGO_PKG_VERSION"))),
                ),
                streams,
                ping: ping::Behaviour::default(),
            })
            .map_err(|e| NetError::Transport(e.to_string()))?
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
            .build();
        let listen_addrs = listen(&mut swarm, &config).await?;
        let mut pending_dial = HashMap::new();
        let mut bootstrap = Vec::new();
        for address in &config.bootstrap {
            let opts = DialOpts::from(address.clone());
            let (reply, answer) = oneshot::channel();
            pending_dial.insert(opts.connection_id(), reply);
            swarm
                .dial(opts)
                .map_err(|e| NetError::Dial(address.clone(), e.to_string()))?;
            bootstrap.push(answer);
        }

        let bee = BeeState::new(local, opener);
        bee.set_advertised(advertised(&listen_addrs));
        let intake = super::pushsync::Intake::start(
            store.clone(),
            config.reserve.clone(),
            config.postage.as_ref().map(|p| p.0.clone()),
        )
        .map_err(NetError::Thread)?;
        let shared = Arc::new(Shared {
            intake,
            peer_id,
            overlay,
            store,
            config,
            peers: Mutex::new(PeerTable::default()),
            bee,
            dirty: AtomicBool::new(false),
            reserve_changed: (0..crate::reserve::BINS)
                .map(|_| tokio::sync::watch::channel(0).0)
                .collect(),
            reserve_radius: std::sync::atomic::AtomicU8::new(0),
            stopped: tokio::sync::watch::channel(false).0,
            pulled: std::sync::atomic::AtomicU64::new(0),
            pull_rate: std::sync::atomic::AtomicU64::new(0),
        });
        let (tx, rx) = mpsc::channel(256);
        let client = Client {
            commands: tx,
            shared: shared.clone(),
        };
        let event_loop = EventLoop {
            swarm,
            commands: rx,
            client: client.clone(),
            pending_dial,
        };
        bee_node::spawn_acceptors(&client, inbound);
        super::pullsync::spawn_puller(&client);
        track_bootstrap(&client, bootstrap);
        let task = tokio::spawn(event_loop.run());
        Ok(Node {
            client,
            listen_addrs,
            task,
        })
    }

    /// A handle for requests.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Peer id.
    pub fn peer_id(&self) -> PeerId {
        self.client.peer_id()
    }

    /// Overlay address.
    pub fn overlay(&self) -> Address {
        self.client.overlay()
    }

    /// The bound listen addresses, each ending in `/p2p/<peer id>`.
    pub fn listen_addrs(&self) -> &[Multiaddr] {
        &self.listen_addrs
    }

    /// Waits until the node's view of its neighbourhood has settled, or
    /// [`NodeConfig::settle_timeout`] ran out: every bootstrap peer answered (its handshake done or
    /// failed), no dial to a peer hive passed on is pending, and nothing changed for
    /// [`SETTLE_QUIET`]. A node without bootstrap peers has nothing to wait for.
    pub async fn settled(&self) -> Settled {
        let shared = &self.client.shared;
        if shared.config.bootstrap.is_empty() {
            return Settled::Alone;
        }
        let wait = shared.bee.settled(SETTLE_QUIET);
        match tokio::time::timeout(shared.config.settle_timeout, wait).await {
            Ok(()) => Settled::Quiet,
            Err(_) => Settled::TimedOut,
        }
    }

    /// Stops the event loop (closing every connection) and makes the store durable.
    pub async fn shutdown(self) -> Result<(), NetError> {
        self.client.shared.stopped.send_replace(true);
        // The loop may already be gone; either way we wait for it below.
        let _ = self.client.commands.send(Command::Shutdown).await;
        self.task
            .await
            .map_err(|e| NetError::Transport(format!("event loop failed: {e}")))?;
        self.client.shared.store.sync()?;
        if let Some(reserve) = &self.client.shared.config.reserve {
            reserve
                .sync()
                .map_err(|e| NetError::Transport(e.to_string()))?;
        }
        Ok(())
    }
}

/// Counts the bootstrap dials as unanswered until each connection's handshake is done or failed
/// (each within [`NodeConfig::connect_timeout`]).
fn track_bootstrap(client: &Client, answers: Vec<oneshot::Receiver<Result<PeerId, NetError>>>) {
    client.shared.bee.bootstrap_started(answers.len());
    for answer in answers {
        let client = client.clone();
        tokio::spawn(async move {
            let bee = &client.shared.bee;
            if let Ok(Ok(peer)) = answer.await {
                let timeout = client.shared.config.connect_timeout;
                // A failed or stalled handshake is an answer too.
                let _ = tokio::time::timeout(timeout, bee.joined(&peer)).await;
            }
            bee.bootstrap_answered();
        });
    }
}

/// Binds every listen address and returns them with the peer id appended.
async fn listen(
    swarm: &mut Swarm<Behaviour>,
    config: &NodeConfig,
) -> Result<Vec<Multiaddr>, NetError> {
    let mut ids = Vec::new();
    for address in &config.listen {
        let id = swarm
            .listen_on(address.clone())
            .map_err(|e| NetError::Listen(address.clone(), e.to_string()))?;
        ids.push(id);
    }
    let mut bound = Vec::new();
    let peer_id = *swarm.local_peer_id();
    let wait = async {
        while bound.len() < ids.len() {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr { address, .. } => {
                    bound.push(address.with(Protocol::P2p(peer_id)))
                }
                SwarmEvent::ListenerError { error, .. } => {
                    return Err(NetError::Transport(error.to_string()))
                }
                SwarmEvent::ListenerClosed {
                    reason: Err(error), ..
                } => return Err(NetError::Transport(error.to_string())),
                _ => {}
            }
        }
        Ok(())
    };
    tokio::time::timeout(config.connect_timeout, wait)
        .await
        .map_err(|_| NetError::Timeout("binding listen addresses"))??;
    Ok(bound)
}

/// The listen addresses worth telling others: all but unspecified ones (`0.0.0.0`), unless that is
/// all there is.
fn advertised(listen: &[Multiaddr]) -> Vec<Multiaddr> {
    let specified: Vec<Multiaddr> = listen
        .iter()
        .filter(|a| {
            !a.iter().any(|p| match p {
                Protocol::Ip4(ip) => ip.is_unspecified(),
                Protocol::Ip6(ip) => ip.is_unspecified(),
                _ => false,
            })
        })
        .cloned()
        .collect();
    if specified.is_empty() {
        listen.to_vec()
    } else {
        specified
    }
}

struct EventLoop {
    swarm: Swarm<Behaviour>,
    commands: mpsc::Receiver<Command>,
    client: Client,
    pending_dial: HashMap<ConnectionId, Reply<PeerId>>,
}

impl EventLoop {
    async fn run(mut self) {
        let shared = self.client.shared.clone();
        let mut bootstrap = tokio::time::interval(shared.config.bootstrap_interval);
        // Pushed chunks are committed without fsync; this makes them durable within a second.
        let mut sync = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_event(event),
                command = self.commands.recv() => match command {
                    None | Some(Command::Shutdown) => break,
                    Some(command) => self.on_command(command),
                },
                _ = bootstrap.tick() => {
                    // Alone, a node dials its bootstrap peers again (they may have been down);
                    // once it has a peer, hive brings it the others.
                    if shared.config.storer && shared.bee.peers().is_empty() {
                        for address in &shared.config.bootstrap {
                            if let Err(e) = self.swarm.dial(address.clone()) {
                                tracing::debug!(%address, error = %e, "cannot dial a bootstrap peer");
                            }
                        }
                    }
                }
                _ = sync.tick() => {
                    if shared.dirty.swap(false, Ordering::AcqRel) {
                        let store = shared.store.clone();
                        // A failed sync is retried at the next tick.
                        let retry = shared.clone();
                        let postage = shared.config.postage.clone();
                        let reserve = shared.config.reserve.clone();
                        tokio::task::spawn_blocking(move || {
                            let stamps = postage.map_or(Ok(()), |p| p.0.sync());
                            // The chunks before the reserve's record of them (and of the
                            // intervals synced), so that no record outlives its chunks.
                            let stored = store.sync();
                            let reserved = match (&stored, reserve) {
                                (Ok(()), Some(r)) => r.sync().map_err(|e| e.to_string()),
                                _ => Ok(()),
                            };
                            if stored.is_err() || stamps.is_err() || reserved.is_err() {
                                retry.mark_dirty();
                            }
                        });
                    }
                }
            }
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Dial { address, reply } => {
                let opts = DialOpts::unknown_peer_id().address(address.clone()).build();
                let id = opts.connection_id();
                match self.swarm.dial(opts) {
                    Ok(()) => {
                        self.pending_dial.insert(id, reply);
                    }
                    Err(e) => {
                        let _ = reply.send(Err(NetError::Dial(address, e.to_string())));
                    }
                }
            }
            Command::Disconnect(peer) => {
                // Already gone is fine.
                let _ = self.swarm.disconnect_peer_id(peer);
            }
            Command::Shutdown => {}
        }
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                endpoint,
                ..
            } => {
                match endpoint {
                    ConnectedPoint::Dialer { address, .. } => {
                        self.client.shared.bee.connected(peer_id, address.clone());
                        bee_node::spawn_outbound_handshake(self.client.clone(), peer_id, address);
                    }
                    ConnectedPoint::Listener { send_back_addr, .. } => {
                        self.client.shared.bee.connected(peer_id, send_back_addr);
                    }
                }
                if let Some(reply) = self.pending_dial.remove(&connection_id) {
                    let _ = reply.send(Ok(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                self.client.shared.peers().remove(&peer_id);
                self.client.shared.bee.disconnected(&peer_id);
            }
            SwarmEvent::OutgoingConnectionError {
                connection_id,
                error,
                ..
            } => {
                if let Some(reply) = self.pending_dial.remove(&connection_id) {
                    let _ = reply.send(Err(NetError::Transport(error.to_string())));
                }
            }
            _ => {}
        }
    }
}
