//! Tags (bee v2.8.1's `pkg/api/tag.go` and its upload store's sessions): `POST /tags`,
//! `GET /tags[?offset=&limit=]`, `GET`/`DELETE`/`PATCH /tags/{id}`, and the counters uploads keep
//! in them.
//!
//! A tag is an upload session: a number (`uid`, from 1 up, never reused), when it started, the
//! reference its last upload ended with (`address`) and five counters. An upload that names a tag
//! (`Swarm-Tag`) or for which bee would open one (by default `/bytes`, `/bzz` and `/feeds`) counts
//! every chunk it writes into it, through [`Counted`], a store wrapper that asks the store what
//! became of each chunk ([`ChunkStore::put_batch_reporting`]): `split` every chunk, `seen` those
//! already held, `stored` and `synced` those kept by this store itself, `sent` and `synced` those a
//! peer receipted. The counters are added to the tag once the upload succeeded, as bee's putter
//! adds `split` and `seen` when it is closed (`docs/API.md` says how each compares with bee's).
//!
//! Tags live in `<data dir>/tags.redb` ([`TAGS_FILE`]) and survive a restart, as bee's (kept in
//! its local store); [`Tags::in_memory`] for an API without a data directory. Every method blocks: the
//! handlers call them on blocking threads.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use redb::{Database, Durability, ReadableTable, TableDefinition};
use serde::Serialize;

use super::bytes::{content_length, next_data};
use super::headers::{self, HeaderError, HeaderErrors};
use super::soc::params_error;
use super::{path_param, ApiError, ApiState};
use crate::cac::Chunk;
use crate::store::{ChunkStore, Delivery, StoreError};

/// File name of the tag store inside the data directory.
pub const TAGS_FILE: &str = "tags.redb";

/// bee's page size for `GET /tags` without `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// bee's largest page of `GET /tags`: a larger `limit` gives this many.
pub const MAX_LIMIT: usize = 1000;
/// bee's body limit of `POST /tags` and `PATCH /tags/{id}`.
const MAX_BODY: usize = 1024;

/// uid → the record ([`Tag::to_bytes`]).
const TAGS: TableDefinition<u64, &[u8; RECORD]> = TableDefinition::new("tags");
/// "next" → the last uid handed out.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const LAST_UID: &str = "last_uid";
/// Tags are small records; a small page cache suffices.
const CACHE_BYTES: usize = 1 << 20;
/// Five counters, the address and the start time.
const RECORD: usize = 5 * 8 + 32 + 8;

/// One tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    /// Its number (from 1).
    pub uid: u64,
    /// The counters.
    pub counts: Counts,
    /// The reference the last upload into it ended with (its first 32 bytes, as bee keeps it; an
    /// all-zero address is none).
    pub address: [u8; 32],
    /// When it was created, in nanoseconds since the Unix epoch.
    pub started_at: i64,
}

/// A tag's counters (bee's names; `docs/API.md` says what each counts here).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Chunks the uploads wrote (every data, intermediate, parity, replica and manifest chunk).
    pub split: u64,
    /// Of these, chunks already held, not written again.
    pub seen: u64,
    /// Chunks kept by this node's own store.
    pub stored: u64,
    /// Chunks a peer took and receipted.
    pub sent: u64,
    /// Chunks stored or receipted.
    pub synced: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.split = self.split.saturating_add(other.split);
        self.seen = self.seen.saturating_add(other.seen);
        self.stored = self.stored.saturating_add(other.stored);
        self.sent = self.sent.saturating_add(other.sent);
        self.synced = self.synced.saturating_add(other.synced);
    }
}

impl Tag {
    fn to_bytes(self) -> [u8; RECORD] {
        let mut out = [0u8; RECORD];
        let c = self.counts;
        for (i, n) in [c.split, c.seen, c.stored, c.sent, c.synced]
            .into_iter()
            .enumerate()
        {
            out[i * 8..i * 8 + 8].copy_from_slice(&n.to_le_bytes());
        }
        out[40..72].copy_from_slice(&self.address);
        out[72..].copy_from_slice(&self.started_at.to_le_bytes());
        out
    }

    fn from_bytes(uid: u64, b: &[u8; RECORD]) -> Tag {
        let n = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        let mut address = [0u8; 32];
        address.copy_from_slice(&b[40..72]);
        Tag {
            uid,
            counts: Counts {
                split: n(0),
                seen: n(1),
                stored: n(2),
                sent: n(3),
                synced: n(4),
            },
            address,
            started_at: n(9) as i64,
        }
    }
}

/// A failure of the tag store.
#[derive(Debug, thiserror::Error)]
#[error("tag store {op} failed: {message}")]
pub struct TagsError {
    op: &'static str,
    message: String,
}

fn failed(op: &'static str) -> impl Fn(redb::Error) -> TagsError {
    move |e| TagsError {
        op,
        message: e.to_string(),
    }
}

/// The tags. Shared by reference; redb serialises writers.
pub struct Tags {
    db: Database,
}

// Each method runs its transaction in a closure returning redb's own (large) error, converted once.
#[allow(clippy::result_large_err)]
impl Tags {
    /// Opens (creating if needed) `data_dir/tags.redb`.
    pub fn open(data_dir: &Path) -> Result<Tags, TagsError> {
        let path = data_dir.join(TAGS_FILE);
        let opened = std::fs::create_dir_all(data_dir)
            .map_err(|e| e.to_string())
            .and_then(|()| crate::store::open_database(&path, CACHE_BYTES));
        let db = opened.map_err(|e| TagsError {
            op: "open",
            message: format!("{}: {e}", path.display()),
        })?;
        Tags::init(db)
    }

    /// Tags kept in memory only (an API without a data directory, tests).
    pub fn in_memory() -> Tags {
        let db = redb::Builder::new()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .expect("an in-memory database opens");
        Tags::init(db).expect("an in-memory database takes tables")
    }

    fn init(db: Database) -> Result<Tags, TagsError> {
        let init = || -> Result<(), redb::Error> {
            let txn = db.begin_write()?;
            txn.open_table(TAGS)?;
            txn.open_table(META)?;
            txn.commit()?;
            Ok(())
        };
        init().map_err(failed("open"))?;
        Ok(Tags { db })
    }

    /// A new tag, numbered one past the last ever handed out, started now.
    pub fn create(&self) -> Result<Tag, TagsError> {
        let create = || -> Result<Tag, redb::Error> {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(Durability::Immediate);
            let tag = {
                let mut meta = txn.open_table(META)?;
                let last = meta.get(LAST_UID)?.map_or(0, |v| v.value());
                // 2^64 - 1 tags: not reachable one at a time.
                let uid = last.saturating_add(1);
                meta.insert(LAST_UID, uid)?;
                let tag = Tag {
                    uid,
                    counts: Counts::default(),
                    address: [0; 32],
                    started_at: now_nanos(),
                };
                let mut tags = txn.open_table(TAGS)?;
                tags.insert(uid, &tag.to_bytes())?;
                tag
            };
            txn.commit()?;
            Ok(tag)
        };
        create().map_err(failed("create"))
    }

    /// The tag `uid`, if it exists.
    pub fn get(&self, uid: u64) -> Result<Option<Tag>, TagsError> {
        let get = || -> Result<Option<Tag>, redb::Error> {
            let txn = self.db.begin_read()?;
            let tags = txn.open_table(TAGS)?;
            let found = tags.get(uid)?;
            Ok(found.map(|v| Tag::from_bytes(uid, v.value())))
        };
        get().map_err(failed("get"))
    }

    /// Deletes the tag `uid`; whether it existed.
    pub fn delete(&self, uid: u64) -> Result<bool, TagsError> {
        let delete = || -> Result<bool, redb::Error> {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(Durability::Immediate);
            let existed = {
                let mut tags = txn.open_table(TAGS)?;
                let removed = tags.remove(uid)?;
                removed.is_some()
            };
            txn.commit()?;
            Ok(existed)
        };
        delete().map_err(failed("delete"))
    }

    /// At most `limit` tags (never more than [`MAX_LIMIT`]) in uid order, after the first `offset`.
    pub fn list(&self, offset: usize, limit: usize) -> Result<Vec<Tag>, TagsError> {
        let list = || -> Result<Vec<Tag>, redb::Error> {
            let txn = self.db.begin_read()?;
            let tags = txn.open_table(TAGS)?;
            let mut out = Vec::new();
            for entry in tags.iter()?.skip(offset).take(limit.min(MAX_LIMIT)) {
                let (uid, record) = entry?;
                out.push(Tag::from_bytes(uid.value(), record.value()));
            }
            Ok(out)
        };
        list().map_err(failed("list"))
    }

    /// Adds `counts` to the tag `uid` and, unless `address` is all zeros, makes it the tag's
    /// address (bee's putter `Close`); whether the tag exists (a deleted tag is left deleted).
    pub fn done(&self, uid: u64, counts: &Counts, address: &[u8; 32]) -> Result<bool, TagsError> {
        let done = || -> Result<bool, redb::Error> {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(Durability::Immediate);
            let found = {
                let mut tags = txn.open_table(TAGS)?;
                let current = tags.get(uid)?.map(|v| Tag::from_bytes(uid, v.value()));
                match current {
                    None => false,
                    Some(mut tag) => {
                        tag.counts.add(counts);
                        if address != &[0; 32] {
                            tag.address = *address;
                        }
                        tags.insert(uid, &tag.to_bytes())?;
                        true
                    }
                }
            };
            txn.commit()?;
            Ok(found)
        };
        done().map_err(failed("update"))
    }
}

fn now_nanos() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_nanos()).unwrap_or(i64::MAX)
}

/// The first 32 bytes of a reference, zero-padded (bee keeps the address of an encrypted
/// reference without its key, and a shorter one padded).
fn tag_address(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let n = bytes.len().min(32);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// The counters of one upload while it runs.
#[derive(Debug, Default)]
pub struct LiveCounts {
    split: AtomicU64,
    seen: AtomicU64,
    stored: AtomicU64,
    sent: AtomicU64,
    synced: AtomicU64,
}

impl LiveCounts {
    fn record(&self, delivery: Delivery) {
        let bump = |c: &AtomicU64| {
            c.fetch_add(1, Ordering::Relaxed);
        };
        bump(&self.split);
        match delivery {
            Delivery::Seen => bump(&self.seen),
            Delivery::Stored => {
                bump(&self.stored);
                bump(&self.synced);
            }
            Delivery::Receipted => {
                bump(&self.sent);
                bump(&self.synced);
            }
        }
    }

    /// The counts so far.
    pub fn snapshot(&self) -> Counts {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counts {
            split: n(&self.split),
            seen: n(&self.seen),
            stored: n(&self.stored),
            sent: n(&self.sent),
            synced: n(&self.synced),
        }
    }
}

/// A store that counts, in an upload's [`LiveCounts`], what became of every chunk written
/// through it.
pub struct Counted {
    inner: Arc<dyn ChunkStore>,
    counts: Arc<LiveCounts>,
}

impl Counted {
    /// `inner`, counting into `counts`.
    pub fn new(inner: Arc<dyn ChunkStore>, counts: Arc<LiveCounts>) -> Counted {
        Counted { inner, counts }
    }
}

impl ChunkStore for Counted {
    fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        let counts = &self.counts;
        self.inner
            .put_batch_reporting(chunks, &mut |d| counts.record(d))
    }

    fn put_batch_reporting(
        &self,
        chunks: &[Chunk],
        report: &mut dyn FnMut(Delivery),
    ) -> Result<(), StoreError> {
        let counts = &self.counts;
        self.inner.put_batch_reporting(chunks, &mut |d| {
            counts.record(d);
            report(d)
        })
    }

    crate::forward_chunk_store!(inner: get, has, remove, remove_many, iterate, sync, get_many);
}

/// The tag an upload counts into.
pub(super) struct Session {
    /// The tag's uid, for `Swarm-Tag`.
    pub(super) uid: u64,
    counts: Arc<LiveCounts>,
}

impl Session {
    /// `store`, counting into this session.
    pub(super) fn wrap(&self, store: Arc<dyn ChunkStore>) -> Arc<dyn ChunkStore> {
        Arc::new(Counted::new(store, self.counts.clone()))
    }

    /// Adds the counts to the tag and sets its address (blocking): bee's `putter.Done`.
    pub(super) fn done(&self, state: &ApiState, address: &[u8]) -> Result<(), ApiError> {
        state
            .tags
            .done(self.uid, &self.counts.snapshot(), &tag_address(address))
            .map(drop)
            .map_err(|e| {
                tracing::warn!(error = %e, "done split failed");
                ApiError::internal("done split failed")
            })
    }
}

/// Which tag an upload wants, as bee's handlers decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    /// No tag.
    None,
    /// This existing tag (`Swarm-Tag`); an unknown one is bee's 404 "tag not found".
    Existing(u64),
    /// A new tag.
    New,
}

impl Want {
    /// `/bytes` and `/bzz`: a tag when the upload is deferred (bee's default) or pinned; the
    /// `Swarm-Tag` one if given (bee's `getOrCreateSessionID`).
    pub(super) fn deferred_upload(tag: Option<u64>, deferred: Option<bool>, pin: bool) -> Want {
        if deferred.unwrap_or(true) || pin {
            Want::given_or_new(tag)
        } else {
            Want::None
        }
    }

    /// `/soc`: deferred only when asked for, or when a tag is given; a tag as for `/bytes`.
    pub(super) fn soc(tag: Option<u64>, deferred: Option<bool>, pin: bool) -> Want {
        if deferred.unwrap_or(tag.is_some()) || pin {
            Want::given_or_new(tag)
        } else {
            Want::None
        }
    }

    /// `/chunks`: only the tag given.
    pub(super) fn chunk(tag: Option<u64>) -> Want {
        tag.map_or(Want::None, Want::Existing)
    }

    fn given_or_new(tag: Option<u64>) -> Want {
        tag.map_or(Want::New, Want::Existing)
    }
}

/// A `Swarm-Tag` header: bee's `uint64`, where 0 means none.
pub(super) fn tag_header(h: &HeaderMap) -> Result<Option<u64>, HeaderError> {
    headers::uint_header(h, "Swarm-Tag", 64).map(|t| t.filter(|&t| t != 0))
}

/// The session an upload counts into, found or created as `want` says.
pub(super) async fn session(state: &ApiState, want: Want) -> Result<Option<Session>, ApiError> {
    if want == Want::None {
        return Ok(None);
    }
    let tags = state.tags.clone();
    let found = tokio::task::spawn_blocking(move || match want {
        Want::Existing(uid) => tags.get(uid),
        _ => tags.create().map(Some),
    })
    .await
    .map_err(|_| ApiError::internal("cannot get or create tag"))?
    .map_err(|e| {
        tracing::warn!(error = %e, "get or create tag failed");
        ApiError::internal("cannot get or create tag")
    })?;
    let tag = found.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "tag not found"))?;
    Ok(Some(Session {
        uid: tag.uid,
        counts: Arc::default(),
    }))
}

/// Adds `Swarm-Tag: uid` to an upload's answer.
pub(super) fn tag_answer(response: Response, session: Option<&Session>) -> Response {
    tag_answer_uid(response, session.map(|s| s.uid))
}

/// Adds `Swarm-Tag: uid` to an upload's answer.
pub(super) fn tag_answer_uid(mut response: Response, uid: Option<u64>) -> Response {
    if let Some(uid) = uid {
        response
            .headers_mut()
            .insert("swarm-tag", HeaderValue::from(uid));
    }
    response
}

/// A tag as bee's `tagResponse`, in its field order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TagResponse {
    split: u64,
    seen: u64,
    stored: u64,
    sent: u64,
    synced: u64,
    uid: u64,
    address: String,
    started_at: String,
}

impl From<&Tag> for TagResponse {
    fn from(t: &Tag) -> TagResponse {
        let c = t.counts;
        TagResponse {
            split: c.split,
            seen: c.seen,
            stored: c.stored,
            sent: c.sent,
            synced: c.synced,
            uid: t.uid,
            address: if t.address == [0; 32] {
                String::new()
            } else {
                hex::encode(t.address)
            },
            started_at: rfc3339_nano(t.started_at),
        }
    }
}

/// Go's `time.Time` in JSON (RFC 3339 with as many fraction digits as needed), in UTC.
fn rfc3339_nano(nanos: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[derive(Debug, Serialize)]
struct ListResponse {
    tags: Vec<TagResponse>,
}

fn store_failure(what: &'static str) -> impl Fn(TagsError) -> ApiError {
    move |e| {
        tracing::warn!(error = %e, "tag request failed");
        ApiError::internal(what)
    }
}

async fn blocking<T: Send + 'static>(
    state: &ApiState,
    what: &'static str,
    f: impl FnOnce(&Tags) -> Result<T, TagsError> + Send + 'static,
) -> Result<T, ApiError> {
    let tags = state.tags.clone();
    tokio::task::spawn_blocking(move || f(&tags))
        .await
        .map_err(|_| ApiError::internal(what))?
        .map_err(store_failure(what))
}

fn no_cache(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private, max-age=0"),
    );
    response
}

/// bee's 413 for a body over [`MAX_BODY`] bytes declared.
fn check_declared(h: &HeaderMap) -> Result<(), ApiError> {
    if content_length(h).is_some_and(|n| n > MAX_BODY as u64) {
        return Err(super::soc::too_large());
    }
    Ok(())
}

/// `POST /tags`: a new tag (the body is not read).
pub(super) async fn create(
    State(state): State<ApiState>,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    check_declared(&h)?;
    let tag = blocking(&state, "cannot create tag", |t| t.create()).await?;
    Ok(no_cache(
        (StatusCode::CREATED, Json(TagResponse::from(&tag))).into_response(),
    ))
}

/// A query parameter as bee's `int`: Go's syntax, and (here) not negative.
fn int_query(errors: &mut HeaderErrors, uri: &Uri, name: &str) -> Option<usize> {
    let value = super::stamps::query_value(uri, name)?;
    match headers::parse_go_int(&value) {
        Ok(n) => match usize::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(HeaderError::invalid(name, "want min:0"));
                None
            }
        },
        Err(e) => {
            errors.push(HeaderError::syntax(name, e));
            None
        }
    }
}

/// `GET /tags?offset=&limit=`: bee's page of tags in uid order (limit 100 by default, at most
/// 1000).
pub(super) async fn list(State(state): State<ApiState>, uri: Uri) -> Result<Response, ApiError> {
    let mut errors = HeaderErrors::default();
    let offset = int_query(&mut errors, &uri, "offset").unwrap_or(0);
    let limit = int_query(&mut errors, &uri, "limit").unwrap_or(DEFAULT_LIMIT);
    params_error(errors, "invalid query params")?;
    let tags = blocking(&state, "listing failed", move |t| t.list(offset, limit)).await?;
    Ok(Json(ListResponse {
        tags: tags.iter().map(TagResponse::from).collect(),
    })
    .into_response())
}

/// The `{id}` of `/tags/{id}`: bee's `uint64`, required (not 0).
fn parse_uid(uri: &Uri) -> Result<u64, ApiError> {
    let raw = path_param(uri);
    let text = String::from_utf8_lossy(&raw);
    let mut errors = HeaderErrors::default();
    match headers::parse_go_uint(&text, 64) {
        Ok(0) => errors.push(HeaderError::required("id")),
        Ok(uid) => return Ok(uid),
        Err(e) => errors.push(HeaderError::syntax("id", e)),
    }
    params_error(errors, "invalid path params")?;
    Err(ApiError::internal("cannot get tag"))
}

fn not_present() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "tag not present")
}

/// `GET /tags/{id}`.
pub(super) async fn get(State(state): State<ApiState>, uri: Uri) -> Result<Response, ApiError> {
    let uid = parse_uid(&uri)?;
    let tag = blocking(&state, "cannot get tag", move |t| t.get(uid))
        .await?
        .ok_or_else(not_present)?;
    Ok(no_cache(Json(TagResponse::from(&tag)).into_response()))
}

/// `DELETE /tags/{id}`: 204, or 404 for a tag that does not exist.
pub(super) async fn delete(State(state): State<ApiState>, uri: Uri) -> Result<Response, ApiError> {
    let uid = parse_uid(&uri)?;
    if blocking(&state, "cannot get tag", move |t| t.delete(uid)).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_present())
    }
}

/// The address of a `PATCH /tags/{id}` body as Go's `json.Unmarshal` reads bee's `tagRequest`:
/// `null` or an object whose `address` (matched case-insensitively, the last one counts) is a hex
/// string or `null`; an empty body is no address. `None` for anything else.
fn patch_address(body: &[u8]) -> Option<Vec<u8>> {
    if body.is_empty() {
        return Some(Vec::new());
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let fields = match value {
        serde_json::Value::Null => return Some(Vec::new()),
        serde_json::Value::Object(fields) => fields,
        _ => return None,
    };
    let mut address = Vec::new();
    for (key, value) in fields {
        if !key.eq_ignore_ascii_case("address") {
            continue;
        }
        address = match value {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::String(s) => headers::decode_go_hex(s.as_bytes()).ok()?,
            _ => return None,
        };
    }
    Some(address)
}

/// `PATCH /tags/{id}` with `{"address": "<hex>"}`: bee's "done split", which makes the address the
/// tag's (an empty body or address changes nothing) and answers 200 `{"code":200,"message":"ok"}`.
pub(super) async fn patch(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
    mut body: Body,
) -> Result<Response, ApiError> {
    check_declared(&h)?;
    let uid = parse_uid(&uri)?;
    let mut data = Vec::new();
    while let Some(piece) = next_data(&mut body, state.config.idle_timeout).await? {
        if data.len() + piece.len() > MAX_BODY {
            return Err(super::soc::too_large());
        }
        data.extend_from_slice(&piece);
    }
    // bee answers 500 with this message; the fault is the client's.
    let address = patch_address(&data)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "error unmarshaling metadata"))?;
    let address = tag_address(&address);
    let found = blocking(&state, "cannot get tag", move |t| {
        t.done(uid, &Counts::default(), &address)
    })
    .await?;
    if !found {
        return Err(not_present());
    }
    Ok((StatusCode::OK, Json(ApiError::new(StatusCode::OK, "ok"))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let tag = Tag {
            uid: 7,
            counts: Counts {
                split: 1,
                seen: 2,
                stored: 3,
                sent: 4,
                synced: 5,
            },
            address: [9; 32],
            started_at: 1_700_000_000_123_456_789,
        };
        assert_eq!(Tag::from_bytes(7, &tag.to_bytes()), tag);
    }

    #[test]
    fn uids_count_up_and_are_not_reused() {
        let tags = Tags::in_memory();
        assert_eq!(tags.create().unwrap().uid, 1);
        assert_eq!(tags.create().unwrap().uid, 2);
        assert!(tags.delete(2).unwrap());
        assert!(!tags.delete(2).unwrap());
        assert_eq!(tags.create().unwrap().uid, 3);
        let listed: Vec<u64> = tags.list(0, 10).unwrap().iter().map(|t| t.uid).collect();
        assert_eq!(listed, [1, 3]);
        assert_eq!(tags.list(1, 10).unwrap()[0].uid, 3);
        assert!(tags.list(0, 0).unwrap().is_empty());
    }

    #[test]
    fn a_page_is_at_most_bees_largest() {
        let tags = Tags::in_memory();
        for _ in 0..MAX_LIMIT + 1 {
            tags.create().unwrap();
        }
        let page = tags.list(0, usize::MAX).unwrap();
        assert_eq!(page.len(), MAX_LIMIT);
        assert_eq!(page.last().unwrap().uid, MAX_LIMIT as u64);
        assert_eq!(tags.list(MAX_LIMIT, usize::MAX).unwrap()[0].uid, 1001);
    }

    #[test]
    fn go_times() {
        assert_eq!(rfc3339_nano(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_nano(1_700_000_000_120_000_000),
            "2023-11-14T22:13:20.12Z"
        );
    }

    #[test]
    fn patch_bodies() {
        assert_eq!(patch_address(b""), Some(vec![]));
        assert_eq!(patch_address(b"null"), Some(vec![]));
        assert_eq!(patch_address(br#"{"Address":"ab"}"#), Some(vec![0xab]));
        assert_eq!(patch_address(br#"{"address":null,"x":1}"#), Some(vec![]));
        assert_eq!(patch_address(br#"{"address":"zz"}"#), None);
        assert_eq!(patch_address(br#"{"address":5}"#), None);
        assert_eq!(patch_address(b"[]"), None);
        assert_eq!(patch_address(b"{"), None);
    }
}
