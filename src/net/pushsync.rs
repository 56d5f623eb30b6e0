//! Pushsync (bee's pushsync 1.3.1, [`super::bee::pushsync`]): hand a stamped chunk to the nodes
//! closest to its address and bring back a storer's signed receipt.
//!
//! Placement rule ([`crate::placement`]): a chunk belongs on the
//! [`replication`](super::NodeConfig::replication) nodes whose overlays are closest (XOR) to its
//! address. A node handling a delivery first checks the chunk (a valid content-addressed or
//! single-owner chunk at its address) and, if it keeps a batch store, the stamp ([`StampCheck`]);
//! then it checks its own view: if it is a storer among the
//! closest (fewer than `replication` known peers are closer), it stores the chunk, sends copies to
//! the next closest peers (marked as copies, so that they store and do not copy again) until
//! `replication` nodes hold it, and answers with its own receipt. Otherwise it forwards the
//! delivery to the closest peer strictly closer to the chunk than itself (at most
//! [`forward_attempts`](super::NodeConfig::forward_attempts) of them, each within
//! [`request_timeout`](super::NodeConfig::request_timeout)) and passes that peer's receipt back;
//! with no closer peer reachable, a storer stores the chunk itself. A client (not a storer)
//! forwards to its nodes. Stamp checks and store calls run on threads of their own, joined across
//! concurrent deliveries ([`Intake`]).
//!
//! bee moves copies within a neighbourhood by pull sync instead; until this node has pull sync,
//! the copies are pushsync deliveries carrying our replicate header (bee ignores it and treats
//! the copy as a delivery).
//!
//! The origin checks the receipt as bee's origin does ([`check_receipt`]): the signature recovers
//! the storer's overlay, and a storer shallower than its own radius or ours (less 1) is refused.

use std::collections::HashSet;
use std::sync::Arc;

use futures::stream::{FuturesUnordered, StreamExt};
use libp2p::PeerId;
use tracing::{debug, info};

use super::batcher::Batcher;
use super::bee::pb::pushsync::Receipt;
use super::bee::pushsync::{check_receipt, sign_receipt, CheckedReceipt, Incoming, Push};
use super::bee_node;
use super::node::Client;
use super::NetError;
use crate::address::Address;
use crate::cac::Chunk;
use crate::placement;
use crate::postage::Stamp;
use crate::reserve::Reserve;
use crate::soc;
use crate::store::ChunkStore;

/// What a node needs of postage to accept chunks: the batch store and the stamp ledger.
pub trait StampCheck: Send + Sync {
    /// Whether `stamp` pays for `chunk` here: the batch is known (or learned from `claim`, the
    /// delivery's batch claim header), the stamp is valid for it, and bee's ordering rule lets it
    /// in. Blocking (called on a blocking thread); the error text is what the pusher is told.
    fn admit(&self, chunk: &Address, stamp: &Stamp, claim: Option<&str>) -> Result<(), String>;

    /// [`StampCheck::admit`] for each of `items` (chunk, stamp, claim) in order: what a node pulls
    /// in one page is admitted together. Blocking.
    fn admit_many(&self, items: &[(Address, Stamp, Option<&str>)]) -> Vec<Result<(), String>> {
        items
            .iter()
            .map(|(chunk, stamp, claim)| self.admit(chunk, stamp, *claim))
            .collect()
    }

    /// Makes every admission so far durable (the node calls it with the chunk store's sync).
    fn sync(&self) -> Result<(), String> {
        Ok(())
    }

    /// The claim of `batch` to pass on beside its chunks (pull sync), when it was made without a
    /// chain and its parameters are known here. Blocking.
    fn claim_of(&self, _batch: &[u8; 32]) -> Option<String> {
        None
    }
}

/// What an uploader needs of postage: stamps from one batch.
pub trait Stamper: Send + Sync {
    /// One stamp for each chunk, in order; every slot is recorded durably before it is returned,
    /// so no slot is issued twice. Blocking.
    fn stamp(&self, chunks: &[Address]) -> Result<Vec<Stamp>, StampFailure>;
    /// The batch claim to send beside each delivery (for a batch made without a chain), if any.
    fn claim(&self) -> Option<String>;
}

/// Why a [`Stamper`] gave no stamps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampFailure {
    /// The batch has no slot left for a chunk (bee: "batch is overissued").
    #[error("{0}")]
    Full(String),
    /// Anything else (the issuer's log could not be written, ...).
    #[error("{0}")]
    Failed(String),
}

/// A shared [`StampCheck`] with a `Debug` form, for [`super::NodeConfig`].
#[derive(Clone)]
pub struct PostageCheck(pub Arc<dyn StampCheck>);

impl std::fmt::Debug for PostageCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostageCheck(..)")
    }
}

/// Pushes a stamped chunk from this node; the checked receipt (our own when this node stored it).
pub(crate) async fn push_origin(client: &Client, push: Push) -> Result<CheckedReceipt, NetError> {
    let chunk = push.chunk;
    let failed = |message: String| NetError::Push {
        address: chunk,
        message,
    };
    if !soc::is_valid_chunk(&chunk, &push.data) {
        return Err(failed("not a valid chunk at that address".into()));
    }
    // A node with a batch store checks its own stamps as its peers will.
    admit(client, &push).await.map_err(failed)?;
    let receipt = handle(client, None, push).await.map_err(failed)?;
    let shared = &client.shared;
    let checked = check_receipt(&receipt, &chunk, shared.config.network_id, shared.radius())
        .map_err(|e| failed(e.to_string()))?;
    debug!(chunk = %chunk, storer = %checked.storer, "pushed");
    Ok(checked)
}

/// Serves a delivery from peer `from`: the receipt, or the error text to answer.
pub(crate) async fn serve(
    client: &Client,
    from: PeerId,
    incoming: Incoming,
) -> Result<Receipt, String> {
    let chunk = incoming.chunk;
    if !soc::is_valid_chunk(&chunk, &incoming.data) {
        info!(peer = %from, chunk = %chunk, "delivery refused: data does not match the address");
        return Err(format!("chunk {chunk}: invalid chunk"));
    }
    let push = Push {
        chunk,
        data: incoming.data,
        stamp: incoming.stamp,
        claim: incoming.claim,
        replicate: false,
    };
    if let Err(reason) = admit(client, &push).await {
        info!(peer = %from, chunk = %chunk, %reason, "delivery refused: stamp");
        return Err(format!("invalid stamp: {reason}"));
    }
    if incoming.replicate {
        if !client.shared.config.storer {
            return Err("not a storer".into());
        }
        return store(client, &push).await.map(|(receipt, _)| receipt);
    }
    handle(client, Some(from), push).await
}

/// The node's [`StampCheck`] on a delivery (nothing to check without a batch store).
async fn admit(client: &Client, push: &Push) -> Result<(), String> {
    let Some(stamps) = &client.shared.intake.stamps else {
        return Ok(());
    };
    stamps
        .call((push.chunk, push.stamp, push.claim.clone()))
        .await
        .map_err(|e| e.to_string())??;
    client.shared.mark_dirty();
    Ok(())
}

/// What became of a delivery this node stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stored {
    /// The store did not hold the chunk before.
    new: bool,
    /// The reserve entered it now.
    reserved: bool,
}

type StampRequest = (Address, Stamp, Option<String>);

/// A storer's blocking work on deliveries, each kind joined across concurrent deliveries
/// ([`Batcher`]): stamp checks in one ledger transaction ([`StampCheck::admit_many`]), chunks in
/// one store batch and one reserve transaction. One delivery at a time goes through alone, at
/// once; a node receiving many pushes makes one transaction for many.
pub(crate) struct Intake {
    stamps: Option<Batcher<StampRequest, Result<(), String>>>,
    chunks: Batcher<(Chunk, Stamp), Result<Stored, String>>,
}

impl Intake {
    /// Starts the threads for a node's store, reserve and stamp check.
    pub(crate) fn start(
        store: Arc<dyn ChunkStore>,
        reserve: Option<Arc<Reserve>>,
        postage: Option<Arc<dyn StampCheck>>,
    ) -> std::io::Result<Self> {
        let stamps = postage
            .map(|check| {
                Batcher::spawn("swarmec-stamps", move |items: Vec<StampRequest>| {
                    let items: Vec<(Address, Stamp, Option<&str>)> = items
                        .iter()
                        .map(|(chunk, stamp, claim)| (*chunk, *stamp, claim.as_deref()))
                        .collect();
                    check.admit_many(&items)
                })
            })
            .transpose()?;
        let chunks = Batcher::spawn("swarmec-storer", move |items| {
            store_many(&*store, reserve.as_deref(), items)
        })?;
        Ok(Intake { stamps, chunks })
    }
}

/// Stores delivered chunks in one batch and enters them in the reserve in one transaction; one
/// answer per item (all the same error if the batch failed).
fn store_many(
    store: &dyn ChunkStore,
    reserve: Option<&Reserve>,
    items: Vec<(Chunk, Stamp)>,
) -> Vec<Result<Stored, String>> {
    let n = items.len();
    let (chunks, stamps): (Vec<Chunk>, Vec<Stamp>) = items.into_iter().unzip();
    // One store call says whether each chunk was new here (the store compares what it holds).
    let mut new = Vec::with_capacity(n);
    if let Err(e) = store.put_batch_reporting(&chunks, &mut |d| {
        new.push(d == crate::store::Delivery::Stored)
    }) {
        return vec![Err(e.to_string()); n];
    }
    // Entered in the reserve even outside the radius (stored as the closest node this one
    // knows): the reserve evicts such chunks first when it is over capacity, so that the store
    // never keeps a chunk nothing would remove.
    let entries = chunks.iter().map(|c| c.address).zip(stamps).collect();
    let mut reserved: HashSet<Address> = match super::pullsync::reserve(reserve, 0, entries) {
        Ok(added) => added.into_iter().collect(),
        Err(e) => return vec![Err(e); n],
    };
    // A chunk delivered twice in one batch was entered by its first delivery: taking it out of
    // the set answers the later ones "not reserved".
    chunks
        .iter()
        .zip(new.into_iter().chain(std::iter::repeat(false)))
        .map(|(c, new)| {
            Ok(Stored {
                new,
                reserved: reserved.remove(&c.address),
            })
        })
        .collect()
}

async fn handle(client: &Client, from: Option<PeerId>, push: Push) -> Result<Receipt, String> {
    let shared = &client.shared;
    let address = push.chunk;
    let me = shared.overlay;
    let replication = shared.config.replication.max(1);
    let closer_than_me = |overlay: &Address| address.distance(overlay) < address.distance(&me);
    let among_closest = shared.config.storer && {
        let overlays: Vec<Address> = shared
            .peers()
            .all()
            .into_iter()
            .map(|(_, i)| i.overlay)
            .collect();
        placement::among_closest(&address, &me, &overlays, replication)
    };

    if !among_closest {
        let candidates = shared.peers().ranked(&address, |peer, info| {
            Some(*peer) != from && (!shared.config.storer || closer_than_me(&info.overlay))
        });
        for (peer, _) in candidates.into_iter().take(shared.config.forward_attempts) {
            if let Some(receipt) = ask(client, peer, push.clone()).await {
                return Ok(receipt);
            }
        }
        if !shared.config.storer {
            return Err(format!("no peer accepted chunk {address}"));
        }
    }

    let (receipt, new) = store(client, &push).await?;
    if new {
        replicate(client, from, push, replication - 1).await;
    }
    Ok(receipt)
}

/// Sends copies of a chunk this node stored to the next closest peers until `copies` of them hold
/// it: `copies` at once, and the next candidate for each that fails (at most `forward_attempts`
/// more).
async fn replicate(client: &Client, from: Option<PeerId>, push: Push, copies: usize) {
    if copies == 0 {
        return;
    }
    let shared = &client.shared;
    let others = shared
        .peers()
        .ranked(&push.chunk, |peer, _| Some(*peer) != from);
    let copy = Push {
        replicate: true,
        ..push
    };
    let mut candidates = others
        .into_iter()
        .take(copies + shared.config.forward_attempts)
        .map(|(peer, _)| peer);
    let mut pending = FuturesUnordered::new();
    for peer in candidates.by_ref().take(copies) {
        pending.push(ask(client, peer, copy.clone()));
    }
    while let Some(result) = pending.next().await {
        if result.is_none() {
            if let Some(peer) = candidates.next() {
                pending.push(ask(client, peer, copy.clone()));
            }
        }
    }
}

/// Sends a delivery to one peer; its receipt, or `None` (and the peer skipped) if it failed.
async fn ask(client: &Client, peer: PeerId, push: Push) -> Option<Receipt> {
    let shared = &client.shared;
    let chunk = push.chunk;
    let wait = shared.config.request_timeout;
    match tokio::time::timeout(wait, bee_node::push_to(client, peer, &push)).await {
        Ok(Ok(receipt)) => {
            shared.peers().heard_from(&peer);
            Some(receipt)
        }
        Ok(Err(e)) => {
            debug!(peer = %peer, chunk = %chunk, error = %e, "push to peer failed");
            shared.peers().skip(&peer, shared.config.skip_duration);
            None
        }
        Err(_) => {
            debug!(peer = %peer, chunk = %chunk, "push to peer timed out");
            shared.peers().skip(&peer, shared.config.skip_duration);
            None
        }
    }
}

/// Stores a checked chunk locally and signs a receipt for it; whether it was new here.
async fn store(client: &Client, push: &Push) -> Result<(Receipt, bool), String> {
    let shared = &client.shared;
    let chunk = Chunk {
        address: push.chunk,
        data: push.data.clone(),
    };
    let Stored { new, reserved } = shared
        .intake
        .chunks
        .call((chunk, push.stamp))
        .await
        .map_err(|e| e.to_string())??;
    if new || reserved {
        shared.mark_dirty();
    }
    if reserved {
        shared.reserve_grew(&push.chunk);
    }
    let receipt = sign_receipt(
        &shared.bee.local.key,
        &shared.bee.local.nonce,
        &push.chunk,
        shared.radius(),
    )
    .map_err(|e| e.to_string())?;
    Ok((receipt, new))
}

/// A storer node and a pusher that sends it deliveries directly, good and bad: what the storer
/// answers, and what it keeps.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::bee::pushsync::{check_receipt, Push, PushsyncError};
    use super::super::bee_node;
    use super::super::identity::OverlayIdentity;
    use super::super::{Node, NodeConfig};
    use super::PostageCheck;
    use crate::address::Address;
    use crate::cac::Chunk;
    use crate::identity::OverlayKey;
    use crate::postage::{BatchClaim, Stamp, StampIndex};
    use crate::stamps::{BatchRecord, NodeStamps, Postage};
    use crate::store::{ChunkStore, MemStore};

    struct Pair {
        rt: tokio::runtime::Runtime,
        storer: Node,
        storer_store: Arc<MemStore>,
        pusher: Node,
        _dir: tempfile::TempDir,
    }

    fn pair() -> Pair {
        let rt = crate::net::runtime().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key = OverlayKey::generate().unwrap();
        let check = NodeStamps::open(dir.path(), key.clone()).unwrap();
        let storer_store = Arc::new(MemStore::new());
        let config = NodeConfig {
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
            network_id: 10,
            overlay: Some(OverlayIdentity {
                key,
                nonce: [0; 32],
            }),
            postage: Some(PostageCheck(Arc::new(check))),
            ..NodeConfig::default()
        };
        let storer = rt
            .block_on(Node::start(
                libp2p::identity::Keypair::generate_ed25519(),
                storer_store.clone(),
                config,
            ))
            .unwrap();
        let pusher_config = NodeConfig {
            storer: false,
            network_id: 10,
            ..NodeConfig::default()
        };
        let pusher = rt
            .block_on(Node::start(
                libp2p::identity::Keypair::generate_ed25519(),
                Arc::new(MemStore::new()),
                pusher_config,
            ))
            .unwrap();
        rt.block_on(pusher.client().dial(storer.listen_addrs()[0].clone()))
            .unwrap();
        Pair {
            rt,
            storer,
            storer_store,
            pusher,
            _dir: dir,
        }
    }

    impl Pair {
        fn push(&self, push: Push) -> Result<Vec<u8>, PushsyncError> {
            let client = self.pusher.client();
            let peer = self.storer.peer_id();
            self.rt
                .block_on(async move { bee_node::push_to(&client, peer, &push).await })
                .map(|r| {
                    let checked = check_receipt(&r, &push_chunk(&r), 10, 0).unwrap();
                    assert_eq!(checked.storer, self.storer.overlay());
                    r.address
                })
        }

        fn refused(&self, push: Push, reason: &str) {
            let chunk = push.chunk;
            match self.push(push) {
                Err(PushsyncError::Peer { chunk: c, message }) => {
                    assert_eq!(c, chunk);
                    assert!(message.contains(reason), "{message:?} lacks {reason:?}");
                }
                other => panic!("push of {chunk} was not refused: {other:?}"),
            }
            assert!(!self.storer_store.has(&chunk).unwrap(), "{chunk} was kept");
        }
    }

    fn push_chunk(r: &super::Receipt) -> Address {
        Address(r.address.as_slice().try_into().unwrap())
    }

    /// An owner's batch of depth 17 (2 slots per bucket), with its claim.
    struct Owner {
        key: OverlayKey,
        batch: crate::postage::Batch,
        claim: String,
    }

    fn owner(immutable: bool) -> Owner {
        let dir = tempfile::tempdir().unwrap();
        let key = OverlayKey::generate().unwrap();
        let postage = Postage::open(dir.path(), key.clone()).unwrap();
        let BatchRecord { batch, nonce, .. } = postage.create(17, 1, immutable, None).unwrap();
        let claim = BatchClaim {
            depth: batch.depth,
            bucket_depth: batch.bucket_depth,
            immutable,
            nonce: nonce.unwrap(),
        }
        .to_header();
        Owner { key, batch, claim }
    }

    fn delivery(o: &Owner, chunk: &Chunk, slot: u32, claim: bool) -> Push {
        let index = StampIndex {
            bucket: o.batch.bucket_of(&chunk.address),
            slot,
        };
        let stamp = Stamp::sign(&o.key, &o.batch, &chunk.address, index, 1).unwrap();
        Push {
            chunk: chunk.address,
            data: chunk.data.clone(),
            stamp,
            claim: claim.then(|| o.claim.clone()),
            replicate: false,
        }
    }

    #[test]
    fn a_storer_keeps_good_deliveries_and_refuses_bad_data_and_bad_stamps_saying_why() {
        let p = pair();
        let o = owner(true);
        let chunk = Chunk::new(b"a chunk paid for").unwrap();

        // A batch the storer does not know, without its claim.
        p.refused(
            delivery(&o, &chunk, 0, false),
            &format!("batch {} not found", hex::encode(o.batch.id)),
        );
        // A claim that is not this batch's (another nonce).
        let mut forged = delivery(&o, &chunk, 0, false);
        forged.claim = Some(
            BatchClaim {
                depth: 17,
                bucket_depth: 16,
                immutable: true,
                nonce: [9; 32],
            }
            .to_header(),
        );
        p.refused(forged, "gives batch id");
        // The data of another chunk under this chunk's address.
        let mut wrong = delivery(&o, &chunk, 0, true);
        wrong.data = Chunk::new(b"another chunk").unwrap().data;
        p.refused(wrong, "invalid chunk");

        // The good delivery: stored, receipt signed by the storer (checked in `push`).
        assert_eq!(
            p.push(delivery(&o, &chunk, 0, true)).unwrap(),
            chunk.address.0.to_vec()
        );
        assert!(p.storer_store.has(&chunk.address).unwrap());

        // Now the storer knows the batch: no claim needed.
        let second = Chunk::new(b"a second chunk").unwrap();
        assert!(p.push(delivery(&o, &second, 0, false)).is_ok());

        let third = Chunk::new(b"a third chunk").unwrap();
        // Signed by someone else.
        let mut stranger = delivery(&o, &third, 0, false);
        let intruder = OverlayKey::generate().unwrap();
        stranger.stamp = Stamp::sign(
            &intruder,
            &o.batch,
            &third.address,
            stranger.stamp.stamp_index(),
            1,
        )
        .unwrap();
        p.refused(stranger, "not the batch owner");
        // Another bucket than the chunk's.
        let mut bucket = delivery(&o, &third, 0, false);
        let other_bucket = (o.batch.bucket_of(&third.address) + 1) % (1 << 16);
        let index = StampIndex {
            bucket: other_bucket,
            slot: 0,
        }
        .to_bytes();
        bucket.stamp =
            Stamp::sign_unchecked(&o.key, &o.batch.id, &third.address, index, [0; 8]).unwrap();
        p.refused(bucket, "names bucket");
        // A slot beyond the depth (depth 17 has slots 0 and 1).
        let mut deep = delivery(&o, &third, 0, false);
        let index = StampIndex {
            bucket: o.batch.bucket_of(&third.address),
            slot: 2,
        }
        .to_bytes();
        deep.stamp =
            Stamp::sign_unchecked(&o.key, &o.batch.id, &third.address, index, [0; 8]).unwrap();
        p.refused(deep, "beyond depth");
        let _ = p.rt.block_on(p.pusher.shutdown());
        let _ = p.rt.block_on(p.storer.shutdown());
    }

    #[test]
    fn an_immutable_slot_taken_by_one_chunk_is_refused_to_another() {
        let p = pair();
        let o = owner(true);
        // Two chunks in the same bucket: search a few.
        let first = Chunk::new(b"first of a bucket").unwrap();
        let bucket = o.batch.bucket_of(&first.address);
        let second = (0u32..)
            .map(|i| Chunk::new(format!("candidate {i}").as_bytes()).unwrap())
            .find(|c| o.batch.bucket_of(&c.address) == bucket)
            .unwrap();
        assert!(p.push(delivery(&o, &first, 1, true)).is_ok());
        p.refused(delivery(&o, &second, 1, true), "immutable batch");
        // The same chunk on its own slot again is fine (a retry).
        assert!(p.push(delivery(&o, &first, 1, true)).is_ok());
        let _ = p.rt.block_on(p.pusher.shutdown());
        let _ = p.rt.block_on(p.storer.shutdown());
    }

    /// Deliveries stored together answer each for itself: a chunk held before is not new, a
    /// chunk delivered twice in one batch is new and reserved once (its first delivery), and the
    /// reserve enters every new one.
    #[test]
    fn a_batch_of_deliveries_answers_each_in_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let reserve = crate::reserve::Reserve::open(dir.path(), Address([0; 32]), 100).unwrap();
        let store = MemStore::new();
        let o = owner(false);
        let chunks: Vec<Chunk> = (0..3u8).map(|i| Chunk::new(&[i; 10]).unwrap()).collect();
        let stamp = |c: &Chunk| delivery(&o, c, 0, false).stamp;
        store.put(&chunks[0]).unwrap();
        let items = vec![
            (chunks[0].clone(), stamp(&chunks[0])),
            (chunks[1].clone(), stamp(&chunks[1])),
            (chunks[2].clone(), stamp(&chunks[2])),
            (chunks[1].clone(), stamp(&chunks[1])),
        ];
        let stored = |new, reserved| Ok::<_, String>(super::Stored { new, reserved });
        assert_eq!(
            super::store_many(&store, Some(&reserve), items.clone()),
            vec![
                stored(false, true),
                stored(true, true),
                stored(true, true),
                stored(false, false),
            ]
        );
        for c in &chunks {
            assert!(store.has(&c.address).unwrap());
        }
        // Again: nothing new, nothing entered.
        assert_eq!(
            super::store_many(&store, Some(&reserve), items),
            vec![stored(false, false); 4]
        );
    }
}
