//! x86-64 vector kernels: word `i` of lane `k` lives in element `k` of vector `i`, so every step of
//! the permutation is one instruction on all lanes at once.
//!
//! Every function here is `unsafe` only because of `#[target_feature]`: callers must have checked
//! that the CPU has the named features. The bodies touch memory only through references, and
//! every unaligned load/store stays inside the array it is derived from.

use core::arch::x86_64::*;

use super::{HASH_SIZE, PAD_FIRST, PAD_LAST, PAD_LAST_WORD, RATE, WORDS};

/// Word-major copy of `L` messages of `B` bytes: `w[j][k]` is word `j` of message `k`.
#[inline(always)]
fn gather_words<const B: usize, const L: usize>(msgs: &[&[u8; B]; L]) -> [[u64; L]; WORDS] {
    const { assert!(B.is_multiple_of(8) && B < RATE) };
    let mut w = [[0u64; L]; WORDS];
    for (k, m) in msgs.iter().enumerate() {
        for (j, bytes) in m.as_chunks::<8>().0.iter().enumerate() {
            w[j][k] = u64::from_le_bytes(*bytes);
        }
    }
    for lane in w[B / 8].iter_mut() {
        *lane ^= PAD_FIRST;
    }
    for lane in w[PAD_LAST_WORD].iter_mut() {
        *lane ^= PAD_LAST;
    }
    w
}

pub(super) mod avx512 {
    use super::*;

    macro_rules! z_xor {
        ($x:expr, $y:expr) => {
            _mm512_xor_si512($x, $y)
        };
    }
    macro_rules! z_xor3 {
        ($x:expr, $y:expr, $z:expr) => {
            _mm512_ternarylogic_epi64::<0x96>($x, $y, $z)
        };
    }
    macro_rules! z_rol {
        ($x:expr, $n:literal) => {
            _mm512_rol_epi64::<$n>($x)
        };
    }
    // x ^ (!y & z) as a truth table over (x, y, z) = (0xF0, 0xCC, 0xAA).
    macro_rules! z_chi {
        ($x:expr, $y:expr, $z:expr) => {
            _mm512_ternarylogic_epi64::<0xD2>($x, $y, $z)
        };
    }
    macro_rules! z_splat {
        ($x:expr) => {
            _mm512_set1_epi64($x as i64)
        };
    }

    pub(in super::super) const LANES: usize = 8;

    // The 24 rounds on a state variable in place, written out where they are used, as in the
    // 4-lane kernels (a called `permute` sends the 25 vectors through memory both ways).
    macro_rules! permute {
        ($s:ident) => {
            keccak_f1600_rounds!($s, z_xor, z_xor3, z_rol, z_chi, z_splat)
        };
    }

    /// 8x8 transpose of 64-bit elements: row `r` of the result is element `r` of every input.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn transpose8(r: [__m512i; 8]) -> [__m512i; 8] {
        let t0 = _mm512_unpacklo_epi64(r[0], r[1]);
        let t1 = _mm512_unpackhi_epi64(r[0], r[1]);
        let t2 = _mm512_unpacklo_epi64(r[2], r[3]);
        let t3 = _mm512_unpackhi_epi64(r[2], r[3]);
        let t4 = _mm512_unpacklo_epi64(r[4], r[5]);
        let t5 = _mm512_unpackhi_epi64(r[4], r[5]);
        let t6 = _mm512_unpacklo_epi64(r[6], r[7]);
        let t7 = _mm512_unpackhi_epi64(r[6], r[7]);
        let lo = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
        let hi = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
        let u0 = _mm512_permutex2var_epi64(t0, lo, t2);
        let u2 = _mm512_permutex2var_epi64(t0, hi, t2);
        let u1 = _mm512_permutex2var_epi64(t1, lo, t3);
        let u3 = _mm512_permutex2var_epi64(t1, hi, t3);
        let u4 = _mm512_permutex2var_epi64(t4, lo, t6);
        let u6 = _mm512_permutex2var_epi64(t4, hi, t6);
        let u5 = _mm512_permutex2var_epi64(t5, lo, t7);
        let u7 = _mm512_permutex2var_epi64(t5, hi, t7);
        let a = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0);
        let b = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
        [
            _mm512_permutex2var_epi64(u0, a, u4),
            _mm512_permutex2var_epi64(u1, a, u5),
            _mm512_permutex2var_epi64(u2, a, u6),
            _mm512_permutex2var_epi64(u3, a, u7),
            _mm512_permutex2var_epi64(u0, b, u4),
            _mm512_permutex2var_epi64(u1, b, u5),
            _mm512_permutex2var_epi64(u2, b, u6),
            _mm512_permutex2var_epi64(u3, b, u7),
        ]
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load(w: &[u64; LANES]) -> __m512i {
        _mm512_loadu_si512(w.as_ptr().cast())
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(w: &mut [u64; LANES], v: __m512i) {
        _mm512_storeu_si512(w.as_mut_ptr().cast(), v)
    }

    /// Stores the first four words of lane `k` (its digest) in `out[k]`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store_digests(s: &[__m512i; WORDS], out: &mut [[u8; HASH_SIZE]; LANES]) {
        // Words 0..4 of lanes (0, 2, 4, 6) and (1, 3, 5, 7), two lanes per vector.
        let t0 = _mm512_unpacklo_epi64(s[0], s[1]);
        let t1 = _mm512_unpackhi_epi64(s[0], s[1]);
        let t2 = _mm512_unpacklo_epi64(s[2], s[3]);
        let t3 = _mm512_unpackhi_epi64(s[2], s[3]);
        let first = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
        let second = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
        let pairs = [
            _mm512_permutex2var_epi64(t0, first, t2),
            _mm512_permutex2var_epi64(t1, first, t3),
            _mm512_permutex2var_epi64(t0, second, t2),
            _mm512_permutex2var_epi64(t1, second, t3),
        ];
        // pairs[0] = lanes 0, 2; pairs[1] = lanes 1, 3; pairs[2] = lanes 4, 6; pairs[3] = 5, 7.
        for (quad, pair) in out
            .as_chunks_mut::<4>()
            .0
            .iter_mut()
            .zip(pairs.chunks_exact(2))
        {
            for (o, v) in [
                (0, _mm512_castsi512_si256(pair[0])),
                (1, _mm512_castsi512_si256(pair[1])),
                (2, _mm512_extracti64x4_epi64::<1>(pair[0])),
                (3, _mm512_extracti64x4_epi64::<1>(pair[1])),
            ] {
                _mm256_storeu_si256(quad[o].as_mut_ptr().cast(), v);
            }
        }
    }

    /// Keccak-256 of eight 64-byte messages.
    #[target_feature(enable = "avx512f")]
    pub(in super::super) unsafe fn hash64(
        msgs: &[&[u8; 64]; LANES],
        out: &mut [[u8; HASH_SIZE]; LANES],
    ) {
        let mut rows = [_mm512_setzero_si512(); 8];
        for (row, m) in rows.iter_mut().zip(msgs) {
            *row = _mm512_loadu_si512(m.as_ptr().cast());
        }
        let mut s = [_mm512_setzero_si512(); WORDS];
        s[..8].copy_from_slice(&transpose8(rows));
        s[8] = _mm512_set1_epi64(PAD_FIRST as i64);
        s[PAD_LAST_WORD] = _mm512_set1_epi64(PAD_LAST as i64);
        permute!(s);
        store_digests(&s, out);
    }

    /// Keccak-256 of eight 40-byte messages.
    #[target_feature(enable = "avx512f")]
    pub(in super::super) unsafe fn hash40(
        msgs: &[&[u8; 40]; LANES],
        out: &mut [[u8; HASH_SIZE]; LANES],
    ) {
        let w = gather_words(msgs);
        let mut s = [_mm512_setzero_si512(); WORDS];
        for (v, lanes) in s.iter_mut().zip(&w) {
            *v = load(lanes);
        }
        permute!(s);
        store_digests(&s, out);
    }

    /// Eight blocks of bee's keystream, `keccak256(keccak256(key || LE32(ctrs[k])))` for lane
    /// `k`, both permutations in registers (as the 4-lane kernels do).
    #[target_feature(enable = "avx512f")]
    pub(in super::super) unsafe fn keystream(
        key: &[u64; 4],
        ctrs: &[u32; LANES],
        out: &mut [[u8; HASH_SIZE]; LANES],
    ) {
        // Bytes 32..36 hold the counter, byte 36 the first padding byte.
        let word = |c: u32| (u64::from(c) | (PAD_FIRST << 32)) as i64;
        let mut s = [_mm512_setzero_si512(); WORDS];
        for (v, w) in s.iter_mut().zip(key) {
            *v = _mm512_set1_epi64(*w as i64);
        }
        s[4] = _mm512_set_epi64(
            word(ctrs[7]),
            word(ctrs[6]),
            word(ctrs[5]),
            word(ctrs[4]),
            word(ctrs[3]),
            word(ctrs[2]),
            word(ctrs[1]),
            word(ctrs[0]),
        );
        s[PAD_LAST_WORD] = _mm512_set1_epi64(PAD_LAST as i64);
        permute!(s);
        // The second hash absorbs the 32-byte inner digest, still one word per lane.
        let mut t = [_mm512_setzero_si512(); WORDS];
        t[..4].copy_from_slice(&s[..4]);
        t[4] = _mm512_set1_epi64(PAD_FIRST as i64);
        t[PAD_LAST_WORD] = _mm512_set1_epi64(PAD_LAST as i64);
        permute!(t);
        store_digests(&t, out);
    }

    /// Applies Keccak-f[1600] `times` times to each of eight states.
    #[target_feature(enable = "avx512f")]
    pub(in super::super) unsafe fn permute_states(states: &mut [[u64; WORDS]; LANES], times: u32) {
        let mut w = [[0u64; LANES]; WORDS];
        for (k, st) in states.iter().enumerate() {
            for (j, x) in st.iter().enumerate() {
                w[j][k] = *x;
            }
        }
        let mut s = [_mm512_setzero_si512(); WORDS];
        for (v, lanes) in s.iter_mut().zip(&w) {
            *v = load(lanes);
        }
        for _ in 0..times {
            permute!(s);
        }
        for (lanes, v) in w.iter_mut().zip(s) {
            store(lanes, v);
        }
        for (k, st) in states.iter_mut().enumerate() {
            for (j, x) in st.iter_mut().enumerate() {
                *x = w[j][k];
            }
        }
    }
}

/// 4x4 transpose of 64-bit elements.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn transpose4(r: [__m256i; 4]) -> [__m256i; 4] {
    let t0 = _mm256_unpacklo_epi64(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi64(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi64(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi64(r[2], r[3]);
    [
        _mm256_permute2x128_si256::<0x20>(t0, t2),
        _mm256_permute2x128_si256::<0x20>(t1, t3),
        _mm256_permute2x128_si256::<0x31>(t0, t2),
        _mm256_permute2x128_si256::<0x31>(t1, t3),
    ]
}

/// The two 4-lane kernels differ only in how they rotate and combine; this writes both.
macro_rules! four_lane_kernel {
    ($name:ident, $features:literal, $xor:ident, $xor3:ident, $rol:ident, $chi:ident) => {
        pub(super) mod $name {
            use super::*;

            macro_rules! y_splat {
                ($x:expr) => {
                    _mm256_set1_epi64x($x as i64)
                };
            }

            pub(in super::super) const LANES: usize = 4;

            // The 24 rounds on a state variable in place, written out where they are used. As a
            // function (even `#[inline]`) they were called, not inlined, and the 25 vectors went
            // through memory on the way in and out: `swarmec hash` of 512 MiB took 25 % more CPU.
            macro_rules! permute {
                ($s:ident) => {
                    keccak_f1600_rounds!($s, $xor, $xor3, $rol, $chi, y_splat)
                };
            }

            #[inline]
            #[target_feature(enable = $features)]
            unsafe fn load(w: &[u64; LANES]) -> __m256i {
                _mm256_loadu_si256(w.as_ptr().cast())
            }

            #[inline]
            #[target_feature(enable = $features)]
            unsafe fn store(w: &mut [u64; LANES], v: __m256i) {
                _mm256_storeu_si256(w.as_mut_ptr().cast(), v)
            }

            /// Stores the first four words of lane `k` (its digest) in `out[k]`.
            #[inline]
            #[target_feature(enable = $features)]
            unsafe fn store_digests(s: &[__m256i; WORDS], out: &mut [[u8; HASH_SIZE]; LANES]) {
                let digests = transpose4([s[0], s[1], s[2], s[3]]);
                for (o, d) in out.iter_mut().zip(digests) {
                    _mm256_storeu_si256(o.as_mut_ptr().cast(), d);
                }
            }

            /// Keccak-256 of four 64-byte messages.
            #[target_feature(enable = $features)]
            pub(in super::super) unsafe fn hash64(
                msgs: &[&[u8; 64]; LANES],
                out: &mut [[u8; HASH_SIZE]; LANES],
            ) {
                let mut lo = [_mm256_setzero_si256(); 4];
                let mut hi = [_mm256_setzero_si256(); 4];
                for ((l, h), m) in lo.iter_mut().zip(hi.iter_mut()).zip(msgs) {
                    let halves = m.as_chunks::<32>().0;
                    for (v, half) in [l, h].into_iter().zip(halves) {
                        *v = _mm256_loadu_si256(half.as_ptr().cast());
                    }
                }
                let mut s = [_mm256_setzero_si256(); WORDS];
                s[..4].copy_from_slice(&transpose4(lo));
                s[4..8].copy_from_slice(&transpose4(hi));
                s[8] = _mm256_set1_epi64x(PAD_FIRST as i64);
                s[PAD_LAST_WORD] = _mm256_set1_epi64x(PAD_LAST as i64);
                permute!(s);
                store_digests(&s, out);
            }

            /// Keccak-256 of four 40-byte messages.
            #[target_feature(enable = $features)]
            pub(in super::super) unsafe fn hash40(
                msgs: &[&[u8; 40]; LANES],
                out: &mut [[u8; HASH_SIZE]; LANES],
            ) {
                let w = gather_words(msgs);
                let mut s = [_mm256_setzero_si256(); WORDS];
                for (v, lanes) in s.iter_mut().zip(&w) {
                    *v = load(lanes);
                }
                permute!(s);
                store_digests(&s, out);
            }

            /// Four blocks of bee's keystream, `keccak256(keccak256(key || LE32(ctrs[k])))`
            /// for lane `k`: the key words are the same in every lane, the counter differs;
            /// both permutations run without leaving the registers.
            #[target_feature(enable = $features)]
            pub(in super::super) unsafe fn keystream(
                key: &[u64; 4],
                ctrs: &[u32; LANES],
                out: &mut [[u8; HASH_SIZE]; LANES],
            ) {
                // Bytes 32..36 hold the counter, byte 36 the first padding byte.
                let word = |c: u32| (u64::from(c) | (PAD_FIRST << 32)) as i64;
                let mut s = [_mm256_setzero_si256(); WORDS];
                for (v, w) in s.iter_mut().zip(key) {
                    *v = _mm256_set1_epi64x(*w as i64);
                }
                s[4] =
                    _mm256_set_epi64x(word(ctrs[3]), word(ctrs[2]), word(ctrs[1]), word(ctrs[0]));
                s[PAD_LAST_WORD] = _mm256_set1_epi64x(PAD_LAST as i64);
                permute!(s);
                // The second hash absorbs the 32-byte inner digest, still one word per lane.
                let mut t = [_mm256_setzero_si256(); WORDS];
                t[..4].copy_from_slice(&s[..4]);
                t[4] = _mm256_set1_epi64x(PAD_FIRST as i64);
                t[PAD_LAST_WORD] = _mm256_set1_epi64x(PAD_LAST as i64);
                permute!(t);
                store_digests(&t, out);
            }

            /// Applies Keccak-f[1600] `times` times to each of four states.
            #[target_feature(enable = $features)]
            pub(in super::super) unsafe fn permute_states(
                states: &mut [[u64; WORDS]; LANES],
                times: u32,
            ) {
                let mut w = [[0u64; LANES]; WORDS];
                for (k, st) in states.iter().enumerate() {
                    for (j, x) in st.iter().enumerate() {
                        w[j][k] = *x;
                    }
                }
                let mut s = [_mm256_setzero_si256(); WORDS];
                for (v, lanes) in s.iter_mut().zip(&w) {
                    *v = load(lanes);
                }
                for _ in 0..times {
                    permute!(s);
                }
                for (lanes, v) in w.iter_mut().zip(s) {
                    store(lanes, v);
                }
                for (k, st) in states.iter_mut().enumerate() {
                    for (j, x) in st.iter_mut().enumerate() {
                        *x = w[j][k];
                    }
                }
            }
        }
    };
}

macro_rules! y_xor {
    ($x:expr, $y:expr) => {
        _mm256_xor_si256($x, $y)
    };
}
// The inner pair is shared by the five lanes of a theta column, so the compiler computes it once.
macro_rules! y_xor3 {
    ($x:expr, $y:expr, $z:expr) => {
        _mm256_xor_si256($x, _mm256_xor_si256($y, $z))
    };
}
macro_rules! y_rol {
    ($x:expr, $n:literal) => {
        _mm256_or_si256(
            _mm256_slli_epi64::<$n>($x),
            _mm256_srli_epi64::<{ 64 - $n }>($x),
        )
    };
}
macro_rules! y_chi {
    ($x:expr, $y:expr, $z:expr) => {
        _mm256_xor_si256($x, _mm256_andnot_si256($y, $z))
    };
}
macro_rules! v_xor3 {
    ($x:expr, $y:expr, $z:expr) => {
        _mm256_ternarylogic_epi64::<0x96>($x, $y, $z)
    };
}
macro_rules! v_rol {
    ($x:expr, $n:literal) => {
        _mm256_rol_epi64::<$n>($x)
    };
}
macro_rules! v_chi {
    ($x:expr, $y:expr, $z:expr) => {
        _mm256_ternarylogic_epi64::<0xD2>($x, $y, $z)
    };
}

four_lane_kernel!(avx2, "avx2", y_xor, y_xor3, y_rol, y_chi);
four_lane_kernel!(avx2vl, "avx2,avx512f,avx512vl", y_xor, v_xor3, v_rol, v_chi);
