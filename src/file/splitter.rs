//! The splitter (spec §4, §5.7, §6.2): streams bytes into a chunk tree exactly as bee's pipeline does.
//!
//! Data is cut into 4096-byte chunks. Chunks are hashed in batches that never cross the end of a
//! level-1 group, so that a batched (multi-lane) hasher can take them and so that, in encrypted
//! uploads, random bytes are drawn in bee's order (data chunks in order, an intermediate chunk when
//! its level is wrapped, the root last). Each tree level keeps at most one group of entries — with
//! redundancy also their stored chunk data, the Reed-Solomon shards — so memory is bounded by the
//! tree depth times 128 chunks, never by the file size.
//!
//! A lone trailing entry of a level is carried up unchanged, never wrapped alone; with redundancy its
//! chunk data becomes a shard of the parent group (bee's carrier chunk).

use std::io::Read;

use crate::address::Address;
use crate::bmt;
use crate::cac::{Chunk, MAX_PAYLOAD};
use crate::encryption::{self, EncryptionError, RandomSource};
use crate::file::draws::WrapDraws;
use crate::file::pipeline::{self, Pool, SealFailed, WorkerLost};
use crate::redundancy::codec::{self, CodecError};
use crate::redundancy::{table, Level};
use crate::reference::Reference;
use crate::replicas;
use crate::span;
use crate::store::{ChunkStore, StoreError};

/// Tree levels: level 8 holds the root and cannot wrap.
const LEVELS: usize = 8;

/// How a file is split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SplitOptions {
    /// Redundancy level.
    pub level: Level,
    /// Whether chunks are encrypted.
    pub encrypt: bool,
}

/// What an upload wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitSummary {
    /// The root reference.
    pub reference: Reference,
    /// File size in bytes.
    pub size: u64,
    /// Chunks written: data, intermediate and parity chunks, root included, replicas excluded; a
    /// repeated chunk counts each time it is written.
    pub chunks: u64,
    /// Addresses of the root's dispersed replicas, in emission order (empty at level none).
    pub replicas: Vec<Address>,
}

/// Why a split failed.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// Reading the input failed.
    #[error("reading input at byte offset {offset}: {source}")]
    Read {
        /// Bytes read before the failure.
        offset: u64,
        /// The error.
        source: std::io::Error,
    },
    /// Writing chunks failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Encrypting a chunk failed (randomness unavailable).
    #[error("encrypting chunk at byte offset {offset}: {source}")]
    Encrypt {
        /// Offset of the file bytes concerned.
        offset: u64,
        /// The error.
        source: EncryptionError,
    },
    /// Parity encoding failed.
    #[error("parity encoding at tree level {level}: {source}")]
    Parity {
        /// Tree level (1 = data chunks).
        level: usize,
        /// The error.
        source: CodecError,
    },
    /// Making the root's replicas failed.
    #[error("making root replicas: {0}")]
    Replicas(#[from] replicas::ReplicaError),
    /// An encrypted split was started without a random source.
    #[error("an encrypted upload needs a random source")]
    NoRandomSource,
    /// A worker thread of the splitter stopped.
    #[error("splitting at byte offset {offset}: {source}")]
    Worker {
        /// Bytes accepted when it was noticed.
        offset: u64,
        /// The error.
        source: WorkerLost,
    },
    /// The tree cannot hold more data.
    #[error("file too large: the chunk tree is full after {size} bytes")]
    TrieFull {
        /// Bytes accepted.
        size: u64,
    },
}

/// Where the splitter puts chunks.
pub trait ChunkSink {
    /// Takes a batch of chunks, in the order they were made.
    fn accept(&mut self, chunks: Vec<Chunk>) -> Result<(), StoreError>;
}

/// A sink that writes into a store.
pub struct StoreSink<'a, S: ChunkStore + ?Sized>(pub &'a S);

impl<S: ChunkStore + ?Sized> ChunkSink for StoreSink<'_, S> {
    fn accept(&mut self, chunks: Vec<Chunk>) -> Result<(), StoreError> {
        self.0.put_batch(&chunks)
    }
}

/// Bytes of chunk data the background writer gathers into one store batch (one commit).
pub const WRITE_BATCH_BYTES: usize = 4 << 20;

/// Batches handed to the background writer and not yet taken: with [`WRITE_BATCH_BYTES`] this
/// bounds its memory at about 8 MiB whatever the file size.
const WRITE_QUEUE: usize = 4;

/// Runs `f` with a sink whose chunks are written to `store` on a thread of their own, in batches of
/// about [`WRITE_BATCH_BYTES`], so that the store's commits overlap with hashing and parity work.
///
/// Every chunk `f` gave to the sink is written when this returns `Ok`. A store failure is returned
/// as the error (it is the cause of any error `f` then saw from the sink); chunks already written
/// stay, which is consistent and harmless since they are content-addressed.
pub fn with_background_writer<S, T, E>(
    store: &S,
    f: impl FnOnce(&mut dyn ChunkSink) -> Result<T, E>,
) -> Result<T, E>
where
    S: ChunkStore + ?Sized,
    E: From<StoreError>,
{
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Chunk>>(WRITE_QUEUE);
        let writer = scope.spawn(move || -> Result<(), StoreError> {
            let mut pending: Vec<Chunk> = Vec::new();
            let mut bytes = 0;
            for batch in rx {
                bytes += batch.iter().map(|c| c.data.len()).sum::<usize>();
                if pending.is_empty() {
                    pending = batch;
                } else {
                    pending.extend(batch);
                }
                if bytes >= WRITE_BATCH_BYTES {
                    store.put_batch(&pending)?;
                    pending.clear();
                    bytes = 0;
                }
            }
            store.put_batch(&pending)
        });
        let mut sink = ChannelSink { tx };
        let result = f(&mut sink);
        drop(sink);
        let written = writer.join().unwrap_or_else(|_| {
            Err(StoreError::Backend {
                op: "put",
                address: None,
                message: "the writer thread stopped".into(),
            })
        });
        match written {
            Err(e) => Err(E::from(e)),
            Ok(()) => result,
        }
    })
}

struct ChannelSink {
    tx: std::sync::mpsc::SyncSender<Vec<Chunk>>,
}

impl ChunkSink for ChannelSink {
    fn accept(&mut self, chunks: Vec<Chunk>) -> Result<(), StoreError> {
        for c in &chunks {
            crate::store::check_size(c)?;
        }
        let first = chunks.first().map(|c| c.address);
        self.tx.send(chunks).map_err(|_| StoreError::Backend {
            op: "put",
            address: first,
            message: "the writer thread stopped".into(),
        })
    }
}

/// A sink that keeps nothing (for `hash`).
pub struct Discard;

impl ChunkSink for Discard {
    fn accept(&mut self, _: Vec<Chunk>) -> Result<(), StoreError> {
        Ok(())
    }
}

struct Entry {
    span: u64,
    reference: Reference,
    /// Stored chunk data, kept only when it may become a Reed-Solomon shard.
    data: Option<Vec<u8>>,
}

/// A streaming splitter. Feed it with [`Splitter::write`], end with [`Splitter::finish`].
pub struct Splitter<'a> {
    sink: &'a mut dyn ChunkSink,
    rng: Option<&'a mut dyn RandomSource>,
    options: SplitOptions,
    /// Entries per intermediate chunk (data shards when redundant).
    branches: usize,
    /// The data chunk being filled: 8 bytes reserved for its span, then the payload so far.
    current: Vec<u8>,
    /// Plain data chunks (span || payload) waiting to be hashed.
    batch: Vec<Vec<u8>>,
    levels: Vec<Vec<Entry>>,
    out: Vec<Chunk>,
    size: u64,
    /// Largest file the tree can hold (see [`crate::cost::max_size`]).
    max_size: u64,
    data_chunks: u64,
    written: u64,
    /// Workers for whole level-1 groups, started with the first whole group.
    pool: PoolState,
    /// Secrets drawn (in bee's order) for wraps the workers' groups will set off.
    draws: WrapDraws,
}

enum PoolState {
    /// Not needed yet.
    Unstarted,
    /// Groups are hashed inline (one core, or no thread could start).
    Inline,
    Running(Pool),
}

impl<'a> Splitter<'a> {
    /// A splitter writing to `sink`. Encrypted uploads draw keys and padding from `rng`, which must be
    /// given when `options.encrypt` is set.
    pub fn new(
        sink: &'a mut dyn ChunkSink,
        options: SplitOptions,
        rng: Option<&'a mut dyn RandomSource>,
    ) -> Splitter<'a> {
        let branches = table::max_shards(options.level, options.encrypt);
        Splitter {
            sink,
            rng,
            options,
            branches,
            current: new_chunk_buffer(),
            batch: Vec::new(),
            levels: (0..LEVELS).map(|_| Vec::new()).collect(),
            out: Vec::new(),
            size: 0,
            max_size: crate::cost::max_size(options.level, options.encrypt),
            data_chunks: 0,
            written: 0,
            pool: PoolState::Unstarted,
            draws: WrapDraws::new(LEVELS),
        }
    }

    /// Hashes every group on the calling thread, as on a one-core machine (the order of work and
    /// draws the pooled splitter must reproduce; for tests and comparisons).
    pub fn single_threaded(mut self) -> Self {
        self.pool = PoolState::Inline;
        self
    }

    /// Adds file bytes; write boundaries do not matter.
    pub fn write(&mut self, mut data: &[u8]) -> Result<(), SplitError> {
        if self.size.saturating_add(data.len() as u64) > self.max_size {
            return Err(SplitError::TrieFull { size: self.size });
        }
        while !data.is_empty() {
            let take = (8 + MAX_PAYLOAD - self.current.len()).min(data.len());
            self.current.extend_from_slice(&data[..take]);
            data = &data[take..];
            self.size += take as u64;
            if self.current.len() == 8 + MAX_PAYLOAD {
                self.cut()?;
            }
        }
        Ok(())
    }

    /// Ends the file: wraps what is left, writes the root and its replicas, and returns the summary.
    pub fn finish(mut self) -> Result<SplitSummary, SplitError> {
        if self.current.len() > 8 || self.data_chunks == 0 {
            self.cut()?;
        }
        self.drain()?;
        debug_assert!(!self.draws.pending(), "every drawn wrap ran");
        self.flush_batch()?;
        for n in 0..LEVELS - 1 {
            match self.levels[n].len() {
                0 => {}
                1 => {
                    let e = self.levels[n]
                        .pop()
                        .ok_or(SplitError::TrieFull { size: self.size })?;
                    self.push(n + 1, e)?;
                }
                _ => self.build(n)?,
            }
        }
        let root = match (
            self.levels[LEVELS - 1].pop(),
            self.levels[LEVELS - 1].is_empty(),
        ) {
            (Some(root), true) => root,
            _ => return Err(SplitError::TrieFull { size: self.size }),
        };
        let mut replica_addresses = Vec::new();
        if self.options.level != Level::None {
            let root_data = root
                .data
                .as_deref()
                .expect("with a redundancy level the root keeps its data for the replicas");
            let made =
                replicas::make_replicas(&root.reference.address, root_data, self.options.level)?;
            replica_addresses = made.iter().map(|c| c.address).collect();
            self.out.extend(made);
        }
        self.flush_out()?;
        Ok(SplitSummary {
            reference: root.reference,
            size: self.size,
            chunks: self.written,
            replicas: replica_addresses,
        })
    }

    /// Moves the current data chunk into the hashing batch.
    fn cut(&mut self) -> Result<(), SplitError> {
        let mut data = std::mem::replace(&mut self.current, new_chunk_buffer());
        let payload_len = (data.len() - 8) as u64;
        data[..8].copy_from_slice(&payload_len.to_le_bytes());
        self.batch.push(data);
        self.data_chunks += 1;
        // A batch ends where the level-1 group ends, so that wraps happen in bee's order.
        if self.batch.len() + self.levels[0].len() >= self.branches {
            if self.levels[0].is_empty() && self.batch.len() == self.branches && self.start_pool() {
                self.submit_group()?;
            } else {
                self.drain()?;
                self.flush_batch()?;
            }
        }
        Ok(())
    }

    /// Whether whole groups go to the worker pool, starting it on first use.
    fn start_pool(&mut self) -> bool {
        if let PoolState::Unstarted = self.pool {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            self.pool = match cores {
                2.. => {
                    Pool::new(cores.min(MAX_WORKERS)).map_or(PoolState::Inline, PoolState::Running)
                }
                _ => PoolState::Inline,
            };
        }
        matches!(self.pool, PoolState::Running(_))
    }

    /// Sends the batch, a whole level-1 group, to the pool, first collecting the oldest group when
    /// the pool is full. An encrypted group's draws, and those of the wraps it will set off, are
    /// made first (see [`WrapDraws`]).
    fn submit_group(&mut self) -> Result<(), SplitError> {
        let chunks = std::mem::take(&mut self.batch);
        let first = self.data_chunks - chunks.len() as u64;
        let parities = self.parities(chunks.len());
        let secrets = match self.options.encrypt {
            false => None,
            true => Some(self.draw_group(first, &chunks)?),
        };
        let offset = self.size;
        let PoolState::Running(pool) = &mut self.pool else {
            return Err(SplitError::Worker {
                offset,
                source: WorkerLost,
            });
        };
        let done = if pool.outstanding() >= pool.capacity() {
            pool.next_done()
        } else {
            None
        };
        pool.submit(pipeline::Job {
            first,
            chunks,
            secrets,
            parities,
        })
        .map_err(|source| SplitError::Worker { offset, source })?;
        match done {
            Some(done) => self.take_group(done),
            None => Ok(()),
        }
    }

    /// Parity chunks of a group of `entries` at this upload's level.
    fn parities(&self, entries: usize) -> usize {
        match self.options.level {
            Level::None => 0,
            level => table::parities(level, self.options.encrypt, entries),
        }
    }

    /// Draws the secrets of a whole group's data chunks, then those of the wraps it sets off.
    fn draw_group(
        &mut self,
        first: u64,
        chunks: &[Vec<u8>],
    ) -> Result<Vec<encryption::ChunkSecrets>, SplitError> {
        if let PoolState::Running(pool) = &self.pool {
            if pool.outstanding() == 0 {
                self.draws.sync(self.levels.iter().map(Vec::len));
            }
        }
        let secrets = self.draw_data(first, chunks)?;
        // A full level's references and its parities' addresses.
        let wrap_len = self.branches * encryption::REFERENCE_LEN
            + self.parities(self.branches) * crate::address::ADDRESS_LEN;
        let rng = self.rng.as_deref_mut().ok_or(SplitError::NoRandomSource)?;
        self.draws
            .plan_group(self.branches, wrap_len, rng)
            .map_err(|source| SplitError::Encrypt {
                offset: data_offset(first, chunks.len()),
                source,
            })?;
        Ok(secrets)
    }

    /// Draws the key and padding of each data chunk, in order; `first` is the index of the first
    /// in the file.
    fn draw_data(
        &mut self,
        first: u64,
        chunks: &[Vec<u8>],
    ) -> Result<Vec<encryption::ChunkSecrets>, SplitError> {
        let rng = self.rng.as_deref_mut().ok_or(SplitError::NoRandomSource)?;
        chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                encryption::draw_secrets(c, rng).map_err(|source| SplitError::Encrypt {
                    offset: data_offset(first, i),
                    source,
                })
            })
            .collect()
    }

    /// Collects every outstanding group, in order.
    fn drain(&mut self) -> Result<(), SplitError> {
        loop {
            let PoolState::Running(pool) = &mut self.pool else {
                return Ok(());
            };
            match pool.next_done() {
                Some(done) => self.take_group(done)?,
                None => return Ok(()),
            }
        }
    }

    /// Writes a finished group's data and parity chunks and wraps it, as [`Splitter::flush_batch`]
    /// and [`Splitter::build`] would have.
    fn take_group(
        &mut self,
        done: Result<Result<pipeline::Done, SealFailed>, WorkerLost>,
    ) -> Result<(), SplitError> {
        let offset = self.size;
        let done = done
            .map_err(|source| SplitError::Worker { offset, source })?
            .map_err(|e| SplitError::Encrypt {
                offset: data_offset(e.chunk, 0),
                source: e.source,
            })?;
        let parity = done
            .parity
            .map_err(|source| SplitError::Parity { level: 1, source })?;
        let mut keys = done.keys.into_iter().flatten();
        for ((data, address), span) in done.chunks.into_iter().zip(done.addresses).zip(done.spans) {
            let address = Address(address);
            self.levels[0].push(Entry {
                span,
                reference: Reference {
                    address,
                    key: keys.next(),
                },
                // The parities are already encoded: no shard data is needed.
                data: None,
            });
            self.emit(Chunk { address, data });
        }
        self.build_with(0, Some(parity))?;
        self.flush_out()
    }

    /// Encrypts the wrap of level `n` when the upload is encrypted, with the secrets drawn for it
    /// ahead or, when none were, drawn now.
    fn seal(
        &mut self,
        plain: Vec<u8>,
        offset: u64,
        n: usize,
    ) -> Result<(Vec<u8>, Option<encryption::Key>), SplitError> {
        if !self.options.encrypt {
            return Ok((plain, None));
        }
        let encrypted = match self.draws.take(n) {
            Some(secrets) => {
                encryption::encrypt_with(&plain, &secrets).map(|enc| (secrets.key, enc))
            }
            None => {
                let rng = self.rng.as_deref_mut().ok_or(SplitError::NoRandomSource)?;
                encryption::encrypt_chunk(&plain, rng)
            }
        };
        let (key, enc) = encrypted.map_err(|source| SplitError::Encrypt { offset, source })?;
        Ok((enc, Some(key)))
    }

    fn flush_batch(&mut self) -> Result<(), SplitError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let plain = std::mem::take(&mut self.batch);
        let first_index = self.data_chunks - plain.len() as u64;
        let offset_of = |i: usize| data_offset(first_index, i);
        let spans: Vec<u64> = plain.iter().map(|p| (p.len() - 8) as u64).collect();
        // Random bytes are drawn here, in order; the transforms and hashes may then run anywhere.
        let secrets: Vec<Option<encryption::ChunkSecrets>> = match self.options.encrypt {
            true => self
                .draw_data(first_index, &plain)?
                .into_iter()
                .map(Some)
                .collect(),
            false => plain.iter().map(|_| None).collect(),
        };
        let stored = seal_batch(plain.into_iter().zip(secrets).collect()).map_err(|e| match e {
            SealError::Encrypt(i, source) => SplitError::Encrypt {
                offset: offset_of(i),
                source,
            },
            SealError::Lost => SplitError::Worker {
                offset: offset_of(0),
                source: WorkerLost,
            },
        })?;
        let keep = self.options.level != Level::None;
        for ((data, address, key), span) in stored.into_iter().zip(spans) {
            let address = Address(address);
            let entry = Entry {
                span,
                reference: Reference { address, key },
                data: keep.then(|| data.clone()),
            };
            self.emit(Chunk { address, data });
            self.push(0, entry)?;
        }
        self.flush_out()
    }

    fn emit(&mut self, chunk: Chunk) {
        self.written += 1;
        self.out.push(chunk);
    }

    fn flush_out(&mut self) -> Result<(), SplitError> {
        if !self.out.is_empty() {
            self.sink.accept(std::mem::take(&mut self.out))?;
        }
        Ok(())
    }

    fn push(&mut self, n: usize, entry: Entry) -> Result<(), SplitError> {
        if n >= LEVELS {
            return Err(SplitError::TrieFull { size: self.size });
        }
        self.levels[n].push(entry);
        if self.levels[n].len() == self.branches {
            if n == LEVELS - 1 {
                return Err(SplitError::TrieFull { size: self.size });
            }
            self.build(n)?;
        }
        Ok(())
    }

    /// Wraps level `n` into one intermediate chunk with its parity chunks.
    fn build(&mut self, n: usize) -> Result<(), SplitError> {
        self.build_with(n, None)
    }

    /// [`Splitter::build`], with the parity chunks and their addresses when already made.
    fn build_with(
        &mut self,
        n: usize,
        made: Option<pipeline::Addressed>,
    ) -> Result<(), SplitError> {
        let entries = std::mem::take(&mut self.levels[n]);
        let level = self.options.level;
        let parities = table::parities(level, self.options.encrypt, entries.len());
        let mut parity_addresses = Vec::with_capacity(parities);
        if let Some(made) = made {
            for (data, address) in made {
                parity_addresses.push(Address(address));
                self.emit(Chunk {
                    address: Address(address),
                    data,
                });
            }
        } else if parities > 0 {
            let shards: Vec<&[u8]> = entries
                .iter()
                .map(|e| {
                    e.data
                        .as_deref()
                        .expect("with parities to encode every entry keeps its data")
                })
                .collect();
            let parity = codec::encode(&shards, parities).map_err(|source| SplitError::Parity {
                level: n + 1,
                source,
            })?;
            let addresses = bmt::addresses(&parity);
            for (data, address) in parity.into_iter().zip(addresses) {
                parity_addresses.push(Address(address));
                self.emit(Chunk {
                    address: Address(address),
                    data,
                });
            }
        }
        let span_sum: u64 = entries.iter().map(|e| e.span).sum();
        let ref_len = entries.first().map_or(32, |e| e.reference.len());
        let mut data = Vec::with_capacity(8 + entries.len() * ref_len + parities * 32);
        let level_byte = if parities > 0 { level } else { Level::None };
        data.extend_from_slice(&span::encode(span_sum, level_byte));
        for e in &entries {
            data.extend_from_slice(&e.reference.to_bytes());
        }
        for a in &parity_addresses {
            data.extend_from_slice(&a.0);
        }
        let offset = self.size;
        let (stored, key) = self.seal(data, offset, n)?;
        let address = Address(bmt::data_address(&stored));
        let keep = level != Level::None;
        let entry = Entry {
            span: span_sum,
            reference: Reference { address, key },
            data: keep.then(|| stored.clone()),
        };
        self.emit(Chunk {
            address,
            data: stored,
        });
        self.push(n + 1, entry)
    }
}

/// A data chunk's stored data, its address and, when encrypted, its key.
type Sealed = (Vec<u8>, [u8; 32], Option<encryption::Key>);

enum SealError {
    /// Encrypting the chunk at this index of the batch failed.
    Encrypt(usize, EncryptionError),
    /// A thread stopped.
    Lost,
}

/// Encrypts (where secrets are given) and hashes a batch of plain data chunks, split over two
/// threads when it is large enough to pay for one; order is kept.
fn seal_batch(
    batch: Vec<(Vec<u8>, Option<encryption::ChunkSecrets>)>,
) -> Result<Vec<Sealed>, SealError> {
    fn seal_part(
        part: Vec<(Vec<u8>, Option<encryption::ChunkSecrets>)>,
        base: usize,
    ) -> Result<Vec<Sealed>, SealError> {
        let mut stored = Vec::with_capacity(part.len());
        let mut keys = Vec::with_capacity(part.len());
        for (i, (plain, secrets)) in part.into_iter().enumerate() {
            match secrets {
                None => {
                    stored.push(plain);
                    keys.push(None);
                }
                Some(s) => {
                    let enc = encryption::encrypt_with(&plain, &s)
                        .map_err(|e| SealError::Encrypt(base + i, e))?;
                    stored.push(enc);
                    keys.push(Some(s.key));
                }
            }
        }
        let addresses = bmt::lanes::addresses_batch(&stored);
        Ok(stored
            .into_iter()
            .zip(addresses)
            .zip(keys)
            .map(|((d, a), k)| (d, a, k))
            .collect())
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut batch = batch;
    // Encrypting costs two more permutations per 32 bytes: small encrypted batches pay for a thread.
    let min = match batch.first() {
        Some((_, Some(_))) => ENCRYPTED_PARALLEL_MIN,
        _ => bmt::PARALLEL_MIN,
    };
    if cores < 2 || batch.len() < min {
        return seal_part(batch, 0);
    }
    // Whole 8-chunk lane groups on the first thread.
    let half = batch.len().div_ceil(2).div_ceil(8) * 8;
    let second = batch.split_off(half.min(batch.len()));
    std::thread::scope(|scope| {
        let other = scope.spawn(move || seal_part(second, half));
        let mut first = seal_part(batch, 0)?;
        let rest = other.join().map_err(|_| SealError::Lost)??;
        first.extend(rest);
        Ok(first)
    })
}

/// File offset of data chunk `first + i`.
fn data_offset(first: u64, i: usize) -> u64 {
    (first + i as u64) * MAX_PAYLOAD as u64
}

/// Smallest encrypted batch split over two threads.
const ENCRYPTED_PARALLEL_MIN: usize = 8;

/// Most worker threads a splitter starts.
const MAX_WORKERS: usize = 8;

/// An empty data chunk: 8 bytes for the span, room for a full payload.
fn new_chunk_buffer() -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + MAX_PAYLOAD);
    v.extend_from_slice(&[0u8; 8]);
    v
}

/// Splits everything `reader` yields into `sink`.
pub fn split_reader<'a, R: Read>(
    mut reader: R,
    sink: &'a mut dyn ChunkSink,
    options: SplitOptions,
    rng: Option<&'a mut dyn RandomSource>,
) -> Result<SplitSummary, SplitError> {
    let mut splitter = Splitter::new(sink, options, rng);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(SplitError::Read {
                    offset: splitter.size,
                    source,
                })
            }
        };
        splitter.write(&buf[..n])?;
    }
    splitter.finish()
}

/// Splits a byte slice.
pub fn split_bytes<'a>(
    data: &[u8],
    sink: &'a mut dyn ChunkSink,
    options: SplitOptions,
    rng: Option<&'a mut dyn RandomSource>,
) -> Result<SplitSummary, SplitError> {
    let mut splitter = Splitter::new(sink, options, rng);
    splitter.write(data)?;
    splitter.finish()
}
