//! Pull sync (bee's pullsync 1.4.0, [`super::bee::pullsync`]): storer nodes keep their
//! neighbourhood's chunks in step, so that chunks converge to the nodes closest to them as nodes
//! join and leave.
//!
//! **Serving.** A peer asks for our cursors (the last bin id of each bin of our reserve, and its
//! epoch) and then for ranges of a bin; we offer up to [`MAX_PAGE`] entries from the start it
//! asked for, waiting up to [`NodeConfig::pull_live_wait`](super::NodeConfig::pull_live_wait)
//! for a first one (live sync) and then, as bee does, until the page is full or the bin was quiet
//! for [`NodeConfig::pull_page_wait`](super::NodeConfig::pull_page_wait); and we deliver the
//! chunks it wants with their stamps (and our batch claim, so that it can learn a batch made
//! without a chain). A new reserve entry wakes only the servers waiting on its bin.
//!
//! **Pulling** (bee's puller). Every [`puller_tick`](super::NodeConfig::puller_tick) the node
//! looks at its connected full peers and its radius `r`:
//! - a peer with proximity `po ≥ r` to us (a neighbour) is synced in every bin from `r` up;
//! - a peer with `r − 2 ≤ po < r` only in bin `po` (bee's `maxPODelta`);
//! - other peers are not synced.
//!
//! Per peer and bin, a historical worker pulls the ranges up to the peer's cursor that are not
//! yet recorded as synced (the intervals persist in the reserve, so a restarted node resumes where
//! it stopped), and a live worker pulls from the cursor on. A peer whose epoch changed (a new
//! reserve) has its intervals forgotten. Each offered chunk within our radius that we do not hold
//! under that stamp is wanted; each delivered chunk must be one we wanted, a valid chunk at its
//! address, and carry a stamp our postage check admits, or it is refused (not stored) and
//! logged. A page is checked and stored together: one read for what we hold of the offer, one
//! ledger transaction, one store batch and one reserve transaction. A range is recorded as synced
//! once its chunks are stored.
//!
//! The puller also keeps the reserve within its capacity ([`Reserve::enforce_capacity`]),
//! removing evicted chunks from the chunk store.
//!
//! When nothing was pulled for [`RADIUS_DECREASE_IDLE`] and the reserve is under half full, the
//! radius falls by one (not below the configured floor), as bee's reserve worker lowers it.
//!
//! Not built: bee's per-peer rate limits (250 chunks/s served, 1,000/s pulled).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use libp2p::PeerId;
use tracing::{debug, info, warn};

use super::bee::pullsync::{self as wire, Delivered, Offered, PullsyncError, MAX_PAGE};
use super::bee_node;
use super::node::Client;
use crate::address::Address;
use crate::cac::Chunk;
use crate::placement;
use crate::postage::Stamp;
use crate::reserve::{stamp_hash, Reserve, BINS};
use crate::soc;
use crate::store::{ChunkStore, Removal};

/// Most bins below the radius that a peer's own bin is still synced from (bee's `maxPODelta`).
pub const MAX_PO_DELTA: u8 = 2;
/// How long nothing must have been pulled before the radius may fall.
pub const RADIUS_DECREASE_IDLE: Duration = Duration::from_secs(300);

/// bee's reserve worker: the radius falls by one when the reserve is under half its capacity and
/// sync has been idle, never below the configured floor.
pub fn lowered_radius(radius: u8, floor: u8, size: u64, capacity: u64, idle: bool) -> u8 {
    if idle && radius > floor && size < capacity / 2 {
        radius - 1
    } else {
        radius
    }
}

/// bee's status snapshot with this node's reserve: its size, radius, sync rate and neighbourhood.
pub(crate) async fn status(
    client: &Client,
    mut snapshot: super::bee::pb::status::Snapshot,
) -> super::bee::pb::status::Snapshot {
    let shared = &client.shared;
    let Some(reserve) = shared.config.reserve.clone() else {
        return snapshot;
    };
    let size = tokio::task::spawn_blocking(move || reserve.size())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    let radius = shared.radius();
    let me = shared.overlay;
    snapshot.reserve_size = size;
    snapshot.reserve_size_within_radius = size;
    snapshot.storage_radius = u32::from(radius);
    snapshot.committed_depth = u32::from(radius);
    snapshot.pullsync_rate = f64::from_bits(shared.pull_rate.load(Ordering::Relaxed));
    snapshot.neighborhood_size = shared
        .bee
        .peers()
        .iter()
        .filter(|p| p.full_node && me.proximity(&p.overlay) >= radius)
        .count() as u64;
    snapshot
}
/// Wait before a worker tries a failed range again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Adds the stored chunks of `items` that lie within `radius` to `reserve`, in one transaction;
/// those that gained an entry. Blocking.
pub(crate) fn reserve(
    reserve: Option<&Reserve>,
    radius: u8,
    items: Vec<(Address, Stamp)>,
) -> Result<Vec<Address>, String> {
    let Some(r) = reserve else {
        return Ok(Vec::new());
    };
    let base = r.base();
    let ours: Vec<(Address, Stamp)> = items
        .into_iter()
        .filter(|(chunk, _)| placement::responsible(chunk, &base, radius))
        .collect();
    let added = r.put_many(&ours).map_err(|e| e.to_string())?;
    Ok(ours
        .into_iter()
        .zip(added)
        .filter_map(|((chunk, _), added)| added.then_some(chunk))
        .collect())
}

/// The bins to sync from a peer at proximity `po` to us when our radius is `radius`.
pub fn bins_to_sync(po: u8, radius: u8) -> Vec<u8> {
    if po >= radius {
        (radius..BINS as u8).collect()
    } else if radius - po <= MAX_PO_DELTA {
        vec![po]
    } else {
        Vec::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Serving

/// Answers a `cursors` stream.
pub(crate) async fn serve_cursors(
    client: &Client,
    stream: &mut libp2p::Stream,
) -> Result<(), String> {
    let reserve = client
        .shared
        .config
        .reserve
        .clone()
        .ok_or("no reserve: not a storer")?;
    let (cursors, epoch) = tokio::task::spawn_blocking(move || reserve.last_bin_ids())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    wire::serve_cursors(stream, cursors, epoch, bee_node::MESSAGE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())
}

/// The entries to offer from `bin` at `start` on, as bee's server collects them: it waits up to
/// [`NodeConfig::pull_live_wait`](super::NodeConfig::pull_live_wait) for a first entry, then keeps
/// the page open until it is full ([`MAX_PAGE`]) or no entry came for
/// [`NodeConfig::pull_page_wait`](super::NodeConfig::pull_page_wait) (never past the live wait
/// when that is longer). Only the bin's own entries wake it, and the reserve is read once per
/// wait, not once per entry.
async fn collect(
    client: &Client,
    reserve: &Arc<Reserve>,
    bin: u8,
    start: u64,
) -> Result<Vec<crate::reserve::BinEntry>, String> {
    let shared = &client.shared;
    let Some(changes) = shared.reserve_changed.get(usize::from(bin)) else {
        // A bin beyond the last holds nothing.
        return Ok(Vec::new());
    };
    let read = || {
        let r = reserve.clone();
        async move {
            tokio::task::spawn_blocking(move || r.range(bin, start, MAX_PAGE))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
        }
    };
    let config = &shared.config;
    collect_page(
        read,
        changes.subscribe(),
        config.pull_live_wait,
        config.pull_page_wait,
        MAX_PAGE,
    )
    .await
}

/// [`collect`] over any source: `read` gives the entries from the requested start (at most
/// `max`), `changed` counts the entries added since. Waits up to `live_wait` for a first entry
/// (none: an empty page), then until `max` entries are there or `page_wait` passes without a new
/// one (never past `live_wait` when that is longer), reading again only when the page closes.
pub(crate) async fn collect_page<E, F, Fut>(
    mut read: F,
    mut changed: tokio::sync::watch::Receiver<u64>,
    live_wait: Duration,
    page_wait: Duration,
    max: usize,
) -> Result<Vec<E>, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<E>, String>>,
{
    let live_deadline = tokio::time::Instant::now() + live_wait;
    let mut seen = *changed.borrow_and_update();
    let mut entries = read().await?;
    while entries.is_empty() {
        match tokio::time::timeout_at(live_deadline, changed.changed()).await {
            Ok(Ok(())) => {
                seen = *changed.borrow_and_update();
                entries = read().await?;
            }
            // Nothing arrived: an empty offer with topmost 0 records nothing at the puller.
            _ => return Ok(entries),
        }
    }
    let last_close = live_deadline.max(tokio::time::Instant::now() + page_wait);
    let mut grew = false;
    while entries.len() < max {
        let close = (tokio::time::Instant::now() + page_wait).min(last_close);
        match tokio::time::timeout_at(close, changed.changed()).await {
            Ok(Ok(())) => {
                grew = true;
                let added = changed.borrow_and_update().wrapping_sub(seen);
                if entries.len() as u64 + added >= max as u64 {
                    break;
                }
            }
            _ => break,
        }
    }
    if grew {
        entries = read().await?;
    }
    Ok(entries)
}

/// Answers a `pullsync` stream: one offer, and the chunks wanted of it.
pub(crate) async fn serve(
    client: &Client,
    peer: PeerId,
    stream: &mut libp2p::Stream,
) -> Result<(), String> {
    let shared = &client.shared;
    let reserve = shared
        .config
        .reserve
        .clone()
        .ok_or("no reserve: not a storer")?;
    let timeout = bee_node::MESSAGE_TIMEOUT;
    let (bin, start) = wire::read_get(stream, timeout)
        .await
        .map_err(|e| e.to_string())?;
    let entries = collect(client, &reserve, bin, start).await?;
    let topmost = entries.last().map_or(0, |e| e.bin_id);
    let offered: Vec<Offered> = entries
        .iter()
        .map(|e| Offered {
            address: e.address,
            batch: e.stamp.batch_id,
            stamp_hash: e.stamp_hash(),
        })
        .collect();
    let wanted = wire::offer(stream, topmost, &offered, timeout)
        .await
        .map_err(|e| e.to_string())?;
    if entries.is_empty() {
        return Ok(());
    }
    let picked: Vec<_> = entries
        .into_iter()
        .zip(wanted)
        .filter_map(|(e, w)| w.then_some(e))
        .collect();
    let store = shared.store.clone();
    let postage = shared.config.postage.clone();
    let found = tokio::task::spawn_blocking(move || {
        let mut claims: HashMap<[u8; 32], Option<String>> = HashMap::new();
        picked
            .into_iter()
            .map(|e| {
                let data = store.get(&e.address).ok().flatten()?;
                let claim = claims
                    .entry(e.stamp.batch_id)
                    .or_insert_with(|| {
                        postage
                            .as_ref()
                            .and_then(|p| p.0.claim_of(&e.stamp.batch_id))
                    })
                    .clone();
                Some((e.address, data, e.stamp, claim))
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| e.to_string())?;
    let sent = found.len();
    for item in &found {
        let chunk = item
            .as_ref()
            .map(|(a, d, s, c)| (a, d.as_slice(), s, c.as_deref()));
        wire::deliver(stream, chunk, timeout)
            .await
            .map_err(|e| e.to_string())?;
    }
    let _ = super::bee::wire::close(stream).await;
    debug!(peer = %peer, bin, start, topmost, sent, "pull sync served");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pulling

/// Starts the puller of a storer node with a reserve.
pub(crate) fn spawn_puller(client: &Client) {
    if !client.shared.config.storer || client.shared.config.reserve.is_none() {
        return;
    }
    let client = client.clone();
    tokio::spawn(async move { manage(client).await });
}

struct Syncing {
    bins: Vec<u8>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Syncing {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Removes from the chunk store the chunks the reserve evicted, in one durable commit per few
/// thousand (a radius raised by one evicts about half the reserve). Pinned chunks stay: the reserve
/// no longer offers them, the store keeps them for their pins. A failure is logged: the chunks
/// stay stored, unsynced, until removed by hand.
fn remove_evicted(store: &dyn ChunkStore, evicted: &[Address]) {
    match store.remove_many(evicted) {
        Ok(removals) => {
            let pinned = removals
                .iter()
                .filter(|r| matches!(r, Removal::Pinned(_)))
                .count();
            let removed = removals.iter().filter(|r| **r == Removal::Removed).count();
            info!(removed, pinned, "evicted chunks removed from the store");
        }
        Err(e) => warn!(error = %e, chunks = evicted.len(), "removing evicted chunks failed"),
    }
}

async fn manage(client: Client) {
    let shared = client.shared.clone();
    let Some(reserve) = shared.config.reserve.clone() else {
        return;
    };
    let mut syncing: HashMap<PeerId, Syncing> = HashMap::new();
    let mut tick = tokio::time::interval(shared.config.puller_tick);
    let mut stopped = shared.stopped.subscribe();
    let (mut last_count, mut last_tick, mut last_pull) = (0u64, Instant::now(), Instant::now());
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let count = shared.pulled.load(Ordering::Relaxed);
        let now = Instant::now();
        let rate =
            (count - last_count) as f64 / now.duration_since(last_tick).as_secs_f64().max(1e-3);
        shared.pull_rate.store(rate.to_bits(), Ordering::Relaxed);
        if count != last_count {
            last_pull = now;
        }
        (last_count, last_tick) = (count, now);
        let idle = now.duration_since(last_pull) >= RADIUS_DECREASE_IDLE;
        // The radius, after evicting what no longer fits, or lowered when there is room again.
        let (r, store) = (reserve.clone(), shared.store.clone());
        let floor = shared.config.storage_radius;
        let radius = match tokio::task::spawn_blocking(move || {
            let (evicted, radius) = r.enforce_capacity()?;
            if !evicted.is_empty() {
                remove_evicted(store.as_ref(), &evicted);
                return Ok(radius);
            }
            let lower = lowered_radius(radius, floor, r.size()?, r.capacity(), idle);
            if lower != radius {
                r.set_radius(lower)?;
                info!(
                    radius = lower,
                    "reserve under half full and sync idle: radius lowered"
                );
            }
            Ok::<_, crate::reserve::ReserveError>(lower)
        })
        .await
        {
            Ok(Ok(radius)) => radius,
            Ok(Err(e)) => {
                warn!(error = %e, "reserve capacity check failed");
                continue;
            }
            Err(_) => return,
        };
        shared.set_reserve_radius(radius);
        let radius = shared.radius();
        let me = shared.overlay;
        let peers: HashMap<PeerId, (Address, Vec<u8>)> = shared
            .bee
            .peers()
            .into_iter()
            .filter(|p| p.full_node && client.is_connected(&p.peer_id))
            .map(|p| {
                let bins = bins_to_sync(me.proximity(&p.overlay), radius);
                (p.peer_id, (p.overlay, bins))
            })
            .filter(|(_, (_, bins))| !bins.is_empty())
            .collect();
        syncing.retain(|peer, s| peers.get(peer).is_some_and(|(_, bins)| *bins == s.bins));
        for (peer, (overlay, bins)) in peers {
            if syncing.contains_key(&peer) {
                continue;
            }
            debug!(peer = %peer, overlay = %overlay, ?bins, "pull sync starts");
            let c = client.clone();
            let b = bins.clone();
            let task = tokio::spawn(async move { sync_peer(c, peer, overlay, b).await });
            syncing.insert(
                peer,
                Syncing {
                    bins,
                    tasks: vec![task],
                },
            );
        }
    }
}

/// Gets the peer's cursors, aligns its epoch, and runs a historical and a live worker per bin.
async fn sync_peer(client: Client, peer: PeerId, overlay: Address, bins: Vec<u8>) {
    let shared = client.shared.clone();
    let Some(reserve) = shared.config.reserve.clone() else {
        return;
    };
    let (cursors, epoch) = loop {
        match cursors(&client, peer).await {
            Ok(c) => break c,
            Err(e) => {
                debug!(peer = %peer, error = %e, "cannot get cursors");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    };
    let r = reserve.clone();
    match tokio::task::spawn_blocking(move || r.align_peer_epoch(&overlay, epoch)).await {
        Ok(Ok(true)) => info!(peer = %peer, "peer's reserve is new: its intervals are forgotten"),
        Ok(Ok(false)) => {}
        Ok(Err(e)) => {
            warn!(peer = %peer, error = %e, "cannot record the peer's epoch");
            return;
        }
        Err(_) => return,
    }
    let mut workers = Vec::new();
    for bin in bins {
        let cursor = cursors[usize::from(bin)];
        if cursor > 0 {
            let c = client.clone();
            workers.push(tokio::spawn(async move {
                historical(c, peer, overlay, bin, cursor).await
            }));
        }
        let c = client.clone();
        workers.push(tokio::spawn(async move {
            live(c, peer, overlay, bin, cursor.saturating_add(1)).await
        }));
    }
    // Aborting this task (the peer left, or its bins changed) aborts the workers.
    struct AbortAll(Vec<tokio::task::JoinHandle<()>>);
    impl Drop for AbortAll {
        fn drop(&mut self) {
            for w in &self.0 {
                w.abort();
            }
        }
    }
    let _all = AbortAll(workers);
    std::future::pending::<()>().await;
}

async fn cursors(client: &Client, peer: PeerId) -> Result<(Vec<u64>, u64), PullsyncError> {
    let mut stream = bee_node::open_stream(client, peer, super::bee::PULLSYNC_CURSORS)
        .await
        .ok_or_else(|| PullsyncError::Unreachable(format!("no cursors stream to {peer}")))?;
    wire::get_cursors(&mut stream, client.shared.config.request_timeout).await
}

/// Pulls the ranges of `bin` up to `cursor` not yet synced from the peer.
async fn historical(client: Client, peer: PeerId, overlay: Address, bin: u8, cursor: u64) {
    let Some(reserve) = client.shared.config.reserve.clone() else {
        return;
    };
    loop {
        let r = reserve.clone();
        let start = match tokio::task::spawn_blocking(move || r.intervals(&overlay, bin)).await {
            Ok(Ok(i)) => i.next(),
            Ok(Err(e)) => {
                warn!(peer = %peer, bin, error = %e, "cannot read intervals");
                return;
            }
            Err(_) => return,
        };
        if start > cursor {
            debug!(peer = %peer, bin, cursor, "historical sync done");
            return;
        }
        if !step(&client, peer, overlay, bin, start).await {
            tokio::time::sleep(RETRY_AFTER).await;
        }
    }
}

/// Pulls `bin` from `start` on, as chunks arrive at the peer.
async fn live(client: Client, peer: PeerId, overlay: Address, bin: u8, mut start: u64) {
    loop {
        match range(&client, peer, overlay, bin, start).await {
            Ok(Some(top)) => start = top.saturating_add(1),
            Ok(None) => {}
            Err(e) => {
                debug!(peer = %peer, bin, start, error = %e, "live sync failed");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}

/// One historical range; whether it moved on.
async fn step(client: &Client, peer: PeerId, overlay: Address, bin: u8, start: u64) -> bool {
    match range(client, peer, overlay, bin, start).await {
        Ok(Some(_)) => true,
        Ok(None) => false,
        Err(e) => {
            debug!(peer = %peer, bin, start, error = %e, "historical sync failed");
            false
        }
    }
}

/// Pulls one range of `bin` from `start`, stores what we want of it, and records the range as
/// synced; the topmost bin id covered, or `None` when the peer offered nothing.
async fn range(
    client: &Client,
    peer: PeerId,
    overlay: Address,
    bin: u8,
    start: u64,
) -> Result<Option<u64>, PullsyncError> {
    let shared = &client.shared;
    let Some(reserve) = shared.config.reserve.clone() else {
        return Ok(None);
    };
    let timeout = shared.config.request_timeout;
    let mut stream = bee_node::open_stream(client, peer, super::bee::PULLSYNC)
        .await
        .ok_or_else(|| PullsyncError::Unreachable(format!("no pullsync stream to {peer}")))?;
    let wait = shared.config.pull_live_wait + timeout;
    let (topmost, offered) = wire::request(&mut stream, bin, start, timeout, wait).await?;
    if offered.is_empty() {
        if topmost >= start {
            record(reserve, overlay, bin, start, topmost);
            return Ok(Some(topmost));
        }
        return Ok(None);
    }
    let radius = shared.radius();
    let r = reserve.clone();
    let offers = offered.clone();
    let wanted = tokio::task::spawn_blocking(move || {
        let held = r
            .has_many(
                &offers
                    .iter()
                    .map(|o| (o.address, o.batch, o.stamp_hash))
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_else(|_| vec![false; offers.len()]);
        offers
            .iter()
            .zip(held)
            .map(|(o, held)| {
                placement::responsible(&o.address, &r.base(), radius)
                    && o.address != Address::ZERO
                    && !held
            })
            .collect::<Vec<bool>>()
    })
    .await
    .map_err(|e| PullsyncError::Malformed(e.to_string()))?;
    wire::want(&mut stream, &wanted, timeout).await?;
    let mut expected: HashMap<(Address, [u8; 32], [u8; 32]), ()> = offered
        .iter()
        .zip(&wanted)
        .filter(|(_, w)| **w)
        .map(|(o, _)| ((o.address, o.batch, o.stamp_hash), ()))
        .collect();
    let count = expected.len();
    let mut delivered = Vec::with_capacity(count);
    for _ in 0..count {
        let Some(d) = wire::read_delivery(&mut stream, timeout).await? else {
            continue;
        };
        let key = (d.address, d.stamp.batch_id, stamp_hash(&d.stamp));
        if expected.remove(&key).is_none() {
            info!(peer = %peer, chunk = %d.address, "pull sync: unsolicited chunk refused");
            continue;
        }
        delivered.push(d);
    }
    let _ = super::bee::wire::close(&mut stream).await;
    let stored = store_delivered(client, peer, delivered).await;
    if !stored.is_empty() {
        shared
            .pulled
            .fetch_add(stored.len() as u64, Ordering::Relaxed);
        shared.mark_dirty();
        for chunk in &stored {
            shared.reserve_grew(chunk);
        }
    }
    let stored = stored.len();
    debug!(peer = %peer, bin, start, topmost, offered = offered.len(), wanted = count, stored, "pulled");
    if topmost >= start {
        record(reserve, overlay, bin, start, topmost);
        return Ok(Some(topmost));
    }
    Ok(None)
}

fn record(reserve: Arc<Reserve>, overlay: Address, bin: u8, start: u64, top: u64) {
    // Recorded on a blocking thread; a failure means the range is pulled again later.
    tokio::task::spawn_blocking(move || {
        if let Err(e) = reserve.add_interval(&overlay, bin, start, top) {
            warn!(error = %e, "cannot record a synced range");
        }
    });
}

/// Checks and stores delivered chunks, all of a page together (one store batch, one ledger and
/// one reserve transaction); the chunks that entered the reserve.
async fn store_delivered(client: &Client, peer: PeerId, delivered: Vec<Delivered>) -> Vec<Address> {
    if delivered.is_empty() {
        return Vec::new();
    }
    let shared = client.shared.clone();
    let radius = shared.radius();
    tokio::task::spawn_blocking(move || {
        let valid: Vec<Delivered> = delivered
            .into_iter()
            .filter(|d| {
                let ok = soc::is_valid_chunk(&d.address, &d.data);
                if !ok {
                    info!(peer = %peer, chunk = %d.address, "pull sync: invalid chunk refused");
                }
                ok
            })
            .collect();
        let admitted: Vec<Delivered> = match &shared.config.postage {
            None => valid,
            Some(postage) => {
                let items: Vec<_> = valid
                    .iter()
                    .map(|d| (d.address, d.stamp, d.claim.as_deref()))
                    .collect();
                let answers = postage.0.admit_many(&items);
                valid
                    .into_iter()
                    .zip(answers)
                    .filter_map(|(d, answer)| match answer {
                        Ok(()) => Some(d),
                        Err(reason) => {
                            info!(peer = %peer, chunk = %d.address, %reason, "pull sync: stamp refused");
                            None
                        }
                    })
                    .collect()
            }
        };
        let (stamps, chunks): (Vec<(Address, Stamp)>, Vec<Chunk>) = admitted
            .into_iter()
            .map(|d| {
                (
                    (d.address, d.stamp),
                    Chunk {
                        address: d.address,
                        data: d.data,
                    },
                )
            })
            .unzip();
        if let Err(e) = shared.store.put_batch(&chunks) {
            warn!(chunks = chunks.len(), error = %e, "pull sync: cannot store");
            return Vec::new();
        }
        reserve(shared.config.reserve.as_deref(), radius, stamps).unwrap_or_else(|e| {
            warn!(chunks = chunks.len(), error = %e, "pull sync: cannot reserve");
            Vec::new()
        })
    })
    .await
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source of entries, its read count and its change counter.
    fn source() -> (
        Arc<std::sync::Mutex<Vec<u32>>>,
        Arc<std::sync::atomic::AtomicUsize>,
        tokio::sync::watch::Sender<u64>,
    ) {
        (
            Arc::default(),
            Arc::default(),
            tokio::sync::watch::channel(0).0,
        )
    }

    async fn page(
        entries: &Arc<std::sync::Mutex<Vec<u32>>>,
        reads: &Arc<std::sync::atomic::AtomicUsize>,
        changes: &tokio::sync::watch::Sender<u64>,
        live: u64,
        page: u64,
    ) -> (Vec<u32>, Duration) {
        let started = tokio::time::Instant::now();
        let read = || {
            reads.fetch_add(1, Ordering::Relaxed);
            let got: Vec<u32> = entries.lock().unwrap().iter().take(8).copied().collect();
            async move { Ok::<_, String>(got) }
        };
        let got = collect_page(
            read,
            changes.subscribe(),
            Duration::from_millis(live),
            Duration::from_millis(page),
            8,
        )
        .await
        .unwrap();
        (got, started.elapsed())
    }

    /// Adds `n` entries to the source, `every` milliseconds apart.
    fn produce(
        entries: &Arc<std::sync::Mutex<Vec<u32>>>,
        changes: &tokio::sync::watch::Sender<u64>,
        n: u32,
        every: u64,
    ) {
        let (entries, changes) = (entries.clone(), changes.clone());
        tokio::spawn(async move {
            for i in 0..n {
                tokio::time::sleep(Duration::from_millis(every)).await;
                entries.lock().unwrap().push(i);
                changes.send_modify(|c| *c += 1);
            }
        });
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_bin_is_offered_in_full_pages_read_once_per_wait() {
        let (entries, reads, changes) = source();
        produce(&entries, &changes, 20, 100);
        let (got, took) = page(&entries, &reads, &changes, 30_000, 1000).await;
        assert_eq!(got, (0..8).collect::<Vec<u32>>());
        assert_eq!(took, Duration::from_millis(800));
        // Empty at first, the first entry, the full page: not a read per entry.
        assert_eq!(reads.load(Ordering::Relaxed), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_closes_after_a_quiet_page_wait_or_at_the_live_wait() {
        let (entries, reads, changes) = source();
        produce(&entries, &changes, 3, 100);
        let (got, took) = page(&entries, &reads, &changes, 30_000, 1000).await;
        assert_eq!(got, vec![0, 1, 2]);
        // The last entry at 300 ms, then a quiet second.
        assert_eq!(took, Duration::from_millis(1300));

        // Entries 900 ms apart never leave the page quiet for a second: the live wait closes it.
        let (entries, reads, changes) = source();
        produce(&entries, &changes, 20, 900);
        let (got, took) = page(&entries, &reads, &changes, 3000, 1000).await;
        assert_eq!(got, vec![0, 1, 2]);
        assert_eq!(took, Duration::from_millis(3000));

        // Nothing at all: an empty page at the live wait, read once.
        let (entries, reads, changes) = source();
        let (got, took) = page(&entries, &reads, &changes, 3000, 1000).await;
        assert_eq!((got, took), (vec![], Duration::from_millis(3000)));
        assert_eq!(reads.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn the_radius_falls_only_when_idle_under_half_full_and_above_the_floor() {
        assert_eq!(lowered_radius(3, 0, 49, 100, true), 2);
        assert_eq!(lowered_radius(3, 0, 50, 100, true), 3);
        assert_eq!(lowered_radius(3, 0, 10, 100, false), 3);
        assert_eq!(lowered_radius(3, 3, 10, 100, true), 3);
        assert_eq!(lowered_radius(0, 0, 0, 100, true), 0);
    }

    #[test]
    fn bins_follow_bees_puller() {
        assert_eq!(bins_to_sync(0, 0), (0..32).collect::<Vec<u8>>());
        assert_eq!(bins_to_sync(5, 3), (3..32).collect::<Vec<u8>>());
        assert_eq!(bins_to_sync(2, 3), vec![2]);
        assert_eq!(bins_to_sync(1, 3), vec![1]);
        assert_eq!(bins_to_sync(0, 3), Vec::<u8>::new());
    }
}
