//! Pins in the slot store: a pinned root names every chunk of its tree (data, intermediate, parity,
//! replicas), each of which counts its pins in its index entry; a chunk with pins is not removed
//! (`ChunkStore::remove` answers [`StoreError::Pinned`], so that eviction keeps it).
//!
//! The index holds them: two tables beside the slots, `pins` (root reference → chunk count) and
//! `pin_chunks` (root ‖ address), and the counts in the entries. Every pin and unpin is also written
//! to a journal, `chunks.pins` (format in [`super::journal`]), so that an index rebuilt from the data
//! file gets them back. The index is the authority while it is readable; the journal is its backup:
//!
//! - Invariant: every root pinned in the durable index is pinned, with the same chunks, in the
//!   durable journal. A pin appends and fsyncs its record before the index commits it; an unpin
//!   commits the index first, then appends its record. Both run under one lock and are durable when
//!   they return. A crash between the two steps leaves a pin in the journal that the index does not
//!   have (never the reverse): unacknowledged, and gone at the next open (below).
//! - The index's `meta` table holds the journal's length as of each pin or unpin. At open the
//!   journal is read through (every record's checksum) and kept when it is whole and of that length;
//!   otherwise (a crash between the steps, a torn append, damage, no journal yet: a store of earlier
//!   versions) it is written again from the index, a damaged one kept as `chunks.pins.damaged` and
//!   reported. It is also written again when it has grown past twice what its pins need and 1 MiB.
//!   A journal that cannot be read or written fails the open, naming it; the index is kept.
//! - An index rebuilt from the data file replays the journal in order (a pin replaces what its root
//!   held; records that fail their checksum are skipped and reported). A pinned chunk that the data
//!   file no longer has is kept in the index as lost, still pinned: `store verify` names it and a
//!   repair writes it again.
//!
//! Damage to the journal never costs a chunk: chunks are found from the data file alone.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::MutexGuard;

use redb::{Database, Durability, ReadableTable, Table, TableDefinition, WriteTransaction};

use super::journal::{self, Head, JournalError, Kind, FILE_HEADER, HEAD, MAGIC};
use super::{backend, Entry, SlotStore, BULK_ENTRIES, INDEX, LOST};
use crate::address::Address;
use crate::store::{PinStore, StoreError};

pub(super) const PINS: TableDefinition<&[u8], u64> = TableDefinition::new("pins");
pub(super) const PIN_CHUNKS: TableDefinition<&[u8], ()> = TableDefinition::new("pin_chunks");
/// The index's own facts: [`JOURNAL_LEN`].
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// The journal's length as of the last pin or unpin ([`STALE`]: write it again at the next open).
const JOURNAL_LEN: &str = "pin journal length";
const STALE: u64 = u64::MAX;

/// The pin journal in the data directory.
pub const JOURNAL_FILE: &str = "chunks.pins";
/// Where a damaged journal is kept when it is written again.
pub const DAMAGED_JOURNAL_FILE: &str = "chunks.pins.damaged";
const NEW_JOURNAL_FILE: &str = "chunks.pins.new";

/// Bytes read at once from the journal.
const READ: usize = 1 << 20;

/// The open journal.
pub(super) struct Journal {
    file: File,
    len: u64,
    /// An append failed after the index committed: the index tells the next open to write the
    /// journal again.
    stale: bool,
}

impl Journal {
    /// Appends `record` and fsyncs it; on failure the journal is cut back to where it was.
    fn append(&mut self, record: &[u8]) -> std::io::Result<()> {
        let written = self
            .file
            .write_all_at(record, self.len)
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += record.len() as u64;
                Ok(())
            }
            Err(e) => {
                let _ = self.file.set_len(self.len);
                Err(e)
            }
        }
    }

    /// The length the index records for the journal once `record` is appended.
    fn len_after(&self, record: &[u8]) -> u64 {
        if self.stale {
            STALE
        } else {
            self.len + record.len() as u64
        }
    }
}

fn pin_key(root: &[u8], address: &Address) -> Vec<u8> {
    let mut k = root.to_vec();
    k.extend_from_slice(&address.0);
    k
}

fn check_root(op: &'static str, root: &[u8]) -> Result<(), StoreError> {
    if root.is_empty() || root.len() > 255 {
        return Err(backend(op, None)(format!(
            "a pinned root has 1 to 255 bytes, not {}",
            root.len()
        )));
    }
    Ok(())
}

/// Removes `root`'s pin from the tables of `txn`: each chunk it held loses one pin; with
/// `drop_lost`, a lost entry left with no pin is removed (a replay made it only for the pin).
/// `false` if `root` was not pinned.
fn remove_root(txn: &WriteTransaction, root: &[u8], drop_lost: bool) -> Result<bool, String> {
    let e = |x: redb::Error| x.to_string();
    let mut pins = txn.open_table(PINS).map_err(|x| e(x.into()))?;
    if pins.remove(root).map_err(|x| e(x.into()))?.is_none() {
        return Ok(false);
    }
    let mut index = txn.open_table(INDEX).map_err(|x| e(x.into()))?;
    let mut members = txn.open_table(PIN_CHUNKS).map_err(|x| e(x.into()))?;
    let mut end = root.to_vec();
    end.extend_from_slice(&[0xff; 33]);
    let keys: Vec<Vec<u8>> = members
        .range(root..end.as_slice())
        .map_err(|x| e(x.into()))?
        .map(|item| item.map(|(k, _)| k.value().to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|x| e(x.into()))?;
    for key in keys {
        if key.len() != root.len() + 32 {
            continue;
        }
        let a = Address(key[root.len()..].try_into().expect("32 bytes"));
        members.remove(key.as_slice()).map_err(|x| e(x.into()))?;
        let entry = index
            .get(&a.0)
            .map_err(|x| e(x.into()))?
            .map(|v| Entry::decode(v.value()));
        if let Some(entry) = entry {
            let pins = entry.pins.saturating_sub(1);
            if drop_lost && pins == 0 && entry.slot == LOST {
                index.remove(&a.0).map_err(|x| e(x.into()))?;
            } else {
                index
                    .insert(&a.0, Entry { pins, ..entry }.encode())
                    .map_err(|x| e(x.into()))?;
            }
        }
    }
    Ok(true)
}

/// What [`add_member`] did.
#[derive(PartialEq)]
enum Added {
    /// The chunk holds one more pin.
    Pinned,
    /// The root held it already.
    Twice,
    /// Not stored (and not added).
    Missing,
    /// Not in the index: added as lost, pinned (a replay).
    Lost,
}

/// Adds `a` to `root`'s pin. A chunk the index does not have (or has as lost) is
/// [`Added::Missing`], unless `keep_lost`: then it is pinned as lost.
fn add_member(
    index: &mut Table<&[u8; 32], [u8; 12]>,
    members: &mut Table<&[u8], ()>,
    root: &[u8],
    a: &Address,
    keep_lost: bool,
) -> Result<Added, String> {
    let e = |x: redb::StorageError| x.to_string();
    let key = pin_key(root, a);
    if members.get(key.as_slice()).map_err(e)?.is_some() {
        return Ok(Added::Twice);
    }
    let entry = index
        .get(&a.0)
        .map_err(e)?
        .map(|v| Entry::decode(v.value()));
    let added = match entry {
        Some(entry) if entry.slot != LOST || keep_lost => {
            let entry = Entry {
                pins: entry.pins.saturating_add(1),
                ..entry
            };
            index.insert(&a.0, entry.encode()).map_err(e)?;
            Added::Pinned
        }
        None if keep_lost => {
            index
                .insert(
                    &a.0,
                    Entry {
                        slot: LOST,
                        pins: 1,
                    }
                    .encode(),
                )
                .map_err(e)?;
            Added::Lost
        }
        _ => return Ok(Added::Missing),
    };
    members.insert(key.as_slice(), ()).map_err(e)?;
    Ok(added)
}

impl SlotStore {
    fn journal(&self) -> MutexGuard<'_, Journal> {
        // The journal is changed by whole appends; a panic elsewhere leaves it usable.
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PinStore for SlotStore {
    /// Journals the pin (fsynced) before the index commits it.
    fn pin(&self, root: &[u8], chunks: &[Address]) -> Result<bool, StoreError> {
        check_root("pin", root)?;
        let mut journal = self.journal();
        let before = journal.len;
        let pinned = self.durable_write("pin", |txn| {
            let err = |a: Option<Address>| backend("pin", a);
            let mut pins = txn.open_table(PINS).map_err(|e| err(None)(e.to_string()))?;
            if pins
                .get(root)
                .map_err(|e| err(None)(e.to_string()))?
                .is_some()
            {
                return Ok(false);
            }
            let mut index = txn
                .open_table(INDEX)
                .map_err(|e| err(None)(e.to_string()))?;
            let mut members = txn
                .open_table(PIN_CHUNKS)
                .map_err(|e| err(None)(e.to_string()))?;
            let mut held = Vec::with_capacity(chunks.len());
            for a in chunks {
                match add_member(&mut index, &mut members, root, a, false)
                    .map_err(|e| err(Some(*a))(e.to_string()))?
                {
                    Added::Pinned => held.push(*a),
                    Added::Twice => {}
                    Added::Missing | Added::Lost => {
                        return Err(StoreError::Missing { address: *a })
                    }
                }
            }
            pins.insert(root, held.len() as u64)
                .map_err(|e| err(None)(e.to_string()))?;
            let record = journal::pin_record(root, &held);
            let len = journal.len_after(&record);
            set_len(txn, len).map_err(|e| err(None)(e.to_string()))?;
            journal
                .append(&record)
                .map_err(|e| err(None)(format!("writing the pin journal: {e}")))?;
            Ok(true)
        });
        if pinned.is_err() && journal.len != before {
            // Journaled, then not committed: take the record back (the next open would drop it).
            if journal.file.set_len(before).is_ok() {
                journal.len = before;
            } else {
                journal.stale = true;
            }
        }
        pinned
    }

    /// Commits the index, then journals the unpin.
    fn unpin(&self, root: &[u8]) -> Result<bool, StoreError> {
        check_root("unpin", root)?;
        let mut journal = self.journal();
        let record = journal::unpin_record(root);
        let len = journal.len_after(&record);
        let unpinned = self.durable_write("unpin", |txn| {
            let err = backend("unpin", None);
            if !remove_root(txn, root, false).map_err(&err)? {
                return Ok(false);
            }
            set_len(txn, len).map_err(|e| err(e.to_string()))?;
            Ok(true)
        })?;
        if unpinned {
            if let Err(e) = journal.append(&record) {
                // The index has the unpin and records a length the journal does not have: the
                // next open writes the journal again from the index.
                tracing::warn!(%e, "writing the pin journal failed; it is written again at the next open");
                journal.stale = true;
            }
        }
        Ok(unpinned)
    }

    fn is_pinned(&self, root: &[u8]) -> Result<bool, StoreError> {
        let err = backend("pins", None);
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let pins = txn.open_table(PINS).map_err(|e| err(e.to_string()))?;
        Ok(pins.get(root).map_err(|e| err(e.to_string()))?.is_some())
    }

    fn pinned_roots(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let err = backend("pins", None);
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let pins = txn.open_table(PINS).map_err(|e| err(e.to_string()))?;
        let mut out = Vec::new();
        for item in pins.iter().map_err(|e| err(e.to_string()))? {
            let (k, _) = item.map_err(|e| err(e.to_string()))?;
            out.push(k.value().to_vec());
        }
        Ok(out)
    }

    fn pins_of(&self, address: &Address) -> Result<u32, StoreError> {
        let err = backend("pins", Some(*address));
        let txn = self.index.begin_read().map_err(|e| err(e.to_string()))?;
        let index = txn.open_table(INDEX).map_err(|e| err(e.to_string()))?;
        let entry = index.get(&address.0).map_err(|e| err(e.to_string()))?;
        Ok(entry.map_or(0, |v| Entry::decode(v.value()).pins))
    }
}

/// Checks the record at `pos` of a journal of `len` bytes: its head, that it fits, its checksum.
fn check_at(file: &File, pos: u64, len: u64) -> std::io::Result<Result<Head, JournalError>> {
    if len.saturating_sub(pos) < HEAD as u64 {
        return Ok(Err(JournalError::Short));
    }
    let mut bytes = [0; HEAD];
    file.read_exact_at(&mut bytes, pos)?;
    let head = match journal::parse_head(&bytes) {
        Ok(head) => head,
        Err(e) => return Ok(Err(e)),
    };
    if head.len() > len - pos {
        return Ok(Err(JournalError::Short));
    }
    let mut crc = journal::Checksum::new(&bytes);
    let mut buf = vec![0; READ.min(head.body_len() as usize)];
    let (mut at, end) = (pos + HEAD as u64, pos + head.len());
    while at < end {
        let n = READ.min((end - at) as usize);
        file.read_exact_at(&mut buf[..n], at)?;
        crc.update(&buf[..n]);
        at += n as u64;
    }
    Ok(if crc.matches(&head) {
        Ok(head)
    } else {
        Err(JournalError::Checksum)
    })
}

/// The first whole record starting at or after `from`.
fn next_record(file: &File, from: u64, len: u64) -> std::io::Result<Option<u64>> {
    let mut buf = vec![0; READ];
    let mut at = from;
    while len.saturating_sub(at) >= HEAD as u64 {
        let n = READ.min((len - at) as usize);
        file.read_exact_at(&mut buf[..n], at)?;
        for i in 0..n - 3 {
            if buf[i..i + 4] == MAGIC && check_at(file, at + i as u64, len)?.is_ok() {
                return Ok(Some(at + i as u64));
            }
        }
        // Overlap by three bytes, so that a magic across two reads is seen.
        at += (n - 3) as u64;
    }
    Ok(None)
}

/// What reading a journal found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Its length.
    pub len: u64,
    /// Whole records.
    pub records: u64,
    /// The file does not start with [`FILE_HEADER`].
    pub bad_header: bool,
    /// Byte ranges between whole records that are not records (damage).
    pub damaged: Vec<(u64, u64)>,
    /// Where the bytes at the end that are no whole record start (an unfinished append, or damage).
    pub tail: Option<u64>,
}

impl Scan {
    /// Whether anything but whole records is in the file.
    pub fn is_clean(&self) -> bool {
        !self.bad_header && self.damaged.is_empty() && self.tail.is_none()
    }

    /// What is wrong, for a note.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.bad_header {
            parts.push("it does not start with the journal's header".to_string());
        }
        for (from, to) in &self.damaged {
            parts.push(format!("bytes {from}..{to} are not whole records"));
        }
        if let Some(tail) = self.tail {
            parts.push(format!(
                "its last {} bytes are not a whole record",
                self.len - tail
            ));
        }
        parts.join("; ")
    }
}

/// Reads the journal through, calling `visit` with each whole record's offset and head in order.
fn scan(
    file: &File,
    mut visit: impl FnMut(u64, &Head) -> Result<(), String>,
) -> Result<Scan, String> {
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut out = Scan {
        len,
        ..Scan::default()
    };
    let mut header = [0; FILE_HEADER.len()];
    out.bad_header = len < FILE_HEADER.len() as u64
        || file.read_exact_at(&mut header, 0).is_err()
        || &header != FILE_HEADER;
    let mut pos = (FILE_HEADER.len() as u64).min(len);
    while pos < len {
        match check_at(file, pos, len).map_err(|e| e.to_string())? {
            Ok(head) => {
                visit(pos, &head)?;
                out.records += 1;
                pos += head.len();
            }
            Err(_) => match next_record(file, pos + 1, len).map_err(|e| e.to_string())? {
                Some(next) => {
                    out.damaged.push((pos, next));
                    pos = next;
                }
                None => {
                    out.tail = Some(pos);
                    break;
                }
            },
        }
    }
    Ok(out)
}

fn open_file(path: &Path, create: bool) -> Result<File, String> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(create)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn sync_dir(dir: &Path) -> Result<(), String> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("{}: {e}", dir.display()))
}

/// Writes the journal of what `db` pins (one pin record a root) to `chunks.pins.new` and fsyncs it,
/// streaming each root's chunks. Returns the file and its length; [`install`] puts it in place.
fn write_from_index(db: &Database, dir: &Path) -> Result<(File, u64), Failure> {
    let file = open_file(&dir.join(NEW_JOURNAL_FILE), true).map_err(Failure::File)?;
    let io = |e: std::io::Error| Failure::File(e.to_string());
    let ix = |e: redb::Error| Failure::Index(e.to_string());
    file.write_all_at(FILE_HEADER, 0).map_err(io)?;
    let mut pos = FILE_HEADER.len() as u64;
    let txn = db.begin_read().map_err(|e| ix(e.into()))?;
    let pins = txn.open_table(PINS).map_err(|e| ix(e.into()))?;
    let members = txn.open_table(PIN_CHUNKS).map_err(|e| ix(e.into()))?;
    for item in pins.iter().map_err(|e| ix(e.into()))? {
        let (root, _) = item.map_err(|e| ix(e.into()))?;
        let root = root.value();
        if root.is_empty() || root.len() > 255 {
            continue;
        }
        let head_at = pos;
        let mut body = crc32fast::Hasher::new();
        let mut buf = root.to_vec();
        let mut count = 0u32;
        let mut end = root.to_vec();
        end.extend_from_slice(&[0xff; 33]);
        let mut at = head_at + HEAD as u64;
        for m in members
            .range(root..end.as_slice())
            .map_err(|e| ix(e.into()))?
        {
            let (key, _) = m.map_err(|e| ix(e.into()))?;
            let key = key.value();
            if key.len() != root.len() + 32 {
                continue;
            }
            buf.extend_from_slice(&key[root.len()..]);
            count = count.saturating_add(1);
            if buf.len() >= READ {
                body.update(&buf);
                file.write_all_at(&buf, at).map_err(io)?;
                at += buf.len() as u64;
                buf.clear();
            }
        }
        body.update(&buf);
        file.write_all_at(&buf, at).map_err(io)?;
        at += buf.len() as u64;
        let mut head = journal::pin_head(root, count);
        journal::seal_head(&mut head, &body);
        file.write_all_at(&head, head_at).map_err(io)?;
        pos = at;
    }
    file.set_len(pos).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok((file, pos))
}

/// Puts a journal [`write_from_index`] wrote in place (keeping the old one as
/// `chunks.pins.damaged` if `keep_old`) and makes that durable.
fn install(dir: &Path, keep_old: bool) -> Result<(), String> {
    let path = dir.join(JOURNAL_FILE);
    if keep_old && path.exists() {
        std::fs::rename(&path, dir.join(DAMAGED_JOURNAL_FILE)).map_err(|e| e.to_string())?;
    }
    std::fs::rename(dir.join(NEW_JOURNAL_FILE), &path).map_err(|e| e.to_string())?;
    sync_dir(dir)
}

/// Sets the journal's length recorded in `txn`.
fn set_len(txn: &WriteTransaction, len: u64) -> Result<(), String> {
    let mut meta = txn.open_table(META).map_err(|e| e.to_string())?;
    meta.insert(JOURNAL_LEN, len).map_err(|e| e.to_string())?;
    Ok(())
}

/// Records the journal's length in the index, durably.
fn record_len(db: &Database, len: u64) -> Result<(), String> {
    let mut txn = db.begin_write().map_err(|e| e.to_string())?;
    txn.set_durability(Durability::Immediate);
    set_len(&txn, len).map_err(|e| e.to_string())?;
    txn.commit().map_err(|e| e.to_string())
}

/// Bytes a journal written from the index would take, and the roots pinned.
fn needed(db: &Database) -> Result<(u64, u64), String> {
    let txn = db.begin_read().map_err(|e| e.to_string())?;
    let pins = txn.open_table(PINS).map_err(|e| e.to_string())?;
    let mut bytes = FILE_HEADER.len() as u64;
    let mut roots = 0;
    for item in pins.iter().map_err(|e| e.to_string())? {
        let (root, count) = item.map_err(|e| e.to_string())?;
        bytes += (HEAD + root.value().len()) as u64 + 32 * count.value();
        roots += 1;
    }
    Ok((bytes, roots))
}

/// Why the journal could not be opened or written.
pub(super) enum Failure {
    /// The index could not be read or written: it is damaged (rebuild it).
    Index(String),
    /// The journal's files could not be read or written (the index is fine: keep it).
    File(String),
}

impl Failure {
    /// What went wrong.
    pub fn message(self) -> String {
        match self {
            Failure::Index(m) | Failure::File(m) => m,
        }
    }
}

/// Opens the journal beside an index that opened well, checking it against the index (module
/// comment); notes what was wrong with it.
pub(super) fn open_journal(
    db: &Database,
    dir: &Path,
    notes: &mut Vec<String>,
) -> Result<Journal, Failure> {
    let ix = |e: redb::Error| Failure::Index(e.to_string());
    let path = dir.join(JOURNAL_FILE);
    let recorded = {
        let txn = db.begin_read().map_err(|e| ix(e.into()))?;
        let meta = txn.open_table(META).map_err(|e| ix(e.into()))?;
        let len = meta.get(JOURNAL_LEN).map_err(|e| ix(e.into()))?;
        len.map(|v| v.value())
    };
    let (need, roots) = needed(db).map_err(Failure::Index)?;
    let mut damaged = None;
    let existed = path.exists();
    if existed {
        let file = open_file(&path, false).map_err(Failure::File)?;
        let found = scan(&file, |_, _| Ok(())).map_err(Failure::File)?;
        // A tail that is no whole record, where the index records another length than the file's,
        // is an append a crash cut short (a pin's: the index records where the record starts; an
        // unpin's: where it ends); anything else is damage.
        let crashed = found.damaged.is_empty()
            && !found.bad_header
            && found
                .tail
                .is_some_and(|t| recorded.is_some_and(|r| r >= t && r != found.len));
        if found.is_clean() && recorded == Some(found.len) {
            if found.len <= 2 * need + (1 << 20) {
                return Ok(Journal {
                    file,
                    len: found.len,
                    stale: false,
                });
            }
        } else if !found.is_clean() && !crashed {
            damaged = Some(found.describe());
        }
    }
    let (file, len) = write_from_index(db, dir)?;
    install(dir, damaged.is_some()).map_err(Failure::File)?;
    record_len(db, len).map_err(Failure::Index)?;
    if let Some(what) = damaged {
        notes.push(format!(
            "the pin journal {} was damaged ({what}): wrote it again from the index ({roots} \
             pinned roots, none lost); the old one is kept as {}",
            path.display(),
            dir.join(DAMAGED_JOURNAL_FILE).display()
        ));
    } else if !existed && roots > 0 {
        notes.push(format!(
            "wrote the pin journal {} from the index ({roots} pinned roots)",
            path.display()
        ));
    }
    Ok(Journal {
        file,
        len,
        stale: false,
    })
}

/// What [`replay`] brought back.
pub(super) struct Replayed {
    /// Roots pinned at the end.
    pub roots: u64,
    /// Pinned chunks the data file did not have, kept as lost.
    pub lost: u64,
    /// What was wrong with the journal, if anything.
    pub damage: Option<String>,
}

/// Replays the journal in `dir`, if there is one, into `db` (an index just rebuilt from the data
/// file, not yet durable); the caller commits durably. Then writes the journal again from the result,
/// keeping a damaged one as `chunks.pins.damaged`, and records its length in `db`.
pub(super) fn replay(db: &Database, dir: &Path) -> Result<(Journal, Replayed), String> {
    let path = dir.join(JOURNAL_FILE);
    let mut out = Replayed {
        roots: 0,
        lost: 0,
        damage: None,
    };
    if path.exists() {
        let file = open_file(&path, false)?;
        let mut txn = Some(begin_bulk(db)?);
        let mut in_txn = 0usize;
        let found = scan(&file, |pos, head| {
            let t = txn.as_ref().expect("a transaction");
            apply(t, &file, pos, head)?;
            in_txn += 1 + head.count as usize;
            if in_txn >= BULK_ENTRIES {
                txn.take()
                    .expect("a transaction")
                    .commit()
                    .map_err(|e| e.to_string())?;
                txn = Some(begin_bulk(db)?);
                in_txn = 0;
            }
            Ok(())
        })?;
        txn.take()
            .expect("a transaction")
            .commit()
            .map_err(|e| e.to_string())?;
        if !found.is_clean() {
            out.damage = Some(found.describe());
        }
        out.lost = count_lost_pinned(db)?;
    }
    out.roots = needed(db)?.1;
    let (file, len) = write_from_index(db, dir).map_err(Failure::message)?;
    install(dir, out.damage.is_some())?;
    let txn = begin_bulk(db)?;
    set_len(&txn, len).map_err(|e| e.to_string())?;
    txn.commit().map_err(|e| e.to_string())?;
    Ok((
        Journal {
            file,
            len,
            stale: false,
        },
        out,
    ))
}

fn begin_bulk(db: &Database) -> Result<WriteTransaction, String> {
    let mut txn = db.begin_write().map_err(|e| e.to_string())?;
    txn.set_durability(Durability::None);
    Ok(txn)
}

/// Applies the whole record at `pos` (its checksum checked) to `txn`: an unpin removes its root's
/// pin, a pin replaces it.
fn apply(txn: &WriteTransaction, file: &File, pos: u64, head: &Head) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    let mut root = vec![0; usize::from(head.root_len)];
    file.read_exact_at(&mut root, pos + HEAD as u64)
        .map_err(io)?;
    remove_root(txn, &root, true)?;
    if head.kind == Kind::Unpin {
        return Ok(());
    }
    let e = |x: redb::Error| x.to_string();
    let mut pins = txn.open_table(PINS).map_err(|x| e(x.into()))?;
    let mut index = txn.open_table(INDEX).map_err(|x| e(x.into()))?;
    let mut members = txn.open_table(PIN_CHUNKS).map_err(|x| e(x.into()))?;
    let mut held = 0u64;
    let mut at = pos + HEAD as u64 + root.len() as u64;
    let mut left = u64::from(head.count);
    let mut buf = vec![0; READ.min(32 * left as usize)];
    while left > 0 {
        let n = (READ as u64 / 32).min(left) as usize;
        file.read_exact_at(&mut buf[..32 * n], at).map_err(io)?;
        for a in buf[..32 * n].chunks_exact(32) {
            let a = Address(a.try_into().expect("32 bytes"));
            match add_member(&mut index, &mut members, &root, &a, true)? {
                Added::Pinned | Added::Lost => held += 1,
                Added::Twice | Added::Missing => {}
            }
        }
        at += 32 * n as u64;
        left -= n as u64;
    }
    pins.insert(root.as_slice(), held)
        .map_err(|x| e(x.into()))?;
    Ok(())
}

/// Lost entries that pins hold.
fn count_lost_pinned(db: &Database) -> Result<u64, String> {
    let txn = db.begin_read().map_err(|e| e.to_string())?;
    let index = txn.open_table(INDEX).map_err(|e| e.to_string())?;
    let mut n = 0;
    for item in index.iter().map_err(|e| e.to_string())? {
        let (_, v) = item.map_err(|e| e.to_string())?;
        let entry = Entry::decode(v.value());
        if entry.slot == LOST && entry.pins > 0 {
            n += 1;
        }
    }
    Ok(n)
}
