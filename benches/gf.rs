//! GF(2^8) Reed-Solomon throughput on full 4104-byte shards, `reed-solomon-erasure` against
//! `swarmec::redundancy::codec` with every kernel this CPU supports, single-threaded, plus the
//! two-thread column split of `codec::encode` (what the splitter calls). Groups: the full-chunk group of each plain level. Decoding loses
//! as many data shards as the parities allow. Throughput counts data bytes (data shards × 4104).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use reed_solomon_erasure::galois_8::ReedSolomon;
use std::time::Duration;
use swarmec::redundancy::codec::{self, Kernel, Options};
use swarmec::redundancy::table::{max_shards, parities};
use swarmec::redundancy::{Level, SHARD_SIZE};

fn data_shards(k: usize) -> Vec<Vec<u8>> {
    (0..k)
        .map(|i| (0..SHARD_SIZE).map(|j| (i * 31 + j * 7) as u8).collect())
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("gf");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for level in [Level::Medium, Level::Strong, Level::Insane, Level::Paranoid] {
        let k = max_shards(level, false);
        let p = parities(level, false, k);
        let name = format!("{level}/{k}+{p}");
        let data = data_shards(k);
        let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        let rs = ReedSolomon::new(k, p).unwrap();
        group.throughput(Throughput::Bytes((k * SHARD_SIZE) as u64));

        group.bench_function(format!("encode/{name}/crate"), |b| {
            b.iter(|| {
                let mut out = vec![vec![0u8; SHARD_SIZE]; p];
                rs.encode_sep(&refs, &mut out).unwrap();
                out
            })
        });
        for kernel in Kernel::available() {
            let o = Options {
                kernel,
                parallel: false,
            };
            group.bench_function(format!("encode/{name}/{}", kernel.kind().name()), |b| {
                b.iter(|| codec::encode_with(o, &refs, p).unwrap())
            });
        }
        group.bench_function(format!("encode/{name}/codec-2threads"), |b| {
            b.iter(|| codec::encode(&refs, p).unwrap())
        });

        let parity = codec::encode(&refs, p).unwrap();
        let mut damaged: Vec<Option<Vec<u8>>> =
            data.iter().cloned().chain(parity).map(Some).collect();
        for s in damaged.iter_mut().take(p.min(k)) {
            *s = None;
        }
        group.bench_function(format!("decode/{name}/crate"), |b| {
            b.iter_batched(
                || damaged.clone(),
                |mut s| rs.reconstruct_data(&mut s).unwrap(),
                BatchSize::LargeInput,
            )
        });
        for kernel in Kernel::available() {
            let o = Options {
                kernel,
                parallel: false,
            };
            group.bench_function(format!("decode/{name}/{}", kernel.kind().name()), |b| {
                b.iter_batched(
                    || damaged.clone(),
                    |mut s| codec::reconstruct_data_with(o, &mut s, k).unwrap(),
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
