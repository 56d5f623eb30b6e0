//! Retrieval 1.4.0: `Request{addr}` → `Delivery{data, stamp, err}` on one stream.
//!
//! The requester checks that the data is a valid content-addressed or single-owner chunk at the
//! address asked for (bee's `cac.Valid || soc.Valid`); bee's requester ignores the stamp, and bee's
//! server sends none, and so do we. A chunk the server cannot find is a `Delivery` whose `err` says
//! so (bee writes the error's text).

use std::time::Duration;

use futures::{AsyncRead, AsyncWrite};

use super::pb::retrieval::{Delivery, Request};
use super::wire::{self, WireError};
use crate::address::{Address, ADDRESS_LEN};
use crate::soc::SOC_MAX_SIZE;

/// Largest request read.
pub const MAX_REQUEST: usize = 64;
/// Largest delivery read: a single-owner chunk, a 113-byte stamp and an error text, with room.
pub const MAX_DELIVERY: usize = SOC_MAX_SIZE + 1024;
/// The error text of a chunk not found (bee's `storage.ErrNotFound`).
pub const NOT_FOUND: &str = "storage: not found";

/// Why a retrieval failed, naming the chunk.
#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    /// Reading or writing failed.
    #[error("retrieval of {chunk}: {source}")]
    Wire {
        /// The chunk.
        chunk: Address,
        /// The error.
        source: WireError,
    },
    /// The peer answered with an error.
    #[error("retrieval of {chunk}: peer answered {message:?}")]
    Peer {
        /// The chunk.
        chunk: Address,
        /// What it said.
        message: String,
    },
    /// The data delivered is not the chunk asked for.
    #[error("retrieval of {chunk}: delivered {len} bytes that are not the chunk at that address")]
    Invalid {
        /// The chunk.
        chunk: Address,
        /// Bytes delivered.
        len: usize,
    },
    /// No stream to the peer could be opened.
    #[error("retrieval of {chunk}: {message}")]
    Unreachable {
        /// The chunk.
        chunk: Address,
        /// Why.
        message: String,
    },
    /// The request does not name a chunk.
    #[error("retrieval request for {0:?}: not a 32-byte address")]
    BadRequest(String),
}

/// Asks for `chunk` on an opened retrieval stream; the data, checked against the address.
pub async fn request<S>(
    stream: &mut S,
    chunk: Address,
    timeout: Duration,
) -> Result<Vec<u8>, RetrievalError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let wire_err = |source| RetrievalError::Wire { chunk, source };
    wire::open_headers(stream, timeout)
        .await
        .map_err(wire_err)?;
    let req = Request {
        addr: chunk.0.to_vec(),
    };
    wire::write(stream, &req, timeout).await.map_err(wire_err)?;
    let delivery: Delivery = wire::read(stream, MAX_DELIVERY, timeout)
        .await
        .map_err(wire_err)?;
    let _ = wire::close(stream).await;
    if !delivery.err.is_empty() {
        return Err(RetrievalError::Peer {
            chunk,
            message: delivery.err.chars().take(200).collect(),
        });
    }
    if !crate::soc::is_valid_chunk(&chunk, &delivery.data) {
        return Err(RetrievalError::Invalid {
            chunk,
            len: delivery.data.len(),
        });
    }
    Ok(delivery.data)
}

/// Reads a request on an accepted retrieval stream: the chunk asked for.
pub async fn read_request<S>(stream: &mut S, timeout: Duration) -> Result<Address, RetrievalError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let unknown = Address([0; ADDRESS_LEN]);
    let wire_err = |source| RetrievalError::Wire {
        chunk: unknown,
        source,
    };
    wire::accept_headers(stream, timeout)
        .await
        .map_err(wire_err)?;
    let req: Request = wire::read(stream, MAX_REQUEST, timeout)
        .await
        .map_err(wire_err)?;
    let addr: [u8; ADDRESS_LEN] = req
        .addr
        .as_slice()
        .try_into()
        .map_err(|_| RetrievalError::BadRequest(hex::encode(&req.addr)))?;
    Ok(Address(addr))
}

/// Answers a request read with [`read_request`]: the chunk's data, or the error text.
pub async fn answer<S>(
    stream: &mut S,
    chunk: Address,
    found: Result<Vec<u8>, String>,
    timeout: Duration,
) -> Result<(), RetrievalError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let delivery = match found {
        Ok(data) => Delivery {
            data,
            ..Delivery::default()
        },
        Err(err) => Delivery {
            err,
            ..Delivery::default()
        },
    };
    let wire_err = |source| RetrievalError::Wire { chunk, source };
    wire::write(stream, &delivery, timeout)
        .await
        .map_err(wire_err)?;
    wire::close(stream).await.map_err(wire_err)
}
