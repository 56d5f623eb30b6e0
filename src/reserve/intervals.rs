//! The bin-id ranges already pulled from one peer in one bin (bee's `intervalstore.Intervals`):
//! sorted, disjoint, non-adjacent closed ranges. [`Intervals::next`] gives the first id not yet
//! synced, where a historical sync resumes after a restart.

/// Sorted, disjoint, merged closed ranges of bin ids, starting at 1 as bee's do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intervals {
    ranges: Vec<(u64, u64)>,
}

/// Most ranges kept: a peer that left gaps beyond this many has its oldest gaps merged away
/// (re-synced at worst is not lost: merging marks ids as synced, so the cap only applies to a
/// pathological peer and bounds the record's size).
pub const MAX_RANGES: usize = 1024;

impl Intervals {
    /// No range synced.
    pub fn new() -> Intervals {
        Intervals::default()
    }

    /// Marks `start..=end` as synced (nothing when `end < start`).
    pub fn add(&mut self, start: u64, end: u64) {
        if end < start {
            return;
        }
        let (mut start, mut end) = (start, end);
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut placed = false;
        for &(s, e) in &self.ranges {
            if e.saturating_add(1) < start {
                out.push((s, e));
            } else if end.saturating_add(1) < s {
                if !placed {
                    out.push((start, end));
                    placed = true;
                }
                out.push((s, e));
            } else {
                start = start.min(s);
                end = end.max(e);
            }
        }
        if !placed {
            out.push((start, end));
        }
        if out.len() > MAX_RANGES {
            let merged = (out[0].0, out[1].1);
            out.splice(0..2, [merged]);
        }
        self.ranges = out;
    }

    /// The first bin id from 1 on that is not synced.
    pub fn next(&self) -> u64 {
        match self.ranges.first() {
            Some(&(s, e)) if s <= 1 => e.saturating_add(1),
            _ => 1,
        }
    }

    /// The ranges, in order.
    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.ranges
    }

    /// The stored form: each range as two big-endian u64.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.ranges.len() * 16);
        for &(s, e) in &self.ranges {
            out.extend_from_slice(&s.to_be_bytes());
            out.extend_from_slice(&e.to_be_bytes());
        }
        out
    }

    /// Reads [`Intervals::to_bytes`]; `None` for a record that is not one (wrong length, ranges
    /// out of order or overlapping, more than [`MAX_RANGES`]).
    pub fn from_bytes(bytes: &[u8]) -> Option<Intervals> {
        if !bytes.len().is_multiple_of(16) || bytes.len() / 16 > MAX_RANGES {
            return None;
        }
        let mut ranges: Vec<(u64, u64)> = Vec::with_capacity(bytes.len() / 16);
        for pair in bytes.chunks_exact(16) {
            let s = u64::from_be_bytes(pair[..8].try_into().ok()?);
            let e = u64::from_be_bytes(pair[8..].try_into().ok()?);
            if e < s {
                return None;
            }
            if let Some(&(_, pe)) = ranges.last() {
                if pe.saturating_add(1) >= s {
                    return None;
                }
            }
            ranges.push((s, e));
        }
        Some(Intervals { ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn next_follows_the_first_range_from_one() {
        let mut i = Intervals::new();
        assert_eq!(i.next(), 1);
        i.add(5, 9);
        assert_eq!(i.next(), 1);
        i.add(1, 3);
        assert_eq!(i.next(), 4);
        assert_eq!(i.ranges(), &[(1, 3), (5, 9)]);
        i.add(4, 4);
        assert_eq!(i.ranges(), &[(1, 9)]);
        assert_eq!(i.next(), 10);
        i.add(7, 2);
        assert_eq!(i.ranges(), &[(1, 9)]);
    }

    #[test]
    fn bad_records_are_refused() {
        assert_eq!(Intervals::from_bytes(&[0; 15]), None);
        let mut b = Vec::new();
        for (s, e) in [(5u64, 9u64), (1, 3)] {
            b.extend_from_slice(&s.to_be_bytes());
            b.extend_from_slice(&e.to_be_bytes());
        }
        assert_eq!(Intervals::from_bytes(&b), None);
        let mut b = Vec::new();
        b.extend_from_slice(&9u64.to_be_bytes());
        b.extend_from_slice(&5u64.to_be_bytes());
        assert_eq!(Intervals::from_bytes(&b), None);
    }

    proptest! {
        /// The ranges cover exactly the ids added, stay merged and sorted, and round-trip.
        #[test]
        fn ranges_cover_what_was_added(adds in proptest::collection::vec((1u64..200, 0u64..20), 0..40)) {
            let mut i = Intervals::new();
            let mut covered = std::collections::BTreeSet::new();
            for (s, len) in adds {
                i.add(s, s + len);
                covered.extend(s..=s + len);
            }
            let mut seen = std::collections::BTreeSet::new();
            for w in i.ranges().windows(2) {
                prop_assert!(w[0].1 + 1 < w[1].0);
            }
            for &(s, e) in i.ranges() {
                seen.extend(s..=e);
            }
            prop_assert_eq!(&seen, &covered);
            let next = (1..).find(|n| !covered.contains(n)).unwrap();
            prop_assert_eq!(i.next(), next);
            prop_assert_eq!(Intervals::from_bytes(&i.to_bytes()), Some(i));
        }
    }
}
