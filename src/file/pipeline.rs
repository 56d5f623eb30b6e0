//! The splitter's worker pool: whole level-1 groups are hashed, and their parities encoded and
//! hashed, on one thread per core while the caller reads the next groups and writes finished chunks.
//!
//! Groups go round-robin to the workers and come back in the same round-robin order, so output
//! order needs no reordering buffer. Each worker holds at most one queued and one running group, and
//! the caller keeps at most [`Pool::capacity`] groups outstanding, so memory is bounded by the number
//! of cores times one group (128 chunks and their parities, about 1 MB), never by the file size.
//!
//! Only work that depends on nothing but the group's own chunks runs here: encrypting them (with
//! keys and padding the splitter drew beforehand, in bee's order), hashing, parities. Everything
//! that touches the tree or the random source (drawing, intermediate chunks, the carrier rule at
//! the end of the file) stays with the splitter, in order.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::bmt::lanes;
use crate::encryption::{self, ChunkSecrets, EncryptionError, Key};
use crate::redundancy::codec::{self, CodecError};

/// Made chunks with their addresses, in order.
pub type Addressed = Vec<(Vec<u8>, [u8; 32])>;

/// A whole level-1 group of plain data chunks (`span || payload` each) and how many parity chunks
/// it gets.
pub struct Job {
    /// Index of the group's first data chunk in the file (for error reports).
    pub first: u64,
    /// Plain data of the data chunks, in file order.
    pub chunks: Vec<Vec<u8>>,
    /// Keys and padding of each chunk when the upload is encrypted, drawn in bee's order.
    pub secrets: Option<Vec<ChunkSecrets>>,
    /// Parity chunks to encode (0 without redundancy).
    pub parities: usize,
}

/// A finished group.
pub struct Done {
    /// The job's chunks as stored (encrypted when secrets were given), returned for writing.
    pub chunks: Vec<Vec<u8>>,
    /// The span (plain payload length) of each chunk.
    pub spans: Vec<u64>,
    /// Their addresses, in order.
    pub addresses: Vec<[u8; 32]>,
    /// Their keys, in order, when encrypted.
    pub keys: Option<Vec<Key>>,
    /// Parity chunks with their addresses, in order, or why encoding failed.
    pub parity: Result<Addressed, CodecError>,
}

/// A data chunk could not be encrypted with the secrets drawn for it (a length the secrets were
/// not drawn for; reported rather than hidden).
#[derive(Debug, thiserror::Error)]
#[error("encrypting data chunk {chunk}: {source}")]
pub struct SealFailed {
    /// Index of the data chunk in the file.
    pub chunk: u64,
    /// The error.
    pub source: EncryptionError,
}

/// Encrypts (when secrets are given) and hashes one group and encodes its parities: what a worker
/// does, also callable inline.
pub fn run(job: Job) -> Result<Done, SealFailed> {
    let spans = job.chunks.iter().map(|c| span_of(c)).collect();
    let (chunks, keys) = match job.secrets {
        None => (job.chunks, None),
        Some(secrets) => {
            let mut sealed = Vec::with_capacity(job.chunks.len());
            for (index, (plain, s)) in job.chunks.iter().zip(&secrets).enumerate() {
                sealed.push(
                    encryption::encrypt_with(plain, s).map_err(|source| SealFailed {
                        chunk: job.first + index as u64,
                        source,
                    })?,
                );
            }
            (sealed, Some(secrets.into_iter().map(|s| s.key).collect()))
        }
    };
    let addresses = lanes::addresses_batch(&chunks);
    let parity = if job.parities == 0 {
        Ok(Vec::new())
    } else {
        let shards: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        codec::encode(&shards, job.parities).map(|parity| {
            let addresses = lanes::addresses_batch(&parity);
            parity.into_iter().zip(addresses).collect()
        })
    };
    Ok(Done {
        chunks,
        spans,
        addresses,
        keys,
        parity,
    })
}

/// The payload length of a plain chunk (`span || payload`).
fn span_of(chunk: &[u8]) -> u64 {
    chunk.len().saturating_sub(8) as u64
}

struct Worker {
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Result<Done, SealFailed>>,
    handle: Option<JoinHandle<()>>,
}

/// A worker stopped without answering (it cannot on any input; reported rather than hidden).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a splitter worker thread stopped")]
pub struct WorkerLost;

/// One worker thread per core, fed round-robin.
pub struct Pool {
    workers: Vec<Worker>,
    /// Worker of each outstanding group, oldest first.
    outstanding: VecDeque<usize>,
    next: usize,
}

impl Pool {
    /// A pool of `threads` workers; `None` when a thread cannot be started (the caller then works
    /// inline).
    pub fn new(threads: usize) -> Option<Pool> {
        let mut workers = Vec::with_capacity(threads);
        for i in 0..threads.max(1) {
            let (job_tx, job_rx) = mpsc::sync_channel::<Job>(1);
            let (done_tx, done_rx) = mpsc::sync_channel::<Result<Done, SealFailed>>(1);
            let handle = std::thread::Builder::new()
                .name(format!("swarmec-split-{i}"))
                .spawn(move || {
                    for job in job_rx {
                        if done_tx.send(run(job)).is_err() {
                            return;
                        }
                    }
                })
                .ok()?;
            workers.push(Worker {
                jobs: Some(job_tx),
                done: done_rx,
                handle: Some(handle),
            });
        }
        Some(Pool {
            workers,
            outstanding: VecDeque::new(),
            next: 0,
        })
    }

    /// Groups that may be outstanding before [`Pool::submit`] needs a [`Pool::next_done`]: one
    /// running and one queued per worker.
    pub fn capacity(&self) -> usize {
        2 * self.workers.len()
    }

    /// Groups submitted and not yet collected.
    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// Queues a group; the caller must keep [`Pool::outstanding`] below [`Pool::capacity`] (else
    /// this blocks until the worker takes its previous group, which it always does).
    pub fn submit(&mut self, job: Job) -> Result<(), WorkerLost> {
        let i = self.next;
        self.next = (self.next + 1) % self.workers.len();
        let sender = self.workers[i].jobs.as_ref().ok_or(WorkerLost)?;
        sender.send(job).map_err(|_| WorkerLost)?;
        self.outstanding.push_back(i);
        Ok(())
    }

    /// The oldest outstanding group, finished; `None` when nothing is outstanding.
    pub fn next_done(&mut self) -> Option<Result<Result<Done, SealFailed>, WorkerLost>> {
        let i = self.outstanding.pop_front()?;
        Some(self.workers[i].done.recv().map_err(|_| WorkerLost))
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for w in &mut self.workers {
            // Closing the job channel ends the worker's loop once it has finished its group.
            w.jobs.take();
        }
        for w in &mut self.workers {
            if let Some(h) = w.handle.take() {
                // Take whatever it still hands over (it may be blocked sending), until it ends.
                while w.done.recv().is_ok() {}
                let _ = h.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(seed: u8, n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                let mut d = 4096u64.to_le_bytes().to_vec();
                d.extend((0..4096).map(|j| (j as u8) ^ (i as u8).wrapping_mul(31) ^ seed));
                d
            })
            .collect()
    }

    /// Secrets for every chunk of `chunks`, drawn in order from a seeded bee random stream.
    fn secrets(seed: u64, chunks: &[Vec<u8>]) -> Vec<ChunkSecrets> {
        let mut rng = crate::encryption::BeeRand::new(seed);
        chunks
            .iter()
            .map(|c| encryption::draw_secrets(c, &mut rng).unwrap())
            .collect()
    }

    type Outcome = (
        Vec<Vec<u8>>,
        Vec<u64>,
        Vec<[u8; 32]>,
        Option<Vec<Key>>,
        Addressed,
    );

    fn outcome(d: Done) -> Outcome {
        (d.chunks, d.spans, d.addresses, d.keys, d.parity.unwrap())
    }

    #[test]
    fn pool_answers_in_submission_order_like_inline_work() {
        let mut pool = Pool::new(3).unwrap();
        let mut want = Vec::new();
        let mut got = Vec::new();
        for seed in 0..10u8 {
            let mut chunks = group(seed, 20 + seed as usize);
            // A short last chunk, which encryption pads.
            chunks.last_mut().unwrap().truncate(8 + 100 + seed as usize);
            chunks.last_mut().unwrap()[..8].copy_from_slice(&(100 + seed as u64).to_le_bytes());
            let parities = (seed % 3) as usize * 4;
            let secrets = (seed % 2 == 1).then(|| secrets(seed.into(), &chunks));
            let job = || Job {
                first: 0,
                chunks: chunks.clone(),
                secrets: secrets.clone(),
                parities,
            };
            want.push(outcome(run(job()).unwrap()));
            if pool.outstanding() == pool.capacity() {
                got.push(outcome(pool.next_done().unwrap().unwrap().unwrap()));
            }
            pool.submit(job()).unwrap();
        }
        while let Some(d) = pool.next_done() {
            got.push(outcome(d.unwrap().unwrap()));
        }
        assert_eq!(got.len(), 10);
        assert_eq!(got, want);
        let plain = &want[0];
        assert_eq!(plain.0.len(), 20);
        assert_eq!(
            plain.0[..19],
            group(0, 20)[..19],
            "plain chunks come back as they went"
        );
        assert_eq!(plain.1[..2], [4096, 4096]);
        assert_eq!(plain.1[19], 100);
        assert_eq!(
            plain.2[0],
            crate::bmt::data_address_scalar(&group(0, 1)[0]),
            "addresses are BMT addresses"
        );
        assert_eq!(plain.3, None);
        let encrypted = &want[1];
        let chunks = {
            let mut c = group(1, 21);
            c[20].truncate(8 + 101);
            c[20][..8].copy_from_slice(&101u64.to_le_bytes());
            c
        };
        let s = secrets(1, &chunks);
        for i in [0, 20] {
            let sealed = encryption::encrypt_with(&chunks[i], &s[i]).unwrap();
            assert_eq!(
                encrypted.0[i], sealed,
                "chunk {i} is encrypted with its own secrets"
            );
            assert_eq!(encrypted.2[i], crate::bmt::data_address_scalar(&sealed));
            assert_eq!(encrypted.3.as_ref().unwrap()[i], s[i].key);
        }
        assert_eq!(encrypted.1[20], 101, "the span is the plain payload length");
    }

    #[test]
    fn dropping_a_busy_pool_returns() {
        let mut pool = Pool::new(2).unwrap();
        for seed in 0..4u8 {
            pool.submit(Job {
                first: 0,
                chunks: group(seed, 64),
                secrets: None,
                parities: 8,
            })
            .unwrap();
        }
        drop(pool);
    }

    #[test]
    fn a_bad_group_reports_a_codec_error() {
        let done = run(Job {
            first: 0,
            chunks: vec![vec![0u8; 5000]; 4],
            secrets: None,
            parities: 2,
        })
        .unwrap();
        assert!(matches!(
            done.parity,
            Err(CodecError::ShardTooLong {
                index: 0,
                len: 5000
            })
        ));
    }

    #[test]
    fn secrets_drawn_for_another_length_are_reported_with_the_chunk() {
        let chunks = group(7, 3);
        let mut s = secrets(7, &chunks);
        // Secrets drawn for a 10-byte payload carry 4086 bytes of padding.
        s[2] = secrets(7, &[vec![0u8; 18]]).remove(0);
        let err = run(Job {
            first: 40,
            chunks,
            secrets: Some(s),
            parities: 0,
        })
        .err()
        .expect("refused");
        assert_eq!(err.chunk, 42);
        assert!(matches!(
            err.source,
            EncryptionError::PayloadTooLong { payload_len: 8182 }
        ));
    }
}
