//! Varint-delimited protobuf frames, as bee's `pkg/p2p/protobuf` writes and reads them
//! (gogo/protobuf's `io.NewDelimitedWriter` / `NewDelimitedReader`).
//!
//! A frame is the message's length as an unsigned LEB128 varint, then the message. bee's reader
//! takes a length of at most [`MAX_FRAME_SIZE`] (128 KiB, `delimitedReaderMaxSize`; equal is
//! accepted) and refuses a larger one before reading or allocating anything; so does
//! [`parse_header`]. The varint is read as Go's `binary.ReadUvarint` does: at most 10 bytes,
//! the 10th at most 1, non-minimal encodings accepted.
//!
//! Sans I/O: [`parse_header`] says how many bytes a frame needs once its first bytes are in,
//! so that a reader can read exactly that; [`decode_frame`] decodes a frame from a buffer.

use prost::Message;

use crate::identity::key::hex_short;

/// Largest message bee reads: 128 KiB (`pkg/p2p/protobuf.delimitedReaderMaxSize`).
pub const MAX_FRAME_SIZE: usize = 128 * 1024;
/// Longest varint length prefix (a u64).
pub const MAX_VARINT_LEN: usize = 10;

/// Why a frame was refused. Each variant carries what it refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix is not a varint of at most 64 bits.
    #[error("frame length prefix {prefix} overflows 64 bits")]
    VarintOverflow {
        /// The prefix bytes, hex.
        prefix: String,
    },
    /// The announced length is over the limit.
    #[error("frame of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// The announced length.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// The input ends inside the frame.
    #[error("frame truncated: {have} of {want} bytes")]
    Truncated {
        /// Bytes the frame needs (prefix and body), or the prefix read so far plus one.
        want: usize,
        /// Bytes there are.
        have: usize,
    },
    /// The body is not the protobuf encoding of the message expected.
    #[error("frame body ({len} bytes) is not a {message}: {reason}; body {body}")]
    Decode {
        /// The message type expected.
        message: &'static str,
        /// The body length.
        len: usize,
        /// prost's reason.
        reason: String,
        /// The body, hex (shortened).
        body: String,
    },
}

/// A frame's length prefix, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Bytes of the varint prefix.
    pub prefix_len: usize,
    /// Bytes of the message after it.
    pub body_len: usize,
}

impl FrameHeader {
    /// Bytes of the whole frame.
    pub fn frame_len(&self) -> usize {
        self.prefix_len + self.body_len
    }
}

/// Reads the length prefix at the start of `buf`. `Ok(None)`: the prefix is not complete yet
/// (read one more byte). Refuses a prefix over 64 bits and a length over `max` at once, before
/// any body is read; also a length whose frame ([`FrameHeader::frame_len`]) would not fit a
/// `usize`, which only a `max` near `usize::MAX` lets through.
pub fn parse_header(buf: &[u8], max: usize) -> Result<Option<FrameHeader>, FrameError> {
    let mut len = 0u64;
    for (i, &byte) in buf.iter().enumerate().take(MAX_VARINT_LEN) {
        if i == MAX_VARINT_LEN - 1 && byte > 1 {
            return Err(FrameError::VarintOverflow {
                prefix: hex::encode(&buf[..=i]),
            });
        }
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return match usize::try_from(len) {
                Ok(body_len) if body_len <= max && body_len.checked_add(i + 1).is_some() => {
                    Ok(Some(FrameHeader {
                        prefix_len: i + 1,
                        body_len,
                    }))
                }
                _ => Err(FrameError::TooLarge { len, max }),
            };
        }
    }
    Ok(None)
}

/// Encodes `msg` as one frame.
pub fn encode_frame<M: Message>(msg: &M) -> Vec<u8> {
    msg.encode_length_delimited_to_vec()
}

/// Appends `msg` as one frame to `buf`.
pub fn encode_frame_into<M: Message>(msg: &M, buf: &mut Vec<u8>) {
    let len = msg.encoded_len();
    buf.reserve(len + MAX_VARINT_LEN);
    prost::encoding::encode_varint(len as u64, buf);
    // Encoding into a Vec only fails for lack of capacity, which a Vec grows.
    let _ = msg.encode(buf);
}

/// Decodes the frame at the start of `buf` as an `M`, with bee's limit of [`MAX_FRAME_SIZE`].
/// Returns the message and the bytes the frame took; bytes after it are left alone.
pub fn decode_frame<M: Message + Default>(buf: &[u8]) -> Result<(M, usize), FrameError> {
    decode_frame_limited(buf, MAX_FRAME_SIZE)
}

/// [`decode_frame`] with another limit (a protocol may know its messages are smaller).
pub fn decode_frame_limited<M: Message + Default>(
    buf: &[u8],
    max: usize,
) -> Result<(M, usize), FrameError> {
    let header = parse_header(buf, max)?.ok_or(FrameError::Truncated {
        want: buf.len() + 1,
        have: buf.len(),
    })?;
    let body = buf
        .get(header.prefix_len..header.frame_len())
        .ok_or(FrameError::Truncated {
            want: header.frame_len(),
            have: buf.len(),
        })?;
    let msg = decode_body(body)?;
    Ok((msg, header.frame_len()))
}

/// Decodes a frame's body (the bytes after the prefix) as an `M`.
pub fn decode_body<M: Message + Default>(body: &[u8]) -> Result<M, FrameError> {
    M::decode(body).map_err(|e| FrameError::Decode {
        message: short_type_name::<M>(),
        len: body.len(),
        reason: e.to_string(),
        body: hex_short(body),
    })
}

pub(crate) fn short_type_name<M>() -> &'static str {
    let full = std::any::type_name::<M>();
    // "swarmec::net::bee::pb::handshake::Ack" -> "handshake::Ack"
    match full.rsplit("::").nth(1) {
        Some(module) => full
            .rfind(module)
            .and_then(|at| full.get(at..))
            .unwrap_or(full),
        None => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::bee::pb::pingpong::Ping;

    #[test]
    fn headers_and_limits() {
        assert_eq!(parse_header(&[], 10), Ok(None));
        assert_eq!(parse_header(&[0x80], 10), Ok(None));
        assert_eq!(
            parse_header(&[0x05], 10),
            Ok(Some(FrameHeader {
                prefix_len: 1,
                body_len: 5
            }))
        );
        // non-minimal 0x85 0x00 = 5, accepted as Go does
        assert_eq!(
            parse_header(&[0x85, 0x00], 10).unwrap().unwrap().body_len,
            5
        );
        assert!(matches!(
            parse_header(&[0x0b], 10),
            Err(FrameError::TooLarge { len: 11, max: 10 })
        ));
        // 128 KiB exactly is accepted, one more is not
        let mut at_limit = Vec::new();
        prost::encoding::encode_varint(MAX_FRAME_SIZE as u64, &mut at_limit);
        assert!(parse_header(&at_limit, MAX_FRAME_SIZE).unwrap().is_some());
        let mut over = Vec::new();
        prost::encoding::encode_varint(MAX_FRAME_SIZE as u64 + 1, &mut over);
        assert!(parse_header(&over, MAX_FRAME_SIZE).is_err());
        // u64::MAX is a 10-byte varint: too large, not an overflow
        let mut huge = Vec::new();
        prost::encoding::encode_varint(u64::MAX, &mut huge);
        assert!(matches!(
            parse_header(&huge, MAX_FRAME_SIZE),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_header(&[0xff; 10], MAX_FRAME_SIZE),
            Err(FrameError::VarintOverflow { .. })
        ));
        // Without a limit, a length whose frame would overflow a usize is still too large
        // (fuzz target bee_wire: frame_len overflowed).
        assert!(matches!(
            parse_header(&huge, usize::MAX),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            decode_frame_limited::<Ping>(&huge, usize::MAX),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn frames_round_trip() {
        let ping = Ping {
            greeting: "hey".into(),
        };
        let mut buf = encode_frame(&ping);
        encode_frame_into(&ping, &mut buf);
        let (first, used) = decode_frame::<Ping>(&buf).unwrap();
        assert_eq!(first, ping);
        let (second, used2) = decode_frame::<Ping>(&buf[used..]).unwrap();
        assert_eq!(second, ping);
        assert_eq!(used + used2, buf.len());
        assert!(matches!(
            decode_frame::<Ping>(&buf[..used - 1]),
            Err(FrameError::Truncated { .. })
        ));
        let err = decode_frame::<Ping>(&[2, 0x0a, 0x05]).unwrap_err();
        assert!(err.to_string().contains("pingpong::Ping"), "{err}");
    }
}
