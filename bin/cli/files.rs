//! Files in and out: `hash`, `upload`, `download` (on the local store or through `--peer`) and
//! `inspect`.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use serde_json::json;

use swarmec::address::Address;
use swarmec::encryption::{OsRandom, RandomSource};
use swarmec::file::inspect::{inspect_with, InspectOptions};
use swarmec::file::repair::RecordingStore;
use swarmec::file::splitter::{split_reader, with_background_writer, ChunkSink, Discard};
use swarmec::file::{JoinOptions, Joiner, SplitError, SplitOptions, SplitSummary};
use swarmec::net::Multiaddr;
use swarmec::redundancy::Level;
use swarmec::reference::{Reference, ReferenceError};
use swarmec::store::ChunkStore;

use super::args::{DataDir, Split};
use super::failure::Failure;
use super::net::connect;
use super::output::{print_line, to_json, OutputFile};
use super::progress;
use super::store::open_store;

/// What `download` reads and where it writes.
pub struct DownloadRequest<'a> {
    /// The reference as typed.
    pub reference: &'a str,
    /// `-o`: the output file, else stdout.
    pub output: Option<&'a Path>,
    /// First byte to read.
    pub offset: u64,
    /// Bytes to read, else to the end.
    pub length: Option<u64>,
    /// How children are fetched, fallback and write-back.
    pub options: JoinOptions,
    /// `--repair`: write back what the download recovered, and say so.
    pub repair: bool,
    /// `--stamp`: the batch that stamps what `--peer --repair` pushes back.
    pub stamp: Option<&'a str>,
}

/// A reference argument; a malformed one is a usage error.
pub fn parse_reference(s: &str) -> Result<Reference, Failure> {
    s.parse()
        .map_err(|e: ReferenceError| Failure::usage(e.to_string()))
}

fn open_input(file: &Path) -> Result<(Box<dyn Read>, Option<u64>), Failure> {
    if file == Path::new("-") {
        return Ok((Box::new(io::stdin().lock()), None));
    }
    let f = File::open(file).map_err(|e| Failure::io("cannot open", file, e))?;
    let len = f.metadata().ok().map(|m| m.len());
    Ok((Box::new(f), len))
}

fn split_file(
    file: &Path,
    split: &Split,
    sink: &mut dyn ChunkSink,
) -> Result<SplitSummary, Failure> {
    let (input, len) = open_input(file)?;
    let bar = progress::bar(len, "uploading");
    let reader = progress::Reader::new(input, bar.clone());
    let options = SplitOptions {
        level: split.level,
        encrypt: split.encrypt,
    };
    let mut rng = OsRandom;
    let rng: Option<&mut dyn RandomSource> = if split.encrypt { Some(&mut rng) } else { None };
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

/// `hash`: the reference (or the JSON summary) without storing anything.
pub fn hash(file: &Path, split: &Split, json: bool) -> Result<(), Failure> {
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

/// `upload`: into the local store.
pub fn upload(file: &Path, split: &Split, dir: &DataDir) -> Result<(), Failure> {
    let store = open_store(dir)?;
    let summary = with_background_writer(&store, |sink| split_file(file, split, sink))?;
    // The reference is printed only once every chunk is durable.
    store.sync()?;
    print_line(&summary.reference.to_hex())
}

/// `upload --peer --stamp BATCH`: stamped with the data directory's batch and pushed through the
/// node at `address`. An unknown, foreign or full batch fails before anything is sent.
pub fn upload_peer(
    file: &Path,
    split: &Split,
    dir: &DataDir,
    address: &Multiaddr,
    network_id: u64,
    batch: Option<&str>,
) -> Result<(), Failure> {
    let stamper = super::stamp::stamper(dir, batch, "upload")?;
    let session = connect(address, network_id)?.with_stamper(stamper);
    // Each batch returns once every chunk in it has a verified receipt.
    let result = with_background_writer(session.store(), |sink| split_file(file, split, sink));
    session.close()?;
    print_line(&result?.reference.to_hex())
}

/// `download`: from the local store.
pub fn download(request: DownloadRequest, dir: &DataDir) -> Result<(), Failure> {
    let reference = parse_reference(request.reference)?;
    let store = open_store(dir)?;
    let options = JoinOptions {
        write_back: request.options.write_back || request.repair,
        ..request.options
    };
    download_from(&reference, &request, options, &store)
}

/// `download --peer`: retrieved through the node at `address`.
pub fn download_peer(
    request: DownloadRequest,
    dir: &DataDir,
    address: &Multiaddr,
    network_id: u64,
) -> Result<(), Failure> {
    let reference = parse_reference(request.reference)?;
    let stamper = request
        .repair
        .then(|| super::stamp::stamper(dir, request.stamp, "download --repair"))
        .transpose()?;
    let mut session = connect(address, network_id)?;
    if let Some(stamper) = stamper {
        session = session.with_stamper(stamper);
    }
    // `prox` orders children by distance to the node that fetches them. Rebuilt chunks are pushed
    // back only with --repair: pushing them to the network needs a stamp.
    let origin = session.peer_overlay().unwrap_or_else(|| session.overlay());
    let options = JoinOptions {
        origin,
        write_back: request.repair,
        ..request.options
    };
    let result = download_from(&reference, &request, options, session.store());
    session.close()?;
    result
}

pub(super) fn download_from(
    reference: &Reference,
    request: &DownloadRequest,
    options: JoinOptions,
    store: &dyn ChunkStore,
) -> Result<(), Failure> {
    let recording = RecordingStore::new(store);
    let result = read_to_output(reference, request, options, &recording);
    if request.repair {
        let written = recording.written();
        let mut text = format!(
            "swarmec: wrote back {} chunks the download recovered",
            written.len()
        );
        for a in &written {
            text.push_str(&format!("\n  {a}"));
        }
        eprintln!("{text}");
    }
    result
}

fn read_to_output(
    reference: &Reference,
    request: &DownloadRequest,
    options: JoinOptions,
    store: &dyn ChunkStore,
) -> Result<(), Failure> {
    let joiner = Joiner::open(store, reference, options)?;
    let (offset, length) = (request.offset, request.length.unwrap_or(u64::MAX));
    let total = joiner.size().saturating_sub(offset).min(length);
    let bar = progress::bar(Some(total), "downloading");
    match request.output {
        None => {
            let stdout = io::stdout().lock();
            let mut w =
                progress::Writer::new(BufWriter::with_capacity(1 << 16, stdout), bar.clone());
            joiner.read_range(offset, length, &mut w)?;
            w.flush()
                .map_err(|e| Failure::io("writing", Path::new("stdout"), e))?;
        }
        Some(path) => {
            // Dropped on failure, the output removes its temporary file.
            let mut out = OutputFile::create(path)?;
            let mut w =
                progress::Writer::new(BufWriter::with_capacity(1 << 16, &mut out), bar.clone());
            joiner.read_range(offset, length, &mut w)?;
            w.flush()
                .map_err(|e| Failure::io("cannot write", path, e))?;
            drop(w);
            out.commit()?;
        }
    }
    progress::finish(&bar);
    Ok(())
}

/// `inspect`: the chunk tree behind a reference.
pub fn inspect_cmd(
    reference: &str,
    json: bool,
    max_chunks: u64,
    dir: &DataDir,
) -> Result<(), Failure> {
    let reference = parse_reference(reference)?;
    let store = open_store(dir)?;
    let options = InspectOptions {
        max_chunks,
        ..InspectOptions::default()
    };
    let report = inspect_with(&store, &reference, options)?;
    if json {
        return print_line(&to_json(&report)?);
    }
    let mut text = format!(
        "reference {}\nsize      {} bytes\nlevel     {}\nnodes     {} intermediate, {} data chunks\n",
        report.reference,
        report.size,
        Level::from_u8(report.level).expect("the report holds a decoded level"),
        report.nodes.len(),
        report.leaves
    );
    for n in &report.nodes {
        text.push_str(&format!(
            "{}{} span {} level {} data {} parity {} missing {} margin {}\n",
            "  ".repeat(n.depth),
            n.address,
            n.span,
            Level::from_u8(n.level).expect("the report holds a decoded level"),
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
