//! Manifests on the command line, as bee's `/bzz` makes and reads them: `upload DIR` (a folder),
//! `upload FILE --name NAME` (one named file), `download REF/PATH` (or `--path`), `manifest ls`.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::json;

use swarmec::encryption::{OsRandom, RandomSource};
use swarmec::file::splitter::{split_reader, StoreSink};
use swarmec::file::{JoinOptions, SplitOptions};
use swarmec::manifest::{
    self, json::go_lossy, sniff, CollectionFile, ManifestError, Node, Resolution, StoreLoadSaver,
    WalkLimits,
};
use swarmec::net::Multiaddr;
use swarmec::reference::Reference;
use swarmec::store::{ChunkStore, CountingStore};

use super::args::{Bzz, DataDir, Peer, Split};
use super::failure::Failure;
use super::files::{download_from, parse_reference, DownloadRequest};
use super::net::connect;
use super::output::print_line;
use super::store::open_store;

/// Folders deeper than this are refused (a symlink loop, or no real folder).
const MAX_DEPTH: usize = 256;

/// Whether `upload` makes a manifest: a folder, or any manifest option.
pub fn wanted(file: &Path, bzz: &Bzz) -> bool {
    file.is_dir()
        || bzz.name.is_some()
        || bzz.index_document.is_some()
        || bzz.error_document.is_some()
}

/// `REF/PATH` split into the reference and the path; `--path` wins over a path in the reference.
pub fn split_target(reference: &str, path: Option<String>) -> (String, Option<String>) {
    match reference.split_once('/') {
        Some((r, p)) => (r.to_owned(), Some(path.unwrap_or_else(|| p.to_owned()))),
        None => (reference.to_owned(), path),
    }
}

fn failure(e: ManifestError) -> Failure {
    Failure::runtime(e.to_string())
}

/// `upload DIR` / `upload FILE --name NAME`: into the local store or through `--peer`.
pub fn upload(
    file: &Path,
    split: &Split,
    dir: &DataDir,
    peer: &Peer,
    stamp: Option<&str>,
    bzz: &Bzz,
) -> Result<(), Failure> {
    match &peer.peer {
        Some(address) => {
            let stamper = super::stamp::stamper(dir, stamp, "upload")?;
            let session = connect(address, peer.network_id)?.with_stamper(stamper);
            let result = build(file, split, bzz, session.store());
            session.close()?;
            print_line(&result?.to_hex())
        }
        None => {
            let store = open_store(dir)?;
            let reference = build(file, split, bzz, &store)?;
            // The reference is printed only once every chunk is durable.
            store.sync()?;
            print_line(&reference.to_hex())
        }
    }
}

fn options(split: &Split) -> SplitOptions {
    SplitOptions {
        level: split.level,
        encrypt: split.encrypt,
    }
}

fn split_file(path: &Path, split: &Split, store: &dyn ChunkStore) -> Result<Reference, Failure> {
    let f = File::open(path).map_err(|e| Failure::io("cannot open", path, e))?;
    let mut rng = OsRandom;
    let rng: Option<&mut dyn RandomSource> = split.encrypt.then_some(&mut rng);
    let summary = split_reader(f, &mut StoreSink(store), options(split), rng)?;
    Ok(summary.reference)
}

/// Every regular file under `dir` (symlinks followed), with its path relative to `dir`.
fn collect(
    dir: &Path,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), Failure> {
    if depth > MAX_DEPTH {
        return Err(Failure::usage(format!(
            "{} is more than {MAX_DEPTH} folders deep",
            dir.display()
        )));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::io("cannot read", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Failure::io("cannot read", dir, e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        let meta = std::fs::metadata(&path).map_err(|e| Failure::io("cannot read", &path, e))?;
        if meta.is_dir() {
            collect(&path, &format!("{rel}/"), depth + 1, out)?;
        } else if meta.is_file() {
            out.push((rel, path));
        }
    }
    Ok(())
}

fn build(
    file: &Path,
    split: &Split,
    bzz: &Bzz,
    store: &dyn ChunkStore,
) -> Result<Reference, Failure> {
    let mut m = fill(file, split, bzz, store)?;
    save(&mut m, split, store)
}

/// `cost --files PATH`: the chunks `upload PATH` writes, the files' and the manifest's apart, counted
/// by making them into a [`CountingStore`] (the files are read and hashed; nothing is stored).
pub fn cost(file: &Path, split: &Split, bzz: &Bzz, json: bool) -> Result<(), Failure> {
    let store = CountingStore::new();
    let mut m = fill(file, split, bzz, &store)?;
    let (file_chunks, file_bytes) = (store.chunks(), store.bytes());
    let reference = save(&mut m, split, &store)?;
    let manifest_chunks = store.chunks() - file_chunks;
    let manifest_bytes = store.bytes() - file_bytes;
    if json {
        return print_line(
            &json!({
                "reference": reference.to_hex(),
                "file_chunks": file_chunks,
                "file_chunk_bytes": file_bytes,
                "manifest_chunks": manifest_chunks,
                "manifest_chunk_bytes": manifest_bytes,
                "total_chunks": store.chunks(),
                "total_chunk_bytes": store.bytes(),
            })
            .to_string(),
        );
    }
    print_line(&format!(
        "reference: {}\nfile chunks: {file_chunks} ({file_bytes} bytes)\n\
         manifest chunks: {manifest_chunks} ({manifest_bytes} bytes)\n\
         total: {} distinct chunks ({} bytes; a chunk two files share is counted once)",
        reference.to_hex(),
        store.chunks(),
        store.bytes()
    ))
}

/// Uploads the files of `file` (a folder, or one named file) into `store` and returns the manifest
/// naming them, not yet saved.
fn fill(file: &Path, split: &Split, bzz: &Bzz, store: &dyn ChunkStore) -> Result<Node, Failure> {
    let encrypt = split.encrypt;
    let m = if file.is_dir() {
        if bzz.name.is_some() {
            return Err(Failure::usage(
                "--name names a single file; a folder's files keep their own names",
            ));
        }
        if bzz
            .index_document
            .as_deref()
            .is_some_and(|i| i.contains('/'))
        {
            return Err(Failure::usage(
                "the index document is a file name, without '/' (as bee requires)",
            ));
        }
        let mut files = Vec::new();
        collect(file, "", 0, &mut files)?;
        // Byte order, so that a tar of the folder in this order gives bee the same manifest.
        files.sort();
        if files.is_empty() {
            return Err(Failure::usage(format!("no files in {}", file.display())));
        }
        let mut m = manifest::new_manifest(encrypt);
        for (rel, path) in &files {
            let reference = split_file(path, split, store)?;
            manifest::add_collection_file(
                &mut m,
                &CollectionFile {
                    path: rel.as_bytes().to_vec(),
                    reference: reference.to_bytes(),
                    content_type: manifest::content_type_by_extension(rel.as_bytes()).to_owned(),
                },
            )
            .map_err(failure)?;
        }
        manifest::add_website_documents(
            &mut m,
            bzz.index_document.as_deref(),
            bzz.error_document.as_deref(),
        )
        .map_err(failure)?;
        m
    } else {
        if bzz.index_document.is_some() || bzz.error_document.is_some() {
            return Err(Failure::usage(
                "--index-document and --error-document are for folders",
            ));
        }
        let name = match &bzz.name {
            Some(n) => n.clone(),
            None => file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| Failure::usage("give the file a --name"))?,
        };
        if name.starts_with('/') {
            return Err(Failure::usage(
                "the name must not start with '/' (as bee requires)",
            ));
        }
        let content_type = match &bzz.content_type {
            Some(c) => c.clone(),
            None => match manifest::content_type_by_extension(name.as_bytes()) {
                "" => {
                    let mut head = Vec::new();
                    File::open(file)
                        .and_then(|f| f.take(sniff::SNIFF_LEN as u64).read_to_end(&mut head))
                        .map_err(|e| Failure::io("cannot read", file, e))?;
                    sniff::detect(&head).to_owned()
                }
                known => known.to_owned(),
            },
        };
        let reference = split_file(file, split, store)?;
        manifest::single_file(&reference.to_bytes(), &name, &content_type, encrypt)
            .map_err(failure)?
    };
    Ok(m)
}

/// Saves the manifest `m` into `store` at the upload's level (encrypted when it is).
fn save(m: &mut Node, split: &Split, store: &dyn ChunkStore) -> Result<Reference, Failure> {
    let encrypt = split.encrypt;
    let mut rng = OsRandom;
    let rng: Option<&mut dyn RandomSource> = encrypt.then_some(&mut rng);
    let mut ls = StoreLoadSaver::new(store, options(split), JoinOptions::default(), rng);
    let root = m.save(&mut ls).map_err(failure)?;
    Reference::from_bytes(&root).ok_or_else(|| Failure::runtime("manifest reference of odd size"))
}

/// `download REF/PATH`: the entry bee's `GET /bzz/REF/PATH` serves.
pub fn download(
    request: DownloadRequest,
    path: &str,
    dir: &DataDir,
    peer: Option<&Multiaddr>,
    network_id: u64,
) -> Result<(), Failure> {
    let root = parse_reference(request.reference)?;
    if request.repair {
        return Err(Failure::usage(
            "--repair works on a file's reference, not a path in a manifest: \
             `swarmec manifest ls` gives the file's reference",
        ));
    }
    match peer {
        Some(address) => {
            let session = connect(address, network_id)?;
            let origin = session.peer_overlay().unwrap_or_else(|| session.overlay());
            let options = JoinOptions {
                origin,
                write_back: false,
                ..request.options
            };
            let result = download_in(&root, path, &request, options, session.store());
            session.close()?;
            result
        }
        None => {
            let store = open_store(dir)?;
            download_in(&root, path, &request, request.options, &store)
        }
    }
}

fn download_in(
    root: &Reference,
    path: &str,
    request: &DownloadRequest,
    options: JoinOptions,
    store: &dyn ChunkStore,
) -> Result<(), Failure> {
    let mut reader = StoreLoadSaver::reader(store, options);
    let mut m = Node::from_reference(&root.to_bytes());
    // The manifest itself must be readable: say why not, where the API says only 404.
    m.lookup_node(b"", &mut reader).map_err(failure)?;
    let mut p = path.as_bytes().to_vec();
    if p.ends_with(b"/") {
        while p.ends_with(b"/") {
            p.pop();
        }
        p.push(b'/');
    }
    match manifest::resolve(&mut m, &p, &mut reader) {
        Resolution::Entry { entry, .. } => {
            let reference = Reference::from_bytes(&entry).ok_or_else(|| {
                Failure::runtime(format!("{path:?}: the entry is no file reference"))
            })?;
            download_from(&reference, request, options, store)
        }
        Resolution::Directory => Err(Failure::runtime(format!(
            "{path:?} is a folder: add a '/' for its index document"
        ))),
        Resolution::NotFound(message) => Err(Failure::runtime(format!("{path:?}: {message}"))),
    }
}

/// Visits every value node of the manifest at `root` with its full path, as bee's walker finds
/// them (bounded by [`WalkLimits::default`]).
fn each_value(
    root: &Reference,
    store: &dyn ChunkStore,
    visit: &mut dyn FnMut(&[u8], &Node),
) -> Result<(), Failure> {
    let mut reader = StoreLoadSaver::reader(store, JoinOptions::default());
    manifest::walk(
        Node::from_reference(&root.to_bytes()),
        &mut reader,
        WalkLimits::default(),
        &mut |path, n| {
            if n.is_value() {
                visit(path, n);
            }
            Ok(())
        },
    )
    .map_err(failure)
}

/// `manifest ls`: every entry, as bee's walker finds them.
pub fn ls(reference: &str, json: bool, dir: &DataDir) -> Result<(), Failure> {
    let root = parse_reference(reference)?;
    let store = open_store(dir)?;
    let mut rows = Vec::new();
    each_value(&root, &store, &mut |path, n| {
        rows.push((go_lossy(path), hex::encode(n.entry()), n.metadata().clone()));
    })?;
    if json {
        let list: Vec<_> = rows
            .iter()
            .map(|(p, r, m)| json!({"path": p, "reference": r, "metadata": m}))
            .collect();
        return print_line(&serde_json::Value::Array(list).to_string());
    }
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    let mut text = String::new();
    for (p, r, m) in &rows {
        let ct = m
            .get(manifest::CONTENT_TYPE_KEY)
            .map_or("-".to_owned(), |c| dash(c));
        text.push_str(&format!("{}\t{}\t{p}\n", dash(r), ct));
    }
    print_line(text.trim_end())
}

/// `manifest get REF OUT`: every file of the manifest, written under `out` at its path. Every path
/// is checked, and `out` made ready, before anything is written; a file is written whole or not at
/// all, as `download -o` writes it.
pub fn get(reference: &str, out: &Path, dir: &DataDir) -> Result<(), Failure> {
    let root = parse_reference(reference)?;
    let store = open_store(dir)?;
    let mut files = Vec::new();
    each_value(&root, &store, &mut |path, n| {
        // The root's website metadata sits on an entry of zeros: no file.
        if n.entry().iter().any(|&b| b != 0) {
            files.push((path.to_vec(), n.entry().to_vec()));
        }
    })?;
    let mut targets = Vec::with_capacity(files.len());
    for (path, entry) in &files {
        let reference = Reference::from_bytes(entry).ok_or_else(|| {
            Failure::runtime(format!(
                "{:?}: the entry is no file reference",
                go_lossy(path)
            ))
        })?;
        targets.push((out.join(relative_path(path)?), reference));
    }
    empty_folder(out)?;
    for (target, reference) in &targets {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Failure::io("cannot create", parent, e))?;
        }
        let hex = reference.to_hex();
        let request = DownloadRequest {
            reference: &hex,
            output: Some(target),
            offset: 0,
            length: None,
            options: JoinOptions::default(),
            repair: false,
            stamp: None,
        };
        download_from(reference, &request, request.options, &store)?;
    }
    print_line(&format!("{} files in {}", targets.len(), out.display()))
}

/// A manifest path as a relative path: UTF-8, split at '/', no part empty, `.` or `..`, so that it
/// names a place under the output folder and nowhere else.
fn relative_path(path: &[u8]) -> Result<PathBuf, Failure> {
    let text = std::str::from_utf8(path)
        .map_err(|_| Failure::runtime(format!("{:?}: the path is not UTF-8", go_lossy(path))))?;
    let mut rel = PathBuf::new();
    for part in text.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\0') {
            return Err(Failure::runtime(format!(
                "{text:?}: a path with an empty, '.' or '..' part is not written"
            )));
        }
        rel.push(part);
    }
    Ok(rel)
}

/// Creates `out`, or accepts it when it is an empty folder.
fn empty_folder(out: &Path) -> Result<(), Failure> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(Failure::usage(format!(
                "{} is not empty: give a new or empty folder",
                out.display()
            ))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(|e| Failure::io("cannot create", out, e))
        }
        Err(e) => Err(Failure::io("cannot read", out, e)),
    }
}
