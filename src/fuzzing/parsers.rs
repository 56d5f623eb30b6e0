//! Target `parsers`: every function that reads untrusted text or bytes outside the tree walk and the
//! network: spans, references and addresses, level and strategy names, sizes, the HTTP header parsers
//! (booleans, levels, strategies, durations, batch ids, byte ranges), chunk and SOC decoding, encrypted
//! chunk decryption, the bee-rand fixture seed, payload sizes and proofs, and postage batch claims.
//!
//! Input: a selector byte (which parser; 0xff runs all of them), then the rest as bytes, or as text
//! where the parser takes text (invalid UTF-8 is read lossily). Beyond not panicking, each parser is
//! held to its own contract: what it accepts prints back to itself, a range lies inside the file,
//! a chunk it accepts hashes to its address.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use std::str::FromStr;

use super::input::Input;
use crate::address::Address;
use crate::api::headers::{self, RangeRequest};
use crate::bmt;
use crate::cac::{self, Chunk};
use crate::cost;
use crate::encryption::{self, BeeRand};
use crate::file::Strategy;
use crate::identity::key::EthAddress;
use crate::postage::{BatchClaim, PostageError};
use crate::redundancy::{count, table, Level};
use crate::reference::Reference;
use crate::soc;
use crate::span;

/// The parsers, in selector order.
pub const PARSERS: [&str; 14] = [
    "span",
    "reference",
    "address",
    "level",
    "strategy",
    "size",
    "duration",
    "range",
    "headers",
    "chunk",
    "soc",
    "encrypted",
    "counts",
    "claim",
];

/// Runs one input; panics on a bug.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector == 0xff {
        for i in 0..PARSERS.len() {
            one(i, rest);
        }
    } else {
        one(usize::from(selector) % PARSERS.len(), rest);
    }
}

fn one(which: usize, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    match which {
        0 => span_(data),
        1 => reference(text, data),
        2 => address(text, data),
        3 => level(text, data),
        4 => strategy(text),
        5 => size(text),
        6 => duration(text),
        7 => range(data),
        8 => header_map(data),
        9 => chunk(data),
        10 => soc_(data),
        11 => encrypted(data),
        12 => counts(data),
        _ => claim(text),
    }
}

fn span_(data: &[u8]) {
    let mut input = Input::new(data);
    let bytes: [u8; 8] = input.array();
    let (level, value) = span::decode(&bytes);
    if level != Level::None {
        assert!(bytes[7] > 0x80, "a level from a byte without the flag");
        assert_eq!(span::encode(value, level), bytes, "span round trip");
    } else {
        assert_eq!(value, u64::from_le_bytes(bytes), "plain span is the number");
    }
    assert_eq!(
        span::of_data(data)[..data.len().min(8)],
        data[..data.len().min(8)]
    );
}

fn reference(text: &str, data: &[u8]) {
    if let Ok(r) = Reference::from_str(text) {
        let hex = r.to_hex();
        assert!(hex.len() == 64 || hex.len() == 128, "reference hex length");
        assert_eq!(
            Reference::from_str(&hex).ok(),
            Some(r),
            "reference round trip"
        );
        assert_eq!(Reference::from_bytes(&r.to_bytes()), Some(r));
        let digits = text.trim();
        let digits = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
            .unwrap_or(digits);
        assert!(
            digits.eq_ignore_ascii_case(&hex),
            "reference parsed other digits"
        );
    }
    if let Some(r) = Reference::from_bytes(data) {
        assert_eq!(r.to_bytes(), data, "reference bytes round trip");
    }
    let _ = encryption::split_reference(data);
}

fn address(text: &str, data: &[u8]) {
    if let Ok(a) = Address::from_str(text) {
        assert_eq!(Address::from_hex(&a.to_hex()), Ok(a), "address round trip");
    }
    let _ = Address::from_hex(text);
    if let Some(a) = Address::from_slice(data) {
        assert_eq!(&a.0[..], data);
    }
    let mut input = Input::new(data);
    let (x, y, z) = (
        Address(input.array()),
        Address(input.array()),
        Address(input.array()),
    );
    let (dx, dy) = (z.distance(&x), z.distance(&y));
    assert_eq!(z.distance_cmp(&x, &y), -(z.distance_cmp(&y, &x)));
    assert_eq!(dx.cmp(&dy) == std::cmp::Ordering::Equal, x == y);
    assert_eq!(x.proximity(&y), y.proximity(&x), "proximity is symmetric");
}

fn level(text: &str, data: &[u8]) {
    if let Ok(l) = Level::from_str(text) {
        assert_eq!(Level::from_str(l.name()), Ok(l), "level name round trip");
        assert_eq!(Level::from_u8(l.as_u8()), Some(l));
    }
    if let Some(&b) = data.first() {
        if let Some(l) = Level::from_u8(b) {
            assert_eq!(l.as_u8(), b);
        }
    }
}

fn strategy(text: &str) {
    if let Ok(s) = Strategy::from_str(text) {
        assert_eq!(Strategy::from_str(s.name()), Ok(s), "strategy round trip");
    }
}

fn size(text: &str) {
    if let Ok(n) = cost::parse_size(text) {
        assert_eq!(cost::parse_size(&n.to_string()), Ok(n), "size round trip");
    }
}

fn duration(text: &str) {
    if let Some(d) = headers::parse_go_duration(text) {
        let nanos = d.as_nanos();
        assert_eq!(
            headers::parse_go_duration(&format!("{nanos}ns")),
            Some(d),
            "duration round trip"
        );
    }
    let _ = headers::parse_go_bool(text);
}

fn range(data: &[u8]) {
    let mut input = Input::new(data);
    let size = match input.u8() % 4 {
        0 => u64::from(input.u8()),
        1 => u64::from(input.u32()),
        2 => u64::MAX - u64::from(input.u8()),
        _ => input.u64(),
    };
    let text = String::from_utf8_lossy(input.rest());
    match headers::parse_range(Some(&text), size) {
        RangeRequest::Full | RangeRequest::Unsatisfiable => {}
        RangeRequest::Partial { start, len } => {
            assert!(len >= 1, "empty partial range");
            assert!(
                start < size && len <= size - start,
                "range {start}+{len} outside a file of {size} bytes"
            );
        }
    }
}

/// Headers as name/value lines; each known header parser runs on the map.
fn header_map(data: &[u8]) {
    let mut map = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            map.append(n, v);
        }
    }
    for name in [
        "swarm-redundancy-level",
        "swarm-redundancy-strategy",
        "swarm-redundancy-fallback-mode",
        "swarm-chunk-retrieval-timeout",
        "swarm-postage-batch-id",
        "swarm-encrypt",
    ] {
        let _ = headers::text(&map, name);
        let _ = headers::bool_header(&map, name);
        if let Ok(Some(l)) = headers::level_header(&map, name) {
            assert!(l.as_u8() <= 4);
        }
        let _ = headers::strategy_header(&map, name);
        let _ = headers::duration_header(&map, name);
        let _ = headers::uint_header(&map, name, 64);
        let _ = headers::int_header(&map, name);
        let _ = headers::hex_header(&map, name);
        if let Some(t) = headers::text(&map, name) {
            let _ = headers::parse_go_bool(&t);
            let _ = headers::parse_go_uint(&t, 8);
            let _ = headers::parse_go_int(&t);
            let _ = headers::decode_go_hex(t.as_bytes());
        }
    }
}

fn chunk(data: &[u8]) {
    match Chunk::with_data_span(data.to_vec()) {
        Ok(c) => {
            assert!(
                cac::is_valid(&c.address, data),
                "a chunk invalid at its own address"
            );
            assert_eq!(cac::address_of(data).ok(), Some(c.address));
            assert_eq!(&c.span()[..], &data[..8]);
            assert_eq!(c.payload(), &data[8..]);
            assert_eq!(
                c.address.0,
                bmt::data_address_scalar(data),
                "lanes and scalar BMT differ"
            );
            // Zero padding does not change a chunk's address.
            let mut padded = data.to_vec();
            padded.resize(cac::MAX_DATA, 0);
            assert!(
                cac::is_valid(&c.address, &padded),
                "padding changed the address"
            );
        }
        Err(_) => assert!(cac::address_of(data).is_err()),
    }
    if let Ok(c) = Chunk::new(data) {
        assert_eq!(c.payload(), data);
        assert!(cac::is_valid(&c.address, &c.data));
    }
    if data.len() <= cac::MAX_DATA && data.len() >= 8 {
        let mut input = Input::new(data);
        let index = input.below(bmt::proof::SEGMENTS + 2);
        let span: [u8; 8] = data[..8].try_into().unwrap_or([0; 8]);
        if let Ok(proof) = bmt::proof::prove(span, &data[8..], index) {
            let address = bmt::address(&span, &data[8..]);
            assert!(
                proof.verify(&address),
                "a proof of the chunk does not verify"
            );
            assert_eq!(proof.address(), address);
        }
    }
}

fn soc_(data: &[u8]) {
    if let Ok(parsed) = soc::parse_soc(data) {
        let address = parsed.address();
        assert_eq!(
            soc::validate_soc(&address, data).is_ok(),
            parsed.owner != crate::replicas::REPLICAS_OWNER
                || parsed.wrapped.address.0[1..] == parsed.id[1..],
            "validate_soc disagrees with parse_soc"
        );
        assert_eq!(
            parsed.wrapped.data,
            data[soc::SOC_ID_SIZE + soc::SOC_SIGNATURE_SIZE..]
        );
    }
    let mut input = Input::new(data);
    let address = Address(input.array());
    let _ = soc::validate_soc(&address, input.rest());
    let _ = soc::is_valid_chunk(&address, data);
}

fn encrypted(data: &[u8]) {
    let mut input = Input::new(data);
    let key: [u8; 32] = input.array();
    let rest = input.rest();
    if let Ok((span, payload)) = encryption::decrypt_chunk(&key, rest) {
        assert_eq!(payload.len(), rest.len() - 8);
        // Encrypting the plaintext with the same key gives the ciphertext back.
        let mut again = span.to_vec();
        encryption::transform(&key, 128, &mut again);
        assert_eq!(again, rest[..8]);
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(r) = BeeRand::from_str(&text) {
        assert_eq!(
            BeeRand::from_str(&format!("bee-rand:{}", r.seed()))
                .map(|x| x.seed())
                .ok(),
            Some(r.seed())
        );
    }
}

fn counts(data: &[u8]) {
    let mut input = Input::new(data);
    let span = input.u64();
    let level = Level::from_u8(input.u8() % 5).unwrap_or(Level::None);
    let encrypted = input.bool();
    let shards = usize::from(input.u16());
    let _ = count::reference_count(span, level, encrypted);
    let _ = table::parities(level, encrypted, shards);
    let _ = table::max_children(level, encrypted);
    let _ = cost::tree_shape(span, level, encrypted);
    let _ = cost::upload_cost(span, level, encrypted);
    let payload = input.rest();
    if let Some(n) = count::chunk_payload_size(payload) {
        assert!(n <= payload.len() && n >= 32);
    }
}

/// A batch claim: what parses prints back to the same text, and gives the id it computes.
fn claim(text: &str) {
    if let Ok(c) = BatchClaim::parse(text) {
        assert_eq!(c.to_header(), text);
        let owner = EthAddress([0x11; 20]);
        let id = c.id_for(&owner);
        match c.batch(&id, owner) {
            Ok(b) => assert_eq!(
                (b.id, b.depth, b.bucket_depth),
                (id, c.depth, c.bucket_depth)
            ),
            Err(e) => assert!(matches!(e, PostageError::BatchDepth { .. }), "{e}"),
        }
    }
}

/// Seed inputs: valid and near-valid text and bytes for each parser.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, which: usize, body: &[u8]| {
        let mut v = vec![which as u8];
        v.extend_from_slice(body);
        seeds.push((format!("{}-{name}", PARSERS[which]), v));
    };
    add("medium", 0, &[1, 0x10, 0, 0, 0, 0, 0, 0x81]);
    add("flag-no-level", 0, &[0, 0, 0, 0, 0, 0, 0, 0x85]);
    let plain = "b34ca8c22b9e982354f9c7f50b470d66db428d880c8a904d5fe4ec9713171526";
    add("plain", 1, plain.as_bytes());
    add("0x", 1, format!("0x{plain}").as_bytes());
    add(
        "encrypted",
        1,
        format!("{plain}{}", "ab".repeat(32)).as_bytes(),
    );
    add("odd", 1, &plain.as_bytes()[..63]);
    add("bytes", 1, &[7; 64]);
    add("hex", 2, plain.as_bytes());
    add("three", 2, &[0x55; 96]);
    for l in ["medium", "PARANOID", " 3 ", "4", "5", "insane"] {
        add(l.trim(), 3, l.as_bytes());
    }
    for s in ["race", "Prox", "2", "none", "4", " data "] {
        add(s.trim(), 4, s.as_bytes());
    }
    for s in [
        "10MB",
        "1GiB",
        "1.5 GB",
        "4097",
        "0.001kB",
        "18446744073709551615",
        "18446744073709551616",
        "16EiB",
        ".5KiB",
    ] {
        add(&s.replace(' ', "_"), 5, s.as_bytes());
    }
    for s in [
        "30s",
        "1m30s",
        "1.5h",
        "500ms",
        "10µs",
        "0",
        "+5ns",
        ".5s",
        "9999999999h",
        "5000",
    ] {
        add(&s.replace(['.', '+', 'µ'], "_"), 6, s.as_bytes());
    }
    for (i, (size, r)) in [
        (10u8, "bytes=0-0"),
        (10, "bytes=2-"),
        (10, "bytes=-3"),
        (10, "bytes=0-1,4-5"),
        (0, "bytes=0-"),
        (200, "bytes= 5 - 99999999999999999999"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut v = vec![0u8, size];
        v.extend_from_slice(r.as_bytes());
        add(&format!("{i}"), 7, &v);
    }
    add(
        "all",
        8,
        format!(
            "swarm-redundancy-level: 3\nswarm-redundancy-strategy:2\nswarm-redundancy-fallback-mode:false\n\
             swarm-chunk-retrieval-timeout: 1m30s\nswarm-postage-batch-id:{plain}\nswarm-encrypt:True\n"
        )
        .as_bytes(),
    );
    add(
        "bad",
        8,
        b"swarm-redundancy-level: -1\nswarm-chunk-retrieval-timeout: 99\n",
    );
    let small = Chunk::new(b"small").expect("fits");
    add("small", 9, &small.data);
    let mut full = 4096u64.to_le_bytes().to_vec();
    full.extend((0..4096).map(|i| (i % 251) as u8));
    add("full", 9, &full);
    add("short", 9, &[1, 2, 3]);
    // A real SOC: the root replica of a small file.
    let root = Chunk::new(b"replicated root").expect("fits");
    if let Ok(made) = crate::replicas::make_replicas(&root.address, &root.data, Level::Medium) {
        if let Some(r) = made.first() {
            add("replica", 10, &r.data);
            let mut at = r.address.0.to_vec();
            at.extend_from_slice(&r.data);
            add("replica-at", 10, &at);
        }
    }
    add("short", 10, &[0; 104]);
    let mut rng = BeeRand::new(3);
    if let Ok((key, enc)) = encryption::encrypt_chunk(&small.data, &mut rng) {
        let mut v = key.to_vec();
        v.extend_from_slice(&enc);
        add("small", 11, &v);
    }
    add("bee-rand", 11, b"bee-rand:42");
    let mut v = (1u64 << 20).to_le_bytes().to_vec();
    v.extend_from_slice(&[4, 1, 0, 1]);
    v.extend_from_slice(&[0xaa; 96]);
    v.extend_from_slice(&[0; 64]);
    add("paranoid", 12, &v);
    let mut v = u64::MAX.to_le_bytes().to_vec();
    v.extend_from_slice(&[2, 0, 0xff, 0xff]);
    add("max", 12, &v);
    let nonce = "0123456789abcdef".repeat(4);
    add("valid", 13, format!("20,16,1,{nonce}").as_bytes());
    add("mutable", 13, format!("47,16,0,{nonce}").as_bytes());
    add("shallow", 13, format!("16,16,0,{nonce}").as_bytes());
    add("leading-zero", 13, format!("020,16,1,{nonce}").as_bytes());
    add(
        "upper",
        13,
        format!("20,16,1,{}", nonce.to_uppercase()).as_bytes(),
    );
    add("short", 13, b"20,16,1,00");
    seeds.push(("all-small".into(), {
        let mut v = vec![0xff];
        v.extend_from_slice(&small.data);
        v
    }));
    seeds
}
