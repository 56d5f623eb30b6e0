//! Pull sync between swarmec nodes over loopback: a node joining near existing chunks receives
//! exactly those within its radius; a restarted node resumes from the intervals it recorded; a
//! peer offering bad data or stamps is refused. Real nodes, real redb stores and reserves.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use swarmec::address::Address;
use swarmec::cac::Chunk;
use swarmec::net::bee::pushsync::Push;
use swarmec::net::pullsync::bins_to_sync;
use swarmec::net::pushsync::Stamper;
use swarmec::net::{identity, Node, NodeConfig};
use swarmec::reserve::Reserve;
use swarmec::store::{ChunkStore, SlotStore};

use crate::net::{open_store_retrying, postage_check, random_bytes, test_config, uploader_stamper};

struct Peer {
    node: Node,
    store: Arc<SlotStore>,
    reserve: Arc<Reserve>,
    dir: tempfile::TempDir,
}

fn start(
    rt: &tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    bootstrap: Option<&Peer>,
    radius: u8,
) -> Peer {
    start_with(rt, dir, bootstrap, radius, 1 << 20, 1 << 20)
}

/// [`start`] with a reserve of `capacity` chunks and a cache of `cache` fetched chunks.
fn start_with(
    rt: &tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    bootstrap: Option<&Peer>,
    radius: u8,
    capacity: u64,
    cache: u64,
) -> Peer {
    let store = open_store_retrying(dir.path());
    let key = identity::load_or_create_key(dir.path()).unwrap();
    let overlay = identity::load_or_create_overlay(dir.path()).unwrap();
    let base = overlay.overlay(1);
    let reserve = Arc::new(Reserve::open(dir.path(), base, capacity).unwrap());
    let config = NodeConfig {
        bootstrap: bootstrap
            .map(|p| vec![p.node.listen_addrs()[0].clone()])
            .unwrap_or_default(),
        postage: Some(postage_check(dir.path(), overlay.key.clone())),
        overlay: Some(overlay),
        reserve: Some(reserve.clone()),
        storage_radius: radius,
        cache_capacity: cache,
        puller_tick: Duration::from_millis(200),
        pull_live_wait: Duration::from_secs(2),
        pull_page_wait: Duration::from_millis(200),
        ..test_config()
    };
    let node = rt
        .block_on(Node::start(key, store.clone(), config))
        .unwrap();
    assert_eq!(node.overlay(), base);
    Peer {
        node,
        store,
        reserve,
        dir,
    }
}

fn chunks(n: usize, seed: u64) -> Vec<Chunk> {
    (0..n)
        .map(|i| Chunk::new(&random_bytes(100 + i, seed + i as u64)).unwrap())
        .collect()
}

/// Pushes `chunks` with stamps of `stamper` through `peer` (which, alone, stores them).
fn push_all(rt: &tokio::runtime::Runtime, peer: &Peer, stamper: &dyn Stamper, chunks: &[Chunk]) {
    for push in pushes(stamper, chunks) {
        rt.block_on(peer.node.client().push(push)).unwrap();
    }
}

/// The deliveries of `chunks`, stamped by `stamper`.
fn pushes(stamper: &dyn Stamper, chunks: &[Chunk]) -> Vec<Push> {
    let addresses: Vec<Address> = chunks.iter().map(|c| c.address).collect();
    let stamps = stamper.stamp(&addresses).unwrap();
    chunks
        .iter()
        .zip(stamps)
        .map(|(c, stamp)| Push {
            chunk: c.address,
            data: c.data.clone(),
            stamp,
            claim: stamper.claim(),
            replicate: false,
        })
        .collect()
}

fn stored(store: &dyn ChunkStore) -> BTreeSet<Address> {
    let mut out = BTreeSet::new();
    store
        .iterate(&mut |a, _| {
            out.insert(*a);
            true
        })
        .unwrap();
    out
}

/// Every chunk the reserve holds an entry of.
fn reserve_chunks(reserve: &Reserve) -> BTreeSet<Address> {
    (0..swarmec::reserve::BINS as u8)
        .flat_map(|bin| reserve.range(bin, 0, usize::MAX).unwrap())
        .map(|e| e.address)
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops a node and waits until every task let go of its reserve and store.
fn stop(rt: &tokio::runtime::Runtime, peer: Peer) -> tempfile::TempDir {
    let Peer {
        node,
        store,
        reserve,
        dir,
    } = peer;
    rt.block_on(node.shutdown()).unwrap();
    wait_until("the stopped node's tasks to end", || {
        Arc::strong_count(&reserve) == 1 && Arc::strong_count(&store) == 1
    });
    dir
}

#[test]
fn a_joining_node_pulls_exactly_its_neighbourhood_and_resumes_after_restart() {
    let rt = swarmec::net::runtime().unwrap();
    let (stamper, _uploader) = uploader_stamper();
    let a = start(&rt, tempfile::tempdir().unwrap(), None, 0);
    let first = chunks(64, 1);
    push_all(&rt, &a, stamper.as_ref(), &first);
    assert_eq!(a.reserve.size().unwrap(), 64);

    // B keeps radius 1: only chunks sharing its first bit.
    let b = start(&rt, tempfile::tempdir().unwrap(), Some(&a), 1);
    let b_overlay = b.node.overlay();
    let mine = |cs: &[Chunk]| -> BTreeSet<Address> {
        cs.iter()
            .map(|c| c.address)
            .filter(|c| c.proximity(&b_overlay) >= 1)
            .collect()
    };
    let want = mine(&first);
    assert!(!want.is_empty() && want.len() < 64, "{}", want.len());
    // Stored first, then entered in the reserve.
    wait_until("B to pull its chunks", || {
        b.reserve.size().unwrap() == want.len() as u64
    });
    assert_eq!(stored(b.store.as_ref()), want);
    // Every pulled chunk is whole.
    for addr in &want {
        let data = b.store.get(addr).unwrap().unwrap();
        assert!(swarmec::soc::is_valid_chunk(addr, &data));
    }

    // The ranges synced are recorded per bin of A's reserve, up to A's cursors.
    let (cursors, _) = a.reserve.last_bin_ids().unwrap();
    let a_overlay = a.node.overlay();
    let bins = bins_to_sync(b_overlay.proximity(&a_overlay), 1);
    wait_until("B to record every synced range", || {
        bins.iter().all(|&bin| {
            cursors[usize::from(bin)] == 0
                || b.reserve.intervals(&a_overlay, bin).unwrap().next() > cursors[usize::from(bin)]
        })
    });

    // bee's status protocol reports the reserve: A holds all 64 at radius 0, B its share at 1.
    let status = rt
        .block_on(b.node.client().peer_status(a.node.peer_id()))
        .unwrap();
    assert_eq!(
        (
            status.reserve_size,
            status.storage_radius,
            status.bee_mode.as_str()
        ),
        (64, 0, "full")
    );
    let status = rt
        .block_on(a.node.client().peer_status(b.node.peer_id()))
        .unwrap();
    assert_eq!(
        (status.reserve_size, status.storage_radius),
        (want.len() as u64, 1)
    );

    // Restart B: the intervals are on disk, and new chunks at A reach it.
    let dir = stop(&rt, b);
    {
        let reopened = Reserve::open(dir.path(), b_overlay, 1 << 20).unwrap();
        for &bin in &bins {
            let next = reopened.intervals(&a_overlay, bin).unwrap().next();
            assert!(
                next > cursors[usize::from(bin)],
                "bin {bin}: resumes at {next}"
            );
        }
    }
    let second = chunks(32, 1000);
    push_all(&rt, &a, stamper.as_ref(), &second);
    let b = start(&rt, dir, Some(&a), 1);
    let mut want_all = want.clone();
    want_all.extend(mine(&second));
    wait_until("B to pull the new chunks after its restart", || {
        stored(b.store.as_ref()) == want_all
    });
    rt.block_on(b.node.shutdown()).unwrap();
    rt.block_on(a.node.shutdown()).unwrap();
}

/// A node whose reserve outgrows its capacity raises its radius and removes what falls outside
/// from its chunk store (in batches), all but the pinned chunks.
#[test]
fn a_full_reserve_raises_the_radius_and_the_store_drops_the_evicted_chunks_but_pinned_ones() {
    use swarmec::store::PinStore;
    let rt = swarmec::net::runtime().unwrap();
    let (stamper, _uploader) = uploader_stamper();
    let capacity = 48;
    let a = start_with(
        &rt,
        tempfile::tempdir().unwrap(),
        None,
        0,
        capacity,
        1 << 20,
    );
    let base = a.node.overlay();
    let set = chunks(200, 77);
    // One chunk of bin 0 (the half evicted first) is pushed and pinned before the others come.
    let at = set
        .iter()
        .position(|c| c.address.proximity(&base) == 0)
        .unwrap();
    let pinned = &set[at];
    push_all(&rt, &a, stamper.as_ref(), std::slice::from_ref(pinned));
    assert_eq!(a.reserve.size().unwrap(), 1);
    assert!(a.store.pin(&[7; 32], &[pinned.address]).unwrap());
    let others: Vec<Chunk> = set
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .map(|(_, c)| c.clone())
        .collect();
    // Once the radius rises, chunks outside it get shallow receipts (bee's rule): pushed anyway.
    for push in pushes(stamper.as_ref(), &others) {
        if let Err(e) = rt.block_on(a.node.client().push(push)) {
            assert!(e.to_string().contains("shallow receipt"), "{e}");
        }
    }
    wait_until("the reserve to fit its capacity", || {
        a.reserve.size().unwrap() <= capacity
    });
    let radius = a.reserve.radius().unwrap();
    assert!(radius >= 1, "radius {radius}");
    // Eviction removes from the reserve first, then from the store: the store ends up holding
    // exactly the reserve's chunks and the pinned one.
    let mut want = reserve_chunks(&a.reserve);
    want.insert(pinned.address);
    wait_until("the evicted chunks to leave the store", || {
        stored(a.store.as_ref()) == want
    });
    // Nothing within the radius was evicted.
    for c in &set {
        if c.address.proximity(&base) >= radius {
            assert!(want.contains(&c.address), "{} within the radius", c.address);
        }
    }
    assert!(!reserve_chunks(&a.reserve).contains(&pinned.address));
    assert_eq!(a.store.pins_of(&pinned.address).unwrap(), 1);
    drop(stop(&rt, a));
}

/// Chunks a node fetched to serve downloads are its cache: the oldest fetched leave its store once
/// there are more than its cache capacity, pinned ones stay.
#[test]
fn fetched_chunks_are_a_bounded_cache_oldest_out_pinned_kept() {
    use swarmec::net::NetworkStore;
    use swarmec::store::PinStore;
    let rt = swarmec::net::runtime().unwrap();
    let (stamper, _uploader) = uploader_stamper();
    let a = start(&rt, tempfile::tempdir().unwrap(), None, 0);
    let set = chunks(40, 300);
    push_all(&rt, &a, stamper.as_ref(), &set);
    // B pulls nothing (its radius is far above its proximity to A) and caches at most 10.
    let b = start_with(&rt, tempfile::tempdir().unwrap(), Some(&a), 31, 1 << 20, 10);
    wait_until("B to know A", || !b.node.client().peers().is_empty());
    let network = NetworkStore::new(b.store.clone(), b.node.client(), rt.handle().clone(), true);
    for (i, c) in set.iter().enumerate() {
        assert_eq!(network.get(&c.address).unwrap().as_ref(), Some(&c.data));
        if i == 2 {
            assert!(b.store.pin(&[9; 32], &[c.address]).unwrap());
        }
    }
    let mut want: BTreeSet<Address> = set[30..].iter().map(|c| c.address).collect();
    want.insert(set[2].address);
    assert_eq!(stored(b.store.as_ref()), want);
    assert_eq!(b.reserve.cache_len().unwrap(), 10);
    assert_eq!(b.reserve.size().unwrap(), 0);
    drop(network);
    drop(stop(&rt, b));
    drop(stop(&rt, a));
}

#[test]
fn chunks_with_bad_data_or_stamps_are_refused() {
    let rt = swarmec::net::runtime().unwrap();
    let (stamper, _uploader) = uploader_stamper();
    let (stranger, _stranger_dir) = uploader_stamper();
    let a = start(&rt, tempfile::tempdir().unwrap(), None, 0);
    let good = chunks(8, 7);
    push_all(&rt, &a, stamper.as_ref(), &good);

    // A bad peer: its reserve offers a chunk whose data is not the chunk, and a chunk stamped by
    // a batch nobody can learn (no claim).
    let bad_data = Chunk::new(b"the real chunk").unwrap();
    let stamp = stamper.stamp(&[bad_data.address]).unwrap()[0];
    a.store
        .put(&Chunk {
            address: bad_data.address,
            data: Chunk::new(b"something else").unwrap().data,
        })
        .unwrap();
    a.reserve.put(&bad_data.address, &stamp).unwrap();
    let unknown = Chunk::new(b"stamped by a batch without a claim").unwrap();
    let stamp = stranger.stamp(&[unknown.address]).unwrap()[0];
    a.store.put(&unknown).unwrap();
    a.reserve.put(&unknown.address, &stamp).unwrap();

    let b = start(&rt, tempfile::tempdir().unwrap(), Some(&a), 0);
    let a_overlay = a.node.overlay();
    let (cursors, _) = a.reserve.last_bin_ids().unwrap();
    // B has gone through every range A had.
    wait_until("B to sync every bin of A", || {
        (0..32u8).all(|bin| {
            cursors[usize::from(bin)] == 0
                || b.reserve.intervals(&a_overlay, bin).unwrap().next() > cursors[usize::from(bin)]
        })
    });
    let want: BTreeSet<Address> = good.iter().map(|c| c.address).collect();
    assert_eq!(stored(b.store.as_ref()), want);
    assert!(!b.store.has(&bad_data.address).unwrap());
    assert!(!b.store.has(&unknown.address).unwrap());
    rt.block_on(b.node.shutdown()).unwrap();
    rt.block_on(a.node.shutdown()).unwrap();
}

/// Issue 13's churn test: 12 nodes with radius 1 (two neighbourhoods), a level-2 upload, then three
/// rounds of 3 nodes leaving (the ones holding most of the file, as long as each neighbourhood
/// keeps a node) and 3 new ones joining. After each round, once every node holds every chunk of its
/// neighbourhood, a download through a new node is byte-identical; at the end every group of the
/// tree is at full margin over the network.
#[test]
fn a_file_survives_three_rounds_of_churn() {
    use swarmec::file::splitter::{split_bytes, StoreSink};
    use swarmec::file::{inspect, repair, JoinOptions, Joiner, SplitOptions};
    use swarmec::net::NetworkStore;
    use swarmec::redundancy::Level;

    let _g = crate::common::nodes::serial();
    let rt = swarmec::net::runtime().unwrap();
    let (stamper, _uploader) = uploader_stamper();
    const RADIUS: u8 = 1;
    let mut alive: Vec<Peer> = Vec::new();
    let launch = |alive: &[Peer]| start(&rt, tempfile::tempdir().unwrap(), alive.first(), RADIUS);
    for _ in 0..12 {
        let p = launch(&alive);
        alive.push(p);
    }
    let meshed = |alive: &[Peer]| {
        alive
            .iter()
            .all(|p| p.node.client().bee_peers().len() >= alive.len() - 1)
    };
    wait_until("12 nodes to mesh", || meshed(&alive));

    let data = random_bytes(400_000, 13);
    let options = SplitOptions {
        level: Level::Strong,
        encrypt: false,
    };
    let mem = swarmec::store::MemStore::new();
    let reference = split_bytes(&data, &mut StoreSink(&mem), options, None)
        .unwrap()
        .reference;
    let mut addresses = Vec::new();
    mem.iterate(&mut |a, _| {
        addresses.push(*a);
        true
    })
    .unwrap();
    // Reading and writing through one node's network store, not caching what it reads.
    let through =
        |p: &Peer| NetworkStore::new(p.store.clone(), p.node.client(), rt.handle().clone(), false);
    let upload = through(&alive[0]).with_stamper(stamper.clone());
    assert_eq!(
        split_bytes(&data, &mut StoreSink(&upload), options, None)
            .unwrap()
            .reference,
        reference
    );
    drop(upload);
    let side = |p: &Peer| p.node.overlay().0[0] >> 7;
    let converged = |alive: &[Peer]| {
        addresses.iter().all(|a| {
            alive
                .iter()
                .filter(|p| a.proximity(&p.node.overlay()) >= RADIUS)
                .all(|p| p.store.has(a).unwrap())
        })
    };
    wait_until("the upload to spread over its neighbourhoods", || {
        converged(&alive)
    });

    for round in 0..3 {
        // Leaving: the nodes holding most of the file, each neighbourhood keeping one node.
        let mut order: Vec<usize> = (0..alive.len()).collect();
        let held = |p: &Peer| addresses.iter().filter(|a| p.store.has(a).unwrap()).count();
        order.sort_by_key(|&i| std::cmp::Reverse(held(&alive[i])));
        let mut leaving = Vec::new();
        for i in order {
            let left_on_side = (0..alive.len())
                .filter(|j| !leaving.contains(j) && *j != i && side(&alive[*j]) == side(&alive[i]))
                .count();
            if leaving.len() < 3 && left_on_side >= 1 {
                leaving.push(i);
            }
        }
        assert_eq!(leaving.len(), 3, "round {round}");
        leaving.sort_unstable_by(|a, b| b.cmp(a));
        for i in leaving {
            let p = alive.remove(i);
            let _dir = stop(&rt, p);
        }
        for _ in 0..3 {
            let p = launch(&alive);
            alive.push(p);
        }
        wait_until("the new nodes to mesh", || meshed(&alive));
        wait_until("every node to hold its neighbourhood's chunks", || {
            converged(&alive)
        });
        let through = through(alive.last().unwrap());
        let joiner = Joiner::open(&through, &reference, JoinOptions::default()).unwrap();
        let mut got = Vec::new();
        joiner.read_all(&mut got).unwrap();
        assert!(got == data, "round {round}: download differs");
    }
    // Repair through a new node finds nothing to put back, and check finds every group at full
    // margin, the root and every replica retrievable.
    let newest = through(alive.last().unwrap()).with_stamper(stamper.clone());
    let options = inspect::InspectOptions::default();
    let repaired =
        repair::repair(&newest, &reference, options, inspect::RepairMode::Missing).unwrap();
    assert_eq!(repaired.pushed.len(), 0, "{:?}", repaired.pushed);
    let report = inspect::inspect_with(&newest, &reference, options).unwrap();
    assert!(report.is_complete(), "{:?}", report.missing);
    for node in &report.nodes {
        assert_eq!(node.margin, node.parity.len() as i64, "{}", node.address);
    }
    drop(newest);
    for p in alive {
        rt.block_on(p.node.shutdown()).unwrap();
    }
}
