//! swarmec: Swarm-style erasure-coded, content-addressed storage, byte-compatible with bee.

pub mod keccak;
pub mod redundancy;
