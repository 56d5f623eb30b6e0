//! Target `http_router`: the HTTP API's router driven in process.
//!
//! The input is up to [`MAX_REQUESTS`] requests in a raw HTTP-like text form, separated by a line
//! `--`:
//!
//! ```text
//! METHOD /path?query
//! Header-Name: value
//!
//! body
//! ```
//!
//! In paths and header values `{r0}` … `{r4}` stand for what the seeded store holds (see
//! [`SEEDED`]) and `{last}` for the reference the last `201` answered. Each request goes through
//! [`crate::api::router`] over a [`MemStore`] with tower's `oneshot` on a current-thread runtime.
//!
//! The store works, so no request may be answered 500 (the findings F1–F4 of `docs/FUZZING.md` were
//! such answers, all fixed). Every error has bee's JSON body with the status as its `code`, and what
//! is served is right: a seeded file, a range of it, a file uploaded earlier in the same input, a
//! chunk.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use tower::ServiceExt;

use crate::api::{self, ApiConfig, ApiState};
use crate::cac::Chunk;
use crate::encryption::{BeeRand, RandomSource};
use crate::file::splitter::ChunkSink;
use crate::file::{split_bytes, SplitOptions};
use crate::redundancy::Level;
use crate::reference::Reference;
use crate::store::{ChunkStore, MemStore, StoreError};

/// Requests read from one input.
pub const MAX_REQUESTS: usize = 4;
/// Largest response body read.
pub const MAX_RESPONSE: usize = 4 << 20;
/// How long one request may take before it counts as hung.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What the seeded store holds: `{r0}` … `{r4}`.
pub const SEEDED: [&str; 5] = [
    "r0: 5-byte file, level none",
    "r1: 10000-byte file, level medium (with root replicas)",
    "r2: 10000-byte encrypted file, level insane (128-hex reference)",
    "r3: address of a replica SOC of r1's root",
    "r4: address of r1's root chunk",
];

struct Seeded {
    chunks: Vec<Chunk>,
    names: [String; 5],
    files: HashMap<String, Vec<u8>>,
    chunk_data: HashMap<String, Vec<u8>>,
}

struct Collect(Vec<Chunk>);

impl ChunkSink for Collect {
    fn accept(&mut self, chunks: Vec<Chunk>) -> Result<(), StoreError> {
        self.0.extend(chunks);
        Ok(())
    }
}

fn seeded() -> &'static Seeded {
    static SEEDED_STORE: OnceLock<Seeded> = OnceLock::new();
    SEEDED_STORE.get_or_init(|| {
        let mut sink = Collect(Vec::new());
        let mut files = HashMap::new();
        let mut split = |data: Vec<u8>, level, encrypt: bool, sink: &mut Collect| {
            let mut rng = BeeRand::new(5);
            let rng: Option<&mut dyn RandomSource> = encrypt.then_some(&mut rng);
            let s = split_bytes(&data, sink, SplitOptions { level, encrypt }, rng)
                .expect("splitting into memory");
            files.insert(s.reference.to_hex(), data);
            s
        };
        let r0 = split(b"hello".to_vec(), Level::None, false, &mut sink);
        let r1 = split(
            (0..10_000).map(|i| (i % 251) as u8).collect(),
            Level::Medium,
            false,
            &mut sink,
        );
        let r2 = split(
            (0..10_000).map(|i| (i % 253) as u8).collect(),
            Level::Insane,
            true,
            &mut sink,
        );
        let r3 = r1.replicas.first().copied().unwrap_or_default();
        let r4 = r1.reference.address;
        let chunk_data = sink
            .0
            .iter()
            .filter(|c| c.address == r3 || c.address == r4)
            .map(|c| (c.address.to_hex(), c.data.clone()))
            .collect();
        Seeded {
            chunks: sink.0,
            names: [
                r0.reference.to_hex(),
                r1.reference.to_hex(),
                r2.reference.to_hex(),
                r3.to_hex(),
                r4.to_hex(),
            ],
            files,
            chunk_data,
        }
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime")
    })
}

/// One request parsed from the input.
struct Parsed {
    method: Method,
    path: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
}

fn substitute(text: &str, last: Option<&str>) -> String {
    let s = seeded();
    let mut out = text.to_string();
    for (i, name) in s.names.iter().enumerate() {
        out = out.replace(&format!("{{r{i}}}"), name);
    }
    out.replace("{last}", last.unwrap_or(""))
}

fn parse(raw: &[u8], last: Option<&str>) -> Option<Parsed> {
    let (head, body) = match find(raw, b"\n\n") {
        Some(i) => (&raw[..i], &raw[i + 2..]),
        None => (raw, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let first = lines.next()?;
    let mut words = first.splitn(3, |&b| b == b' ');
    let method = Method::from_bytes(words.next()?).ok()?;
    let path = substitute(&String::from_utf8_lossy(words.next().unwrap_or(b"/")), last);
    let mut headers = Vec::new();
    for line in lines.take(32) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = String::from_utf8_lossy(&line[colon + 1..]);
        let value = substitute(value.trim_start(), last);
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_str(&value),
        ) {
            headers.push((n, v));
        }
    }
    Some(Parsed {
        method,
        path,
        headers,
        body: body.to_vec(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Runs one input; panics on a bug.
pub fn run(data: &[u8]) {
    let s = seeded();
    let store = Arc::new(MemStore::new());
    store.put_batch(&s.chunks).expect("memory store");
    let config = ApiConfig {
        max_upload_bytes: 1 << 20,
        max_concurrent_requests: 4,
        queue_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..ApiConfig::default()
    };
    let router = api::router(ApiState::new(store, config));
    let mut last: Option<String> = None;
    // Files and chunks uploaded by this input, by reference.
    let mut uploaded: HashMap<String, Vec<u8>> = HashMap::new();
    let mut uploaded_chunks: HashMap<String, Vec<u8>> = HashMap::new();
    let requests = &data[..data.len().min(1 << 16)];
    for raw in split_requests(requests).into_iter().take(MAX_REQUESTS) {
        let Some(p) = parse(raw, last.as_deref()) else {
            continue;
        };
        let path = if p.path.starts_with('/') {
            p.path.clone()
        } else {
            format!("/{}", p.path)
        };
        let Ok(uri) = Uri::builder().path_and_query(path.as_str()).build() else {
            continue;
        };
        // The path as the router sees it: without query or fragment, percent-decoded.
        let path_only = percent_decode(uri.path());
        let mut builder = Request::builder().method(p.method.clone()).uri(uri);
        for (n, v) in &p.headers {
            builder = builder.header(n, v);
        }
        let Ok(request) = builder.body(Body::from(p.body.clone())) else {
            continue;
        };
        let (status, headers, body) = runtime().block_on(async {
            let response = tokio::time::timeout(REQUEST_TIMEOUT, router.clone().oneshot(request))
                .await
                .unwrap_or_else(|_| panic!("{} {path} hung", p.method))
                .unwrap_or_else(|e| match e {});
            let (parts, body) = response.into_parts();
            let body =
                tokio::time::timeout(REQUEST_TIMEOUT, axum::body::to_bytes(body, MAX_RESPONSE))
                    .await
                    .unwrap_or_else(|_| panic!("{} {path}: body hung", p.method));
            (parts.status, parts.headers, body)
        });
        check(&p, &path_only, status, &headers, body.as_deref().ok());
        let name = path_only.rsplit('/').next().unwrap_or_default();
        let name = name.strip_prefix("0x").unwrap_or(name).to_ascii_lowercase();
        let Ok(body) = body else { continue };
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        if status == StatusCode::CREATED && path_only == "/tags" {
            let uid = json.as_ref().and_then(|j| j.get("uid"));
            assert!(
                uid.and_then(|u| u.as_u64()).is_some_and(|u| u > 0),
                "201 without a tag uid: {json:?}"
            );
        } else if status == StatusCode::CREATED {
            let reference = json
                .as_ref()
                .and_then(|j| j.get("reference"))
                .and_then(|r| r.as_str())
                .unwrap_or_else(|| panic!("201 without a reference: {json:?}"))
                .to_string();
            assert!(
                reference.parse::<Reference>().is_ok(),
                "201 with a malformed reference {reference}"
            );
            if path_only == "/bytes" {
                uploaded.insert(reference.clone(), p.body.clone());
            } else if path_only == "/chunks" {
                // Only a posted chunk is its body (a SOC is id, signature and body; a manifest is
                // no body at all).
                uploaded_chunks.insert(reference.clone(), p.body.clone());
            }
            last = Some(reference);
        }
        // What is served is right.
        if p.method == Method::GET && path_only.starts_with("/bytes/") {
            let file = s.files.get(&name).or_else(|| uploaded.get(&name));
            if let Some(file) = file {
                check_served(file, status, &headers, &body, &path);
            }
        }
        if p.method == Method::GET && path_only.starts_with("/chunks/") && status == StatusCode::OK
        {
            if let Some(data) = s
                .chunk_data
                .get(&name)
                .or_else(|| uploaded_chunks.get(&name))
            {
                assert!(body == data[..], "GET {path} served other chunk data");
            }
        }
    }
}

/// `%XX` sequences decoded (lossily, as text).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Requests are separated by a line `--`.
fn split_requests(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = find(rest, b"\n--\n") {
        out.push(&rest[..i]);
        rest = &rest[i + 4..];
    }
    out.push(rest);
    out
}

/// No 500 and bee's error body on every error.
fn check(
    p: &Parsed,
    path: &str,
    status: StatusCode,
    headers: &axum::http::HeaderMap,
    body: Option<&[u8]>,
) {
    let json: Option<serde_json::Value> = body.and_then(|b| serde_json::from_slice(b).ok());
    let message = json
        .as_ref()
        .and_then(|j| j.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or_default();
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        panic!(
            "{} {path} (headers {:?}, {}-byte body) answered 500 {message:?}",
            p.method,
            p.headers,
            p.body.len()
        );
    }
    if status.is_client_error() || status.is_server_error() {
        if p.method == Method::HEAD {
            return;
        }
        let code = json
            .as_ref()
            .and_then(|j| j.get("code"))
            .and_then(|c| c.as_u64());
        assert!(
            code == Some(u64::from(status.as_u16()))
                && json.is_some_and(|j| j["message"].is_string()),
            "{} {path} answered {status} without bee's error body: {:?} (content-type {:?})",
            p.method,
            body.map(String::from_utf8_lossy),
            headers.get(header::CONTENT_TYPE)
        );
    }
}

/// A download of a known file: 200 is the file, 206 the range its `Content-Range` names.
fn check_served(
    file: &[u8],
    status: StatusCode,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    path: &str,
) {
    match status {
        StatusCode::OK => assert!(body == file, "GET {path} served other bytes"),
        StatusCode::PARTIAL_CONTENT => {
            let range = headers
                .get(header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("206 without Content-Range"));
            let spec = range
                .strip_prefix("bytes ")
                .and_then(|r| r.split_once('/'))
                .and_then(|(span, size)| {
                    let (a, b) = span.split_once('-')?;
                    Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?, size))
                });
            let Some((first, last, size)) = spec else {
                panic!("206 with a malformed Content-Range {range:?}");
            };
            assert_eq!(size, file.len().to_string(), "Content-Range size");
            assert!(first <= last && last < file.len(), "Content-Range {range}");
            assert!(
                body == &file[first..=last],
                "GET {path} served another range"
            );
        }
        _ => {}
    }
}

/// bee v2.8.1's SOC of `fixtures/feeds/socs.json`, case 0: owner, id, signature (the body is
/// span 9, `hello soc`).
const SOC_OWNER: &str = "22abd8d0420d770e346747ab162262766f208983";
const SOC_ID: &str = "eca4ddf3f9d86f2d75231ad3da8fd2b16bab39d81811f1a7f430e6cf8f2351ad";
const SOC_SIG: &str = "a317e9541d0431b724f72d4736a0706d1f2b69383e8e7d6e0e659471603dae55217f5ed2ff664717061537b563fd53c5bd84382f0dacb969994fc3032c9c13c51b";
/// Feed 1, update 0 of `fixtures/feeds/updates.json` (payload `update 0`).
const FEED_OWNER: &str = "39c40b70b08a6997a57545f0d8abb098af8e0846";
const FEED_TOPIC: &str = "73686f727420746f706963";
const FEED_ID: &str = "7f1735855e893f26cb652de67ebd770025ce77ad7d3b75ec3d35e23eb9283e47";
const FEED_SIG: &str = "556115c5e1144aae7b930a4939f544c4baedd60d374fc779c631b8d675f6f41b201077934d1493074b68ea4a4a89e34563f68ce0db1461275a0a1296d5c4ef191b";

/// Seed inputs: every route with valid and near-valid parameters, uploads read back.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let batch = "swarm-postage-batch-id: ".to_string() + &"ab".repeat(32);
    let reqs: Vec<(&str, String)> = vec![
        ("root", "GET /\n".into()),
        ("health", "GET /health\n".into()),
        ("readiness", "GET /readiness\n".into()),
        ("get-r0", "GET /bytes/{r0}\n".into()),
        ("get-r1-range", "GET /bytes/{r1}\nrange: bytes=4000-5000\n".into()),
        ("get-r1-suffix", "GET /bytes/{r1}\nrange: bytes=-10\n".into()),
        ("get-r1-bad-range", "GET /bytes/{r1}\nrange: bytes=20000-\n".into()),
        (
            "get-r2-strategy",
            "GET /bytes/{r2}\nswarm-redundancy-strategy: 3\nswarm-redundancy-fallback-mode: false\n"
                .into(),
        ),
        (
            "get-r1-headers",
            "GET /bytes/0x{r1}\nswarm-redundancy-level: 2\nswarm-chunk-retrieval-timeout: 1m30s\nswarm-cache: true\n"
                .into(),
        ),
        ("get-bad-level", "GET /bytes/{r1}\nswarm-redundancy-level: 9\n".into()),
        ("head-r1", "HEAD /bytes/{r1}\n".into()),
        ("get-short-hex", "GET /bytes/abcd\n".into()),
        ("get-not-hex", "GET /bytes/xyz\n".into()),
        ("get-missing", format!("GET /bytes/{}\n", "00".repeat(32))),
        ("get-stamps", "GET /stamps\n".into()),
        ("post-stamps", "POST /stamps/1000/20?label=x%20y\nimmutable: false\n".into()),
        ("post-stamps-bad", "POST /stamps/-1/16\n".into()),
        ("get-stamp", format!("GET /stamps/{}\n", "ab".repeat(32))),
        ("get-chunk-r3", "GET /chunks/{r3}\n".into()),
        ("get-chunk-r4", "GET /chunks/{r4}\n".into()),
        ("head-chunk-r4", "HEAD /chunks/{r4}\n".into()),
        ("get-chunk-odd", "GET /chunks/abc\n".into()),
        (
            "post-bytes-then-get",
            format!("POST /bytes\n{batch}\n\nhello fuzz\n--\nGET /bytes/{{last}}\nrange: bytes=1-3\n"),
        ),
        (
            "post-bytes-encrypted",
            format!("POST /bytes\n{batch}\nswarm-encrypt: true\nswarm-redundancy-level: 4\n\nsecret\n--\nGET /bytes/{{last}}\n--\nHEAD /bytes/{{last}}\n"),
        ),
        ("post-bytes-no-batch", "POST /bytes\n\nx\n".into()),
        (
            "post-bytes-bad-batch",
            "POST /bytes\nswarm-postage-batch-id: zz\n\nx\n".into(),
        ),
        (
            "post-bytes-too-large",
            format!("POST /bytes\n{batch}\ncontent-length: 99999999999\n\nx\n"),
        ),
        (
            "post-chunk-then-get",
            format!("POST /chunks\n{batch}\n\n\x05\0\0\0\0\0\0\0hello\n--\nGET /chunks/{{last}}\n--\nGET /bytes/{{last}}\n"),
        ),
        ("post-chunk-short", format!("POST /chunks\n{batch}\n\nabc\n")),
        (
            "finding-f3-posted-chunk-as-tree",
            format!("POST /chunks\n{batch}\n\n\x05\0\0\0babababa\n--\nGET /bytes/{{last}}\n"),
        ),
        (
            "post-chunk-stamp",
            format!("POST /chunks\nswarm-postage-stamp: {}\n\n\x01\0\0\0\0\0\0\0x\n", "00".repeat(113)),
        ),
        ("delete-bytes", "DELETE /bytes/{r0}\n".into()),
        ("unknown-route", "GET /bzz/{r0}/index.html\n".into()),
        ("percent", "GET /bytes/%ff%fe\n".into()),
        // bee's SOC of fixtures/feeds/socs.json (case 0) and a feed update of updates.json (feed 1,
        // index 0): uploaded, read back, as a feed, as a feed manifest through /bzz.
        (
            "post-soc-then-get",
            format!("POST /soc/{SOC_OWNER}/{SOC_ID}?sig={SOC_SIG}\n{batch}\n\n\x09\0\0\0\0\0\0\0hello soc\n--\nGET /soc/{SOC_OWNER}/{SOC_ID}\n--\nGET /soc/{SOC_OWNER}/{SOC_ID}\nswarm-only-root-chunk: true\n--\nGET /chunks/{{last}}\n"),
        ),
        (
            "post-soc-wrong-owner",
            format!("POST /soc/{FEED_OWNER}/{SOC_ID}?sig={SOC_SIG}\n{batch}\n\n\x09\0\0\0\0\0\0\0hello soc\n"),
        ),
        (
            "post-soc-bad-params",
            format!("POST /soc/zz/0x1?sig=abc\n{batch}\n\n\x01\0\0\0\0\0\0\0x\n--\nPOST /soc/{SOC_OWNER}/{SOC_ID}\n{batch}\n\nxx\n--\nGET /soc/{SOC_OWNER}/{SOC_ID}\n"),
        ),
        (
            "feed-update-then-get",
            format!("POST /soc/{FEED_OWNER}/{FEED_ID}?sig={FEED_SIG}\n{batch}\n\n\x08\0\0\0\0\0\0\0update 0\n--\nGET /feeds/{FEED_OWNER}/{FEED_TOPIC}\n--\nGET /feeds/{FEED_OWNER}/{FEED_TOPIC}?after=1&at=5\nswarm-only-root-chunk: true\n--\nGET /feeds/0x{FEED_OWNER}/{FEED_TOPIC}?after=-1\n"),
        ),
        (
            "feed-manifest-through-bzz",
            format!("POST /soc/{FEED_OWNER}/{FEED_ID}?sig={FEED_SIG}\n{batch}\n\n\x08\0\0\0\0\0\0\0update 0\n--\nPOST /feeds/{FEED_OWNER}/{FEED_TOPIC}\n{batch}\nswarm-redundancy-level: 0\n\n--\nGET /bzz/{{last}}/\n--\nGET /bzz/{{last}}/index.html\n"),
        ),
        (
            "tags",
            format!("POST /tags\n--\nPOST /bytes\n{batch}\nswarm-tag: 1\n\ntagged\n--\nPATCH /tags/1\n\n{{\"address\":\"{}\"}}\n--\nGET /tags?offset=0&limit=5\n", "ab".repeat(32)),
        ),
        (
            "tags-bad",
            "GET /tags/0\n--\nDELETE /tags/x\n--\nPATCH /tags/1\n\n{\n--\nGET /tags?limit=-1\n".into(),
        ),
        (
            "tags-unknown",
            format!("POST /bytes\n{batch}\nswarm-tag: 9\n\nx\n--\nPOST /chunks\n{batch}\nswarm-tag: 9\n\n\x01\0\0\0\0\0\0\0x\n--\nGET /tags/9\n--\nDELETE /tags/1\n"),
        ),
        (
            "feed-manifest-without-updates",
            format!("POST /feeds/{FEED_OWNER}/ab\n{batch}\n\n--\nGET /bzz/{{last}}/\n--\nPOST /feeds/zz/ab\n{batch}\n\n"),
        ),
    ];
    reqs.into_iter()
        .map(|(name, text)| (name.to_string(), text.into_bytes()))
        .collect()
}
