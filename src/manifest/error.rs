//! The manifest stage's one error enum: each variant names the node (its reference, hex) or the path
//! concerned.

use crate::encryption::EncryptionError;
use crate::file::{JoinError, SplitError};

/// Why a manifest node's bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than the 64-byte header.
    #[error("{len} bytes, shorter than the 64-byte node header")]
    TooShort {
        /// Bytes given.
        len: usize,
    },
    /// The version hash is neither mantaray 0.1 nor 0.2.
    #[error("unknown version hash {hash}")]
    UnknownVersion {
        /// The 31 bytes found, hex.
        hash: String,
    },
    /// The data ends inside a field.
    #[error("data ends inside the {field}{}", fork.map(|b| format!(" of fork {b:#04x}")).unwrap_or_default())]
    Truncated {
        /// The field.
        field: &'static str,
        /// The fork's first byte, if inside a fork.
        fork: Option<u8>,
    },
    /// A fork's prefix length is 0 or over 30.
    #[error("fork {fork:#04x} has prefix length {len} (1 to 30 allowed)")]
    PrefixLength {
        /// The fork's first byte.
        fork: u8,
        /// The length found.
        len: u8,
    },
    /// A fork's metadata is not a JSON object of strings.
    #[error("fork {fork:#04x} metadata: {message}")]
    Metadata {
        /// The fork's first byte.
        fork: u8,
        /// The JSON error.
        message: String,
    },
}

/// Why building, saving, loading or reading a manifest failed.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// No entry at the path.
    #[error("manifest: not found: {path:?}")]
    NotFound {
        /// The path looked up (lossy UTF-8).
        path: String,
    },
    /// A node's bytes are malformed.
    #[error("manifest node {node}: {source}")]
    Decode {
        /// The node's reference (hex; empty for bytes not loaded by reference).
        node: String,
        /// What is wrong.
        source: DecodeError,
    },
    /// A node reference is neither 32 nor 64 bytes.
    #[error("manifest node reference of {len} bytes (32 or 64 expected): {node}")]
    BadReference {
        /// The bytes, hex.
        node: String,
        /// Their length.
        len: usize,
    },
    /// A node's chunk tree claims more bytes than any node can have.
    #[error("manifest node {node} claims {size} bytes, over the {max}-byte limit of a node")]
    NodeTooLarge {
        /// The node's reference, hex.
        node: String,
        /// Bytes claimed by its root span.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Reading a node's chunks failed.
    #[error("manifest node {node}: {source}")]
    Load {
        /// The node's reference, hex.
        node: String,
        /// The joiner's error.
        source: JoinError,
    },
    /// Writing a node's chunks failed.
    #[error("saving a manifest node: {0}")]
    Save(#[from] SplitError),
    /// An entry of a width other than the manifest's (or over 256 bytes).
    #[error("entry for {path:?} has {len} bytes; this manifest's entries have {expected}")]
    EntrySize {
        /// The path added (lossy UTF-8).
        path: String,
        /// The entry's length.
        len: usize,
        /// The width expected (256 is the limit for the first entry).
        expected: usize,
    },
    /// Encoded metadata over 65535 bytes.
    #[error("metadata of {len} bytes at {path:?}, over the 65535-byte limit")]
    MetadataTooLarge {
        /// The fork's path within its node (lossy UTF-8).
        path: String,
        /// Encoded, padded length.
        len: usize,
    },
    /// A path longer than this implementation builds or walks.
    #[error("path of {len} bytes, over the {max}-byte limit")]
    PathTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A walk reached its node or byte budget (a manifest sharing nodes many times over, or simply
    /// too large).
    #[error("manifest walk stopped at {path:?}: more than {limit} {what}")]
    WalkLimit {
        /// Where it stopped (lossy UTF-8).
        path: String,
        /// "nodes" or "bytes loaded".
        what: &'static str,
        /// The budget.
        limit: u64,
    },
    /// A node was marshalled before its forks were loaded.
    #[error("manifest node not loaded")]
    NotLoaded,
    /// The manifest is read-only here (no saver).
    #[error("manifest is read-only")]
    ReadOnly,
    /// Drawing an obfuscation key failed.
    #[error("drawing an obfuscation key: {0}")]
    Random(#[from] EncryptionError),
}
