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
    let name = json::go_lossy(base_name(&f.path));
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

/// The last element of a cleaned path (Go's `filepath.Base` on a path without trailing slash).
pub fn base_name(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) if i + 1 < path.len() => &path[i + 1..],
        _ => path,
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
pub fn content_type_by_extension(path: &[u8]) -> &'static str {
    let name = base_name(path);
    let Some(dot) = name.iter().rposition(|&b| b == b'.') else {
        return "";
    };
    let ext = String::from_utf8_lossy(&name[dot..]).to_ascii_lowercase();
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
