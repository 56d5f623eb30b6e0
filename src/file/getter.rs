//! The getter (bee's `redundancy/getter`): fetches the children of one intermediate chunk by the
//! configured [`Strategy`], checks each against its address, escalates a failing strategy when
//! fallback is on, and rebuilds lost children from any m of the group's m + k with Reed-Solomon,
//! writing them back when asked. Also the root, through its dispersed replicas when it is lost.

use super::error::{malformed, JoinError};
use super::joiner::JoinOptions;
use super::node::Node;
use super::strategy::Strategy;
use crate::address::Address;
use crate::cac::{self, Chunk};
use crate::redundancy::{codec, Level};
use crate::reference::Reference;
use crate::replicas;
use crate::soc;
use crate::store::{ChunkStore, StoreError};

/// Fetches the root chunk, falling back to its dispersed replicas.
pub(crate) fn fetch_root(
    store: &dyn ChunkStore,
    address: &Address,
    options: &JoinOptions,
) -> Result<Vec<u8>, JoinError> {
    let mut corrupt = false;
    if let Some(data) = store.get(address)? {
        if cac::is_valid(address, &data) {
            return Ok(data);
        }
        corrupt = true;
    }
    if let Some(wrapped) = fetch_from_replicas(store, address, options.replica_level)? {
        if options.write_back {
            store.put(&Chunk {
                address: *address,
                data: wrapped.clone(),
            })?;
        }
        return Ok(wrapped);
    }
    if corrupt {
        Err(JoinError::Corrupt { address: *address })
    } else {
        Err(JoinError::NotFound { address: *address })
    }
}

/// The root chunk's data from the first valid one of its dispersed replicas at `level`, if any.
///
/// Every replica is asked for at once (in bee's emission order, which a local store follows) and the
/// first valid one wins: the replicas cost one retrieval deadline, not one per batch (bee releases
/// them in batches of 2, 2, 4 and 8 while it waits). Another round follows only an invalid replica.
pub(crate) fn fetch_from_replicas(
    store: &dyn ChunkStore,
    address: &Address,
    level: Level,
) -> Result<Option<Vec<u8>>, StoreError> {
    let mut pending: Vec<Address> = replicas::replica_addresses(address, level)
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    while !pending.is_empty() {
        let got = store.get_many(&pending, 1)?;
        let mut answered = Vec::new();
        for (candidate, data) in pending.iter().zip(got) {
            let Some(data) = data else { continue };
            if let Some(wrapped) = unwrap_replica(candidate, address, &data) {
                return Ok(Some(wrapped));
            }
            answered.push(*candidate);
        }
        if answered.is_empty() {
            // get_many found none of them: every candidate was asked.
            break;
        }
        pending.retain(|c| !answered.contains(c));
    }
    Ok(None)
}

/// The root chunk data inside a replica, if the replica is a valid one of `root`.
pub(crate) fn unwrap_replica(replica: &Address, root: &Address, data: &[u8]) -> Option<Vec<u8>> {
    if !soc::is_valid_soc(replica, data) {
        return None;
    }
    let parsed = soc::parse_soc(data).ok()?;
    if parsed.owner != replicas::REPLICAS_OWNER || parsed.wrapped.address != *root {
        return None;
    }
    Some(parsed.wrapped.data)
}

/// Keeps the chunks whose data hashes to their address, hashing them in one batch (lockstep lanes,
/// both cores); the others become `None`.
pub(crate) fn check_batch(
    addresses: &[Address],
    datas: Vec<Option<Vec<u8>>>,
) -> Vec<Option<Vec<u8>>> {
    let sized = |d: &Vec<u8>| (8..=cac::MAX_DATA).contains(&d.len());
    let present: Vec<&[u8]> = datas
        .iter()
        .flatten()
        .filter(|d| sized(d))
        .map(|d| d.as_slice())
        .collect();
    let mut hashes = crate::bmt::addresses(&present).into_iter();
    datas
        .into_iter()
        .zip(addresses)
        .map(|(data, address)| {
            let data = data.filter(sized)?;
            (hashes.next() == Some(address.0)).then_some(data)
        })
        .collect()
}

/// Fetches data children `wanted` of `node` by the configured strategy, with recovery; `prefetched`
/// is the store's answer to the first request for exactly the wanted children, when it was made ahead.
pub(crate) fn fetch_children_data(
    store: &dyn ChunkStore,
    node: &Node,
    refs: &[Reference],
    wanted: std::ops::Range<usize>,
    options: &JoinOptions,
    mut prefetched: Option<Vec<Option<Vec<u8>>>>,
) -> Result<Vec<Vec<u8>>, JoinError> {
    let Some(shape) = node.shape() else {
        return Err(malformed(node.address(), "a data chunk has no children"));
    };
    let parity_addresses = node.parity_addresses();
    let addresses: Vec<Address> = refs
        .iter()
        .map(|r| r.address)
        .chain(parity_addresses.iter().copied())
        .collect();
    let total = addresses.len();
    let m = shape.data();
    let mut have: Vec<Option<Vec<u8>>> = vec![None; total];
    let mut tried = vec![false; total];

    let wanted_done = |have: &[Option<Vec<u8>>]| wanted.clone().all(|i| have[i].is_some());
    let count = |have: &[Option<Vec<u8>>]| have.iter().filter(|h| h.is_some()).count();

    let mut strategy = options.strategy;
    loop {
        match strategy {
            Strategy::None | Strategy::Data => {
                // All wanted children at once: a network store fetches them in parallel.
                let ask: Vec<usize> = wanted
                    .clone()
                    .filter(|&i| have[i].is_none() && !tried[i])
                    .collect();
                let asked: Vec<Address> = ask.iter().map(|&i| addresses[i]).collect();
                let raw = match prefetched.take() {
                    // Asked ahead for exactly these children (the first round asks for all wanted).
                    Some(p) if p.len() == asked.len() && ask.iter().copied().eq(wanted.clone()) => {
                        p
                    }
                    _ => store.get_many(&asked, asked.len())?,
                };
                let got = check_batch(&asked, raw);
                for (&i, data) in ask.iter().zip(got) {
                    tried[i] = true;
                    have[i] = data;
                }
                if wanted_done(&have) {
                    break;
                }
            }
            Strategy::Prox => {
                let mut order: Vec<usize> = (0..total).filter(|&i| !tried[i]).collect();
                order.sort_by(|&a, &b| {
                    let (x, y) = (&addresses[a], &addresses[b]);
                    options.origin.distance(x).cmp(&options.origin.distance(y))
                });
                fetch_until(store, &addresses, &mut have, &mut tried, order, m)?;
                if count(&have) >= m {
                    break;
                }
            }
            Strategy::Race => {
                let pending: Vec<usize> = (0..total).filter(|&i| !tried[i]).collect();
                fetch_until(store, &addresses, &mut have, &mut tried, pending, m)?;
                if count(&have) >= m {
                    break;
                }
            }
        }
        let next = Strategy::ALL.iter().copied().find(|s| *s > strategy);
        match next {
            Some(s) if options.fallback && shape.parities() > 0 => strategy = s,
            _ => break,
        }
    }

    if !wanted_done(&have) {
        // Only prox and race decode; none and data without fallback fail on the first lost child.
        let decoding = strategy >= Strategy::Prox && shape.parities() > 0;
        if !decoding || count(&have) < m {
            return Err(lost(node, &addresses, &have, m, wanted.clone(), decoding));
        }
        recover(store, node, &addresses, &mut have, m, options)?;
    }
    Ok(wanted
        .map(|i| {
            have[i]
                .take()
                .expect("every wanted child was fetched or rebuilt")
        })
        .collect())
}

/// Asks for the children `order` (in that order) until `m` valid children are had, all in one
/// [`ChunkStore::get_many`] round: a network store asks for them at once and cancels the rest once
/// enough arrived, a local store reads them in order. A round that found fewer chunks than it needed
/// asked every address, so nothing is asked twice and a failing group costs one retrieval deadline,
/// not one per missing child. Another round follows only when some delivered chunks were corrupt.
fn fetch_until(
    store: &dyn ChunkStore,
    addresses: &[Address],
    have: &mut [Option<Vec<u8>>],
    tried: &mut [bool],
    mut order: Vec<usize>,
    m: usize,
) -> Result<(), StoreError> {
    loop {
        order.retain(|&i| !tried[i] && have[i].is_none());
        let need = m.saturating_sub(have.iter().filter(|h| h.is_some()).count());
        if need == 0 || order.is_empty() {
            return Ok(());
        }
        let asked: Vec<Address> = order.iter().map(|&i| addresses[i]).collect();
        let got = store.get_many(&asked, need)?;
        let fetched: Vec<bool> = got.iter().map(Option::is_some).collect();
        let everything_asked = fetched.iter().filter(|f| **f).count() < need;
        for ((&i, data), fetched) in order.iter().zip(check_batch(&asked, got)).zip(fetched) {
            tried[i] |= fetched || everything_asked;
            have[i] = data;
        }
    }
}

fn lost(
    node: &Node,
    addresses: &[Address],
    have: &[Option<Vec<u8>>],
    m: usize,
    wanted: std::ops::Range<usize>,
    decoding: bool,
) -> JoinError {
    if !decoding {
        // No recovery was tried: name the first lost child.
        if let Some(i) = wanted.clone().find(|&i| have[i].is_none()) {
            return JoinError::NotFound {
                address: addresses[i],
            };
        }
    }
    let missing: Vec<Address> = addresses
        .iter()
        .zip(have)
        .filter(|(_, h)| h.is_none())
        .map(|(a, _)| *a)
        .collect();
    JoinError::Unrecoverable {
        node: node.address(),
        present: addresses.len() - missing.len(),
        parities: addresses.len() - m,
        missing,
        need: m,
    }
}

/// Rebuilds the missing data children from any m present children, checks each rebuilt chunk against
/// its address, and writes it back when asked.
fn recover(
    store: &dyn ChunkStore,
    node: &Node,
    addresses: &[Address],
    have: &mut [Option<Vec<u8>>],
    m: usize,
    options: &JoinOptions,
) -> Result<(), JoinError> {
    let missing: Vec<usize> = (0..m).filter(|&i| have[i].is_none()).collect();
    let mut shards: Vec<Option<Vec<u8>>> = have.to_vec();
    codec::reconstruct_data(&mut shards, m).map_err(|source| JoinError::Decode {
        node: node.address(),
        source,
    })?;
    let mut rebuilt = Vec::with_capacity(missing.len());
    for &i in &missing {
        let data = shards[i]
            .take()
            .expect("reconstruct_data fills every data shard or fails");
        if !cac::is_valid(&addresses[i], &data) {
            return Err(JoinError::Corrupt {
                address: addresses[i],
            });
        }
        rebuilt.push(Chunk {
            address: addresses[i],
            data: data.clone(),
        });
        have[i] = Some(data);
    }
    if options.write_back && !rebuilt.is_empty() {
        store.put_batch(&rebuilt)?;
    }
    Ok(())
}
