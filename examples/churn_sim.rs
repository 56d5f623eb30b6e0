//! Churn simulation (issue 13 §4): the probability that a file is still retrievable after simulated
//! days of nodes leaving and joining, per size and redundancy level, without and with periodic
//! repair. The model, its assumptions and the published figures are in `docs/DURABILITY.md`.
//!
//! ```sh
//! cargo run --release --example churn_sim                 # the published figures (table)
//! cargo run --release --example churn_sim -- --json       # the same as JSON
//! cargo run --release --example churn_sim -- --help       # every parameter
//! ```
//!
//! Deterministic for given arguments (`--seed`).

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use swarmec::sim::network::JoinRule;
use swarmec::sim::{simulate, Config};
use swarmec::Level;

#[derive(Clone, Copy, ValueEnum)]
enum Join {
    Uniform,
    Balanced,
}

/// Defaults are the published figures' (`swarmec::sim::Config::default`).
#[derive(Parser)]
#[command(about = "Simulates churn over a Swarm network and reports file retrievability")]
struct Args {
    /// Nodes in the network (kept constant).
    #[arg(long)]
    nodes: Option<usize>,
    /// A node's reserve in chunks.
    #[arg(long)]
    reserve: Option<u64>,
    /// Chunks stamped in the whole network (with --reserve, sets the storage radius).
    #[arg(long)]
    network_chunks: Option<u64>,
    /// Pushsync replication.
    #[arg(long)]
    replication: Option<usize>,
    /// Node half-lives in days, comma-separated (one scenario each).
    #[arg(long, value_delimiter = ',')]
    half_lives: Option<Vec<f64>>,
    /// Hours a joining node takes to pull its neighbourhood.
    #[arg(long)]
    sync_hours: Option<f64>,
    /// How joining nodes choose their overlay.
    #[arg(long, value_enum)]
    join: Option<Join>,
    /// Simulated days.
    #[arg(long)]
    days: Option<f64>,
    /// Hours between repairs.
    #[arg(long)]
    repair_hours: Option<f64>,
    /// File sizes in bytes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    sizes: Option<Vec<u64>>,
    /// Levels 0-4 (or names), comma-separated.
    #[arg(long, value_delimiter = ',')]
    levels: Option<Vec<Level>>,
    /// Independent networks per half-life.
    #[arg(long)]
    runs: Option<usize>,
    /// Files tracked chunk by chunk per size, level, mode and run.
    #[arg(long)]
    files: Option<usize>,
    /// Files with more chunks get the model figure only.
    #[arg(long)]
    max_simulated_chunks: Option<u64>,
    /// Seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let d = Config::default();
    let config = Config {
        nodes: a.nodes.unwrap_or(d.nodes),
        reserve_capacity: a.reserve.unwrap_or(d.reserve_capacity),
        network_chunks: a.network_chunks.unwrap_or(d.network_chunks),
        replication: a.replication.unwrap_or(d.replication),
        half_lives_days: a.half_lives.unwrap_or(d.half_lives_days),
        sync_hours: a.sync_hours.unwrap_or(d.sync_hours),
        join: match a.join {
            None => d.join,
            Some(Join::Uniform) => JoinRule::Uniform,
            Some(Join::Balanced) => JoinRule::Balanced,
        },
        days: a.days.unwrap_or(d.days),
        repair_hours: a.repair_hours.unwrap_or(d.repair_hours),
        sizes: a.sizes.unwrap_or(d.sizes),
        levels: a.levels.unwrap_or(d.levels),
        runs: a.runs.unwrap_or(d.runs),
        files: a.files.unwrap_or(d.files),
        max_simulated_chunks: a.max_simulated_chunks.unwrap_or(d.max_simulated_chunks),
        seed: a.seed.unwrap_or(d.seed),
    };
    let started = Instant::now();
    let runs = config.runs;
    let result = simulate(&config, |scenario, run| {
        eprintln!(
            "half-life #{} run {}/{runs} done ({:.0} s)",
            scenario + 1,
            run + 1,
            started.elapsed().as_secs_f64()
        );
    });
    match result {
        Ok(figures) => {
            if a.json {
                match serde_json::to_string_pretty(&figures) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("churn_sim: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                println!("{figures}");
            }
            eprintln!("{:.1} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("churn_sim: {e}");
            ExitCode::FAILURE
        }
    }
}
