//! Reed-Solomon throughput on full 4104-byte shards: encoding a group and recovering it with as many
//! data shards missing as the parities allow. Groups: the full-chunk group of every level, plain and
//! encrypted, plus two small ones. Throughput counts data bytes (data shards × 4104).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::time::Duration;
use swarmec::redundancy::codec::{encode, reconstruct_data, SHARD_SIZE};
use swarmec::redundancy::table::{max_shards, parities};
use swarmec::redundancy::Level;

fn groups() -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for encrypted in [false, true] {
        for level in [Level::Medium, Level::Strong, Level::Insane, Level::Paranoid] {
            let k = max_shards(level, encrypted);
            let kind = if encrypted { "enc" } else { "plain" };
            out.push((format!("{level}-{kind}"), k, parities(level, encrypted, k)));
        }
    }
    for (level, k) in [(Level::Medium, 2), (Level::Strong, 16)] {
        out.push((format!("{level}-plain"), k, parities(level, false, k)));
    }
    out
}

fn data_shards(k: usize) -> Vec<Vec<u8>> {
    (0..k)
        .map(|i| (0..SHARD_SIZE).map(|j| (i * 31 + j * 7) as u8).collect())
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("rs");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, k, p) in groups() {
        let data = data_shards(k);
        let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        group.throughput(Throughput::Bytes((k * SHARD_SIZE) as u64));
        group.bench_function(format!("encode/{name}/{k}+{p}"), |b| {
            b.iter(|| encode(&refs, p).unwrap())
        });
        let parity = encode(&refs, p).unwrap();
        let full: Vec<Option<Vec<u8>>> = data.iter().cloned().chain(parity).map(Some).collect();
        let mut damaged = full.clone();
        for s in damaged.iter_mut().take(p.min(k)) {
            *s = None;
        }
        group.bench_function(format!("decode/{name}/{k}+{p}"), |b| {
            b.iter_batched_ref(
                || damaged.clone(),
                |shards| reconstruct_data(shards, k).unwrap(),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
