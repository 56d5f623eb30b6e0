//! Durability beyond one machine, by simulation: swarmec's placement, pull-sync and repair rules run
//! over thousands of simulated nodes with churn for simulated days (issue 13 §4; the model, its
//! assumptions and the figures are in `docs/DURABILITY.md`, the entry point is
//! `examples/churn_sim.rs`).
//!
//! Nothing here is a second copy of a rule:
//! - where a chunk is stored and who pulls it: [`crate::placement`] ([`network`]);
//! - the storage radius: [`crate::placement::storage_radius`];
//! - a file's groups and parities: [`crate::cost::tree_shape`] and bee's tables, its root replicas:
//!   [`crate::replicas::replica_addresses`] ([`file`]);
//! - retrievability from a per-chunk loss probability: [`crate::durability::durability`].
//!
//! Two estimates per file size, level and churn rate, with and without repair:
//! - **simulated**: files whose every chunk is tracked through the churn (files up to
//!   [`Config::max_simulated_chunks`] chunks); the fraction still retrievable at the end (with repair:
//!   retrievable at every repair and at the end);
//! - **model**: in each run, one probe chunk per neighbourhood (a chunk there shares its
//!   neighbourhood's fate) gives the fraction `p` of the address space whose chunks were lost; chunk
//!   addresses are uniform hashes, so given the run each chunk of a file is lost independently with
//!   probability `p`, and [`crate::durability::durability`] gives the file's retrievability exactly.
//!   Without repair `p` is the loss over the whole time; with repair every lost probe is pushed again
//!   at each repair, `p_i` is the loss within interval `i`, and the file survives with probability
//!   `Π_i durability(p_i)` (a file that survives an interval is whole again after the repair). The
//!   figure is the mean over runs.
//!
//! Deterministic for a seed: one [`rng::SplitMix64`] stream per run, no threads, no clocks.

pub mod file;
pub mod network;
pub mod rng;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::cost::{serialize_level, tree_shape, CostError};
use crate::durability::{durability, DurabilityError};
use crate::placement::storage_radius;
use crate::redundancy::Level;
use crate::Address;

use file::{chunk_count, SimFile};
use network::{ChunkId, JoinRule, Network, NetworkParams};
use rng::SplitMix64;

/// Why a simulation cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// A parameter out of range.
    #[error("{0}")]
    Invalid(String),
    /// A file size the splitter refuses.
    #[error(transparent)]
    Cost(#[from] CostError),
    /// The durability model refused a figure.
    #[error(transparent)]
    Durability(#[from] DurabilityError),
}

/// Hours in a day.
const DAY: f64 = 24.0;
/// Most probe chunks per run (one per neighbourhood up to this many neighbourhoods).
const MAX_PROBES: usize = 1 << 16;
/// Most chunks tracked in one run (memory: about 100 bytes each).
const MAX_TRACKED: u64 = 20_000_000;

/// What to simulate. [`Config::default`] is the published figures' configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    /// Nodes in the network (constant: every departure is replaced by a join).
    pub nodes: usize,
    /// A node's reserve in chunks (bee's default: 2^22).
    pub reserve_capacity: u64,
    /// Chunks stamped in the whole network; with the reserve this sets the storage radius.
    pub network_chunks: u64,
    /// Pushsync's replication (the node default).
    pub replication: usize,
    /// Node half-lives in days, one scenario each (departure rate `ln 2 / half-life`).
    pub half_lives_days: Vec<f64>,
    /// Hours a joining node takes to pull its neighbourhood.
    pub sync_hours: f64,
    /// How joining nodes pick their overlay.
    pub join: JoinRule,
    /// Simulated days after the upload.
    pub days: f64,
    /// Hours between repairs (repaired files only).
    pub repair_hours: f64,
    /// File sizes in bytes.
    pub sizes: Vec<u64>,
    /// Redundancy levels.
    #[serde(serialize_with = "serialize_levels")]
    pub levels: Vec<Level>,
    /// Independent networks per scenario.
    pub runs: usize,
    /// Files tracked chunk by chunk per size, level, mode and run.
    pub files: usize,
    /// Files with more chunks than this get the model figure only.
    pub max_simulated_chunks: u64,
    /// Seed of everything random.
    pub seed: u64,
}

fn serialize_levels<S: serde::Serializer>(levels: &[Level], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(levels.iter().map(|l| l.as_u8()))
}

impl Default for Config {
    fn default() -> Self {
        Config {
            nodes: 10_000,
            reserve_capacity: 1 << 22,
            network_chunks: 1 << 33,
            replication: crate::net::NodeConfig::default().replication,
            half_lives_days: vec![30.0, 90.0, 365.0],
            sync_hours: 6.0,
            join: JoinRule::Uniform,
            days: 365.0,
            repair_hours: 24.0,
            sizes: vec![1 << 20, 100 << 20, 10 << 30],
            levels: Level::ALL.to_vec(),
            runs: 8,
            files: 40,
            max_simulated_chunks: 1_000,
            seed: 1,
        }
    }
}

impl Config {
    fn positive(name: &str, v: f64) -> Result<(), SimError> {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(SimError::Invalid(format!(
                "{name} {v} is not a finite number > 0"
            )))
        }
    }

    /// The storage radius every node settles at.
    pub fn radius(&self) -> u8 {
        storage_radius(self.network_chunks, self.reserve_capacity)
    }

    fn check(&self) -> Result<(), SimError> {
        for h in &self.half_lives_days {
            Config::positive("half-life (days)", *h)?;
        }
        Config::positive("days", self.days)?;
        Config::positive("repair interval (hours)", self.repair_hours)?;
        if self.days * DAY / self.repair_hours > 1e6 {
            return Err(SimError::Invalid(format!(
                "{} days with a repair every {} hours is more than 10^6 repairs",
                self.days, self.repair_hours
            )));
        }
        if self.runs == 0 {
            return Err(SimError::Invalid("runs must be at least 1".into()));
        }
        if self.levels.is_empty() || self.sizes.is_empty() || self.half_lives_days.is_empty() {
            return Err(SimError::Invalid(
                "at least one level, size and half-life are needed".into(),
            ));
        }
        let mut tracked = 2 * self.probes() as u64;
        for size in &self.sizes {
            for level in &self.levels {
                let n = chunk_count(*size, *level)?;
                if n <= self.max_simulated_chunks {
                    tracked += 2 * self.files as u64 * n;
                }
            }
        }
        if tracked > MAX_TRACKED {
            return Err(SimError::Invalid(format!(
                "{tracked} chunks to track per run (at most {MAX_TRACKED}): fewer files or a \
                 smaller --max-simulated-chunks"
            )));
        }
        Ok(())
    }

    fn probes(&self) -> usize {
        (1usize << self.radius().min(30)).min(MAX_PROBES)
    }
}

/// Files tracked chunk by chunk, and how many were still retrievable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Simulated {
    /// Files tracked.
    pub files: u64,
    /// Of those, retrievable at the end (with repair: at every repair too).
    pub retrievable: u64,
}

impl Simulated {
    /// The retrievable fraction.
    pub fn fraction(&self) -> f64 {
        self.retrievable as f64 / self.files as f64
    }
}

/// One figure: a size at a level, with or without repair.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// File size in bytes.
    pub size: u64,
    /// Redundancy level.
    #[serde(serialize_with = "serialize_level")]
    pub level: Level,
    /// Stored chunks, root replicas included.
    pub chunks: u64,
    /// Whether the file was repaired periodically.
    pub repair: bool,
    /// Probability of being retrievable at the end, from the probes and the durability model.
    pub model: f64,
    /// `1 − model`, computed without cancellation (so that tiny failure probabilities keep their
    /// value).
    pub model_failure: f64,
    /// Files tracked chunk by chunk (small files only).
    pub simulated: Option<Simulated>,
}

/// The figures of one churn rate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    /// Node half-life in days.
    pub half_life_days: f64,
    /// Mean departures (and joins) per run.
    pub departures_per_run: f64,
    /// Mean fraction of chunks lost by the end without repair (the model's `p`).
    pub chunk_loss_without_repair: f64,
    /// Mean fraction of chunks lost within one repair interval.
    pub chunk_loss_per_repair_interval: f64,
    /// The figures.
    pub rows: Vec<Row>,
}

/// Everything a simulation found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// What was simulated.
    pub config: Config,
    /// The storage radius.
    pub radius: u8,
    /// Mean nodes per neighbourhood (`N / 2^radius`).
    pub nodes_per_neighbourhood: f64,
    /// One per half-life.
    pub scenarios: Vec<Scenario>,
}

/// One file tracked in a run.
struct Tracked {
    row: usize,
    file: SimFile,
    alive: bool,
}

/// Runs the whole configuration; `progress` is told each finished run (scenario, run).
pub fn simulate(
    config: &Config,
    mut progress: impl FnMut(usize, usize),
) -> Result<Figures, SimError> {
    config.check()?;
    let radius = config.radius();
    let mut scenarios = Vec::new();
    for (s, half_life) in config.half_lives_days.iter().enumerate() {
        scenarios.push(scenario(config, radius, s, *half_life, &mut progress)?);
    }
    Ok(Figures {
        config: config.clone(),
        radius,
        nodes_per_neighbourhood: config.nodes as f64 / 2f64.powi(i32::from(radius)),
        scenarios,
    })
}

/// Pushes one probe chunk per neighbourhood (or [`MAX_PROBES`] uniform ones).
fn probes(net: &mut Network, count: usize, radius: u8, rng: &mut SplitMix64) -> Vec<ChunkId> {
    (0..count)
        .map(|i| {
            let mut a = Address(rng.bytes32());
            if count == 1usize << radius && radius > 0 {
                let head = u32::from_be_bytes([a.0[0], a.0[1], a.0[2], a.0[3]]);
                let head = ((i as u32) << (32 - u32::from(radius))) | (head & (u32::MAX >> radius));
                a.0[..4].copy_from_slice(&head.to_be_bytes());
            }
            net.track(a)
        })
        .collect()
}

fn lost_fraction(net: &Network, probes: &[ChunkId]) -> f64 {
    probes.iter().filter(|c| !net.present(**c)).count() as f64 / probes.len() as f64
}

fn scenario(
    config: &Config,
    radius: u8,
    index: usize,
    half_life_days: f64,
    progress: &mut impl FnMut(usize, usize),
) -> Result<Scenario, SimError> {
    let params = NetworkParams {
        nodes: config.nodes,
        radius,
        replication: config.replication,
        departure_rate: std::f64::consts::LN_2 / (half_life_days * DAY),
        sync_hours: config.sync_hours,
        join: config.join,
    };
    let mut rows = Vec::new();
    for &size in &config.sizes {
        for &level in &config.levels {
            let chunks = chunk_count(size, level)?;
            tree_shape(size, level, false)?;
            for repair in [false, true] {
                rows.push(Row {
                    size,
                    level,
                    chunks,
                    repair,
                    model: 0.0,
                    model_failure: 0.0,
                    simulated: (chunks <= config.max_simulated_chunks)
                        .then_some(Simulated::default()),
                });
            }
        }
    }
    let end = config.days * DAY;
    let ticks = (end / config.repair_hours).ceil() as usize;
    let mut cache: HashMap<(u64, u8, u64), f64> = HashMap::new();
    let mut model = |size: u64, level: Level, p: f64| -> Result<f64, SimError> {
        let key = (size, level.as_u8(), p.to_bits());
        if let Some(v) = cache.get(&key) {
            return Ok(*v);
        }
        let v = durability(size, level, false, p)?.failure_probability;
        cache.insert(key, v);
        Ok(v)
    };
    let (mut departures, mut loss_end, mut loss_interval) = (0.0, 0.0, 0.0);
    for run in 0..config.runs {
        let seed = config
            .seed
            .wrapping_add((index as u64) << 32)
            .wrapping_add(run as u64);
        let mut net = Network::new(params.clone(), seed)?;
        let mut rng = SplitMix64::derive(seed, 0x6669_6c65);
        let count = config.probes();
        let keep = probes(&mut net, count, radius, &mut rng);
        let repaired = probes(&mut net, count, radius, &mut rng);
        let mut files = Vec::new();
        for (row, r) in rows.iter().enumerate() {
            if r.simulated.is_some() {
                for _ in 0..config.files {
                    let file = SimFile::upload(&mut net, r.size, r.level, &mut rng)?;
                    files.push(Tracked {
                        row,
                        file,
                        alive: true,
                    });
                }
            }
        }
        // ln of the model's survival with repair, per row.
        let mut ln_survival = vec![0.0f64; rows.len()];
        for tick in 1..=ticks {
            net.advance_to((tick as f64 * config.repair_hours).min(end));
            let p = lost_fraction(&net, &repaired);
            loss_interval += p / (ticks * config.runs) as f64;
            for (row, r) in rows.iter().enumerate().filter(|(_, r)| r.repair) {
                ln_survival[row] += (-model(r.size, r.level, p)?).ln_1p();
            }
            for c in &repaired {
                net.restore(*c);
            }
            for t in files.iter_mut().filter(|t| rows[t.row].repair && t.alive) {
                t.alive = t.file.retrievable(&net);
                if t.alive {
                    t.file.repair(&mut net);
                }
            }
        }
        let p_end = lost_fraction(&net, &keep);
        loss_end += p_end / config.runs as f64;
        departures += net.stats().departures as f64 / config.runs as f64;
        for (row, r) in rows.iter_mut().enumerate() {
            let failure = if r.repair {
                -ln_survival[row].exp_m1()
            } else {
                model(r.size, r.level, p_end)?
            };
            r.model_failure += failure / config.runs as f64;
            r.model = 1.0 - r.model_failure;
        }
        for t in files {
            let alive = if rows[t.row].repair {
                t.alive
            } else {
                t.file.retrievable(&net)
            };
            if let Some(s) = rows[t.row].simulated.as_mut() {
                s.files += 1;
                s.retrievable += u64::from(alive);
            }
        }
        progress(index, run);
    }
    Ok(Scenario {
        half_life_days,
        departures_per_run: departures,
        chunk_loss_without_repair: loss_end,
        chunk_loss_per_repair_interval: loss_interval,
        rows,
    })
}

fn size_text(size: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if size >= unit && size.is_multiple_of(unit) {
            return format!("{} {name}", size / unit);
        }
    }
    format!("{size} B")
}

/// A failure probability: 0, scientific when small, else four decimals.
fn probability(p: f64) -> String {
    if p == 0.0 {
        "0".to_string()
    } else if p < 1e-3 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(
            f,
            "{} nodes, storage radius {} ({:.2} nodes per neighbourhood), replication {}, \
             sync {} h, joins {:?}, {} days, repair every {} h, {} runs, seed {}",
            c.nodes,
            self.radius,
            self.nodes_per_neighbourhood,
            c.replication,
            c.sync_hours,
            c.join,
            c.days,
            c.repair_hours,
            c.runs,
            c.seed
        )?;
        for s in &self.scenarios {
            writeln!(
                f,
                "\nnode half-life {} days: {:.0} departures per run; chunks lost: {:.3e} without \
                 repair, {:.3e} per repair interval",
                s.half_life_days,
                s.departures_per_run,
                s.chunk_loss_without_repair,
                s.chunk_loss_per_repair_interval
            )?;
            writeln!(
                f,
                "{:>9} {:>5} {:>9}  {:>12} {:>14}  {:>12} {:>14}",
                "size", "level", "chunks", "P(lost)", "simulated", "P(lost) rep.", "simulated rep."
            )?;
            for pair in s.rows.chunks(2) {
                let [plain, repaired] = pair else { continue };
                let sim = |r: &Row| {
                    r.simulated.map_or_else(
                        || "-".to_string(),
                        |s| format!("{}/{}", s.files - s.retrievable, s.files),
                    )
                };
                writeln!(
                    f,
                    "{:>9} {:>5} {:>9}  {:>12} {:>14}  {:>12} {:>14}",
                    size_text(plain.size),
                    plain.level.as_u8(),
                    plain.chunks,
                    probability(plain.model_failure),
                    sim(plain),
                    probability(repaired.model_failure),
                    sim(repaired)
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Config {
        Config {
            nodes: 256,
            reserve_capacity: 1 << 10,
            network_chunks: 1 << 16,
            half_lives_days: vec![30.0],
            days: 20.0,
            repair_hours: 24.0,
            sizes: vec![4096 * 20, 1 << 20],
            levels: vec![Level::None, Level::Medium],
            runs: 2,
            files: 3,
            max_simulated_chunks: 1000,
            ..Config::default()
        }
    }

    #[test]
    fn without_churn_every_file_survives() {
        let config = Config {
            half_lives_days: vec![1e12],
            ..small()
        };
        let figures = simulate(&config, |_, _| {}).unwrap();
        assert_eq!(figures.radius, 6);
        for row in &figures.scenarios[0].rows {
            assert_eq!(row.model, 1.0, "{row:?}");
            let s = row.simulated.unwrap();
            assert_eq!((s.files, s.retrievable), (6, 6));
        }
        assert_eq!(figures.scenarios[0].chunk_loss_without_repair, 0.0);
    }

    #[test]
    fn the_same_seed_gives_the_same_figures() {
        let a = simulate(&small(), |_, _| {}).unwrap();
        let b = simulate(&small(), |_, _| {}).unwrap();
        assert_eq!(a, b);
        let c = simulate(&Config { seed: 2, ..small() }, |_, _| {}).unwrap();
        assert_ne!(a.scenarios, c.scenarios);
    }

    #[test]
    fn heavy_churn_loses_files_and_repair_helps() {
        // Half-life of 2 days, 2 nodes per neighbourhood, a day to sync: chunks get lost.
        let config = Config {
            half_lives_days: vec![2.0],
            sync_hours: 24.0,
            reserve_capacity: 1 << 9,
            files: 10,
            ..small()
        };
        let f = simulate(&config, |_, _| {}).unwrap();
        let s = &f.scenarios[0];
        assert!(s.chunk_loss_without_repair > 0.0);
        let model = |level: Level, repair: bool| {
            s.rows
                .iter()
                .find(|r| r.level == level && r.repair == repair && r.size == 1 << 20)
                .unwrap()
                .model
        };
        assert!(model(Level::None, false) < 0.5);
        assert!(model(Level::Medium, false) <= model(Level::Medium, true));
    }

    #[test]
    fn bad_configurations_are_refused_with_reasons() {
        let bad = |c: Config, want: &str| {
            let e = simulate(&c, |_, _| {}).unwrap_err().to_string();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
        };
        bad(
            Config {
                days: -1.0,
                ..small()
            },
            "days",
        );
        bad(Config { runs: 0, ..small() }, "runs");
        bad(
            Config {
                half_lives_days: vec![f64::NAN],
                ..small()
            },
            "half-life",
        );
        bad(
            Config {
                nodes: 0,
                ..small()
            },
            "nodes",
        );
        bad(
            Config {
                files: 1_000_000,
                max_simulated_chunks: u64::MAX,
                ..small()
            },
            "chunks to track",
        );
        bad(
            Config {
                sizes: vec![u64::MAX],
                ..small()
            },
            "",
        );
    }
}
