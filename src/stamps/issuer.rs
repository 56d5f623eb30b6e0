//! The stamp issuer of a batch: picks a free slot in the chunk's bucket and signs, never issuing
//! a slot twice, even across a crash.
//!
//! # The lease log
//!
//! `<data dir>/issuers/<64-hex batch id>.log` is a 48-byte header and then 16-byte records:
//!
//! ```text
//! header:  "SWISSUE1" (8) || batch id (32) || depth (1) || bucket depth (1) || immutable (1)
//!          || 0 (1) || keccak256(the 44 bytes before)[..4]
//! record:  bucket (u32 BE) || leased (u64 BE) || keccak256(the 12 bytes before)[..4]
//! ```
//!
//! `leased` counts the slots of the bucket handed out so far, over every round of a mutable
//! batch: the next slot is `counter mod 2^(depth - bucket depth)`. Before a stamp of a slot leaves
//! [`Issuer::issue`], a record whose `leased` covers it has been appended and fdatasync'ed. Leases
//! are blocks of up to [`LEASE_SLOTS`] slots, never past the end of a round (the bucket's size), so
//! one fsync serves several stamps; [`Issuer::issue_many`] takes every lease it needs with one.
//!
//! On open the log is replayed, keeping the largest `leased` per bucket, and issuing resumes
//! there: slots leased but not used before a crash are lost, never reissued. A record that fails
//! its check (a torn or damaged write) is ignored; since a record is only relied on after the
//! fsync that also covered every earlier record, only the unsynced tail can be torn by a crash. A
//! log with damaged records, a torn tail or many records is rewritten compactly (one record per
//! bucket) through a temporary file, fsync and rename.
//!
//! One issuer per batch at a time: [`Issuer::open`] takes an exclusive lock on
//! `<id>.lock` beside the log (two issuers appending to one log, or one compacting it under the
//! other, could hand out a slot twice). [`Issuer::peek_utilization`] reads a log without it.
//!
//! A full bucket of an immutable batch refuses ([`StampsError::BucketFull`]); of a mutable batch it
//! starts over at slot 0, as bee's `StampIssuer.increment` does: such a slot is reissued by design
//! (the newer stamp replaces the older chunk at storers). "Never twice" is about the slots of one
//! round.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{io, unix_nanos, write_atomic, StampsError};
use crate::address::Address;
use crate::identity::OverlayKey;
use crate::keccak::keccak256;
use crate::postage::{Batch, BatchId, PostageError, Stamp, StampIndex};

/// Directory of the issuer logs inside the data directory.
pub const ISSUERS_DIR: &str = "issuers";
/// Most slots leased at once per bucket.
pub const LEASE_SLOTS: u64 = 16;

const MAGIC: &[u8; 8] = b"SWISSUE1";
const HEADER_LEN: usize = 48;
const RECORD_LEN: usize = 16;
/// A log with more records than this plus twice its buckets is compacted on open.
const COMPACT_SLACK: usize = 4096;

fn check4(bytes: &[u8]) -> [u8; 4] {
    let h = keccak256(bytes);
    [h[0], h[1], h[2], h[3]]
}

fn header(batch: &Batch) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..40].copy_from_slice(&batch.id);
    h[40] = batch.depth;
    h[41] = batch.bucket_depth;
    h[42] = u8::from(batch.immutable);
    let c = check4(&h[..44]);
    h[44..].copy_from_slice(&c);
    h
}

fn record(bucket: u32, leased: u64) -> [u8; RECORD_LEN] {
    let mut r = [0u8; RECORD_LEN];
    r[..4].copy_from_slice(&bucket.to_be_bytes());
    r[4..12].copy_from_slice(&leased.to_be_bytes());
    let c = check4(&r[..12]);
    r[12..].copy_from_slice(&c);
    r
}

/// A record that passes its check and names a bucket of the batch.
fn read_record(r: &[u8], buckets: u64) -> Option<(u32, u64)> {
    let bucket = u32::from_be_bytes(r.get(..4)?.try_into().ok()?);
    let leased = u64::from_be_bytes(r.get(4..12)?.try_into().ok()?);
    (r.get(12..16)? == check4(r.get(..12)?) && u64::from(bucket) < buckets)
        .then_some((bucket, leased))
}

/// A bucket's counters: the next slot counter to use and the end of its lease.
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    next: u64,
    leased: u64,
}

#[derive(Debug)]
struct State {
    file: File,
    buckets: HashMap<u32, Bucket>,
    issued: u64,
    utilization: u64,
    last_timestamp: u64,
    failed: bool,
}

/// Slots per bucket, refusing parameters no stamp can have.
fn slots_of(batch: &Batch) -> Result<u64, StampsError> {
    let slots = batch.slots_per_bucket();
    if slots == 0 || batch.bucket_depth > 32 {
        return Err(PostageError::BatchDepth {
            batch: hex::encode(batch.id),
            depth: batch.depth,
            bucket_depth: batch.bucket_depth,
        }
        .into());
    }
    Ok(slots)
}

fn log_path(data_dir: &Path, batch: &Batch) -> PathBuf {
    data_dir
        .join(ISSUERS_DIR)
        .join(format!("{}.log", hex::encode(batch.id)))
}

/// bee's utilization from the bucket counters: the fullest bucket in its current round.
fn utilization_of(counters: impl Iterator<Item = u64>, slots: u64) -> u64 {
    counters.map(|c| c.min(slots)).max().unwrap_or(0)
}

/// What a log holds: the largest counter per bucket, and what was wrong with it.
struct Replay {
    counters: HashMap<u32, u64>,
    records: usize,
    damaged: Vec<usize>,
    torn: usize,
}

/// Reads a log: checks the header against `batch`, keeps the largest counter per bucket, and
/// notes damaged records and a torn tail.
fn replay(path: &Path, batch: &Batch, bytes: &[u8]) -> Result<Replay, StampsError> {
    let bad = |offset: u64, message: &str| StampsError::IssuerLog {
        path: path.to_path_buf(),
        offset,
        message: message.to_string(),
    };
    let Some(found) = bytes.get(..HEADER_LEN) else {
        return Err(bad(0, "shorter than the header"));
    };
    if found[..8] != MAGIC[..] || found[44..] != check4(&found[..44]) {
        return Err(bad(0, "not an issuer log"));
    }
    if found != header(batch) {
        return Err(bad(
            8,
            "the log of another batch or of other batch parameters",
        ));
    }
    let buckets = 1u64 << batch.bucket_depth.min(32);
    let body = &bytes[HEADER_LEN..];
    let mut counters: HashMap<u32, u64> = HashMap::new();
    let mut damaged = Vec::new();
    let mut valid_after_damage = false;
    let chunks = body.chunks_exact(RECORD_LEN);
    let torn = chunks.remainder().len();
    for (i, r) in chunks.enumerate() {
        match read_record(r, buckets) {
            Some((bucket, leased)) => {
                valid_after_damage |= !damaged.is_empty();
                let c = counters.entry(bucket).or_insert(0);
                *c = (*c).max(leased);
            }
            None => damaged.push(HEADER_LEN + i * RECORD_LEN),
        }
    }
    if valid_after_damage {
        tracing::warn!(
            "issuer log {}: damaged records before valid ones (at bytes {damaged:?}); they are ignored",
            path.display()
        );
    }
    Ok(Replay {
        counters,
        records: body.len() / RECORD_LEN,
        damaged,
        torn,
    })
}

/// The issuer of one batch. Shared by reference (`Arc`); calls are serialised inside. Every call
/// blocks on the file system.
#[derive(Debug)]
pub struct Issuer {
    batch: Batch,
    path: PathBuf,
    slots: u64,
    /// The open lock file; the lock ends when it is closed.
    _lock: File,
    state: Mutex<State>,
}

impl Issuer {
    /// Opens (creating if needed) the issuer of `batch` in `data_dir`, replaying its lease log.
    /// Holds an exclusive lock (`<id>.lock` beside the log) while open: a second issuer of the
    /// batch, in this process or another, is refused ([`StampsError::IssuerBusy`]).
    pub fn open(data_dir: &Path, batch: &Batch) -> Result<Issuer, StampsError> {
        let slots = slots_of(batch)?;
        let dir = data_dir.join(ISSUERS_DIR);
        std::fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
        let path = log_path(data_dir, batch);
        let lock_path = dir.join(format!("{}.lock", hex::encode(batch.id)));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io("opening", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StampsError::IssuerBusy {
                    batch: hex::encode(batch.id),
                    path: lock_path,
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("locking", &lock_path)(e)),
        }
        let head = header(batch);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write_atomic(&path, &head)?;
                head.to_vec()
            }
            Err(e) => return Err(io("reading", &path)(e)),
        };
        let replay = replay(&path, batch, &bytes)?;
        if replay.torn > 0
            || !replay.damaged.is_empty()
            || replay.records > COMPACT_SLACK + 2 * replay.counters.len()
        {
            let mut sorted: Vec<_> = replay.counters.iter().map(|(&b, &c)| (b, c)).collect();
            sorted.sort_unstable();
            let mut compact = head.to_vec();
            for (b, c) in sorted {
                compact.extend_from_slice(&record(b, c));
            }
            write_atomic(&path, &compact)?;
        }
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io("opening", &path))?;
        let buckets: HashMap<u32, Bucket> = replay
            .counters
            .into_iter()
            .map(|(b, c)| (b, Bucket { next: c, leased: c }))
            .collect();
        let issued = buckets.values().map(|b| b.next).sum();
        let utilization = utilization_of(buckets.values().map(|b| b.next), slots);
        Ok(Issuer {
            batch: *batch,
            path,
            slots,
            _lock: lock,
            state: Mutex::new(State {
                file,
                buckets,
                issued,
                utilization,
                last_timestamp: 0,
                failed: false,
            }),
        })
    }

    /// The utilization of `batch` read from its log without opening the issuer (no lock, no
    /// repair): for showing a batch that another process issues for. Slots leased by that process
    /// count as used, so this is above its own figure by less than [`LEASE_SLOTS`]. 0 when there
    /// is no log.
    pub fn peek_utilization(data_dir: &Path, batch: &Batch) -> Result<u32, StampsError> {
        let slots = slots_of(batch)?;
        let path = log_path(data_dir, batch);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(io("reading", &path)(e)),
        };
        let replay = replay(&path, batch, &bytes)?;
        let u = utilization_of(replay.counters.into_values(), slots);
        Ok(u32::try_from(u).unwrap_or(u32::MAX))
    }

    /// The batch.
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a lease unwritten and in use: the counters
        // are only advanced after the fsync.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A stamp for `chunk`, signed by `key` (the batch owner's), at the next free slot of its
    /// bucket, timestamped with the current Unix nanoseconds (strictly increasing per issuer).
    pub fn issue(&self, key: &OverlayKey, chunk: &Address) -> Result<Stamp, StampsError> {
        let mut stamps = self.issue_many(key, std::slice::from_ref(chunk))?;
        stamps.pop().ok_or_else(|| StampsError::IssuerFailed {
            batch: hex::encode(self.batch.id),
            path: self.path.clone(),
        })
    }

    /// Stamps for `chunks`, in order, with one fsync for every lease they need (group commit).
    /// All or nothing: when a bucket of an immutable batch is full, no slot is taken.
    pub fn issue_many(
        &self,
        key: &OverlayKey,
        chunks: &[Address],
    ) -> Result<Vec<Stamp>, StampsError> {
        let signer = key.eth_address();
        if signer != self.batch.owner {
            return Err(StampsError::NotOwner {
                batch: hex::encode(self.batch.id),
                owner: self.batch.owner,
                key: signer,
            });
        }
        let picked = self.take_slots(chunks)?;
        chunks
            .iter()
            .zip(picked)
            .map(|(chunk, (index, timestamp))| {
                Ok(Stamp::sign(key, &self.batch, chunk, index, timestamp)?)
            })
            .collect()
    }

    /// Picks a slot and a timestamp for each chunk, leasing and syncing what is needed first.
    fn take_slots(&self, chunks: &[Address]) -> Result<Vec<(StampIndex, u64)>, StampsError> {
        let mut state = self.lock();
        if state.failed {
            return Err(StampsError::IssuerFailed {
                batch: hex::encode(self.batch.id),
                path: self.path.clone(),
            });
        }
        let mut touched: HashMap<u32, Bucket> = HashMap::new();
        let mut leases: Vec<u8> = Vec::new();
        let mut picked = Vec::with_capacity(chunks.len());
        for chunk in chunks {
            let bucket = self.batch.bucket_of(chunk);
            let b = touched
                .entry(bucket)
                .or_insert_with(|| state.buckets.get(&bucket).copied().unwrap_or_default());
            if b.next == b.leased {
                if self.batch.immutable && b.next >= self.slots {
                    return Err(StampsError::BucketFull {
                        batch: hex::encode(self.batch.id),
                        bucket,
                    });
                }
                // A u64 counter does not run out: 2^64 stamps in one bucket.
                let round_end = (b.next / self.slots)
                    .saturating_add(1)
                    .saturating_mul(self.slots);
                b.leased = b.next.saturating_add(LEASE_SLOTS).min(round_end);
                leases.extend_from_slice(&record(bucket, b.leased));
            }
            // Below `slots`, which is at most 2^31.
            let slot = (b.next % self.slots) as u32;
            b.next += 1;
            picked.push(StampIndex { bucket, slot });
        }
        if !leases.is_empty() {
            let written = state
                .file
                .write_all(&leases)
                .and_then(|()| state.file.sync_data());
            if let Err(e) = written {
                // The log may now end in a partial record; appending after it would misalign
                // every later record, so this issuer stops until it is reopened (and the log
                // repaired).
                state.failed = true;
                return Err(io("appending to", &self.path)(e));
            }
        }
        for (bucket, b) in touched {
            let old = state.buckets.get(&bucket).map_or(0, |o| o.next);
            state.issued += b.next - old;
            state.utilization = state.utilization.max(b.next.min(self.slots));
            state.buckets.insert(bucket, b);
        }
        let now = unix_nanos();
        let mut out = Vec::with_capacity(picked.len());
        for index in picked {
            let t = now.max(state.last_timestamp.saturating_add(1));
            state.last_timestamp = t;
            out.push((index, t));
        }
        Ok(out)
    }

    /// bee's utilization: the most slots used in any bucket in its current round (a mutable
    /// batch that went round reports its bucket size). Slots lost at a crash count as used.
    pub fn utilization(&self) -> u32 {
        u32::try_from(self.lock().utilization).unwrap_or(u32::MAX)
    }

    /// Slots consumed in all buckets since the batch was created: stamps issued, plus slots lost
    /// at crashes.
    pub fn issued(&self) -> u64 {
        self.lock().issued
    }
}

impl Issuer {
    /// Drops the issuer as a crash would: the slots it leased and did not issue stay lost.
    #[cfg(test)]
    fn crash(self) {
        self.lock().failed = true;
    }
}

/// A clean close gives back what a crash would lose: the log is rewritten (atomically) with one
/// record per bucket at the slots actually issued, so the next issuer starts right after them.
/// A crash during the rewrite leaves the old log, whose leases are only larger.
impl Drop for Issuer {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if state.failed || state.buckets.values().all(|b| b.leased == b.next) {
            return;
        }
        let mut sorted: Vec<(u32, u64)> = state.buckets.iter().map(|(&k, b)| (k, b.next)).collect();
        sorted.sort_unstable();
        let mut log = header(&self.batch).to_vec();
        for (bucket, next) in sorted {
            log.extend_from_slice(&record(bucket, next));
        }
        if let Err(e) = write_atomic(&self.path, &log) {
            tracing::warn!(path = %self.path.display(), error = %e, "issuer log not rewritten at close; leased slots stay used");
        }
    }
}

/// The issuers of a data directory, opened on first use. Shared by reference.
#[derive(Debug)]
pub struct Issuers {
    data_dir: PathBuf,
    open: Mutex<HashMap<BatchId, Arc<Issuer>>>,
}

impl Issuers {
    /// The issuers of `data_dir` (nothing is opened yet).
    pub fn new(data_dir: &Path) -> Issuers {
        Issuers {
            data_dir: data_dir.to_path_buf(),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The issuer of `batch`, opening it the first time.
    pub fn get(&self, batch: &Batch) -> Result<Arc<Issuer>, StampsError> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(issuer) = open.get(&batch.id) {
            if issuer.batch() != batch {
                return Err(StampsError::BatchChanged {
                    batch: hex::encode(batch.id),
                });
            }
            return Ok(issuer.clone());
        }
        let issuer = Arc::new(Issuer::open(&self.data_dir, batch)?);
        open.insert(batch.id, issuer.clone());
        Ok(issuer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn key() -> OverlayKey {
        OverlayKey::from_slice(&[11; 32]).unwrap()
    }

    fn batch(depth: u8, immutable: bool) -> Batch {
        Batch::new([depth; 32], key().eth_address(), depth, immutable).unwrap()
    }

    /// A chunk address in `bucket` (bucket depth 16), made distinct by `n`.
    fn chunk(bucket: u16, n: u32) -> Address {
        let mut a = [0u8; 32];
        a[..2].copy_from_slice(&bucket.to_be_bytes());
        a[2..6].copy_from_slice(&n.to_be_bytes());
        Address(a)
    }

    fn slots(stamps: &[Stamp]) -> Vec<(u32, u32)> {
        stamps
            .iter()
            .map(|s| {
                let i = s.stamp_index();
                (i.bucket, i.slot)
            })
            .collect()
    }

    fn log_len(issuer: &Issuer) -> u64 {
        std::fs::metadata(issuer.path()).unwrap().len()
    }

    #[test]
    fn never_reissues_across_reopen() {
        let tmp = tempfile::tempdir().unwrap();
        let b = batch(22, true);
        let mut seen = HashSet::new();
        for round in 0..4u32 {
            let issuer = Issuer::open(tmp.path(), &b).unwrap();
            for n in 0..5 {
                let s = issuer.issue(&key(), &chunk(7, round * 10 + n)).unwrap();
                let i = s.stamp_index();
                assert!(seen.insert((i.bucket, i.slot)), "{i:?} twice");
            }
            issuer.crash();
        }
        // Each reopen loses the rest of its 16-slot lease.
        let mut got: Vec<u32> = seen.iter().map(|&(_, s)| s).collect();
        got.sort_unstable();
        assert_eq!(&got[..6], &[0, 1, 2, 3, 4, 16]);
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        assert_eq!(issuer.issued(), 64);
        assert_eq!(issuer.utilization(), 64);
    }

    #[test]
    fn a_clean_close_gives_back_unissued_leases() {
        let tmp = tempfile::tempdir().unwrap();
        let b = batch(22, true);
        let first = Issuer::open(tmp.path(), &b).unwrap();
        let s = first.issue(&key(), &chunk(7, 0)).unwrap();
        assert_eq!(s.stamp_index().slot, 0);
        drop(first);
        let second = Issuer::open(tmp.path(), &b).unwrap();
        assert_eq!(second.issued(), 1);
        let s = second.issue(&key(), &chunk(7, 1)).unwrap();
        assert_eq!(s.stamp_index().slot, 1);
        second.crash();
        // After a crash the lease (slots 1..17) is lost, never reissued.
        let third = Issuer::open(tmp.path(), &b).unwrap();
        assert_eq!(
            third
                .issue(&key(), &chunk(7, 2))
                .unwrap()
                .stamp_index()
                .slot,
            17
        );
    }

    #[test]
    fn torn_trailing_record_is_tolerated() {
        for cut in 1..RECORD_LEN {
            let tmp = tempfile::tempdir().unwrap();
            let b = batch(22, true);
            let issuer = Issuer::open(tmp.path(), &b).unwrap();
            let first = issuer.issue(&key(), &chunk(3, 0)).unwrap();
            let path = issuer.path().to_path_buf();
            let synced = log_len(&issuer);
            issuer.crash();
            // A lease being appended when the power went: only part of it reached the disk.
            let mut f = OpenOptions::new().append(true).open(&path).unwrap();
            f.write_all(&record(3, 48)[..cut]).unwrap();
            drop(f);
            let issuer = Issuer::open(tmp.path(), &b).unwrap();
            assert_eq!(
                log_len(&issuer),
                synced,
                "cut {cut}: the torn tail is removed"
            );
            let next = issuer.issue(&key(), &chunk(3, 1)).unwrap();
            assert_ne!(next.stamp_index(), first.stamp_index());
            assert_eq!(next.stamp_index().slot, 16, "cut {cut}");
            issuer.crash();
            let issuer = Issuer::open(tmp.path(), &b).unwrap();
            assert_eq!(
                issuer
                    .issue(&key(), &chunk(3, 2))
                    .unwrap()
                    .stamp_index()
                    .slot,
                32
            );
        }
    }

    #[test]
    fn damaged_records_and_foreign_logs() {
        let tmp = tempfile::tempdir().unwrap();
        let b = batch(22, true);
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        // Three leases of bucket 5: slots 0..16, 16..32, 32..48.
        let stamps = issuer
            .issue_many(&key(), &(0..40).map(|n| chunk(5, n)).collect::<Vec<_>>())
            .unwrap();
        let path = issuer.path().to_path_buf();
        issuer.crash();
        let clean = std::fs::read(&path).unwrap();
        assert_eq!(clean.len(), HEADER_LEN + 3 * RECORD_LEN);
        // A damaged middle record is superseded by the next one: nothing is reissued.
        let mut damaged = clean.clone();
        damaged[HEADER_LEN + RECORD_LEN + 5] ^= 0x40;
        std::fs::write(&path, &damaged).unwrap();
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        let next = issuer.issue(&key(), &chunk(5, 99)).unwrap();
        assert!(!slots(&stamps).contains(&(5, next.stamp_index().slot)));
        assert_eq!(next.stamp_index().slot, 48);
        let compacted = std::fs::read(&path).unwrap();
        assert_eq!(compacted.len(), HEADER_LEN + 2 * RECORD_LEN);
        issuer.crash();
        // A damaged header, another batch's log, a stub: refused, naming the file.
        for (bytes, offset) in [
            ([&[0u8][..], &clean[1..]].concat(), 0),
            (clean[..10].to_vec(), 0),
        ] {
            std::fs::write(&path, &bytes).unwrap();
            let e = Issuer::open(tmp.path(), &b).unwrap_err();
            assert!(
                matches!(&e, StampsError::IssuerLog { path: p, offset: o, .. } if *p == path && *o == offset),
                "{e}"
            );
        }
        std::fs::write(&path, &clean).unwrap();
        let mutable = Batch {
            immutable: false,
            ..b
        };
        assert!(matches!(
            Issuer::open(tmp.path(), &mutable),
            Err(StampsError::IssuerLog { offset: 8, .. })
        ));
    }

    #[test]
    fn full_immutable_bucket_refuses_all_or_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let b = batch(17, true);
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        let got = slots(
            &issuer
                .issue_many(&key(), &[chunk(9, 0), chunk(9, 1)])
                .unwrap(),
        );
        assert_eq!(got, vec![(9, 0), (9, 1)]);
        let e = issuer.issue(&key(), &chunk(9, 2)).unwrap_err();
        assert!(
            matches!(e, StampsError::BucketFull { bucket: 9, .. }),
            "{e}"
        );
        assert!(issuer
            .issue_many(&key(), &[chunk(10, 0), chunk(9, 3)])
            .is_err());
        // The failed group took nothing from bucket 10.
        assert_eq!(
            slots(&[issuer.issue(&key(), &chunk(10, 1)).unwrap()]),
            vec![(10, 0)]
        );
        assert_eq!(issuer.utilization(), 2);
        assert_eq!(issuer.issued(), 3);
        drop(issuer);
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        assert!(matches!(
            issuer.issue(&key(), &chunk(9, 4)),
            Err(StampsError::BucketFull { bucket: 9, .. })
        ));
    }

    #[test]
    fn full_mutable_bucket_starts_over_at_slot_0_as_bee() {
        let tmp = tempfile::tempdir().unwrap();
        let b = batch(18, false);
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        let chunks: Vec<_> = (0..10).map(|n| chunk(1, n)).collect();
        let got: Vec<u32> = slots(&issuer.issue_many(&key(), &chunks).unwrap())
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(got, vec![0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
        assert_eq!(issuer.utilization(), 4);
        issuer.crash();
        // After a crash the rest of the round's lease is lost: the next round begins.
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        assert_eq!(
            issuer
                .issue(&key(), &chunk(1, 11))
                .unwrap()
                .stamp_index()
                .slot,
            0
        );
    }

    #[test]
    fn group_commit_takes_distinct_slots_with_few_records() {
        let tmp = tempfile::tempdir().unwrap();
        let b = batch(22, true);
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        let chunks: Vec<_> = (0..40).map(|n| chunk(2, n)).collect();
        let stamps = issuer.issue_many(&key(), &chunks).unwrap();
        let set: HashSet<_> = slots(&stamps).into_iter().collect();
        assert_eq!(set.len(), 40);
        // 40 slots in one bucket: three leases (16 + 16 + 8), appended with one write.
        assert_eq!(log_len(&issuer), (HEADER_LEN + 3 * RECORD_LEN) as u64);
        let times: Vec<u64> = stamps.iter().map(Stamp::timestamp_u64).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        for (s, c) in stamps.iter().zip(&chunks) {
            s.validate_for(c, &b).unwrap();
        }
    }

    #[test]
    fn only_the_owner_signs() {
        let tmp = tempfile::tempdir().unwrap();
        let issuer = Issuer::open(tmp.path(), &batch(20, true)).unwrap();
        let other = OverlayKey::from_slice(&[12; 32]).unwrap();
        assert!(matches!(
            issuer.issue(&other, &chunk(0, 0)),
            Err(StampsError::NotOwner { .. })
        ));
        assert_eq!(issuer.issued(), 0);
    }

    #[test]
    fn one_issuer_per_batch_at_a_time() {
        let tmp = tempfile::tempdir().unwrap();
        let b = batch(20, true);
        let issuer = Issuer::open(tmp.path(), &b).unwrap();
        issuer.issue(&key(), &chunk(1, 0)).unwrap();
        assert!(matches!(
            Issuer::open(tmp.path(), &b),
            Err(StampsError::IssuerBusy { .. })
        ));
        assert_eq!(Issuer::peek_utilization(tmp.path(), &b).unwrap(), 16);
        assert_eq!(issuer.utilization(), 1);
        drop(issuer);
        assert!(Issuer::open(tmp.path(), &b).is_ok());
        assert_eq!(
            Issuer::peek_utilization(tmp.path(), &batch(21, true)).unwrap(),
            0
        );
    }

    #[test]
    fn issuers_open_once() {
        let tmp = tempfile::tempdir().unwrap();
        let issuers = Issuers::new(tmp.path());
        let b = batch(20, true);
        let a = issuers.get(&b).unwrap();
        assert!(Arc::ptr_eq(&a, &issuers.get(&b).unwrap()));
        assert!(matches!(
            issuers.get(&Batch { depth: 21, ..b }),
            Err(StampsError::BatchChanged { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn issued_slots_are_distinct_and_valid(
            picks in proptest::collection::vec((0u16..4, any::<u32>()), 1..60),
            split in 0usize..60,
        ) {
            let tmp = tempfile::tempdir().unwrap();
            let b = batch(22, true);
            let chunks: Vec<_> = picks.iter().map(|&(bk, n)| chunk(bk * 1000, n)).collect();
            let split = split.min(chunks.len());
            let issuer = Issuer::open(tmp.path(), &b).unwrap();
            let mut stamps = issuer.issue_many(&key(), &chunks[..split]).unwrap();
            drop(issuer);
            let issuer = Issuer::open(tmp.path(), &b).unwrap();
            for c in &chunks[split..] {
                stamps.push(issuer.issue(&key(), c).unwrap());
            }
            let set: HashSet<_> = slots(&stamps).into_iter().collect();
            prop_assert_eq!(set.len(), chunks.len());
            for (s, c) in stamps.iter().zip(&chunks) {
                prop_assert!(s.validate_for(c, &b).is_ok());
            }
        }
    }
}
