//! bee's postage endpoints over a node's local batches ([`crate::stamps::Postage`]):
//! `POST /stamps/{amount}/{depth}`, `GET /stamps`, `GET /stamps/{batch_id}`, with bee's JSON.
//!
//! There is no chain: a batch is created at once, locally, with a self-certifying id
//! ([`crate::postage::local_batch_id`]); the answer's `txHash` is the zero hash (bee's
//! `common.Hash{}`), as there is no transaction. Nothing expires: `batchTTL` is -1, bee's own value
//! for "never expires" (it answers so when the chain price is 0), and `blockNumber` is 0.
//! `GET /stamps` lists the batches this node can stamp with (bee: its stamp issuers); batches
//! learned from claims are not listed.
//!
//! Without postage ([`ApiState::with_postage`] not called) the answers are bee's without a chain
//! backend: `POST` 405 "no chain backend", `GET /stamps` an empty list, `GET /stamps/{id}` 404
//! "issuer does not exist".

use super::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{headers, path_param, ApiError, ApiState, HeaderErrors, Reason};
use crate::stamps::{BatchStatus, StampsError, MAX_DEPTH, MIN_DEPTH};

/// bee's `txHash` when there is no transaction: `common.Hash{}.String()`.
pub const NO_TX_HASH: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

/// bee's `postageCreateResponse`.
#[derive(Debug, Serialize)]
struct CreateResponse {
    #[serde(rename = "batchID")]
    batch_id: String,
    #[serde(rename = "txHash")]
    tx_hash: &'static str,
}

/// bee's `postageStampResponse`, field for field.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StampResponse {
    #[serde(rename = "batchID")]
    batch_id: String,
    utilization: u32,
    utilization_ratio: f64,
    usable: bool,
    label: String,
    depth: u8,
    amount: String,
    bucket_depth: u8,
    block_number: u64,
    immutable_flag: bool,
    exists: bool,
    #[serde(rename = "batchTTL")]
    batch_ttl: i64,
}

impl StampResponse {
    fn of(s: &BatchStatus) -> StampResponse {
        let b = &s.record.batch;
        let slots = b.slots_per_bucket().max(1) as f64;
        StampResponse {
            batch_id: hex::encode(b.id),
            utilization: s.utilization,
            utilization_ratio: f64::from(s.utilization) / slots,
            usable: s.usable,
            label: s.record.label.clone().unwrap_or_default(),
            depth: b.depth,
            amount: s.record.amount.to_string(),
            bucket_depth: b.bucket_depth,
            block_number: 0,
            immutable_flag: b.immutable,
            exists: true,
            batch_ttl: -1,
        }
    }
}

#[derive(Debug, Serialize)]
struct StampsResponse {
    stamps: Vec<StampResponse>,
}

fn internal(e: &StampsError) -> ApiError {
    tracing::warn!("postage: {e}");
    ApiError::internal("postage failed")
}

fn issuer_missing() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "issuer does not exist")
}

/// `POST /stamps/{amount}/{depth}`, header `Immutable` (default true, as bee), query `label`.
pub(super) async fn create(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let path = uri.path().trim_end_matches('/');
    let mut segments = path.rsplit('/');
    let depth_text = segments.next().unwrap_or_default();
    let amount_text = segments.next().unwrap_or_default();
    let mut reasons = Vec::new();
    let amount = amount_text
        .parse::<u128>()
        .ok()
        .filter(|_| amount_text.bytes().all(|b| b.is_ascii_digit()));
    if amount.is_none() {
        reasons.push(("amount", "invalid value".to_string()));
    }
    let depth = match headers::parse_go_uint(depth_text, 8) {
        Ok(d) if d < u64::from(MIN_DEPTH) => {
            reasons.push(("depth", format!("want min:{MIN_DEPTH}")));
            None
        }
        Ok(d) => u8::try_from(d).ok(),
        Err(e) => {
            reasons.push(("depth", e.to_string()));
            None
        }
    };
    let (Some(amount), Some(depth)) = (amount, depth) else {
        return Err(ApiError::invalid_paths(
            reasons
                .into_iter()
                .map(|(field, error)| Reason {
                    field: field.to_string(),
                    error,
                })
                .collect(),
        ));
    };
    let mut errors = HeaderErrors::default();
    let immutable = errors.check(headers::bool_header(&h, "Immutable"));
    ApiError::check_headers(errors)?;
    let Some(postage) = state.postage.clone() else {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "no chain backend",
        ));
    };
    if depth > MAX_DEPTH {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid depth"));
    }
    if amount == 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "batch amount must be above 0",
        ));
    }
    let label = query_value(&uri, "label").filter(|l| !l.is_empty());
    let immutable = immutable.unwrap_or(true);
    let _slot = state.slot().await?;
    let record =
        tokio::task::spawn_blocking(move || postage.create(depth, amount, immutable, label))
            .await
            .map_err(|_| ApiError::internal("cannot create batch"))?
            .map_err(|e| match e {
                StampsError::Depth { .. } => {
                    ApiError::new(StatusCode::BAD_REQUEST, "invalid depth")
                }
                e => {
                    tracing::warn!("create batch: {e}");
                    ApiError::internal("cannot create batch")
                }
            })?;
    Ok((
        StatusCode::CREATED,
        Json(CreateResponse {
            batch_id: hex::encode(record.batch.id),
            tx_hash: NO_TX_HASH,
        }),
    )
        .into_response())
}

/// `GET /stamps`.
pub(super) async fn list(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let Some(postage) = state.postage.clone() else {
        return Ok(Json(StampsResponse { stamps: Vec::new() }).into_response());
    };
    let _slot = state.slot().await?;
    let own = tokio::task::spawn_blocking(move || postage.own_batches())
        .await
        .map_err(|_| ApiError::internal("postage failed"))?
        .map_err(|e| internal(&e))?;
    Ok(Json(StampsResponse {
        stamps: own.iter().map(StampResponse::of).collect(),
    })
    .into_response())
}

/// `GET /stamps/{batch_id}`.
pub(super) async fn get(State(state): State<ApiState>, uri: Uri) -> Result<Response, ApiError> {
    let raw = path_param(&uri);
    let bytes = headers::decode_go_hex(&raw).map_err(|e| ApiError::invalid_path("batch_id", e))?;
    let id: [u8; 32] = bytes
        .try_into()
        .map_err(|_| ApiError::invalid_path("batch_id", "want len:32"))?;
    let Some(postage) = state.postage.clone() else {
        return Err(issuer_missing());
    };
    let _slot = state.slot().await?;
    let status = tokio::task::spawn_blocking(move || postage.own_batch(&id))
        .await
        .map_err(|_| ApiError::internal("get issuer failed"))?
        .map_err(|e| internal(&e))?
        .ok_or_else(issuer_missing)?;
    Ok(Json(StampResponse::of(&status)).into_response())
}

/// The first value of `name` in the query, `+` and `%XX` decoded (lossily as UTF-8); reading a
/// query cannot fail, as Go's `url.Query` skips what it cannot parse.
pub(super) fn query_value(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_query(k) == name).then(|| decode_query(v))
    })
}

fn decode_query(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| char::from(c).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hex(c)),
            b.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_decode_as_go() {
        let uri: Uri = "/stamps/1/20?x=1&label=my+batch%21&label=second"
            .parse()
            .unwrap();
        assert_eq!(query_value(&uri, "label").as_deref(), Some("my batch!"));
        assert_eq!(query_value(&uri, "none"), None);
        let uri: Uri = "/stamps/1/20?label=%zz%4".parse().unwrap();
        assert_eq!(query_value(&uri, "label").as_deref(), Some("%zz%4"));
    }
}
