//! The slow, obviously-correct BMT (spec §2.1): the whole 128-segment tree hashed level by level,
//! with no zero-subtree shortcuts. Tests compare the fast hasher with this one.

use crate::keccak::{keccak256, keccak256_concat};

use super::{CHUNK_SIZE, SECTION_SIZE};

/// BMT root of `payload` zero-padded to 4096 bytes (bytes past 4096 are ignored, as bee does).
pub fn root(payload: &[u8]) -> [u8; 32] {
    let mut padded = vec![0u8; CHUNK_SIZE];
    let n = payload.len().min(CHUNK_SIZE);
    padded[..n].copy_from_slice(&payload[..n]);
    let mut level: Vec<[u8; 32]> = padded.chunks(SECTION_SIZE).map(keccak256).collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| keccak256_concat(&[&pair[0], &pair[1]]))
            .collect();
    }
    level[0]
}

/// Chunk address: keccak256(span || BMT root).
pub fn address(span: &[u8; 8], payload: &[u8]) -> [u8; 32] {
    keccak256_concat(&[span, &root(payload)])
}
