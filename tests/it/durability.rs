//! `durability` against a Monte Carlo over real trees: each tree is built by the splitter into a store,
//! its group structure is read back with `inspect` (every intermediate chunk is one group of its data and
//! parity children; the root with its replicas is one more), every stored chunk is dropped independently
//! with probability P, and the file counts as retrievable iff the root or a replica survives and no group
//! lost more chunks than it has parities. The success frequency must match
//! `durability(..).retrievable_probability` within 4.5 standard errors. The group rule itself is checked
//! against the real joiner: sampled chunks are removed from a copy of the store and `read_all` (race,
//! fallback on, no write-back) must succeed, with the exact bytes, iff the rule says so.

use crate::common::Rng;

use std::collections::{BTreeMap, BTreeSet};

use swarmec::durability::durability;
use swarmec::encryption::BeeRand;
use swarmec::file::inspect::inspect;
use swarmec::file::splitter::StoreSink;
use swarmec::file::{split_bytes, JoinOptions, Joiner, SplitOptions, Strategy};
use swarmec::reference::Reference;
use swarmec::store::{ChunkStore, MemStore};
use swarmec::{Address, Level};

/// One RS group: every stored member, of which at most `parities` may be lost.
struct Group {
    members: Vec<Address>,
    parities: usize,
}

/// A real tree and its group structure.
struct Tree {
    store: MemStore,
    reference: Reference,
    data: Vec<u8>,
    groups: Vec<Group>,
    /// The root chunk and its dispersed replicas: one of them must survive.
    root_copies: Vec<Address>,
}

fn build(size: usize, level: Level, encrypted: bool) -> Tree {
    // Random bytes: no two chunks coincide, so every stored chunk belongs to exactly one group.
    let data = Rng(size as u64 ^ u64::from(level.as_u8()) << 32).bytes(size);
    let store = MemStore::new();
    let mut rng = BeeRand::new(size as u64);
    let rng: Option<&mut dyn swarmec::encryption::RandomSource> =
        if encrypted { Some(&mut rng) } else { None };
    let options = SplitOptions {
        level,
        encrypt: encrypted,
    };
    let summary = split_bytes(&data, &mut StoreSink(&store), options, rng).unwrap();
    let report = inspect(&store, &summary.reference, JoinOptions::default()).unwrap();
    assert!(report.missing.is_empty());
    let hex = |h: &String| Address::from_hex(h).unwrap();
    let groups: Vec<Group> = report
        .nodes
        .iter()
        .map(|n| Group {
            members: n.data.iter().chain(&n.parity).map(hex).collect(),
            parities: n.parity.len(),
        })
        .collect();
    let mut root_copies = vec![summary.reference.address];
    root_copies.extend(summary.replicas.iter().copied());

    // Every stored chunk is in exactly one group or among the root copies, and the model counts the same
    // chunks and the same group shapes.
    let mut all: Vec<Address> = groups.iter().flat_map(|g| g.members.clone()).collect();
    all.extend(root_copies.iter().copied());
    let distinct: BTreeSet<Address> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "a chunk in two groups");
    assert_eq!(distinct, store.addresses().into_iter().collect());
    let model = durability(size as u64, level, encrypted, 0.5).unwrap();
    assert_eq!(model.chunks, all.len() as u64);
    let mut shapes: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for g in &groups {
        *shapes
            .entry((g.members.len() - g.parities, g.parities))
            .or_default() += 1;
    }
    let mut model_shapes: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for g in &model.groups {
        *model_shapes.entry((g.data_shards, g.parities)).or_default() += g.count;
    }
    assert_eq!(shapes, model_shapes);

    Tree {
        store,
        reference: summary.reference,
        data,
        groups,
        root_copies,
    }
}

/// Samples one loss pattern; returns whether the group rule says the file is retrievable, and pushes the
/// lost chunks into `lost` when given.
fn sample(tree: &Tree, q: f64, rng: &mut Rng, mut lost: Option<&mut Vec<Address>>) -> bool {
    let mut ok = true;
    for g in &tree.groups {
        let mut n = 0;
        for a in &g.members {
            if rng.lost(q) {
                n += 1;
                if let Some(l) = lost.as_deref_mut() {
                    l.push(*a);
                }
            }
        }
        ok &= n <= g.parities;
    }
    let mut root_lost = 0;
    for a in &tree.root_copies {
        if rng.lost(q) {
            root_lost += 1;
            if let Some(l) = lost.as_deref_mut() {
                l.push(*a);
            }
        }
    }
    ok && root_lost < tree.root_copies.len()
}

/// (data chunks or bytes, level, encrypted, loss): loss rates where the model's retrievability lies
/// between about 0.5 and 0.9, so that failures are common enough to measure.
const CASES: &[(usize, Level, bool, f64)] = &[
    (340 * 4096, Level::Strong, false, 0.14),
    (239 * 4096, Level::Medium, false, 0.06),
    (98 * 4096, Level::Insane, false, 0.24),
    (45 * 4096, Level::Paranoid, false, 0.68),
    (41 * 4096, Level::Paranoid, true, 0.76),
    (60 * 4096, Level::Strong, true, 0.27),
    (20 * 4096, Level::None, true, 0.02),
    (100, Level::Medium, false, 0.5),
];

const TRIALS: u32 = 100_000;

#[test]
fn model_matches_monte_carlo_over_real_trees() {
    for (i, &(size, level, encrypted, q)) in CASES.iter().enumerate() {
        let tree = build(size, level, encrypted);
        let p = durability(size as u64, level, encrypted, q)
            .unwrap()
            .retrievable_probability;
        assert!((0.5..0.95).contains(&p), "case {i}: p = {p}");
        let mut rng = Rng(0xd0_0000 + i as u64);
        let ok = (0..TRIALS)
            .filter(|_| sample(&tree, q, &mut rng, None))
            .count();
        let measured = ok as f64 / f64::from(TRIALS);
        let se = (p * (1.0 - p) / f64::from(TRIALS)).sqrt();
        let z = (measured - p) / se;
        eprintln!(
            "{size} bytes {level} enc {encrypted} loss {q}: model {p:.4}, measured {measured:.4} \
             ({TRIALS} trials, z = {z:+.2})"
        );
        assert!(
            z.abs() <= 4.5,
            "case {i}: model {p}, measured {measured}, z {z}"
        );
    }
}

/// Copies every chunk of `store` into a fresh store.
fn copy(store: &MemStore) -> MemStore {
    let out = MemStore::new();
    let mut chunks = Vec::new();
    store
        .iterate(&mut |a, d| {
            chunks.push(swarmec::Chunk {
                address: *a,
                data: d.to_vec(),
            });
            true
        })
        .unwrap();
    out.put_batch(&chunks).unwrap();
    out
}

#[test]
fn group_rule_matches_the_real_joiner() {
    const JOINS: u32 = 30;
    let options = JoinOptions {
        strategy: Strategy::Race,
        fallback: true,
        write_back: false,
        ..JoinOptions::default()
    };
    let (mut readable, mut unreadable) = (0, 0);
    for (i, &(size, level, encrypted, q)) in CASES.iter().enumerate() {
        let tree = build(size, level, encrypted);
        let mut rng = Rng(0x10_1000 + i as u64);
        for t in 0..JOINS {
            let mut lost = Vec::new();
            let rule = sample(&tree, q, &mut rng, Some(&mut lost));
            let store = copy(&tree.store);
            for a in &lost {
                assert!(store.remove(a).unwrap());
            }
            let mut out = Vec::new();
            let joined =
                Joiner::open(&store, &tree.reference, options).and_then(|j| j.read_all(&mut out));
            match joined {
                Ok(n) => {
                    assert!(
                        rule,
                        "case {i} trial {t}: joiner read what the rule calls lost"
                    );
                    assert_eq!(n, size as u64);
                    assert!(out == tree.data, "case {i} trial {t}: wrong bytes");
                    readable += 1;
                }
                Err(e) => {
                    assert!(!rule, "case {i} trial {t}: rule says readable, joiner: {e}");
                    unreadable += 1;
                }
            }
        }
    }
    eprintln!("joiner: {readable} readable, {unreadable} unreadable, all as the group rule says");
    // Both outcomes occur, so the agreement is not vacuous.
    assert!(
        readable >= 50 && unreadable >= 20,
        "{readable} / {unreadable}"
    );
}
