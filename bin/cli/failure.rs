//! Failures and their exit codes: 1 for runtime failures, 2 for usage errors, and a closed stdout
//! (e.g. `| head`) is no failure at all.

use std::io;
use std::path::Path;

use swarmec::file::{JoinError, SplitError};
use swarmec::net::NetError;
use swarmec::stamps::StampsError;
use swarmec::store::StoreError;

/// A failure: its exit code and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    /// 1 runtime, 2 usage.
    pub code: u8,
    /// What went wrong, naming the address, offset or file.
    pub message: String,
    broken_pipe: bool,
}

impl Failure {
    /// A malformed argument: exit code 2.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
            broken_pipe: false,
        }
    }

    /// Anything that went wrong while running: exit code 1.
    pub fn runtime(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
            broken_pipe: false,
        }
    }

    /// An I/O error on `path` while doing `what` ("cannot open", "writing", ...).
    pub fn io(what: &str, path: &Path, e: io::Error) -> Failure {
        Failure {
            code: 1,
            message: format!("{what} {}: {e}", path.display()),
            broken_pipe: e.kind() == io::ErrorKind::BrokenPipe,
        }
    }

    /// Whether the failure is only stdout having been closed (e.g. `| head`).
    pub fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::runtime(e.to_string())
    }
}

impl From<SplitError> for Failure {
    fn from(e: SplitError) -> Self {
        Failure::runtime(e.to_string())
    }
}

impl From<NetError> for Failure {
    fn from(e: NetError) -> Self {
        Failure::runtime(e.to_string())
    }
}

impl From<JoinError> for Failure {
    fn from(e: JoinError) -> Self {
        let broken_pipe = matches!(&e, JoinError::Write { source, .. } if source.kind() == io::ErrorKind::BrokenPipe);
        Failure {
            code: 1,
            message: e.to_string(),
            broken_pipe,
        }
    }
}

impl From<StampsError> for Failure {
    fn from(e: StampsError) -> Self {
        match e {
            StampsError::Depth { .. } | StampsError::Amount => Failure::usage(e.to_string()),
            _ => Failure::runtime(e.to_string()),
        }
    }
}
