//! A scripted peer: a stream whose reads return bytes fixed in advance and whose writes are kept,
//! so that one side of a bee exchange can be driven without a network (fuzzing, bad-peer tests).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::{AsyncRead, AsyncWrite};

/// What the peer does once its bytes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtEnd {
    /// Closes its side (reads return 0).
    Close,
    /// Stops answering: reads never complete.
    Stall,
}

/// The stream.
#[derive(Debug)]
pub struct Scripted {
    input: Vec<u8>,
    read: usize,
    /// Largest read served at once (1 splits every frame byte by byte).
    step: usize,
    at_end: AtEnd,
    /// What the side under test wrote.
    pub written: Vec<u8>,
    /// Whether it closed its writing side.
    pub closed: bool,
}

impl Scripted {
    /// A peer that sends `input`, at most `step` bytes per read, then does `at_end`.
    pub fn new(input: Vec<u8>, step: usize, at_end: AtEnd) -> Scripted {
        Scripted {
            input,
            read: 0,
            step: step.max(1),
            at_end,
            written: Vec::new(),
            closed: false,
        }
    }
}

impl AsyncRead for Scripted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let left = self.input.len() - self.read;
        if left == 0 {
            return match self.at_end {
                AtEnd::Close => Poll::Ready(Ok(0)),
                AtEnd::Stall => Poll::Pending,
            };
        }
        let n = left.min(buf.len()).min(self.step);
        let start = self.read;
        buf[..n].copy_from_slice(&self.input[start..start + n]);
        self.read += n;
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for Scripted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write after close",
            )));
        }
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.closed = true;
        Poll::Ready(Ok(()))
    }
}
