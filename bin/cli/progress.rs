//! Progress bars on stderr, shown only when stderr is a terminal.

use std::io::{self, IsTerminal, Read, Write};

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for `total` bytes (a spinner when unknown), hidden unless stderr is a terminal.
pub fn bar(total: Option<u64>, what: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => ProgressBar::new(t),
        None => ProgressBar::new_spinner(),
    };
    let template = if total.is_some() {
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
    } else {
        "{msg} {spinner} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Clears the bar.
pub fn finish(bar: &ProgressBar) {
    bar.finish_and_clear();
}

/// A reader that advances a bar.
pub struct Reader<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R> Reader<R> {
    pub fn new(inner: R, bar: ProgressBar) -> Self {
        Reader { inner, bar }
    }
}

impl<R: Read> Read for Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// A writer that advances a bar.
pub struct Writer<W> {
    inner: W,
    bar: ProgressBar,
}

impl<W> Writer<W> {
    pub fn new(inner: W, bar: ProgressBar) -> Self {
        Writer { inner, bar }
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
