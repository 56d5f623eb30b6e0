//! The binary Merkle tree hash of a chunk (spec §2): 4096 payload bytes zero-padded, 64-byte sections
//! hashed with Keccak-256, six levels of pairs above them, and the 8-byte span hashed in last.
//!
//! [`reference`] is the slow twin the tests compare against. The hasher here skips all-zero subtrees
//! with precomputed hashes, and [`addresses`] takes chunks in batches so that a multi-lane Keccak can
//! later hash several chunks in lockstep.

pub mod lanes;
pub mod proof;
pub mod reference;

use std::sync::OnceLock;

use crate::keccak::keccak256_concat;
use tiny_keccak::{Hasher, Keccak};

/// Maximum payload of a chunk.
pub const CHUNK_SIZE: usize = 4096;
/// Bytes hashed at the bottom of the tree: two 32-byte segments.
pub const SECTION_SIZE: usize = 64;
/// Tree levels above the sections (64 → 1).
pub const DEPTH: usize = 7;

/// Roots of all-zero subtrees: `z[0]` is a zero segment, `z[k] = keccak(z[k-1] || z[k-1])`, so
/// `z[k]` covers 2^k segments and `z[7]` is the BMT root of 4096 zero bytes.
pub fn zero_hashes() -> &'static [[u8; 32]; DEPTH + 1] {
    static Z: OnceLock<[[u8; 32]; DEPTH + 1]> = OnceLock::new();
    Z.get_or_init(|| {
        let mut z = [[0u8; 32]; DEPTH + 1];
        for k in 1..=DEPTH {
            z[k] = keccak256_concat(&[&z[k - 1], &z[k - 1]]);
        }
        z
    })
}

fn hash64(a: &[u8], b: &[u8]) -> [u8; 32] {
    let mut h = Keccak::v256();
    h.update(a);
    h.update(b);
    let mut out = [0u8; 32];
    h.finalize(&mut out);
    out
}

/// BMT root of `payload` (zero-padded to 4096; bytes past 4096 ignored).
pub fn root(payload: &[u8]) -> [u8; 32] {
    let payload = &payload[..payload.len().min(CHUNK_SIZE)];
    let z = zero_hashes();
    // Sections that hold any payload byte; the rest of the tree is made of zero subtrees.
    let used = payload.len().div_ceil(SECTION_SIZE);
    if used == 0 {
        return z[DEPTH];
    }
    let mut level = [[0u8; 32]; CHUNK_SIZE / SECTION_SIZE];
    for (i, slot) in level.iter_mut().enumerate().take(used) {
        let start = i * SECTION_SIZE;
        let end = (start + SECTION_SIZE).min(payload.len());
        let section = &payload[start..end];
        *slot = if section.len() == SECTION_SIZE {
            hash64(section, &[])
        } else {
            let mut buf = [0u8; SECTION_SIZE];
            buf[..section.len()].copy_from_slice(section);
            hash64(&buf, &[])
        };
    }
    // Hash pairs upwards; a pair whose right side lies wholly past the data uses the zero hash.
    let mut width = used;
    for zero in &z[1..DEPTH] {
        let next = width.div_ceil(2);
        for i in 0..next {
            let left = level[2 * i];
            let right = if 2 * i + 1 < width {
                level[2 * i + 1]
            } else {
                *zero
            };
            level[i] = hash64(&left, &right);
        }
        width = next;
    }
    level[0]
}

/// Chunk address: keccak256(span || BMT root of payload).
pub fn address(span: &[u8; 8], payload: &[u8]) -> [u8; 32] {
    hash64(span, &root(payload))
}

/// Addresses of a batch of chunks given as their stored data (`span || payload`; shorter than 8 bytes
/// is treated as a zero-padded span), hashed in lockstep on the widest Keccak kernel the CPU has
/// ([`lanes`]).
///
/// Batches of at least [`PARALLEL_MIN`] chunks are split over the available cores; the result keeps
/// the input order.
pub fn addresses<D: AsRef<[u8]> + Sync>(chunks: &[D]) -> Vec<[u8; 32]> {
    let cores = parallelism();
    if cores < 2 || chunks.len() < PARALLEL_MIN {
        return lanes::addresses_batch(chunks);
    }
    // Whole 8-chunk lane groups per thread, so that no thread hashes a ragged tail it need not.
    let per = chunks.len().div_ceil(cores).div_ceil(8) * 8;
    let parts: Vec<Option<Vec<[u8; 32]>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .chunks(per)
            .skip(1)
            .map(|part| scope.spawn(move || lanes::addresses_batch(part)))
            .collect();
        let first = lanes::addresses_batch(&chunks[..per.min(chunks.len())]);
        std::iter::once(Some(first))
            .chain(handles.into_iter().map(|h| h.join().ok()))
            .collect()
    });
    match parts.into_iter().collect::<Option<Vec<_>>>() {
        Some(parts) => parts.concat(),
        // A worker died (it cannot on any input); hash everything here rather than fail.
        None => lanes::addresses_batch(chunks),
    }
}

/// Smallest batch worth splitting over threads (a thread costs about as much as hashing one chunk).
pub const PARALLEL_MIN: usize = 32;

fn parallelism() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Address of one chunk given as its stored data `span || payload` (shorter than 8 bytes is read as
/// a zero-padded span), on the multi-lane kernel: the independent pairs of its tree fill the lanes.
pub fn data_address(data: &[u8]) -> [u8; 32] {
    match lanes::addresses_batch(&[data]).first() {
        Some(a) => *a,
        None => data_address_scalar(data),
    }
}

/// [`data_address`] on one-lane tiny-keccak: the independent check of the lane kernels.
pub fn data_address_scalar(data: &[u8]) -> [u8; 32] {
    let mut span = [0u8; 8];
    let n = data.len().min(8);
    span[..n].copy_from_slice(&data[..n]);
    address(&span, data.get(8..).unwrap_or(&[]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zero_hash_vectors() {
        // spec §2.1 [BEE proof test]
        let z = zero_hashes();
        assert_eq!(
            hex::encode(z[1]),
            "ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5"
        );
        assert_eq!(
            hex::encode(z[6]),
            "887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968"
        );
        assert_eq!(
            hex::encode(z[7]),
            "ffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f83"
        );
        assert_eq!(z[7], reference::root(&[]));
    }

    #[test]
    fn proof_vector_root() {
        // spec §10.4 [DERIVED]: "hello world" with span 4096.
        assert_eq!(
            hex::encode(root(b"hello world")),
            "16043601ca4b598c08344a13d40019dfe94a109e9e38a2995352d6e3a5ebd7b5"
        );
        assert_eq!(
            hex::encode(address(&4096u64.to_le_bytes(), b"hello world")),
            "f22c9616dd6f6d69a61a09f5f2e821c37f21902b5ea34141d8c3764a9a6d94d9"
        );
    }

    #[test]
    fn every_length_matches_reference_on_boundaries() {
        let data: Vec<u8> = (0..4200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in [
            0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 2047, 2048, 2049, 4095, 4096, 4200,
        ] {
            assert_eq!(
                root(&data[..len]),
                reference::root(&data[..len]),
                "len {len}"
            );
        }
    }

    #[test]
    fn parallel_batches_keep_order() {
        let chunks: Vec<Vec<u8>> = (0..300u32)
            .map(|i| {
                let len = 8 + (i as usize * 37) % 4097;
                (0..len).map(|j| (j as u32 * 13 + i) as u8).collect()
            })
            .collect();
        for n in [0, 1, 31, 32, 33, 64, 129, 300] {
            let want: Vec<[u8; 32]> = chunks[..n].iter().map(|c| data_address_scalar(c)).collect();
            assert_eq!(addresses(&chunks[..n]), want, "batch of {n}");
        }
    }

    proptest! {
        #[test]
        fn fast_equals_reference(payload in proptest::collection::vec(any::<u8>(), 0..=4096), span in any::<u64>()) {
            let s = span.to_le_bytes();
            prop_assert_eq!(address(&s, &payload), reference::address(&s, &payload));
        }
    }
}
