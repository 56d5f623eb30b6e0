//! The joiner (spec §7): reads a chunk tree back by reference, whole or by byte range, recovering lost
//! children of redundant trees with Reed-Solomon. This file is the range reading; a node's shape and
//! its checks are in [`super::node`], fetching, racing and recovery in [`super::getter`].
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

use std::io::Write;

pub use super::error::JoinError;
use super::getter::{fetch_children_data, fetch_root};
use super::node::{decode_node, Node};

pub use super::strategy::Strategy;
use crate::address::Address;
use crate::cac::MAX_PAYLOAD;
use crate::redundancy::Level;
use crate::reference::Reference;
use crate::store::ChunkStore;

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
        self.root.span()
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
        let Some(shape) = node.shape() else {
            let start = (from - base) as usize;
            let stop = (to - base) as usize;
            return out
                .write_all(&node.payload()[start..stop])
                .map_err(|source| JoinError::Write {
                    offset: from,
                    source,
                });
        };
        let first = ((from - base) / shape.child_span()) as usize;
        let last = ((to - 1 - base) / shape.child_span()) as usize;
        let children = self.fetch_children(node, first..last + 1)?;
        let leaf_parents = children
            .iter()
            .all(|c| c.shape().is_some_and(|s| s.children_are_leaves()));
        if children.len() > 1 && leaf_parents && self.options.strategy <= Strategy::Data {
            return self.read_leaf_parents(node, &children, first, base, from, to, out);
        }
        for (i, child) in (first..=last).zip(children) {
            let child_base = base + i as u64 * shape.child_span();
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
        let Some(shape) = parent.shape() else {
            return Ok(());
        };
        // Per child: its base offset, the byte range wanted under it and its wanted data chunks.
        let plan: Vec<(u64, u64, u64, std::ops::Range<usize>)> = children
            .iter()
            .enumerate()
            .map(|(k, child)| {
                let i = first + k;
                let child_base = base + i as u64 * shape.child_span();
                let child_end = child_base + parent.child_span(i);
                let (f, t) = (from.max(child_base), to.min(child_end));
                let span = child.shape().map_or(MAX_PAYLOAD as u64, |s| s.child_span());
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
                        .expect("the wanted range lies under the child's span")
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
        let datas = fetch_children_data(
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
