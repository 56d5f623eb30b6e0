//! Status 1.1.3 (both sides) and pingpong 1.0.0 (the accepting side).
//!
//! bee's salud asks every connected full peer for its status and uses only answers whose mode is
//! `"full"`; an ultra-light bee does not retrieve before salud has heard a radius from some peer,
//! so a storer must answer. Pingpong answers each `Ping` with `{greeting}` until the stream ends.

use std::time::Duration;

use futures::{AsyncRead, AsyncWrite};

use super::pb::pingpong::{Ping, Pong};
use super::pb::status::{Get, Snapshot};
use super::wire::{self, WireError};

/// Largest status request or ping read.
pub const MAX_REQUEST: usize = 1024;
/// Most pings answered on one stream.
pub const MAX_PINGS: usize = 64;

/// bee's mode names.
pub const MODE_FULL: &str = "full";
/// A light node.
pub const MODE_LIGHT: &str = "light";

/// Answers one status request with `snapshot`.
pub async fn serve_status<S>(
    stream: &mut S,
    snapshot: &Snapshot,
    timeout: Duration,
) -> Result<(), WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::accept_headers(stream, timeout).await?;
    let _: Get = wire::read(stream, MAX_REQUEST, timeout).await?;
    wire::write(stream, snapshot, timeout).await?;
    wire::close(stream).await
}

/// Largest snapshot read: a few numbers, a mode and bee's metrics map, with room.
pub const MAX_SNAPSHOT: usize = 16 * 1024;

/// Asks a peer for its status on an opened status stream.
pub async fn get_status<S>(stream: &mut S, timeout: Duration) -> Result<Snapshot, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::open_headers(stream, timeout).await?;
    wire::write(stream, &Get {}, timeout).await?;
    let snapshot = wire::read(stream, MAX_SNAPSHOT, timeout).await?;
    let _ = wire::close(stream).await;
    Ok(snapshot)
}

/// Answers pings until the peer closes the stream (or [`MAX_PINGS`]); returns how many.
pub async fn serve_pingpong<S>(stream: &mut S, timeout: Duration) -> Result<usize, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    wire::accept_headers(stream, timeout).await?;
    let mut answered = 0;
    while answered < MAX_PINGS {
        let ping: Ping = match wire::read(stream, MAX_REQUEST, timeout).await {
            Ok(ping) => ping,
            Err(WireError::Closed { read: 0, .. }) => break,
            Err(e) => return Err(e),
        };
        let pong = Pong {
            response: format!("{{{}}}", ping.greeting),
        };
        wire::write(stream, &pong, timeout).await?;
        answered += 1;
    }
    wire::close(stream).await?;
    Ok(answered)
}
