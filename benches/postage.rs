//! The signatures every pushed chunk costs (docs/BENCHMARKS.md, issue 12): a stamp signed by the
//! uploader, a stamp checked (public-key recovery) at each node that handles the delivery, a receipt
//! signed by the storer and checked by the origin. The bound beside them: one keccak256 of the
//! chunk's 4 KiB, the hashing every hop does anyway. And the reference k256 (RustCrypto), which
//! signed and recovered here before libsecp256k1, on the same prehash: the before beside the after.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use swarmec::address::Address;
use swarmec::identity::OverlayKey;
use swarmec::net::bee::pushsync::{check_receipt, sign_receipt};
use swarmec::postage::{Batch, Stamp, StampIndex};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("postage");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let key = OverlayKey::generate().expect("a key");
    let batch = Batch::new([7; 32], key.eth_address(), 24, true).expect("a batch");
    let chunk = Address(swarmec::keccak::keccak256(b"a chunk address"));
    let index = StampIndex {
        bucket: batch.bucket_of(&chunk),
        slot: 0,
    };
    let stamp = Stamp::sign(&key, &batch, &chunk, index, 1).expect("a stamp");
    let receipt = sign_receipt(&key, &[0; 32], &chunk, 0).expect("a receipt");
    let page = vec![0x5au8; 4096];
    group.bench_function("keccak256 of 4 KiB (bound)", |b| {
        b.iter(|| swarmec::keccak::keccak256(black_box(&page)))
    });
    group.bench_function("stamp sign", |b| {
        b.iter(|| Stamp::sign(&key, &batch, black_box(&chunk), index, 1))
    });
    group.bench_function("stamp check (recovery)", |b| {
        b.iter(|| black_box(&stamp).validate_for(&chunk, &batch))
    });
    group.bench_function("receipt sign", |b| {
        b.iter(|| sign_receipt(&key, &[0; 32], black_box(&chunk), 0))
    });
    group.bench_function("receipt check (recovery)", |b| {
        b.iter(|| check_receipt(black_box(&receipt), &chunk, 10, 0))
    });
    let prehash = swarmec::identity::ethereum_message_hash(&stamp.digest(&chunk));
    let k256_key =
        k256::ecdsa::SigningKey::from_bytes((&key.secret_bytes()).into()).expect("a key");
    let (k256_sig, k256_recid) = k256_key
        .sign_prehash_recoverable(&prehash)
        .expect("a signature");
    group.bench_function("k256 sign (reference, before)", |b| {
        b.iter(|| k256_key.sign_prehash_recoverable(black_box(&prehash)))
    });
    group.bench_function("k256 recovery (reference, before)", |b| {
        b.iter(|| {
            k256::ecdsa::VerifyingKey::recover_from_prehash(
                black_box(&prehash),
                &k256_sig,
                k256_recid,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
