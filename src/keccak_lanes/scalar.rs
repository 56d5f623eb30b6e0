//! Portable one-lane kernel: the fallback on every target and the tail of the vector kernels.

use super::{HASH_SIZE, WORDS};

macro_rules! s_xor {
    ($x:expr, $y:expr) => {
        $x ^ $y
    };
}
// The inner pair is shared by the five lanes of a theta column, so the compiler computes it once.
macro_rules! s_xor3 {
    ($x:expr, $y:expr, $z:expr) => {
        $x ^ ($y ^ $z)
    };
}
macro_rules! s_rol {
    ($x:expr, $n:literal) => {
        $x.rotate_left($n)
    };
}
macro_rules! s_chi {
    ($x:expr, $y:expr, $z:expr) => {
        $x ^ (!$y & $z)
    };
}
macro_rules! s_splat {
    ($x:expr) => {
        $x
    };
}

/// Keccak-f[1600] on one state.
// The round macro is written for vector types, which have no `^=`.
#[allow(clippy::assign_op_pattern)]
#[inline]
pub(super) fn permute(mut s: [u64; WORDS]) -> [u64; WORDS] {
    keccak_f1600_rounds!(s, s_xor, s_xor3, s_rol, s_chi, s_splat);
    s
}

/// Keccak-256 of one message of `B` bytes (`B` < 136, a multiple of 8): one padded block.
#[inline]
pub(super) fn hash<const B: usize>(msg: &[u8; B], out: &mut [u8; HASH_SIZE]) {
    const { assert!(B.is_multiple_of(8) && B < super::RATE) };
    let mut s = [0u64; WORDS];
    for (w, bytes) in s.iter_mut().zip(msg.as_chunks::<8>().0) {
        *w = u64::from_le_bytes(*bytes);
    }
    s[B / 8] ^= super::PAD_FIRST;
    s[super::PAD_LAST_WORD] ^= super::PAD_LAST;
    let s = permute(s);
    for (o, w) in out.as_chunks_mut::<8>().0.iter_mut().zip(s) {
        *o = w.to_le_bytes();
    }
}
