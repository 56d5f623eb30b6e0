//! Repair: rebuild what a tree lost and write exactly that back (`swarmec repair`, `PUT
//! /stewardship`). Data children come back from any m of their group with Reed-Solomon, parity
//! children by encoding the group's data again exactly as the splitter does, intermediate chunks as
//! data children of their parent's group, the root from a replica, and the replicas from the root.
//! Every rebuilt chunk is checked against its address before it is written.
//!
//! The walk is [`super::inspect`]'s (one walker for inspection, checks and repair); this module holds
//! the group rebuild, which is pure, and the reports. Writes go through [`ChunkStore::put_batch`],
//! one batch per group: a local store stores them, a network store with a stamper pushes them.

use std::sync::Mutex;

use serde::Serialize;

use super::error::JoinError;
use super::inspect::{walk, InspectOptions, Inspection, RepairMode};
use super::node::{decode_node, Node};
use crate::address::Address;
use crate::cac::{self, Chunk};
use crate::redundancy::codec;
use crate::reference::Reference;
use crate::store::{ChunkStore, StoreError};

/// What a written-back chunk is in its tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChunkKind {
    /// The root chunk.
    Root,
    /// One of the root's dispersed replicas.
    Replica,
    /// An intermediate chunk below the root.
    Intermediate,
    /// A data chunk (a leaf).
    Data,
    /// A parity chunk.
    Parity,
}

impl ChunkKind {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            ChunkKind::Root => "root",
            ChunkKind::Replica => "replica",
            ChunkKind::Intermediate => "intermediate",
            ChunkKind::Data => "data",
            ChunkKind::Parity => "parity",
        }
    }
}

/// One chunk written back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushedChunk {
    /// Its address.
    pub address: String,
    /// What it is.
    pub kind: ChunkKind,
}

/// Chunks written back, per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushCounts {
    /// The root (0 or 1).
    pub root: usize,
    /// Root replicas.
    pub replicas: usize,
    /// Intermediate chunks below the root.
    pub intermediate: usize,
    /// Data chunks.
    pub data: usize,
    /// Parity chunks.
    pub parity: usize,
}

impl PushCounts {
    /// All of them.
    pub fn total(&self) -> usize {
        self.root + self.replicas + self.intermediate + self.data + self.parity
    }
}

/// What a repair found and what it wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairReport {
    /// The tree as found, before anything was written.
    pub before: Inspection,
    /// Written back, per kind.
    pub counts: PushCounts,
    /// Every chunk written back, in order.
    pub pushed: Vec<PushedChunk>,
    /// Intermediate chunks whose groups lost more children than they have parities: what was lost
    /// under them could not be rebuilt.
    pub unrecoverable: Vec<String>,
}

/// Rebuilds every missing chunk of the tree under `reference` that can be rebuilt and writes exactly
/// those to `store` ([`RepairMode::Missing`]), or writes every chunk and replica of the tree
/// ([`RepairMode::Everything`], a re-upload); `options.repair` is overridden by `mode`. Only a root
/// that cannot be had (neither itself nor a replica), a failing store, a rebuilt chunk that does not
/// match its address or the chunk limit is an error; groups beyond repair are reported.
pub fn repair(
    store: &dyn ChunkStore,
    reference: &Reference,
    options: InspectOptions,
    mode: RepairMode,
) -> Result<RepairReport, JoinError> {
    let options = InspectOptions {
        repair: mode,
        ..options
    };
    let (before, pushed) = walk(store, reference, options)?;
    let mut counts = PushCounts::default();
    for p in &pushed {
        *match p.kind {
            ChunkKind::Root => &mut counts.root,
            ChunkKind::Replica => &mut counts.replicas,
            ChunkKind::Intermediate => &mut counts.intermediate,
            ChunkKind::Data => &mut counts.data,
            ChunkKind::Parity => &mut counts.parity,
        } += 1;
    }
    let unrecoverable = before
        .nodes
        .iter()
        .filter(|n| n.margin < 0)
        .map(|n| n.address.clone())
        .collect();
    Ok(RepairReport {
        before,
        counts,
        pushed,
        unrecoverable,
    })
}

/// A chunk's data as the splitter stores it: a rebuilt (or replica-wrapped) plain chunk is
/// zero-padded to the full shard, and is cut back to its span and references; encrypted chunks are
/// stored whole and stay as they are.
pub(crate) fn stored_form(node: &Node, mut data: Vec<u8>) -> Vec<u8> {
    if node.key().is_none() {
        data.truncate(crate::span::SPAN_SIZE + node.payload().len());
    }
    data
}

/// Rebuilds the missing children of `node`'s group in place: `addresses` are its data then its
/// parity children, `have` their data (`None` where missing), at least as many present as it has
/// data children. Returns the indices rebuilt; each rebuilt chunk is in its stored form and hashes to
/// its address. Pure: no store.
pub(crate) fn rebuild_group(
    node: &Node,
    addresses: &[Address],
    have: &mut [Option<Vec<u8>>],
) -> Result<Vec<usize>, JoinError> {
    let refs = node.data_refs();
    let m = refs.len();
    let missing: Vec<usize> = (0..have.len()).filter(|&i| have[i].is_none()).collect();
    if missing.is_empty() || addresses.len() != have.len() {
        return Ok(Vec::new());
    }
    let decode = |source| JoinError::Decode {
        node: node.address(),
        source,
    };
    let mut shards = have.to_vec();
    if missing.iter().any(|&i| i < m) {
        codec::reconstruct_data(&mut shards, m).map_err(decode)?;
    }
    if missing.iter().any(|&i| i >= m) {
        let data: Vec<&[u8]> = shards[..m].iter().flatten().map(Vec::as_slice).collect();
        if data.len() != m {
            return Err(JoinError::NotFound {
                address: addresses[missing[0]],
            });
        }
        let parity = codec::encode(&data, have.len() - m).map_err(decode)?;
        for (slot, p) in shards[m..].iter_mut().zip(parity) {
            if slot.is_none() {
                *slot = Some(p);
            }
        }
    }
    for &i in &missing {
        let address = addresses[i];
        let mut data = shards[i].take().ok_or(JoinError::NotFound { address })?;
        if let Some(r) = refs.get(i) {
            if let Ok(child) = decode_node(address, r.key, &data, Some(node.child_span(i))) {
                data = stored_form(&child, data);
            }
        }
        if !cac::is_valid(&address, &data) {
            return Err(JoinError::Corrupt { address });
        }
        have[i] = Some(data);
    }
    Ok(missing)
}

/// A store that records the addresses written through it (what a download wrote back), passing
/// everything to `inner`.
pub struct RecordingStore<'a> {
    inner: &'a dyn ChunkStore,
    written: Mutex<Vec<Address>>,
}

impl<'a> RecordingStore<'a> {
    /// Records writes to `inner`.
    pub fn new(inner: &'a dyn ChunkStore) -> RecordingStore<'a> {
        RecordingStore {
            inner,
            written: Mutex::new(Vec::new()),
        }
    }

    /// The addresses written so far, in order.
    pub fn written(&self) -> Vec<Address> {
        self.written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl ChunkStore for RecordingStore<'_> {
    crate::forward_chunk_store!(inner: get, has, remove, remove_many, iterate, sync, get_many);
    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        self.inner.put_batch(chunks)?;
        self.written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(chunks.iter().map(|c| c.address));
        Ok(())
    }
}
