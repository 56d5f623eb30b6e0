//! Manifests and `/bzz`: swarmec's mantaray tries against bee's own (`fixtures/mantaray/`, written by
//! `tools/bee/mantaray` with bee v2.8.1's packages), byte for byte: the root reference, every chunk
//! the save wrote, the trie walked back from those chunks, and lookups.

use std::collections::BTreeMap;

use serde_json::Value;
use swarmec::encryption::{EncryptionError, RandomSource};
use swarmec::file::{split_bytes, splitter::StoreSink, JoinOptions, SplitOptions};
use swarmec::manifest::{self, walk, CollectionFile, Metadata, Node, StoreLoadSaver, WalkLimits};
use swarmec::store::{ChunkStore, MemStore};
use swarmec::Level;

fn fixture_names() -> Vec<String> {
    let dir = format!("{}/fixtures/mantaray", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/mantaray")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 10,
        "fixtures/mantaray has {} cases",
        names.len()
    );
    names
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/mantaray/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("fixture JSON")
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string")
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(s(v)).expect("hex")
}

fn metadata(v: &Value) -> Metadata {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), s(v).to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn level(v: &Value) -> Level {
    Level::from_u8(v["level"].as_u64().expect("level") as u8).expect("a level")
}

/// The pattern the generator's raw cases draw obfuscation keys from.
struct Pattern;

impl RandomSource for Pattern {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EncryptionError> {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = 0xa5 ^ (i.wrapping_mul(13) as u8);
        }
        Ok(())
    }
}

/// Builds the case's trie from its recorded adds (the way the case says: bee's API helpers for files
/// and collections, raw adds otherwise).
fn build(case: &Value) -> Node {
    let kind = s(&case["kind"]);
    let adds = case["adds"].as_array().expect("adds");
    match kind {
        "file" => {
            let f = &case["files"][0];
            let name = s(&f["path"]);
            let file_ref = unhex(&f["reference"]);
            manifest::single_file(&file_ref, name, s(&f["content_type"]), false)
                .expect("single file")
        }
        "collection" => {
            let files: Vec<CollectionFile> = case["files"]
                .as_array()
                .expect("files")
                .iter()
                .map(|f| CollectionFile {
                    path: s(&f["path"]).as_bytes().to_vec(),
                    reference: unhex(&f["reference"]),
                    content_type: s(&f["content_type"]).to_owned(),
                })
                .collect();
            let opt = |k: &str| Some(s(&case[k])).filter(|v| !v.is_empty());
            manifest::collection(&files, opt("index_document"), opt("error_document"), false)
                .expect("collection")
        }
        _ => {
            let key = unhex(&case["obfuscation_key"]);
            let mut n = Node::new();
            if key.iter().all(|&b| b == 0) {
                n.set_obfuscation_key([0; 32]);
            }
            for a in adds {
                n.add(
                    &unhex(&a["path"]),
                    &unhex(&a["entry"]),
                    &metadata(&a["metadata"]),
                    &mut manifest::NoLoader,
                )
                .expect("add");
            }
            n
        }
    }
}

#[test]
fn manifests_match_bee_byte_for_byte() {
    for name in fixture_names() {
        let case = fixture(&name);
        let lvl = level(&case);
        let store = MemStore::new();
        // The files' own references, split here as bee's pipeline did.
        for f in case["files"].as_array().expect("files") {
            let summary = split_bytes(
                &unhex(&f["data"]),
                &mut StoreSink(&store),
                SplitOptions {
                    level: lvl,
                    encrypt: false,
                },
                None,
            )
            .expect("split");
            assert_eq!(
                summary.reference.to_hex(),
                s(&f["reference"]),
                "{name}: file {}",
                s(&f["path"])
            );
        }
        let mstore = MemStore::new();
        let mut trie = build(&case);
        let mut pattern = Pattern;
        let mut ls = StoreLoadSaver::new(
            &mstore,
            SplitOptions {
                level: lvl,
                encrypt: false,
            },
            JoinOptions::default(),
            Some(&mut pattern),
        );
        let root = trie.save(&mut ls).expect("save");
        assert_eq!(
            hex::encode(&root),
            s(&case["reference"]),
            "{name}: root reference"
        );

        // Every chunk bee wrote, and no other.
        let mut ours = BTreeMap::new();
        mstore
            .iterate(&mut |a, d| {
                ours.insert(hex::encode(a.0), d.to_vec());
                true
            })
            .expect("iterate");
        let theirs = case["chunks"].as_array().expect("chunks");
        let want: Vec<&str> = theirs.iter().map(|c| s(&c["address"])).collect();
        let got: Vec<&str> = ours.keys().map(String::as_str).collect();
        assert_eq!(got, want, "{name}: chunk addresses");
        for c in theirs {
            if let Some(d) = c.get("data") {
                assert_eq!(
                    hex::encode(&ours[s(&c["address"])]),
                    s(d),
                    "{name}: chunk {}",
                    s(&c["address"])
                );
            }
        }

        // Walked back from the chunks alone, as bee's walker did.
        let mut reader = StoreLoadSaver::reader(&mstore, JoinOptions::default());
        let mut walked = Vec::new();
        walk(
            Node::from_reference(&root),
            &mut reader,
            WalkLimits::default(),
            &mut |path, n| {
                walked.push((
                    hex::encode(path),
                    n.node_type(),
                    hex::encode(n.entry()),
                    n.metadata().clone(),
                    hex::encode(n.reference().unwrap_or_default()),
                ));
                Ok(())
            },
        )
        .expect("walk");
        let want: Vec<_> = case["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| {
                (
                    s(&n["path"]).to_owned(),
                    n["type"].as_u64().expect("type") as u8,
                    s(&n["entry"]).to_owned(),
                    metadata(&n["metadata"]),
                    s(&n["reference"]).to_owned(),
                )
            })
            .collect();
        assert_eq!(walked, want, "{name}: walk");

        // Lookups and prefixes.
        let mut m = Node::from_reference(&root);
        for l in case["lookups"].as_array().expect("lookups") {
            let path = unhex(&l["path"]);
            let found = m.lookup(&path, &mut reader);
            match found {
                Ok((entry, md)) => {
                    assert!(
                        l["found"].as_bool().unwrap(),
                        "{name}: {:?} found",
                        String::from_utf8_lossy(&path)
                    );
                    assert_eq!(
                        hex::encode(entry),
                        l["entry"].as_str().unwrap_or(""),
                        "{name}: entry"
                    );
                    assert_eq!(md, metadata(&l["metadata"]), "{name}: metadata");
                }
                Err(manifest::ManifestError::NotFound { .. }) => {
                    assert!(
                        !l["found"].as_bool().unwrap(),
                        "{name}: {:?} not found",
                        String::from_utf8_lossy(&path)
                    );
                }
                Err(e) => panic!("{name}: lookup: {e}"),
            }
            let hp = m.has_prefix(&path, &mut reader).expect("has_prefix");
            assert_eq!(
                hp,
                l["has_prefix"].as_bool().unwrap(),
                "{name}: has_prefix {:?}",
                String::from_utf8_lossy(&path)
            );
        }
    }
}

fn save_blob(store: &MemStore, data: &[u8]) -> Vec<u8> {
    split_bytes(data, &mut StoreSink(store), SplitOptions::default(), None)
        .expect("split")
        .reference
        .to_bytes()
}

/// A node of bee's layout with the zero key, 32-byte entries and forks `(byte, type, reference)`.
fn raw_node(forks: &[(u8, u8, &[u8])]) -> Vec<u8> {
    let mut n = vec![0u8; 128];
    n[32..63].copy_from_slice(&swarmec::keccak::keccak256(b"mantaray:0.2")[..31]);
    n[63] = 32;
    for &(b, typ, r) in forks {
        n[96 + usize::from(b / 8)] |= 1 << (b % 8);
        let mut fork = vec![0u8; 32];
        fork[0] = typ;
        fork[1] = 1;
        fork[2] = b;
        fork.extend_from_slice(r);
        n.extend_from_slice(&fork);
    }
    n
}

#[test]
fn bad_manifests_give_typed_errors_bounded_by_the_data() {
    use manifest::{DecodeError, ManifestError};
    let store = MemStore::new();
    let mut reader = StoreLoadSaver::reader(&store, JoinOptions::default());

    // A file that is no manifest.
    let r = save_blob(&store, b"hello");
    let err = Node::from_reference(&r)
        .lookup(b"x", &mut reader)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ManifestError::Decode {
                source: DecodeError::TooShort { len: 5 },
                ..
            }
        ),
        "{err}"
    );
    let r = save_blob(&store, &[7u8; 300]);
    let err = Node::from_reference(&r)
        .lookup(b"x", &mut reader)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ManifestError::Decode {
                source: DecodeError::UnknownVersion { .. },
                ..
            }
        ),
        "{err}"
    );

    // A fork that runs past the end, and a bad prefix length.
    let mut past = raw_node(&[]);
    past[96] = 1;
    let r = save_blob(&store, &past);
    let err = Node::from_reference(&r)
        .lookup(b"\0", &mut reader)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ManifestError::Decode {
                source: DecodeError::Truncated { .. },
                ..
            }
        ),
        "{err}"
    );
    let mut prefix = raw_node(&[(b'a', 2, &[1; 32])]);
    prefix[129] = 31;
    let r = save_blob(&store, &prefix);
    let err = Node::from_reference(&r)
        .lookup(b"a", &mut reader)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ManifestError::Decode {
                source: DecodeError::PrefixLength { len: 31, .. },
                ..
            }
        ),
        "{err}"
    );

    // A fork to a node that is not stored: the load error names it.
    let r = save_blob(&store, &raw_node(&[(b'a', 2, &[9; 32])]));
    let err = Node::from_reference(&r)
        .lookup(b"ab", &mut reader)
        .unwrap_err();
    assert!(
        matches!(&err, ManifestError::Load { node, .. } if *node == hex::encode([9u8; 32])),
        "{err}"
    );

    // A node claiming more bytes than any node can have is not read.
    let big = vec![0u8; manifest::node::MAX_NODE_SIZE as usize + 1];
    let r = save_blob(&store, &big);
    let err = Node::from_reference(&r)
        .lookup(b"a", &mut reader)
        .unwrap_err();
    assert!(matches!(err, ManifestError::NodeTooLarge { .. }), "{err}");

    // Nodes shared many times over: 13 chunks, 4^12 paths. Lookups descend one path; the walk stops
    // at its budget.
    let mut prev = save_blob(&store, &raw_node(&[]));
    for _ in 0..12 {
        let forks: Vec<(u8, u8, &[u8])> =
            b"abcd".iter().map(|&c| (c, 6u8, prev.as_slice())).collect();
        prev = save_blob(&store, &raw_node(&forks));
    }
    let mut m = Node::from_reference(&prev);
    assert!(m.lookup(b"abcdabcdabcd", &mut reader).is_ok());
    assert!(matches!(
        m.lookup(b"abcdabcdabcda", &mut reader),
        Err(ManifestError::NotFound { .. })
    ));
    let mut visited = 0;
    let err = walk(
        Node::from_reference(&prev),
        &mut reader,
        WalkLimits {
            max_nodes: 1000,
            max_bytes: 1 << 30,
        },
        &mut |_, _| {
            visited += 1;
            Ok(())
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, ManifestError::WalkLimit { what: "nodes", .. }),
        "{err}"
    );
    assert_eq!(visited, 1000);
}

// ---------------------------------------------------------------------------------------------
// The HTTP API: POST /bzz, GET and HEAD /bzz/{reference}/{path}, in process.

const BATCH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

use crate::common::router::Api;

fn tar_header(name: &[u8], size: usize, typeflag: u8) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    b[..name.len()].copy_from_slice(name);
    b[100..107].copy_from_slice(b"0000644");
    b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    b[156] = typeflag;
    b[257..265].copy_from_slice(b"ustar\x0000");
    b[148..156].copy_from_slice(b"        ");
    let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
    b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    b
}

/// A tar of `(name, data)` with a directory entry first, as `tar` writes.
fn tar_of(files: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut t = tar_header(b"./", 0, b'5');
    for (name, data) in files {
        t.extend(tar_header(name, data.len(), b'0'));
        t.extend_from_slice(data);
        t.resize(t.len().div_ceil(512) * 512, 0);
    }
    t.resize(t.len() + 1024, 0);
    t
}

fn level_header(case: &Value) -> String {
    case["level"].as_u64().expect("level").to_string()
}

#[test]
fn post_bzz_gives_bees_references() {
    let api = Api::new();
    for name in fixture_names() {
        let case = fixture(&name);
        let level = level_header(&case);
        let files = case["files"].as_array().expect("files");
        match s(&case["kind"]) {
            "file" => {
                let f = &files[0];
                let uri = format!("/bzz?name={}", urlencode(s(&f["path"])));
                let r = api.call(
                    "POST",
                    &uri,
                    &[
                        ("Swarm-Postage-Batch-Id", BATCH),
                        ("Content-Type", s(&f["content_type"])),
                        ("Swarm-Redundancy-Level", &level),
                    ],
                    unhex(&f["data"]),
                );
                assert_eq!(r.reference(), s(&case["reference"]), "{name}");
                let etag = format!("\"{}\"", s(&case["reference"]));
                assert_eq!(r.header("etag"), Some(etag.as_str()), "{name}");
                assert_eq!(r.header("access-control-expose-headers"), Some("Swarm-Tag"));
            }
            "collection" => {
                let tar = tar_of(
                    &files
                        .iter()
                        .map(|f| (s(&f["path"]).as_bytes().to_vec(), unhex(&f["data"])))
                        .collect::<Vec<_>>(),
                );
                let mut h = vec![
                    ("Swarm-Postage-Batch-Id", BATCH),
                    ("Content-Type", "application/x-tar"),
                    ("Swarm-Collection", "true"),
                    ("Swarm-Redundancy-Level", level.as_str()),
                ];
                for (k, header) in [
                    ("index_document", "Swarm-Index-Document"),
                    ("error_document", "Swarm-Error-Document"),
                ] {
                    if !s(&case[k]).is_empty() {
                        h.push((header, s(&case[k])));
                    }
                }
                let r = api.call("POST", "/bzz", &h, tar);
                assert_eq!(r.reference(), s(&case["reference"]), "{name}");
                assert_eq!(
                    r.header("etag"),
                    None,
                    "{name}: bee sets no ETag on collections"
                );
            }
            _ => {}
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn get_bzz_serves_files_and_websites_as_bee() {
    let api = Api::new();
    // A single file with a name and a content type.
    let r = api.call(
        "POST",
        "/bzz?name=hello.txt",
        &[
            ("Swarm-Postage-Batch-Id", BATCH),
            ("Content-Type", "text/plain; charset=utf-8"),
        ],
        b"hello swarm\n".to_vec(),
    );
    let root = r.reference();
    let file_ref = "4fda73ecef9e32c89b3b72363cc461588dac4720b38fee3f225a7334b202e6d2";
    // Without the slash: bee's 308 to the root, before anything is looked up.
    let g = api.get(&format!("/bzz/{root}?x=1"));
    assert_eq!(g.status, 308);
    assert_eq!(
        g.header("location"),
        Some(format!("/bzz/{root}/?x=1").as_str())
    );
    for path in [format!("/bzz/{root}/"), format!("/bzz/{root}/hello.txt")] {
        let g = api.get(&path);
        assert_eq!(
            g.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&g.body)
        );
        assert_eq!(g.body, b"hello swarm\n");
        assert_eq!(g.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(
            g.header("content-disposition"),
            Some("inline; filename=\"hello.txt\"")
        );
        assert_eq!(g.header("etag"), Some(format!("\"{file_ref}\"").as_str()));
        assert_eq!(g.header("content-length"), Some("12"));
        assert_eq!(
            g.header("access-control-expose-headers"),
            Some("Content-Disposition")
        );
    }
    let h = api.call("HEAD", &format!("/bzz/{root}/hello.txt"), &[], Vec::new());
    assert_eq!(h.status, 200);
    assert_eq!(h.header("content-length"), Some("12"));
    assert_eq!(h.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(
        h.header("content-disposition"),
        Some("inline; filename=\"hello.txt\"")
    );
    assert!(h.body.is_empty());
    let g = api.call(
        "GET",
        &format!("/bzz/{root}/hello.txt"),
        &[("Range", "bytes=0-4")],
        Vec::new(),
    );
    assert_eq!(g.status, 206);
    assert_eq!(g.body, b"hello");
    assert_eq!(g.header("content-range"), Some("bytes 0-4/12"));
    assert_eq!(g.header("content-type"), Some("text/plain; charset=utf-8"));

    // Without a content type, bee sniffs it; without a name, the file's reference is the name.
    let r = api.call(
        "POST",
        "/bzz",
        &[("Swarm-Postage-Batch-Id", BATCH)],
        b"<html><body>hi".to_vec(),
    );
    let root = r.reference();
    let g = api.get(&format!("/bzz/{root}/"));
    assert_eq!(g.status, 200);
    assert_eq!(g.header("content-type"), Some("text/html; charset=utf-8"));
    let name = g
        .header("content-disposition")
        .expect("disposition")
        .to_owned();
    assert_eq!(name.len(), "inline; filename=\"\"".len() + 64, "{name}");

    // A website.
    let case = fixture("site-level0.json");
    let files: Vec<(Vec<u8>, Vec<u8>)> = case["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| (s(&f["path"]).as_bytes().to_vec(), unhex(&f["data"])))
        .collect();
    let data_of = |p: &str| {
        files
            .iter()
            .find(|(n, _)| n == p.as_bytes())
            .expect("file")
            .1
            .clone()
    };
    let r = api.call(
        "POST",
        "/bzz",
        &[
            ("Swarm-Postage-Batch-Id", BATCH),
            ("Content-Type", "application/x-tar"),
            ("Swarm-Collection", "true"),
            ("Swarm-Redundancy-Level", "0"),
            ("Swarm-Index-Document", "index.html"),
            ("Swarm-Error-Document", "404.html"),
        ],
        tar_of(&files),
    );
    let site = r.reference();
    assert_eq!(site, s(&case["reference"]));
    let g = api.get(&format!("/bzz/{site}/"));
    assert_eq!((g.status, g.body.clone()), (200, data_of("index.html")));
    assert_eq!(g.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(
        g.header("content-disposition"),
        Some("inline; filename=\"index.html\"")
    );
    let g = api.get(&format!("/bzz/{site}/css/style.css"));
    assert_eq!((g.status, g.body.clone()), (200, data_of("css/style.css")));
    assert_eq!(g.header("content-type"), Some("text/css; charset=utf-8"));
    // A directory without its slash: 308 to it; with it: its index document.
    let g = api.get(&format!("/bzz/{site}/docs?x=1"));
    assert_eq!(g.status, 308);
    assert_eq!(
        g.header("location"),
        Some(format!("/bzz/{site}/docs/?x=1").as_str())
    );
    let g = api.get(&format!("/bzz/{site}/docs//"));
    assert_eq!(
        (g.status, g.body.clone()),
        (200, data_of("docs/index.html"))
    );
    // A file with an empty content type (no known extension) is served with it empty.
    let g = api.get(&format!("/bzz/{site}/docs/guide/intro.md"));
    assert_eq!((g.status, g.header("content-type")), (200, Some("")));
    // What is not there: the error document, with 200 as bee.
    let g = api.get(&format!("/bzz/{site}/no/such/page"));
    assert_eq!((g.status, g.body.clone()), (200, data_of("404.html")));
    // Percent-encoded paths.
    let g = api.get(&format!("/bzz/{site}/docs%2Fapi.json"));
    assert_eq!(
        (g.status, g.header("content-type")),
        (200, Some("application/json"))
    );

    // A collection without documents: bee's 404s.
    let r = api.call(
        "POST",
        "/bzz",
        &[
            ("Swarm-Postage-Batch-Id", BATCH),
            ("Content-Type", "application/x-tar"),
            ("Swarm-Collection", "true"),
        ],
        tar_of(&files[..3]),
    );
    let plain = r.reference();
    api.get(&format!("/bzz/{plain}/"))
        .error(404, "address not found or incorrect");
    api.get(&format!("/bzz/{plain}/nope"))
        .error(404, "path address not found");
    let h = api.call("HEAD", &format!("/bzz/{plain}/nope"), &[], Vec::new());
    assert_eq!(
        (h.status, h.header("content-type")),
        (404, Some("application/json; charset=utf-8"))
    );
}

#[test]
fn bzz_bad_input_answers_as_bee_without_500() {
    let api = Api::new();
    let tar_headers = [
        ("Swarm-Postage-Batch-Id", BATCH),
        ("Content-Type", "application/x-tar"),
        ("Swarm-Collection", "true"),
    ];
    let good = tar_of(&[(b"a.txt".to_vec(), b"a".to_vec())]);
    let mut bad_sum = good.clone();
    bad_sum[512] ^= 1;
    api.call("POST", "/bzz", &tar_headers, bad_sum)
        .error(400, "invalid filename in tar archive");
    api.call("POST", "/bzz", &tar_headers, good[..700].to_vec())
        .error(400, "could not store directory");
    api.call("POST", "/bzz", &tar_headers, good[..1000].to_vec())
        .error(400, "could not store directory");
    api.call("POST", "/bzz", &tar_headers, vec![0; 1024])
        .error(400, "no files in root directory");
    api.call("POST", "/bzz", &tar_headers, tar_of(&[]))
        .error(400, "no files in root directory");
    let mut huge = tar_header(b"big", 0, b'0');
    huge[124..136].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]);
    api.call("POST", "/bzz", &tar_headers, huge)
        .error(400, "invalid filename in tar archive");
    api.call("POST", "/bzz", &tar_headers[..1], good.clone())
        .reference();
    api.call(
        "POST",
        "/bzz",
        &[
            ("Swarm-Postage-Batch-Id", BATCH),
            ("Swarm-Collection", "true"),
        ],
        good.clone(),
    )
    .error(400, "invalid content-type");
    api.call(
        "POST",
        "/bzz",
        &[
            ("Swarm-Postage-Batch-Id", BATCH),
            ("Swarm-Collection", "true"),
            ("Content-Type", "text/plain"),
        ],
        good.clone(),
    )
    .error(400, "invalid content-type");
    api.call(
        "POST",
        "/bzz",
        &[
            tar_headers[0],
            tar_headers[1],
            tar_headers[2],
            ("Swarm-Index-Document", "a/index.html"),
        ],
        good.clone(),
    )
    .error(
        400,
        "index document suffix must not include slash character",
    );
    let r = api.call(
        "POST",
        "/bzz?name=/abs",
        &[("Swarm-Postage-Batch-Id", BATCH)],
        b"x".to_vec(),
    );
    r.error(400, "invalid query params");
    assert_eq!(r.json()["reasons"][0]["field"], "name");
    api.call("POST", "/bzz", &[], b"x".to_vec())
        .error(400, "invalid header params");
    api.call(
        "POST",
        "/bzz",
        &[tar_headers[0], ("Swarm-Collection", "maybe")],
        b"x".to_vec(),
    )
    .error(400, "invalid header params");

    // Downloads.
    api.get("/bzz/zz/").error(400, "invalid path params");
    // Without the slash bee redirects first, whatever the reference.
    assert_eq!(api.get("/bzz/zz").status, 308);
    let unknown = "aa".repeat(32);
    api.get(&format!("/bzz/{unknown}/"))
        .error(404, "address not found or incorrect");
    api.get(&format!("/bzz/{unknown}/x"))
        .error(404, "Not Found");
    // A plain file is no manifest.
    let r = api.call(
        "POST",
        "/bytes",
        &[("Swarm-Postage-Batch-Id", BATCH)],
        b"not a manifest".to_vec(),
    );
    let bytes_ref = r.reference();
    api.get(&format!("/bzz/{bytes_ref}/x"))
        .error(404, "Not Found");
    api.get(&format!("/bzz/{bytes_ref}/"))
        .error(404, "address not found or incorrect");
}

// ---------------------------------------------------------------------------------------------
// The command line.

fn cli(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_swarmec"))
        .args(args)
        .env("SWARMEC_DATA_DIR", data)
        .output()
        .expect("swarmec runs")
}

fn stdout(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone())
        .expect("UTF-8")
        .trim_end()
        .to_owned()
}

/// Writes the files of the fixture `name` under `folder`; returns them by path.
fn fixture_folder(folder: &std::path::Path, name: &str) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for f in fixture(name)["files"].as_array().expect("files") {
        let p = folder.join(s(&f["path"]));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, unhex(&f["data"])).expect("write");
        files.insert(s(&f["path"]).to_owned(), unhex(&f["data"]));
    }
    files
}

#[test]
fn cli_uploads_folders_and_named_files_as_bee_and_reads_paths() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    // Files written in bee's order give bee's reference: the CLI adds them in byte order, which
    // for these files is the order the generator used too.
    let case = fixture("collection-no-documents.json");
    let folder = tmp.path().join("site");
    fixture_folder(&folder, "collection-no-documents.json");
    let site = stdout(&cli(
        &data,
        &["upload", folder.to_str().expect("path"), "--level", "0"],
    ));
    assert_eq!(site, s(&case["reference"]));

    let case = fixture("file-level0.json");
    let file = tmp.path().join("h");
    std::fs::write(&file, b"hello swarm\n").expect("write");
    let named = stdout(&cli(
        &data,
        &[
            "upload",
            file.to_str().expect("path"),
            "--name",
            "hello.txt",
            "--level",
            "0",
        ],
    ));
    assert_eq!(named, s(&case["reference"]));

    // ls, then paths: a file, the index document, a folder without its slash (an error).
    let ls = stdout(&cli(&data, &["manifest", "ls", &site, "--json"]));
    let list: Value = serde_json::from_str(&ls).expect("JSON");
    let paths: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|e| s(&e["path"]))
        .collect();
    assert_eq!(
        paths,
        [
            "css/style.css",
            "docs/guide/intro.md",
            "docs/index.html",
            "img/logo.png"
        ]
    );
    assert_eq!(
        stdout(&cli(
            &data,
            &["download", &format!("{site}/docs/index.html")]
        )),
        "<h1>docs</h1>"
    );
    assert_eq!(
        stdout(&cli(&data, &["download", &site, "--path", "css/style.css"])),
        "body { color: red }"
    );
    assert_eq!(
        stdout(&cli(&data, &["download", &format!("{named}/")])),
        "hello swarm"
    );
    let o = cli(&data, &["download", &format!("{site}/docs")]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a folder"));
    let o = cli(&data, &["download", &format!("{site}/nope")]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("address not found"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&cli(&data, &["manifest", "ls", &named]));
    let hello = &case["files"][0];
    assert_eq!(
        text,
        format!(
            "-\t-\t/\n{}\t{}\thello.txt",
            s(&hello["reference"]),
            s(&hello["content_type"])
        )
    );
}

/// Every file of a folder under `root`, by its path relative to `root` ('/'-separated).
fn files_under(root: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                let rel = rel.to_str().expect("UTF-8").replace('\\', "/");
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

#[test]
fn cli_manifest_get_writes_every_file_and_refuses_paths_out_of_the_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let folder = tmp.path().join("site");
    let mut want = fixture_folder(&folder, "collection-no-documents.json");
    // A file of several chunks at level 2, and the index document at the root.
    let big = crate::common::xorshift_bytes(20_000, 31);
    std::fs::write(folder.join("big.bin"), &big).expect("write");
    want.insert("big.bin".to_owned(), big);
    std::fs::write(folder.join("index.html"), b"<h1>home</h1>").expect("write");
    want.insert("index.html".to_owned(), b"<h1>home</h1>".to_vec());
    let site = stdout(&cli(
        &data,
        &[
            "upload",
            folder.to_str().expect("path"),
            "--index-document",
            "index.html",
            "--level",
            "2",
        ],
    ));

    let out = tmp.path().join("out");
    let said = stdout(&cli(
        &data,
        &["manifest", "get", &site, out.to_str().expect("path")],
    ));
    assert_eq!(said, format!("{} files in {}", want.len(), out.display()));
    assert_eq!(files_under(&out), want);

    // A folder with something in it is refused, and left as it was.
    let o = cli(
        &data,
        &["manifest", "get", &site, out.to_str().expect("path")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not empty"));
    assert_eq!(files_under(&out), want);

    // A manifest naming paths outside the folder writes nothing at all.
    for bad in [
        &b"../evil.txt"[..],
        b"a/../../evil.txt",
        b"/abs.txt",
        b"a//b.txt",
    ] {
        let reference = {
            let store = swarmec::store::SlotStore::open(&data).expect("store");
            let mut m = manifest::new_manifest(false);
            for path in [&b"good.txt"[..], bad] {
                let reference =
                    split_bytes(b"x", &mut StoreSink(&store), SplitOptions::default(), None)
                        .expect("split")
                        .reference;
                manifest::add_collection_file(
                    &mut m,
                    &CollectionFile {
                        path: path.to_vec(),
                        reference: reference.to_bytes(),
                        content_type: "text/plain".into(),
                    },
                )
                .expect("add");
            }
            let mut ls = StoreLoadSaver::new(
                &store,
                SplitOptions::default(),
                JoinOptions::default(),
                None,
            );
            hex::encode(m.save(&mut ls).expect("save"))
        };
        let target = tmp.path().join("bad").join("out");
        let o = cli(
            &data,
            &[
                "manifest",
                "get",
                &reference,
                target.to_str().expect("path"),
            ],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("is not written"), "{err}");
        assert!(
            !tmp.path().join("bad").exists(),
            "nothing written for {bad:?}"
        );
        assert!(!tmp.path().join("evil.txt").exists());
    }
}

#[test]
fn cli_cost_of_files_counts_the_manifest_chunks_an_upload_writes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let folder = tmp.path().join("site");
    let mut sizes: Vec<usize> = fixture_folder(&folder, "collection-no-documents.json")
        .values()
        .map(Vec::len)
        .collect();
    let big = crate::common::xorshift_bytes(700_000, 29);
    std::fs::write(folder.join("big.bin"), &big).expect("write");
    sizes.push(big.len());
    let empty = tmp.path().join("empty");
    for level in ["0", "2"] {
        let path = folder.to_str().expect("path");
        let cost: Value = serde_json::from_str(&stdout(&cli(
            &empty,
            &["cost", "--files", path, "--level", level, "--json"],
        )))
        .expect("JSON");
        // The reference and the chunks are those of the upload itself.
        let data = tmp.path().join(format!("data-{level}"));
        let reference = stdout(&cli(&data, &["upload", path, "--level", level]));
        assert_eq!(s(&cost["reference"]), reference);
        let stored = stdout(&cli(&data, &["store", "list"])).lines().count() as u64;
        assert_eq!(cost["total_chunks"], stored);
        // The files' chunks are what `cost SIZE` gives for each file; the rest is the manifest's.
        let per_file: u64 = sizes
            .iter()
            .map(|n| {
                let c: Value = serde_json::from_str(&stdout(&cli(
                    &empty,
                    &["cost", &n.to_string(), "--level", level, "--json"],
                )))
                .expect("JSON");
                c["total_chunks"].as_u64().expect("count") + c["replicas"].as_u64().expect("count")
            })
            .sum();
        assert_eq!(cost["file_chunks"], per_file);
        let manifest = cost["manifest_chunks"].as_u64().expect("count");
        assert!(manifest >= 1, "{cost}");
        assert_eq!(per_file + manifest, stored);
    }
    assert!(!empty.exists(), "cost stores nothing");
    let o = cli(
        &empty,
        &["cost", "10MB", "--files", folder.to_str().expect("path")],
    );
    assert_eq!(o.status.code(), Some(2));
}
