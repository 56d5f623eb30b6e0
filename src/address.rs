//! Swarm addresses: 32-byte chunk identifiers, their hex form, proximity and XOR distance (spec §8.4).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Length of an address in bytes.
pub const ADDRESS_LEN: usize = 32;
/// Proximity cap: identical first 32 bits give 31 (bee's `MaxPO`).
pub const MAX_PO: u8 = 31;
/// Extended proximity cap (bee's `ExtendedPO`), over the first 5 bytes.
pub const EXTENDED_PO: u8 = 36;

/// A 32-byte chunk address (BMT hash of a content-addressed chunk, or a single-owner chunk address).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Address(pub [u8; ADDRESS_LEN]);

/// A hex string that is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Wrong number of hex characters.
    #[error("address {input:?} has {len} hex characters, want {want}")]
    Length {
        /// What was given (shortened when long).
        input: String,
        /// Characters given.
        len: usize,
        /// Characters wanted.
        want: usize,
    },
    /// A character that is not hex.
    #[error("address {input:?} has a non-hex character at position {position}")]
    Character {
        /// What was given (shortened when long).
        input: String,
        /// Index of the first bad character.
        position: usize,
    },
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 140 {
        let head: String = s.chars().take(137).collect();
        format!("{head}...")
    } else {
        s.to_string()
    }
}

/// Decodes exactly `N` bytes of hex (an optional `0x` prefix is accepted).
pub(crate) fn parse_hex_exact<const N: usize>(input: &str) -> Result<[u8; N], AddressError> {
    let s = input.trim();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if let Some(position) = s.chars().position(|c| !c.is_ascii_hexdigit()) {
        return Err(AddressError::Character {
            input: shorten(input),
            position,
        });
    }
    if s.len() != 2 * N {
        return Err(AddressError::Length {
            input: shorten(input),
            len: s.len(),
            want: 2 * N,
        });
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).map_err(|_| AddressError::Character {
        input: shorten(input),
        position: 0,
    })?;
    Ok(out)
}

impl Address {
    /// The all-zero address.
    pub const ZERO: Address = Address([0; ADDRESS_LEN]);

    /// Wraps 32 bytes.
    pub const fn new(bytes: [u8; ADDRESS_LEN]) -> Address {
        Address(bytes)
    }

    /// Parses 64 hex characters (an optional `0x` prefix is accepted).
    pub fn from_hex(s: &str) -> Result<Address, AddressError> {
        parse_hex_exact::<ADDRESS_LEN>(s).map(Address)
    }

    /// Takes the first 32 bytes of `bytes`, if there are exactly 32.
    pub fn from_slice(bytes: &[u8]) -> Option<Address> {
        <[u8; ADDRESS_LEN]>::try_from(bytes).ok().map(Address)
    }

    /// The address as bytes.
    pub fn as_bytes(&self) -> &[u8; ADDRESS_LEN] {
        &self.0
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Proximity order to `other` (§8.4): leading equal bits over the first 4 bytes, capped at 31.
    pub fn proximity(&self, other: &Address) -> u8 {
        proximity(&self.0, &other.0)
    }

    /// XOR distance to `other` as a big-endian 256-bit integer.
    pub fn distance(&self, other: &Address) -> [u8; ADDRESS_LEN] {
        let mut d = [0u8; ADDRESS_LEN];
        for (i, b) in d.iter_mut().enumerate() {
            *b = self.0[i] ^ other.0[i];
        }
        d
    }

    /// bee's `DistanceCmp`: +1 if `x` is closer to `self` than `y`, −1 if farther, 0 if equal.
    pub fn distance_cmp(&self, x: &Address, y: &Address) -> i8 {
        match self.distance(x).cmp(&self.distance(y)) {
            Ordering::Less => 1,
            Ordering::Greater => -1,
            Ordering::Equal => 0,
        }
    }
}

/// Leading equal bits of `a XOR b`, MSB first, over at most the first 4 bytes, capped at [`MAX_PO`].
pub fn proximity(a: &[u8], b: &[u8]) -> u8 {
    proximity_capped(a, b, MAX_PO)
}

/// Like [`proximity`] but over the first 5 bytes, capped at [`EXTENDED_PO`].
pub fn extended_proximity(a: &[u8], b: &[u8]) -> u8 {
    proximity_capped(a, b, EXTENDED_PO)
}

fn proximity_capped(a: &[u8], b: &[u8], cap: u8) -> u8 {
    let bytes = usize::from(cap / 8 + 1);
    let mut po: u32 = 0;
    for (x, y) in a.iter().zip(b.iter()).take(bytes) {
        let diff = x ^ y;
        if diff != 0 {
            po += diff.leading_zeros();
            return po.min(u32::from(cap)) as u8;
        }
        po += 8;
    }
    po.min(u32::from(cap)) as u8
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_hex())
    }
}

impl FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Address::from_hex(s)
    }
}

impl From<[u8; ADDRESS_LEN]> for Address {
    fn from(b: [u8; ADDRESS_LEN]) -> Self {
        Address(b)
    }
}

impl AsRef<[u8]> for Address {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_prefix(p: [u8; 4]) -> Address {
        let mut a = [0u8; 32];
        a[..4].copy_from_slice(&p);
        Address(a)
    }

    #[test]
    fn proximity_vectors() {
        // spec §10.13 [BEE]: Proximity(0x00000000, x) for x = 0x80.. → 0, 0x40.. → 1, ..., 0x00000001 → 31.
        let zero = with_prefix([0, 0, 0, 0]);
        for bit in 0..32u32 {
            let v = (1u32 << (31 - bit)).to_be_bytes();
            assert_eq!(zero.proximity(&with_prefix(v)), bit as u8, "bit {bit}");
        }
        assert_eq!(zero.proximity(&zero), 31);
        // Bytes beyond the fourth are not examined.
        let mut far = [0u8; 32];
        far[4] = 0xff;
        assert_eq!(zero.proximity(&Address(far)), 31);
        assert_eq!(extended_proximity(&zero.0, &far), 32);
        assert_eq!(extended_proximity(&zero.0, &zero.0), 36);
    }

    #[test]
    fn distance_vectors() {
        // spec §10.13 [BEE]: Distance(91 00.., 82 00..) = 0x13 << 248.
        let mut a = [0u8; 32];
        a[0] = 0x91;
        let mut x = [0u8; 32];
        x[0] = 0x82;
        let mut y = [0u8; 32];
        y[0] = 0x12;
        let (a, x, y) = (Address(a), Address(x), Address(y));
        let d = a.distance(&x);
        assert_eq!(d[0], 0x13);
        assert!(d[1..].iter().all(|&b| b == 0));
        assert_eq!(a.distance_cmp(&x, &y), 1);
        assert_eq!(a.distance_cmp(&y, &x), -1);
        assert_eq!(a.distance_cmp(&x, &x), 0);
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let s = "b34ca8c22b9e982354f9c7f50b470d66db428d880c8a904d5fe4ec9713171526";
        let a: Address = s.parse().unwrap();
        assert_eq!(a.to_hex(), s);
        assert_eq!(Address::from_hex(&format!("0x{s}")).unwrap(), a);
        assert_eq!(
            Address::from_hex("abcd"),
            Err(AddressError::Length {
                input: "abcd".into(),
                len: 4,
                want: 64
            })
        );
        let bad = format!("{}zz", &s[..62]);
        assert_eq!(
            Address::from_hex(&bad),
            Err(AddressError::Character {
                input: bad.clone(),
                position: 62
            })
        );
    }
}
