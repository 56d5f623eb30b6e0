//! Content sniffing for `/bzz` when no content type is known: a subset of Go's
//! `http.DetectContentType` (the signatures web content uses: HTML, XML, PDF, PostScript, byte-order
//! marks, GIF, PNG, JPEG, WebP, BMP, ICO, ZIP, GZIP, RAR, WebAssembly; then text or binary). Go also
//! knows audio, video and font signatures, which are not here: such files sniff as
//! `application/octet-stream` here (see `docs/API.md`).

/// Bytes Go looks at.
pub const SNIFF_LEN: usize = 512;

const HTML_TAGS: &[&[u8]] = &[
    b"<!DOCTYPE HTML",
    b"<HTML",
    b"<HEAD",
    b"<SCRIPT",
    b"<IFRAME",
    b"<H1",
    b"<DIV",
    b"<FONT",
    b"<TABLE",
    b"<A",
    b"<STYLE",
    b"<TITLE",
    b"<B",
    b"<BODY",
    b"<BR",
    b"<P",
    b"<!--",
];

const EXACT: &[(&[u8], &str)] = &[
    (b"%PDF-", "application/pdf"),
    (b"%!PS-Adobe-", "application/postscript"),
    (b"\xFE\xFF", "text/plain; charset=utf-16be"),
    (b"\xFF\xFE", "text/plain; charset=utf-16le"),
    (b"\xEF\xBB\xBF", "text/plain; charset=utf-8"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"\x00\x00\x02\x00", "image/x-icon"),
    (b"BM", "image/bmp"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x89PNG\x0D\x0A\x1A\x0A", "image/png"),
    (b"\xFF\xD8\xFF", "image/jpeg"),
    (b"\x1F\x8B\x08", "application/x-gzip"),
    (b"PK\x03\x04", "application/zip"),
    (b"Rar!\x1A\x07\x00", "application/x-rar-compressed"),
    (b"Rar!\x1A\x07\x01\x00", "application/x-rar-compressed"),
    (b"\x00\x61\x73\x6D", "application/wasm"),
];

fn is_ws(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// The content type of data starting with `data` (only its first [`SNIFF_LEN`] bytes count).
pub fn detect(data: &[u8]) -> &'static str {
    let data = &data[..data.len().min(SNIFF_LEN)];
    let start = data.iter().position(|&b| !is_ws(b)).unwrap_or(data.len());
    let trimmed = &data[start..];
    for tag in HTML_TAGS {
        if trimmed.len() > tag.len()
            && trimmed[..tag.len()].eq_ignore_ascii_case(tag)
            && matches!(trimmed[tag.len()], b' ' | b'>')
        {
            return "text/html; charset=utf-8";
        }
    }
    if trimmed.starts_with(b"<?xml") {
        return "text/xml; charset=utf-8";
    }
    for (sig, ct) in EXACT {
        if data.starts_with(sig) {
            return ct;
        }
    }
    if data.len() >= 14 && &data[..4] == b"RIFF" && &data[8..14] == b"WEBPVP" {
        return "image/webp";
    }
    let binary = data
        .iter()
        .any(|&b| matches!(b, 0x00..=0x08 | 0x0b | 0x0e..=0x1a | 0x1c..=0x1f));
    if binary {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn as_go() {
        assert_eq!(detect(b""), "text/plain; charset=utf-8");
        assert_eq!(detect(b"hello\n"), "text/plain; charset=utf-8");
        assert_eq!(detect(b"  <html><body>"), "text/html; charset=utf-8");
        assert_eq!(detect(b"<!doctype html>"), "text/html; charset=utf-8");
        assert_eq!(detect(b"\x89PNG\r\n\x1a\nxx"), "image/png");
        assert_eq!(detect(b"\x00\x01"), "application/octet-stream");
        assert_eq!(detect(b"<?xml version"), "text/xml; charset=utf-8");
    }
}
