//! Fork metadata as bee writes and reads it: a JSON object of strings encoded exactly as Go's
//! `encoding/json` encodes a `map[string]string` (keys in byte order, HTML-safe escapes), and read
//! as Go reads it (trailing padding whitespace, `null` for no metadata, invalid UTF-8 replaced).

use std::collections::BTreeMap;

/// Metadata of a manifest entry: string keys to string values, in key order (Go sorts map keys).
pub type Metadata = BTreeMap<String, String>;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Go's `json.Marshal(map[string]string)`.
pub fn encode(metadata: &Metadata) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + metadata.len() * 32);
    out.push(b'{');
    for (i, (k, v)) in metadata.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(&mut out, k);
        out.push(b':');
        string(&mut out, v);
    }
    out.push(b'}');
    out
}

/// One JSON string as Go's encoder writes it with HTML escaping on (its default).
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => {
                let b = c as u32 as u8;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
            '\u{2028}' => out.extend_from_slice(b"\\u2028"),
            '\u{2029}' => out.extend_from_slice(b"\\u2029"),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Bytes as a string the way Go ranges over them: each byte that does not start a valid UTF-8
/// sequence becomes one U+FFFD.
pub fn go_lossy(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        s.push_str(chunk.valid());
        for _ in chunk.invalid() {
            s.push('\u{fffd}');
        }
    }
    s
}

/// Go's `json.Unmarshal` into a `map[string]string`: `null` is no metadata.
pub fn decode(bytes: &[u8]) -> Result<Metadata, String> {
    let text = go_lossy(bytes);
    serde_json::from_str::<Option<Metadata>>(&text)
        .map(Option::unwrap_or_default)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_go() {
        let mut m = Metadata::new();
        m.insert("b".into(), "<a href=\"x\">&\u{2028}\u{1}\u{8}é".into());
        m.insert("a".into(), "\\\n".into());
        assert_eq!(
            String::from_utf8(encode(&m)).unwrap(),
            r#"{"a":"\\\n","b":"\u003ca href=\"x\"\u003e\u0026\u2028\u0001\bé"}"#
        );
        assert_eq!(encode(&Metadata::new()), b"{}");
    }

    #[test]
    fn decodes_padding_and_null() {
        assert_eq!(decode(b"null\n\n").unwrap(), Metadata::new());
        let m = decode(b"{\"k\":\"v\"}\n\n\n").unwrap();
        assert_eq!(m.get("k").map(String::as_str), Some("v"));
        assert!(decode(b"{\"k\":1}").is_err());
        assert_eq!(go_lossy(b"a\xe2\x82b"), "a\u{fffd}\u{fffd}b");
    }
}
