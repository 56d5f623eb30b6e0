//! Retrievability of a whole file when every stored chunk is lost independently with probability `P`,
//! over the real tree shape of [`crate::cost::tree_shape`], and a re-derivation of bee's parity tables
//! from the same model.
//!
//! Model. Every intermediate chunk with `n` data children and `p` parity chunks is one Reed-Solomon
//! group of `n + p` stored chunks; its children can all be obtained iff at most `p` of those `n + p` are
//! lost. A lost intermediate chunk is therefore covered by its parent's group (its stored data is one of
//! the parent's shards), but its own children form a separate group that must also hold. Each chunk is a
//! member of exactly one group, so the groups are independent and the file is retrievable iff the root
//! survives (the root chunk or any of its dispersed replicas) and every group holds. Level None is the
//! special case `p = 0`: every chunk is needed. Recovered chunks are assumed to be found by a reader
//! that tries every parity (bee's default download strategy does).
//!
//! Binomial tails are summed in log space, so failure probabilities far below `f64`'s range (paranoid
//! groups at 1 % loss) keep their magnitude in the `*_log10` fields. Refused: loss rates outside
//! `[0, 1]` or NaN, thresholds outside `(0, 1)`, and the sizes [`crate::cost`] refuses.

use std::fmt;

use serde::Serialize;

use crate::cost::{fanout, serialize_level, tree_shape, CostError};
use crate::redundancy::table::parities;
use crate::redundancy::Level;

/// Failure probability per group the documentation promises at each level's design loss rate.
pub const DESIGN_THRESHOLD: f64 = 1e-6;

/// Slots of 32 bytes in an intermediate chunk's 4096-byte payload.
const SLOTS: usize = 128;

/// Why a durability figure could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DurabilityError {
    /// The loss probability is not in `[0, 1]`.
    #[error("loss probability {0} is not between 0 and 1")]
    InvalidLoss(f64),
    /// The failure threshold is not in `(0, 1)`.
    #[error("failure threshold {0} is not strictly between 0 and 1")]
    InvalidThreshold(f64),
    /// The size is refused by the cost model.
    #[error(transparent)]
    Cost(#[from] CostError),
}

/// Failure risk of one kind of group at one depth.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GroupRisk {
    /// Depth of the group (1 = groups of data chunks).
    pub depth: u32,
    /// Data children per group.
    pub data_shards: usize,
    /// Parity chunks per group.
    pub parities: usize,
    /// Groups of this shape at this depth.
    pub count: u64,
    /// Probability that one such group loses more than `parities` of its chunks.
    pub failure_probability: f64,
    /// `log10` of `failure_probability`, exact even where it underflows (`null` in JSON when 0).
    pub failure_log10: f64,
}

/// Retrievability of a file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Durability {
    /// File size in bytes.
    pub size: u64,
    /// Redundancy level.
    #[serde(serialize_with = "serialize_level")]
    pub level: Level,
    /// Whether the upload is encrypted.
    pub encrypted: bool,
    /// Independent loss probability of every stored chunk.
    pub loss: f64,
    /// Chunks subject to loss: data, intermediate, parity and root replicas.
    pub chunks: u64,
    /// Probability that the whole file can be read.
    pub retrievable_probability: f64,
    /// `1 − retrievable_probability`, computed without cancellation.
    pub failure_probability: f64,
    /// `log10(failure_probability)`, exact even where it underflows (`null` in JSON when 0).
    pub failure_log10: f64,
    /// Expected number of RS groups that lose more chunks than they have parities.
    pub expected_unrecoverable_groups: f64,
    /// Probability that the root chunk and all its replicas are lost.
    pub root_loss_probability: f64,
    /// Per-depth group risks, bottom-up.
    pub groups: Vec<GroupRisk>,
}

/// `ln C(n, j)` by summing logarithms; `n ≤ 256` here, so the error stays at a few ulps.
fn ln_choose(n: usize, j: usize) -> f64 {
    let j = j.min(n - j);
    (0..j)
        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
        .sum()
}

/// `ln(Σ exp(x))` without overflow or underflow; `-inf` for an empty or all `-inf` input.
fn ln_sum_exp(xs: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = xs.clone().fold(f64::NEG_INFINITY, f64::max);
    if max.is_infinite() {
        return max;
    }
    max + xs.map(|x| (x - max).exp()).sum::<f64>().ln()
}

/// `ln P(X ∈ range)` for `X ~ Binomial(total, q)` with `0 < q < 1`.
fn ln_binomial_mass(total: usize, q: f64, js: std::ops::RangeInclusive<usize>) -> f64 {
    let (lq, lr) = (q.ln(), (-q).ln_1p());
    ln_sum_exp(js.map(|j| ln_choose(total, j) + j as f64 * lq + (total - j) as f64 * lr))
}

/// `(ln f, ln(1 − f))` where `f` is the probability that more than `parities` of `data + parities`
/// chunks are lost, each independently with probability `loss` (`0 ≤ loss ≤ 1`).
fn group_ln(data: usize, parities: usize, loss: f64) -> (f64, f64) {
    let total = data + parities;
    if data == 0 || loss <= 0.0 {
        return (f64::NEG_INFINITY, 0.0);
    }
    if loss >= 1.0 {
        return (0.0, f64::NEG_INFINITY);
    }
    (
        ln_binomial_mass(total, loss, parities + 1..=total),
        ln_binomial_mass(total, loss, 0..=parities),
    )
}

/// `ln` of the probability that a group of `data_shards` data and `parities` parity chunks loses more
/// than `parities` of them when each is lost independently with probability `loss`.
pub fn group_failure_ln(data_shards: usize, parities: usize, loss: f64) -> f64 {
    group_ln(data_shards, parities, loss).0
}

/// `ln(−ln(1 − f))` from `(ln f, ln(1 − f))`, accurate at both ends: the per-group term of the file's
/// log-failure sum.
fn ln_neg_ln_survival(ln_fail: f64, ln_ok: f64) -> f64 {
    if ln_fail < -30.0 {
        // −ln(1 − f) = f (1 + f/2 + …) and f < 1e-13.
        ln_fail
    } else if ln_fail < (0.5f64).ln() {
        (-(-ln_fail.exp()).ln_1p()).ln()
    } else {
        (-ln_ok).ln()
    }
}

fn check_loss(loss: f64) -> Result<(), DurabilityError> {
    if (0.0..=1.0).contains(&loss) {
        Ok(())
    } else {
        Err(DurabilityError::InvalidLoss(loss))
    }
}

/// Computes the retrievability of a file of `size` bytes at `level` when each chunk is lost
/// independently with probability `loss`.
pub fn durability(
    size: u64,
    level: Level,
    encrypted: bool,
    loss: f64,
) -> Result<Durability, DurabilityError> {
    check_loss(loss)?;
    let shape = tree_shape(size, level, encrypted)?;
    let replicas = shape.replicas();
    // Root: the chunk and its replicas, all lost.
    let root_copies = replicas + 1;
    let ln_root_fail = if loss <= 0.0 {
        f64::NEG_INFINITY
    } else {
        root_copies as f64 * loss.ln()
    };
    let ln_root_ok = if loss >= 1.0 {
        f64::NEG_INFINITY
    } else {
        (-ln_root_fail.exp()).ln_1p()
    };

    let mut groups = Vec::new();
    // (ln count, ln(−ln(1 − f)), ln f) per group kind, root included with count 1.
    let mut terms = vec![(
        0.0,
        ln_neg_ln_survival(ln_root_fail, ln_root_ok),
        f64::NEG_INFINITY,
    )];
    for (depth, g) in shape.groups() {
        let (ln_fail, ln_ok) = group_ln(g.data_shards, g.parities, loss);
        let ln_count = (g.count as f64).ln();
        terms.push((ln_count, ln_neg_ln_survival(ln_fail, ln_ok), ln_fail));
        groups.push(GroupRisk {
            depth,
            data_shards: g.data_shards,
            parities: g.parities,
            count: g.count,
            failure_probability: ln_fail.exp(),
            failure_log10: ln_fail / std::f64::consts::LN_10,
        });
    }
    // ln|S| where S = ln P(retrievable) = −Σ count·(−ln(1 − f)).
    let ln_abs_s = ln_sum_exp(terms.iter().map(|(c, t, _)| c + t));
    let abs_s = ln_abs_s.exp();
    let ln_failure = if ln_abs_s < -30.0 {
        ln_abs_s
    } else {
        (-(-abs_s).exp_m1()).ln()
    };
    let expected = ln_sum_exp(terms.iter().map(|(c, _, f)| c + f)).exp();
    Ok(Durability {
        size,
        level,
        encrypted,
        loss,
        chunks: shape.total_chunks() + replicas,
        retrievable_probability: (-abs_s).exp(),
        failure_probability: -(-abs_s).exp_m1(),
        failure_log10: ln_failure / std::f64::consts::LN_10,
        expected_unrecoverable_groups: expected,
        root_loss_probability: ln_root_fail.exp(),
        groups,
    })
}

/// Formats a probability, switching to `10^x` notation where plain decimals would read 0 or 1.
fn prob(p: f64, log10: f64) -> String {
    if p == 0.0 && log10.is_finite() {
        format!("10^{log10:.1}")
    } else if p != 0.0 && p < 1e-4 {
        format!("{p:.3e}")
    } else {
        format!("{p:.6}")
    }
}

impl fmt::Display for Durability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let enc = if self.encrypted { "encrypted" } else { "plain" };
        writeln!(
            f,
            "{} bytes, {} ({}), {enc}, chunk loss {}",
            self.size,
            self.level,
            self.level.as_u8(),
            self.loss
        )?;
        writeln!(
            f,
            "chunks at risk                 {}  (data, intermediate, parity, replicas)",
            self.chunks
        )?;
        let ok_log10 = (-self.failure_probability).ln_1p() / std::f64::consts::LN_10;
        writeln!(
            f,
            "retrievable                    {}",
            if self.retrievable_probability < 1.0 {
                prob(self.retrievable_probability, ok_log10)
            } else {
                "1".to_string()
            }
        )?;
        writeln!(
            f,
            "not retrievable                {}",
            prob(self.failure_probability, self.failure_log10)
        )?;
        writeln!(
            f,
            "expected unrecoverable groups  {}",
            prob(
                self.expected_unrecoverable_groups,
                self.expected_unrecoverable_groups.log10()
            )
        )?;
        write!(
            f,
            "root and all replicas lost     {}",
            prob(self.root_loss_probability, f64::NEG_INFINITY)
        )?;
        if !self.groups.is_empty() {
            write!(
                f,
                "\n{:>5} {:>6} {:>6} {:>12} {:>16}",
                "depth", "groups", "data", "parities", "P(group fails)"
            )?;
            for g in &self.groups {
                write!(
                    f,
                    "\n{:>5} {:>6} {:>6} {:>12} {:>16}",
                    g.depth,
                    g.count,
                    g.data_shards,
                    g.parities,
                    prob(g.failure_probability, g.failure_log10)
                )?;
            }
        }
        Ok(())
    }
}

/// The model's parity count for one data count, next to bee's.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DerivedRow {
    /// Data shards in the group.
    pub data_shards: usize,
    /// bee's parity count for this group.
    pub bee_parities: usize,
    /// Smallest parity count meeting the threshold within one chunk's 128 slots, if any.
    pub model_parities: Option<usize>,
    /// Failure probability of bee's group at the design loss rate.
    pub bee_failure_probability: f64,
}

/// The re-derived table of one level and encryption.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DerivedTable {
    /// The level.
    #[serde(serialize_with = "serialize_level")]
    pub level: Level,
    /// Whether the encrypted layout (64-byte data refs, 32-byte parity refs) bounds the group.
    pub encrypted: bool,
    /// The level's design loss rate.
    pub loss: f64,
    /// bee's data shards per intermediate chunk.
    pub bee_max_shards: usize,
    /// The largest data count for which some parity count meets the threshold and fits the chunk.
    pub model_max_shards: usize,
    /// One row per data count from 1 to `max(bee_max_shards, model_max_shards)`.
    pub rows: Vec<DerivedRow>,
    /// Rows where bee's parity count differs from the model's.
    pub differences: usize,
}

/// The tables re-derived for every redundant level, plain and encrypted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Derivation {
    /// The per-group failure probability the model must stay at or below.
    pub threshold: f64,
    /// One table per level and encryption.
    pub tables: Vec<DerivedTable>,
}

/// Smallest `p` with `slots(n) + p ≤ 128` and group failure `≤ threshold` at `loss`.
///
/// "At or below" with a relative slack of 1e-9: at medium and insane a single-shard group sits exactly
/// on the threshold (`0.01³ = 0.1⁶ = 10⁻⁶`), where bee's tables — and the documentation's "≥ 99.9999 %"
/// — accept it.
fn model_parities(n: usize, encrypted: bool, loss: f64, ln_threshold: f64) -> Option<usize> {
    let data_slots = if encrypted { 2 * n } else { n };
    let room = SLOTS.checked_sub(data_slots)?;
    (0..=room).find(|&p| group_failure_ln(n, p, loss) <= ln_threshold + 1e-9)
}

/// Re-derives bee's tables: for each redundant level at its design loss rate and each data count `n`,
/// the smallest parity count keeping a group's failure probability at or below `threshold`, bounded by
/// the chunk's room (`n + p ≤ 128` plain, `2n + p ≤ 128` encrypted).
pub fn derive_tables(threshold: f64) -> Result<Derivation, DurabilityError> {
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(DurabilityError::InvalidThreshold(threshold));
    }
    let ln_threshold = threshold.ln();
    let mut tables = Vec::new();
    for encrypted in [false, true] {
        for level in Level::ALL.into_iter().filter(|l| *l != Level::None) {
            let loss = level.design_loss_rate();
            let bee_max_shards = fanout(level, encrypted);
            let limit = if encrypted { SLOTS / 2 } else { SLOTS };
            let model_max_shards = (1..=limit)
                .rev()
                .find(|&n| model_parities(n, encrypted, loss, ln_threshold).is_some())
                .unwrap_or(0);
            let rows: Vec<DerivedRow> = (1..=bee_max_shards.max(model_max_shards))
                .map(|n| {
                    let bee = parities(level, encrypted, n);
                    DerivedRow {
                        data_shards: n,
                        bee_parities: bee,
                        model_parities: model_parities(n, encrypted, loss, ln_threshold),
                        bee_failure_probability: group_failure_ln(n, bee, loss).exp(),
                    }
                })
                .collect();
            let differences = rows
                .iter()
                .filter(|r| {
                    r.model_parities != Some(r.bee_parities) || r.data_shards > bee_max_shards
                })
                .count();
            tables.push(DerivedTable {
                level,
                encrypted,
                loss,
                bee_max_shards,
                model_max_shards,
                rows,
                differences,
            });
        }
    }
    Ok(Derivation { threshold, tables })
}

impl fmt::Display for DerivedTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let enc = if self.encrypted { "encrypted" } else { "plain" };
        write!(
            f,
            "{} ({enc}), loss {}: bee k = {}, model k = {}; {} of {} data counts differ",
            self.level,
            self.loss,
            self.bee_max_shards,
            self.model_max_shards,
            self.differences,
            self.rows.len()
        )?;
        // Consecutive data counts with the same (bee, model) pair print as one range.
        let mut i = 0;
        while let Some(first) = self.rows.get(i) {
            let key = |r: &DerivedRow| {
                (
                    r.data_shards <= self.bee_max_shards,
                    r.bee_parities,
                    r.model_parities,
                )
            };
            let mut j = i;
            while self.rows.get(j + 1).is_some_and(|r| key(r) == key(first)) {
                j += 1;
            }
            let last = self
                .rows
                .get(j)
                .map_or(first.data_shards, |r| r.data_shards);
            let used = first.data_shards <= self.bee_max_shards;
            let model = first
                .model_parities
                .map_or_else(|| "none fits".to_string(), |p| p.to_string());
            if !used || first.model_parities != Some(first.bee_parities) {
                let worst = self
                    .rows
                    .get(i..=j)
                    .expect("i..=j are rows of this table")
                    .iter()
                    .map(|r| r.bee_failure_probability)
                    .fold(0.0, f64::max);
                let bee = if used {
                    format!(
                        "bee {} (P(fail) up to {})",
                        first.bee_parities,
                        prob(worst, worst.log10())
                    )
                } else {
                    "bee never builds".to_string()
                };
                write!(
                    f,
                    "\n  data {:>7}: {bee}, model {model}",
                    range_text(first.data_shards, last)
                )?;
            }
            i = j + 1;
        }
        Ok(())
    }
}

fn range_text(lo: usize, hi: usize) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

impl fmt::Display for Derivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "smallest parity count with P(group fails) <= {} at the level's design loss rate",
            self.threshold
        )?;
        for t in &self.tables {
            write!(f, "\n{t}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redundancy::table::max_shards;

    /// An explicit tree, built chunk by chunk like bee's trie (independently of `tree_shape`).
    enum Node {
        Leaf,
        Inner {
            children: Vec<Node>,
            parities: usize,
        },
    }

    fn build_tree(leaves: u64, level: Level, encrypted: bool) -> Node {
        let k = max_shards(level, encrypted);
        let mut levels: Vec<Vec<Node>> = (0..9).map(|_| Vec::new()).collect();
        fn wrap(levels: &mut [Vec<Node>], n: usize, k: usize, level: Level, encrypted: bool) {
            let children = std::mem::take(&mut levels[n]);
            let parities = parities(level, encrypted, children.len());
            push(
                levels,
                n + 1,
                Node::Inner { children, parities },
                k,
                level,
                encrypted,
            );
        }
        fn push(levels: &mut [Vec<Node>], n: usize, node: Node, k: usize, level: Level, enc: bool) {
            levels[n].push(node);
            if n < 8 && levels[n].len() == k {
                wrap(levels, n, k, level, enc);
            }
        }
        for _ in 0..leaves {
            push(&mut levels, 1, Node::Leaf, k, level, encrypted);
        }
        for n in 1..8 {
            match levels[n].len() {
                0 => {}
                1 => {
                    let node = levels[n].pop().unwrap();
                    push(&mut levels, n + 1, node, k, level, encrypted);
                }
                _ => wrap(&mut levels, n, k, level, encrypted),
            }
        }
        assert_eq!(levels[8].len(), 1);
        levels[8].pop().unwrap()
    }

    struct Rng(u64);
    impl Rng {
        fn lost(&mut self, q: f64) -> bool {
            // splitmix64
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            ((z >> 11) as f64 / (1u64 << 53) as f64) < q
        }
    }

    /// One trial: sample every chunk's loss and walk the tree as a reader would, recovering missing
    /// children from their group when enough siblings and parities are present.
    fn trial(root: &Node, replicas: usize, q: f64, rng: &mut Rng) -> bool {
        fn readable(node: &Node, q: f64, rng: &mut Rng) -> bool {
            let Node::Inner { children, parities } = node else {
                return true;
            };
            let present: Vec<bool> = children.iter().map(|_| !rng.lost(q)).collect();
            let parity_present = (0..*parities).filter(|_| !rng.lost(q)).count();
            let available = present.iter().filter(|p| **p).count() + parity_present;
            let recoverable = available >= children.len();
            children
                .iter()
                .zip(present)
                .all(|(child, here)| (here || recoverable) && readable(child, q, rng))
        }
        let root_here = (0..=replicas)
            .map(|_| !rng.lost(q))
            .fold(false, |a, b| a | b);
        root_here && readable(root, q, rng)
    }

    fn monte_carlo(leaves: u64, level: Level, encrypted: bool, q: f64, trials: u32) {
        let tree = build_tree(leaves, level, encrypted);
        let mut rng = Rng(leaves ^ u64::from(level.as_u8()) << 40);
        let ok = (0..trials)
            .filter(|_| trial(&tree, level.replica_count(), q, &mut rng))
            .count();
        let measured = ok as f64 / f64::from(trials);
        let d = durability(leaves * 4096, level, encrypted, q).unwrap();
        let p = d.retrievable_probability;
        let sigma = (p * (1.0 - p) / f64::from(trials)).sqrt();
        assert!(
            (measured - p).abs() <= 5.0 * sigma + 1e-3,
            "{leaves} leaves {level} enc {encrypted} q {q}: model {p}, measured {measured}"
        );
    }

    #[test]
    fn agrees_with_monte_carlo_over_real_trees() {
        monte_carlo(300, Level::Strong, false, 0.15, 20_000);
        monte_carlo(120, Level::Medium, false, 0.05, 20_000);
        monte_carlo(239, Level::Medium, false, 0.06, 20_000);
        monte_carlo(98, Level::Insane, false, 0.2, 20_000);
        monte_carlo(45, Level::Paranoid, false, 0.55, 20_000);
        monte_carlo(41, Level::Paranoid, true, 0.6, 20_000);
        monte_carlo(60, Level::Strong, true, 0.2, 20_000);
        monte_carlo(20, Level::None, true, 0.01, 20_000);
        monte_carlo(1, Level::Medium, false, 0.5, 20_000);
    }

    #[test]
    fn closed_forms() {
        let q: f64 = 0.1;
        // Single chunk, strong: lost only with its 4 replicas.
        let d = durability(4096, Level::Strong, false, q).unwrap();
        assert!((d.failure_probability - q.powi(5)).abs() < 1e-18);
        assert!(d.groups.is_empty());
        // Level none, 2 data chunks + root: every chunk needed.
        let d = durability(4097, Level::None, false, q).unwrap();
        assert!((d.retrievable_probability - (1.0 - q).powi(3)).abs() < 1e-15);
        assert_eq!(d.chunks, 3);
        // Medium, 2 data + 3 parities + root with 2 replicas.
        let d = durability(4097, Level::Medium, false, q).unwrap();
        let group_ok: f64 = (0..=3)
            .map(|j| {
                let c = [1.0, 5.0, 10.0, 10.0][j];
                c * q.powi(j as i32) * (1.0 - q).powi(5 - j as i32)
            })
            .sum();
        let want = (1.0 - q.powi(3)) * group_ok;
        assert!((d.retrievable_probability - want).abs() < 1e-15);
        assert!((d.expected_unrecoverable_groups - (1.0 - group_ok)).abs() < 1e-15);
        assert_eq!(d.chunks, 2 + 3 + 1 + 2);
        // Edges.
        let d = durability(1 << 30, Level::Insane, true, 0.0).unwrap();
        assert_eq!(
            (d.retrievable_probability, d.failure_probability),
            (1.0, 0.0)
        );
        let d = durability(1 << 30, Level::Insane, true, 1.0).unwrap();
        assert_eq!(
            (d.retrievable_probability, d.failure_probability),
            (0.0, 1.0)
        );
        for bad in [-0.1, 1.5, f64::NAN] {
            assert!(matches!(
                durability(1, Level::Medium, false, bad),
                Err(DurabilityError::InvalidLoss(_))
            ));
        }
        assert!(matches!(
            durability(1 << 57, Level::Medium, false, 0.1),
            Err(DurabilityError::Cost(CostError::SpanOverflow { .. }))
        ));
    }

    #[test]
    fn tails_stay_accurate_far_below_f64() {
        // Paranoid full group (39 + 89) at 1 %: P = C(128, 90)·0.01^90·0.99^38·(1 + …) ≈ 10^-144.
        let ln = group_failure_ln(39, 89, 0.01);
        let lead = ln_choose(128, 90) + 90.0 * 0.01f64.ln() + 38.0 * 0.99f64.ln();
        assert!((ln - lead).abs() < 0.02, "{ln} vs {lead}");
        // A 1 GB paranoid upload at 0.01 %: failure dominated by the root (10^-4·17 = 10^-68).
        let d = durability(1_000_000_000, Level::Paranoid, false, 1e-4).unwrap();
        assert!((d.failure_log10 + 68.0).abs() < 1e-6, "{}", d.failure_log10);
        // Group risks underflow f64 but keep their log10.
        let g = d.groups.first().unwrap();
        assert_eq!(g.failure_probability, 0.0);
        assert!(g.failure_log10 < -320.0 && g.failure_log10.is_finite());
        // Symmetric check at q = 0.5: P(X > p) = P(X < N − p).
        let upper = group_failure_ln(20, 40, 0.5).exp();
        let lower = ln_binomial_mass(60, 0.5, 0..=19).exp();
        assert!((upper - lower).abs() < 1e-15);
        // Exact rational: n = 2, p = 3, q = 1/2 → P(X ≥ 4 of 5) = 6/32.
        assert!((group_failure_ln(2, 3, 0.5).exp() - 6.0 / 32.0).abs() < 1e-15);
    }

    #[test]
    fn larger_files_fail_more_often() {
        let small = durability(10_000_000, Level::Strong, false, 0.08).unwrap();
        let large = durability(10_000_000_000, Level::Strong, false, 0.08).unwrap();
        assert!(large.failure_probability > small.failure_probability);
        assert!(large.expected_unrecoverable_groups > 100.0 * small.expected_unrecoverable_groups);
    }

    #[test]
    fn derivation_reproduces_plain_tables() {
        let d = derive_tables(DESIGN_THRESHOLD).unwrap();
        let plain: Vec<(usize, usize, usize)> = d
            .tables
            .iter()
            .filter(|t| !t.encrypted)
            .map(|t| (t.bee_max_shards, t.model_max_shards, t.differences))
            .collect();
        // Medium, strong, insane: bee's plain tables are exactly the model's. Paranoid: bee packs 39
        // data shards where the model fits at most 37 (39 + 89 fails with 2.5e-6).
        assert_eq!(
            plain,
            vec![(119, 119, 0), (107, 107, 0), (97, 97, 0), (39, 37, 2)]
        );
        let paranoid = d
            .tables
            .iter()
            .find(|t| t.level == Level::Paranoid && !t.encrypted)
            .unwrap();
        let last = paranoid.rows.last().unwrap();
        assert_eq!(
            (last.data_shards, last.bee_parities, last.model_parities),
            (39, 89, None)
        );
        assert!((last.bee_failure_probability - 2.4614e-6).abs() < 1e-9);
        // Encrypted: bee's tables are those of twice the data count, far above the model's need.
        let enc: Vec<(usize, usize)> = d
            .tables
            .iter()
            .filter(|t| t.encrypted)
            .map(|t| (t.bee_max_shards, t.model_max_shards))
            .collect();
        assert_eq!(enc, vec![(59, 60), (53, 56), (48, 53), (20, 27)]);
        let medium = d
            .tables
            .iter()
            .find(|t| t.level == Level::Medium && t.encrypted)
            .unwrap();
        let row = &medium.rows[46];
        assert_eq!(
            (row.data_shards, row.bee_parities, row.model_parities),
            (47, 9, Some(7))
        );
        assert!(matches!(
            derive_tables(0.0),
            Err(DurabilityError::InvalidThreshold(_))
        ));
        let text = d.to_string();
        assert!(
            text.contains(
                "paranoid (plain), loss 0.5: bee k = 39, model k = 37; 2 of 39 data counts differ"
            ),
            "{text}"
        );
    }
}
