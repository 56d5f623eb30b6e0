//! Tree inspection: every intermediate chunk of a file with its level, children and margin (how many
//! more children it can lose). Missing and corrupt chunks are listed, not fatal.

use serde::Serialize;

use super::joiner::{decode_node, JoinError, JoinOptions, Joiner, Node};
use crate::address::Address;
use crate::cac;
use crate::reference::Reference;
use crate::store::ChunkStore;

/// One intermediate chunk.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NodeReport {
    /// Its address.
    pub address: String,
    /// 0 for the root.
    pub depth: usize,
    /// File bytes under it.
    pub span: u64,
    /// Its redundancy level number.
    pub level: u8,
    /// Data children's 32-byte addresses.
    pub data: Vec<String>,
    /// Parity children's addresses.
    pub parity: Vec<String>,
    /// Children (data or parity) that are missing or corrupt.
    pub missing: Vec<String>,
    /// How many more children it can lose: parities − missing (negative when beyond repair).
    pub margin: i64,
}

/// A whole tree.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Inspection {
    /// The reference inspected.
    pub reference: String,
    /// File size.
    pub size: u64,
    /// The root's redundancy level number.
    pub level: u8,
    /// Intermediate chunks, root first, depth-first.
    pub nodes: Vec<NodeReport>,
    /// Every chunk found missing or corrupt.
    pub missing: Vec<String>,
    /// Data chunks (leaves) reached.
    pub leaves: u64,
}

/// Walks the tree under `reference`. Only a missing root is an error.
pub fn inspect(
    store: &dyn ChunkStore,
    reference: &Reference,
    options: JoinOptions,
) -> Result<Inspection, JoinError> {
    let options = JoinOptions {
        write_back: false,
        ..options
    };
    let joiner = Joiner::open(store, reference, options)?;
    let root = joiner.root().clone();
    let mut out = Inspection {
        reference: reference.to_hex(),
        size: root.span,
        level: root.level.as_u8(),
        nodes: Vec::new(),
        missing: Vec::new(),
        leaves: 0,
    };
    if root.is_leaf() {
        out.leaves = 1;
        return Ok(out);
    }
    walk(store, &joiner, &root, 0, &mut out)?;
    Ok(out)
}

fn walk(
    store: &dyn ChunkStore,
    joiner: &Joiner<'_>,
    node: &Node,
    depth: usize,
    out: &mut Inspection,
) -> Result<(), JoinError> {
    let refs = node.data_refs();
    let parity = node.parity_addresses();
    let mut missing = Vec::new();
    let mut present: Vec<Option<Vec<u8>>> = Vec::with_capacity(refs.len());
    for a in refs.iter().map(|r| r.address).chain(parity.iter().copied()) {
        let data = store.get(&a)?.filter(|d| cac::is_valid(&a, d));
        if data.is_none() {
            missing.push(a);
        }
        present.push(data);
    }
    let parities = parity.len() as i64;
    out.nodes.push(NodeReport {
        address: node.address.to_hex(),
        depth,
        span: node.span,
        level: node.level.as_u8(),
        data: refs.iter().map(|r| r.address.to_hex()).collect(),
        parity: parity.iter().map(Address::to_hex).collect(),
        missing: missing.iter().map(Address::to_hex).collect(),
        margin: parities - missing.len() as i64,
    });
    out.missing.extend(missing.iter().map(Address::to_hex));
    for (i, r) in refs.iter().enumerate() {
        let span = node.child_span(i);
        if span <= cac::MAX_PAYLOAD as u64 {
            out.leaves += 1;
            continue;
        }
        let child = match present[i].take() {
            Some(data) => decode_node(r.address, r.key, &data, Some(span)),
            // Try to rebuild a lost intermediate chunk so that its subtree can still be shown.
            None => joiner
                .fetch_children(node, i..i + 1)
                .and_then(|mut v| v.pop().ok_or(JoinError::NotFound { address: r.address })),
        };
        match child {
            Ok(child) => walk(store, joiner, &child, depth + 1, out)?,
            Err(JoinError::Store(e)) => return Err(JoinError::Store(e)),
            Err(_) => {}
        }
    }
    Ok(())
}
