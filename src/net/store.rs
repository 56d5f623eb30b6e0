//! A [`ChunkStore`] over the network, so that the splitter and the joiner (and all its strategies) work
//! unchanged on a swarm of nodes.
//!
//! Reads look in the local store first, then ask the network (retrieval); fetched chunks are cached in
//! the local store when caching is on. [`ChunkStore::get_many`] asks for every missing address at
//! once and drops (cancels) the outstanding requests as soon as `need` chunks arrived — this is what
//! makes the joiner's `race` strategy a race. Writes stamp every chunk of a batch first (the
//! [`Stamper`]: one durable record for the whole batch, and a full or unknown batch fails before any
//! chunk leaves), then push every chunk to its closest nodes (pushsync) and return once each has a
//! storer's checked receipt; they are not stored locally (a storer node stores them itself when it
//! is among the closest). A store without a stamper refuses writes. `has`, `remove` and `iterate` see the local store
//! only.
//!
//! The store methods block the calling thread on the node's tokio runtime: call them from ordinary
//! threads (or `spawn_blocking`), never from inside an async task.

use std::future::Future;
use std::sync::Arc;

use futures::stream::{FuturesUnordered, StreamExt};
use tracing::debug;

use super::bee::pushsync::Push;
use super::node::Client;
use super::pushsync::{StampFailure, Stamper};

/// The [`StoreError::Backend`] operation of a write refused because its batch is full.
pub const BATCH_FULL_OP: &str = "stamp: batch full";
use crate::address::Address;
use crate::cac::Chunk;
use crate::store::{ChunkStore, Delivery, Removal, StoreError};

/// Most pushes in flight at once during a batch write: bee's pusher's `ConcurrentPushes`
/// (`swarm.Branches`). With 32, an 8-node loopback cluster uploaded 16 MiB in 21.8 s; with 128,
/// 16.1 s (docs/BENCHMARKS.md).
const PUSH_CONCURRENCY: usize = 128;

/// A chunk store backed by a local store and the network.
pub struct NetworkStore {
    local: Arc<dyn ChunkStore>,
    client: Client,
    runtime: tokio::runtime::Handle,
    cache: bool,
    stamper: Option<Arc<dyn Stamper>>,
}

impl NetworkStore {
    /// A store over `client`'s node whose async work runs on `runtime`; `cache` keeps fetched chunks
    /// in `local`.
    pub fn new(
        local: Arc<dyn ChunkStore>,
        client: Client,
        runtime: tokio::runtime::Handle,
        cache: bool,
    ) -> NetworkStore {
        NetworkStore {
            local,
            client,
            runtime,
            cache,
            stamper: None,
        }
    }

    /// This store with writes stamped by `stamper`.
    pub fn with_stamper(mut self, stamper: Arc<dyn Stamper>) -> NetworkStore {
        self.stamper = Some(stamper);
        self
    }

    /// The node handle.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn block<F>(&self, op: &'static str, future: F) -> Result<F::Output, StoreError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = self.runtime.spawn(future);
        futures::executor::block_on(handle).map_err(|e| StoreError::Backend {
            op,
            address: None,
            message: format!("network task failed: {e}"),
        })
    }

    /// Stamps and pushes every chunk; the storer of each (its receipt's overlay).
    fn push_all(&self, chunks: &[Chunk]) -> Result<Vec<Address>, StoreError> {
        let Some(stamper) = &self.stamper else {
            return Err(StoreError::Backend {
                op: "push",
                address: chunks.first().map(|c| c.address),
                message: "no postage batch to stamp chunks with".into(),
            });
        };
        let addresses: Vec<Address> = chunks.iter().map(|c| c.address).collect();
        let stamps = stamper.stamp(&addresses).map_err(|e| StoreError::Backend {
            op: match e {
                StampFailure::Full(_) => BATCH_FULL_OP,
                StampFailure::Failed(_) => "stamp",
            },
            address: addresses.first().copied(),
            message: e.to_string(),
        })?;
        if stamps.len() != chunks.len() {
            return Err(StoreError::Backend {
                op: "stamp",
                address: addresses.first().copied(),
                message: format!("{} stamps for {} chunks", stamps.len(), chunks.len()),
            });
        }
        let claim = stamper.claim();
        let pushes: Vec<Push> = chunks
            .iter()
            .zip(stamps)
            .map(|(c, stamp)| Push {
                chunk: c.address,
                data: c.data.clone(),
                stamp,
                claim: claim.clone(),
                replicate: false,
            })
            .collect();
        let client = self.client.clone();
        let results = self.block("put", async move {
            futures::stream::iter(pushes)
                .map(|p| {
                    let client = client.clone();
                    async move { (p.chunk, client.push(p).await) }
                })
                .buffer_unordered(PUSH_CONCURRENCY)
                .collect::<Vec<_>>()
                .await
        })?;
        results
            .into_iter()
            .map(|(address, result)| {
                result
                    .map(|receipt| receipt.storer)
                    .map_err(|e| StoreError::Backend {
                        op: "push",
                        address: Some(address),
                        message: e.to_string(),
                    })
            })
            .collect()
    }

    /// Keeps `chunks`, fetched from peers, in the local store when this store caches. On a node
    /// with a reserve they are its cache ([`crate::reserve::Reserve::cache_fetched`], one transaction): at most
    /// [`NodeConfig::cache_capacity`](super::NodeConfig::cache_capacity) chunks, the oldest fetched
    /// removed first unless the reserve or a pin holds them.
    fn keep_fetched(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        if !self.cache || chunks.is_empty() {
            return Ok(());
        }
        self.local.put_batch(chunks)?;
        let config = &self.client.shared.config;
        let Some(reserve) = config.reserve.as_ref() else {
            return Ok(());
        };
        let addresses: Vec<Address> = chunks.iter().map(|c| c.address).collect();
        let err = |e: crate::reserve::ReserveError| StoreError::Backend {
            op: "cache",
            address: addresses.first().copied(),
            message: e.to_string(),
        };
        let old = reserve
            .cache_fetched(&addresses, config.cache_capacity)
            .map_err(err)?;
        if !old.is_empty() {
            let removals = self.local.remove_many(&old)?;
            debug!(
                dropped = old.len(),
                removed = removals.iter().filter(|r| **r == Removal::Removed).count(),
                "cache over capacity: the oldest fetched chunks removed"
            );
        }
        Ok(())
    }
}

impl ChunkStore for NetworkStore {
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(data) = self.local.get(address)? {
            return Ok(Some(data));
        }
        let client = self.client.clone();
        let address = *address;
        let fetched = self
            .block("get", async move { client.retrieve(address).await })?
            .map_err(|e| StoreError::Backend {
                op: "get",
                address: Some(address),
                message: e.to_string(),
            })?;
        match fetched {
            Some(data) => {
                let chunk = Chunk { address, data };
                self.keep_fetched(std::slice::from_ref(&chunk))?;
                Ok(Some(chunk.data))
            }
            None => Ok(None),
        }
    }

    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        self.push_all(chunks).map(drop)
    }

    /// Every chunk is pushed (none is [`Delivery::Seen`]: a node keeps no queue of chunks waiting
    /// to be pushed, which is what bee's "seen" counts); a receipt this node signed itself means
    /// it stored the chunk as the closest ([`Delivery::Stored`]), any other a peer's.
    fn put_batch_reporting(
        &self,
        chunks: &[Chunk],
        report: &mut dyn FnMut(Delivery),
    ) -> Result<(), StoreError> {
        let me = self.client.shared.overlay;
        for storer in self.push_all(chunks)? {
            report(if storer == me {
                Delivery::Stored
            } else {
                Delivery::Receipted
            });
        }
        Ok(())
    }

    fn has(&self, address: &Address) -> Result<bool, StoreError> {
        self.local.has(address)
    }

    fn remove(&self, address: &Address) -> Result<bool, StoreError> {
        self.local.remove(address)
    }

    fn remove_many(&self, addresses: &[Address]) -> Result<Vec<Removal>, StoreError> {
        self.local.remove_many(addresses)
    }

    fn iterate(&self, visit: &mut dyn FnMut(&Address, &[u8]) -> bool) -> Result<(), StoreError> {
        self.local.iterate(visit)
    }

    fn sync(&self) -> Result<(), StoreError> {
        self.local.sync()
    }

    fn get_many(
        &self,
        addresses: &[Address],
        need: usize,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let mut out = vec![None; addresses.len()];
        let mut found = 0;
        let mut missing = Vec::new();
        for (i, address) in addresses.iter().enumerate() {
            match self.local.get(address)? {
                Some(data) if found < need => {
                    out[i] = Some(data);
                    found += 1;
                }
                Some(_) => {}
                None => missing.push((i, *address)),
            }
        }
        if found >= need || missing.is_empty() {
            return Ok(out);
        }
        let still = need - found;
        let client = self.client.clone();
        let fetched = self.block("get_many", async move {
            let mut pending: FuturesUnordered<_> = missing
                .into_iter()
                .map(|(i, address)| {
                    let client = client.clone();
                    async move { (i, address, client.retrieve(address).await) }
                })
                .collect();
            let mut got = Vec::new();
            while let Some((i, address, result)) = pending.next().await {
                if let Ok(Some(data)) = result {
                    got.push((i, address, data));
                    if got.len() >= still {
                        // Dropping `pending` cancels the requests still in flight.
                        break;
                    }
                }
            }
            got
        })?;
        let (places, chunks): (Vec<usize>, Vec<Chunk>) = fetched
            .into_iter()
            .map(|(i, address, data)| (i, Chunk { address, data }))
            .unzip();
        // Fetched chunks are cached in one store batch (one index transaction), not one by one.
        self.keep_fetched(&chunks)?;
        for (i, chunk) in places.into_iter().zip(chunks) {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(chunk.data);
            }
        }
        Ok(out)
    }
}
