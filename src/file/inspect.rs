//! Tree inspection: every intermediate chunk of a file with its level, children and margin (how many
//! more children it can lose). Missing and corrupt chunks are listed, not fatal.
//!
//! Work is bounded by distinct data, not by what the chunks claim: each distinct chunk is fetched and
//! hashed at most once and each distinct intermediate chunk is walked once, however many times the
//! tree points at it (five chunks, each pointing 128 times at the one below, claim 1 TiB but cost five
//! visits). Memory is proportional to the distinct chunks seen, and a walk that would see more than
//! [`InspectOptions::max_chunks`] of them stops with [`JoinError::WalkLimit`].

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::error::JoinError;
use super::joiner::{JoinOptions, Joiner};
use super::node::{decode_node, Node};
use crate::address::Address;
use crate::cac;
use crate::reference::Reference;
use crate::store::ChunkStore;

/// Distinct chunks a walk sees by default: 4 Mi chunks, a 16 GiB file at level 0, about 0.6 GiB of
/// report and bookkeeping at most.
pub const DEFAULT_MAX_CHUNKS: u64 = 1 << 22;

/// How a tree is inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectOptions {
    /// How chunks are fetched (write-back is always off: inspection changes nothing).
    pub join: JoinOptions,
    /// Most distinct chunks (intermediate, data and parity) the walk may see.
    pub max_chunks: u64,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions {
            join: JoinOptions::default(),
            max_chunks: DEFAULT_MAX_CHUNKS,
        }
    }
}

/// One distinct intermediate chunk.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NodeReport {
    /// Its address.
    pub address: String,
    /// Its depth where the walk first reached it; 0 for the root.
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
    /// Distinct intermediate chunks, root first, depth-first in order of first visit.
    pub nodes: Vec<NodeReport>,
    /// Every distinct chunk found missing or corrupt.
    pub missing: Vec<String>,
    /// Data chunks (leaves) reached, counted per reference: the file's data chunk count when nothing
    /// is lost.
    pub leaves: u64,
}

/// Walks the tree under `reference` with the default limit. Only a missing root is an error.
pub fn inspect(
    store: &dyn ChunkStore,
    reference: &Reference,
    options: JoinOptions,
) -> Result<Inspection, JoinError> {
    inspect_with(
        store,
        reference,
        InspectOptions {
            join: options,
            ..InspectOptions::default()
        },
    )
}

/// Walks the tree under `reference`. Only a missing root, a failing store or the chunk limit is an
/// error.
pub fn inspect_with(
    store: &dyn ChunkStore,
    reference: &Reference,
    options: InspectOptions,
) -> Result<Inspection, JoinError> {
    let join = JoinOptions {
        write_back: false,
        ..options.join
    };
    let joiner = Joiner::open(store, reference, join)?;
    let root = joiner.root().clone();
    let mut out = Inspection {
        reference: reference.to_hex(),
        size: root.span(),
        level: root.level().as_u8(),
        nodes: Vec::new(),
        missing: Vec::new(),
        leaves: 0,
    };
    if root.is_leaf() {
        out.leaves = 1;
        return Ok(out);
    }
    let mut walk = Walk {
        store,
        joiner: &joiner,
        root: root.address(),
        limit: options.max_chunks,
        valid: HashMap::new(),
        leaves_under: HashMap::new(),
        missing: HashSet::new(),
        out: &mut out,
    };
    walk.seen(root.address(), true)?;
    out.leaves = walk.node(&root, 0)?;
    Ok(out)
}

/// The state of one walk: what was already checked and walked, so nothing is done twice.
struct Walk<'a, 's> {
    store: &'a dyn ChunkStore,
    joiner: &'a Joiner<'s>,
    root: Address,
    limit: u64,
    /// Every distinct chunk fetched: whether it was present and hashed to its address.
    valid: HashMap<Address, bool>,
    /// Every distinct intermediate chunk walked: the leaves reached under it.
    leaves_under: HashMap<Address, u64>,
    missing: HashSet<Address>,
    out: &'a mut Inspection,
}

impl Walk<'_, '_> {
    /// Records a distinct chunk, refusing to pass the limit.
    fn seen(&mut self, address: Address, valid: bool) -> Result<(), JoinError> {
        if self.valid.insert(address, valid).is_none()
            && self.valid.len() as u64 > self.limit.max(1)
        {
            return Err(JoinError::WalkLimit {
                root: self.root,
                limit: self.limit,
            });
        }
        if !valid && self.missing.insert(address) {
            self.out.missing.push(address.to_hex());
        }
        Ok(())
    }

    /// Whether a chunk is present and valid; fetches and hashes it only the first time.
    fn check(&mut self, address: Address) -> Result<bool, JoinError> {
        if let Some(&valid) = self.valid.get(&address) {
            return Ok(valid);
        }
        let valid = self
            .store
            .get(&address)?
            .is_some_and(|d| cac::is_valid(&address, &d));
        self.seen(address, valid)?;
        Ok(valid)
    }

    /// Reports `node` (once) and walks its intermediate children; returns the leaves reached under it.
    fn node(&mut self, node: &Node, depth: usize) -> Result<u64, JoinError> {
        if let Some(&leaves) = self.leaves_under.get(&node.address()) {
            return Ok(leaves);
        }
        // Marked before the children are walked: a chunk cannot reach itself (spans strictly
        // decrease), but nothing here relies on that.
        self.leaves_under.insert(node.address(), 0);
        let refs = node.data_refs();
        let parity = node.parity_addresses();
        let mut missing = Vec::new();
        for a in refs.iter().map(|r| r.address).chain(parity.iter().copied()) {
            if !self.check(a)? {
                missing.push(a);
            }
        }
        let parities = parity.len() as i64;
        self.out.nodes.push(NodeReport {
            address: node.address().to_hex(),
            depth,
            span: node.span(),
            level: node.level().as_u8(),
            data: refs.iter().map(|r| r.address.to_hex()).collect(),
            parity: parity.iter().map(Address::to_hex).collect(),
            missing: missing.iter().map(Address::to_hex).collect(),
            margin: parities - missing.len() as i64,
        });
        let mut leaves = 0u64;
        for (i, r) in refs.iter().enumerate() {
            let span = node.child_span(i);
            if span <= cac::MAX_PAYLOAD as u64 {
                leaves = leaves.saturating_add(1);
                continue;
            }
            if let Some(&known) = self.leaves_under.get(&r.address) {
                leaves = leaves.saturating_add(known);
                continue;
            }
            let child = match self.store.get(&r.address)? {
                Some(data) if self.valid.get(&r.address) == Some(&true) => {
                    decode_node(r.address, r.key, &data, Some(span))
                }
                // Try to rebuild a lost intermediate chunk so that its subtree can still be shown.
                _ => self
                    .joiner
                    .fetch_children(node, i..i + 1)
                    .and_then(|mut v| v.pop().ok_or(JoinError::NotFound { address: r.address })),
            };
            match child {
                Ok(child) => leaves = leaves.saturating_add(self.node(&child, depth + 1)?),
                Err(e @ (JoinError::Store(_) | JoinError::WalkLimit { .. })) => return Err(e),
                Err(_) => {}
            }
        }
        self.leaves_under.insert(node.address(), leaves);
        Ok(leaves)
    }
}
