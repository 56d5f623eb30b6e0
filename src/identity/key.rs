//! The overlay key, its Ethereum address, overlay addresses and bee's signatures.

use std::fmt;

use k256::ecdsa::{RecoveryId, Signature as EcdsaSignature, SigningKey, VerifyingKey};

use crate::address::Address;
use crate::keccak::{keccak256, keccak256_concat};

/// Length of an overlay nonce.
pub const NONCE_SIZE: usize = 32;
/// Length of an Ethereum address.
pub const ETH_ADDRESS_SIZE: usize = 20;
/// Length of a signature: `r(32) || s(32) || v(1)`.
pub const SIGNATURE_SIZE: usize = 65;
/// Length of a secret key.
pub const SECRET_KEY_SIZE: usize = 32;

/// The overlay nonce mixed into the overlay address (bee keeps one per node; zero for a new one).
pub type Nonce = [u8; NONCE_SIZE];

/// btcec's compact-signature header base: `v = 27 + recovery id` (+4 for a compressed key).
const V_BASE: u8 = 27;

/// Why a key, a signature or a recovery failed. Each variant carries the input it refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// A secret key that is not 32 bytes, zero, or not below the group order.
    #[error("secret key of {len} bytes is not a secp256k1 key (32 bytes, 1..n)")]
    SecretKey {
        /// Bytes given (the key itself is never printed).
        len: usize,
    },
    /// A public key that is not a SEC1-encoded secp256k1 point.
    #[error("public key {0} is not a secp256k1 point")]
    PublicKey(String),
    /// The operating system's random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// Signing failed (it does not for valid keys).
    #[error("signing {0} failed")]
    Signing(String),
    /// A signature that is not 65 bytes.
    #[error("signature {signature} has {len} bytes, want 65")]
    SignatureLength {
        /// The signature, hex.
        signature: String,
        /// Its length.
        len: usize,
    },
    /// The recovery byte is outside 27..=34.
    #[error("signature {signature} has recovery byte {v}, not in 27..=34")]
    RecoveryByte {
        /// The signature, hex.
        signature: String,
        /// Its last byte.
        v: u8,
    },
    /// `r` or `s` is zero or not below the group order.
    #[error("signature {0} has r or s out of range")]
    SignatureScalars(String),
    /// No public key recovers from the signature over the data.
    #[error("no public key recovers from signature {signature} over {data}")]
    Recovery {
        /// The signature, hex.
        signature: String,
        /// The signed data (before the Ethereum prefix), hex, shortened when long.
        data: String,
    },
}

/// Hex of `bytes`, cut after 64 bytes so that an error never carries a large input.
pub(crate) fn hex_short(bytes: &[u8]) -> String {
    const MAX: usize = 64;
    match bytes.get(..MAX) {
        Some(head) if bytes.len() > MAX => {
            format!("{}...({} bytes)", hex::encode(head), bytes.len())
        }
        _ => hex::encode(bytes),
    }
}

/// A 20-byte Ethereum address: the last 20 bytes of keccak256 of the uncompressed public key
/// without its `0x04` tag (bee's `crypto.NewEthereumAddress`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EthAddress(pub [u8; ETH_ADDRESS_SIZE]);

impl EthAddress {
    /// The address as a byte array.
    pub fn as_bytes(&self) -> &[u8; ETH_ADDRESS_SIZE] {
        &self.0
    }

    /// The address of `bytes` when it is exactly 20 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<EthAddress> {
        bytes.try_into().ok().map(EthAddress)
    }

    /// Lowercase hex without `0x`.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for EthAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for EthAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EthAddress({self})")
    }
}

/// A secp256k1 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses a SEC1 encoding (33-byte compressed or 65-byte uncompressed).
    pub fn from_sec1(bytes: &[u8]) -> Result<PublicKey, IdentityError> {
        VerifyingKey::from_sec1_bytes(bytes)
            .map(PublicKey)
            .map_err(|_| IdentityError::PublicKey(hex_short(bytes)))
    }

    /// The 65-byte uncompressed encoding `0x04 || x || y`.
    pub fn to_uncompressed(&self) -> [u8; 65] {
        let point = self.0.to_encoded_point(false);
        let mut out = [0u8; 65];
        // An uncompressed point of a valid key is always 65 bytes.
        if let Some(bytes) = point.as_bytes().get(..65) {
            out.copy_from_slice(bytes);
        }
        out
    }

    /// The 33-byte compressed encoding (bee's `EncodeSecp256k1PublicKey`).
    pub fn to_compressed(&self) -> [u8; 33] {
        let point = self.0.to_encoded_point(true);
        let mut out = [0u8; 33];
        if let Some(bytes) = point.as_bytes().get(..33) {
            out.copy_from_slice(bytes);
        }
        out
    }

    /// The Ethereum address of this key.
    pub fn eth_address(&self) -> EthAddress {
        let uncompressed = self.to_uncompressed();
        let hash = keccak256(&uncompressed[1..]);
        let mut out = [0u8; ETH_ADDRESS_SIZE];
        out.copy_from_slice(&hash[32 - ETH_ADDRESS_SIZE..]);
        EthAddress(out)
    }

    /// The overlay address of this key on `network_id` with `nonce`.
    pub fn overlay(&self, network_id: u64, nonce: &Nonce) -> Address {
        overlay_address(&self.eth_address(), network_id, nonce)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.to_compressed()))
    }
}

/// A 65-byte recoverable signature `r || s || v`, `v = 27 + recovery id`, as bee's
/// `crypto.Signer` produces it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; SIGNATURE_SIZE]);

impl Signature {
    /// The signature of `bytes` when it is exactly 65 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Signature, IdentityError> {
        bytes
            .try_into()
            .map(Signature)
            .map_err(|_| IdentityError::SignatureLength {
                signature: hex_short(bytes),
                len: bytes.len(),
            })
    }

    /// The signature's bytes.
    pub fn as_bytes(&self) -> &[u8; SIGNATURE_SIZE] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.0))
    }
}

/// The overlay address bee derives (`crypto.NewOverlayFromEthereumAddress`):
/// `keccak256(eth_address || network_id as u64 little-endian || nonce)`.
pub fn overlay_address(eth: &EthAddress, network_id: u64, nonce: &Nonce) -> Address {
    Address(keccak256_concat(&[
        &eth.0,
        &network_id.to_le_bytes(),
        nonce,
    ]))
}

/// The hash bee signs for `data` (EIP-191 "personal message"):
/// `keccak256("\x19Ethereum Signed Message:\n" || decimal len(data) || data)`.
pub fn ethereum_message_hash(data: &[u8]) -> [u8; 32] {
    let len = data.len().to_string();
    keccak256_concat(&[b"\x19Ethereum Signed Message:\n", len.as_bytes(), data])
}

/// The node's secp256k1 overlay key (bee's `swarm` key): signs handshakes, receipts and stamps.
#[derive(Clone)]
pub struct OverlayKey {
    key: SigningKey,
    public: PublicKey,
}

impl fmt::Debug for OverlayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret key.
        write!(f, "OverlayKey({})", self.public.eth_address())
    }
}

impl OverlayKey {
    /// The key with big-endian secret `bytes` (bee's `DecodeSecp256k1PrivateKey`: exactly 32
    /// bytes); refuses zero and values not below the group order.
    pub fn from_slice(bytes: &[u8]) -> Result<OverlayKey, IdentityError> {
        let refused = || IdentityError::SecretKey { len: bytes.len() };
        let array: &[u8; SECRET_KEY_SIZE] = bytes.try_into().map_err(|_| refused())?;
        let key = SigningKey::from_bytes(array.into()).map_err(|_| refused())?;
        let public = PublicKey(*key.verifying_key());
        Ok(OverlayKey { key, public })
    }

    /// A new random key from the operating system's random source.
    pub fn generate() -> Result<OverlayKey, IdentityError> {
        loop {
            let mut secret = [0u8; SECRET_KEY_SIZE];
            getrandom::fill(&mut secret).map_err(|e| IdentityError::Random(e.to_string()))?;
            // Fails only for zero or values ≥ n (probability about 2^-128): draw again.
            if let Ok(key) = OverlayKey::from_slice(&secret) {
                return Ok(key);
            }
        }
    }

    /// The 32-byte big-endian secret (to store it; handle with care).
    pub fn secret_bytes(&self) -> [u8; SECRET_KEY_SIZE] {
        self.key.to_bytes().into()
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The Ethereum address of the key.
    pub fn eth_address(&self) -> EthAddress {
        self.public.eth_address()
    }

    /// The overlay address of this key on `network_id` with `nonce`.
    pub fn overlay(&self, network_id: u64, nonce: &Nonce) -> Address {
        self.public.overlay(network_id, nonce)
    }

    /// Signs `data` as bee's `crypto.DefaultSigner.Sign` does: ECDSA over
    /// [`ethereum_message_hash`] with RFC 6979 nonces (HMAC-SHA-256), low `s`, encoded
    /// `r || s || v` with `v = 27 + recovery id`. Deterministic: equal to bee's byte for byte.
    pub fn sign(&self, data: &[u8]) -> Result<Signature, IdentityError> {
        let (sig, recid) = self
            .key
            .sign_prehash_recoverable(&ethereum_message_hash(data))
            .map_err(|_| IdentityError::Signing(hex_short(data)))?;
        let mut out = [0u8; SIGNATURE_SIZE];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = V_BASE + recid.to_byte();
        Ok(Signature(out))
    }
}

/// Recovers the public key that signed `data` with `signature` (bee's `crypto.Recover`).
///
/// Accepts what bee's btcec `RecoverCompact` accepts: exactly 65 bytes, recovery byte 27..=34
/// (the "compressed" flag 4 does not change the key), `r` and `s` in 1..n, and high-`s`
/// signatures.
pub fn recover(signature: &[u8], data: &[u8]) -> Result<PublicKey, IdentityError> {
    let sig = Signature::from_slice(signature)?;
    let v = sig.0[64];
    if !(V_BASE..V_BASE + 8).contains(&v) {
        return Err(IdentityError::RecoveryByte {
            signature: hex::encode(sig.0),
            v,
        });
    }
    let code = (v - V_BASE) & 3;
    let parsed = EcdsaSignature::from_slice(&sig.0[..64])
        .map_err(|_| IdentityError::SignatureScalars(hex::encode(sig.0)))?;
    // k256 refuses high-s signatures; (r, n - s) with the opposite R parity recovers the same key.
    let (parsed, y_odd) = match parsed.normalize_s() {
        Some(low) => (low, code & 1 == 0),
        None => (parsed, code & 1 == 1),
    };
    let recid = RecoveryId::new(y_odd, code & 2 == 2);
    VerifyingKey::recover_from_prehash(&ethereum_message_hash(data), &parsed, recid)
        .map(PublicKey)
        .map_err(|_| IdentityError::Recovery {
            signature: hex::encode(sig.0),
            data: hex_short(data),
        })
}
