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
