//! BMT inclusion proofs (spec §2.2): a 32-byte segment of a chunk and the sister hashes on its path
//! to the root, enough to check that the segment is part of the chunk at that address.

use super::CHUNK_SIZE;
use crate::keccak::keccak256_concat;

/// Segments per chunk.
pub const SEGMENTS: usize = 128;
const SEGMENT: usize = 32;

/// A proof that `segment` sits at `index` in the chunk whose address is `keccak(span || root)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// Segment index, 0–127.
    pub index: usize,
    /// The proven 32 bytes.
    pub segment: [u8; 32],
    /// Sister segment in the same 64-byte section, then the six sister node hashes bottom-up.
    pub sisters: [[u8; 32]; 7],
    /// The chunk's span.
    pub span: [u8; 8],
}

/// A segment index outside 0–127.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("segment index {0} is outside 0-127")]
pub struct ProofError(pub usize);

/// Builds the proof for segment `index` of `payload` (zero-padded to 4096 bytes) under `span`.
pub fn prove(span: [u8; 8], payload: &[u8], index: usize) -> Result<Proof, ProofError> {
    if index >= SEGMENTS {
        return Err(ProofError(index));
    }
    let mut padded = vec![0u8; CHUNK_SIZE];
    let n = payload.len().min(CHUNK_SIZE);
    padded[..n].copy_from_slice(&payload[..n]);
    let segment_at = |i: usize| -> [u8; 32] {
        let mut s = [0u8; 32];
        s.copy_from_slice(&padded[i * SEGMENT..(i + 1) * SEGMENT]);
        s
    };
    let mut sisters = [[0u8; 32]; 7];
    sisters[0] = segment_at(index ^ 1);
    // Level k (1..=6) holds the hashes of 2^k-segment subtrees; the sister at level k is subtree
    // (index >> k) ^ 1, hashed with the reference tree of its bytes.
    for (k, sister) in sisters.iter_mut().enumerate().skip(1) {
        let width = SEGMENT << k;
        let which = (index >> k) ^ 1;
        *sister = subtree_root(&padded[which * width..(which + 1) * width]);
    }
    Ok(Proof {
        index,
        segment: segment_at(index),
        sisters,
        span,
    })
}

/// Root of a power-of-two-sized all-present subtree (at least 64 bytes).
fn subtree_root(bytes: &[u8]) -> [u8; 32] {
    let mut level: Vec<[u8; 32]> = bytes
        .chunks(2 * SEGMENT)
        .map(|s| keccak256_concat(&[s]))
        .collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|p| keccak256_concat(&[&p[0], &p[1]]))
            .collect();
    }
    level[0]
}

impl Proof {
    /// The chunk address this proof leads to.
    pub fn address(&self) -> [u8; 32] {
        let mut node = if self.index.is_multiple_of(2) {
            keccak256_concat(&[&self.segment, &self.sisters[0]])
        } else {
            keccak256_concat(&[&self.sisters[0], &self.segment])
        };
        for (k, sister) in self.sisters.iter().enumerate().skip(1) {
            node = if (self.index >> k).is_multiple_of(2) {
                keccak256_concat(&[&node, sister])
            } else {
                keccak256_concat(&[sister, &node])
            };
        }
        keccak256_concat(&[&self.span, &node])
    }

    /// Whether the proof leads to `address`.
    pub fn verify(&self, address: &[u8; 32]) -> bool {
        self.index < SEGMENTS && self.address() == *address
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bmt::{address, zero_hashes};

    #[test]
    fn bee_proof_vectors() {
        // spec §10.4 [BEE]: "hello world" with span 4096.
        let span = 4096u64.to_le_bytes();
        let z = zero_hashes();
        let p = prove(span, b"hello world", 0).unwrap();
        let mut want_segment = [0u8; 32];
        want_segment[..11].copy_from_slice(b"hello world");
        assert_eq!(p.segment, want_segment);
        assert_eq!(p.sisters[0], [0u8; 32]);
        assert_eq!(p.sisters[1..=6], z[1..=6]);
        assert_eq!(
            hex::encode(p.sisters[6]),
            "887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968"
        );
        let addr = address(&span, b"hello world");
        assert!(p.verify(&addr));
        for index in [64, 127] {
            let p = prove(span, b"hello world", index).unwrap();
            assert_eq!(p.sisters[..6], z[..6], "segment {index}");
            assert_eq!(
                hex::encode(p.sisters[6]),
                "745bae095b6ff5416b4a351a167f731db6d6f5924f30cd88d48e74261795d27b"
            );
            assert!(p.verify(&addr), "segment {index}");
        }
    }

    #[test]
    fn every_segment_proves_and_tampering_fails() {
        let payload: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
        let span = 3000u64.to_le_bytes();
        let addr = address(&span, &payload);
        assert_eq!(
            crate::bmt::reference::root(&payload),
            crate::bmt::root(&payload)
        );
        for index in 0..SEGMENTS {
            let mut p = prove(span, &payload, index).unwrap();
            assert!(p.verify(&addr), "segment {index}");
            p.segment[0] ^= 1;
            assert!(!p.verify(&addr));
        }
        assert_eq!(prove(span, &payload, 128), Err(ProofError(128)));
    }
}
