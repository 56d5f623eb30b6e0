//! The node's side of bee's protocols: a handshake on every connection, then pricing, pseudosettle,
//! status, pingpong, hive, retrieval and pushsync on raw libp2p streams ([`super::streams`]), each stream
//! served by its own task. The exchanges themselves are in [`super::bee`]; this file runs them on the
//! node's connections and keeps what they learn (the peers that completed a handshake).
//!
//! What this node does for a peer: it answers status as a full node (bee's light nodes do not
//! retrieve before some full peer has answered), announces a payment threshold and accepts every
//! pseudosettle payment in full (so bee's light nodes are never held back or cut off), and serves
//! retrieval from its store or, lacking the chunk, from the network.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::AsyncReadExt;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::bee::handshake::{self, HandshakeError, Local, Remote};
use super::bee::pb::pushsync::Receipt;
use super::bee::pb::status::Snapshot;
use super::bee::pushsync::{self as bee_pushsync, Push, PushsyncError};
use super::bee::retrieval::RetrievalError;
use super::bee::{accounting, hive, retrieval as bee_retrieval, status};
use super::bee::{
    HANDSHAKE, HIVE_PEERS, PINGPONG, PRICING, PSEUDOSETTLE, PULLSYNC, PULLSYNC_CURSORS, PUSHSYNC,
    RETRIEVAL, STATUS,
};
use super::node::Client;
use super::streams::{Inbound, Opener};
use super::topology::{self, Topology};
use crate::address::Address;
use crate::identity::BzzAddress;

/// Longest wait for one message of a bee protocol (bee's headers timeout is 10 s).
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for a peer to close its side after a handshake (bee waits 30 s).
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);
/// The protocols this node accepts.
pub const PROTOCOLS: [&str; 10] = [
    HANDSHAKE,
    PRICING,
    PSEUDOSETTLE,
    STATUS,
    PINGPONG,
    HIVE_PEERS,
    RETRIEVAL,
    PUSHSYNC,
    PULLSYNC,
    PULLSYNC_CURSORS,
];

/// Most refused peers whose reason is kept for a waiting dial (a peer could make refusals without
/// end, each with a key of its own).
pub const MAX_REFUSALS_KEPT: usize = 4096;
/// Most full peers a node holds or dials on hearing of others through hive: a hard cap over what
/// the topology asks for.
pub const MAX_DIALLED_PEERS: usize = 128;

/// Longest wait for the address of an inbound connection to be recorded.
const REMOTE_ADDR_WAIT: Duration = Duration::from_secs(2);

/// A peer that completed bee's handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeePeer {
    /// Its libp2p peer id.
    pub peer_id: PeerId,
    /// Its overlay.
    pub overlay: Address,
    /// Whether it is a full node.
    pub full_node: bool,
    /// Its signed address.
    pub address: BzzAddress,
}

/// What the node keeps of bee's protocols.
pub(crate) struct BeeState {
    pub(crate) local: Local,
    opener: Opener,
    peers: Mutex<HashMap<PeerId, BeePeer>>,
    /// Peers this node is dialling the handshake to (one at a time per peer).
    handshaking: Mutex<HashSet<PeerId>>,
    remote_addrs: Mutex<HashMap<PeerId, Multiaddr>>,
    advertised: Mutex<Vec<Multiaddr>>,
    clock: accounting::AckClock,
    refused: AtomicUsize,
    joined: tokio::sync::Notify,
    failed: Mutex<HashMap<PeerId, String>>,
    /// Peers whose handshake finished, both sides closed.
    settled: Mutex<HashSet<PeerId>>,
    /// The connected full peers by bin, and the dials hive's records started.
    topology: Mutex<Topology>,
    /// Bootstrap peers not yet answered (handshake done or failed).
    bootstrapping: AtomicUsize,
    /// When the view last changed: a peer joined or left, a dial started or ended.
    last_change: Mutex<tokio::time::Instant>,
    changed: tokio::sync::Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(1)
}

impl BeeState {
    pub(crate) fn new(local: Local, opener: Opener) -> BeeState {
        let overlay = local.overlay();
        BeeState {
            local,
            opener,
            peers: Mutex::new(HashMap::new()),
            handshaking: Mutex::new(HashSet::new()),
            remote_addrs: Mutex::new(HashMap::new()),
            advertised: Mutex::new(Vec::new()),
            clock: accounting::AckClock::default(),
            refused: AtomicUsize::new(0),
            joined: tokio::sync::Notify::new(),
            failed: Mutex::new(HashMap::new()),
            settled: Mutex::new(HashSet::new()),
            topology: Mutex::new(Topology::new(overlay)),
            bootstrapping: AtomicUsize::new(0),
            last_change: Mutex::new(tokio::time::Instant::now()),
            changed: tokio::sync::Notify::new(),
        }
    }

    /// The topology's numbers: depth and peers per bin.
    pub(crate) fn topology(&self) -> topology::Snapshot {
        lock(&self.topology).snapshot()
    }

    /// Records that the view changed now, and wakes whoever waits for it to settle.
    fn touch(&self) {
        *lock(&self.last_change) = tokio::time::Instant::now();
        self.changed.notify_waiters();
    }

    /// Counts `n` bootstrap dials that are to be answered.
    pub(crate) fn bootstrap_started(&self, n: usize) {
        self.bootstrapping.fetch_add(n, Ordering::AcqRel);
        self.touch();
    }

    /// Records that a bootstrap peer answered (or never will).
    pub(crate) fn bootstrap_answered(&self) {
        // Saturating: never below zero, whatever the caller does.
        let _ = self
            .bootstrapping
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        self.touch();
    }

    /// Waits until every bootstrap peer answered, no dial hive's records started is pending, and
    /// nothing changed for `quiet`.
    pub(crate) async fn settled(&self, quiet: Duration) {
        loop {
            // Created before the checks, so a change between them and the wait is not missed.
            let changed = self.changed.notified();
            let idle = self.bootstrapping.load(Ordering::Acquire) == 0
                && lock(&self.topology).dialling() == 0;
            let since = lock(&self.last_change).elapsed();
            if idle && since >= quiet {
                return;
            }
            if idle {
                tokio::select! {
                    _ = changed => {}
                    _ = tokio::time::sleep(quiet - since) => {}
                }
            } else {
                changed.await;
            }
        }
    }

    /// Adds a full peer to the topology, logging its bin and any change of depth.
    fn enter_topology(&self, peer: &BeePeer) {
        if peer.full_node {
            let change = lock(&self.topology).connect(peer.overlay);
            if let Some(c) = change {
                log_depth(&c);
            }
        }
        self.touch();
    }

    /// The peers that completed a handshake, by overlay.
    pub(crate) fn peers(&self) -> Vec<BeePeer> {
        let mut out: Vec<BeePeer> = lock(&self.peers).values().cloned().collect();
        out.sort_by_key(|p| p.overlay);
        out
    }

    /// Waits until the handshake with `peer` is done: `Ok` once it completed, the reason once it was
    /// refused.
    pub(crate) async fn joined(&self, peer: &PeerId) -> Result<(), String> {
        loop {
            let notified = self.joined.notified();
            if lock(&self.settled).contains(peer) {
                return Ok(());
            }
            if let Some(reason) = lock(&self.failed).get(peer) {
                return Err(reason.clone());
            }
            notified.await;
        }
    }

    /// Whether a connection to `peer` is open.
    pub(crate) fn is_connected(&self, peer: &PeerId) -> bool {
        lock(&self.remote_addrs).contains_key(peer)
    }

    /// Handshakes refused so far (either side).
    pub(crate) fn refused(&self) -> usize {
        self.refused.load(Ordering::Relaxed)
    }

    fn refuse(&self, peer: PeerId, e: &HandshakeError) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        warn!(peer = %peer, error = %e, "handshake refused");
        let mut failed = lock(&self.failed);
        if failed.len() >= MAX_REFUSALS_KEPT {
            failed.clear();
        }
        failed.insert(peer, e.to_string());
        drop(failed);
        self.joined.notify_waiters();
    }

    /// Records the listen addresses this node advertises (each with `/p2p/<id>`).
    pub(crate) fn set_advertised(&self, addrs: Vec<Multiaddr>) {
        *lock(&self.advertised) = addrs;
    }

    /// Records where a connection's peer is, as seen from here.
    pub(crate) fn connected(&self, peer: PeerId, remote: Multiaddr) {
        lock(&self.remote_addrs).insert(peer, remote);
    }

    /// Forgets a peer whose last connection closed.
    pub(crate) fn disconnected(&self, peer: &PeerId) {
        // `failed` is kept: a dial waiting on the handshake reads the reason after the refusal
        // closed the connection.
        lock(&self.remote_addrs).remove(peer);
        lock(&self.settled).remove(peer);
        let Some(p) = lock(&self.peers).remove(peer) else {
            return;
        };
        let change = if p.full_node {
            lock(&self.topology).disconnect(&p.overlay)
        } else {
            None
        };
        let bin = lock(&self.topology).bin(&p.overlay);
        info!(peer = %peer, overlay = %p.overlay, bin, "bee peer left");
        if let Some(c) = change {
            log_depth(&c);
        }
        self.touch();
    }

    /// Whether to dial a peer hive passed on; if so, it is recorded as being dialled.
    fn claim_dial(&self, overlay: Address) -> bool {
        if lock(&self.peers).values().any(|p| p.overlay == overlay) {
            return false;
        }
        let mut topology = lock(&self.topology);
        if topology.connected() + topology.dialling() >= MAX_DIALLED_PEERS {
            return false;
        }
        let decision = topology.decide(&overlay);
        debug!(overlay = %overlay, bin = topology.bin(&overlay), ?decision, "hive record");
        if !decision.dial() {
            return false;
        }
        topology.start_dial(overlay);
        drop(topology);
        self.touch();
        true
    }

    /// Records that a dial [`Self::claim_dial`] allowed has ended.
    fn dial_ended(&self, overlay: &Address) {
        lock(&self.topology).end_dial(overlay);
        self.touch();
    }

    fn advertise(&self) -> Vec<Vec<u8>> {
        lock(&self.advertised).iter().map(|a| a.to_vec()).collect()
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        let peers = lock(&self.peers).len() as u64;
        Snapshot {
            connected_peers: peers,
            neighborhood_size: peers,
            bee_mode: if self.local.full_node {
                status::MODE_FULL
            } else {
                status::MODE_LIGHT
            }
            .to_string(),
            is_reachable: true,
            ..Snapshot::default()
        }
    }
}

fn with_peer(addr: &Multiaddr, peer: PeerId) -> Multiaddr {
    match addr.iter().last() {
        Some(Protocol::P2p(_)) => addr.clone(),
        _ => addr.clone().with(Protocol::P2p(peer)),
    }
}

/// Opens a stream of `protocol` to `peer` (logged and `None` when it cannot be opened).
pub(crate) async fn open_stream(
    client: &Client,
    peer: PeerId,
    protocol: &'static str,
) -> Option<libp2p::Stream> {
    open(client, peer, protocol).await
}

async fn open(client: &Client, peer: PeerId, protocol: &'static str) -> Option<libp2p::Stream> {
    match client.shared.bee.opener.open(peer, protocol).await {
        Ok(s) => Some(s),
        Err(e) => {
            debug!(peer = %peer, protocol, error = %e, "cannot open stream");
            None
        }
    }
}

/// Waits for the peer to close its side (bee's `FullClose`), reading nothing more.
async fn await_close(stream: &mut libp2p::Stream) {
    let mut buf = [0u8; 64];
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
}

/// Runs the dialer's side of the handshake on a connection this node opened to `dialed`.
pub(crate) fn spawn_outbound_handshake(client: Client, peer: PeerId, dialed: Multiaddr) {
    let bee = &client.shared.bee;
    if lock(&bee.peers).contains_key(&peer) || !lock(&bee.handshaking).insert(peer) {
        return;
    }
    tokio::spawn(async move {
        let result = outbound(&client, peer, &dialed).await;
        let bee = &client.shared.bee;
        lock(&bee.handshaking).remove(&peer);
        match result {
            Ok(others) => announce(&client, peer, others).await,
            Err(e) => {
                bee.refuse(peer, &e);
                client.disconnect(peer).await;
            }
        }
    });
}

async fn outbound(
    client: &Client,
    peer: PeerId,
    dialed: &Multiaddr,
) -> Result<Option<Joined>, HandshakeError> {
    let bee = &client.shared.bee;
    let Some(mut stream) = open(client, peer, HANDSHAKE).await else {
        return Err(HandshakeError::Missing("handshake protocol"));
    };
    let dialed = with_peer(dialed, peer).to_vec();
    let ours = bee.advertise();
    let remote = handshake::dial(
        &mut stream,
        &bee.local,
        &dialed,
        |seen| advertisable(ours, seen),
        now,
    )
    .await?;
    Ok(finish(client, peer, remote, &mut stream).await)
}

async fn inbound(
    client: &Client,
    peer: PeerId,
    stream: &mut libp2p::Stream,
) -> Result<Option<Joined>, HandshakeError> {
    let bee = &client.shared.bee;
    let waited = tokio::time::Instant::now();
    let remote_addr = loop {
        if let Some(a) = lock(&bee.remote_addrs).get(&peer) {
            break Some(a.clone());
        }
        if waited.elapsed() > REMOTE_ADDR_WAIT {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let seen = remote_addr
        .map(|a| with_peer(&a, peer))
        .unwrap_or_else(|| Multiaddr::empty().with(Protocol::P2p(peer)));
    let ours = bee.advertise();
    let remote = handshake::listen(
        stream,
        &bee.local,
        &seen.to_vec(),
        |seen| advertisable(ours, seen),
        now,
    )
    .await?;
    Ok(finish(client, peer, remote, stream).await)
}

/// What this node signs as its underlays: its listen addresses, or, listening nowhere (a client),
/// where the peer sees it (bee signs at least one underlay and refuses a record without).
fn advertisable(listen: Vec<Vec<u8>>, seen: &[Vec<u8>]) -> Vec<Vec<u8>> {
    if listen.is_empty() {
        seen.to_vec()
    } else {
        listen
    }
}

/// After a successful exchange: registers the peer, then closes the stream and waits for the peer
/// to close its side, as bee does, so that when either side sees the other's close, both have
/// registered each other and protocol streams are welcome. Returns the full peers to tell the new
/// peer about, or `None` if it was known already (the second of two simultaneous handshakes).
async fn finish(
    client: &Client,
    peer: PeerId,
    remote: Remote,
    stream: &mut libp2p::Stream,
) -> Option<Joined> {
    let others = register(client, peer, remote);
    let _ = super::bee::wire::close(stream).await;
    await_close(stream).await;
    let bee = &client.shared.bee;
    lock(&bee.settled).insert(peer);
    bee.joined.notify_waiters();
    others
}

/// A peer that just joined, and the full peers known before it.
struct Joined {
    new: BeePeer,
    /// The full peers known before it.
    others: Vec<BeePeer>,
    /// The light peers known before it.
    light: Vec<BeePeer>,
}

fn register(client: &Client, peer: PeerId, remote: Remote) -> Option<Joined> {
    let bee = &client.shared.bee;
    if lock(&bee.peers).contains_key(&peer) {
        return None;
    }
    let new = BeePeer {
        peer_id: peer,
        overlay: remote.overlay,
        full_node: remote.full_node,
        address: remote.address.clone(),
    };
    info!(
        peer = %peer,
        overlay = %new.overlay,
        bin = client.shared.overlay.proximity(&new.overlay),
        full_node = new.full_node,
        welcome = %remote.welcome,
        "bee peer joined"
    );
    let (others, light): (Vec<BeePeer>, Vec<BeePeer>) = lock(&bee.peers)
        .values()
        .cloned()
        .partition(|p| p.full_node);
    if new.full_node {
        // Only full nodes store and serve chunks; light ones (bee's light and ultra-light nodes,
        // swarmec's clients) are never asked.
        client.shared.peers().add(peer, new.overlay);
    }
    lock(&bee.failed).remove(&peer);
    lock(&bee.peers).insert(peer, new.clone());
    bee.enter_topology(&new);
    Some(Joined { new, others, light })
}

/// Tells a new peer our payment threshold and the full peers we know, and, if it is a full node,
/// tells those about it (bee's kademlia `Announce`): hive is how nodes find each other.
async fn announce(client: &Client, peer: PeerId, joined: Option<Joined>) {
    let Some(Joined { new, others, light }) = joined else {
        return;
    };
    // bee disconnects a peer that does not take its payment threshold; we announce ours too.
    if let Some(mut s) = open(client, peer, PRICING).await {
        if let Err(e) =
            accounting::announce(&mut s, accounting::PAYMENT_THRESHOLD, MESSAGE_TIMEOUT).await
        {
            debug!(peer = %peer, error = %e, "pricing announcement failed");
        }
    }
    if !others.is_empty() {
        let records: Vec<BzzAddress> = others.iter().map(|p| p.address.clone()).collect();
        send_peers(client, peer, &records).await;
    }
    if new.full_node {
        // Light peers too (unlike bee's kademlia): a bee light node that joined before this peer
        // would otherwise never hear of it.
        for other in others.iter().chain(&light) {
            send_peers(client, other.peer_id, std::slice::from_ref(&new.address)).await;
        }
    }
}

/// Sends signed addresses to `peer` over hive, 30 at a time.
async fn send_peers(client: &Client, peer: PeerId, records: &[BzzAddress]) {
    for batch in records.chunks(super::bee::HIVE_MAX_BATCH) {
        let Some(mut s) = open(client, peer, HIVE_PEERS).await else {
            return;
        };
        if let Err(e) = hive::send(&mut s, batch, MESSAGE_TIMEOUT).await {
            debug!(peer = %peer, error = %e, "hive send failed");
            return;
        }
    }
}

/// Dials the peers hive passed on that the topology asks for ([`Topology::decide`]: the
/// neighbourhood, and empty balanced slots of shallower bins), at the first of their underlays that
/// names a peer id. Records are taken in the order hive gave them (bee dials the known peer closest
/// to each slot's pseudo-address; the first one heard fills the slot here).
fn dial_learned(client: &Client, records: &[crate::identity::VerifiedBzzAddress]) {
    let bee = &client.shared.bee;
    for v in records {
        let overlay = v.address.overlay;
        let Some(addr) = dial_address(v) else {
            continue;
        };
        if overlay == client.shared.overlay || !bee.claim_dial(overlay) {
            continue;
        }
        let client = client.clone();
        tokio::spawn(async move {
            if let Err(e) = client.dial(addr.clone()).await {
                debug!(address = %addr, error = %e, "cannot dial a peer hive passed on");
            }
            client.shared.bee.dial_ended(&overlay);
        });
    }
}

/// The first underlay of a record that names a peer id.
fn dial_address(v: &crate::identity::VerifiedBzzAddress) -> Option<Multiaddr> {
    v.underlays
        .iter()
        .filter_map(|u| Multiaddr::try_from(u.clone()).ok())
        .find(|a| matches!(a.iter().last(), Some(Protocol::P2p(_))))
}

/// Logs a change of depth.
fn log_depth(change: &topology::Change) {
    if change.depth != change.old_depth {
        info!(
            from = change.old_depth,
            to = change.depth,
            bin = change.bin,
            "depth changed"
        );
    }
}

/// Serves the inbound streams of bee's protocols, each on its own task.
pub(crate) fn spawn_acceptors(client: &Client, mut inbound: mpsc::Receiver<Inbound>) {
    let client = client.clone();
    tokio::spawn(async move {
        while let Some((peer, protocol, stream)) = inbound.recv().await {
            let Some(&protocol) = PROTOCOLS.iter().find(|p| **p == protocol.as_ref()) else {
                continue;
            };
            let client = client.clone();
            tokio::spawn(async move { serve(&client, protocol, peer, stream).await });
        }
    });
}

async fn serve(client: &Client, protocol: &'static str, peer: PeerId, mut stream: libp2p::Stream) {
    let bee = &client.shared.bee;
    if protocol == HANDSHAKE {
        // Also while our own handshake to the same peer runs: when two nodes dial each other at
        // once, each must answer the other's, or both would wait on a refused stream.
        match inbound(client, peer, &mut stream).await {
            Ok(others) => announce(client, peer, others).await,
            Err(e) => {
                bee.refuse(peer, &e);
                client.disconnect(peer).await;
            }
        }
        return;
    }
    // bee resets protocol streams from peers that have not completed a handshake.
    if !lock(&bee.peers).contains_key(&peer) {
        debug!(peer = %peer, protocol, "stream before handshake refused");
        return;
    }
    let result: Result<(), String> = match protocol {
        PRICING => accounting::accept_announcement(&mut stream, MESSAGE_TIMEOUT)
            .await
            .map(|t| debug!(peer = %peer, threshold = %hex::encode(t), "payment threshold"))
            .map_err(|e| e.to_string()),
        PSEUDOSETTLE => accounting::accept_payment(&mut stream, &bee.clock, now(), MESSAGE_TIMEOUT)
            .await
            .map(|a| debug!(peer = %peer, amount = %hex::encode(a), "payment accepted"))
            .map_err(|e| e.to_string()),
        STATUS => {
            let snapshot = super::pullsync::status(client, bee.snapshot()).await;
            status::serve_status(&mut stream, &snapshot, MESSAGE_TIMEOUT)
                .await
                .map_err(|e| e.to_string())
        }
        PINGPONG => status::serve_pingpong(&mut stream, MESSAGE_TIMEOUT)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        HIVE_PEERS => {
            match hive::receive(&mut stream, bee.local.network_id, now(), MESSAGE_TIMEOUT).await {
                Ok(received) => {
                    for e in &received.refused {
                        debug!(peer = %peer, error = %e, "hive record refused");
                    }
                    dial_learned(client, &received.valid);
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            }
        }
        RETRIEVAL => serve_retrieval(client, peer, &mut stream).await,
        PUSHSYNC => serve_pushsync(client, peer, &mut stream).await,
        PULLSYNC => super::pullsync::serve(client, peer, &mut stream).await,
        PULLSYNC_CURSORS => super::pullsync::serve_cursors(client, &mut stream).await,
        _ => Ok(()),
    };
    if let Err(e) = result {
        debug!(peer = %peer, protocol, error = %e, "bee stream failed");
    }
}

async fn serve_retrieval(
    client: &Client,
    peer: PeerId,
    stream: &mut libp2p::Stream,
) -> Result<(), String> {
    let chunk = bee_retrieval::read_request(stream, MESSAGE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let found = super::retrieval::serve(client, peer, chunk).await;
    debug!(peer = %peer, chunk = %chunk, found = found.is_ok(), "retrieval served");
    bee_retrieval::answer(stream, chunk, found, MESSAGE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())
}

async fn serve_pushsync(
    client: &Client,
    peer: PeerId,
    stream: &mut libp2p::Stream,
) -> Result<(), String> {
    let incoming = bee_pushsync::read_delivery(stream, MESSAGE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let chunk = incoming.chunk;
    let receipt = super::pushsync::serve(client, peer, incoming).await;
    if let Err(e) = &receipt {
        debug!(peer = %peer, chunk = %chunk, error = %e, "push refused");
    }
    // The receipt goes back within the pusher's wait, however long the forwarding took.
    bee_pushsync::answer(stream, chunk, receipt, MESSAGE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())
}

/// Pushes a stamped chunk to `peer` over bee's pushsync protocol; its receipt (address and error
/// checked, the signature not: that is the origin's check).
pub(crate) async fn push_to(
    client: &Client,
    peer: PeerId,
    push: &Push,
) -> Result<Receipt, PushsyncError> {
    let chunk = push.chunk;
    let mut stream =
        open(client, peer, PUSHSYNC)
            .await
            .ok_or_else(|| PushsyncError::Unreachable {
                chunk,
                message: format!("cannot open a pushsync stream to {peer}"),
            })?;
    let timeout = client.shared.config.request_timeout;
    bee_pushsync::push(&mut stream, push, timeout).await
}

/// Fetches `chunk` from `peer` over bee's retrieval protocol, checked against its address.
pub(crate) async fn retrieve_from(
    client: &Client,
    peer: PeerId,
    chunk: Address,
) -> Result<Vec<u8>, RetrievalError> {
    let mut stream =
        open(client, peer, RETRIEVAL)
            .await
            .ok_or_else(|| RetrievalError::Unreachable {
                chunk,
                message: format!("cannot open a retrieval stream to {peer}"),
            })?;
    let timeout = client.shared.config.request_timeout;
    bee_retrieval::request(&mut stream, chunk, timeout).await
}
