//! Manifests: bee's mantaray tries (`pkg/manifest`), byte-identical to bee v2.8.1.
//!
//! [`node`] is the trie and its binary form; [`json`] is fork metadata as Go encodes it; [`store`]
//! saves and loads nodes as files through a [`crate::store::ChunkStore`]. This module adds bee's
//! conventions for `/bzz`: the zero obfuscation key of unencrypted uploads, the root `/` entry whose
//! metadata names the website index and error documents, and each file's `Content-Type` and
//! `Filename` metadata, in the order bee's API adds them.

mod error;
pub mod json;
pub mod node;
pub mod path;
pub mod sniff;
pub mod store;

pub use error::{DecodeError, ManifestError};
pub use json::Metadata;
pub use node::{walk, Loader, NoLoader, Node, Saver, WalkLimits};
pub use store::StoreLoadSaver;

/// The path of the entry holding the website metadata.
pub const ROOT_PATH: &str = "/";
/// Root metadata: the document served for a directory path (a suffix, e.g. `index.html`).
pub const INDEX_DOCUMENT_KEY: &str = "website-index-document";
/// Root metadata: the path served when a path is not found.
pub const ERROR_DOCUMENT_KEY: &str = "website-error-document";
/// Entry metadata: the content type served.
pub const CONTENT_TYPE_KEY: &str = "Content-Type";
/// Entry metadata: the file name (for `Content-Disposition`).
pub const FILENAME_KEY: &str = "Filename";
/// bee's content type of a mantaray manifest.
pub const MANIFEST_CONTENT_TYPE: &str = "application/bzz-manifest-mantaray+octet-stream";

/// An empty manifest as bee's API makes one: with the zero obfuscation key (copied to every node)
/// unless encrypting, when each node draws its own.
pub fn new_manifest(encrypted: bool) -> Node {
    let mut n = Node::new();
    if !encrypted {
        n.set_obfuscation_key([0u8; node::KEY_LEN]);
    }
    n
}

fn meta(pairs: &[(&str, &str)]) -> Metadata {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A single file as bee's `POST /bzz` (not a collection) stores it: `/` with the file as index
/// document, then the file under `name` with its content type and name.
pub fn single_file(
    file: &[u8],
    name: &str,
    content_type: &str,
    encrypted: bool,
) -> Result<Node, ManifestError> {
    let mut m = new_manifest(encrypted);
    m.add(
        ROOT_PATH.as_bytes(),
        &[],
        &meta(&[(INDEX_DOCUMENT_KEY, name)]),
        &mut NoLoader,
    )?;
    m.add(
        name.as_bytes(),
        file,
        &meta(&[(CONTENT_TYPE_KEY, content_type), (FILENAME_KEY, name)]),
        &mut NoLoader,
    )?;
    Ok(m)
}

/// A feed manifest as bee's `POST /feeds` makes it: unencrypted, one entry `/` with the 32-byte zero
/// reference and the feed's owner and topic (lowercase hex) and type (`Sequence`).
pub fn feed_manifest(owner: &[u8], topic: &[u8]) -> Result<Node, ManifestError> {
    let mut m = new_manifest(false);
    let (owner, topic) = (hex::encode(owner), hex::encode(topic));
    m.add(
        ROOT_PATH.as_bytes(),
        &[0u8; 32],
        &meta(&[
            (crate::feeds::OWNER_KEY, &owner),
            (crate::feeds::TOPIC_KEY, &topic),
            (crate::feeds::TYPE_KEY, crate::feeds::SEQUENCE),
        ]),
        &mut NoLoader,
    )?;
    Ok(m)
}

/// One file of a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionFile {
    /// Its path in the manifest (bee: the tar name, cleaned).
    pub path: Vec<u8>,
    /// Its file reference.
    pub reference: Vec<u8>,
    /// Its content type (bee: from the extension, empty if unknown).
    pub content_type: String,
}

/// Adds one file of a collection as bee's `storeDir` does: `Content-Type`, and `Filename` the last
/// path element.
pub fn add_collection_file(m: &mut Node, f: &CollectionFile) -> Result<(), ManifestError> {
    let name = json::go_lossy(&path::base(&f.path));
    m.add(
        &f.path,
        &f.reference,
        &meta(&[(CONTENT_TYPE_KEY, &f.content_type), (FILENAME_KEY, &name)]),
        &mut NoLoader,
    )
}

/// Adds the root `/` entry with the website documents, when either is given (bee's `storeDir`,
/// after the files).
pub fn add_website_documents(
    m: &mut Node,
    index: Option<&str>,
    error: Option<&str>,
) -> Result<(), ManifestError> {
    let mut md = Metadata::new();
    if let Some(i) = index.filter(|s| !s.is_empty()) {
        md.insert(INDEX_DOCUMENT_KEY.into(), i.into());
    }
    if let Some(e) = error.filter(|s| !s.is_empty()) {
        md.insert(ERROR_DOCUMENT_KEY.into(), e.into());
    }
    if md.is_empty() {
        return Ok(());
    }
    m.add(ROOT_PATH.as_bytes(), &[], &md, &mut NoLoader)
}

/// A collection as bee's `storeDir` builds it: files in order, then the website documents.
pub fn collection(
    files: &[CollectionFile],
    index: Option<&str>,
    error: Option<&str>,
    encrypted: bool,
) -> Result<Node, ManifestError> {
    let mut m = new_manifest(encrypted);
    for f in files {
        add_collection_file(&mut m, f)?;
    }
    add_website_documents(&mut m, index, error)?;
    Ok(m)
}

/// What a path of a manifest resolves to, as bee's `GET /bzz/{reference}/{path}` resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The entry to serve (the path's own, or an index or error document).
    Entry {
        /// Its file reference.
        entry: Vec<u8>,
        /// Its metadata.
        metadata: Metadata,
    },
    /// The path names a directory without its trailing slash (bee: 308 to `path/`).
    Directory,
    /// Nothing to serve; bee's 404 message.
    NotFound(&'static str),
}

/// bee's 404 message when the manifest itself cannot be read for a path.
pub const NOT_FOUND: &str = "Not Found";

/// bee's `path.Join(dir, name)`.
fn join(dir: &[u8], name: &str) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.is_empty() {
        p.push(b'/');
    }
    p.extend_from_slice(name.as_bytes());
    path::clean(&p)
}

/// Resolves `path` (already percent-decoded, trailing slashes folded into one) as bee's
/// `serveReference`: the empty path serves the index document; a path not found is a directory
/// (when `path/` is a prefix), else its index document (`path/index`), else the error document.
pub fn resolve(m: &mut Node, path: &[u8], l: &mut dyn Loader) -> Resolution {
    let root_md =
        |m: &mut Node, key: &str, l: &mut dyn Loader| root_metadata(m, key, l).ok().flatten();
    let entry = |(entry, metadata)| Resolution::Entry { entry, metadata };
    if path.is_empty() {
        return root_md(m, INDEX_DOCUMENT_KEY, l)
            .and_then(|index| m.lookup(&join(b"", &index), l).ok())
            .map_or(
                Resolution::NotFound("address not found or incorrect"),
                entry,
            );
    }
    match m.lookup(path, l) {
        Ok(e) => entry(e),
        Err(ManifestError::NotFound { .. }) => {
            if !path.starts_with(b"/") {
                let mut dir = path.to_vec();
                dir.push(b'/');
                if m.has_prefix(&dir, l).unwrap_or(false) {
                    return Resolution::Directory;
                }
            }
            if let Some(index) = root_md(m, INDEX_DOCUMENT_KEY, l) {
                if !path.ends_with(index.as_bytes()) {
                    if let Ok(e) = m.lookup(&join(path, &index), l) {
                        return entry(e);
                    }
                }
            }
            if let Some(error) = root_md(m, ERROR_DOCUMENT_KEY, l) {
                if path != error.as_bytes() {
                    if let Ok(e) = m.lookup(error.as_bytes(), l) {
                        return entry(e);
                    }
                }
            }
            Resolution::NotFound("path address not found")
        }
        Err(_) => Resolution::NotFound(NOT_FOUND),
    }
}

/// A root metadata value (bee's `manifestMetadataLoad` on `/`), `None` if absent.
pub fn root_metadata(
    m: &mut Node,
    key: &str,
    l: &mut dyn Loader,
) -> Result<Option<String>, ManifestError> {
    match m.lookup(ROOT_PATH.as_bytes(), l) {
        Ok((_, md)) => Ok(md.get(key).cloned()),
        Err(ManifestError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The content type Go's `mime.TypeByExtension` gives an extension from its built-in table (Go
/// 1.26; bee also reads the system's MIME files, which differ between machines: not done here).
/// Empty when unknown.
pub fn content_type_by_extension(name: &[u8]) -> &'static str {
    let ext = String::from_utf8_lossy(path::ext(name)).to_ascii_lowercase();
    if ext.is_empty() {
        return "";
    }
    MIME_TYPES
        .iter()
        .find(|(e, _)| *e == ext)
        .map_or("", |(_, t)| t)
}

const MIME_TYPES: &[(&str, &str)] = &[
    (".ai", "application/postscript"),
    (".apk", "application/vnd.android.package-archive"),
    (".apng", "image/apng"),
    (".avif", "image/avif"),
    (".bin", "application/octet-stream"),
    (".bmp", "image/bmp"),
    (".com", "application/octet-stream"),
    (".css", "text/css; charset=utf-8"),
    (".csv", "text/csv; charset=utf-8"),
    (".doc", "application/msword"),
    (
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (".ehtml", "text/html; charset=utf-8"),
    (".eml", "message/rfc822"),
    (".eps", "application/postscript"),
    (".exe", "application/octet-stream"),
    (".flac", "audio/flac"),
    (".gif", "image/gif"),
    (".gz", "application/gzip"),
    (".htm", "text/html; charset=utf-8"),
    (".html", "text/html; charset=utf-8"),
    (".ico", "image/vnd.microsoft.icon"),
    (".ics", "text/calendar; charset=utf-8"),
    (".jfif", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".jpg", "image/jpeg"),
    (".js", "text/javascript; charset=utf-8"),
    (".json", "application/json"),
    (".m4a", "audio/mp4"),
    (".mjs", "text/javascript; charset=utf-8"),
    (".mp3", "audio/mpeg"),
    (".mp4", "video/mp4"),
    (".oga", "audio/ogg"),
    (".ogg", "audio/ogg"),
    (".ogv", "video/ogg"),
    (".opus", "audio/ogg"),
    (".pdf", "application/pdf"),
    (".pjp", "image/jpeg"),
    (".pjpeg", "image/jpeg"),
    (".png", "image/png"),
    (".ppt", "application/vnd.ms-powerpoint"),
    (
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    (".ps", "application/postscript"),
    (".rdf", "application/rdf+xml"),
    (".rtf", "application/rtf"),
    (".shtml", "text/html; charset=utf-8"),
    (".svg", "image/svg+xml"),
    (".text", "text/plain; charset=utf-8"),
    (".tif", "image/tiff"),
    (".tiff", "image/tiff"),
    (".txt", "text/plain; charset=utf-8"),
    (".vtt", "text/vtt; charset=utf-8"),
    (".wasm", "application/wasm"),
    (".wav", "audio/wav"),
    (".webm", "audio/webm"),
    (".webp", "image/webp"),
    (".xbl", "text/xml; charset=utf-8"),
    (".xbm", "image/x-xbitmap"),
    (".xht", "application/xhtml+xml"),
    (".xhtml", "application/xhtml+xml"),
    (".xls", "application/vnd.ms-excel"),
    (
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (".xml", "text/xml; charset=utf-8"),
    (".xsl", "text/xml; charset=utf-8"),
    (".zip", "application/zip"),
];
