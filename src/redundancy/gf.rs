//! Fast Reed-Solomon over GF(2^8) (polynomial 0x11D) for chunk groups (spec §5.4), byte-identical to
//! `reed-solomon-erasure` 6.0.0's `galois_8` coder, which builds bee's coding matrix.
//!
//! The coding matrix is computed here (a Vandermonde matrix made systematic, as klauspost's and
//! `reed-solomon-erasure`'s default coders build it) once per `(data, parity)` pair and cached; the
//! library is only the tests' reference, which checks every pair bee uses. The multiply-accumulate that does the actual work is picked at run time: GFNI affine
//! transforms on 512-bit vectors, AVX-512BW or AVX2 nibble-table shuffles (`vpshufb`), or a scalar
//! 64 KiB product table. Recovery solves only for the missing data shards: it inverts the square
//! block of the parity rows that covers the missing columns instead of the whole `data × data`
//! matrix, then combines exactly the shards it needs.
//!
//! Refused, before anything is changed: shards longer than [`SHARD_SIZE`], groups without data
//! shards or of more than 256 shards, and recovery with fewer shards present than data shards.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::redundancy::codec::SHARD_SIZE;

/// Most shards (data + parity) a GF(2^8) code can have.
const MAX_TOTAL_SHARDS: usize = 256;

/// The field's reduction polynomial x^8 + x^4 + x^3 + x^2 + 1, as `reed-solomon-erasure` and bee use.
const POLY: u16 = 0x11D;

/// Groups with fewer data × parity shards than this are coded on one core.
const PARALLEL_MIN_WORK: usize = 64;

/// Why a group could not be encoded or reconstructed.
#[derive(Debug, thiserror::Error)]
pub enum GfError {
    /// A shard holds more than [`SHARD_SIZE`] bytes.
    #[error("shard {index} is {len} bytes, longer than the {SHARD_SIZE}-byte shard size")]
    ShardTooLong {
        /// Position of the shard in the group.
        index: usize,
        /// Its length.
        len: usize,
    },
    /// The group has no data shards.
    #[error("a Reed-Solomon group needs at least one data shard")]
    NoDataShards,
    /// Data plus parity shards exceed what GF(2^8) supports.
    #[error("{data} data + {parity} parity shards exceed the {MAX_TOTAL_SHARDS}-shard limit")]
    TooManyShards {
        /// Data shards asked for.
        data: usize,
        /// Parity shards asked for.
        parity: usize,
    },
    /// More data shards were claimed than the group has shards.
    #[error("{data} data shards claimed in a group of only {total} shards")]
    DataCountExceedsShards {
        /// Data shards claimed.
        data: usize,
        /// Shards in the group.
        total: usize,
    },
    /// Too few shards are present to solve for the data.
    #[error("only {present} shards present, {needed} needed to reconstruct")]
    TooFewShards {
        /// Shards present.
        present: usize,
        /// Shards needed (the data-shard count).
        needed: usize,
    },
    /// The parity rows chosen for recovery do not form an invertible block (impossible for the
    /// library's MDS matrix; reported rather than trusted).
    #[error(
        "Reed-Solomon {data}+{parity}: parity rows {rows:?} are singular on the missing columns"
    )]
    Singular {
        /// Data shards of the group.
        data: usize,
        /// Parity shards of the group.
        parity: usize,
        /// Indices (within the group) of the parity shards used.
        rows: Vec<usize>,
    },
}

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

const EXP_LOG: ([u8; 256], [u8; 256]) = exp_log();

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
static MUL: [[u8; 256]; 256] = mul_table();

/// `NIBBLES[c]` = the products of `c` with `0..16` followed by those with `0x00, 0x10, ..., 0xF0`:
/// a byte's product is the XOR of its low and high nibble's, looked up 16 at a time by `vpshufb`.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
static NIBBLES: [[u8; 32]; 256] = nibble_tables();

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
static AFFINE: [u64; 256] = affine_tables();

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
pub struct Kernel(KernelKind);

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

// ---------------------------------------------------------------------------------------------
// The coding matrix.

type MatrixCache = Mutex<HashMap<(usize, usize), Arc<[u8]>>>;

/// The `parity × data` parity rows (row-major) of bee's coding matrix ([`derive_matrix`]), built
/// once per pair per process.
pub fn parity_matrix(data: usize, parity: usize) -> Result<Arc<[u8]>, GfError> {
    check_group(data, parity)?;
    static CACHE: OnceLock<MatrixCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // The map is never left half-updated, so a panic elsewhere while holding the lock is harmless.
    if let Some(m) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&(data, parity))
    {
        return Ok(Arc::clone(m));
    }
    // Derived outside the lock so that other pairs are not held up; a racing duplicate is dropped.
    let built = derive_matrix(data, parity)?;
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(Arc::clone(map.entry((data, parity)).or_insert(built)))
}

/// `a^n` in the field, with `0^0 = 1` (as `reed-solomon-erasure`'s `galois_8::exp`).
fn pow(a: u8, n: usize) -> u8 {
    let (exp, log) = &EXP_LOG;
    match (a, n) {
        (_, 0) => 1,
        (0, _) => 0,
        _ => exp[(usize::from(log[usize::from(a)]) * n) % 255],
    }
}

/// bee's coding matrix (klauspost's default coder, the same as `reed-solomon-erasure`'s): the
/// `total × data` Vandermonde matrix `V[r][c] = r^c` times the inverse of its top `data × data`
/// block, which makes the top block the identity (a systematic code); its bottom `parity` rows are
/// returned, row-major. Computed here rather than read off the library at run time; the library
/// stays the reference in the tests (`matrix_equals_the_librarys`).
fn derive_matrix(data: usize, parity: usize) -> Result<Arc<[u8]>, GfError> {
    if parity == 0 {
        return Ok(Arc::from(Vec::new()));
    }
    let total = data + parity;
    // `r` < 256: check_group bounds the group to 256 shards.
    let row = |r: usize| (0..data).map(move |c| pow(r as u8, c));
    let top: Vec<u8> = (0..data).flat_map(row).collect();
    let top_inv = invert(top, data).ok_or_else(|| GfError::Singular {
        data,
        parity,
        rows: (0..data).collect(),
    })?;
    let mut out = vec![0u8; parity * data];
    for (p, r) in (data..total).enumerate() {
        let v: Vec<u8> = row(r).collect();
        for c in 0..data {
            out[p * data + c] = v
                .iter()
                .enumerate()
                .fold(0, |acc, (k, &x)| acc ^ mul(x, top_inv[k * data + c]));
        }
    }
    Ok(out.into())
}

fn check_group(data: usize, parity: usize) -> Result<(), GfError> {
    if data == 0 {
        return Err(GfError::NoDataShards);
    }
    match data.checked_add(parity) {
        Some(total) if total <= MAX_TOTAL_SHARDS => Ok(()),
        _ => Err(GfError::TooManyShards { data, parity }),
    }
}

/// Inverse of the `n × n` row-major matrix `a` by Gauss-Jordan elimination; `None` if singular.
fn invert(mut a: Vec<u8>, n: usize) -> Option<Vec<u8>> {
    if a.len() != n * n {
        return None;
    }
    let mut out = vec![0u8; n * n];
    for i in 0..n {
        out[i * n + i] = 1;
    }
    for col in 0..n {
        let pivot = (col..n).find(|&r| a[r * n + col] != 0)?;
        if pivot != col {
            for k in 0..n {
                a.swap(pivot * n + k, col * n + k);
                out.swap(pivot * n + k, col * n + k);
            }
        }
        let scale = inv(a[col * n + col])?;
        for k in 0..n {
            a[col * n + k] = mul(a[col * n + k], scale);
            out[col * n + k] = mul(out[col * n + k], scale);
        }
        for r in 0..n {
            let f = a[r * n + col];
            if r == col || f == 0 {
                continue;
            }
            let row = &MUL[usize::from(f)];
            for k in 0..n {
                a[r * n + k] ^= row[usize::from(a[col * n + k])];
                out[r * n + k] ^= row[usize::from(out[col * n + k])];
            }
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Matrix × shards.

/// `outs[r] = Σ_j coeffs[r·inputs.len() + j] · inputs[j]`, inputs read as zero-extended to the
/// outputs' length, which must all be equal and pre-zeroed. With `parallel`, big jobs split the
/// columns in two halves on two cores.
fn mat_mul(kernel: Kernel, coeffs: &[u8], inputs: &[&[u8]], outs: &mut [Vec<u8>], parallel: bool) {
    let len = outs.first().map_or(0, Vec::len);
    let mut views: Vec<&mut [u8]> = outs.iter_mut().map(Vec::as_mut_slice).collect();
    if !parallel
        || inputs.len() * views.len() < PARALLEL_MIN_WORK
        || std::thread::available_parallelism().map_or(1, |n| n.get()) < 2
    {
        mat_mul_cols(kernel, coeffs, inputs, &mut views, 0);
        return;
    }
    // Split on a 64-byte boundary so that both halves run whole vectors.
    let half = (len / 2) & !63;
    let (mut left, mut right): (Vec<&mut [u8]>, Vec<&mut [u8]>) = views
        .into_iter()
        .map(|v| v.split_at_mut(half.min(v.len())))
        .unzip();
    std::thread::scope(|scope| {
        scope.spawn(|| mat_mul_cols(kernel, coeffs, inputs, &mut right, half));
        mat_mul_cols(kernel, coeffs, inputs, &mut left, 0);
    });
}

/// [`mat_mul`] on the columns `start..start + outs[_].len()`.
fn mat_mul_cols(
    kernel: Kernel,
    coeffs: &[u8],
    inputs: &[&[u8]],
    outs: &mut [&mut [u8]],
    start: usize,
) {
    let k = inputs.len();
    if k == 0 {
        return;
    }
    for (out, row) in outs.iter_mut().zip(coeffs.chunks_exact(k)) {
        let mut fresh = true;
        for (&c, input) in row.iter().zip(inputs) {
            let src = input.get(start..).unwrap_or_default();
            let n = src.len().min(out.len());
            // The first term overwrites instead of accumulating into the zeroes when it spans the row.
            if fresh && n == out.len() {
                kernel.mul_set(c, &src[..n], out);
            } else {
                kernel.mul_acc(c, &src[..n], &mut out[..n]);
            }
            fresh = false;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Public coding API.

/// How to code: which kernel, and whether big groups may split their columns over two cores.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The multiply-accumulate kernel.
    pub kernel: Kernel,
    /// Split big groups' columns over two threads.
    pub parallel: bool,
}

impl Default for Options {
    /// The detected kernel on one thread: on the shared 2-core test machine the two-thread split
    /// ran several times slower than one thread (the helper waits for a core longer than a whole
    /// group takes), and the splitter already spreads groups over the cores.
    fn default() -> Self {
        Options {
            kernel: Kernel::detected(),
            parallel: false,
        }
    }
}

/// The `parities` parity shards ([`SHARD_SIZE`] bytes each) of a group of data shards, each a
/// chunk's stored data of at most [`SHARD_SIZE`] bytes, read as if zero-padded to [`SHARD_SIZE`].
/// `parities = 0` gives no shards. Same result as `reed-solomon-erasure` on the padded shards.
pub fn encode(data_shards: &[&[u8]], parities: usize) -> Result<Vec<Vec<u8>>, GfError> {
    encode_with(Options::default(), data_shards, parities)
}

/// [`encode`] with a chosen kernel and threading.
pub fn encode_with(
    options: Options,
    data_shards: &[&[u8]],
    parities: usize,
) -> Result<Vec<Vec<u8>>, GfError> {
    check_group(data_shards.len(), parities)?;
    if let Some((index, s)) = data_shards
        .iter()
        .enumerate()
        .find(|(_, s)| s.len() > SHARD_SIZE)
    {
        return Err(GfError::ShardTooLong {
            index,
            len: s.len(),
        });
    }
    if parities == 0 {
        return Ok(Vec::new());
    }
    let matrix = parity_matrix(data_shards.len(), parities)?;
    let mut out = vec![vec![0u8; SHARD_SIZE]; parities];
    mat_mul(
        options.kernel,
        &matrix,
        data_shards,
        &mut out,
        options.parallel,
    );
    Ok(out)
}

/// Recover the missing data shards of a group: `shards` holds the `data_count` data shards followed
/// by the parity shards, `None` where a shard is missing.
///
/// Present shards may be shorter than [`SHARD_SIZE`] (a chunk's stored data); they are zero-padded
/// to [`SHARD_SIZE`] in place. Afterwards every data shard is `Some` and [`SHARD_SIZE`] bytes long;
/// missing parity shards stay `None`. On any error the group is left untouched.
pub fn reconstruct_data(shards: &mut [Option<Vec<u8>>], data_count: usize) -> Result<(), GfError> {
    reconstruct_data_with(Options::default(), shards, data_count)
}

/// [`reconstruct_data`] with a chosen kernel and threading.
pub fn reconstruct_data_with(
    options: Options,
    shards: &mut [Option<Vec<u8>>],
    data_count: usize,
) -> Result<(), GfError> {
    let total = shards.len();
    let parity = total
        .checked_sub(data_count)
        .ok_or(GfError::DataCountExceedsShards {
            data: data_count,
            total,
        })?;
    check_group(data_count, parity)?;
    let mut present = 0;
    for (index, shard) in shards.iter().enumerate() {
        if let Some(s) = shard {
            if s.len() > SHARD_SIZE {
                return Err(GfError::ShardTooLong {
                    index,
                    len: s.len(),
                });
            }
            present += 1;
        }
    }
    if present < data_count {
        return Err(GfError::TooFewShards {
            present,
            needed: data_count,
        });
    }
    let (data, parities) = shards.split_at_mut(data_count);
    let missing: Vec<usize> = (0..data_count).filter(|&i| data[i].is_none()).collect();
    let recovered = if missing.is_empty() {
        Vec::new()
    } else {
        solve(options, data, parities, &missing)?
    };
    for shard in shards.iter_mut().flatten() {
        shard.resize(SHARD_SIZE, 0);
    }
    for (i, shard) in missing.into_iter().zip(recovered) {
        if let Some(slot) = shards.get_mut(i) {
            *slot = Some(shard);
        }
    }
    Ok(())
}

/// The missing data shards (indices `missing`, in that order), from the present data shards and the
/// first `missing.len()` present parities, without touching either.
///
/// With `P` the chosen parities' rows, `A` = `P` on the missing columns and `B` = `P` on the present
/// ones, `P·d = p` gives `A·d_missing = p + B·d_present` (minus is plus here), so
/// `d_missing = A⁻¹·p + (A⁻¹·B)·d_present`: only the `m × m` block is inverted, and each missing
/// shard costs one multiply-accumulate per shard used (`k` of them).
fn solve(
    options: Options,
    data: &[Option<Vec<u8>>],
    parities: &[Option<Vec<u8>>],
    missing: &[usize],
) -> Result<Vec<Vec<u8>>, GfError> {
    let (k, p, m) = (data.len(), parities.len(), missing.len());
    let matrix = parity_matrix(k, p)?;
    let rows: Vec<(usize, &[u8])> = parities
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_deref().map(|s| (i, s)))
        .take(m)
        .collect();
    let present: Vec<(usize, &[u8])> = data
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_deref().map(|s| (i, s)))
        .collect();
    let entry = |row: usize, col: usize| matrix.get(row * k + col).copied().unwrap_or(0);
    let mut a = Vec::with_capacity(m * m);
    for &(r, _) in &rows {
        a.extend(missing.iter().map(|&c| entry(r, c)));
    }
    let a_inv = invert(a, m).ok_or_else(|| GfError::Singular {
        data: k,
        parity: p,
        rows: rows.iter().map(|&(r, _)| k + r).collect(),
    })?;
    // Coefficients of each missing shard over [present data…, chosen parities…].
    let sources: Vec<&[u8]> = present
        .iter()
        .map(|&(_, s)| s)
        .chain(rows.iter().map(|&(_, s)| s))
        .collect();
    let mut coeffs = Vec::with_capacity(m * sources.len());
    for inv_row in a_inv.chunks_exact(m) {
        for &(j, _) in &present {
            let mut acc = 0u8;
            for (&f, &(r, _)) in inv_row.iter().zip(&rows) {
                acc ^= mul(f, entry(r, j));
            }
            coeffs.push(acc);
        }
        coeffs.extend_from_slice(inv_row);
    }
    let mut out = vec![vec![0u8; SHARD_SIZE]; m];
    mat_mul(
        options.kernel,
        &coeffs,
        &sources,
        &mut out,
        options.parallel,
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
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
            Err(GfError::ShardTooLong {
                index: 1,
                len: 4105
            })
        ));
        assert!(matches!(encode(&[], 3), Err(GfError::NoDataShards)));
        let many = vec![&ok[..]; 200];
        assert!(matches!(
            encode(&many, 57),
            Err(GfError::TooManyShards {
                data: 200,
                parity: 57
            })
        ));
        assert!(matches!(
            encode(&[&ok], usize::MAX),
            Err(GfError::TooManyShards {
                data: 1,
                parity: usize::MAX
            })
        ));
        assert_eq!(encode(&many, 56).unwrap().len(), 56);
        assert!(encode(&[&ok, &ok], 0).unwrap().is_empty());
        // An over-long shard is reported even when no parity is asked for.
        assert!(matches!(
            encode(&[&long], 0),
            Err(GfError::ShardTooLong {
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
            Err(GfError::TooFewShards {
                present: 1,
                needed: 2
            })
        ));
        assert_eq!(few[0].as_deref(), Some(&d0[..]));
        let mut long = vec![Some(d0.clone()), None, Some(vec![0; SHARD_SIZE + 1])];
        assert!(matches!(
            reconstruct_data(&mut long, 2),
            Err(GfError::ShardTooLong {
                index: 2,
                len: 4105
            })
        ));
        assert_eq!(long[0].as_deref(), Some(&d0[..]));
        assert!(matches!(
            reconstruct_data(&mut long, 4),
            Err(GfError::DataCountExceedsShards { data: 4, total: 3 })
        ));
        assert!(matches!(
            reconstruct_data(&mut long, 0),
            Err(GfError::NoDataShards)
        ));
        let mut huge = vec![None; 257];
        assert!(matches!(
            reconstruct_data(&mut huge, 1),
            Err(GfError::TooManyShards {
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
}
