//! `POST /bytes`, `GET /bytes/{reference}`, `HEAD /bytes/{reference}` (spec §9.1, §9.2).
//!
//! The splitter and the joiner are synchronous; each transfer runs one of them on a blocking thread,
//! fed from (or feeding) the connection through a bounded channel. Backpressure is therefore end to
//! end: a slow uploader slows the splitter, a slow downloader stops the joiner, and neither side
//! buffers more than [`super::ApiConfig::stream_buffer`] pieces.

use std::future::poll_fn;
use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use http_body::{Body as _, Frame, SizeHint};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

use super::headers::{self, parse_range, HeaderError, HeaderErrors, RangeRequest};
use super::tags::{self, tag_answer, tag_header, Session, Want};
use super::{created, path_param, ApiError, ApiState, Uploaded};
use crate::encryption::{OsRandom, RandomSource};
use crate::file::splitter::with_background_writer;
use crate::file::{
    JoinError, JoinOptions, Joiner, SplitError, SplitOptions, SplitSummary, Splitter,
};
use crate::reference::Reference;
use crate::store::{ChunkStore, StoreError};

/// Size of the pieces a download is sent in.
const PIECE: usize = 64 * 1024;

pub(super) struct UploadParams {
    pub(super) options: SplitOptions,
    pub(super) stamp: Option<super::UploadStamp>,
    /// The tag the upload counts into, as bee decides it.
    pub(super) tag: Want,
    /// `Swarm-Pin: true`: pin what was uploaded.
    pub(super) pin: bool,
}

pub(super) const BATCH_ID: &str = "Swarm-Postage-Batch-Id";

impl UploadParams {
    /// bee's headers of `POST /bytes`, checked in bee's order (its struct's fields).
    pub(super) fn parse(
        h: &HeaderMap,
        config: &super::ApiConfig,
    ) -> Result<UploadParams, ApiError> {
        let mut errors = HeaderErrors::default();
        let batch = errors.check(headers::hex_header(h, BATCH_ID));
        if batch.is_none() {
            // Absent or empty (when it does not parse, only that is reported).
            errors.push(HeaderError::required(BATCH_ID));
        }
        let tag = errors.check(tag_header(h));
        // Pinning and deferring have no effect here beyond the tag they imply for bee.
        let pin = errors.check(headers::bool_header(h, "Swarm-Pin"));
        let deferred = errors.check(headers::bool_header(h, "Swarm-Deferred-Upload"));
        let encrypt = errors.check(headers::bool_header(h, "Swarm-Encrypt"));
        let level = errors.check(headers::level_header(h, "Swarm-Redundancy-Level"));
        errors.check(headers::bool_header(h, "Swarm-Act"));
        errors.check(headers::hex_header(h, "Swarm-Act-History-Address"));
        ApiError::check_headers(errors)?;
        let stamp = check_batch_id(batch.as_deref())?.map(super::UploadStamp::Batch);
        Ok(UploadParams {
            options: SplitOptions {
                level: level.unwrap_or(config.default_upload_level),
                encrypt: encrypt.unwrap_or(false),
            },
            stamp,
            tag: Want::deferred_upload(tag, deferred, pin.unwrap_or(false)),
            pin: pin.unwrap_or(false),
        })
    }
}

/// A batch id that parsed as hex must be 32 bytes. Any other length names no batch: bee looks it up
/// and answers 404 `batch with id not found` (its `invalid batch id` is for a stamp whose batch is
/// unknown).
pub(super) fn check_batch_id(
    batch: Option<&[u8]>,
) -> Result<Option<crate::postage::BatchId>, ApiError> {
    batch
        .map(|b| {
            b.try_into()
                .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "batch with id not found"))
        })
        .transpose()
}

/// The declared body length, if the client sent a well-formed `Content-Length`.
pub(super) fn content_length(h: &HeaderMap) -> Option<u64> {
    h.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// Reads the next data piece of `body`, waiting at most `idle`; `Ok(None)` at the end of the body.
pub(super) async fn next_data(body: &mut Body, idle: Duration) -> Result<Option<Bytes>, ApiError> {
    loop {
        let frame = tokio::time::timeout(idle, poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)))
            .await
            .map_err(|_| ApiError::new(StatusCode::REQUEST_TIMEOUT, "request body timed out"))?;
        match frame {
            None => return Ok(None),
            Some(Err(_)) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "cannot read request body",
                ))
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// Messages to the splitter thread: data, then `None` for a complete body. A channel closed without
/// `None` means the upload was abandoned and nothing is finished.
pub(super) type Feed = Option<Bytes>;

pub(super) async fn upload(
    State(state): State<ApiState>,
    h: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let params = UploadParams::parse(&h, &state.config)?;
    let limit = state.config.max_upload_bytes;
    if content_length(&h).is_some_and(|n| n > limit) {
        return Err(ApiError::too_large(limit));
    }
    if params.pin {
        super::pins::pin_store(&state)?;
    }
    let _slot = state.slot().await?;
    let session = tags::session(&state, params.tag)
        .await?
        .map(std::sync::Arc::new);
    let (tx, rx) = mpsc::channel::<Feed>(state.config.stream_buffer.max(1));
    let worker_state = state.clone();
    let stamp = params.stamp;
    let worker_session = session.clone();
    let worker = tokio::task::spawn_blocking(move || {
        let mut store = worker_state
            .upload_store(stamp)
            .map_err(UploadFailure::Hook)?;
        if let Some(s) = &worker_session {
            store = s.wrap(store);
        }
        if !params.pin {
            return split_from(
                rx,
                &worker_state,
                &*store,
                params.options,
                worker_session.as_deref(),
            );
        }
        let (store, pins) =
            super::pins::pinned_upload_store(&worker_state, store).map_err(UploadFailure::Hook)?;
        let summary = split_from(
            rx,
            &worker_state,
            &*store,
            params.options,
            worker_session.as_deref(),
        )?;
        if let Some(summary) = &summary {
            super::pins::pin_upload(&pins, &summary.reference, params.options.level)
                .map_err(UploadFailure::Hook)?;
        }
        Ok(summary)
    });
    let fed = feed(body, tx, limit, state.config.idle_timeout).await;
    let outcome = worker.await;
    fed?;
    match outcome {
        Ok(Ok(Some(summary))) => Ok(tag_answer(created(&summary.reference), session.as_deref())),
        Ok(Ok(None)) => Err(ApiError::internal("split write all failed")),
        Ok(Err(UploadFailure::Split(SplitError::TrieFull { .. }))) => {
            Err(ApiError::too_large(limit))
        }
        Ok(Err(UploadFailure::Split(SplitError::Store(StoreError::Backend {
            op: crate::net::BATCH_FULL_OP,
            ..
        })))) => Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            super::BATCH_OVERISSUED,
        )),
        Ok(Err(UploadFailure::Split(_))) => Err(ApiError::internal("split write all failed")),
        Ok(Err(UploadFailure::Hook(e))) => Err(e),
        Err(_) => Err(ApiError::internal("split write all failed")),
    }
}

/// Forwards the body to the splitter thread; stops early when the splitter has stopped (its error is
/// then the answer).
pub(super) async fn feed(
    mut body: Body,
    tx: mpsc::Sender<Feed>,
    limit: u64,
    idle: Duration,
) -> Result<(), ApiError> {
    let mut received: u64 = 0;
    while let Some(data) = next_data(&mut body, idle).await? {
        received = received.saturating_add(data.len() as u64);
        if received > limit {
            return Err(ApiError::too_large(limit));
        }
        if tx.send(Some(data)).await.is_err() {
            return Ok(());
        }
    }
    // A closed channel here means the splitter failed; the caller reports that.
    let _ = tx.send(None).await;
    Ok(())
}

enum UploadFailure {
    Split(SplitError),
    Hook(ApiError),
}

/// The splitter thread: `Ok(None)` if the body was abandoned.
fn split_from(
    mut rx: mpsc::Receiver<Feed>,
    state: &ApiState,
    store: &dyn ChunkStore,
    options: SplitOptions,
    session: Option<&Session>,
) -> Result<Option<SplitSummary>, UploadFailure> {
    with_background_writer(store, |sink| {
        let mut rng = OsRandom;
        let rng: Option<&mut dyn RandomSource> = options.encrypt.then_some(&mut rng);
        let mut splitter = Splitter::new(sink, options, rng);
        loop {
            match rx.blocking_recv() {
                Some(Some(data)) => splitter.write(&data).map_err(UploadFailure::Split)?,
                Some(None) => break,
                None => return Ok(None),
            }
        }
        let summary = splitter.finish().map_err(UploadFailure::Split)?;
        Ok(Some(summary))
    })
    .and_then(|summary| match summary {
        Some(summary) => {
            // Acknowledged means durable: the batches were committed without an fsync; one durable
            // commit for the whole upload before the 201.
            store.sync()?;
            if let Some(s) = session {
                s.done(state, &summary.reference.to_bytes())
                    .map_err(UploadFailure::Hook)?;
            }
            state
                .notify(&Uploaded {
                    reference: summary.reference,
                    size: summary.size,
                })
                .map_err(UploadFailure::Hook)?;
            Ok(Some(summary))
        }
        None => Ok(None),
    })
}

impl From<StoreError> for UploadFailure {
    fn from(e: StoreError) -> Self {
        UploadFailure::Split(SplitError::Store(e))
    }
}

pub(super) struct DownloadParams {
    pub(super) join: JoinOptions,
    pub(super) chunk_timeout: Duration,
}

impl DownloadParams {
    /// bee's download headers, in bee's order: the parameters (a header that is absent or refused
    /// gives the default) and what was refused. A retrieval timeout that is no duration is bee's
    /// separate 400 "could not parse headers", after the others.
    pub(super) fn parse(
        h: &HeaderMap,
        config: &super::ApiConfig,
    ) -> (DownloadParams, Result<(), ApiError>) {
        let defaults = JoinOptions::default();
        let mut errors = HeaderErrors::default();
        let strategy = errors.check(headers::strategy_header(h, "Swarm-Redundancy-Strategy"));
        let replica_level = errors.check(headers::level_header(h, "Swarm-Redundancy-Level"));
        let fallback = errors.check(headers::bool_header(h, "Swarm-Redundancy-Fallback-Mode"));
        // Accepted for compatibility, without effect here.
        errors.check(headers::int_header(h, "Swarm-Lookahead-Buffer-Size"));
        errors.check(headers::bool_header(h, "Swarm-Cache"));
        let timeout = headers::duration_header(h, "Swarm-Chunk-Retrieval-Timeout");
        let checked = ApiError::check_headers(errors).and_then(|()| match timeout {
            Ok(_) => Ok(()),
            Err(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "could not parse headers",
            )),
        });
        let params = DownloadParams {
            join: JoinOptions {
                strategy: strategy.unwrap_or(defaults.strategy),
                fallback: fallback.unwrap_or(true),
                replica_level: replica_level.unwrap_or(config.default_download_level),
                write_back: config.write_back,
                ..defaults
            },
            chunk_timeout: timeout
                .ok()
                .flatten()
                .unwrap_or(config.chunk_retrieval_timeout),
        };
        (params, checked)
    }
}

/// The path reference: not hex → bee's 400 "invalid path params" with Go's reason; hex of a length
/// that is no reference (32 or 64 bytes) → the same 400: it can name nothing.
pub(super) fn parse_reference(uri: &Uri) -> Result<Reference, ApiError> {
    let raw = path_param(uri);
    let digits = raw.strip_prefix(b"0x").unwrap_or(&raw);
    let bytes = headers::decode_go_hex(digits).map_err(|e| ApiError::invalid_path("address", e))?;
    Reference::from_bytes(&bytes)
        .ok_or_else(|| ApiError::invalid_path("address", "want 64 or 128 hex characters"))
}

/// What a failed join answers. Only the store's own failure is the server's; everything else is about
/// the data at the address the client named. Data that is no tree (a posted chunk, an encrypted
/// reference whose key does not fit) answers 404 naming why, as bee answers 404 "not manifest" for an
/// address that holds no manifest (bee itself answers 500 "joiner failed" here: issue 11, F3).
pub(super) fn join_error(e: &JoinError) -> ApiError {
    match e {
        JoinError::NotFound { .. } | JoinError::Corrupt { .. } => ApiError::not_found(),
        // Which group is lost, and how badly: what a user needs to decide whether to repair.
        JoinError::Unrecoverable { .. } => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        JoinError::Malformed { .. } | JoinError::Decrypt { .. } | JoinError::Decode { .. } => {
            ApiError::new(StatusCode::NOT_FOUND, format!("not a file: {e}"))
        }
        JoinError::OutOfRange { .. }
        | JoinError::WalkLimit { .. }
        | JoinError::Store(_)
        | JoinError::Write { .. } => ApiError::internal("joiner failed"),
    }
}

/// What the joiner thread decided before streaming.
struct Head {
    size: u64,
    range: RangeRequest,
}

fn base_headers(response: &mut Response, reference: &Reference, length: u64) {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{reference}\"")) {
        h.insert(header::ETAG, etag);
    }
    h.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("Content-Disposition"),
    );
}

/// As bee, `HEAD` checks the path but not the headers: a refused header gives its default.
pub(super) async fn head(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_reference(&uri)?;
    let (params, _) = DownloadParams::parse(&h, &state.config);
    let slot = state.slot().await?;
    let store = state.download_store(params.chunk_timeout);
    let size = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        Joiner::open(&*store, &reference, params.join).map(|j| j.size())
    })
    .await
    .map_err(|_| ApiError::internal("joiner failed"))?
    .map_err(|e| join_error(&e))?;
    let mut response = StatusCode::OK.into_response();
    base_headers(&mut response, &reference, size);
    Ok(response)
}

pub(super) async fn download(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_reference(&uri)?;
    let (params, checked) = DownloadParams::parse(&h, &state.config);
    checked?;
    stream(&state, reference, params, &h).await
}

/// Streams the file under `reference` (whole, or the request's `Range`) with `/bytes`' headers.
pub(super) async fn stream(
    state: &ApiState,
    reference: Reference,
    params: DownloadParams,
    h: &HeaderMap,
) -> Result<Response, ApiError> {
    let store = state.download_store(params.chunk_timeout);
    stream_from(state, store, reference, params, h).await
}

/// [`stream`] from `store` (e.g. one that also holds a root chunk kept nowhere else).
pub(super) async fn stream_from(
    state: &ApiState,
    store: std::sync::Arc<dyn ChunkStore>,
    reference: Reference,
    params: DownloadParams,
    h: &HeaderMap,
) -> Result<Response, ApiError> {
    // A range that is not text is malformed: 416 like any other.
    let range = h
        .get(header::RANGE)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let slot = state.slot().await?;
    let (head_tx, head_rx) = oneshot::channel::<Result<Head, ApiError>>();
    let (tx, rx) = mpsc::channel(state.config.stream_buffer.max(1));
    let idle = state.config.idle_timeout;
    let handle = Handle::current();
    tokio::task::spawn_blocking(move || {
        // The slot is held until the last byte is handed over or the client is gone.
        let _slot = slot;
        let joiner = match Joiner::open(&*store, &reference, params.join) {
            Ok(j) => j,
            Err(e) => {
                let _ = head_tx.send(Err(join_error(&e)));
                return;
            }
        };
        let size = joiner.size();
        let range = parse_range(range.as_deref(), size);
        let (start, len) = match range {
            RangeRequest::Full => (0, size),
            RangeRequest::Partial { start, len } => (start, len),
            RangeRequest::Unsatisfiable => (0, 0),
        };
        if len == 0 {
            let _ = head_tx.send(Ok(Head { size, range }));
            return;
        }
        // The head goes out with the first piece: a file that fails before its first byte (its
        // first group beyond repair) answers 404 naming the group instead of a 200 cut short.
        let mut out = ChannelWriter {
            tx: tx.clone(),
            handle: handle.clone(),
            idle,
            buf: Vec::with_capacity(PIECE),
            head: Some((head_tx, Head { size, range })),
        };
        let result = joiner.read_range(start, len, &mut out).and_then(|_| {
            out.flush().map_err(|source| JoinError::Write {
                offset: start + len,
                source,
            })
        });
        if let Err(e) = result {
            tracing::warn!(%reference, error = %e, "download failed");
            if let Some((head_tx, _)) = out.head.take() {
                let _ = head_tx.send(Err(join_error(&e)));
                return;
            }
            // The body is cut short; the client sees fewer bytes than Content-Length.
            let message = e.to_string();
            let _ = handle.block_on(tokio::time::timeout(
                idle,
                tx.send(Err(io::Error::other(message))),
            ));
        }
    });
    let head = head_rx
        .await
        .map_err(|_| ApiError::internal("joiner failed"))??;
    let (status, len) = match head.range {
        RangeRequest::Full => (StatusCode::OK, head.size),
        RangeRequest::Partial { len, .. } => (StatusCode::PARTIAL_CONTENT, len),
        RangeRequest::Unsatisfiable => {
            let mut response =
                ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable")
                    .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", head.size)) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(response);
        }
    };
    let mut response = Response::new(Body::new(ChannelBody { rx, remaining: len }));
    *response.status_mut() = status;
    base_headers(&mut response, &reference, len);
    if let RangeRequest::Partial { start, len } = head.range {
        let last = start + len - 1;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{last}/{}", head.size)) {
            response.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(response)
}

/// The joiner's output: collects [`PIECE`]-byte pieces and hands them to the connection, waiting at
/// most `idle` for room in the channel.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    handle: Handle,
    idle: Duration,
    buf: Vec<u8>,
    /// The response head, until the first piece is handed over.
    head: Option<(oneshot::Sender<Result<Head, ApiError>>, Head)>,
}

impl ChannelWriter {
    fn send_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if let Some((head_tx, head)) = self.head.take() {
            if head_tx.send(Ok(head)).is_err() {
                return Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "client went away",
                ));
            }
        }
        let piece = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(PIECE)));
        match self
            .handle
            .block_on(tokio::time::timeout(self.idle, self.tx.send(Ok(piece))))
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "client went away",
            )),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "client stopped reading",
            )),
        }
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let take = (PIECE - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(&data[..take]);
        if self.buf.len() >= PIECE {
            self.send_buf()?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buf()
    }
}

/// A response body fed by the joiner thread, of a known length.
struct ChannelBody {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    remaining: u64,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(piece))) => {
                self.remaining = self.remaining.saturating_sub(piece.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(piece))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "download ended early",
            )))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
