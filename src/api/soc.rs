//! `POST /soc/{owner}/{id}?sig=…` and `GET /soc/{owner}/{id}` (bee v2.8.1's `pkg/api/soc.go`):
//! single-owner chunks uploaded with their signature made elsewhere, and read back.
//!
//! Upload: the body is the wrapped chunk's span and payload (8..=4104 bytes); the SOC is
//! `id || sig || body` at `keccak256(id || owner)` and must be valid (the owner recovered from the
//! signature is the path's). Paid for as `POST /chunks`: `Swarm-Postage-Batch-Id` or
//! `Swarm-Postage-Stamp`. Answers 201 `{"reference"}`, the SOC address.
//!
//! Download: the wrapped chunk is served as the root of a file (joined, so a wrapped intermediate
//! chunk gives the whole file), with `Swarm-Soc-Signature`; with `Swarm-Only-Root-Chunk: true`, the
//! wrapped chunk's data (span and payload) as it is.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::bytes::{content_length, next_data, stream_from, DownloadParams};
use super::headers::{self, HeaderError, HeaderErrors};
use super::{percent_decode, ApiError, ApiState, Reason};
use crate::address::Address;
use crate::cac::{Chunk, MAX_DATA};
use crate::keccak::keccak256_concat;
use crate::reference::Reference;
use crate::soc::{self, OWNER_SIZE, SOC_ID_SIZE, SOC_SIGNATURE_SIZE};
use crate::span::SPAN_SIZE;
use crate::store::{ChunkStore, StoreError};

/// bee's header listing what a browser may read.
pub(super) const EXPOSE: &str = "access-control-expose-headers";
/// bee's header carrying a SOC's signature (hex).
pub(super) const SOC_SIGNATURE: &str = "swarm-soc-signature";

/// The last `N` path segments, percent-decoded (the route guarantees there are `N`).
pub(super) fn last_segments<const N: usize>(uri: &Uri) -> [Vec<u8>; N] {
    let mut parts: Vec<&str> = uri.path().rsplitn(N + 1, '/').take(N).collect();
    parts.reverse();
    std::array::from_fn(|i| percent_decode(parts.get(i).unwrap_or(&"").as_bytes()))
}

/// A `[]byte` parameter as bee maps it: Go's strict hex; empty is "required".
pub(super) fn hex_param(errors: &mut HeaderErrors, field: &str, raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() {
        errors.push(HeaderError::required(field));
        return None;
    }
    match headers::decode_go_hex(raw) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(HeaderError::syntax(field, e));
            None
        }
    }
}

/// bee's 400 with `message` ("invalid path params", "invalid query params") and the fields' reasons.
pub(super) fn params_error(errors: HeaderErrors, message: &str) -> Result<(), ApiError> {
    errors.finish().map_err(|errors| ApiError {
        reasons: errors
            .into_iter()
            .map(|e| Reason {
                field: e.field,
                error: e.reason,
            })
            .collect(),
        ..ApiError::new(StatusCode::BAD_REQUEST, message)
    })
}

fn owner_and_id(uri: &Uri) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
    let [owner, id] = last_segments::<2>(uri);
    let mut errors = HeaderErrors::default();
    let owner = hex_param(&mut errors, "owner", &owner);
    let id = hex_param(&mut errors, "id", &id);
    params_error(errors, "invalid path params")?;
    Ok((owner.unwrap_or_default(), id.unwrap_or_default()))
}

/// bee's 413 for a body over 4104 bytes (its `MaxBodyBytesHandler`: the status text).
pub(super) fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large")
}

fn invalid_chunk() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid chunk")
}

/// The SOC the request describes, checked as bee does: owner of 20 bytes (else 401 "invalid
/// address"), then a valid SOC (else 401 "invalid chunk"; an id or signature of another length
/// cannot make one).
fn signed_soc(owner: &[u8], id: &[u8], sig: &[u8], body: Vec<u8>) -> Result<Chunk, ApiError> {
    if body.len() < SPAN_SIZE {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "short chunk data"));
    }
    if body.len() > MAX_DATA {
        return Err(too_large());
    }
    let wrapped = Chunk::with_data_span(body)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "chunk data error"))?;
    let owner: [u8; OWNER_SIZE] = owner
        .try_into()
        .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, "invalid address"))?;
    let id: [u8; SOC_ID_SIZE] = id.try_into().map_err(|_| invalid_chunk())?;
    if sig.len() != SOC_SIGNATURE_SIZE {
        return Err(invalid_chunk());
    }
    let address = soc::soc_address(&id, &owner);
    let mut data = Vec::with_capacity(SOC_ID_SIZE + SOC_SIGNATURE_SIZE + wrapped.data.len());
    data.extend_from_slice(&id);
    data.extend_from_slice(sig);
    data.extend_from_slice(&wrapped.data);
    if !soc::is_valid_soc(&address, &data) {
        return Err(invalid_chunk());
    }
    Ok(Chunk { address, data })
}

/// `POST /soc/{owner}/{id}?sig=…`.
pub(super) async fn upload(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
    mut body: Body,
) -> Result<Response, ApiError> {
    // bee's body limit comes before everything else (a middleware).
    if content_length(&h).is_some_and(|n| n > MAX_DATA as u64) {
        return Err(too_large());
    }
    let (owner, id) = owner_and_id(&uri)?;
    let sig_raw = super::stamps::query_value(&uri, "sig").unwrap_or_default();
    let mut errors = HeaderErrors::default();
    let sig = hex_param(&mut errors, "sig", sig_raw.as_bytes());
    params_error(errors, "invalid query params")?;
    let (want, pin, stamp) = super::chunks::check_upload_headers(&h, true)?;
    if pin {
        super::pins::pin_store(&state)?;
    }
    let session = super::tags::session(&state, want).await?;
    let stamp = stamp?;
    let _slot = state.slot().await?;
    let mut data = Vec::new();
    while let Some(piece) = next_data(&mut body, state.config.idle_timeout).await? {
        if data.len().saturating_add(piece.len()) > MAX_DATA {
            return Err(too_large());
        }
        data.extend_from_slice(&piece);
    }
    let chunk = signed_soc(&owner, &id, &sig.unwrap_or_default(), data)?;
    super::chunks::store_uploaded(&state, stamp, chunk, session, true, pin).await
}

/// `Swarm-Only-Root-Chunk`, checked as bee's handlers do before anything is fetched.
pub(super) fn only_root_chunk(h: &HeaderMap) -> Result<bool, ApiError> {
    let mut errors = HeaderErrors::default();
    let only_root = errors.check(headers::bool_header(h, "Swarm-Only-Root-Chunk"));
    ApiError::check_headers(errors)?;
    Ok(only_root.unwrap_or(false))
}

/// `GET /soc/{owner}/{id}`.
pub(super) async fn download(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let (owner, id) = owner_and_id(&uri)?;
    let only_root = only_root_chunk(&h)?;
    // bee hashes whatever lengths it was given.
    let address = Address(keccak256_concat(&[&id, &owner]));
    let data = {
        let _slot = state.slot().await?;
        let store = state.download_store(state.config.chunk_retrieval_timeout);
        tokio::task::spawn_blocking(move || store.get(&address))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
            .ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, "requested chunk cannot be retrieved")
            })?
    };
    let parsed = soc::parse_soc(&data).map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "chunk is not a single owner chunk",
        )
    })?;
    let extra = [(SOC_SIGNATURE, hex::encode(parsed.signature))];
    serve_root(
        &state,
        &h,
        parsed.wrapped,
        &extra,
        &["Swarm-Soc-Signature"],
        only_root,
    )
    .await
}

/// Serves `root` (a chunk kept nowhere else, or fetched already) as bee's `downloadHandler` with a
/// root chunk: the file it is the root of, or with `only_root` its data as it is. `extra` headers
/// and the `expose` names (in `Access-Control-Expose-Headers`, before bee's `Content-Disposition`)
/// are added.
pub(super) async fn serve_root(
    state: &ApiState,
    h: &HeaderMap,
    root: Chunk,
    extra: &[(&'static str, String)],
    expose: &[&'static str],
    only_root: bool,
) -> Result<Response, ApiError> {
    let mut response = if only_root {
        let len = root.data.len();
        let mut response = root.data.into_response();
        let rh = response.headers_mut();
        rh.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        rh.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        response
    } else {
        let (params, checked) = DownloadParams::parse(h, &state.config);
        checked?;
        let reference = Reference::plain(root.address);
        let store: Arc<dyn ChunkStore> = Arc::new(WithRoot {
            inner: state.download_store(params.chunk_timeout),
            root,
        });
        stream_from(state, store, reference, params, h).await?
    };
    let rh = response.headers_mut();
    for (name, value) in extra {
        if let Ok(v) = HeaderValue::from_str(value) {
            rh.insert(HeaderName::from_static(name), v);
        }
    }
    let joined = rh.remove(EXPOSE).is_some();
    for name in expose {
        rh.append(EXPOSE, HeaderValue::from_static(name));
    }
    if joined {
        rh.append(EXPOSE, HeaderValue::from_static("Content-Disposition"));
    }
    Ok(response)
}

/// A store that also holds one root chunk (a SOC's wrapped chunk, which is stored nowhere else).
pub(super) struct WithRoot {
    pub(super) inner: Arc<dyn ChunkStore>,
    pub(super) root: Chunk,
}

impl ChunkStore for WithRoot {
    fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
        if *address == self.root.address {
            return Ok(Some(self.root.data.clone()));
        }
        self.inner.get(address)
    }

    fn get_many(
        &self,
        addresses: &[Address],
        need: usize,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        if addresses.contains(&self.root.address) {
            crate::store::get_in_order(addresses, need, |a| self.get(a))
        } else {
            self.inner.get_many(addresses, need)
        }
    }

    crate::forward_chunk_store!(inner: put_batch, has, remove, remove_many, iterate, sync);
}
