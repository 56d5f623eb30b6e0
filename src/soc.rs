//! Single-owner chunks (spec §1.2, §5.9, §10.7; bee's `pkg/soc` and `pkg/crypto`).
//!
//! A single-owner chunk (SOC) wraps a content-addressed chunk under an address chosen by its owner:
//! stored data is `id(32) || signature(65) || wrapped CAC data (span || payload)`, the address is
//! `keccak256(id || owner)` where `owner` is a 20-byte Ethereum address. The owner is never stored: it is
//! recovered from the signature over `keccak256(id || wrapped_cac_address)`, which is signed
//! Ethereum-style (EIP-191 prefix, secp256k1, `r || s || v`, `v ∈ {27, 28}`), exactly as bee's
//! `crypto.DefaultSigner` (btcec `SignCompact`, RFC 6979 nonces, low-s) does, so signatures made here are
//! byte-identical to bee's.
//!
//! Refused: data outside 105..=4201 bytes (checked before anything else), signatures whose recovery
//! byte is outside 27..=34 or whose `r`/`s` are zero or not below the group order, signatures from which
//! no public key can be recovered, a SOC whose address is not `keccak256(id || recovered owner)`, and a
//! SOC claiming the dispersed-replica owner ([`crate::replicas::REPLICAS_OWNER`]) whose id does not equal
//! the wrapped chunk's address outside byte 0.

use crate::address::Address;
use crate::cac::{self, CacError, Chunk};
use crate::identity::key::{recover_prehash, OverlayKey, Refused, Signature};
use crate::keccak::keccak256_concat;
use crate::replicas::REPLICAS_OWNER;

/// Length of a SOC id.
pub const SOC_ID_SIZE: usize = 32;
/// Length of a SOC signature: `r(32) || s(32) || v(1)`.
pub const SOC_SIGNATURE_SIZE: usize = 65;
/// Length of an owner (Ethereum address).
pub const OWNER_SIZE: usize = 20;
/// Smallest SOC data: id, signature and an 8-byte span with an empty payload.
pub const SOC_MIN_SIZE: usize = SOC_ID_SIZE + SOC_SIGNATURE_SIZE + crate::span::SPAN_SIZE;
/// Largest SOC data: id, signature and a full 4104-byte wrapped chunk.
pub const SOC_MAX_SIZE: usize = SOC_MIN_SIZE + crate::cac::MAX_PAYLOAD;

/// Offset of the signature in SOC data.
#[cfg(test)]
const SIG_OFFSET: usize = SOC_ID_SIZE;
/// Offset of the wrapped chunk's data in SOC data.
const WRAPPED_OFFSET: usize = SOC_ID_SIZE + SOC_SIGNATURE_SIZE;

/// Why bytes are not a valid single-owner chunk, or why a key or signature is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocError {
    /// SOC data shorter than id + signature + span.
    #[error(
        "single-owner chunk data of {0} bytes is shorter than the {SOC_MIN_SIZE}-byte minimum"
    )]
    TooShort(usize),
    /// SOC data longer than id + signature + a full chunk.
    #[error("single-owner chunk data of {0} bytes is longer than the {SOC_MAX_SIZE}-byte maximum")]
    TooLong(usize),
    /// The wrapped data is not a content-addressed chunk.
    #[error("wrapped chunk: {0}")]
    Wrapped(#[from] CacError),
    /// The signature's last byte is not a recovery byte 27..=34.
    #[error("signature recovery byte {0} is not in 27..=34")]
    RecoveryByte(u8),
    /// `r` or `s` is zero or not below the secp256k1 group order.
    #[error("signature r/s {0} is zero or not below the group order")]
    SignatureScalars(String),
    /// No public key can be recovered from this signature and digest.
    #[error("no public key recovers from signature {signature} over digest {digest}")]
    Recovery {
        /// The signature, hex.
        signature: String,
        /// The signed digest (before the Ethereum prefix), hex.
        digest: String,
    },
    /// The address is not `keccak256(id || owner)` for the recovered owner.
    #[error("single-owner chunk address {actual} is not {expected} = keccak256(id || owner)")]
    AddressMismatch {
        /// The address the chunk was given.
        actual: Address,
        /// The address its id and recovered owner give.
        expected: Address,
    },
    /// The replicas owner signed a chunk whose id is not the wrapped address with byte 0 replaced.
    #[error("replica id {id} does not match wrapped chunk address {wrapped} outside byte 0")]
    ReplicaId {
        /// The SOC id, hex.
        id: String,
        /// The wrapped chunk's address.
        wrapped: Address,
    },
    /// A secret key that is zero or not below the group order.
    #[error("secret key is zero or not below the secp256k1 group order")]
    SecretKey,
    /// Signing failed (only if RFC 6979 yields r = 0 or s = 0, which has negligible probability).
    #[error("signing digest {0} failed")]
    Signing(String),
}

/// The address of the SOC with this id and owner: `keccak256(id || owner)`.
pub fn soc_address(id: &[u8; SOC_ID_SIZE], owner: &[u8; OWNER_SIZE]) -> Address {
    Address(keccak256_concat(&[id, owner]))
}

/// The digest a SOC's owner signs: `keccak256(id || wrapped_address)`.
pub fn signed_digest(id: &[u8; SOC_ID_SIZE], wrapped: &Address) -> [u8; 32] {
    keccak256_concat(&[id, &wrapped.0])
}

/// The hash bee actually signs for a 32-byte digest: EIP-191 `"\x19Ethereum Signed Message:\n32" || digest`.
fn ethereum_prehash(digest: &[u8; 32]) -> [u8; 32] {
    keccak256_concat(&[b"\x19Ethereum Signed Message:\n32", digest])
}

/// A secp256k1 secret key that signs SOCs the way bee does (through [`OverlayKey::sign`], the one
/// signer of the crate: btcec's `SignCompact` bytes).
#[derive(Clone)]
pub struct Signer {
    key: OverlayKey,
    owner: [u8; OWNER_SIZE],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret key.
        write!(f, "Signer(owner {})", hex::encode(self.owner))
    }
}

impl Signer {
    /// A signer for the big-endian 32-byte secret key `secret`; refuses zero and values ≥ the group order.
    pub fn from_bytes(secret: &[u8; 32]) -> Result<Signer, SocError> {
        let key = OverlayKey::from_slice(secret).map_err(|_| SocError::SecretKey)?;
        let owner = key.eth_address().0;
        Ok(Signer { key, owner })
    }

    /// The Ethereum address of this key (the SOC owner).
    pub fn eth_address(&self) -> [u8; OWNER_SIZE] {
        self.owner
    }

    /// Signs a 32-byte digest Ethereum-style, as bee's `DefaultSigner.Sign`: ECDSA over
    /// `keccak256("\x19Ethereum Signed Message:\n32" || digest)`, encoded `r || s || v` with low `s` and
    /// `v = 27 + recovery id`. Deterministic.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; SOC_SIGNATURE_SIZE], SocError> {
        self.key
            .sign(digest)
            .map(|s| s.0)
            .map_err(|_| SocError::Signing(hex::encode(digest)))
    }
}

/// Recovers the owner (Ethereum address) that signed `digest` (before the Ethereum prefix) with `sig`.
///
/// Accepts what bee's `crypto.Recover` (btcec `RecoverCompact`) accepts: recovery byte 27..=34 (the
/// "compressed" flag 4 does not change the key), `r`, `s` in 1..n, and high-`s` signatures.
pub fn recover_owner(
    digest: &[u8; 32],
    sig: &[u8; SOC_SIGNATURE_SIZE],
) -> Result<[u8; OWNER_SIZE], SocError> {
    match recover_prehash(&Signature(*sig), &ethereum_prehash(digest)) {
        Ok(key) => Ok(key.eth_address().0),
        Err(Refused::RecoveryByte(v)) => Err(SocError::RecoveryByte(v)),
        Err(Refused::Scalars) => Err(SocError::SignatureScalars(hex::encode(&sig[..64]))),
        Err(Refused::Recovery) => Err(SocError::Recovery {
            signature: hex::encode(sig),
            digest: hex::encode(digest),
        }),
    }
}

/// Builds the SOC wrapping `wrapped` under `id`, signed by `signer` (bee's `soc.New(id, ch).Sign`).
pub fn new_soc(
    signer: &Signer,
    id: &[u8; SOC_ID_SIZE],
    wrapped: &Chunk,
) -> Result<Chunk, SocError> {
    let signature = signer.sign_digest(&signed_digest(id, &wrapped.address))?;
    let mut data = Vec::with_capacity(WRAPPED_OFFSET + wrapped.data.len());
    data.extend_from_slice(id);
    data.extend_from_slice(&signature);
    data.extend_from_slice(&wrapped.data);
    Ok(Chunk {
        address: soc_address(id, &signer.eth_address()),
        data,
    })
}

/// A SOC taken apart, its owner recovered from the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSoc {
    /// The id.
    pub id: [u8; SOC_ID_SIZE],
    /// The signature `r || s || v`.
    pub signature: [u8; SOC_SIGNATURE_SIZE],
    /// The owner recovered from the signature.
    pub owner: [u8; OWNER_SIZE],
    /// The wrapped content-addressed chunk (its span taken verbatim).
    pub wrapped: Chunk,
}

impl ParsedSoc {
    /// The address this SOC belongs at: `keccak256(id || owner)`.
    pub fn address(&self) -> Address {
        soc_address(&self.id, &self.owner)
    }
}

/// Parses SOC data and recovers its owner (bee's `soc.FromChunk`). Does not check an address.
pub fn parse_soc(data: &[u8]) -> Result<ParsedSoc, SocError> {
    if data.len() < SOC_MIN_SIZE {
        return Err(SocError::TooShort(data.len()));
    }
    if data.len() > SOC_MAX_SIZE {
        return Err(SocError::TooLong(data.len()));
    }
    let (id_bytes, rest) = data.split_at(SOC_ID_SIZE);
    let (sig_bytes, wrapped_data) = rest.split_at(SOC_SIGNATURE_SIZE);
    let mut id = [0u8; SOC_ID_SIZE];
    id.copy_from_slice(id_bytes);
    let mut signature = [0u8; SOC_SIGNATURE_SIZE];
    signature.copy_from_slice(sig_bytes);
    let wrapped = Chunk::with_data_span(wrapped_data.to_vec())?;
    let owner = recover_owner(&signed_digest(&id, &wrapped.address), &signature)?;
    Ok(ParsedSoc {
        id,
        signature,
        owner,
        wrapped,
    })
}

/// Parses SOC data and checks it belongs at `address` (bee's `soc.Valid`), including the dispersed-replica
/// rule: when the recovered owner is the replicas owner, the id must equal the wrapped chunk's address
/// in bytes 1..32.
pub fn validate_soc(address: &Address, data: &[u8]) -> Result<ParsedSoc, SocError> {
    let soc = parse_soc(data)?;
    if soc.owner == REPLICAS_OWNER && soc.wrapped.address.0[1..] != soc.id[1..] {
        return Err(SocError::ReplicaId {
            id: hex::encode(soc.id),
            wrapped: soc.wrapped.address,
        });
    }
    let expected = soc.address();
    if expected != *address {
        return Err(SocError::AddressMismatch {
            actual: *address,
            expected,
        });
    }
    Ok(soc)
}

/// Whether `data` is a valid SOC at `address` (see [`validate_soc`]).
pub fn is_valid_soc(address: &Address, data: &[u8]) -> bool {
    validate_soc(address, data).is_ok()
}

/// Whether `data` at `address` is a valid chunk of either kind: content-addressed or single-owner
/// (bee tries CAC first, then SOC).
pub fn is_valid_chunk(address: &Address, data: &[u8]) -> bool {
    cac::is_valid(address, data) || is_valid_soc(address, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::key::{flip_s, is_low_s};
    use proptest::prelude::*;

    /// bee's test key (`pkg/crypto/signer_test.go`), owner 8d3766440f0d7b949a5e32995d09619a7f86e632.
    const BEE_TEST_KEY: &str = "634fb5a872396d9693e5c9f9d7233cfa93f395c093371017ff44aa9ae6564cdd";
    const BEE_TEST_OWNER: &str = "8d3766440f0d7b949a5e32995d09619a7f86e632";
    const FOO_SOC_ADDRESS: &str =
        "9d453ebb73b2fedaaf44ceddcf7a0aa37f3e3d6453fea5841c31f0ea6d61dc85";
    const FOO_CAC_ADDRESS: &str =
        "2387e8e7d8a48c2a9339c97c1dc3461a9a7aa07e994c5cb8b38fd7c1b3e6ea48";
    const FOO_DIGEST: &str = "c92bdf3255f1e87061b020dfbf8659fd69d3b3193d1670f0f7b1976768ce3d73";
    const FOO_SIG: &str = "5acd384febc133b7b245e5ddc62d82d2cded9182d2716126cd8844509af65a053deb418208027f548e3e88343af6f84a8772fb3cebc0a1833a0ea7ec0c1348311b";

    fn arr<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    fn bee_signer() -> Signer {
        Signer::from_bytes(&arr(BEE_TEST_KEY)).unwrap()
    }

    fn foo() -> Chunk {
        Chunk::new(b"foo").unwrap()
    }

    /// bee's `TestChunk` bytes: id 0, the signature, span 3, "foo".
    fn foo_soc_data() -> Vec<u8> {
        let mut data = vec![0u8; 32];
        data.extend_from_slice(&hex::decode(FOO_SIG).unwrap());
        data.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 0]);
        data.extend_from_slice(b"foo");
        data
    }

    #[test]
    fn sizes() {
        assert_eq!(SOC_MIN_SIZE, SOC_ID_SIZE + SOC_SIGNATURE_SIZE + 8);
        assert_eq!(SOC_MAX_SIZE, SOC_MIN_SIZE + 4096);
    }

    #[test]
    fn bee_key_owner() {
        assert_eq!(hex::encode(bee_signer().eth_address()), BEE_TEST_OWNER);
    }

    #[test]
    fn create_address() {
        let addr = soc_address(&[0; 32], &arr(BEE_TEST_OWNER));
        assert_eq!(addr.to_hex(), FOO_SOC_ADDRESS);
    }

    #[test]
    fn digest_of_foo() {
        assert_eq!(foo().address.to_hex(), FOO_CAC_ADDRESS);
        assert_eq!(
            hex::encode(signed_digest(&[0; 32], &foo().address)),
            FOO_DIGEST
        );
    }

    #[test]
    fn signature_matches_bee() {
        let sig = bee_signer().sign_digest(&arr(FOO_DIGEST)).unwrap();
        assert_eq!(hex::encode(sig), FOO_SIG);
    }

    #[test]
    fn recover_bee_signature() {
        let owner = recover_owner(&arr(FOO_DIGEST), &arr(FOO_SIG)).unwrap();
        assert_eq!(hex::encode(owner), BEE_TEST_OWNER);
    }

    #[test]
    fn new_soc_matches_bee_bytes() {
        let soc = new_soc(&bee_signer(), &[0; 32], &foo()).unwrap();
        assert_eq!(soc.address.to_hex(), FOO_SOC_ADDRESS);
        assert_eq!(soc.data, foo_soc_data());
        assert_eq!(soc.data.len(), 108);
    }

    #[test]
    fn parse_bee_soc() {
        let parsed = parse_soc(&foo_soc_data()).unwrap();
        assert_eq!(parsed.id, [0; 32]);
        assert_eq!(hex::encode(parsed.signature), FOO_SIG);
        assert_eq!(hex::encode(parsed.owner), BEE_TEST_OWNER);
        assert_eq!(parsed.wrapped, foo());
        assert_eq!(parsed.address().to_hex(), FOO_SOC_ADDRESS);
        let addr = Address::from_hex(FOO_SOC_ADDRESS).unwrap();
        assert!(is_valid_soc(&addr, &foo_soc_data()));
        assert!(is_valid_chunk(&addr, &foo_soc_data()));
        assert!(!cac::is_valid(&addr, &foo_soc_data()));
    }

    /// bee's `TestReplica`: a SOC claiming the replicas owner with the 8d37… signature. The owner is
    /// recovered (8d37…), so the replica rule does not apply and the chunk is valid at 9d45….
    #[test]
    fn bee_test_replica() {
        let claimed = soc_address(&[0; 32], &REPLICAS_OWNER);
        let data = foo_soc_data();
        assert!(!is_valid_soc(&claimed, &data));
        let parsed = parse_soc(&data).unwrap();
        assert_ne!(parsed.owner, REPLICAS_OWNER);
        assert_eq!(hex::encode(parsed.owner), BEE_TEST_OWNER);
        assert!(is_valid_soc(&parsed.address(), &data));
        assert_eq!(
            validate_soc(&claimed, &data).unwrap_err(),
            SocError::AddressMismatch {
                actual: claimed,
                expected: Address::from_hex(FOO_SOC_ADDRESS).unwrap(),
            }
        );
    }

    #[test]
    fn replica_rule_violation_rejected() {
        let signer = crate::replicas::replicas_signer();
        assert_eq!(signer.eth_address(), REPLICAS_OWNER);
        // id 0 does not match foo's address in bytes 1..32.
        let soc = new_soc(signer, &[0; 32], &foo()).unwrap();
        let err = validate_soc(&soc.address, &soc.data).unwrap_err();
        assert_eq!(
            err,
            SocError::ReplicaId {
                id: hex::encode([0u8; 32]),
                wrapped: foo().address,
            }
        );
        assert!(!is_valid_soc(&soc.address, &soc.data));
        // The same SOC from any other owner is fine.
        let other = new_soc(&bee_signer(), &[0; 32], &foo()).unwrap();
        assert!(is_valid_soc(&other.address, &other.data));
        // And a matching id from the replicas owner is fine, whatever byte 0 is.
        let mut id = foo().address.0;
        id[0] = 0xab;
        let ok = new_soc(signer, &id, &foo()).unwrap();
        assert!(is_valid_soc(&ok.address, &ok.data));
    }

    #[test]
    fn size_bounds() {
        let addr = Address::from_hex(FOO_SOC_ADDRESS).unwrap();
        let data = foo_soc_data();
        assert_eq!(
            parse_soc(&data[..104]).unwrap_err(),
            SocError::TooShort(104)
        );
        assert_eq!(parse_soc(&[]).unwrap_err(), SocError::TooShort(0));
        assert!(!is_valid_soc(&addr, &data[..100]));
        let big = vec![0u8; SOC_MAX_SIZE + 1];
        assert_eq!(parse_soc(&big).unwrap_err(), SocError::TooLong(4202));
        assert!(!is_valid_soc(&addr, &big));
        // Exactly the minimum: empty payload.
        let empty = new_soc(&bee_signer(), &[7; 32], &Chunk::new(&[]).unwrap()).unwrap();
        assert_eq!(empty.data.len(), SOC_MIN_SIZE);
        assert!(is_valid_soc(&empty.address, &empty.data));
        // Exactly the maximum: full chunk.
        let full = new_soc(&bee_signer(), &[7; 32], &Chunk::new(&[9; 4096]).unwrap()).unwrap();
        assert_eq!(full.data.len(), SOC_MAX_SIZE);
        assert!(is_valid_soc(&full.address, &full.data));
    }

    #[test]
    fn bad_recovery_bytes() {
        let mut data = foo_soc_data();
        for v in [0u8, 1, 26, 35, 255] {
            data[WRAPPED_OFFSET - 1] = v;
            assert_eq!(parse_soc(&data).unwrap_err(), SocError::RecoveryByte(v));
        }
    }

    #[test]
    fn bad_scalars() {
        let mut data = foo_soc_data();
        data[SIG_OFFSET..SIG_OFFSET + 32].fill(0);
        assert!(matches!(
            parse_soc(&data).unwrap_err(),
            SocError::SignatureScalars(_)
        ));
        let mut data = foo_soc_data();
        data[SIG_OFFSET + 32..SIG_OFFSET + 64].fill(0xff);
        assert!(matches!(
            parse_soc(&data).unwrap_err(),
            SocError::SignatureScalars(_)
        ));
    }

    #[test]
    fn unrecoverable_signature() {
        // r = 5 with recovery id 2 means x = 5 + n, which is ≥ p: no such point.
        let mut sig = arr::<65>(FOO_SIG);
        sig[..32].fill(0);
        sig[31] = 5;
        sig[64] = 29;
        assert_eq!(
            recover_owner(&arr(FOO_DIGEST), &sig).unwrap_err(),
            SocError::Recovery {
                signature: hex::encode(sig),
                digest: FOO_DIGEST.to_string(),
            }
        );
    }

    /// btcec accepts the "compressed" recovery bytes 31/32 and high-s signatures; so do we.
    #[test]
    fn compressed_flag_and_high_s_recover_same_owner() {
        let digest = arr::<32>(FOO_DIGEST);
        let sig = arr::<65>(FOO_SIG);
        let mut compressed = sig;
        compressed[64] += 4;
        assert_eq!(
            hex::encode(recover_owner(&digest, &compressed).unwrap()),
            BEE_TEST_OWNER
        );
        let mut high_sig: [u8; 65] = flip_s(&sig).unwrap().try_into().unwrap();
        assert!(!is_low_s(&high_sig));
        assert_eq!(high_sig[64], if sig[64] == 27 { 28 } else { 27 });
        assert_eq!(
            hex::encode(recover_owner(&digest, &high_sig).unwrap()),
            BEE_TEST_OWNER
        );
        // Same high-s signature with the wrong parity recovers someone else.
        high_sig[64] = sig[64];
        assert_ne!(
            hex::encode(recover_owner(&digest, &high_sig).unwrap()),
            BEE_TEST_OWNER
        );
    }

    #[test]
    fn secret_key_bounds() {
        assert_eq!(
            Signer::from_bytes(&[0; 32]).unwrap_err(),
            SocError::SecretKey
        );
        assert_eq!(
            Signer::from_bytes(&[0xff; 32]).unwrap_err(),
            SocError::SecretKey
        );
        let n = arr::<32>("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
        assert_eq!(Signer::from_bytes(&n).unwrap_err(), SocError::SecretKey);
        let mut n_minus_1 = n;
        n_minus_1[31] = 0x40;
        assert!(Signer::from_bytes(&n_minus_1).is_ok());
        // The scalar 1 has the well-known address of the generator point.
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(
            hex::encode(Signer::from_bytes(&one).unwrap().eth_address()),
            "7e5f4552091a69125d5dfcb7b8c2659029395bdf"
        );
    }

    #[test]
    fn debug_hides_key() {
        let s = format!("{:?}", bee_signer());
        assert!(s.contains(BEE_TEST_OWNER));
        assert!(!s.contains(&BEE_TEST_KEY[..8]));
    }

    #[test]
    fn wrong_address_rejected() {
        let mut addr = Address::from_hex(FOO_SOC_ADDRESS).unwrap();
        addr.0[31] ^= 1;
        assert!(matches!(
            validate_soc(&addr, &foo_soc_data()).unwrap_err(),
            SocError::AddressMismatch { .. }
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn sign_recover_roundtrip(key in any::<[u8; 32]>(), digest in any::<[u8; 32]>()) {
            let Ok(signer) = Signer::from_bytes(&key) else { return Ok(()) };
            let sig = signer.sign_digest(&digest).unwrap();
            prop_assert!(sig[64] == 27 || sig[64] == 28);
            prop_assert!(is_low_s(&sig), "s must be low");
            prop_assert_eq!(signer.sign_digest(&digest).unwrap(), sig);
            prop_assert_eq!(recover_owner(&digest, &sig).unwrap(), signer.eth_address());
        }

        #[test]
        fn soc_roundtrip_and_tamper(
            id in any::<[u8; 32]>(),
            payload in proptest::collection::vec(any::<u8>(), 0..=300),
            flip in any::<prop::sample::Index>(),
        ) {
            let signer = bee_signer();
            let wrapped = Chunk::new(&payload).unwrap();
            let soc = new_soc(&signer, &id, &wrapped).unwrap();
            prop_assert_eq!(soc.data.len(), WRAPPED_OFFSET + wrapped.data.len());
            let parsed = validate_soc(&soc.address, &soc.data).unwrap();
            prop_assert_eq!(parsed.owner, signer.eth_address());
            prop_assert_eq!(&parsed.wrapped, &wrapped);
            prop_assert_eq!(parsed.id, id);
            // Any single changed bit makes it invalid at this address.
            let mut bad = soc.data.clone();
            let i = flip.index(bad.len());
            bad[i] ^= 1;
            prop_assert!(!is_valid_soc(&soc.address, &bad));
        }

        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..=4300)) {
            let _ = parse_soc(&data);
        }
    }
}
