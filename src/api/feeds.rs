//! `POST /feeds/{owner}/{topic}` and `GET /feeds/{owner}/{topic}` (bee v2.8.1's `pkg/api/feed.go`):
//! sequence feeds.
//!
//! `POST` stores bee's feed manifest (a mantaray manifest whose `/` entry carries
//! `swarm-feed-owner`, `swarm-feed-topic` and `swarm-feed-type: Sequence`) at the request's
//! redundancy level, unencrypted, and answers 201 `{"reference"}`: byte-identical to bee's
//! reference. `GET` finds the latest update with [`crate::feeds::latest`] (at most
//! [`crate::feeds::MAX_PROBES`] chunk lookups, starting at the `after` index, 0 by default; `at` is
//! checked and ignored, as by bee's sequence finder), resolves it as bee's `resolveFeed` and serves
//! the result with `Swarm-Feed-Index`, `Swarm-Feed-Index-Next`, `Swarm-Soc-Signature` and
//! `Swarm-Feed-Resolved-Version`.
//!
//! Resolution: an update whose wrapped chunk is 48 or 80 bytes (span, 8-byte timestamp, reference:
//! bee's legacy "v1" payload, which bee-js's `FeedWriter.upload` writes) serves the chunk its
//! 32-byte reference names when that chunk can be retrieved ("v1"); otherwise, and for any other
//! payload, the wrapped chunk itself is the root served ("v2"). bee races both and its answer
//! depends on timing when neither is retrievable; this order is deterministic.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::bytes::{check_batch_id, BATCH_ID};
use super::headers::{self, HeaderError, HeaderErrors};
use super::soc::{hex_param, last_segments, only_root_chunk, params_error, serve_root};
use super::tags::Want;
use super::{ApiError, ApiState, ReferenceResponse, Uploaded};
use crate::address::Address;
use crate::cac::Chunk;
use crate::feeds::{self, Found};
use crate::file::SplitOptions;
use crate::soc::{self, OWNER_SIZE};
use crate::store::ChunkStore;

/// How long each probe after the first may wait for a chunk, as bee's sequence finder (1 s); the
/// first (the update at `after`) waits the request's retrieval timeout.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// An owner as bee's `common.HexToAddress` reads it: an optional `0x`, an odd length padded with a
/// leading 0, hex decoded up to the first byte that is no hex digit, then the last 20 bytes
/// (left-padded with zeros). Never fails; the zero address is "required".
pub(crate) fn lenient_owner(raw: &[u8]) -> [u8; OWNER_SIZE] {
    let digits = raw
        .strip_prefix(b"0x")
        .or_else(|| raw.strip_prefix(b"0X"))
        .unwrap_or(raw);
    let mut padded = Vec::with_capacity(digits.len() + 1);
    if digits.len() % 2 == 1 {
        padded.push(b'0');
    }
    padded.extend_from_slice(digits);
    let nibble = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let mut bytes = Vec::with_capacity(padded.len() / 2);
    for pair in padded.chunks_exact(2) {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(hi), Some(lo)) => bytes.push(hi << 4 | lo),
            _ => break,
        }
    }
    let mut owner = [0u8; OWNER_SIZE];
    let tail = &bytes[bytes.len().saturating_sub(OWNER_SIZE)..];
    owner[OWNER_SIZE - tail.len()..].copy_from_slice(tail);
    owner
}

/// The owner and topic of `/feeds/{owner}/{topic}`: bee's 400 "invalid path params" for a topic that
/// is no hex, an empty topic or a zero owner.
fn owner_and_topic(uri: &Uri) -> Result<([u8; OWNER_SIZE], Vec<u8>), ApiError> {
    let [owner_raw, topic_raw] = last_segments::<2>(uri);
    let mut errors = HeaderErrors::default();
    let owner = lenient_owner(&owner_raw);
    let topic = hex_param(&mut errors, "topic", &topic_raw);
    if owner == [0u8; OWNER_SIZE] {
        errors.push(HeaderError::required("owner"));
    }
    params_error(errors, "invalid path params")?;
    Ok((owner, topic.unwrap_or_default()))
}

/// `POST /feeds/{owner}/{topic}`.
pub(super) async fn create(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    // bee's body limit (4104 bytes, though the body is not read) comes first.
    if super::bytes::content_length(&h).is_some_and(|n| n > crate::cac::MAX_DATA as u64) {
        return Err(super::soc::too_large());
    }
    let (owner, topic) = owner_and_topic(&uri)?;
    let mut errors = HeaderErrors::default();
    let batch = errors.check(headers::hex_header(&h, BATCH_ID));
    if batch.is_none() {
        errors.push(HeaderError::required(BATCH_ID));
    }
    // Deferring has no effect here beyond the tag it implies for bee; pinning pins the manifest.
    let pin = errors.check(headers::bool_header(&h, "Swarm-Pin"));
    let deferred = errors.check(headers::bool_header(&h, "Swarm-Deferred-Upload"));
    errors.check(headers::bool_header(&h, "Swarm-Act"));
    errors.check(headers::hex_header(&h, "Swarm-Act-History-Address"));
    let level = errors.check(headers::level_header(&h, "Swarm-Redundancy-Level"));
    ApiError::check_headers(errors)?;
    let stamp = check_batch_id(batch.as_deref())?.map(super::UploadStamp::Batch);
    let options = SplitOptions {
        level: level.unwrap_or(state.config.default_upload_level),
        encrypt: false,
    };
    // bee opens a new tag (it takes no `Swarm-Tag` here) and does not name it in its answer.
    let pin = pin.unwrap_or(false);
    if pin {
        super::pins::pin_store(&state)?;
    }
    let want = match Want::deferred_upload(None, deferred, pin) {
        Want::None => Want::None,
        _ => Want::New,
    };
    let session = super::tags::session(&state, want).await?;
    let _slot = state.slot().await?;
    let worker_state = state.clone();
    let reference = tokio::task::spawn_blocking(move || {
        let mut store = worker_state.upload_store(stamp)?;
        if let Some(s) = &session {
            store = s.wrap(store);
        }
        let (store, pins) = super::pins::upload_store_pinned(&worker_state, store, pin)?;
        let m = crate::manifest::feed_manifest(&owner, &topic)
            .map_err(|_| ApiError::internal("add manifest entry failed"))?;
        let reference = super::bzz::save_manifest(&*store, m, options, "store manifest failed")?;
        store
            .sync()
            .map_err(|_| ApiError::internal("store manifest failed"))?;
        if let Some(pins) = &pins {
            super::pins::pin_upload(pins, &reference, options.level)?;
        }
        if let Some(s) = &session {
            s.done(&worker_state, &reference.to_bytes())?;
        }
        worker_state.notify(&Uploaded { reference, size: 0 })?;
        Ok::<_, ApiError>(reference)
    })
    .await
    .map_err(|_| ApiError::internal("store manifest failed"))??;
    Ok((
        StatusCode::CREATED,
        super::Json(ReferenceResponse {
            reference: reference.to_hex(),
        }),
    )
        .into_response())
}

/// bee's `at` (int64) and `after` (uint64) query parameters; only `after` is used.
fn after_query(uri: &Uri) -> Result<u64, ApiError> {
    let mut errors = HeaderErrors::default();
    if let Some(at) = super::stamps::query_value(uri, "at").filter(|v| !v.is_empty()) {
        if let Err(e) = headers::parse_go_int(&at) {
            errors.push(HeaderError::syntax("at", e));
        }
    }
    let mut after = 0;
    if let Some(v) = super::stamps::query_value(uri, "after").filter(|v| !v.is_empty()) {
        match headers::parse_go_uint(&v, 64) {
            Ok(n) => after = n,
            Err(e) => errors.push(HeaderError::syntax("after", e)),
        }
    }
    params_error(errors, "invalid query params")?;
    Ok(after)
}

/// The latest update of `(topic, owner)` at or after `after`, probing `first` for the update at
/// `after` and `rest` for the others.
pub(super) fn lookup(
    first: &dyn ChunkStore,
    rest: &dyn ChunkStore,
    topic: &[u8],
    owner: &[u8; OWNER_SIZE],
    after: u64,
) -> Result<Option<Found<Vec<u8>>>, ApiError> {
    feeds::latest(after, |i| {
        let store = if i == after { first } else { rest };
        store.get(&feeds::update_address(topic, owner, i))
    })
    .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "lookup at failed"))
}

/// What an update resolves to: the root served, the signature, `"v1"` or `"v2"`.
pub(super) struct Resolved {
    pub(super) root: Chunk,
    pub(super) signature: [u8; soc::SOC_SIGNATURE_SIZE],
    pub(super) version: &'static str,
}

/// bee's `resolveFeed` made deterministic (see the module docs).
pub(super) fn resolve(store: &dyn ChunkStore, update: &[u8]) -> Result<Resolved, ApiError> {
    let parsed = soc::parse_soc(update)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "wrapped chunk cannot be retrieved"))?;
    let legacy = feeds::legacy_reference(&parsed.wrapped.data)
        .and_then(Address::from_slice)
        .and_then(|a| Some((a, store.get(&a).ok()??)));
    let (root, version) = match legacy {
        Some((address, data)) => (Chunk { address, data }, "v1"),
        None => (parsed.wrapped, "v2"),
    };
    Ok(Resolved {
        root,
        signature: parsed.signature,
        version,
    })
}

/// `GET /feeds/{owner}/{topic}`.
pub(super) async fn get(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let (owner, topic) = owner_and_topic(&uri)?;
    let after = after_query(&uri)?;
    let only_root = only_root_chunk(&h)?;
    let (found, resolved) = {
        let _slot = state.slot().await?;
        let first = state.download_store(state.config.chunk_retrieval_timeout);
        let rest = state.download_store(PROBE_TIMEOUT.min(state.config.chunk_retrieval_timeout));
        tokio::task::spawn_blocking(move || {
            let found = lookup(&*first, &*rest, &topic, &owner, after)?
                .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no update found"))?;
            let resolved = resolve(&*first, &found.update)?;
            Ok::<_, ApiError>((found, resolved))
        })
        .await
        .map_err(|_| ApiError::internal("lookup at failed"))??
    };
    let extra = [
        ("swarm-feed-index", hex::encode(found.index.to_be_bytes())),
        (
            "swarm-feed-index-next",
            hex::encode(found.next().to_be_bytes()),
        ),
        (super::soc::SOC_SIGNATURE, hex::encode(resolved.signature)),
        ("swarm-feed-resolved-version", resolved.version.to_owned()),
    ];
    let expose = [
        "Swarm-Feed-Index",
        "Swarm-Feed-Index-Next",
        "Swarm-Soc-Signature",
    ];
    serve_root(&state, &h, resolved.root, &extra, &expose, only_root).await
}

/// A `/bzz` root that is a feed manifest, resolved: the root to serve instead, and the headers.
pub(super) struct FeedRoot {
    /// The chunk the latest update resolves to (a manifest's root chunk, for a website feed).
    pub(super) root: Chunk,
    /// The update's index.
    pub(super) index: u64,
    /// `"v1"` or `"v2"`.
    pub(super) version: &'static str,
}

/// bee's `manifestFeed` then lookup and `resolveFeed` for `/bzz`: `Ok(None)` when the manifest's
/// `/` entry does not name a feed (no or undecodable owner or topic, unknown type); bee's 404s when
/// the feed has no update; an epoch feed (bee's other type) is not built: 404 saying so.
pub(super) fn manifest_feed(
    store: &dyn ChunkStore,
    root: &crate::reference::Reference,
    join: crate::file::JoinOptions,
) -> Result<Option<FeedRoot>, ApiError> {
    let mut reader = crate::manifest::StoreLoadSaver::reader(store, join);
    let mut m = crate::manifest::Node::from_reference(&root.to_bytes());
    let Ok((_, md)) = m.lookup(crate::manifest::ROOT_PATH.as_bytes(), &mut reader) else {
        return Ok(None);
    };
    let field = |key: &str| match md.get(key).filter(|v| !v.is_empty()) {
        None => Some(Vec::new()),
        Some(v) => hex::decode(v).ok(),
    };
    let (Some(owner), Some(topic)) = (field(feeds::OWNER_KEY), field(feeds::TOPIC_KEY)) else {
        return Ok(None);
    };
    if owner.is_empty() || topic.is_empty() {
        return Ok(None);
    }
    match md.get(feeds::TYPE_KEY).map(|t| t.to_lowercase()).as_deref() {
        None | Some("") | Some("sequence") => {}
        Some("epoch") => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "epoch feeds are not supported",
            ))
        }
        Some(_) => return Ok(None),
    }
    // go-ethereum's BytesToAddress: the last 20 bytes, left-padded.
    let mut owner20 = [0u8; OWNER_SIZE];
    let tail = &owner[owner.len().saturating_sub(OWNER_SIZE)..];
    owner20[OWNER_SIZE - tail.len()..].copy_from_slice(tail);
    let found = lookup(store, store, &topic, &owner20, 0)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "feed not found"))?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no update found"))?;
    let resolved = resolve(store, &found.update)?;
    Ok(Some(FeedRoot {
        root: resolved.root,
        index: found.index,
        version: resolved.version,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_as_go_ethereum_reads_them() {
        let full = "8d3766440f0d7b949a5e32995d09619a7f86e632";
        let want: [u8; 20] = hex::decode(full).unwrap().try_into().unwrap();
        assert_eq!(lenient_owner(full.as_bytes()), want);
        assert_eq!(lenient_owner(format!("0x{full}").as_bytes()), want);
        assert_eq!(lenient_owner(format!("ffff{full}").as_bytes()), want);
        let mut short = [0u8; 20];
        short[19] = 0x0a;
        assert_eq!(lenient_owner(b"a"), short);
        assert_eq!(lenient_owner(b"zz"), [0u8; 20]);
        assert_eq!(lenient_owner(b"0axx"), short);
        assert_eq!(lenient_owner(b""), [0u8; 20]);
    }
}
