//! The simulated network: nodes with overlays, churn, and which node holds which tracked chunk.
//!
//! Every rule about *where* a chunk lives is a call into [`crate::placement`]:
//! - a chunk pushed at time `t` (upload or repair) is stored at once by the nodes
//!   [`responsible`] for it and by the [`closest`] `replication` nodes (pushsync; these are the same
//!   nodes unless the neighbourhood is empty or smaller than `replication`);
//! - a node that joins pulls every chunk it is [`responsible`] for from a responsible holder; the copy
//!   completes `sync_hours` later, if by then some responsible node still holds the chunk (pull sync
//!   runs within a neighbourhood, so a chunk held only outside its neighbourhood is not pulled);
//! - a node that leaves takes its copies with it; a chunk with no holder left is lost for good.
//!
//! Churn: nodes leave for good, each at rate λ per hour (exponential lifetimes; in a network of `N`
//! nodes, departures form a Poisson process of rate `Nλ` and the one leaving is uniform among the
//! living), and each departure is replaced by a join at the same instant, so `N` stays fixed. A joining
//! node draws a uniform overlay ([`JoinRule::Uniform`]) or one in the least populated neighbourhood
//! ([`JoinRule::Balanced`], as bee's neighbourhood suggester proposes).
//!
//! Simulated time is in hours. Nodes are ordered by overlay, so the nodes of a neighbourhood (one
//! prefix of `radius` bits) are a range; the placement functions then choose within that range.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::address::{Address, MAX_PO};
use crate::placement::{closest, responsible};

use super::rng::SplitMix64;
use super::SimError;

/// Index of a node (never reused: a node that joins gets a new one).
pub type NodeId = u32;
/// Index of a tracked chunk.
pub type ChunkId = u32;

/// How a joining node picks its overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JoinRule {
    /// Uniform over the address space (a node that lets its key decide).
    Uniform,
    /// Uniform inside a least populated neighbourhood at the storage radius (ties: the first such
    /// prefix from a random start), as bee's neighbourhood suggester has new nodes do.
    Balanced,
}

/// The network's fixed parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NetworkParams {
    /// Nodes alive at every instant.
    pub nodes: usize,
    /// Storage radius of every node ([`crate::placement::storage_radius`]), at most 31.
    pub radius: u8,
    /// Pushsync's replication: nodes that store a pushed chunk (closest first).
    pub replication: usize,
    /// Departure rate per node per hour.
    pub departure_rate: f64,
    /// Hours a joining node takes to pull its neighbourhood.
    pub sync_hours: f64,
    /// How joining nodes pick their overlay.
    pub join: JoinRule,
}

impl NetworkParams {
    fn check(&self) -> Result<(), SimError> {
        if self.nodes == 0 || self.nodes > (u32::MAX / 4) as usize {
            return Err(SimError::Invalid(format!(
                "nodes {} is not between 1 and {}",
                self.nodes,
                u32::MAX / 4
            )));
        }
        if self.radius > MAX_PO {
            return Err(SimError::Invalid(format!(
                "radius {} is above {MAX_PO}",
                self.radius
            )));
        }
        if self.join == JoinRule::Balanced && self.radius > 24 {
            return Err(SimError::Invalid(format!(
                "balanced joins scan 2^radius neighbourhoods; radius {} is above 24",
                self.radius
            )));
        }
        if self.replication == 0 {
            return Err(SimError::Invalid("replication must be at least 1".into()));
        }
        if !(self.departure_rate.is_finite() && self.departure_rate >= 0.0) {
            return Err(SimError::Invalid(format!(
                "departure rate {} is not a finite number >= 0",
                self.departure_rate
            )));
        }
        if !(self.sync_hours.is_finite() && self.sync_hours >= 0.0) {
            return Err(SimError::Invalid(format!(
                "sync time {} is not a finite number of hours >= 0",
                self.sync_hours
            )));
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Node {
    overlay: Address,
    alive: bool,
    /// Chunks this node holds (and possibly some it no longer holds: checked on departure).
    held: Vec<ChunkId>,
}

#[derive(Debug)]
struct TrackedChunk {
    address: Address,
    holders: Vec<NodeId>,
}

/// Counters of what happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NetworkStats {
    /// Nodes that left (as many joined).
    pub departures: u64,
    /// Copies completed by pull sync.
    pub synced_copies: u64,
    /// Times a tracked chunk lost its last holder.
    pub chunk_losses: u64,
    /// Chunks pushed again by [`Network::restore`].
    pub restored: u64,
}

/// The simulated network (see the module documentation for the rules).
#[derive(Debug)]
pub struct Network {
    params: NetworkParams,
    rng: SplitMix64,
    now: f64,
    next_departure: f64,
    nodes: Vec<Node>,
    alive: Vec<NodeId>,
    by_overlay: BTreeSet<(Address, NodeId)>,
    /// Living nodes per neighbourhood (balanced joins only).
    population: Vec<u32>,
    chunks: Vec<TrackedChunk>,
    by_neighbourhood: HashMap<u32, Vec<ChunkId>>,
    /// Pull syncs under way, in completion order: (time, node, chunks).
    syncs: VecDeque<(f64, NodeId, Vec<ChunkId>)>,
    stats: NetworkStats,
}

/// The first `bits` bits of `a` as a number (the neighbourhood of `a` at radius `bits` ≤ 31).
fn prefix(a: &Address, bits: u8) -> u32 {
    let head = u32::from_be_bytes([a.0[0], a.0[1], a.0[2], a.0[3]]);
    if bits == 0 {
        0
    } else {
        head >> (32 - u32::from(bits.min(31)))
    }
}

/// The smallest and largest addresses sharing the first `bits` bits of `a`.
fn prefix_range(a: &Address, bits: u8) -> (Address, Address) {
    let (mut lo, mut hi) = (a.0, a.0);
    for i in 0..256usize {
        if i >= usize::from(bits) {
            let mask = 0x80u8 >> (i % 8);
            lo[i / 8] &= !mask;
            hi[i / 8] |= mask;
        }
    }
    (Address(lo), Address(hi))
}

impl Network {
    /// A network of `params.nodes` nodes with uniform random overlays.
    pub fn new(params: NetworkParams, seed: u64) -> Result<Network, SimError> {
        params.check()?;
        let mut rng = SplitMix64::derive(seed, 0x6e6f_6465);
        let overlays = (0..params.nodes)
            .map(|_| Address(rng.bytes32()))
            .collect::<Vec<_>>();
        Network::with_overlays(params, overlays, rng.next_u64())
    }

    /// A network whose initial nodes have exactly `overlays` (for hand-computed cases; `params.nodes`
    /// is replaced by their number).
    pub fn with_overlays(
        mut params: NetworkParams,
        overlays: Vec<Address>,
        seed: u64,
    ) -> Result<Network, SimError> {
        params.nodes = overlays.len();
        params.check()?;
        let population = match params.join {
            JoinRule::Balanced => vec![0; 1usize << params.radius],
            JoinRule::Uniform => Vec::new(),
        };
        let mut net = Network {
            rng: SplitMix64::derive(seed, 0x0063_6875_726e),
            now: 0.0,
            next_departure: f64::INFINITY,
            nodes: Vec::with_capacity(overlays.len()),
            alive: Vec::with_capacity(overlays.len()),
            by_overlay: BTreeSet::new(),
            population,
            chunks: Vec::new(),
            by_neighbourhood: HashMap::new(),
            syncs: VecDeque::new(),
            stats: NetworkStats::default(),
            params,
        };
        for o in overlays {
            net.add_node(o);
        }
        net.next_departure = net.draw_departure();
        Ok(net)
    }

    /// The parameters.
    pub fn params(&self) -> &NetworkParams {
        &self.params
    }

    /// Simulated hours since the start.
    pub fn now(&self) -> f64 {
        self.now
    }

    /// What happened so far.
    pub fn stats(&self) -> NetworkStats {
        self.stats
    }

    /// Overlays of the living nodes, in overlay order.
    pub fn overlays(&self) -> Vec<Address> {
        self.by_overlay.iter().map(|(o, _)| *o).collect()
    }

    fn draw_departure(&mut self) -> f64 {
        let rate = self.params.departure_rate * self.alive.len() as f64;
        if rate > 0.0 {
            self.now + self.rng.exponential(rate)
        } else {
            f64::INFINITY
        }
    }

    fn add_node(&mut self, overlay: Address) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            overlay,
            alive: true,
            held: Vec::new(),
        });
        self.alive.push(id);
        self.by_overlay.insert((overlay, id));
        if let Some(n) = self
            .population
            .get_mut(prefix(&overlay, self.params.radius) as usize)
        {
            *n += 1;
        }
        id
    }

    /// Living nodes whose overlay shares the first `bits` bits of `a`.
    fn nodes_under(&self, a: &Address, bits: u8) -> impl Iterator<Item = &(Address, NodeId)> + '_ {
        let (lo, hi) = prefix_range(a, bits);
        self.by_overlay.range((lo, 0)..=(hi, NodeId::MAX))
    }

    /// The nodes a push of `chunk` stores it on now: every node [`responsible`] for it and the
    /// [`closest`] `replication` nodes.
    pub fn storers(&self, chunk: &Address) -> Vec<NodeId> {
        let radius = self.params.radius;
        let mut out: Vec<NodeId> = self
            .nodes_under(chunk, radius)
            .filter(|(o, _)| responsible(chunk, o, radius))
            .map(|(_, id)| *id)
            .collect();
        // The `replication` closest nodes lie in the deepest prefix of the chunk holding that many
        // nodes (everything inside is closer than everything outside); `closest` picks them there.
        let n = self.params.replication;
        let mut bits = radius;
        while bits > 0 && self.nodes_under(chunk, bits).take(n).count() < n {
            bits -= 1;
        }
        let candidates: Vec<(Address, NodeId)> = self.nodes_under(chunk, bits).copied().collect();
        let overlays: Vec<Address> = candidates.iter().map(|(o, _)| *o).collect();
        for o in closest(chunk, &overlays, n) {
            for (_, id) in candidates.iter().filter(|(c, _)| *c == o) {
                if !out.contains(id) {
                    out.push(*id);
                }
            }
        }
        out
    }

    /// Starts tracking a chunk at `address`, pushed now; its id.
    pub fn track(&mut self, address: Address) -> ChunkId {
        let id = self.chunks.len() as ChunkId;
        self.chunks.push(TrackedChunk {
            address,
            holders: Vec::new(),
        });
        self.by_neighbourhood
            .entry(prefix(&address, self.params.radius))
            .or_default()
            .push(id);
        self.push(id);
        id
    }

    fn push(&mut self, chunk: ChunkId) {
        let address = self.chunks[chunk as usize].address;
        for node in self.storers(&address) {
            let holders = &mut self.chunks[chunk as usize].holders;
            if !holders.contains(&node) {
                holders.push(node);
                self.nodes[node as usize].held.push(chunk);
            }
        }
    }

    /// Whether some living node holds the chunk.
    pub fn present(&self, chunk: ChunkId) -> bool {
        !self.chunks[chunk as usize].holders.is_empty()
    }

    /// Nodes holding the chunk now.
    pub fn holders(&self, chunk: ChunkId) -> &[NodeId] {
        &self.chunks[chunk as usize].holders
    }

    /// Pushes a lost chunk again (a repair rebuilt it); whether it was lost.
    pub fn restore(&mut self, chunk: ChunkId) -> bool {
        if self.present(chunk) {
            return false;
        }
        self.stats.restored += 1;
        self.push(chunk);
        true
    }

    fn has_responsible_holder(&self, chunk: ChunkId) -> bool {
        let c = &self.chunks[chunk as usize];
        c.holders.iter().any(|h| {
            responsible(
                &c.address,
                &self.nodes[*h as usize].overlay,
                self.params.radius,
            )
        })
    }

    /// Node `node` leaves for good now (no replacement: see [`Network::advance_to`] for churn).
    pub fn leave(&mut self, node: NodeId) {
        let Some(n) = self.nodes.get_mut(node as usize) else {
            return;
        };
        if !n.alive {
            return;
        }
        n.alive = false;
        let overlay = n.overlay;
        let held = std::mem::take(&mut n.held);
        self.by_overlay.remove(&(overlay, node));
        if let Some(pos) = self.alive.iter().position(|a| *a == node) {
            self.alive.swap_remove(pos);
        }
        if let Some(p) = self
            .population
            .get_mut(prefix(&overlay, self.params.radius) as usize)
        {
            *p -= 1;
        }
        for c in held {
            let holders = &mut self.chunks[c as usize].holders;
            if let Some(pos) = holders.iter().position(|h| *h == node) {
                holders.swap_remove(pos);
                if holders.is_empty() {
                    self.stats.chunk_losses += 1;
                }
            }
        }
    }

    /// A node with `overlay` joins now and starts pulling its neighbourhood; its id.
    pub fn join(&mut self, overlay: Address) -> NodeId {
        let id = self.add_node(overlay);
        let radius = self.params.radius;
        let wanted: Vec<ChunkId> = self
            .by_neighbourhood
            .get(&prefix(&overlay, radius))
            .map(|chunks| {
                chunks
                    .iter()
                    .copied()
                    .filter(|c| {
                        responsible(&self.chunks[*c as usize].address, &overlay, radius)
                            && self.has_responsible_holder(*c)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !wanted.is_empty() {
            self.syncs
                .push_back((self.now + self.params.sync_hours, id, wanted));
        }
        id
    }

    fn finish_sync(&mut self, node: NodeId, chunks: Vec<ChunkId>) {
        if !self.nodes[node as usize].alive {
            return;
        }
        for c in chunks {
            if self.has_responsible_holder(c) && !self.chunks[c as usize].holders.contains(&node) {
                self.chunks[c as usize].holders.push(node);
                self.nodes[node as usize].held.push(c);
                self.stats.synced_copies += 1;
            }
        }
    }

    fn joining_overlay(&mut self) -> Address {
        let mut overlay = Address(self.rng.bytes32());
        if self.params.join == JoinRule::Balanced {
            let len = self.population.len();
            let start = self.rng.below(len as u64) as usize;
            let mut best = start;
            for i in 0..len {
                let j = (start + i) % len;
                if self.population[j] < self.population[best] {
                    best = j;
                }
            }
            // Put the neighbourhood's bits in front of the random ones.
            let radius = u32::from(self.params.radius);
            if radius > 0 {
                let head =
                    u32::from_be_bytes([overlay.0[0], overlay.0[1], overlay.0[2], overlay.0[3]]);
                let keep = u32::MAX >> radius;
                let head = ((best as u32) << (32 - radius)) | (head & keep);
                overlay.0[..4].copy_from_slice(&head.to_be_bytes());
            }
        }
        overlay
    }

    /// Runs churn and pull sync up to simulated hour `t`.
    pub fn advance_to(&mut self, t: f64) {
        loop {
            let sync = self.syncs.front().map(|s| s.0);
            let departure = self.next_departure;
            let (is_sync, time) = match sync {
                Some(s) if s <= departure => (true, s),
                _ => (false, departure),
            };
            if time > t {
                break;
            }
            self.now = time;
            if is_sync {
                if let Some((_, node, chunks)) = self.syncs.pop_front() {
                    self.finish_sync(node, chunks);
                }
            } else {
                let i = self.rng.below(self.alive.len() as u64) as usize;
                let node = self.alive[i];
                self.leave(node);
                self.stats.departures += 1;
                let overlay = self.joining_overlay();
                self.join(overlay);
                self.next_departure = self.draw_departure();
            }
        }
        self.now = self.now.max(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn params(radius: u8) -> NetworkParams {
        NetworkParams {
            nodes: 0,
            radius,
            replication: 2,
            departure_rate: 0.0,
            sync_hours: 1.0,
            join: JoinRule::Uniform,
        }
    }

    fn at(first: u8) -> Address {
        let mut a = [0u8; 32];
        a[0] = first;
        Address(a)
    }

    #[test]
    fn prefixes() {
        let a = at(0b1011_0000);
        assert_eq!(prefix(&a, 0), 0);
        assert_eq!(prefix(&a, 4), 0b1011);
        let (lo, hi) = prefix_range(&a, 3);
        assert_eq!(lo.0[0], 0b1010_0000);
        assert_eq!(hi.0[0], 0b1011_1111);
        assert!(hi.0[1..].iter().all(|b| *b == 0xff));
    }

    #[test]
    fn a_push_lands_on_the_neighbourhood_and_the_closest() {
        // Radius 2: neighbourhood 0b10 holds nodes 0x80 and 0xa0; 0xc0 and 0x00 are elsewhere.
        let net = Network::with_overlays(params(2), vec![at(0x80), at(0xa0), at(0xc0), at(0)], 1)
            .unwrap();
        let mut s = net.storers(&at(0x81));
        s.sort();
        assert_eq!(s, vec![0, 1]);
        // An empty neighbourhood (0b01): nobody is responsible; the two closest store it.
        let mut s = net.storers(&at(0x40));
        s.sort();
        // XOR distances to 0x40: 0x00 → 0x40, 0xc0 → 0x80, 0x80 → 0xc0, 0xa0 → 0xe0.
        assert_eq!(s, vec![2, 3]);
    }

    #[test]
    fn the_chunk_is_lost_when_all_its_holders_leave_before_a_sync() {
        let mut net =
            Network::with_overlays(params(1), vec![at(0x80), at(0xc0), at(0x00)], 1).unwrap();
        let c = net.track(at(0x90));
        assert_eq!(net.holders(c).len(), 2);
        // A newcomer to the neighbourhood starts pulling; both holders leave before it is done.
        let newcomer = net.join(at(0xf0));
        net.advance_to(0.5);
        net.leave(0);
        net.leave(1);
        assert!(!net.present(c));
        net.advance_to(2.0);
        assert!(!net.present(c), "the newcomer had no one left to pull from");
        assert_eq!(net.stats().chunk_losses, 1);
        // Pushed again (repair), it lands on the newcomer, the one node of its neighbourhood left,
        // and on the closest other node.
        assert!(net.restore(c));
        assert!(net.holders(c).contains(&newcomer));
    }

    #[test]
    fn a_newcomer_keeps_the_chunk_when_it_synced_in_time() {
        let mut net = Network::with_overlays(params(1), vec![at(0x80), at(0x00)], 1).unwrap();
        let c = net.track(at(0x90));
        let newcomer = net.join(at(0xf0));
        net.advance_to(1.0);
        net.leave(0);
        // Node 1 got it from pushsync (one of the two closest), the newcomer by pull sync.
        let mut holders = net.holders(c).to_vec();
        holders.sort();
        assert_eq!(holders, vec![1, newcomer]);
        assert_eq!(net.stats().synced_copies, 1);
    }

    #[test]
    fn without_churn_nothing_moves() {
        let p = NetworkParams {
            nodes: 200,
            ..params(4)
        };
        let mut net = Network::new(p, 7).unwrap();
        let chunks: Vec<ChunkId> = (0..50u8)
            .map(|i| net.track(at(i.wrapping_mul(5))))
            .collect();
        net.advance_to(24.0 * 365.0);
        assert!(chunks.iter().all(|c| net.present(*c)));
        assert_eq!(net.stats().departures, 0);
    }

    #[test]
    fn churn_keeps_the_network_size_and_is_deterministic() {
        let p = NetworkParams {
            nodes: 300,
            departure_rate: 0.01,
            ..params(5)
        };
        let run = |seed| {
            let mut net = Network::new(p.clone(), seed).unwrap();
            net.advance_to(500.0);
            (net.overlays(), net.stats())
        };
        let (a, sa) = run(3);
        assert_eq!(a.len(), 300);
        assert!(sa.departures > 1000);
        assert_eq!(run(3), (a, sa));
        assert_ne!(run(4).0, run(3).0);
    }

    #[test]
    fn balanced_joins_fill_the_emptiest_neighbourhood() {
        let p = NetworkParams {
            join: JoinRule::Balanced,
            ..params(2)
        };
        let mut net = Network::with_overlays(p, vec![at(0x00), at(0x40), at(0x80)], 9).unwrap();
        let o = net.joining_overlay();
        assert_eq!(prefix(&o, 2), 0b11);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Network::new(params(3), 1).is_err()); // no nodes
        let p = NetworkParams {
            nodes: 5,
            departure_rate: f64::NAN,
            ..params(3)
        };
        assert!(Network::new(p, 1).is_err());
        let p = NetworkParams {
            nodes: 5,
            ..params(40)
        };
        assert!(Network::new(p, 1).is_err());
    }
}
