//! Keccak-f[1600] on several independent states in lockstep, and batched Keccak-256 of the short
//! fixed-size messages a BMT hashes (64-byte sections and pairs, 40-byte span wraps).
//!
//! Kernels: [`Kernel::Scalar`] (portable, one state at a time), [`Kernel::Avx2`] (4 lanes in
//! `__m256i`), [`Kernel::Avx2Vl`] (the same with AVX-512VL rotates and ternary logic) and
//! [`Kernel::Avx512`] (8 lanes in `__m512i`). Only the kernel functions carry
//! `#[target_feature]`; the crate is never built for a global `target-cpu`, which would slow the
//! scalar Keccak elsewhere. The best kernel is chosen once at run time; off x86-64 only the scalar
//! kernel is compiled.
//!
//! Refused: a forced kernel the CPU does not support ([`LanesError::Unavailable`]) and output
//! slices whose length differs from the input's ([`LanesError::LengthMismatch`]). Messages of
//! other lengths are out of scope: use [`crate::keccak`].

use std::sync::OnceLock;

pub use crate::keccak::HASH_SIZE;
pub use keystream::{keystream, keystream_with};
/// 64-bit words in a Keccak-f[1600] state.
pub const WORDS: usize = 25;
/// Keccak-256 rate in bytes: one block absorbs every message hashed here.
const RATE: usize = 136;
/// Legacy Keccak padding: 0x01 right after the message, 0x80 in the last byte of the block.
const PAD_FIRST: u64 = 0x01;
const PAD_LAST_WORD: usize = RATE / 8 - 1;
const PAD_LAST: u64 = 0x80 << 56;

/// Round constants of Keccak-f[1600].
const RC: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// The 24 rounds on `$s: [V; 25]` (word `x + 5y`) for any lane type `V`, given its operations as
/// macros: `$xor(a, b)`, `$xor3(a, b, c)`, `$rol(a, n)` with a literal `n`, `$chi(a, b, c)` =
/// `a ^ (!b & c)`, `$splat(u64)`. Written out in full so that every rotate count is an immediate.
macro_rules! keccak_f1600_rounds {
    ($s:ident, $xor:ident, $xor3:ident, $rol:ident, $chi:ident, $splat:ident) => {
        for &rc in $crate::keccak_lanes::RC.iter() {
            // Theta: column parities, then word (x, y) ^= C[x-1] ^ rol(C[x+1], 1).
            let c0 = $xor3!($xor3!($s[0], $s[5], $s[10]), $s[15], $s[20]);
            let c1 = $xor3!($xor3!($s[1], $s[6], $s[11]), $s[16], $s[21]);
            let c2 = $xor3!($xor3!($s[2], $s[7], $s[12]), $s[17], $s[22]);
            let c3 = $xor3!($xor3!($s[3], $s[8], $s[13]), $s[18], $s[23]);
            let c4 = $xor3!($xor3!($s[4], $s[9], $s[14]), $s[19], $s[24]);
            let r0 = $rol!(c0, 1);
            let r1 = $rol!(c1, 1);
            let r2 = $rol!(c2, 1);
            let r3 = $rol!(c3, 1);
            let r4 = $rol!(c4, 1);
            $s[0] = $xor3!($s[0], c4, r1);
            $s[5] = $xor3!($s[5], c4, r1);
            $s[10] = $xor3!($s[10], c4, r1);
            $s[15] = $xor3!($s[15], c4, r1);
            $s[20] = $xor3!($s[20], c4, r1);
            $s[1] = $xor3!($s[1], c0, r2);
            $s[6] = $xor3!($s[6], c0, r2);
            $s[11] = $xor3!($s[11], c0, r2);
            $s[16] = $xor3!($s[16], c0, r2);
            $s[21] = $xor3!($s[21], c0, r2);
            $s[2] = $xor3!($s[2], c1, r3);
            $s[7] = $xor3!($s[7], c1, r3);
            $s[12] = $xor3!($s[12], c1, r3);
            $s[17] = $xor3!($s[17], c1, r3);
            $s[22] = $xor3!($s[22], c1, r3);
            $s[3] = $xor3!($s[3], c2, r4);
            $s[8] = $xor3!($s[8], c2, r4);
            $s[13] = $xor3!($s[13], c2, r4);
            $s[18] = $xor3!($s[18], c2, r4);
            $s[23] = $xor3!($s[23], c2, r4);
            $s[4] = $xor3!($s[4], c3, r0);
            $s[9] = $xor3!($s[9], c3, r0);
            $s[14] = $xor3!($s[14], c3, r0);
            $s[19] = $xor3!($s[19], c3, r0);
            $s[24] = $xor3!($s[24], c3, r0);
            // Rho and pi: follow the cycle of pi from word 1, rotating each word into its place.
            let mut last = $s[1];
            let mut next;
            next = $s[10];
            $s[10] = $rol!(last, 1);
            last = next;
            next = $s[7];
            $s[7] = $rol!(last, 3);
            last = next;
            next = $s[11];
            $s[11] = $rol!(last, 6);
            last = next;
            next = $s[17];
            $s[17] = $rol!(last, 10);
            last = next;
            next = $s[18];
            $s[18] = $rol!(last, 15);
            last = next;
            next = $s[3];
            $s[3] = $rol!(last, 21);
            last = next;
            next = $s[5];
            $s[5] = $rol!(last, 28);
            last = next;
            next = $s[16];
            $s[16] = $rol!(last, 36);
            last = next;
            next = $s[8];
            $s[8] = $rol!(last, 45);
            last = next;
            next = $s[21];
            $s[21] = $rol!(last, 55);
            last = next;
            next = $s[24];
            $s[24] = $rol!(last, 2);
            last = next;
            next = $s[4];
            $s[4] = $rol!(last, 14);
            last = next;
            next = $s[15];
            $s[15] = $rol!(last, 27);
            last = next;
            next = $s[23];
            $s[23] = $rol!(last, 41);
            last = next;
            next = $s[19];
            $s[19] = $rol!(last, 56);
            last = next;
            next = $s[13];
            $s[13] = $rol!(last, 8);
            last = next;
            next = $s[12];
            $s[12] = $rol!(last, 25);
            last = next;
            next = $s[2];
            $s[2] = $rol!(last, 43);
            last = next;
            next = $s[20];
            $s[20] = $rol!(last, 62);
            last = next;
            next = $s[14];
            $s[14] = $rol!(last, 18);
            last = next;
            next = $s[22];
            $s[22] = $rol!(last, 39);
            last = next;
            next = $s[9];
            $s[9] = $rol!(last, 61);
            last = next;
            next = $s[6];
            $s[6] = $rol!(last, 20);
            last = next;
            $s[1] = $rol!(last, 44);
            // Chi, row by row.
            for y in [0usize, 5, 10, 15, 20] {
                let (t0, t1, t2, t3, t4) = ($s[y], $s[y + 1], $s[y + 2], $s[y + 3], $s[y + 4]);
                $s[y] = $chi!(t0, t1, t2);
                $s[y + 1] = $chi!(t1, t2, t3);
                $s[y + 2] = $chi!(t2, t3, t4);
                $s[y + 3] = $chi!(t3, t4, t0);
                $s[y + 4] = $chi!(t4, t0, t1);
            }
            // Iota.
            $s[0] = $xor!($s[0], $splat!(rc));
        }
    };
}

mod keystream;
mod scalar;
#[cfg(target_arch = "x86_64")]
mod x86;

/// A Keccak-f[1600] kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Portable Rust, one state at a time; available everywhere.
    Scalar,
    /// AVX2, 4 lanes; rotates by shift pairs.
    Avx2,
    /// AVX2 registers with AVX-512VL rotates and ternary logic, 4 lanes.
    Avx2Vl,
    /// AVX-512F, 8 lanes.
    Avx512,
}

impl Kernel {
    /// Every kernel, slowest first.
    pub const ALL: [Kernel; 4] = [Kernel::Scalar, Kernel::Avx2, Kernel::Avx2Vl, Kernel::Avx512];

    /// States permuted per kernel call.
    pub const fn lanes(self) -> usize {
        match self {
            Kernel::Scalar => 1,
            Kernel::Avx2 | Kernel::Avx2Vl => 4,
            Kernel::Avx512 => 8,
        }
    }

    /// Short name for logs and benchmark ids.
    pub const fn name(self) -> &'static str {
        match self {
            Kernel::Scalar => "scalar",
            Kernel::Avx2 => "avx2",
            Kernel::Avx2Vl => "avx2+avx512vl",
            Kernel::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Vl => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// Why a batch was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LanesError {
    /// The forced kernel needs CPU features this machine lacks.
    #[error("Keccak kernel {} is not supported by this CPU", kernel.name())]
    Unavailable {
        /// The kernel asked for.
        kernel: Kernel,
    },
    /// The output slice does not have one slot per message.
    #[error("{inputs} messages but {outputs} output slots")]
    LengthMismatch {
        /// Number of messages (or states).
        inputs: usize,
        /// Number of output slots.
        outputs: usize,
    },
}

/// Kernels this CPU can run, slowest first.
pub fn available_kernels() -> Vec<Kernel> {
    Kernel::ALL
        .into_iter()
        .filter(|k| k.is_available())
        .collect()
}

/// The kernel the un-suffixed functions use: the widest available, detected once.
pub fn active_kernel() -> Kernel {
    static ACTIVE: OnceLock<Kernel> = OnceLock::new();
    *ACTIVE.get_or_init(|| {
        if Kernel::Avx512.is_available() {
            Kernel::Avx512
        } else if Kernel::Avx2.is_available() {
            Kernel::Avx2
        } else {
            Kernel::Scalar
        }
    })
}

/// Name of [`active_kernel`].
pub fn kernel_name() -> &'static str {
    active_kernel().name()
}

/// A kernel checked to run on this CPU. The vector kernels are called only through a `Ready`,
/// which is what makes those calls sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ready(Kernel);

/// Tails at least this long go through the vector kernel, filled up with repeated messages,
/// rather than through the scalar one. Measured here: an 8-lane AVX-512 call costs less than one
/// scalar permutation, a 4-lane AVX-512VL call too, a plain AVX2 call about 1.3.
#[cfg(target_arch = "x86_64")]
const PAD_FROM_AVX512: usize = 1;
#[cfg(target_arch = "x86_64")]
const PAD_FROM_AVX2VL: usize = 1;
#[cfg(target_arch = "x86_64")]
const PAD_FROM_AVX2: usize = 2;

impl Ready {
    /// `kernel` if this CPU supports it.
    pub(crate) fn check(kernel: Kernel) -> Result<Self, LanesError> {
        if kernel.is_available() {
            Ok(Ready(kernel))
        } else {
            Err(LanesError::Unavailable { kernel })
        }
    }

    /// The [`active_kernel`], which is available by construction.
    pub(crate) fn active() -> Self {
        Ready(active_kernel())
    }

    /// Keccak-256 of `out.len()` 64-byte messages, message `i` being `msg(i)`.
    pub(crate) fn hash64<'a>(
        self,
        msg: impl Fn(usize) -> &'a [u8; 64],
        out: &mut [[u8; HASH_SIZE]],
    ) {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => drive(&msg, out, PAD_FROM_AVX512, &mut |m, o| {
                // SAFETY: a `Ready` holding `Avx512` exists only if the CPU has AVX-512F.
                unsafe { x86::avx512::hash64(m, o) }
            }),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Vl => drive(&msg, out, PAD_FROM_AVX2VL, &mut |m, o| {
                // SAFETY: a `Ready` holding `Avx2Vl` exists only if the CPU has AVX2, AVX-512F
                // and AVX-512VL.
                unsafe { x86::avx2vl::hash64(m, o) }
            }),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => drive(&msg, out, PAD_FROM_AVX2, &mut |m, o| {
                // SAFETY: a `Ready` holding `Avx2` exists only if the CPU has AVX2.
                unsafe { x86::avx2::hash64(m, o) }
            }),
            _ => drive::<64, 1>(&msg, out, 1, &mut |m, o| {
                for (m, o) in m.iter().zip(o) {
                    scalar::hash(m, o)
                }
            }),
        }
    }

    /// Keccak-256 of `out.len()` 40-byte messages, message `i` being `msg(i)`.
    pub(crate) fn hash40<'a>(
        self,
        msg: impl Fn(usize) -> &'a [u8; 40],
        out: &mut [[u8; HASH_SIZE]],
    ) {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => drive(&msg, out, PAD_FROM_AVX512, &mut |m, o| {
                // SAFETY: a `Ready` holding `Avx512` exists only if the CPU has AVX-512F.
                unsafe { x86::avx512::hash40(m, o) }
            }),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Vl => drive(&msg, out, PAD_FROM_AVX2VL, &mut |m, o| {
                // SAFETY: a `Ready` holding `Avx2Vl` exists only if the CPU has AVX2, AVX-512F
                // and AVX-512VL.
                unsafe { x86::avx2vl::hash40(m, o) }
            }),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => drive(&msg, out, PAD_FROM_AVX2, &mut |m, o| {
                // SAFETY: a `Ready` holding `Avx2` exists only if the CPU has AVX2.
                unsafe { x86::avx2::hash40(m, o) }
            }),
            _ => drive::<40, 1>(&msg, out, 1, &mut |m, o| {
                for (m, o) in m.iter().zip(o) {
                    scalar::hash(m, o)
                }
            }),
        }
    }

    /// Applies Keccak-f[1600] `times` times to every state.
    fn permute(self, states: &mut [[u64; WORDS]], times: u32) {
        let scalar_all = |states: &mut [[u64; WORDS]]| {
            for st in states {
                for _ in 0..times {
                    *st = scalar::permute(*st);
                }
            }
        };
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => {
                let (groups, tail) = states.as_chunks_mut::<8>();
                for g in groups {
                    // SAFETY: a `Ready` holding `Avx512` exists only if the CPU has AVX-512F.
                    unsafe { x86::avx512::permute_states(g, times) }
                }
                scalar_all(tail);
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Vl => {
                let (groups, tail) = states.as_chunks_mut::<4>();
                for g in groups {
                    // SAFETY: a `Ready` holding `Avx2Vl` exists only if the CPU has AVX2,
                    // AVX-512F and AVX-512VL.
                    unsafe { x86::avx2vl::permute_states(g, times) }
                }
                scalar_all(tail);
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                let (groups, tail) = states.as_chunks_mut::<4>();
                for g in groups {
                    // SAFETY: a `Ready` holding `Avx2` exists only if the CPU has AVX2.
                    unsafe { x86::avx2::permute_states(g, times) }
                }
                scalar_all(tail);
            }
            _ => scalar_all(states),
        }
    }
}

/// Runs `group` over whole groups of `L` messages; a tail of at least `pad_from` messages is
/// filled up with copies of its last message and run through `group` too, a shorter one goes
/// through the scalar kernel.
#[inline(always)]
fn drive<'a, const B: usize, const L: usize>(
    msg: &impl Fn(usize) -> &'a [u8; B],
    out: &mut [[u8; HASH_SIZE]],
    pad_from: usize,
    group: &mut impl FnMut(&[&'a [u8; B]; L], &mut [[u8; HASH_SIZE]; L]),
) {
    let (groups, tail) = out.as_chunks_mut::<L>();
    let mut base = 0;
    for o in groups {
        let m: [&[u8; B]; L] = core::array::from_fn(|j| msg(base + j));
        group(&m, o);
        base += L;
    }
    let r = tail.len();
    if r == 0 {
        return;
    }
    if r >= pad_from {
        let m: [&[u8; B]; L] = core::array::from_fn(|j| msg(base + j.min(r - 1)));
        let mut tmp = [[0u8; HASH_SIZE]; L];
        group(&m, &mut tmp);
        for (o, t) in tail.iter_mut().zip(tmp) {
            *o = t;
        }
    } else {
        for (j, o) in tail.iter_mut().enumerate() {
            scalar::hash(msg(base + j), o);
        }
    }
}

/// Keccak-256 (legacy padding) of every 64-byte message into the matching slot of `out`, with the
/// [`active_kernel`].
///
/// # Panics
/// If `out.len() != inputs.len()`: a caller bug, never data-dependent.
pub fn keccak256_64_batch(inputs: &[[u8; 64]], out: &mut [[u8; HASH_SIZE]]) {
    assert_eq!(inputs.len(), out.len(), "one output slot per message");
    Ready::active().hash64(|i| &inputs[i], out);
}

/// [`keccak256_64_batch`] with a chosen kernel.
pub fn keccak256_64_batch_with(
    kernel: Kernel,
    inputs: &[[u8; 64]],
    out: &mut [[u8; HASH_SIZE]],
) -> Result<(), LanesError> {
    let ready = Ready::check(kernel)?;
    same_len(inputs.len(), out.len())?;
    ready.hash64(|i| &inputs[i], out);
    Ok(())
}

/// Keccak-256 (legacy padding) of every 40-byte message (`span || root`) into the matching slot
/// of `out`, with the [`active_kernel`].
///
/// # Panics
/// If `out.len() != inputs.len()`: a caller bug, never data-dependent.
pub fn keccak256_40_batch(inputs: &[[u8; 40]], out: &mut [[u8; HASH_SIZE]]) {
    assert_eq!(inputs.len(), out.len(), "one output slot per message");
    Ready::active().hash40(|i| &inputs[i], out);
}

/// [`keccak256_40_batch`] with a chosen kernel.
pub fn keccak256_40_batch_with(
    kernel: Kernel,
    inputs: &[[u8; 40]],
    out: &mut [[u8; HASH_SIZE]],
) -> Result<(), LanesError> {
    let ready = Ready::check(kernel)?;
    same_len(inputs.len(), out.len())?;
    ready.hash40(|i| &inputs[i], out);
    Ok(())
}

/// Applies Keccak-f[1600] `times` times to each state, `kernel.lanes()` states at once (the rest
/// one by one). For tests against other implementations and for measuring raw throughput.
pub fn permute_batch_with(
    kernel: Kernel,
    states: &mut [[u64; WORDS]],
    times: u32,
) -> Result<(), LanesError> {
    Ready::check(kernel)?.permute(states, times);
    Ok(())
}

fn same_len(inputs: usize, outputs: usize) -> Result<(), LanesError> {
    if inputs == outputs {
        Ok(())
    } else {
        Err(LanesError::LengthMismatch { inputs, outputs })
    }
}

#[cfg(test)]
mod tests;
