//! bee's encryption keystream in lockstep: block `j` of a chunk key is
//! `keccak256(keccak256(key || LE32(first + j)))`, two Keccak-f permutations per 32 bytes, the
//! whole cost of encrypting a chunk (spec §6).
//!
//! The vector kernels (4 and 8 lanes) build both permutations' states in registers straight from
//! the key and the counters; the scalar one permutes `[u64; 25]` states one by one.

use super::{Kernel, LanesError, Ready, HASH_SIZE, WORDS};

/// `out.len()` keystream blocks of `key`, from counter `first` (wrapping modulo 2^32 as bee's
/// `uint32(i) + initCtr`), with the [`super::active_kernel`].
pub fn keystream(key: &[u8; 32], first: u32, out: &mut [[u8; HASH_SIZE]]) {
    Ready::active().keystream(key, first, out);
}

/// [`keystream`] with a chosen kernel.
pub fn keystream_with(
    kernel: Kernel,
    key: &[u8; 32],
    first: u32,
    out: &mut [[u8; HASH_SIZE]],
) -> Result<(), LanesError> {
    Ready::check(kernel)?.keystream(key, first, out);
    Ok(())
}

/// The key as four little-endian words.
fn key_words(key: &[u8; 32]) -> [u64; 4] {
    let (words, _) = key.as_chunks::<8>();
    std::array::from_fn(|i| u64::from_le_bytes(words[i]))
}

/// Counter `j` of a run starting at `first`.
fn ctr(first: u32, j: usize) -> u32 {
    // Truncation is bee's behaviour; chunk-sized runs never reach it.
    first.wrapping_add(j as u32)
}

impl Ready {
    fn keystream(self, key: &[u8; 32], first: u32, out: &mut [[u8; HASH_SIZE]]) {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => in_lanes::<8>(key, first, out, |k, c, o| {
                // SAFETY: a `Ready` holding `Avx512` exists only if the CPU has AVX-512F.
                unsafe { super::x86::avx512::keystream(k, c, o) }
            }),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => in_lanes::<4>(key, first, out, |k, c, o| {
                // SAFETY: a `Ready` holding `Avx2` exists only if the CPU has AVX2.
                unsafe { super::x86::avx2::keystream(k, c, o) }
            }),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Vl => in_lanes::<4>(key, first, out, |k, c, o| {
                // SAFETY: a `Ready` holding `Avx2Vl` exists only if the CPU has AVX2, AVX-512F
                // and AVX-512VL.
                unsafe { super::x86::avx2vl::keystream(k, c, o) }
            }),
            _ => self.by_states(key, first, out),
        }
    }

    /// Both hashes as `[u64; 25]` states through [`Ready::permute`].
    fn by_states(self, key: &[u8; 32], first: u32, out: &mut [[u8; HASH_SIZE]]) {
        let words = key_words(key);
        let fresh = |head: [u64; 4], fifth: u64| {
            let mut st = [0u64; WORDS];
            st[..4].copy_from_slice(&head);
            st[4] = fifth;
            st[super::PAD_LAST_WORD] = super::PAD_LAST;
            st
        };
        // Bytes 32..36 hold the counter, byte 36 the first padding byte.
        let mut states: Vec<[u64; WORDS]> = (0..out.len())
            .map(|j| fresh(words, u64::from(ctr(first, j)) | (super::PAD_FIRST << 32)))
            .collect();
        self.permute(&mut states, 1);
        for st in &mut states {
            *st = fresh([st[0], st[1], st[2], st[3]], super::PAD_FIRST);
        }
        self.permute(&mut states, 1);
        for (o, st) in out.iter_mut().zip(&states) {
            for (bytes, w) in o.as_chunks_mut::<8>().0.iter_mut().zip(st) {
                *bytes = w.to_le_bytes();
            }
        }
    }
}

/// Runs an `L`-lane keystream kernel over `out`; a short tail repeats its last counter to fill the
/// lanes and keeps only what it needs.
#[inline(always)]
fn in_lanes<const L: usize>(
    key: &[u8; 32],
    first: u32,
    out: &mut [[u8; HASH_SIZE]],
    kernel: impl Fn(&[u64; 4], &[u32; L], &mut [[u8; HASH_SIZE]; L]),
) {
    let words = key_words(key);
    let (groups, tail) = out.as_chunks_mut::<L>();
    let mut j = 0;
    for o in groups {
        kernel(&words, &std::array::from_fn(|k| ctr(first, j + k)), o);
        j += L;
    }
    if !tail.is_empty() {
        let last = tail.len() - 1;
        let mut tmp = [[0u8; HASH_SIZE]; L];
        kernel(
            &words,
            &std::array::from_fn(|k| ctr(first, j + k.min(last))),
            &mut tmp,
        );
        for (o, t) in tail.iter_mut().zip(tmp) {
            *o = t;
        }
    }
}

/// One block by the reference Keccak, for tests.
#[cfg(test)]
pub(super) fn block_reference(key: &[u8; 32], ctr: u32) -> [u8; HASH_SIZE] {
    let inner = crate::keccak::keccak256_concat(&[key, &ctr.to_le_bytes()]);
    crate::keccak::keccak256(&inner)
}
