//! Reading and writing [`super::frame`]s on a stream: one message at a time, every read bounded by
//! bee's frame limit before anything is allocated and by a deadline.
//!
//! Generic over `futures`' `AsyncRead`/`AsyncWrite`, so the same code runs on a libp2p stream and,
//! in tests, on an in-memory pipe.

use std::io;
use std::time::Duration;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use prost::Message;

use super::frame::{self, FrameError, MAX_FRAME_SIZE, MAX_VARINT_LEN};
use super::pb::headers::Headers;

/// Why a message could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The stream failed.
    #[error("stream: {0}")]
    Io(#[from] io::Error),
    /// The stream ended before a whole message.
    #[error("stream closed after {read} bytes of a {message}")]
    Closed {
        /// The message expected.
        message: &'static str,
        /// Bytes of it read.
        read: usize,
    },
    /// The frame was refused.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The peer did not answer in time.
    #[error("no {message} within {after:?}")]
    Timeout {
        /// The message expected (or being written).
        message: &'static str,
        /// The time allowed.
        after: Duration,
    },
}

/// Writes `message` as one frame and flushes.
pub async fn write<S, M>(stream: &mut S, message: &M, timeout: Duration) -> Result<(), WireError>
where
    S: AsyncWrite + Unpin,
    M: Message,
{
    let bytes = frame::encode_frame(message);
    let what = frame::short_type_name::<M>();
    let write = async {
        stream.write_all(&bytes).await?;
        stream.flush().await
    };
    match tokio::time::timeout(timeout, write).await {
        Ok(r) => r.map_err(WireError::Io),
        Err(_) => Err(WireError::Timeout {
            message: what,
            after: timeout,
        }),
    }
}

/// Reads one frame of at most `max` bytes (at most bee's 128 KiB) and decodes it as `M`.
pub async fn read<S, M>(stream: &mut S, max: usize, timeout: Duration) -> Result<M, WireError>
where
    S: AsyncRead + Unpin,
    M: Message + Default,
{
    let what = frame::short_type_name::<M>();
    match tokio::time::timeout(timeout, read_inner::<S, M>(stream, max.min(MAX_FRAME_SIZE))).await {
        Ok(r) => r,
        Err(_) => Err(WireError::Timeout {
            message: what,
            after: timeout,
        }),
    }
}

async fn read_inner<S, M>(stream: &mut S, max: usize) -> Result<M, WireError>
where
    S: AsyncRead + Unpin,
    M: Message + Default,
{
    let what = frame::short_type_name::<M>();
    let mut prefix = [0u8; MAX_VARINT_LEN];
    let mut have = 0;
    let header = loop {
        if let Some(header) = frame::parse_header(&prefix[..have], max)? {
            break header;
        }
        // parse_header fails on an eleventh byte, so `have` stays in bounds.
        let n = stream.read(&mut prefix[have..have + 1]).await?;
        if n == 0 {
            return Err(WireError::Closed {
                message: what,
                read: have,
            });
        }
        have += 1;
    };
    let mut body = vec![0u8; header.body_len];
    let mut filled = 0;
    while filled < body.len() {
        let n = stream.read(&mut body[filled..]).await?;
        if n == 0 {
            return Err(WireError::Closed {
                message: what,
                read: have + filled,
            });
        }
        filled += n;
    }
    Ok(frame::decode_body::<M>(&body)?)
}

/// The opener's side of bee's headers exchange: write ours (none), read the peer's.
pub async fn open_headers<S>(stream: &mut S, timeout: Duration) -> Result<Headers, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    open_headers_with(stream, &Headers::default(), timeout).await
}

/// [`open_headers`] sending `ours` (bee reads every header and ignores those it does not know).
pub async fn open_headers_with<S>(
    stream: &mut S,
    ours: &Headers,
    timeout: Duration,
) -> Result<Headers, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    write(stream, ours, timeout).await?;
    read(stream, MAX_HEADERS_SIZE, timeout).await
}

/// The accepter's side of bee's headers exchange: read the opener's, answer with ours (none).
pub async fn accept_headers<S>(stream: &mut S, timeout: Duration) -> Result<Headers, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let theirs = read(stream, MAX_HEADERS_SIZE, timeout).await?;
    write(stream, &Headers::default(), timeout).await?;
    Ok(theirs)
}

/// Largest headers message read. bee sends a handful of short headers (tracing span context);
/// bee reads up to its frame limit, and so do we.
pub const MAX_HEADERS_SIZE: usize = MAX_FRAME_SIZE;

/// Closes the writing half, telling the peer no more comes (bee's `FullClose` waits for this).
pub async fn close<S: AsyncWrite + Unpin>(stream: &mut S) -> Result<(), WireError> {
    stream.close().await.map_err(WireError::Io)
}
