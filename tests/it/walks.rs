//! Walks over a tree cost distinct data, not claimed size: a tree that points at the same chunks over
//! and over (five chunks claiming 1 TiB) is inspected in one visit per chunk, and the limit on
//! distinct chunks is enforced with its own error.

use std::time::{Duration, Instant};

use swarmec::cac::Chunk;
use swarmec::file::inspect::{inspect, inspect_with, InspectOptions};
use swarmec::file::{JoinError, JoinOptions, Joiner};
use swarmec::reference::Reference;
use swarmec::span;
use swarmec::store::{ChunkStore, MemStore};
use swarmec::{Address, Level};

/// Stores a leaf of 4096 bytes and `levels` intermediate chunks above it, each pointing 128 times
/// at the one below; returns every address, leaf first.
fn self_similar_tree(store: &MemStore, levels: usize) -> Vec<Address> {
    let leaf = Chunk::new(&[0x5a; 4096]).unwrap();
    store.put(&leaf).unwrap();
    let mut addresses = vec![leaf.address];
    let mut span = 4096u64;
    for _ in 0..levels {
        span *= 128;
        let mut data = span::encode(span, Level::None).to_vec();
        let below = *addresses.last().unwrap();
        for _ in 0..128 {
            data.extend_from_slice(&below.0);
        }
        let chunk = Chunk::with_data_span(data).unwrap();
        store.put(&chunk).unwrap();
        addresses.push(chunk.address);
    }
    addresses
}

#[test]
fn five_chunks_claiming_a_tebibyte_are_inspected_once_each() {
    let store = MemStore::new();
    let addresses = self_similar_tree(&store, 4);
    let root = *addresses.last().unwrap();
    let start = Instant::now();
    let report = inspect(&store, &Reference::plain(root), JoinOptions::default()).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(report.size, 1 << 40);
    // One report per distinct intermediate chunk, root first.
    let walked: Vec<String> = report.nodes.iter().map(|n| n.address.clone()).collect();
    let want: Vec<String> = addresses[1..].iter().rev().map(Address::to_hex).collect();
    assert_eq!(walked, want);
    assert_eq!(
        report.nodes.iter().map(|n| n.depth).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    // Leaves are counted per reference: the file's 2^28 data chunks.
    assert_eq!(report.leaves, 1 << 28);
    assert!(report.missing.is_empty());
}

#[test]
fn a_missing_shared_chunk_is_reported_once() {
    let store = MemStore::new();
    let addresses = self_similar_tree(&store, 3);
    store.remove(&addresses[1]).unwrap();
    let root = *addresses.last().unwrap();
    let report = inspect(&store, &Reference::plain(root), JoinOptions::default()).unwrap();
    assert_eq!(report.missing, vec![addresses[1].to_hex()]);
    assert_eq!(report.nodes.len(), 2);
    assert_eq!(report.nodes[1].missing.len(), 128);
    assert_eq!(report.nodes[1].margin, -128);
    assert_eq!(report.leaves, 0);
}

#[test]
fn the_walk_limit_is_enforced_and_can_be_raised() {
    let store = MemStore::new();
    let addresses = self_similar_tree(&store, 4);
    let root = *addresses.last().unwrap();
    let limited = InspectOptions {
        max_chunks: 3,
        ..InspectOptions::default()
    };
    match inspect_with(&store, &Reference::plain(root), limited) {
        Err(JoinError::WalkLimit { root: r, limit: 3 }) => assert_eq!(r, root),
        other => panic!("expected the walk limit, got {other:?}"),
    }
    let raised = InspectOptions {
        max_chunks: 5,
        ..InspectOptions::default()
    };
    let report = inspect_with(&store, &Reference::plain(root), raised).unwrap();
    assert_eq!(report.nodes.len(), 4);
}

#[test]
fn reading_a_range_of_the_claimed_tebibyte_reads_only_its_path() {
    let store = MemStore::new();
    let addresses = self_similar_tree(&store, 4);
    let root = *addresses.last().unwrap();
    let joiner = Joiner::open(&store, &Reference::plain(root), JoinOptions::default()).unwrap();
    let mut out = Vec::new();
    let n = joiner.read_range((1 << 40) - 10, 100, &mut out).unwrap();
    assert_eq!(n, 10);
    assert_eq!(out, vec![0x5a; 10]);
}

#[test]
fn cli_inspect_honours_max_chunks() {
    let tmp = tempfile::tempdir().unwrap();
    let store = swarmec::store::SlotStore::open(tmp.path()).unwrap();
    // The same tree in the CLI's store: 128 leaves' worth of references over five chunks.
    let leaf = Chunk::new(&[0x5a; 4096]).unwrap();
    store.put(&leaf).unwrap();
    let mut data = span::encode(128 * 4096, Level::None).to_vec();
    for _ in 0..128 {
        data.extend_from_slice(&leaf.address.0);
    }
    let root = Chunk::with_data_span(data).unwrap();
    store.put(&root).unwrap();
    store.sync().unwrap();
    drop(store);
    let run = |limit: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_swarmec"))
            .args([
                "inspect",
                &root.address.to_hex(),
                "--max-chunks",
                limit,
                "--data-dir",
            ])
            .arg(tmp.path())
            .output()
            .unwrap()
    };
    let refused = run("1");
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("more than 1 distinct chunks"), "{stderr}");
    let ok = run("2");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("1 intermediate, 128 data chunks"));
}
