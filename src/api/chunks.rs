//! `POST /chunks`, `GET /chunks/{address}`, `HEAD /chunks/{address}` (spec §9.3): single chunks,
//! stored and served as they are, without erasure coding.
//!
//! The body is read whole but never more than [`MAX_CHUNK_DATA`] bytes of it. As in bee, data of at
//! most 4104 bytes is a content-addressed chunk whose first 8 bytes are its span, taken verbatim;
//! longer data must be a valid single-owner chunk.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::bytes::{content_length, next_data};
use super::{created, headers, ApiError, ApiState, Uploaded};
use crate::address::Address;
use crate::cac::Chunk;
use crate::reference::Reference;
use crate::soc;
use crate::span::SPAN_SIZE;
use crate::store::MAX_CHUNK_DATA;

/// bee's message when neither a batch id nor a stamp is given.
const BATCH_OR_STAMP: &str =
    "Either 'Swarm-Postage-Stamp' or 'Swarm-Postage-Batch-Id' header must be set in the request";

/// Length of a postage stamp (batch id, index, timestamp, signature) in `Swarm-Postage-Stamp`.
const STAMP_LEN: usize = 113;

fn check_stamp_headers(h: &HeaderMap) -> Result<(), ApiError> {
    let stamp = headers::text(h, "Swarm-Postage-Stamp")?;
    if let Some(s) = stamp {
        let mut out = [0u8; STAMP_LEN];
        if hex::decode_to_slice(s, &mut out).is_err() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid postage stamp",
            ));
        }
    }
    match headers::text(h, "Swarm-Postage-Batch-Id")? {
        Some(_) => super::bytes::require_batch_id(h),
        None if stamp.is_some() => Ok(()),
        None => Err(ApiError::new(StatusCode::BAD_REQUEST, BATCH_OR_STAMP)),
    }
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
        return Chunk::with_data_span(data).map_err(|_| ApiError::internal("create chunk error"));
    }
    let parsed = soc::parse_soc(&data).map_err(|_| ApiError::internal("create chunk error"))?;
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
    check_stamp_headers(&h)?;
    headers::bool_header(&h, "Swarm-Act")?;
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
    let chunk = make_chunk(data)?;
    let reference = Reference::plain(chunk.address);
    let worker_state = state.clone();
    tokio::task::spawn_blocking(move || {
        // Acknowledged means durable: stored, then committed durably before the 201.
        worker_state
            .store
            .put(&chunk)
            .and_then(|()| worker_state.store.sync())
            .map_err(|_| ApiError::internal("chunk write error"))?;
        worker_state.notify(&Uploaded {
            reference,
            size: chunk.data.len() as u64,
        })
    })
    .await
    .map_err(|_| ApiError::internal("chunk write error"))??;
    Ok(created(&reference))
}

/// A path address: not hex → 400 "invalid path params"; hex of another length than 32 bytes cannot be
/// stored → `None`.
fn parse_address(raw: &str) -> Result<Option<Address>, ApiError> {
    let bytes = hex::decode(raw.strip_prefix("0x").unwrap_or(raw))
        .map_err(|e| ApiError::invalid_path("address", e.to_string()))?;
    Ok(Address::from_slice(&bytes))
}

fn chunk_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "chunk not found")
}

pub(super) async fn download(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    headers::bool_header(&h, "Swarm-Cache")?;
    let address = parse_address(&raw)?.ok_or_else(chunk_not_found)?;
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

pub(super) async fn head(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let Some(address) = parse_address(&raw)? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
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
