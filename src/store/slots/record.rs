//! One slot of the data file: the on-disk record of one chunk, and the file's header. Pure: bytes in,
//! bytes out, no I/O, so that the decoder can be fuzzed (`fuzz/fuzz_targets/store_slot.rs`).
//!
//! A record is self-describing, so the data file alone is enough to rebuild the index:
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic `SWC1` (a slot never written holds zeros) |
//! | 4..8 | data length, u32 little-endian, at most [`MAX_CHUNK_DATA`] |
//! | 8..40 | the chunk's address |
//! | 40..44 | CRC-32 (IEEE) of bytes 4..40 and the data |
//! | 44..44+len | the chunk data |
//!
//! The rest of the slot is zeros. A torn or overwritten record fails its checksum and is never served.

use crate::address::Address;
use crate::store::MAX_CHUNK_DATA;

/// Bytes before a record's data.
pub const RECORD_HEADER: usize = 44;

/// Bytes of one slot: the largest record (a single-owner chunk of 4201 bytes and its header),
/// rounded up to 32 bytes. A 4104-byte content-addressed chunk takes 3.7 % more than its data.
pub const SLOT_SIZE: usize = (RECORD_HEADER + MAX_CHUNK_DATA).div_ceil(32) * 32;

const RECORD_MAGIC: [u8; 4] = *b"SWC1";

/// The data file's header, in the first slot (so that slot `i` starts at `(i + 1) * SLOT_SIZE`).
const FILE_MAGIC: &[u8; 24] = b"swarmec chunk slots v1\n\0";

/// Why a slot does not hold a chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// All zeros where the magic goes: never written.
    #[error("the slot is empty")]
    Empty,
    /// Fewer bytes than the record needs (the file ends inside it).
    #[error("the slot is cut short: {have} of {need} bytes")]
    Short {
        /// Bytes there are.
        have: usize,
        /// Bytes the record needs.
        need: usize,
    },
    /// Neither a record's magic nor an empty slot.
    #[error("the slot does not start with a record")]
    BadMagic,
    /// A length over the largest chunk.
    #[error("the record claims {0} bytes of data, over the {max}-byte limit", max = MAX_CHUNK_DATA)]
    BadLength(u32),
    /// The checksum does not match: torn or damaged.
    #[error("the record fails its checksum (torn or damaged)")]
    Checksum,
}

/// A decoded record: the address it claims and its data, both checked by the checksum.
#[derive(Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The chunk's address.
    pub address: Address,
    /// The chunk data.
    pub data: &'a [u8],
}

fn checksum(head: &[u8], data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(head);
    h.update(data);
    h.finalize()
}

/// Writes the record of `address` and `data` into `slot` (exactly [`SLOT_SIZE`] bytes), zero-padded.
///
/// # Panics
/// If `slot` is not [`SLOT_SIZE`] bytes or `data` is over [`MAX_CHUNK_DATA`]: callers check sizes.
pub fn encode(address: &Address, data: &[u8], slot: &mut [u8]) {
    assert_eq!(slot.len(), SLOT_SIZE);
    assert!(data.len() <= MAX_CHUNK_DATA);
    slot[0..4].copy_from_slice(&RECORD_MAGIC);
    slot[4..8].copy_from_slice(&(data.len() as u32).to_le_bytes());
    slot[8..40].copy_from_slice(&address.0);
    let crc = checksum(&slot[4..40], data);
    slot[40..44].copy_from_slice(&crc.to_le_bytes());
    slot[RECORD_HEADER..RECORD_HEADER + data.len()].copy_from_slice(data);
    slot[RECORD_HEADER + data.len()..].fill(0);
}

/// Reads the record at the start of `bytes` (a slot, or what the file had of it).
pub fn decode(bytes: &[u8]) -> Result<Record<'_>, RecordError> {
    let short = |need| RecordError::Short {
        have: bytes.len(),
        need,
    };
    let head = bytes.get(..RECORD_HEADER).ok_or(short(RECORD_HEADER))?;
    if head[0..4] != RECORD_MAGIC {
        return Err(if head[0..4] == [0; 4] {
            RecordError::Empty
        } else {
            RecordError::BadMagic
        });
    }
    let len = u32::from_le_bytes(head[4..8].try_into().expect("4 bytes"));
    if len as usize > MAX_CHUNK_DATA {
        return Err(RecordError::BadLength(len));
    }
    let need = RECORD_HEADER + len as usize;
    let data = bytes.get(RECORD_HEADER..need).ok_or(short(need))?;
    let crc = u32::from_le_bytes(head[40..44].try_into().expect("4 bytes"));
    if checksum(&head[4..40], data) != crc {
        return Err(RecordError::Checksum);
    }
    Ok(Record {
        address: Address(head[8..40].try_into().expect("32 bytes")),
        data,
    })
}

/// The data file's header slot.
pub fn file_header() -> Vec<u8> {
    let mut h = vec![0; SLOT_SIZE];
    h[..FILE_MAGIC.len()].copy_from_slice(FILE_MAGIC);
    h[FILE_MAGIC.len()..FILE_MAGIC.len() + 4].copy_from_slice(&(SLOT_SIZE as u32).to_le_bytes());
    h
}

/// Whether `bytes` starts with the header [`file_header`] writes.
pub fn is_file_header(bytes: &[u8]) -> bool {
    let want = file_header();
    bytes.len() >= FILE_MAGIC.len() + 4
        && bytes[..FILE_MAGIC.len() + 4] == want[..FILE_MAGIC.len() + 4]
}

/// Byte offset of slot `index` in the data file.
pub fn offset(index: u64) -> u64 {
    (index + 1) * SLOT_SIZE as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(data: &[u8]) -> (Address, Vec<u8>) {
        let address = Address([7; 32]);
        let mut slot = vec![0xee; SLOT_SIZE];
        encode(&address, data, &mut slot);
        (address, slot)
    }

    #[test]
    fn slot_size_fits_the_largest_chunk() {
        assert_eq!(SLOT_SIZE, 4256);
        const { assert!(SLOT_SIZE >= RECORD_HEADER + MAX_CHUNK_DATA) };
    }

    #[test]
    fn round_trip_and_padding() {
        for len in [0, 1, 4104, MAX_CHUNK_DATA] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let (address, slot) = record(&data);
            assert_eq!(
                decode(&slot),
                Ok(Record {
                    address,
                    data: &data
                })
            );
            assert!(slot[RECORD_HEADER + len..].iter().all(|&b| b == 0));
            // What the file has of a record at its end is enough.
            assert!(decode(&slot[..RECORD_HEADER + len]).is_ok());
        }
    }

    #[test]
    fn every_flipped_byte_of_a_record_is_caught() {
        let (_, slot) = record(b"some chunk data");
        for i in 0..RECORD_HEADER + 15 {
            let mut bad = slot.clone();
            bad[i] ^= 0x41;
            assert!(decode(&bad).is_err(), "byte {i}");
        }
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert_eq!(decode(&[0; SLOT_SIZE]), Err(RecordError::Empty));
        assert_eq!(decode(&[1; SLOT_SIZE]), Err(RecordError::BadMagic));
        assert_eq!(
            decode(&[0; 10]),
            Err(RecordError::Short { have: 10, need: 44 })
        );
        let (_, mut slot) = record(&[5; 100]);
        assert_eq!(
            decode(&slot[..100]),
            Err(RecordError::Short {
                have: 100,
                need: 144
            })
        );
        slot[4..8].copy_from_slice(&5000u32.to_le_bytes());
        assert_eq!(decode(&slot), Err(RecordError::BadLength(5000)));
        let (_, mut slot) = record(&[5; 100]);
        slot[60] ^= 1;
        assert_eq!(decode(&slot), Err(RecordError::Checksum));
    }

    #[test]
    fn file_header_is_recognised() {
        let h = file_header();
        assert!(is_file_header(&h));
        assert!(!is_file_header(&h[..10]));
        assert!(!is_file_header(&[0; SLOT_SIZE]));
        assert_eq!(offset(0), SLOT_SIZE as u64);
    }
}
