//! The field's tables and the multiply-accumulate kernels that do the coding's work: a portable
//! scalar kernel over a 64 KiB product table (the slow twin) and, on x86-64, AVX2 and AVX-512BW
//! nibble shuffles and GFNI affine transforms, picked at run time.

use std::sync::OnceLock;

use super::POLY;

// ---------------------------------------------------------------------------------------------
// Field tables, built at compile time.

const fn exp_log() -> ([u8; 256], [u8; 256]) {
    let mut exp = [0u8; 256];
    let mut log = [0u8; 256];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= POLY;
        }
        i += 1;
    }
    exp[255] = exp[0];
    (exp, log)
}

pub(super) const EXP_LOG: ([u8; 256], [u8; 256]) = exp_log();

const fn mul_const(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    let (exp, log) = EXP_LOG;
    exp[(log[a as usize] as usize + log[b as usize] as usize) % 255]
}

const fn mul_table() -> [[u8; 256]; 256] {
    let mut t = [[0u8; 256]; 256];
    let mut a = 0;
    while a < 256 {
        let mut b = 0;
        while b < 256 {
            t[a][b] = mul_const(a as u8, b as u8);
            b += 1;
        }
        a += 1;
    }
    t
}

/// `MUL[a][b] = a·b`.
pub(super) static MUL: [[u8; 256]; 256] = mul_table();

/// `NIBBLES[c]` = the products of `c` with `0..16` followed by those with `0x00, 0x10, ..., 0xF0`:
/// a byte's product is the XOR of its low and high nibble's, looked up 16 at a time by `vpshufb`.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) static NIBBLES: [[u8; 32]; 256] = nibble_tables();

const fn nibble_tables() -> [[u8; 32]; 256] {
    let mut t = [[0u8; 32]; 256];
    let mut c = 0;
    while c < 256 {
        let mut x = 0;
        while x < 16 {
            t[c][x] = mul_const(c as u8, x as u8);
            t[c][16 + x] = mul_const(c as u8, (x << 4) as u8);
            x += 1;
        }
        c += 1;
    }
    t
}

/// `AFFINE[c]`: multiplication by `c` as the 8×8 bit matrix `vgf2p8affineqb` applies. GFNI's own
/// multiply uses the AES polynomial 0x11B, so the 0x11D product goes through the affine form.
/// Byte `7 - i` of the matrix selects the input bits whose XOR is output bit `i`.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) static AFFINE: [u64; 256] = affine_tables();

const fn affine_tables() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut c = 0;
    while c < 256 {
        let mut m = 0u64;
        let mut i = 0;
        while i < 8 {
            let mut row = 0u64;
            let mut j = 0;
            while j < 8 {
                row |= (((mul_const(c as u8, 1 << j) >> i) & 1) as u64) << j;
                j += 1;
            }
            m |= row << (8 * (7 - i));
            i += 1;
        }
        t[c] = m;
        c += 1;
    }
    t
}

/// `a·b` in GF(2^8) mod 0x11D.
pub fn mul(a: u8, b: u8) -> u8 {
    MUL[usize::from(a)][usize::from(b)]
}

/// The multiplicative inverse of `a`, `None` for zero.
pub fn inv(a: u8) -> Option<u8> {
    let (exp, log) = &EXP_LOG;
    (a != 0).then(|| exp[(255 - usize::from(log[usize::from(a)])) % 255])
}

// ---------------------------------------------------------------------------------------------
// Kernels.

/// The instruction sets a multiply-accumulate kernel can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KernelKind {
    /// Portable: one 256-byte product-table row per coefficient.
    Scalar,
    /// AVX2 `vpshufb` on nibbles, 32 bytes at a time.
    Avx2,
    /// AVX-512BW `vpshufb` on nibbles, 64 bytes at a time.
    Avx512,
    /// GFNI `vgf2p8affineqb` on AVX-512 vectors, 64 bytes at a time.
    Gfni,
}

impl KernelKind {
    /// Every kind, slowest first.
    pub const ALL: [KernelKind; 4] = [
        KernelKind::Scalar,
        KernelKind::Avx2,
        KernelKind::Avx512,
        KernelKind::Gfni,
    ];

    /// Short lower-case name, for test and bench labels.
    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Scalar => "scalar",
            KernelKind::Avx2 => "avx2",
            KernelKind::Avx512 => "avx512",
            KernelKind::Gfni => "gfni",
        }
    }

    /// Whether this CPU can run the kind.
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                KernelKind::Scalar => true,
                KernelKind::Avx2 => is_x86_feature_detected!("avx2"),
                KernelKind::Avx512 => {
                    is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw")
                }
                KernelKind::Gfni => {
                    is_x86_feature_detected!("avx512f")
                        && is_x86_feature_detected!("avx512bw")
                        && is_x86_feature_detected!("gfni")
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == KernelKind::Scalar
        }
    }
}

/// A multiply-accumulate kernel this CPU supports. Holding one is the proof that its instructions
/// may run, which is what makes its methods safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kernel(pub(super) KernelKind);

impl Kernel {
    /// The kernel of `kind`, if this CPU supports it (to force one in tests and benches).
    pub fn new(kind: KernelKind) -> Option<Kernel> {
        kind.is_supported().then_some(Kernel(kind))
    }

    /// The fastest kernel this CPU supports, detected once per process.
    pub fn detected() -> Kernel {
        static BEST: OnceLock<Kernel> = OnceLock::new();
        *BEST.get_or_init(|| {
            KernelKind::ALL
                .into_iter()
                .rev()
                .find_map(Kernel::new)
                .unwrap_or(Kernel(KernelKind::Scalar))
        })
    }

    /// Every kernel this CPU supports, slowest first.
    pub fn available() -> Vec<Kernel> {
        KernelKind::ALL
            .into_iter()
            .filter_map(Kernel::new)
            .collect()
    }

    /// Its kind.
    pub fn kind(self) -> KernelKind {
        self.0
    }

    /// `dst[i] ^= c·src[i]` over the common prefix of `src` and `dst`.
    pub fn mul_acc(self, c: u8, src: &[u8], dst: &mut [u8]) {
        let n = src.len().min(dst.len());
        let (src, dst) = (&src[..n], &mut dst[..n]);
        match c {
            0 => {}
            1 => dst.iter_mut().zip(src).for_each(|(d, s)| *d ^= s),
            _ => match self.0 {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: a `Kernel` of these kinds exists only where the CPU has their features.
                KernelKind::Avx2 => unsafe { x86::mul_acc_avx2(c, src, dst) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                KernelKind::Avx512 => unsafe { x86::mul_acc_avx512(c, src, dst) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                KernelKind::Gfni => unsafe { x86::mul_acc_gfni(c, src, dst) },
                _ => mul_acc_scalar(c, src, dst),
            },
        }
    }

    /// `dst[i] = c·src[i]` over the common prefix of `src` and `dst`.
    pub fn mul_set(self, c: u8, src: &[u8], dst: &mut [u8]) {
        let n = src.len().min(dst.len());
        let (src, dst) = (&src[..n], &mut dst[..n]);
        match c {
            0 => dst.fill(0),
            1 => dst.copy_from_slice(src),
            _ => match self.0 {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: a `Kernel` of these kinds exists only where the CPU has their features.
                KernelKind::Avx2 => unsafe { x86::mul_set_avx2(c, src, dst) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                KernelKind::Avx512 => unsafe { x86::mul_set_avx512(c, src, dst) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                KernelKind::Gfni => unsafe { x86::mul_set_gfni(c, src, dst) },
                _ => mul_set_scalar(c, src, dst),
            },
        }
    }
}

fn mul_acc_scalar(c: u8, src: &[u8], dst: &mut [u8]) {
    let row = &MUL[usize::from(c)];
    for (d, &s) in dst.iter_mut().zip(src) {
        *d ^= row[usize::from(s)];
    }
}

fn mul_set_scalar(c: u8, src: &[u8], dst: &mut [u8]) {
    let row = &MUL[usize::from(c)];
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = row[usize::from(s)];
    }
}

/// The vector kernels. Each takes `src` and `dst` of equal length, does whole vectors with the
/// instruction set and the remainder with the scalar table.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{mul_acc_scalar, mul_set_scalar, AFFINE, NIBBLES};
    use std::arch::x86_64::*;

    macro_rules! kernel_loop {
        ($lanes:expr, $src:ident, $dst:ident, $c:ident, $tail:ident, |$s:ident, $d:ident| $body:expr) => {{
            debug_assert_eq!($src.len(), $dst.len());
            let whole = $src.len() - $src.len() % $lanes;
            for (sv, dv) in $src[..whole]
                .chunks_exact($lanes)
                .zip($dst[..whole].chunks_exact_mut($lanes))
            {
                let $s = sv.as_ptr();
                let $d = dv.as_mut_ptr();
                $body
            }
            $tail($c, &$src[whole..], &mut $dst[whole..]);
        }};
    }

    #[target_feature(enable = "avx2")]
    unsafe fn tables_256(c: u8) -> (__m256i, __m256i) {
        let t = &NIBBLES[usize::from(c)];
        // SAFETY: `t` is 32 bytes, read as two unaligned 16-byte halves.
        unsafe {
            let lo = _mm_loadu_si128(t.as_ptr().cast());
            let hi = _mm_loadu_si128(t.as_ptr().add(16).cast());
            (
                _mm256_broadcastsi128_si256(lo),
                _mm256_broadcastsi128_si256(hi),
            )
        }
    }

    #[target_feature(enable = "avx2")]
    fn product_256(lo: __m256i, hi: __m256i, s: __m256i) -> __m256i {
        let mask = _mm256_set1_epi8(0x0f);
        let l = _mm256_and_si256(s, mask);
        let h = _mm256_and_si256(_mm256_srli_epi64::<4>(s), mask);
        _mm256_xor_si256(_mm256_shuffle_epi8(lo, l), _mm256_shuffle_epi8(hi, h))
    }

    /// # Safety
    /// The CPU must support AVX2; `src` and `dst` must have the same length.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn mul_acc_avx2(c: u8, src: &[u8], dst: &mut [u8]) {
        // SAFETY: the caller vouches for AVX2; pointers come from 32-byte chunks of the slices.
        unsafe {
            let (lo, hi) = tables_256(c);
            kernel_loop!(32, src, dst, c, mul_acc_scalar, |s, d| {
                let p = product_256(lo, hi, _mm256_loadu_si256(s.cast()));
                let x = _mm256_xor_si256(_mm256_loadu_si256(d.cast()), p);
                _mm256_storeu_si256(d.cast(), x);
            });
        }
    }

    /// # Safety
    /// The CPU must support AVX2; `src` and `dst` must have the same length.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn mul_set_avx2(c: u8, src: &[u8], dst: &mut [u8]) {
        // SAFETY: as in `mul_acc_avx2`.
        unsafe {
            let (lo, hi) = tables_256(c);
            kernel_loop!(32, src, dst, c, mul_set_scalar, |s, d| {
                let p = product_256(lo, hi, _mm256_loadu_si256(s.cast()));
                _mm256_storeu_si256(d.cast(), p);
            });
        }
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn tables_512(c: u8) -> (__m512i, __m512i) {
        let t = &NIBBLES[usize::from(c)];
        // SAFETY: `t` is 32 bytes, read as two unaligned 16-byte halves.
        unsafe {
            let lo = _mm_loadu_si128(t.as_ptr().cast());
            let hi = _mm_loadu_si128(t.as_ptr().add(16).cast());
            (_mm512_broadcast_i32x4(lo), _mm512_broadcast_i32x4(hi))
        }
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    fn product_512(lo: __m512i, hi: __m512i, s: __m512i) -> __m512i {
        let mask = _mm512_set1_epi8(0x0f);
        let l = _mm512_and_si512(s, mask);
        let h = _mm512_and_si512(_mm512_srli_epi64::<4>(s), mask);
        _mm512_xor_si512(_mm512_shuffle_epi8(lo, l), _mm512_shuffle_epi8(hi, h))
    }

    /// # Safety
    /// The CPU must support AVX-512F and BW; `src` and `dst` must have the same length.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn mul_acc_avx512(c: u8, src: &[u8], dst: &mut [u8]) {
        // SAFETY: the caller vouches for the features; pointers come from 64-byte chunks.
        unsafe {
            let (lo, hi) = tables_512(c);
            kernel_loop!(64, src, dst, c, mul_acc_scalar, |s, d| {
                let p = product_512(lo, hi, _mm512_loadu_si512(s.cast()));
                let x = _mm512_xor_si512(_mm512_loadu_si512(d.cast()), p);
                _mm512_storeu_si512(d.cast(), x);
            });
        }
    }

    /// # Safety
    /// The CPU must support AVX-512F and BW; `src` and `dst` must have the same length.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn mul_set_avx512(c: u8, src: &[u8], dst: &mut [u8]) {
        // SAFETY: as in `mul_acc_avx512`.
        unsafe {
            let (lo, hi) = tables_512(c);
            kernel_loop!(64, src, dst, c, mul_set_scalar, |s, d| {
                let p = product_512(lo, hi, _mm512_loadu_si512(s.cast()));
                _mm512_storeu_si512(d.cast(), p);
            });
        }
    }

    /// # Safety
    /// The CPU must support GFNI, AVX-512F and BW; `src` and `dst` must have the same length.
    #[target_feature(enable = "gfni,avx512f,avx512bw")]
    pub(super) unsafe fn mul_acc_gfni(c: u8, src: &[u8], dst: &mut [u8]) {
        let m = _mm512_set1_epi64(AFFINE[usize::from(c)] as i64);
        // SAFETY: the caller vouches for the features; pointers come from 64-byte chunks.
        unsafe {
            kernel_loop!(64, src, dst, c, mul_acc_scalar, |s, d| {
                let p = _mm512_gf2p8affine_epi64_epi8::<0>(_mm512_loadu_si512(s.cast()), m);
                let x = _mm512_xor_si512(_mm512_loadu_si512(d.cast()), p);
                _mm512_storeu_si512(d.cast(), x);
            });
        }
    }

    /// # Safety
    /// The CPU must support GFNI, AVX-512F and BW; `src` and `dst` must have the same length.
    #[target_feature(enable = "gfni,avx512f,avx512bw")]
    pub(super) unsafe fn mul_set_gfni(c: u8, src: &[u8], dst: &mut [u8]) {
        let m = _mm512_set1_epi64(AFFINE[usize::from(c)] as i64);
        // SAFETY: as in `mul_acc_gfni`.
        unsafe {
            kernel_loop!(64, src, dst, c, mul_set_scalar, |s, d| {
                let p = _mm512_gf2p8affine_epi64_epi8::<0>(_mm512_loadu_si512(s.cast()), m);
                _mm512_storeu_si512(d.cast(), p);
            });
        }
    }
}
