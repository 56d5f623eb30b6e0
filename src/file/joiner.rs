//! The joiner (spec §7): reads a chunk tree back by reference, whole or by byte range, recovering lost
//! children of redundant trees with Reed-Solomon.
//!
//! Every chunk read is checked against the address it was reached by; a chunk that does not hash to
//! its address counts as missing. Every node's shape is derived from its span alone (how many data
//! children, how many parities, how many bytes each child covers) and the chunk must match it exactly,
//! so a malformed tree gives [`JoinError::Malformed`], never a panic, a loop or an allocation sized by
//! an untrusted span: payloads are at most 4104 bytes and child spans strictly decrease.
//!
//! Children are fetched per intermediate chunk by [`Strategy`]: `none` and `data` fetch the data
//! children only; `prox` fetches children in order of proximity to this node's own address and stops
//! at the first m; `race` asks for all m + k at once and decodes as soon as any m arrived. With
//! fallback (the default) a failing strategy escalates towards `race`. Recovered chunks are written back
//! to the store unless turned off. A missing root is fetched through its dispersed replicas.

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use crate::address::Address;
use crate::cac::{self, Chunk, MAX_PAYLOAD};
use crate::encryption::{self, EncryptionError, Key};
use crate::redundancy::codec::{self, CodecError};
use crate::redundancy::{count, table, Level};
use crate::reference::Reference;
use crate::replicas;
use crate::soc;
use crate::span;
use crate::store::{ChunkStore, StoreError};

/// How the children of an intermediate chunk are fetched (bee's `Swarm-Redundancy-Strategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// Data children only, no recovery.
    None = 0,
    /// Data children; recover on failure when fallback is on.
    #[default]
    Data = 1,
    /// Children in order of proximity to this node's address, until m arrived.
    Prox = 2,
    /// All m + k children at once; decode when any m arrived.
    Race = 3,
}

impl Strategy {
    /// Every strategy, in escalation order.
    pub const ALL: [Strategy; 4] = [
        Strategy::None,
        Strategy::Data,
        Strategy::Prox,
        Strategy::Race,
    ];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::Data => "data",
            Strategy::Prox => "prox",
            Strategy::Race => "race",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A strategy that is neither 0–3 nor a strategy name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid strategy {0:?}: want none, data, prox, race or 0-3")]
pub struct StrategyParseError(pub String);

impl FromStr for Strategy {
    type Err = StrategyParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Ok(n) = t.parse::<usize>() {
            return Strategy::ALL
                .get(n)
                .copied()
                .ok_or_else(|| StrategyParseError(s.to_string()));
        }
        Strategy::ALL
            .into_iter()
            .find(|x| x.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| StrategyParseError(s.to_string()))
    }
}

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinOptions {
    /// First strategy tried for each intermediate chunk.
    pub strategy: Strategy,
    /// Whether a failing strategy escalates to the next (bee's default: on).
    pub fallback: bool,
    /// Whether recovered chunks are written back to the store.
    pub write_back: bool,
    /// Level whose replicas are tried when the root is missing (bee's default: paranoid).
    pub replica_level: Level,
    /// This node's own address: `prox` fetches the children closest to it first.
    pub origin: Address,
}

impl Default for JoinOptions {
    fn default() -> Self {
        JoinOptions {
            strategy: Strategy::Data,
            fallback: true,
            write_back: true,
            replica_level: Level::Paranoid,
            origin: Address::ZERO,
        }
    }
}

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
    #[error("chunk {node} cannot be recovered: {present} of its children are readable, {need} are needed; missing or corrupt: {}", list(missing))]
    Unrecoverable {
        /// The intermediate chunk whose children are lost.
        node: Address,
        /// Its children that are missing or corrupt.
        missing: Vec<Address>,
        /// Children that were readable.
        present: usize,
        /// Children needed.
        need: usize,
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

fn malformed(address: Address, reason: impl Into<String>) -> JoinError {
    JoinError::Malformed {
        address,
        reason: reason.into(),
    }
}

/// A decoded chunk of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its address.
    pub address: Address,
    /// Its decryption key, in encrypted trees.
    pub key: Option<Key>,
    /// Its redundancy level (from the span's level byte).
    pub level: Level,
    /// File bytes under it.
    pub span: u64,
    /// Leaf: the file bytes; intermediate: the references then the parity addresses, trimmed.
    pub payload: Vec<u8>,
    /// Intermediate only: how many data children and parities, and how many bytes a full child covers.
    pub shape: Option<Shape>,
}

/// The shape of an intermediate chunk, derived from its span and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Data children.
    pub data: usize,
    /// Parity children.
    pub parities: usize,
    /// Bytes covered by every data child but the last.
    pub child_span: u64,
    /// Bytes of one data reference: 32, or 64 when encrypted.
    pub ref_len: usize,
}

impl Node {
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
            .chunks(shape.ref_len)
            .filter_map(Reference::from_bytes)
            .collect()
    }

    /// The parity children's addresses.
    pub fn parity_addresses(&self) -> Vec<Address> {
        let Some(shape) = self.shape else {
            return Vec::new();
        };
        self.payload[shape.data * shape.ref_len..]
            .chunks(32)
            .filter_map(Address::from_slice)
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
            if data.len() < 8 {
                return Err(malformed(address, "shorter than a span"));
            }
            (span::of_data(data), data[8..].to_vec())
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
    let ref_len = if encrypted { 64 } else { 32 };
    let need = data_children * ref_len + parities * 32;
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

/// Reads a file back from a store.
pub struct Joiner<'s> {
    store: &'s dyn ChunkStore,
    options: JoinOptions,
    root: Node,
}

impl<'s> Joiner<'s> {
    /// Opens the tree under `reference`: fetches and checks the root, through its replicas if needed.
    pub fn open(
        store: &'s dyn ChunkStore,
        reference: &Reference,
        options: JoinOptions,
    ) -> Result<Joiner<'s>, JoinError> {
        let data = fetch_root(store, &reference.address, &options)?;
        let root = decode_node(reference.address, reference.key, &data, None)?;
        Ok(Joiner {
            store,
            options,
            root,
        })
    }

    /// File size in bytes.
    pub fn size(&self) -> u64 {
        self.root.span
    }

    /// The decoded root chunk.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// Streams the whole file into `out`; returns the bytes written.
    pub fn read_all(&self, out: &mut dyn Write) -> Result<u64, JoinError> {
        self.read_range(0, self.size(), out)
    }

    /// Streams `length` bytes from `offset` (clamped to the end of the file) into `out`, reading only
    /// the chunks that cover them; returns the bytes written.
    pub fn read_range(
        &self,
        offset: u64,
        length: u64,
        out: &mut dyn Write,
    ) -> Result<u64, JoinError> {
        let size = self.size();
        if offset > size {
            return Err(JoinError::OutOfRange { offset, size });
        }
        let end = offset.saturating_add(length).min(size);
        if end == offset {
            return Ok(0);
        }
        self.read_node(&self.root, 0, offset, end, out)?;
        Ok(end - offset)
    }

    /// Writes the bytes `[from, to)` of the file (absolute offsets) that lie under `node`, which starts
    /// at file offset `base`.
    fn read_node(
        &self,
        node: &Node,
        base: u64,
        from: u64,
        to: u64,
        out: &mut dyn Write,
    ) -> Result<(), JoinError> {
        let Some(shape) = node.shape else {
            let start = (from - base) as usize;
            let stop = (to - base) as usize;
            return out
                .write_all(&node.payload[start..stop])
                .map_err(|source| JoinError::Write {
                    offset: from,
                    source,
                });
        };
        let first = ((from - base) / shape.child_span) as usize;
        let last = ((to - 1 - base) / shape.child_span) as usize;
        let children = self.fetch_children(node, first..last + 1)?;
        let leaf_parents = children
            .iter()
            .all(|c| c.shape.is_some_and(|s| s.child_span <= MAX_PAYLOAD as u64));
        if children.len() > 1 && leaf_parents && self.options.strategy <= Strategy::Data {
            return self.read_leaf_parents(node, &children, first, base, from, to, out);
        }
        for (i, child) in (first..=last).zip(children) {
            let child_base = base + i as u64 * shape.child_span;
            let child_end = child_base + node.child_span(i);
            self.read_node(
                &child,
                child_base,
                from.max(child_base),
                to.min(child_end),
                out,
            )?;
        }
        Ok(())
    }

    /// [`Joiner::read_node`] for the children of `parent` that are themselves parents of data
    /// chunks, with their data chunks fetched ahead: a second thread asks the store for the next
    /// children's chunks while this one checks, decodes and writes the current ones. Checking,
    /// fallback and recovery are those of [`Joiner::fetch_children`]; only the first request of each
    /// group is made ahead, and at most [`PREFETCH_GROUPS`] groups wait.
    #[allow(clippy::too_many_arguments)]
    fn read_leaf_parents(
        &self,
        parent: &Node,
        children: &[Node],
        first: usize,
        base: u64,
        from: u64,
        to: u64,
        out: &mut dyn Write,
    ) -> Result<(), JoinError> {
        let Some(shape) = parent.shape else {
            return Ok(());
        };
        // Per child: its base offset, the byte range wanted under it and its wanted data chunks.
        let plan: Vec<(u64, u64, u64, std::ops::Range<usize>)> = children
            .iter()
            .enumerate()
            .map(|(k, child)| {
                let i = first + k;
                let child_base = base + i as u64 * shape.child_span;
                let child_end = child_base + parent.child_span(i);
                let (f, t) = (from.max(child_base), to.min(child_end));
                let span = child.shape.map_or(MAX_PAYLOAD as u64, |s| s.child_span);
                let range =
                    ((f - child_base) / span) as usize..((t - 1 - child_base) / span) as usize + 1;
                (child_base, f, t, range)
            })
            .collect();
        let store = self.store;
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(PREFETCH_GROUPS);
            let asks: Vec<Vec<Address>> = children
                .iter()
                .zip(&plan)
                .map(|(child, (_, _, _, range))| {
                    let refs = child.data_refs();
                    refs.get(range.clone())
                        .unwrap_or(&[])
                        .iter()
                        .map(|r| r.address)
                        .collect()
                })
                .collect();
            scope.spawn(move || {
                for asked in asks {
                    let got = store.get_many(&asked, asked.len());
                    if tx.send(got).is_err() {
                        return;
                    }
                }
            });
            for (child, (child_base, f, t, range)) in children.iter().zip(plan) {
                let prefetched = rx.recv().ok().transpose()?;
                let leaves = self.fetch_children_with(child, range.clone(), prefetched)?;
                for (j, leaf) in range.zip(leaves) {
                    let leaf_base = child_base + j as u64 * MAX_PAYLOAD as u64;
                    let leaf_end = leaf_base + child.child_span(j);
                    self.read_node(&leaf, leaf_base, f.max(leaf_base), t.min(leaf_end), out)?;
                }
            }
            Ok(())
        })
    }

    /// Fetches, checks and decodes the data children `wanted` of `node`, recovering them from the
    /// group when some are lost.
    pub fn fetch_children(
        &self,
        node: &Node,
        wanted: std::ops::Range<usize>,
    ) -> Result<Vec<Node>, JoinError> {
        self.fetch_children_with(node, wanted, None)
    }

    /// [`Joiner::fetch_children`], with the store's answer to the first request for the wanted
    /// children when it was made ahead.
    fn fetch_children_with(
        &self,
        node: &Node,
        wanted: std::ops::Range<usize>,
        prefetched: Option<Vec<Option<Vec<u8>>>>,
    ) -> Result<Vec<Node>, JoinError> {
        let refs = node.data_refs();
        let datas = fetch_group(
            self.store,
            node,
            &refs,
            wanted.clone(),
            &self.options,
            prefetched,
        )?;
        wanted
            .zip(datas)
            .map(|(i, data)| {
                let r = &refs[i];
                decode_node(r.address, r.key, &data, Some(node.child_span(i)))
            })
            .collect()
    }
}

/// Groups of data chunks fetched ahead of the one being written (each up to 128 chunks, 0.5 MiB).
const PREFETCH_GROUPS: usize = 2;

/// Fetches the root chunk, falling back to its dispersed replicas.
fn fetch_root(
    store: &dyn ChunkStore,
    address: &Address,
    options: &JoinOptions,
) -> Result<Vec<u8>, JoinError> {
    let mut corrupt = false;
    if let Some(data) = store.get(address)? {
        if cac::is_valid(address, &data) {
            return Ok(data);
        }
        corrupt = true;
    }
    if options.replica_level != Level::None {
        let candidates: Vec<Address> = replicas::replica_addresses(address, options.replica_level)
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        // bee's replica getter releases replicas in batches of 2, 2, 4 and 8.
        let mut start = 0;
        for batch in [2usize, 2, 4, 8] {
            let end = (start + batch).min(candidates.len());
            let slice = &candidates[start..end];
            let got = store.get_many(slice, slice.len())?;
            for (candidate, data) in slice.iter().zip(got) {
                let Some(wrapped) = data.and_then(|d| unwrap_replica(candidate, address, &d))
                else {
                    continue;
                };
                if options.write_back {
                    store.put(&Chunk {
                        address: *address,
                        data: wrapped.clone(),
                    })?;
                }
                return Ok(wrapped);
            }
            start = end;
        }
    }
    if corrupt {
        Err(JoinError::Corrupt { address: *address })
    } else {
        Err(JoinError::NotFound { address: *address })
    }
}

/// The root chunk data inside a replica, if the replica is a valid one of `root`.
fn unwrap_replica(replica: &Address, root: &Address, data: &[u8]) -> Option<Vec<u8>> {
    if !soc::is_valid_soc(replica, data) {
        return None;
    }
    let parsed = soc::parse_soc(data).ok()?;
    if parsed.owner != replicas::REPLICAS_OWNER || parsed.wrapped.address != *root {
        return None;
    }
    Some(parsed.wrapped.data)
}

/// Reads and checks one chunk; `None` if absent or corrupt.
fn fetch_valid(store: &dyn ChunkStore, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(store.get(address)?.filter(|d| cac::is_valid(address, d)))
}

/// Keeps the chunks whose data hashes to their address, hashing them in one batch (lockstep lanes,
/// both cores); the others become `None`.
fn check_batch(addresses: &[Address], datas: Vec<Option<Vec<u8>>>) -> Vec<Option<Vec<u8>>> {
    let sized = |d: &Vec<u8>| (8..=cac::MAX_DATA).contains(&d.len());
    let present: Vec<&[u8]> = datas
        .iter()
        .flatten()
        .filter(|d| sized(d))
        .map(|d| d.as_slice())
        .collect();
    let mut hashes = crate::bmt::addresses(&present).into_iter();
    datas
        .into_iter()
        .zip(addresses)
        .map(|(data, address)| {
            let data = data.filter(sized)?;
            (hashes.next() == Some(address.0)).then_some(data)
        })
        .collect()
}

/// Fetches data children `wanted` of `node` by the configured strategy, with recovery.
fn fetch_group(
    store: &dyn ChunkStore,
    node: &Node,
    refs: &[Reference],
    wanted: std::ops::Range<usize>,
    options: &JoinOptions,
    mut prefetched: Option<Vec<Option<Vec<u8>>>>,
) -> Result<Vec<Vec<u8>>, JoinError> {
    let shape = node.shape.unwrap_or(Shape {
        data: 0,
        parities: 0,
        child_span: 0,
        ref_len: 32,
    });
    let parity_addresses = node.parity_addresses();
    let addresses: Vec<Address> = refs
        .iter()
        .map(|r| r.address)
        .chain(parity_addresses.iter().copied())
        .collect();
    let total = addresses.len();
    let m = shape.data;
    let mut have: Vec<Option<Vec<u8>>> = vec![None; total];
    let mut tried = vec![false; total];

    let wanted_done = |have: &[Option<Vec<u8>>]| wanted.clone().all(|i| have[i].is_some());
    let count = |have: &[Option<Vec<u8>>]| have.iter().filter(|h| h.is_some()).count();

    let mut strategy = options.strategy;
    loop {
        match strategy {
            Strategy::None | Strategy::Data => {
                // All wanted children at once: a network store fetches them in parallel.
                let ask: Vec<usize> = wanted
                    .clone()
                    .filter(|&i| have[i].is_none() && !tried[i])
                    .collect();
                let asked: Vec<Address> = ask.iter().map(|&i| addresses[i]).collect();
                let raw = match prefetched.take() {
                    // Asked ahead for exactly these children (the first round asks for all wanted).
                    Some(p) if p.len() == asked.len() && ask.iter().copied().eq(wanted.clone()) => {
                        p
                    }
                    _ => store.get_many(&asked, asked.len())?,
                };
                let got = check_batch(&asked, raw);
                for (&i, data) in ask.iter().zip(got) {
                    tried[i] = true;
                    have[i] = data;
                }
                if wanted_done(&have) {
                    break;
                }
            }
            Strategy::Prox => {
                let mut order: Vec<usize> = (0..total).filter(|&i| !tried[i]).collect();
                order.sort_by(|&a, &b| {
                    let (x, y) = (&addresses[a], &addresses[b]);
                    options.origin.distance(x).cmp(&options.origin.distance(y))
                });
                for i in order {
                    if count(&have) >= m {
                        break;
                    }
                    tried[i] = true;
                    have[i] = fetch_valid(store, &addresses[i])?;
                }
                if count(&have) >= m {
                    break;
                }
            }
            Strategy::Race => {
                let pending: Vec<usize> = (0..total).filter(|&i| !tried[i]).collect();
                let need = m.saturating_sub(count(&have));
                let asked: Vec<Address> = pending.iter().map(|&i| addresses[i]).collect();
                let got = store.get_many(&asked, need)?;
                let fetched: Vec<bool> = got.iter().map(Option::is_some).collect();
                for ((&i, data), fetched) in
                    pending.iter().zip(check_batch(&asked, got)).zip(fetched)
                {
                    tried[i] |= fetched;
                    have[i] = data;
                }
                // Slots get_many left empty were either absent or not asked yet: ask the rest one by one.
                for &i in &pending {
                    if count(&have) >= m {
                        break;
                    }
                    if !tried[i] {
                        tried[i] = true;
                        have[i] = fetch_valid(store, &addresses[i])?;
                    }
                }
                if count(&have) >= m {
                    break;
                }
            }
        }
        let next = Strategy::ALL.iter().copied().find(|s| *s > strategy);
        match next {
            Some(s) if options.fallback && shape.parities > 0 => strategy = s,
            _ => break,
        }
    }

    if !wanted_done(&have) {
        // Only prox and race decode; none and data without fallback fail on the first lost child.
        let decoding = strategy >= Strategy::Prox && shape.parities > 0;
        if !decoding || count(&have) < m {
            return Err(lost(node, &addresses, &have, m, wanted.clone(), decoding));
        }
        recover(store, node, &addresses, &mut have, m, options)?;
    }
    Ok(wanted.map(|i| have[i].take().unwrap_or_default()).collect())
}

fn lost(
    node: &Node,
    addresses: &[Address],
    have: &[Option<Vec<u8>>],
    m: usize,
    wanted: std::ops::Range<usize>,
    decoding: bool,
) -> JoinError {
    if !decoding {
        // No recovery was tried: name the first lost child.
        if let Some(i) = wanted.clone().find(|&i| have[i].is_none()) {
            return JoinError::NotFound {
                address: addresses[i],
            };
        }
    }
    let missing: Vec<Address> = addresses
        .iter()
        .zip(have)
        .filter(|(_, h)| h.is_none())
        .map(|(a, _)| *a)
        .collect();
    JoinError::Unrecoverable {
        node: node.address,
        present: addresses.len() - missing.len(),
        missing,
        need: m,
    }
}

/// Rebuilds the missing data children from any m present children, checks each rebuilt chunk against
/// its address, and writes it back when asked.
fn recover(
    store: &dyn ChunkStore,
    node: &Node,
    addresses: &[Address],
    have: &mut [Option<Vec<u8>>],
    m: usize,
    options: &JoinOptions,
) -> Result<(), JoinError> {
    let missing: Vec<usize> = (0..m).filter(|&i| have[i].is_none()).collect();
    let mut shards: Vec<Option<Vec<u8>>> = have.to_vec();
    codec::reconstruct_data(&mut shards, m).map_err(|source| JoinError::Decode {
        node: node.address,
        source,
    })?;
    let mut rebuilt = Vec::with_capacity(missing.len());
    for &i in &missing {
        let data = shards[i].take().unwrap_or_default();
        if !cac::is_valid(&addresses[i], &data) {
            return Err(JoinError::Corrupt {
                address: addresses[i],
            });
        }
        rebuilt.push(Chunk {
            address: addresses[i],
            data: data.clone(),
        });
        have[i] = Some(data);
    }
    if options.write_back && !rebuilt.is_empty() {
        store.put_batch(&rebuilt)?;
    }
    Ok(())
}
