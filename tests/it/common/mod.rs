//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod http;
pub mod nodes;
pub mod rng;
pub mod router;

#[allow(unused_imports)]
pub use rng::Rng;
use serde::Deserialize;

/// One entry of `fixtures/bee-trees.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct TreeVector {
    pub size: u64,
    pub level: u8,
    pub encryption: String,
    pub root: String,
    pub chunk_count: u64,
    pub replicas: Vec<String>,
    pub rand_bytes_consumed: Option<u64>,
}

#[derive(Deserialize)]
struct TreeFile {
    vectors: Vec<TreeVector>,
}

/// Every vector of bee's trees.
pub fn tree_vectors() -> Vec<TreeVector> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/bee-trees.json"
    ))
    .expect("fixtures/bee-trees.json");
    serde_json::from_str::<TreeFile>(&text)
        .expect("bee-trees.json parses")
        .vectors
}

/// G1: byte i = i mod 255.
pub fn mod255(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 255) as u8).collect()
}

/// Feeds `size` bytes of G1 to `f` in pieces of at most 1 MiB, without holding them all.
pub fn mod255_pieces(size: u64, mut f: impl FnMut(&[u8])) {
    // 1 MiB - 1 MiB mod 255 keeps every piece starting at phase 0... use a multiple of 255.
    const PIECE: usize = 255 * 4096;
    let block: Vec<u8> = (0..PIECE).map(|i| (i % 255) as u8).collect();
    let mut left = size;
    while left > 0 {
        let n = left.min(PIECE as u64) as usize;
        f(&block[..n]);
        left -= n as u64;
    }
}

/// G5: "hello test world" repeated.
pub fn hello_test_world(size: usize) -> Vec<u8> {
    let pat = b"hello test world";
    (0..size).map(|i| pat[i % 16]).collect()
}

/// How long a test waits for a condition before it fails.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

/// Polls `done` until it holds; fails naming `what` after [`PATIENCE`]. Tests wait for conditions
/// this way, never for a fixed time.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Deterministic bytes that do not repeat (xorshift32 from `seed`), so that no two chunks are alike.
pub fn xorshift_bytes(len: usize, seed: u32) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9 ^ seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}
