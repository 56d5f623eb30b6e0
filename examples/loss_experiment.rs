//! Loss-tolerance experiment (issue 3, item 7): how often does a full 128-chunk Reed-Solomon group
//! become unrecoverable when every stored chunk is lost independently at the level's design loss rate
//! (medium 1 %, strong 5 %, insane 10 %, paranoid 50 %)? The documentation promises at most 10^-6.
//!
//! For each level, real trees are built by the splitter into an in-memory store: files of
//! `groups-per-tree` × k data chunks, i.e. that many full groups of k data + (128 − k) parity chunks and
//! one root group over them, plus the root's replicas. Their group structure is read back with
//! `inspect`. Each trial takes one of those trees and deletes every one of its stored chunks
//! independently with probability P; a group is unrecoverable when it lost more chunks than it has
//! parities, the file when any group is or when the root and all its replicas are lost. Loss patterns are
//! sampled exactly (per-chunk Bernoulli draws; at P = 0.5 one random bit per chunk; at P ≤ 5 % by
//! geometric gaps between lost chunks, which is the same distribution, only faster).
//!
//! The counting rule is then checked against the real joiner: every trial in which a group failed (up
//! to `--verify-failed`) and `--verify` other trials are replayed by removing exactly those chunks from a
//! copy of the store and reading the file with strategy race, fallback on, no write-back.
//!
//! Usage: `cargo run --release --example loss_experiment -- [--trees N] [--groups-per-tree G]
//! [--seed S] [--verify M] [--verify-failed F] [--levels medium,strong,insane,paranoid]`
//!
//! `--trees` is the number of trials per level (default 12 500 000, i.e. 10^8 full groups per level
//! with the default 8 groups per tree). The output is deterministic for given arguments.

use std::error::Error;
use std::time::Instant;

use swarmec::durability::{durability, group_failure_ln, DESIGN_THRESHOLD};
use swarmec::file::inspect::inspect;
use swarmec::file::splitter::StoreSink;
use swarmec::file::{split_bytes, JoinOptions, Joiner, SplitOptions, Strategy};
use swarmec::reference::Reference;
use swarmec::store::{ChunkStore, MemStore};
use swarmec::{Address, Chunk, Level};

#[path = "../tests/it/common/rng.rs"]
mod rng;
use rng::Rng;

/// Distinct trees built per level; trials cycle through them.
const DISTINCT_TREES: usize = 4;

/// How independent Bernoulli(P) losses over `n` chunks are drawn; all three give the same distribution.
#[derive(Clone, Copy)]
enum Sampler {
    /// P = 1/2: one random bit per chunk.
    Bits,
    /// Small P: the gap before the next lost chunk is geometric, `floor(ln U / ln(1 − P))`.
    Geometric { ln_keep: f64 },
    /// Otherwise: one 64-bit draw per chunk, lost when below `P · 2^64`.
    Compare { threshold: u64 },
}

impl Sampler {
    fn new(q: f64) -> Sampler {
        if q == 0.5 {
            Sampler::Bits
        } else if q <= 0.05 {
            Sampler::Geometric {
                ln_keep: (-q).ln_1p(),
            }
        } else {
            Sampler::Compare {
                threshold: (q * 2f64.powi(64)) as u64,
            }
        }
    }

    /// Pushes the indices of the lost chunks among `0..n`, ascending.
    fn sample(self, rng: &mut Rng, n: u32, out: &mut Vec<u32>) {
        out.clear();
        match self {
            Sampler::Bits => {
                let mut base = 0;
                while base < n {
                    let mut w = rng.next();
                    if n - base < 64 {
                        w &= (1u64 << (n - base)) - 1;
                    }
                    while w != 0 {
                        out.push(base + w.trailing_zeros());
                        w &= w - 1;
                    }
                    base += 64;
                }
            }
            Sampler::Geometric { ln_keep } => {
                let mut i = 0u32;
                loop {
                    let gap = (rng.unit().ln() / ln_keep).floor();
                    if gap >= f64::from(n - i) {
                        break;
                    }
                    i += gap as u32;
                    out.push(i);
                    i += 1;
                    if i >= n {
                        break;
                    }
                }
            }
            Sampler::Compare { threshold } => {
                for i in 0..n {
                    if rng.next() < threshold {
                        out.push(i);
                    }
                }
            }
        }
    }
}

/// A group's members are `chunks[start..start + len]`.
struct Group {
    start: u32,
    len: u32,
    parities: u32,
    full: bool,
}

/// A real tree: its store, bytes, and every stored chunk in group order, the root copies last.
struct Tree {
    store: MemStore,
    reference: Reference,
    data: Vec<u8>,
    chunks: Vec<Address>,
    groups: Vec<Group>,
    root_copies: u32,
}

fn build(size: usize, level: Level, seed: u64) -> Result<Tree, Box<dyn Error>> {
    let data = Rng(seed).bytes(size);
    let store = MemStore::new();
    let options = SplitOptions {
        level,
        encrypt: false,
    };
    let summary = split_bytes(&data, &mut StoreSink(&store), options, None)?;
    let report = inspect(&store, &summary.reference, JoinOptions::default())?;
    let k = swarmec::cost::fanout(level, false);
    let mut chunks = Vec::new();
    let mut groups = Vec::new();
    for node in &report.nodes {
        let start = chunks.len() as u32;
        for hex in node.data.iter().chain(&node.parity) {
            chunks.push(Address::from_hex(hex)?);
        }
        groups.push(Group {
            start,
            len: chunks.len() as u32 - start,
            parities: node.parity.len() as u32,
            full: node.data.len() == k,
        });
    }
    chunks.push(summary.reference.address);
    chunks.extend(summary.replicas.iter().copied());
    let stored = store.len();
    if stored != chunks.len() {
        return Err(format!("{stored} chunks stored but {} in groups", chunks.len()).into());
    }
    Ok(Tree {
        store,
        reference: summary.reference,
        data,
        root_copies: 1 + summary.replicas.len() as u32,
        chunks,
        groups,
    })
}

/// What one trial lost.
#[derive(Default)]
struct Outcome {
    full_failed: u32,
    other_failed: u32,
    root_lost: bool,
}

impl Outcome {
    fn file_lost(&self) -> bool {
        self.full_failed > 0 || self.other_failed > 0 || self.root_lost
    }
}

fn judge(tree: &Tree, lost: &[u32]) -> Outcome {
    let mut out = Outcome::default();
    let mut it = lost.iter().peekable();
    for g in &tree.groups {
        let end = g.start + g.len;
        let mut n = 0;
        while it.next_if(|&&i| i < end).is_some() {
            n += 1;
        }
        if n > g.parities {
            if g.full {
                out.full_failed += 1;
            } else {
                out.other_failed += 1;
            }
        }
    }
    out.root_lost = it.count() as u32 == tree.root_copies;
    out
}

/// Removes the lost chunks from a copy of the store and reads the file with the real joiner.
fn replay(tree: &Tree, lost: &[u32]) -> Result<bool, Box<dyn Error>> {
    let store = MemStore::new();
    let mut all = Vec::new();
    tree.store.iterate(&mut |a, d| {
        all.push(Chunk {
            address: *a,
            data: d.to_vec(),
        });
        true
    })?;
    store.put_batch(&all)?;
    for &i in lost {
        let a = tree
            .chunks
            .get(i as usize)
            .ok_or("lost index out of range")?;
        store.remove(a)?;
    }
    let options = JoinOptions {
        strategy: Strategy::Race,
        fallback: true,
        write_back: false,
        ..JoinOptions::default()
    };
    let mut out = Vec::new();
    match Joiner::open(&store, &tree.reference, options).and_then(|j| j.read_all(&mut out)) {
        Ok(_) if out == tree.data => Ok(true),
        Ok(_) => Err("joiner returned wrong bytes".into()),
        Err(_) => Ok(false),
    }
}

/// Wilson score interval, 95 %.
fn wilson(k: u64, n: u64) -> (f64, f64) {
    let z = 1.959_964f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), centre + half)
}

struct Args {
    trees: u64,
    groups_per_tree: usize,
    seed: u64,
    verify: usize,
    verify_failed: usize,
    levels: Vec<Level>,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = Args {
        trees: 12_500_000,
        groups_per_tree: 8,
        seed: 2024,
        verify: 20,
        verify_failed: 10,
        levels: vec![Level::Medium, Level::Strong, Level::Insane, Level::Paranoid],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--trees" => args.trees = value.parse()?,
            "--groups-per-tree" => args.groups_per_tree = value.parse()?,
            "--seed" => args.seed = value.parse()?,
            "--verify" => args.verify = value.parse()?,
            "--verify-failed" => args.verify_failed = value.parse()?,
            "--levels" => {
                args.levels = value
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<Vec<Level>, _>>()?
            }
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    if args.trees == 0 || !(2..=64).contains(&args.groups_per_tree) {
        return Err("--trees must be positive and --groups-per-tree in 2..=64".into());
    }
    Ok(args)
}

struct Row {
    level: Level,
    q: f64,
    k: usize,
    p: usize,
    full_groups: u64,
    full_failed: u64,
    model_group: f64,
    other_groups: u64,
    other_failed: u64,
    files_failed: u64,
    model_file: f64,
    verified: (usize, usize),
    seconds: f64,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    println!(
        "loss experiment: {} trials per level over {DISTINCT_TREES} distinct trees of {} full groups, \
         seed {}",
        args.trees, args.groups_per_tree, args.seed
    );
    let mut rows = Vec::new();
    for (li, &level) in args.levels.iter().enumerate() {
        if level == Level::None {
            return Err("level none has no groups to test".into());
        }
        let q = level.design_loss_rate();
        let k = swarmec::cost::fanout(level, false);
        let p = swarmec::redundancy::table::parities(level, false, k);
        let size = args.groups_per_tree * k * 4096;
        let trees: Vec<Tree> = (0..DISTINCT_TREES)
            .map(|t| build(size, level, args.seed ^ ((li * 16 + t) as u64) << 40))
            .collect::<Result<_, _>>()?;
        let shape = &trees[0];
        let full_per_tree = shape.groups.iter().filter(|g| g.full).count() as u64;
        let other_per_tree = shape.groups.len() as u64 - full_per_tree;
        if full_per_tree != args.groups_per_tree as u64
            || shape.groups.iter().any(|g| g.full && g.len != 128)
        {
            return Err(format!("{level}: tree is not made of full 128-chunk groups").into());
        }
        let n = shape.chunks.len() as u32;
        let sampler = Sampler::new(q);
        let mut rng = Rng(args.seed.wrapping_mul(0x1000_0001) ^ li as u64);
        let mut lost = Vec::with_capacity(n as usize);
        let (mut full_failed, mut other_failed, mut files_failed) = (0u64, 0u64, 0u64);
        // (tree index, lost chunks, rule's verdict) to replay through the joiner.
        let mut to_verify: Vec<(usize, Vec<u32>, bool)> = Vec::new();
        let mut failed_kept = 0;
        let start = Instant::now();
        for t in 0..args.trees {
            let which = (t % DISTINCT_TREES as u64) as usize;
            sampler.sample(&mut rng, n, &mut lost);
            let o = judge(&trees[which], &lost);
            full_failed += u64::from(o.full_failed);
            other_failed += u64::from(o.other_failed);
            if o.file_lost() {
                files_failed += 1;
                if failed_kept < args.verify_failed {
                    failed_kept += 1;
                    to_verify.push((which, lost.clone(), false));
                }
            } else if (t as usize) < args.verify {
                to_verify.push((which, lost.clone(), true));
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        let mut agreed = 0;
        for (which, lost, readable) in &to_verify {
            let tree = trees.get(*which).ok_or("tree index")?;
            if replay(tree, lost)? != *readable {
                return Err(format!(
                    "{level}: the joiner disagrees with the group rule on a trial that lost {} chunks",
                    lost.len()
                )
                .into());
            }
            agreed += 1;
        }
        let model_file = durability(size as u64, level, false, q)?.failure_probability;
        let row = Row {
            level,
            q,
            k,
            p,
            full_groups: args.trees * full_per_tree,
            full_failed,
            model_group: group_failure_ln(k, p, q).exp(),
            other_groups: args.trees * other_per_tree,
            other_failed,
            files_failed,
            model_file,
            verified: (agreed, to_verify.iter().filter(|v| !v.2).count()),
            seconds,
        };
        print_row(&row, args.trees);
        rows.push(row);
    }
    print_table(&rows, args.trees);
    Ok(())
}

fn sci(x: f64) -> String {
    format!("{x:.2e}")
}

fn print_row(r: &Row, trees: u64) {
    let (lo, hi) = wilson(r.full_failed, r.full_groups);
    println!(
        "\n{} (loss {} %, groups of {} data + {} parities): {} trials in {:.1} s",
        r.level,
        r.q * 100.0,
        r.k,
        r.p,
        trees,
        r.seconds
    );
    if r.full_failed == 0 {
        println!(
            "  full groups: 0 of {} unrecoverable; 95 % upper bound 3/N = {}",
            r.full_groups,
            sci(3.0 / r.full_groups as f64)
        );
    } else {
        let expected = r.model_group * r.full_groups as f64;
        println!(
            "  full groups: {} of {} unrecoverable = {} (95 % CI {} – {}); model {} ⇒ {:.1} expected, \
             z = {:+.2}",
            r.full_failed,
            r.full_groups,
            sci(r.full_failed as f64 / r.full_groups as f64),
            sci(lo),
            sci(hi),
            sci(r.model_group),
            expected,
            (r.full_failed as f64 - expected) / expected.sqrt()
        );
    }
    println!(
        "  root groups: {} of {} unrecoverable; files lost: {} of {} (model {:.1} expected)",
        r.other_failed,
        r.other_groups,
        r.files_failed,
        trees,
        r.model_file * trees as f64
    );
    println!(
        "  joiner replay: {} trials agree with the group rule ({} of them unreadable)",
        r.verified.0, r.verified.1
    );
}

fn print_table(rows: &[Row], trees: u64) {
    println!("\nper full 128-chunk group, {trees} trees per level");
    println!(
        "| level | loss | group (data+parity) | groups | unrecoverable | measured rate (95 % CI) | model | \
         promise | joiner checks |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let rate = if r.full_failed == 0 {
            format!("< {} (0 failures, 3/N)", sci(3.0 / r.full_groups as f64))
        } else {
            let (lo, hi) = wilson(r.full_failed, r.full_groups);
            format!(
                "{} ({} – {})",
                sci(r.full_failed as f64 / r.full_groups as f64),
                sci(lo),
                sci(hi)
            )
        };
        let (lo, hi) = wilson(r.full_failed, r.full_groups);
        let verdict = if lo > DESIGN_THRESHOLD {
            "exceeded"
        } else if hi < DESIGN_THRESHOLD
            || (r.full_failed == 0 && 3.0 / (r.full_groups as f64) < DESIGN_THRESHOLD)
        {
            "met"
        } else {
            "not resolved"
        };
        println!(
            "| {} | {} % | {}+{} | {} | {} | {} | {} | 10^-6 {} | {} agree ({} unreadable) |",
            r.level,
            r.q * 100.0,
            r.k,
            r.p,
            r.full_groups,
            r.full_failed,
            rate,
            sci(r.model_group),
            verdict,
            r.verified.0,
            r.verified.1
        );
    }
}
