//! The node's identity as bee has it: a secp256k1 overlay key, its Ethereum address, the overlay
//! address derived from them, bee's signatures, signed BzzAddresses and bee's key file.
//!
//! * [`key`]: [`OverlayKey`], [`EthAddress`] (last 20 bytes of keccak256 of the uncompressed public
//!   key without its tag), [`overlay_address`] = `keccak256(eth address || network id as u64
//!   little-endian || nonce(32))` (bee's `crypto.NewOverlayAddress`), signatures over the
//!   Ethereum message hash as `r || s || v` with `v` 27/28 (bee's `crypto.DefaultSigner`), and
//!   [`recover`].
//! * [`bzz`]: the signed [`BzzAddress`] of the handshake and hive (bee's `pkg/bzz`).
//! * [`keystore`]: bee's encrypted `keys/swarm.key` (version-3 JSON keystore).
//!
//! Pure: no I/O, no networking. Golden vectors from bee's own code are in `fixtures/bee-wire/`
//! (`tools/bee/vectors`).

pub mod bzz;
pub mod key;
pub mod keystore;

pub use bzz::{BzzAddress, BzzError, VerifiedBzzAddress};
pub use key::{
    ethereum_message_hash, overlay_address, recover, EthAddress, IdentityError, Nonce, OverlayKey,
    PublicKey, Signature,
};
pub use keystore::{decrypt_key_file, encrypt_key_file, KeystoreError};
