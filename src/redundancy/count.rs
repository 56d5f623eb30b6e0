//! Reader-side shard arithmetic (spec §5.8, bee's `pkg/file/utils.go`): how many data and parity
//! references an intermediate chunk holds, derived from its decoded span, and how long its payload
//! really is once recovery has zero-padded it.
//!
//! Spans come from untrusted chunks, so the arithmetic saturates instead of overflowing; bee's own
//! loop never ends for spans close to `u64::MAX`, this one always does and then gives the count a
//! tree of that span would need (at most [`max_shards`]).

use crate::redundancy::table::{max_shards, parities};
use crate::redundancy::Level;

/// Payload bytes of a full data chunk.
const CHUNK_SIZE: u64 = crate::bmt::CHUNK_SIZE as u64;
/// Width of a reference slot (a plain reference, half an encrypted one).
const WORD: usize = 32;

/// `(data_shards, parities)` of an intermediate chunk whose decoded (real, level byte removed)
/// span is `span`, in a tree at `level`, plain or encrypted.
///
/// Meant for spans above 4096 (a chunk of span ≤ 4096 is a data chunk); for those it answers
/// `(1, parities(1))` as bee does. The data-shard count is always ≥ 1 and ≤ the level's
/// [`max_shards`].
pub fn reference_count(span: u64, level: Level, encrypted: bool) -> (usize, usize) {
    let branching = u64::try_from(max_shards(level, encrypted)).unwrap_or(u64::MAX);
    // Find the smallest subtree size `branch` (4096 · branching^j) that holds `span`; each reference
    // of a chunk at that height covers the previous size `reference` (4096 at the lowest level).
    let mut branch = CHUNK_SIZE;
    let mut reference = CHUNK_SIZE;
    while branch < span {
        reference = branch;
        match branch.checked_mul(branching) {
            Some(next) => branch = next,
            // The next size exceeds every u64 span, so `span / reference < branching`.
            None => break,
        }
    }
    let data = span.div_ceil(reference).max(1);
    let data = usize::try_from(data).unwrap_or(usize::MAX);
    (data, parities(level, encrypted, data))
}

/// Effective length of an intermediate chunk's payload: `payload` without its trailing all-zero
/// 32-byte words, or `None` when nothing but zero words (or fewer than 32 bytes) remains.
///
/// Recovered chunks come back zero-padded to the full shard, and a zero word is never a real
/// reference, so the padding is where the references end. Like bee, words are counted from the end
/// of `payload`; bytes before the first whole word are never inspected.
pub fn chunk_payload_size(payload: &[u8]) -> Option<usize> {
    payload
        .rchunks_exact(WORD)
        .position(|word| word.iter().any(|&b| b != 0))
        .map(|zero_words| payload.len() - zero_words * WORD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(reference_count(4097, Level::Medium, false), (2, 3));
        assert_eq!(reference_count(487_424, Level::Medium, false), (119, 9));
        assert_eq!(reference_count(487_425, Level::Medium, false), (2, 3));
        assert_eq!(reference_count(524_288, Level::Strong, false), (2, 5));
        assert_eq!(reference_count(1_048_576, Level::Paranoid, true), (13, 71));
    }

    #[test]
    fn structural_cases() {
        // §10.12 TestRedundancy: INSANE plain, 98 full chunks → root has 2 refs (I1 + carrier), 6 parities.
        assert_eq!(reference_count(98 * 4096, Level::Insane, false), (2, 6));
        // A full first-level chunk of INSANE, 97 refs + 31 parities.
        assert_eq!(reference_count(97 * 4096, Level::Insane, false), (97, 31));
        // Encrypted PARANOID, 21 chunks → root 2 refs, 29 parities.
        assert_eq!(reference_count(21 * 4096, Level::Paranoid, true), (2, 29));
        // NONE uses the full branching and never parities.
        assert_eq!(reference_count(128 * 4096, Level::None, false), (128, 0));
        assert_eq!(reference_count(128 * 4096 + 1, Level::None, false), (2, 0));
        assert_eq!(reference_count(64 * 4096 + 1, Level::None, true), (2, 0));
        // TestJoinerRedundancy: root span 4096·(k−1) + 5 → k refs.
        for level in Level::ALL {
            for encrypted in [false, true] {
                let k = max_shards(level, encrypted);
                let span = 4096 * (k as u64 - 1) + 5;
                assert_eq!(
                    reference_count(span, level, encrypted),
                    (k, parities(level, encrypted, k))
                );
            }
        }
        // Below the intermediate range bee answers one shard.
        assert_eq!(reference_count(0, Level::Medium, false), (1, 2));
        assert_eq!(reference_count(4096, Level::Medium, false), (1, 2));
    }

    #[test]
    fn huge_spans_terminate_within_bounds() {
        for level in Level::ALL {
            for encrypted in [false, true] {
                let k = max_shards(level, encrypted);
                for span in [u64::MAX, u64::MAX - 1, 1 << 63, (1 << 56) - 1, 1 << 56] {
                    let (data, p) = reference_count(span, level, encrypted);
                    assert!(
                        (1..=k).contains(&data),
                        "{level} enc={encrypted} span={span}"
                    );
                    assert_eq!(p, parities(level, encrypted, data));
                }
            }
        }
        // 4096·128^7 = 2^61 is the largest plain NONE subtree size below 2^64; one reference covers
        // 2^61, so u64::MAX needs 8 of them.
        assert_eq!(reference_count(u64::MAX, Level::None, false), (8, 0));
        assert_eq!(reference_count(1 << 61, Level::None, false), (128, 0));
        assert_eq!(reference_count((1 << 61) + 1, Level::None, false), (2, 0));
    }

    #[test]
    fn payload_size_strips_trailing_zero_words() {
        let mut payload = vec![0u8; 4096];
        assert_eq!(chunk_payload_size(&payload), None);
        assert_eq!(chunk_payload_size(&[]), None);
        payload[0] = 1;
        assert_eq!(chunk_payload_size(&payload), Some(32));
        payload[5 * 32 - 1] = 7;
        assert_eq!(chunk_payload_size(&payload), Some(5 * 32));
        payload[4095] = 1;
        assert_eq!(chunk_payload_size(&payload), Some(4096));
        // A zero word in the middle stays: only trailing words are padding.
        let mut mid = vec![1u8; 96];
        mid[32..64].fill(0);
        assert_eq!(chunk_payload_size(&mid), Some(96));
    }

    #[test]
    fn payload_size_words_count_from_the_end() {
        // 40 bytes: the 8 leading bytes are not a whole word and are never looked at (bee's rule).
        let mut p = vec![0u8; 40];
        p[0] = 9;
        assert_eq!(chunk_payload_size(&p), None);
        p[39] = 1;
        assert_eq!(chunk_payload_size(&p), Some(40));
        p[39] = 0;
        p[8] = 1;
        assert_eq!(chunk_payload_size(&p), Some(40));
        assert_eq!(chunk_payload_size(&[1u8; 31]), None);
    }
}
