//! The joiner's one error enum: every way reading a tree can fail, each naming the chunk, the node or
//! the offset concerned.

use crate::address::Address;
use crate::encryption::EncryptionError;
use crate::redundancy::codec::CodecError;
use crate::store::StoreError;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    /// A chunk is not stored (and could not be recovered).
    #[error("chunk {address} not found")]
    NotFound {
        /// The missing chunk.
        address: Address,
    },
    /// A chunk's data does not hash to its address (and could not be recovered).
    #[error("chunk {address} is corrupt: its data does not hash to its address")]
    Corrupt {
        /// The corrupt chunk.
        address: Address,
    },
    /// A chunk does not have the shape its span implies.
    #[error("malformed tree at chunk {address}: {reason}")]
    Malformed {
        /// The offending chunk.
        address: Address,
        /// What is wrong.
        reason: String,
    },
    /// Too many children of an intermediate chunk are lost to rebuild them.
    #[error("chunk {node} cannot be recovered: {} of its {} children are missing and it has {parities} parities ({present} readable, {need} needed); missing or corrupt: {}", missing.len(), present + missing.len(), list(missing))]
    Unrecoverable {
        /// The intermediate chunk whose children are lost.
        node: Address,
        /// Its children that are missing or corrupt.
        missing: Vec<Address>,
        /// Children that were readable.
        present: usize,
        /// Children needed.
        need: usize,
        /// Its parity children.
        parities: usize,
    },
    /// Decrypting a chunk failed.
    #[error("cannot decrypt chunk {address}: {source}")]
    Decrypt {
        /// The chunk.
        address: Address,
        /// The error.
        source: EncryptionError,
    },
    /// Reed-Solomon decoding failed.
    #[error("decoding the children of chunk {node}: {source}")]
    Decode {
        /// The intermediate chunk.
        node: Address,
        /// The error.
        source: CodecError,
    },
    /// A range starting past the end of the file.
    #[error("offset {offset} is past the end of the file ({size} bytes)")]
    OutOfRange {
        /// Requested offset.
        offset: u64,
        /// File size.
        size: u64,
    },
    /// Walking the tree would visit more distinct chunks than allowed.
    #[error(
        "the tree under {root} has more than {limit} distinct chunks; raise the limit to walk it"
    )]
    WalkLimit {
        /// The root of the walk.
        root: Address,
        /// The limit in force.
        limit: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("writing output at byte offset {offset}: {source}")]
    Write {
        /// File offset of the bytes being written.
        offset: u64,
        /// The error.
        source: std::io::Error,
    },
}

fn list(addresses: &[Address]) -> String {
    let shown: Vec<String> = addresses.iter().take(16).map(|a| a.to_hex()).collect();
    let more = addresses.len().saturating_sub(16);
    if more > 0 {
        format!("{} (+{more} more)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

pub(crate) fn malformed(address: Address, reason: impl Into<String>) -> JoinError {
    JoinError::Malformed {
        address,
        reason: reason.into(),
    }
}
