//! The BMT of many chunks in lockstep on the multi-lane Keccak of [`crate::keccak_lanes`].
//!
//! Chunks go through in groups of eight, one tree level at a time: level 1 hashes the sections of
//! all eight payloads as one batch (512 messages for full chunks), level 2 their 256 pairs, and so
//! on up to the eight roots and the eight span wraps, so every kernel call is full. A lone chunk
//! still fills the lanes with the independent pairs of its own tree. All-zero subtrees past the end
//! of a short payload take their precomputed hashes ([`super::zero_hashes`]); since the messages
//! that remain are packed together, skipping them never leaves lanes idle.
//!
//! Results are identical to [`super::root`] and [`super::data_address`], including their handling
//! of odd inputs: payload bytes past 4096 are ignored, stored data shorter than the 8-byte span is
//! read as a zero-padded span with an empty payload. Nothing is refused except a forced kernel the
//! CPU lacks ([`LanesError::Unavailable`]).

use super::{zero_hashes, CHUNK_SIZE, DEPTH, SECTION_SIZE};
use crate::keccak_lanes::{Kernel, LanesError, Ready, HASH_SIZE};

/// Chunks hashed in lockstep: enough to fill 8 lanes even at the top of the tree.
const GROUP: usize = 8;
/// Sections (level-1 leaves) of a full chunk.
const SECTIONS: usize = CHUNK_SIZE / SECTION_SIZE;
/// Bytes of the span that precedes the payload in stored chunk data.
const SPAN_SIZE: usize = 8;

/// BMT roots of `payloads` (each zero-padded to 4096 bytes, bytes past 4096 ignored), with the
/// [`crate::keccak_lanes::active_kernel`].
pub fn roots_batch<D: AsRef<[u8]>>(payloads: &[D]) -> Vec<[u8; HASH_SIZE]> {
    roots(Ready::active(), payloads)
}

/// [`roots_batch`] with a chosen kernel.
pub fn roots_batch_with<D: AsRef<[u8]>>(
    kernel: Kernel,
    payloads: &[D],
) -> Result<Vec<[u8; HASH_SIZE]>, LanesError> {
    Ok(roots(Ready::check(kernel)?, payloads))
}

/// Addresses of chunks given as stored data `span || payload`, as [`super::data_address`]
/// computes them, with the [`crate::keccak_lanes::active_kernel`].
pub fn addresses_batch<D: AsRef<[u8]>>(chunks: &[D]) -> Vec<[u8; HASH_SIZE]> {
    addresses(Ready::active(), chunks)
}

/// [`addresses_batch`] with a chosen kernel.
pub fn addresses_batch_with<D: AsRef<[u8]>>(
    kernel: Kernel,
    chunks: &[D],
) -> Result<Vec<[u8; HASH_SIZE]>, LanesError> {
    Ok(addresses(Ready::check(kernel)?, chunks))
}

fn roots<D: AsRef<[u8]>>(kernel: Ready, payloads: &[D]) -> Vec<[u8; HASH_SIZE]> {
    let mut out = vec![[0u8; HASH_SIZE]; payloads.len()];
    let mut tree = Tree::default();
    for (group, roots) in payloads.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
        let mut p: [&[u8]; GROUP] = [&[]; GROUP];
        for (slot, d) in p.iter_mut().zip(group) {
            *slot = d.as_ref();
        }
        // `chunks(GROUP)` gives at most GROUP payloads.
        tree.roots(kernel, &p[..group.len()], roots);
    }
    out
}

fn addresses<D: AsRef<[u8]>>(kernel: Ready, chunks: &[D]) -> Vec<[u8; HASH_SIZE]> {
    let mut out = vec![[0u8; HASH_SIZE]; chunks.len()];
    let mut tree = Tree::default();
    for (group, addrs) in chunks.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
        let mut p: [&[u8]; GROUP] = [&[]; GROUP];
        let mut wraps = [[0u8; SPAN_SIZE + HASH_SIZE]; GROUP];
        for ((slot, wrap), d) in p.iter_mut().zip(&mut wraps).zip(group) {
            let d = d.as_ref();
            let span = d.get(..SPAN_SIZE).unwrap_or(d);
            wrap[..span.len()].copy_from_slice(span);
            *slot = d.get(SPAN_SIZE..).unwrap_or(&[]);
        }
        let n = group.len();
        let mut roots = [[0u8; HASH_SIZE]; GROUP];
        tree.roots(kernel, &p[..n], &mut roots);
        for (wrap, root) in wraps.iter_mut().zip(roots) {
            wrap[SPAN_SIZE..].copy_from_slice(&root);
        }
        kernel.hash40(|i| &wraps[i], addrs);
    }
    out
}

/// Level buffers reused across groups. `cur` and `next` hold one region per chunk of the width
/// of the level (64, 32, …, 1 hashes); `packed` holds the hashes of one kernel batch before they
/// are spread over those regions.
#[derive(Default)]
struct Tree {
    cur: Vec<[u8; HASH_SIZE]>,
    next: Vec<[u8; HASH_SIZE]>,
    packed: Vec<[u8; HASH_SIZE]>,
    pads: Vec<[u8; SECTION_SIZE]>,
}

impl Tree {
    /// Roots of at most [`GROUP`] payloads into `roots` (one slot per payload).
    fn roots(&mut self, kernel: Ready, payloads: &[&[u8]], roots: &mut [[u8; HASH_SIZE]]) {
        let payloads = payloads.get(..GROUP).unwrap_or(payloads);
        let z = zero_hashes();
        // Sections (then nodes) of each chunk that are not all-zero subtrees.
        let mut width = [0usize; GROUP];
        self.pads.clear();
        for (w, p) in width.iter_mut().zip(payloads) {
            let p = p.get(..CHUNK_SIZE).unwrap_or(p);
            *w = p.len().div_ceil(SECTION_SIZE);
            let rest = p.as_chunks::<SECTION_SIZE>().1;
            if !rest.is_empty() {
                let mut pad = [0u8; SECTION_SIZE];
                pad[..rest.len()].copy_from_slice(rest);
                self.pads.push(pad);
            }
        }
        let mut pads = self.pads.iter();
        let mut refs: Vec<&[u8; SECTION_SIZE]> = Vec::with_capacity(GROUP * SECTIONS);
        for p in payloads {
            let p = p.get(..CHUNK_SIZE).unwrap_or(p);
            let (full, rest) = p.as_chunks::<SECTION_SIZE>();
            refs.extend(full);
            if !rest.is_empty() {
                refs.extend(pads.next());
            }
        }
        let width = &mut width[..payloads.len()];
        hash_level(
            kernel,
            &refs,
            width,
            SECTIONS,
            z[1],
            &mut self.packed,
            &mut self.cur,
        );

        let mut n = SECTIONS;
        for zero in &z[2..=DEPTH] {
            n /= 2;
            for w in width.iter_mut() {
                *w = w.div_ceil(2);
            }
            let pairs = self.cur.as_flattened().as_chunks::<SECTION_SIZE>().0;
            let refs: Vec<&[u8; SECTION_SIZE]> = pairs
                .chunks_exact(n)
                .zip(width.iter())
                .flat_map(|(region, &w)| region.iter().take(w))
                .collect();
            hash_level(
                kernel,
                &refs,
                width,
                n,
                *zero,
                &mut self.packed,
                &mut self.next,
            );
            std::mem::swap(&mut self.cur, &mut self.next);
        }
        for (r, c) in roots.iter_mut().zip(&self.cur) {
            *r = *c;
        }
    }
}

/// Hashes the messages `refs` of one level into `dst`, laid out as one region of `n` hashes per
/// chunk, the chunk's `width` computed hashes followed by `zero` for the all-zero subtrees. When
/// every chunk is full (the common case) the hashes land in place; otherwise they go through
/// `packed`.
fn hash_level(
    kernel: Ready,
    refs: &[&[u8; SECTION_SIZE]],
    widths: &[usize],
    n: usize,
    zero: [u8; HASH_SIZE],
    packed: &mut Vec<[u8; HASH_SIZE]>,
    dst: &mut Vec<[u8; HASH_SIZE]>,
) {
    let full = widths.iter().all(|&w| w == n);
    let out = if full { &mut *dst } else { &mut *packed };
    out.clear();
    out.resize(refs.len(), [0u8; HASH_SIZE]);
    kernel.hash64(|i| refs[i], out);
    if !full {
        spread(packed, widths, n, zero, dst);
    }
}

/// Lays `packed` out as one region of `n` hashes per chunk: the chunk's `width` computed hashes
/// first, then `zero` for the all-zero subtrees after them.
fn spread(
    packed: &[[u8; HASH_SIZE]],
    widths: &[usize],
    n: usize,
    zero: [u8; HASH_SIZE],
    dst: &mut Vec<[u8; HASH_SIZE]>,
) {
    dst.clear();
    let mut src = packed.iter();
    for &w in widths {
        for j in 0..n {
            let h = if j < w { src.next() } else { None };
            dst.push(h.copied().unwrap_or(zero));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{address, data_address_scalar, reference, root};
    use super::*;
    use crate::keccak_lanes::available_kernels;
    use proptest::prelude::*;

    const HELLO_ROOT: &str = "16043601ca4b598c08344a13d40019dfe94a109e9e38a2995352d6e3a5ebd7b5";
    const EMPTY_ROOT: &str = "ffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f83";

    fn stored(span: u64, payload: &[u8]) -> Vec<u8> {
        let mut d = span.to_le_bytes().to_vec();
        d.extend_from_slice(payload);
        d
    }

    #[test]
    fn spec_vectors() {
        for k in available_kernels() {
            let roots = roots_batch_with(k, &[&b"hello world"[..], &[]]).unwrap();
            assert_eq!(hex::encode(roots[0]), HELLO_ROOT, "{k:?}");
            assert_eq!(hex::encode(roots[1]), EMPTY_ROOT, "{k:?}");
            // spec §10.4: "hello world" with span 4096.
            let addrs = addresses_batch_with(k, &[stored(4096, b"hello world")]).unwrap();
            assert_eq!(
                hex::encode(addrs[0]),
                "f22c9616dd6f6d69a61a09f5f2e821c37f21902b5ea34141d8c3764a9a6d94d9",
                "{k:?}"
            );
        }
        assert_eq!(hex::encode(root(b"hello world")), HELLO_ROOT);
        assert_eq!(hex::encode(root(&[])), EMPTY_ROOT);
        assert_eq!(hex::encode(roots_batch(&[b"hello world"])[0]), HELLO_ROOT);
    }

    #[test]
    fn every_boundary_length_in_one_batch() {
        let data: Vec<u8> = (0..4200u32).map(|i| (i * 7 + 3) as u8).collect();
        let lens = [
            0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 511, 512, 513, 2047, 2048, 2049, 4095,
            4096, 4200,
        ];
        let payloads: Vec<&[u8]> = lens.iter().map(|&n| &data[..n]).collect();
        let want: Vec<[u8; 32]> = payloads.iter().map(|p| reference::root(p)).collect();
        for k in available_kernels() {
            assert_eq!(roots_batch_with(k, &payloads).unwrap(), want, "{k:?}");
            // Each alone too: a lone chunk spreads its own pairs over the lanes.
            for (p, w) in payloads.iter().zip(&want) {
                assert_eq!(
                    roots_batch_with(k, &[p]).unwrap()[0],
                    *w,
                    "{k:?} len {}",
                    p.len()
                );
            }
        }
    }

    #[test]
    fn short_stored_data_reads_as_zero_padded_span() {
        let inputs: Vec<&[u8]> = vec![&[], &[1], &[1, 2, 3, 4, 5, 6, 7], &[1, 2, 3, 4, 5, 6, 7, 8]];
        let want: Vec<[u8; 32]> = inputs.iter().map(|d| data_address_scalar(d)).collect();
        for k in available_kernels() {
            assert_eq!(addresses_batch_with(k, &inputs).unwrap(), want, "{k:?}");
        }
    }

    #[test]
    fn empty_batch() {
        assert!(roots_batch::<&[u8]>(&[]).is_empty());
        assert!(addresses_batch::<Vec<u8>>(&[]).is_empty());
    }

    #[test]
    fn refuses_unavailable_kernel() {
        for k in Kernel::ALL.into_iter().filter(|k| !k.is_available()) {
            assert_eq!(
                addresses_batch_with(k, &[[0u8; 8]]),
                Err(LanesError::Unavailable { kernel: k })
            );
        }
    }

    fn arb_chunk() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            // Full chunks are the common case; keep them frequent.
            2 => proptest::collection::vec(any::<u8>(), 4104),
            3 => proptest::collection::vec(any::<u8>(), 0..=4104),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn addresses_match_reference(chunks in proptest::collection::vec(arb_chunk(), 0..20)) {
            let want: Vec<[u8; 32]> = chunks
                .iter()
                .map(|d| {
                    let mut span = [0u8; 8];
                    let n = d.len().min(8);
                    span[..n].copy_from_slice(&d[..n]);
                    reference::address(&span, d.get(8..).unwrap_or(&[]))
                })
                .collect();
            for k in available_kernels() {
                prop_assert_eq!(&addresses_batch_with(k, &chunks).unwrap(), &want, "{:?}", k);
            }
            let refs: Vec<&[u8]> = chunks.iter().map(|c| c.as_slice()).collect();
            prop_assert_eq!(&addresses_batch(&refs), &want);
        }

        #[test]
        fn roots_match_fast_hasher(payload in proptest::collection::vec(any::<u8>(), 0..=4200), span in any::<u64>()) {
            let s = span.to_le_bytes();
            let got = addresses_batch(&[stored(span, &payload)]);
            prop_assert_eq!(got[0], address(&s, &payload));
            prop_assert_eq!(roots_batch(&[&payload])[0], root(&payload));
        }
    }
}
