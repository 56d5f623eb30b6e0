//! Reed-Solomon coding of chunk groups (spec §5.4): bee's systematic Vandermonde code over GF(2^8)
//! (polynomial 0x11D, `klauspost/reedsolomon`'s default coder), byte-identical to
//! `reed-solomon-erasure` 6.0.0's `galois_8` coder, the tests' reference (a dev-dependency only).
//!
//! Shards are chunk data (`span ‖ payload`, ciphertext when encrypted) zero-padded to
//! [`SHARD_SIZE`]. The coding matrix is computed here (a Vandermonde matrix made systematic, as
//! klauspost's and `reed-solomon-erasure`'s default coders build it) once per `(data, parity)` pair
//! and cached; the tests check it against the library for every pair bee uses and for random
//! pairs. The multiply-accumulate that does the actual work ([`kernels`]) is picked at run time:
//! GFNI affine transforms on 512-bit vectors, AVX-512BW or AVX2 nibble-table shuffles
//! (`vpshufb`), or a scalar 64 KiB product table, the slow twin the others are tested against.
//! Recovery solves only for the missing data shards: it inverts the square block of the parity
//! rows that covers the missing columns instead of the whole `data × data` matrix, then combines
//! exactly the shards it needs.
//!
//! Refused, before anything is changed: shards longer than [`SHARD_SIZE`], groups without data
//! shards or of more than 256 shards, and recovery with fewer shards present than data shards.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

mod kernels;
#[cfg(test)]
mod tests;

pub use kernels::{inv, mul, Kernel, KernelKind};
use kernels::{EXP_LOG, MUL};

/// Size of every shard: a chunk's 8-byte span plus its 4096-byte maximum payload.
pub const SHARD_SIZE: usize = crate::cac::MAX_DATA;

/// Most shards (data + parity) a GF(2^8) code can have.
const MAX_TOTAL_SHARDS: usize = 256;

/// The field's reduction polynomial x^8 + x^4 + x^3 + x^2 + 1, as `reed-solomon-erasure` and bee use.
const POLY: u16 = 0x11D;

/// Groups with fewer data × parity shards than this are coded on one core.
const PARALLEL_MIN_WORK: usize = 64;

/// Why a group could not be encoded or reconstructed.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
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
// The coding matrix.

type MatrixCache = Mutex<HashMap<(usize, usize), Arc<[u8]>>>;

/// The `parity × data` parity rows (row-major) of bee's coding matrix ([`derive_matrix`]), built
/// once per pair per process.
pub fn parity_matrix(data: usize, parity: usize) -> Result<Arc<[u8]>, CodecError> {
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
fn derive_matrix(data: usize, parity: usize) -> Result<Arc<[u8]>, CodecError> {
    if parity == 0 {
        return Ok(Arc::from(Vec::new()));
    }
    let total = data + parity;
    // `r` < 256: check_group bounds the group to 256 shards.
    let row = |r: usize| (0..data).map(move |c| pow(r as u8, c));
    let top: Vec<u8> = (0..data).flat_map(row).collect();
    let top_inv = invert(top, data).ok_or_else(|| CodecError::Singular {
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

fn check_group(data: usize, parity: usize) -> Result<(), CodecError> {
    if data == 0 {
        return Err(CodecError::NoDataShards);
    }
    match data.checked_add(parity) {
        Some(total) if total <= MAX_TOTAL_SHARDS => Ok(()),
        _ => Err(CodecError::TooManyShards { data, parity }),
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
pub fn encode(data_shards: &[&[u8]], parities: usize) -> Result<Vec<Vec<u8>>, CodecError> {
    encode_with(Options::default(), data_shards, parities)
}

/// [`encode`] with a chosen kernel and threading.
pub fn encode_with(
    options: Options,
    data_shards: &[&[u8]],
    parities: usize,
) -> Result<Vec<Vec<u8>>, CodecError> {
    check_group(data_shards.len(), parities)?;
    if let Some((index, s)) = data_shards
        .iter()
        .enumerate()
        .find(|(_, s)| s.len() > SHARD_SIZE)
    {
        return Err(CodecError::ShardTooLong {
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
pub fn reconstruct_data(
    shards: &mut [Option<Vec<u8>>],
    data_count: usize,
) -> Result<(), CodecError> {
    reconstruct_data_with(Options::default(), shards, data_count)
}

/// [`reconstruct_data`] with a chosen kernel and threading.
pub fn reconstruct_data_with(
    options: Options,
    shards: &mut [Option<Vec<u8>>],
    data_count: usize,
) -> Result<(), CodecError> {
    let total = shards.len();
    let parity = total
        .checked_sub(data_count)
        .ok_or(CodecError::DataCountExceedsShards {
            data: data_count,
            total,
        })?;
    check_group(data_count, parity)?;
    let mut present = 0;
    for (index, shard) in shards.iter().enumerate() {
        if let Some(s) = shard {
            if s.len() > SHARD_SIZE {
                return Err(CodecError::ShardTooLong {
                    index,
                    len: s.len(),
                });
            }
            present += 1;
        }
    }
    if present < data_count {
        return Err(CodecError::TooFewShards {
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
) -> Result<Vec<Vec<u8>>, CodecError> {
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
    let a_inv = invert(a, m).ok_or_else(|| CodecError::Singular {
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
