//! The node's key and overlay address.
//!
//! The key is an Ed25519 libp2p keypair, created once and kept in `node.key` in the data directory
//! (libp2p's protobuf encoding, file mode 0600 on Unix). The peer id follows from it as in libp2p.
//!
//! The overlay address — the node's position in the chunk address space — is
//! `keccak256(protobuf-encoded public key)`. For Ed25519 keys the peer id embeds that encoding
//! verbatim (an identity multihash), so any peer's overlay is known from its peer id alone; peer ids
//! that do not embed a key (hashed ids of large keys) have no overlay and are not used for routing.

use std::path::{Path, PathBuf};

use libp2p::identity::{Keypair, PublicKey};
use libp2p::PeerId;

use crate::address::Address;
use crate::keccak::keccak256;

/// File name of the node key inside the data directory.
pub const KEY_FILE: &str = "node.key";

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

/// Writes to a temporary file and renames it, so that a crash never leaves half a key.
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
    std::fs::rename(&tmp, path)
}

/// The overlay address of a public key: keccak256 of its protobuf encoding.
pub fn overlay_of_key(key: &PublicKey) -> Address {
    Address(keccak256(&key.encode_protobuf()))
}

/// The overlay address of a peer, if its peer id embeds its public key.
pub fn overlay_of_peer(peer: &PeerId) -> Option<Address> {
    public_key_of_peer(peer).map(|k| overlay_of_key(&k))
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
    fn key_is_created_once_and_overlay_follows_from_the_peer_id() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create_key(dir.path()).unwrap();
        let b = load_or_create_key(dir.path()).unwrap();
        assert_eq!(a.public().to_peer_id(), b.public().to_peer_id());
        let peer = a.public().to_peer_id();
        assert_eq!(overlay_of_peer(&peer), Some(overlay_of_key(&a.public())));
        assert_eq!(
            overlay_of_key(&a.public()),
            Address(keccak256(&a.public().encode_protobuf()))
        );
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
