//! One set of tests for the codec: the matrix, the kernels and the group API against
//! `reed-solomon-erasure` (the reference), bee's spec vectors and error cases.

use super::kernels::{AFFINE, NIBBLES};
use super::*;
use crate::redundancy::table::{max_shards, parities};
use crate::redundancy::Level;
use proptest::prelude::*;
use reed_solomon_erasure::galois_8::ReedSolomon;

/// `reed-solomon-erasure`'s parity rows, read off the library: with data shard `j` the unit
/// vector at byte `j`, parity `p`'s byte `j` is entry `(p, j)`.
fn library_matrix(data: usize, parity: usize) -> Vec<u8> {
    let units: Vec<Vec<u8>> = (0..data)
        .map(|j| {
            let mut v = vec![0u8; data];
            v[j] = 1;
            v
        })
        .collect();
    let mut rows = vec![vec![0u8; data]; parity];
    ReedSolomon::new(data, parity)
        .unwrap()
        .encode_sep(&units, &mut rows)
        .unwrap();
    rows.concat()
}

#[test]
fn matrix_equals_the_librarys() {
    let mut pairs = table_pairs();
    pairs.extend([(1, 1), (2, 254), (128, 128), (255, 1), (17, 3)]);
    for (data, parity) in pairs {
        assert_eq!(
            &*derive_matrix(data, parity).unwrap(),
            library_matrix(data, parity).as_slice(),
            "{data}+{parity}"
        );
    }
    assert_eq!(derive_matrix(5, 0).unwrap().len(), 0);
}

/// Every (data, parity) pair bee's tables produce.
fn table_pairs() -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = Level::ALL
        .into_iter()
        .flat_map(|level| [(level, false), (level, true)])
        .flat_map(|(level, enc)| {
            (1..=max_shards(level, enc)).map(move |n| (n, parities(level, enc, n)))
        })
        .filter(|&(_, p)| p > 0)
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn padded(shard: &[u8]) -> Vec<u8> {
    let mut v = shard.to_vec();
    v.resize(SHARD_SIZE, 0);
    v
}

/// The reference: `reed-solomon-erasure` itself on zero-padded shards.
fn lib_encode(data: &[&[u8]], p: usize) -> Vec<Vec<u8>> {
    let data: Vec<Vec<u8>> = data.iter().map(|d| padded(d)).collect();
    let mut out = vec![vec![0u8; SHARD_SIZE]; p];
    ReedSolomon::new(data.len(), p)
        .unwrap()
        .encode_sep(&data, &mut out)
        .unwrap();
    out
}

fn lib_reconstruct(shards: &mut [Option<Vec<u8>>], k: usize) {
    for s in shards.iter_mut().flatten() {
        s.resize(SHARD_SIZE, 0);
    }
    ReedSolomon::new(k, shards.len() - k)
        .unwrap()
        .reconstruct_data(shards)
        .unwrap();
}

/// Every supported kernel with and without the two-thread split.
fn all_options() -> Vec<Options> {
    Kernel::available()
        .into_iter()
        .flat_map(|kernel| [false, true].map(|parallel| Options { kernel, parallel }))
        .collect()
}

/// Deterministic bytes from a seed (xorshift64*), so that cases are cheap to generate.
fn bytes(seed: &mut u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| {
            *seed ^= *seed >> 12;
            *seed ^= *seed << 25;
            *seed ^= *seed >> 27;
            (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

fn random_len(seed: &mut u64) -> usize {
    let b = bytes(seed, 2);
    usize::from(u16::from_le_bytes([b[0], b[1]])) % (SHARD_SIZE + 1)
}

fn shl_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= (POLY & 0xff) as u8;
        }
        b >>= 1;
    }
    p
}

#[test]
fn field_tables_match_library_and_shift_and_add() {
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let want = reed_solomon_erasure::galois_8::mul(a, b);
            assert_eq!(mul(a, b), want, "{a}·{b}");
            assert_eq!(shl_mul(a, b), want, "{a}·{b}");
        }
        match inv(a) {
            None => assert_eq!(a, 0),
            Some(i) => assert_eq!(mul(a, i), 1, "inverse of {a}"),
        }
    }
}

/// What `vgf2p8affineqb` with imm8 = 0 does to one byte (Intel SDM): output bit `i` is the
/// parity of `matrix.byte[7 - i] & x`. Checks the GFNI tables where the CPU lacks GFNI too.
fn affine_byte(matrix: u64, x: u8) -> u8 {
    (0..8).fold(0u8, |acc, i| {
        let row = (matrix >> (8 * (7 - i))) as u8;
        acc | ((((row & x).count_ones() & 1) as u8) << i)
    })
}

#[test]
fn affine_and_nibble_tables_multiply() {
    for c in 0..=255u8 {
        for x in 0..=255u8 {
            assert_eq!(affine_byte(AFFINE[usize::from(c)], x), mul(c, x), "{c}·{x}");
            let t = &NIBBLES[usize::from(c)];
            assert_eq!(
                t[usize::from(x & 15)] ^ t[16 + usize::from(x >> 4)],
                mul(c, x)
            );
        }
    }
}

#[test]
fn detection() {
    let available = Kernel::available();
    assert_eq!(available.first(), Some(&Kernel(KernelKind::Scalar)));
    assert_eq!(available.last(), Some(&Kernel::detected()));
    for kind in KernelKind::ALL {
        assert_eq!(
            Kernel::new(kind).is_some(),
            kind.is_supported(),
            "{}",
            kind.name()
        );
    }
    eprintln!(
        "kernels here: {:?}",
        available
            .iter()
            .map(|k| k.kind().name())
            .collect::<Vec<_>>()
    );
}

#[test]
fn spec_5_4_matrices() {
    let rows = |k, p| {
        parity_matrix(k, p)
            .unwrap()
            .chunks(k)
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(2, 3), [vec![3, 2], vec![2, 3], vec![5, 4]]);
    assert_eq!(rows(3, 3), [vec![1, 1, 1], vec![15, 8, 6], vec![14, 9, 6]]);
    assert_eq!(rows(4, 2), [vec![27, 28, 18, 20], vec![28, 27, 20, 18]]);
    assert_eq!(rows(1, 4), vec![vec![1]; 4]);
}

#[test]
fn spec_10_8_vectors_every_kernel() {
    let expected: [[u8; 4]; 3] = [
        [0x69, 0x6a, 0x6b, 0x7c],
        [0x6d, 0x6e, 0x6f, 0x70],
        [0x71, 0x72, 0x73, 0x54],
    ];
    let a = 4096u64.to_le_bytes();
    let b = 1u64.to_le_bytes();
    let spans: [[u8; 8]; 3] = [
        [0x02, 0x30, 0, 0, 0, 0, 0, 0],
        [0x03, 0x20, 0, 0, 0, 0, 0, 0],
        [0x04, 0x50, 0, 0, 0, 0, 0, 0],
    ];
    for o in all_options() {
        let parity = encode_with(o, &[b"abcd", b"efgh"], 3).unwrap();
        for (p, e) in parity.iter().zip(expected) {
            assert_eq!(p.len(), SHARD_SIZE);
            assert_eq!(p[..4], e, "{o:?}");
            assert!(p[4..].iter().all(|&b| b == 0));
        }
        let parity = encode_with(o, &[&a, &b], 3).unwrap();
        for (p, e) in parity.iter().zip(spans) {
            assert_eq!(p[..8], e, "{o:?}");
        }
    }
}

#[test]
fn every_table_pair_encodes_like_the_library() {
    let pairs = table_pairs();
    assert_eq!(pairs.len(), 532);
    let mut seed = 0x5eed_1234_5678_9abc_u64;
    for (k, p) in pairs {
        // Mostly short shards keep the library's scalar reference quick; some are full.
        let data: Vec<Vec<u8>> = (0..k)
            .map(|_| {
                let len = random_len(&mut seed);
                let len = if len.is_multiple_of(8) {
                    SHARD_SIZE
                } else {
                    len % 600
                };
                bytes(&mut seed, len)
            })
            .collect();
        let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        let want = lib_encode(&refs, p);
        for kernel in Kernel::available() {
            let o = Options {
                kernel,
                parallel: false,
            };
            assert!(
                encode_with(o, &refs, p).unwrap() == want,
                "{k}+{p} {kernel:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn kernels_agree_with_the_table(
        c in any::<u8>(),
        src in proptest::collection::vec(any::<u8>(), 0..300),
        dst in proptest::collection::vec(any::<u8>(), 0..300),
        skip in 0usize..64,
    ) {
        // Unaligned starts and every tail length.
        let src = src.get(skip..).unwrap_or_default();
        let n = src.len().min(dst.len());
        let rest = dst[n..].iter().copied();
        let acc: Vec<u8> =
            (0..n).map(|i| dst[i] ^ mul(c, src[i])).chain(rest.clone()).collect();
        let set: Vec<u8> = (0..n).map(|i| mul(c, src[i])).chain(rest).collect();
        for kernel in Kernel::available() {
            let mut d = dst.clone();
            kernel.mul_acc(c, src, &mut d);
            prop_assert_eq!(&d, &acc, "mul_acc {:?}", kernel);
            let mut d = dst.clone();
            kernel.mul_set(c, src, &mut d);
            prop_assert_eq!(&d, &set, "mul_set {:?}", kernel);
        }
    }

    #[test]
    fn encode_and_reconstruct_match_the_library(
        pair in proptest::sample::select(table_pairs()),
        seed in any::<u64>(),
        picks in proptest::collection::vec(any::<proptest::sample::Index>(), 0..=128),
        losses in any::<proptest::sample::Index>(),
    ) {
        let (k, p) = pair;
        let mut state = seed | 1;
        let data: Vec<Vec<u8>> = (0..k)
            .map(|_| {
                let len = random_len(&mut state);
                bytes(&mut state, len)
            })
            .collect();
        let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        let want = lib_encode(&refs, p);
        let mut shards: Vec<Option<Vec<u8>>> =
            data.iter().cloned().chain(want.iter().cloned()).map(Some).collect();
        // Lose any number of shards up to the parity count, data first so that recovery works.
        let lost = losses.index(p + 1);
        let mut remaining: Vec<usize> = (0..k + p).collect();
        for pick in picks.iter().take(lost) {
            let i = remaining.swap_remove(pick.index(remaining.len()));
            shards[i] = None;
        }
        let mut reference = shards.clone();
        lib_reconstruct(&mut reference, k);
        for o in all_options() {
            prop_assert!(encode_with(o, &refs, p).unwrap() == want, "encode {:?}", o);
            let mut ours = shards.clone();
            reconstruct_data_with(o, &mut ours, k).unwrap();
            prop_assert!(ours == reference, "reconstruct {:?}", o);
        }
        for (i, d) in data.iter().enumerate() {
            let mut padded = d.clone();
            padded.resize(SHARD_SIZE, 0);
            prop_assert_eq!(reference[i].as_deref(), Some(&padded[..]));
        }
    }
}

#[test]
fn max_loss_of_each_full_group() {
    for level in Level::ALL {
        for encrypted in [false, true] {
            let k = max_shards(level, encrypted);
            let p = parities(level, encrypted, k);
            if p == 0 {
                continue;
            }
            let mut seed = (k * 1000 + p) as u64;
            let data: Vec<Vec<u8>> = (0..k).map(|_| bytes(&mut seed, SHARD_SIZE)).collect();
            let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
            let parity = encode(&refs, p).unwrap();
            let mut shards: Vec<Option<Vec<u8>>> =
                data.iter().cloned().chain(parity).map(Some).collect();
            // Lose the first min(k, p) data shards and, if parities are left over, the last ones.
            let lose_data = k.min(p);
            for s in shards.iter_mut().take(lose_data) {
                *s = None;
            }
            for s in shards.iter_mut().rev().take(p - lose_data) {
                *s = None;
            }
            for o in all_options() {
                let mut ours = shards.clone();
                reconstruct_data_with(o, &mut ours, k).unwrap();
                for (i, d) in data.iter().enumerate() {
                    assert!(
                        ours[i].as_deref() == Some(&d[..]),
                        "{level} {k}+{p} shard {i} {o:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn encode_errors() {
    let long = vec![0u8; SHARD_SIZE + 1];
    let ok = [0u8; 10];
    assert!(matches!(
        encode(&[&ok, &long], 3),
        Err(CodecError::ShardTooLong {
            index: 1,
            len: 4105
        })
    ));
    assert!(matches!(encode(&[], 3), Err(CodecError::NoDataShards)));
    let many = vec![&ok[..]; 200];
    assert!(matches!(
        encode(&many, 57),
        Err(CodecError::TooManyShards {
            data: 200,
            parity: 57
        })
    ));
    assert!(matches!(
        encode(&[&ok], usize::MAX),
        Err(CodecError::TooManyShards {
            data: 1,
            parity: usize::MAX
        })
    ));
    assert_eq!(encode(&many, 56).unwrap().len(), 56);
    assert!(encode(&[&ok, &ok], 0).unwrap().is_empty());
    // An over-long shard is reported even when no parity is asked for.
    assert!(matches!(
        encode(&[&long], 0),
        Err(CodecError::ShardTooLong {
            index: 0,
            len: 4105
        })
    ));
}

#[test]
fn reconstruct_errors_change_nothing() {
    let d0 = vec![1u8; 100];
    let mut few = vec![Some(d0.clone()), None, None, None, None];
    assert!(matches!(
        reconstruct_data(&mut few, 2),
        Err(CodecError::TooFewShards {
            present: 1,
            needed: 2
        })
    ));
    assert_eq!(few[0].as_deref(), Some(&d0[..]));
    let mut long = vec![Some(d0.clone()), None, Some(vec![0; SHARD_SIZE + 1])];
    assert!(matches!(
        reconstruct_data(&mut long, 2),
        Err(CodecError::ShardTooLong {
            index: 2,
            len: 4105
        })
    ));
    assert_eq!(long[0].as_deref(), Some(&d0[..]));
    assert!(matches!(
        reconstruct_data(&mut long, 4),
        Err(CodecError::DataCountExceedsShards { data: 4, total: 3 })
    ));
    assert!(matches!(
        reconstruct_data(&mut long, 0),
        Err(CodecError::NoDataShards)
    ));
    let mut huge = vec![None; 257];
    assert!(matches!(
        reconstruct_data(&mut huge, 1),
        Err(CodecError::TooManyShards {
            data: 1,
            parity: 256
        })
    ));
}

#[test]
fn reconstruct_pads_present_shards() {
    let d0 = b"short".to_vec();
    let d1 = vec![9u8; SHARD_SIZE];
    let parity = encode(&[&d0, &d1], 3).unwrap();
    let mut padded0 = d0.clone();
    padded0.resize(SHARD_SIZE, 0);
    let mut shards = vec![Some(d0.clone()), Some(d1.clone()), None, None, None];
    reconstruct_data(&mut shards, 2).unwrap();
    assert_eq!(shards[0].as_deref(), Some(&padded0[..]));
    assert!(shards[2..].iter().all(Option::is_none));
    // A shortened parity is read as zero-padded, as the library reads it after padding.
    let mut short_parity = parity[2].clone();
    while short_parity.last() == Some(&0) {
        short_parity.pop();
    }
    let mut shards = vec![
        Some(d0),
        None,
        None,
        Some(parity[1].clone()),
        Some(short_parity),
    ];
    reconstruct_data(&mut shards, 2).unwrap();
    assert_eq!(shards[0].as_deref(), Some(&padded0[..]));
    assert_eq!(shards[1].as_deref(), Some(&d1[..]));
    assert!(shards[2].is_none());
    assert_eq!(shards[3].as_deref(), Some(&parity[1][..]));
    assert_eq!(shards[4].as_deref(), Some(&parity[2][..]));
}

#[test]
fn invert_round_trips_and_refuses_singular() {
    let mut seed = 7u64;
    for n in [1usize, 2, 5, 17, 64] {
        let a = bytes(&mut seed, n * n);
        if let Some(b) = invert(a.clone(), n) {
            for i in 0..n {
                for j in 0..n {
                    let dot = (0..n).fold(0u8, |acc, t| acc ^ mul(a[i * n + t], b[t * n + j]));
                    assert_eq!(dot, u8::from(i == j), "n={n} ({i},{j})");
                }
            }
        }
    }
    assert_eq!(invert(vec![1, 2, 1, 2], 2), None);
    assert_eq!(invert(vec![0; 4], 2), None);
    assert_eq!(invert(vec![1; 3], 2), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Beyond bee's pairs: the computed matrix of any group the field allows (the fuzz target
    /// checks the kernels against the scalar twin; this checks the matrix they all use).
    #[test]
    fn matrix_equals_the_librarys_for_any_group(k in 1usize..=255, p_seed in 0usize..1000) {
        let p = 1 + p_seed % (256 - k);
        prop_assert_eq!(&parity_matrix(k, p).unwrap()[..], &library_matrix(k, p)[..]);
    }
}

#[test]
fn parity_count_per_group_size() {
    // bee's TestEncode: every level, plain and encrypted, 1..=k shards → parities(level, enc, n)
    // parity shards, each a valid parity of the padded group.
    let chunk: Vec<u8> = (0..SHARD_SIZE).map(|i| (i % 251) as u8).collect();
    for level in Level::ALL {
        for encrypted in [false, true] {
            for n in 1..=max_shards(level, encrypted) {
                let p = parities(level, encrypted, n);
                let data: Vec<&[u8]> = (0..n).map(|i| &chunk[i % 7..]).collect();
                let out = encode(&data, p).unwrap();
                assert_eq!(out.len(), p, "{level} enc={encrypted} n={n}");
                if p > 0 {
                    let mut all: Vec<Vec<u8>> = data.iter().map(|d| padded(d)).collect();
                    all.extend(out);
                    assert!(ReedSolomon::new(n, p).unwrap().verify(&all).unwrap());
                }
            }
        }
    }
}

#[test]
fn one_more_missing_fails() {
    for (k, p) in [(2, 3), (119, 9), (20, 87)] {
        let data = vec![vec![7u8; 64]; k];
        let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        let parity = encode(&refs, p).unwrap();
        let mut shards: Vec<Option<Vec<u8>>> =
            data.iter().cloned().chain(parity).map(Some).collect();
        for s in shards.iter_mut().take(p + 1) {
            *s = None;
        }
        let before = shards.clone();
        assert!(matches!(
            reconstruct_data(&mut shards, k),
            Err(CodecError::TooFewShards { present, needed }) if present == k - 1 && needed == k
        ));
        assert_eq!(shards, before);
    }
}
