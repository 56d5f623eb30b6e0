//! Group commit for blocking batch operations: requests made concurrently from async tasks are
//! joined into one call of a batch operation on a thread of its own.
//!
//! A storer answers every delivery after storing it, and each delivery on its own cost a blocking
//! task and a database transaction (or three: the stamp ledger, the chunk store, the reserve).
//! With many pushes in flight, the requests that arrive while one batch runs go together into the
//! next: the first request of a quiet node runs at once (no waiting to fill a batch), and a busy
//! node makes one transaction for many. Each caller gets its own result, in its request's place,
//! once the whole batch is done (so a receipt is signed only for a chunk whose batch was stored).

use std::sync::mpsc;

use tokio::sync::oneshot;

/// Requests joined into one call at most (the store and the ledger take any number; this bounds
/// the latency of the batch's first request).
pub(crate) const MAX_BATCH: usize = 256;

/// The operation's thread stopped (it panicked, or the node is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the {0} thread has stopped")]
pub(crate) struct Stopped(pub &'static str);

type Request<I, O> = (I, oneshot::Sender<O>);

/// Sends requests to the operation's thread. Dropping it ends the thread and waits for it, so
/// that what the operation holds (a store, whose files a restarted node reopens) is released
/// with it, as it was when the calls ran on the runtime's blocking threads.
pub(crate) struct Batcher<I, O> {
    name: &'static str,
    requests: Option<mpsc::Sender<Request<I, O>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<I, O> Drop for Batcher<I, O> {
    fn drop(&mut self) {
        self.requests.take();
        if let Some(thread) = self.thread.take() {
            // Its batch ends and it finds the queue closed; a panic in it was reported already.
            let _ = thread.join();
        }
    }
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts the thread `name` running `op` on batches of requests; `op` returns one output per
    /// input, in order (a shorter answer leaves the rest of the callers with [`Stopped`]).
    pub(crate) fn spawn(
        name: &'static str,
        mut op: impl FnMut(Vec<I>) -> Vec<O> + Send + 'static,
    ) -> std::io::Result<Self> {
        let (requests, incoming) = mpsc::channel::<Request<I, O>>();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Ok(first) = incoming.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match incoming.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    let (inputs, replies): (Vec<I>, Vec<_>) = batch.into_iter().unzip();
                    for (out, reply) in op(inputs).into_iter().zip(replies) {
                        // A caller that gave up (its stream closed) no longer listens.
                        let _ = reply.send(out);
                    }
                }
            })?;
        Ok(Batcher {
            name,
            requests: Some(requests),
            thread: Some(thread),
        })
    }

    /// Queues `input` for the next batch (never blocks); the receiver gets its output.
    pub(crate) fn submit(&self, input: I) -> Result<oneshot::Receiver<O>, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .as_ref()
            .ok_or(Stopped(self.name))?
            .send((input, reply))
            .map_err(|_| Stopped(self.name))?;
        Ok(answer)
    }

    /// Runs `input` in the next batch and waits for its output.
    pub(crate) async fn call(&self, input: I) -> Result<O, Stopped> {
        self.submit(input)?.await.map_err(|_| Stopped(self.name))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A batcher whose operation doubles its inputs and logs each batch; the batch `[first]`
    /// runs first and holds there until `rest` are queued, which are then submitted. Returns the
    /// outputs of `first` and of `rest`, and the batches the operation saw.
    fn held_first_batch(first: u32, rest: &[u32]) -> (u32, Vec<u32>, Vec<Vec<u32>>) {
        let (entered, wait_entered) = mpsc::channel();
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let b = Batcher::spawn("test-batcher", move |xs: Vec<u32>| {
            log.lock().unwrap().push(xs.clone());
            if xs == [first] {
                entered.send(()).unwrap();
                gate.lock().unwrap().recv().unwrap();
            }
            xs.iter().map(|x| x * 2).collect()
        })
        .unwrap();
        let held = b.submit(first).unwrap();
        wait_entered.recv().unwrap();
        let queued: Vec<_> = rest.iter().map(|&i| b.submit(i).unwrap()).collect();
        release.send(()).unwrap();
        let held = held.blocking_recv().unwrap();
        let outs = queued
            .into_iter()
            .map(|r| r.blocking_recv().unwrap())
            .collect();
        let seen = seen.lock().unwrap().clone();
        (held, outs, seen)
    }

    /// The first request runs alone and at once; those made while it runs go together into the
    /// next call, each caller getting its own output.
    #[test]
    fn requests_made_during_a_batch_join_the_next_one() {
        let (first, outs, seen) = held_first_batch(0, &[1, 2, 3, 4, 5]);
        assert_eq!(first, 0);
        assert_eq!(outs, vec![2, 4, 6, 8, 10]);
        assert_eq!(seen, vec![vec![0], vec![1, 2, 3, 4, 5]]);
    }

    /// Never more than `MAX_BATCH` in one call.
    #[test]
    fn a_batch_holds_at_most_max_batch_requests() {
        let rest: Vec<u32> = (0..MAX_BATCH as u32 + 3).collect();
        let (first, outs, seen) = held_first_batch(u32::MAX / 2, &rest);
        assert_eq!(first, u32::MAX / 2 * 2);
        assert_eq!(outs, rest.iter().map(|x| x * 2).collect::<Vec<_>>());
        let sizes: Vec<usize> = seen.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![1, MAX_BATCH, 3]);
    }

    /// Dropping the batcher ends its thread and releases what the operation holds.
    #[test]
    fn dropping_the_batcher_releases_what_the_operation_holds() {
        let held = Arc::new(());
        let inside = held.clone();
        let b = Batcher::spawn("test-batcher", move |xs: Vec<u8>| {
            let _ = &inside;
            xs
        })
        .unwrap();
        assert_eq!(b.submit(3).unwrap().blocking_recv(), Ok(3));
        assert_eq!(Arc::strong_count(&held), 2);
        drop(b);
        assert_eq!(Arc::strong_count(&held), 1);
    }

    /// An operation that panics stops the thread; its callers and later ones get `Stopped`, not
    /// a hang.
    #[test]
    fn a_stopped_thread_is_an_error_for_callers() {
        let b = Batcher::spawn("test-batcher", |xs: Vec<u8>| -> Vec<u8> {
            if xs.contains(&1) {
                panic!("op failed");
            }
            xs
        })
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(rt.block_on(b.call(7)), Ok(7));
        assert_eq!(rt.block_on(b.call(1)), Err(Stopped("test-batcher")));
        // The thread is gone: either the send or the wait fails.
        assert_eq!(rt.block_on(b.call(2)), Err(Stopped("test-batcher")));
    }
}
