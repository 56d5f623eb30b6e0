//! Target `joiner`: the joiner and `inspect` over an adversarial store.
//!
//! The input is a small program that fills a [`MemStore`]: chunks stored under their real addresses
//! (so they pass verification) with spans of any level byte, reference counts that do not match the
//! span, encrypted (64-byte) references, consistent groups with real parities, real trees split by the
//! splitter, and damage to all of these (deleted, corrupted, misfiled chunks, replicas of a deleted
//! root). Then one chunk is the root: [`Joiner::open`], [`Joiner::read_all`] and
//! [`Joiner::read_range`] run with every [`Strategy`], and [`inspect`] walks the tree.
//!
//! Nothing may panic. Work is bounded: every operation gets [`GET_BUDGET`] chunk reads (a read past
//! it fails as a store error) and [`OUTPUT_LIMIT`] bytes of output. Two oracles hold whatever else the
//! input did, because chunks are checked against their addresses: a read of a real tree that succeeds
//! gives exactly the file's bytes, and a real tree none of whose chunks was damaged is read whole by
//! every strategy and inspected without missing chunks.
//!
//! Input: a header (root choice, option flags, origin byte, range offset and length), then
//! operations, each a tag byte and its fields (see [`run`]); [`seeds`] writes examples.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::input::{Input, Output};
use crate::address::Address;
use crate::cac::{Chunk, MAX_DATA, MAX_PAYLOAD};
use crate::encryption::{self, BeeRand, Key};
use crate::file::inspect::inspect;
use crate::file::splitter::ChunkSink;
use crate::file::{split_bytes, JoinError, JoinOptions, Joiner, SplitOptions, Strategy};
use crate::redundancy::{codec, table, Level};
use crate::reference::Reference;
use crate::replicas;
use crate::span;
use crate::store::{ChunkStore, MemStore, StoreError};

/// Chunk reads allowed to one operation (open + read, a range read, an inspection).
pub const GET_BUDGET: i64 = 2048;
/// Bytes one read may write.
pub const OUTPUT_LIMIT: usize = 1 << 20;
/// Operations read from one input.
pub const MAX_OPS: usize = 64;
/// Chunks the operations may create.
pub const MAX_BUILT: usize = 512;
/// Sizes of the real files an input can split (up to two levels of intermediate chunks).
pub const TREE_SIZES: [usize; 7] = [1, 4096, 4097, 9000, 70_000, 300_000, 600_000];

/// Operation tags (the tag byte is taken modulo their number).
pub mod op {
    /// `len:u16` then `8 + len % 4097` bytes of chunk data, stored as they are.
    pub const RAW: u8 = 0;
    /// `len:u16 span_mode:u8 span_value:u64 level_byte:u8` then `len % 4097` payload bytes.
    pub const LEAF: u8 = 1;
    /// `span_mode:u8 span_value:u64 level_byte:u8 drop_keys:u8 n:u8 child*n p:u8 child*(p % 64)`;
    /// a child is a byte counted back from the newest chunk, or `0xf8..=0xfb` then a 32-byte
    /// address, or `0xfc..=0xff` then a 64-byte reference.
    pub const NODE: u8 = 2;
    /// `level:u8 encrypt:u8 k:u8 child*k seed:u64`: an intermediate chunk whose span, references and
    /// parities are consistent (parities really encoded), encrypted if asked.
    pub const GROUP: u8 = 3;
    /// `child:u8 seed:u64`: that chunk encrypted (with keys from `seed`).
    pub const ENCRYPT: u8 = 4;
    /// `size:u8 level:u8 encrypt:u8`: a real file of `TREE_SIZES[size % 7]` bytes split into the store.
    pub const TREE: u8 = 5;
    /// `pick:u16`: removes the stored chunk at that position in address order.
    pub const DELETE: u8 = 6;
    /// `pick:u16 mode:u8 pos:u16 xor:u8`: flips a byte of (even) or truncates (odd mode) a stored chunk.
    pub const CORRUPT: u8 = 7;
    /// `from:u8 to:u8`: stores one chunk's data under another's address.
    pub const MISFILE: u8 = 8;
    /// `child:u8 level:u8`: stores the dispersed replicas of that chunk.
    pub const REPLICAS: u8 = 9;
    /// `child:u8`: removes that chunk.
    pub const REMOVE: u8 = 10;
    /// `child:u8`: stores that chunk's data zero-padded to 4104 bytes (same address: still valid).
    pub const PAD: u8 = 11;
    /// Number of tags.
    pub const COUNT: u8 = 12;
}

/// A real file and every chunk its split wrote.
struct Tree {
    data: Vec<u8>,
    reference: Reference,
    chunks: Vec<Chunk>,
}

struct Collect(Vec<Chunk>);

impl ChunkSink for Collect {
    fn accept(&mut self, chunks: Vec<Chunk>) -> Result<(), StoreError> {
        self.0.extend(chunks);
        Ok(())
    }
}

/// The real tree of size `TREE_SIZES[size]`, split once per process.
fn tree(size: usize, level: Level, encrypt: bool) -> Arc<Tree> {
    type Cache = Mutex<HashMap<(usize, Level, bool), Arc<Tree>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (size, level, encrypt);
    if let Some(t) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Arc::clone(t);
    }
    let data: Vec<u8> = (0..TREE_SIZES[size]).map(|i| (i % 255) as u8).collect();
    let mut sink = Collect(Vec::new());
    let mut rng = BeeRand::new(1);
    let rng: Option<&mut dyn encryption::RandomSource> = encrypt.then_some(&mut rng);
    let summary = split_bytes(&data, &mut sink, SplitOptions { level, encrypt }, rng)
        .expect("splitting into memory cannot fail");
    let t = Arc::new(Tree {
        data,
        reference: summary.reference,
        chunks: sink.0,
    });
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, Arc::clone(&t));
    t
}

/// A chunk the program made: what a parent needs to point at it.
#[derive(Clone)]
struct Built {
    address: Address,
    /// Stored data (ciphertext when encrypted).
    data: Vec<u8>,
    key: Option<Key>,
    /// File bytes it claims to cover.
    span: u64,
    tree: Option<Arc<Tree>>,
}

impl Built {
    fn reference(&self) -> Reference {
        Reference {
            address: self.address,
            key: self.key,
        }
    }
}

/// A store that fails every read past a budget: the work bound of one operation.
struct Budgeted<'a> {
    inner: &'a MemStore,
    left: AtomicI64,
}

impl Budgeted<'_> {
    fn reset(&self) {
        self.left.store(GET_BUDGET, Ordering::SeqCst);
    }
    fn spent(&self) -> bool {
        self.left.load(Ordering::SeqCst) <= 0
    }
}

impl ChunkStore for Budgeted<'_> {
    crate::forward_chunk_store!(inner: put_batch, has, remove, remove_many, iterate);
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
        if self.left.fetch_sub(1, Ordering::SeqCst) <= 0 {
            return Err(StoreError::Backend {
                op: "get",
                address: Some(*address),
                message: "fuzz work budget spent".into(),
            });
        }
        self.inner.get(address)
    }
}

/// Output that refuses to grow past [`OUTPUT_LIMIT`].
#[derive(Default)]
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.0.len() + buf.len() > OUTPUT_LIMIT {
            return Err(io::Error::other("fuzz output limit"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The store being filled, the chunks made, and whether anything was damaged.
struct Program {
    store: MemStore,
    built: Vec<Built>,
    damaged: bool,
    replicas_made: usize,
}

impl Program {
    /// A made chunk counted back from the newest (0 = newest).
    fn pick(&self, sel: u8) -> Option<&Built> {
        let n = self.built.len();
        (n > 0).then(|| &self.built[n - 1 - usize::from(sel) % n])
    }

    fn add(&mut self, data: Vec<u8>, key: Option<Key>, span: u64) -> Option<Address> {
        let chunk = Chunk::with_data_span(data).ok()?;
        self.store.put(&chunk).ok()?;
        if self.built.len() < MAX_BUILT {
            self.built.push(Built {
                address: chunk.address,
                data: chunk.data,
                key,
                span,
                tree: None,
            });
        }
        Some(chunk.address)
    }

    /// A plain chunk `span || payload` stored as is, or encrypted with keys from `seed`.
    fn add_node(&mut self, data: Vec<u8>, span: u64, encrypt: Option<u64>) {
        match encrypt {
            None => {
                self.add(data, None, span);
            }
            Some(seed) => {
                if let Ok((key, enc)) = encryption::encrypt_chunk(&data, &mut BeeRand::new(seed)) {
                    self.add(enc, Some(key), span);
                }
            }
        }
    }

    /// One child reference: a made chunk, or bytes from the input.
    fn child(&self, input: &mut Input<'_>, drop_key: bool) -> (Vec<u8>, u64) {
        let sel = input.u8();
        match sel {
            0xf8..=0xfb => (input.bytes_padded(32, 0), 0),
            0xfc..=0xff => (input.bytes_padded(64, 0), 0),
            _ => match self.pick(sel) {
                Some(b) => {
                    let mut r = b.address.0.to_vec();
                    if let (Some(k), false) = (b.key, drop_key) {
                        r.extend_from_slice(&k);
                    }
                    (r, b.span)
                }
                None => (vec![0; 32], 0),
            },
        }
    }

    fn step(&mut self, input: &mut Input<'_>) {
        match input.u8() % op::COUNT {
            op::RAW => {
                let n = 8 + usize::from(input.u16()) % (MAX_PAYLOAD + 1);
                let data = input.bytes_padded(n, 0);
                let span = span::decode(&span::of_data(&data)).1;
                self.add(data, None, span);
            }
            op::LEAF => {
                let n = usize::from(input.u16()) % (MAX_PAYLOAD + 1);
                let mode = input.u8();
                let value = input.u64();
                let level_byte = input.u8();
                let span = match mode % 3 {
                    0 => n as u64,
                    1 => value,
                    _ => n as u64 + (value & 0xff),
                };
                let mut data = span.to_le_bytes().to_vec();
                if level_byte != 0 {
                    data[7] = level_byte;
                }
                data.extend(input.bytes_padded(n, 0x5a));
                let span = span::decode(&span::of_data(&data)).1;
                self.add(data, None, span);
            }
            op::NODE => {
                let mode = input.u8();
                let value = input.u64();
                let level_byte = input.u8();
                let drop_keys = input.bool();
                let n = input.u8();
                let mut payload = Vec::new();
                let mut sum: u64 = 0;
                for _ in 0..n {
                    let (r, s) = self.child(input, drop_keys);
                    payload.extend(r);
                    sum = sum.saturating_add(s);
                }
                let p = input.u8() % 64;
                for _ in 0..p {
                    let (r, _) = self.child(input, true);
                    payload.extend(&r[..32]);
                }
                payload.truncate(MAX_PAYLOAD);
                let span = match mode % 4 {
                    0 => value,
                    1 => sum,
                    2 => 4096 * (value & 0xffff) + ((value >> 16) & 0xfff),
                    _ => sum.wrapping_add(value as i8 as u64),
                };
                let mut data = span.to_le_bytes().to_vec();
                if level_byte != 0 {
                    data[7] = level_byte;
                }
                data.extend(payload);
                let span = span::decode(&span::of_data(&data)).1;
                self.add(data, None, span);
            }
            op::GROUP => {
                let level = Level::from_u8(input.u8() % 5).unwrap_or(Level::None);
                let encrypt = input.bool();
                let max = table::max_shards(level, encrypt).max(1);
                let k = 1 + input.below(max);
                let children: Vec<Built> = (0..k)
                    .filter_map(|_| {
                        let sel = input.u8();
                        self.pick(sel).cloned()
                    })
                    .collect();
                let seed = input.u64();
                if children.is_empty() {
                    return;
                }
                let span = children.iter().fold(0u64, |s, c| s.saturating_add(c.span));
                let mut payload = Vec::new();
                for c in &children {
                    payload.extend_from_slice(&c.address.0);
                    if encrypt {
                        payload.extend_from_slice(&c.key.unwrap_or([0; 32]));
                    }
                }
                let parities = table::parities(level, encrypt, children.len());
                let shards: Vec<&[u8]> = children.iter().map(|c| c.data.as_slice()).collect();
                if let Ok(parity) = codec::encode(&shards, parities) {
                    for p in parity {
                        // Parities go to the store only, so that children count back simply.
                        if let Ok(c) = Chunk::with_data_span(p) {
                            if self.store.put(&c).is_ok() {
                                payload.extend_from_slice(&c.address.0);
                            }
                        }
                    }
                }
                payload.truncate(MAX_PAYLOAD);
                let mut data = span::encode(span.min(span::MAX_SPAN), level).to_vec();
                data.extend(payload);
                self.add_node(data, span, encrypt.then_some(seed));
            }
            op::ENCRYPT => {
                let sel = input.u8();
                let seed = input.u64();
                if let Some(b) = self.pick(sel).cloned() {
                    self.add_node(b.data, b.span, Some(seed));
                }
            }
            op::TREE => {
                let size = input.below(TREE_SIZES.len());
                let level = Level::from_u8(input.u8() % 5).unwrap_or(Level::None);
                let encrypt = input.bool();
                let t = tree(size, level, encrypt);
                // A store batch holds whole chunks; replicas are 4201 bytes, within the limit.
                let _ = self.store.put_batch(&t.chunks);
                let root = t.reference;
                let data = t
                    .chunks
                    .iter()
                    .find(|c| c.address == root.address)
                    .map(|c| c.data.clone())
                    .unwrap_or_default();
                if self.built.len() < MAX_BUILT {
                    self.built.push(Built {
                        address: root.address,
                        data,
                        key: root.key,
                        span: t.data.len() as u64,
                        tree: Some(Arc::clone(&t)),
                    });
                }
            }
            op::DELETE => {
                let pick = usize::from(input.u16());
                let all = self.store.addresses();
                if !all.is_empty() {
                    let _ = self.store.remove(&all[pick % all.len()]);
                    self.damaged = true;
                }
            }
            op::CORRUPT => {
                let pick = usize::from(input.u16());
                let mode = input.u8();
                let pos = usize::from(input.u16());
                let xor = input.u8() | 1;
                let all = self.store.addresses();
                if all.is_empty() {
                    return;
                }
                let address = all[pick % all.len()];
                let Ok(Some(mut data)) = self.store.get(&address) else {
                    return;
                };
                if data.is_empty() {
                    return;
                }
                if mode.is_multiple_of(2) {
                    let i = pos % data.len();
                    data[i] ^= xor;
                } else {
                    data.truncate(pos % data.len());
                }
                let _ = self.store.put(&Chunk { address, data });
                self.damaged = true;
            }
            op::MISFILE => {
                let (from, to) = (input.u8(), input.u8());
                if let (Some(f), Some(t)) = (self.pick(from), self.pick(to)) {
                    if f.address != t.address {
                        let chunk = Chunk {
                            address: t.address,
                            data: f.data.clone(),
                        };
                        let _ = self.store.put(&chunk);
                        self.damaged = true;
                    }
                }
            }
            op::REPLICAS => {
                let sel = input.u8();
                let level = Level::from_u8(1 + input.u8() % 4).unwrap_or(Level::Medium);
                // Signing is slow: a few sets per input.
                if self.replicas_made >= 2 {
                    return;
                }
                if let Some(b) = self.pick(sel) {
                    if let Ok(made) = replicas::make_replicas(&b.address, &b.data, level) {
                        let _ = self.store.put_batch(&made);
                        self.replicas_made += 1;
                    }
                }
            }
            op::REMOVE => {
                let sel = input.u8();
                if let Some(b) = self.pick(sel) {
                    let address = b.address;
                    let _ = self.store.remove(&address);
                    self.damaged = true;
                }
            }
            _ => {
                // op::PAD
                let sel = input.u8();
                if let Some(b) = self.pick(sel) {
                    let mut data = b.data.clone();
                    data.resize(MAX_DATA, 0);
                    let chunk = Chunk {
                        address: b.address,
                        data,
                    };
                    let _ = self.store.put(&chunk);
                }
            }
        }
    }
}

fn check_bytes(what: &str, tree: &Tree, offset: u64, got: &[u8]) {
    let start = offset as usize;
    let want = &tree.data[start..start + got.len()];
    assert!(
        got == want,
        "{what} of a real tree ({} bytes, {}) gave wrong bytes at offset {offset} ({} bytes)",
        tree.data.len(),
        tree.reference,
        got.len()
    );
}

/// Runs one input; panics on a bug.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let root_sel = input.u8();
    let flags = input.u8();
    let origin = input.u8();
    let offset = input.u64();
    let length = input.u64();
    let mut p = Program {
        store: MemStore::new(),
        built: Vec::new(),
        damaged: false,
        replicas_made: 0,
    };
    let mut ops = 0;
    while !input.is_empty() && ops < MAX_OPS {
        p.step(&mut input);
        ops += 1;
    }
    let root = p.pick(root_sel).cloned();
    let reference = root
        .as_ref()
        .map_or(Reference::plain(Address::ZERO), Built::reference);
    let real = root.as_ref().and_then(|b| b.tree.clone());
    // Pristine: a real tree with nothing damaged must read back whole.
    let pristine = real.is_some() && !p.damaged;
    let store = Budgeted {
        inner: &p.store,
        left: AtomicI64::new(GET_BUDGET),
    };
    for strategy in Strategy::ALL {
        let options = join_options(flags, origin, strategy);
        store.reset();
        let outcome = Joiner::open(&store, &reference, options).and_then(|joiner| {
            let size = joiner.size();
            let mut out = Capped::default();
            let n = joiner.read_all(&mut out)?;
            assert_eq!(n, size, "read_all returned another count than the size");
            assert_eq!(
                out.0.len() as u64,
                n,
                "read_all wrote another count than it returned"
            );
            if let Some(t) = &real {
                assert_eq!(
                    size,
                    t.data.len() as u64,
                    "real tree opened with a wrong size"
                );
                check_bytes("read_all", t, 0, &out.0);
            }
            store.reset();
            let from = if size == 0 {
                offset % 2
            } else {
                offset % (size + 2)
            };
            let mut out = Capped::default();
            // Mostly short ranges: the whole file was just read.
            let length = if flags & 0x80 == 0x80 {
                length % (2 * size + 2)
            } else {
                length % (1 << 16)
            };
            match joiner.read_range(from, length, &mut out) {
                Ok(n) => {
                    assert!(
                        from <= size,
                        "read_range accepted offset {from} past {size}"
                    );
                    assert_eq!(out.0.len() as u64, n, "read_range count");
                    assert!(n <= length && from + n <= size, "read_range overran");
                    if let Some(t) = &real {
                        check_bytes("read_range", t, from, &out.0);
                    }
                }
                Err(JoinError::OutOfRange { .. }) => assert!(from > size),
                Err(e) => return Err(e),
            }
            Ok(())
        });
        if let Err(e) = outcome {
            let message = e.to_string();
            let spent = matches!(e, JoinError::Store(_)) && store.spent();
            assert!(
                !pristine || spent,
                "{strategy}: an undamaged real tree failed: {message}"
            );
        }
    }
    // One inspection (its strategy matters only to rebuild lost intermediate chunks).
    let options = JoinOptions {
        strategy: Strategy::ALL[usize::from(flags >> 5) % 4],
        ..join_options(flags, origin, Strategy::Data)
    };
    store.reset();
    match inspect(&store, &reference, options) {
        Ok(inspection) => {
            if pristine && !store.spent() {
                assert!(
                    inspection.missing.is_empty(),
                    "inspect reports missing chunks of an undamaged tree"
                );
            }
            let _ = serde_json::to_string(&inspection);
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                !pristine || store.spent(),
                "inspect failed on an undamaged real tree: {message}"
            );
        }
    }
}

fn join_options(flags: u8, origin: u8, strategy: Strategy) -> JoinOptions {
    JoinOptions {
        strategy,
        fallback: flags & 1 == 1,
        write_back: flags & 2 == 2,
        replica_level: Level::from_u8((flags >> 2) % 8 % 5).unwrap_or(Level::None),
        origin: Address([origin; 32]),
    }
}

/// Writes the header: root counted back from the newest chunk, flags (bit 0 fallback, bit 1 write
/// back, bits 2-4 the replica level, bits 5-6 the strategy of the inspection, bit 7 long ranges),
/// origin byte, range offset and length.
pub fn header(out: &mut Output, root: u8, flags: u8, origin: u8, offset: u64, length: u64) {
    out.u8(root).u8(flags).u8(origin).u64(offset).u64(length);
}

/// Seed inputs: real trees intact and damaged, replicas, and the hostile shapes the joiner must bound.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let fallback = 1 | 2 | (4 << 2) | (1 << 5) | 0x80;
    // Real trees of every size and level, intact.
    for (size, _) in TREE_SIZES.iter().enumerate() {
        for level in 0..5u8 {
            for encrypt in 0..2u8 {
                if size >= 5 && level % 2 == 1 {
                    continue;
                }
                let mut o = Output::new();
                header(&mut o, 0, fallback, 0x55, 4000, 9000);
                o.u8(op::TREE).u8(size as u8).u8(level).u8(encrypt);
                seeds.push((format!("tree-{size}-l{level}-e{encrypt}"), o.finish()));
            }
        }
    }
    // Damaged trees: chunks deleted (recoverable or not), corrupted, the root removed with replicas.
    for (name, level, deletes) in [
        ("tree-delete-1", 2u8, vec![5u16]),
        ("tree-delete-3", 4, vec![1, 50, 99]),
        ("tree-delete-many", 1, (0..40).map(|i| i * 7).collect()),
    ] {
        let mut o = Output::new();
        header(&mut o, 0, fallback, 0x11, 0, u64::MAX);
        o.u8(op::TREE).u8(5).u8(level).u8(0);
        for d in deletes {
            o.u8(op::DELETE).u16(d);
        }
        seeds.push((name.to_string(), o.finish()));
    }
    let mut o = Output::new();
    header(&mut o, 0, fallback, 0, 10, 100);
    o.u8(op::TREE).u8(4).u8(3).u8(1);
    o.u8(op::CORRUPT).u16(3).u8(0).u16(100).u8(0x40);
    o.u8(op::CORRUPT).u16(9).u8(1).u16(77).u8(0);
    seeds.push(("tree-corrupt".into(), o.finish()));
    let mut o = Output::new();
    header(&mut o, 0, 1 | (2 << 2), 0, 0, 10);
    o.u8(op::TREE).u8(3).u8(2).u8(0);
    o.u8(op::REMOVE).u8(0);
    seeds.push(("tree-root-removed-replicas".into(), o.finish()));
    let mut o = Output::new();
    header(&mut o, 0, 1 | 2, 0, 0, 10);
    o.u8(op::TREE).u8(3).u8(0).u8(1);
    o.u8(op::PAD).u8(0);
    seeds.push(("tree-root-padded".into(), o.finish()));
    // The issue-11 tree: five chunks, each pointing 128 times at the one below, claiming 1 TiB.
    let mut o = Output::new();
    header(&mut o, 0, fallback, 0, 1 << 39, 5000);
    o.u8(op::LEAF).u16(4096).u8(0).u64(0).u8(0).bytes(&[7; 64]);
    for _ in 0..4 {
        o.u8(op::NODE).u8(1).u64(0).u8(0).u8(0).u8(128);
        o.bytes(&[0; 128]).u8(0);
    }
    seeds.push(("repeated-children-1tib".into(), o.finish()));
    // Spans that do not match the references, with level bytes valid and not.
    for (name, mode, value, level_byte, n) in [
        ("node-span-too-small", 0u8, 5000u64, 0u8, 3u8),
        ("node-span-too-large", 0, 1 << 40, 0, 2),
        ("node-level-medium", 1, 0, 0x81, 2),
        ("node-level-invalid", 1, 0, 0x85, 2),
        ("node-level-ff", 0, 9000, 0xff, 3),
        ("node-near-page", 2, 3 | (5 << 16), 0x84, 4),
        ("node-sum-minus-one", 3, 0xff, 0x82, 2),
    ] {
        let mut o = Output::new();
        header(&mut o, 0, fallback, 0, 100, 5000);
        o.u8(op::LEAF)
            .u16(4096)
            .u8(0)
            .u64(0)
            .u8(0)
            .bytes(b"leaf one");
        o.u8(op::LEAF)
            .u16(1000)
            .u8(0)
            .u64(0)
            .u8(0)
            .bytes(b"leaf two");
        o.u8(op::NODE)
            .u8(mode)
            .u64(value)
            .u8(level_byte)
            .u8(0)
            .u8(n);
        for i in 0..n {
            o.u8(i % 2);
        }
        o.u8(2).u8(0).u8(1);
        seeds.push((name.to_string(), o.finish()));
    }
    // Leaves whose span lies.
    for (name, mode, value, level_byte) in [
        ("leaf-span-over-payload", 2u8, 10u64, 0u8),
        ("leaf-span-huge", 1, u64::MAX, 0),
        ("leaf-level-byte", 0, 0, 0x83),
        ("leaf-level-byte-low", 0, 0, 0x7f),
    ] {
        let mut o = Output::new();
        header(&mut o, 0, fallback, 0, 0, 100);
        o.u8(op::LEAF).u16(100).u8(mode).u64(value).u8(level_byte);
        o.bytes(&[1; 100]);
        seeds.push((name.to_string(), o.finish()));
    }
    // Encrypted references: a consistent encrypted group, a plain node naming encrypted children,
    // a reference whose key is wrong.
    let mut o = Output::new();
    header(&mut o, 0, fallback, 0, 4090, 20);
    o.u8(op::LEAF).u16(4096).u8(0).u64(0).u8(0).bytes(&[3; 32]);
    o.u8(op::ENCRYPT).u8(0).u64(9);
    o.u8(op::LEAF)
        .u16(17)
        .u8(0)
        .u64(0)
        .u8(0)
        .bytes(b"encrypted tail...");
    o.u8(op::ENCRYPT).u8(0).u64(10);
    o.u8(op::GROUP).u8(2).u8(1).u8(1).u8(2).u8(0).u64(11);
    seeds.push(("group-encrypted".into(), o.finish()));
    let mut o = Output::new();
    header(&mut o, 0, fallback, 0, 0, 1 << 20);
    o.u8(op::LEAF).u16(4096).u8(0).u64(0).u8(0).bytes(&[3; 32]);
    o.u8(op::ENCRYPT).u8(0).u64(9);
    o.u8(op::NODE).u8(1).u64(0).u8(0).u8(0).u8(3).u8(0).u8(0xfc);
    o.bytes(&[0xab; 64]).u8(1).u8(0);
    seeds.push(("node-encrypted-children".into(), o.finish()));
    // Consistent groups with parities, then children lost: recovery over hostile layouts.
    for (name, level, deletes) in [
        ("group-recover-1", 1u8, vec![0u8]),
        ("group-recover-2", 4, vec![1, 2]),
        ("group-unrecoverable", 1, vec![0, 1, 2, 3]),
    ] {
        let mut o = Output::new();
        header(&mut o, 0, 1 | (1 << 2), 0, 1, 9000);
        for i in 0..3u8 {
            o.u8(op::LEAF).u16(4096).u8(0).u64(0).u8(0).bytes(&[i; 16]);
        }
        o.u8(op::GROUP)
            .u8(level)
            .u8(0)
            .u8(2)
            .u8(2)
            .u8(1)
            .u8(0)
            .u64(0);
        for d in deletes {
            o.u8(op::REMOVE).u8(d + 1);
        }
        seeds.push((name.to_string(), o.finish()));
    }
    // Misfiled data and raw chunks.
    let mut o = Output::new();
    header(&mut o, 1, fallback, 0, 0, 100);
    o.u8(op::TREE).u8(3).u8(0).u8(0);
    o.u8(op::RAW).u16(40).bytes(&[0x10; 48]);
    o.u8(op::MISFILE).u8(0).u8(1);
    o.u8(op::REPLICAS).u8(1).u8(0);
    seeds.push(("misfile-and-raw".into(), o.finish()));
    seeds
}
