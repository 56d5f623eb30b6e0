//! Reed-Solomon coding of chunk groups (spec §5.4): bee's systematic Vandermonde code over GF(2^8)
//! (`klauspost/reedsolomon` default coder). The work is done by [`crate::redundancy::gf`], which
//! computes the coding matrix (equal to `reed-solomon-erasure`'s `galois_8`, the tests' reference)
//! and picks its SIMD kernels at run time; this module keeps the group-level API and its errors.
//!
//! Shards are chunk data (`span ‖ payload`, ciphertext when encrypted) zero-padded to
//! [`SHARD_SIZE`]. This module refuses shards longer than that, groups without data shards, groups
//! of more than 256 shards (the field's limit) and reconstruction with fewer shards present than
//! data shards.

#[cfg(test)]
use std::collections::HashMap;
#[cfg(test)]
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::redundancy::gf;
#[cfg(test)]
use reed_solomon_erasure::galois_8::ReedSolomon;

/// Size of every shard: a chunk's 8-byte span plus its 4096-byte maximum payload.
pub const SHARD_SIZE: usize = crate::cac::MAX_DATA;

/// Why a group could not be coded: the errors of [`gf`], which does the work.
pub use crate::redundancy::gf::GfError as CodecError;

#[cfg(test)]
type CodecCache = Mutex<HashMap<(usize, usize), Arc<ReedSolomon>>>;

/// The library's codec for `data` data and `parity` parity shards (both ≥ 1, total ≤ 256): the
/// tests' reference.
#[cfg(test)]
fn codec(data: usize, parity: usize) -> Result<Arc<ReedSolomon>, CodecError> {
    static CACHE: OnceLock<CodecCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // The map is never left half-updated, so a panic elsewhere while holding the lock is harmless.
    if let Some(rs) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&(data, parity))
    {
        return Ok(Arc::clone(rs));
    }
    // Built outside the lock so that other pairs are not held up; a racing duplicate is dropped.
    let built = ReedSolomon::new(data, parity).expect("the tests ask for valid groups only");
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(Arc::clone(
        map.entry((data, parity)).or_insert_with(|| Arc::new(built)),
    ))
}

/// The `parities` parity shards ([`SHARD_SIZE`] bytes each) of a group of data shards, each a
/// chunk's stored data of at most [`SHARD_SIZE`] bytes, read as if zero-padded to [`SHARD_SIZE`].
/// `parities = 0` gives no shards.
pub fn encode(data_shards: &[&[u8]], parities: usize) -> Result<Vec<Vec<u8>>, CodecError> {
    gf::encode(data_shards, parities)
}

/// Recover the missing data shards of a group: `shards` holds the `data_count` data shards followed
/// by the parity shards, `None` where a shard is missing.
///
/// Present shards may be shorter than [`SHARD_SIZE`] (a chunk's stored data); they are zero-padded
/// to [`SHARD_SIZE`] in place. Afterwards every data shard is `Some` and [`SHARD_SIZE`] bytes long;
/// missing parity shards stay `None`. A refused group is left untouched.
pub fn reconstruct_data(
    shards: &mut [Option<Vec<u8>>],
    data_count: usize,
) -> Result<(), CodecError> {
    gf::reconstruct_data(shards, data_count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redundancy::table::{max_shards, parities};
    use crate::redundancy::Level;
    use proptest::prelude::*;

    fn unpadded_prefix(shard: &[u8], n: usize) -> &[u8] {
        assert!(
            shard[n..].iter().all(|&b| b == 0),
            "parity beyond {n} bytes not zero"
        );
        &shard[..n]
    }

    #[test]
    fn spec_10_8_abcd_efgh() {
        let parity = encode(&[b"abcd", b"efgh"], 3).unwrap();
        assert_eq!(parity.len(), 3);
        let expected: [[u8; 4]; 3] = [
            [0x69, 0x6a, 0x6b, 0x7c],
            [0x6d, 0x6e, 0x6f, 0x70],
            [0x71, 0x72, 0x73, 0x54],
        ];
        for (p, e) in parity.iter().zip(expected) {
            assert_eq!(p.len(), SHARD_SIZE);
            assert_eq!(unpadded_prefix(p, 4), e);
        }
        // The same with 4-byte shards straight through the cached codec: the matrix, not padding.
        let mut shards = vec![
            b"abcd".to_vec(),
            b"efgh".to_vec(),
            vec![0; 4],
            vec![0; 4],
            vec![0; 4],
        ];
        codec(2, 3).unwrap().encode(&mut shards).unwrap();
        assert_eq!(
            shards[2..],
            [
                expected[0].to_vec(),
                expected[1].to_vec(),
                expected[2].to_vec()
            ]
        );
    }

    /// Parity rows of the coding matrix: data shard `j` is the unit vector at byte `j`, so parity
    /// `p`'s byte `j` is matrix entry `(data + p, j)`.
    fn parity_rows(data: usize, parity: usize) -> Vec<Vec<u8>> {
        let units: Vec<Vec<u8>> = (0..data)
            .map(|j| {
                let mut v = vec![0u8; j + 1];
                v[j] = 1;
                v
            })
            .collect();
        let refs: Vec<&[u8]> = units.iter().map(Vec::as_slice).collect();
        encode(&refs, parity)
            .unwrap()
            .iter()
            .map(|p| unpadded_prefix(p, data).to_vec())
            .collect()
    }

    #[test]
    fn spec_5_4_small_matrices() {
        assert_eq!(parity_rows(2, 3), [vec![3, 2], vec![2, 3], vec![5, 4]]);
        assert_eq!(
            parity_rows(3, 3),
            [vec![1, 1, 1], vec![15, 8, 6], vec![14, 9, 6]]
        );
        assert_eq!(
            parity_rows(4, 2),
            [vec![27, 28, 18, 20], vec![28, 27, 20, 18]]
        );
        // k = 1: every parity is the data shard.
        assert_eq!(parity_rows(1, 4), vec![vec![1]; 4]);
    }

    #[test]
    fn spec_10_8_parity_spans() {
        let a = 4096u64.to_le_bytes();
        let b = 1u64.to_le_bytes();
        let parity = encode(&[&a, &b], 3).unwrap();
        let heads: Vec<&[u8]> = parity.iter().map(|p| unpadded_prefix(p, 8)).collect();
        // Same parity "spans" as the §5.6 MEDIUM 4097-byte example's parity chunks.
        assert_eq!(heads[0], [0x02, 0x30, 0, 0, 0, 0, 0, 0]);
        assert_eq!(heads[1], [0x03, 0x20, 0, 0, 0, 0, 0, 0]);
        assert_eq!(heads[2], [0x04, 0x50, 0, 0, 0, 0, 0, 0]);
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
                        let mut all: Vec<Vec<u8>> = data
                            .iter()
                            .map(|d| {
                                let mut v = d.to_vec();
                                v.resize(SHARD_SIZE, 0);
                                v
                            })
                            .collect();
                        all.extend(out);
                        assert!(codec(n, p).unwrap().verify(&all).unwrap());
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
        // Nothing missing among the data: only padding.
        let mut shards = vec![Some(d0.clone()), Some(d1.clone()), None, None, None];
        reconstruct_data(&mut shards, 2).unwrap();
        let mut padded0 = d0.clone();
        padded0.resize(SHARD_SIZE, 0);
        assert_eq!(shards[0].as_deref(), Some(&padded0[..]));
        assert!(shards[2..].iter().all(Option::is_none));
        // Both data shards from a parity and a shortened data shard.
        let mut shards = vec![Some(d0), None, None, Some(parity[1].clone()), None];
        reconstruct_data(&mut shards, 2).unwrap();
        assert_eq!(shards[0].as_deref(), Some(&padded0[..]));
        assert_eq!(shards[1].as_deref(), Some(&d1[..]));
        assert!(shards[2].is_none() && shards[4].is_none());
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn reconstruct_recovers_data(
            pair in proptest::sample::select(table_pairs()),
            seed in any::<u64>(),
            picks in proptest::collection::vec(any::<proptest::sample::Index>(), 0..=89),
        ) {
            let (k, p) = pair;
            let mut state = seed | 1;
            let data: Vec<Vec<u8>> = (0..k)
                .map(|_| {
                    let len = bytes(&mut state, 2);
                    let len = usize::from(u16::from_le_bytes([len[0], len[1]])) % (SHARD_SIZE + 1);
                    bytes(&mut state, len)
                })
                .collect();
            let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
            let parity = encode(&refs, p).unwrap();
            let mut shards: Vec<Option<Vec<u8>>> =
                data.iter().cloned().chain(parity).map(Some).collect();
            let mut remaining: Vec<usize> = (0..k + p).collect();
            for pick in picks.iter().take(p) {
                let i = remaining.swap_remove(pick.index(remaining.len()));
                shards[i] = None;
            }
            reconstruct_data(&mut shards, k).unwrap();
            for (i, d) in data.iter().enumerate() {
                let mut want = d.clone();
                want.resize(SHARD_SIZE, 0);
                prop_assert_eq!(shards[i].as_deref(), Some(&want[..]), "shard {}", i);
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
}
