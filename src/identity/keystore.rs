//! bee's encrypted key files (`keys/swarm.key`): version-3 JSON keystores, as bee's
//! `pkg/keystore/file` writes and reads them.
//!
//! `{"address", "crypto": {"cipher": "aes-128-ctr", "ciphertext", "cipherparams": {"iv"}, "kdf",
//! "kdfparams", "mac"}, "version": 3, "id"}`. The password derives a 32-byte key with the KDF; its
//! first 16 bytes are the AES-128-CTR key, and the MAC is keccak256 of its last 16 bytes and the
//! ciphertext (bee also accepts SHA3-256 there, and so does this module). The plaintext is the
//! 32-byte secp256k1 secret.
//!
//! bee writes and reads scrypt (N = 2^15, r = 8, p = 1). This module also reads PBKDF2-HMAC-SHA256
//! files (Ethereum's other version-3 KDF), which bee refuses. KDF parameters come from the file, so
//! they are bounded before any work: scrypt N a power of two up to 2^20, at most 1 GiB of memory
//! (128·N·r), p ≤ 16 and at most 2 GiB mixed (128·N·r·p); PBKDF2 at most 10,000,000 rounds; the
//! file itself at most 64 KiB. Like Go's scrypt (bee's), N may exceed RFC 7914's 2^(16·r).

use aes::cipher::{KeyIvInit, StreamCipher};
use serde::{Deserialize, Serialize};
use tiny_keccak::{Hasher, Sha3};

use super::key::{IdentityError, OverlayKey};
use crate::keccak::keccak256_concat;

/// Largest key file read.
pub const MAX_KEY_FILE_SIZE: usize = 64 * 1024;
/// bee's scrypt cost: N = 2^15.
pub const SCRYPT_LOG_N: u8 = 15;
/// bee's scrypt block size r.
pub const SCRYPT_R: u32 = 8;
/// bee's scrypt parallelism p.
pub const SCRYPT_P: u32 = 1;
/// Largest scrypt N read: 2^20.
pub const MAX_SCRYPT_LOG_N: u32 = 20;
/// Largest scrypt memory (128·N·r bytes) read.
pub const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// Most scrypt work read: 128·N·r·p bytes mixed (bee's files: 32 MiB; geth's standard: 256 MiB).
pub const MAX_SCRYPT_WORK: u64 = 1 << 31;
/// Largest scrypt p read.
pub const MAX_SCRYPT_P: u32 = 16;
/// Most PBKDF2 rounds read.
pub const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;

type Aes128Ctr = ctr::Ctr128BE<aes::Aes128>;

/// Why a key file could not be read or written. Each variant names the field or value refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    /// The file is over [`MAX_KEY_FILE_SIZE`].
    #[error("key file has {0} bytes, over {MAX_KEY_FILE_SIZE}")]
    TooLarge(usize),
    /// Not the JSON of a key file.
    #[error("key file is not a version-3 keystore: {0}")]
    Json(String),
    /// A version other than 3.
    #[error("key file version {0} is not 3")]
    Version(i64),
    /// A cipher other than aes-128-ctr.
    #[error("key file cipher {0:?} is not aes-128-ctr")]
    Cipher(String),
    /// A KDF other than scrypt or pbkdf2.
    #[error("key file kdf {0:?} is not scrypt or pbkdf2")]
    Kdf(String),
    /// KDF parameters out of bounds or missing.
    #[error("key file kdfparams {params}: {reason}")]
    KdfParams {
        /// The parameters as found.
        params: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A field that is not hex, or of the wrong length.
    #[error("key file field {field} {value:?} is not {want}")]
    Field {
        /// The field.
        field: &'static str,
        /// Its value (never the plaintext).
        value: String,
        /// What it should be.
        want: &'static str,
    },
    /// The MAC does not match: a wrong password (or a corrupted file).
    #[error("key file MAC does not match: wrong password")]
    WrongPassword,
    /// The decrypted secret is not a secp256k1 key.
    #[error("key file secret: {0}")]
    Key(IdentityError),
    /// The operating system's random source failed.
    #[error("random source: {0}")]
    Random(String),
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    #[serde(default)]
    address: String,
    #[serde(alias = "Crypto")]
    crypto: KeyCrypto,
    version: i64,
    #[serde(default)]
    id: String,
}

#[derive(Serialize, Deserialize)]
struct KeyCrypto {
    cipher: String,
    ciphertext: String,
    cipherparams: CipherParams,
    kdf: String,
    kdfparams: serde_json::Value,
    mac: String,
}

#[derive(Serialize, Deserialize)]
struct CipherParams {
    iv: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    n: u64,
    r: u32,
    p: u32,
    dklen: usize,
    salt: String,
}

#[derive(Deserialize)]
struct Pbkdf2Params {
    c: u32,
    dklen: usize,
    prf: String,
    salt: String,
}

fn hex_field(
    field: &'static str,
    value: &str,
    want: &'static str,
) -> Result<Vec<u8>, KeystoreError> {
    hex::decode(value).map_err(|_| KeystoreError::Field {
        field,
        value: value.chars().take(80).collect(),
        want,
    })
}

fn params_error(params: &serde_json::Value, reason: &'static str) -> KeystoreError {
    KeystoreError::KdfParams {
        params: params.to_string().chars().take(200).collect(),
        reason,
    }
}

/// The 32-byte key the password derives with the file's KDF.
fn derive(
    kdf: &str,
    params: &serde_json::Value,
    password: &[u8],
) -> Result<[u8; 32], KeystoreError> {
    let mut out = [0u8; 32];
    match kdf {
        "scrypt" => {
            let p: ScryptParams = serde_json::from_value(params.clone())
                .map_err(|_| params_error(params, "want n, r, p, dklen, salt"))?;
            if p.dklen != 32 {
                return Err(params_error(params, "dklen is not 32"));
            }
            if p.n < 2 || !p.n.is_power_of_two() || p.n.trailing_zeros() > MAX_SCRYPT_LOG_N {
                return Err(params_error(params, "n is not a power of two in 2..=2^20"));
            }
            let memory = 128u64.saturating_mul(p.n).saturating_mul(u64::from(p.r));
            if p.r == 0
                || p.p == 0
                || p.p > MAX_SCRYPT_P
                || memory > MAX_SCRYPT_MEMORY
                || memory.saturating_mul(u64::from(p.p)) > MAX_SCRYPT_WORK
            {
                return Err(params_error(params, "r or p out of bounds"));
            }
            let salt = hex_field("kdfparams.salt", &p.salt, "hex")?;
            // n ≤ 2^20, so log2(n) fits a u8.
            let log_n = p.n.trailing_zeros() as u8;
            let scrypt_params = scrypt::Params::new(log_n, p.r, p.p)
                .map_err(|_| params_error(params, "scrypt refuses them"))?;
            scrypt::scrypt(password, &salt, &scrypt_params, &mut out)
                .map_err(|_| params_error(params, "scrypt refuses them"))?;
        }
        "pbkdf2" => {
            let p: Pbkdf2Params = serde_json::from_value(params.clone())
                .map_err(|_| params_error(params, "want c, dklen, prf, salt"))?;
            if p.dklen != 32 {
                return Err(params_error(params, "dklen is not 32"));
            }
            if p.prf != "hmac-sha256" {
                return Err(params_error(params, "prf is not hmac-sha256"));
            }
            if p.c == 0 || p.c > MAX_PBKDF2_ROUNDS {
                return Err(params_error(params, "c out of bounds"));
            }
            let salt = hex_field("kdfparams.salt", &p.salt, "hex")?;
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, &salt, p.c, &mut out);
        }
        other => return Err(KeystoreError::Kdf(other.chars().take(40).collect())),
    }
    Ok(out)
}

fn sha3_256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha3::v256();
    for part in parts {
        hasher.update(part);
    }
    let mut out = [0u8; 32];
    hasher.finalize(&mut out);
    out
}

/// AES-128-CTR with the first 16 bytes of the derived key.
fn aes_ctr(derived: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    let mut key = [0u8; 16];
    key.copy_from_slice(&derived[..16]);
    let mut cipher = Aes128Ctr::new(&key.into(), iv.into());
    cipher.apply_keystream(data);
}

/// Opens a key file with its password (bee's `keystore/file` `decryptKey` with the secp256k1
/// encoding): the overlay key it holds.
pub fn decrypt_key_file(file: &[u8], password: &str) -> Result<OverlayKey, KeystoreError> {
    if file.len() > MAX_KEY_FILE_SIZE {
        return Err(KeystoreError::TooLarge(file.len()));
    }
    let parsed: KeyFile =
        serde_json::from_slice(file).map_err(|e| KeystoreError::Json(e.to_string()))?;
    if parsed.version != 3 {
        return Err(KeystoreError::Version(parsed.version));
    }
    let c = parsed.crypto;
    if c.cipher != "aes-128-ctr" {
        return Err(KeystoreError::Cipher(c.cipher.chars().take(40).collect()));
    }
    let mac = hex_field("crypto.mac", &c.mac, "32 bytes of hex")?;
    let mut data = hex_field("crypto.ciphertext", &c.ciphertext, "32 bytes of hex")?;
    if data.len() != 32 {
        return Err(KeystoreError::Field {
            field: "crypto.ciphertext",
            value: c.ciphertext.chars().take(80).collect(),
            want: "32 bytes of hex",
        });
    }
    let iv: [u8; 16] = hex_field(
        "crypto.cipherparams.iv",
        &c.cipherparams.iv,
        "16 bytes of hex",
    )?
    .try_into()
    .map_err(|_| KeystoreError::Field {
        field: "crypto.cipherparams.iv",
        value: c.cipherparams.iv.chars().take(80).collect(),
        want: "16 bytes of hex",
    })?;
    let derived = derive(&c.kdf, &c.kdfparams, password.as_bytes())?;
    let keccak_mac = keccak256_concat(&[&derived[16..], &data]);
    let sha3_mac = sha3_256(&[&derived[16..], &data]);
    if mac[..] != keccak_mac[..] && mac[..] != sha3_mac[..] {
        return Err(KeystoreError::WrongPassword);
    }
    aes_ctr(&derived, &iv, &mut data);
    let key = OverlayKey::from_slice(&data).map_err(KeystoreError::Key);
    data.fill(0);
    key
}

/// Writes `key` as bee writes `keys/swarm.key`: scrypt (N = 2^15, r = 8, p = 1), random salt and
/// IV, keccak MAC, the Ethereum address without `0x`, a random version-4 UUID. bee opens it with
/// the same password.
pub fn encrypt_key_file(key: &OverlayKey, password: &str) -> Result<String, KeystoreError> {
    let mut random = [0u8; 32 + 16 + 16];
    getrandom::fill(&mut random).map_err(|e| KeystoreError::Random(e.to_string()))?;
    let (salt, rest) = random.split_at(32);
    let (iv, uuid) = rest.split_at(16);
    let mut iv_array = [0u8; 16];
    iv_array.copy_from_slice(iv);

    let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
        .map_err(|_| KeystoreError::Random("scrypt parameters".into()))?;
    let mut derived = [0u8; 32];
    scrypt::scrypt(password.as_bytes(), salt, &params, &mut derived)
        .map_err(|_| KeystoreError::Random("scrypt".into()))?;
    let mut data = key.secret_bytes();
    aes_ctr(&derived, &iv_array, &mut data);
    let mac = keccak256_concat(&[&derived[16..], &data]);

    let mut id = [0u8; 16];
    id.copy_from_slice(uuid);
    id[6] = (id[6] & 0x0f) | 0x40; // version 4
    id[8] = (id[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h = hex::encode(id);
    let id = format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    );

    let file = KeyFile {
        address: key.eth_address().to_hex(),
        crypto: KeyCrypto {
            cipher: "aes-128-ctr".into(),
            ciphertext: hex::encode(data),
            cipherparams: CipherParams {
                iv: hex::encode(iv_array),
            },
            kdf: "scrypt".into(),
            kdfparams: serde_json::to_value(ScryptParams {
                n: 1 << SCRYPT_LOG_N,
                r: SCRYPT_R,
                p: SCRYPT_P,
                dklen: 32,
                salt: hex::encode(salt),
            })
            .map_err(|e| KeystoreError::Json(e.to_string()))?,
            mac: hex::encode(mac),
        },
        version: 3,
        id,
    };
    serde_json::to_string(&file).map_err(|e| KeystoreError::Json(e.to_string()))
}
