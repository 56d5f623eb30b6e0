use std::path::Path;

use super::record::{offset, SLOT_SIZE};
use super::*;
use crate::store::tests::contract;

fn chunks(n: usize, seed: u32) -> Vec<Chunk> {
    (0..n)
        .map(|i| {
            let payload: Vec<u8> = (0..1000 + i % 3000)
                .map(|j| (j as u32 * 31 + i as u32 * 7 + seed) as u8)
                .collect();
            Chunk::new(&payload).unwrap()
        })
        .collect()
}

/// The addresses `iterate` gives without data: the chunks `store verify` names as damaged or lost.
fn unreadable(store: &SlotStore) -> Vec<Address> {
    let mut bad = Vec::new();
    store
        .iterate(&mut |a, d| {
            if d.is_empty() {
                bad.push(*a);
            }
            true
        })
        .unwrap();
    bad
}

fn file_len(dir: &Path, name: &str) -> u64 {
    std::fs::metadata(dir.join(name)).unwrap().len()
}

#[test]
fn contract_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let c = Chunk::new(b"persist").unwrap();
    {
        let store = SlotStore::open(dir.path()).unwrap();
        contract(&store);
        store.put(&c).unwrap();
        store.sync().unwrap();
        assert!(store.notes().is_empty());
    }
    let store = SlotStore::open(dir.path()).unwrap();
    assert_eq!(store.get(&c.address).unwrap(), Some(c.data));
    assert!(store.notes().is_empty(), "{:?}", store.notes());
}

#[test]
fn a_second_opener_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _store = SlotStore::open(dir.path()).unwrap();
    let err = SlotStore::open(dir.path()).err().unwrap().to_string();
    assert!(err.contains("another process holds it"), "{err}");
}

#[test]
fn storing_again_adds_nothing_and_removed_slots_are_reused() {
    let dir = tempfile::tempdir().unwrap();
    let store = SlotStore::open(dir.path()).unwrap();
    let set = chunks(100, 1);
    store.put_batch(&set).unwrap();
    store.sync().unwrap();
    let len = file_len(dir.path(), DATA_FILE);
    assert_eq!(len, offset(100));
    store.put_batch(&set).unwrap();
    store.put_batch(&set[..10]).unwrap();
    store.sync().unwrap();
    assert_eq!(
        file_len(dir.path(), DATA_FILE),
        len,
        "nothing written twice"
    );
    for c in &set[..40] {
        assert!(store.remove(&c.address).unwrap());
    }
    // Removals are durable at once: their slots take new chunks.
    let more = chunks(10, 2);
    store.put_batch(&more).unwrap();
    assert_eq!(file_len(dir.path(), DATA_FILE), offset(100));
    let again = chunks(40, 3);
    store.put_batch(&again).unwrap();
    store.sync().unwrap();
    assert_eq!(
        file_len(dir.path(), DATA_FILE),
        offset(110),
        "freed slots reused"
    );
    assert_eq!(store.len().unwrap(), 110);
    for c in set[40..].iter().chain(&more).chain(&again) {
        assert_eq!(store.get(&c.address).unwrap().as_ref(), Some(&c.data));
    }
}

/// Overwrites `n` bytes at `at` of `file` with a pattern.
fn scribble(file: &Path, at: u64, n: usize) {
    let f = OpenOptions::new().write(true).open(file).unwrap();
    f.write_all_at(&vec![0x5a; n], at).unwrap();
}

#[test]
fn a_damaged_record_costs_only_its_chunk_and_a_put_writes_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let set = chunks(20, 4);
    {
        let store = SlotStore::open(dir.path()).unwrap();
        store.put_batch(&set).unwrap();
    }
    // Slots are taken in order: chunk 7 is in slot 7. Damage its data, and chunk 9's header.
    scribble(&dir.path().join(DATA_FILE), offset(7) + 100, 16);
    scribble(&dir.path().join(DATA_FILE), offset(9) + 10, 16);
    let store = SlotStore::open(dir.path()).unwrap();
    let bad = unreadable(&store);
    let mut want = vec![set[7].address, set[9].address];
    want.sort();
    assert_eq!(bad, want);
    for (i, c) in set.iter().enumerate() {
        let got = store.get(&c.address).unwrap();
        if i == 7 || i == 9 {
            assert_eq!(got, None, "never served");
            assert!(store.has(&c.address).unwrap());
        } else {
            assert_eq!(got.as_ref(), Some(&c.data));
        }
    }
    store.put(&set[7]).unwrap();
    assert_eq!(
        store.get(&set[7].address).unwrap(),
        Some(set[7].data.clone())
    );
}

#[test]
fn a_truncated_data_file_loses_the_chunks_past_its_end_only() {
    let dir = tempfile::tempdir().unwrap();
    let set = chunks(30, 5);
    {
        let store = SlotStore::open(dir.path()).unwrap();
        store.put_batch(&set).unwrap();
    }
    let f = OpenOptions::new()
        .write(true)
        .open(dir.path().join(DATA_FILE))
        .unwrap();
    f.set_len(offset(20) + 50).unwrap();
    drop(f);
    let store = SlotStore::open(dir.path()).unwrap();
    assert_eq!(store.notes().len(), 1, "{:?}", store.notes());
    assert!(store.notes()[0].starts_with("9 chunks of the index were past the end"));
    for (i, c) in set.iter().enumerate() {
        let got = store.get(&c.address).unwrap();
        assert_eq!(got.is_some(), i < 20, "chunk {i}");
    }
    assert_eq!(store.len().unwrap(), 30, "the lost ones stay named");
    // New chunks go to fresh slots; rewriting a lost chunk brings it back.
    store.put_batch(&set[25..]).unwrap();
    let more = chunks(5, 6);
    store.put_batch(&more).unwrap();
    for c in set[..20].iter().chain(&set[25..]).chain(&more) {
        assert_eq!(store.get(&c.address).unwrap().as_ref(), Some(&c.data));
    }
}

#[test]
fn a_damaged_or_missing_index_is_rebuilt_from_the_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let set = chunks(50, 7);
    {
        let store = SlotStore::open(dir.path()).unwrap();
        store.put_batch(&set).unwrap();
        assert!(store.remove(&set[0].address).unwrap());
    }
    let index = dir.path().join(INDEX_FILE);
    for damage in ["zero", "garbage", "missing"] {
        match damage {
            "zero" => std::fs::write(&index, b"").unwrap(),
            "garbage" => {
                let len = std::fs::metadata(&index).unwrap().len();
                for k in 0..16 {
                    scribble(&index, (k * 7919) % len, 16);
                }
            }
            _ => std::fs::remove_file(&index).unwrap(),
        }
        let store = SlotStore::open(dir.path()).unwrap();
        let notes = store.notes().join("\n");
        // Garbage somewhere redb does not read at open may go unnoticed: then nothing was lost.
        if damage != "garbage" || !notes.is_empty() {
            assert!(notes.contains("rebuilt it from"), "{damage}: {notes}");
        }
        for c in &set[1..] {
            assert_eq!(
                store.get(&c.address).unwrap().as_ref(),
                Some(&c.data),
                "{damage}"
            );
        }
    }
}

#[test]
fn an_empty_or_foreign_data_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    drop(SlotStore::open(dir.path()).unwrap());
    let data = dir.path().join(DATA_FILE);
    std::fs::write(&data, b"").unwrap();
    let err = SlotStore::open(dir.path()).err().unwrap().to_string();
    assert!(err.contains("the file is empty (0 bytes)"), "{err}");
    std::fs::write(&data, vec![1; 9000]).unwrap();
    let err = SlotStore::open(dir.path()).err().unwrap().to_string();
    assert!(
        err.contains("does not start with a chunk slot header"),
        "{err}"
    );
    assert_eq!(std::fs::read(&data).unwrap(), vec![1; 9000]);
    std::fs::remove_file(&data).unwrap();
    let err = SlotStore::open(dir.path()).err().unwrap().to_string();
    assert!(err.contains("the data file is missing"), "{err}");
    assert_eq!(SLOT_SIZE, 4256);
}

#[test]
fn a_redb_store_of_earlier_versions_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let set = chunks(1500, 8);
    {
        let old = RedbStore::open(dir.path()).unwrap();
        old.put_batch(&set).unwrap();
        old.sync().unwrap();
    }
    let store = SlotStore::open(dir.path()).unwrap();
    assert_eq!(
        store.notes(),
        [format!(
            "moved 1500 chunks from {} (the store of earlier versions) into {}",
            dir.path().join(DB_FILE).display(),
            dir.path().join(DATA_FILE).display()
        )]
    );
    assert!(!dir.path().join(DB_FILE).exists());
    for c in &set {
        assert_eq!(store.get(&c.address).unwrap().as_ref(), Some(&c.data));
    }
    drop(store);
    assert!(SlotStore::open(dir.path()).unwrap().notes().is_empty());
}

#[test]
fn pins_count_per_chunk_survive_reopen_and_keep_chunks_from_removal() {
    use crate::store::PinStore;
    let dir = tempfile::tempdir().unwrap();
    let set = chunks(6, 9);
    let addrs: Vec<Address> = set.iter().map(|c| c.address).collect();
    let (root_a, root_b) = ([1u8; 32], [2u8; 64]);
    {
        let store = SlotStore::open(dir.path()).unwrap();
        store.put_batch(&set).unwrap();
        assert!(store.pin(&root_a, &addrs[..4]).unwrap());
        assert!(!store.pin(&root_a, &addrs).unwrap(), "pinned already");
        assert!(store.pin(&root_b, &addrs[2..]).unwrap());
        let missing = Address([9; 32]);
        assert!(matches!(
            store.pin(&[3; 32], &[addrs[0], missing]),
            Err(StoreError::Missing { address }) if address == missing
        ));
        assert!(
            !store.is_pinned(&[3; 32]).unwrap(),
            "nothing pinned on failure"
        );
    }
    let store = SlotStore::open(dir.path()).unwrap();
    let counts: Vec<u32> = addrs.iter().map(|a| store.pins_of(a).unwrap()).collect();
    assert_eq!(counts, [1, 1, 2, 2, 1, 1]);
    assert_eq!(
        store.pinned_roots().unwrap(),
        [root_a.to_vec(), root_b.to_vec()]
    );
    assert!(matches!(
        store.remove(&addrs[3]),
        Err(StoreError::Pinned { pins: 2, .. })
    ));
    // Written again (a damaged copy rewritten), a chunk keeps its pins.
    store.put(&set[3]).unwrap();
    assert_eq!(store.pins_of(&addrs[3]).unwrap(), 2);
    assert!(store.unpin(&root_a).unwrap());
    assert!(!store.unpin(&root_a).unwrap());
    let counts: Vec<u32> = addrs.iter().map(|a| store.pins_of(a).unwrap()).collect();
    assert_eq!(counts, [0, 0, 1, 1, 1, 1]);
    assert!(store.remove(&addrs[0]).unwrap());
    assert!(store.remove(&addrs[2]).is_err());
    assert!(store.unpin(&root_b).unwrap());
    assert!(store.remove(&addrs[2]).unwrap());
    assert!(store.pinned_roots().unwrap().is_empty());
}

/// Many removals in a few durable commits: the removed chunks are gone from a copy of the files
/// taken before any sync or close (a crash), pinned ones stay, and the freed slots take new chunks.
#[test]
fn remove_many_is_durable_keeps_pinned_chunks_and_frees_slots() {
    use crate::store::PinStore;
    let dir = tempfile::tempdir().unwrap();
    let store = SlotStore::open(dir.path()).unwrap();
    let n = REMOVE_BATCH + 100;
    let set = chunks(n, 11);
    store.put_batch(&set).unwrap();
    let root = [5u8; 32];
    assert!(store
        .pin(&root, &[set[3].address, set[n - 1].address])
        .unwrap());
    let mut gone: Vec<Address> = set[..n - 10].iter().map(|c| c.address).collect();
    gone.push(Address::ZERO);
    let removals = store.remove_many(&gone).unwrap();
    let mut want = vec![Removal::Removed; n - 10];
    want[3] = Removal::Pinned(1);
    want.push(Removal::Absent);
    assert_eq!(removals, want);
    let crashed = tempfile::tempdir().unwrap();
    for name in [DATA_FILE, INDEX_FILE, JOURNAL_FILE] {
        std::fs::copy(dir.path().join(name), crashed.path().join(name)).unwrap();
    }
    let len = file_len(dir.path(), DATA_FILE);
    // The freed slots take new chunks: the data file does not grow.
    let more = chunks(n - 20, 12);
    store.put_batch(&more).unwrap();
    store.sync().unwrap();
    assert_eq!(file_len(dir.path(), DATA_FILE), len);
    drop(store);
    let reopened = SlotStore::open(crashed.path()).unwrap();
    for (i, c) in set.iter().enumerate() {
        let kept = i == 3 || i >= n - 10;
        assert_eq!(
            reopened.get(&c.address).unwrap().is_some(),
            kept,
            "chunk {i} after the crash"
        );
    }
    assert_eq!(reopened.len().unwrap(), 11);
    assert_eq!(reopened.pins_of(&set[3].address).unwrap(), 1);
}

#[test]
fn puts_report_seen_for_intact_copies_and_stored_for_the_rest() {
    use crate::store::Delivery::{Seen, Stored};
    let dir = tempfile::tempdir().unwrap();
    let set = chunks(3, 10);
    let store = SlotStore::open(dir.path()).unwrap();
    let put = |batch: &[Chunk]| {
        let mut got = Vec::new();
        store
            .put_batch_reporting(batch, &mut |d| got.push(d))
            .unwrap();
        got
    };
    let batch = [set[0].clone(), set[1].clone(), set[0].clone()];
    assert_eq!(put(&batch), [Stored, Stored, Seen]);
    assert_eq!(put(&set), [Seen, Seen, Stored]);
    scribble(&dir.path().join(DATA_FILE), offset(1) + 200, 8);
    assert_eq!(
        put(&set),
        [Seen, Stored, Seen],
        "a damaged copy is written again"
    );
    assert_eq!(
        store.get(&set[1].address).unwrap(),
        Some(set[1].data.clone())
    );
}

/// A long upload syncs on its own every [`DURABLE_EVERY`] chunks, so a crash (here: copies of both
/// files taken while the store is open, never synced by the caller) keeps everything up to then.
#[test]
fn every_durable_every_chunks_are_durable_without_a_sync() {
    let dir = tempfile::tempdir().unwrap();
    let store = SlotStore::open(dir.path()).unwrap();
    let durable = chunks(DURABLE_EVERY as usize, 7);
    store.put_batch(&durable[..100]).unwrap();
    store.put_batch(&durable[100..]).unwrap();
    store.put_batch(&chunks(10, 8)).unwrap();
    let crashed = tempfile::tempdir().unwrap();
    for name in [DATA_FILE, INDEX_FILE] {
        std::fs::copy(dir.path().join(name), crashed.path().join(name)).unwrap();
    }
    let reopened = SlotStore::open(crashed.path()).unwrap();
    for c in &durable {
        assert_eq!(reopened.get(&c.address).unwrap().as_ref(), Some(&c.data));
    }
    drop(store);
}

/// Every way of opening the index bounds its page cache: a fresh store once took redb's default
/// (1 GiB), so its cache grew with the index and never evicted.
#[test]
fn the_index_cache_is_bounded_for_a_fresh_reopened_and_rebuilt_index() {
    let dir = tempfile::tempdir().unwrap();
    // 2 000 entries take about 90 KiB of leaves, far over a 16 KiB cache.
    let set = chunks(2000, 9);
    let evictions = |store: &SlotStore| store.index.cache_stats().evictions();
    {
        let store = SlotStore::open_with_cache(dir.path(), 16 << 10).unwrap();
        for part in set.chunks(250) {
            store.put_batch(part).unwrap();
        }
        assert!(evictions(&store) > 0, "fresh index: nothing evicted");
    }
    {
        let store = SlotStore::open_with_cache(dir.path(), 16 << 10).unwrap();
        assert!(evictions(&store) > 0, "reopened index: nothing evicted");
    }
    std::fs::remove_file(dir.path().join(INDEX_FILE)).unwrap();
    let store = SlotStore::open_with_cache(dir.path(), 16 << 10).unwrap();
    assert!(!store.notes().is_empty(), "the index was rebuilt");
    assert!(evictions(&store) > 0, "rebuilt index: nothing evicted");
    assert_eq!(store.len().unwrap(), 2000);
}

/// The pins of [`pinned_store`]: root A holds chunks 0..4, root B chunks 2..6; root C was pinned and
/// unpinned.
const PIN_COUNTS: [u32; 6] = [1, 1, 2, 2, 1, 1];
const ROOT_A: [u8; 32] = [1; 32];
const ROOT_B: [u8; 64] = [2; 64];
const ROOT_C: [u8; 32] = [3; 32];

/// A store of six chunks with the pins of [`PIN_COUNTS`], closed.
fn pinned_store(dir: &Path) -> Vec<Chunk> {
    use crate::store::PinStore;
    let set = chunks(6, 11);
    let addrs: Vec<Address> = set.iter().map(|c| c.address).collect();
    let store = SlotStore::open(dir).unwrap();
    store.put_batch(&set).unwrap();
    assert!(store.pin(&ROOT_A, &addrs[..4]).unwrap());
    assert!(store.pin(&ROOT_B, &addrs[2..]).unwrap());
    assert!(store.pin(&ROOT_C, &addrs[1..3]).unwrap());
    assert!(store.unpin(&ROOT_C).unwrap());
    set
}

fn pin_counts(store: &SlotStore, set: &[Chunk]) -> Vec<u32> {
    use crate::store::PinStore;
    set.iter()
        .map(|c| store.pins_of(&c.address).unwrap())
        .collect()
}

fn damage_index(dir: &Path, how: &str) {
    let index = dir.join(INDEX_FILE);
    match how {
        "zero" => std::fs::write(&index, b"").unwrap(),
        "garbage" => {
            let len = std::fs::metadata(&index).unwrap().len();
            for at in (0..len).step_by(512) {
                scribble(&index, at, 64);
            }
        }
        _ => std::fs::remove_file(&index).unwrap(),
    }
}

#[test]
fn pins_come_back_exactly_when_the_index_is_rebuilt() {
    use crate::store::PinStore;
    let dir = tempfile::tempdir().unwrap();
    let set = pinned_store(dir.path());
    for how in ["zero", "garbage", "missing"] {
        damage_index(dir.path(), how);
        let store = SlotStore::open(dir.path()).unwrap();
        let notes = store.notes().join("\n");
        assert!(
            notes.contains("rebuilt it from") && notes.contains("2 pinned roots"),
            "{how}: {notes}"
        );
        assert_eq!(pin_counts(&store, &set), PIN_COUNTS, "{how}");
        assert_eq!(
            store.pinned_roots().unwrap(),
            [ROOT_A.to_vec(), ROOT_B.to_vec()],
            "{how}"
        );
        assert!(!store.is_pinned(&ROOT_C).unwrap());
        assert!(matches!(
            store.remove(&set[2].address),
            Err(StoreError::Pinned { pins: 2, .. })
        ));
        for c in &set {
            assert_eq!(store.get(&c.address).unwrap().as_ref(), Some(&c.data));
        }
        drop(store);
        let store = SlotStore::open(dir.path()).unwrap();
        assert!(store.notes().is_empty(), "{how}: {:?}", store.notes());
        assert_eq!(pin_counts(&store, &set), PIN_COUNTS, "{how}");
    }
    // Unpinned, then rebuilt: no pins.
    {
        let store = SlotStore::open(dir.path()).unwrap();
        assert!(store.unpin(&ROOT_A).unwrap());
        assert!(store.unpin(&ROOT_B).unwrap());
    }
    damage_index(dir.path(), "missing");
    let store = SlotStore::open(dir.path()).unwrap();
    assert!(
        store.notes()[0].contains("0 pinned roots"),
        "{:?}",
        store.notes()
    );
    assert_eq!(pin_counts(&store, &set), [0; 6]);
    assert!(store.pinned_roots().unwrap().is_empty());
    assert!(store.remove(&set[2].address).unwrap());
}

#[test]
fn an_interrupted_rebuild_leaves_no_index_and_runs_again() {
    let dir = tempfile::tempdir().unwrap();
    let set = pinned_store(dir.path());
    damage_index(dir.path(), "missing");
    // What a rebuild killed before its end leaves: a partial index under another name.
    std::fs::write(dir.path().join(REBUILDING_INDEX_FILE), b"partial").unwrap();
    let store = SlotStore::open(dir.path()).unwrap();
    assert!(store.notes()[0].contains("rebuilt it from"));
    assert_eq!(pin_counts(&store, &set), PIN_COUNTS);
    assert!(!dir.path().join(REBUILDING_INDEX_FILE).exists());
}

/// A data file of today's format (`SWC1` records, the v1 file header) with no index and no pin
/// journal, written byte by byte: every chunk is found, none pinned. And an index of the version
/// before the journal (pins in the index, no `meta` table, no journal) keeps its pins and gets a
/// journal.
#[test]
fn stores_of_earlier_versions_open_with_their_chunks_and_pins() {
    use crate::store::PinStore;
    let dir = tempfile::tempdir().unwrap();
    let set = chunks(5, 12);
    let mut file = record::file_header();
    for c in &set {
        let mut slot = vec![0; SLOT_SIZE];
        record::encode(&c.address, &c.data, &mut slot);
        file.extend_from_slice(&slot);
    }
    std::fs::write(dir.path().join(DATA_FILE), &file).unwrap();
    {
        let store = SlotStore::open(dir.path()).unwrap();
        assert!(
            store.notes()[0].starts_with("the index is missing: rebuilt it from"),
            "{:?}",
            store.notes()
        );
        for c in &set {
            assert_eq!(store.get(&c.address).unwrap().as_ref(), Some(&c.data));
        }
        assert_eq!(pin_counts(&store, &set), [0; 5]);
        assert!(store.pinned_roots().unwrap().is_empty());
        assert!(store
            .pin(&ROOT_A, &[set[0].address, set[1].address])
            .unwrap());
    }
    // Back to the version before: no journal, no `meta` table.
    std::fs::remove_file(dir.path().join(JOURNAL_FILE)).unwrap();
    {
        let db = Database::open(dir.path().join(INDEX_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        assert!(txn.delete_table(pins::META).unwrap());
        txn.commit().unwrap();
    }
    {
        let store = SlotStore::open(dir.path()).unwrap();
        assert_eq!(
            store.notes(),
            [format!(
                "wrote the pin journal {} from the index (1 pinned roots)",
                dir.path().join(JOURNAL_FILE).display()
            )]
        );
        assert_eq!(pin_counts(&store, &set), [1, 1, 0, 0, 0]);
    }
    damage_index(dir.path(), "missing");
    let store = SlotStore::open(dir.path()).unwrap();
    assert_eq!(pin_counts(&store, &set), [1, 1, 0, 0, 0]);
}

/// The pin journal's bytes and where its records start.
fn journal_records(dir: &Path) -> (Vec<u8>, Vec<usize>) {
    let bytes = std::fs::read(dir.join(JOURNAL_FILE)).unwrap();
    assert_eq!(&bytes[..journal::FILE_HEADER.len()], journal::FILE_HEADER);
    let mut at = journal::FILE_HEADER.len();
    let mut starts = Vec::new();
    while at < bytes.len() {
        starts.push(at);
        at += journal::parse_head(&bytes[at..]).unwrap().len() as usize;
    }
    assert_eq!(at, bytes.len());
    (bytes, starts)
}

#[test]
fn a_damaged_pin_journal_is_reported_and_written_again_from_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let set = pinned_store(dir.path());
    let (_, starts) = journal_records(dir.path());
    assert_eq!(starts.len(), 4, "pin A, pin B, pin C, unpin C");
    let journal = dir.path().join(JOURNAL_FILE);
    scribble(&journal, starts[1] as u64 + 40, 8);
    let store = SlotStore::open(dir.path()).unwrap();
    let notes = store.notes().join("\n");
    assert!(
        notes.contains("was damaged (bytes")
            && notes.contains("none lost")
            && notes.contains(DAMAGED_JOURNAL_FILE),
        "{notes}"
    );
    assert_eq!(pin_counts(&store, &set), PIN_COUNTS);
    drop(store);
    assert!(dir.path().join(DAMAGED_JOURNAL_FILE).exists());
    // Written again: whole, one record a pinned root, and a rebuild uses it.
    assert_eq!(journal_records(dir.path()).1.len(), 2);
    damage_index(dir.path(), "missing");
    let store = SlotStore::open(dir.path()).unwrap();
    assert_eq!(store.notes().len(), 1, "{:?}", store.notes());
    assert_eq!(pin_counts(&store, &set), PIN_COUNTS);
}

#[test]
fn a_damaged_pin_journal_and_index_cost_the_damaged_pins_only_and_no_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let set = pinned_store(dir.path());
    let pristine = std::fs::read(dir.path().join(JOURNAL_FILE)).unwrap();
    let (_, starts) = journal_records(dir.path());
    let journal = dir.path().join(JOURNAL_FILE);
    // Root A's record damaged: B's pin stays, C stays unpinned.
    type Case<'a> = (&'a str, &'a dyn Fn(), [u32; 6]);
    let cases: [Case; 5] = [
        (
            "record",
            &|| scribble(&journal, starts[0] as u64 + 20, 4),
            [0, 0, 1, 1, 1, 1],
        ),
        ("header", &|| scribble(&journal, 2, 4), PIN_COUNTS),
        ("empty", &|| std::fs::write(&journal, b"").unwrap(), [0; 6]),
        (
            "garbage",
            &|| std::fs::write(&journal, vec![0x5a; 3000]).unwrap(),
            [0; 6],
        ),
        (
            "cut",
            &|| {
                std::fs::write(&journal, &pristine[..starts[1] + 10]).unwrap();
            },
            [1, 1, 1, 1, 0, 0],
        ),
    ];
    for (what, damage, want) in cases {
        std::fs::write(&journal, &pristine).unwrap();
        let _ = std::fs::remove_file(dir.path().join(DAMAGED_JOURNAL_FILE));
        damage();
        damage_index(dir.path(), "missing");
        let store = SlotStore::open(dir.path()).unwrap();
        let notes = store.notes().join("\n");
        assert!(notes.contains("rebuilt it from"), "{what}: {notes}");
        assert!(
            notes.contains("the pin journal") && notes.contains("was damaged"),
            "{what}: {notes}"
        );
        for c in &set {
            assert_eq!(
                store.get(&c.address).unwrap().as_ref(),
                Some(&c.data),
                "{what}"
            );
        }
        assert_eq!(pin_counts(&store, &set), want, "{what}");
        drop(store);
        assert!(dir.path().join(DAMAGED_JOURNAL_FILE).exists(), "{what}");
        let store = SlotStore::open(dir.path()).unwrap();
        assert!(store.notes().is_empty(), "{what}: {:?}", store.notes());
    }
}

/// A crash between a pin's journal record and its index commit leaves a record the index does not
/// have (whole or torn): the next open writes the journal again from the index, quietly, so that a
/// later rebuild does not pin what was never acknowledged.
#[test]
fn an_unacknowledged_pin_in_the_journal_is_dropped_at_open() {
    use crate::store::PinStore;
    let dir = tempfile::tempdir().unwrap();
    let set = pinned_store(dir.path());
    let journal = dir.path().join(JOURNAL_FILE);
    let ghost = journal::pin_record(&[9; 32], &[set[5].address]);
    for torn in [ghost.len(), 30, 3] {
        let mut bytes = std::fs::read(&journal).unwrap();
        bytes.extend_from_slice(&ghost[..torn]);
        std::fs::write(&journal, &bytes).unwrap();
        let store = SlotStore::open(dir.path()).unwrap();
        assert!(store.notes().is_empty(), "{torn}: {:?}", store.notes());
        assert!(!store.is_pinned(&[9; 32]).unwrap());
        drop(store);
        assert_eq!(journal_records(dir.path()).1.len(), 2, "{torn}");
        damage_index(dir.path(), "missing");
        let store = SlotStore::open(dir.path()).unwrap();
        assert!(!store.is_pinned(&[9; 32]).unwrap());
        assert_eq!(pin_counts(&store, &set), PIN_COUNTS);
    }
}

/// A rebuild finds a pinned chunk's record damaged: the chunk stays in the index as lost, still
/// pinned, named by `iterate`, and a put brings it back with its pins.
#[test]
fn a_pinned_chunk_the_rebuild_does_not_find_stays_pinned_as_lost() {
    let dir = tempfile::tempdir().unwrap();
    let set = pinned_store(dir.path());
    scribble(&dir.path().join(DATA_FILE), offset(2) + 10, 16);
    damage_index(dir.path(), "missing");
    let store = SlotStore::open(dir.path()).unwrap();
    let notes = store.notes().join("\n");
    assert!(notes.contains("1 pinned chunks were not found"), "{notes}");
    assert_eq!(pin_counts(&store, &set), PIN_COUNTS);
    assert_eq!(store.get(&set[2].address).unwrap(), None);
    assert!(!store.has(&set[2].address).unwrap());
    assert_eq!(unreadable(&store), [set[2].address]);
    assert!(store.remove(&set[2].address).is_err());
    store.put(&set[2]).unwrap();
    assert_eq!(
        store.get(&set[2].address).unwrap().as_ref(),
        Some(&set[2].data)
    );
    assert_eq!(pin_counts(&store, &set), PIN_COUNTS);
}

/// Pins and unpins append to the journal; an open writes it again once it takes more than twice
/// what its pins need (and 1 MiB).
#[test]
fn a_grown_pin_journal_is_written_again_at_open() {
    use crate::store::PinStore;
    let dir = tempfile::tempdir().unwrap();
    let set = chunks(2000, 13);
    let addrs: Vec<Address> = set.iter().map(|c| c.address).collect();
    {
        let store = SlotStore::open(dir.path()).unwrap();
        store.put_batch(&set).unwrap();
        for _ in 0..20 {
            assert!(store.pin(&ROOT_A, &addrs).unwrap());
            assert!(store.unpin(&ROOT_A).unwrap());
        }
        assert!(store.pin(&ROOT_B, &addrs[..10]).unwrap());
    }
    assert!(file_len(dir.path(), JOURNAL_FILE) > 20 * 64_000);
    let store = SlotStore::open(dir.path()).unwrap();
    assert!(store.notes().is_empty(), "{:?}", store.notes());
    drop(store);
    assert_eq!(
        file_len(dir.path(), JOURNAL_FILE),
        (journal::FILE_HEADER.len() + journal::HEAD + 64 + 320) as u64
    );
    damage_index(dir.path(), "missing");
    let store = SlotStore::open(dir.path()).unwrap();
    assert_eq!(store.pins_of(&addrs[0]).unwrap(), 1);
    assert_eq!(store.pins_of(&addrs[10]).unwrap(), 0);
}

/// A journal that cannot be read or written (here a folder in its place) fails the open naming it,
/// and leaves the index as it is: its pins are written to a new journal once the way is clear.
#[test]
fn a_pin_journal_that_cannot_be_opened_fails_the_open_and_keeps_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let set = pinned_store(dir.path());
    let journal = dir.path().join(JOURNAL_FILE);
    std::fs::remove_file(&journal).unwrap();
    std::fs::create_dir(&journal).unwrap();
    let err = SlotStore::open(dir.path()).err().unwrap().to_string();
    assert!(err.contains(JOURNAL_FILE), "{err}");
    assert!(!dir.path().join(DAMAGED_INDEX_FILE).exists());
    std::fs::remove_dir(&journal).unwrap();
    let store = SlotStore::open(dir.path()).unwrap();
    assert_eq!(
        store.notes(),
        [format!(
            "wrote the pin journal {} from the index (2 pinned roots)",
            journal.display()
        )]
    );
    assert_eq!(pin_counts(&store, &set), PIN_COUNTS);
}
