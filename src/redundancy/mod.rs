//! Erasure coding (spec §5): levels, bee's parity tables, the Reed-Solomon codec and shard arithmetic.

pub mod level;

pub use level::{Level, LevelParseError};
