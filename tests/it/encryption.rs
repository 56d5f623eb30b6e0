//! Encrypted trees (spec §6): round trips, fresh keys per upload, wrong and truncated keys.

use std::process::Command;

use swarmec::encryption::{BeeRand, OsRandom, RandomSource};
use swarmec::file::inspect::inspect;
use swarmec::file::splitter::StoreSink;
use swarmec::file::{split_bytes, JoinError, JoinOptions, Joiner, SplitOptions};
use swarmec::reference::Reference;
use swarmec::store::MemStore;
use swarmec::Level;

fn upload(store: &MemStore, data: &[u8], level: Level, rng: &mut dyn RandomSource) -> Reference {
    split_bytes(
        data,
        &mut StoreSink(store),
        SplitOptions {
            level,
            encrypt: true,
        },
        Some(rng),
    )
    .unwrap()
    .reference
}

fn read(store: &MemStore, r: &Reference) -> Result<Vec<u8>, JoinError> {
    let j = Joiner::open(store, r, JoinOptions::default())?;
    let mut out = Vec::new();
    j.read_all(&mut out)?;
    Ok(out)
}

#[test]
fn round_trips_at_every_level() {
    // spec §10.6: bee's encrypted round-trip sizes.
    for size in [0usize, 10, 100, 1000, 4095, 4096, 4097, 300_000, 1_000_000] {
        let data = crate::common::mod255(size);
        for level in Level::ALL {
            let store = MemStore::new();
            let r = upload(&store, &data, level, &mut OsRandom);
            assert!(r.is_encrypted());
            assert_eq!(r.to_hex().len(), 128);
            assert!(read(&store, &r).unwrap() == data, "size {size} {level}");
            let j = Joiner::open(&store, &r, JoinOptions::default()).unwrap();
            let mut part = Vec::new();
            j.read_range(size as u64 / 3, 5000, &mut part).unwrap();
            let end = (size / 3 + 5000).min(size);
            assert!(part == data[size / 3..end]);
        }
    }
}

#[test]
fn ten_thousand_bytes_make_three_data_chunks_and_a_root() {
    // spec §10.6: G1 10000 bytes encrypted → 4 distinct 32-byte addresses (3 data + root).
    let store = MemStore::new();
    let r = upload(
        &store,
        &crate::common::mod255(10_000),
        Level::None,
        &mut BeeRand::new(7),
    );
    assert_eq!(store.len(), 4);
    let report = inspect(&store, &r, JoinOptions::default()).unwrap();
    assert_eq!(report.nodes.len(), 1);
    let data = &report.nodes[0].data;
    assert_eq!(data.len(), 3);
    // Children are listed by their 32-byte addresses, not 64-byte references.
    assert!(data.iter().all(|a| a.len() == 64));
    assert_eq!(report.nodes[0].address, r.address.to_hex());
}

#[test]
fn two_uploads_of_one_file_differ() {
    let data = crate::common::mod255(50_000);
    let store = MemStore::new();
    let a = upload(&store, &data, Level::Medium, &mut OsRandom);
    let b = upload(&store, &data, Level::Medium, &mut OsRandom);
    assert_ne!(a.address, b.address);
    assert_ne!(a.key, b.key);
    assert!(read(&store, &a).unwrap() == data);
    assert!(read(&store, &b).unwrap() == data);
}

#[test]
fn wrong_keys_fail_cleanly() {
    for (size, level) in [
        (100usize, Level::None),
        (50_000, Level::None),
        (50_000, Level::Strong),
        (2_000_000, Level::Paranoid),
    ] {
        let data = crate::common::mod255(size);
        let store = MemStore::new();
        let r = upload(&store, &data, level, &mut BeeRand::new(1));
        for flip in [0usize, 7, 31] {
            let mut key = r.key.unwrap();
            key[flip] ^= 0x01;
            let wrong = Reference {
                address: r.address,
                key: Some(key),
            };
            // Garbage spans must give a typed error (or, for a leaf, garbage bytes), never a panic,
            // a hang or an allocation sized by the span.
            match read(&store, &wrong) {
                Ok(bytes) => assert!(
                    bytes != data && bytes.len() <= 4096,
                    "size {size}: wrong key read as the file"
                ),
                Err(
                    JoinError::Malformed { .. }
                    | JoinError::NotFound { .. }
                    | JoinError::Unrecoverable { .. },
                ) => {}
                Err(other) => panic!("size {size}: unexpected error {other}"),
            }
        }
    }
}

#[test]
fn truncated_references_are_usage_errors() {
    let store = MemStore::new();
    let r = upload(&store, b"secret", Level::None, &mut OsRandom);
    let hex = r.to_hex();
    for cut in [127usize, 100, 66, 63] {
        assert!(hex[..cut].parse::<Reference>().is_err(), "{cut}");
    }
    // A 64-hex prefix is a plain reference to the encrypted root: its bytes are ciphertext, whose
    // decoded span is garbage; reading it must not panic.
    let plain: Reference = hex[..64].parse().unwrap();
    let _ = read(&store, &plain);

    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_swarmec"))
        .args(["download", &hex[..127]])
        .env("SWARMEC_DATA_DIR", tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_encrypted_upload_download_and_inspect() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = crate::common::mod255(700_000);
    std::fs::write(d.join("f"), &data).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_swarmec"))
            .args(args)
            .current_dir(d)
            .env("SWARMEC_DATA_DIR", d.join("data"))
            .output()
            .unwrap()
    };
    let out = run(&["upload", "f", "--encrypt", "--level", "insane"]);
    assert!(out.status.success());
    let r = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(r.len(), 128);
    let out = run(&["download", &r]);
    assert!(out.status.success());
    assert!(out.stdout == data);
    let out = run(&["inspect", &r, "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["level"], 3);
    // 171 data chunks at insane encrypted (48 per group): 4 groups under the root.
    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    assert_eq!(nodes[0]["data"].as_array().unwrap().len(), 4);
    for n in nodes {
        for a in n["data"]
            .as_array()
            .unwrap()
            .iter()
            .chain(n["parity"].as_array().unwrap())
        {
            assert_eq!(a.as_str().unwrap().len(), 64);
        }
    }
    let out = run(&["hash", "f", "--encrypt", "--json", "--level", "insane"]);
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["reference"].as_str().unwrap().len(), 128);
    assert_ne!(h["reference"].as_str().unwrap(), r);
    assert_eq!(h["replicas"].as_array().unwrap().len(), 8);
}

/// Every chunk a split writes, in order.
struct Written(Vec<swarmec::address::Address>);

impl swarmec::file::splitter::ChunkSink for Written {
    fn accept(
        &mut self,
        chunks: Vec<swarmec::cac::Chunk>,
    ) -> Result<(), swarmec::store::StoreError> {
        self.0.extend(chunks.iter().map(|c| c.address));
        Ok(())
    }
}

fn split_encrypted(
    data: &[u8],
    level: Level,
    seed: u64,
    single: bool,
) -> (Reference, Vec<swarmec::address::Address>) {
    use swarmec::file::splitter::Splitter;
    let mut sink = Written(Vec::new());
    let mut rng = BeeRand::new(seed);
    let options = SplitOptions {
        level,
        encrypt: true,
    };
    let mut splitter = Splitter::new(&mut sink, options, Some(&mut rng));
    if single {
        splitter = splitter.single_threaded();
    }
    splitter.write(data).unwrap();
    let summary = splitter.finish().unwrap();
    (summary.reference, sink.0)
}

#[test]
fn pooled_encrypted_splits_draw_like_the_single_threaded_one() {
    // The worker pool takes whole groups and draws the wraps' keys and padding ahead; the
    // single-threaded splitter draws as bee does, one chunk at a time (the bee vectors check it).
    // Sizes that fill a level of intermediate chunks twice over, so that the ahead-drawn wraps
    // cascade (64 references per encrypted intermediate chunk without redundancy, 20 at paranoid),
    // and end in a partial chunk and a partial group.
    assert!(
        std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2,
        "this test compares the worker pool with the single thread; it needs two cores"
    );
    for (level, data_chunks) in [
        (Level::None, 2 * 64 * 64 + 3 * 64 + 5),
        (Level::Paranoid, 2 * 20 * 20 + 7),
        (Level::Strong, 3 * 53 + 1),
    ] {
        let data: Vec<u8> = (0..data_chunks * 4096 - 1000)
            .map(|i| {
                (i as u64)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    .rotate_left(17) as u8
            })
            .collect();
        let pooled = split_encrypted(&data, level, 11, false);
        let single = split_encrypted(&data, level, 11, true);
        assert_eq!(pooled.0, single.0, "{level}: same reference");
        assert!(
            pooled.1 == single.1,
            "{level}: the same chunks in the same order"
        );
        assert!(pooled.1.len() > data_chunks, "{level}");
        let other_seed = split_encrypted(&data, level, 12, false);
        assert_ne!(
            pooled.0, other_seed.0,
            "{level}: the keys come from the seed"
        );
    }
}
