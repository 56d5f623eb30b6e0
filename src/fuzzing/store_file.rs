//! Target `store_file`: the slot store's data file with adversarial content.
//!
//! A base store of [`BASE`] chunks with pins is made once (data file, index and pin journal). Each
//! input edits a copy of the data file or of the pin journal (overwrites anywhere, the header
//! included, then a cut), keeps or drops the index (the rebuild path) and the journal, and then
//! opens the store, reads and lists every chunk, writes, removes, syncs and opens it again.
//!
//! Nothing may panic. Oracles: a chunk is served only as an intact record of its address (never
//! another chunk's record, never a torn one), before and after the reopen. (The store does not hash
//! what it serves, so a record crafted with a matching checksum is served: readers check chunks
//! against their addresses.) Every chunk keeps exactly its base pin count whenever the index or
//! the journal is kept intact, whatever happened to the data file.
//!
//! Input: `flags:u8` (bit 0: drop the index; bit 2: edit and cut the pin journal instead of the data
//! file; bit 3: drop the pin journal), `cut:u32` (the edited file is cut to `cut % (len + 1)` bytes
//! when bit 1 is set), then edits `at:u32 len:u8 bytes[len]` until the input ends (`at` modulo the
//! file's length).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use super::input::{Input, Output};
use crate::address::Address;
use crate::cac::Chunk;
use crate::store::slots::record::{decode, offset, SLOT_SIZE};
use crate::store::slots::{DATA_FILE, INDEX_FILE, JOURNAL_FILE};
use crate::store::{ChunkStore, PinStore, SlotStore};

/// Chunks in the base store.
pub const BASE: usize = 6;

fn chunk(i: usize) -> Chunk {
    let payload: Vec<u8> = (0..[0, 1, 100, 4096, 2000, 37, 5][i % 7])
        .map(|j| (j * 13 + i * 101) as u8)
        .collect();
    Chunk::new(&payload).expect("at most 4096 bytes")
}

/// A scratch folder in memory where there is one (fsync is free there).
fn scratch() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let root = Path::new("/dev/shm");
    let root = if root.is_dir() {
        root.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    root.join(format!(
        "swarmec-fuzz-store-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Pins of the base store's chunks: root 1 holds chunks 0..3, root 2 chunks 2..5; root 3 held
/// chunk 5 and was unpinned.
const PINS: [u32; BASE] = [1, 1, 2, 1, 1, 0];

/// The base store's files: data file, index, pin journal.
fn base() -> &'static (Vec<u8>, Vec<u8>, Vec<u8>) {
    static BASE_FILES: OnceLock<(Vec<u8>, Vec<u8>, Vec<u8>)> = OnceLock::new();
    BASE_FILES.get_or_init(|| {
        let dir = scratch();
        {
            let store = SlotStore::open(&dir).expect("a new store");
            let chunks: Vec<Chunk> = (0..BASE).map(chunk).collect();
            store.put_batch(&chunks).expect("stored");
            let a: Vec<Address> = chunks.iter().map(|c| c.address).collect();
            store.pin(&[1; 32], &a[..3]).expect("pinned");
            store.pin(&[2; 64], &a[2..5]).expect("pinned");
            store.pin(&[3; 32], &a[5..]).expect("pinned");
            store.unpin(&[3; 32]).expect("unpinned");
        }
        let files = (
            std::fs::read(dir.join(DATA_FILE)).expect("data file"),
            std::fs::read(dir.join(INDEX_FILE)).expect("index file"),
            std::fs::read(dir.join(JOURNAL_FILE)).expect("pin journal"),
        );
        let _ = std::fs::remove_dir_all(&dir);
        files
    })
}

/// The intact records of a data file: what the store may serve.
fn records(file: &[u8]) -> HashSet<(Address, Vec<u8>)> {
    let mut out = HashSet::new();
    let mut slot = 0;
    while offset(slot) < file.len() as u64 {
        let at = offset(slot) as usize;
        if let Ok(r) = decode(&file[at..(at + SLOT_SIZE).min(file.len())]) {
            out.insert((r.address, r.data.to_vec()));
        }
        slot += 1;
    }
    out
}

/// Every chunk the store serves (by `get` or in a listing) is an intact record of that address:
/// one in the file it was opened on, or one the harness wrote.
fn check(store: &SlotStore, intact: &HashSet<(Address, Vec<u8>)>) {
    let written: Vec<Chunk> = vec![chunk(1), chunk(BASE)];
    let allowed = |address: &Address, data: &[u8]| {
        intact.contains(&(*address, data.to_vec()))
            || written
                .iter()
                .any(|c| c.address == *address && c.data == data)
    };
    for i in 0..BASE + 1 {
        let c = chunk(i);
        if let Ok(Some(data)) = store.get(&c.address) {
            assert!(
                allowed(&c.address, &data),
                "chunk {i} served with other data"
            );
        }
    }
    let _ = store.iterate(&mut |address, data| {
        assert!(
            data.is_empty() || allowed(address, data),
            "{address} listed with other data"
        );
        true
    });
}

/// Every base chunk holds its base pins.
fn check_pins(store: &SlotStore) {
    for (i, want) in PINS.iter().enumerate() {
        if let Ok(pins) = store.pins_of(&chunk(i).address) {
            assert_eq!(pins, *want, "chunk {i}'s pins");
        }
    }
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let (base_data, base_index, base_journal) = base();
    let mut input = Input::new(data);
    let flags = input.u8();
    let cut = input.u32();
    let on_journal = flags & 4 != 0;
    let mut file = if on_journal {
        base_journal.clone()
    } else {
        base_data.clone()
    };
    while !input.is_empty() {
        let at = input.u32() as usize % file.len().max(1);
        let n = usize::from(input.u8());
        let bytes = input.bytes(n);
        let end = (at + bytes.len()).min(file.len());
        file[at..end].copy_from_slice(&bytes[..end - at]);
    }
    if flags & 2 != 0 {
        file.truncate(cut as usize % (file.len() + 1));
    }
    let (data_file, journal) = if on_journal {
        (base_data.clone(), file)
    } else {
        (file, base_journal.clone())
    };
    let dir = scratch();
    std::fs::create_dir_all(&dir).expect("scratch folder");
    std::fs::write(dir.join(DATA_FILE), &data_file).expect("data file");
    if flags & 1 == 0 {
        std::fs::write(dir.join(INDEX_FILE), base_index).expect("index file");
    }
    if flags & 8 == 0 {
        std::fs::write(dir.join(JOURNAL_FILE), &journal).expect("pin journal");
    }
    // The pins are known when the index is kept, or the journal is kept as it was.
    let pins_known = flags & 1 == 0 || flags & 12 == 0;
    let intact = records(&data_file);
    if let Ok(store) = SlotStore::open(&dir) {
        check(&store, &intact);
        if pins_known {
            check_pins(&store);
        }
        let _ = store.put(&chunk(BASE));
        let _ = store.put(&chunk(1));
        let _ = store.remove(&chunk(2).address);
        let _ = store.sync();
        check(&store, &intact);
        drop(store);
        if let Ok(store) = SlotStore::open(&dir) {
            check(&store, &intact);
            if pins_known {
                check_pins(&store);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The generated seeds: the base store as it is, without its index, cut inside a record, and
/// with a record's data, a header and the file header overwritten; its pin journal damaged in a
/// record, cut, or missing, with the index dropped.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    use crate::store::slots::record::RECORD_HEADER;
    let edit = |flags: u8, cut: u32, edits: &[(u64, &[u8])]| {
        let mut out = Output::new();
        out.u8(flags).u32(cut);
        for (at, bytes) in edits {
            out.u32(*at as u32).u8(bytes.len() as u8).bytes(bytes);
        }
        out.finish()
    };
    vec![
        ("intact".into(), edit(0, 0, &[])),
        ("no-index".into(), edit(1, 0, &[])),
        ("cut".into(), edit(2, offset(3) as u32 + 500, &[])),
        (
            "record-data".into(),
            edit(0, 0, &[(offset(2) + RECORD_HEADER as u64 + 5, &[0xff; 16])]),
        ),
        (
            "record-header".into(),
            edit(1, 0, &[(offset(4) + 8, &[1; 32])]),
        ),
        ("file-header".into(), edit(0, 0, &[(3, b"garbage")])),
        (
            "journal-record".into(),
            edit(1 | 4, 0, &[(16 + 20, &[0xa5; 4])]),
        ),
        (
            "journal-cut".into(),
            edit(1 | 2 | 4, 16 + 16 + 32 + 50, &[]),
        ),
        ("no-journal".into(), edit(1 | 8, 0, &[])),
        ("journal-header".into(), edit(4, 0, &[(0, b"swarmec pinz")])),
    ]
}
