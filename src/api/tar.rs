//! A streaming tar reader for `POST /bzz` collections, reading what Go's `archive/tar` reads the way
//! bee uses it: ustar, GNU and PAX headers (long names from GNU `L` entries and PAX `path` records,
//! PAX `size`), a clean end at two zero blocks or at the end of the stream on a block boundary, and
//! bee's view of which entries are regular files. Memory is bounded by one block plus the special
//! headers (at most [`MAX_SPECIAL`] bytes); file data is handed on as it is read.

use std::io::{self, Read};

/// Largest GNU long-name or PAX header read (Go's limit for these records too).
pub const MAX_SPECIAL: u64 = 1 << 20;

const BLOCK: usize = 512;

/// Why a tar stream could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    /// A header is malformed (Go's `tar.ErrHeader`; bee: 400 "invalid filename in tar archive").
    #[error("invalid tar header at byte {offset}: {reason}")]
    Header {
        /// Stream offset of the block.
        offset: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// The stream ends inside a header or an entry's data.
    #[error("tar stream ends unexpectedly at byte {offset}")]
    UnexpectedEof {
        /// Bytes read.
        offset: u64,
    },
    /// A special header over [`MAX_SPECIAL`] bytes.
    #[error("tar special header of {size} bytes at byte {offset}")]
    TooLong {
        /// Stream offset of the block.
        offset: u64,
        /// Its declared size.
        size: u64,
    },
    /// Reading the stream failed.
    #[error("reading the tar stream: {0}")]
    Io(#[from] io::Error),
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// Its name as recorded (PAX or GNU long name applied).
    pub name: Vec<u8>,
    /// Its data size.
    pub size: u64,
    /// Whether Go's `FileInfo().Mode().IsRegular()` holds (bee stores only these).
    pub regular: bool,
}

/// Reads entries one by one; [`TarReader::read_data`] reads the current entry's data.
pub struct TarReader<R> {
    r: R,
    offset: u64,
    remaining: u64,
    pad: u64,
}

fn parse_number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        // base-256: the rest of the bits, big-endian; negative numbers are refused.
        if field[0] & 0x40 != 0 {
            return None;
        }
        let mut v: u64 = u64::from(field[0] & 0x3f);
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let s: Vec<u8> = field
        .iter()
        .copied()
        .filter(|&b| b != 0)
        .collect::<Vec<u8>>();
    let t = s.trim_ascii();
    if t.is_empty() {
        return Some(0);
    }
    let mut v: u64 = 0;
    for &b in t {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

fn cstr(field: &[u8]) -> &[u8] {
    match field.iter().position(|&b| b == 0) {
        Some(i) => &field[..i],
        None => field,
    }
}

impl<R: Read> TarReader<R> {
    /// A reader over `r`.
    pub fn new(r: R) -> Self {
        TarReader {
            r,
            offset: 0,
            remaining: 0,
            pad: 0,
        }
    }

    /// Fills `buf`; returns the bytes read (less than its length only at the end of the stream).
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, TarError> {
        let mut n = 0;
        while n < buf.len() {
            match self.r.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(TarError::Io(e)),
            }
        }
        self.offset += n as u64;
        Ok(n)
    }

    fn skip(&mut self, mut n: u64) -> Result<(), TarError> {
        let mut buf = [0u8; BLOCK * 8];
        while n > 0 {
            let want = n.min(buf.len() as u64) as usize;
            let got = self.fill(&mut buf[..want])?;
            if got < want {
                return Err(TarError::UnexpectedEof {
                    offset: self.offset,
                });
            }
            n -= want as u64;
        }
        Ok(())
    }

    fn read_special(&mut self, size: u64, at: u64) -> Result<Vec<u8>, TarError> {
        if size > MAX_SPECIAL {
            return Err(TarError::TooLong { offset: at, size });
        }
        let mut data = vec![0u8; size as usize];
        if self.fill(&mut data)? < data.len() {
            return Err(TarError::UnexpectedEof {
                offset: self.offset,
            });
        }
        self.skip((BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64)?;
        Ok(data)
    }

    /// The next entry, or `None` at the end of the archive. Skips what is left of the previous
    /// entry's data.
    pub fn next_entry(&mut self) -> Result<Option<TarEntry>, TarError> {
        self.skip(self.remaining + self.pad)?;
        self.remaining = 0;
        self.pad = 0;
        let mut long_name: Option<Vec<u8>> = None;
        let mut pax_path: Option<Vec<u8>> = None;
        let mut pax_size: Option<u64> = None;
        loop {
            let at = self.offset;
            let header_err = |reason| TarError::Header { offset: at, reason };
            let mut block = [0u8; BLOCK];
            match self.fill(&mut block)? {
                0 => return Ok(None),
                BLOCK => {}
                _ => {
                    return Err(TarError::UnexpectedEof {
                        offset: self.offset,
                    })
                }
            }
            if block.iter().all(|&b| b == 0) {
                let mut next = [0u8; BLOCK];
                return match self.fill(&mut next)? {
                    0 => Ok(None),
                    BLOCK if next.iter().all(|&b| b == 0) => Ok(None),
                    BLOCK => Err(header_err("a zero block not followed by another")),
                    _ => Err(TarError::UnexpectedEof {
                        offset: self.offset,
                    }),
                };
            }
            let recorded =
                parse_number(&block[148..156]).ok_or(header_err("bad checksum field"))?;
            let unsigned: u64 = block
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    if (148..156).contains(&i) {
                        32
                    } else {
                        u64::from(b)
                    }
                })
                .sum();
            let signed: i64 = block
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    if (148..156).contains(&i) {
                        32
                    } else {
                        i64::from(b as i8)
                    }
                })
                .sum();
            if recorded != unsigned && i64::try_from(recorded).ok() != Some(signed) {
                return Err(header_err("checksum mismatch"));
            }
            let size = parse_number(&block[124..136]).ok_or(header_err("bad size field"))?;
            let mode = parse_number(&block[100..108]).ok_or(header_err("bad mode field"))?;
            let typeflag = block[156];
            let magic = &block[257..265];
            let ustar = magic == b"ustar\x0000";
            let mut name = cstr(&block[..100]).to_vec();
            if ustar {
                let prefix = cstr(&block[345..500]);
                if !prefix.is_empty() {
                    let mut full = prefix.to_vec();
                    full.push(b'/');
                    full.extend_from_slice(&name);
                    name = full;
                }
            }
            match typeflag {
                b'x' => {
                    let data = self.read_special(size, at)?;
                    parse_pax(&data, &mut pax_path, &mut pax_size)
                        .ok_or(header_err("malformed PAX record"))?;
                    continue;
                }
                b'L' => {
                    let data = self.read_special(size, at)?;
                    long_name = Some(cstr(&data).to_vec());
                    continue;
                }
                b'K' => {
                    self.read_special(size, at)?;
                    continue;
                }
                b'g' => {
                    // Go hands a global PAX header to the caller as an entry without data.
                    self.read_special(size, at)?;
                    return Ok(Some(TarEntry {
                        name,
                        size: 0,
                        regular: true,
                    }));
                }
                _ => {}
            }
            if let Some(n) = pax_path.take().or(long_name.take()) {
                name = n;
            }
            let size = pax_size.unwrap_or(size);
            let mut regular = !matches!(typeflag, b'2' | b'3' | b'4' | b'5' | b'6');
            if typeflag == 0 && name.ends_with(b"/") {
                regular = false;
            }
            // Go's FileInfo also reads the type bits of the mode field.
            if matches!(
                mode & !0o7777,
                0o40000 | 0o10000 | 0o120000 | 0o60000 | 0o20000 | 0o140000
            ) {
                regular = false;
            }
            // Entries of other types keep their data in the stream too (hard links have none).
            let data_size = if matches!(typeflag, b'1' | b'2' | b'3' | b'4' | b'5' | b'6') {
                0
            } else {
                size
            };
            self.remaining = data_size;
            self.pad = (BLOCK as u64 - data_size % BLOCK as u64) % BLOCK as u64;
            return Ok(Some(TarEntry {
                name,
                size: data_size,
                regular,
            }));
        }
    }

    /// Reads the current entry's data; `Ok(0)` at its end.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize, TarError> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = self.remaining.min(buf.len() as u64) as usize;
        let got = self.fill(&mut buf[..want])?;
        if got == 0 {
            return Err(TarError::UnexpectedEof {
                offset: self.offset,
            });
        }
        self.remaining -= got as u64;
        Ok(got)
    }
}

/// PAX records `"<len> <key>=<value>\n"`: keeps `path` and `size`.
fn parse_pax(mut data: &[u8], path: &mut Option<Vec<u8>>, size: &mut Option<u64>) -> Option<()> {
    while !data.is_empty() {
        let sp = data.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&data[..sp]).ok()?.parse().ok()?;
        if len <= sp + 1 || len > data.len() || data[len - 1] != b'\n' {
            return None;
        }
        let record = &data[sp + 1..len - 1];
        let eq = record.iter().position(|&b| b == b'=')?;
        let (key, value) = (&record[..eq], &record[eq + 1..]);
        match key {
            b"path" => *path = Some(value.to_vec()),
            b"size" => *size = Some(std::str::from_utf8(value).ok()?.parse().ok()?),
            _ => {}
        }
        data = &data[len..];
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &[u8], size: u64, typeflag: u8) -> Vec<u8> {
        let mut b = vec![0u8; BLOCK];
        b[..name.len()].copy_from_slice(name);
        b[100..107].copy_from_slice(b"0000644");
        b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        b[156] = typeflag;
        b[257..265].copy_from_slice(b"ustar\x0000");
        b[148..156].copy_from_slice(b"        ");
        let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        b
    }

    #[test]
    fn reads_entries_and_ends() {
        let mut t = header(b"a/b.txt", 3, b'0');
        t.extend_from_slice(b"abc");
        t.resize(t.len() + 509, 0);
        t.extend(header(b"dir/", 0, b'5'));
        t.resize(t.len() + 1024, 0);
        let mut r = TarReader::new(&t[..]);
        let e = r.next_entry().unwrap().unwrap();
        assert_eq!(
            (e.name.as_slice(), e.size, e.regular),
            (&b"a/b.txt"[..], 3, true)
        );
        let mut buf = [0u8; 10];
        assert_eq!(r.read_data(&mut buf).unwrap(), 3);
        let d = r.next_entry().unwrap().unwrap();
        assert!(!d.regular);
        assert!(r.next_entry().unwrap().is_none());
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut t = header(b"x", 3, b'0');
        t[0] = b'y';
        assert!(matches!(
            TarReader::new(&t[..]).next_entry(),
            Err(TarError::Header { .. })
        ));
        let t = header(b"x", 3, b'0');
        let mut r = TarReader::new(&t[..]);
        r.next_entry().unwrap();
        let mut buf = [0u8; 10];
        assert!(matches!(
            r.read_data(&mut buf),
            Err(TarError::UnexpectedEof { .. })
        ));
        assert!(matches!(
            TarReader::new(&t[..100]).next_entry(),
            Err(TarError::UnexpectedEof { .. })
        ));
    }
}
