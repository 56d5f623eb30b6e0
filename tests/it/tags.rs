//! Tags as bee v2.8.1's `/tags`: exact JSON, bee's errors, the counters uploads keep in them, the
//! `Swarm-Tag` header of upload answers, and tags kept across a restart of `swarmec api`.

use serde_json::{json, Value};
use swarmec::file::splitter::StoreSink;
use swarmec::file::{split_bytes, SplitOptions};
use swarmec::redundancy::Level;
use swarmec::store::{ChunkStore, MemStore};

use crate::common::router::{Answer, Api};
use crate::common::xorshift_bytes as data;

const BATCH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The reference of `data` at `level` and how many distinct chunks its split writes.
fn split(data: &[u8], level: Level) -> (String, u64) {
    let mem = MemStore::new();
    let options = SplitOptions {
        level,
        encrypt: false,
    };
    let summary = split_bytes(data, &mut StoreSink(&mem), options, None).unwrap();
    (summary.reference.to_hex(), stored(&mem))
}

fn stored(store: &MemStore) -> u64 {
    let mut n = 0;
    store
        .iterate(&mut |_, _| {
            n += 1;
            true
        })
        .unwrap();
    n
}

fn tag(api: &Api, uid: u64) -> Value {
    let r = api.get(&format!("/tags/{uid}"));
    r.ok();
    r.json()
}

/// The counters of a tag: split, seen, stored, sent, synced.
fn counts(api: &Api, uid: u64) -> [u64; 5] {
    let t = tag(api, uid);
    ["split", "seen", "stored", "sent", "synced"].map(|k| t[k].as_u64().unwrap())
}

fn uid_of(r: &Answer) -> Option<u64> {
    r.header("swarm-tag").map(|v| v.parse().unwrap())
}

fn post(api: &Api, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let mut h = vec![("Swarm-Postage-Batch-Id", BATCH)];
    h.extend_from_slice(headers);
    api.call("POST", path, &h, body)
}

const LEVEL0: (&str, &str) = ("Swarm-Redundancy-Level", "0");

#[test]
fn tags_are_created_listed_read_patched_and_deleted_as_bee() {
    let api = Api::new();
    let r = api.get("/tags");
    r.ok();
    assert_eq!(r.body, br#"{"tags":[]}"#);

    let r = api.call("POST", "/tags", &[], Vec::new());
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("cache-control"),
        Some("no-cache, private, max-age=0")
    );
    let started = r.json()["startedAt"].as_str().unwrap().to_owned();
    // bee's field order and names; Go's RFC 3339 time in UTC.
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        format!(
            r#"{{"split":0,"seen":0,"stored":0,"sent":0,"synced":0,"uid":1,"address":"","startedAt":"{started}"}}"#
        )
    );
    assert!(started.ends_with('Z') && started.len() >= 20, "{started}");
    let got = api.get("/tags/1");
    got.ok();
    assert_eq!(got.body, r.body);
    assert_eq!(
        got.header("cache-control"),
        Some("no-cache, private, max-age=0")
    );

    for uid in 2..=4 {
        assert_eq!(
            api.call("POST", "/tags", &[], Vec::new()).json()["uid"],
            uid
        );
    }
    let uids = |query: &str| -> Vec<u64> {
        let r = api.get(&format!("/tags{query}"));
        r.ok();
        r.json()["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["uid"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(uids(""), [1, 2, 3, 4]);
    assert_eq!(uids("?offset=1&limit=2"), [2, 3]);
    assert_eq!(uids("?offset=3"), [4]);
    assert_eq!(uids("?offset=9"), Vec::<u64>::new());
    assert_eq!(uids("?limit=0"), Vec::<u64>::new());

    // Deleted: 204 without a body, then gone; uids are not reused.
    let r = api.call("DELETE", "/tags/3", &[], Vec::new());
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    api.get("/tags/3").error(404, "tag not present");
    api.call("DELETE", "/tags/3", &[], Vec::new())
        .error(404, "tag not present");
    assert_eq!(uids(""), [1, 2, 4]);
    assert_eq!(api.call("POST", "/tags", &[], Vec::new()).json()["uid"], 5);

    // PATCH: bee's "done split" sets the address; no address changes nothing.
    let address = "ab".repeat(32);
    let patch = |uid: u64, body: &str| {
        api.call(
            "PATCH",
            &format!("/tags/{uid}"),
            &[("content-type", "application/json")],
            body.as_bytes().to_vec(),
        )
    };
    let r = patch(1, &format!(r#"{{"address":"{address}"}}"#));
    r.ok();
    assert_eq!(r.body, br#"{"code":200,"message":"ok"}"#);
    assert_eq!(tag(&api, 1)["address"], address.as_str());
    for unchanged in ["", "{}", "null", r#"{"address":""}"#, r#"{"address":null}"#] {
        patch(1, unchanged).ok();
        assert_eq!(tag(&api, 1)["address"], address.as_str(), "{unchanged}");
    }
    // An encrypted reference: its address part, as bee keeps it.
    patch(
        1,
        &format!(r#"{{"address":"{}{}"}}"#, "cd".repeat(32), "ef".repeat(32)),
    )
    .ok();
    assert_eq!(tag(&api, 1)["address"], "cd".repeat(32));
    assert_eq!(tag(&api, 1)["startedAt"], started.as_str());
    patch(333, "{}").error(404, "tag not present");
    for bad in ["{", "[]", r#"{"address":"xyz"}"#, r#"{"address":1}"#] {
        // bee: 500; the client's fault.
        patch(1, bad).error(400, "error unmarshaling metadata");
    }
    patch(1, &" ".repeat(1025)).error(413, "Request Entity Too Large");
}

#[test]
fn tag_errors_are_bees() {
    let api = Api::new();
    for method in ["GET", "DELETE", "PATCH"] {
        for (id, reason) in [
            ("a", "invalid syntax"),
            ("-1", "invalid syntax"),
            ("18446744073709551616", "value out of range"),
            ("0", "want required:"),
        ] {
            let r = api.call(method, &format!("/tags/{id}"), &[], Vec::new());
            r.error(400, "invalid path params");
            assert_eq!(
                r.json()["reasons"],
                json!([{"field": "id", "error": reason}]),
                "{method} {id}"
            );
        }
    }
    for (query, field, reason) in [
        ("offset=x", "offset", "invalid syntax"),
        ("limit=1.5", "limit", "invalid syntax"),
        ("limit=-1", "limit", "want min:0"),
    ] {
        let r = api.get(&format!("/tags?{query}"));
        r.error(400, "invalid query params");
        assert_eq!(
            r.json()["reasons"],
            json!([{"field": field, "error": reason}])
        );
    }
    // bee's MethodHandler: no PUT, and no HEAD either.
    api.call("PUT", "/tags", &[], Vec::new())
        .error(405, "Method Not Allowed");
    for path in ["/tags", "/tags/1"] {
        assert_eq!(
            api.call("HEAD", path, &[], Vec::new()).status,
            405,
            "{path}"
        );
    }
    // bee's body limit of POST /tags, on the declared length (the body is not read).
    api.call("POST", "/tags", &[], vec![b' '; 1025])
        .error(413, "Request Entity Too Large");
}

#[test]
fn bytes_uploads_count_into_tags() {
    let api = Api::new();
    let file = data(5 * 4096 + 100, 1);
    let (reference, n) = split(&file, Level::None);
    assert_eq!(n, 7, "six data chunks and their root");

    // No tag given: bee opens one for a deferred upload (its default).
    let r = post(&api, "/bytes", &[LEVEL0], file.clone());
    assert_eq!(r.reference(), reference);
    assert_eq!(uid_of(&r), Some(1));
    assert_eq!(r.header("access-control-expose-headers"), Some("Swarm-Tag"));
    assert_eq!(counts(&api, 1), [n, 0, n, 0, n]);
    assert_eq!(tag(&api, 1)["address"], reference.as_str());

    // The same file again into the same tag: every chunk seen, nothing stored again.
    let r = post(&api, "/bytes", &[LEVEL0, ("Swarm-Tag", "1")], file.clone());
    assert_eq!(uid_of(&r), Some(1));
    assert_eq!(counts(&api, 1), [2 * n, n, n, 0, n]);
    // Into a new tag.
    let r = post(&api, "/bytes", &[LEVEL0], file.clone());
    assert_eq!(uid_of(&r), Some(2));
    assert_eq!(counts(&api, 2), [n, n, 0, 0, 0]);

    // A direct upload (not deferred, not pinned) has no tag; a pinned one has.
    let r = post(
        &api,
        "/bytes",
        &[("Swarm-Deferred-Upload", "false")],
        data(10, 2),
    );
    assert_eq!(r.status, 201);
    assert_eq!(uid_of(&r), None);
    assert_eq!(r.header("access-control-expose-headers"), Some("Swarm-Tag"));
    let r = post(
        &api,
        "/bytes",
        &[("Swarm-Deferred-Upload", "false"), ("Swarm-Pin", "true")],
        data(10, 3),
    );
    // This API has no pin store: a pinned upload is refused before a tag is made (tests/it/pins.rs
    // pins over a slot store).
    assert_eq!(r.status, 501);
    assert_eq!(uid_of(&r), None);
    // Swarm-Tag: 0 is none, as bee's zero value.
    let r = post(&api, "/bytes", &[("Swarm-Tag", "0")], data(10, 4));
    assert_eq!(uid_of(&r), Some(3));

    // An unknown tag: bee's 404 before anything is stored.
    let before = stored(&api.store);
    post(&api, "/bytes", &[("Swarm-Tag", "99")], data(9000, 5)).error(404, "tag not found");
    assert_eq!(stored(&api.store), before);
    let r = post(&api, "/bytes", &[("Swarm-Tag", "x")], Vec::new());
    r.error(400, "invalid header params");
    assert_eq!(
        r.json()["reasons"],
        json!([{"field": "Swarm-Tag", "error": "invalid syntax"}])
    );

    // The same chunk several times in one upload: the repeats are seen.
    let block = data(4096, 6);
    let repeated = [block.as_slice(); 4].concat();
    let r = post(&api, "/bytes", &[LEVEL0], repeated);
    let uid = uid_of(&r).unwrap();
    assert_eq!(counts(&api, uid), [5, 3, 2, 0, 2]);

    // Encrypted: the tag keeps the address part of the 128-character reference.
    let r = post(&api, "/bytes", &[("Swarm-Encrypt", "true")], data(100, 7));
    let reference = r.reference();
    assert_eq!(reference.len(), 128);
    let uid = uid_of(&r).unwrap();
    assert_eq!(tag(&api, uid)["address"], &reference[..64]);
    // Level medium: parities and root replicas count too.
    let file = data(300_000, 8);
    let (reference, n) = split(&file, Level::Medium);
    let r = post(&api, "/bytes", &[], file);
    assert_eq!(r.reference(), reference);
    let uid = uid_of(&r).unwrap();
    assert_eq!(counts(&api, uid), [n, 0, n, 0, n]);
}

#[test]
fn chunk_bzz_soc_and_feed_uploads_count_as_bee_decides() {
    let api = Api::new();
    let uid = api.call("POST", "/tags", &[], Vec::new()).json()["uid"]
        .as_u64()
        .unwrap();
    // /chunks: only with Swarm-Tag; the tag's address is left as it is.
    let chunk = swarmec::cac::Chunk::new(b"tagged chunk").unwrap();
    let r = post(&api, "/chunks", &[], chunk.data.clone());
    assert_eq!(r.status, 201);
    assert_eq!(uid_of(&r), None);
    let r = post(
        &api,
        "/chunks",
        &[("Swarm-Tag", &uid.to_string())],
        chunk.data.clone(),
    );
    assert_eq!(uid_of(&r), Some(uid));
    assert_eq!(counts(&api, uid), [1, 1, 0, 0, 0]);
    let other = swarmec::cac::Chunk::new(b"another chunk").unwrap();
    post(
        &api,
        "/chunks",
        &[("Swarm-Tag", &uid.to_string())],
        other.data,
    )
    .reference();
    assert_eq!(counts(&api, uid), [2, 1, 1, 0, 1]);
    assert_eq!(tag(&api, uid)["address"], "");
    // bee checks the tag before the batch.
    api.call(
        "POST",
        "/chunks",
        &[("Swarm-Tag", "77")],
        chunk.data.clone(),
    )
    .error(404, "tag not found");
    let tags_now = || api.get("/tags").json()["tags"].as_array().unwrap().len();
    assert_eq!(tags_now(), 1);

    // /bzz: a new tag with the file's and the manifest's chunks; its address is the manifest's.
    let before = stored(&api.store);
    let r = post(
        &api,
        "/bzz?name=a.txt",
        &[LEVEL0, ("Content-Type", "text/plain")],
        data(10_000, 9),
    );
    let manifest = r.reference();
    let uid = uid_of(&r).unwrap();
    assert_eq!(r.header("access-control-expose-headers"), Some("Swarm-Tag"));
    let new = stored(&api.store) - before;
    assert_eq!(counts(&api, uid), [new, 0, new, 0, new]);
    assert!(new > 3, "data, root and manifest chunks");
    assert_eq!(tag(&api, uid)["address"], manifest.as_str());

    // /feeds: bee opens a tag but does not name it.
    let before = tags_now();
    let r = post(
        &api,
        &format!("/feeds/{}/{}", "11".repeat(20), "22".repeat(32)),
        &[],
        Vec::new(),
    );
    let manifest = r.reference();
    assert_eq!(uid_of(&r), None);
    assert_eq!(tags_now(), before + 1);
    let last = api.get("/tags").json()["tags"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["address"], manifest.as_str());
    assert!(last["split"].as_u64().unwrap() > 0);
    let before = tags_now();
    let r = post(
        &api,
        &format!("/feeds/{}/{}", "11".repeat(20), "33".repeat(32)),
        &[("Swarm-Deferred-Upload", "false")],
        Vec::new(),
    );
    assert_eq!(r.status, 201);
    assert_eq!(tags_now(), before);

    // /soc: a tag only when deferred (asked for, or implied by Swarm-Tag) or pinned.
    let key = [7u8; 32];
    let signer = swarmec::soc::Signer::from_bytes(&key).unwrap();
    let owner = hex::encode(signer.eth_address());
    let wrapped = swarmec::cac::Chunk::new(b"soc payload").unwrap();
    let post_soc = |id: [u8; 32], headers: &[(&str, &str)]| {
        let soc = swarmec::soc::new_soc(&signer, &id, &wrapped).unwrap();
        let sig = &soc.data[32..97];
        post(
            &api,
            &format!("/soc/{owner}/{}?sig={}", hex::encode(id), hex::encode(sig)),
            headers,
            soc.data[97..].to_vec(),
        )
    };
    let before = tags_now();
    let r = post_soc([1; 32], &[]);
    assert_eq!(r.status, 201);
    assert_eq!(uid_of(&r), None);
    assert_eq!(tags_now(), before);
    let r = post_soc([2; 32], &[("Swarm-Deferred-Upload", "true")]);
    let address = r.reference();
    let uid = uid_of(&r).unwrap();
    assert_eq!(counts(&api, uid), [1, 0, 1, 0, 1]);
    assert_eq!(tag(&api, uid)["address"], address.as_str());
    let r = post_soc([2; 32], &[("Swarm-Tag", &uid.to_string())]);
    assert_eq!(uid_of(&r), Some(uid));
    assert_eq!(counts(&api, uid), [2, 1, 1, 0, 1]);
}

#[test]
fn tags_survive_a_restart_of_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let file = data(3 * 4096, 10);
    let (reference, n) = split(&file, Level::None);
    let uid = {
        let server = crate::api::ApiProcess::start(dir.path());
        let r = crate::api::request(server.addr, "POST", "/tags", &[], &[]);
        assert_eq!(r.status, 201);
        let uid = r.json()["uid"].as_u64().unwrap();
        let r = crate::api::request(
            server.addr,
            "POST",
            "/bytes",
            &[
                ("Swarm-Postage-Batch-Id", BATCH),
                ("Swarm-Tag", &uid.to_string()),
                LEVEL0,
            ],
            &file,
        );
        assert_eq!(r.status, 201);
        assert_eq!(r.header("swarm-tag"), Some(uid.to_string().as_str()));
        assert!(server.signal_and_wait("TERM").success());
        uid
    };
    let server = crate::api::ApiProcess::start(dir.path());
    let r = crate::api::request(server.addr, "GET", &format!("/tags/{uid}"), &[], &[]);
    assert_eq!(r.status, 200);
    let t = r.json();
    assert_eq!(
        ["split", "seen", "stored", "sent", "synced"].map(|k| t[k].as_u64().unwrap()),
        [n, 0, n, 0, n]
    );
    assert_eq!(t["address"], reference.as_str());
    // Numbers go on from where they were.
    let r = crate::api::request(server.addr, "POST", "/tags", &[], &[]);
    assert_eq!(r.json()["uid"], uid + 1);
}
