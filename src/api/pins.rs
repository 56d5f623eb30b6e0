//! bee's pins: `POST /pins/{reference}` (pin every chunk of a tree), `DELETE /pins/{reference}`,
//! `GET /pins/{reference}`, `GET /pins`, and `Swarm-Pin: true` on `POST /bytes`, `POST /bzz`,
//! `POST /soc` (the SOC alone) and `POST /feeds` (the feed manifest), as
//! bee v2.8.1's `pkg/api/pin.go` over the API's [`PinStore`] (the local store).
//!
//! What a pin holds follows bee's `pkg/traversal`: a single-owner chunk is pinned alone; a tree
//! whose root spans at most 4096 bytes and reads as a mantaray manifest pins every manifest node's
//! tree and every file tree the manifest names (a feed manifest's zero entry is skipped, as bee);
//! anything else pins its own tree. A tree is its root, every intermediate, data and parity chunk
//! (walked with the library's bounded walk, [`crate::file::inspect`]), and, unlike bee, every
//! dispersed replica of each tree's root that the local store holds (at `Swarm-Redundancy-Level`,
//! paranoid by default, which covers the replicas of every lower level). A chunk of the tree that
//! cannot be had is bee's 404 "pin collection failed" and nothing is pinned.
//!
//! Work is bounded: a pin sees at most [`MAX_PIN_CHUNKS`] distinct chunks (the walk's limit,
//! counted over all the trees of a manifest); a larger collection is refused with a 500 naming the
//! limit, and nothing is pinned. The manifest walk has its own budget ([`WalkLimits`]).
//!
//! Without a pin store ([`super::ApiState::with_pins`]) every `/pins` route and an upload with
//! `Swarm-Pin: true` answer 501 "pinning is not available".

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::bytes::parse_reference;
use super::headers::{self, HeaderErrors};
use super::{ApiError, ApiState};
use crate::address::Address;
use crate::cac;
use crate::file::inspect::{inspect_with, InspectOptions, DEFAULT_MAX_CHUNKS};
use crate::file::{JoinError, JoinOptions};
use crate::manifest::{self, ManifestError, Node, StoreLoadSaver, WalkLimits};
use crate::redundancy::Level;
use crate::reference::Reference;
use crate::replicas;
use crate::soc;
use crate::store::{ChunkStore, PinStore, StoreError};

/// Most distinct chunks one pin collects (a 16 GiB file at level 0).
pub const MAX_PIN_CHUNKS: u64 = DEFAULT_MAX_CHUNKS;

/// A root that spans at most this many bytes may be a manifest (bee's heuristic).
const MANIFEST_MAX_SPAN: u64 = 4096;

const COLLECTION_FAILED: &str = "pin collection failed";

/// Why the chunks of a pin could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// A chunk of the tree is not retrievable (or not valid).
    #[error("chunk {0} cannot be retrieved")]
    Missing(Address),
    /// More distinct chunks than the limit.
    #[error("more than {0} distinct chunks")]
    Limit(u64),
    /// The data is no tree or manifest that can be walked.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn join_failure(e: JoinError, limit: u64) -> CollectError {
    match e {
        JoinError::NotFound { address } | JoinError::Corrupt { address, .. } => {
            CollectError::Missing(address)
        }
        JoinError::WalkLimit { .. } => CollectError::Limit(limit),
        JoinError::Store(e) => CollectError::Store(e),
        e => CollectError::Invalid(e.to_string()),
    }
}

/// Every chunk a pin of `reference` holds, read from `store` (on a node, the network through the
/// local store), sorted: see the module docs. Replicas are taken from `local` only, at
/// `replica_level`.
pub fn pin_chunks(
    store: &dyn ChunkStore,
    local: &dyn ChunkStore,
    reference: &Reference,
    replica_level: Level,
    max_chunks: u64,
) -> Result<Vec<Address>, CollectError> {
    let root = reference.address;
    if reference.key.is_none() {
        if let Some(data) = store.get(&root)? {
            if !cac::is_valid(&root, &data) && soc::is_valid_soc(&root, &data) {
                return Ok(vec![root]);
            }
        }
    }
    let mut chunks = HashSet::new();
    let size = tree(store, reference, max_chunks, &mut chunks)?;
    let mut trees = vec![*reference];
    if size <= MANIFEST_MAX_SPAN {
        for r in manifest_references(store, reference, max_chunks)? {
            if trees.contains(&r) {
                continue;
            }
            let budget = max_chunks.saturating_sub(chunks.len() as u64);
            tree(store, &r, budget, &mut chunks)?;
            if chunks.len() as u64 > max_chunks {
                return Err(CollectError::Limit(max_chunks));
            }
            trees.push(r);
        }
    }
    for r in &trees {
        for (_, replica) in replicas::replica_addresses(&r.address, replica_level) {
            if local.has(&replica)? {
                chunks.insert(replica);
            }
        }
    }
    let mut out: Vec<Address> = chunks.into_iter().collect();
    out.sort();
    Ok(out)
}

/// Adds the chunks of the tree under `reference` (root, intermediate, data, parity) to `chunks`;
/// every one must be retrievable. Returns the tree's size.
fn tree(
    store: &dyn ChunkStore,
    reference: &Reference,
    budget: u64,
    chunks: &mut HashSet<Address>,
) -> Result<u64, CollectError> {
    let options = InspectOptions {
        // The root itself, never a replica: a pin needs the chunk under its own address.
        join: JoinOptions {
            replica_level: Level::None,
            ..JoinOptions::default()
        },
        max_chunks: budget.max(1),
        replica_level: Some(Level::None),
        ..InspectOptions::default()
    };
    let report = inspect_with(store, reference, options).map_err(|e| join_failure(e, budget))?;
    if !report.root_retrievable {
        return Err(CollectError::Missing(reference.address));
    }
    if let Some(missing) = report.missing.first() {
        let address =
            Address::from_hex(missing).map_err(|e| CollectError::Invalid(e.to_string()))?;
        return Err(CollectError::Missing(address));
    }
    chunks.insert(reference.address);
    for node in &report.nodes {
        for a in node.data.iter().chain(&node.parity) {
            let a = Address::from_hex(a).map_err(|e| CollectError::Invalid(e.to_string()))?;
            chunks.insert(a);
        }
    }
    Ok(report.size)
}

/// The trees a manifest at `reference` names: every node's own (the root's included) and every
/// entry's, in walk order; none when `reference` is no manifest.
fn manifest_references(
    store: &dyn ChunkStore,
    reference: &Reference,
    max_chunks: u64,
) -> Result<Vec<Reference>, CollectError> {
    let join = JoinOptions {
        replica_level: Level::None,
        ..JoinOptions::default()
    };
    let mut loader = StoreLoadSaver::reader(store, join);
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut visited = false;
    let result = manifest::walk(
        Node::from_reference(&reference.to_bytes()),
        &mut loader,
        WalkLimits::default(),
        &mut |_, node| {
            visited = true;
            if let Some(r) = node.reference() {
                found.push(r.to_vec());
            }
            let entry = node.entry();
            // bee skips the zero entry (a feed manifest's `/`).
            if node.is_value() && !entry.is_empty() && entry.iter().any(|&b| b != 0) {
                found.push(entry.to_vec());
            }
            Ok(())
        },
    );
    match result {
        Ok(()) => {}
        // The root does not read as a manifest: the bytes alone are pinned, as bee.
        Err(_) if !visited => return Ok(Vec::new()),
        Err(ManifestError::Load { source, .. }) => return Err(join_failure(source, max_chunks)),
        Err(ManifestError::WalkLimit { what, limit, .. }) => {
            return Err(CollectError::Invalid(format!(
                "manifest over its walk limit of {limit} {what}"
            )))
        }
        Err(e) => return Err(CollectError::Invalid(e.to_string())),
    }
    found
        .iter()
        .map(|r| {
            Reference::from_bytes(r).ok_or_else(|| {
                CollectError::Invalid(format!("manifest reference of {} bytes", r.len()))
            })
        })
        .collect()
}

/// Pins `reference` (blocking): `Ok(false)` if it was pinned already.
pub(super) fn pin_reference(
    store: &dyn ChunkStore,
    pins: &dyn PinStore,
    reference: &Reference,
    replica_level: Level,
) -> Result<bool, ApiError> {
    let root = reference.to_bytes();
    if pins.is_pinned(&root).map_err(store_failed)? {
        return Ok(false);
    }
    let chunks = pin_chunks(store, pins, reference, replica_level, MAX_PIN_CHUNKS)
        .map_err(|e| collect_failed(reference, e))?;
    match pins.pin(&root, &chunks) {
        Ok(pinned) => Ok(pinned),
        Err(StoreError::Missing { address }) => {
            Err(collect_failed(reference, CollectError::Missing(address)))
        }
        Err(e) => Err(store_failed(e)),
    }
}

fn collect_failed(reference: &Reference, e: CollectError) -> ApiError {
    tracing::warn!(%reference, error = %e, "pin collection failed");
    match e {
        CollectError::Missing(_) | CollectError::Invalid(_) => {
            ApiError::new(StatusCode::NOT_FOUND, COLLECTION_FAILED)
        }
        CollectError::Limit(limit) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{COLLECTION_FAILED}: more than {limit} distinct chunks"),
        ),
        CollectError::Store(_) => ApiError::internal(COLLECTION_FAILED),
    }
}

fn store_failed(e: StoreError) -> ApiError {
    tracing::warn!(error = %e, "pin store failed");
    ApiError::internal("pin store failed")
}

/// bee's `{"code","message"}` with the status text, for answers without a body of their own.
fn status(code: StatusCode) -> Response {
    let text = code.canonical_reason().unwrap_or_default();
    ApiError::new(code, text).into_response()
}

/// The pin store, or 501 without one.
pub(super) fn pin_store(state: &ApiState) -> Result<Arc<dyn PinStore>, ApiError> {
    state
        .pins
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::NOT_IMPLEMENTED, "pinning is not available"))
}

/// A store that also writes every chunk into the local pin store, for a pinned upload whose store
/// is not the local one (a node pushes uploads to the network; a pin needs them here).
struct Tee {
    inner: Arc<dyn ChunkStore>,
    local: Arc<dyn PinStore>,
}

impl ChunkStore for Tee {
    crate::forward_chunk_store!(inner: get, has, remove, remove_many, iterate, get_many);

    fn put_batch(&self, chunks: &[crate::cac::Chunk]) -> Result<(), StoreError> {
        self.local.put_batch(chunks)?;
        self.inner.put_batch(chunks)
    }

    fn sync(&self) -> Result<(), StoreError> {
        self.local.sync()?;
        self.inner.sync()
    }
}

/// The store a pinned upload writes through, and the pin store.
pub(super) type PinnedUpload = (Arc<dyn ChunkStore>, Arc<dyn PinStore>);

/// The store a pinned upload writes through: `store`, also writing into the pin store when that is
/// another store; and the pin store. 501 without one.
pub(super) fn pinned_upload_store(
    state: &ApiState,
    store: Arc<dyn ChunkStore>,
) -> Result<PinnedUpload, ApiError> {
    let pins = pin_store(state)?;
    if std::ptr::addr_eq(Arc::as_ptr(&store), Arc::as_ptr(&pins)) {
        return Ok((store, pins));
    }
    let tee = Tee {
        inner: store,
        local: pins.clone(),
    };
    Ok((Arc::new(tee), pins))
}

/// The store an upload writes through, and the pin store when the upload is pinned.
pub(super) type MaybePinnedUpload = (Arc<dyn ChunkStore>, Option<Arc<dyn PinStore>>);

/// The store an upload writes through: `store` itself, or with `pin` the store of
/// [`pinned_upload_store`] and the pin store.
pub(super) fn upload_store_pinned(
    state: &ApiState,
    store: Arc<dyn ChunkStore>,
    pin: bool,
) -> Result<MaybePinnedUpload, ApiError> {
    if !pin {
        return Ok((store, None));
    }
    let (store, pins) = pinned_upload_store(state, store)?;
    Ok((store, Some(pins)))
}

/// Pins a finished upload (blocking): every chunk of it is in the pin store.
pub(super) fn pin_upload(
    pins: &Arc<dyn PinStore>,
    reference: &Reference,
    level: Level,
) -> Result<(), ApiError> {
    let local: &dyn PinStore = &**pins;
    pin_reference(local, local, reference, level).map(|_| ())
}

const LEVEL: &str = "Swarm-Redundancy-Level";

/// `POST /pins/{reference}`.
pub(super) async fn pin(
    State(state): State<ApiState>,
    uri: Uri,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_reference(&uri)?;
    let mut errors = HeaderErrors::default();
    let level = errors.check(headers::level_header(&h, LEVEL));
    ApiError::check_headers(errors)?;
    let pins = pin_store(&state)?;
    let slot = state.slot().await?;
    let store = state.download_store(state.config.chunk_retrieval_timeout);
    let level = level.unwrap_or(state.config.default_download_level);
    let created = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        pin_reference(&*store, &*pins, &reference, level)
    })
    .await
    .map_err(|_| ApiError::internal(COLLECTION_FAILED))??;
    Ok(status(if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }))
}

/// `DELETE /pins/{reference}`.
pub(super) async fn unpin(State(state): State<ApiState>, uri: Uri) -> Result<Response, ApiError> {
    let reference = parse_reference(&uri)?;
    let pins = pin_store(&state)?;
    let slot = state.slot().await?;
    let removed = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        pins.unpin(&reference.to_bytes())
    })
    .await
    .map_err(|_| ApiError::internal("pin store failed"))?
    .map_err(store_failed)?;
    Ok(status(if removed {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    }))
}

#[derive(Debug, Serialize)]
struct Pinned {
    reference: String,
}

/// `GET /pins/{reference}`.
pub(super) async fn get(State(state): State<ApiState>, uri: Uri) -> Result<Response, ApiError> {
    let reference = parse_reference(&uri)?;
    let pins = pin_store(&state)?;
    let slot = state.slot().await?;
    let pinned = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        pins.is_pinned(&reference.to_bytes())
    })
    .await
    .map_err(|_| ApiError::internal("pin store failed"))?
    .map_err(store_failed)?;
    if !pinned {
        return Ok(status(StatusCode::NOT_FOUND));
    }
    Ok(Json(Pinned {
        reference: reference.to_hex(),
    })
    .into_response())
}

#[derive(Debug, Serialize)]
struct PinList {
    references: Vec<String>,
}

/// `GET /pins`.
pub(super) async fn list(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let pins = pin_store(&state)?;
    let slot = state.slot().await?;
    let roots = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        pins.pinned_roots()
    })
    .await
    .map_err(|_| ApiError::internal("pin store failed"))?
    .map_err(store_failed)?;
    Ok(Json(PinList {
        references: roots.iter().map(hex::encode).collect(),
    })
    .into_response())
}
