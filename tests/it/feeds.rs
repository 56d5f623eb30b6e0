//! Single-owner chunks and feeds: `POST/GET /soc` and `POST/GET /feeds` against bee's own vectors
//! (`fixtures/feeds/`, written by `tools/bee/feeds` with bee v2.8.1's packages): feed manifest
//! references and chunks, update ids and addresses, signed SOC bytes.

use std::sync::Arc;

use serde_json::Value;
use swarmec::cac::Chunk;
use swarmec::feeds;
use swarmec::soc::{self, Signer};
use swarmec::store::{ChunkStore, MemStore};

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("fixture JSON")
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string")
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(s(v)).expect("hex")
}

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    unhex(v).try_into().expect("length")
}

const BATCH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

use crate::common::router::{Answer, Api};

/// `POST /soc` of SOC data (id || sig || span || payload) as bee-js sends it.
fn post_soc(api: &Api, owner: &str, data: &[u8]) -> Answer {
    let (id, rest) = data.split_at(32);
    let (sig, body) = rest.split_at(65);
    api.call(
        "POST",
        &format!("/soc/{owner}/{}?sig={}", hex::encode(id), hex::encode(sig)),
        &[("Swarm-Postage-Batch-Id", BATCH)],
        body.to_vec(),
    )
}

fn stored(store: &MemStore) -> Vec<(String, String)> {
    let mut out = Vec::new();
    store
        .iterate(&mut |a, d| {
            out.push((hex::encode(a.0), hex::encode(d)));
            true
        })
        .expect("iterate");
    out.sort();
    out
}

#[test]
fn post_feeds_gives_bees_manifest_and_chunks() {
    let cases = fixture("manifests.json");
    for case in cases["manifests"].as_array().expect("manifests") {
        let api = Api::new();
        let level = case["level"].as_u64().expect("level").to_string();
        let r = api.call(
            "POST",
            &format!("/feeds/{}/{}", s(&case["owner"]), s(&case["topic"])),
            &[
                ("Swarm-Postage-Batch-Id", BATCH),
                ("Swarm-Redundancy-Level", &level),
            ],
            Vec::new(),
        );
        assert_eq!(r.reference(), s(&case["reference"]), "level {level}");
        let chunks = stored(&api.store);
        let want: Vec<(String, String)> = case["chunks"]
            .as_array()
            .expect("chunks")
            .iter()
            .map(|c| {
                (
                    s(&c["address"]).to_owned(),
                    c["data"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        if level == "0" {
            assert_eq!(chunks, want, "level 0: every chunk, byte for byte");
        } else {
            let addrs = |v: &[(String, String)]| v.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
            assert_eq!(
                addrs(&chunks),
                addrs(&want),
                "level {level}: chunk addresses"
            );
        }
    }
}

#[test]
fn post_feeds_errors_are_bees() {
    let api = Api::new();
    let owner = "8d3766440f0d7b949a5e32995d09619a7f86e632";
    // No batch: required.
    let r = api.call("POST", &format!("/feeds/{owner}/abcd"), &[], Vec::new());
    r.error(400, "invalid header params");
    assert_eq!(r.json()["reasons"][0]["field"], "swarm-postage-batch-id");
    assert_eq!(r.json()["reasons"][0]["error"], "want required:");
    // Topic not hex.
    let h = [("Swarm-Postage-Batch-Id", BATCH)];
    let r = api.call("POST", &format!("/feeds/{owner}/xyz1"), &h, Vec::new());
    r.error(400, "invalid path params");
    assert_eq!(r.json()["reasons"][0]["field"], "topic");
    assert_eq!(
        r.json()["reasons"][0]["error"],
        "invalid hex byte: U+0078 'x'"
    );
    // An owner that reads as zero (go-ethereum's HexToAddress stops at the first non-hex byte).
    let r = api.call("POST", "/feeds/zz11/abcd", &h, Vec::new());
    r.error(400, "invalid path params");
    assert_eq!(r.json()["reasons"][0]["field"], "owner");
    assert_eq!(r.json()["reasons"][0]["error"], "want required:");
    // A short batch id.
    let r = api.call(
        "POST",
        &format!("/feeds/{owner}/abcd"),
        &[("Swarm-Postage-Batch-Id", "abcd")],
        Vec::new(),
    );
    r.error(404, "batch with id not found");
}

#[test]
fn updates_and_socs_are_bees_bytes() {
    let updates = fixture("updates.json");
    for f in updates["feeds"].as_array().expect("feeds") {
        let signer = Signer::from_bytes(&arr(&f["secret"])).expect("key");
        assert_eq!(hex::encode(signer.eth_address()), s(&f["owner"]));
        let topic = unhex(&f["topic"]);
        for u in f["updates"].as_array().expect("updates") {
            let index = u["index"].as_u64().expect("index");
            let id = feeds::update_id(&topic, index);
            assert_eq!(hex::encode(id), s(&u["id"]), "index {index}");
            let address = feeds::update_address(&topic, &signer.eth_address(), index);
            assert_eq!(hex::encode(address.0), s(&u["address"]));
            let wrapped = Chunk::new(&unhex(&u["payload"])).expect("payload");
            let chunk = soc::new_soc(&signer, &id, &wrapped).expect("sign");
            assert_eq!(chunk.address, address);
            assert_eq!(hex::encode(&chunk.data), s(&u["data"]), "index {index}");
        }
    }
    let socs = fixture("socs.json");
    for c in socs["socs"].as_array().expect("socs") {
        let signer = Signer::from_bytes(&arr(&c["secret"])).expect("key");
        let wrapped = Chunk::with_data_span(unhex(&c["body"])).expect("body");
        let chunk = soc::new_soc(&signer, &arr(&c["id"]), &wrapped).expect("sign");
        assert_eq!(hex::encode(chunk.address.0), s(&c["address"]));
        assert_eq!(hex::encode(&chunk.data), s(&c["data"]));
    }
}

#[test]
fn soc_round_trip() {
    let api = Api::new();
    let socs = fixture("socs.json");
    for c in socs["socs"].as_array().expect("socs") {
        let owner = s(&c["owner"]);
        let data = unhex(&c["data"]);
        let r = post_soc(&api, owner, &data);
        assert_eq!(r.reference(), s(&c["address"]));
        assert_eq!(r.header("access-control-expose-headers"), Some("Swarm-Tag"));
        // Stored as the SOC bee would store.
        let stored = api
            .store
            .get(&swarmec::Address(arr(&c["address"])))
            .expect("get")
            .expect("stored");
        assert_eq!(stored, data);
        let uri = format!("/soc/{owner}/{}", s(&c["id"]));
        let body = unhex(&c["body"]);
        // Default: the wrapped chunk joined as a file: its payload.
        let r = api.get(&uri);
        r.ok();
        assert_eq!(r.body, body[8..]);
        assert_eq!(r.header("swarm-soc-signature"), Some(s(&c["signature"])));
        assert_eq!(r.header("content-type"), Some("application/octet-stream"));
        assert_eq!(
            r.all("access-control-expose-headers"),
            ["Swarm-Soc-Signature", "Content-Disposition"]
        );
        // Only the root chunk: span and payload as they are.
        let r = api.call(
            "GET",
            &uri,
            &[("Swarm-Only-Root-Chunk", "true")],
            Vec::new(),
        );
        r.ok();
        assert_eq!(r.body, body);
        assert_eq!(
            r.header("content-length"),
            Some(body.len().to_string().as_str())
        );
        assert_eq!(
            r.all("access-control-expose-headers"),
            ["Swarm-Soc-Signature"]
        );
    }
}

#[test]
fn soc_upload_errors_are_bees() {
    let api = Api::new();
    let c = &fixture("socs.json")["socs"][0];
    let owner = s(&c["owner"]);
    let id = s(&c["id"]);
    let sig = unhex(&c["signature"]);
    let body = unhex(&c["body"]);
    let post = |owner: &str, id: &str, sig: &str, body: Vec<u8>| {
        api.call(
            "POST",
            &format!("/soc/{owner}/{id}?sig={sig}"),
            &[("Swarm-Postage-Batch-Id", BATCH)],
            body,
        )
    };
    // A signature by another key: the recovered owner is not the path's.
    let mut bad = sig.clone();
    bad[10] ^= 1;
    post(owner, id, &hex::encode(&bad), body.clone()).error(401, "invalid chunk");
    // Another owner in the path.
    post(
        "8d3766440f0d7b949a5e32995d09619a7f86e632",
        id,
        &hex::encode(&sig),
        body.clone(),
    )
    .error(401, "invalid chunk");
    // Another payload than the one signed.
    let mut other = body.clone();
    other[9] ^= 1;
    post(owner, id, &hex::encode(&sig), other).error(401, "invalid chunk");
    // A signature of another length, an id of another length.
    post(owner, id, &hex::encode(&sig[..64]), body.clone()).error(401, "invalid chunk");
    post(owner, &id[..62], &hex::encode(&sig), body.clone()).error(401, "invalid chunk");
    // An owner of 19 bytes.
    post(&owner[..38], id, &hex::encode(&sig), body.clone()).error(401, "invalid address");
    // Hex that is no hex.
    let r = post("0x12", "zz", &hex::encode(&sig), body.clone());
    r.error(400, "invalid path params");
    assert_eq!(
        r.json()["reasons"],
        serde_json::json!([
            {"field": "owner", "error": "invalid hex byte: U+0078 'x'"},
            {"field": "id", "error": "invalid hex byte: U+007A 'z'"}
        ])
    );
    let r = post(owner, id, "abc", body.clone());
    r.error(400, "invalid query params");
    assert_eq!(
        r.json()["reasons"],
        serde_json::json!([{"field": "sig", "error": "odd length hex string"}])
    );
    let r = api.call(
        "POST",
        &format!("/soc/{owner}/{id}"),
        &[("Swarm-Postage-Batch-Id", BATCH)],
        body.clone(),
    );
    r.error(400, "invalid query params");
    assert_eq!(
        r.json()["reasons"],
        serde_json::json!([{"field": "sig", "error": "want required:"}])
    );
    // Bodies: too short, too long.
    post(owner, id, &hex::encode(&sig), vec![1, 2, 3]).error(400, "short chunk data");
    // bee's body limit: the status text, before the path is looked at.
    post(owner, id, &hex::encode(&sig), vec![0; 4105]).error(413, "Request Entity Too Large");
    post("zz", id, &hex::encode(&sig), vec![0; 4105]).error(413, "Request Entity Too Large");
    // No batch, no stamp.
    api.call(
        "POST",
        &format!("/soc/{owner}/{id}?sig={}", hex::encode(&sig)),
        &[],
        body.clone(),
    )
    .error(
        400,
        "Either 'Swarm-Postage-Stamp' or 'Swarm-Postage-Batch-Id' header must be set in the request",
    );
    // Nothing was stored by any of these.
    assert_eq!(stored(&api.store), Vec::new());
    // bee has no HEAD here.
    assert_eq!(
        api.call("HEAD", &format!("/soc/{owner}/{id}"), &[], Vec::new())
            .status,
        405
    );
    assert_eq!(
        api.call("HEAD", &format!("/feeds/{owner}/ab"), &[], Vec::new())
            .status,
        405
    );
    // A SOC never uploaded.
    api.get(&format!("/soc/{owner}/{id}"))
        .error(404, "requested chunk cannot be retrieved");
    api.call(
        "GET",
        &format!("/soc/{owner}/{id}"),
        &[("Swarm-Only-Root-Chunk", "maybe")],
        Vec::new(),
    )
    .error(400, "invalid header params");
}

/// One update: index, SOC data, payload.
type Update = (u64, Vec<u8>, Vec<u8>);

/// The fixture's feed `n`: owner, topic and updates.
fn feed_updates(n: usize) -> (String, String, Vec<Update>) {
    let updates = fixture("updates.json");
    let f = &updates["feeds"][n];
    let list = f["updates"]
        .as_array()
        .expect("updates")
        .iter()
        .map(|u| {
            (
                u["index"].as_u64().expect("index"),
                unhex(&u["data"]),
                unhex(&u["payload"]),
            )
        })
        .collect();
    (s(&f["owner"]).to_owned(), s(&f["topic"]).to_owned(), list)
}

#[test]
fn feed_lookup_finds_the_latest_update() {
    let api = Api::new();
    let (owner, topic, updates) = feed_updates(0);
    let uri = format!("/feeds/{owner}/{topic}");
    api.get(&uri).error(404, "no update found");
    for (n, (index, data, payload)) in updates.iter().enumerate() {
        assert_eq!(*index, n as u64);
        post_soc(&api, &owner, data).reference();
        let r = api.get(&uri);
        r.ok();
        assert_eq!(
            r.header("swarm-feed-index"),
            Some(hex::encode(index.to_be_bytes()).as_str())
        );
        assert_eq!(
            r.header("swarm-feed-index-next"),
            Some(hex::encode((index + 1).to_be_bytes()).as_str())
        );
        // bee-js's timestamp-and-reference payload whose reference is nowhere: bee's "v2", the
        // wrapped chunk itself.
        assert_eq!(r.header("swarm-feed-resolved-version"), Some("v2"));
        assert_eq!(&r.body, payload);
        assert_eq!(
            r.header("swarm-soc-signature"),
            Some(hex::encode(&data[32..97]).as_str())
        );
        assert_eq!(
            r.all("access-control-expose-headers"),
            [
                "Swarm-Feed-Index",
                "Swarm-Feed-Index-Next",
                "Swarm-Soc-Signature",
                "Content-Disposition"
            ]
        );
    }
    // `after`: the lookup starts there; an index with no update there is "no update found".
    let r = api.get(&format!("{uri}?after=2&at=12"));
    assert_eq!(r.ok().header("swarm-feed-index"), Some("0000000000000003"));
    api.get(&format!("{uri}?after=4"))
        .error(404, "no update found");
    let r = api.get(&format!("{uri}?after=x"));
    r.error(400, "invalid query params");
    assert_eq!(r.json()["reasons"][0]["field"], "after");
    // Only the root chunk: the wrapped chunk's span and payload.
    let r = api.call(
        "GET",
        &uri,
        &[("Swarm-Only-Root-Chunk", "true")],
        Vec::new(),
    );
    assert_eq!(r.ok().body, updates[3].1[97..]);
    assert_eq!(r.header("swarm-feed-index"), Some("0000000000000003"));
}

#[test]
fn feed_lookup_over_sparse_and_extreme_indices() {
    let api = Api::new();
    let (owner, topic, updates) = feed_updates(1);
    for (_, data, _) in &updates {
        post_soc(&api, &owner, data).reference();
    }
    let uri = format!("/feeds/{owner}/{topic}");
    let index = |q: &str| {
        let r = api.get(&format!("{uri}{q}"));
        r.ok();
        (
            r.header("swarm-feed-index").expect("index").to_owned(),
            r.header("swarm-feed-index-next").expect("next").to_owned(),
            r.body.clone(),
        )
    };
    // 0 and 1 are present, 2 is not: the lookup stops at 1.
    let (i, n, body) = index("");
    assert_eq!(
        (i.as_str(), n.as_str()),
        ("0000000000000001", "0000000000000002")
    );
    assert_eq!(body, updates[1].2);
    assert_eq!(index("?after=255").0, "00000000000000ff");
    assert_eq!(index("?after=4294967296").0, "0000000100000000");
    // The last index: bee's next index wraps to 0.
    let (i, n, body) = index("?after=18446744073709551615");
    assert_eq!(
        (i.as_str(), n.as_str()),
        ("ffffffffffffffff", "0000000000000000")
    );
    assert_eq!(body, updates[4].2);
}

#[test]
fn feed_update_with_a_reference_serves_the_referenced_content() {
    let api = Api::new();
    let content = b"the content a feed points at".to_vec();
    let r = api.call(
        "POST",
        "/bytes",
        &[("Swarm-Postage-Batch-Id", BATCH)],
        content.clone(),
    );
    let reference = hex::decode(r.reference()).expect("hex");
    let signer = Signer::from_bytes(&[7; 32]).expect("key");
    let owner = hex::encode(signer.eth_address());
    let topic = [0x42u8; 32];
    // bee-js's FeedWriter.upload payload: 8-byte timestamp, reference.
    let mut payload = 1_700_000_000u64.to_be_bytes().to_vec();
    payload.extend_from_slice(&reference);
    let update = soc::new_soc(
        &signer,
        &feeds::update_id(&topic, 0),
        &Chunk::new(&payload).expect("payload"),
    )
    .expect("sign");
    post_soc(&api, &owner, &update.data).reference();
    let r = api.get(&format!("/feeds/{owner}/{}", hex::encode(topic)));
    r.ok();
    assert_eq!(r.body, content);
    assert_eq!(r.header("swarm-feed-resolved-version"), Some("v1"));
    assert_eq!(r.header("swarm-feed-index"), Some("0000000000000000"));
    let etag = format!("\"{}\"", hex::encode(&reference));
    assert_eq!(r.header("etag"), Some(etag.as_str()));
}

#[test]
fn bzz_of_a_feed_manifest_serves_the_latest_update() {
    let api = Api::new();
    let signer = Signer::from_bytes(&[9; 32]).expect("key");
    let owner = hex::encode(signer.eth_address());
    let topic = [0x5au8; 32];
    let feed = api
        .call(
            "POST",
            &format!("/feeds/{owner}/{}", hex::encode(topic)),
            &[("Swarm-Postage-Batch-Id", BATCH)],
            Vec::new(),
        )
        .reference();
    api.get(&format!("/bzz/{feed}/"))
        .error(404, "no update found");
    for (index, text) in [(0u64, "first page"), (1, "second page")] {
        let site = api
            .call(
                "POST",
                "/bzz?name=index.html",
                &[
                    ("Swarm-Postage-Batch-Id", BATCH),
                    ("Content-Type", "text/html"),
                ],
                text.as_bytes().to_vec(),
            )
            .reference();
        let mut payload = 1_700_000_000u64.to_be_bytes().to_vec();
        payload.extend_from_slice(&hex::decode(&site).expect("hex"));
        let update = soc::new_soc(
            &signer,
            &feeds::update_id(&topic, index),
            &Chunk::new(&payload).expect("payload"),
        )
        .expect("sign");
        post_soc(&api, &owner, &update.data).reference();
        let r = api.get(&format!("/bzz/{feed}/"));
        r.ok();
        assert_eq!(r.body, text.as_bytes());
        assert_eq!(r.header("content-type"), Some("text/html"));
        assert_eq!(
            r.header("swarm-feed-index"),
            Some(hex::encode(index.to_be_bytes()).as_str())
        );
        assert_eq!(r.header("swarm-feed-resolved-version"), Some("v1"));
        assert_eq!(r.header("etag"), None);
        assert_eq!(
            r.all("access-control-expose-headers"),
            ["Swarm-Feed-Index", "Content-Disposition"]
        );
        // A path inside the site, through the feed.
        let r = api.get(&format!("/bzz/{feed}/index.html"));
        assert_eq!(r.ok().body, text.as_bytes());
    }
}

/// On a node the API's uploads go to the store its upload hook picks for the request's stamp: `/soc`
/// and `POST /feeds` ask it as `/chunks` and `/bzz` do, and pass its refusals on as bee's answers.
#[test]
fn soc_and_feed_uploads_are_stamped_through_the_upload_hook() {
    use std::sync::Mutex;
    use swarmec::api::{UploadRefusal, UploadStamp};
    let store = Arc::new(MemStore::new());
    let asked: Arc<Mutex<Vec<UploadStamp>>> = Arc::default();
    let (hook_store, hook_asked) = (store.clone(), asked.clone());
    let known = [0xabu8; 32];
    let state = swarmec::api::ApiState::new(store.clone(), swarmec::api::ApiConfig::default())
        .with_upload_store(Arc::new(move |stamp| {
            hook_asked.lock().expect("lock").push(stamp);
            match stamp {
                UploadStamp::Batch(id) if id != known => Err(UploadRefusal::UnknownBatch),
                _ => Ok(hook_store.clone() as Arc<dyn ChunkStore>),
            }
        }));
    let api = Api::with_state(state, store);
    let c = &fixture("socs.json")["socs"][0];
    let uri = format!(
        "/soc/{}/{}?sig={}",
        s(&c["owner"]),
        s(&c["id"]),
        s(&c["signature"])
    );
    let known_hex = hex::encode(known);
    let unknown_hex = "cd".repeat(32);
    api.call(
        "POST",
        &uri,
        &[("Swarm-Postage-Batch-Id", &unknown_hex)],
        unhex(&c["body"]),
    )
    .error(404, "batch with id not found");
    assert_eq!(stored(&api.store), Vec::new());
    let r = api.call(
        "POST",
        &uri,
        &[("Swarm-Postage-Batch-Id", &known_hex)],
        unhex(&c["body"]),
    );
    assert_eq!(r.reference(), s(&c["address"]));
    // A stamp the client signed: handed to the hook as it is.
    let stamp = "00".repeat(32) + &"11".repeat(8) + &"22".repeat(8) + &"33".repeat(65);
    let r = api.call(
        "POST",
        &uri,
        &[("Swarm-Postage-Stamp", &stamp)],
        unhex(&c["body"]),
    );
    assert_eq!(r.reference(), s(&c["address"]));
    let m = &fixture("manifests.json")["manifests"][0];
    let feeds_uri = format!("/feeds/{}/{}", s(&m["owner"]), s(&m["topic"]));
    api.call(
        "POST",
        &feeds_uri,
        &[("Swarm-Postage-Batch-Id", &unknown_hex)],
        Vec::new(),
    )
    .error(404, "batch with id not found");
    let r = api.call(
        "POST",
        &feeds_uri,
        &[
            ("Swarm-Postage-Batch-Id", &known_hex),
            ("Swarm-Redundancy-Level", "0"),
        ],
        Vec::new(),
    );
    assert_eq!(r.reference(), s(&m["reference"]));
    let asked = asked.lock().expect("lock").clone();
    assert_eq!(asked.len(), 5);
    assert_eq!(asked[0], UploadStamp::Batch([0xcd; 32]));
    assert_eq!(asked[1], UploadStamp::Batch(known));
    assert!(matches!(asked[2], UploadStamp::Presigned(_)));
    assert_eq!(asked[4], UploadStamp::Batch(known));
}

/// bee-js's `uploadPayload` of more than 4096 bytes: the file is uploaded, its root chunk wrapped in
/// the update. `/soc` and `/feeds` serve the whole file, joined from that root (at level medium,
/// whose root span carries the level).
#[test]
fn a_wrapped_root_chunk_serves_its_whole_file() {
    let api = Api::new();
    let file: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let r = api.call(
        "POST",
        "/bytes",
        &[
            ("Swarm-Postage-Batch-Id", BATCH),
            ("Swarm-Redundancy-Level", "1"),
        ],
        file.clone(),
    );
    let reference = r.reference();
    let root = api.get(&format!("/chunks/{reference}"));
    let root = root.ok().body.clone();
    let signer = Signer::from_bytes(&[3; 32]).expect("key");
    let owner = hex::encode(signer.eth_address());
    let topic = b"big";
    let id = feeds::update_id(topic, 0);
    let update = soc::new_soc(
        &signer,
        &id,
        &Chunk::with_data_span(root.clone()).expect("root chunk"),
    )
    .expect("sign");
    post_soc(&api, &owner, &update.data).reference();
    let r = api.get(&format!("/soc/{owner}/{}", hex::encode(id)));
    assert_eq!(r.ok().body, file);
    let r = api.get(&format!("/feeds/{owner}/{}", hex::encode(topic)));
    assert_eq!(r.ok().body, file);
    assert_eq!(r.header("swarm-feed-resolved-version"), Some("v2"));
    let etag = format!("\"{reference}\"");
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    // A range of it.
    let r = api.call(
        "GET",
        &format!("/feeds/{owner}/{}", hex::encode(topic)),
        &[("Range", "bytes=5000-5009")],
        Vec::new(),
    );
    assert_eq!(r.status, 206);
    assert_eq!(r.body, file[5000..5010]);
}
