//! bee's topology (its `pkg/topology/kademlia`), as pure arithmetic over overlays: no I/O, no libp2p.
//!
//! The connected full peers sit in proximity bins by their proximity order to our overlay (bin `i`
//! holds the peers sharing exactly `i` leading bits with us). From the bins' sizes follows the
//! neighbourhood depth, computed as bee's `recalcDepth` computes it ([`depth`]). A learned peer is
//! worth dialling ([`Topology::decide`]) when it lies in the neighbourhood (its bin is at or deeper
//! than the depth: bee's `connectNeighbours`) or when it fills an empty balanced slot of a shallower
//! bin (bee's `connectBalanced`: each bin is split into [`BALANCED_SLOTS`] slots by the
//! [`BIT_SUFFIX_LENGTH`] bits after the bin's own bit, and one peer per slot is enough). A bin with
//! [`OVER_SATURATION_PEERS`] peers takes no more (bee's `binSaturated`, which its `Pick` applies to
//! peers dialling in).
//!
//! What it refuses to model: bee's reachability and health metrics (its `ExcludeFunc` drops
//! unreachable peers from the depth; here every connected full peer counts), static peers, bootnode
//! mode, and the storage radius that bee's reserve sets and its neighbour connector uses instead of
//! the depth (swarmec has no reserve yet, so the depth stands in for it).

use std::collections::HashSet;

use crate::address::{Address, MAX_PO};

/// Number of proximity bins (bee's `swarm.MaxBins`): proximity orders 0 to [`MAX_PO`].
pub const MAX_BINS: usize = MAX_PO as usize + 1;
/// Peers a bin needs to count as saturated when computing the depth (bee's
/// `defaultSaturationPeers`).
pub const SATURATION_PEERS: usize = 8;
/// Peers at which a bin takes no more (bee's `defaultOverSaturationPeers`).
pub const OVER_SATURATION_PEERS: usize = 18;
/// Peers the neighbourhood holds at least, counted from the deepest bin (bee's
/// `defaultLowWaterMark`, its `nnLowWatermark`).
pub const LOW_WATERMARK: usize = 3;
/// Bits after a bin's own bit that name its balanced slots (bee's `defaultBitSuffixLength`).
pub const BIT_SUFFIX_LENGTH: usize = 4;
/// Balanced slots per bin: `2^BIT_SUFFIX_LENGTH`.
pub const BALANCED_SLOTS: usize = 1 << BIT_SUFFIX_LENGTH;

/// The parameters of the depth computation (bee's kademlia options of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthParams {
    /// Peers that saturate a bin ([`SATURATION_PEERS`] by default).
    pub saturation_peers: usize,
    /// Peers the neighbourhood holds at least ([`LOW_WATERMARK`] by default).
    pub low_watermark: usize,
}

impl Default for DepthParams {
    fn default() -> Self {
        DepthParams {
            saturation_peers: SATURATION_PEERS,
            low_watermark: LOW_WATERMARK,
        }
    }
}

/// bee's neighbourhood depth (`recalcDepth`) from the number of connected peers in each bin.
///
/// With at most `low_watermark` peers the depth is 0. Otherwise it is the least of: the shallowest
/// unsaturated bin (walking up from bin 0, the first bin with fewer than `saturation_peers` peers
/// before a deeper non-empty one; the deepest non-empty bin if every bin is saturated), the
/// shallowest empty bin, and the bin at which the peers counted from the deepest bin first reach
/// `low_watermark`.
pub fn depth(bins: &[usize; MAX_BINS], params: DepthParams) -> u8 {
    let total: usize = bins.iter().sum();
    if total <= params.low_watermark {
        return 0;
    }
    let mut depth = shallowest_unsaturated(bins, params.saturation_peers);
    if let Some(empty) = bins.iter().position(|&n| n == 0) {
        depth = depth.min(empty);
    }
    depth.min(watermark_bin(bins, params.low_watermark)) as u8
}

/// bee's first pass: bins walked from 0; a bin replaces the current one only if the current one
/// holds at least `saturation` peers (so an empty bin 0 stops the walk at once).
fn shallowest_unsaturated(bins: &[usize; MAX_BINS], saturation: usize) -> usize {
    let (mut current, mut count) = (0, 0);
    for (bin, &n) in bins.iter().enumerate().filter(|(_, &n)| n > 0) {
        if bin == current {
            count += n;
        } else if count < saturation {
            break;
        } else {
            (current, count) = (bin, n);
        }
    }
    current
}

/// The bin at which the peers counted from the deepest bin first reach `low_watermark` (0 if they
/// never do).
fn watermark_bin(bins: &[usize; MAX_BINS], low_watermark: usize) -> usize {
    let mut seen = 0;
    for bin in (0..MAX_BINS).rev() {
        for _ in 0..bins[bin] {
            seen += 1;
            if seen >= low_watermark {
                return bin;
            }
        }
    }
    0
}

/// The balanced slot of `peer` within bin `bin`: the [`BIT_SUFFIX_LENGTH`] bits after bit `bin` of
/// its overlay, most significant first (bee's pseudo-addresses of `generateCommonBinPrefixes`).
pub fn balanced_slot(peer: &Address, bin: u8) -> usize {
    let start = usize::from(bin) + 1;
    (start..start + BIT_SUFFIX_LENGTH).fold(0, |slot, i| {
        let bit = (peer.0[i / 8] >> (7 - i % 8)) & 1;
        (slot << 1) | usize::from(bit)
    })
}

/// Whether a bin with `peers` connected peers takes no more (bee's `binSaturated`).
pub fn oversaturated(peers: usize) -> bool {
    peers >= OVER_SATURATION_PEERS
}

/// Why [`Topology::decide`] decided as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Dial: the peer is in the neighbourhood (its bin is at or deeper than the depth).
    Neighbour,
    /// Dial: the peer fills an empty balanced slot of a bin shallower than the depth.
    Balance,
    /// Skip: it is our own overlay.
    Ourselves,
    /// Skip: already connected or being dialled.
    Known,
    /// Skip: its bin holds [`OVER_SATURATION_PEERS`] peers.
    Oversaturated,
    /// Skip: a connected or dialled peer already fills its balanced slot.
    SlotTaken,
}

impl Decision {
    /// Whether to dial.
    pub fn dial(self) -> bool {
        matches!(self, Decision::Neighbour | Decision::Balance)
    }
}

/// What a connection or disconnection changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The peer's bin.
    pub bin: u8,
    /// The depth before.
    pub old_depth: u8,
    /// The depth after.
    pub depth: u8,
}

/// The bins as numbers: what an API or a log shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Our overlay.
    pub base: Address,
    /// The neighbourhood depth.
    pub depth: u8,
    /// Connected full peers per bin, bin 0 first ([`MAX_BINS`] entries).
    pub bins: Vec<usize>,
    /// Connected full peers.
    pub connected: usize,
    /// Peers being dialled.
    pub dialling: usize,
}

/// The connected full peers by bin, and the peers being dialled.
#[derive(Debug, Clone)]
pub struct Topology {
    base: Address,
    params: DepthParams,
    bins: Vec<HashSet<Address>>,
    dialling: HashSet<Address>,
    depth: u8,
}

impl Topology {
    /// An empty topology around `base` with bee's default parameters.
    pub fn new(base: Address) -> Topology {
        Topology::with_params(base, DepthParams::default())
    }

    /// An empty topology around `base`.
    pub fn with_params(base: Address, params: DepthParams) -> Topology {
        Topology {
            base,
            params,
            bins: vec![HashSet::new(); MAX_BINS],
            dialling: HashSet::new(),
            depth: 0,
        }
    }

    /// The bin of `peer`: its proximity order to our overlay.
    pub fn bin(&self, peer: &Address) -> u8 {
        self.base.proximity(peer)
    }

    /// The neighbourhood depth.
    pub fn depth(&self) -> u8 {
        self.depth
    }

    /// Connected full peers.
    pub fn connected(&self) -> usize {
        self.bins.iter().map(HashSet::len).sum()
    }

    /// Peers being dialled.
    pub fn dialling(&self) -> usize {
        self.dialling.len()
    }

    /// Whether `peer` is connected.
    pub fn is_connected(&self, peer: &Address) -> bool {
        self.bins[usize::from(self.bin(peer))].contains(peer)
    }

    /// Connected peers per bin.
    pub fn bin_sizes(&self) -> [usize; MAX_BINS] {
        std::array::from_fn(|i| self.bins[i].len())
    }

    /// Records a connected full peer (our own overlay is ignored). `None` if nothing changed.
    pub fn connect(&mut self, peer: Address) -> Option<Change> {
        if peer == self.base {
            return None;
        }
        let bin = self.bin(&peer);
        self.dialling.remove(&peer);
        if !self.bins[usize::from(bin)].insert(peer) {
            return None;
        }
        Some(self.recompute(bin))
    }

    /// Forgets a peer whose connection closed. `None` if it was not connected.
    pub fn disconnect(&mut self, peer: &Address) -> Option<Change> {
        let bin = self.bin(peer);
        if !self.bins[usize::from(bin)].remove(peer) {
            return None;
        }
        Some(self.recompute(bin))
    }

    fn recompute(&mut self, bin: u8) -> Change {
        let old_depth = self.depth;
        self.depth = depth(&self.bin_sizes(), self.params);
        Change {
            bin,
            old_depth,
            depth: self.depth,
        }
    }

    /// Whether to dial a peer learned through hive, and why. Peers being dialled count as
    /// connected for saturation and slots, so that one hive message does not dial a whole slot.
    pub fn decide(&self, peer: &Address) -> Decision {
        if *peer == self.base {
            return Decision::Ourselves;
        }
        if self.is_connected(peer) || self.dialling.contains(peer) {
            return Decision::Known;
        }
        let bin = self.bin(peer);
        let taken: Vec<&Address> = self.bins[usize::from(bin)]
            .iter()
            .chain(self.dialling.iter().filter(|d| self.bin(d) == bin))
            .collect();
        if oversaturated(taken.len()) {
            return Decision::Oversaturated;
        }
        if bin >= self.depth {
            return Decision::Neighbour;
        }
        let slot = balanced_slot(peer, bin);
        if taken.iter().any(|t| balanced_slot(t, bin) == slot) {
            return Decision::SlotTaken;
        }
        Decision::Balance
    }

    /// Records that `peer` is being dialled.
    pub fn start_dial(&mut self, peer: Address) {
        if !self.is_connected(&peer) {
            self.dialling.insert(peer);
        }
    }

    /// Records that a dial to `peer` ended (connected or not).
    pub fn end_dial(&mut self, peer: &Address) {
        self.dialling.remove(peer);
    }

    /// The numbers, for an API or a log.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            base: self.base,
            depth: self.depth,
            bins: self.bin_sizes().to_vec(),
            connected: self.connected(),
            dialling: self.dialling(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An overlay at proximity `po` to `base`, its remaining bits from `seed` (bee's
    /// `RandAddressAt`).
    fn at(base: &Address, po: u8, seed: u64) -> Address {
        let mut a = [0u8; 32];
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for b in a.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let po = usize::from(po);
        for i in 0..=po.min(255) {
            let mask = 0x80 >> (i % 8);
            let base_bit = base.0[i / 8] & mask;
            let want = if i < po { base_bit } else { base_bit ^ mask };
            a[i / 8] = (a[i / 8] & !mask) | want;
        }
        Address(a)
    }

    fn bins_of(counts: &[(usize, usize)]) -> [usize; MAX_BINS] {
        let mut b = [0; MAX_BINS];
        for &(bin, n) in counts {
            b[bin] += n;
        }
        b
    }

    /// bee's `TestNeighborhoodDepth` (saturation 4, low watermark 3), step by step on one topology.
    #[test]
    fn depth_follows_bees_neighbourhood_depth_test() {
        let base = at(&Address::ZERO, 3, 99);
        let params = DepthParams {
            saturation_peers: 4,
            low_watermark: 3,
        };
        let mut t = Topology::with_params(base, params);
        let mut seed = 0;
        let mut add = |t: &mut Topology, po: u8| {
            seed += 1;
            let a = at(&base, po, seed);
            assert_eq!(t.bin(&a), po);
            t.connect(a);
            a
        };
        add(&mut t, 8);
        add(&mut t, 8);
        assert_eq!(t.depth(), 0, "two peers in bin 8");
        add(&mut t, 0);
        add(&mut t, 1);
        assert_eq!(t.depth(), 0, "bin 0 unsaturated");
        for po in 2..8 {
            add(&mut t, po);
        }
        assert_eq!(t.depth(), 0);
        for po in 0..7 {
            for _ in 0..3 {
                add(&mut t, po);
            }
            assert_eq!(t.depth(), po + 1, "bins 0..={po} saturated");
        }
        add(&mut t, 8);
        assert_eq!(t.depth(), 7, "the watermark is reached only in bin 8");
        for _ in 0..3 {
            add(&mut t, 7);
        }
        assert_eq!(t.depth(), 8);
        add(&mut t, 8);
        assert_eq!(t.depth(), 8);
        let mut deep = Vec::new();
        for po in 9..MAX_BINS as u8 {
            for _ in 0..4 {
                deep.push(add(&mut t, po));
            }
            assert_eq!(t.depth(), po);
        }
        for _ in 0..15 {
            add(&mut t, MAX_PO);
        }
        assert_eq!(t.depth(), 31);
        let change = t.disconnect(&deep[deep.len() - 5]).unwrap();
        assert_eq!((change.bin, change.old_depth, change.depth), (30, 31, 30));
        for a in &deep[..4] {
            t.disconnect(a);
        }
        assert_eq!(t.depth(), 9, "bin 9 emptied");
    }

    /// bee's `TestOversaturation`: 18 peers in each of bins 0..=5 give depth 5, and those bins
    /// take no more.
    #[test]
    fn oversaturated_bins_take_no_more_as_in_bee() {
        let base = Address([0x5a; 32]);
        let mut t = Topology::new(base);
        let mut seed = 1000;
        for po in 0..6u8 {
            for _ in 0..OVER_SATURATION_PEERS {
                seed += 1;
                t.connect(at(&base, po, seed));
            }
            assert_eq!(t.depth(), po);
        }
        for po in 0..5u8 {
            assert_eq!(t.decide(&at(&base, po, 7)), Decision::Oversaturated);
        }
    }

    #[test]
    fn depth_edge_cases() {
        let d = DepthParams::default();
        assert_eq!(depth(&[0; MAX_BINS], d), 0);
        assert_eq!(depth(&bins_of(&[(5, 3)]), d), 0, "at the watermark");
        assert_eq!(depth(&bins_of(&[(5, 4)]), d), 0, "bin 0 empty");
        assert_eq!(
            depth(&bins_of(&[(0, 8), (2, 8), (3, 3)]), d),
            1,
            "bin 1 empty"
        );
        assert_eq!(depth(&bins_of(&[(0, 8), (1, 8), (2, 3)]), d), 2);
        assert_eq!(
            depth(&bins_of(&[(0, 8), (1, 8), (2, 2)]), d),
            1,
            "three deepest peers reach into bin 1"
        );
        assert_eq!(depth(&bins_of(&[(0, 8), (1, 8)]), d), 1, "all saturated");
        assert_eq!(depth(&[1; MAX_BINS], d), 0);
        assert_eq!(depth(&[8; MAX_BINS], d), 31);
    }

    #[test]
    fn balanced_slots_are_the_four_bits_after_the_bin() {
        let mut a = Address::ZERO;
        a.0[0] = 0b1011_0100;
        assert_eq!(balanced_slot(&a, 0), 0b0110);
        assert_eq!(balanced_slot(&a, 2), 0b1010);
        a.0[3] = 0xff;
        assert_eq!(
            balanced_slot(&a, 30),
            0b1000,
            "bits 31..=34 cross into byte 4"
        );
        assert_eq!(balanced_slot(&Address([0xff; 32]), MAX_PO), 0b1111);
    }

    #[test]
    fn decisions_follow_bins_slots_and_depth() {
        let base = Address::ZERO;
        let mut t = Topology::new(base);
        assert_eq!(t.decide(&base), Decision::Ourselves);
        // Few peers: depth 0, everyone is a neighbour.
        let first = at(&base, 0, 1);
        assert_eq!(t.decide(&first), Decision::Neighbour);
        t.start_dial(first);
        assert_eq!(t.decide(&first), Decision::Known);
        t.connect(first);
        assert_eq!((t.dialling(), t.connected()), (0, 1));
        // Saturate bins 0 and 1, one peer per slot of bin 0: depth 2.
        for slot in 0..BALANCED_SLOTS as u8 {
            let mut a = Address([0x80; 32]);
            a.0[0] = 0x80 | (slot << 3);
            t.connect(a);
        }
        for seed in 0..8 {
            t.connect(at(&base, 1, 100 + seed));
        }
        for seed in 0..3 {
            t.connect(at(&base, 2, 200 + seed));
        }
        assert_eq!(t.depth(), 2);
        assert_eq!(t.decide(&at(&base, 0, 5)), Decision::SlotTaken);
        assert_eq!(t.decide(&at(&base, 4, 5)), Decision::Neighbour);
        // Bin 1 has 8 of 16 slots filled: some new peer fills an empty one.
        let fills = (0..64)
            .map(|s| at(&base, 1, 300 + s))
            .find(|a| t.decide(a) == Decision::Balance)
            .expect("an empty slot in bin 1");
        t.start_dial(fills);
        let same_slot = (0..256)
            .map(|s| at(&base, 1, 400 + s))
            .find(|a| balanced_slot(a, 1) == balanced_slot(&fills, 1) && *a != fills)
            .unwrap();
        assert_eq!(
            t.decide(&same_slot),
            Decision::SlotTaken,
            "a dial holds the slot"
        );
        t.end_dial(&fills);
        assert_eq!(t.decide(&same_slot), Decision::Balance);
    }

    #[test]
    fn changes_report_bin_and_depth() {
        let base = Address::ZERO;
        let mut t = Topology::new(base);
        let a = at(&base, 3, 1);
        let c = t.connect(a).unwrap();
        assert_eq!((c.bin, c.old_depth, c.depth), (3, 0, 0));
        assert_eq!(t.connect(a), None, "already connected");
        assert_eq!(t.connect(base), None, "ourselves");
        assert!(t.disconnect(&a).is_some());
        assert_eq!(t.disconnect(&a), None);
        let s = t.snapshot();
        assert_eq!((s.depth, s.connected, s.bins.len()), (0, 0, MAX_BINS));
    }

    fn arb_bins() -> impl Strategy<Value = [usize; MAX_BINS]> {
        prop::collection::vec(
            prop_oneof![Just(0usize), 0usize..4, 0usize..12, 15usize..25],
            MAX_BINS,
        )
        .prop_map(|v| std::array::from_fn(|i| v[i]))
    }

    proptest! {
        /// What bee's definition guarantees: the depth lies within the populated bins, below the
        /// first empty one, every bin shallower is saturated, and the neighbourhood holds at
        /// least `low_watermark` peers (or every peer, if there are fewer).
        #[test]
        fn depth_invariants(bins in arb_bins(), sat in 1usize..10, lwm in 0usize..6) {
            let params = DepthParams { saturation_peers: sat, low_watermark: lwm };
            let d = usize::from(depth(&bins, params));
            let total: usize = bins.iter().sum();
            let deepest = bins.iter().rposition(|&n| n > 0).unwrap_or(0);
            prop_assert!(d <= deepest);
            if let Some(empty) = bins.iter().position(|&n| n == 0) {
                prop_assert!(d <= empty);
            }
            if total > lwm {
                prop_assert!(bins[..d].iter().all(|&n| n >= sat));
                prop_assert!(bins[d..].iter().sum::<usize>() >= lwm);
            } else {
                prop_assert_eq!(d, 0);
            }
        }

        /// The topology's incremental depth is the depth of its bins, whatever the order of
        /// connections and disconnections.
        #[test]
        fn incremental_depth_matches(ops in prop::collection::vec((0u8..=MAX_PO, 0u64..40, any::<bool>()), 0..200)) {
            let base = Address([0xa5; 32]);
            let mut t = Topology::new(base);
            for (po, seed, connect) in ops {
                let a = at(&base, po, seed);
                if connect { t.connect(a); } else { t.disconnect(&a); }
                prop_assert_eq!(t.depth(), depth(&t.bin_sizes(), DepthParams::default()));
                prop_assert!(t.decide(&a) != Decision::Ourselves);
            }
        }
    }
}
