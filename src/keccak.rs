//! Legacy Keccak-256 (the Ethereum variant, padding `0x01 … 0x80`), the base hash of every Swarm
//! address. Never FIPS-202 SHA3-256.

use tiny_keccak::{Hasher, Keccak};

/// Output length of Keccak-256.
pub const HASH_SIZE: usize = 32;

/// Keccak-256 of one byte string.
pub fn keccak256(data: &[u8]) -> [u8; HASH_SIZE] {
    keccak256_concat(&[data])
}

/// Keccak-256 of the concatenation of `parts`, without building the concatenation.
pub fn keccak256_concat(parts: &[&[u8]]) -> [u8; HASH_SIZE] {
    let mut hasher = Keccak::v256();
    for part in parts {
        hasher.update(part);
    }
    let mut out = [0u8; HASH_SIZE];
    hasher.finalize(&mut out);
    out
}
