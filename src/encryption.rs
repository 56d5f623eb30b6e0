//! Swarm chunk encryption (spec §6.1, §6.2), byte-compatible with bee's `pkg/encryption`.
//!
//! The cipher is bee's keyed Keccak "counter mode": segment `j` (32 bytes, the last may be short) is
//! XORed with `keccak256(keccak256(key || LE32(ctr0 + j)))`. An encrypted chunk is
//! `transform(key, 128, span) || transform(key, 0, payload) || random padding`, always 4104 bytes, and
//! is referenced by `address(32) || key(32)`.
//!
//! All randomness (chunk keys and padding) goes through the one injectable [`RandomSource`]:
//! [`OsRandom`] for real uploads, [`BeeRand`] for the deterministic `bee-rand:N` stream the fixtures in
//! `fixtures/bee-trees.json` were produced with. [`encrypt_chunk`] draws in exactly bee's order (32 key
//! bytes, then the padding), so a fixture's random stream is reproduced byte for byte.
//!
//! Refused: chunk data shorter than the 8-byte span, plaintext payloads over 4096 bytes, encrypted
//! chunks over 4104 bytes, references that are not exactly 64 bytes, and `bee-rand` specs that are not
//! `bee-rand:<u64>`. An OS random-source failure is reported as an error, never a panic.
//!
//! Trimming a decrypted payload to its real length needs the span and the redundancy tables
//! (`DecryptChunkData` in bee, spec §6.1); that belongs to the caller, so [`decrypt_chunk`] returns the
//! whole decrypted payload.

use std::str::FromStr;

use crate::keccak::{keccak256, keccak256_concat};

/// Length of a chunk encryption key.
pub const KEY_LEN: usize = 32;
/// Length of a reference to an encrypted chunk: `address(32) || key(32)`.
pub const REFERENCE_LEN: usize = ADDRESS_LEN + KEY_LEN;
/// Length of an encrypted chunk: encrypted span (8) + encrypted, padded payload (4096).
pub const ENCRYPTED_CHUNK_LEN: usize = SPAN_LEN + PADDED_PAYLOAD_LEN;

/// A 32-byte chunk encryption key.
pub type Key = [u8; KEY_LEN];

use crate::address::ADDRESS_LEN;
use crate::span::SPAN_SIZE as SPAN_LEN;
/// bee's `NewDataEncryption` padding: every encrypted payload is exactly one full chunk.
const PADDED_PAYLOAD_LEN: usize = crate::cac::MAX_PAYLOAD;
/// bee's `NewSpanEncryption` counter (`ChunkSize / KeyLength`), so span and payload keystreams never
/// overlap.
const SPAN_INITIAL_CTR: u32 = (PADDED_PAYLOAD_LEN / KEY_LEN) as u32;
/// Prefix of the deterministic stream specification, `bee-rand:N`.
const BEE_RAND_PREFIX: &str = "bee-rand:";

/// Everything this module refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptionError {
    /// Chunk data (plain or encrypted) has no room for the 8-byte span.
    #[error("chunk data length {len} is shorter than the 8-byte span")]
    MissingSpan {
        /// Length of the rejected chunk data.
        len: usize,
    },
    /// Plaintext payload does not fit into one chunk (bee: "data length longer than padding").
    #[error("data length longer than padding, data length {payload_len} padding 4096")]
    PayloadTooLong {
        /// Length of the payload after the span.
        payload_len: usize,
    },
    /// Encrypted payload longer than a padded chunk (bee: "data length different than padding").
    #[error("data length different than padding, data length {payload_len} padding 4096")]
    EncryptedTooLong {
        /// Length of the encrypted payload after the span.
        payload_len: usize,
    },
    /// A reference to an encrypted chunk must be `address(32) || key(32)`.
    #[error("encrypted reference length {len}, expected 64 (address 32 || key 32)")]
    ReferenceLength {
        /// Length of the rejected reference.
        len: usize,
    },
    /// The text is not `bee-rand:N` with `N` a decimal u64.
    #[error("invalid random stream spec {spec:?}, expected \"bee-rand:N\" with N a decimal u64")]
    InvalidBeeRand {
        /// The rejected text.
        spec: String,
    },
    /// The operating system's secure random generator failed.
    #[error("operating system random source failed: {0}")]
    Random(#[from] getrandom::Error),
}

/// One keystream block: `keccak256(keccak256(key || LE32(ctr)))`.
///
/// The second hash is bee's "selective disclosure" round: revealing one block does not reveal the
/// inner hash from which the others could be linked.
pub fn keystream_block(key: &Key, ctr: u32) -> [u8; 32] {
    let inner = keccak256_concat(&[key, &ctr.to_le_bytes()]);
    keccak256(&inner)
}

/// XORs `data` in place with the keystream starting at counter `initial_ctr`, one 32-byte segment per
/// counter (the last segment may be short). Encryption and decryption are the same operation.
///
/// The counter wraps modulo 2^32 like bee's `uint32(i) + initCtr`.
pub fn transform(key: &Key, initial_ctr: u32, data: &mut [u8]) {
    // Truncation to u32 is bee's behaviour; chunk-sized inputs never reach it.
    let blocks = keystream_blocks(key, initial_ctr, data.len().div_ceil(KEY_LEN) as u32);
    for (segment, block) in data.chunks_mut(KEY_LEN).zip(blocks) {
        for (byte, k) in segment.iter_mut().zip(block.iter()) {
            *byte ^= k;
        }
    }
}

/// `count` keystream blocks from counter `initial_ctr`, hashed in lockstep on the widest Keccak
/// kernel the CPU has ([`crate::keccak_lanes::keystream`]): each block is two Keccak-f
/// permutations, of `key || LE32(ctr)` (36 bytes) and then of the 32-byte result.
pub fn keystream_blocks(key: &Key, initial_ctr: u32, count: u32) -> Vec<[u8; 32]> {
    let mut out = vec![[0u8; 32]; count as usize];
    crate::keccak_lanes::keystream(key, initial_ctr, &mut out);
    out
}

/// The single source of every random byte encryption uses (keys and padding).
///
/// `fill` is fallible because the OS generator is (`getrandom` reports errors instead of blocking
/// forever or panicking); deterministic sources always return `Ok`.
pub trait RandomSource: Send {
    /// Fills `buf` completely with random bytes, or fails without a partial-success guarantee.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EncryptionError>;
}

/// The operating system's cryptographically secure generator (via `getrandom`), as bee's
/// `crypto/rand`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EncryptionError> {
        getrandom::fill(buf)?;
        Ok(())
    }
}

/// The deterministic test stream `bee-rand:N`:
/// `keccak256(u64le(N) || u64le(0)) || keccak256(u64le(N) || u64le(1)) || …`.
///
/// Only for reproducing fixtures: anyone who knows `N` knows every key.
#[derive(Debug, Clone)]
pub struct BeeRand {
    seed: u64,
    consumed: u64,
    /// The block containing stream offset `consumed` (valid when `consumed % 32 != 0`).
    block: [u8; 32],
}

impl BeeRand {
    /// The stream for seed `n`, positioned at its first byte.
    pub fn new(n: u64) -> Self {
        Self {
            seed: n,
            consumed: 0,
            block: [0; 32],
        }
    }

    /// The seed `N`.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Number of bytes drawn so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    fn stream_block(&self, index: u64) -> [u8; 32] {
        keccak256_concat(&[&self.seed.to_le_bytes(), &index.to_le_bytes()])
    }
}

impl RandomSource for BeeRand {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EncryptionError> {
        let mut rest = buf;
        while !rest.is_empty() {
            // `consumed % 32 < 32`, so the offset is always inside the block.
            let offset = (self.consumed % 32) as usize;
            if offset == 0 {
                self.block = self.stream_block(self.consumed / 32);
            }
            let available = &self.block[offset..];
            let take = available.len().min(rest.len());
            let (head, tail) = rest.split_at_mut(take);
            head.copy_from_slice(&available[..take]);
            // 2^64 drawn bytes are out of reach; wrapping only avoids a debug-mode panic path.
            self.consumed = self.consumed.wrapping_add(take as u64);
            rest = tail;
        }
        Ok(())
    }
}

impl FromStr for BeeRand {
    type Err = EncryptionError;

    /// Parses `bee-rand:N` (`N` a decimal u64, no sign or spaces), the fixtures' `encryption` field.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || EncryptionError::InvalidBeeRand { spec: s.to_owned() };
        let digits = s.strip_prefix(BEE_RAND_PREFIX).ok_or_else(invalid)?;
        // `u64::from_str` accepts a leading '+'; the fixture format does not.
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        digits.parse::<u64>().map(Self::new).map_err(|_| invalid())
    }
}

/// Encrypts one plain chunk `data = span(8) || payload(0..=4096)` with a fresh key drawn from `rng`.
///
/// Draws exactly 32 key bytes, then `4096 - payload_len` padding bytes when the payload is shorter
/// (nothing more when it is full), bee's order. Returns the key and the 4104-byte encrypted chunk
/// `transform(key, 128, span) || transform(key, 0, payload) || padding`; the padding is raw random
/// bytes, not encrypted zeros. Invalid input is rejected before anything is drawn.
pub fn encrypt_chunk(
    data: &[u8],
    rng: &mut dyn RandomSource,
) -> Result<(Key, Vec<u8>), EncryptionError> {
    let secrets = draw_secrets(data, rng)?;
    let out = encrypt_with(data, &secrets)?;
    Ok((secrets.key, out))
}

/// The random bytes that encrypting one chunk takes: its key and its padding.
#[derive(Clone, PartialEq, Eq)]
pub struct ChunkSecrets {
    /// The chunk key.
    pub key: Key,
    /// Random padding up to 4096 payload bytes.
    padding: Vec<u8>,
}

impl std::fmt::Debug for ChunkSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("ChunkSecrets")
            .field("padding_len", &self.padding.len())
            .finish_non_exhaustive()
    }
}

/// Checks `data` (`span || payload`) and draws what [`encrypt_chunk`] would draw for it, in the same
/// order, so that the transform can run later, elsewhere ([`encrypt_with`]).
pub fn draw_secrets(
    data: &[u8],
    rng: &mut dyn RandomSource,
) -> Result<ChunkSecrets, EncryptionError> {
    draw_secrets_for(check_plain(data)?.1.len(), rng)
}

/// Draws what [`draw_secrets`] draws for a chunk whose payload is `payload_len` bytes long, before
/// its content is known (an intermediate chunk whose references are still being hashed).
pub fn draw_secrets_for(
    payload_len: usize,
    rng: &mut dyn RandomSource,
) -> Result<ChunkSecrets, EncryptionError> {
    if payload_len > PADDED_PAYLOAD_LEN {
        return Err(EncryptionError::PayloadTooLong { payload_len });
    }
    let mut key: Key = [0; KEY_LEN];
    rng.fill(&mut key)?;
    let mut padding = vec![0u8; PADDED_PAYLOAD_LEN - payload_len];
    if !padding.is_empty() {
        rng.fill(&mut padding)?;
    }
    Ok(ChunkSecrets { key, padding })
}

/// Encrypts `data` (`span || payload`) with secrets drawn for it by [`draw_secrets`].
pub fn encrypt_with(data: &[u8], secrets: &ChunkSecrets) -> Result<Vec<u8>, EncryptionError> {
    let (span, payload) = check_plain(data)?;
    if payload.len() + secrets.padding.len() != PADDED_PAYLOAD_LEN {
        return Err(EncryptionError::PayloadTooLong {
            payload_len: payload.len() + secrets.padding.len(),
        });
    }
    let mut out = Vec::with_capacity(ENCRYPTED_CHUNK_LEN);
    out.extend_from_slice(span);
    out.extend_from_slice(payload);
    let (out_span, out_data) = out.split_at_mut(SPAN_LEN);
    transform(&secrets.key, SPAN_INITIAL_CTR, out_span);
    transform(&secrets.key, 0, out_data);
    out.extend_from_slice(&secrets.padding);
    Ok(out)
}

fn check_plain(data: &[u8]) -> Result<(&[u8; SPAN_LEN], &[u8]), EncryptionError> {
    let (span, payload) = data
        .split_first_chunk::<SPAN_LEN>()
        .ok_or(EncryptionError::MissingSpan { len: data.len() })?;
    if payload.len() > PADDED_PAYLOAD_LEN {
        return Err(EncryptionError::PayloadTooLong {
            payload_len: payload.len(),
        });
    }
    Ok((span, payload))
}

/// Decrypts an encrypted chunk `enc_span(8) || enc_payload`, returning the plaintext span and the whole
/// decrypted payload (4096 bytes for a stored chunk, `encrypted.len() - 8` in general).
///
/// The payload still includes the decrypted random padding; the caller trims it using the span and the
/// redundancy tables (spec §6.1). Unlike bee, a payload shorter than 4096 bytes is accepted.
pub fn decrypt_chunk(
    key: &Key,
    encrypted: &[u8],
) -> Result<([u8; SPAN_LEN], Vec<u8>), EncryptionError> {
    let (enc_span, enc_payload) =
        encrypted
            .split_first_chunk::<SPAN_LEN>()
            .ok_or(EncryptionError::MissingSpan {
                len: encrypted.len(),
            })?;
    if enc_payload.len() > PADDED_PAYLOAD_LEN {
        return Err(EncryptionError::EncryptedTooLong {
            payload_len: enc_payload.len(),
        });
    }
    let mut span = *enc_span;
    transform(key, SPAN_INITIAL_CTR, &mut span);
    let mut payload = enc_payload.to_vec();
    transform(key, 0, &mut payload);
    Ok((span, payload))
}

/// Splits a 64-byte encrypted reference into the chunk address and its decryption key.
pub fn split_reference(r: &[u8]) -> Result<([u8; ADDRESS_LEN], Key), EncryptionError> {
    let full: &[u8; REFERENCE_LEN] = r
        .try_into()
        .map_err(|_| EncryptionError::ReferenceLength { len: r.len() })?;
    let mut address = [0u8; ADDRESS_LEN];
    let mut key: Key = [0; KEY_LEN];
    address.copy_from_slice(&full[..ADDRESS_LEN]);
    key.copy_from_slice(&full[ADDRESS_LEN..]);
    Ok((address, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Key of bee's `encryption_test.go` (spec §10.6).
    const TEST_KEY: &str = "8abf1502f557f15026716030fb6384792583daf39608a3cd02ff2f47e9bc6e49";
    /// Appendix A: bee's `expectedTransformedHex`, the keystream blocks 0..128 of `TEST_KEY`.
    const EXPECTED_TRANSFORMED_HEX: &str =
        include_str!("../fixtures/encryption/expected_transformed.hex");

    fn test_key() -> Key {
        hex::decode(TEST_KEY).unwrap().try_into().unwrap()
    }

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// Replays scripted bytes and records the size of every draw.
    struct Scripted {
        bytes: Vec<u8>,
        pos: usize,
        draws: Vec<usize>,
    }

    impl Scripted {
        fn new(bytes: Vec<u8>) -> Self {
            Self {
                bytes,
                pos: 0,
                draws: Vec::new(),
            }
        }
    }

    impl RandomSource for Scripted {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), EncryptionError> {
            buf.copy_from_slice(&self.bytes[self.pos..self.pos + buf.len()]);
            self.pos += buf.len();
            self.draws.push(buf.len());
            Ok(())
        }
    }

    /// Records draw sizes while delegating to another source.
    struct Recording<R> {
        inner: R,
        draws: Vec<usize>,
    }

    impl<R: RandomSource> RandomSource for Recording<R> {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), EncryptionError> {
            self.draws.push(buf.len());
            self.inner.fill(buf)
        }
    }

    fn plain_chunk(span: u64, payload: &[u8]) -> Vec<u8> {
        let mut d = span.to_le_bytes().to_vec();
        d.extend_from_slice(payload);
        d
    }

    fn bee_rand_bytes(n: u64, len: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0u64;
        while out.len() < len {
            out.extend_from_slice(&keccak256_concat(&[&n.to_le_bytes(), &i.to_le_bytes()]));
            i += 1;
        }
        out.truncate(len);
        out
    }

    #[test]
    fn drawn_secrets_encrypt_like_encrypt_chunk_and_refuse_another_length() {
        let mut plain = 100u64.to_le_bytes().to_vec();
        plain.extend([5u8; 100]);
        let secrets = draw_secrets(&plain, &mut BeeRand::new(3)).unwrap();
        let (key, want) = encrypt_chunk(&plain, &mut BeeRand::new(3)).unwrap();
        assert_eq!(secrets.key, key);
        assert_eq!(encrypt_with(&plain, &secrets).unwrap(), want);
        // Secrets drawn for a 100-byte payload cannot pad a 101-byte one to 4096.
        let mut longer = 101u64.to_le_bytes().to_vec();
        longer.extend([5u8; 101]);
        assert!(matches!(
            encrypt_with(&longer, &secrets),
            Err(EncryptionError::PayloadTooLong { payload_len: 4097 })
        ));
        assert!(matches!(
            draw_secrets(&[1, 2, 3], &mut BeeRand::new(3)),
            Err(EncryptionError::MissingSpan { len: 3 })
        ));
    }

    #[test]
    fn appendix_a_keystream_of_4096_zero_bytes() {
        let expected = h(EXPECTED_TRANSFORMED_HEX.trim());
        assert_eq!(expected.len(), 4096);

        let mut data = vec![0u8; 4096];
        transform(&test_key(), 0, &mut data);
        assert_eq!(data, expected);

        let blocks: Vec<u8> = (0..128u32)
            .flat_map(|j| keystream_block(&test_key(), j))
            .collect();
        assert_eq!(blocks, expected);
    }

    #[test]
    fn section_10_6_first_block_and_whole_hash() {
        let mut data = vec![0u8; 4096];
        transform(&test_key(), 0, &mut data);
        assert_eq!(
            hex::encode(&data[..32]),
            "352187af3a843decc63ceca6cb01ea39dbcf77caf0a8f705f5c30d557044ceec"
        );
        assert_eq!(
            hex::encode(keccak256(&data)),
            "eab9772cbbd2b8dacaccb949a6539d856b707251894ce1642717b5912b7296fb"
        );
    }

    #[test]
    fn span_keystream_uses_counter_128() {
        assert_eq!(
            hex::encode(&keystream_block(&test_key(), 128)[..8]),
            "2d141cfc46fa8094"
        );
    }

    #[test]
    fn hello_world_chunk_derived_vectors() {
        // Script: the §10.6 key, then 4085 zero padding bytes (harness-only; bee pads randomly).
        let mut script = test_key().to_vec();
        script.extend_from_slice(&[0u8; 4085]);
        let mut rng = Scripted::new(script);

        let (key, enc) = encrypt_chunk(&plain_chunk(11, b"hello world"), &mut rng).unwrap();
        assert_eq!(key, test_key());
        assert_eq!(rng.draws, vec![32, 4085]);
        assert_eq!(enc.len(), 4104);
        assert_eq!(hex::encode(&enc[..8]), "26141cfc46fa8094");
        assert_eq!(hex::encode(&enc[8..19]), "5d44ebc355a44a83b45088");
        assert!(enc[19..].iter().all(|&b| b == 0));

        let span: [u8; 8] = enc[..8].try_into().unwrap();
        assert_eq!(
            hex::encode(crate::bmt::address(&span, &enc[8..])),
            "55ecec455c9ad0a7aa1d59b92ba0a7757a88ad87b6f7d6376db396d801dd6ab3"
        );

        let (dspan, dpayload) = decrypt_chunk(&key, &enc).unwrap();
        assert_eq!(u64::from_le_bytes(dspan), 11);
        assert_eq!(dpayload.len(), 4096);
        assert_eq!(&dpayload[..11], b"hello world");
    }

    #[test]
    fn counter_wraps_like_bee() {
        let key = test_key();
        let mut data = [0u8; 64];
        transform(&key, u32::MAX, &mut data);
        assert_eq!(data[..32], keystream_block(&key, u32::MAX));
        assert_eq!(data[32..], keystream_block(&key, 0));
    }

    #[test]
    fn short_last_segment_uses_block_prefix() {
        let key = test_key();
        let mut data = [0u8; 40];
        transform(&key, 5, &mut data);
        assert_eq!(data[..32], keystream_block(&key, 5));
        assert_eq!(data[32..], keystream_block(&key, 6)[..8]);
    }

    #[test]
    fn bee_rand_first_block_and_consumed() {
        for n in [0u64, 3, u64::MAX] {
            let mut r = BeeRand::new(n);
            assert_eq!(r.seed(), n);
            assert_eq!(r.consumed(), 0);
            let mut buf = [0u8; 32];
            r.fill(&mut buf).unwrap();
            assert_eq!(
                buf,
                keccak256_concat(&[&n.to_le_bytes(), &0u64.to_le_bytes()])
            );
            assert_eq!(r.consumed(), 32);
            r.fill(&mut []).unwrap();
            assert_eq!(r.consumed(), 32);
        }
    }

    #[test]
    fn bee_rand_draws_spanning_block_boundaries() {
        let expected = bee_rand_bytes(3, 32 + 5 + 40 + 100 + 1 + 31 + 64);
        let mut r = BeeRand::new(3);
        let mut got = Vec::new();
        for len in [32usize, 5, 40, 100, 1, 31, 64] {
            let mut buf = vec![0u8; len];
            r.fill(&mut buf).unwrap();
            got.extend_from_slice(&buf);
        }
        assert_eq!(got, expected);
        assert_eq!(r.consumed(), expected.len() as u64);
    }

    #[test]
    fn bee_rand_parse() {
        let r: BeeRand = "bee-rand:3".parse().unwrap();
        assert_eq!(r.seed(), 3);
        assert_eq!(r.consumed(), 0);
        let r: BeeRand = "bee-rand:18446744073709551615".parse().unwrap();
        assert_eq!(r.seed(), u64::MAX);
        for bad in [
            "",
            "none",
            "bee-rand:",
            "bee-rand:x",
            "bee-rand:+3",
            "bee-rand:-1",
            "bee-rand: 3",
            "bee-rand:3 ",
            "Bee-rand:3",
            "rand:3",
            "bee-rand:18446744073709551616",
        ] {
            assert_eq!(
                bad.parse::<BeeRand>().unwrap_err(),
                EncryptionError::InvalidBeeRand {
                    spec: bad.to_owned()
                },
                "{bad:?}"
            );
        }
    }

    #[test]
    fn encrypt_draw_order_and_counts() {
        // payload length -> expected draws
        for (len, draws) in [
            (0usize, vec![32usize, 4096]),
            (11, vec![32, 4085]),
            (4095, vec![32, 1]),
            (4096, vec![32]),
        ] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut rng = Recording {
                inner: BeeRand::new(3),
                draws: Vec::new(),
            };
            let (key, enc) = encrypt_chunk(&plain_chunk(len as u64, &payload), &mut rng).unwrap();
            assert_eq!(rng.draws, draws, "payload {len}");
            let total: usize = draws.iter().sum();
            assert_eq!(rng.inner.consumed(), total as u64);
            assert_eq!(enc.len(), ENCRYPTED_CHUNK_LEN);

            let stream = bee_rand_bytes(3, total);
            assert_eq!(key[..], stream[..32]);
            // Padding is the raw stream bytes after the key, not encrypted zeros.
            assert_eq!(enc[8 + len..], stream[32..]);
            // Span and payload are the transform under the drawn key.
            let mut expect_span = (len as u64).to_le_bytes();
            transform(&key, 128, &mut expect_span);
            assert_eq!(enc[..8], expect_span);
            let mut expect_payload = payload.clone();
            transform(&key, 0, &mut expect_payload);
            assert_eq!(enc[8..8 + len], expect_payload[..]);
        }
    }

    #[test]
    fn consecutive_chunks_continue_the_stream() {
        let mut rng = BeeRand::new(7);
        let (k1, _) = encrypt_chunk(&plain_chunk(11, b"hello world"), &mut rng).unwrap();
        let (k2, _) = encrypt_chunk(&plain_chunk(4096, &[1u8; 4096]), &mut rng).unwrap();
        let stream = bee_rand_bytes(7, 32 + 4085 + 32);
        assert_eq!(k1[..], stream[..32]);
        assert_eq!(k2[..], stream[4117..]);
        assert_eq!(rng.consumed(), 4149);
    }

    #[test]
    fn encrypt_errors_draw_nothing() {
        for len in [0usize, 7] {
            let mut rng = BeeRand::new(1);
            assert_eq!(
                encrypt_chunk(&vec![0u8; len], &mut rng).unwrap_err(),
                EncryptionError::MissingSpan { len }
            );
            assert_eq!(rng.consumed(), 0);
        }
        let mut rng = BeeRand::new(1);
        let err = encrypt_chunk(&vec![0u8; 8 + 4097], &mut rng).unwrap_err();
        assert_eq!(err, EncryptionError::PayloadTooLong { payload_len: 4097 });
        assert_eq!(
            err.to_string(),
            "data length longer than padding, data length 4097 padding 4096"
        );
        assert_eq!(rng.consumed(), 0);
    }

    #[test]
    fn encrypt_span_only_chunk() {
        let mut rng = BeeRand::new(2);
        let (key, enc) = encrypt_chunk(&0u64.to_le_bytes(), &mut rng).unwrap();
        assert_eq!(rng.consumed(), 32 + 4096);
        let (span, payload) = decrypt_chunk(&key, &enc).unwrap();
        assert_eq!(span, [0u8; 8]);
        assert_eq!(payload.len(), 4096);
    }

    #[test]
    fn decrypt_errors() {
        let key = test_key();
        assert_eq!(
            decrypt_chunk(&key, &[0u8; 7]).unwrap_err(),
            EncryptionError::MissingSpan { len: 7 }
        );
        let err = decrypt_chunk(&key, &[0u8; 4105]).unwrap_err();
        assert_eq!(err, EncryptionError::EncryptedTooLong { payload_len: 4097 });
        assert_eq!(
            err.to_string(),
            "data length different than padding, data length 4097 padding 4096"
        );
        // Span only and short payloads are accepted (the brief's contract, looser than bee).
        let (_, payload) = decrypt_chunk(&key, &[0u8; 8]).unwrap();
        assert!(payload.is_empty());
        let (_, payload) = decrypt_chunk(&key, &[0u8; 40]).unwrap();
        assert_eq!(payload[..], keystream_block(&key, 0)[..]);
    }

    #[test]
    fn split_reference_lengths() {
        let r: Vec<u8> = (0..64u8).collect();
        let (addr, key) = split_reference(&r).unwrap();
        assert_eq!(addr[..], r[..32]);
        assert_eq!(key[..], r[32..]);
        for len in [0usize, 32, 63, 65, 128] {
            assert_eq!(
                split_reference(&vec![0u8; len]).unwrap_err(),
                EncryptionError::ReferenceLength { len }
            );
        }
    }

    #[test]
    fn os_random_fills() {
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        OsRandom.fill(&mut a).unwrap();
        OsRandom.fill(&mut b).unwrap();
        // Each check fails with probability 2^-512.
        assert_ne!(a, [0u8; 64]);
        assert_ne!(a, b);
        let (_, enc) = encrypt_chunk(&plain_chunk(3, b"abc"), &mut OsRandom).unwrap();
        assert_eq!(enc.len(), ENCRYPTED_CHUNK_LEN);
    }

    proptest! {
        #[test]
        fn lockstep_keystream_equals_scalar(key in any::<[u8; 32]>(), ctr in any::<u32>(), count in 0u32..40) {
            let want: Vec<[u8; 32]> = (0..count).map(|j| keystream_block(&key, ctr.wrapping_add(j))).collect();
            prop_assert_eq!(keystream_blocks(&key, ctr, count), want);
        }

        #[test]
        fn encrypt_decrypt_round_trip(
            span in any::<[u8; 8]>(),
            payload in proptest::collection::vec(any::<u8>(), 0..=4096),
            seed in any::<u64>(),
        ) {
            let mut data = span.to_vec();
            data.extend_from_slice(&payload);
            let mut rng = BeeRand::new(seed);
            let (key, enc) = encrypt_chunk(&data, &mut rng).unwrap();
            prop_assert_eq!(enc.len(), ENCRYPTED_CHUNK_LEN);
            prop_assert_eq!(rng.consumed(), (32 + 4096 - payload.len()) as u64);
            let (dspan, dpayload) = decrypt_chunk(&key, &enc).unwrap();
            prop_assert_eq!(dspan, span);
            prop_assert_eq!(dpayload.len(), 4096);
            prop_assert_eq!(&dpayload[..payload.len()], &payload[..]);
        }

        #[test]
        fn transform_is_an_involution_and_splits_at_segments(
            key in any::<[u8; 32]>(),
            ctr in any::<u32>(),
            data in proptest::collection::vec(any::<u8>(), 0..300),
            cut_segments in 0usize..10,
        ) {
            let mut whole = data.clone();
            transform(&key, ctr, &mut whole);
            let mut back = whole.clone();
            transform(&key, ctr, &mut back);
            prop_assert_eq!(&back, &data);

            let cut = (cut_segments * 32).min(data.len());
            let mut parts = data.clone();
            let (a, b) = parts.split_at_mut(cut);
            transform(&key, ctr, a);
            transform(&key, ctr.wrapping_add((cut / 32) as u32), b);
            prop_assert_eq!(parts, whole);
        }
    }
}
