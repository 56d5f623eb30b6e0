//! The pin journal's format (`chunks.pins`): what was pinned and unpinned, in order, so that an index
//! rebuilt from the data file gets its pins back. Pure: bytes in, bytes out, no I/O; the reading and
//! writing are in `pins.rs`, fuzzed through `fuzz/fuzz_targets/store_file.rs`.
//!
//! The file is [`FILE_HEADER`], then records, each one pin or unpin:
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic `SWP1` |
//! | 4 | kind: 1 pin, 2 unpin |
//! | 5 | root length, 1..=255 bytes |
//! | 6..8 | zeros |
//! | 8..12 | addresses that follow, u32 little-endian (0 for an unpin) |
//! | 12..16 | CRC-32 (IEEE) of bytes 4..12, the root and the addresses |
//! | 16.. | the root, then the addresses (32 bytes each) |
//!
//! A record whose checksum fails (torn or damaged) is never applied.

use crate::address::Address;

/// The journal file's first bytes.
pub const FILE_HEADER: &[u8; 16] = b"swarmec pins v1\n";

/// Bytes of a record before its root.
pub const HEAD: usize = 16;

/// The first bytes of every record.
pub const MAGIC: [u8; 4] = *b"SWP1";

/// What a record does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Pins the root, holding the addresses that follow (replacing what it held, if pinned).
    Pin,
    /// Unpins the root.
    Unpin,
}

/// A record's head: enough to know how long it is and to check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Pin or unpin.
    pub kind: Kind,
    /// Bytes of the root.
    pub root_len: u8,
    /// Addresses after the root.
    pub count: u32,
    /// The record's checksum.
    pub crc: u32,
}

impl Head {
    /// Bytes after the head: the root and the addresses.
    pub fn body_len(&self) -> u64 {
        u64::from(self.root_len) + 32 * u64::from(self.count)
    }

    /// Bytes of the whole record.
    pub fn len(&self) -> u64 {
        HEAD as u64 + self.body_len()
    }

    /// Never: a record has at least its head.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Why bytes are not a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    /// Fewer bytes than the record needs (the file ends inside it).
    #[error("the record is cut short")]
    Short,
    /// Not a record's magic.
    #[error("no record starts here")]
    BadMagic,
    /// A kind, root length, padding or count that no writer makes.
    #[error("the record's head is malformed")]
    BadHead,
    /// The checksum does not match: torn or damaged.
    #[error("the record fails its checksum (torn or damaged)")]
    Checksum,
}

/// Reads the head at the start of `bytes` (at least [`HEAD`] bytes; the checksum is checked over
/// the body by [`Checksum`]).
pub fn parse_head(bytes: &[u8]) -> Result<Head, JournalError> {
    let head = bytes.get(..HEAD).ok_or(JournalError::Short)?;
    if head[0..4] != MAGIC {
        return Err(JournalError::BadMagic);
    }
    let kind = match head[4] {
        1 => Kind::Pin,
        2 => Kind::Unpin,
        _ => return Err(JournalError::BadHead),
    };
    let root_len = head[5];
    let count = u32::from_le_bytes(head[8..12].try_into().expect("4 bytes"));
    if root_len == 0 || head[6..8] != [0, 0] || (kind == Kind::Unpin && count != 0) {
        return Err(JournalError::BadHead);
    }
    Ok(Head {
        kind,
        root_len,
        count,
        crc: u32::from_le_bytes(head[12..16].try_into().expect("4 bytes")),
    })
}

/// The checksum of a record, fed its body piece by piece.
pub struct Checksum(crc32fast::Hasher);

impl Checksum {
    /// Starts with the head's checksummed bytes (`head` is at least [`HEAD`] bytes).
    pub fn new(head: &[u8]) -> Checksum {
        let mut h = crc32fast::Hasher::new();
        h.update(&head[4..12]);
        Checksum(h)
    }

    /// Adds the next bytes of the body.
    pub fn update(&mut self, body: &[u8]) {
        self.0.update(body);
    }

    /// Whether the record's checksum matches.
    pub fn matches(self, head: &Head) -> bool {
        self.0.finalize() == head.crc
    }
}

/// A record's head for `kind`, `root` and `count` addresses, its checksum not yet filled in.
fn head_bytes(kind: Kind, root: &[u8], count: u32) -> [u8; HEAD] {
    let mut h = [0; HEAD];
    h[0..4].copy_from_slice(&MAGIC);
    h[4] = match kind {
        Kind::Pin => 1,
        Kind::Unpin => 2,
    };
    h[5] = root.len() as u8;
    h[8..12].copy_from_slice(&count.to_le_bytes());
    h
}

/// Fills in the checksum of `head` whose body (root and addresses) hashed to `body`.
pub fn seal_head(head: &mut [u8; HEAD], body: &crc32fast::Hasher) {
    let mut h = crc32fast::Hasher::new();
    h.update(&head[4..12]);
    h.combine(body);
    head[12..16].copy_from_slice(&h.finalize().to_le_bytes());
}

/// The head of a pin record of `root` holding `count` addresses, its checksum still to be filled
/// in with [`seal_head`].
///
/// # Panics
/// If `root` is empty or over 255 bytes (callers check).
pub fn pin_head(root: &[u8], count: u32) -> [u8; HEAD] {
    assert!(
        !root.is_empty() && root.len() <= 255,
        "a root of 1..=255 bytes"
    );
    head_bytes(Kind::Pin, root, count)
}

/// The record pinning `root` with `addresses`.
///
/// # Panics
/// If `root` is empty or over 255 bytes, or there are more than `u32::MAX` addresses.
pub fn pin_record(root: &[u8], addresses: &[Address]) -> Vec<u8> {
    let count = u32::try_from(addresses.len()).expect("at most u32::MAX addresses");
    let mut head = pin_head(root, count);
    let mut out = Vec::with_capacity(HEAD + root.len() + 32 * addresses.len());
    out.extend_from_slice(&head);
    out.extend_from_slice(root);
    for a in addresses {
        out.extend_from_slice(&a.0);
    }
    let mut body = crc32fast::Hasher::new();
    body.update(&out[HEAD..]);
    seal_head(&mut head, &body);
    out[..HEAD].copy_from_slice(&head);
    out
}

/// The record unpinning `root`.
///
/// # Panics
/// If `root` is empty or over 255 bytes.
pub fn unpin_record(root: &[u8]) -> Vec<u8> {
    assert!(
        !root.is_empty() && root.len() <= 255,
        "a root of 1..=255 bytes"
    );
    let mut head = head_bytes(Kind::Unpin, root, 0);
    let mut body = crc32fast::Hasher::new();
    body.update(root);
    seal_head(&mut head, &body);
    let mut out = head.to_vec();
    out.extend_from_slice(root);
    out
}

/// A whole record held in memory (tests and the fuzz target's oracle): its kind, root and
/// addresses, checked.
pub fn decode(bytes: &[u8]) -> Result<(Kind, &[u8], Vec<Address>), JournalError> {
    let head = parse_head(bytes)?;
    let end = usize::try_from(head.len()).map_err(|_| JournalError::Short)?;
    let body = bytes.get(HEAD..end).ok_or(JournalError::Short)?;
    let mut crc = Checksum::new(bytes);
    crc.update(body);
    if !crc.matches(&head) {
        return Err(JournalError::Checksum);
    }
    let (root, addresses) = body.split_at(usize::from(head.root_len));
    let addresses = addresses
        .chunks_exact(32)
        .map(|a| Address(a.try_into().expect("32 bytes")))
        .collect();
    Ok((head.kind, root, addresses))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_every_flipped_byte_is_caught() {
        let addresses = [Address([1; 32]), Address([2; 32])];
        let pin = pin_record(&[9; 64], &addresses);
        assert_eq!(pin.len(), HEAD + 64 + 64);
        assert_eq!(
            decode(&pin),
            Ok((Kind::Pin, &[9u8; 64][..], addresses.to_vec()))
        );
        assert_eq!(parse_head(&pin).unwrap().len(), pin.len() as u64);
        let unpin = unpin_record(&[7; 32]);
        assert_eq!(decode(&unpin), Ok((Kind::Unpin, &[7u8; 32][..], vec![])));
        for record in [&pin, &unpin] {
            for i in 0..record.len() {
                let mut bad = record.clone();
                bad[i] ^= 0x10;
                assert!(decode(&bad).is_err(), "byte {i}");
            }
            for cut in 0..record.len() {
                assert_eq!(
                    decode(&record[..cut]),
                    Err(JournalError::Short),
                    "cut {cut}"
                );
            }
        }
    }

    #[test]
    fn malformed_heads_are_named() {
        assert_eq!(parse_head(&[0; 10]), Err(JournalError::Short));
        assert_eq!(parse_head(&[0; 16]), Err(JournalError::BadMagic));
        let mut r = unpin_record(&[7; 32]);
        r[8] = 1;
        assert_eq!(parse_head(&r), Err(JournalError::BadHead));
        let mut r = pin_record(&[7; 32], &[]);
        r[4] = 3;
        assert_eq!(parse_head(&r), Err(JournalError::BadHead));
        let mut r = pin_record(&[7; 32], &[]);
        r[5] = 0;
        assert_eq!(parse_head(&r), Err(JournalError::BadHead));
        // A huge count is only a length: the reader finds the file too short.
        let mut r = pin_record(&[7; 32], &[]);
        r[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&r), Err(JournalError::Short));
    }
}
