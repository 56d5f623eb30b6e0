//! bee's stewardship: `GET /stewardship/{reference}` (is every chunk of the file retrievable?) and
//! `PUT /stewardship/{reference}` (re-upload it), as bee v2.8.1's `pkg/api/stewardship.go`.
//!
//! Both walk the tree with the library's walk ([`crate::file::inspect`], [`crate::file::repair`]) on
//! a blocking thread, over the API's store: on a node that is the network, on `swarmec api` the local
//! store. GET answers `{"isRetrievable": bool}`: true when the root and every intermediate, data and
//! parity chunk is retrievable (the replicas are not asked, as bee). PUT needs
//! `Swarm-Postage-Batch-Id` and writes every chunk of the tree through the store that stamps with
//! that batch, rebuilding from parity what is missing, and, unlike bee (bee issues #4607, #5450),
//! the root's dispersed replicas too; it answers bee's `{"code":200,"message":"OK"}`, or 500
//! "re-upload failed" when the root cannot be had or a group is beyond repair (what could be written
//! was written).

use super::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::bytes::{check_batch_id, parse_reference, BATCH_ID};
use super::headers::{self, HeaderError, HeaderErrors};
use super::{ApiError, ApiState, UploadStamp};
use crate::file::inspect::{inspect_with, InspectOptions, RepairMode};
use crate::file::repair::repair;
use crate::file::{JoinError, JoinOptions};
use crate::redundancy::Level;

const LEVEL: &str = "Swarm-Redundancy-Level";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct IsRetrievable {
    is_retrievable: bool,
}

/// bee's `{"code":200,"message":"OK"}`.
#[derive(Debug, Serialize)]
struct Status {
    code: u16,
    message: &'static str,
}

/// How the walk reads: the root's replicas at `level` when the root is missing.
fn options(level: Option<Level>, default: Level) -> InspectOptions {
    InspectOptions {
        join: JoinOptions {
            replica_level: level.unwrap_or(default),
            ..JoinOptions::default()
        },
        replica_level: level,
        ..InspectOptions::default()
    }
}

/// `GET /stewardship/{reference}`.
pub(super) async fn get(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_reference(&uri)?;
    let mut errors = HeaderErrors::default();
    let level = errors.check(headers::level_header(&h, LEVEL));
    ApiError::check_headers(errors)?;
    let slot = state.slot().await?;
    let store = state.download_store(state.config.chunk_retrieval_timeout);
    let options = options(level, state.config.default_download_level);
    let result = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        inspect_with(&*store, &reference, options)
    })
    .await
    .map_err(|_| ApiError::internal("is retrievable check failed"))?;
    let retrievable = match result {
        Ok(report) => report.root_retrievable && report.missing.is_empty(),
        Err(JoinError::NotFound { .. } | JoinError::Corrupt { .. }) => false,
        Err(e) => {
            tracing::warn!(%reference, error = %e, "is retrievable check failed");
            return Err(ApiError::internal("is retrievable check failed"));
        }
    };
    Ok(Json(IsRetrievable {
        is_retrievable: retrievable,
    })
    .into_response())
}

/// `PUT /stewardship/{reference}`.
pub(super) async fn put(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_reference(&uri)?;
    let mut errors = HeaderErrors::default();
    let batch = errors.check(headers::hex_header(&h, BATCH_ID));
    if batch.is_none() {
        errors.push(HeaderError::required(BATCH_ID));
    }
    let level = errors.check(headers::level_header(&h, LEVEL));
    ApiError::check_headers(errors)?;
    let stamp = check_batch_id(batch.as_deref())?.map(UploadStamp::Batch);
    let slot = state.slot().await?;
    let options = options(level, state.config.default_download_level);
    let worker = state.clone();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let store = worker.upload_store(stamp)?;
        let report = repair(&*store, &reference, options, RepairMode::Everything).map_err(|e| {
            tracing::warn!(%reference, error = %e, "re-upload failed");
            ApiError::internal("re-upload failed")
        })?;
        let c = &report.counts;
        tracing::info!(
            %reference,
            root = c.root,
            replicas = c.replicas,
            intermediate = c.intermediate,
            data = c.data,
            parity = c.parity,
            "re-uploaded"
        );
        if let Some(node) = report.unrecoverable.first() {
            tracing::warn!(%reference, %node, "re-upload incomplete: a group is beyond repair");
            return Err(ApiError::internal("re-upload failed"));
        }
        store
            .sync()
            .map_err(|_| ApiError::internal("re-upload failed"))?;
        Ok(Json(Status {
            code: StatusCode::OK.as_u16(),
            message: "OK",
        })
        .into_response())
    })
    .await
    .map_err(|_| ApiError::internal("re-upload failed"))?
}
