//! Exact upload cost: how many chunks the splitter writes for a file of a given size (spec §4.2, §5.7,
//! §5.9, §6.2), computed in O(tree depth) arithmetic from the size alone, never by splitting.
//!
//! The tree shape follows from three rules: there are `ceil(size / 4096)` data chunks (one for an empty
//! file); at every depth the entries are cut into groups of `k` = `max_shards(level, encrypted)`, each
//! wrapped into one intermediate chunk with `parities(level, encrypted, n)` parity chunks; and a final
//! partial group holding a single entry is not wrapped but carried up unchanged to the next depth, where
//! it joins (and may complete) that depth's last group. Hence `entries(d + 1) = ceil(entries(d) / k)`,
//! down to the single root entry. [`TreeShape`] exposes that shape; [`crate::durability`] reuses it.
//!
//! The module also renders bee's parity tables in the documentation's layout ([`docs_table`],
//! [`summary`]) and parses human sizes ([`parse_size`]).
//!
//! Refused: sizes beyond the largest tree bee can build (`k^7` data chunks: its trie has 8 levels and
//! the 8th cannot wrap, "trie full"), and for redundant levels sizes of 2^56 bytes or more, whose span
//! would collide with the level byte stored in byte 7 of every intermediate span (§5.6). Sizes whose
//! text is malformed, fractional in bytes, or above `u64::MAX` are refused by [`parse_size`].

use std::fmt;

use serde::Serialize;

use crate::redundancy::table::{max_shards, parities, table};
use crate::redundancy::Level;

/// Bytes of payload per data chunk.
pub const CHUNK_SIZE: u64 = crate::bmt::CHUNK_SIZE as u64;

/// Trie levels that can wrap: bee's hash trie has 8 levels and the 8th only holds the root entry.
pub const MAX_WRAPPING_LEVELS: u32 = 7;

/// Largest real span a redundant upload can encode: byte 7 of every intermediate span holds the level.
pub const MAX_REDUNDANT_SPAN: u64 = crate::span::MAX_SPAN;

/// Why a cost could not be computed or a size could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    /// More data chunks than `k^7`: bee's splitter fails with "trie full".
    #[error(
        "size {size} bytes exceeds the largest tree of {k}-way groups ({max} bytes): trie full"
    )]
    TrieFull {
        /// The refused size.
        size: u64,
        /// Largest accepted size for this level and encryption.
        max: u64,
        /// Data references per intermediate chunk.
        k: usize,
    },
    /// A redundant upload whose span would overwrite the level byte of intermediate spans.
    #[error(
        "size {size} bytes does not fit the 56-bit span of a redundant upload (max {max} bytes)"
    )]
    SpanOverflow {
        /// The refused size.
        size: u64,
        /// Largest accepted size.
        max: u64,
    },
    /// The size text is empty.
    #[error("empty size")]
    EmptySize,
    /// The numeric part of the size text is not a decimal number.
    #[error(
        "invalid size {0:?}: want a number of bytes or a number with a unit such as 10MB, 1.5GiB"
    )]
    InvalidNumber(String),
    /// The unit of the size text is not one of B, kB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB.
    #[error("unknown size unit {unit:?} in {input:?}: want B, kB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB")]
    UnknownUnit {
        /// The whole size text.
        input: String,
        /// The unit part.
        unit: String,
    },
    /// The size is not a whole number of bytes (`0.5B`, `1.0001kB`).
    #[error("size {0:?} is not a whole number of bytes")]
    FractionalBytes(String),
    /// The size exceeds `u64::MAX` bytes.
    #[error("size {0:?} exceeds 2^64 - 1 bytes")]
    SizeOverflow(String),
}

/// `count` RS groups of the same shape at one depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GroupSet {
    /// Data children per group (entries of the depth below, carried entries included).
    pub data_shards: usize,
    /// Parity chunks per group (0 for level None).
    pub parities: usize,
    /// How many such groups, i.e. intermediate chunks.
    pub count: u64,
}

/// The groups wrapped at one depth of the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DepthShape {
    /// 1 = groups of data chunks, 2 = groups of depth-1 intermediates (and carried entries), …
    pub depth: u32,
    /// Entries arriving at this depth (data chunks at depth 1).
    pub entries: u64,
    /// Full groups of `k`, then at most one partial group.
    pub groups: Vec<GroupSet>,
    /// Whether a single last entry was carried up instead of wrapped.
    pub carried: bool,
}

/// The shape of the tree the splitter builds for a size, level and encryption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeShape {
    /// The file size in bytes.
    pub size: u64,
    /// The redundancy level.
    #[serde(serialize_with = "serialize_level")]
    pub level: Level,
    /// Whether the upload is encrypted.
    pub encrypted: bool,
    /// Data references per intermediate chunk.
    pub k: usize,
    /// Data (leaf) chunks.
    pub data_chunks: u64,
    /// Depths that wrap at least one group, bottom-up; empty for a single-chunk file.
    pub depths: Vec<DepthShape>,
}

/// Serializes a level as its number 0–4, as bee's vectors and the `--level` option do.
pub(crate) fn serialize_level<S: serde::Serializer>(
    level: &Level,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_u8(level.as_u8())
}

/// Data references per intermediate chunk: bee's `maxShards`/`maxEncShards`, 128/64 without redundancy.
pub fn fanout(level: Level, encrypted: bool) -> usize {
    max_shards(level, encrypted)
}

/// The largest size (bytes) the splitter accepts for this level and encryption.
pub fn max_size(level: Level, encrypted: bool) -> u64 {
    let k = fanout(level, encrypted) as u64;
    let trie = k
        .checked_pow(MAX_WRAPPING_LEVELS)
        .and_then(|leaves| leaves.checked_mul(CHUNK_SIZE))
        .unwrap_or(u64::MAX);
    if level == Level::None {
        trie
    } else {
        trie.min(MAX_REDUNDANT_SPAN)
    }
}

/// Computes the tree shape for `size` bytes, in O(depth).
pub fn tree_shape(size: u64, level: Level, encrypted: bool) -> Result<TreeShape, CostError> {
    let k = fanout(level, encrypted);
    let k64 = k as u64;
    let trie_max = k64
        .checked_pow(MAX_WRAPPING_LEVELS)
        .and_then(|leaves| leaves.checked_mul(CHUNK_SIZE))
        .unwrap_or(u64::MAX);
    if size > trie_max {
        return Err(CostError::TrieFull {
            size,
            max: trie_max,
            k,
        });
    }
    if level != Level::None && size > MAX_REDUNDANT_SPAN {
        return Err(CostError::SpanOverflow {
            size,
            max: MAX_REDUNDANT_SPAN,
        });
    }
    let data_chunks = size.div_ceil(CHUNK_SIZE).max(1);
    let mut depths = Vec::new();
    let mut entries = data_chunks;
    let mut depth = 1;
    while entries > 1 {
        let full = entries / k64;
        // `rest < k <= 128`, so the conversion is lossless.
        let rest = (entries % k64) as usize;
        let mut groups = Vec::with_capacity(2);
        if full > 0 {
            groups.push(GroupSet {
                data_shards: k,
                parities: parities(level, encrypted, k),
                count: full,
            });
        }
        if rest >= 2 {
            groups.push(GroupSet {
                data_shards: rest,
                parities: parities(level, encrypted, rest),
                count: 1,
            });
        }
        depths.push(DepthShape {
            depth,
            entries,
            groups,
            carried: rest == 1,
        });
        entries = full + u64::from(rest > 0);
        depth += 1;
    }
    Ok(TreeShape {
        size,
        level,
        encrypted,
        k,
        data_chunks,
        depths,
    })
}

impl TreeShape {
    /// Every group set with its depth, bottom-up.
    pub fn groups(&self) -> impl Iterator<Item = (u32, &GroupSet)> + '_ {
        self.depths
            .iter()
            .flat_map(|d| d.groups.iter().map(move |g| (d.depth, g)))
    }

    /// Intermediate chunks, root included when the root is one.
    pub fn intermediate_chunks(&self) -> u64 {
        self.groups().map(|(_, g)| g.count).sum()
    }

    /// Parity chunks per depth, index 0 = depth 1.
    pub fn parity_chunks_per_depth(&self) -> Vec<u64> {
        self.depths
            .iter()
            .map(|d| d.groups.iter().map(|g| g.count * g.parities as u64).sum())
            .collect()
    }

    /// All parity chunks.
    pub fn parity_chunks(&self) -> u64 {
        self.parity_chunks_per_depth().iter().sum()
    }

    /// Chunks written: data + intermediate + parity (replicas excluded), as bee's `chunk_count`.
    pub fn total_chunks(&self) -> u64 {
        self.data_chunks + self.intermediate_chunks() + self.parity_chunks()
    }

    /// Dispersed replicas of the root.
    pub fn replicas(&self) -> u64 {
        self.level.replica_count() as u64
    }
}

/// What an upload of a given size writes.
///
/// JSON carries exactly the fields of the CLI's `cost --json`; the per-depth breakdown and the level-None
/// baseline are only in the struct and its `Display`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UploadCost {
    /// File size in bytes.
    pub size: u64,
    /// Redundancy level.
    #[serde(serialize_with = "serialize_level")]
    pub level: Level,
    /// Whether the upload is encrypted.
    pub encrypted: bool,
    /// Leaf chunks: `ceil(size / 4096)`, 1 for an empty file.
    pub data_chunks: u64,
    /// Intermediate chunks, root included when it is one.
    pub intermediate_chunks: u64,
    /// Parity chunks at every depth.
    pub parity_chunks: u64,
    /// Dispersed replicas of the root (0 for level None).
    pub replicas: u64,
    /// data + intermediate + parity, as bee's chunk count (replicas excluded).
    pub total_chunks: u64,
    /// Extra chunks paid for, replicas included, relative to a level-None upload of the same file with the
    /// same encryption: `100 · (total + replicas − baseline) / baseline`.
    pub overhead_percent: f64,
    /// The documentation's count: parities of the leaf groups only, the last partial group included even
    /// when it holds a single chunk.
    pub docs_parities: u64,
    /// `100 · docs_parities / data_chunks`, the documentation's percentage.
    pub docs_overhead_percent: f64,
    /// Parity chunks per depth, index 0 = depth 1 (groups of data chunks).
    #[serde(skip)]
    pub parity_chunks_per_depth: Vec<u64>,
    /// Chunks a level-None upload of the same size and encryption writes.
    #[serde(skip)]
    pub baseline_chunks: u64,
    /// Data references per intermediate chunk.
    #[serde(skip)]
    pub k: usize,
}

impl UploadCost {
    /// Everything paid for: total chunks plus replicas.
    pub fn total_with_replicas(&self) -> u64 {
        self.total_chunks + self.replicas
    }
}

/// Computes the exact chunk counts of an upload of `size` bytes.
pub fn upload_cost(size: u64, level: Level, encrypted: bool) -> Result<UploadCost, CostError> {
    let shape = tree_shape(size, level, encrypted)?;
    // A level-None tree has k >= the redundant k, so it is never refused when the redundant one is not.
    let baseline_chunks = tree_shape(size, Level::None, encrypted)?.total_chunks();
    let total_chunks = shape.total_chunks();
    let replicas = shape.replicas();
    let paid = total_chunks + replicas;
    let overhead_percent = percent(paid - baseline_chunks.min(paid), baseline_chunks);
    let docs_parities = docs_parities(shape.data_chunks, level, encrypted);
    Ok(UploadCost {
        size,
        level,
        encrypted,
        data_chunks: shape.data_chunks,
        intermediate_chunks: shape.intermediate_chunks(),
        parity_chunks: shape.parity_chunks(),
        replicas,
        total_chunks,
        overhead_percent,
        docs_parities,
        docs_overhead_percent: percent(docs_parities, shape.data_chunks),
        parity_chunks_per_depth: shape.parity_chunks_per_depth(),
        baseline_chunks,
        k: shape.k,
    })
}

/// The documentation's parity count (seed "Example Cost Calculation"): `data_chunks` cut into groups of
/// `k`, each full group costing `parities(k)` and the remainder `parities(remainder)` — leaf level only.
pub fn docs_parities(data_chunks: u64, level: Level, encrypted: bool) -> u64 {
    let k = fanout(level, encrypted) as u64;
    let full = data_chunks / k;
    let rest = (data_chunks % k) as usize;
    full * parities(level, encrypted, k as usize) as u64 + parities(level, encrypted, rest) as u64
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

impl fmt::Display for UploadCost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let enc = if self.encrypted { "encrypted" } else { "plain" };
        writeln!(f, "size                   {} bytes", self.size)?;
        writeln!(
            f,
            "level                  {} ({}), {enc}, {} data refs per intermediate chunk",
            self.level,
            self.level.as_u8(),
            self.k
        )?;
        writeln!(f, "data chunks            {}", self.data_chunks)?;
        writeln!(f, "intermediate chunks    {}", self.intermediate_chunks)?;
        write!(f, "parity chunks          {}", self.parity_chunks)?;
        if self.parity_chunks > 0 {
            let per_depth: Vec<String> = self
                .parity_chunks_per_depth
                .iter()
                .enumerate()
                .map(|(i, p)| format!("depth {}: {p}", i + 1))
                .collect();
            write!(f, "  ({})", per_depth.join(", "))?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "total chunks           {}  (data + intermediate + parity)",
            self.total_chunks
        )?;
        writeln!(f, "root replicas          {}", self.replicas)?;
        writeln!(f, "total with replicas    {}", self.total_with_replicas())?;
        writeln!(f, "level-none upload      {} chunks", self.baseline_chunks)?;
        writeln!(
            f,
            "overhead               {:.2} %  (extra chunks vs. a level-none upload, replicas included)",
            self.overhead_percent
        )?;
        write!(
            f,
            "docs convention        {} parities / {} data chunks = {:.2} %  (leaf groups only)",
            self.docs_parities, self.data_chunks, self.docs_overhead_percent
        )
    }
}

/// One row of a parity table in the documentation's layout (Table C): groups of `min_chunks` to
/// `max_chunks` data chunks get `parities` parity chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DocsRow {
    /// Parity chunks per group.
    pub parities: usize,
    /// Smallest data count with this parity count.
    pub min_chunks: usize,
    /// Largest data count with this parity count (capped at the level's `k`).
    pub max_chunks: usize,
}

impl DocsRow {
    /// Parity overhead at the row's smallest group, in percent.
    pub fn max_overhead_percent(&self) -> f64 {
        percent(self.parities as u64, self.min_chunks as u64)
    }

    /// Parity overhead at the row's largest group, in percent.
    pub fn min_overhead_percent(&self) -> f64 {
        percent(self.parities as u64, self.max_chunks as u64)
    }
}

/// bee's parity table for a level as Table C rows, by increasing parity count (empty for None).
pub fn docs_table(level: Level, encrypted: bool) -> Vec<DocsRow> {
    let rows = table(level, encrypted);
    let k = fanout(level, encrypted);
    let mut out: Vec<DocsRow> = rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.shards <= k)
        .map(|(i, row)| {
            let next_min = i
                .checked_sub(1)
                .and_then(|j| rows.get(j))
                .map_or(usize::MAX, |prev| prev.shards);
            DocsRow {
                parities: row.parities,
                min_chunks: row.shards,
                max_chunks: next_min.saturating_sub(1).min(k),
            }
        })
        .collect();
    out.reverse();
    out
}

/// bee's table for one level and encryption, ready to print like the documentation's Table C.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocsTable {
    /// The level.
    #[serde(serialize_with = "serialize_level")]
    pub level: Level,
    /// Whether the encrypted table is shown.
    pub encrypted: bool,
    /// The rows, by increasing parity count.
    pub rows: Vec<DocsRow>,
}

impl DocsTable {
    /// The table of `level`.
    pub fn new(level: Level, encrypted: bool) -> DocsTable {
        DocsTable {
            level,
            encrypted,
            rows: docs_table(level, encrypted),
        }
    }
}

fn range(lo: usize, hi: usize) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

fn pct_range(hi: f64, lo: f64) -> String {
    if (hi - lo).abs() < 1e-9 {
        format!("{hi:.1}%")
    } else {
        format!("{hi:.1}% - {lo:.1}%")
    }
}

impl fmt::Display for DocsTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let enc = if self.encrypted { "encrypted" } else { "plain" };
        writeln!(f, "{} ({enc}): bee's parity table", self.level)?;
        write!(f, "{:>8}  {:>9}  {:>16}", "parities", "chunks", "overhead")?;
        for row in &self.rows {
            write!(
                f,
                "\n{:>8}  {:>9}  {:>16}",
                row.parities,
                range(row.min_chunks, row.max_chunks),
                pct_range(row.max_overhead_percent(), row.min_overhead_percent())
            )?;
        }
        Ok(())
    }
}

/// One line of the documentation's Table B, from bee's tables: a full group's shape and overhead.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LevelSummary {
    /// The level.
    #[serde(serialize_with = "serialize_level")]
    pub level: Level,
    /// Parities of a full plain group.
    pub parities: usize,
    /// Data chunks of a full plain group (`k`).
    pub data_chunks: usize,
    /// `100 · parities / data_chunks`.
    pub overhead_percent: f64,
    /// Parities of a full encrypted group.
    pub encrypted_parities: usize,
    /// Data chunks of a full encrypted group.
    pub encrypted_data_chunks: usize,
    /// `100 · encrypted_parities / encrypted_data_chunks`.
    pub encrypted_overhead_percent: f64,
}

/// Table B for the four redundant levels, from bee's tables.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary(pub Vec<LevelSummary>);

/// Computes Table B for levels Medium to Paranoid.
pub fn summary() -> Summary {
    Summary(
        Level::ALL
            .into_iter()
            .filter(|l| *l != Level::None)
            .map(|level| {
                let k = fanout(level, false);
                let p = parities(level, false, k);
                let ek = fanout(level, true);
                let ep = parities(level, true, ek);
                LevelSummary {
                    level,
                    parities: p,
                    data_chunks: k,
                    overhead_percent: percent(p as u64, k as u64),
                    encrypted_parities: ep,
                    encrypted_data_chunks: ek,
                    encrypted_overhead_percent: percent(ep as u64, ek as u64),
                }
            })
            .collect(),
    )
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<9} {:>8} {:>11} {:>8} {:>12} {:>13} {:>10}",
            "level",
            "parities",
            "data chunks",
            "percent",
            "enc parities",
            "enc data chunks",
            "enc percent"
        )?;
        for s in &self.0 {
            write!(
                f,
                "\n{:<9} {:>8} {:>11} {:>7.1}% {:>12} {:>15} {:>9.1}%",
                s.level.name(),
                s.parities,
                s.data_chunks,
                s.overhead_percent,
                s.encrypted_parities,
                s.encrypted_data_chunks,
                s.encrypted_overhead_percent
            )?;
        }
        Ok(())
    }
}

/// Parses a size: plain bytes (`4097`) or a number with a unit, case-insensitive, optional space:
/// `B`; decimal `kB`, `MB`, `GB`, `TB`, `PB` (powers of 1000); binary `KiB`, `MiB`, `GiB`, `TiB`, `PiB`
/// (powers of 1024). A fraction is allowed (`1.5GB`) if the result is a whole number of bytes. Exact
/// integer arithmetic, no floating point, overflow refused.
pub fn parse_size(text: &str) -> Result<u64, CostError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(CostError::EmptySize);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim_start();
    let multiplier: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000u128.pow(2),
        "gb" => 1000u128.pow(3),
        "tb" => 1000u128.pow(4),
        "pb" => 1000u128.pow(5),
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        "pib" => 1 << 50,
        _ => {
            return Err(CostError::UnknownUnit {
                input: text.to_string(),
                unit: unit.to_string(),
            })
        }
    };
    let invalid = || CostError::InvalidNumber(text.to_string());
    let overflow = || CostError::SizeOverflow(text.to_string());
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, fr)) => (i, fr),
        None => (number, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    // Trailing zeros of the fraction carry no value; dropping them bounds the scale for long inputs.
    let frac_part = frac_part.trim_end_matches('0');
    let mut mantissa: u128 = 0;
    for b in int_part.bytes().chain(frac_part.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(u128::from(b - b'0')))
            .ok_or_else(overflow)?;
    }
    let scale = u32::try_from(frac_part.len())
        .ok()
        .and_then(|e| 10u128.checked_pow(e))
        .ok_or_else(|| CostError::FractionalBytes(text.to_string()))?;
    let scaled = mantissa.checked_mul(multiplier).ok_or_else(overflow)?;
    if scaled % scale != 0 {
        return Err(CostError::FractionalBytes(text.to_string()));
    }
    u64::try_from(scaled / scale).map_err(|_| overflow())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Chunk-by-chunk count-only model of bee's hash trie (spec §4.2/§5.7), written without the
    /// closed form: returns (intermediate, parity) chunks for `leaves` data chunks.
    fn simulate(leaves: u64, level: Level, encrypted: bool) -> (u64, u64) {
        struct Trie {
            k: u64,
            level: Level,
            encrypted: bool,
            counts: [u64; 9],
            intermediate: u64,
            parity: u64,
        }
        impl Trie {
            fn push(&mut self, n: usize) {
                self.counts[n] += 1;
                if n < 8 && self.counts[n] == self.k {
                    self.build(n);
                }
            }
            fn build(&mut self, n: usize) {
                let entries = self.counts[n] as usize;
                self.counts[n] = 0;
                self.intermediate += 1;
                self.parity += parities(self.level, self.encrypted, entries) as u64;
                self.push(n + 1);
            }
        }
        let mut t = Trie {
            k: max_shards(level, encrypted) as u64,
            level,
            encrypted,
            counts: [0; 9],
            intermediate: 0,
            parity: 0,
        };
        for _ in 0..leaves {
            t.push(1);
        }
        for n in 1..8 {
            match t.counts[n] {
                0 => {}
                1 => {
                    t.counts[n] = 0;
                    t.push(n + 1);
                }
                _ => t.build(n),
            }
        }
        assert_eq!(t.counts[8], 1, "root entry");
        (t.intermediate, t.parity)
    }

    fn check_against_simulation(size: u64, level: Level, encrypted: bool) {
        let c = upload_cost(size, level, encrypted).unwrap();
        let (intermediate, parity) = simulate(c.data_chunks, level, encrypted);
        assert_eq!(
            (c.data_chunks, c.intermediate_chunks, c.parity_chunks),
            (size.div_ceil(CHUNK_SIZE).max(1), intermediate, parity),
            "size {size} level {level} encrypted {encrypted}"
        );
        assert_eq!(c.total_chunks, c.data_chunks + intermediate + parity);
        assert_eq!(c.parity_chunks_per_depth.iter().sum::<u64>(), parity);
    }

    #[test]
    fn matches_every_bee_vector() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bee-trees.json");
        let text = std::fs::read_to_string(path).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let vectors = doc["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 670);
        let mut seen = [[0usize; 2]; 5];
        for v in vectors {
            let size = v["size"].as_u64().unwrap();
            let level = Level::from_u8(v["level"].as_u64().unwrap() as u8).unwrap();
            let encrypted = v["encryption"].as_str().unwrap() != "none";
            let c = upload_cost(size, level, encrypted).unwrap();
            assert_eq!(
                c.data_chunks + c.intermediate_chunks + c.parity_chunks,
                v["chunk_count"].as_u64().unwrap(),
                "size {size} level {level} encrypted {encrypted}"
            );
            assert_eq!(
                c.replicas,
                v["replicas"].as_array().unwrap().len() as u64,
                "size {size} level {level} encrypted {encrypted}"
            );
            seen[usize::from(level.as_u8())][usize::from(encrypted)] += 1;
        }
        assert!(seen.iter().flatten().all(|&n| n > 0), "{seen:?}");
    }

    /// Leaf counts around every group and depth boundary that a simulation can reach quickly.
    fn boundary_leaves(k: u64) -> Vec<u64> {
        let mut out = vec![1, 2, 3, k - 1, k, k + 1, k + 2, 2 * k - 1, 2 * k, 2 * k + 1];
        let mut power = k;
        while power * k <= 2_200_000 {
            power *= k;
            for base in [power, power + k, power + k * k.min(power / k), 2 * power] {
                for delta in [-2i64, -1, 0, 1, 2] {
                    out.push(base.saturating_add_signed(delta));
                }
            }
            // Carried entries cascading across several depths: k^j + k^(j-1) + … + 1.
            let mut cascade = 0;
            let mut p = 1;
            while p <= power {
                cascade += p;
                p *= k;
            }
            out.extend([cascade - 1, cascade, cascade + 1]);
        }
        out
    }

    #[test]
    fn matches_simulation_at_boundaries() {
        for level in Level::ALL {
            for encrypted in [false, true] {
                let k = max_shards(level, encrypted) as u64;
                for leaves in boundary_leaves(k) {
                    let bytes = leaves * CHUNK_SIZE;
                    for size in [bytes - 1, bytes, bytes + 1] {
                        check_against_simulation(size, level, encrypted);
                    }
                }
                check_against_simulation(0, level, encrypted);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn matches_simulation_for_random_sizes(size in 0u64..1_500_000_000, level in 0u8..5, encrypted: bool) {
            check_against_simulation(size, Level::from_u8(level).unwrap(), encrypted);
        }

        #[test]
        fn more_bytes_never_fewer_chunks(fraction in 0.0f64..1.0, level in 0u8..5, encrypted: bool) {
            let level = Level::from_u8(level).unwrap();
            let size = ((max_size(level, encrypted) - CHUNK_SIZE) as f64 * fraction) as u64;
            let a = upload_cost(size, level, encrypted).unwrap();
            let b = upload_cost(size + CHUNK_SIZE, level, encrypted).unwrap();
            prop_assert_eq!(b.data_chunks, a.data_chunks + 1);
            prop_assert!(b.intermediate_chunks >= a.intermediate_chunks);
            prop_assert!(b.intermediate_chunks <= a.intermediate_chunks + 7);
        }
    }

    #[test]
    fn spec_examples() {
        // §4.2: 128·4096 + 1 bytes, no redundancy: I1 over 128 chunks, root [I1, D129].
        let c = upload_cost(128 * 4096 + 1, Level::None, false).unwrap();
        assert_eq!(
            (c.data_chunks, c.intermediate_chunks, c.parity_chunks),
            (129, 2, 0)
        );
        assert_eq!((c.replicas, c.overhead_percent), (0, 0.0));
        // §5.7: medium, 119·4096 + 1 bytes: 134 chunks stored.
        let c = upload_cost(119 * 4096 + 1, Level::Medium, false).unwrap();
        assert_eq!(c.total_chunks, 134);
        assert_eq!(c.parity_chunks_per_depth, vec![9, 3]);
        // bee's TestRedundancy: insane, 98 writes → 31 + 6 parities, 2 intermediates.
        let c = upload_cost(98 * 4096, Level::Insane, false).unwrap();
        assert_eq!((c.parity_chunks, c.intermediate_chunks), (37, 2));
        assert_eq!(c.parity_chunks_per_depth, vec![31, 6]);
        // Encrypted paranoid, 21 writes → 87 + 29.
        let c = upload_cost(21 * 4096, Level::Paranoid, true).unwrap();
        assert_eq!(c.parity_chunks, 116);
        // Single-chunk files: no intermediate, no parity, replicas still written.
        for size in [0, 1, 4095, 4096] {
            let c = upload_cost(size, Level::Strong, true).unwrap();
            assert_eq!((c.total_chunks, c.replicas), (1, 4));
            assert_eq!(c.overhead_percent, 400.0);
        }
    }

    #[test]
    fn docs_examples() {
        // "340 chunks … Strong … 72 / 340 = 21.17%" (the docs truncate 21.176…).
        let c = upload_cost(340 * 4096, Level::Strong, false).unwrap();
        assert_eq!(c.docs_parities, 72);
        assert_eq!((c.docs_overhead_percent * 100.0).floor(), 2117.0);
        // What is really written: 72 leaf parities + 6 for the root group of 4, 5 intermediates.
        assert_eq!(c.parity_chunks_per_depth, vec![72, 6]);
        assert_eq!(
            (c.intermediate_chunks, c.total_chunks, c.replicas),
            (5, 423, 4)
        );
        // Level-none baseline: 340 + 3 intermediates (128, 128, 84) + the root over those 3.
        assert_eq!(c.baseline_chunks, 344);
        assert_eq!(c.overhead_percent, 100.0 * (427.0 - 344.0) / 344.0);
        // "321 (3 * 107) chunks … 19.6% (63 parities / 321 data chunks)".
        let c = upload_cost(321 * 4096, Level::Strong, false).unwrap();
        assert_eq!(c.docs_parities, 63);
        assert_eq!(format!("{:.1}", c.docs_overhead_percent), "19.6");
        assert_eq!(c.parity_chunks_per_depth, vec![63, 5]);
    }

    #[test]
    fn json_fields() {
        let c = upload_cost(340 * 4096, Level::Strong, false).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "size",
            "level",
            "encrypted",
            "data_chunks",
            "intermediate_chunks",
            "parity_chunks",
            "replicas",
            "total_chunks",
            "overhead_percent",
            "docs_parities",
            "docs_overhead_percent",
        ];
        want.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, want);
        assert_eq!(v["level"], 2);
        assert_eq!(v["total_chunks"], 423);
        let rows = serde_json::to_string(&docs_table(Level::Medium, false)).unwrap();
        assert!(rows.starts_with(r#"[{"parities":2,"min_chunks":1,"max_chunks":1},{"parities":3"#));
    }

    #[test]
    fn size_limits() {
        let plain_max = (1u64 << 49) * 4096;
        assert_eq!(max_size(Level::None, false), plain_max);
        assert!(upload_cost(plain_max, Level::None, false).is_ok());
        assert_eq!(
            upload_cost(plain_max + 1, Level::None, false),
            Err(CostError::TrieFull {
                size: plain_max + 1,
                max: plain_max,
                k: 128
            })
        );
        let c = upload_cost(plain_max, Level::None, false).unwrap();
        assert_eq!(
            c.intermediate_chunks,
            (0..7).map(|j| 1u64 << (7 * j)).sum::<u64>()
        );
        let enc_max = (1u64 << 42) * 4096;
        assert!(upload_cost(enc_max, Level::None, true).is_ok());
        assert!(matches!(
            upload_cost(enc_max + 1, Level::None, true),
            Err(CostError::TrieFull { k: 64, .. })
        ));
        // Medium plain: 119^7·4096 > 2^56, so the span bound is the one that bites.
        assert!(upload_cost(MAX_REDUNDANT_SPAN, Level::Medium, false).is_ok());
        assert_eq!(
            upload_cost(1 << 56, Level::Medium, false),
            Err(CostError::SpanOverflow {
                size: 1 << 56,
                max: MAX_REDUNDANT_SPAN
            })
        );
        // Paranoid plain: 39^7·4096 < 2^56, the trie bound bites.
        let paranoid_max = 39u64.pow(7) * 4096;
        assert_eq!(max_size(Level::Paranoid, false), paranoid_max);
        assert!(upload_cost(paranoid_max, Level::Paranoid, false).is_ok());
        assert!(matches!(
            upload_cost(paranoid_max + 1, Level::Paranoid, false),
            Err(CostError::TrieFull { k: 39, .. })
        ));
        assert!(upload_cost(u64::MAX, Level::None, false).is_err());
        for level in Level::ALL {
            for encrypted in [false, true] {
                let max = max_size(level, encrypted);
                assert!(upload_cost(max, level, encrypted).is_ok());
                assert!(upload_cost(max + 1, level, encrypted).is_err());
                let shape = tree_shape(max, level, encrypted).unwrap();
                assert!(shape.depths.len() <= 7);
            }
        }
    }

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("4097"), Ok(4097));
        assert_eq!(parse_size(" 10MB "), Ok(10_000_000));
        assert_eq!(parse_size("10 mb"), Ok(10_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("1.5kib"), Ok(1536));
        assert_eq!(parse_size("2.000B"), Ok(2));
        assert_eq!(
            parse_size("16EiB").unwrap_err(),
            CostError::UnknownUnit {
                input: "16EiB".into(),
                unit: "EiB".into()
            }
        );
        assert_eq!(parse_size("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_size("18446744073709551616"),
            Err(CostError::SizeOverflow("18446744073709551616".into()))
        );
        assert_eq!(
            parse_size("16384PiB"),
            Err(CostError::SizeOverflow("16384PiB".into()))
        );
        assert_eq!(
            parse_size("9".repeat(60).as_str()),
            Err(CostError::SizeOverflow("9".repeat(60)))
        );
        assert_eq!(
            parse_size("0.5B"),
            Err(CostError::FractionalBytes("0.5B".into()))
        );
        assert_eq!(
            parse_size("1.0001kB"),
            Err(CostError::FractionalBytes("1.0001kB".into()))
        );
        assert_eq!(parse_size(""), Err(CostError::EmptySize));
        for bad in [".", "1.2.3", "-5", "MB", "1e6", "+3"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_size("1.2.3"),
            Err(CostError::InvalidNumber("1.2.3".into()))
        );
    }

    /// The documentation's Table C as printed in Swarm's erasure-coding page:
    /// (parities, plain chunk range, encrypted chunk range).
    type DocsLine = (usize, (usize, usize), Option<(usize, usize)>);
    const DOCS_MEDIUM: &[DocsLine] = &[
        (2, (1, 1), None),
        (3, (2, 5), Some((1, 2))),
        (4, (6, 14), Some((3, 7))),
        (5, (15, 28), Some((7, 14))),
        (6, (29, 46), Some((14, 23))),
        (7, (47, 68), Some((23, 34))),
        (8, (69, 94), Some((34, 47))),
        (9, (95, 119), Some((47, 59))),
    ];
    const DOCS_STRONG: &[DocsLine] = &[
        (4, (1, 1), None),
        (5, (2, 3), Some((1, 1))),
        (6, (4, 6), Some((2, 3))),
        (7, (7, 10), Some((3, 5))),
        (8, (11, 15), Some((5, 7))),
        (9, (16, 20), Some((8, 10))),
        (10, (21, 26), Some((10, 13))),
        (11, (27, 32), Some((13, 16))),
        (12, (33, 39), Some((16, 19))),
        (13, (40, 46), Some((20, 23))),
        (14, (47, 53), Some((23, 26))),
        (15, (54, 61), Some((27, 30))),
        (16, (62, 69), Some((31, 34))),
        (17, (70, 77), Some((35, 38))),
        (18, (78, 86), Some((39, 43))),
        (19, (87, 95), Some((43, 47))),
        (20, (96, 104), Some((48, 52))),
        (21, (105, 107), Some((52, 53))),
    ];
    const DOCS_INSANE: &[DocsLine] = &[
        (5, (1, 1), None),
        (6, (2, 2), Some((1, 1))),
        (7, (3, 3), Some((1, 1))),
        (8, (4, 5), Some((2, 2))),
        (9, (6, 8), Some((3, 4))),
        (10, (9, 10), Some((4, 5))),
        (11, (11, 13), Some((5, 6))),
        (12, (14, 16), Some((7, 8))),
        (13, (17, 19), Some((8, 9))),
        (14, (20, 22), Some((10, 11))),
        (15, (23, 26), Some((11, 13))),
        (16, (27, 29), Some((13, 14))),
        (17, (30, 33), Some((15, 16))),
        (18, (34, 37), Some((17, 18))),
        (19, (38, 41), Some((19, 20))),
        (20, (42, 45), Some((21, 22))),
        (21, (46, 50), Some((23, 25))),
        (22, (51, 54), Some((25, 27))),
        (23, (55, 59), Some((27, 29))),
        (24, (60, 63), Some((30, 31))),
        (25, (64, 68), Some((32, 34))),
        (26, (69, 73), Some((34, 36))),
        (27, (74, 77), Some((37, 38))),
        (28, (78, 82), Some((39, 41))),
        (29, (83, 87), Some((41, 43))),
        (30, (88, 92), Some((44, 46))),
        (31, (93, 97), Some((46, 48))),
    ];
    const DOCS_PARANOID: &[DocsLine] = &[
        (19, (1, 1), None),
        (23, (2, 2), Some((1, 1))),
        (26, (3, 3), Some((1, 1))),
        (29, (4, 4), Some((2, 2))),
        (31, (5, 5), Some((2, 2))),
        (34, (6, 6), Some((3, 3))),
        (36, (7, 7), Some((3, 3))),
        (38, (8, 8), Some((4, 4))),
        (40, (9, 9), Some((4, 4))),
        (43, (10, 10), Some((5, 5))),
        (45, (11, 11), Some((5, 5))),
        (47, (12, 12), Some((6, 6))),
        (48, (13, 13), Some((6, 6))),
        (50, (14, 14), Some((7, 7))),
        (52, (15, 15), Some((7, 7))),
        (54, (16, 16), Some((8, 8))),
        (56, (17, 17), Some((8, 8))),
        (58, (18, 18), Some((9, 9))),
        (59, (19, 19), Some((9, 9))),
        (61, (20, 20), Some((10, 10))),
        (63, (21, 21), Some((10, 10))),
        (65, (22, 22), Some((11, 11))),
        (66, (23, 23), Some((11, 11))),
        (68, (24, 24), Some((12, 12))),
        (70, (25, 25), Some((12, 12))),
        (71, (26, 26), Some((13, 13))),
        (73, (27, 27), Some((13, 13))),
        (75, (28, 28), Some((14, 14))),
        (76, (29, 29), Some((14, 14))),
        (78, (30, 30), Some((15, 15))),
        (80, (31, 31), Some((15, 15))),
        (81, (32, 32), Some((16, 16))),
        (83, (33, 33), Some((16, 16))),
        (84, (34, 34), Some((17, 17))),
        (86, (35, 35), Some((17, 17))),
        (87, (36, 36), Some((18, 18))),
        (89, (37, 37), Some((18, 18))),
    ];

    fn docs_lines(level: Level) -> &'static [DocsLine] {
        match level {
            Level::None => &[],
            Level::Medium => DOCS_MEDIUM,
            Level::Strong => DOCS_STRONG,
            Level::Insane => DOCS_INSANE,
            Level::Paranoid => DOCS_PARANOID,
        }
    }

    /// Data counts where the documentation's Table C disagrees with bee: (n, bee's parities, the
    /// documentation's parity values for n). Listed in docs/COST.md.
    fn docs_disagreements(level: Level, encrypted: bool) -> Vec<(usize, usize, Vec<usize>)> {
        let k = max_shards(level, encrypted);
        (1..=k)
            .filter_map(|n| {
                let docs: Vec<usize> = docs_lines(level)
                    .iter()
                    .filter_map(|(p, plain, enc)| {
                        let (lo, hi) = if encrypted { (*enc)? } else { *plain };
                        (lo..=hi).contains(&n).then_some(*p)
                    })
                    .collect();
                let bee = parities(level, encrypted, n);
                (docs != [bee]).then_some((n, bee, docs))
            })
            .collect()
    }

    #[test]
    fn docs_table_c_against_bee() {
        // Plain: identical except paranoid 38 and 39, which the documentation leaves out.
        for level in [Level::Medium, Level::Strong, Level::Insane] {
            assert_eq!(docs_disagreements(level, false), vec![]);
            let ours: Vec<(usize, usize, usize)> = docs_table(level, false)
                .iter()
                .map(|r| (r.parities, r.min_chunks, r.max_chunks))
                .collect();
            let docs: Vec<(usize, usize, usize)> = docs_lines(level)
                .iter()
                .map(|(p, (lo, hi), _)| (*p, *lo, *hi))
                .collect();
            assert_eq!(ours, docs, "{level}");
        }
        assert_eq!(
            docs_disagreements(Level::Paranoid, false),
            vec![(38, 89, vec![]), (39, 89, vec![])]
        );
        assert_eq!(
            docs_table(Level::Paranoid, false).last(),
            Some(&DocsRow {
                parities: 89,
                min_chunks: 37,
                max_chunks: 39
            })
        );
        // Encrypted: the documentation's ranges overlap at every boundary, one of the two values is
        // bee's; paranoid lists two values for every n and omits 19 and 20.
        let boundary = |level| -> Vec<usize> {
            docs_disagreements(level, true)
                .into_iter()
                .map(|(n, bee, docs)| {
                    assert_eq!(docs.len(), 2, "n {n}");
                    assert!(docs.contains(&bee), "n {n}");
                    n
                })
                .collect()
        };
        assert_eq!(boundary(Level::Medium), vec![7, 14, 23, 34, 47]);
        assert_eq!(boundary(Level::Strong), vec![3, 5, 10, 13, 16, 23, 43, 52]);
        assert_eq!(
            boundary(Level::Insane),
            vec![1, 4, 5, 8, 11, 13, 25, 27, 34, 41, 46]
        );
        let paranoid = docs_disagreements(Level::Paranoid, true);
        assert_eq!(paranoid.len(), 20);
        for (n, bee, docs) in paranoid {
            if n <= 18 {
                assert_eq!((docs.len(), docs.first()), (2, Some(&bee)), "n {n}");
            } else {
                assert_eq!((bee, docs), (87, vec![]), "n {n}");
            }
        }
    }

    #[test]
    fn table_b_from_bee() {
        let s = summary();
        let got: Vec<(usize, usize, usize, usize)> =
            s.0.iter()
                .map(|l| {
                    (
                        l.parities,
                        l.data_chunks,
                        l.encrypted_parities,
                        l.encrypted_data_chunks,
                    )
                })
                .collect();
        assert_eq!(
            got,
            vec![
                (9, 119, 9, 59),
                (21, 107, 21, 53),
                (31, 97, 31, 48),
                (89, 39, 87, 20)
            ]
        );
        let pct: Vec<String> =
            s.0.iter()
                .map(|l| format!("{:.1}", l.overhead_percent))
                .collect();
        // The documentation's 7.6 %, 19.6 %, 32 % reproduce; its paranoid 240.5 % is 89/37, not 90/38.
        assert_eq!(pct, ["7.6", "19.6", "32.0", "228.2"]);
        let text = s.to_string();
        assert!(
            text.lines().nth(4).unwrap().starts_with("paranoid"),
            "{text}"
        );
    }

    #[test]
    fn docs_table_display() {
        let t = DocsTable::new(Level::Strong, false).to_string();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "strong (plain): bee's parity table");
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["4", "1", "400.0%"]
        );
        assert_eq!(
            lines.last().unwrap().split_whitespace().collect::<Vec<_>>(),
            ["21", "105-107", "20.0%", "-", "19.6%"]
        );
        assert!(docs_table(Level::None, true).is_empty());
    }
}
