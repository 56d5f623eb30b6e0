//! Target `manifest`: mantaray nodes from an adversarial store.
//!
//! The input is a program of blobs saved as files (level none) into a [`MemStore`], in order, so that
//! each gets a real reference; a blob may be patched with the references of blobs saved before it
//! (XORed with its own obfuscation key, so that they decode as fork references), which builds deep
//! chains and nodes shared many times over (a walk over them is exponential without a budget). The
//! last blob is the root. Then: every blob is decoded on its own, the root is walked with a small
//! budget, and paths from the input are looked up and prefix-tested.
//!
//! Nothing may panic. Work is bounded by the walk's budget ([`LIMITS`]) and, for lookups, by the path
//! length (each step descends at least one path byte). Oracle: a walk never visits more than
//! `LIMITS.max_nodes` nodes. Then each path is added to a copy of the root loaded by reference.
//!
//! Input: `n:u8` blobs, each `len:u16 data[len % 8192] patches:u8 (offset:u16 back:u8)*` (`back`
//! counts back from the newest blob saved, 0 the one just before); then `k:u8` paths, each
//! `len:u8 bytes`.

use super::input::{Input, Output};
use crate::file::splitter::StoreSink;
use crate::file::{split_bytes, JoinOptions, SplitOptions};
use crate::manifest::node::{self, Node, WalkLimits};
use crate::manifest::{self, ManifestError, NoLoader, StoreLoadSaver};
use crate::store::MemStore;

/// The walk's budget.
pub const LIMITS: WalkLimits = WalkLimits {
    max_nodes: 2048,
    max_bytes: 4 << 20,
};
/// Blobs read from one input.
pub const MAX_BLOBS: usize = 32;

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let store = MemStore::new();
    let mut refs: Vec<Vec<u8>> = Vec::new();
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    let n = usize::from(input.u8()) % (MAX_BLOBS + 1);
    for _ in 0..n {
        let len = usize::from(input.u16()) % 8192;
        let mut blob = input.bytes(len).to_vec();
        let patches = input.u8();
        for _ in 0..patches {
            let offset = usize::from(input.u16());
            let target = usize::from(input.u8());
            if refs.is_empty() || blob.len() <= node::KEY_LEN + 32 {
                continue;
            }
            let r = &refs[refs.len() - 1 - target % refs.len()];
            let at = node::KEY_LEN + offset % (blob.len() - node::KEY_LEN - 31);
            for (i, b) in r.iter().enumerate() {
                blob[at + i] = b ^ blob[(at + i) % node::KEY_LEN];
            }
        }
        let Ok(summary) = split_bytes(&blob, &mut StoreSink(&store), SplitOptions::default(), None)
        else {
            return;
        };
        refs.push(summary.reference.to_bytes());
        blobs.push(blob);
    }
    for b in &blobs {
        let _ = Node::default().unmarshal(b);
    }
    let Some(root) = refs.last().cloned() else {
        return;
    };
    let mut reader = StoreLoadSaver::reader(&store, JoinOptions::default());
    let mut visited = 0u64;
    let _ = manifest::walk(
        Node::from_reference(&root),
        &mut reader,
        LIMITS,
        &mut |_, _| {
            visited += 1;
            Ok(())
        },
    );
    assert!(visited <= LIMITS.max_nodes, "walk visited {visited} nodes");
    let mut m = Node::from_reference(&root);
    let k = input.u8() % 16;
    for _ in 0..k {
        let len = usize::from(input.u8());
        let path = input.bytes(len).to_vec();
        let _ = m.lookup(&path, &mut reader);
        let _ = m.has_prefix(&path, &mut reader);
        let mut fresh = Node::from_reference(&root);
        if let Err(ManifestError::NotFound { .. }) | Ok(()) =
            fresh.add(&path, &[7; 32], &Default::default(), &mut reader)
        {
            let _ = fresh.add(&path, &[], &Default::default(), &mut NoLoader);
        }
    }
}

fn blob(out: &mut Output, data: &[u8], patches: &[(u16, u8)]) {
    out.u16(data.len() as u16);
    out.bytes(data);
    out.u8(patches.len() as u8);
    for &(o, t) in patches {
        out.u16(o).u8(t);
    }
}

/// A saver that records blobs (the harness saves them again, getting the same references).
struct Record(Vec<Vec<u8>>, MemStore);

impl manifest::Saver for Record {
    fn save(&mut self, data: &[u8]) -> Result<Vec<u8>, ManifestError> {
        self.0.push(data.to_vec());
        let s = split_bytes(data, &mut StoreSink(&self.1), SplitOptions::default(), None)?;
        Ok(s.reference.to_bytes())
    }
    fn obfuscation_key(&mut self) -> Result<[u8; 32], ManifestError> {
        Ok([0x5a; 32])
    }
}

fn program(mut trie: Node, paths: &[&[u8]]) -> Vec<u8> {
    let mut rec = Record(Vec::new(), MemStore::new());
    trie.save(&mut rec).expect("seed trie saves");
    let mut out = Output::new();
    out.u8(rec.0.len() as u8);
    for b in &rec.0 {
        blob(&mut out, b, &[]);
    }
    out.u8(paths.len() as u8);
    for p in paths {
        out.u8(p.len() as u8);
        out.bytes(p);
    }
    out.finish()
}

/// Generated seeds.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let file = manifest::single_file(&[1; 32], "hello.txt", "text/plain", false).expect("seed");
    seeds.push((
        "single-file".into(),
        program(file, &[b"hello.txt", b"/", b"hell", b""]),
    ));
    let files: Vec<manifest::CollectionFile> = [
        &b"index.html"[..],
        b"a/b/c.txt",
        b"a/b/d.txt",
        b"a/bb",
        b"long/long/long/long/long/long/long/long/name.txt",
    ]
    .iter()
    .map(|p| manifest::CollectionFile {
        path: p.to_vec(),
        reference: vec![2; 32],
        content_type: String::new(),
    })
    .collect();
    let site =
        manifest::collection(&files, Some("index.html"), Some("404.html"), false).expect("seed");
    seeds.push((
        "site".into(),
        program(
            site,
            &[
                b"a/b/c.txt",
                b"a/",
                b"long/long/long/long/long/long/long/",
                b"zz",
            ],
        ),
    ));
    let mut raw = Node::new();
    for p in [&b"x"[..], b"xy", b"xyz/w", b"/lead"] {
        raw.add(
            p,
            &[3; 32],
            &[("k".to_string(), "v".to_string())].into(),
            &mut NoLoader,
        )
        .expect("seed");
    }
    seeds.push(("obfuscated".into(), program(raw, &[b"xyz/w", b"xy"])));

    // A chain of nodes, each with four forks to the node before it: 4^12 paths from 13 blobs.
    let mut out = Output::new();
    out.u8(13);
    let mut leaf = vec![0u8; 64 + 32 + 32];
    leaf[32..63].copy_from_slice(&crate::keccak::keccak256(b"mantaray:0.2")[..31]);
    leaf[63] = 32;
    blob(&mut out, &leaf, &[]);
    for _ in 0..12 {
        let mut n = leaf.clone();
        let mut patches = Vec::new();
        for (i, c) in b"abcd".iter().enumerate() {
            n[96 + usize::from(c / 8)] |= 1 << (c % 8);
            let mut fork = vec![0u8; 64];
            fork[0] = node::TYPE_EDGE | node::TYPE_VALUE;
            fork[1] = 1;
            fork[2] = *c;
            n.extend_from_slice(&fork);
            let at = 128 + i * 64 + 32;
            patches.push(((at - 32) as u16, 0u8));
        }
        blob(&mut out, &n, &patches);
    }
    out.u8(2);
    out.u8(4).bytes(b"abca");
    out.u8(13).bytes(b"abcdabcdabcda");
    seeds.push(("shared-chain".into(), out.finish()));

    // Malformed nodes: short, unknown version, a fork running past the end, a bad prefix length.
    let mut out = Output::new();
    out.u8(4);
    blob(&mut out, &[0; 10], &[]);
    blob(&mut out, &[1; 200], &[]);
    let mut past = leaf.clone();
    past[96] = 1;
    blob(&mut out, &past, &[]);
    let mut prefix = leaf.clone();
    prefix[96] = 1;
    prefix.extend_from_slice(&[0u8; 64]);
    prefix[129] = 31;
    blob(&mut out, &prefix, &[]);
    out.u8(1).u8(1).bytes(b"\0");
    seeds.push(("malformed".into(), out.finish()));
    seeds
}
