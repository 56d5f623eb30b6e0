//! Download throughput with no loss and with the maximal recoverable loss (issue 3).
//!
//! `cargo run --release --example bench_download -- [SIZE_MIB] [LEVEL...]` (default 256 MiB, levels 1–4;
//! at level 0 only the loss-free read).
//! For each level: split SIZE MiB of non-repeating data into the embedded redb store in a temporary
//! directory, read it back whole, then remove, from every intermediate chunk, as many data children
//! as it has parities (the worst case: every loss needs decoding) plus the root, and read again with
//! the `race` strategy without write-back. Prints MB/s (the loss-free read is the median of three)
//! and the ratio of the two.

use std::time::Instant;

use swarmec::file::inspect::inspect;
use swarmec::file::splitter::with_background_writer;
use swarmec::file::{split_reader, JoinOptions, Joiner, SplitOptions, Strategy};
use swarmec::store::{ChunkStore, SlotStore};
use swarmec::{Address, Level};

/// Non-repeating pseudo-random bytes from splitmix64, cheap enough not to slow the upload down.
struct Data {
    left: u64,
    state: u64,
}

impl std::io::Read for Data {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for word in buf[..n].chunks_mut(8) {
            self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            word.copy_from_slice(&z.to_le_bytes()[..word.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mib: u64 = args.first().map(|s| s.parse()).transpose()?.unwrap_or(256);
    let levels: Vec<Level> = if args.len() > 1 {
        args[1..]
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()?
    } else {
        Level::ALL[1..].to_vec()
    };
    let size = mib << 20;
    println!("| level | size MiB | upload MB/s | download MB/s (no loss) | download MB/s (max loss) | ratio | chunks lost |");
    println!("|---|---|---|---|---|---|---|");
    for level in levels {
        let dir = tempfile::tempdir()?;
        let store = SlotStore::open(dir.path())?;
        let data = Data {
            left: size,
            state: u64::from(level.as_u8()),
        };
        let t = Instant::now();
        let options = SplitOptions {
            level,
            encrypt: false,
        };
        // As `swarmec upload` writes: on a writer thread of its own.
        let summary =
            with_background_writer(&store, |sink| split_reader(data, sink, options, None))?;
        store.sync()?;
        let upload = size as f64 / t.elapsed().as_secs_f64() / 1e6;

        let read = |options: JoinOptions| -> Result<f64, Box<dyn std::error::Error>> {
            let t = Instant::now();
            let j = Joiner::open(&store, &summary.reference, options)?;
            let n = j.read_all(&mut std::io::sink())?;
            assert_eq!(n, size);
            Ok(size as f64 / t.elapsed().as_secs_f64() / 1e6)
        };
        // Median of three reads: single reads of the embedded store vary by tens of percent.
        let mut runs = [0.0; 3];
        for r in &mut runs {
            *r = read(JoinOptions::default())?;
        }
        runs.sort_by(f64::total_cmp);
        let clean = runs[1];

        if level == Level::None {
            // Nothing can be lost and recovered without parities.
            println!("| {level} | {mib} | {upload:.1} | {clean:.1} | – | – | 0 |");
            continue;
        }
        let report = inspect(&store, &summary.reference, JoinOptions::default())?;
        let mut lost = vec![summary.reference.address];
        for node in &report.nodes {
            let k = node.parity.len().min(node.data.len());
            lost.extend(
                node.data[..k]
                    .iter()
                    .map(|h| Address::from_hex(h))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        for a in &lost {
            store.remove(a)?;
        }
        let damaged = read(JoinOptions {
            strategy: Strategy::Race,
            write_back: false,
            ..JoinOptions::default()
        })?;
        println!(
            "| {level} | {mib} | {upload:.1} | {clean:.1} | {damaged:.1} | {:.2} | {} |",
            damaged / clean,
            lost.len()
        );
    }
    Ok(())
}
