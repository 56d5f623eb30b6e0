//! Mantaray nodes (bee `pkg/manifest/mantaray`, version 0.2): a trie over path bytes whose nodes are
//! saved as files of their own.
//!
//! A saved node is, after its 32-byte obfuscation key, XORed with that key repeated:
//!
//! ```text
//! obfuscation key (32) | version hash (31, keccak256("mantaray:0.2")[..31]) | entry width (1)
//! entry (entry width) | fork bitmap (32: bit b of byte b/8 set for each first byte b)
//! per fork, by first byte: child type (1) | prefix length (1) | prefix padded to 30 | child reference
//!     and, when the child type has the metadata bit: length (2, big-endian) | JSON padded with '\n'
//! ```
//!
//! A fork carries its child's type and metadata; the child's own chunk carries its entry and forks.
//! Adding follows bee's `Add` step by step (prefix cuts at 30 bytes, fork splits, type bits),
//! because the type bits and the cut points are part of the bytes. Reading is bounded by the bytes
//! read: every field is checked against the data's length, lookups descend at least one path byte per
//! node, and walks have a node and byte budget ([`WalkLimits`]).

use std::collections::BTreeMap;

use super::error::{DecodeError, ManifestError};
use super::json::{self, go_lossy, Metadata};
use crate::keccak::keccak256;

/// Obfuscation key length.
pub const KEY_LEN: usize = 32;
/// Version hash length in the header.
pub const VERSION_HASH_LEN: usize = 31;
/// Header: key, version hash, entry width.
pub const HEADER_LEN: usize = KEY_LEN + VERSION_HASH_LEN + 1;
/// Longest prefix a fork holds.
pub const PREFIX_MAX: usize = 30;
/// Fork bytes before the child reference: type, prefix length, prefix.
const FORK_PRE_REFERENCE: usize = 32;

/// Node type bit: the node holds an entry.
pub const TYPE_VALUE: u8 = 2;
/// Node type bit: the node has forks.
pub const TYPE_EDGE: u8 = 4;
/// Node type bit: the fork's prefix contains a `/` (not as its first byte).
pub const TYPE_PATH_SEPARATOR: u8 = 8;
/// Node type bit: the fork carries metadata.
pub const TYPE_METADATA: u8 = 16;

/// Longest path [`Node::add`] takes (its recursion is one level per prefix).
pub const MAX_ADD_PATH: usize = 4096;

/// Largest node a reader accepts: a full header and entry, and 256 forks each with the largest
/// reference and metadata.
pub const MAX_NODE_SIZE: u64 =
    (HEADER_LEN + 256 + 32 + 256 * (FORK_PRE_REFERENCE + 256 + 2 + 65535)) as u64;

/// The version hashes.
fn version_hash(name: &str) -> [u8; VERSION_HASH_LEN] {
    let h = keccak256(name.as_bytes());
    let mut v = [0u8; VERSION_HASH_LEN];
    v.copy_from_slice(&h[..VERSION_HASH_LEN]);
    v
}

/// Reads saved nodes by reference.
pub trait Loader {
    /// The bytes saved under `reference`.
    fn load(&mut self, reference: &[u8]) -> Result<Vec<u8>, ManifestError>;
}

/// Saves nodes and draws obfuscation keys.
pub trait Saver {
    /// Saves `data` as a file; returns its reference.
    fn save(&mut self, data: &[u8]) -> Result<Vec<u8>, ManifestError>;
    /// A fresh obfuscation key, for nodes that have none.
    fn obfuscation_key(&mut self) -> Result<[u8; KEY_LEN], ManifestError>;
}

/// A loader for tries entirely in memory: any load fails.
pub struct NoLoader;

impl Loader for NoLoader {
    fn load(&mut self, reference: &[u8]) -> Result<Vec<u8>, ManifestError> {
        Err(ManifestError::NotFound {
            path: hex::encode(reference),
        })
    }
}

/// A mantaray node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    node_type: u8,
    ref_bytes_size: usize,
    obfuscation_key: Option<[u8; KEY_LEN]>,
    reference: Option<Vec<u8>>,
    entry: Vec<u8>,
    metadata: Metadata,
    /// `None`: not loaded yet (known by reference only).
    forks: Option<BTreeMap<u8, Fork>>,
}

/// A fork: the non-branching part of a path, and the node it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    /// Path bytes from the parent to the child.
    pub prefix: Vec<u8>,
    /// The child.
    pub node: Node,
}

fn lossy(path: &[u8]) -> String {
    go_lossy(path)
}

fn not_found(path: &[u8]) -> ManifestError {
    ManifestError::NotFound { path: lossy(path) }
}

impl Node {
    /// An empty in-memory trie.
    pub fn new() -> Node {
        Node {
            forks: Some(BTreeMap::new()),
            ..Node::default()
        }
    }

    /// A trie known by its saved reference, loaded as it is read.
    pub fn from_reference(reference: &[u8]) -> Node {
        Node {
            reference: Some(reference.to_vec()),
            ..Node::default()
        }
    }

    /// Sets the obfuscation key, which new nodes below inherit (bee: zero for unencrypted uploads).
    pub fn set_obfuscation_key(&mut self, key: [u8; KEY_LEN]) {
        self.obfuscation_key = Some(key);
    }

    /// Type bits.
    pub fn node_type(&self) -> u8 {
        self.node_type
    }
    /// Whether the node holds an entry.
    pub fn is_value(&self) -> bool {
        self.node_type & TYPE_VALUE != 0
    }
    /// Whether the node has forks.
    pub fn is_edge(&self) -> bool {
        self.node_type & TYPE_EDGE != 0
    }
    /// Whether the node carries metadata.
    pub fn has_metadata(&self) -> bool {
        self.node_type & TYPE_METADATA != 0
    }
    /// The saved reference, if saved or known by reference.
    pub fn reference(&self) -> Option<&[u8]> {
        self.reference.as_deref()
    }
    /// The entry (a file reference; empty for directories and the root `/` entry).
    pub fn entry(&self) -> &[u8] {
        &self.entry
    }
    /// The metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    /// The forks, if loaded.
    pub fn forks(&self) -> Option<&BTreeMap<u8, Fork>> {
        self.forks.as_ref()
    }

    fn update_path_separator(&mut self, path: &[u8]) {
        // bee: bytes.IndexRune(path, '/') > 0, so a leading '/' does not count.
        if path.iter().position(|&b| b == b'/').is_some_and(|i| i > 0) {
            self.node_type |= TYPE_PATH_SEPARATOR;
        } else {
            self.node_type &= !TYPE_PATH_SEPARATOR;
        }
    }

    fn child(&self) -> Node {
        Node {
            obfuscation_key: self.obfuscation_key,
            ref_bytes_size: self.ref_bytes_size,
            ..Node::new()
        }
    }

    fn ensure_loaded(&mut self, l: &mut dyn Loader) -> Result<(), ManifestError> {
        if self.forks.is_some() {
            return Ok(());
        }
        let Some(reference) = self.reference.clone() else {
            // bee: a node with neither forks nor reference loads as nothing.
            self.forks = Some(BTreeMap::new());
            return Ok(());
        };
        let data = l.load(&reference)?;
        self.unmarshal(&data)
            .map_err(|source| ManifestError::Decode {
                node: hex::encode(&reference),
                source,
            })
    }

    /// Adds `entry` with `metadata` at `path`, exactly as bee's `Node.Add`.
    pub fn add(
        &mut self,
        path: &[u8],
        entry: &[u8],
        metadata: &Metadata,
        l: &mut dyn Loader,
    ) -> Result<(), ManifestError> {
        if path.len() > MAX_ADD_PATH {
            return Err(ManifestError::PathTooLong {
                len: path.len(),
                max: MAX_ADD_PATH,
            });
        }
        if self.ref_bytes_size == 0 {
            if entry.len() > 256 {
                return Err(ManifestError::EntrySize {
                    path: lossy(path),
                    len: entry.len(),
                    expected: 256,
                });
            }
            if !entry.is_empty() {
                self.ref_bytes_size = entry.len();
            }
        } else if !entry.is_empty() && self.ref_bytes_size != entry.len() {
            return Err(ManifestError::EntrySize {
                path: lossy(path),
                len: entry.len(),
                expected: self.ref_bytes_size,
            });
        }
        let Some(&first) = path.first() else {
            self.entry = entry.to_vec();
            self.node_type |= TYPE_VALUE;
            if !metadata.is_empty() {
                self.metadata = metadata.clone();
                self.node_type |= TYPE_METADATA;
            }
            self.reference = None;
            return Ok(());
        };
        if self.forks.is_none() {
            self.ensure_loaded(l)?;
            self.reference = None;
        }
        let existing = self.forks.as_mut().and_then(|f| f.remove(&first));
        let fork = match existing {
            None => {
                let mut nn = self.child();
                if path.len() > PREFIX_MAX {
                    let (prefix, rest) = path.split_at(PREFIX_MAX);
                    nn.add(rest, entry, metadata, l)?;
                    nn.update_path_separator(prefix);
                    Fork {
                        prefix: prefix.to_vec(),
                        node: nn,
                    }
                } else {
                    nn.entry = entry.to_vec();
                    if !metadata.is_empty() {
                        nn.metadata = metadata.clone();
                        nn.node_type |= TYPE_METADATA;
                    }
                    nn.node_type |= TYPE_VALUE;
                    nn.update_path_separator(path);
                    Fork {
                        prefix: path.to_vec(),
                        node: nn,
                    }
                }
            }
            Some(f) => {
                let c = f
                    .prefix
                    .iter()
                    .zip(path)
                    .take_while(|(a, b)| a == b)
                    .count();
                let rest = f.prefix[c..].to_vec();
                let mut nn = if let Some(&r0) = rest.first() {
                    let mut nn = self.child();
                    let mut old = f.node;
                    old.update_path_separator(&rest);
                    nn.forks_mut().insert(
                        r0,
                        Fork {
                            prefix: rest,
                            node: old,
                        },
                    );
                    nn.node_type |= TYPE_EDGE;
                    if path.len() == c {
                        nn.node_type |= TYPE_VALUE;
                    }
                    nn
                } else {
                    f.node
                };
                nn.update_path_separator(path);
                nn.add(&path[c..], entry, metadata, l)?;
                Fork {
                    prefix: path[..c].to_vec(),
                    node: nn,
                }
            }
        };
        self.forks_mut().insert(first, fork);
        self.node_type |= TYPE_EDGE;
        Ok(())
    }

    fn forks_mut(&mut self) -> &mut BTreeMap<u8, Fork> {
        self.forks.get_or_insert_with(BTreeMap::new)
    }

    /// The node at `path` (bee's `LookupNode`): loads nodes on the way.
    pub fn lookup_node(
        &mut self,
        path: &[u8],
        l: &mut dyn Loader,
    ) -> Result<&mut Node, ManifestError> {
        let full = path;
        let mut node = self;
        let mut path = path;
        loop {
            node.ensure_loaded(l)?;
            let Some(&first) = path.first() else {
                return Ok(node);
            };
            let Some(f) = node.forks.as_mut().and_then(|f| f.get_mut(&first)) else {
                return Err(not_found(full));
            };
            if !path.starts_with(&f.prefix) {
                return Err(not_found(full));
            }
            path = &path[f.prefix.len()..];
            node = &mut f.node;
        }
    }

    /// The entry and metadata at `path` if a value is there (bee's manifest `Lookup`).
    pub fn lookup(
        &mut self,
        path: &[u8],
        l: &mut dyn Loader,
    ) -> Result<(Vec<u8>, Metadata), ManifestError> {
        let node = self.lookup_node(path, l)?;
        if !node.is_value() {
            return Err(not_found(path));
        }
        Ok((node.entry.clone(), node.metadata.clone()))
    }

    /// Whether any path starts with `path` (bee's `HasPrefix`).
    pub fn has_prefix(&mut self, path: &[u8], l: &mut dyn Loader) -> Result<bool, ManifestError> {
        let mut node = self;
        let mut path = path;
        loop {
            node.ensure_loaded(l)?;
            let Some(&first) = path.first() else {
                return Ok(true);
            };
            let Some(f) = node.forks.as_mut().and_then(|f| f.get_mut(&first)) else {
                return Ok(false);
            };
            if !path.starts_with(&f.prefix) {
                return Ok(f.prefix.starts_with(path));
            }
            path = &path[f.prefix.len()..];
            node = &mut f.node;
        }
    }

    /// Saves every unsaved node, children first (bee's `Save`); returns the root's reference.
    pub fn save(&mut self, s: &mut dyn Saver) -> Result<Vec<u8>, ManifestError> {
        if let Some(r) = &self.reference {
            return Ok(r.clone());
        }
        if let Some(forks) = self.forks.as_mut() {
            for f in forks.values_mut() {
                f.node.save(s)?;
            }
        }
        let key = match self.obfuscation_key {
            Some(k) => k,
            None => {
                let k = s.obfuscation_key()?;
                self.obfuscation_key = Some(k);
                k
            }
        };
        let bytes = self.marshal(key)?;
        let r = s.save(&bytes)?;
        self.reference = Some(r.clone());
        Ok(r)
    }

    /// The node's bytes (bee's `MarshalBinary`) under `key`; children must be saved.
    pub fn marshal(&mut self, key: [u8; KEY_LEN]) -> Result<Vec<u8>, ManifestError> {
        let forks = self.forks.as_ref().ok_or(ManifestError::NotLoaded)?;
        if self.ref_bytes_size == 0 {
            if !self.entry.is_empty() {
                self.ref_bytes_size = self.entry.len();
            } else if let Some(f) = forks
                .values()
                .find(|f| f.node.reference.as_ref().is_some_and(|r| !r.is_empty()))
            {
                self.ref_bytes_size = f.node.reference.as_ref().map_or(0, Vec::len);
            }
        }
        let mut out = Vec::with_capacity(HEADER_LEN + self.ref_bytes_size + 32 + forks.len() * 96);
        out.extend_from_slice(&key);
        out.extend_from_slice(&version_hash("mantaray:0.2"));
        // bee writes the width as a uint8 (256 wraps to 0).
        out.push(self.ref_bytes_size as u8);
        let mut entry = vec![0u8; self.ref_bytes_size];
        let n = entry.len().min(self.entry.len());
        entry[..n].copy_from_slice(&self.entry[..n]);
        out.extend_from_slice(&entry);
        let mut bitmap = [0u8; 32];
        for &b in forks.keys() {
            bitmap[usize::from(b / 8)] |= 1 << (b % 8);
        }
        out.extend_from_slice(&bitmap);
        for f in forks.values() {
            let r = f.node.reference.as_deref().unwrap_or_default();
            if r.len() > 256 {
                return Err(ManifestError::EntrySize {
                    path: lossy(&f.prefix),
                    len: r.len(),
                    expected: 256,
                });
            }
            out.push(f.node.node_type);
            out.push(f.prefix.len() as u8);
            let mut prefix = [0u8; PREFIX_MAX];
            prefix[..f.prefix.len()].copy_from_slice(&f.prefix);
            out.extend_from_slice(&prefix);
            out.extend_from_slice(r);
            if f.node.has_metadata() {
                let mut m = json::encode(&f.node.metadata);
                let with_size = m.len() + 2;
                // bee pads to a multiple of 32 with '\n', adding a whole 32 when already aligned
                // above 32.
                let pad = match with_size.cmp(&KEY_LEN) {
                    std::cmp::Ordering::Less => KEY_LEN - with_size,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => KEY_LEN - with_size % KEY_LEN,
                };
                m.resize(m.len() + pad, b'\n');
                let len = u16::try_from(m.len()).map_err(|_| ManifestError::MetadataTooLarge {
                    path: lossy(&f.prefix),
                    len: m.len(),
                })?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&m);
            }
        }
        for (i, b) in out.iter_mut().enumerate().skip(KEY_LEN) {
            *b ^= key[i % KEY_LEN];
        }
        Ok(out)
    }

    /// Reads a node's bytes into this node (bee's `UnmarshalBinary`): its key, entry and forks (each
    /// child known by reference, with the type and metadata its fork carries). The node's own type
    /// and metadata come from its parent's fork and are kept; a node with forks becomes an edge.
    pub fn unmarshal(&mut self, data: &[u8]) -> Result<(), DecodeError> {
        if data.len() < HEADER_LEN {
            return Err(DecodeError::TooShort { len: data.len() });
        }
        let mut key = [0u8; KEY_LEN];
        key.copy_from_slice(&data[..KEY_LEN]);
        let data: Vec<u8> = data
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if i < KEY_LEN {
                    *b
                } else {
                    b ^ key[i % KEY_LEN]
                }
            })
            .collect();
        let hash = &data[KEY_LEN..KEY_LEN + VERSION_HASH_LEN];
        let v02 = if hash == version_hash("mantaray:0.2") {
            true
        } else if hash == version_hash("mantaray:0.1") {
            false
        } else {
            return Err(DecodeError::UnknownVersion {
                hash: hex::encode(hash),
            });
        };
        let width = usize::from(data[HEADER_LEN - 1]);
        let truncated = |field, fork| DecodeError::Truncated { field, fork };
        let entry = data
            .get(HEADER_LEN..HEADER_LEN + width)
            .ok_or(truncated("entry", None))?;
        let mut offset = HEADER_LEN + width;
        let bitmap = data
            .get(offset..offset + 32)
            .ok_or(truncated("fork bitmap", None))?;
        let mut bits = [0u8; 32];
        bits.copy_from_slice(bitmap);
        offset += 32;
        if v02 && bits != [0u8; 32] {
            self.node_type |= TYPE_EDGE;
        }
        self.obfuscation_key = Some(key);
        self.entry = entry.to_vec();
        let mut forks = BTreeMap::new();
        for b in 0..=255u8 {
            if bits[usize::from(b / 8)] >> (b % 8) & 1 == 0 {
                continue;
            }
            if v02 && width == 0 {
                // bee 0.2 reads no forks when the entry width is 0.
                break;
            }
            let fork = Some(b);
            let typ = *data.get(offset).ok_or(truncated("fork type", fork))?;
            let fixed = FORK_PRE_REFERENCE + width;
            let body = data
                .get(offset..offset + fixed)
                .ok_or(truncated("fork", fork))?;
            let prefix_len = body[1];
            if prefix_len == 0 || usize::from(prefix_len) > PREFIX_MAX {
                return Err(DecodeError::PrefixLength {
                    fork: b,
                    len: prefix_len,
                });
            }
            let mut child = Node::from_reference(&body[FORK_PRE_REFERENCE..]);
            child.node_type = typ;
            let prefix = body[2..2 + usize::from(prefix_len)].to_vec();
            let mut size = fixed;
            if v02 && typ & TYPE_METADATA != 0 {
                let len_bytes = data
                    .get(offset + fixed..offset + fixed + 2)
                    .ok_or(truncated("fork metadata length", fork))?;
                let m_len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
                size += 2 + m_len;
                let m = data
                    .get(offset + fixed + 2..offset + size)
                    .ok_or(truncated("fork metadata", fork))?;
                if m_len > 0 {
                    child.metadata = json::decode(m)
                        .map_err(|message| DecodeError::Metadata { fork: b, message })?;
                }
            }
            forks.insert(
                b,
                Fork {
                    prefix,
                    node: child,
                },
            );
            offset += size;
        }
        self.forks = Some(forks);
        Ok(())
    }
}

/// Budgets of one [`walk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkLimits {
    /// Nodes visited.
    pub max_nodes: u64,
    /// Bytes of nodes loaded.
    pub max_bytes: u64,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            max_nodes: 1 << 20,
            max_bytes: 1 << 30,
        }
    }
}

/// A loader that counts the bytes it loads against a budget.
struct Counting<'a> {
    inner: &'a mut dyn Loader,
    loaded: u64,
    max: u64,
    at: Vec<u8>,
}

impl Loader for Counting<'_> {
    fn load(&mut self, reference: &[u8]) -> Result<Vec<u8>, ManifestError> {
        let data = self.inner.load(reference)?;
        self.loaded += data.len() as u64;
        if self.loaded > self.max {
            return Err(ManifestError::WalkLimit {
                path: lossy(&self.at),
                what: "bytes loaded",
                limit: self.max,
            });
        }
        Ok(data)
    }
}

/// What [`walk`] calls for each node: its full path and the node.
pub type Visit<'a> = dyn FnMut(&[u8], &Node) -> Result<(), ManifestError> + 'a;

/// Visits every node under `root` depth first, forks in byte order, each with its full path, as
/// bee's `WalkNode` (from the root). Loads nodes as it goes; stops with an error at the first load
/// or decode failure, or when `limits` are exceeded. The node given to `visit` has its forks loaded.
pub fn walk(
    root: Node,
    l: &mut dyn Loader,
    limits: WalkLimits,
    visit: &mut Visit<'_>,
) -> Result<(), ManifestError> {
    let mut counting = Counting {
        inner: l,
        loaded: 0,
        max: limits.max_bytes,
        at: Vec::new(),
    };
    let mut path: Vec<u8> = Vec::new();
    // (length of the parent's path, prefix, node): the parent is always on the current path.
    let mut stack: Vec<(usize, Vec<u8>, Node)> = vec![(0, Vec::new(), root)];
    let mut visited = 0u64;
    while let Some((parent_len, prefix, mut node)) = stack.pop() {
        path.truncate(parent_len);
        path.extend_from_slice(&prefix);
        visited += 1;
        if visited > limits.max_nodes {
            return Err(ManifestError::WalkLimit {
                path: lossy(&path),
                what: "nodes",
                limit: limits.max_nodes,
            });
        }
        counting.at.clone_from(&path);
        node.ensure_loaded(&mut counting)?;
        visit(&path, &node)?;
        if let Some(forks) = node.forks.take() {
            for (_, f) in forks.into_iter().rev() {
                stack.push((path.len(), f.prefix, f.node));
            }
        }
    }
    Ok(())
}
