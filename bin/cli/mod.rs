//! Argument definitions and the command implementations.

mod progress;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use serde_json::json;

use swarmec::address::Address;
use swarmec::encryption::OsRandom;
use swarmec::file::inspect::inspect;
use swarmec::file::splitter::{split_reader, with_background_writer, ChunkSink, Discard};
use swarmec::file::{JoinError, JoinOptions, Joiner, SplitError, SplitOptions, Strategy};
use swarmec::net::{self, Multiaddr, NetError, NodeConfig, Session};
use swarmec::redundancy::Level;
use swarmec::reference::Reference;
use swarmec::store::{self, ChunkStore, RedbStore, StoreError};
use swarmec::{cac, cost, durability, soc};

/// Swarm-style erasure-coded, content-addressed storage, byte-compatible with bee.
#[derive(Parser, Debug)]
#[command(name = "swarmec", version, about)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug, Clone)]
struct DataDir {
    /// Data directory (else $SWARMEC_DATA_DIR, else the platform's data directory).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
struct Split {
    /// Redundancy level: 0-4 or none, medium, strong, insane, paranoid (default medium, as bee).
    #[arg(long, default_value = "medium", value_name = "L")]
    level: Level,
    /// Encrypt every chunk; the reference then carries the key (128 hex characters).
    #[arg(long)]
    encrypt: bool,
}

#[derive(clap::Args, Debug, Clone)]
struct Peer {
    /// Push to or retrieve from the network through the node at MULTIADDR instead of the local store.
    #[arg(long, value_name = "MULTIADDR")]
    peer: Option<Multiaddr>,
}

#[derive(Subcommand, Debug)]
enum Command {
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
    },
    /// Write the file behind a reference to stdout or a file.
    Download {
        /// Reference: 64 hex characters, or 128 for encrypted uploads.
        reference: String,
        /// Output file (written whole or not at all); default stdout.
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
        #[arg(long)]
        no_write_back: bool,
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
        #[command(flatten)]
        dir: DataDir,
    },
    /// Exact chunk cost of uploading SIZE bytes (bytes or units: 10MB, 1GiB).
    Cost {
        /// Size: bytes, or with a unit (kB, MB, GB, TB = 1000^n; KiB, MiB, GiB, TiB = 1024^n).
        size: String,
        /// Redundancy level.
        #[arg(long, default_value = "medium", value_name = "L")]
        level: Level,
        /// Count an encrypted upload.
        #[arg(long)]
        encrypt: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
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
    },
    /// Print this node's peer id (creating the node key if needed).
    Id {
        #[command(flatten)]
        dir: DataDir,
    },
    /// Manage the local chunk store.
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
    /// Serve bee's HTTP API (/bytes, /chunks, /health, /readiness) over the local store, without
    /// networking; prints "listening on http://ADDR" once bound.
    Api {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:1633", value_name = "ADDR")]
        listen: std::net::SocketAddr,
        #[command(flatten)]
        dir: DataDir,
    },
}

#[derive(Subcommand, Debug)]
enum StoreAction {
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

/// A failure: its exit code and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    /// 1 runtime, 2 usage.
    pub code: u8,
    /// What went wrong, naming the address, offset or file.
    pub message: String,
    broken_pipe: bool,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
            broken_pipe: false,
        }
    }

    fn runtime(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
            broken_pipe: false,
        }
    }

    /// Whether the failure is only stdout having been closed (e.g. `| head`).
    pub fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::runtime(e.to_string())
    }
}

impl From<SplitError> for Failure {
    fn from(e: SplitError) -> Self {
        Failure::runtime(e.to_string())
    }
}

impl From<NetError> for Failure {
    fn from(e: NetError) -> Self {
        Failure::runtime(e.to_string())
    }
}

impl From<JoinError> for Failure {
    fn from(e: JoinError) -> Self {
        let broken_pipe = matches!(&e, JoinError::Write { source, .. } if source.kind() == io::ErrorKind::BrokenPipe);
        Failure {
            code: 1,
            message: e.to_string(),
            broken_pipe,
        }
    }
}

fn io_failure(what: &str, path: &Path, e: io::Error) -> Failure {
    Failure {
        code: 1,
        message: format!("{what} {}: {e}", path.display()),
        broken_pipe: e.kind() == io::ErrorKind::BrokenPipe,
    }
}

/// Runs one command.
pub fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Hash { file, split, json } => hash(&file, &split, json),
        Command::Upload {
            file,
            split,
            dir,
            peer,
        } => match peer.peer {
            Some(address) => upload_peer(&file, &split, &address),
            None => upload(&file, &split, &dir),
        },
        Command::Download {
            reference,
            output,
            offset,
            length,
            strategy,
            no_fallback,
            no_write_back,
            dir,
            peer,
        } => {
            let reference = parse_reference(&reference)?;
            let options = JoinOptions {
                strategy,
                fallback: !no_fallback,
                write_back: !no_write_back,
                ..JoinOptions::default()
            };
            let range = (offset, length);
            match peer.peer {
                Some(address) => {
                    let session = connect(&address)?;
                    // `prox` orders children by distance to the node that fetches them.
                    let origin = net::identity::overlay_of_peer(&session.peer())
                        .unwrap_or_else(|| session.overlay());
                    let options = JoinOptions { origin, ..options };
                    let result = download(
                        &reference,
                        output.as_deref(),
                        range,
                        options,
                        session.store(),
                    );
                    session.close()?;
                    result
                }
                None => {
                    let store = open_store(&dir)?;
                    download(&reference, output.as_deref(), range, options, &store)
                }
            }
        }
        Command::Inspect {
            reference,
            json,
            dir,
        } => inspect_cmd(&reference, json, &dir),
        Command::Cost {
            size,
            level,
            encrypt,
            json,
        } => cost_cmd(&size, level, encrypt, json),
        Command::Table {
            level,
            encrypt,
            json,
        } => table_cmd(level, encrypt, json),
        Command::Durability {
            size,
            level,
            loss,
            encrypt,
            derive,
            json,
        } => durability_cmd(&size, level, &loss, encrypt, derive, json),
        Command::Node {
            dir,
            listen,
            bootstrap,
            replication,
            api,
        } => node(&dir, listen, bootstrap, replication, api),
        Command::Id { dir } => {
            let key = net::identity::load_or_create_key(&store::data_dir(dir.data_dir.as_deref()))
                .map_err(NetError::from)?;
            print_line(&key.public().to_peer_id().to_string())
        }
        Command::Store { action } => match action {
            StoreAction::List { dir } => store_list(&dir),
            StoreAction::Remove { addresses, dir } => store_remove(&addresses, &dir),
            StoreAction::Verify { dir } => store_verify(&dir),
        },
        Command::Api { listen, dir } => api_cmd(listen, &dir),
    }
}

fn api_cmd(listen: std::net::SocketAddr, dir: &DataDir) -> Result<(), Failure> {
    let store: std::sync::Arc<dyn ChunkStore> = std::sync::Arc::new(open_store(dir)?);
    let state = swarmec::api::ApiState::new(store, swarmec::api::ApiConfig::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
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
        let shutdown = async {
            // Without a signal handler the process still ends on the signal, only less gracefully.
            let _ = tokio::signal::ctrl_c().await;
        };
        swarmec::api::serve(listener, state, shutdown)
            .await
            .map_err(|e| Failure::runtime(format!("serving on {bound}: {e}")))
    })
}

fn open_store(dir: &DataDir) -> Result<RedbStore, Failure> {
    Ok(RedbStore::open(&store::data_dir(dir.data_dir.as_deref()))?)
}

fn parse_reference(s: &str) -> Result<Reference, Failure> {
    s.parse()
        .map_err(|e: swarmec::reference::ReferenceError| Failure::usage(e.to_string()))
}

fn open_input(file: &Path) -> Result<(Box<dyn Read>, Option<u64>), Failure> {
    if file == Path::new("-") {
        return Ok((Box::new(io::stdin().lock()), None));
    }
    let f = File::open(file).map_err(|e| io_failure("cannot open", file, e))?;
    let len = f.metadata().ok().map(|m| m.len());
    Ok((Box::new(f), len))
}

fn split_file(
    file: &Path,
    split: &Split,
    sink: &mut dyn ChunkSink,
) -> Result<swarmec::file::SplitSummary, Failure> {
    let (input, len) = open_input(file)?;
    let bar = progress::bar(len, "uploading");
    let reader = progress::Reader::new(input, bar.clone());
    let options = SplitOptions {
        level: split.level,
        encrypt: split.encrypt,
    };
    let mut rng = OsRandom;
    let rng: Option<&mut dyn swarmec::encryption::RandomSource> =
        if split.encrypt { Some(&mut rng) } else { None };
    let result = split_reader(reader, sink, options, rng);
    progress::finish(&bar);
    result.map_err(|e| match e {
        SplitError::Read { offset, source } => Failure::runtime(format!(
            "reading {} at byte offset {offset}: {source}",
            file.display()
        )),
        other => other.into(),
    })
}

fn hash(file: &Path, split: &Split, json: bool) -> Result<(), Failure> {
    let summary = split_file(file, split, &mut Discard)?;
    let line = if json {
        json!({
            "reference": summary.reference.to_hex(),
            "size": summary.size,
            "chunks": summary.chunks,
            "replicas": summary.replicas.iter().map(Address::to_hex).collect::<Vec<_>>(),
        })
        .to_string()
    } else {
        summary.reference.to_hex()
    };
    print_line(&line)
}

fn upload(file: &Path, split: &Split, dir: &DataDir) -> Result<(), Failure> {
    let store = open_store(dir)?;
    let summary = with_background_writer(&store, |sink| split_file(file, split, sink))?;
    // The reference is printed only once every chunk is durable.
    store.sync()?;
    print_line(&summary.reference.to_hex())
}

fn connect(address: &Multiaddr) -> Result<Session, Failure> {
    Session::connect(address, NodeConfig::default())
        .map_err(|e| Failure::runtime(format!("cannot connect to {address}: {e}")))
}

fn upload_peer(file: &Path, split: &Split, address: &Multiaddr) -> Result<(), Failure> {
    let session = connect(address)?;
    // Each batch returns once every chunk in it has a verified receipt.
    let result = with_background_writer(session.store(), |sink| split_file(file, split, sink));
    session.close()?;
    print_line(&result?.reference.to_hex())
}

fn node(
    dir: &DataDir,
    listen: Vec<Multiaddr>,
    bootstrap: Vec<Multiaddr>,
    replication: u8,
    api: Option<std::net::SocketAddr>,
) -> Result<(), Failure> {
    let data_dir = store::data_dir(dir.data_dir.as_deref());
    let store: std::sync::Arc<dyn ChunkStore> = std::sync::Arc::new(RedbStore::open(&data_dir)?);
    let listen = if listen.is_empty() {
        vec!["/ip4/127.0.0.1/tcp/0"
            .parse()
            .map_err(|e| Failure::runtime(format!("default listen address: {e}")))?]
    } else {
        listen
    };
    let config = NodeConfig {
        listen,
        bootstrap,
        replication: usize::from(replication),
        ..NodeConfig::default()
    };
    // Bind the API before the node starts, so that a taken port fails the command at once.
    let api_listener = api
        .map(|addr| {
            let l = std::net::TcpListener::bind(addr)
                .map_err(|e| Failure::runtime(format!("cannot listen on {addr}: {e}")))?;
            l.set_nonblocking(true)
                .map_err(|e| Failure::runtime(format!("cannot listen on {addr}: {e}")))?;
            Ok::<_, Failure>(l)
        })
        .transpose()?;
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
            if let Some(l) = api_listener {
                match serve_api_on_node(l, store, node) {
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
    local: std::sync::Arc<dyn ChunkStore>,
    node: &net::Node,
) -> Result<std::net::SocketAddr, Failure> {
    let fail = |e: io::Error| Failure::runtime(format!("cannot serve the API: {e}"));
    let bound = listener.local_addr().map_err(fail)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(fail)?;
    let network = net::NetworkStore::new(
        local,
        node.client(),
        tokio::runtime::Handle::current(),
        true,
    );
    let state = swarmec::api::ApiState::new(
        std::sync::Arc::new(network),
        swarmec::api::ApiConfig::default(),
    );
    // The server ends with the node's runtime when the node shuts down.
    tokio::spawn(swarmec::api::serve(listener, state, std::future::pending()));
    Ok(bound)
}

fn print_line(line: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|_| out.flush())
        .map_err(|e| io_failure("writing", Path::new("stdout"), e))
}

fn download(
    reference: &Reference,
    output: Option<&Path>,
    (offset, length): (u64, Option<u64>),
    options: JoinOptions,
    store: &dyn ChunkStore,
) -> Result<(), Failure> {
    let joiner = Joiner::open(store, reference, options)?;
    let size = joiner.size();
    let length = length.unwrap_or(u64::MAX);
    let total = size.saturating_sub(offset).min(length);
    let bar = progress::bar(Some(total), "downloading");
    match output {
        None => {
            let stdout = io::stdout().lock();
            let mut w =
                progress::Writer::new(BufWriter::with_capacity(1 << 16, stdout), bar.clone());
            joiner.read_range(offset, length, &mut w)?;
            w.flush()
                .map_err(|e| io_failure("writing", Path::new("stdout"), e))?;
        }
        Some(path) => {
            // Write beside the target and rename, so a failed download leaves no partial file.
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let tmp = path.with_file_name(format!(".{name}.swarmec-part"));
            let f = File::create(&tmp).map_err(|e| io_failure("cannot create", &tmp, e))?;
            let mut w = progress::Writer::new(BufWriter::with_capacity(1 << 16, f), bar.clone());
            let result = joiner
                .read_range(offset, length, &mut w)
                .map_err(Failure::from)
                .and_then(|_| w.flush().map_err(|e| io_failure("writing", &tmp, e)));
            drop(w);
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, path).map_err(|e| io_failure("cannot write", path, e))?;
        }
    }
    progress::finish(&bar);
    Ok(())
}

fn inspect_cmd(reference: &str, json: bool, dir: &DataDir) -> Result<(), Failure> {
    let reference = parse_reference(reference)?;
    let store = open_store(dir)?;
    let report = inspect(&store, &reference, JoinOptions::default())?;
    if json {
        let v = serde_json::to_string(&report).map_err(|e| Failure::runtime(e.to_string()))?;
        return print_line(&v);
    }
    let mut text = format!(
        "reference {}\nsize      {} bytes\nlevel     {}\nnodes     {} intermediate, {} data chunks\n",
        report.reference,
        report.size,
        Level::from_u8(report.level).unwrap_or_default(),
        report.nodes.len(),
        report.leaves
    );
    for n in &report.nodes {
        text.push_str(&format!(
            "{}{} span {} level {} data {} parity {} missing {} margin {}\n",
            "  ".repeat(n.depth),
            n.address,
            n.span,
            Level::from_u8(n.level).unwrap_or_default(),
            n.data.len(),
            n.parity.len(),
            n.missing.len(),
            n.margin
        ));
    }
    if !report.missing.is_empty() {
        text.push_str(&format!("missing or corrupt: {}\n", report.missing.len()));
        for m in &report.missing {
            text.push_str(&format!("  {m}\n"));
        }
    }
    print_line(text.trim_end())
}

fn store_list(dir: &DataDir) -> Result<(), Failure> {
    let store = open_store(dir)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut err = None;
    store.iterate(&mut |a, _| match writeln!(out, "{a}") {
        Ok(()) => true,
        Err(e) => {
            err = Some(e);
            false
        }
    })?;
    if let Some(e) = err {
        return Err(io_failure("writing", Path::new("stdout"), e));
    }
    out.flush()
        .map_err(|e| io_failure("writing", Path::new("stdout"), e))
}

fn store_remove(addresses: &[String], dir: &DataDir) -> Result<(), Failure> {
    let parsed = addresses
        .iter()
        .map(|a| Address::from_hex(a).map_err(|e| Failure::usage(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let store = open_store(dir)?;
    for a in parsed {
        if !store.remove(&a)? {
            eprintln!("swarmec: chunk {a} is not stored");
        }
    }
    Ok(())
}

fn store_verify(dir: &DataDir) -> Result<(), Failure> {
    let store = open_store(dir)?;
    let mut total = 0u64;
    let mut bad = Vec::new();
    store.iterate(&mut |a, data| {
        total += 1;
        if !cac::is_valid(a, data) && !soc::is_valid_soc(a, data) {
            bad.push(*a);
        }
        true
    })?;
    for a in &bad {
        println!("bad {a}");
    }
    if io::stdout().is_terminal() || !bad.is_empty() {
        eprintln!("swarmec: {total} chunks checked, {} bad", bad.len());
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Failure::runtime(format!(
            "{} of {total} stored chunks do not match their address (first: {})",
            bad.len(),
            bad[0]
        )))
    }
}

fn parse_size(size: &str) -> Result<u64, Failure> {
    cost::parse_size(size).map_err(|e| Failure::usage(e.to_string()))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Failure> {
    serde_json::to_string(v).map_err(|e| Failure::runtime(e.to_string()))
}

fn cost_cmd(size: &str, level: Level, encrypt: bool, json: bool) -> Result<(), Failure> {
    let bytes = parse_size(size)?;
    let c = cost::upload_cost(bytes, level, encrypt).map_err(|e| Failure::usage(e.to_string()))?;
    print_line(&if json { to_json(&c)? } else { c.to_string() })
}

fn table_cmd(level: Option<Level>, encrypt: bool, json: bool) -> Result<(), Failure> {
    let levels: Vec<Level> = match level {
        Some(l) => vec![l],
        None => Level::ALL[1..].to_vec(),
    };
    if json {
        let v = match level {
            Some(l) => to_json(&cost::docs_table(l, encrypt))?,
            None => to_json(
                &levels
                    .iter()
                    .map(|&l| cost::DocsTable::new(l, encrypt))
                    .collect::<Vec<_>>(),
            )?,
        };
        return print_line(&v);
    }
    let mut text = String::new();
    for l in levels {
        text.push_str(&format!("{}\n", cost::DocsTable::new(l, encrypt)));
    }
    if level.is_none() {
        text.push_str(&cost::summary().to_string());
    }
    print_line(text.trim_end())
}

fn parse_loss(loss: &str) -> Result<f64, Failure> {
    let t = loss.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (t, 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(v) if (0.0..=scale).contains(&v) => Ok(v / scale),
        _ => Err(Failure::usage(format!(
            "invalid loss {loss:?}: want a probability from 0 to 1, or a percentage such as 5%"
        ))),
    }
}

fn durability_cmd(
    size: &str,
    level: Level,
    loss: &str,
    encrypt: bool,
    derive: bool,
    json: bool,
) -> Result<(), Failure> {
    let bytes = parse_size(size)?;
    let p = parse_loss(loss)?;
    let d = durability::durability(bytes, level, encrypt, p)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let derived = if derive {
        Some(
            durability::derive_tables(durability::DESIGN_THRESHOLD)
                .map_err(|e| Failure::runtime(e.to_string()))?,
        )
    } else {
        None
    };
    if json {
        let v = match &derived {
            Some(dv) => to_json(&json!({ "durability": d, "derivation": dv }))?,
            None => to_json(&d)?,
        };
        return print_line(&v);
    }
    let mut text = d.to_string();
    if let Some(dv) = derived {
        text.push_str(&format!("\n{dv}"));
    }
    print_line(text.trim_end())
}
