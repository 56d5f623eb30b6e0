//! The shape of one chunk of a tree, pure: decoding stored bytes into a [`Node`], the checks that its
//! span, level and payload agree, and the spans of its children. No store and no I/O.
//!
//! A node's shape is derived from its span alone (how many data children, how many parities, how
//! many bytes each child covers) and the chunk must match it exactly, so a malformed tree is a
//! [`JoinError::Malformed`], never a panic, a loop or an allocation sized by an untrusted span:
//! payloads are at most 4104 bytes and child spans strictly decrease. The fields are private, so a
//! [`Node`] exists only once those checks passed.

use super::error::{malformed, JoinError};
use crate::address::{Address, ADDRESS_LEN};
use crate::cac::MAX_PAYLOAD;
use crate::encryption::{self, Key, REFERENCE_LEN};
use crate::redundancy::{count, table, Level};
use crate::reference::Reference;
use crate::span;

/// A decoded chunk of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    address: Address,
    key: Option<Key>,
    level: Level,
    span: u64,
    payload: Vec<u8>,
    shape: Option<Shape>,
}

/// The shape of an intermediate chunk, derived from its span and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    data: usize,
    parities: usize,
    child_span: u64,
    ref_len: usize,
}

impl Shape {
    /// Data children.
    pub fn data(&self) -> usize {
        self.data
    }

    /// Parity children.
    pub fn parities(&self) -> usize {
        self.parities
    }

    /// Bytes covered by every data child but the last.
    pub fn child_span(&self) -> u64 {
        self.child_span
    }

    /// Bytes of one data reference: 32, or 64 when encrypted.
    pub fn ref_len(&self) -> usize {
        self.ref_len
    }

    /// Whether the children are data chunks.
    pub fn children_are_leaves(&self) -> bool {
        self.child_span <= MAX_PAYLOAD as u64
    }
}

impl Node {
    /// Its address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Its decryption key, in encrypted trees.
    pub fn key(&self) -> Option<Key> {
        self.key
    }

    /// Its redundancy level (from the span's level byte).
    pub fn level(&self) -> Level {
        self.level
    }

    /// File bytes under it.
    pub fn span(&self) -> u64 {
        self.span
    }

    /// Leaf: the file bytes (exactly `span` of them); intermediate: the references then the parity
    /// addresses, exactly as many bytes as its shape implies.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Intermediate only: how many data children and parities, and how many bytes a full child covers.
    pub fn shape(&self) -> Option<Shape> {
        self.shape
    }

    /// Whether it is a data chunk.
    pub fn is_leaf(&self) -> bool {
        self.shape.is_none()
    }

    /// The data children's references.
    pub fn data_refs(&self) -> Vec<Reference> {
        let Some(shape) = self.shape else {
            return Vec::new();
        };
        self.payload[..shape.data * shape.ref_len]
            .chunks_exact(shape.ref_len)
            .map(|r| Reference::from_bytes(r).expect("decode_node sized every reference"))
            .collect()
    }

    /// The parity children's addresses.
    pub fn parity_addresses(&self) -> Vec<Address> {
        let Some(shape) = self.shape else {
            return Vec::new();
        };
        self.payload[shape.data * shape.ref_len..]
            .chunks_exact(ADDRESS_LEN)
            .map(|a| Address::from_slice(a).expect("chunks_exact gives whole addresses"))
            .collect()
    }

    /// Span of data child `i`.
    pub fn child_span(&self, i: usize) -> u64 {
        match self.shape {
            Some(s) if i + 1 < s.data => s.child_span,
            Some(s) => self.span - (s.data as u64 - 1) * s.child_span,
            None => 0,
        }
    }
}

/// Bytes a full child of an intermediate chunk covers: the smallest 4096·m^j whose m-fold covers `span`.
fn child_span(span: u64, branching: u64) -> u64 {
    let mut sub = MAX_PAYLOAD as u64;
    while let Some(next) = sub.checked_mul(branching) {
        if next >= span {
            break;
        }
        sub = next;
    }
    sub
}

/// Decodes stored chunk data into a node, checking it against the span its parent expects.
pub fn decode_node(
    address: Address,
    key: Option<Key>,
    data: &[u8],
    expected_span: Option<u64>,
) -> Result<Node, JoinError> {
    let (span_bytes, mut payload) = match &key {
        Some(k) => encryption::decrypt_chunk(k, data)
            .map_err(|source| JoinError::Decrypt { address, source })?,
        None => {
            if data.len() < span::SPAN_SIZE {
                return Err(malformed(address, "shorter than a span"));
            }
            (span::of_data(data), data[span::SPAN_SIZE..].to_vec())
        }
    };
    let (level, span) = span::decode(&span_bytes);
    if let Some(want) = expected_span {
        if span != want {
            return Err(malformed(
                address,
                format!("span {span} where its parent implies {want}"),
            ));
        }
    }
    if span <= MAX_PAYLOAD as u64 {
        let len = span as usize;
        if payload.len() < len {
            return Err(malformed(
                address,
                format!("span {span} but only {} payload bytes", payload.len()),
            ));
        }
        payload.truncate(len);
        return Ok(Node {
            address,
            key,
            level,
            span,
            payload,
            shape: None,
        });
    }
    if span > span::MAX_SPAN {
        return Err(malformed(address, format!("span {span} is over 2^56")));
    }
    let encrypted = key.is_some();
    let branching = table::max_shards(level, encrypted) as u64;
    let sub = child_span(span, branching);
    let data_children = span.div_ceil(sub) as usize;
    let (counted, parities) = count::reference_count(span, level, encrypted);
    if counted != data_children {
        return Err(malformed(
            address,
            format!("span {span} gives {counted} or {data_children} children"),
        ));
    }
    let ref_len = if encrypted {
        REFERENCE_LEN
    } else {
        ADDRESS_LEN
    };
    let need = data_children * ref_len + parities * ADDRESS_LEN;
    if payload.len() < need {
        return Err(malformed(
            address,
            format!(
                "span {span} at level {level} needs {data_children} references and {parities} parities ({need} bytes), chunk has {} bytes",
                payload.len()
            ),
        ));
    }
    // Plain chunks may be zero-padded (recovered chunks are); anything else past the references is
    // a tree that does not match its span. Encrypted chunks are padded with random bytes.
    if !encrypted && payload[need..].iter().any(|&b| b != 0) {
        return Err(malformed(
            address,
            format!("span {span} at level {level} implies {need} payload bytes but more references follow"),
        ));
    }
    payload.truncate(need);
    Ok(Node {
        address,
        key,
        level,
        span,
        payload,
        shape: Some(Shape {
            data: data_children,
            parities,
            child_span: sub,
            ref_len,
        }),
    })
}
