//! The default store: chunks in fixed-size slots of one data file (`chunks.slots`), found through a
//! small index (`chunks.index`, a redb table from address to slot and pin count), and a pin journal
//! (`chunks.pins`) from which a rebuilt index gets its pins back.
//!
//! Why this shape (docs/BENCHMARKS.md has the comparison with redb holding whole chunks and with an
//! LSM tree): chunks are all about 4 KiB and addressed by hash, so a slot file needs no compaction,
//! reuses the space of removed chunks slot for slot and reads a chunk with one index look-up and one
//! `pread`; the index holds 44 bytes a chunk, so its random-key inserts are cheap.
//!
//! Each slot is a self-describing record (see [`record`]): address, length and a CRC-32. So:
//! - a torn or damaged record fails its checksum and is never served (`get` answers `None`,
//!   `iterate` gives it with no data so that `store verify` names it; a download at a level above 0
//!   rebuilds it and writes it back to a fresh slot);
//! - a damaged, empty or missing index is rebuilt from the data file alone (the old one is kept as
//!   `chunks.index.damaged`), and its pins from the pin journal (see `pins.rs`: pinned roots and the
//!   chunks each holds, exactly as acknowledged; a pinned chunk the data file no longer has is kept
//!   as lost, still pinned). The new index is built as `chunks.index.rebuilding` and moved in place
//!   only once durable, so a rebuild that is interrupted runs again at the next open;
//! - index entries whose slot lies past the end of a truncated data file are kept as lost (named by
//!   `store verify`, written again by a repair), and every other chunk stays readable;
//! - damage to the pin journal never costs a chunk: an open that finds it damaged writes it again
//!   from the index (keeping the old one as `chunks.pins.damaged`); only with the index lost too are
//!   the pins recorded in the damaged part lost, and the open says so.
//!
//! Durability: a batch writes its records, then commits its index entries without an fsync;
//! [`ChunkStore::sync`] holds the index's writer lock, fsyncs the data file, then commits durably.
//! After a crash the index is its last durable commit, whose records were all on disk before it.
//! Removed slots are reused only after a durable commit (see [`alloc`]); a removal is durable when
//! it returns. An index rebuilt from the data file brings back removed chunks whose slots were not
//! reused (harmless for content-addressed data). A pin or unpin is durable in the index and in the
//! journal when it returns; a crash between the two leaves the journal with a pin the index does not
//! have, which the next open drops (see `pins.rs`).
//!
//! A store made by earlier versions (`chunks.redb`) is migrated into this one when it is opened,
//! then deleted; one of the slot store's versions before the pin journal gets its journal written
//! from its index at the first open.

pub mod alloc;
pub mod journal;
mod pins;
pub mod record;

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use redb::{Database, Durability, ReadableTable, TableDefinition};

use self::alloc::Slots;
use self::record::{decode, encode, offset, SLOT_SIZE};
use super::{backend, check_size, ChunkStore, Delivery, RedbStore, Removal, StoreError, DB_FILE};
use crate::address::Address;
use crate::cac::Chunk;
pub use pins::{DAMAGED_JOURNAL_FILE, JOURNAL_FILE};

/// The data file in the data directory.
pub const DATA_FILE: &str = "chunks.slots";
/// The index in the data directory.
pub const INDEX_FILE: &str = "chunks.index";
/// Where a damaged index is moved before it is rebuilt.
pub const DAMAGED_INDEX_FILE: &str = "chunks.index.damaged";
/// Where the index is rebuilt, moved in place once whole and durable.
const REBUILDING_INDEX_FILE: &str = "chunks.index.rebuilding";

const INDEX: TableDefinition<&[u8; 32], [u8; 12]> = TableDefinition::new("slots");

/// The index's page cache: interior pages for tens of millions of entries. Every way of opening the
/// index passes it: redb's default (1 GiB) let a fresh store's cache grow with the index, which was
/// most of `swarmec upload`'s peak RSS at level 4 (docs/BENCHMARKS.md).
const CACHE_BYTES: usize = 16 << 20;

/// Chunks committed without an fsync after which a batch makes everything durable. redb keeps in
/// memory what it needs for the pages that non-durable commits free until a durable commit, and
/// the process grew with the upload: 512 MiB at level 0 peaked at 166 MiB RSS with one durable
/// commit at the end, 144 MiB with one every 16 Ki chunks, 41 MiB with one every 1 Ki chunks or
/// every batch, in about the same time (`/usr/bin/time swarmec upload`, docs/BENCHMARKS.md;
/// measured while a fresh store's index cache was still unbounded, see [`CACHE_BYTES`]). With the
/// cache bounded, every 4 Ki or 16 Ki chunks was 5–8 % faster but peaked at 45–46 MiB at level 0
/// (37–39 here) and 60 MiB at level 4, still growing with the chunks written. 1 Ki chunks is one
/// writer batch of `swarmec upload` (4 MiB); a node's single-chunk puts pay one fsync of each file
/// per 4 MiB.
const DURABLE_EVERY: u64 = 1 << 10;

/// Removals made in one durable commit by [`SlotStore::remove_many`]: the commit's dirty index
/// pages stay bounded (a few MiB) however many addresses one call names.
const REMOVE_BATCH: usize = 4 << 10;

/// Slots read at once when the index is rebuilt from the data file.
const SCAN_SLOTS: u64 = 256;

/// Index entries written in one transaction when rebuilding or migrating.
const BULK_ENTRIES: usize = 16 * 1024;

/// The slot of an entry whose record was lost (beyond the end of a truncated data file).
const LOST: u64 = u64::MAX;

/// An index entry: where the chunk is and how many pins hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    slot: u64,
    pins: u32,
}

impl Entry {
    fn encode(self) -> [u8; 12] {
        let mut v = [0; 12];
        v[..8].copy_from_slice(&self.slot.to_le_bytes());
        v[8..].copy_from_slice(&self.pins.to_le_bytes());
        v
    }
    fn decode(v: [u8; 12]) -> Entry {
        Entry {
            slot: u64::from_le_bytes(v[..8].try_into().expect("8 bytes")),
            pins: u32::from_le_bytes(v[8..].try_into().expect("4 bytes")),
        }
    }
}

/// The slot store.
pub struct SlotStore {
    data: File,
    index: Database,
    slots: Mutex<Slots>,
    /// The pin journal; held through a whole pin or unpin (before the index's writer lock).
    journal: Mutex<pins::Journal>,
    notes: Vec<String>,
    index_path: PathBuf,
    /// Chunks committed without an fsync since the last durable commit.
    not_durable: AtomicU64,
}

/// A redb call that may panic on a damaged file: the panic becomes an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!("the index is damaged: {why}"))
    })
}

/// Reads what the file has of slot `slot` (fewer bytes at its end).
fn read_slot(data: &File, slot: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; SLOT_SIZE];
    let mut have = 0;
    while have < SLOT_SIZE {
        match data.read_at(&mut buf[have..], offset(slot) + have as u64) {
            Ok(0) => break,
            Ok(n) => have += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(have);
    Ok(buf)
}

impl SlotStore {
    /// Opens (creating if needed) the store in data directory `dir`, migrating a `chunks.redb` of an
    /// earlier version into it. Refuses an empty or damaged data file (never taken for a new
    /// store) and a data file held by another process; rebuilds a damaged or missing index.
    pub fn open(dir: &Path) -> Result<SlotStore, StoreError> {
        SlotStore::open_with_cache(dir, CACHE_BYTES)
    }

    /// [`SlotStore::open`] with an index page cache of `cache` bytes (tests use a small one).
    pub(crate) fn open_with_cache(dir: &Path, cache: usize) -> Result<SlotStore, StoreError> {
        let data_path = dir.join(DATA_FILE);
        let index_path = dir.join(INDEX_FILE);
        let open_err = |path: &Path| {
            let path = path.to_path_buf();
            move |message: String| StoreError::Open {
                path: path.clone(),
                message,
            }
        };
        std::fs::create_dir_all(dir).map_err(|e| open_err(dir)(e.to_string()))?;
        let existed = data_path.exists();
        if !existed && index_path.exists() {
            return Err(open_err(&data_path)(format!(
                "the data file is missing but its index {} exists: the chunks are gone; move the \
                 index away to start a new store",
                index_path.display()
            )));
        }
        let data = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&data_path)
            .map_err(|e| open_err(&data_path)(e.to_string()))?;
        data.try_lock().map_err(|e| {
            open_err(&data_path)(match e {
                std::fs::TryLockError::WouldBlock => {
                    "another process holds it (a running `swarmec node` or `swarmec api`?)".into()
                }
                std::fs::TryLockError::Error(e) => e.to_string(),
            })
        })?;
        let len = data
            .metadata()
            .map_err(|e| open_err(&data_path)(e.to_string()))?
            .len();
        if existed {
            if len == 0 {
                return Err(open_err(&data_path)(
                    "the file is empty (0 bytes): it lost its content, it is not a new store; \
                     move it away to start a new one"
                        .into(),
                ));
            }
            let mut head = vec![0; SLOT_SIZE.min(len as usize)];
            let read = data.read_exact_at(&mut head, 0);
            if read.is_err() || !record::is_file_header(&head) {
                return Err(open_err(&data_path)(
                    "the file does not start with a chunk slot header: it is damaged there, or \
                     not a swarmec store"
                        .into(),
                ));
            }
        } else {
            data.write_all_at(&record::file_header(), 0)
                .and_then(|()| data.sync_all())
                .and_then(|()| File::open(dir)?.sync_all())
                .map_err(|e| open_err(&data_path)(e.to_string()))?;
        }
        let file_slots = len
            .saturating_sub(SLOT_SIZE as u64)
            .div_ceil(SLOT_SIZE as u64);

        let mut notes = Vec::new();
        let opened = if index_path.exists() {
            match open_index(&index_path, file_slots, cache) {
                Ok((db, slots, lost)) => {
                    let mut journal_notes = Vec::new();
                    match guarded(|| Ok(pins::open_journal(&db, dir, &mut journal_notes))) {
                        Ok(Ok(journal)) => Ok((db, slots, lost, journal, journal_notes)),
                        // The index is fine: keep it, and say what the journal's files did.
                        Ok(Err(pins::Failure::File(e))) => {
                            return Err(open_err(&dir.join(JOURNAL_FILE))(e))
                        }
                        Ok(Err(pins::Failure::Index(e))) | Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            }
        } else if file_slots > 0 || dir.join(JOURNAL_FILE).exists() {
            // A store with chunks, or with pins (whose chunks may all be lost), rebuilds; only a
            // store with neither starts with a new index.
            Err("the index is missing".to_string())
        } else {
            super::open_database(&index_path, cache).and_then(|db| {
                create_table(&db)?;
                let mut journal_notes = Vec::new();
                let journal = pins::open_journal(&db, dir, &mut journal_notes)
                    .map_err(pins::Failure::message)?;
                Ok((db, Slots::default(), 0, journal, journal_notes))
            })
        };
        let (index, slots, journal) = match opened {
            Ok((db, slots, lost, journal, journal_notes)) => {
                if lost > 0 {
                    notes.push(format!(
                        "{lost} chunks of the index were past the end of {} (the file was cut \
                         short): they are lost; `swarmec store verify` names them and a download \
                         at a level above 0 writes them again",
                        data_path.display()
                    ));
                }
                notes.extend(journal_notes);
                (db, slots, journal)
            }
            Err(why) => {
                let aside = dir.join(DAMAGED_INDEX_FILE);
                if index_path.exists() {
                    std::fs::rename(&index_path, &aside)
                        .map_err(|e| open_err(&index_path)(e.to_string()))?;
                }
                let rebuilt =
                    rebuild_index(&data, file_slots, dir, cache).map_err(open_err(&index_path))?;
                notes.push(format!(
                    "{why}: rebuilt it from {} ({} chunks, {} pinned roots from {}){}",
                    data_path.display(),
                    rebuilt.found,
                    rebuilt.pins.roots,
                    dir.join(JOURNAL_FILE).display(),
                    if aside.exists() {
                        format!("; the old index is kept as {}", aside.display())
                    } else {
                        String::new()
                    }
                ));
                if let Some(damage) = &rebuilt.pins.damage {
                    notes.push(format!(
                        "the pin journal {} was damaged ({damage}): pins and unpins recorded \
                         there were not brought back (no chunk is lost by it); the old journal \
                         is kept as {}",
                        dir.join(JOURNAL_FILE).display(),
                        dir.join(DAMAGED_JOURNAL_FILE).display()
                    ));
                }
                if rebuilt.pins.lost > 0 {
                    notes.push(format!(
                        "{} pinned chunks were not found in {}: they are kept as lost and still \
                         pinned; `swarmec store verify` names them and a download at a level \
                         above 0 writes them again",
                        rebuilt.pins.lost,
                        data_path.display()
                    ));
                }
                (rebuilt.db, rebuilt.slots, rebuilt.journal)
            }
        };
        for note in &notes {
            tracing::warn!(dir = %dir.display(), "{note}");
        }
        let mut store = SlotStore {
            data,
            index,
            slots: Mutex::new(slots),
            journal: Mutex::new(journal),
            notes,
            index_path: index_path.clone(),
            not_durable: AtomicU64::new(0),
        };
        let legacy = dir.join(DB_FILE);
        if legacy.exists() {
            let moved = store.migrate(dir).map_err(open_err(&legacy))?;
            store.notes.push(format!(
                "moved {moved} chunks from {} (the store of earlier versions) into {}",
                legacy.display(),
                data_path.display()
            ));
            tracing::info!(chunks = moved, "migrated chunks.redb");
        }
        Ok(store)
    }

    /// What opening the store found and did (a rebuilt index, lost chunks, a migration), for the
    /// user to read.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Number of chunks in the index (lost ones included).
    pub fn len(&self) -> Result<u64, StoreError> {
        use redb::ReadableTableMetadata;
        let err = backend("count", None);
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        table.len().map_err(|e| err(e.to_string()))
    }

    /// Whether the store holds no chunk.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        // The bitmap is updated by whole operations; a panic elsewhere leaves it usable.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The record of `address` in `slot`, if intact.
    fn read_record(&self, address: &Address, slot: u64) -> Result<Option<Vec<u8>>, StoreError> {
        if slot == LOST {
            return Ok(None);
        }
        let bytes = read_slot(&self.data, slot)
            .map_err(|e| backend("get", Some(*address))(e.to_string()))?;
        match decode(&bytes) {
            Ok(r) if r.address == *address => Ok(Some(r.data.to_vec())),
            Ok(r) => {
                tracing::warn!(%address, slot, holds = %r.address, "slot holds another chunk");
                Ok(None)
            }
            Err(why) => {
                tracing::warn!(%address, slot, %why, "damaged chunk record");
                Ok(None)
            }
        }
    }

    /// Moves every chunk of `dir/chunks.redb` into this store, makes them durable, then deletes the
    /// old file. Interrupted, it runs again at the next open (storing a chunk twice adds nothing).
    fn migrate(&mut self, dir: &Path) -> Result<u64, String> {
        let legacy = RedbStore::open(dir).map_err(|e| e.to_string())?;
        let mut batch = Vec::new();
        let mut moved = 0u64;
        let mut failed = None;
        legacy
            .iterate(&mut |address, data| {
                batch.push(Chunk {
                    address: *address,
                    data: data.to_vec(),
                });
                if batch.len() >= 1024 {
                    moved += batch.len() as u64;
                    if let Err(e) = self.put_batch(&std::mem::take(&mut batch)) {
                        failed = Some(e);
                        return false;
                    }
                }
                true
            })
            .map_err(|e| e.to_string())?;
        if let Some(e) = failed {
            return Err(e.to_string());
        }
        moved += batch.len() as u64;
        self.put_batch(&batch).map_err(|e| e.to_string())?;
        self.sync().map_err(|e| e.to_string())?;
        drop(legacy);
        std::fs::remove_file(dir.join(DB_FILE)).map_err(|e| e.to_string())?;
        Ok(moved)
    }

    /// Writes the records of `writes` (slot, chunk) in runs of adjacent slots.
    /// A durable write: the data file is fsynced under the writer lock before the commit (as
    /// [`ChunkStore::sync`] does), since the commit makes earlier entries durable too.
    fn durable_write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let err = backend(op, None);
        let mut txn = self.index.begin_write().map_err(|e| err(e.to_string()))?;
        txn.set_durability(Durability::Immediate);
        let out = f(&txn)?;
        self.data.sync_data().map_err(|e| err(e.to_string()))?;
        txn.commit().map_err(|e| err(e.to_string()))?;
        self.not_durable.store(0, Ordering::Relaxed);
        self.slots().release_pending();
        Ok(out)
    }

    /// Removes `addresses` (at most [`REMOVE_BATCH`]) in one durable commit; their slots are free
    /// once it is made.
    fn remove_part(&self, addresses: &[Address]) -> Result<Vec<Removal>, StoreError> {
        let (out, freed) = self.durable_write("remove", |txn| {
            let err = |address: Option<Address>| backend("remove", address);
            let mut table = txn
                .open_table(INDEX)
                .map_err(|e| err(None)(e.to_string()))?;
            let mut out = Vec::with_capacity(addresses.len());
            let mut freed = Vec::new();
            for address in addresses {
                let e = err(Some(*address));
                let old = table
                    .get(&address.0)
                    .map_err(|x| e(x.to_string()))?
                    .map(|v| Entry::decode(v.value()));
                out.push(match old {
                    None => Removal::Absent,
                    Some(entry) if entry.pins > 0 => Removal::Pinned(entry.pins),
                    Some(entry) => {
                        table.remove(&address.0).map_err(|x| e(x.to_string()))?;
                        if entry.slot != LOST {
                            freed.push(entry.slot);
                        }
                        Removal::Removed
                    }
                });
            }
            Ok((out, freed))
        })?;
        let mut slots = self.slots();
        for slot in freed {
            slots.free(slot);
        }
        Ok(out)
    }

    fn write_records(&self, mut writes: Vec<(u64, &Chunk)>) -> std::io::Result<()> {
        writes.sort_by_key(|w| w.0);
        let mut start = 0;
        while start < writes.len() {
            let mut end = start + 1;
            while end < writes.len() && writes[end].0 == writes[end - 1].0 + 1 {
                end += 1;
            }
            let mut buf = vec![0; (end - start) * SLOT_SIZE];
            for (slot_bytes, (_, chunk)) in buf.chunks_mut(SLOT_SIZE).zip(&writes[start..end]) {
                encode(&chunk.address, &chunk.data, slot_bytes);
            }
            self.data.write_all_at(&buf, offset(writes[start].0))?;
            start_writeback(&self.data, offset(writes[start].0), buf.len());
            start = end;
        }
        Ok(())
    }
}

/// Asks the kernel to start writing `len` bytes at `offset` of `file` to the disk now, without
/// waiting: the fsync of the next durable commit then finds most of the data written, so hashing
/// and writing overlap with the disk's work instead of stopping for it. A hint: errors are ignored
/// (the fsync reports them).
fn start_writeback(file: &File, offset: u64, len: usize) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a plain syscall on an open descriptor; no memory is passed.
        unsafe {
            libc::sync_file_range(
                file.as_raw_fd(),
                offset as libc::off64_t,
                len as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
}

fn create_table(db: &Database) -> Result<(), String> {
    let txn = db.begin_write().map_err(|e| e.to_string())?;
    txn.open_table(INDEX).map_err(|e| e.to_string())?;
    txn.open_table(pins::PINS).map_err(|e| e.to_string())?;
    txn.open_table(pins::PIN_CHUNKS)
        .map_err(|e| e.to_string())?;
    txn.open_table(pins::META).map_err(|e| e.to_string())?;
    txn.commit().map_err(|e| e.to_string())
}

/// Opens the index and builds the slot bitmap from it, reading every entry (so that a damaged index
/// shows here, not later). Entries past the end of the data file, or naming a slot another entry
/// has, are marked lost. Returns the number of entries newly marked lost.
fn open_index(
    path: &Path,
    file_slots: u64,
    cache: usize,
) -> Result<(Database, Slots, u64), String> {
    guarded(|| {
        let db = super::open_database(path, cache)?;
        create_table(&db)?;
        let mut slots = Slots::default();
        let mut lost = Vec::new();
        {
            let txn = db.begin_read().map_err(|e| e.to_string())?;
            let table = txn.open_table(INDEX).map_err(|e| e.to_string())?;
            for item in table.iter().map_err(|e| e.to_string())? {
                let (k, v) = item.map_err(|e| e.to_string())?;
                let entry = Entry::decode(v.value());
                if entry.slot == LOST {
                    continue;
                }
                // Only slots below the data file's end are marked, so the bitmap is bounded by
                // the file's real size.
                if entry.slot >= file_slots || !slots.mark(entry.slot) {
                    lost.push((*k.value(), entry));
                }
            }
        }
        if !lost.is_empty() {
            let txn = db.begin_write().map_err(|e| e.to_string())?;
            {
                let mut table = txn.open_table(INDEX).map_err(|e| e.to_string())?;
                for (k, entry) in &lost {
                    let entry = Entry {
                        slot: LOST,
                        pins: entry.pins,
                    };
                    table.insert(k, entry.encode()).map_err(|e| e.to_string())?;
                }
            }
            txn.commit().map_err(|e| e.to_string())?;
        }
        Ok((db, slots, lost.len() as u64))
    })
}

/// An index rebuilt from the data file.
struct Rebuilt {
    db: Database,
    slots: Slots,
    /// Chunks found in the data file.
    found: u64,
    journal: pins::Journal,
    pins: pins::Replayed,
}

/// Builds a new index from the records of the data file (the first record of an address wins),
/// replays the pin journal into it, makes it durable, and only then moves it in place as
/// `chunks.index` (so that an interrupted rebuild leaves no index, and runs again).
fn rebuild_index(
    data: &File,
    file_slots: u64,
    dir: &Path,
    cache: usize,
) -> Result<Rebuilt, String> {
    let path = dir.join(REBUILDING_INDEX_FILE);
    if path.exists() {
        std::fs::remove_file(&path).map_err(|e| e.to_string())?;
    }
    let db = super::open_database(&path, cache)?;
    create_table(&db)?;
    let mut slots = Slots::default();
    let mut found = 0u64;
    let mut txn = db.begin_write().map_err(|e| e.to_string())?;
    txn.set_durability(Durability::None);
    let mut in_txn = 0;
    let mut first = 0;
    while first < file_slots {
        let n = SCAN_SLOTS.min(file_slots - first);
        let mut buf = vec![0; n as usize * SLOT_SIZE];
        let mut have = 0;
        while have < buf.len() {
            match data.read_at(&mut buf[have..], offset(first) + have as u64) {
                Ok(0) => break,
                Ok(k) => have += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        buf.truncate(have);
        {
            let mut table = txn.open_table(INDEX).map_err(|e| e.to_string())?;
            for (i, bytes) in buf.chunks(SLOT_SIZE).enumerate() {
                let Ok(r) = decode(bytes) else { continue };
                if table
                    .get(&r.address.0)
                    .map_err(|e| e.to_string())?
                    .is_some()
                {
                    continue;
                }
                let slot = first + i as u64;
                table
                    .insert(&r.address.0, Entry { slot, pins: 0 }.encode())
                    .map_err(|e| e.to_string())?;
                slots.mark(slot);
                found += 1;
                in_txn += 1;
            }
        }
        if in_txn >= BULK_ENTRIES {
            txn.commit().map_err(|e| e.to_string())?;
            txn = db.begin_write().map_err(|e| e.to_string())?;
            txn.set_durability(Durability::None);
            in_txn = 0;
        }
        first += n;
    }
    txn.commit().map_err(|e| e.to_string())?;
    let (journal, pins) = pins::replay(&db, dir)?;
    let mut txn = db.begin_write().map_err(|e| e.to_string())?;
    txn.set_durability(Durability::Immediate);
    txn.commit().map_err(|e| e.to_string())?;
    std::fs::rename(&path, dir.join(INDEX_FILE)).map_err(|e| e.to_string())?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| e.to_string())?;
    Ok(Rebuilt {
        db,
        slots,
        found,
        journal,
        pins,
    })
}

impl ChunkStore for SlotStore {
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
        let err = backend("get", Some(*address));
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        let entry = table.get(&address.0).map_err(|e| err(e.to_string()))?;
        match entry {
            Some(v) => self.read_record(address, Entry::decode(v.value()).slot),
            None => Ok(None),
        }
    }

    /// One read transaction for the whole batch.
    fn get_many(
        &self,
        addresses: &[Address],
        need: usize,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let err = backend("get", addresses.first().copied());
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        super::get_in_order(addresses, need, |address| {
            let entry = table
                .get(&address.0)
                .map_err(|e| backend("get", Some(*address))(e.to_string()))?;
            match entry {
                Some(v) => self.read_record(address, Entry::decode(v.value()).slot),
                None => Ok(None),
            }
        })
    }

    /// A chunk already stored intact is not written again; one stored damaged, lost or with other
    /// data (a single-owner chunk updated) is written to a fresh slot and its old slot freed once
    /// that is durable.
    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        self.put_batch_reporting(chunks, &mut |_| {})
    }

    /// As `put_batch`; a chunk stored intact already (or earlier in the batch) is
    /// [`Delivery::Seen`], every other [`Delivery::Stored`] (a damaged copy rewritten too).
    fn put_batch_reporting(
        &self,
        chunks: &[Chunk],
        report: &mut dyn FnMut(Delivery),
    ) -> Result<(), StoreError> {
        for c in chunks {
            check_size(c)?;
        }
        if chunks.is_empty() {
            return Ok(());
        }
        let err = |address: Option<Address>| backend("put", address);
        let mut txn = self
            .index
            .begin_write()
            .map_err(|e| err(None)(e.to_string()))?;
        txn.set_durability(Durability::None);
        let mut writes = Vec::with_capacity(chunks.len());
        let mut replaced = Vec::new();
        let mut seen = HashSet::with_capacity(chunks.len());
        let mut deliveries = Vec::with_capacity(chunks.len());
        let indexed: Result<(), StoreError> = (|| {
            let mut table = txn
                .open_table(INDEX)
                .map_err(|e| err(None)(e.to_string()))?;
            for c in chunks {
                if !seen.insert(c.address) {
                    deliveries.push(Delivery::Seen);
                    continue;
                }
                let e = err(Some(c.address));
                let existing = table
                    .get(&c.address.0)
                    .map_err(|x| e(x.to_string()))?
                    .map(|v| Entry::decode(v.value()));
                let pins = match existing {
                    Some(old) => {
                        if self.read_record(&c.address, old.slot)?.as_deref() == Some(&c.data[..]) {
                            deliveries.push(Delivery::Seen);
                            continue;
                        }
                        if old.slot != LOST {
                            replaced.push(old.slot);
                        }
                        old.pins
                    }
                    None => 0,
                };
                let slot = self.slots().take();
                writes.push((slot, c));
                deliveries.push(Delivery::Stored);
                table
                    .insert(&c.address.0, Entry { slot, pins }.encode())
                    .map_err(|x| e(x.to_string()))?;
            }
            Ok(())
        })();
        let taken: Vec<u64> = writes.iter().map(|w| w.0).collect();
        let give_back = |slots: &[u64]| {
            let mut s = self.slots();
            for &slot in slots {
                s.free(slot);
            }
        };
        if let Err(e) = indexed {
            give_back(&taken);
            return Err(e);
        }
        let first = writes.first().map(|w| w.1.address);
        if let Err(e) = self.write_records(writes) {
            give_back(&taken);
            return Err(err(first)(e.to_string()));
        }
        if let Err(e) = txn.commit() {
            give_back(&taken);
            return Err(err(first)(e.to_string()));
        }
        {
            let mut s = self.slots();
            for slot in replaced {
                s.free_after_commit(slot);
            }
        }
        let stored = taken.len() as u64;
        if self.not_durable.fetch_add(stored, Ordering::Relaxed) + stored >= DURABLE_EVERY {
            self.sync()?;
        }
        for d in deliveries {
            report(d);
        }
        Ok(())
    }

    fn has(&self, address: &Address) -> Result<bool, StoreError> {
        let err = backend("has", Some(*address));
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        let entry = table.get(&address.0).map_err(|e| err(e.to_string()))?;
        Ok(entry.is_some_and(|v| Entry::decode(v.value()).slot != LOST))
    }

    /// As [`ChunkStore::remove_many`] with one address; a pinned chunk is not removed:
    /// [`StoreError::Pinned`].
    fn remove(&self, address: &Address) -> Result<bool, StoreError> {
        match self.remove_many(std::slice::from_ref(address))?.first() {
            Some(Removal::Removed) => Ok(true),
            Some(Removal::Pinned(pins)) => Err(StoreError::Pinned {
                address: *address,
                pins: *pins,
            }),
            _ => Ok(false),
        }
    }

    /// One durable commit per [`REMOVE_BATCH`] addresses, with the data file fsynced first (as
    /// [`ChunkStore::sync`]), so that redb reuses the index pages the removals free (non-durable
    /// commits one chunk at a time tripled the index in `benches/store.rs`) and the slots are free
    /// at once. Pinned chunks stay.
    fn remove_many(&self, addresses: &[Address]) -> Result<Vec<Removal>, StoreError> {
        let mut out = Vec::with_capacity(addresses.len());
        for part in addresses.chunks(REMOVE_BATCH) {
            out.extend(self.remove_part(part)?);
        }
        Ok(out)
    }

    /// In address order. A damaged or lost chunk is visited with no data (so that checking it
    /// fails).
    fn iterate(&self, visit: &mut dyn FnMut(&Address, &[u8]) -> bool) -> Result<(), StoreError> {
        let err = backend("iterate", None);
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let table = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        for item in table.iter().map_err(|e| err(e.to_string()))? {
            let (k, v) = item.map_err(|e| err(e.to_string()))?;
            let address = Address(*k.value());
            let data = self
                .read_record(&address, Entry::decode(v.value()).slot)?
                .unwrap_or_default();
            if !visit(&address, &data) {
                break;
            }
        }
        Ok(())
    }

    /// Holds the index's writer lock while the data file is fsynced, so that every committed entry's
    /// record is on disk before the durable commit.
    fn sync(&self) -> Result<(), StoreError> {
        let err = backend("sync", None);
        let txn = self.index.begin_write().map_err(|e| err(e.to_string()))?;
        self.data.sync_data().map_err(|e| err(e.to_string()))?;
        txn.commit().map_err(|e| err(e.to_string()))?;
        self.not_durable.store(0, Ordering::Relaxed);
        self.slots().release_pending();
        Ok(())
    }
}

impl Drop for SlotStore {
    /// Syncs, then compacts the index when it takes more than one and a half times what its entries
    /// need: redb reuses the pages that non-durable commits free only after a durable one, so an
    /// upload of many batches leaves copies behind (about 450 bytes a chunk instead of about 100
    /// with a durable commit every [`DURABLE_EVERY`] chunks).
    fn drop(&mut self) {
        if let Err(e) = self.sync() {
            tracing::warn!(%e, "syncing the chunk store on close failed");
            return;
        }
        let need = self.len().unwrap_or(0) * 128 + (1 << 20);
        let have = std::fs::metadata(&self.index_path).map_or(0, |m| m.len());
        if have > need + need / 2 {
            match self.index.compact() {
                Ok(_) => tracing::debug!(before = have, "compacted the chunk index"),
                Err(e) => tracing::warn!(%e, "compacting the chunk index failed"),
            }
        }
    }
}

#[cfg(test)]
mod tests;
