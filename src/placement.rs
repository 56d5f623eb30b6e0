//! Where chunks live: the placement rules of pushsync and pull sync as pure functions (format core, no
//! I/O). The network code ([`crate::net::pushsync`], [`crate::net::pullsync`]) and the churn simulator
//! ([`crate::sim`]) both call these, so the simulator runs the same rules as the nodes.
//!
//! - **Pushsync** ([`closest`], [`among_closest`]): a chunk belongs on the `n` nodes whose overlays
//!   are closest to its address by XOR distance (`n` is the node's `replication`).
//! - **Pull sync** ([`responsible`]): a node keeps every chunk of its neighbourhood, the chunks whose
//!   proximity order to its overlay is at least its storage radius (bee's "area of responsibility").
//! - **Storage radius** ([`storage_radius`]): bee raises a node's radius while its reserve of `C`
//!   chunks is full and lowers it while the reserve is under-used. With `T` chunks stamped in the
//!   network and addresses uniform, a radius `r` gives a neighbourhood `T / 2^r` chunks, so the radius
//!   settles at the smallest `r` with `T / 2^r ≤ C`.

use crate::address::{Address, MAX_PO};

/// The at most `n` candidates closest to `chunk` by XOR distance, closest first (pushsync's placement).
///
/// Candidates at equal distance are equal overlays; a candidate listed twice is returned twice.
pub fn closest(chunk: &Address, candidates: &[Address], n: usize) -> Vec<Address> {
    let mut ranked: Vec<([u8; 32], Address)> =
        candidates.iter().map(|c| (chunk.distance(c), *c)).collect();
    if n < ranked.len() {
        ranked.select_nth_unstable(n);
        ranked.truncate(n);
    }
    ranked.sort_unstable();
    ranked.into_iter().map(|(_, c)| c).collect()
}

/// Whether the node `own` is among the `n` nodes closest to `chunk` when its peers are `peers`: fewer
/// than `n` of the `n` peers closest to the chunk are strictly closer than `own` (pushsync: such a
/// storer keeps the chunk instead of forwarding it). `n` is taken as at least 1.
pub fn among_closest(chunk: &Address, own: &Address, peers: &[Address], n: usize) -> bool {
    let n = n.max(1);
    let mine = chunk.distance(own);
    closest(chunk, peers, n)
        .iter()
        .filter(|p| chunk.distance(p) < mine)
        .count()
        < n
}

/// Whether a node with overlay `overlay` at storage radius `radius` is responsible for `chunk`
/// (pull sync keeps it there): `proximity(chunk, overlay) >= radius`.
///
/// Proximity is capped at [`MAX_PO`] (31): radius 0 makes every node responsible for every chunk, a
/// radius above 31 makes none responsible.
pub fn responsible(chunk: &Address, overlay: &Address, radius: u8) -> bool {
    chunk.proximity(overlay) >= radius
}

/// The storage radius at which a reserve of `capacity` chunks holds its neighbourhood's share of
/// `total_chunks` spread uniformly over the address space: the smallest `r` with
/// `total_chunks / 2^r ≤ capacity`, at most [`MAX_PO`] (also the answer for `capacity == 0` when
/// there are chunks).
///
/// bee moves a node's radius one step at a time: up when its reserve is full, down when it holds less
/// than half its capacity; in a network of uniform addresses every node settles here. The number of
/// nodes does not enter: it sets how many nodes share a neighbourhood (`N / 2^r` on average).
pub fn storage_radius(total_chunks: u64, capacity: u64) -> u8 {
    (0..MAX_PO)
        .find(|&r| {
            (total_chunks >> r) + u64::from(!total_chunks.is_multiple_of(1u64 << r)) <= capacity
        })
        .unwrap_or(MAX_PO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::peers::PeerTable;
    use proptest::prelude::*;

    fn at(first: u8) -> Address {
        let mut a = [0u8; 32];
        a[0] = first;
        Address(a)
    }

    #[test]
    fn closest_orders_by_xor_distance() {
        let chunk = at(0b1000_0000);
        let c = [at(0), at(0b1100_0000), at(0b1000_0001), at(0xff)];
        assert_eq!(
            closest(&chunk, &c, 3),
            vec![at(0b1000_0001), at(0b1100_0000), at(0xff)]
        );
        assert_eq!(closest(&chunk, &c, 0), Vec::<Address>::new());
        assert_eq!(closest(&chunk, &c, 10).len(), 4);
        assert_eq!(closest(&chunk, &[], 2), Vec::<Address>::new());
    }

    #[test]
    fn responsibility_is_proximity_at_least_radius() {
        let chunk = at(0b1010_0000);
        assert!(responsible(&chunk, &at(0b1011_0000), 3));
        assert!(!responsible(&chunk, &at(0b1011_0000), 4));
        assert!(responsible(&chunk, &at(0), 0));
        assert!(responsible(&chunk, &chunk, 31));
        assert!(!responsible(&chunk, &chunk, 32));
    }

    #[test]
    fn storage_radius_is_the_smallest_that_fits() {
        assert_eq!(storage_radius(0, 0), 0);
        assert_eq!(storage_radius(100, 100), 0);
        assert_eq!(storage_radius(101, 100), 1);
        assert_eq!(storage_radius(200, 100), 1);
        assert_eq!(storage_radius(201, 100), 2);
        // bee's reserve (2^22 chunks) and 2^33 chunks in the network: radius 11.
        assert_eq!(storage_radius(1 << 33, 1 << 22), 11);
        assert_eq!(storage_radius((1 << 33) + 1, 1 << 22), 12);
        assert_eq!(storage_radius(1, 0), MAX_PO);
        assert_eq!(storage_radius(u64::MAX, 1), MAX_PO);
    }

    fn arb_address() -> impl Strategy<Value = Address> {
        // Few distinct first bytes, so that ties in the leading bytes are common.
        (0u8..8, any::<[u8; 32]>()).prop_map(|(head, mut rest)| {
            rest[0] = head;
            Address(rest)
        })
    }

    proptest! {
        /// `closest` and `among_closest` agree with the rule pushsync had inline: the `n` closest of
        /// the peer table ([`PeerTable::closest`]), and fewer than `n` of them strictly closer than us.
        #[test]
        fn agrees_with_the_peer_table_rule(
            chunk in arb_address(),
            me in arb_address(),
            overlays in prop::collection::vec(arb_address(), 0..40),
            n in 0usize..8,
        ) {
            let mut table = PeerTable::default();
            for o in &overlays {
                table.add(libp2p::PeerId::random(), *o);
            }
            let old: Vec<Address> = table.closest(&chunk, n).into_iter().map(|(_, o)| o).collect();
            prop_assert_eq!(closest(&chunk, &overlays, n), old);

            let replication = n.max(1);
            let closer_than_me = |o: &Address| chunk.distance(o) < chunk.distance(&me);
            let old_among = table
                .closest(&chunk, replication)
                .iter()
                .filter(|(_, o)| closer_than_me(o))
                .count()
                < replication;
            prop_assert_eq!(among_closest(&chunk, &me, &overlays, n), old_among);
        }
    }
}
