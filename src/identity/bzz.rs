//! Signed BzzAddresses: a peer's underlays, overlay and nonce, signed with its overlay key, as
//! bee's `pkg/bzz` builds and checks them (handshake `Ack`, hive `Peers`).
//!
//! The signed data is
//! `"bee-handshake-" || underlay || overlay || network_id (u64 BE) || nonce || timestamp (i64 BE) || chequebook (20 bytes)`
//! — note the big-endian network id here, unlike the little-endian one of the overlay — signed
//! as [`OverlayKey::sign`] does (Ethereum message prefix). A receiver recovers the public key,
//! and the address is valid when that key's overlay for the receiver's network id and the
//! carried nonce is the carried overlay: a foreign network id or any altered field fails.
//!
//! Underlays are multiaddr bytes. One underlay is sent as its bytes; zero or several as bee's
//! list: `0x99`, then for each its length as a minimal unsigned varint and its bytes. At most 20
//! underlays and 2048 bytes. This module does not parse multiaddrs (it has no libp2p); the
//! network layer parses each underlay it is given.

use super::key::{hex_short, recover, EthAddress, IdentityError, Nonce, OverlayKey, Signature};
use crate::address::Address;

/// Prefix of the signed data.
const SIGN_PREFIX: &[u8] = b"bee-handshake-";
/// First byte of a serialised underlay list (not a multiaddr protocol code).
pub const UNDERLAY_LIST_PREFIX: u8 = 0x99;
/// Most underlays one peer may advertise (bee's `maxUnderlaysPerPeer`).
pub const MAX_UNDERLAYS: usize = 20;
/// Most bytes of a serialised underlay field (bee's `maxUnderlayBytes`).
pub const MAX_UNDERLAY_BYTES: usize = 2048;
/// How far in the future a timestamp may be (bee's `bzz.MaxClockSkew`), seconds.
pub const MAX_CLOCK_SKEW_SECS: i64 = 60;
/// How much newer a gossiped record must be than the one held (bee's
/// `bzz.MinimumUpdateInterval`), seconds.
pub const MIN_UPDATE_INTERVAL_SECS: i64 = 300;

/// Why a BzzAddress was refused. Each variant carries the input it refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BzzError {
    /// The nonce is not 32 bytes.
    #[error("bzz address nonce {nonce} has {len} bytes, want 32")]
    Nonce {
        /// The nonce, hex.
        nonce: String,
        /// Its length.
        len: usize,
    },
    /// The chequebook address is neither empty nor 20 bytes.
    #[error("bzz address chequebook {chequebook} has {len} bytes, want 0 or 20")]
    Chequebook {
        /// The field, hex.
        chequebook: String,
        /// Its length.
        len: usize,
    },
    /// The timestamp is zero or negative.
    #[error("bzz address timestamp {0} is not positive")]
    Timestamp(i64),
    /// No key recovers from the signature.
    #[error("bzz address of overlay {overlay}: {source}")]
    Signature {
        /// The claimed overlay, hex.
        overlay: String,
        /// Why recovery failed.
        source: IdentityError,
    },
    /// The recovered key's overlay is not the claimed one: a bad signature, another network id,
    /// or an altered field.
    #[error(
        "bzz address claims overlay {claimed} but its signer {signer} has overlay {recovered} on network {network_id}"
    )]
    Overlay {
        /// The claimed overlay, hex.
        claimed: String,
        /// The overlay of the recovered key.
        recovered: Address,
        /// The recovered key's Ethereum address.
        signer: EthAddress,
        /// The network id checked against.
        network_id: u64,
    },
    /// The underlay field is empty or lists no address.
    #[error("bzz address has no underlay")]
    NoUnderlay,
    /// More than [`MAX_UNDERLAYS`] underlays.
    #[error("bzz address has more than {MAX_UNDERLAYS} underlays")]
    UnderlayCount,
    /// The underlay field is over [`MAX_UNDERLAY_BYTES`].
    #[error("bzz address underlay field has {0} bytes, over {MAX_UNDERLAY_BYTES}")]
    UnderlaySize(usize),
    /// The underlay list is malformed.
    #[error("bzz address underlay list {underlay} is malformed: {reason}")]
    UnderlayList {
        /// The field, hex (shortened).
        underlay: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A timestamp more than [`MAX_CLOCK_SKEW_SECS`] ahead of now.
    #[error("bzz address timestamp {timestamp} is in the future (now {now})")]
    TimestampInFuture {
        /// The record's timestamp.
        timestamp: i64,
        /// The receiver's clock.
        now: i64,
    },
    /// A timestamp older than (gossip: not newer than) the record held.
    #[error("bzz address timestamp {timestamp} is not newer than the held {existing}")]
    TimestampStale {
        /// The record's timestamp.
        timestamp: i64,
        /// The held record's.
        existing: i64,
    },
    /// A gossiped record less than [`MIN_UPDATE_INTERVAL_SECS`] newer than the one held.
    #[error("bzz address timestamp {timestamp} is within {MIN_UPDATE_INTERVAL_SECS} s of the held {existing}")]
    TimestampTooSoon {
        /// The record's timestamp.
        timestamp: i64,
        /// The held record's.
        existing: i64,
    },
}

/// Serialises underlays as bee does: one as its own bytes, zero or several as the list.
pub fn serialize_underlays<A: AsRef<[u8]>>(underlays: &[A]) -> Result<Vec<u8>, BzzError> {
    if underlays.len() > MAX_UNDERLAYS {
        return Err(BzzError::UnderlayCount);
    }
    let out = match underlays {
        [one] => one.as_ref().to_vec(),
        _ => {
            let mut out = vec![UNDERLAY_LIST_PREFIX];
            for underlay in underlays {
                let bytes = underlay.as_ref();
                prost::encoding::encode_varint(bytes.len() as u64, &mut out);
                out.extend_from_slice(bytes);
            }
            out
        }
    };
    if out.len() > MAX_UNDERLAY_BYTES {
        return Err(BzzError::UnderlaySize(out.len()));
    }
    Ok(out)
}

/// Splits a serialised underlay field into its multiaddrs' bytes (bee's `DeserializeUnderlays`),
/// without parsing them. Refuses an empty field, one over [`MAX_UNDERLAY_BYTES`], a list of more
/// than [`MAX_UNDERLAYS`] entries, a non-minimal or overlong length, a length past the end, and an
/// empty entry.
pub fn deserialize_underlays(data: &[u8]) -> Result<Vec<Vec<u8>>, BzzError> {
    if data.is_empty() {
        return Err(BzzError::NoUnderlay);
    }
    if data.len() > MAX_UNDERLAY_BYTES {
        return Err(BzzError::UnderlaySize(data.len()));
    }
    let Some(mut rest) = data.strip_prefix(&[UNDERLAY_LIST_PREFIX]) else {
        return Ok(vec![data.to_vec()]);
    };
    let malformed = |reason| BzzError::UnderlayList {
        underlay: hex_short(data),
        reason,
    };
    let mut out = Vec::new();
    while !rest.is_empty() {
        if out.len() >= MAX_UNDERLAYS {
            return Err(BzzError::UnderlayCount);
        }
        let (len, used) = read_minimal_uvarint(rest).ok_or_else(|| malformed("bad length"))?;
        rest = rest.get(used..).unwrap_or_default();
        let len = usize::try_from(len).map_err(|_| malformed("length past the end"))?;
        let entry = rest
            .get(..len)
            .ok_or_else(|| malformed("length past the end"))?;
        if entry.is_empty() {
            return Err(malformed("empty entry"));
        }
        out.push(entry.to_vec());
        rest = rest.get(len..).unwrap_or_default();
    }
    Ok(out)
}

/// An unsigned varint as multiformats' go-varint reads it: at most 9 bytes (values below 2^63)
/// and minimally encoded. Returns the value and the bytes used.
fn read_minimal_uvarint(data: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &byte) in data.iter().enumerate().take(9) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            // A zero last byte (other than a lone zero) is a non-minimal encoding.
            if byte == 0 && i > 0 {
                return None;
            }
            return Some((value, i + 1));
        }
    }
    None
}

/// The bytes bee signs for a BzzAddress (`bzz.generateSignData`).
pub fn sign_data(
    underlay: &[u8],
    overlay: &[u8],
    network_id: u64,
    nonce: &[u8],
    timestamp: i64,
    chequebook: &EthAddress,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        SIGN_PREFIX.len() + underlay.len() + overlay.len() + 8 + nonce.len() + 8 + 20,
    );
    out.extend_from_slice(SIGN_PREFIX);
    out.extend_from_slice(underlay);
    out.extend_from_slice(overlay);
    out.extend_from_slice(&network_id.to_be_bytes());
    out.extend_from_slice(nonce);
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.extend_from_slice(chequebook.as_bytes());
    out
}

/// A signed BzzAddress as carried by the handshake and hive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BzzAddress {
    /// The serialised underlays ([`serialize_underlays`]).
    pub underlay: Vec<u8>,
    /// The overlay address.
    pub overlay: Address,
    /// The signature over [`sign_data`].
    pub signature: Signature,
    /// The overlay nonce.
    pub nonce: Nonce,
    /// When the record was signed, Unix seconds.
    pub timestamp: i64,
    /// The chequebook contract address; zero when none. bee sends all 20 bytes either way.
    pub chequebook: EthAddress,
}

/// A BzzAddress whose signature checked out, with what the check learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBzzAddress {
    /// The record as received.
    pub address: BzzAddress,
    /// Its underlays' multiaddr bytes (not parsed).
    pub underlays: Vec<Vec<u8>>,
    /// The Ethereum address of the key that signed it.
    pub eth_address: EthAddress,
}

impl BzzAddress {
    /// Signs a record for `key` as bee's `bzz.NewAddress`: the overlay is the key's on
    /// `network_id` with `nonce`.
    pub fn sign<A: AsRef<[u8]>>(
        key: &OverlayKey,
        underlays: &[A],
        network_id: u64,
        nonce: &Nonce,
        timestamp: i64,
        chequebook: EthAddress,
    ) -> Result<BzzAddress, BzzError> {
        if timestamp <= 0 {
            return Err(BzzError::Timestamp(timestamp));
        }
        let underlay = serialize_underlays(underlays)?;
        let overlay = key.overlay(network_id, nonce);
        let data = sign_data(
            &underlay,
            &overlay.0,
            network_id,
            nonce,
            timestamp,
            &chequebook,
        );
        let signature = key.sign(&data).map_err(|source| BzzError::Signature {
            overlay: overlay.to_hex(),
            source,
        })?;
        Ok(BzzAddress {
            underlay,
            overlay,
            signature,
            nonce: *nonce,
            timestamp,
            chequebook,
        })
    }

    /// Checks a record received on network `network_id`, field by field as it came off the wire,
    /// in the order of bee's `bzz.ParseAddress`: nonce 32 bytes, chequebook empty (the zero
    /// address) or 20 bytes, timestamp positive, a key recovers from the signature, that key's
    /// overlay is the claimed one, and the underlays split into at least one. Does not check the
    /// timestamp against a clock or a held record ([`check_timestamp`]).
    pub fn verify(
        underlay: &[u8],
        overlay: &[u8],
        signature: &[u8],
        nonce: &[u8],
        timestamp: i64,
        network_id: u64,
        chequebook: &[u8],
    ) -> Result<VerifiedBzzAddress, BzzError> {
        let nonce: Nonce = nonce.try_into().map_err(|_| BzzError::Nonce {
            nonce: hex_short(nonce),
            len: nonce.len(),
        })?;
        let chequebook = match chequebook.len() {
            0 => EthAddress::default(),
            _ => EthAddress::from_slice(chequebook).ok_or_else(|| BzzError::Chequebook {
                chequebook: hex_short(chequebook),
                len: chequebook.len(),
            })?,
        };
        if timestamp <= 0 {
            return Err(BzzError::Timestamp(timestamp));
        }
        let data = sign_data(
            underlay,
            overlay,
            network_id,
            &nonce,
            timestamp,
            &chequebook,
        );
        let public = recover(signature, &data).map_err(|source| BzzError::Signature {
            overlay: hex_short(overlay),
            source,
        })?;
        let recovered = public.overlay(network_id, &nonce);
        if recovered.0[..] != *overlay {
            return Err(BzzError::Overlay {
                claimed: hex_short(overlay),
                recovered,
                signer: public.eth_address(),
                network_id,
            });
        }
        let underlays = deserialize_underlays(underlay)?;
        if underlays.is_empty() {
            return Err(BzzError::NoUnderlay);
        }
        let signature = Signature::from_slice(signature).map_err(|source| BzzError::Signature {
            overlay: hex_short(overlay),
            source,
        })?;
        Ok(VerifiedBzzAddress {
            address: BzzAddress {
                underlay: underlay.to_vec(),
                overlay: recovered,
                signature,
                nonce,
                timestamp,
                chequebook,
            },
            underlays,
            eth_address: public.eth_address(),
        })
    }

    /// Checks this record as if received on network `network_id` (see [`BzzAddress::verify`]).
    pub fn verify_on(&self, network_id: u64) -> Result<VerifiedBzzAddress, BzzError> {
        BzzAddress::verify(
            &self.underlay,
            &self.overlay.0,
            &self.signature.0,
            &self.nonce,
            self.timestamp,
            network_id,
            self.chequebook.as_bytes(),
        )
    }

    /// The underlays' multiaddr bytes.
    pub fn underlays(&self) -> Result<Vec<Vec<u8>>, BzzError> {
        deserialize_underlays(&self.underlay)
    }
}

/// Where a record came from: the peer itself (handshake) or another peer (hive gossip).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampSource {
    /// Presented by the peer in its handshake.
    Handshake,
    /// Passed on by another peer through hive.
    Gossip,
}

/// bee's `bzz.CheckTimestamp`: a record's timestamp must be positive and at most
/// [`MAX_CLOCK_SKEW_SECS`] ahead of `now` (Unix seconds). Against a held record with a nonzero
/// timestamp, a handshake record must not be older, and a gossiped one must be more than
/// [`MIN_UPDATE_INTERVAL_SECS`] newer.
pub fn check_timestamp(
    timestamp: i64,
    existing: Option<i64>,
    source: TimestampSource,
    now: i64,
) -> Result<(), BzzError> {
    if timestamp <= 0 {
        return Err(BzzError::Timestamp(timestamp));
    }
    if timestamp > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(BzzError::TimestampInFuture { timestamp, now });
    }
    let existing = match existing {
        None | Some(0) => return Ok(()),
        Some(existing) => existing,
    };
    match source {
        TimestampSource::Handshake if timestamp < existing => Err(BzzError::TimestampStale {
            timestamp,
            existing,
        }),
        TimestampSource::Handshake => Ok(()),
        TimestampSource::Gossip if timestamp <= existing => Err(BzzError::TimestampStale {
            timestamp,
            existing,
        }),
        TimestampSource::Gossip
            if timestamp <= existing.saturating_add(MIN_UPDATE_INTERVAL_SECS) =>
        {
            Err(BzzError::TimestampTooSoon {
                timestamp,
                existing,
            })
        }
        TimestampSource::Gossip => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underlay_list_round_trip_and_limits() {
        let a = vec![4u8, 127, 0, 0, 1];
        let b = vec![4u8, 10, 0, 0, 1, 6, 1, 2];
        assert_eq!(serialize_underlays(&[&a]).unwrap(), a);
        let both = serialize_underlays(&[&a, &b]).unwrap();
        assert_eq!(both[0], UNDERLAY_LIST_PREFIX);
        assert_eq!(deserialize_underlays(&both).unwrap(), vec![a.clone(), b]);
        assert_eq!(serialize_underlays::<Vec<u8>>(&[]).unwrap(), vec![0x99]);
        assert_eq!(
            deserialize_underlays(&[0x99]).unwrap(),
            Vec::<Vec<u8>>::new()
        );
        assert_eq!(
            serialize_underlays(&vec![a.clone(); 21]),
            Err(BzzError::UnderlayCount)
        );
        let mut many = vec![0x99];
        for _ in 0..21 {
            many.extend_from_slice(&[1, 4]);
        }
        assert_eq!(deserialize_underlays(&many), Err(BzzError::UnderlayCount));
        assert_eq!(deserialize_underlays(&[]), Err(BzzError::NoUnderlay));
        assert!(deserialize_underlays(&[0x99, 5, 1, 2]).is_err());
        assert!(deserialize_underlays(&[0x99, 0]).is_err());
        // non-minimal length 0x81 0x00 = 1
        assert!(deserialize_underlays(&[0x99, 0x81, 0x00, 4]).is_err());
        assert!(deserialize_underlays(&[0x99, 0xff, 0xff]).is_err());
        assert_eq!(
            deserialize_underlays(&vec![4u8; 2049]),
            Err(BzzError::UnderlaySize(2049))
        );
    }

    #[test]
    fn timestamps_as_bee_checks_them() {
        use TimestampSource::*;
        let now = 1_000_000;
        assert!(check_timestamp(now + 60, None, Handshake, now).is_ok());
        assert!(check_timestamp(now + 61, None, Handshake, now).is_err());
        assert!(check_timestamp(0, None, Handshake, now).is_err());
        assert!(check_timestamp(5, Some(5), Handshake, now).is_ok());
        assert!(check_timestamp(4, Some(5), Handshake, now).is_err());
        assert!(check_timestamp(4, Some(0), Gossip, now).is_ok());
        assert!(check_timestamp(305, Some(5), Gossip, now).is_err());
        assert!(check_timestamp(306, Some(5), Gossip, now).is_ok());
        assert!(check_timestamp(5, Some(5), Gossip, now).is_err());
    }
}
