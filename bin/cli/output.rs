//! Where results go: lines on stdout, and the file of `download -o PATH`.
//!
//! `-o PATH` does what the user means by PATH, as `cp` and `curl -o` do, and never leaves a
//! half-written file or a temporary file behind:
//! - a new path or an existing regular file gets its content through a temporary file in the same
//!   directory that is synced, given the old file's permission mode (a new file the usual
//!   0666 & ~umask), renamed over PATH, and the directory synced: PATH holds the old content or the
//!   whole new one, never a part;
//! - a symlink is followed to its target, so the link stays a link;
//! - a character or block device or a FIFO (e.g. `/dev/null`, a named pipe) is opened and written to
//!   directly, never replaced by a regular file;
//! - on any failure the temporary file is removed.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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

/// Symlinks followed before giving up (Linux's limit before `ELOOP`).
const MAX_LINKS: usize = 40;

/// Ends the name of a temporary file (`.NAME.PID.N.swarmec-part`).
const PART_SUFFIX: &str = ".swarmec-part";

/// The destination of `download -o`: write to it, then [`OutputFile::commit`]. Dropped without
/// `commit`, it removes its temporary file and leaves PATH as it was.
pub struct OutputFile {
    file: File,
    /// The path the user gave, for messages.
    shown: PathBuf,
    target: Target,
}

enum Target {
    /// A device or FIFO, written to directly.
    Direct { sync: bool },
    /// A temporary file, renamed over `dest` (the user's path with symlinks followed) on commit.
    Replace { tmp: PathBuf, dest: PathBuf },
    /// Renamed (or removed): nothing left to clean up.
    Done,
}

impl OutputFile {
    /// Prepares to write `path`, creating the temporary file if the content goes through one.
    pub fn create(path: &Path) -> Result<OutputFile, Failure> {
        let cannot = |e| Failure::io("cannot write", path, e);
        let dest = follow_links(path).map_err(cannot)?;
        let existing = match fs::symlink_metadata(&dest) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(cannot(e)),
        };
        // The mode to give the new content: an existing regular file's, else a new file's.
        let mode = match &existing {
            Some(m) if is_special(m) => {
                let file = OpenOptions::new().write(true).open(&dest).map_err(cannot)?;
                return Ok(OutputFile {
                    file,
                    shown: path.to_path_buf(),
                    target: Target::Direct {
                        sync: is_block_device(m),
                    },
                });
            }
            Some(m) if m.is_file() => {
                // Refuse what `cp` would refuse (a read-only file), before any work; opening
                // without truncating changes nothing.
                OpenOptions::new().write(true).open(&dest).map_err(cannot)?;
                Some(permission_bits(m))
            }
            // A directory (or anything else) is left for the final rename to refuse.
            _ => None,
        };
        let (file, tmp) = create_temporary(&dest).map_err(cannot)?;
        let out = OutputFile {
            file,
            shown: path.to_path_buf(),
            target: Target::Replace { tmp, dest },
        };
        if let Some(mode) = mode {
            // On failure `out` is dropped, which removes the temporary file.
            out.file.set_permissions(mode).map_err(cannot)?;
        }
        Ok(out)
    }

    /// Makes the written content PATH's: syncs and renames a temporary file over PATH and syncs the
    /// directory; a device or FIFO is only flushed (and a block device synced).
    pub fn commit(mut self) -> Result<(), Failure> {
        let shown = self.shown.clone();
        let cannot = |e| Failure::io("cannot write", &shown, e);
        self.file.flush().map_err(cannot)?;
        match std::mem::replace(&mut self.target, Target::Done) {
            Target::Direct { sync } => {
                if sync {
                    self.file.sync_all().map_err(cannot)?;
                }
                Ok(())
            }
            Target::Replace { tmp, dest } => {
                let renamed = self.file.sync_all().and_then(|_| fs::rename(&tmp, &dest));
                if let Err(e) = renamed {
                    let _ = fs::remove_file(&tmp);
                    return Err(cannot(e));
                }
                sync_dir(&dest).map_err(|e| Failure::io("cannot sync the directory of", &shown, e))
            }
            Target::Done => Ok(()),
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Target::Replace { tmp, .. } = &self.target {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// `path` with symlinks followed until something that is not a symlink (or does not exist).
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// The directory `path` is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// A new, empty file `.NAME.PID.N.swarmec-part` beside `dest`.
fn create_temporary(dest: &Path) -> io::Result<(File, PathBuf)> {
    let name = dest.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not end in a file name",
        )
    })?;
    let dir = parent_dir(dest);
    let pid = std::process::id();
    let mut n = 0u32;
    loop {
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{pid}.{n}{PART_SUFFIX}"));
        let tmp = dir.join(tmp_name);
        // create_new: never write into someone else's file; the mode is 0666 & ~umask.
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(unix)]
fn sync_dir(dest: &Path) -> io::Result<()> {
    File::open(parent_dir(dest))?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dest: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn is_special(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    t.is_char_device() || t.is_block_device() || t.is_fifo()
}

#[cfg(not(unix))]
fn is_special(_m: &fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn is_block_device(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    m.file_type().is_block_device()
}

#[cfg(not(unix))]
fn is_block_device(_m: &fs::Metadata) -> bool {
    false
}

/// The permission bits to carry over, without set-user-ID and set-group-ID (which the kernel also
/// drops when an unprivileged process writes to a file).
#[cfg(unix)]
fn permission_bits(m: &fs::Metadata) -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(m.permissions().mode() & 0o1777)
}

#[cfg(not(unix))]
fn permission_bits(m: &fs::Metadata) -> fs::Permissions {
    m.permissions()
}
