//! Parsing of bee's request headers: Go booleans, numbers and hex, redundancy levels and strategies,
//! Go durations and single byte ranges.
//!
//! Every parser refuses rather than guesses: a value bee would reject is a [`HeaderError`] naming the
//! header and the reason in bee's words. bee checks headers in two passes (its `mapStructure`, then
//! its validator) and so does [`HeaderErrors`]: every value that does not parse is reported, and only
//! when all parse, every value that is not allowed. The API answers either with bee's 400
//! `"invalid header params"` listing them.

use std::borrow::Cow;
use std::time::Duration;

use axum::http::HeaderMap;

use crate::file::Strategy;
use crate::redundancy::Level;

/// Which of bee's two passes refused a header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderErrorKind {
    /// The value does not parse (bee's `mapStructure`); bee names the header as its code spells it
    /// (`Swarm-Redundancy-Level`).
    Syntax,
    /// The value parses but is not allowed (bee's validator); bee names the header in lower case.
    Invalid,
}

/// Why a header value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct HeaderError {
    /// The header, as bee reports it for this kind of error.
    pub field: String,
    /// What is wrong, in bee's words where bee has them.
    pub reason: String,
    /// Which pass refused it.
    pub kind: HeaderErrorKind,
}

impl HeaderError {
    /// A value that does not parse.
    pub fn syntax(field: &str, reason: impl Into<String>) -> HeaderError {
        HeaderError {
            field: field.to_string(),
            reason: reason.into(),
            kind: HeaderErrorKind::Syntax,
        }
    }

    /// A value that parses but is not allowed (or a required header that is missing).
    pub fn invalid(field: &str, reason: impl Into<String>) -> HeaderError {
        HeaderError {
            field: field.to_ascii_lowercase(),
            reason: reason.into(),
            kind: HeaderErrorKind::Invalid,
        }
    }

    /// bee's reason for a required header that is absent or empty.
    pub fn required(field: &str) -> HeaderError {
        HeaderError::invalid(field, "want required:")
    }
}

/// The errors of one request's headers, gathered in bee's two passes.
#[derive(Debug, Default)]
pub struct HeaderErrors {
    syntax: Vec<HeaderError>,
    invalid: Vec<HeaderError>,
}

impl HeaderErrors {
    /// The value of `parsed`, or `None` with its error recorded.
    pub fn check<T>(&mut self, parsed: Result<Option<T>, HeaderError>) -> Option<T> {
        match parsed {
            Ok(value) => value,
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    /// Records `e`.
    pub fn push(&mut self, e: HeaderError) {
        match e.kind {
            HeaderErrorKind::Syntax => self.syntax.push(e),
            HeaderErrorKind::Invalid => self.invalid.push(e),
        }
    }

    /// The values that do not parse if any, else those that are not allowed, else `Ok`.
    pub fn finish(self) -> Result<(), Vec<HeaderError>> {
        if !self.syntax.is_empty() {
            Err(self.syntax)
        } else if !self.invalid.is_empty() {
            Err(self.invalid)
        } else {
            Ok(())
        }
    }
}

/// Go's reason for text that is not a number.
pub const INVALID_SYNTAX: &str = "invalid syntax";
/// Go's reason for a number too large for its type.
pub const OUT_OF_RANGE: &str = "value out of range";

/// The header's raw value without surrounding blanks (as Go's server hands it to bee), `None` if
/// absent. Of several values the first counts, as in bee.
pub fn raw<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h [u8]> {
    let v = headers.get(name)?.as_bytes();
    let start = v.iter().position(|b| !matches!(b, b' ' | b'\t'));
    let end = v.iter().rposition(|b| !matches!(b, b' ' | b'\t'));
    Some(match (start, end) {
        (Some(s), Some(e)) => &v[s..=e],
        _ => &[],
    })
}

/// The header's value as text, `None` if absent. Bytes that are not UTF-8 become U+FFFD, which no
/// parser here accepts, as none of Go's accepts the original bytes.
pub fn text<'h>(headers: &'h HeaderMap, name: &str) -> Option<Cow<'h, str>> {
    raw(headers, name).map(String::from_utf8_lossy)
}

/// A boolean as Go's `strconv.ParseBool` reads it (`1 t T TRUE true True 0 f F FALSE false False`).
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// An unsigned decimal number of `bits` bits as Go's `strconv.ParseUint(s, 10, bits)` reads it, with
/// its errors ([`INVALID_SYNTAX`], [`OUT_OF_RANGE`]): digits only, no sign, no blanks.
pub fn parse_go_uint(s: &str, bits: u32) -> Result<u64, &'static str> {
    if s.is_empty() {
        return Err(INVALID_SYNTAX);
    }
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(INVALID_SYNTAX);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .filter(|&n| n <= max)
            .ok_or(OUT_OF_RANGE)?;
    }
    Ok(n)
}

/// A signed 64-bit decimal number as Go's `strconv.ParseInt(s, 10, 64)` reads it.
pub fn parse_go_int(s: &str) -> Result<i64, &'static str> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_go_uint(digits, 64)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude).ok_or(OUT_OF_RANGE)
    } else {
        i64::try_from(magnitude).map_err(|_| OUT_OF_RANGE)
    }
}

/// Decodes hex as Go's `hex.DecodeString` does, with bee's reasons: `odd length hex string`, or
/// `invalid hex byte: U+0047 'G'` for the first byte that is no hex digit (checked before the
/// length, as Go does).
pub fn decode_go_hex(s: &[u8]) -> Result<Vec<u8>, String> {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let invalid = |b: u8| {
        // Go's `%#U` of the byte as a rune: the character is shown when Go deems it printable.
        let printable = (0x20..=0x7e).contains(&b) || (b >= 0xa1 && b != 0xad);
        if printable {
            format!("invalid hex byte: U+{b:04X} '{}'", char::from(b))
        } else {
            format!("invalid hex byte: U+{b:04X}")
        }
    };
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut pairs = s.chunks_exact(2);
    for pair in &mut pairs {
        let hi = nibble(pair[0]).ok_or_else(|| invalid(pair[0]))?;
        let lo = nibble(pair[1]).ok_or_else(|| invalid(pair[1]))?;
        out.push(hi << 4 | lo);
    }
    if let [last] = pairs.remainder() {
        nibble(*last).ok_or_else(|| invalid(*last))?;
        return Err("odd length hex string".into());
    }
    Ok(out)
}

/// An optional boolean header.
pub fn bool_header(headers: &HeaderMap, name: &str) -> Result<Option<bool>, HeaderError> {
    text(headers, name)
        .map(|s| parse_go_bool(&s).ok_or_else(|| HeaderError::syntax(name, INVALID_SYNTAX)))
        .transpose()
}

/// An optional unsigned number header of `bits` bits (bee's `uint64` fields: `Swarm-Tag`).
pub fn uint_header(headers: &HeaderMap, name: &str, bits: u32) -> Result<Option<u64>, HeaderError> {
    text(headers, name)
        .map(|s| parse_go_uint(&s, bits).map_err(|e| HeaderError::syntax(name, e)))
        .transpose()
}

/// An optional signed number header (bee's `int` fields: `Swarm-Lookahead-Buffer-Size`).
pub fn int_header(headers: &HeaderMap, name: &str) -> Result<Option<i64>, HeaderError> {
    text(headers, name)
        .map(|s| parse_go_int(&s).map_err(|e| HeaderError::syntax(name, e)))
        .transpose()
}

/// An optional hex header (bee's `[]byte` and address fields): `None` when absent or empty, as Go's
/// nil slice.
pub fn hex_header(headers: &HeaderMap, name: &str) -> Result<Option<Vec<u8>>, HeaderError> {
    match raw(headers, name) {
        None | Some([]) => Ok(None),
        Some(v) => decode_go_hex(v)
            .map(Some)
            .map_err(|e| HeaderError::syntax(name, e)),
    }
}

/// An optional redundancy level header: a `uint8` (else Go's syntax or range error) from 0 to 4
/// (else bee's validation message).
pub fn level_header(headers: &HeaderMap, name: &str) -> Result<Option<Level>, HeaderError> {
    let Some(s) = text(headers, name) else {
        return Ok(None);
    };
    let n = parse_go_uint(&s, 8).map_err(|e| HeaderError::syntax(name, e))?;
    u8::try_from(n)
        .ok()
        .and_then(Level::from_u8)
        .map(Some)
        .ok_or_else(|| HeaderError::invalid(name, "want redundancy level to be between 0 and 4"))
}

/// An optional retrieval strategy header: an `int` (bee's type) from 0 to 3 (bee's numbering: none,
/// data, prox, race).
pub fn strategy_header(headers: &HeaderMap, name: &str) -> Result<Option<Strategy>, HeaderError> {
    let Some(s) = text(headers, name) else {
        return Ok(None);
    };
    let n = parse_go_int(&s).map_err(|e| HeaderError::syntax(name, e))?;
    usize::try_from(n)
        .ok()
        .and_then(|i| Strategy::ALL.get(i).copied())
        .map(Some)
        .ok_or_else(|| HeaderError::invalid(name, "want strategy to be between 0 and 3"))
}

/// An optional Go duration header (`"30s"`, `"1m30s"`, `"500ms"`, `"1.5h"`), or a bare number of
/// milliseconds: bee-js sends its `timeoutMs` option that way (bee itself refuses it).
pub fn duration_header(headers: &HeaderMap, name: &str) -> Result<Option<Duration>, HeaderError> {
    text(headers, name)
        .map(|s| {
            let refuse = || HeaderError::syntax(name, format!("invalid duration {s:?}"));
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                return s.parse().map(Duration::from_millis).map_err(|_| refuse());
            }
            parse_go_duration(&s).ok_or_else(refuse)
        })
        .transpose()
}

/// Longest duration text accepted; Go's own strings are far shorter.
const MAX_DURATION_LEN: usize = 64;

/// Parses a non-negative Go duration (`time.ParseDuration`): a sequence of decimal numbers, each with
/// an optional fraction and a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), or `"0"`. Negative values,
/// missing units and overflow are refused.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    if s.is_empty() || s.len() > MAX_DURATION_LEN {
        return None;
    }
    let rest = s.strip_prefix('+').unwrap_or(s);
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = rest;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                a.split_at(n)
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, after) = after.split_at(unit_len);
        let nanos_per: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        let mut value = whole.checked_mul(nanos_per)?;
        // Digits beyond nanosecond precision do not matter; 18 keeps the arithmetic in range.
        let frac = &frac_part[..frac_part.len().min(18)];
        if !frac.is_empty() {
            let digits: u128 = frac.parse().ok()?;
            let scale = 10u128.pow(frac.len() as u32);
            value = value.checked_add(digits.checked_mul(nanos_per)? / scale)?;
        }
        total = total.checked_add(value)?;
        rest = after;
    }
    let nanos = u64::try_from(total).ok()?;
    Some(Duration::from_nanos(nanos))
}

/// What a `Range` header asks of a file of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable single range: send the whole file (absent header, or several ranges, which this API
    /// does not serve as multipart).
    Full,
    /// Bytes `start .. start + len`.
    Partial {
        /// First byte.
        start: u64,
        /// Number of bytes (at least 1).
        len: u64,
    },
    /// Malformed, or no byte of the range lies in the file: 416.
    Unsatisfiable,
}

/// Interprets a `Range` header value for a file of `size` bytes, as Go's `http.ServeContent` does for
/// one range: `bytes=a-b`, `bytes=a-`, `bytes=-n` (the last n bytes); a range that starts beyond
/// an empty file is ignored.
pub fn parse_range(value: Option<&str>, size: u64) -> RangeRequest {
    let Some(value) = value else {
        return RangeRequest::Full;
    };
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeRequest::Unsatisfiable;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Unsatisfiable;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    if first.is_empty() {
        // Suffix range: the last n bytes.
        let Some(n) = number(last) else {
            return RangeRequest::Unsatisfiable;
        };
        if n == 0 || size == 0 {
            return RangeRequest::Unsatisfiable;
        }
        let len = n.min(size);
        return RangeRequest::Partial {
            start: size - len,
            len,
        };
    }
    let Some(start) = number(first) else {
        return RangeRequest::Unsatisfiable;
    };
    if start >= size {
        // No overlap. Go ignores such a range on an empty file (some clients send a range with
        // every request) and answers 200.
        return if size == 0 {
            RangeRequest::Full
        } else {
            RangeRequest::Unsatisfiable
        };
    }
    let end = if last.is_empty() {
        size - 1
    } else {
        match number(last) {
            Some(e) if e >= start => e.min(size - 1),
            _ => return RangeRequest::Unsatisfiable,
        }
    };
    RangeRequest::Partial {
        start,
        len: end - start + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let ms = Duration::from_millis;
        assert_eq!(parse_go_duration("30s"), Some(ms(30_000)));
        assert_eq!(parse_go_duration("500ms"), Some(ms(500)));
        assert_eq!(parse_go_duration("1m30s"), Some(ms(90_000)));
        assert_eq!(parse_go_duration("1.5h"), Some(ms(5_400_000)));
        assert_eq!(parse_go_duration(".5s"), Some(ms(500)));
        assert_eq!(parse_go_duration("10us"), Some(Duration::from_micros(10)));
        assert_eq!(parse_go_duration("10µs"), Some(Duration::from_micros(10)));
        assert_eq!(parse_go_duration("7ns"), Some(Duration::from_nanos(7)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        for bad in [
            "",
            "30",
            "-1s",
            "1x",
            "s",
            ".s",
            "1..5s",
            "99999999999999999999h",
        ] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn ranges() {
        use RangeRequest::*;
        assert_eq!(parse_range(None, 10), Full);
        assert_eq!(
            parse_range(Some("bytes=0-0"), 10),
            Partial { start: 0, len: 1 }
        );
        assert_eq!(
            parse_range(Some("bytes=2-"), 10),
            Partial { start: 2, len: 8 }
        );
        assert_eq!(
            parse_range(Some("bytes=2-100"), 10),
            Partial { start: 2, len: 8 }
        );
        assert_eq!(
            parse_range(Some("bytes=-3"), 10),
            Partial { start: 7, len: 3 }
        );
        assert_eq!(
            parse_range(Some("bytes=-30"), 10),
            Partial { start: 0, len: 10 }
        );
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Full);
        for bad in [
            "bytes=10-",
            "bytes=5-4",
            "items=0-1",
            "bytes=x-1",
            "bytes=-0",
            "bytes=1",
        ] {
            assert_eq!(parse_range(Some(bad), 10), Unsatisfiable, "{bad}");
        }
        // A range on an empty file that does not overlap it is ignored, as Go's.
        assert_eq!(parse_range(Some("bytes=0-"), 0), Full);
        assert_eq!(parse_range(Some("bytes=10-20"), 0), Full);
        assert_eq!(parse_range(Some("bytes=x-1"), 0), Unsatisfiable);
    }

    #[test]
    fn levels_and_bools() {
        let mut h = HeaderMap::new();
        h.insert("swarm-redundancy-level", "5".parse().unwrap());
        assert_eq!(
            level_header(&h, "Swarm-Redundancy-Level")
                .unwrap_err()
                .reason,
            "want redundancy level to be between 0 and 4"
        );
        h.insert("swarm-redundancy-level", "-1".parse().unwrap());
        assert_eq!(
            level_header(&h, "Swarm-Redundancy-Level")
                .unwrap_err()
                .reason,
            "invalid syntax"
        );
        h.insert("swarm-redundancy-level", "3".parse().unwrap());
        assert_eq!(
            level_header(&h, "Swarm-Redundancy-Level").unwrap(),
            Some(Level::Insane)
        );
        assert_eq!(parse_go_bool("True"), Some(true));
        assert_eq!(parse_go_bool("yes"), None);
        // Go's range error for a number over 8 bits is a parse error, named as bee's code does.
        h.insert("swarm-redundancy-level", "256".parse().unwrap());
        let e = level_header(&h, "Swarm-Redundancy-Level").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str(), e.kind),
            (
                "Swarm-Redundancy-Level",
                OUT_OF_RANGE,
                HeaderErrorKind::Syntax
            )
        );
    }

    #[test]
    fn go_numbers() {
        assert_eq!(parse_go_uint("255", 8), Ok(255));
        assert_eq!(parse_go_uint("256", 8), Err(OUT_OF_RANGE));
        assert_eq!(parse_go_uint("18446744073709551615", 64), Ok(u64::MAX));
        assert_eq!(parse_go_uint("18446744073709551616", 64), Err(OUT_OF_RANGE));
        // Go reports overflow as soon as it happens, before a later bad digit.
        assert_eq!(parse_go_uint("999x", 8), Err(OUT_OF_RANGE));
        for bad in ["", "+1", "-1", " 1", "1_0", "0x1", "١"] {
            assert_eq!(parse_go_uint(bad, 64), Err(INVALID_SYNTAX), "{bad:?}");
        }
        assert_eq!(parse_go_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_go_int("+9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_go_int("9223372036854775808"), Err(OUT_OF_RANGE));
        assert_eq!(parse_go_int("-9223372036854775809"), Err(OUT_OF_RANGE));
        for bad in ["", "-", "+", "--1", "1.0"] {
            assert_eq!(parse_go_int(bad), Err(INVALID_SYNTAX), "{bad:?}");
        }
    }

    #[test]
    fn go_hex() {
        assert_eq!(decode_go_hex(b""), Ok(vec![]));
        assert_eq!(decode_go_hex(b"0aFf"), Ok(vec![0x0a, 0xff]));
        assert_eq!(decode_go_hex(b"123").unwrap_err(), "odd length hex string");
        assert_eq!(
            decode_go_hex(b"123G").unwrap_err(),
            "invalid hex byte: U+0047 'G'"
        );
        // A bad byte is reported before an odd length, as Go does.
        assert_eq!(
            decode_go_hex(b"12G").unwrap_err(),
            "invalid hex byte: U+0047 'G'"
        );
        assert_eq!(
            decode_go_hex(b"\x00").unwrap_err(),
            "invalid hex byte: U+0000"
        );
        assert_eq!(
            decode_go_hex("é".as_bytes()).unwrap_err(),
            "invalid hex byte: U+00C3 'Ã'"
        );
        assert_eq!(
            decode_go_hex(b"\x85").unwrap_err(),
            "invalid hex byte: U+0085"
        );
    }

    #[test]
    fn two_passes() {
        let mut h = HeaderMap::new();
        h.insert("swarm-redundancy-level", "9".parse().unwrap());
        h.insert("swarm-pin", "maybe".parse().unwrap());
        let mut errors = HeaderErrors::default();
        errors.check(level_header(&h, "Swarm-Redundancy-Level"));
        errors.check(bool_header(&h, "Swarm-Pin"));
        let reported = errors.finish().unwrap_err();
        assert_eq!(reported.len(), 1, "only the value that does not parse");
        assert_eq!(reported[0].field, "Swarm-Pin");
        let mut errors = HeaderErrors::default();
        errors.check(level_header(&h, "Swarm-Redundancy-Level"));
        errors.push(HeaderError::required("Swarm-Postage-Batch-Id"));
        let reported = errors.finish().unwrap_err();
        assert_eq!(
            reported
                .iter()
                .map(|e| e.field.as_str())
                .collect::<Vec<_>>(),
            ["swarm-redundancy-level", "swarm-postage-batch-id"]
        );
        // Blanks around a value do not count; an empty hex value is absent.
        h.insert("swarm-tag", " 7\t".parse().unwrap());
        assert_eq!(uint_header(&h, "Swarm-Tag", 64), Ok(Some(7)));
        h.insert("swarm-postage-batch-id", "".parse().unwrap());
        assert_eq!(hex_header(&h, "Swarm-Postage-Batch-Id"), Ok(None));
    }
}
