//! The splitter's worker pool: whole level-1 groups are hashed, and their parities encoded and
//! hashed, on one thread per core while the caller reads the next groups and writes finished chunks.
//!
//! Groups go round-robin to the workers and come back in the same round-robin order, so output
//! order needs no reordering buffer. Each worker holds at most one queued and one running group, and
//! the caller keeps at most [`Pool::capacity`] groups outstanding, so memory is bounded by the number
//! of cores times one group (128 chunks and their parities, about 1 MB), never by the file size.
//!
//! Only work that depends on nothing but the group's own chunks runs here. Everything that touches
//! the tree or the random source (intermediate chunks, encryption, the carrier rule at the end of
//! the file) stays with the splitter, in order.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::bmt::lanes;
use crate::redundancy::codec::{self, CodecError};

/// Made chunks with their addresses, in order.
pub type Addressed = Vec<(Vec<u8>, [u8; 32])>;

/// A whole level-1 group of plain data chunks (`span || payload` each) and how many parity chunks
/// it gets.
pub struct Job {
    /// Stored data of the data chunks, in file order.
    pub chunks: Vec<Vec<u8>>,
    /// Parity chunks to encode (0 without redundancy).
    pub parities: usize,
}

/// A finished group.
pub struct Done {
    /// The job's chunks, returned for writing.
    pub chunks: Vec<Vec<u8>>,
    /// Their addresses, in order.
    pub addresses: Vec<[u8; 32]>,
    /// Parity chunks with their addresses, in order, or why encoding failed.
    pub parity: Result<Addressed, CodecError>,
}

/// Hashes one group and encodes its parities: what a worker does, also callable inline.
pub fn run(job: Job) -> Done {
    let addresses = lanes::addresses_batch(&job.chunks);
    let parity = if job.parities == 0 {
        Ok(Vec::new())
    } else {
        let shards: Vec<&[u8]> = job.chunks.iter().map(Vec::as_slice).collect();
        codec::encode(&shards, job.parities).map(|parity| {
            let addresses = lanes::addresses_batch(&parity);
            parity.into_iter().zip(addresses).collect()
        })
    };
    Done {
        chunks: job.chunks,
        addresses,
        parity,
    }
}

struct Worker {
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Done>,
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
            let (done_tx, done_rx) = mpsc::sync_channel::<Done>(1);
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
    pub fn next_done(&mut self) -> Option<Result<Done, WorkerLost>> {
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

    #[test]
    fn pool_answers_in_submission_order_like_inline_work() {
        let mut pool = Pool::new(3).unwrap();
        let mut want = Vec::new();
        let mut got = Vec::new();
        for seed in 0..10u8 {
            let chunks = group(seed, 20 + seed as usize);
            let parities = (seed % 3) as usize * 4;
            let inline = run(Job {
                chunks: chunks.clone(),
                parities,
            });
            want.push((inline.addresses, inline.parity.unwrap()));
            if pool.outstanding() == pool.capacity() {
                let d = pool.next_done().unwrap().unwrap();
                got.push((d.addresses, d.parity.unwrap()));
            }
            pool.submit(Job { chunks, parities }).unwrap();
        }
        while let Some(d) = pool.next_done() {
            let d = d.unwrap();
            got.push((d.addresses, d.parity.unwrap()));
        }
        assert_eq!(got.len(), 10);
        assert_eq!(got, want);
        assert_eq!(
            want[0].0[0],
            crate::bmt::data_address_scalar(&group(0, 1)[0]),
            "addresses are BMT addresses"
        );
    }

    #[test]
    fn dropping_a_busy_pool_returns() {
        let mut pool = Pool::new(2).unwrap();
        for seed in 0..4u8 {
            pool.submit(Job {
                chunks: group(seed, 64),
                parities: 8,
            })
            .unwrap();
        }
        drop(pool);
    }

    #[test]
    fn a_bad_group_reports_a_codec_error() {
        let done = run(Job {
            chunks: vec![vec![0u8; 5000]; 4],
            parities: 2,
        });
        assert!(matches!(
            done.parity,
            Err(CodecError::ShardTooLong {
                index: 0,
                len: 5000
            })
        ));
    }
}
