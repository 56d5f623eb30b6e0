//! bee's erasure tables (spec §5.2) and the per-chunk maxima derived from them (§5.3).
//!
//! Each table is a list of rows `(shards, parities)` with `shards` strictly descending: a group of
//! `n` data shards gets the parities of the first row whose `shards ≤ n`. The values are bee's
//! (`pkg/file/redundancy/level.go`, "appendix F tables 5/6" of the erasure-coding paper) and must
//! not be "improved": every parity count is part of the tree's hash. [`Level::None`] has no table
//! and never gets parities; a group of 0 shards gets none either.

use crate::redundancy::Level;

/// One row of an erasure table: groups of at least `shards` data shards (and fewer than the
/// previous row's) get `parities` parity shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableRow {
    /// The smallest data-shard count this row applies to.
    pub shards: usize,
    /// Parity shards for such a group.
    pub parities: usize,
}

const fn row(shards: usize, parities: usize) -> TableRow {
    TableRow { shards, parities }
}

/// References per plain intermediate chunk (32-byte refs in 4096 bytes).
const BRANCHES: usize = crate::cac::MAX_PAYLOAD / crate::address::ADDRESS_LEN;
/// References per encrypted intermediate chunk (64-byte refs in 4096 bytes).
const ENCRYPTED_BRANCHES: usize = crate::cac::MAX_PAYLOAD / crate::encryption::REFERENCE_LEN;

static MEDIUM: [TableRow; 8] = [
    row(95, 9),
    row(69, 8),
    row(47, 7),
    row(29, 6),
    row(15, 5),
    row(6, 4),
    row(2, 3),
    row(1, 2),
];

static STRONG: [TableRow; 18] = [
    row(105, 21),
    row(96, 20),
    row(87, 19),
    row(78, 18),
    row(70, 17),
    row(62, 16),
    row(54, 15),
    row(47, 14),
    row(40, 13),
    row(33, 12),
    row(27, 11),
    row(21, 10),
    row(16, 9),
    row(11, 8),
    row(7, 7),
    row(4, 6),
    row(2, 5),
    row(1, 4),
];

static INSANE: [TableRow; 27] = [
    row(93, 31),
    row(88, 30),
    row(83, 29),
    row(78, 28),
    row(74, 27),
    row(69, 26),
    row(64, 25),
    row(60, 24),
    row(55, 23),
    row(51, 22),
    row(46, 21),
    row(42, 20),
    row(38, 19),
    row(34, 18),
    row(30, 17),
    row(27, 16),
    row(23, 15),
    row(20, 14),
    row(17, 13),
    row(14, 12),
    row(11, 11),
    row(9, 10),
    row(6, 9),
    row(4, 8),
    row(3, 7),
    row(2, 6),
    row(1, 5),
];

static PARANOID: [TableRow; 37] = [
    row(37, 89),
    row(36, 87),
    row(35, 86),
    row(34, 84),
    row(33, 83),
    row(32, 81),
    row(31, 80),
    row(30, 78),
    row(29, 76),
    row(28, 75),
    row(27, 73),
    row(26, 71),
    row(25, 70),
    row(24, 68),
    row(23, 66),
    row(22, 65),
    row(21, 63),
    row(20, 61),
    row(19, 59),
    row(18, 58),
    row(17, 56),
    row(16, 54),
    row(15, 52),
    row(14, 50),
    row(13, 48),
    row(12, 47),
    row(11, 45),
    row(10, 43),
    row(9, 40),
    row(8, 38),
    row(7, 36),
    row(6, 34),
    row(5, 31),
    row(4, 29),
    row(3, 26),
    row(2, 23),
    row(1, 19),
];

static ENC_MEDIUM: [TableRow; 7] = [
    row(47, 9),
    row(34, 8),
    row(23, 7),
    row(14, 6),
    row(7, 5),
    row(3, 4),
    row(1, 3),
];

static ENC_STRONG: [TableRow; 17] = [
    row(52, 21),
    row(48, 20),
    row(43, 19),
    row(39, 18),
    row(35, 17),
    row(31, 16),
    row(27, 15),
    row(23, 14),
    row(20, 13),
    row(16, 12),
    row(13, 11),
    row(10, 10),
    row(8, 9),
    row(5, 8),
    row(3, 7),
    row(2, 6),
    row(1, 5),
];

// The last step goes 8 → 6 (no 7): bee's table, not a typo.
static ENC_INSANE: [TableRow; 25] = [
    row(46, 31),
    row(44, 30),
    row(41, 29),
    row(39, 28),
    row(37, 27),
    row(34, 26),
    row(32, 25),
    row(30, 24),
    row(27, 23),
    row(25, 22),
    row(23, 21),
    row(21, 20),
    row(19, 19),
    row(17, 18),
    row(15, 17),
    row(13, 16),
    row(11, 15),
    row(10, 14),
    row(8, 13),
    row(7, 12),
    row(5, 11),
    row(4, 10),
    row(3, 9),
    row(2, 8),
    row(1, 6),
];

static ENC_PARANOID: [TableRow; 18] = [
    row(18, 87),
    row(17, 84),
    row(16, 81),
    row(15, 78),
    row(14, 75),
    row(13, 71),
    row(12, 68),
    row(11, 65),
    row(10, 61),
    row(9, 58),
    row(8, 54),
    row(7, 50),
    row(6, 47),
    row(5, 43),
    row(4, 38),
    row(3, 34),
    row(2, 29),
    row(1, 23),
];

/// The erasure table of `level` for plain (`encrypted = false`) or encrypted uploads; empty for
/// [`Level::None`].
pub fn table(level: Level, encrypted: bool) -> &'static [TableRow] {
    match (level, encrypted) {
        (Level::None, _) => &[],
        (Level::Medium, false) => &MEDIUM,
        (Level::Strong, false) => &STRONG,
        (Level::Insane, false) => &INSANE,
        (Level::Paranoid, false) => &PARANOID,
        (Level::Medium, true) => &ENC_MEDIUM,
        (Level::Strong, true) => &ENC_STRONG,
        (Level::Insane, true) => &ENC_INSANE,
        (Level::Paranoid, true) => &ENC_PARANOID,
    }
}

/// Parity shards bee adds to a group of `shards` data shards: the parities of the first row with
/// `shards ≥ row.shards`, 0 if there is none (`shards = 0`) or the level is [`Level::None`].
pub fn parities(level: Level, encrypted: bool, shards: usize) -> usize {
    table(level, encrypted)
        .iter()
        .find(|r| shards >= r.shards)
        .map_or(0, |r| r.parities)
}

/// Data shards (child references) per intermediate chunk at `level`: as many as leave room for
/// their parities among the 128 plain or 64 encrypted slots — plain 128/119/107/97/39, encrypted
/// 64/59/53/48/20.
pub fn max_shards(level: Level, encrypted: bool) -> usize {
    if encrypted {
        // Parity refs are 32 bytes even in encrypted chunks, hence the halving of the remaining
        // 32-byte slots; bee looks the parities up at 64 in the encrypted table.
        BRANCHES.saturating_sub(parities(level, true, ENCRYPTED_BRANCHES)) / 2
    } else {
        BRANCHES.saturating_sub(parities(level, false, BRANCHES))
    }
}

/// References (data plus parity) in a full intermediate chunk at `level`.
pub fn max_children(level: Level, encrypted: bool) -> usize {
    let k = max_shards(level, encrypted);
    k + parities(level, encrypted, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables as the spec prints them (§5.2): parallel `shards` / `parities` arrays.
    fn spec_arrays(level: Level, encrypted: bool) -> (Vec<usize>, Vec<usize>) {
        match (level, encrypted) {
            (Level::None, _) => (vec![], vec![]),
            (Level::Medium, false) => (
                vec![95, 69, 47, 29, 15, 6, 2, 1],
                vec![9, 8, 7, 6, 5, 4, 3, 2],
            ),
            (Level::Strong, false) => (
                vec![
                    105, 96, 87, 78, 70, 62, 54, 47, 40, 33, 27, 21, 16, 11, 7, 4, 2, 1,
                ],
                (4..=21).rev().collect(),
            ),
            (Level::Insane, false) => (
                vec![
                    93, 88, 83, 78, 74, 69, 64, 60, 55, 51, 46, 42, 38, 34, 30, 27, 23, 20, 17, 14,
                    11, 9, 6, 4, 3, 2, 1,
                ],
                (5..=31).rev().collect(),
            ),
            (Level::Paranoid, false) => (
                (1..=37).rev().collect(),
                vec![
                    89, 87, 86, 84, 83, 81, 80, 78, 76, 75, 73, 71, 70, 68, 66, 65, 63, 61, 59, 58,
                    56, 54, 52, 50, 48, 47, 45, 43, 40, 38, 36, 34, 31, 29, 26, 23, 19,
                ],
            ),
            (Level::Medium, true) => (vec![47, 34, 23, 14, 7, 3, 1], vec![9, 8, 7, 6, 5, 4, 3]),
            (Level::Strong, true) => (
                vec![
                    52, 48, 43, 39, 35, 31, 27, 23, 20, 16, 13, 10, 8, 5, 3, 2, 1,
                ],
                (5..=21).rev().collect(),
            ),
            (Level::Insane, true) => (
                vec![
                    46, 44, 41, 39, 37, 34, 32, 30, 27, 25, 23, 21, 19, 17, 15, 13, 11, 10, 8, 7,
                    5, 4, 3, 2, 1,
                ],
                vec![
                    31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12,
                    11, 10, 9, 8, 6,
                ],
            ),
            (Level::Paranoid, true) => (
                (1..=18).rev().collect(),
                vec![
                    87, 84, 81, 78, 75, 71, 68, 65, 61, 58, 54, 50, 47, 43, 38, 34, 29, 23,
                ],
            ),
        }
    }

    /// The §5.2 lookup rule, run over the spec's arrays rather than [`table`].
    fn spec_parities(level: Level, encrypted: bool, n: usize) -> usize {
        let (shards, parities) = spec_arrays(level, encrypted);
        shards
            .iter()
            .zip(&parities)
            .find(|(s, _)| n >= **s)
            .map_or(0, |(_, p)| *p)
    }

    #[test]
    fn tables_equal_spec_arrays() {
        for level in Level::ALL {
            for encrypted in [false, true] {
                let (shards, parities) = spec_arrays(level, encrypted);
                assert_eq!(shards.len(), parities.len(), "{level} enc={encrypted}");
                let rows: Vec<TableRow> = shards
                    .iter()
                    .zip(&parities)
                    .map(|(&s, &p)| row(s, p))
                    .collect();
                assert_eq!(
                    table(level, encrypted),
                    rows.as_slice(),
                    "{level} enc={encrypted}"
                );
            }
        }
    }

    #[test]
    fn derived_maxima_match_spec_table() {
        // (level, plain k, plain p, plain children, enc k, enc p, enc children), spec §5.3.
        let expected = [
            (Level::None, 128, 0, 128, 64, 0, 64),
            (Level::Medium, 119, 9, 128, 59, 9, 68),
            (Level::Strong, 107, 21, 128, 53, 21, 74),
            (Level::Insane, 97, 31, 128, 48, 31, 79),
            (Level::Paranoid, 39, 89, 128, 20, 87, 107),
        ];
        for (level, k, p, c, ek, ep, ec) in expected {
            assert_eq!(max_shards(level, false), k, "{level}");
            assert_eq!(parities(level, false, k), p, "{level}");
            assert_eq!(max_children(level, false), c, "{level}");
            assert_eq!(max_shards(level, true), ek, "{level}");
            assert_eq!(parities(level, true, ek), ep, "{level}");
            assert_eq!(max_children(level, true), ec, "{level}");
            // Encrypted payload = k·64 + p·32 must fit a chunk (§5.3: 4096 or 4064).
            let payload = ek * 64 + ep * 32;
            assert_eq!(payload, if level == Level::None { 4096 } else { 4064 });
        }
    }

    #[test]
    fn lookup_matches_rule_for_every_group_size() {
        for level in Level::ALL {
            for encrypted in [false, true] {
                assert_eq!(parities(level, encrypted, 0), 0);
                for n in 1..=max_shards(level, encrypted) {
                    let p = parities(level, encrypted, n);
                    assert_eq!(
                        p,
                        spec_parities(level, encrypted, n),
                        "{level} enc={encrypted} n={n}"
                    );
                    // §5.6: a redundant level never leaves a non-empty group without parities.
                    assert_eq!(
                        p == 0,
                        level == Level::None,
                        "{level} enc={encrypted} n={n}"
                    );
                }
            }
        }
        // Spot checks straight from the tables' boundaries.
        assert_eq!(parities(Level::Medium, false, 94), 8);
        assert_eq!(parities(Level::Medium, false, 95), 9);
        assert_eq!(parities(Level::Insane, true, 1), 6);
        assert_eq!(parities(Level::Insane, true, 2), 8);
        assert_eq!(parities(Level::Paranoid, false, usize::MAX), 89);
    }

    #[test]
    fn rows_strictly_descending_and_end_at_one() {
        for level in Level::ALL {
            for encrypted in [false, true] {
                let t = table(level, encrypted);
                assert_eq!(t.is_empty(), level == Level::None);
                for w in t.windows(2) {
                    assert!(w[0].shards > w[1].shards, "{level} enc={encrypted} {w:?}");
                    assert!(
                        w[0].parities > w[1].parities,
                        "{level} enc={encrypted} {w:?}"
                    );
                }
                if let Some(last) = t.last() {
                    assert_eq!(last.shards, 1, "{level} enc={encrypted}");
                }
            }
        }
    }

    #[test]
    fn at_most_256_shards_per_group() {
        // The Reed-Solomon code works over GF(2^8): data + parity ≤ 256 for every reachable group.
        for level in Level::ALL {
            for encrypted in [false, true] {
                for n in 1..=max_shards(level, encrypted) {
                    assert!(n + parities(level, encrypted, n) <= 256);
                }
            }
        }
    }
}
