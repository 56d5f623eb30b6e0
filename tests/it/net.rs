//! The network on loopback: clusters of nodes in this process (each with its own data directory and
//! redb store), and the `node`, `id`, `upload --peer`, `download --peer` commands as real processes.
//!
//! Cluster tests run one at a time (they share two cores with everything else) and every wait is
//! bounded.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use swarmec::address::Address;
use swarmec::cac::Chunk;
use swarmec::file::splitter::{split_bytes, StoreSink};
use swarmec::file::{JoinError, JoinOptions, Joiner, SplitOptions, Strategy};
use swarmec::net::pushsync::{PostageCheck, Stamper};
use swarmec::net::{identity, Multiaddr, NetworkStore, Node, NodeConfig, Session, Settled};
use swarmec::redundancy::Level;
use swarmec::reference::Reference;
use swarmec::stamps::{BatchStamper, NodeStamps, Postage};
use swarmec::store::{ChunkStore, MemStore, SlotStore};

use crate::common::nodes::{
    create_batch, http, serial, spawn_node, spawn_node_with, swarmec, terminate, wait_for_peers,
    Process,
};

pub(crate) fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub(crate) fn test_config() -> NodeConfig {
    NodeConfig {
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
        bootstrap_interval: Duration::from_millis(500),
        request_timeout: Duration::from_secs(4),
        forward_timeout: Duration::from_secs(2),
        retrieve_deadline: Duration::from_secs(10),
        ..NodeConfig::default()
    }
}

pub(crate) struct Member {
    pub(crate) node: Node,
    pub(crate) store: Arc<SlotStore>,
    dir: tempfile::TempDir,
}

pub(crate) struct Cluster {
    pub(crate) rt: tokio::runtime::Runtime,
    members: Vec<Option<Member>>,
    /// Overlay of every node ever started, by index (kept after a node is stopped).
    overlays: Vec<Address>,
    /// Stamps every upload (a batch of an uploader's own, learned by the nodes from its claim).
    stamper: Arc<dyn Stamper>,
    _uploader: tempfile::TempDir,
}

/// A batch of 2^20 chunks in a data directory of its own, and its stamper.
pub(crate) fn uploader_stamper() -> (Arc<dyn Stamper>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let key = identity::load_or_create_overlay(dir.path()).unwrap().key;
    let postage = Postage::open(dir.path(), key).unwrap();
    let batch = postage.create(20, 1, true, None).unwrap();
    let stamper = BatchStamper::new(&postage, &batch.batch.id).unwrap();
    (Arc::new(stamper), dir)
}

/// A node's stamp check over its data directory.
pub(crate) fn postage_check(
    dir: &std::path::Path,
    key: swarmec::identity::OverlayKey,
) -> PostageCheck {
    PostageCheck(Arc::new(NodeStamps::open(dir, key).unwrap()))
}

impl Cluster {
    pub(crate) fn start(n: usize, replication: usize) -> Cluster {
        let rt = swarmec::net::runtime().unwrap();
        let (stamper, uploader) = uploader_stamper();
        let mut c = Cluster {
            rt,
            members: Vec::new(),
            overlays: Vec::new(),
            stamper,
            _uploader: uploader,
        };
        for _ in 0..n {
            let dir = tempfile::tempdir().unwrap();
            c.launch(dir, replication);
        }
        c.wait_mesh();
        c
    }

    fn launch(&mut self, dir: tempfile::TempDir, replication: usize) -> usize {
        let bootstrap = self
            .members
            .iter()
            .flatten()
            .next()
            .map(|m| vec![m.node.listen_addrs()[0].clone()])
            .unwrap_or_default();
        let store = open_store_retrying(dir.path());
        let key = identity::load_or_create_key(dir.path()).unwrap();
        // Overlays fixed by the order of launch, so that placement (and with it which chunks a
        // killed node takes along) is the same in every run; a restarted node keeps its key file.
        let key_file = dir.path().join(identity::OVERLAY_KEY_FILE);
        if !key_file.exists() {
            let n = self.members.len() as u64 + 1;
            let mut secret = swarmec::keccak::keccak256(&n.to_le_bytes()).to_vec();
            secret.extend_from_slice(&[0; 32]);
            std::fs::write(&key_file, secret).unwrap();
        }
        let overlay = identity::load_or_create_overlay(dir.path()).unwrap();
        let config = NodeConfig {
            bootstrap,
            replication,
            postage: Some(postage_check(dir.path(), overlay.key.clone())),
            overlay: Some(overlay),
            ..test_config()
        };
        let node = self
            .rt
            .block_on(Node::start(key, store.clone(), config))
            .unwrap();
        self.overlays.push(node.overlay());
        self.members.push(Some(Member { node, store, dir }));
        self.members.len() - 1
    }

    pub(crate) fn alive(&self) -> Vec<usize> {
        (0..self.members.len())
            .filter(|&i| self.members[i].is_some())
            .collect()
    }

    pub(crate) fn member(&self, i: usize) -> &Member {
        self.members[i].as_ref().unwrap()
    }

    /// Waits until every live node routes to every other live node.
    fn wait_mesh(&self) {
        let alive = self.alive();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let done = alive
                .iter()
                .all(|&i| self.member(i).node.client().peers().len() >= alive.len() - 1);
            if done {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nodes did not discover each other in 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops node `i` (closing its connections) and returns its data directory.
    fn stop(&mut self, i: usize) -> tempfile::TempDir {
        let m = self.members[i].take().unwrap();
        self.rt.block_on(m.node.shutdown()).unwrap();
        m.dir
    }

    pub(crate) fn network_store(&self, i: usize, cache: bool) -> NetworkStore {
        let m = self.member(i);
        NetworkStore::new(
            m.store.clone(),
            m.node.client(),
            self.rt.handle().clone(),
            cache,
        )
        .with_stamper(self.stamper.clone())
    }

    /// Indices of the `r` nodes (of all ever started) whose overlays are closest to `address`.
    fn closest(&self, address: &Address, r: usize) -> BTreeSet<usize> {
        let mut idx: Vec<usize> = (0..self.overlays.len()).collect();
        idx.sort_by_key(|&i| address.distance(&self.overlays[i]));
        idx.into_iter().take(r).collect()
    }

    /// Which live nodes store each address.
    pub(crate) fn holders(&self, addresses: &[Address]) -> BTreeMap<Address, BTreeSet<usize>> {
        addresses
            .iter()
            .map(|a| {
                let h = self
                    .alive()
                    .into_iter()
                    .filter(|&i| self.member(i).store.has(a).unwrap())
                    .collect();
                (*a, h)
            })
            .collect()
    }
}

pub(crate) fn open_store_retrying(dir: &std::path::Path) -> Arc<SlotStore> {
    // A stopped node's handler tasks may hold the database for a few more milliseconds.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match SlotStore::open(dir) {
            Ok(s) => return Arc::new(s),
            Err(e) if Instant::now() > deadline => panic!("{e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Every chunk address of `data` split with `options` (replicas included), without storing it anywhere.
fn chunk_addresses(data: &[u8], options: SplitOptions) -> (Reference, Vec<Address>) {
    let mem = MemStore::new();
    let summary = split_bytes(data, &mut StoreSink(&mem), options, None).unwrap();
    let mut all = Vec::new();
    mem.iterate(&mut |a, _| {
        all.push(*a);
        true
    })
    .unwrap();
    (summary.reference, all)
}

pub(crate) fn upload(
    c: &Cluster,
    via: usize,
    data: &[u8],
    level: Level,
) -> (Reference, Vec<Address>) {
    let options = SplitOptions {
        level,
        encrypt: false,
    };
    let (reference, addresses) = chunk_addresses(data, options);
    let store = c.network_store(via, false);
    let summary = split_bytes(data, &mut StoreSink(&store), options, None).unwrap();
    assert_eq!(summary.reference, reference);
    (reference, addresses)
}

pub(crate) fn download(
    store: &dyn ChunkStore,
    reference: &Reference,
    strategy: Strategy,
    write_back: bool,
) -> Result<Vec<u8>, JoinError> {
    let options = JoinOptions {
        strategy,
        write_back,
        ..JoinOptions::default()
    };
    let joiner = Joiner::open(store, reference, options)?;
    let mut out = Vec::new();
    joiner.read_all(&mut out)?;
    Ok(out)
}

#[test]
fn upload_via_one_node_places_chunks_on_the_closest_and_downloads_via_another() {
    let _g = serial();
    let c = Cluster::start(8, 2);
    let data = random_bytes(600_000, 1);
    let (reference, addresses) = upload(&c, 0, &data, Level::Medium);
    assert!(addresses.len() > 150, "{} chunks", addresses.len());
    for (address, holders) in c.holders(&addresses) {
        assert_eq!(
            holders,
            c.closest(&address, 2),
            "chunk {address} is not on exactly its 2 closest nodes"
        );
    }
    // Download through a node without caching, then with: the cache fills the downloader's store.
    let store = c.network_store(5, false);
    assert_eq!(
        download(&store, &reference, Strategy::Data, false).unwrap(),
        data
    );
    let cached = c.network_store(6, true);
    assert_eq!(
        download(&cached, &reference, Strategy::Race, false).unwrap(),
        data
    );
    assert!(c.member(6).store.has(&reference.address).unwrap());
    // Node 7's own store cannot give the file; after one caching download it can: every chunk
    // the download fetched was written to it.
    assert!(download(&*c.member(7).store, &reference, Strategy::Data, false).is_err());
    let cached = c.network_store(7, true);
    assert_eq!(
        download(&cached, &reference, Strategy::Data, false).unwrap(),
        data
    );
    assert_eq!(
        download(&*c.member(7).store, &reference, Strategy::Data, false).unwrap(),
        data
    );
    // A client connected to one node gets the same bytes.
    let addr: Multiaddr = c.member(3).node.listen_addrs()[0].clone();
    let session = Session::connect(&addr, test_config()).unwrap();
    assert_eq!(
        download(session.store(), &reference, Strategy::Data, false).unwrap(),
        data
    );
    session.close().unwrap();
}

/// The node started last in a six-node cluster is ready only once it has completed a handshake with
/// every peer hive told it of: its view of the neighbourhood has settled.
#[test]
fn a_node_is_ready_once_it_has_joined_the_peers_hive_told_it_of() {
    let _g = serial();
    let mut c = Cluster::start(5, 2);
    let last = c.launch(tempfile::tempdir().unwrap(), 2);
    let node = &c.member(last).node;
    assert_eq!(c.rt.block_on(node.settled()), Settled::Quiet);
    let client = node.client();
    assert_eq!(
        client.bee_peers().len(),
        5,
        "every other member, at ready time"
    );
    let t = client.topology();
    assert_eq!((t.connected, t.dialling), (5, 0));
    assert_eq!(t.bins.iter().sum::<usize>(), 5);
    for (bin, &n) in t.bins.iter().enumerate() {
        let expected = c
            .alive()
            .into_iter()
            .filter(|&i| i != last)
            .filter(|&i| usize::from(c.overlays[last].proximity(&c.overlays[i])) == bin);
        assert_eq!(n, expected.count(), "bin {bin}");
    }
    // Five peers cannot saturate bin 0 (8 peers), so all of them are neighbours.
    assert_eq!(t.depth, 0);
}

/// A bootstrap peer that accepts the connection and then says nothing holds `ready` back for
/// `settle_timeout` and no longer; a node without bootstrap peers is ready at once.
#[test]
fn a_silent_bootstrap_peer_delays_ready_by_the_settle_timeout_only() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let settle_timeout = Duration::from_millis(800);
    let config = NodeConfig {
        bootstrap: vec![format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()],
        settle_timeout,
        ..test_config()
    };
    let rt = swarmec::net::runtime().unwrap();
    let key = libp2p::identity::Keypair::generate_ed25519();
    let started = Instant::now();
    let node = rt
        .block_on(Node::start(key, Arc::new(MemStore::new()), config))
        .unwrap();
    assert_eq!(rt.block_on(node.settled()), Settled::TimedOut);
    let waited = started.elapsed();
    assert!(waited >= settle_timeout, "ready after {waited:?}");
    assert!(
        waited < settle_timeout + Duration::from_secs(5),
        "ready after {waited:?}"
    );
    assert!(node.client().bee_peers().is_empty());

    let key = libp2p::identity::Keypair::generate_ed25519();
    let alone = rt
        .block_on(Node::start(key, Arc::new(MemStore::new()), test_config()))
        .unwrap();
    assert_eq!(rt.block_on(alone.settled()), Settled::Alone);
    rt.block_on(node.shutdown()).unwrap();
    rt.block_on(alone.shutdown()).unwrap();
}

#[test]
fn insane_upload_survives_killing_nodes_that_hold_several_percent_of_its_chunks() {
    let _g = serial();
    let mut c = Cluster::start(10, 2);
    let data = random_bytes(1_200_000, 2);
    let (reference, addresses) = upload(&c, 0, &data, Level::Insane);
    let holders = c.holders(&addresses);
    let mem = MemStore::new();
    split_bytes(
        &data,
        &mut StoreSink(&mem),
        SplitOptions {
            level: Level::Insane,
            encrypt: false,
        },
        None,
    )
    .unwrap();

    // Among sets of three nodes (never the uploader or the downloader), kill the one that loses the
    // most chunks while the survivors still hold enough to rebuild the file (checked offline).
    let candidates: Vec<usize> = (1..9).collect();
    let mut best: Option<(Vec<usize>, Vec<Address>)> = None;
    for a in 0..candidates.len() {
        for b in a + 1..candidates.len() {
            for d in b + 1..candidates.len() {
                let set = [candidates[a], candidates[b], candidates[d]];
                let lost: Vec<Address> = holders
                    .iter()
                    .filter(|(_, h)| h.iter().all(|i| set.contains(i)))
                    .map(|(a, _)| *a)
                    .collect();
                if best.as_ref().is_some_and(|(_, l)| l.len() >= lost.len()) {
                    continue;
                }
                let survivors = MemStore::new();
                mem.iterate(&mut |addr, bytes| {
                    if !lost.contains(addr) {
                        survivors
                            .put(&Chunk {
                                address: *addr,
                                data: bytes.to_vec(),
                            })
                            .unwrap();
                    }
                    true
                })
                .unwrap();
                if download(&survivors, &reference, Strategy::Race, false)
                    .is_ok_and(|got| got == data)
                {
                    best = Some((set.to_vec(), lost));
                }
            }
        }
    }
    let (kill, lost) = best.expect("some set of three nodes is recoverable");
    let percent = 100.0 * lost.len() as f64 / addresses.len() as f64;
    assert!(
        percent >= 2.0,
        "killing {kill:?} loses only {} of {} chunks",
        lost.len(),
        addresses.len()
    );
    for &i in &kill {
        drop(c.stop(i));
    }
    let start = Instant::now();
    let store = c.network_store(9, false);
    assert_eq!(
        download(&store, &reference, Strategy::Data, false).unwrap(),
        data
    );
    assert_eq!(
        download(&store, &reference, Strategy::Race, false).unwrap(),
        data
    );
    assert!(start.elapsed() < Duration::from_secs(60));
    // The lost chunks are really gone from the network.
    let client = c.member(9).node.client();
    for a in lost.iter().take(3) {
        assert_eq!(c.rt.block_on(client.retrieve(*a)).unwrap(), None);
    }
}

#[test]
fn a_node_serving_corrupt_chunks_is_detected_and_routed_around() {
    let _g = serial();
    let c = Cluster::start(8, 2);
    let data = random_bytes(300_000, 3);
    let (reference, addresses) = upload(&c, 0, &data, Level::None);
    // The downloader asks the closest peer first, and reads its own chunks locally: pick the pair
    // where the liar is the closest holder of the most chunks the downloader lacks, so that the
    // liar is certainly asked (overlays are random, so a fixed pair would make this test flaky).
    let holders = c.holders(&addresses);
    let first_holder = |a: &Address| {
        holders[a]
            .iter()
            .copied()
            .min_by_key(|&i| a.distance(&c.overlays[i]))
    };
    let (liar, downloader) = (0..8)
        .flat_map(|l| (0..8).filter(move |&d| d != l).map(move |d| (l, d)))
        .max_by_key(|&(l, d)| {
            addresses
                .iter()
                .filter(|a| !holders[*a].contains(&d) && first_holder(a) == Some(l))
                .count()
        })
        .unwrap();
    let store = &c.member(liar).store;
    let mut corrupted = 0;
    for a in &addresses {
        if let Some(mut bytes) = store.get(a).unwrap() {
            let last = bytes.len() - 1;
            bytes[last] ^= 0xff;
            store
                .put(&Chunk {
                    address: *a,
                    data: bytes,
                })
                .unwrap();
            corrupted += 1;
        }
    }
    assert!(corrupted > 10, "liar holds {corrupted} chunks");
    let net = c.network_store(downloader, false);
    assert_eq!(
        download(&net, &reference, Strategy::None, false).unwrap(),
        data
    );
    let liar_id = c.member(liar).node.peer_id();
    let scores: Vec<i32> = c
        .alive()
        .iter()
        .map(|&i| {
            c.member(i)
                .node
                .client()
                .peers()
                .iter()
                .find(|p| p.peer_id == liar_id)
                .map_or(0, |p| p.score)
        })
        .collect();
    assert!(
        scores.iter().any(|&s| s < 0),
        "nobody scored the liar down: {scores:?}"
    );
}

#[test]
fn an_unknown_reference_fails_within_bounded_time_naming_the_chunk() {
    let _g = serial();
    let c = Cluster::start(8, 2);
    let store = c.network_store(2, false);
    let reference = "ab".repeat(32).parse::<Reference>().unwrap();
    let start = Instant::now();
    let err = download(&store, &reference, Strategy::Race, false).unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(err, JoinError::NotFound { address } if address == reference.address),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("chunk {} not found", "ab".repeat(32))
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn a_restarted_node_keeps_its_peer_id_and_chunks() {
    let _g = serial();
    let mut c = Cluster::start(3, 3);
    let chunk = Chunk::new(b"kept across restarts").unwrap();
    c.network_store(0, false).put(&chunk).unwrap();
    let before = c.member(2).node.peer_id();
    let overlay = c.overlays[2];
    let dir = c.stop(2);
    let i = c.launch(dir, 3);
    assert_eq!(c.member(i).node.peer_id(), before);
    assert_eq!(c.overlays[i], overlay);
    assert!(c.member(i).store.has(&chunk.address).unwrap());
    // The other copies go; the restarted node still serves its own.
    c.member(0).store.remove(&chunk.address).unwrap();
    c.member(1).store.remove(&chunk.address).unwrap();
    let addr = c.member(i).node.listen_addrs()[0].clone();
    let session = Session::connect(&addr, test_config()).unwrap();
    assert_eq!(
        session.store().get(&chunk.address).unwrap(),
        Some(chunk.data)
    );
    session.close().unwrap();
}

#[test]
fn cli_nodes_upload_and_download_through_peers() {
    let _g = serial();
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..3).map(|i| tmp.path().join(format!("n{i}"))).collect();
    let first = spawn_node(&dirs[0], None);
    let others: Vec<Process> = dirs[1..]
        .iter()
        .map(|d| spawn_node(d, Some(&first.listen)))
        .collect();
    // `id` reads the same key the node created.
    let out = swarmec()
        .args(["id", "--data-dir"])
        .arg(&dirs[0])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), first.peer_id);
    // Every node knows every other before the upload places chunks.
    let all: Vec<&Process> = std::iter::once(&first).chain(&others).collect();
    wait_for_peers(&all, others.len());

    let file = tmp.path().join("in.bin");
    let data = random_bytes(200_000, 4);
    std::fs::write(&file, &data).unwrap();
    // Without a batch nothing is sent: a usage error that says how to get one.
    let uploader = tmp.path().join("uploader");
    let out = swarmec()
        .args(["upload", "--peer", &others[0].listen, "--data-dir"])
        .arg(&uploader)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --stamp BATCH"));
    // An unknown batch fails before connecting.
    let unknown = "ab".repeat(32);
    let out = swarmec()
        .args([
            "upload",
            "--peer",
            &others[0].listen,
            "--stamp",
            &unknown,
            "--data-dir",
        ])
        .arg(&uploader)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("batch {unknown} not found")));
    let batch = create_batch(&uploader, 20);
    let out = swarmec()
        .args(["upload", "--level", "strong", "--peer", &others[0].listen])
        .args(["--stamp", &batch, "--data-dir"])
        .arg(&uploader)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(reference.len(), 64);
    let target = tmp.path().join("out.bin");
    let out = swarmec()
        .args([
            "download",
            &reference,
            "--strategy",
            "race",
            "--peer",
            &others[1].listen,
            "-o",
        ])
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&target).unwrap(), data);

    // An unknown reference is a runtime failure naming the chunk.
    let missing = "cd".repeat(32);
    let out = swarmec()
        .args(["download", &missing, "--peer", &first.listen])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("chunk {missing} not found")));

    terminate(first);
    for p in others {
        terminate(p);
    }
}

#[test]
fn node_api_uploads_to_the_network_and_reads_through_another_node() {
    let _g = serial();
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..4).map(|i| tmp.path().join(format!("n{i}"))).collect();
    let api = ["--api", "127.0.0.1:0"];
    let first = spawn_node_with(&dirs[0], None, &api);
    let others: Vec<Process> = dirs[1..]
        .iter()
        .map(|d| spawn_node_with(d, Some(&first.listen), &api))
        .collect();
    // Every node knows every other before the upload places chunks.
    let all: Vec<&Process> = std::iter::once(&first).chain(&others).collect();
    wait_for_peers(&all, others.len());
    // bee's status endpoints: this node's overlay, key and underlay; its peers, also per bin.
    let get_json = |path: &str| {
        let (status, body) = http(first.api.as_deref().unwrap(), "GET", path, &[], &[]);
        assert_eq!(status, 200, "{path}");
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()
    };
    assert_eq!(get_json("/node")["beeMode"], "full");
    let addresses = get_json("/addresses");
    assert_eq!(addresses["overlay"], first.overlay.as_str());
    assert_eq!(
        addresses["underlay"],
        serde_json::json!([format!("{}", first.listen)])
    );
    assert_eq!(addresses["publicKey"].as_str().unwrap().len(), 66);
    let mut want: Vec<&str> = others.iter().map(|p| p.overlay.as_str()).collect();
    want.sort_unstable();
    let peers = get_json("/peers");
    let listed: Vec<&str> = peers["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["fullNode"], true);
            p["address"].as_str().unwrap()
        })
        .collect();
    assert_eq!(listed, want);
    let topology = get_json("/topology");
    assert_eq!(topology["baseAddr"], first.overlay.as_str());
    assert_eq!(topology["connected"], others.len());
    let mut in_bins: Vec<&str> = (0..32)
        .flat_map(|b| {
            topology["bins"][format!("bin_{b}")]["connectedPeers"]
                .as_array()
                .map(|a| a.iter().map(|p| p["address"].as_str().unwrap()).collect())
                .unwrap_or_else(Vec::new)
        })
        .collect();
    in_bins.sort_unstable();
    assert_eq!(in_bins, want);
    // bee's status snapshot: this full node, its connected peers, the proximity bee reports.
    let status = get_json("/status");
    assert_eq!(
        (
            &status["overlay"],
            &status["beeMode"],
            &status["proximity"],
            &status["connectedPeers"]
        ),
        (
            &serde_json::json!(first.overlay),
            &serde_json::json!("full"),
            &serde_json::json!(256),
            &serde_json::json!(others.len())
        )
    );
    let data = random_bytes(300_000, 9);
    // A batch the node does not have: bee's 404, and nothing is sent.
    let unknown = "ab".repeat(32);
    let (status, body) = http(
        first.api.as_deref().unwrap(),
        "POST",
        "/bytes",
        &[("Swarm-Postage-Batch-Id", &unknown)],
        &data,
    );
    assert_eq!(status, 404);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"code": 404, "message": "batch with id not found"})
    );
    // A batch of the node's own, as bee-js's createPostageBatch makes one.
    let (status, body) = http(
        first.api.as_deref().unwrap(),
        "POST",
        "/stamps/1/20",
        &[],
        &[],
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let batch = v["batchID"].as_str().unwrap().to_string();
    // Another node has not heard of it before any chunk of it was pushed.
    let post_elsewhere = || {
        http(
            others[0].api.as_deref().unwrap(),
            "POST",
            "/bytes",
            &[("Swarm-Postage-Batch-Id", &batch)],
            &data,
        )
    };
    assert_eq!(post_elsewhere().0, 404);
    let (status, body) = http(
        first.api.as_deref().unwrap(),
        "POST",
        "/bytes",
        &[
            ("Swarm-Postage-Batch-Id", &batch),
            ("Swarm-Redundancy-Level", "2"),
        ],
        &data,
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let reference = v["reference"].as_str().unwrap().to_string();
    let (want, all) = chunk_addresses(
        &data,
        SplitOptions {
            level: Level::Strong,
            encrypt: false,
        },
    );
    assert_eq!(reference, want.to_hex());
    // Its tag (the upload with the unknown batch opened one before it): every chunk receipted, by
    // a peer or by this node as one of the closest; none seen, as a node pushes every chunk.
    let tags = get_json("/tags");
    let tag = tags["tags"].as_array().unwrap().last().unwrap().clone();
    let count = |k: &str| tag[k].as_u64().unwrap();
    assert_eq!(tag["uid"], 2);
    assert_eq!(count("split"), all.len() as u64);
    assert_eq!(count("seen"), 0);
    assert_eq!(count("synced"), count("split"));
    assert_eq!(count("stored") + count("sent"), count("split"));
    assert_eq!(tag["address"], reference.as_str());
    // Now every node has handled chunks of the batch and learned it from their claims (some 150
    // chunks, two copies each, over four nodes), but only its owner may stamp with it: bee's 422.
    let (status, body) = post_elsewhere();
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"code": 422, "message": "batch not usable yet or does not exist"})
    );
    // Read back through a node that did not take the upload.
    let (status, got) = http(
        others[2].api.as_deref().unwrap(),
        "GET",
        &format!("/bytes/{reference}"),
        &[("Swarm-Redundancy-Strategy", "3")],
        &[],
    );
    assert_eq!(status, 200);
    assert!(got == data);
    let (status, _) = http(
        others[1].api.as_deref().unwrap(),
        "GET",
        &format!("/bytes/{}", "cd".repeat(32)),
        &[],
        &[],
    );
    assert_eq!(status, 404);
    terminate(first);
    for p in others {
        terminate(p);
    }
}
