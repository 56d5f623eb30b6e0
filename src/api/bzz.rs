//! `POST /bzz`, `GET /bzz/{reference}/[{path}]`, `HEAD` likewise: files and collections as mantaray
//! manifests, as bee v2.8.1's `pkg/api/bzz.go` and `dirs.go` build and serve them. `/bzz/{reference}`
//! without the slash is a 308 to it, as bee's router.
//!
//! An upload runs on a blocking thread fed from the connection through a bounded channel (as
//! `/bytes`): a single file goes through the splitter, then a manifest with `/` (its name as index
//! document) and the file (`Content-Type`, `Filename`); a collection (`Swarm-Collection: true`, a tar
//! body) is read entry by entry, each regular file split as it streams in, then the root `/` with
//! `Swarm-Index-Document` / `Swarm-Error-Document`. Manifest nodes are saved at the upload's
//! redundancy level and encryption, as bee's `loadsave` does.
//!
//! A download resolves the path in the manifest as bee's `serveReference` (index document for the
//! root and for directories, a 308 to the directory for a path that is one without its slash, the
//! error document for what is not found) and streams the entry like `/bytes`, with the entry's
//! `Content-Type` (sniffed from the first 512 bytes when the manifest has none) and
//! `Content-Disposition: inline; filename="…"`.
//!
//! A feed manifest (a `/` entry whose metadata names a feed's owner and topic, as `POST /feeds`
//! writes it) is first resolved to its latest update ([`super::feeds::manifest_feed`]); the path is
//! then resolved in the manifest that update leads to, as bee's `bzz.go` does, and the answer carries
//! `Swarm-Feed-Index` and `Swarm-Feed-Resolved-Version` and no `ETag`.

use std::io::{self, Read};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use super::bytes::{self as api_bytes, DownloadParams, Feed, UploadParams};
use super::tags;
use super::tar::{TarError, TarReader};
use super::{headers, percent_decode, ApiError, ApiState, ReferenceResponse, Uploaded};
use crate::encryption::{OsRandom, RandomSource};
use crate::file::splitter::StoreSink;
use crate::file::{split_reader, JoinOptions, Joiner, SplitError, SplitOptions};
use crate::manifest::path as tar;
use crate::manifest::sniff;
use crate::manifest::{self, CollectionFile, ManifestError, Node, Resolution, StoreLoadSaver};
use crate::reference::Reference;
use crate::store::{ChunkStore, StoreError};

const INVALID_CONTENT_TYPE: &str = "invalid content-type";
const DIRECTORY_STORE: &str = "could not store directory";
const FILE_STORE: &str = "could not store file";

/// Blocking reads from the upload channel.
struct ChannelReader {
    rx: mpsc::Receiver<Feed>,
    piece: Bytes,
    ended: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.piece.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Some(data)) => self.piece = data,
                Some(None) => self.ended = true,
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "upload abandoned",
                    ))
                }
            }
        }
        let n = buf.len().min(self.piece.len());
        buf[..n].copy_from_slice(&self.piece.split_to(n));
        Ok(n)
    }
}

/// What the client asked for.
enum Kind {
    File {
        name: Option<String>,
        content_type: String,
    },
    Collection {
        index: Option<String>,
        error: Option<String>,
    },
}

/// Why an upload failed: bee's answer.
fn upload_error(e: ManifestError, what: &'static str) -> ApiError {
    match e {
        ManifestError::Save(SplitError::Store(StoreError::Backend {
            op: crate::net::BATCH_FULL_OP,
            ..
        })) => ApiError::new(StatusCode::PAYMENT_REQUIRED, super::BATCH_OVERISSUED),
        ManifestError::PathTooLong { .. } | ManifestError::EntrySize { .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, e.to_string())
        }
        _ => {
            tracing::warn!(error = %e, "bzz upload failed");
            ApiError::internal(what)
        }
    }
}

fn split_error(e: SplitError, what: &'static str) -> ApiError {
    match e {
        SplitError::Read { .. } => ApiError::new(StatusCode::BAD_REQUEST, what),
        e => upload_error(ManifestError::Save(e), what),
    }
}

fn tar_error(e: TarError) -> ApiError {
    match e {
        TarError::Header { .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid filename in tar archive")
        }
        // bee answers 500 "could not store directory" for a truncated archive: it is the client's.
        TarError::UnexpectedEof { .. } | TarError::TooLong { .. } | TarError::Io(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, DIRECTORY_STORE)
        }
    }
}

/// `POST /bzz`.
pub(super) async fn upload(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let params = UploadParams::parse(&h, &state.config)?;
    // bee opens the upload's tag before it looks at the body's kind.
    let session = tags::session(&state, params.tag).await?;
    let collection = headers::bool_header(&h, "Swarm-Collection")?.unwrap_or(false);
    let content_type = headers::text(&h, "Content-Type")
        .map(|c| c.trim().to_owned())
        .unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let kind = if collection || media == "multipart/form-data" {
        if content_type.is_empty() {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, INVALID_CONTENT_TYPE));
        }
        if media != "application/x-tar" {
            // bee also takes multipart/form-data collections: not built here (docs/API.md).
            return Err(ApiError::new(StatusCode::BAD_REQUEST, INVALID_CONTENT_TYPE));
        }
        if api_bytes::content_length(&h) == Some(0) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "could not validate request",
            ));
        }
        let doc = |name| headers::text(&h, name).map(|v| v.into_owned());
        let index = doc("Swarm-Index-Document").filter(|s| !s.is_empty());
        if index.as_deref().is_some_and(|i| i.contains('/')) {
            // bee: 500 "could not store directory"; the client's mistake, so 400 here.
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "index document suffix must not include slash character",
            ));
        }
        Kind::Collection {
            index,
            error: doc("Swarm-Error-Document").filter(|s| !s.is_empty()),
        }
    } else {
        let name = super::stamps::query_value(&uri, "name").filter(|n| !n.is_empty());
        if name.as_deref().is_some_and(|n| n.starts_with('/')) {
            return Err(ApiError {
                reasons: vec![super::Reason {
                    field: "name".into(),
                    error: "want startsnotwith:/".into(),
                }],
                ..ApiError::new(StatusCode::BAD_REQUEST, "invalid query params")
            });
        }
        Kind::File { name, content_type }
    };
    let limit = state.config.max_upload_bytes;
    if api_bytes::content_length(&h).is_some_and(|n| n > limit) {
        return Err(ApiError::too_large(limit));
    }
    if params.pin {
        super::pins::pin_store(&state)?;
    }
    let _slot = state.slot().await?;
    let (tx, rx) = mpsc::channel::<Feed>(state.config.stream_buffer.max(1));
    let worker_state = state.clone();
    let options = params.options;
    let stamp = params.stamp;
    let pin = params.pin;
    let is_file = matches!(kind, Kind::File { .. });
    let uid = session.as_ref().map(|s| s.uid);
    let worker = tokio::task::spawn_blocking(move || {
        let mut store = worker_state.upload_store(stamp)?;
        if let Some(s) = &session {
            store = s.wrap(store);
        }
        let (store, pins) = if pin {
            let (store, pins) = super::pins::pinned_upload_store(&worker_state, store)?;
            (store, Some(pins))
        } else {
            (store, None)
        };
        let reader = ChannelReader {
            rx,
            piece: Bytes::new(),
            ended: false,
        };
        let reference = match kind {
            Kind::File { name, content_type } => {
                store_file(&*store, reader, name, content_type, options, &worker_state)?
            }
            Kind::Collection { index, error } => store_collection(
                &*store,
                reader,
                index.as_deref(),
                error.as_deref(),
                options,
                &worker_state,
            )?,
        };
        store
            .sync()
            .map_err(|e| upload_error(ManifestError::Save(SplitError::Store(e)), FILE_STORE))?;
        if let Some(s) = &session {
            s.done(&worker_state, &reference.to_bytes())?;
        }
        worker_state.notify(&Uploaded { reference, size: 0 })?;
        if let Some(pins) = &pins {
            super::pins::pin_upload(pins, &reference, options.level)?;
        }
        Ok::<Reference, ApiError>(reference)
    });
    let fed = api_bytes::feed(body, tx, limit, state.config.idle_timeout).await;
    let outcome = worker.await;
    fed?;
    let reference = outcome.map_err(|_| ApiError::internal(DIRECTORY_STORE))??;
    let mut response = (
        StatusCode::CREATED,
        super::Json(ReferenceResponse {
            reference: reference.to_hex(),
        }),
    )
        .into_response();
    let rh = response.headers_mut();
    if is_file {
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", reference.to_hex())) {
            rh.insert(header::ETAG, v);
        }
    }
    rh.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("Swarm-Tag"),
    );
    Ok(tags::tag_answer_uid(response, uid))
}

fn rng_for(options: SplitOptions) -> Option<OsRandom> {
    options.encrypt.then_some(OsRandom)
}

fn split_one(
    store: &dyn ChunkStore,
    reader: impl Read,
    options: SplitOptions,
    what: &'static str,
) -> Result<(Reference, u64), ApiError> {
    let mut rng = rng_for(options);
    let rng = rng.as_mut().map(|r| r as &mut dyn RandomSource);
    let summary = split_reader(reader, &mut StoreSink(store), options, rng)
        .map_err(|e| split_error(e, what))?;
    Ok((summary.reference, summary.size))
}

pub(super) fn save_manifest(
    store: &dyn ChunkStore,
    mut m: Node,
    options: SplitOptions,
    what: &'static str,
) -> Result<Reference, ApiError> {
    let mut rng = rng_for(options);
    let rng = rng.as_mut().map(|r| r as &mut dyn RandomSource);
    let mut ls = StoreLoadSaver::new(store, options, JoinOptions::default(), rng);
    let r = m.save(&mut ls).map_err(|e| upload_error(e, what))?;
    Reference::from_bytes(&r).ok_or_else(|| ApiError::internal(what))
}

fn store_file(
    store: &dyn ChunkStore,
    mut reader: ChannelReader,
    name: Option<String>,
    content_type: String,
    options: SplitOptions,
    state: &ApiState,
) -> Result<Reference, ApiError> {
    let mut head = Vec::new();
    let content_type = if content_type.is_empty() {
        (&mut reader)
            .take(sniff::SNIFF_LEN as u64)
            .read_to_end(&mut head)
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "failed to read request body"))?;
        sniff::detect(&head).to_owned()
    } else {
        content_type
    };
    let (file, size) = split_one(store, head.as_slice().chain(reader), options, FILE_STORE)?;
    state.notify(&Uploaded {
        reference: file,
        size,
    })?;
    let name = name.unwrap_or_else(|| file.to_hex());
    let m = manifest::single_file(&file.to_bytes(), &name, &content_type, options.encrypt)
        .map_err(|e| upload_error(e, "add file failed"))?;
    save_manifest(store, m, options, "manifest store failed")
}

/// Reads one tar entry's data.
struct EntryReader<'a, R: Read>(&'a mut TarReader<R>);

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read_data(buf).map_err(io::Error::other)
    }
}

fn store_collection(
    store: &dyn ChunkStore,
    reader: ChannelReader,
    index: Option<&str>,
    error: Option<&str>,
    options: SplitOptions,
    state: &ApiState,
) -> Result<Reference, ApiError> {
    let mut tar = TarReader::new(reader);
    let mut m = manifest::new_manifest(options.encrypt);
    let mut added = 0usize;
    while let Some(entry) = tar.next_entry().map_err(tar_error)? {
        let path = tar::clean(&entry.name);
        if path == b"." || !entry.regular {
            continue;
        }
        // A read failure inside the entry (a truncated archive, a broken connection) is a 400.
        let (file, size) = split_one(store, EntryReader(&mut tar), options, DIRECTORY_STORE)?;
        state.notify(&Uploaded {
            reference: file,
            size,
        })?;
        let content_type = manifest::content_type_by_extension(&entry.name).to_owned();
        manifest::add_collection_file(
            &mut m,
            &CollectionFile {
                path,
                reference: file.to_bytes(),
                content_type,
            },
        )
        .map_err(|e| upload_error(e, DIRECTORY_STORE))?;
        added += 1;
    }
    if added == 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "no files in root directory",
        ));
    }
    manifest::add_website_documents(&mut m, index, error)
        .map_err(|e| upload_error(e, DIRECTORY_STORE))?;
    save_manifest(store, m, options, DIRECTORY_STORE)
}

/// The reference and the path of `/bzz/{reference}/{path}`, the path percent-decoded, with bee's
/// trailing-slash rule (several become one).
fn parse_target(uri: &Uri) -> Result<(Reference, Vec<u8>), ApiError> {
    let rest = uri
        .path()
        .strip_prefix("/bzz/")
        .unwrap_or_default()
        .as_bytes();
    let (raw_ref, raw_path) = match rest.iter().position(|&b| b == b'/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &b""[..]),
    };
    let raw_ref = percent_decode(raw_ref);
    let digits = raw_ref.strip_prefix(b"0x").unwrap_or(&raw_ref);
    let bytes = headers::decode_go_hex(digits).map_err(|e| ApiError::invalid_path("address", e))?;
    let reference = Reference::from_bytes(&bytes)
        .ok_or_else(|| ApiError::invalid_path("address", "want 64 or 128 hex characters"))?;
    let mut path = percent_decode(raw_path);
    if path.ends_with(b"/") {
        while path.ends_with(b"/") {
            path.pop();
        }
        path.push(b'/');
    }
    Ok((reference, path))
}

/// What a path resolves to.
enum Resolved {
    /// Serve this entry.
    Entry {
        reference: Reference,
        metadata: manifest::Metadata,
        size: u64,
        /// The first bytes, for sniffing when the manifest has no content type.
        head: Option<Vec<u8>>,
    },
    /// 308 to the directory.
    Redirect,
    /// An error answer.
    Error(ApiError),
}

fn resolve(
    store: &dyn ChunkStore,
    root: Reference,
    path: &[u8],
    join_options: JoinOptions,
    sniff_head: bool,
) -> Resolved {
    let mut reader = StoreLoadSaver::reader(store, join_options);
    let mut m = Node::from_reference(&root.to_bytes());
    let (entry, metadata) = match manifest::resolve(&mut m, path, &mut reader) {
        Resolution::Entry { entry, metadata } => (entry, metadata),
        Resolution::Directory => return Resolved::Redirect,
        Resolution::NotFound(message) => {
            return Resolved::Error(ApiError::new(StatusCode::NOT_FOUND, message))
        }
    };
    let Some(reference) = Reference::from_bytes(&entry) else {
        return Resolved::Error(ApiError::not_found());
    };
    let joiner = match Joiner::open(store, &reference, join_options) {
        Ok(j) => j,
        Err(e) => return Resolved::Error(api_bytes::join_error(&e)),
    };
    let head = if sniff_head && !metadata.contains_key(manifest::CONTENT_TYPE_KEY) {
        let mut head = Vec::new();
        match joiner.read_range(0, sniff::SNIFF_LEN as u64, &mut head) {
            Ok(_) => Some(head),
            Err(e) => return Resolved::Error(api_bytes::join_error(&e)),
        }
    } else {
        None
    };
    Resolved::Entry {
        reference,
        metadata,
        size: joiner.size(),
        head,
    }
}

/// bee's `escapeQuotes`.
fn escape_quotes(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The headers bee adds for a manifest entry.
fn entry_headers(response: &mut Response, metadata: &manifest::Metadata, head: Option<&[u8]>) {
    let h = response.headers_mut();
    if let Some(name) = metadata.get(manifest::FILENAME_KEY) {
        let base = tar::base(name.as_bytes());
        let value = format!(
            "inline; filename=\"{}\"",
            escape_quotes(&String::from_utf8_lossy(&base))
        );
        if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    match metadata.get(manifest::CONTENT_TYPE_KEY) {
        Some(ct) => match HeaderValue::from_bytes(ct.as_bytes()) {
            Ok(v) => {
                h.insert(header::CONTENT_TYPE, v);
            }
            Err(_) => {
                h.remove(header::CONTENT_TYPE);
            }
        },
        None => {
            if let Some(head) = head {
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(sniff::detect(head)),
                );
            }
        }
    }
}

fn redirect(uri: &Uri, head_only: bool) -> Response {
    let mut location = format!("{}/", uri.path());
    if let Some(q) = uri.query() {
        location.push('?');
        location.push_str(q);
    }
    let body = if head_only {
        String::new()
    } else {
        format!(
            "<a href=\"{}\">Permanent Redirect</a>.\n\n",
            location
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&#34;")
                .replace('\'', "&#39;")
        )
    };
    let mut response = (StatusCode::PERMANENT_REDIRECT, body).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&location) {
        h.insert(header::LOCATION, v);
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

async fn serve(
    state: ApiState,
    uri: Uri,
    h: HeaderMap,
    head_only: bool,
) -> Result<Response, ApiError> {
    let (root, path) = parse_target(&uri)?;
    let (params, checked) = DownloadParams::parse(&h, &state.config);
    checked?;
    let slot = state.slot().await?;
    let store = state.download_store(params.chunk_timeout);
    let join_options = params.join;
    let (resolved, feed) = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        // A feed manifest: its latest update's content is the manifest served (bee's bzz.go).
        let feed = match super::feeds::manifest_feed(&*store, &root, join_options) {
            Ok(feed) => feed,
            Err(e) => return (Resolved::Error(e), None),
        };
        let Some(feed) = feed else {
            return (
                resolve(&*store, root, &path, join_options, !head_only),
                None,
            );
        };
        let root = Reference::plain(feed.root.address);
        let with_root = super::soc::WithRoot {
            inner: store,
            root: feed.root,
        };
        let resolved = resolve(&with_root, root, &path, join_options, !head_only);
        (resolved, Some((feed.index, feed.version)))
    })
    .await
    .map_err(|_| ApiError::internal("joiner failed"))?;
    let mut response = serve_resolved(&state, &uri, &h, params, head_only, resolved).await?;
    if let Some((index, version)) = feed {
        let rh = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&hex::encode(index.to_be_bytes())) {
            rh.insert("swarm-feed-index", v);
        }
        rh.insert(
            "swarm-feed-resolved-version",
            HeaderValue::from_static(version),
        );
        // bee serves a dereferenced feed without an ETag, and sets its expose header first.
        rh.remove(header::ETAG);
        let joined = rh.remove("access-control-expose-headers").is_some();
        rh.append(
            "access-control-expose-headers",
            HeaderValue::from_static("Swarm-Feed-Index"),
        );
        if joined {
            rh.append(
                "access-control-expose-headers",
                HeaderValue::from_static("Content-Disposition"),
            );
        }
    }
    Ok(response)
}

async fn serve_resolved(
    state: &ApiState,
    uri: &Uri,
    h: &HeaderMap,
    params: DownloadParams,
    head_only: bool,
    resolved: Resolved,
) -> Result<Response, ApiError> {
    match resolved {
        Resolved::Error(e) => Err(e),
        Resolved::Redirect => Ok(redirect(uri, head_only)),
        Resolved::Entry {
            reference,
            metadata,
            size,
            head,
        } => {
            let mut response = if head_only {
                let mut r = StatusCode::OK.into_response();
                let rh = r.headers_mut();
                rh.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
                if let Ok(v) = HeaderValue::from_str(&format!("\"{reference}\"")) {
                    rh.insert(header::ETAG, v);
                }
                rh.insert(
                    "access-control-expose-headers",
                    HeaderValue::from_static("Content-Disposition"),
                );
                r
            } else {
                api_bytes::stream(state, reference, params, h).await?
            };
            if response.status().is_success() {
                entry_headers(&mut response, &metadata, head.as_deref());
            }
            Ok(response)
        }
    }
}

/// `GET /bzz/{reference}[/{path}]`.
pub(super) async fn download(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    serve(state, uri, h, false).await
}

/// `HEAD /bzz/{reference}[/{path}]`.
pub(super) async fn head(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    serve(state, uri, h, true).await
}

/// `GET /bzz/{reference}`: 308 to `/bzz/{reference}/`, whatever the reference, as bee's router
/// (`u.Path += "/"`, query kept) before anything is looked up.
pub(super) async fn root_redirect(uri: Uri) -> Response {
    redirect(&uri, false)
}

/// `HEAD /bzz/{reference}`: the same 308 without a body.
pub(super) async fn root_redirect_head(uri: Uri) -> Response {
    redirect(&uri, true)
}
