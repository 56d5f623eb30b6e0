//! Target `rs_codec`: our Reed-Solomon codec ([`codec`]) against a textbook twin and itself.
//!
//! A group of data shards (any lengths up to and past [`SHARD_SIZE`]) is encoded by the codec with
//! every kernel this CPU has, one and two threads, and column by column by the textbook product of
//! the coding matrix with the zero-padded shards (one field multiplication per byte, on the first
//! 512 columns: the code works column by column): the parities must be the same bytes. Then shards
//! are erased (and parities possibly corrupted) as the input says and every kernel reconstructs:
//! success exactly when at least `k` shards are present, the same bytes from every kernel, the
//! original data when nothing was corrupted, and a refused group left untouched. Invalid groups (no
//! data shards, more than 256 shards, overlong shards) must be refused, not panic. The matrix itself
//! is checked against `reed-solomon-erasure` by the codec's tests (every pair bee uses, random
//! others); that crate is a dev-dependency only.
//!
//! Input: `k:u8 p:u8 mode:u8`, then per data shard `len:u8` and its bytes, then per shard an erasure
//! byte, then corruption bytes.

use super::input::{Input, Output};
use crate::redundancy::codec::{self, Kernel, Options, SHARD_SIZE};

/// The first `window` columns of the parities, one field product at a time: `parity[i][c] =
/// Σ_j m[i][j] · data[j][c]` with the codec's matrix `m`.
fn textbook_parities(padded: &[Vec<u8>], p: usize, window: usize) -> Vec<Vec<u8>> {
    let k = padded.len();
    let m = codec::parity_matrix(k, p).expect("a valid group");
    (0..p)
        .map(|i| {
            (0..window)
                .map(|c| (0..k).fold(0u8, |acc, j| acc ^ codec::mul(m[i * k + j], padded[j][c])))
                .collect()
        })
        .collect()
}

/// Runs one input; panics on a bug.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let (k_raw, p_raw, mode) = (input.u8(), input.u8(), input.u8());
    // Mode bit 0: any counts (refusals included); else a valid group, of at most 256 shards with
    // bit 2 (slow under the sanitizers), else of at most 32 + 16.
    let (k, p) = if mode & 1 == 1 {
        (usize::from(k_raw), usize::from(p_raw) * 2)
    } else if mode & 4 == 4 {
        let k = 1 + usize::from(k_raw) % 128;
        (k, usize::from(p_raw) % (257 - k).min(129))
    } else {
        (1 + usize::from(k_raw) % 32, usize::from(p_raw) % 17)
    };
    let mut shards: Vec<Vec<u8>> = Vec::with_capacity(k);
    for i in 0..k {
        let b = input.u8();
        let len = match b >> 6 {
            0 | 1 => usize::from(b),
            2 => SHARD_SIZE - usize::from(b & 0x3f),
            _ if mode & 2 == 2 => SHARD_SIZE + 1 + usize::from(b & 0x3f),
            _ => SHARD_SIZE,
        };
        let mut shard = input.bytes(len.min(64)).to_vec();
        // Beyond what the input gives, a pattern that differs per shard and per byte.
        let mut x = (i as u32).wrapping_mul(0x9e37_79b9) | 1;
        while shard.len() < len {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            shard.push(x as u8);
        }
        shards.push(shard);
    }
    let refs: Vec<&[u8]> = shards.iter().map(Vec::as_slice).collect();
    let valid = k >= 1 && k + p <= 256 && shards.iter().all(|s| s.len() <= SHARD_SIZE);
    let ours = codec::encode(&refs, p);
    let parities = match (valid, ours) {
        (true, Ok(parities)) => parities,
        (true, Err(e)) => panic!("a valid {k}+{p} group was refused: {e}"),
        (false, Ok(_)) => panic!("an invalid {k}+{p} group was encoded"),
        (false, Err(_)) => {
            // The refusal must also hold for reconstruction.
            let mut group: Vec<Option<Vec<u8>>> = shards.iter().cloned().map(Some).collect();
            group.extend((0..p).map(|_| None));
            assert!(codec::reconstruct_data(&mut group, k).is_err());
            return;
        }
    };
    assert_eq!(parities.len(), p);
    assert!(parities.iter().all(|s| s.len() == SHARD_SIZE));
    let padded: Vec<Vec<u8>> = shards
        .iter()
        .map(|s| {
            let mut v = s.clone();
            v.resize(SHARD_SIZE, 0);
            v
        })
        .collect();
    // Reed-Solomon works column by column, so the textbook product (slow under the sanitizers) is
    // compared on the first `window` columns; past the longest shard every parity byte must be 0,
    // and our kernels are compared with each other on whole shards.
    let longest = shards.iter().map(Vec::len).max().unwrap_or(0);
    let window = longest.clamp(1, 512);
    assert!(
        parities
            .iter()
            .all(|s| s[longest..].iter().all(|&b| b == 0)),
        "{k}+{p}: parity bytes past the longest data shard"
    );
    for (i, (want, ours)) in textbook_parities(&padded, p, window)
        .iter()
        .zip(&parities)
        .enumerate()
    {
        assert!(
            want[..] == ours[..window],
            "{k}+{p}: parity {i} differs from the textbook product"
        );
    }
    for kernel in Kernel::available() {
        // Two threads with the slowest kernel only: the split is the same for every kernel.
        let parallel = kernel == Kernel::available()[0];
        let again =
            codec::encode_with(Options { kernel, parallel }, &refs, p).expect("a valid group");
        assert!(
            again == parities,
            "{k}+{p}: kernel {kernel:?} parallel {parallel} differs"
        );
    }

    // Erase and corrupt, then reconstruct with both.
    let mut group: Vec<Option<Vec<u8>>> = shards
        .iter()
        .cloned()
        .chain(parities.iter().cloned())
        .map(Some)
        .collect();
    for slot in group.iter_mut() {
        if input.u8() & 1 == 1 {
            *slot = None;
        }
    }
    let corruptions = input.u8() % 4;
    for _ in 0..corruptions {
        let i = k + input.below(p.max(1));
        let pos = input.below(SHARD_SIZE);
        let xor = input.u8() | 1;
        if let Some(Some(s)) = group.get_mut(i) {
            s[pos] ^= xor;
        }
    }
    let present = group.iter().filter(|s| s.is_some()).count();
    let before = group.clone();
    match codec::reconstruct_data(&mut group, k) {
        Ok(()) => {
            assert!(present >= k, "{k}+{p}: rebuilt from {present} shards");
            for i in 0..k {
                let got = group[i].as_deref().expect("every data shard rebuilt");
                assert_eq!(got.len(), SHARD_SIZE);
                if corruptions == 0 {
                    assert!(got == padded[i], "{k}+{p}: shard {i} rebuilt wrong");
                }
            }
        }
        Err(_) => {
            assert!(present < k, "{k}+{p}: {present} shards present yet refused");
            assert!(group == before, "a refused group was changed");
        }
    }
    for kernel in Kernel::available() {
        let mut again = before.clone();
        let r = codec::reconstruct_data_with(
            Options {
                kernel,
                parallel: true,
            },
            &mut again,
            k,
        );
        assert_eq!(r.is_ok(), present >= k);
        if r.is_ok() {
            assert!(
                again[..k] == group[..k],
                "kernel {kernel:?} rebuilt differently"
            );
        }
    }
}

/// Seed inputs: small and full groups of each shape, erasures up to and past the limit.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (name, k, p, lens, erase) in [
        ("2+3-abcd", 1u8, 3u8, vec![4u8, 4], vec![1u8, 0, 0, 1, 0]),
        (
            "3+2-full",
            2,
            2,
            vec![0x80, 0x80, 0x85],
            vec![0, 1, 0, 0, 1],
        ),
        (
            "10+4-mixed",
            9,
            4,
            vec![1, 10, 0x80, 63, 0x81, 0, 5, 0x80, 0x80, 33],
            vec![1; 4],
        ),
        ("10+4-too-many-lost", 9, 4, vec![8; 10], vec![1; 5]),
        (
            "30+9-medium",
            29,
            9,
            vec![0x80; 30],
            vec![1, 1, 1, 0, 1, 1, 1, 1, 1],
        ),
        ("1+0", 0, 0, vec![8], vec![0]),
        (
            "119+9-medium",
            118,
            9,
            vec![0x80; 119],
            vec![1, 1, 1, 0, 1, 1, 1, 1, 1],
        ),
    ] {
        let mut o = Output::new();
        o.u8(k).u8(p).u8(if lens.len() > 32 { 4 } else { 0 });
        for &len in &lens {
            // Lengths from 64 on take 64 input bytes, the rest is a pattern.
            let given = if len < 0x40 { usize::from(len) } else { 64 };
            o.u8(len).bytes(&vec![0x5a ^ len; given]);
        }
        o.bytes(&erase).u8(0);
        seeds.push((name.to_string(), o.finish()));
    }
    let mut o = Output::new();
    o.u8(3).u8(2).u8(0);
    for _ in 0..4 {
        o.u8(0x80).bytes(&[0x33; 64]);
    }
    o.bytes(&[1, 0, 0, 0, 0, 0]).u8(1).u8(0).u16(17).u8(0xff);
    seeds.push(("corrupt-parity".into(), o.finish()));
    let mut o = Output::new();
    o.u8(0).u8(0).u8(1);
    seeds.push(("no-data-shards".into(), o.finish()));
    let mut o = Output::new();
    o.u8(200).u8(40).u8(1);
    seeds.push(("too-many-shards".into(), o.finish()));
    let mut o = Output::new();
    o.u8(1).u8(1).u8(3).u8(0xc0).u8(0x80);
    seeds.push(("overlong-shard".into(), o.finish()));
    seeds
}
