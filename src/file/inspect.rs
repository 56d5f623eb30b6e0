//! Tree inspection: every intermediate chunk of a file with its level, children and margin (how many
//! more children it can lose), the root and its dispersed replicas. Missing and corrupt chunks are
//! listed, not fatal. The same walk repairs (see [`super::repair`]): with [`RepairMode`] on it
//! rebuilds what a group lost and writes exactly that back, so there is one walker for `inspect`,
//! `check`, `repair` and re-upload.
//!
//! Work is bounded by distinct data, not by what the chunks claim: each distinct chunk is fetched and
//! hashed at most once and each distinct intermediate chunk is walked once, however many times the
//! tree points at it (five chunks, each pointing 128 times at the one below, claim 1 TiB but cost five
//! visits). Memory is proportional to the distinct chunks seen, and a walk that would see more than
//! [`InspectOptions::max_chunks`] of them stops with [`JoinError::WalkLimit`]. The children of a
//! group are asked for in one [`ChunkStore::get_many`], so over the network a group with missing
//! children costs one retrieval deadline, not one per missing child.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::error::{malformed, JoinError};
use super::getter::{check_batch, fetch_from_replicas, unwrap_replica};
use super::joiner::JoinOptions;
use super::node::{decode_node, Node};
use super::repair::{rebuild_group, stored_form, ChunkKind, PushedChunk};
use crate::address::Address;
use crate::cac::{self, Chunk};
use crate::redundancy::Level;
use crate::reference::Reference;
use crate::replicas;
use crate::store::ChunkStore;

/// Distinct chunks a walk sees by default: 4 Mi chunks, a 16 GiB file at level 0, about 0.6 GiB of
/// report and bookkeeping at most.
pub const DEFAULT_MAX_CHUNKS: u64 = 1 << 22;

/// Whether a walk writes chunks back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RepairMode {
    /// Inspection only: nothing is written.
    #[default]
    Off,
    /// Rebuild every missing chunk that can be rebuilt and write exactly those.
    Missing,
    /// Write every chunk of the tree, rebuilt or found, and every root replica (a re-upload).
    Everything,
}

/// How a tree is inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectOptions {
    /// How chunks are fetched (write-back is always off: the walk writes only by [`RepairMode`]).
    pub join: JoinOptions,
    /// Most distinct chunks (intermediate, data and parity) the walk may see.
    pub max_chunks: u64,
    /// Level of the root replicas checked; `None`: the root's own level (none for a root that is a
    /// data chunk, whose span carries no level).
    pub replica_level: Option<Level>,
    /// What the walk writes back.
    pub repair: RepairMode,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions {
            join: JoinOptions::default(),
            max_chunks: DEFAULT_MAX_CHUNKS,
            replica_level: None,
            repair: RepairMode::Off,
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
    /// Data children that were retrievable (present and valid).
    pub data_retrievable: usize,
    /// Parity children that were retrievable.
    pub parity_retrievable: usize,
    /// Children (data or parity) that are missing or corrupt.
    pub missing: Vec<String>,
    /// How many more children it can lose: parities − missing (negative when beyond repair).
    pub margin: i64,
}

/// The root's dispersed replicas.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReplicaReport {
    /// The level they were checked at (none: there are none).
    pub level: u8,
    /// Their addresses, in bee's emission order.
    pub addresses: Vec<String>,
    /// How many were retrievable and valid replicas of the root.
    pub retrievable: usize,
    /// Those missing or invalid.
    pub missing: Vec<String>,
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
    /// Whether the root chunk itself was retrievable (else it was read from a replica).
    pub root_retrievable: bool,
    /// The root's replicas.
    pub replicas: ReplicaReport,
    /// Whether every group can be read or rebuilt: no intermediate chunk has a negative margin.
    pub recoverable: bool,
    /// Distinct intermediate chunks, root first, depth-first in order of first visit.
    pub nodes: Vec<NodeReport>,
    /// Every distinct chunk of the tree found missing or corrupt (the root included, replicas not).
    pub missing: Vec<String>,
    /// Data chunks (leaves) reached, counted per reference: the file's data chunk count when nothing
    /// is lost.
    pub leaves: u64,
}

impl Inspection {
    /// Whether nothing is missing: every chunk of the tree and every replica is retrievable.
    pub fn is_complete(&self) -> bool {
        self.root_retrievable && self.missing.is_empty() && self.replicas.missing.is_empty()
    }
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
    walk(store, reference, options).map(|(inspection, _)| inspection)
}

/// Walks the tree under `reference`, writing back by `options.repair`; returns the inspection (what
/// was found before anything was written) and what was written.
pub(crate) fn walk(
    store: &dyn ChunkStore,
    reference: &Reference,
    options: InspectOptions,
) -> Result<(Inspection, Vec<PushedChunk>), JoinError> {
    let address = reference.address;
    let direct = store
        .get(&address)?
        .filter(|data| cac::is_valid(&address, data));
    let root_retrievable = direct.is_some();
    let root_data = match direct {
        Some(data) => data,
        None => fetch_from_replicas(store, &address, options.join.replica_level)?
            .ok_or(JoinError::NotFound { address })?,
    };
    let root = decode_node(address, reference.key, &root_data, None)?;
    let root_data = stored_form(&root, root_data);
    let replica_level = options.replica_level.unwrap_or(root.level());
    let mut out = Inspection {
        reference: reference.to_hex(),
        size: root.span(),
        level: root.level().as_u8(),
        root_retrievable,
        replicas: ReplicaReport {
            level: replica_level.as_u8(),
            addresses: Vec::new(),
            retrievable: 0,
            missing: Vec::new(),
        },
        recoverable: true,
        nodes: Vec::new(),
        missing: Vec::new(),
        leaves: 0,
    };
    let mut walk = Walk {
        store,
        root: address,
        limit: options.max_chunks,
        mode: options.repair,
        valid: HashMap::new(),
        leaves_under: HashMap::new(),
        missing: HashSet::new(),
        pushed: Vec::new(),
        pushed_set: HashSet::new(),
        out: &mut out,
    };
    walk.seen(address, root_retrievable)?;
    walk.root_and_replicas(&root, &root_data, replica_level)?;
    let leaves = if root.is_leaf() {
        1
    } else {
        walk.node(&root, 0)?
    };
    let pushed = walk.pushed;
    out.leaves = leaves;
    out.recoverable = out.nodes.iter().all(|n| n.margin >= 0);
    Ok((out, pushed))
}

/// A group's children's data, `None` where missing (or not fetched).
type Children = Vec<Option<Vec<u8>>>;

/// The state of one walk: what was already checked and walked, so nothing is done twice.
struct Walk<'a> {
    store: &'a dyn ChunkStore,
    root: Address,
    limit: u64,
    mode: RepairMode,
    /// Every distinct chunk fetched: whether it was present and hashed to its address.
    valid: HashMap<Address, bool>,
    /// Every distinct intermediate chunk walked: the leaves reached under it.
    leaves_under: HashMap<Address, u64>,
    missing: HashSet<Address>,
    /// What was written, in order, and the same as a set (a chunk the tree shares is written once).
    pushed: Vec<PushedChunk>,
    pushed_set: HashSet<Address>,
    out: &'a mut Inspection,
}

impl Walk<'_> {
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

    /// Writes `chunks` (those not written yet) and records them.
    fn push(&mut self, chunks: Vec<(ChunkKind, Chunk)>) -> Result<(), JoinError> {
        let mut batch = Vec::new();
        let mut kinds = Vec::new();
        for (kind, chunk) in chunks {
            if self.pushed_set.insert(chunk.address) {
                kinds.push(kind);
                batch.push(chunk);
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        self.store.put_batch(&batch)?;
        for (kind, chunk) in kinds.into_iter().zip(&batch) {
            tracing::debug!(address = %chunk.address, kind = kind.name(), "chunk written back");
            self.pushed.push(PushedChunk {
                address: chunk.address.to_hex(),
                kind,
            });
        }
        Ok(())
    }

    /// Checks the root's replicas and, when repairing, writes the root and the replicas back.
    fn root_and_replicas(
        &mut self,
        root: &Node,
        root_data: &[u8],
        level: Level,
    ) -> Result<(), JoinError> {
        let address = root.address();
        let expected: Vec<Address> = replicas::replica_addresses(&address, level)
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        let got = self.store.get_many(&expected, expected.len())?;
        let mut missing = HashSet::new();
        for (candidate, data) in expected.iter().zip(got) {
            if data
                .and_then(|d| unwrap_replica(candidate, &address, &d))
                .is_none()
            {
                missing.insert(*candidate);
            }
        }
        let report = &mut self.out.replicas;
        report.addresses = expected.iter().map(Address::to_hex).collect();
        report.retrievable = expected.len() - missing.len();
        report.missing = expected
            .iter()
            .filter(|a| missing.contains(a))
            .map(Address::to_hex)
            .collect();
        let everything = self.mode == RepairMode::Everything;
        if self.mode == RepairMode::Off {
            return Ok(());
        }
        let mut chunks = Vec::new();
        if everything || !self.out.root_retrievable {
            chunks.push((
                ChunkKind::Root,
                Chunk {
                    address,
                    data: root_data.to_vec(),
                },
            ));
        }
        if everything || !missing.is_empty() {
            let made = replicas::make_replicas(&address, root_data, level)
                .map_err(|e| malformed(address, e.to_string()))?;
            chunks.extend(
                made.into_iter()
                    .filter(|c| everything || missing.contains(&c.address))
                    .map(|c| (ChunkKind::Replica, c)),
            );
        }
        self.push(chunks)
    }

    /// The valid data of each of `addresses` fetched now (one [`ChunkStore::get_many`] for those not
    /// seen before), and whether each is present at all (a chunk seen before is present without its
    /// data here).
    fn fetch(&mut self, addresses: &[Address]) -> Result<(Children, Vec<bool>), JoinError> {
        let unknown: Vec<usize> = (0..addresses.len())
            .filter(|&i| !self.valid.contains_key(&addresses[i]))
            .collect();
        let asked: Vec<Address> = unknown.iter().map(|&i| addresses[i]).collect();
        let got = check_batch(&asked, self.store.get_many(&asked, asked.len())?);
        let mut have = vec![None; addresses.len()];
        for (&i, data) in unknown.iter().zip(got) {
            self.seen(addresses[i], data.is_some())?;
            have[i] = data;
        }
        let present = addresses
            .iter()
            .map(|a| self.valid.get(a) == Some(&true))
            .collect();
        Ok((have, present))
    }

    /// Reports `node` (once), repairs its group when asked, and walks its intermediate children;
    /// returns the leaves reached under it.
    fn node(&mut self, node: &Node, depth: usize) -> Result<u64, JoinError> {
        if let Some(&leaves) = self.leaves_under.get(&node.address()) {
            return Ok(leaves);
        }
        // Marked before the children are walked: a chunk cannot reach itself (spans strictly
        // decrease), but nothing here relies on that.
        self.leaves_under.insert(node.address(), 0);
        let refs = node.data_refs();
        let parity = node.parity_addresses();
        let m = refs.len();
        let addresses: Vec<Address> = refs
            .iter()
            .map(|r| r.address)
            .chain(parity.iter().copied())
            .collect();
        let (mut have, present) = self.fetch(&addresses)?;
        let missing: Vec<usize> = (0..addresses.len()).filter(|&i| !present[i]).collect();
        let parities = parity.len() as i64;
        self.out.nodes.push(NodeReport {
            address: node.address().to_hex(),
            depth,
            span: node.span(),
            level: node.level().as_u8(),
            data: refs.iter().map(|r| r.address.to_hex()).collect(),
            parity: parity.iter().map(Address::to_hex).collect(),
            data_retrievable: present[..m].iter().filter(|p| **p).count(),
            parity_retrievable: present[m..].iter().filter(|p| **p).count(),
            missing: missing.iter().map(|&i| addresses[i].to_hex()).collect(),
            margin: parities - missing.len() as i64,
        });
        let intermediate = |i: usize| i < m && node.child_span(i) > cac::MAX_PAYLOAD as u64;
        let kind = |i: usize| match i {
            i if intermediate(i) => ChunkKind::Intermediate,
            i if i < m => ChunkKind::Data,
            _ => ChunkKind::Parity,
        };
        let everything = self.mode == RepairMode::Everything;
        let repairing = self.mode != RepairMode::Off && !missing.is_empty();
        // A lost intermediate chunk is rebuilt in memory even when only inspecting, so that its
        // subtree can still be shown.
        let lost_intermediate = missing.iter().any(|&i| intermediate(i));
        let mut rebuilt = Vec::new();
        if (repairing || lost_intermediate) && missing.len() <= parity.len() {
            self.load(&addresses, &present, &mut have, 0..addresses.len())?;
            if have.iter().filter(|h| h.is_some()).count() >= m {
                rebuilt = rebuild_group(node, &addresses, &mut have)?;
            }
        }
        if self.mode != RepairMode::Off {
            if everything {
                self.load(&addresses, &present, &mut have, 0..addresses.len())?;
            }
            let chunks = (0..addresses.len())
                .filter(|&i| everything || rebuilt.contains(&i))
                .filter_map(|i| {
                    let data = have[i].clone()?;
                    Some((
                        kind(i),
                        Chunk {
                            address: addresses[i],
                            data,
                        },
                    ))
                })
                .collect();
            self.push(chunks)?;
        }
        let mut leaves = 0u64;
        for (i, r) in refs.iter().enumerate() {
            let span = node.child_span(i);
            if !intermediate(i) {
                leaves = leaves.saturating_add(1);
                continue;
            }
            if let Some(&known) = self.leaves_under.get(&r.address) {
                leaves = leaves.saturating_add(known);
                continue;
            }
            self.load(&addresses, &present, &mut have, i..i + 1)?;
            let Some(data) = have[i].take() else {
                continue;
            };
            if let Ok(child) = decode_node(r.address, r.key, &data, Some(span)) {
                drop(data);
                leaves = leaves.saturating_add(self.node(&child, depth + 1)?);
            }
        }
        self.leaves_under.insert(node.address(), leaves);
        Ok(leaves)
    }

    /// Fetches again the data of the children in `range` that are present but whose data this group
    /// does not hold (chunks the tree shares, seen under another node).
    fn load(
        &mut self,
        addresses: &[Address],
        present: &[bool],
        have: &mut [Option<Vec<u8>>],
        range: std::ops::Range<usize>,
    ) -> Result<(), JoinError> {
        for i in range {
            if present[i] && have[i].is_none() {
                let address = addresses[i];
                have[i] = self
                    .store
                    .get(&address)?
                    .filter(|d| cac::is_valid(&address, d));
            }
        }
        Ok(())
    }
}
