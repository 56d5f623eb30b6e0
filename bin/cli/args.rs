//! The command line's arguments: what clap parses, with the help text users see.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use swarmec::file::Strategy;
use swarmec::net::Multiaddr;
use swarmec::redundancy::Level;

/// Swarm-style erasure-coded, content-addressed storage, byte-compatible with bee.
#[derive(Parser, Debug)]
#[command(name = "swarmec", version, about)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

impl Args {
    /// The log filter when `RUST_LOG` is not set: swarmec's info for the servers, warnings only for
    /// the rest (whose stderr is for their one-line failures).
    pub fn default_log_filter(&self) -> &'static str {
        match self.command {
            Command::Node { .. } | Command::Api { .. } => "warn,swarmec=info",
            _ => "warn",
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct DataDir {
    /// Data directory (else $SWARMEC_DATA_DIR, else the platform's data directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DataDir {
    /// The directory in use: `--data-dir`, else `$SWARMEC_DATA_DIR`, else the platform's.
    pub fn path(&self) -> PathBuf {
        swarmec::store::data_dir(self.data_dir.as_deref())
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct Split {
    /// Redundancy level: 0-4 or none, medium, strong, insane, paranoid (default medium, as bee).
    #[arg(long, default_value = "medium", value_name = "L")]
    pub level: Level,
    /// Encrypt every chunk; the reference then carries the key (128 hex characters).
    #[arg(long)]
    pub encrypt: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct Peer {
    /// Push to or retrieve from the network through the node at MULTIADDR instead of the local store.
    #[arg(long, value_name = "MULTIADDR")]
    pub peer: Option<Multiaddr>,
    /// bee's network id of that node's network (1 is Swarm mainnet).
    #[arg(long, default_value_t = 1, value_name = "N", requires = "peer")]
    pub network_id: u64,
}

/// How `check` and `repair` walk a tree.
#[derive(clap::Args, Debug, Clone)]
pub struct Walk {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Most distinct chunks to visit.
    #[arg(long, default_value_t = swarmec::file::inspect::DEFAULT_MAX_CHUNKS)]
    pub max_chunks: u64,
    /// Level of the root replicas to check (default: the root's own level; a file of one chunk has
    /// none in its span, so give its upload level here).
    #[arg(long, value_name = "L")]
    pub replica_level: Option<Level>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the reference of a file (or - for stdin) without storing anything.
    Hash {
        /// File to hash, or - for standard input.
        file: PathBuf,
        #[command(flatten)]
        split: Split,
        /// Print {"reference", "size", "chunks", "replicas"}.
        #[arg(long)]
        json: bool,
    },
    /// Store a file (or - for stdin) in the local store, or push it through a node, and print its
    /// reference.
    Upload {
        /// File to upload, or - for standard input.
        file: PathBuf,
        #[command(flatten)]
        split: Split,
        #[command(flatten)]
        dir: DataDir,
        #[command(flatten)]
        peer: Peer,
        /// With --peer: the postage batch (64 hex characters, one of this data directory's, see
        /// `swarmec stamp`) that stamps every chunk.
        #[arg(long, value_name = "BATCH", requires = "peer")]
        stamp: Option<String>,
        #[command(flatten)]
        bzz: Bzz,
    },
    /// Write the file behind a reference to stdout or a file.
    Download {
        /// Reference: 64 hex characters, or 128 for encrypted uploads.
        reference: String,
        /// Output file, default stdout. A regular file is replaced whole or not at all and keeps its
        /// mode; a symlink is followed; a device or FIFO is written to directly.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// First byte to read.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// Bytes to read (default: to the end).
        #[arg(long)]
        length: Option<u64>,
        /// How children are fetched: none, data, prox or race.
        #[arg(long, default_value = "data")]
        strategy: Strategy,
        /// Do not escalate to the next strategy when one fails.
        #[arg(long)]
        no_fallback: bool,
        /// Do not write recovered chunks back to the store.
        #[arg(long, conflicts_with = "repair")]
        no_write_back: bool,
        /// Write the chunks the download had to recover back (with --peer: push them, stamped with
        /// --stamp) and report how many on stderr.
        #[arg(long)]
        repair: bool,
        /// With --peer --repair: the postage batch that stamps the chunks pushed back.
        #[arg(long, value_name = "BATCH", requires = "repair")]
        stamp: Option<String>,
        #[command(flatten)]
        dir: DataDir,
        #[command(flatten)]
        peer: Peer,
        /// A path in the manifest at REFERENCE (also written REFERENCE/PATH); the empty path is the
        /// index document, as GET /bzz/REFERENCE/PATH.
        #[arg(long, value_name = "PATH")]
        path: Option<String>,
    },
    /// Is a file still safe? Per intermediate chunk, how many of its data and parity children are
    /// retrievable and its margin (parities - missing), and the root's replicas. Exit 1 when a group
    /// is beyond repair or the root cannot be had.
    Check {
        /// Reference: 64 or 128 hex characters.
        reference: String,
        #[command(flatten)]
        walk: Walk,
        #[command(flatten)]
        dir: DataDir,
        #[command(flatten)]
        peer: Peer,
    },
    /// Make a file safe again: rebuild every missing chunk that can be rebuilt (data, parity,
    /// intermediate, root, root replicas) and write exactly those back (with --peer: push them,
    /// stamped with --stamp). Exit 1 when a group was beyond repair.
    Repair {
        /// Reference: 64 or 128 hex characters.
        reference: String,
        /// With --peer: the postage batch that stamps the chunks pushed back.
        #[arg(long, value_name = "BATCH", requires = "peer")]
        stamp: Option<String>,
        #[command(flatten)]
        walk: Walk,
        #[command(flatten)]
        dir: DataDir,
        #[command(flatten)]
        peer: Peer,
    },
    /// Show the chunk tree behind a reference: levels, children, parities, margins, missing chunks.
    Inspect {
        /// Reference: 64 or 128 hex characters.
        reference: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Most distinct chunks to visit (each is visited once however often the tree points at
        /// it); the default, 4194304, covers a 16 GiB file at level 0.
        #[arg(long, default_value_t = swarmec::file::inspect::DEFAULT_MAX_CHUNKS)]
        max_chunks: u64,
        #[command(flatten)]
        dir: DataDir,
    },
    /// Exact chunk cost of uploading SIZE bytes (bytes or units: 10MB, 1GiB), or of uploading the
    /// folder or named file PATH as a manifest (--files PATH: its files' chunks and the manifest's,
    /// counted by making them; nothing is stored).
    Cost {
        /// Size: bytes, or with a unit (kB, MB, GB, TB = 1000^n; KiB, MiB, GiB, TiB = 1024^n).
        #[arg(required_unless_present = "files")]
        size: Option<String>,
        /// A folder, or a file with --name, to count as `upload PATH` would write it.
        #[arg(long, value_name = "PATH", conflicts_with = "size")]
        files: Option<PathBuf>,
        /// Redundancy level.
        #[arg(long, default_value = "medium", value_name = "L")]
        level: Level,
        /// Count an encrypted upload.
        #[arg(long)]
        encrypt: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        bzz: Bzz,
    },
    /// bee's parity table for a level (all levels and a summary when none is given).
    Table {
        /// Redundancy level.
        #[arg(long, value_name = "L")]
        level: Option<Level>,
        /// Show the encrypted table.
        #[arg(long)]
        encrypt: bool,
        /// Print JSON: a list of {"parities", "min_chunks", "max_chunks"}.
        #[arg(long)]
        json: bool,
    },
    /// Probability that a file of SIZE bytes is retrievable when each chunk is lost with probability P.
    Durability {
        /// Size: bytes or with a unit.
        size: String,
        /// Redundancy level.
        #[arg(long, value_name = "L")]
        level: Level,
        /// Independent loss probability of each chunk, 0 to 1 (or a percentage such as 5%).
        #[arg(long, value_name = "P")]
        loss: String,
        /// Count an encrypted upload.
        #[arg(long)]
        encrypt: bool,
        /// Also recompute the parity tables from the model and report where bee's differ.
        #[arg(long)]
        derive: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a network node until SIGINT or SIGTERM; prints `peer_id`, `overlay`, `listen` lines and
    /// `ready` on stdout.
    Node {
        #[command(flatten)]
        dir: DataDir,
        /// Address to listen on (repeatable; default /ip4/127.0.0.1/tcp/0).
        #[arg(long, value_name = "MULTIADDR")]
        listen: Vec<Multiaddr>,
        /// Peer to join the network through (repeatable), e.g. /ip4/127.0.0.1/tcp/1634/p2p/12D3...
        #[arg(long, value_name = "MULTIADDR")]
        bootstrap: Vec<Multiaddr>,
        /// How many of the closest nodes store each chunk.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=16))]
        replication: u8,
        /// Also serve bee's HTTP API on this address (bee uses 127.0.0.1:1633); uploads are pushed
        /// to the network, downloads read through it.
        #[arg(long, value_name = "ADDR")]
        api: Option<std::net::SocketAddr>,
        /// Origins whose web pages may call the API (with --api), comma-separated (`*` for any), as bee's
        /// `--cors-allowed-origins`.
        #[arg(long, value_name = "ORIGINS", value_delimiter = ',')]
        cors_allowed_origins: Vec<String>,
        /// bee's network id: 1 is Swarm mainnet, 10 bee's testnet; nodes on other networks are
        /// refused.
        #[arg(long, default_value_t = 1, value_name = "N")]
        network_id: u64,
        /// Chunks the reserve holds before the storage radius rises and the farthest bins are
        /// evicted (bee's default: 4194304, 16 GiB of chunks).
        #[arg(long, default_value_t = swarmec::reserve::DEFAULT_CAPACITY, value_name = "CHUNKS",
              value_parser = clap::value_parser!(u64).range(1..))]
        reserve_capacity: u64,
        /// Chunks fetched from peers to serve downloads that stay in the store; beyond it the oldest
        /// fetched are removed, unless pinned or in the reserve (bee's default: 1000000).
        #[arg(long, default_value_t = swarmec::reserve::DEFAULT_CACHE_CAPACITY, value_name = "CHUNKS")]
        cache_capacity: u64,
        /// The lowest storage radius: chunks whose proximity to this node is below it are not kept
        /// for the neighbourhood nor pulled (the radius rises above it when the reserve is full).
        #[arg(long, default_value_t = 0, value_name = "R",
              value_parser = clap::value_parser!(u8).range(0..=31))]
        storage_radius: u8,
    },
    /// Print this node's peer id (creating the node key if needed).
    Id {
        #[command(flatten)]
        dir: DataDir,
        /// Import bee's encrypted overlay key (`keys/swarm.key` of a bee data directory) as this
        /// node's, before its first start: the node then has the bee node's overlay.
        #[arg(long, value_name = "FILE", requires = "password_file")]
        import_bee_key: Option<std::path::PathBuf>,
        /// File holding the password of that key file (bee's `--password-file`).
        #[arg(long, value_name = "FILE", requires = "import_bee_key")]
        password_file: Option<std::path::PathBuf>,
        /// The bee node's overlay nonce, 64 hex characters (zero unless it mined one).
        #[arg(long, value_name = "HEX", requires = "import_bee_key")]
        nonce: Option<String>,
    },
    /// Read manifests (bee's mantaray, as /bzz uploads make them).
    Manifest {
        #[command(subcommand)]
        action: ManifestAction,
    },
    /// Manage the local chunk store.
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
    /// Manage postage batches (created locally: there is no chain).
    Stamp {
        #[command(subcommand)]
        action: StampAction,
    },
    /// Serve bee's HTTP API (/bytes, /chunks, /bzz, /stamps, /health, ...) over the local store,
    /// without networking, until SIGINT or SIGTERM; prints "listening on http://ADDR" once bound.
    Api {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:1633", value_name = "ADDR")]
        listen: std::net::SocketAddr,
        /// Origins whose web pages may call the API, comma-separated (`*` for any), as bee's
        /// `--cors-allowed-origins`.
        #[arg(long, value_name = "ORIGINS", value_delimiter = ',')]
        cors_allowed_origins: Vec<String>,
        #[command(flatten)]
        dir: DataDir,
    },
}

/// `upload` as a manifest (bee's POST /bzz): a folder, or a file with a name.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Bzz {
    /// Upload the file as a manifest holding it under NAME (as bee's POST /bzz?name=NAME); a folder
    /// is always uploaded as a manifest.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Content type of a file uploaded with --name (default: from its extension, else sniffed).
    #[arg(long, value_name = "TYPE", requires = "name")]
    pub content_type: Option<String>,
    /// Folder upload: the document served for the root and for directories (e.g. index.html).
    #[arg(long, value_name = "NAME")]
    pub index_document: Option<String>,
    /// Folder upload: the path served when a path is not found (e.g. 404.html).
    #[arg(long, value_name = "PATH")]
    pub error_document: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ManifestAction {
    /// List every entry of the manifest at REFERENCE: file reference, content type and path.
    Ls {
        /// Manifest reference: 64 or 128 hex characters.
        reference: String,
        /// Print one JSON array of {"path", "reference", "metadata"}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        dir: DataDir,
    },
    /// Download every file of the manifest at REFERENCE into the folder OUT, at its path in the
    /// manifest (OUT must not exist or be empty; a path with an empty, `.` or `..` part, or one that
    /// is not UTF-8, is refused before anything is written).
    Get {
        /// Manifest reference: 64 or 128 hex characters.
        reference: String,
        /// The folder to create (or an empty one).
        out: PathBuf,
        #[command(flatten)]
        dir: DataDir,
    },
}

#[derive(Subcommand, Debug)]
pub enum StampAction {
    /// Create a batch owned by this data directory's overlay key; prints its id (64 hex).
    Create {
        /// Batch depth: the batch stamps 2^D chunks, 2^(D-16) in each of 2^16 buckets.
        #[arg(long, value_name = "D", value_parser = clap::value_parser!(u8).range(i64::from(swarmec::stamps::MIN_DEPTH)..=i64::from(swarmec::stamps::MAX_DEPTH)))]
        depth: u8,
        /// Amount paid per chunk, in PLUR (recorded only: there is no chain to pay).
        #[arg(long, value_name = "A")]
        amount: u128,
        /// Refuse stamps once a bucket is full, instead of overwriting its oldest slots.
        #[arg(long)]
        immutable: bool,
        /// A label for the batch.
        #[arg(long, value_name = "L")]
        label: Option<String>,
        #[command(flatten)]
        dir: DataDir,
    },
    /// List the batches of this data directory, oldest first.
    List {
        /// One JSON array instead of a line per batch.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        dir: DataDir,
    },
    /// Show one batch: its fields, utilization and whether this node can stamp with it.
    Show {
        /// The batch id, 64 hex characters.
        id: String,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        dir: DataDir,
    },
}

#[derive(Subcommand, Debug)]
pub enum StoreAction {
    /// List stored chunk addresses.
    List {
        #[command(flatten)]
        dir: DataDir,
    },
    /// Remove chunks; an address that is not stored is reported, not an error.
    Remove {
        /// Addresses to remove.
        #[arg(required = true)]
        addresses: Vec<String>,
        #[command(flatten)]
        dir: DataDir,
    },
    /// Check every stored chunk against its address; exit 1 if any is bad.
    Verify {
        #[command(flatten)]
        dir: DataDir,
    },
}
