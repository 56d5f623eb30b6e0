//! Serving: `node` (the libp2p node, optionally with the HTTP API), `id`, `api` (the HTTP API over
//! the local store), and the connection behind `--peer`. `node` and `api` run until SIGINT or
//! SIGTERM and then stop cleanly.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use swarmec::api::{ApiConfig, ApiState, Tags};
use swarmec::api::{UploadRefusal, UploadStamp, UploadStoreHook};
use swarmec::net::pushsync::{PostageCheck, Stamper};
use swarmec::net::{self, Multiaddr, NetError, NodeConfig, Session};
use swarmec::reserve::Reserve;
use swarmec::stamps::{
    BatchStamper, NodeStamps, Postage, PresignedStamper, StampLedger, StampsError,
};
use swarmec::store::{ChunkStore, SlotStore};

use super::args::DataDir;
use super::failure::Failure;
use super::output::print_line;
use super::store::open_store;

/// A session with the node at `address`, for `--peer`.
pub fn connect(address: &Multiaddr, network_id: u64) -> Result<Session, Failure> {
    let config = NodeConfig {
        network_id,
        ..NodeConfig::default()
    };
    Session::connect(address, config)
        .map_err(|e| Failure::runtime(format!("cannot connect to {address}: {e}")))
}

/// `id`: this node's peer id, creating its key if needed.
pub fn id(dir: &DataDir) -> Result<(), Failure> {
    let key = net::identity::load_or_create_key(&dir.path()).map_err(NetError::from)?;
    print_line(&key.public().to_peer_id().to_string())
}

/// `id --import-bee-key`: bee's `swarm.key` becomes this data directory's overlay key; prints the
/// peer id and the overlay on network 1.
pub fn import_bee_key(
    dir: &DataDir,
    key_file: &std::path::Path,
    password_file: &std::path::Path,
    nonce: Option<&str>,
) -> Result<(), Failure> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| Failure::runtime(format!("cannot read {}: {e}", p.display())))
    };
    let key = read(key_file)?;
    let password = String::from_utf8(read(password_file)?)
        .map_err(|_| Failure::usage(format!("{} is not UTF-8", password_file.display())))?;
    // bee reads the password file whole, less one trailing newline.
    let password = password.strip_suffix('\n').unwrap_or(&password);
    let nonce: [u8; 32] = match nonce {
        None => [0; 32],
        Some(hex_nonce) => hex::decode(hex_nonce)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                Failure::usage(format!("--nonce {hex_nonce:?}: want 64 hex characters"))
            })?,
    };
    let identity = net::identity::import_bee_key(&dir.path(), &key, password, nonce)
        .map_err(NetError::from)?;
    let peer = net::identity::load_or_create_key(&dir.path()).map_err(NetError::from)?;
    print_line(&format!(
        "{}\noverlay {}",
        peer.public().to_peer_id(),
        identity.overlay(1)
    ))
}

/// `api`: bee's HTTP API over the local store, with the data directory's batches for `/stamps`,
/// until SIGINT or SIGTERM.
pub fn api(
    listen: SocketAddr,
    cors_allowed_origins: Vec<String>,
    dir: &DataDir,
) -> Result<(), Failure> {
    let local = Arc::new(open_store(dir)?);
    let store: Arc<dyn ChunkStore> = local.clone();
    let data_dir = dir.path();
    let identity = net::identity::load_or_create_overlay(&data_dir).map_err(NetError::from)?;
    // No network: the data directory's overlay on network 1, as `swarmec id` prints it.
    let overlay = identity.overlay(1);
    let postage = Arc::new(Postage::open(&data_dir, identity.key)?);
    let config = ApiConfig {
        cors_allowed_origins,
        ..ApiConfig::default()
    };
    let status = swarmec::api::StoreOnly {
        overlay,
        public_key: postage.key().public_key(),
    };
    let tags = Tags::open(&data_dir).map_err(|e| Failure::runtime(e.to_string()))?;
    let state = ApiState::new(store, config)
        .with_postage(postage)
        .with_node(Arc::new(status))
        .with_tags(Arc::new(tags))
        .with_pins(local);
    let runtime = net::runtime()?;
    runtime.block_on(async move {
        // Listen for the signals before announcing the address, so that none is missed.
        let shutdown = net::shutdown_signal()
            .map_err(|e| Failure::runtime(format!("cannot listen for signals: {e}")))?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Failure::runtime(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Failure::runtime(format!("cannot listen on {listen}: {e}")))?;
        println!("listening on http://{bound}");
        io::stdout()
            .flush()
            .map_err(|e| Failure::runtime(format!("writing to stdout: {e}")))?;
        swarmec::api::serve(listener, state, shutdown)
            .await
            .map_err(|e| Failure::runtime(format!("serving on {bound}: {e}")))
    })
}

/// What `node` runs with.
pub struct NodeRequest {
    /// Addresses to listen on (default `/ip4/127.0.0.1/tcp/0`).
    pub listen: Vec<Multiaddr>,
    /// Peers to join through.
    pub bootstrap: Vec<Multiaddr>,
    /// How many of the closest nodes store each chunk.
    pub replication: u8,
    /// Also serve the HTTP API here.
    pub api: Option<SocketAddr>,
    /// Origins allowed to call the API from a web page.
    pub cors_allowed_origins: Vec<String>,
    /// bee's network id.
    pub network_id: u64,
    /// Chunks the reserve holds before its radius rises.
    pub reserve_capacity: u64,
    /// Fetched chunks kept in the store.
    pub cache_capacity: u64,
    /// The lowest storage radius.
    pub storage_radius: u8,
}

/// `node`: a storer node until SIGINT or SIGTERM.
pub fn node(dir: &DataDir, request: NodeRequest) -> Result<(), Failure> {
    let data_dir = dir.path();
    let local = Arc::new(open_store(dir)?);
    let store: Arc<dyn ChunkStore> = local.clone();
    let identity = net::identity::load_or_create_overlay(&data_dir).map_err(NetError::from)?;
    let postage = Arc::new(Postage::open(&data_dir, identity.key.clone())?);
    let ledger = StampLedger::open(&data_dir)?;
    let check = NodeStamps::new(postage.clone(), ledger);
    let reserve = Reserve::open(
        &data_dir,
        identity.overlay(request.network_id),
        request.reserve_capacity,
    )
    .map_err(|e| Failure::runtime(e.to_string()))?;
    let listen = if request.listen.is_empty() {
        vec!["/ip4/127.0.0.1/tcp/0"
            .parse()
            .map_err(|e| Failure::runtime(format!("default listen address: {e}")))?]
    } else {
        request.listen
    };
    let config = NodeConfig {
        listen,
        bootstrap: request.bootstrap,
        replication: usize::from(request.replication),
        network_id: request.network_id,
        overlay: Some(identity),
        postage: Some(PostageCheck(Arc::new(check))),
        reserve: Some(Arc::new(reserve)),
        storage_radius: request.storage_radius,
        cache_capacity: request.cache_capacity,
        ..NodeConfig::default()
    };
    // Bind the API before the node starts, so that a taken port fails the command at once.
    let api_listener = request
        .api
        .map(|addr| {
            let l = std::net::TcpListener::bind(addr)
                .map_err(|e| Failure::runtime(format!("cannot listen on {addr}: {e}")))?;
            l.set_nonblocking(true)
                .map_err(|e| Failure::runtime(format!("cannot listen on {addr}: {e}")))?;
            Ok::<_, Failure>(l)
        })
        .transpose()?;
    let cors = request.cors_allowed_origins;
    // The API's tags, kept in the data directory (opened before the node starts, to fail early).
    let tags = api_listener
        .as_ref()
        .map(|_| Tags::open(&data_dir).map(Arc::new))
        .transpose()
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let mut printed = Ok(());
    net::run_node(
        &data_dir,
        store.clone(),
        config,
        |node| {
            let mut text = format!("peer_id {}\noverlay {}\n", node.peer_id(), node.overlay());
            for a in node.listen_addrs() {
                text.push_str(&format!("listen {a}\n"));
            }
            if let (Some(l), Some(tags)) = (api_listener, tags) {
                match serve_api_on_node(l, local, postage, tags, node, cors.clone()) {
                    Ok(bound) => text.push_str(&format!("api http://{bound}\n")),
                    Err(e) => printed = Err(e),
                }
            }
            text.push_str("ready");
            if printed.is_ok() {
                printed = print_line(&text);
            }
        },
        |n| {
            // A closed stdout must not stop the node: the count is information only.
            let _ = print_line(&format!("peers {n}"));
        },
    )?;
    printed
}

/// Serves the HTTP API over the node's network store, on the node's runtime (called from inside it).
fn serve_api_on_node(
    listener: std::net::TcpListener,
    pins: Arc<SlotStore>,
    postage: Arc<Postage>,
    tags: Arc<Tags>,
    node: &net::Node,
    cors_allowed_origins: Vec<String>,
) -> Result<SocketAddr, Failure> {
    let fail = |e: io::Error| Failure::runtime(format!("cannot serve the API: {e}"));
    let bound = listener.local_addr().map_err(fail)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(fail)?;
    let runtime = tokio::runtime::Handle::current();
    let local: Arc<dyn ChunkStore> = pins.clone();
    let client = node.client();
    let network = net::NetworkStore::new(local.clone(), client.clone(), runtime.clone(), true);
    let stamps = postage.clone();
    // Each upload writes through a network store that stamps with the upload's batch.
    let upload_store: UploadStoreHook = Arc::new(move |stamp| {
        let stamper: Arc<dyn Stamper> = match stamp {
            UploadStamp::Batch(id) => {
                Arc::new(BatchStamper::new(&stamps, &id).map_err(|e| match e {
                    StampsError::UnknownBatch { .. } => UploadRefusal::UnknownBatch,
                    StampsError::NotUsable { .. } => UploadRefusal::NotUsable,
                    StampsError::BatchFull { .. } => UploadRefusal::Full,
                    e => UploadRefusal::Failed(e.to_string()),
                })?)
            }
            UploadStamp::Presigned(stamp) => Arc::new(PresignedStamper(stamp)),
        };
        let store = net::NetworkStore::new(local.clone(), client.clone(), runtime.clone(), true)
            .with_stamper(stamper);
        Ok(Arc::new(store) as Arc<dyn ChunkStore>)
    });
    let config = ApiConfig {
        write_back: false,
        cors_allowed_origins,
        ..ApiConfig::default()
    };
    let status = net::status::NodeStatusView::new(
        node.client(),
        postage.key().public_key(),
        node.listen_addrs(),
    );
    let state = ApiState::new(Arc::new(network), config)
        .with_node(Arc::new(status))
        .with_postage(postage)
        .with_tags(tags)
        .with_upload_store(upload_store)
        .with_pins(pins);
    // The server ends with the node's runtime when the node shuts down.
    tokio::spawn(swarmec::api::serve(listener, state, std::future::pending()));
    Ok(bound)
}
