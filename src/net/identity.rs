//! The node's keys: the libp2p key of its connections and bee's overlay key.
//!
//! The libp2p key is an Ed25519 keypair, created once and kept in `node.key` in the data directory
//! (libp2p's protobuf encoding, file mode 0600 on Unix). The peer id follows from it as in libp2p.
//! Peers with other key types (bee's ECDSA P-256) are accepted.
//!
//! The overlay key is bee's secp256k1 key ([`OverlayKey`]) with its nonce, kept in `overlay.key`
//! (64 bytes: the secret, then the nonce; mode 0600), created with a zero nonce as bee creates one,
//! or imported from bee's `keys/swarm.key` ([`import_bee_key`]). The overlay address on network `n`
//! is bee's: `keccak256(eth address || n as u64 little-endian || nonce)`.
//!
//! A peer's overlay comes from its handshake; its libp2p key ([`public_key_of_peer`], embedded in
//! Ed25519 peer ids as an identity multihash) still checks the receipts of swarmec's own pushsync.

use std::path::{Path, PathBuf};

use libp2p::identity::{Keypair, PublicKey};
use libp2p::PeerId;

use crate::address::Address;
use crate::identity::key::{NONCE_SIZE, SECRET_KEY_SIZE};
use crate::identity::{Nonce, OverlayKey};

/// File name of the node key inside the data directory.
pub const KEY_FILE: &str = "node.key";
/// File name of the overlay key and nonce inside the data directory.
pub const OVERLAY_KEY_FILE: &str = "overlay.key";

/// Multihash code of the identity hash (the digest is the input itself).
const IDENTITY_MULTIHASH: u64 = 0;

/// Why the node key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Reading or writing the key file failed.
    #[error("node key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The key file does not hold a key.
    #[error("node key {path} is not a valid key: {message}")]
    Invalid {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An overlay key exists already and importing would replace it.
    #[error("{path} exists: this data directory has an overlay key already (remove it to import another)")]
    Exists {
        /// The key file.
        path: PathBuf,
    },
}

/// A node's overlay key and nonce.
#[derive(Debug, Clone)]
pub struct OverlayIdentity {
    /// The secp256k1 key.
    pub key: OverlayKey,
    /// The nonce mixed into the overlay address.
    pub nonce: Nonce,
}

impl OverlayIdentity {
    /// The overlay address on `network_id`.
    pub fn overlay(&self, network_id: u64) -> Address {
        self.key.overlay(network_id, &self.nonce)
    }
}

/// Loads the overlay key and nonce from `dir`, creating a key with a zero nonce the first time.
pub fn load_or_create_overlay(dir: &Path) -> Result<OverlayIdentity, IdentityError> {
    let path = dir.join(OVERLAY_KEY_FILE);
    let io = |source| IdentityError::Io {
        path: path.clone(),
        source,
    };
    match std::fs::read(&path) {
        Ok(bytes) => parse_overlay(&path, &bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = OverlayKey::generate().map_err(|e| IdentityError::Invalid {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let identity = OverlayIdentity {
                key,
                nonce: [0; NONCE_SIZE],
            };
            std::fs::create_dir_all(dir).map_err(io)?;
            write_private(&path, &overlay_bytes(&identity)).map_err(io)?;
            Ok(identity)
        }
        Err(e) => Err(io(e)),
    }
}

/// Imports bee's encrypted key file (`keys/swarm.key`, opened with `password`) as the overlay key
/// of `dir`, with `nonce` (bee keeps its nonce in its state store; zero for a node that never mined
/// one). Refuses to replace an existing overlay key.
pub fn import_bee_key(
    dir: &Path,
    key_file: &[u8],
    password: &str,
    nonce: Nonce,
) -> Result<OverlayIdentity, IdentityError> {
    let path = dir.join(OVERLAY_KEY_FILE);
    if path.exists() {
        return Err(IdentityError::Exists { path });
    }
    let key = crate::identity::decrypt_key_file(key_file, password).map_err(|e| {
        IdentityError::Invalid {
            path: path.clone(),
            message: format!("bee key file: {e}"),
        }
    })?;
    let identity = OverlayIdentity { key, nonce };
    let io = |source| IdentityError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    write_private(&path, &overlay_bytes(&identity)).map_err(io)?;
    Ok(identity)
}

fn overlay_bytes(identity: &OverlayIdentity) -> Vec<u8> {
    let mut bytes = identity.key.secret_bytes().to_vec();
    bytes.extend_from_slice(&identity.nonce);
    bytes
}

fn parse_overlay(path: &Path, bytes: &[u8]) -> Result<OverlayIdentity, IdentityError> {
    let invalid = |message: String| IdentityError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    if bytes.len() != SECRET_KEY_SIZE + NONCE_SIZE {
        return Err(invalid(format!(
            "{} bytes, want {} (secret key and nonce)",
            bytes.len(),
            SECRET_KEY_SIZE + NONCE_SIZE
        )));
    }
    let key =
        OverlayKey::from_slice(&bytes[..SECRET_KEY_SIZE]).map_err(|e| invalid(e.to_string()))?;
    let mut nonce = [0; NONCE_SIZE];
    nonce.copy_from_slice(&bytes[SECRET_KEY_SIZE..]);
    Ok(OverlayIdentity { key, nonce })
}

/// Loads the node key from `dir`, creating it (and `dir`) the first time.
pub fn load_or_create_key(dir: &Path) -> Result<Keypair, IdentityError> {
    let path = dir.join(KEY_FILE);
    let io = |source| IdentityError::Io {
        path: path.clone(),
        source,
    };
    match std::fs::read(&path) {
        Ok(bytes) => {
            // An Ed25519 keypair encodes in well under 1 KiB; anything larger is not ours.
            if bytes.len() > 1024 {
                return Err(IdentityError::Invalid {
                    path,
                    message: format!("{} bytes", bytes.len()),
                });
            }
            Keypair::from_protobuf_encoding(&bytes).map_err(|e| IdentityError::Invalid {
                path: path.clone(),
                message: e.to_string(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io)?;
            let key = Keypair::generate_ed25519();
            let bytes = key
                .to_protobuf_encoding()
                .map_err(|e| IdentityError::Invalid {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            write_private(&path, &bytes).map_err(io)?;
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

/// Writes to a temporary file and renames it, so that a crash never leaves half a key; then syncs
/// the directory so that the rename itself survives.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("key.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The public key embedded in a peer id, if any.
pub fn public_key_of_peer(peer: &PeerId) -> Option<PublicKey> {
    let hash: &libp2p::multihash::Multihash<64> = peer.as_ref();
    if hash.code() != IDENTITY_MULTIHASH {
        return None;
    }
    PublicKey::try_decode_protobuf(hash.digest()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_once_and_its_public_key_follows_from_the_peer_id() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create_key(dir.path()).unwrap();
        let b = load_or_create_key(dir.path()).unwrap();
        assert_eq!(a.public().to_peer_id(), b.public().to_peer_id());
        let peer = a.public().to_peer_id();
        assert_eq!(public_key_of_peer(&peer), Some(a.public()));
    }

    #[test]
    fn overlay_key_is_created_once_private_with_a_zero_nonce() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create_overlay(dir.path()).unwrap();
        let b = load_or_create_overlay(dir.path()).unwrap();
        assert_eq!(a.key.secret_bytes(), b.key.secret_bytes());
        assert_eq!(a.nonce, [0; NONCE_SIZE]);
        assert_eq!(a.overlay(10), a.key.overlay(10, &[0; NONCE_SIZE]));
        assert_ne!(a.overlay(10), a.overlay(1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(OVERLAY_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join(OVERLAY_KEY_FILE), [1u8; 63]).unwrap();
        assert!(matches!(
            load_or_create_overlay(dir.path()),
            Err(IdentityError::Invalid { .. })
        ));
    }

    #[test]
    fn bee_key_file_is_imported_once_with_its_nonce() {
        let dir = tempfile::tempdir().unwrap();
        let key = OverlayKey::from_slice(&[9; 32]).unwrap();
        let file = crate::identity::encrypt_key_file(&key, "secret").unwrap();
        let nonce = [5; NONCE_SIZE];
        assert!(matches!(
            import_bee_key(dir.path(), file.as_bytes(), "wrong", nonce),
            Err(IdentityError::Invalid { .. })
        ));
        let imported = import_bee_key(dir.path(), file.as_bytes(), "secret", nonce).unwrap();
        assert_eq!(imported.key.secret_bytes(), [9; 32]);
        let loaded = load_or_create_overlay(dir.path()).unwrap();
        assert_eq!(loaded.key.secret_bytes(), [9; 32]);
        assert_eq!(loaded.nonce, nonce);
        assert_eq!(loaded.overlay(1), key.overlay(1, &nonce));
        assert!(matches!(
            import_bee_key(dir.path(), file.as_bytes(), "secret", nonce),
            Err(IdentityError::Exists { .. })
        ));
    }

    #[test]
    fn a_file_that_is_not_a_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), b"not a key").unwrap();
        assert!(matches!(
            load_or_create_key(dir.path()),
            Err(IdentityError::Invalid { .. })
        ));
    }
}
