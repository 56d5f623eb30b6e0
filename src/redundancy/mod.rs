//! Erasure coding (spec §5): levels, bee's parity tables, the Reed-Solomon codec and shard arithmetic.

pub mod codec;
pub mod count;
pub mod level;
pub mod table;

pub use codec::{CodecError, SHARD_SIZE};
pub use level::{Level, LevelParseError};
pub use table::TableRow;
