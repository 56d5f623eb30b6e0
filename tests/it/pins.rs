//! bee's `/pins` and `Swarm-Pin` over a slot store, in process: bee's exact answers, and which
//! chunks a pin holds (every chunk the splitter writes, parities and replicas included; a
//! manifest's files; nothing when a chunk is missing).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::json;
use swarmec::address::Address;
use swarmec::api::{ApiConfig, ApiState};
use swarmec::file::splitter::StoreSink;
use swarmec::file::{split_bytes, SplitOptions};
use swarmec::redundancy::Level;
use swarmec::store::{ChunkStore, MemStore, PinStore, SlotStore, StoreError};

use crate::common::router::{Answer, Api};
use crate::common::xorshift_bytes as data;

const BATCH: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

struct Pins {
    api: Api,
    store: Arc<SlotStore>,
    _dir: tempfile::TempDir,
}

fn pins_api() -> Pins {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SlotStore::open(dir.path()).unwrap());
    let state = ApiState::new(store.clone(), ApiConfig::default()).with_pins(store.clone());
    Pins {
        api: Api::with_state(state, Arc::new(MemStore::new())),
        store,
        _dir: dir,
    }
}

/// Every address the splitter writes for `file` at `level` (replicas included).
fn split_addresses(file: &[u8], level: Level) -> BTreeSet<Address> {
    let mem = MemStore::new();
    let options = SplitOptions {
        level,
        ..SplitOptions::default()
    };
    split_bytes(file, &mut StoreSink(&mem), options, None).unwrap();
    stored(&mem)
}

fn stored(store: &dyn ChunkStore) -> BTreeSet<Address> {
    let mut out = BTreeSet::new();
    store
        .iterate(&mut |a, _| {
            out.insert(*a);
            true
        })
        .unwrap();
    out
}

fn pinned(store: &SlotStore) -> BTreeSet<Address> {
    stored(store)
        .into_iter()
        .filter(|a| store.pins_of(a).unwrap() > 0)
        .collect()
}

fn upload(api: &Api, file: &[u8], headers: &[(&str, &str)]) -> String {
    let mut h = vec![("swarm-postage-batch-id", BATCH)];
    h.extend_from_slice(headers);
    api.call("POST", "/bytes", &h, file.to_vec()).reference()
}

fn status_body(a: &Answer, code: u16, message: &str) {
    assert_eq!(a.status, code, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json(), json!({"code": code, "message": message}));
}

#[test]
fn pin_of_a_strong_file_holds_exactly_its_chunks_then_unpin() {
    let p = pins_api();
    let file = data(600_000, 1);
    let reference = upload(&p.api, &file, &[("Swarm-Redundancy-Level", "2")]);
    let want = split_addresses(&file, Level::Strong);
    // Data, two intermediate levels' parities and the root's four replicas.
    assert!(want.len() > 150, "{}", want.len());
    assert!(pinned(&p.store).is_empty());

    let pin = |method| {
        p.api
            .call(method, &format!("/pins/{reference}"), &[], Vec::new())
    };
    status_body(&pin("POST"), 201, "Created");
    assert_eq!(pinned(&p.store), want);
    assert!(want.iter().all(|a| p.store.pins_of(a).unwrap() == 1));
    // Pinned already: 200, nothing changes.
    status_body(&pin("POST"), 200, "OK");
    assert!(want.iter().all(|a| p.store.pins_of(a).unwrap() == 1));
    let got = pin("GET");
    assert_eq!(got.ok().json(), json!({ "reference": reference }));
    assert_eq!(
        p.api.get("/pins").ok().json(),
        json!({ "references": [reference] })
    );
    // A pinned chunk is not removed.
    let any = *want.iter().next().unwrap();
    assert!(matches!(
        p.store.remove(&any),
        Err(StoreError::Pinned { pins: 1, .. })
    ));

    status_body(&pin("DELETE"), 200, "OK");
    assert!(pinned(&p.store).is_empty());
    status_body(&pin("DELETE"), 404, "Not Found");
    status_body(&pin("GET"), 404, "Not Found");
    assert_eq!(p.api.get("/pins").ok().json(), json!({ "references": [] }));
    assert!(p.store.remove(&any).unwrap());
}

#[test]
fn pin_of_a_manifest_holds_its_files() {
    let p = pins_api();
    let file = data(50_000, 2);
    let headers = [
        ("swarm-postage-batch-id", BATCH),
        ("Content-Type", "text/plain"),
        ("Swarm-Redundancy-Level", "1"),
    ];
    let manifest = p
        .api
        .call("POST", "/bzz?name=a.txt", &headers, file.clone())
        .reference();
    status_body(
        &p.api
            .call("POST", &format!("/pins/{manifest}"), &[], Vec::new()),
        201,
        "Created",
    );
    // The store holds only this upload: the manifest's nodes and the file, every chunk pinned.
    let everything = stored(&*p.store);
    assert_eq!(pinned(&p.store), everything);
    assert!(split_addresses(&file, Level::Medium).is_subset(&everything));
    // The file alone, pinned too: its chunks are held twice.
    let file_ref = upload(&p.api, &file, &[("Swarm-Redundancy-Level", "1")]);
    status_body(
        &p.api
            .call("POST", &format!("/pins/{file_ref}"), &[], Vec::new()),
        201,
        "Created",
    );
    for a in split_addresses(&file, Level::Medium) {
        assert_eq!(p.store.pins_of(&a).unwrap(), 2, "{a}");
    }
}

#[test]
fn missing_chunk_is_404_and_nothing_is_pinned() {
    let p = pins_api();
    let file = data(20_000, 3);
    let reference = upload(&p.api, &file, &[("Swarm-Redundancy-Level", "0")]);
    let lost = split_addresses(&file, Level::None)
        .into_iter()
        .find(|a| a.to_hex() != reference)
        .unwrap();
    assert!(p.store.remove(&lost).unwrap());
    let r = p
        .api
        .call("POST", &format!("/pins/{reference}"), &[], Vec::new());
    status_body(&r, 404, "pin collection failed");
    assert!(pinned(&p.store).is_empty());
    assert!(p.store.pinned_roots().unwrap().is_empty());
    // Unknown reference: the same.
    let unknown = "ab".repeat(32);
    status_body(
        &p.api
            .call("POST", &format!("/pins/{unknown}"), &[], Vec::new()),
        404,
        "pin collection failed",
    );
}

#[test]
fn swarm_pin_uploads_are_pinned() {
    let p = pins_api();
    let file = data(30_000, 4);
    let reference = upload(
        &p.api,
        &file,
        &[("Swarm-Pin", "true"), ("Swarm-Redundancy-Level", "1")],
    );
    assert_eq!(pinned(&p.store), split_addresses(&file, Level::Medium));
    let headers = [
        ("swarm-postage-batch-id", BATCH),
        ("Swarm-Pin", "true"),
        ("Content-Type", "text/plain"),
    ];
    let manifest = p
        .api
        .call("POST", "/bzz?name=b.txt", &headers, data(5000, 5))
        .reference();
    let list = p.api.get("/pins").ok().json();
    let mut want = vec![reference, manifest];
    want.sort();
    assert_eq!(list, json!({ "references": want }));
    assert_eq!(pinned(&p.store), stored(&*p.store));
}

/// bee pins with `Swarm-Pin: true` on `POST /soc` (the SOC alone) and `POST /feeds` (the feed
/// manifest's chunks, at the upload's level); without a pin store both are 501 and store nothing.
#[test]
fn swarm_pin_on_soc_and_feeds_pins_them() {
    use swarmec::cac::Chunk;
    use swarmec::soc::{new_soc, Signer};
    let p = pins_api();
    let signer = Signer::from_bytes(&[0x11; 32]).unwrap();
    let owner = hex::encode(signer.eth_address());
    let wrapped = Chunk::new(b"pinned soc").unwrap();
    let soc = new_soc(&signer, &[0x22; 32], &wrapped).unwrap();
    let (id, rest) = soc.data.split_at(32);
    let (sig, body) = rest.split_at(65);
    let soc_path = format!("/soc/{owner}/{}?sig={}", hex::encode(id), hex::encode(sig));
    let pin = [("swarm-postage-batch-id", BATCH), ("Swarm-Pin", "true")];
    let r = p.api.call("POST", &soc_path, &pin, body.to_vec());
    assert_eq!(r.reference(), soc.address.to_hex());
    assert_eq!(pinned(&p.store), BTreeSet::from([soc.address]));

    let topic = "ab".repeat(32);
    let feeds_path = format!("/feeds/{owner}/{topic}");
    let level = [
        ("swarm-postage-batch-id", BATCH),
        ("Swarm-Pin", "true"),
        ("Swarm-Redundancy-Level", "2"),
    ];
    let manifest = p
        .api
        .call("POST", &feeds_path, &level, Vec::new())
        .reference();
    // Every chunk stored is pinned: the SOC, the manifest's chunks and their replicas.
    let all = stored(&*p.store);
    assert!(all.len() > 2, "{all:?}");
    assert_eq!(pinned(&p.store), all);
    let mut want = vec![soc.address.to_hex(), manifest];
    want.sort();
    assert_eq!(
        p.api.get("/pins").ok().json(),
        json!({ "references": want })
    );

    // `Swarm-Pin: false`: stored, not pinned.
    let unpinned = [("swarm-postage-batch-id", BATCH), ("Swarm-Pin", "false")];
    let other = p
        .api
        .call(
            "POST",
            &format!("/feeds/{owner}/{}", "cd".repeat(32)),
            &unpinned,
            Vec::new(),
        )
        .reference();
    assert_eq!(p.api.get(&format!("/pins/{other}")).status, 404);
    assert_eq!(pinned(&p.store), all);

    let plain = Api::new();
    plain
        .call("POST", &soc_path, &pin, body.to_vec())
        .error(501, "pinning is not available");
    plain
        .call("POST", &feeds_path, &pin, Vec::new())
        .error(501, "pinning is not available");
    assert_eq!(stored(&*plain.store), BTreeSet::new());
}

#[test]
fn bad_references_and_no_pin_store() {
    let p = pins_api();
    for method in ["GET", "POST", "DELETE"] {
        let r = p.api.call(method, "/pins/abcd", &[], Vec::new());
        assert_eq!(r.status, 400, "{method}");
        assert_eq!(r.json()["message"], "invalid path params");
        let r = p.api.call(method, "/pins/xyz", &[], Vec::new());
        assert_eq!(r.status, 400, "{method}");
    }
    let r = p.api.call(
        "POST",
        &format!("/pins/{}", "ab".repeat(32)),
        &[("Swarm-Redundancy-Level", "9")],
        Vec::new(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "invalid header params");

    let plain = Api::new();
    let reference = "ab".repeat(32);
    for (method, path) in [
        ("GET", "/pins".to_owned()),
        ("GET", format!("/pins/{reference}")),
        ("POST", format!("/pins/{reference}")),
        ("DELETE", format!("/pins/{reference}")),
    ] {
        plain
            .call(method, &path, &[], Vec::new())
            .error(501, "pinning is not available");
    }
    plain
        .call(
            "POST",
            "/bytes",
            &[("swarm-postage-batch-id", BATCH), ("Swarm-Pin", "true")],
            b"x".to_vec(),
        )
        .error(501, "pinning is not available");
}

#[test]
fn pinned_upload_through_another_store_is_also_written_locally() {
    // As on a node: uploads go through a store that is not the pin store (there, the network).
    let dir = tempfile::tempdir().unwrap();
    let local = Arc::new(SlotStore::open(dir.path()).unwrap());
    let remote = Arc::new(MemStore::new());
    let to_remote = remote.clone();
    let hook: swarmec::api::UploadStoreHook =
        Arc::new(move |_| Ok(to_remote.clone() as Arc<dyn ChunkStore>));
    let state = ApiState::new(remote.clone(), ApiConfig::default())
        .with_upload_store(hook)
        .with_pins(local.clone());
    let api = Api::with_state(state, remote.clone());
    let file = data(40_000, 6);
    upload(&api, &file, &[("Swarm-Pin", "true")]);
    let want = split_addresses(&file, Level::Medium);
    assert_eq!(stored(&*remote), want);
    assert_eq!(pinned(&local), want);
    // Without Swarm-Pin nothing reaches the local store.
    upload(&api, &data(40_000, 7), &[]);
    assert_eq!(stored(&*local), want);
}

/// Pins made over HTTP survive the loss of the index: the store rebuilds it from the data file and
/// the pin journal, and `/pins` lists the same references, holding the same chunks.
#[test]
fn pins_survive_an_index_rebuilt_from_the_data_file() {
    use swarmec::store::slots::INDEX_FILE;
    let dir = tempfile::tempdir().unwrap();
    let file = data(100_000, 8);
    let (reference, before) = {
        let store = Arc::new(SlotStore::open(dir.path()).unwrap());
        let state = ApiState::new(store.clone(), ApiConfig::default()).with_pins(store.clone());
        let api = Api::with_state(state, Arc::new(MemStore::new()));
        let reference = upload(&api, &file, &[("Swarm-Pin", "true")]);
        upload(&api, &data(30_000, 9), &[]);
        let pinned = upload(&api, &data(20_000, 10), &[("Swarm-Pin", "true")]);
        status_body(
            &api.call("DELETE", &format!("/pins/{pinned}"), &[], Vec::new()),
            200,
            "OK",
        );
        let before: Vec<(Address, u32)> = stored(&*store)
            .into_iter()
            .map(|a| (a, store.pins_of(&a).unwrap()))
            .collect();
        (reference, before)
    };
    assert!(before.iter().any(|(_, p)| *p == 1) && before.iter().any(|(_, p)| *p == 0));
    std::fs::remove_file(dir.path().join(INDEX_FILE)).unwrap();
    let store = Arc::new(SlotStore::open(dir.path()).unwrap());
    assert!(
        store.notes()[0].contains("the index is missing: rebuilt it from"),
        "{:?}",
        store.notes()
    );
    let after: Vec<(Address, u32)> = stored(&*store)
        .into_iter()
        .map(|a| (a, store.pins_of(&a).unwrap()))
        .collect();
    assert_eq!(after, before);
    let state = ApiState::new(store.clone(), ApiConfig::default()).with_pins(store.clone());
    let api = Api::with_state(state, Arc::new(MemStore::new()));
    assert_eq!(
        api.get("/pins").ok().json(),
        json!({ "references": [reference] })
    );
}
