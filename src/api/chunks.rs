//! `POST /chunks`, `GET /chunks/{address}`, `HEAD /chunks/{address}` (spec §9.3): single chunks,
//! stored and served as they are, without erasure coding.
//!
//! The body is read whole but never more than [`MAX_CHUNK_DATA`] bytes of it. As in bee, data of at
//! most 4104 bytes is a content-addressed chunk whose first 8 bytes are its span, taken verbatim;
//! longer data must be a valid single-owner chunk.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::bytes::{check_batch_id, content_length, next_data, BATCH_ID};
use super::headers::HeaderErrors;
use super::tags::{self, tag_header, Session, Want};
use super::{created, headers, path_param, ApiError, ApiState, UploadStamp, Uploaded};
use crate::address::Address;
use crate::cac::Chunk;
use crate::postage::Stamp;
use crate::reference::Reference;
use crate::soc;
use crate::span::SPAN_SIZE;
use crate::store::{StoreError, MAX_CHUNK_DATA};

/// bee's message when neither a batch id nor a stamp is given.
const BATCH_OR_STAMP: &str =
    "Either 'Swarm-Postage-Stamp' or 'Swarm-Postage-Batch-Id' header must be set in the request";

/// Length of a postage stamp (batch id, index, timestamp, signature) in `Swarm-Postage-Stamp`.
const STAMP_LEN: usize = 113;

/// bee's headers of `POST /chunks`, in bee's order, then its checks of the batch id or stamp: a stamp
/// must be [`STAMP_LEN`] bytes (bee's "Stamp deserialization failure"); without one, the batch id is
/// checked as for `/bytes`.
/// `POST /soc` (`soc`) also takes bee's `Swarm-Pin` and `Swarm-Deferred-Upload`.
///
/// The headers' errors come at once; the tag the upload counts into is looked up next, and only
/// then is the stamp's error reported (the inner result), in bee's order.
pub(super) fn check_upload_headers(h: &HeaderMap, soc: bool) -> Result<CheckedUpload, ApiError> {
    let mut errors = HeaderErrors::default();
    let batch = errors.check(headers::hex_header(h, BATCH_ID));
    let stamp = errors.check(headers::hex_header(h, "Swarm-Postage-Stamp"));
    let tag = errors.check(tag_header(h));
    let (mut pin, mut deferred) = (None, None);
    if soc {
        // Deferring has no effect here beyond the tag it implies for bee; pinning pins the SOC.
        pin = errors.check(headers::bool_header(h, "Swarm-Pin"));
        deferred = errors.check(headers::bool_header(h, "Swarm-Deferred-Upload"));
    }
    errors.check(headers::bool_header(h, "Swarm-Act"));
    errors.check(headers::hex_header(h, "Swarm-Act-History-Address"));
    ApiError::check_headers(errors)?;
    if soc && stamp.is_none() && batch.is_none() {
        // bee's `/soc` checks this before its tag, `/chunks` after.
        return Err(ApiError::new(StatusCode::BAD_REQUEST, BATCH_OR_STAMP));
    }
    let pin = pin.unwrap_or(false);
    let want = if soc {
        Want::soc(tag, deferred, pin)
    } else {
        Want::chunk(tag)
    };
    Ok((want, pin, upload_stamp(stamp, batch)))
}

/// What `/chunks` and `/soc` headers ask: the tag, pinning (`/soc` only), and the stamp or bee's
/// error for it (reported after the tag, as bee).
pub(super) type CheckedUpload = (Want, bool, Result<UploadStamp, ApiError>);

/// The stamp of a `/chunks` or `/soc` upload, or bee's error.
fn upload_stamp(stamp: Option<Vec<u8>>, batch: Option<Vec<u8>>) -> Result<UploadStamp, ApiError> {
    let bad_stamp = || ApiError::new(StatusCode::BAD_REQUEST, "Stamp deserialization failure");
    match (stamp, batch) {
        (Some(stamp), _) if stamp.len() != STAMP_LEN => Err(bad_stamp()),
        (Some(stamp), _) => Stamp::from_bytes(&stamp)
            .map(UploadStamp::Presigned)
            .map_err(|_| bad_stamp()),
        (None, Some(batch)) => check_batch_id(Some(&batch))?
            .map(UploadStamp::Batch)
            .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, BATCH_OR_STAMP)),
        (None, None) => Err(ApiError::new(StatusCode::BAD_REQUEST, BATCH_OR_STAMP)),
    }
}

/// Data that is neither a content-addressed chunk nor a valid single-owner chunk: bee's message,
/// with 400 (bee answers 500, but the fault is the client's).
fn create_chunk_error() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "create chunk error")
}

/// The chunk in `data`: content-addressed if it fits, else a valid single-owner chunk.
fn make_chunk(data: Vec<u8>) -> Result<Chunk, ApiError> {
    if data.len() < SPAN_SIZE {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "insufficient data length",
        ));
    }
    if data.len() <= crate::cac::MAX_DATA {
        return Chunk::with_data_span(data).map_err(|_| create_chunk_error());
    }
    let parsed = soc::parse_soc(&data).map_err(|_| create_chunk_error())?;
    Ok(Chunk {
        address: parsed.address(),
        data,
    })
}

pub(super) async fn upload(
    State(state): State<ApiState>,
    h: HeaderMap,
    mut body: Body,
) -> Result<Response, ApiError> {
    let (want, _, stamp) = check_upload_headers(&h, false)?;
    let session = tags::session(&state, want).await?;
    let stamp = stamp?;
    let limit = MAX_CHUNK_DATA as u64;
    if content_length(&h).is_some_and(|n| n > limit) {
        return Err(ApiError::too_large(limit));
    }
    let _slot = state.slot().await?;
    let mut data = Vec::new();
    while let Some(piece) = next_data(&mut body, state.config.idle_timeout).await? {
        if data.len().saturating_add(piece.len()) > MAX_CHUNK_DATA {
            return Err(ApiError::too_large(limit));
        }
        data.extend_from_slice(&piece);
    }
    // bee's `/chunks` ends its session without an address.
    store_uploaded(&state, stamp, make_chunk(data)?, session, false, false).await
}

/// Writes an uploaded chunk (`/chunks`, `/soc`) through the store its stamp picks and answers 201
/// with its address. Acknowledged means durable: stored, then committed durably before the 201.
/// The chunk is counted into `session`'s tag, whose address it becomes if `tag_address`.
pub(super) async fn store_uploaded(
    state: &ApiState,
    stamp: UploadStamp,
    chunk: Chunk,
    session: Option<Session>,
    tag_address: bool,
    pin: bool,
) -> Result<Response, ApiError> {
    let reference = Reference::plain(chunk.address);
    let worker_state = state.clone();
    let uid = session.as_ref().map(|s| s.uid);
    tokio::task::spawn_blocking(move || {
        let mut store = worker_state.upload_store(Some(stamp))?;
        if let Some(s) = &session {
            store = s.wrap(store);
        }
        let (store, pins) = super::pins::upload_store_pinned(&worker_state, store, pin)?;
        store
            .put(&chunk)
            .and_then(|()| store.sync())
            .map_err(|e| match e {
                StoreError::Backend {
                    op: crate::net::BATCH_FULL_OP,
                    ..
                } => ApiError::new(StatusCode::PAYMENT_REQUIRED, super::BATCH_OVERISSUED),
                _ => ApiError::internal("chunk write error"),
            })?;
        if let Some(pins) = &pins {
            // A SOC is pinned alone; the level names no replicas of it.
            super::pins::pin_upload(pins, &reference, crate::redundancy::Level::None)?;
        }
        if let Some(s) = &session {
            let address = if tag_address {
                &chunk.address.0[..]
            } else {
                &[]
            };
            s.done(&worker_state, address)?;
        }
        worker_state.notify(&Uploaded {
            reference,
            size: chunk.data.len() as u64,
        })
    })
    .await
    .map_err(|_| ApiError::internal("chunk write error"))??;
    Ok(tags::tag_answer_uid(created(&reference), uid))
}

/// The path address: not hex → bee's 400 "invalid path params" with Go's reason; hex of another
/// length than 32 bytes → the same 400: it can name no chunk.
fn parse_address(uri: &Uri) -> Result<Address, ApiError> {
    let raw = path_param(uri);
    let digits = raw.strip_prefix(b"0x").unwrap_or(&raw);
    let bytes = headers::decode_go_hex(digits).map_err(|e| ApiError::invalid_path("address", e))?;
    Address::from_slice(&bytes)
        .ok_or_else(|| ApiError::invalid_path("address", "want 64 hex characters"))
}

fn chunk_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "chunk not found")
}

pub(super) async fn download(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let mut errors = HeaderErrors::default();
    errors.check(headers::bool_header(&h, "Swarm-Cache"));
    ApiError::check_headers(errors)?;
    let address = parse_address(&uri)?;
    let _slot = state.slot().await?;
    let store = state.download_store(state.config.chunk_retrieval_timeout);
    let data = tokio::task::spawn_blocking(move || store.get(&address))
        .await
        .map_err(|_| ApiError::internal("read chunk failed"))?
        .map_err(|_| ApiError::internal("read chunk failed"))?
        .ok_or_else(chunk_not_found)?;
    let len = data.len();
    let mut response = data.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("binary/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(response)
}

pub(super) async fn head(State(state): State<ApiState>, uri: Uri) -> Result<Response, ApiError> {
    let address = parse_address(&uri)?;
    let _slot = state.slot().await?;
    let store = state.store.clone();
    let present = tokio::task::spawn_blocking(move || store.has(&address))
        .await
        .map_err(|_| ApiError::internal("read chunk failed"))?
        .map_err(|_| ApiError::internal("read chunk failed"))?;
    let status = if present {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(status.into_response())
}
