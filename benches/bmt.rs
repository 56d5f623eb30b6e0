//! BMT of full 4096-byte chunks — reference vs tiny-keccak vs the lockstep hasher on every kernel
//! this CPU has — and raw Keccak-f[1600] throughput per kernel.
//!
//! Throughput is in decimal MB/s of chunk payload. For the permutation group one permutation
//! counts as 4096 / 128 = 32 payload bytes (a BMT address costs 128 permutations per 4 KiB), so
//! its figure is the per-core BMT bound of that kernel; the 8-lane one is the "per-core 8-lane BMT
//! bound" the other benchmarks are judged against.
//!
//! bee's encryption keystream per kernel (`keystream_chunk`).
//!
//! Run briefly: `cargo bench --bench bmt` (about 30 s).

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use swarmec::bmt::{self, lanes, reference};
use swarmec::keccak_lanes::{available_kernels, keystream_with, permute_batch_with};

/// Chunks per batch.
const BATCH: usize = 64;
/// Stored chunk: 8-byte span and a full payload.
const STORED: usize = 8 + bmt::CHUNK_SIZE;
/// Payload bytes a BMT address covers per Keccak-f[1600] permutation.
const BYTES_PER_PERM: u64 = (bmt::CHUNK_SIZE / 128) as u64;
/// Permutations per state per measured call, so that loading and storing the states is noise.
const PERMS_PER_CALL: u32 = 64;

fn chunks() -> Vec<Vec<u8>> {
    (0..BATCH)
        .map(|c| {
            let mut d: Vec<u8> = (0..STORED)
                .map(|i| {
                    (i as u32)
                        .wrapping_mul(2_654_435_761)
                        .wrapping_add(c as u32) as u8
                })
                .collect();
            d[..8].copy_from_slice(&(bmt::CHUNK_SIZE as u64).to_le_bytes());
            d
        })
        .collect()
}

fn bench_bmt(c: &mut Criterion) {
    let data = chunks();
    let mut g = c.benchmark_group("bmt_full_chunks");
    g.throughput(Throughput::BytesDecimal((BATCH * bmt::CHUNK_SIZE) as u64));
    g.bench_function("reference", |b| {
        b.iter(|| {
            data.iter()
                .map(|d| {
                    let mut span = [0u8; 8];
                    span.copy_from_slice(&d[..8]);
                    reference::address(&span, &d[8..])
                })
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("tiny-keccak (bmt::data_address_scalar)", |b| {
        b.iter(|| {
            data.iter()
                .map(|d| bmt::data_address_scalar(d))
                .collect::<Vec<_>>()
        })
    });
    for k in available_kernels() {
        g.bench_with_input(BenchmarkId::new("lanes", k.name()), &data, |b, data| {
            b.iter(|| lanes::addresses_batch_with(k, black_box(data)))
        });
    }
    // What the splitter calls: the batch split over every core, each part on the active kernel.
    g.bench_function("bmt::addresses (all cores)", |b| {
        b.iter(|| bmt::addresses(black_box(&data)))
    });
    // One chunk per call: the lanes run across the pairs of a single tree.
    g.bench_function("lanes/lone-chunk/active", |b| {
        b.iter(|| {
            data.iter()
                .map(|d| lanes::addresses_batch(std::slice::from_ref(d)))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

fn bench_permutation(c: &mut Criterion) {
    let mut g = c.benchmark_group("keccak_f1600_bmt_bound");
    for k in available_kernels() {
        let n = k.lanes();
        g.throughput(Throughput::BytesDecimal(
            n as u64 * u64::from(PERMS_PER_CALL) * BYTES_PER_PERM,
        ));
        let mut states = vec![[0x0123_4567_89ab_cdefu64; 25]; n];
        g.bench_function(k.name(), |b| {
            b.iter(|| permute_batch_with(k, black_box(&mut states), PERMS_PER_CALL))
        });
    }
    g.finish();
}

/// bee's keystream for one chunk's payload (128 blocks, 256 permutations) on every kernel;
/// throughput in payload bytes encrypted.
fn bench_keystream(c: &mut Criterion) {
    let mut g = c.benchmark_group("keystream_chunk");
    g.throughput(Throughput::BytesDecimal(bmt::CHUNK_SIZE as u64));
    let key = [0x5au8; 32];
    let mut out = vec![[0u8; 32]; bmt::CHUNK_SIZE / 32];
    for k in available_kernels() {
        g.bench_function(k.name(), |b| {
            b.iter(|| keystream_with(k, black_box(&key), 0, &mut out))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench_permutation, bench_keystream, bench_bmt
}
criterion_main!(benches);
