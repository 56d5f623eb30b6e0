//! Wire messages of swarmec's own pushsync and their framing (retrieval moved to bee's protocol,
//! [`super::bee::retrieval`]; pushsync follows with postage stamps).
//!
//! Every message travels on its own libp2p stream (request-response: one request, one response) as a
//! 4-byte big-endian length followed by that many bytes. A length over the message type's limit is
//! refused before anything is allocated, and a body that does not decode exactly (wrong tag, short or
//! trailing bytes, oversized fields) is an error: the stream is dropped and the request fails.
//!
//! ```text
//! pushsync request    kind(1) addr(32) data(1..=4201)
//!                     kind 0x00 = push: store if among the closest, else forward closer
//!                     kind 0x01 = replicate: store here, do not forward
//! pushsync response   0x00 count(1) receipt*count
//!                     0x02 message(0..=256)  error, UTF-8
//! receipt             addr(32) idlen(1) peer_id(idlen) siglen(1) signature(siglen)
//! ```
//!
//! A receipt's signature is the storer's libp2p key signing `"swarmec-receipt" || addr`, so the origin
//! checks that the peer named in the receipt really stored the chunk.

use std::io;
use std::marker::PhantomData;

use async_trait::async_trait;
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;

use crate::address::Address;
use crate::store::MAX_CHUNK_DATA;

/// Protocol id of pushsync.
pub const PUSHSYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/swarmec/pushsync/1.0.0");
/// Protocol version announced by identify.
pub const IDENTIFY_PROTOCOL: &str = "/swarmec/id/1.0.0";

/// Longest error message carried in a response.
pub const MAX_ERROR_LEN: usize = 256;
/// Most receipts in one pushsync response.
pub const MAX_RECEIPTS: usize = 16;
/// Domain separation prefix of receipt signatures.
pub const RECEIPT_DOMAIN: &[u8] = b"swarmec-receipt";

/// A message that has a wire form and a size limit.
pub trait Wire: Sized + Send + Sync + 'static {
    /// Largest encoded body accepted.
    const MAX_LEN: usize;
    /// Encodes the body (without the length prefix).
    fn encode(&self) -> Vec<u8>;
    /// Decodes a body; `None` if it is not exactly one valid message.
    fn decode(body: &[u8]) -> Option<Self>;
}

/// What a pushsync receiver should do with the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushKind {
    /// Store if among the closest nodes known, else forward closer.
    Push,
    /// Store here without forwarding (sent by a storer to the other closest nodes).
    Replicate,
}

/// Hands over one chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRequest {
    /// Push or replicate.
    pub kind: PushKind,
    /// The chunk's address.
    pub address: Address,
    /// The chunk's data.
    pub data: Vec<u8>,
}

/// Proof that a node stored a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The chunk.
    pub address: Address,
    /// The storer's peer id bytes.
    pub peer_id: Vec<u8>,
    /// The storer's signature over [`RECEIPT_DOMAIN`] followed by the address.
    pub signature: Vec<u8>,
}

/// The answer to a [`PushRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushResponse {
    /// Receipts of every node that stored the chunk.
    Receipts(Vec<Receipt>),
    /// The push failed.
    Error(String),
}

const OK: u8 = 0;
// Tag 1 was retrieval's "not found", before retrieval moved to bee's protocol.
const ERROR: u8 = 2;

fn error_bytes(tag: u8, message: &str) -> Vec<u8> {
    let mut cut = message.len().min(MAX_ERROR_LEN);
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = vec![tag];
    out.extend_from_slice(&message.as_bytes()[..cut]);
    out
}

fn decode_error(rest: &[u8]) -> Option<String> {
    if rest.len() > MAX_ERROR_LEN {
        return None;
    }
    String::from_utf8(rest.to_vec()).ok()
}

fn chunk_data(rest: &[u8]) -> Option<Vec<u8>> {
    (!rest.is_empty() && rest.len() <= MAX_CHUNK_DATA).then(|| rest.to_vec())
}

impl Wire for PushRequest {
    const MAX_LEN: usize = 1 + 32 + MAX_CHUNK_DATA;
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(33 + self.data.len());
        out.push(match self.kind {
            PushKind::Push => 0,
            PushKind::Replicate => 1,
        });
        out.extend_from_slice(&self.address.0);
        out.extend_from_slice(&self.data);
        out
    }
    fn decode(body: &[u8]) -> Option<Self> {
        let (&kind, rest) = body.split_first()?;
        let kind = match kind {
            0 => PushKind::Push,
            1 => PushKind::Replicate,
            _ => return None,
        };
        let address = Address::from_slice(rest.get(..32)?)?;
        let data = chunk_data(rest.get(32..)?)?;
        Some(PushRequest {
            kind,
            address,
            data,
        })
    }
}

impl Wire for PushResponse {
    const MAX_LEN: usize = 2 + MAX_RECEIPTS * (32 + 1 + 255 + 1 + 255);
    fn encode(&self) -> Vec<u8> {
        match self {
            PushResponse::Receipts(receipts) => {
                let mut out = vec![OK];
                let receipts: Vec<&Receipt> = receipts
                    .iter()
                    .filter(|r| r.peer_id.len() <= 255 && r.signature.len() <= 255)
                    .take(MAX_RECEIPTS)
                    .collect();
                out.push(receipts.len() as u8);
                for r in receipts {
                    out.extend_from_slice(&r.address.0);
                    out.push(r.peer_id.len() as u8);
                    out.extend_from_slice(&r.peer_id);
                    out.push(r.signature.len() as u8);
                    out.extend_from_slice(&r.signature);
                }
                out
            }
            PushResponse::Error(m) => error_bytes(ERROR, m),
        }
    }
    fn decode(body: &[u8]) -> Option<Self> {
        let (&tag, rest) = body.split_first()?;
        match tag {
            OK => {
                let (&count, mut rest) = rest.split_first()?;
                if usize::from(count) > MAX_RECEIPTS {
                    return None;
                }
                let mut receipts = Vec::with_capacity(usize::from(count));
                for _ in 0..count {
                    let address = Address::from_slice(rest.get(..32)?)?;
                    let (peer_id, after) = take_prefixed(rest.get(32..)?)?;
                    let (signature, after) = take_prefixed(after)?;
                    receipts.push(Receipt {
                        address,
                        peer_id,
                        signature,
                    });
                    rest = after;
                }
                rest.is_empty().then_some(PushResponse::Receipts(receipts))
            }
            ERROR => decode_error(rest).map(PushResponse::Error),
            _ => None,
        }
    }
}

fn take_prefixed(bytes: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let (&len, rest) = bytes.split_first()?;
    let len = usize::from(len);
    Some((rest.get(..len)?.to_vec(), rest.get(len..)?))
}

/// Reads one length-prefixed message, refusing lengths over `T::MAX_LEN` before allocating.
pub async fn read_frame<T: Wire, R: AsyncRead + Unpin + Send>(io: &mut R) -> io::Result<T> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > T::MAX_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "message of {len} bytes is over the {}-byte limit",
                T::MAX_LEN
            ),
        ));
    }
    let mut body = vec![0u8; len];
    io.read_exact(&mut body).await?;
    T::decode(&body).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "malformed message"))
}

/// Writes one length-prefixed message.
pub async fn write_frame<T: Wire, W: AsyncWrite + Unpin + Send>(
    io: &mut W,
    message: &T,
) -> io::Result<()> {
    let body = message.encode();
    let len = u32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "message too large"))?;
    io.write_all(&len.to_be_bytes()).await?;
    io.write_all(&body).await?;
    io.close().await
}

/// A request-response codec for one request and one response type, framed as above.
pub struct FrameCodec<Req, Resp>(PhantomData<fn() -> (Req, Resp)>);

impl<Req, Resp> Default for FrameCodec<Req, Resp> {
    fn default() -> Self {
        FrameCodec(PhantomData)
    }
}

impl<Req, Resp> Clone for FrameCodec<Req, Resp> {
    fn clone(&self) -> Self {
        FrameCodec(PhantomData)
    }
}

#[async_trait]
impl<Req: Wire, Resp: Wire> libp2p::request_response::Codec for FrameCodec<Req, Resp> {
    type Protocol = StreamProtocol;
    type Request = Req;
    type Response = Resp;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Req>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_frame(io).await
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Resp>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_frame(io).await
    }

    async fn write_request<T>(&mut self, _: &StreamProtocol, io: &mut T, req: Req) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &req).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Resp,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &res).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round<T: Wire + PartialEq + std::fmt::Debug>(m: T) {
        let bytes = m.encode();
        assert!(bytes.len() <= T::MAX_LEN);
        assert_eq!(T::decode(&bytes), Some(m));
        // Every strict prefix and any trailing byte is refused.
        for cut in 0..bytes.len() {
            let d = T::decode(&bytes[..cut]);
            assert!(d.is_none() || d.map(|x| x.encode()) == Some(bytes[..cut].to_vec()));
        }
    }

    #[test]
    fn messages_round_trip() {
        let a = Address([7; 32]);
        round(PushRequest {
            kind: PushKind::Replicate,
            address: a,
            data: vec![3; 100],
        });
        round(PushResponse::Receipts(vec![
            Receipt {
                address: a,
                peer_id: vec![1, 2, 3],
                signature: vec![9; 64],
            };
            2
        ]));
        round(PushResponse::Error("full".into()));
    }

    #[test]
    fn malformed_messages_are_refused() {
        assert_eq!(PushRequest::decode(&[0; 31]), None);
        assert_eq!(PushResponse::decode(&[]), None);
        assert_eq!(PushResponse::decode(&[9]), None);
        let mut big = vec![0u8];
        big.extend(vec![0; 32 + MAX_CHUNK_DATA + 1]);
        assert_eq!(PushRequest::decode(&big), None);
        assert_eq!(PushRequest::decode(&[2; 40]), None);
        assert_eq!(PushResponse::decode(&[0, 17]), None);
        assert_eq!(PushResponse::decode(&[0, 1, 0]), None);
        assert_eq!(
            PushResponse::Error("é".repeat(200)).encode().len(),
            1 + MAX_ERROR_LEN
        );
    }

    #[test]
    fn frames_over_the_limit_are_refused_before_reading() {
        let mut input: &[u8] = &[0, 0, 0x20, 0x00];
        let r = futures::executor::block_on(read_frame::<PushRequest, _>(&mut input));
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::InvalidData);
        let mut buf = Vec::new();
        let msg = PushResponse::Error("full".into());
        futures::executor::block_on(write_frame(&mut futures::io::Cursor::new(&mut buf), &msg))
            .unwrap();
        let mut input: &[u8] = &buf;
        let back = futures::executor::block_on(read_frame::<PushResponse, _>(&mut input));
        assert_eq!(back.unwrap(), msg);
    }
}
