//! The 8-byte span header (spec §3, §5.6): a little-endian u64 count of file bytes under a chunk, whose
//! top byte carries the redundancy level (`0x80 | level`) on intermediate chunks of redundant uploads.

use crate::redundancy::Level;

/// Length of a span.
pub const SPAN_SIZE: usize = 8;

/// Real spans must fit in 56 bits because the top byte may carry the level.
pub const MAX_SPAN: u64 = (1 << 56) - 1;

/// Encodes `span` with the level byte when `level` is not `None`.
pub fn encode(span: u64, level: Level) -> [u8; SPAN_SIZE] {
    let mut b = span.to_le_bytes();
    if level != Level::None {
        b[7] = 0x80 | level.as_u8();
    }
    b
}

/// Decodes a span header into (level, real span), as bee's `DecodeSpan`: the level byte counts only
/// when `span[7] > 128`. An out-of-range level number (`0x85..=0xff`) is returned as `None` level with the
/// raw value, so that callers see a span they will reject as too large rather than a made-up level.
pub fn decode(bytes: &[u8; SPAN_SIZE]) -> (Level, u64) {
    if bytes[7] > 128 {
        if let Some(level) = Level::from_u8(bytes[7] & 0x7f) {
            let mut b = *bytes;
            b[7] = 0;
            return (level, u64::from_le_bytes(b));
        }
    }
    (Level::None, u64::from_le_bytes(*bytes))
}

/// The first 8 bytes of chunk data as a span header, zero-padded if shorter.
pub fn of_data(data: &[u8]) -> [u8; SPAN_SIZE] {
    let mut s = [0u8; SPAN_SIZE];
    let n = data.len().min(SPAN_SIZE);
    s[..n].copy_from_slice(&data[..n]);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_byte_round_trip() {
        // spec §5.6: MEDIUM 4097 bytes → 0110000000000081
        assert_eq!(hex::encode(encode(4097, Level::Medium)), "0110000000000081");
        assert_eq!(
            hex::encode(encode(487424, Level::Medium)),
            "0070070000000081"
        );
        assert_eq!(hex::encode(encode(4097, Level::None)), "0110000000000000");
        for level in Level::ALL {
            assert_eq!(decode(&encode(123456, level)), (level, 123456));
        }
        // 0x80 exactly is "not encoded".
        let raw = [0, 0, 0, 0, 0, 0, 0, 0x80];
        assert_eq!(decode(&raw), (Level::None, 0x80u64 << 56));
        // Level numbers beyond 4 are not levels.
        let raw = [1, 0, 0, 0, 0, 0, 0, 0x85];
        assert_eq!(decode(&raw), (Level::None, u64::from_le_bytes(raw)));
    }
}
