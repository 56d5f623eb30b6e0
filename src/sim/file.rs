//! A file whose every chunk is tracked in a [`Network`]: its Reed-Solomon groups as the splitter
//! builds them ([`crate::cost::tree_shape`], parity counts from [`crate::redundancy::table`]) and
//! its root with bee's dispersed replicas ([`crate::replicas::replica_addresses`]).
//!
//! Retrievable, as in [`crate::durability`]'s model: the root chunk or one of its replicas is held by
//! some node, and every group still has at least as many of its `m + k` chunks as it has data
//! children `m`. Each stored chunk other than the root is a child of exactly one group, so the groups
//! are listed flat with fresh uniform addresses for their children; which intermediate chunk is a
//! child of which group does not change whether the file can be read (every group must hold either
//! way).
//!
//! Repair, per group: a group with at least `m` of its chunks present rebuilds and pushes the missing
//! ones; the root, if it or a replica is present, pushes the missing copies. A real repair also needs
//! the group's own intermediate chunk, obtainable exactly when its parent's group can be read; for a
//! retrievable file that holds for every group, and a file that is not retrievable can never become
//! so again (lost chunks do not come back), so the per-group rule gives the same retrievability.

use crate::address::Address;
use crate::cost::tree_shape;
use crate::redundancy::Level;
use crate::replicas::replica_addresses;

use super::network::{ChunkId, Network};
use super::rng::SplitMix64;
use super::SimError;

/// One Reed-Solomon group: `data` data children, then its parities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Data children (`m`).
    pub data: usize,
    /// All `m + k` children.
    pub chunks: Vec<ChunkId>,
}

/// A tracked file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimFile {
    /// The root chunk, then its replicas.
    pub root: Vec<ChunkId>,
    /// Every group of the tree.
    pub groups: Vec<Group>,
}

/// Stored chunks of a file of `size` bytes at `level`, root replicas included (unencrypted).
pub fn chunk_count(size: u64, level: Level) -> Result<u64, SimError> {
    let shape = tree_shape(size, level, false)?;
    Ok(shape.total_chunks() + shape.replicas())
}

impl SimFile {
    /// Uploads an unencrypted file of `size` bytes at `level` now: every chunk at a uniform random
    /// address from `rng`, the replicas where bee puts them for that root.
    pub fn upload(
        net: &mut Network,
        size: u64,
        level: Level,
        rng: &mut SplitMix64,
    ) -> Result<SimFile, SimError> {
        let shape = tree_shape(size, level, false)?;
        let root_address = Address(rng.bytes32());
        let mut root = vec![net.track(root_address)];
        for (_, replica) in replica_addresses(&root_address, level) {
            root.push(net.track(replica));
        }
        let mut groups = Vec::new();
        for (_, set) in shape.groups() {
            for _ in 0..set.count {
                let chunks = (0..set.data_shards + set.parities)
                    .map(|_| net.track(Address(rng.bytes32())))
                    .collect();
                groups.push(Group {
                    data: set.data_shards,
                    chunks,
                });
            }
        }
        Ok(SimFile { root, groups })
    }

    /// Whether the file can be read now.
    pub fn retrievable(&self, net: &Network) -> bool {
        self.root.iter().any(|c| net.present(*c)) && self.groups.iter().all(|g| group_holds(g, net))
    }

    /// Pushes every missing chunk that a group (or the root) can rebuild; how many were pushed.
    pub fn repair(&self, net: &mut Network) -> usize {
        let mut pushed = 0;
        if self.root.iter().any(|c| net.present(*c)) {
            pushed += self.root.iter().filter(|c| net.restore(**c)).count();
        }
        for g in &self.groups {
            if group_holds(g, net) {
                pushed += g.chunks.iter().filter(|c| net.restore(**c)).count();
            }
        }
        pushed
    }
}

fn group_holds(g: &Group, net: &Network) -> bool {
    g.chunks.iter().filter(|c| net.present(**c)).count() >= g.data
}

#[cfg(test)]
mod tests {
    use super::super::network::{JoinRule, NetworkParams};
    use super::*;

    fn params(replication: usize) -> NetworkParams {
        NetworkParams {
            nodes: 64,
            radius: 3,
            replication,
            departure_rate: 0.0,
            sync_hours: 1.0,
            join: JoinRule::Uniform,
        }
    }

    fn static_net() -> Network {
        Network::new(params(2), 5).unwrap()
    }

    #[test]
    fn the_file_has_the_tree_shapes_chunks() {
        let mut net = static_net();
        let mut rng = SplitMix64(1);
        for (size, level) in [
            (4096, Level::None),
            (4097, Level::Medium),
            (1 << 20, Level::Paranoid),
        ] {
            let f = SimFile::upload(&mut net, size, level, &mut rng).unwrap();
            let tracked = f.root.len() + f.groups.iter().map(|g| g.chunks.len()).sum::<usize>();
            assert_eq!(tracked as u64, chunk_count(size, level).unwrap());
            assert_eq!(f.root.len(), 1 + level.replica_count());
            assert!(f.retrievable(&net));
        }
    }

    /// Eight nodes, one per neighbourhood at radius 3, replication 1: a chunk whose first byte is
    /// `b` is held by node `b >> 5` alone.
    fn one_holder_each() -> Network {
        let p = params(1);
        let overlays = (0..8u8)
            .map(|i| {
                let mut a = [0u8; 32];
                a[0] = i << 5;
                Address(a)
            })
            .collect();
        Network::with_overlays(p, overlays, 1).unwrap()
    }

    fn at(first: u8) -> Address {
        let mut a = [0u8; 32];
        a[0] = first;
        a[31] = 1;
        Address(a)
    }

    /// A group of 2 data and 3 parity chunks (level medium's group of 2) in neighbourhoods 1..=5,
    /// its root in neighbourhood 0 (no replicas).
    fn hand_file(net: &mut Network) -> SimFile {
        let root = vec![net.track(at(0x01))];
        let chunks = (1..=5u8).map(|i| net.track(at(i << 5))).collect();
        SimFile {
            root,
            groups: vec![Group { data: 2, chunks }],
        }
    }

    #[test]
    fn a_group_with_exactly_m_survivors_is_repaired() {
        let mut net = one_holder_each();
        let f = hand_file(&mut net);
        for c in &f.groups[0].chunks {
            assert_eq!(net.holders(*c).len(), 1);
        }
        // Nodes 1, 2, 3 leave: chunks 0..3 of the group are lost, 2 = m survive.
        for node in 1..=3 {
            net.leave(node);
        }
        assert!(f.retrievable(&net));
        assert_eq!(f.repair(&mut net), 3);
        assert!(f.groups[0].chunks.iter().all(|c| net.present(*c)));
        assert_eq!(net.stats().restored, 3);
    }

    #[test]
    fn a_group_with_fewer_than_m_survivors_is_lost_for_good() {
        let mut net = one_holder_each();
        let f = hand_file(&mut net);
        for node in 1..=4 {
            net.leave(node);
        }
        assert!(!f.retrievable(&net));
        assert_eq!(f.repair(&mut net), 0);
        assert!(!f.retrievable(&net));
    }

    #[test]
    fn the_root_or_one_replica_is_enough() {
        let mut net = one_holder_each();
        let mut f = hand_file(&mut net);
        f.root.push(net.track(at(0xe1)));
        net.leave(0);
        assert!(f.retrievable(&net));
        assert_eq!(f.repair(&mut net), 1);
        net.leave(7);
        assert!(f.retrievable(&net), "the repaired root is elsewhere now");
    }
}
