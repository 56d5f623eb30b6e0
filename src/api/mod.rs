//! bee-compatible HTTP API (spec §9): `/bytes`, `/chunks`, `/bzz`, `/soc`, `/feeds`, `/stewardship`,
//! `/stamps`, `/tags`, `/pins`, `/health`, `/readiness` (and `/`) over any
//! [`ChunkStore`], so that bee-js, swarm-cli and applications built on them can talk to swarmec.
//!
//! Uploads are streamed into the splitter and downloads out of the joiner; both run on blocking threads
//! and talk to the connection through bounded channels, so a transfer holds at most
//! [`ApiConfig::stream_buffer`] pieces in memory however large the file and however slow the client.
//! Bodies are bounded by [`ApiConfig::max_upload_bytes`], work by [`ApiConfig::max_concurrent_requests`],
//! stalled clients by [`ApiConfig::idle_timeout`].
//!
//! Postage: `Swarm-Postage-Batch-Id` (or `/chunks`' `Swarm-Postage-Stamp`) must be well formed, as
//! bee checks it. Over a local store that is all (nothing leaves the machine, so nothing is
//! stamped); a node sets [`ApiState::with_upload_store`], which picks the store that stamps an
//! upload with that batch and refuses an unknown, foreign or full batch as bee does.
//!
//! Tags: an upload counts its chunks into a tag where bee's would (`Swarm-Tag`, or a new tag for a
//! deferred `/bytes`, `/bzz` or `/feeds` upload, bee's default), see [`tags`]. Pinning needs the
//! local store's pins ([`ApiState::with_pins`]). The deferred/direct distinction itself, ACT and `Swarm-Cache` are accepted and ignored. Everything
//! that differs from bee is listed in `docs/API.md`.
//!
//! Pushing to the network: the API writes every chunk with [`ChunkStore::put_batch`] and nothing else;
//! a store that pushes on put (a network store) thus pushes API uploads exactly as CLI uploads.
//! [`ApiState::on_upload`] additionally tells the caller about every finished upload.
//!
//! Acknowledged means durable: an upload is answered 201 only after [`ChunkStore::sync`] returned,
//! once per upload (the batches before it are committed without an fsync, as the CLI's), so a server
//! killed right after the answer still has every chunk.

mod bytes;
mod bzz;
mod chunks;
mod cors;
mod feeds;
pub mod headers;
mod node;
mod pins;
mod soc;
mod stamps;
mod stewardship;
mod tags;
mod tar;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::redundancy::Level;
use crate::reference::Reference;
use crate::stamps::Postage;
use crate::store::{ChunkStore, PinStore};

pub use self::headers::{HeaderError, HeaderErrors};
pub use self::node::{NodeMode, NodeStatus, PeerView, StatusSnapshot, StoreOnly};
pub use self::pins::{pin_chunks, CollectError, MAX_PIN_CHUNKS};
pub use self::tags::{Counted, Counts, LiveCounts, Tag, Tags, TagsError, TAGS_FILE};

/// The bee version reported by `/health` and `/readiness`: the bee release whose API this follows,
/// marked as ours (bee-js's `isSupportedExactVersion` wants bee's own build, `2.8.1-7cf53193`, and
/// is rightly false).
pub const BEE_VERSION: &str = "2.8.1-swarmec";
/// The bee API version reported by `/health` and `/readiness`: bee v2.8.1's (`openapi/Swarm.yaml`,
/// which bee's release build stamps in), so that bee-js 12's `isSupportedApiVersion` holds.
pub const API_VERSION: &str = "8.1.0";

/// Limits and defaults of the API. [`ApiConfig::default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// Largest `POST /bytes` body, in bytes; a larger declared or received body gets 413.
    /// Default 4 GiB.
    pub max_upload_bytes: u64,
    /// Requests served at once (health and readiness excluded); the rest wait up to
    /// [`ApiConfig::queue_timeout`], then get 503. Default 64.
    pub max_concurrent_requests: usize,
    /// How long a request waits for a free slot. Default 10 s.
    pub queue_timeout: Duration,
    /// How long an upload may receive nothing, and a download may have its next piece refused by a
    /// client that does not read, before the transfer is dropped. Default 60 s.
    pub idle_timeout: Duration,
    /// Pieces (frames of the request body, 64 KiB pieces of a download) buffered per transfer between
    /// the connection and the splitter or joiner. Default 16.
    pub stream_buffer: usize,
    /// Redundancy level of uploads without `Swarm-Redundancy-Level`: medium, as bee's code.
    pub default_upload_level: Level,
    /// Level whose root replicas are tried on download without `Swarm-Redundancy-Level`: paranoid, as
    /// bee.
    pub default_download_level: Level,
    /// Per-chunk retrieval timeout without `Swarm-Chunk-Retrieval-Timeout`: 30 s, as bee. Passed to
    /// the store through [`ApiState::on_download`] (local stores do not wait).
    pub chunk_retrieval_timeout: Duration,
    /// Whether chunks a download rebuilt from parity are written back to the store. Default true
    /// (a local store); a node's API sets false, as pushing them to the network needs a stamp.
    pub write_back: bool,
    /// Origins whose web pages may call the API (bee's `--cors-allowed-origins`; `*` for any): their
    /// requests get CORS headers, as do the API's own origin's. Default none.
    pub cors_allowed_origins: Vec<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_upload_bytes: 4 << 30,
            max_concurrent_requests: 64,
            queue_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            stream_buffer: 16,
            default_upload_level: Level::Medium,
            default_download_level: Level::Paranoid,
            chunk_retrieval_timeout: Duration::from_secs(30),
            write_back: true,
            cors_allowed_origins: Vec::new(),
        }
    }
}

/// What a finished upload wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The reference returned to the client.
    pub reference: Reference,
    /// Bytes uploaded (for `/chunks`, the chunk data length).
    pub size: u64,
}

/// Called on a blocking thread after each successful upload, before the response is sent; an error
/// becomes a 500 `{"message":"push failed"}`.
pub type UploadHook = Arc<dyn Fn(&Uploaded) -> Result<(), String> + Send + Sync>;

/// Called before each download with the request's chunk retrieval timeout; returns the store to read
/// from (e.g. a network store configured with that timeout). Without it, [`ApiState::store`] is used.
pub type DownloadStoreHook = Arc<dyn Fn(Duration) -> Arc<dyn ChunkStore> + Send + Sync>;

/// How an upload is paid for: a batch of this node's, or a stamp the client signed (`/chunks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStamp {
    /// Stamp every chunk from this batch.
    Batch(crate::postage::BatchId),
    /// This stamp, for the one chunk uploaded.
    Presigned(crate::postage::Stamp),
}

/// Why an upload's stamps cannot be had; each is bee's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadRefusal {
    /// 404 "batch with id not found".
    UnknownBatch,
    /// 422 "batch not usable yet or does not exist" (a batch that is not this node's own).
    NotUsable,
    /// 402 "batch is overissued".
    Full,
    /// 500 with the reason logged.
    Failed(String),
}

impl From<UploadRefusal> for ApiError {
    fn from(r: UploadRefusal) -> ApiError {
        match r {
            UploadRefusal::UnknownBatch => {
                ApiError::new(StatusCode::NOT_FOUND, "batch with id not found")
            }
            UploadRefusal::NotUsable => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "batch not usable yet or does not exist",
            ),
            UploadRefusal::Full => ApiError::new(StatusCode::PAYMENT_REQUIRED, BATCH_OVERISSUED),
            UploadRefusal::Failed(reason) => {
                tracing::warn!(%reason, "cannot stamp an upload");
                ApiError::internal("split write all failed")
            }
        }
    }
}

/// bee's answer to an upload whose batch ran out of slots.
pub(crate) const BATCH_OVERISSUED: &str = "batch is overissued";

/// Called (on a blocking thread) before each upload with its stamp: the store that writes it.
pub type UploadStoreHook =
    Arc<dyn Fn(UploadStamp) -> Result<Arc<dyn ChunkStore>, UploadRefusal> + Send + Sync>;

/// Everything the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// Where chunks are written and read.
    pub store: Arc<dyn ChunkStore>,
    /// Limits and defaults.
    pub config: ApiConfig,
    /// Optional notification after each upload (see [`UploadHook`]).
    pub on_upload: Option<UploadHook>,
    /// Optional per-download store choice (see [`DownloadStoreHook`]).
    pub on_download: Option<DownloadStoreHook>,
    /// Optional per-upload store choice (see [`UploadStoreHook`]).
    pub on_upload_store: Option<UploadStoreHook>,
    /// The node's batches for `/stamps` (see [`ApiState::with_postage`]); without them `/stamps`
    /// answers as bee without a chain.
    pub postage: Option<Arc<Postage>>,
    /// What `/node`, `/addresses`, `/peers` and `/topology` report (see [`ApiState::with_node`]).
    pub node: Option<Arc<dyn NodeStatus>>,
    /// The tags uploads count into (see [`ApiState::with_tags`]); in memory by default.
    pub tags: Arc<Tags>,
    /// The local store's pins for `/pins` and `Swarm-Pin` (see [`ApiState::with_pins`]); without
    /// them those answer 501.
    pub pins: Option<Arc<dyn PinStore>>,
    slots: Arc<Semaphore>,
}

impl ApiState {
    /// State over `store` with `config` and no hooks.
    pub fn new(store: Arc<dyn ChunkStore>, config: ApiConfig) -> ApiState {
        let slots = Arc::new(Semaphore::new(config.max_concurrent_requests.max(1)));
        ApiState {
            store,
            config,
            on_upload: None,
            on_download: None,
            on_upload_store: None,
            postage: None,
            node: None,
            tags: Arc::new(Tags::in_memory()),
            pins: None,
            slots,
        }
    }

    /// The state serving `/stamps` from `postage` (the node's batches and its key).
    pub fn with_postage(mut self, postage: Arc<Postage>) -> ApiState {
        self.postage = Some(postage);
        self
    }

    /// The state whose status endpoints report `node`.
    pub fn with_node(mut self, node: Arc<dyn NodeStatus>) -> ApiState {
        self.node = Some(node);
        self
    }

    /// The state whose tags are `tags` (the data directory's, kept across restarts).
    pub fn with_tags(mut self, tags: Arc<Tags>) -> ApiState {
        self.tags = tags;
        self
    }

    /// The state serving `/pins` and `Swarm-Pin` over `pins`, the local store (on a node, the store
    /// under its network store).
    pub fn with_pins(mut self, pins: Arc<dyn PinStore>) -> ApiState {
        self.pins = Some(pins);
        self
    }

    /// The state whose uploads are written by the store `hook` picks for their stamp.
    pub fn with_upload_store(mut self, hook: UploadStoreHook) -> ApiState {
        self.on_upload_store = Some(hook);
        self
    }

    /// The store an upload paid by `stamp` writes to (blocking: call it on a blocking thread).
    fn upload_store(&self, stamp: Option<UploadStamp>) -> Result<Arc<dyn ChunkStore>, ApiError> {
        match (&self.on_upload_store, stamp) {
            (Some(hook), Some(stamp)) => Ok(hook(stamp)?),
            (Some(_), None) => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid batch id")),
            (None, _) => Ok(self.store.clone()),
        }
    }

    /// Waits for a request slot, at most [`ApiConfig::queue_timeout`].
    async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(
            self.config.queue_timeout,
            self.slots.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many concurrent requests",
            )),
        }
    }

    fn download_store(&self, timeout: Duration) -> Arc<dyn ChunkStore> {
        match &self.on_download {
            Some(hook) => hook(timeout),
            None => self.store.clone(),
        }
    }

    fn notify(&self, uploaded: &Uploaded) -> Result<(), ApiError> {
        match &self.on_upload {
            Some(hook) => hook(uploaded).map_err(|_| ApiError::internal("push failed")),
            None => Ok(()),
        }
    }
}

/// One field that failed validation, as bee lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Header or path parameter.
    pub field: String,
    /// What is wrong.
    pub error: String,
}

/// An error response: bee's status code and JSON `{"code", "message"}` (plus `reasons` for invalid
/// parameters), in bee's field order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// The HTTP status code.
    pub code: u16,
    /// Human-readable message (bee's where bee has one).
    pub message: String,
    /// Offending fields, for 400 "invalid header params" / "invalid path params".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            message: message.into(),
            code: status.as_u16(),
            reasons: Vec::new(),
        }
    }

    fn internal(message: &str) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// bee's 404 for a missing file: the status text as message.
    fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "Not Found")
    }

    fn invalid_headers(errors: Vec<HeaderError>) -> ApiError {
        ApiError {
            reasons: errors
                .into_iter()
                .map(|e| Reason {
                    field: e.field,
                    error: e.reason,
                })
                .collect(),
            ..ApiError::new(StatusCode::BAD_REQUEST, "invalid header params")
        }
    }

    /// bee's 400 for a request whose headers do not all parse, or are not all allowed.
    fn check_headers(errors: HeaderErrors) -> Result<(), ApiError> {
        errors.finish().map_err(ApiError::invalid_headers)
    }

    fn invalid_path(field: &str, error: impl Into<String>) -> ApiError {
        ApiError::invalid_paths(vec![Reason {
            field: field.to_string(),
            error: error.into(),
        }])
    }

    /// bee's 400 for path parameters that do not all parse.
    fn invalid_paths(reasons: Vec<Reason>) -> ApiError {
        ApiError {
            reasons,
            ..ApiError::new(StatusCode::BAD_REQUEST, "invalid path params")
        }
    }

    fn too_large(limit: u64) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body over the {limit}-byte limit"),
        )
    }
}

impl From<HeaderError> for ApiError {
    fn from(e: HeaderError) -> Self {
        ApiError::invalid_headers(vec![e])
    }
}

/// The last segment of the request path, percent-decoded to bytes: the path parameter of
/// `/bytes/{reference}` and `/chunks/{address}` as Go's router hands it to bee. Decoding cannot fail:
/// `%` not followed by two hex digits stays as it is, and the bytes need not be UTF-8 (the parser
/// then names the offending byte, as bee does).
fn path_param(uri: &axum::http::Uri) -> Vec<u8> {
    let path = uri.path().as_bytes();
    let segment = path
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(path, |i| &path[i + 1..]);
    percent_decode(segment)
}

/// `%XX` decoded to bytes; `%` not followed by two hex digits stays as it is.
fn percent_decode(segment: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(segment.len());
    let mut i = 0;
    while i < segment.len() {
        if segment[i] == b'%' {
            if let (Some(hi), Some(lo)) = (
                segment.get(i + 1).and_then(|&b| hex(b)),
                segment.get(i + 2).and_then(|&b| hex(b)),
            ) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(segment[i]);
        i += 1;
    }
    out
}

/// A JSON answer as bee's `jsonhttp` sends it: `Content-Type: application/json; charset=utf-8`
/// (axum's `Json` says `application/json`). bee also ends the body with two newlines; clients parse
/// the JSON and do not see them, so they are not copied.
pub(crate) struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut response = axum::Json(self.0).into_response();
        // Only a serialized value: a failure to serialize is axum's plain-text 500.
        if response.headers().get(header::CONTENT_TYPE)
            == Some(&HeaderValue::from_static("application/json"))
        {
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self)).into_response()
    }
}

/// A reference as `{"reference": "<hex>"}`.
#[derive(Debug, Serialize)]
struct ReferenceResponse {
    reference: String,
}

fn created(reference: &Reference) -> Response {
    let mut response = (
        StatusCode::CREATED,
        Json(ReferenceResponse {
            reference: reference.to_hex(),
        }),
    )
        .into_response();
    response.headers_mut().insert(
        "access-control-expose-headers",
        HeaderValue::from_static("Swarm-Tag"),
    );
    response
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusResponse {
    status: &'static str,
    version: &'static str,
    api_version: &'static str,
}

async fn health() -> Json<StatusResponse> {
    Json(StatusResponse {
        status: "ok",
        version: BEE_VERSION,
        api_version: API_VERSION,
    })
}

async fn readiness() -> Json<StatusResponse> {
    Json(StatusResponse {
        status: "ready",
        version: BEE_VERSION,
        api_version: API_VERSION,
    })
}

/// bee's root answer, which clients (bee-js `isConnected`) use as a ping.
async fn root() -> &'static str {
    "Ethereum Swarm Bee\n"
}

async fn fallback(State(_): State<ApiState>) -> ApiError {
    ApiError::not_found()
}

async fn not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

/// The API's routes over `state`.
pub fn router(state: ApiState) -> Router {
    let routes = Router::new()
        .route("/", get(root))
        .route("/health", get(health))
        .route("/readiness", get(readiness))
        .route("/bytes", post(bytes::upload))
        .route("/bytes/{reference}", get(bytes::download).head(bytes::head))
        .route("/chunks", post(chunks::upload))
        .route(
            "/chunks/{address}",
            get(chunks::download).head(chunks::head),
        )
        .route(
            "/stewardship/{reference}",
            get(stewardship::get).put(stewardship::put),
        )
        .route("/bzz", post(bzz::upload))
        // bee redirects `/bzz/{reference}` to `/bzz/{reference}/` before it looks at anything.
        .route(
            "/bzz/{reference}",
            get(bzz::root_redirect).head(bzz::root_redirect_head),
        )
        .route("/bzz/{reference}/", get(bzz::download).head(bzz::head))
        .route(
            "/bzz/{reference}/{*path}",
            get(bzz::download).head(bzz::head),
        )
        .route("/node", get(node::node))
        .route("/addresses", get(node::addresses))
        .route("/peers", get(node::peers))
        .route("/topology", get(node::topology))
        .route("/status", get(node::status_snapshot))
        .route("/chainstate", get(node::chainstate))
        // bee has no HEAD for these and /tags (axum's `get` would also answer it).
        .route(
            "/soc/{owner}/{id}",
            get(soc::download).post(soc::upload).head(not_allowed),
        )
        .route(
            "/feeds/{owner}/{topic}",
            get(feeds::get).post(feeds::create).head(not_allowed),
        )
        .route(
            "/tags",
            get(tags::list).post(tags::create).head(not_allowed),
        )
        .route(
            "/tags/{id}",
            get(tags::get)
                .delete(tags::delete)
                .patch(tags::patch)
                .head(not_allowed),
        )
        .route("/pins", get(pins::list))
        .route(
            "/pins/{reference}",
            get(pins::get).post(pins::pin).delete(pins::unpin),
        )
        .route("/stamps", get(stamps::list))
        .route("/stamps/{batch_id}", get(stamps::get))
        .route("/stamps/{amount}/{depth}", post(stamps::create))
        .fallback(fallback)
        .method_not_allowed_fallback(not_allowed)
        // Bodies are read as streams and counted by the handlers; axum's buffered-body limit does not
        // apply to them and is turned off so that it cannot disagree.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state.clone());
    // CORS wraps the routing as a whole (a layer on `routes` would run inside each route, before
    // the route adds `Allow` to a method it lacks, which OPTIONS answers).
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn_with_state(state, cors::layer))
}

/// Logs every request once answered: uploads and server errors at `info` and `warn` (what an
/// operator follows), the rest at `debug`. The status is the head's; a download cut short later is
/// logged by the joiner's caller.
async fn log_request(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    if response.status().is_server_error() {
        tracing::warn!(%method, %path, status, ms, "api request failed");
    } else if method == axum::http::Method::POST {
        tracing::info!(%method, %path, status, ms, "api request");
    } else {
        tracing::debug!(%method, %path, status, ms, "api request");
    }
    response
}

/// Serves the API on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
