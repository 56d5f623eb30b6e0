//! `check` and `repair` (issue 13 §2): chunks of every kind (data, parity, intermediate, root, root
//! replicas) deleted from a store on disk and from a loopback network, checked (exact counts and
//! margins), repaired (exactly the deleted set written back), checked again at full margin and read
//! back byte-identical; bee's stewardship endpoints; the bounded failure of a download beyond repair.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;

use swarmec::address::Address;
use swarmec::api::{ApiConfig, ApiState};
use swarmec::file::inspect::{inspect_with, InspectOptions, Inspection, RepairMode};
use swarmec::file::repair::{repair, ChunkKind};
use swarmec::file::splitter::{split_bytes, StoreSink};
use swarmec::file::{JoinError, JoinOptions, Joiner, SplitOptions, Strategy};
use swarmec::redundancy::Level;
use swarmec::reference::Reference;
use swarmec::store::{ChunkStore, MemStore, SlotStore};

use crate::api::start;
use crate::common::nodes::{http, serial, swarmec};
use crate::net::{download, random_bytes, upload, Cluster};

fn addr(hex: &str) -> Address {
    Address::from_hex(hex).unwrap()
}

fn put_file(store: &dyn ChunkStore, data: &[u8], level: Level) -> Reference {
    let options = SplitOptions {
        level,
        encrypt: false,
    };
    split_bytes(data, &mut StoreSink(store), options, None)
        .unwrap()
        .reference
}

fn read(store: &dyn ChunkStore, reference: &Reference) -> Result<Vec<u8>, JoinError> {
    let joiner = Joiner::open(store, reference, JoinOptions::default())?;
    let mut out = Vec::new();
    joiner.read_all(&mut out)?;
    Ok(out)
}

fn check(store: &dyn ChunkStore, reference: &Reference) -> Inspection {
    inspect_with(store, reference, InspectOptions::default()).unwrap()
}

/// One chunk of every kind from an intact two-level tree (root over two groups of data chunks):
/// the root, its second replica, the root's second parity, the first group's intermediate chunk
/// and its fourth data chunk (below the lost intermediate, so reached only through the rebuilt
/// one), the second group's first data chunk and first parity.
fn one_of_every_kind(intact: &Inspection) -> BTreeMap<Address, ChunkKind> {
    assert_eq!(intact.nodes.len(), 3, "a root over two groups");
    let n = &intact.nodes;
    BTreeMap::from([
        (addr(&intact.reference), ChunkKind::Root),
        (addr(&intact.replicas.addresses[1]), ChunkKind::Replica),
        (addr(&n[0].parity[1]), ChunkKind::Parity),
        (addr(&n[1].address), ChunkKind::Intermediate),
        (addr(&n[1].data[3]), ChunkKind::Data),
        (addr(&n[2].data[0]), ChunkKind::Data),
        (addr(&n[2].parity[0]), ChunkKind::Parity),
    ])
}

/// What a check sees once [`one_of_every_kind`] is lost: per node (data retrievable, parity
/// retrievable, margin), and the replicas.
fn assert_counts_after_loss(intact: &Inspection, damaged: &Inspection) {
    let n = &intact.nodes;
    let (k0, k1, k2) = (n[0].parity.len(), n[1].parity.len(), n[2].parity.len());
    let got: Vec<(usize, usize, i64)> = damaged
        .nodes
        .iter()
        .map(|x| (x.data_retrievable, x.parity_retrievable, x.margin))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, k0 - 1, k0 as i64 - 2),
            (n[1].data.len() - 1, k1, k1 as i64 - 1),
            (n[2].data.len() - 1, k2 - 1, k2 as i64 - 2),
        ]
    );
    assert!(!damaged.root_retrievable);
    assert!(damaged.recoverable);
    assert_eq!(
        damaged.replicas.retrievable,
        intact.replicas.addresses.len() - 1
    );
    assert_eq!(
        damaged.replicas.missing,
        vec![intact.replicas.addresses[1].clone()]
    );
    assert_eq!(damaged.missing.len(), 6);
    assert_eq!(damaged.leaves, intact.leaves);
}

fn repair_missing(
    store: &dyn ChunkStore,
    reference: &Reference,
) -> swarmec::file::repair::RepairReport {
    repair(
        store,
        reference,
        InspectOptions::default(),
        RepairMode::Missing,
    )
    .unwrap()
}

/// Checks a tree that lost [`one_of_every_kind`] (exact counts), repairs it and asserts that
/// exactly the lost chunks were written back.
fn check_and_repair_every_kind(
    store: &dyn ChunkStore,
    reference: &Reference,
    intact: &Inspection,
    lost: &BTreeMap<Address, ChunkKind>,
) -> swarmec::file::repair::RepairReport {
    let damaged = check(store, reference);
    assert_counts_after_loss(intact, &damaged);
    let report = repair_missing(store, reference);
    assert_eq!(&pushed_set(&report), lost);
    report
}

fn pushed_set(report: &swarmec::file::repair::RepairReport) -> BTreeMap<Address, ChunkKind> {
    let set: BTreeMap<Address, ChunkKind> = report
        .pushed
        .iter()
        .map(|p| (addr(&p.address), p.kind))
        .collect();
    assert_eq!(set.len(), report.pushed.len(), "each chunk written once");
    set
}

#[test]
fn every_kind_deleted_from_a_store_on_disk_is_checked_repaired_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = SlotStore::open(dir.path()).unwrap();
    let data = random_bytes(700_000, 7);
    let reference = put_file(&store, &data, Level::Strong);
    let intact = check(&store, &reference);
    assert!(intact.is_complete());
    assert_eq!(intact.replicas.addresses.len(), 4);
    assert!(intact
        .nodes
        .iter()
        .all(|n| n.margin == n.parity.len() as i64));
    let lost = one_of_every_kind(&intact);
    for a in lost.keys() {
        assert!(store.remove(a).unwrap());
    }
    let report = check_and_repair_every_kind(&store, &reference, &intact, &lost);
    assert_eq!(report.counts.total(), 7);
    assert_eq!(
        (
            report.counts.root,
            report.counts.replicas,
            report.counts.intermediate
        ),
        (1, 1, 1)
    );
    assert_eq!((report.counts.data, report.counts.parity), (2, 2));
    assert!(report.unrecoverable.is_empty());

    let after = check(&store, &reference);
    assert!(after.is_complete(), "{after:?}");
    assert_eq!(after.nodes, intact.nodes);
    assert_eq!(read(&store, &reference).unwrap(), data);
    // A second repair finds nothing to do.
    let again = repair_missing(&store, &reference);
    assert!(again.pushed.is_empty());
}

#[test]
fn a_group_beyond_repair_is_reported_and_the_rest_repaired() {
    let store = MemStore::new();
    let data = random_bytes(700_000, 8);
    let reference = put_file(&store, &data, Level::Medium);
    let intact = check(&store, &reference);
    let group = &intact.nodes[2];
    let k = group.parity.len();
    // One more child than it has parities, and one parity of the other group.
    let mut lost: Vec<Address> = group.data[..=k].iter().map(|a| addr(a)).collect();
    let other_parity = addr(&intact.nodes[1].parity[0]);
    lost.push(other_parity);
    for a in &lost {
        store.remove(a).unwrap();
    }
    let damaged = check(&store, &reference);
    assert!(!damaged.recoverable);
    assert_eq!(damaged.nodes[2].margin, -1);
    assert_eq!(damaged.nodes[2].data_retrievable, group.data.len() - k - 1);
    assert_eq!(
        damaged.nodes[1].margin,
        intact.nodes[1].parity.len() as i64 - 1
    );

    let report = repair_missing(&store, &reference);
    assert_eq!(
        pushed_set(&report),
        BTreeMap::from([(other_parity, ChunkKind::Parity)])
    );
    assert_eq!(report.unrecoverable, vec![group.address.clone()]);

    let err = read(&store, &reference).unwrap_err();
    match &err {
        JoinError::Unrecoverable {
            node,
            missing,
            parities,
            ..
        } => {
            assert_eq!(node.to_hex(), group.address);
            assert_eq!((missing.len(), *parities), (k + 1, k));
        }
        other => panic!("want Unrecoverable, got {other}"),
    }
    assert!(err.to_string().starts_with(&format!(
        "chunk {} cannot be recovered: {} of its {} children are missing and it has {k} parities",
        group.address,
        k + 1,
        group.data.len() + k
    )));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Any loss within every group's margin (root, replicas and intermediate chunks included) is
    /// repaired exactly: the chunks written back are the chunks lost, and the file reads back.
    #[test]
    fn any_loss_within_the_margins_is_repaired_exactly(
        size in 1usize..1_200_000,
        level in 1u8..=4,
        seed in any::<u64>(),
    ) {
        let level = Level::from_u8(level).unwrap();
        let store = MemStore::new();
        let data = random_bytes(size, seed);
        let reference = put_file(&store, &data, level);
        let intact = check(&store, &reference);
        let mut rng = crate::common::rng::Rng(seed | 1);
        let mut lost = BTreeSet::new();
        if intact.nodes.is_empty() {
            // One chunk: its replicas only (the root is all there is).
            for r in &intact.replicas.addresses {
                if rng.below(2) == 0 { lost.insert(addr(r)); }
            }
        } else {
            if rng.below(2) == 0 { lost.insert(addr(&intact.reference)); }
            for r in &intact.replicas.addresses {
                if rng.below(3) == 0 { lost.insert(addr(r)); }
            }
            for n in &intact.nodes {
                let children: Vec<&String> = n.data.iter().chain(&n.parity).collect();
                let take = rng.below(n.parity.len() as u64 + 1) as usize;
                for _ in 0..take {
                    lost.insert(addr(children[rng.below(children.len() as u64) as usize]));
                }
            }
        }
        // The root, when lost, needs a replica; keep the first one.
        if let Some(first) = intact.replicas.addresses.first() {
            if lost.contains(&addr(&intact.reference)) { lost.remove(&addr(first)); }
        }
        for a in &lost { store.remove(a).unwrap(); }
        let options = InspectOptions {
            replica_level: Some(level),
            ..InspectOptions::default()
        };
        let report = repair(&store, &reference, options, RepairMode::Missing).unwrap();
        let pushed: BTreeSet<Address> = report.pushed.iter().map(|p| addr(&p.address)).collect();
        prop_assert_eq!(pushed, lost);
        let after = inspect_with(&store, &reference, options).unwrap();
        prop_assert!(after.is_complete());
        prop_assert_eq!(read(&store, &reference).unwrap(), data);
    }
}

/// Removes `addresses` from every live node of the cluster.
fn delete_everywhere(c: &Cluster, addresses: impl IntoIterator<Item = Address>) {
    for a in addresses {
        for i in c.alive() {
            c.member(i).store.remove(&a).unwrap();
        }
    }
}

#[test]
fn every_kind_deleted_from_the_network_is_checked_repaired_and_read_back() {
    let _g = serial();
    let c = Cluster::start(6, 2);
    let data = random_bytes(700_000, 9);
    let (reference, _) = upload(&c, 0, &data, Level::Medium);
    // Reads through node 3 without caching: its own store is part of the network, nothing else.
    let store = c.network_store(3, false);
    let intact = check(&store, &reference);
    assert!(intact.is_complete(), "{intact:?}");
    assert_eq!(intact.replicas.addresses.len(), 2);
    let lost = one_of_every_kind(&intact);
    delete_everywhere(&c, lost.keys().copied());
    assert!(c
        .holders(&lost.keys().copied().collect::<Vec<_>>())
        .values()
        .all(BTreeSet::is_empty));

    let started = Instant::now();
    check_and_repair_every_kind(&store, &reference, &intact, &lost);
    let took = started.elapsed();
    // Pushed back: each is held by a node again.
    for (a, holders) in c.holders(&lost.keys().copied().collect::<Vec<_>>()) {
        assert!(!holders.is_empty(), "{a} not stored anywhere after repair");
    }
    let through_another = c.network_store(5, false);
    let after = check(&through_another, &reference);
    assert!(after.is_complete(), "{after:?}");
    assert!(after
        .nodes
        .iter()
        .all(|n| n.margin == n.parity.len() as i64));
    assert_eq!(
        download(&through_another, &reference, Strategy::Data, false).unwrap(),
        data
    );
    eprintln!("check and repair over the network with 7 chunks lost took {took:?}");
}

#[test]
fn a_download_beyond_repair_fails_within_a_minute_naming_the_group() {
    let _g = serial();
    let c = Cluster::start(6, 2);
    let data = random_bytes(700_000, 10);
    let (reference, _) = upload(&c, 0, &data, Level::Medium);
    let store = c.network_store(2, false);
    let intact = check(&store, &reference);
    // The first group loses every data child and every parity but one: far beyond repair, and
    // each lost chunk one more retrieval that must not be waited for one after another.
    let group = intact.nodes[1].clone();
    let k = group.parity.len();
    let lost: Vec<Address> = group
        .data
        .iter()
        .chain(&group.parity[1..])
        .map(|a| addr(a))
        .collect();
    delete_everywhere(&c, lost.iter().copied());
    let message_start = format!(
        "chunk {} cannot be recovered: {} of its {} children are missing and it has {k} parities",
        group.address,
        lost.len(),
        group.data.len() + k
    );
    for strategy in [Strategy::Data, Strategy::Prox, Strategy::Race] {
        let started = Instant::now();
        let err = download(&store, &reference, strategy, false).unwrap_err();
        let took = started.elapsed();
        assert!(
            matches!(&err, JoinError::Unrecoverable { node, .. } if node.to_hex() == group.address),
            "{strategy}: {err}"
        );
        assert!(err.to_string().starts_with(&message_start), "{err}");
        assert!(took < Duration::from_secs(60), "{strategy}: took {took:?}");
        eprintln!("{strategy}: failed in {took:?}");
    }
    // The same through the API over the network: a 404 naming the group, within the bound.
    let api = start(ApiState::new(
        Arc::new(c.network_store(4, false)),
        ApiConfig {
            write_back: false,
            ..ApiConfig::default()
        },
    ));
    let started = Instant::now();
    let (status, body) = http(
        &api.addr.to_string(),
        "GET",
        &format!("/bytes/{reference}"),
        &[],
        b"",
    );
    let took = started.elapsed();
    assert_eq!(status, 404);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["code"], 404);
    assert!(
        v["message"].as_str().unwrap().starts_with(&message_start),
        "{v}"
    );
    assert!(took < Duration::from_secs(60), "API took {took:?}");
    eprintln!("GET /bytes failed in {took:?}");
}

#[test]
fn stewardship_over_the_network_reuploads_the_tree_and_the_replicas() {
    let _g = serial();
    let c = Cluster::start(6, 2);
    let data = random_bytes(300_000, 11);
    let (reference, _) = upload(&c, 0, &data, Level::Medium);
    let api = start(ApiState::new(
        Arc::new(c.network_store(3, false)),
        ApiConfig {
            write_back: false,
            ..ApiConfig::default()
        },
    ));
    let a = api.addr.to_string();
    let path = format!("/stewardship/{reference}");
    let get = || http(&a, "GET", &path, &[], b"");
    assert_eq!(get(), (200, br#"{"isRetrievable":true}"#.to_vec()));
    let intact = check(&c.network_store(3, false), &reference);
    let lost = one_of_every_kind_small(&intact);
    delete_everywhere(&c, lost.iter().copied());
    assert_eq!(get(), (200, br#"{"isRetrievable":false}"#.to_vec()));
    let batch = "11".repeat(32);
    let (status, body) = http(&a, "PUT", &path, &[("Swarm-Postage-Batch-Id", &batch)], b"");
    assert_eq!(
        (status, body),
        (200, br#"{"code":200,"message":"OK"}"#.to_vec())
    );
    assert_eq!(get(), (200, br#"{"isRetrievable":true}"#.to_vec()));
    for (a, holders) in c.holders(&lost) {
        assert!(!holders.is_empty(), "{a} not re-uploaded");
    }
    assert!(check(&c.network_store(5, false), &reference).is_complete());
}

/// Root, a replica, a data chunk and a parity of a one-group tree.
fn one_of_every_kind_small(intact: &Inspection) -> Vec<Address> {
    let n = &intact.nodes[0];
    vec![
        addr(&intact.reference),
        addr(&intact.replicas.addresses[0]),
        addr(&n.data[0]),
        addr(&n.parity[0]),
    ]
}

#[test]
fn stewardship_over_a_local_store_answers_as_bee() {
    let store = Arc::new(MemStore::new());
    let data = random_bytes(300_000, 12);
    let reference = put_file(&*store, &data, Level::Medium);
    let api = start(ApiState::new(store.clone(), ApiConfig::default()));
    let a = api.addr.to_string();
    let path = format!("/stewardship/{reference}");
    assert_eq!(
        http(&a, "GET", &path, &[], b""),
        (200, br#"{"isRetrievable":true}"#.to_vec())
    );
    let intact = check(&*store, &reference);
    let lost = one_of_every_kind_small(&intact);
    for x in &lost {
        store.remove(x).unwrap();
    }
    assert_eq!(
        http(&a, "GET", &path, &[], b""),
        (200, br#"{"isRetrievable":false}"#.to_vec())
    );
    // bee's refusals: no batch, a malformed one, a malformed reference, a bad level.
    let (status, body) = http(&a, "PUT", &path, &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        serde_json::json!({"code": 400, "message": "invalid header params",
            "reasons": [{"field": "swarm-postage-batch-id", "error": "want required:"}]})
    );
    let (status, body) = http(&a, "PUT", &path, &[("Swarm-Postage-Batch-Id", "1234")], b"");
    assert_eq!(
        (status, serde_json::from_slice::<Value>(&body).unwrap()),
        (
            404,
            serde_json::json!({"code": 404, "message": "batch with id not found"})
        )
    );
    let (status, body) = http(&a, "GET", "/stewardship/12345", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["message"],
        "invalid path params"
    );
    let (status, _) = http(&a, "GET", &path, &[("Swarm-Redundancy-Level", "9")], b"");
    assert_eq!(status, 400);
    // An unknown file: not retrievable; its re-upload fails as bee's.
    let unknown = format!("/stewardship/{}", "ab".repeat(32));
    assert_eq!(
        http(&a, "GET", &unknown, &[], b""),
        (200, br#"{"isRetrievable":false}"#.to_vec())
    );
    let batch = "11".repeat(32);
    let (status, body) = http(
        &a,
        "PUT",
        &unknown,
        &[("Swarm-Postage-Batch-Id", &batch)],
        b"",
    );
    assert_eq!(
        (status, serde_json::from_slice::<Value>(&body).unwrap()),
        (
            500,
            serde_json::json!({"code": 500, "message": "re-upload failed"})
        )
    );
    // The re-upload rebuilds what is lost and writes everything back.
    let (status, body) = http(&a, "PUT", &path, &[("Swarm-Postage-Batch-Id", &batch)], b"");
    assert_eq!(
        (status, body),
        (200, br#"{"code":200,"message":"OK"}"#.to_vec())
    );
    assert!(check(&*store, &reference).is_complete());
    assert_eq!(read(&*store, &reference).unwrap(), data);
}

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = swarmec()
        .args(args)
        .current_dir(dir)
        .env("SWARMEC_DATA_DIR", dir.join("data"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn cli_check_json_and_repair() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = random_bytes(700_000, 13);
    std::fs::write(d.join("f"), &data).unwrap();
    let (code, r, _) = run(d, &["upload", "f", "--level", "strong"]);
    assert_eq!(code, 0);
    let r = r.trim().to_string();
    let (code, out, _) = run(d, &["check", &r, "--json"]);
    assert_eq!(code, 0);
    let intact: Inspection = serde_json::from_str::<Value>(&out)
        .map(|v| inspection_of(&v))
        .unwrap();
    let lost = one_of_every_kind(&intact);
    let hex: Vec<String> = lost.keys().map(Address::to_hex).collect();
    let mut remove = vec!["store", "remove"];
    remove.extend(hex.iter().map(String::as_str));
    assert_eq!(run(d, &remove).0, 0);
    let (code, out, _) = run(d, &["check", &r, "--json"]);
    assert_eq!(code, 0, "recoverable");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["root_retrievable"], false);
    assert_eq!(v["replicas"]["retrievable"], 3);
    assert_eq!(
        v["nodes"][2]["margin"],
        intact.nodes[2].parity.len() as i64 - 2
    );
    let (code, out, _) = run(d, &["repair", &r, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["counts"],
        serde_json::json!({"root": 1, "replicas": 1, "intermediate": 1, "data": 2, "parity": 2})
    );
    let pushed: BTreeSet<String> = v["pushed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pushed, hex.iter().cloned().collect());
    let (code, out, _) = run(d, &["check", &r]);
    assert_eq!(code, 0);
    assert!(
        out.contains("complete: every chunk and replica is retrievable"),
        "{out}"
    );
    // Beyond repair: exit 1 naming the group, for check and for repair.
    let group = &intact.nodes[2];
    let k = group.parity.len();
    let mut remove = vec!["store", "remove"];
    remove.extend(group.data[..=k].iter().map(String::as_str));
    assert_eq!(run(d, &remove).0, 0);
    let (code, out, err) = run(d, &["check", &r]);
    assert_eq!(code, 1);
    assert!(out.contains("NOT RECOVERABLE: 1 group(s)"), "{out}");
    assert!(
        err.contains(&format!(
            "chunk {} cannot be recovered: {} of its {} children are missing and it has {k} parities",
            group.address,
            k + 1,
            group.data.len() + k
        )),
        "{err}"
    );
    assert_eq!(run(d, &["repair", &r]).0, 1);
    // A root lost with every replica: exit 1 and says so.
    let mut remove = vec!["store", "remove", r.as_str()];
    remove.extend(intact.replicas.addresses.iter().map(String::as_str));
    run(d, &remove);
    let (code, _, err) = run(d, &["check", &r]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "the root chunk {r} cannot be retrieved, nor any of its replicas"
        )),
        "{err}"
    );
}

/// The parts of a check's JSON the tests use.
fn inspection_of(v: &Value) -> Inspection {
    let strings = |x: &Value| -> Vec<String> {
        x.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    Inspection {
        reference: v["reference"].as_str().unwrap().to_string(),
        size: v["size"].as_u64().unwrap(),
        level: v["level"].as_u64().unwrap() as u8,
        root_retrievable: v["root_retrievable"].as_bool().unwrap(),
        replicas: swarmec::file::inspect::ReplicaReport {
            level: v["replicas"]["level"].as_u64().unwrap() as u8,
            addresses: strings(&v["replicas"]["addresses"]),
            retrievable: v["replicas"]["retrievable"].as_u64().unwrap() as usize,
            missing: strings(&v["replicas"]["missing"]),
        },
        recoverable: v["recoverable"].as_bool().unwrap(),
        nodes: v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| swarmec::file::inspect::NodeReport {
                address: n["address"].as_str().unwrap().to_string(),
                depth: n["depth"].as_u64().unwrap() as usize,
                span: n["span"].as_u64().unwrap(),
                level: n["level"].as_u64().unwrap() as u8,
                data: strings(&n["data"]),
                parity: strings(&n["parity"]),
                data_retrievable: n["data_retrievable"].as_u64().unwrap() as usize,
                parity_retrievable: n["parity_retrievable"].as_u64().unwrap() as usize,
                missing: strings(&n["missing"]),
                margin: n["margin"].as_i64().unwrap(),
            })
            .collect(),
        missing: strings(&v["missing"]),
        leaves: v["leaves"].as_u64().unwrap(),
    }
}

/// A local store that counts the requests a network store would have to wait a whole retrieval
/// deadline for: a `get` of a missing chunk, or a `get_many` that cannot find as many as it needs
/// (it waits for the missing ones until the deadline).
struct DeadlineCounting {
    inner: MemStore,
    waits: std::sync::atomic::AtomicUsize,
}

impl ChunkStore for DeadlineCounting {
    swarmec::forward_chunk_store!(inner: put_batch, has, remove, iterate);
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, swarmec::store::StoreError> {
        let got = self.inner.get(address)?;
        if got.is_none() {
            self.waits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(got)
    }
    fn get_many(
        &self,
        addresses: &[Address],
        need: usize,
    ) -> Result<Vec<Option<Vec<u8>>>, swarmec::store::StoreError> {
        let got = self.inner.get_many(addresses, need)?;
        if got.iter().flatten().count() < need.min(addresses.len()) {
            self.waits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(got)
    }
}

/// Why a node's API once gave no answer in 300 s: after a failed round, `race` asked every child
/// its `get_many` had not found again one at a time, and `prox` asked one at a time from the start,
/// so a group beyond repair cost one retrieval deadline per missing child (30 s each by default).
/// Now every strategy asks each child once and a round waits once: a group beyond repair costs at
/// most two deadlines (the data round, then the rest), whatever its size and whatever is missing.
#[test]
fn a_group_beyond_repair_costs_at_most_two_retrieval_deadlines() {
    for level in [Level::Medium, Level::Paranoid] {
        let store = DeadlineCounting {
            inner: MemStore::new(),
            waits: Default::default(),
        };
        let data = random_bytes(500_000, 14);
        let reference = put_file(&store, &data, level);
        let intact = check(&store, &reference);
        let group = intact.nodes[1].clone();
        for a in group.data.iter().chain(&group.parity[1..]) {
            store.remove(&addr(a)).unwrap();
        }
        for strategy in [Strategy::Data, Strategy::Prox, Strategy::Race] {
            for fallback in [true, false] {
                store.waits.store(0, std::sync::atomic::Ordering::SeqCst);
                let options = JoinOptions {
                    strategy,
                    fallback,
                    write_back: false,
                    ..JoinOptions::default()
                };
                let joiner = Joiner::open(&store, &reference, options).unwrap();
                let err = joiner.read_all(&mut std::io::sink()).unwrap_err();
                let waits = store.waits.load(std::sync::atomic::Ordering::SeqCst);
                assert!(
                    matches!(&err, JoinError::Unrecoverable { node, .. } if node.to_hex() == group.address)
                        || (!fallback && strategy <= Strategy::Data),
                    "{level} {strategy} {fallback}: {err}"
                );
                assert!(
                    waits <= 2,
                    "{level} {strategy} fallback {fallback}: {waits} deadlines"
                );
            }
        }
        // A lost root with every replica lost: two deadlines (the root, then all replicas at once).
        store.remove(&reference.address).unwrap();
        for r in &intact.replicas.addresses {
            store.remove(&addr(r)).unwrap();
        }
        store.waits.store(0, std::sync::atomic::Ordering::SeqCst);
        let options = JoinOptions {
            write_back: false,
            ..JoinOptions::default()
        };
        assert!(matches!(
            Joiner::open(&store, &reference, options),
            Err(JoinError::NotFound { address }) if address == reference.address
        ));
        assert_eq!(store.waits.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}

#[test]
fn cli_download_repair_writes_back_and_names_what_it_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = random_bytes(300_000, 21);
    std::fs::write(d.join("f"), &data).unwrap();
    let (code, r, _) = run(d, &["upload", "f", "--level", "medium"]);
    assert_eq!(code, 0);
    let r = r.trim().to_string();
    let (_, out, _) = run(d, &["check", &r, "--json"]);
    let intact = inspection_of(&serde_json::from_str::<Value>(&out).unwrap());
    let lost = intact.nodes[0].data[1].clone();
    assert_eq!(run(d, &["store", "remove", &lost]).0, 0);
    let (code, _, err) = run(d, &["download", &r, "--repair", "-o", "out"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(d.join("out")).unwrap(), data);
    assert_eq!(
        err.trim(),
        format!("swarmec: wrote back 1 chunks the download recovered\n  {lost}")
    );
    let (code, out, _) = run(d, &["check", &r]);
    assert_eq!(code, 0);
    assert!(
        out.contains("complete: every chunk and replica is retrievable"),
        "{out}"
    );
}
