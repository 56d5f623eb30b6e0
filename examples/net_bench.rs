//! Loopback cluster benchmark: upload and download throughput, and download time with 0 % and 25 %
//! of the nodes down, `data` against `race`.
//!
//! ```sh
//! cargo run --release --example net_bench -- [NODES] [MEGABYTES] [LEVEL]   # default 12 8 insane
//! ```
//!
//! Every node runs in this process on 127.0.0.1 with its own temporary redb store; replication 2.
//! Downloads go through the last node without caching, so each run fetches every chunk over the network.

use std::sync::Arc;
use std::time::{Duration, Instant};

use swarmec::file::splitter::{split_bytes, StoreSink};
use swarmec::file::{JoinOptions, Joiner, SplitOptions, Strategy};
use swarmec::net::pushsync::{PostageCheck, Stamper};
use swarmec::net::{identity, NetworkStore, Node, NodeConfig};
use swarmec::redundancy::Level;
use swarmec::reference::Reference;
use swarmec::stamps::{BatchStamper, NodeStamps, Postage};
use swarmec::store::SlotStore;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let nodes: usize = args
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12)
        .max(4);
    let megabytes: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(8);
    let level: Level = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(Level::Insane);
    if let Err(e) = run(nodes, megabytes, level) {
        eprintln!("net_bench: {e}");
        std::process::exit(1);
    }
}

type Error = Box<dyn std::error::Error>;
type Member = (Node, Arc<SlotStore>);

/// A non-caching network store over member `i`, stamping with `stamper`.
fn net(
    members: &[Option<Member>],
    rt: &tokio::runtime::Runtime,
    i: usize,
    stamper: &Arc<dyn Stamper>,
) -> Result<NetworkStore, Error> {
    let (node, store) = members
        .get(i)
        .and_then(Option::as_ref)
        .ok_or("node is down")?;
    Ok(
        NetworkStore::new(store.clone(), node.client(), rt.handle().clone(), false)
            .with_stamper(stamper.clone()),
    )
}

/// A batch of 2^24 chunks of an uploader of its own, and its stamper.
fn uploader(dir: &std::path::Path) -> Result<Arc<dyn Stamper>, Error> {
    let key = identity::load_or_create_overlay(dir)?.key;
    let postage = Postage::open(dir, key)?;
    let batch = postage.create(24, 1, false, None)?;
    Ok(Arc::new(BatchStamper::new(&postage, &batch.batch.id)?))
}

fn run(n: usize, megabytes: usize, level: Level) -> Result<(), Error> {
    let rt = swarmec::net::runtime()?;
    let mut dirs = Vec::new();
    let mut members: Vec<Option<Member>> = Vec::new();
    for _ in 0..n {
        let dir = tempfile::tempdir()?;
        let store = Arc::new(SlotStore::open(dir.path())?);
        let key = identity::load_or_create_key(dir.path())?;
        let overlay = identity::load_or_create_overlay(dir.path())?;
        let check = NodeStamps::open(dir.path(), overlay.key.clone())?;
        let bootstrap = match &members.first() {
            Some(Some((first, _))) => vec![first.listen_addrs()[0].clone()],
            _ => Vec::new(),
        };
        let config = NodeConfig {
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse()?],
            bootstrap,
            bootstrap_interval: Duration::from_millis(500),
            postage: Some(PostageCheck(Arc::new(check))),
            overlay: Some(overlay),
            ..NodeConfig::default()
        };
        let node = rt.block_on(Node::start(key, store.clone(), config))?;
        members.push(Some((node, store)));
        dirs.push(dir);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while members
        .iter()
        .flatten()
        .any(|(node, _)| node.client().peers().len() < n - 1)
    {
        if Instant::now() > deadline {
            return Err("nodes did not discover each other within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let data: Vec<u8> = (0..megabytes << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let uploader_dir = tempfile::tempdir()?;
    let stamper = uploader(uploader_dir.path())?;
    let mb = data.len() as f64 / 1e6;
    println!("{n} nodes, replication 2, {mb:.1} MB at level {level}");
    println!();
    println!("| operation | nodes down | strategy | time | throughput |");
    println!("|---|---|---|---|---|");

    let options = SplitOptions {
        level,
        encrypt: false,
    };
    let start = Instant::now();
    let summary = split_bytes(
        &data,
        &mut StoreSink(&net(&members, &rt, 0, &stamper)?),
        options,
        None,
    )?;
    let t = start.elapsed();
    println!(
        "| upload ({} chunks) | 0 % | - | {:.2} s | {:.1} MB/s |",
        summary.chunks,
        t.as_secs_f64(),
        mb / t.as_secs_f64()
    );

    let download = |store: &NetworkStore, strategy: Strategy| -> Result<Duration, Error> {
        let options = JoinOptions {
            strategy,
            write_back: false,
            ..JoinOptions::default()
        };
        let start = Instant::now();
        let reference: &Reference = &summary.reference;
        let joiner = Joiner::open(store, reference, options)?;
        let mut out = Vec::with_capacity(data.len());
        joiner.read_all(&mut out)?;
        if out != data {
            return Err("downloaded bytes differ".into());
        }
        Ok(start.elapsed())
    };
    let report = |down: &str, strategy: Strategy, r: Result<Duration, Error>| match r {
        Ok(t) => println!(
            "| download | {down} | {strategy} | {:.2} s | {:.1} MB/s |",
            t.as_secs_f64(),
            mb / t.as_secs_f64()
        ),
        Err(e) => println!("| download | {down} | {strategy} | failed: {e} | - |"),
    };
    let last = n - 1;
    for strategy in [Strategy::Data, Strategy::Race] {
        report(
            "0 %",
            strategy,
            download(&net(&members, &rt, last, &stamper)?, strategy),
        );
    }
    // Take down a quarter of the nodes, never the uploader or the downloader.
    let down = n / 4;
    for member in members.iter_mut().skip(1).take(down) {
        if let Some((node, _)) = member.take() {
            rt.block_on(node.shutdown())?;
        }
    }
    let label = format!("{down} of {n}");
    for strategy in [Strategy::Data, Strategy::Race] {
        report(
            &label,
            strategy,
            download(&net(&members, &rt, last, &stamper)?, strategy),
        );
    }
    for (node, _) in members.into_iter().flatten() {
        rt.block_on(node.shutdown())?;
    }
    Ok(())
}
