//! Where results go: lines on stdout.

use std::io::{self, Write};
use std::path::Path;

use super::failure::Failure;

/// Writes `line` and a newline to stdout and flushes.
pub fn print_line(line: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|_| out.flush())
        .map_err(|e| Failure::io("writing", Path::new("stdout"), e))
}

/// `v` as one line of JSON.
pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Failure> {
    serde_json::to_string(v).map_err(|e| Failure::runtime(e.to_string()))
}
