//! File references: a 32-byte address, or for encrypted uploads a 64-byte `address || key`.

use std::fmt;
use std::str::FromStr;

use crate::address::{parse_hex_exact, Address, AddressError};
use crate::encryption::Key;

/// The reference a user keeps to get a file back.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Address of the root chunk.
    pub address: Address,
    /// Decryption key of the root chunk, for encrypted uploads.
    pub key: Option<Key>,
}

/// A string that is neither 64 nor 128 hex characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reference {input:?} is not 64 hex characters (plain) or 128 (encrypted): {detail}")]
pub struct ReferenceError {
    /// What was given (shortened).
    pub input: String,
    /// Which rule it broke.
    pub detail: AddressError,
}

impl Reference {
    /// A plain reference.
    pub fn plain(address: Address) -> Reference {
        Reference { address, key: None }
    }

    /// Reference length in bytes: 32 or 64.
    pub fn len(&self) -> usize {
        if self.key.is_some() {
            64
        } else {
            32
        }
    }

    /// Always false: a reference has at least 32 bytes.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether the reference carries a key.
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// The reference bytes (32 or 64).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = self.address.0.to_vec();
        if let Some(k) = &self.key {
            v.extend_from_slice(k);
        }
        v
    }

    /// Parses 32 or 64 reference bytes.
    pub fn from_bytes(b: &[u8]) -> Option<Reference> {
        match b.len() {
            32 => Address::from_slice(b).map(Reference::plain),
            64 => {
                let address = Address::from_slice(&b[..32])?;
                let key: Key = b[32..].try_into().ok()?;
                Some(Reference {
                    address,
                    key: Some(key),
                })
            }
            _ => None,
        }
    }

    /// Lower-case hex: 64 or 128 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        let wrap = |detail| ReferenceError {
            input: s.chars().take(140).collect(),
            detail,
        };
        if digits.len() == 128 {
            let b = parse_hex_exact::<64>(t).map_err(wrap)?;
            return Ok(Reference::from_bytes(&b).unwrap_or(Reference::plain(Address::ZERO)));
        }
        parse_hex_exact::<32>(t)
            .map(|a| Reference::plain(Address(a)))
            .map_err(wrap)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_plain_and_encrypted() {
        let p = "b34ca8c22b9e982354f9c7f50b470d66db428d880c8a904d5fe4ec9713171526";
        let r: Reference = p.parse().unwrap();
        assert!(!r.is_encrypted());
        assert_eq!(r.to_hex(), p);
        let e = format!("{p}{}", "ab".repeat(32));
        let r: Reference = e.parse().unwrap();
        assert_eq!(r.key, Some([0xab; 32]));
        assert_eq!(r.to_hex(), e);
        assert_eq!(r.len(), 64);
        let err = "abc".parse::<Reference>().unwrap_err();
        assert_eq!(
            err.detail,
            AddressError::Length {
                input: "abc".into(),
                len: 3,
                want: 64
            }
        );
        assert!(format!("{p}zz").parse::<Reference>().is_err());
        assert!(e[..127].parse::<Reference>().is_err());
    }
}
