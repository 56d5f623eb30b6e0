//! Parsing of bee's request headers: Go booleans, redundancy levels and strategies, Go durations,
//! batch ids and single byte ranges.
//!
//! Every parser refuses rather than guesses: a value bee would reject is a [`HeaderError`] naming the
//! header and the value, which the API turns into bee's 400 "invalid header params".

use std::time::Duration;

use axum::http::HeaderMap;

use crate::file::Strategy;
use crate::redundancy::Level;

/// Why a header value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct HeaderError {
    /// The header, lower case (as bee reports it).
    pub field: String,
    /// What is wrong, in bee's words where bee has them.
    pub reason: String,
}

fn refuse(field: &str, reason: impl Into<String>) -> HeaderError {
    HeaderError {
        field: field.to_ascii_lowercase(),
        reason: reason.into(),
    }
}

/// The header's value as text, `None` if absent; a value that is not visible ASCII is refused.
pub fn text<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, HeaderError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| refuse(name, "value is not visible ASCII")),
    }
}

/// A boolean as Go's `strconv.ParseBool` reads it (`1 t T TRUE true True 0 f F FALSE false False`).
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// An optional boolean header.
pub fn bool_header(headers: &HeaderMap, name: &str) -> Result<Option<bool>, HeaderError> {
    text(headers, name)?
        .map(|s| parse_go_bool(s).ok_or_else(|| refuse(name, "invalid syntax")))
        .transpose()
}

/// An optional redundancy level header: 0–4; bee's messages for a number out of range and for
/// anything that is not an unsigned number.
pub fn level_header(headers: &HeaderMap, name: &str) -> Result<Option<Level>, HeaderError> {
    let Some(s) = text(headers, name)? else {
        return Ok(None);
    };
    let n: u64 = s.parse().map_err(|_| refuse(name, "invalid syntax"))?;
    u8::try_from(n)
        .ok()
        .and_then(Level::from_u8)
        .map(Some)
        .ok_or_else(|| refuse(name, "want redundancy level to be between 0 and 4"))
}

/// An optional retrieval strategy header: 0–3 (bee's numbering: none, data, prox, race).
pub fn strategy_header(headers: &HeaderMap, name: &str) -> Result<Option<Strategy>, HeaderError> {
    let Some(s) = text(headers, name)? else {
        return Ok(None);
    };
    let n: u64 = s.parse().map_err(|_| refuse(name, "invalid syntax"))?;
    usize::try_from(n)
        .ok()
        .and_then(|i| Strategy::ALL.get(i).copied())
        .map(Some)
        .ok_or_else(|| refuse(name, "want strategy to be between 0 and 3"))
}

/// An optional Go duration header (`"30s"`, `"1m30s"`, `"500ms"`, `"1.5h"`), or a bare number of
/// milliseconds: bee-js sends its `timeoutMs` option that way (bee itself refuses it).
pub fn duration_header(headers: &HeaderMap, name: &str) -> Result<Option<Duration>, HeaderError> {
    text(headers, name)?
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                return s
                    .parse()
                    .map(Duration::from_millis)
                    .map_err(|_| refuse(name, format!("invalid duration {s:?}")));
            }
            parse_go_duration(s).ok_or_else(|| refuse(name, format!("invalid duration {s:?}")))
        })
        .transpose()
}

/// A batch id: exactly 64 hex characters (32 bytes). Returns `None` when absent.
pub fn batch_id_header(headers: &HeaderMap, name: &str) -> Result<Option<[u8; 32]>, HeaderError> {
    let Some(s) = text(headers, name)? else {
        return Ok(None);
    };
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out)
        .map_err(|_| refuse(name, "want 64 hex characters (32 bytes)"))?;
    Ok(Some(out))
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
/// one range: `bytes=a-b`, `bytes=a-`, `bytes=-n` (the last n bytes).
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
        return RangeRequest::Unsatisfiable;
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
        assert_eq!(parse_range(Some("bytes=0-"), 0), Unsatisfiable);
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
    }
}
