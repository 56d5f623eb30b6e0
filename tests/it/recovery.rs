//! Erasure-coded trees under loss and corruption (spec §7.3): every level and strategy reads back
//! exactly with up to k children of every intermediate chunk lost, and fails fast, naming the chunk,
//! beyond that.

use proptest::prelude::*;
use swarmec::cac::Chunk;
use swarmec::encryption::BeeRand;
use swarmec::file::inspect::inspect;
use swarmec::file::splitter::StoreSink;
use swarmec::file::{split_bytes, JoinError, JoinOptions, Joiner, SplitOptions, Strategy};
use swarmec::keccak::keccak256;
use swarmec::reference::Reference;
use swarmec::store::{ChunkStore, MemStore};
use swarmec::{Address, Level};

/// Data with no repeated chunk, so that losing a chunk in one group never touches another.
fn unique_data(size: usize, seed: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 32);
    let mut block = keccak256(&[seed]);
    while out.len() < size {
        out.extend_from_slice(&block);
        block = keccak256(&block);
    }
    out.truncate(size);
    out
}

fn upload(store: &MemStore, data: &[u8], level: Level) -> Reference {
    upload_with(store, data, level, false)
}

fn upload_with(store: &MemStore, data: &[u8], level: Level, encrypt: bool) -> Reference {
    let mut rng = BeeRand::new(data.len() as u64);
    split_bytes(
        data,
        &mut StoreSink(store),
        SplitOptions { level, encrypt },
        encrypt.then_some(&mut rng as &mut dyn swarmec::encryption::RandomSource),
    )
    .unwrap()
    .reference
}

fn read(store: &MemStore, r: &Reference, options: JoinOptions) -> Result<Vec<u8>, JoinError> {
    let j = Joiner::open(store, r, options)?;
    let mut out = Vec::new();
    j.read_all(&mut out)?;
    Ok(out)
}

#[derive(Clone, Copy, Debug)]
enum Damage {
    Remove,
    Corrupt,
}

fn damage(store: &MemStore, address: &Address, how: Damage) {
    match how {
        Damage::Remove => {
            store.remove(address).unwrap();
        }
        Damage::Corrupt => {
            let mut data = store.get(address).unwrap().unwrap();
            let i = data.len() / 2;
            data[i] ^= 0x55;
            store
                .put(&Chunk {
                    address: *address,
                    data,
                })
                .unwrap();
        }
    }
}

/// For every intermediate chunk, picks `k` of its children to lose: the first k data children
/// ("worst case, all data") or a mix chosen by `pick`.
fn plan_losses(
    store: &MemStore,
    r: &Reference,
    worst: bool,
    pick: &mut impl FnMut(usize) -> usize,
) -> Vec<Address> {
    let report = inspect(store, r, JoinOptions::default()).unwrap();
    let mut lost = Vec::new();
    for node in &report.nodes {
        let children: Vec<Address> = node
            .data
            .iter()
            .chain(node.parity.iter())
            .map(|h| Address::from_hex(h).unwrap())
            .collect();
        let k = node.parity.len();
        let mut chosen: Vec<usize> = if worst {
            (0..k.min(node.data.len())).collect()
        } else {
            let mut idx: Vec<usize> = (0..children.len()).collect();
            for i in 0..idx.len() {
                let j = i + pick(idx.len() - i);
                idx.swap(i, j);
            }
            idx.truncate(k);
            idx
        };
        chosen.sort();
        lost.extend(chosen.into_iter().map(|i| children[i]));
    }
    lost.push(r.address);
    lost
}

fn lcg(seed: u64) -> impl FnMut(usize) -> usize {
    let mut x = seed;
    move |n| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((x >> 33) as usize) % n
    }
}

#[test]
fn maximal_loss_every_level_and_strategy() {
    // Two levels of intermediate chunks at every level (paranoid groups hold 39 chunks).
    let data = unique_data(1_100_000, 1);
    maximal_loss(
        &data,
        false,
        &[
            (true, Damage::Remove),
            (false, Damage::Remove),
            (true, Damage::Corrupt),
            (false, Damage::Corrupt),
        ],
    );
}

#[test]
fn maximal_loss_encrypted_every_level_and_strategy() {
    // Encrypted groups are smaller (paranoid 20 data children); 600 kB gives two levels everywhere.
    let data = unique_data(600_000, 5);
    maximal_loss(
        &data,
        true,
        &[(true, Damage::Remove), (false, Damage::Corrupt)],
    );
}

fn maximal_loss(data: &[u8], encrypt: bool, damages: &[(bool, Damage)]) {
    for level in [Level::Medium, Level::Strong, Level::Insane, Level::Paranoid] {
        for strategy in Strategy::ALL {
            for &(worst, how) in damages {
                let store = MemStore::new();
                let r = upload_with(&store, data, level, encrypt);
                let mut pick = lcg(level.as_u8() as u64 * 31 + strategy as u64);
                let lost = plan_losses(&store, &r, worst, &mut pick);
                for a in &lost {
                    damage(&store, a, how);
                }
                let options = JoinOptions {
                    strategy,
                    ..JoinOptions::default()
                };
                let what = format!("{level} {strategy} worst={worst} {how:?} encrypt={encrypt}");
                let got = read(&store, &r, options).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(got == data, "{what}: bytes differ");
                // Recovered chunks were written back: a strict read without recovery now works.
                let strict = JoinOptions {
                    strategy: Strategy::None,
                    fallback: false,
                    ..JoinOptions::default()
                };
                assert!(
                    read(&store, &r, strict).unwrap() == data,
                    "{what}: write-back"
                );
            }
        }
    }
}

#[test]
fn no_fallback_data_fails_where_race_recovers() {
    let data = unique_data(300_000, 2);
    let store = MemStore::new();
    let r = upload(&store, &data, Level::Strong);
    let first = Chunk::new(&data[..4096]).unwrap().address;
    store.remove(&first).unwrap();
    let strict = |strategy| JoinOptions {
        strategy,
        fallback: false,
        write_back: false,
        ..JoinOptions::default()
    };
    for s in [Strategy::None, Strategy::Data] {
        let err = read(&store, &r, strict(s)).unwrap_err();
        assert!(
            matches!(err, JoinError::NotFound { address } if address == first),
            "{s}: {err}"
        );
    }
    for s in [Strategy::Prox, Strategy::Race] {
        assert!(read(&store, &r, strict(s)).unwrap() == data, "{s}");
    }
    // write_back off left the store as it was.
    assert!(!store.has(&first).unwrap());
}

#[test]
fn loss_beyond_repair_names_the_chunk() {
    let data = unique_data(1_100_000, 3);
    for level in [Level::Medium, Level::Strong, Level::Insane, Level::Paranoid] {
        for how in [Damage::Remove, Damage::Corrupt] {
            let store = MemStore::new();
            let r = upload(&store, &data, level);
            let report = inspect(&store, &r, JoinOptions::default()).unwrap();
            // The first leaf-level group: k + 1 of its children lost, data children first (paranoid
            // groups have more parities than data children).
            let node = report.nodes.iter().find(|n| n.depth == 1).unwrap();
            let k = node.parity.len();
            let lost: Vec<Address> = node
                .data
                .iter()
                .chain(node.parity.iter())
                .take(k + 1)
                .map(|h| Address::from_hex(h).unwrap())
                .collect();
            for a in &lost {
                damage(&store, a, how);
            }
            let start = std::time::Instant::now();
            let err = read(
                &store,
                &r,
                JoinOptions {
                    strategy: Strategy::Race,
                    ..JoinOptions::default()
                },
            )
            .unwrap_err();
            match &err {
                JoinError::Unrecoverable {
                    node: n,
                    missing,
                    need,
                    ..
                } => {
                    assert_eq!(n.to_hex(), node.address, "{level}");
                    assert_eq!(missing, &lost, "{level}");
                    assert_eq!(*need, node.data.len());
                }
                other => panic!("{level} {how:?}: want Unrecoverable, got {other}"),
            }
            assert!(err.to_string().contains(&node.address));
            // Typed and fast: no retries or waits on a local store.
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
        }
    }
}

#[test]
fn lost_root_comes_back_through_replicas() {
    for level in [Level::Medium, Level::Paranoid] {
        for size in [100usize, 10_000] {
            let data = unique_data(size, 4);
            let store = MemStore::new();
            let r = upload(&store, &data, level);
            store.remove(&r.address).unwrap();
            // Replicas at the upload's level are a subset of the paranoid download level's candidates.
            assert!(
                read(&store, &r, JoinOptions::default()).unwrap() == data,
                "{level} {size}"
            );
            assert!(store.has(&r.address).unwrap(), "root written back");
            store.remove(&r.address).unwrap();
            let none = JoinOptions {
                replica_level: Level::None,
                ..JoinOptions::default()
            };
            assert!(
                matches!(read(&store, &r, none), Err(JoinError::NotFound { address }) if address == r.address)
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn random_sizes_levels_and_losses(size in 0usize..700_000, level in 1u8..=4, seed in any::<u64>(), strategy in 0usize..4) {
        let level = Level::from_u8(level).unwrap();
        let data = unique_data(size, seed as u8);
        let store = MemStore::new();
        let r = upload(&store, &data, level);
        let lost = plan_losses(&store, &r, seed % 2 == 0, &mut lcg(seed));
        for a in &lost {
            damage(&store, a, Damage::Remove);
        }
        let options = JoinOptions { strategy: Strategy::ALL[strategy], ..JoinOptions::default() };
        prop_assert!(read(&store, &r, options).unwrap() == data);
    }
}
