//! swarmec: Swarm-style erasure-coded, content-addressed storage, byte-compatible with bee.
//!
//! The format core — [`keccak`], [`bmt`], [`address`], [`span`], [`cac`], [`redundancy`],
//! [`placement`] — does no I/O. The splitter and joiner in [`file`] drive it over a [`store::ChunkStore`].

pub mod address;
pub mod api;
pub mod bmt;
pub mod cac;
pub mod cost;
pub mod durability;
pub mod encryption;
pub mod feeds;
pub mod file;
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod keccak;
pub mod keccak_lanes;
pub mod manifest;
pub mod net;
pub mod placement;
pub mod postage;
pub mod redundancy;
pub mod reference;
pub mod replicas;
pub mod reserve;
pub mod sim;
pub mod soc;
pub mod span;
pub mod stamps;
pub mod store;

pub use address::Address;
pub use cac::Chunk;
pub use redundancy::Level;
