//! bee itself as the oracle (issue 14): the same requests to a running `bee dev` and to `swarmec
//! api`, and their answers compared: references, status codes, the headers and JSON fields clients
//! read, bee's error bodies.
//!
//! `bee dev` is bee v2.8.0's in-memory node with a mock chain and bee's full HTTP API. bee v2.8.1
//! removed it, and the Go module proxy does not serve v2.8.0, so `scripts/build-bee.sh` builds our
//! port of it, `bee-dev` (`tools/bee/beedev`: v2.8.0's `NewDevBee` over bee v2.8.1's packages), beside
//! the bee v2.8.1 binary that `bee_node.rs` runs. The API answering here is bee v2.8.1's `pkg/api`,
//! the version swarmec follows. `SWARMEC_BEE_DEV` names a `bee-dev` binary to use instead.
//!
//! Where swarmec answers otherwise on purpose (docs/API.md, "What differs from bee"), the test
//! asserts both answers; everything else must be equal.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::{json, Value};
use swarmec::cac::Chunk;
use swarmec::soc::{self, Signer};

use crate::common::http::{request, Resp};
use crate::common::wait_for;

fn bee_dev_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SWARMEC_BEE_DEV") {
        return PathBuf::from(p);
    }
    crate::bee_node::build_bee().with_file_name("bee-dev")
}

/// A server process on a loopback port it chose itself, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    // Kept open so that what the server prints later does not fail on a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `cmd`, takes the address from its first line on stdout after `prefix`, and waits until
    /// `/readiness` answers 200.
    fn start(mut cmd: Command, prefix: &str, log: &std::path::Path) -> Server {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {cmd:?}: {e}"));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = match line.trim().strip_prefix(prefix) {
            Some(a) => a.to_owned(),
            None => {
                let _ = child.kill();
                panic!(
                    "{cmd:?} printed {line:?}; its log: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
        };
        let server = Server {
            child,
            addr,
            _stdout: stdout,
        };
        wait_for(&format!("{cmd:?} to be ready"), || {
            request(&server.addr, "GET", "/readiness", &[], b"").status == 200
        });
        server
    }

    /// Buys a batch (`POST /stamps/{amount}/{depth}`) and waits until `GET /stamps/{id}` says it
    /// is usable.
    fn batch(&self) -> String {
        let r = request(&self.addr, "POST", "/stamps/100000000/20", &[], b"");
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let id = r.json()["batchID"].as_str().unwrap().to_owned();
        wait_for("the batch to be usable", || {
            let r = request(&self.addr, "GET", &format!("/stamps/{id}"), &[], b"");
            r.status == 200 && r.json()["usable"] == true
        });
        id
    }
}

/// `bee dev` and `swarmec api`, each with a usable batch.
struct Pair {
    bee: Server,
    ours: Server,
    bee_batch: String,
    our_batch: String,
    _dir: tempfile::TempDir,
}

impl Pair {
    fn start() -> Pair {
        Pair::start_over(|_| {})
    }

    /// As [`Pair::start`], `prepare` first given the data directory that `swarmec api` then serves
    /// (the CLI writes to it while no server holds it).
    fn start_over(prepare: impl FnOnce(&std::path::Path)) -> Pair {
        let dir = tempfile::tempdir().unwrap();
        prepare(&dir.path().join("data"));
        let mut bee = Command::new(bee_dev_binary());
        bee.args(["--api-addr=127.0.0.1:0", "--verbosity=error"]);
        let bee = Server::start(bee, "api-addr ", &dir.path().join("bee.log"));
        let mut ours = Command::new(env!("CARGO_BIN_EXE_swarmec"));
        ours.args(["api", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"));
        let ours = Server::start(
            ours,
            "listening on http://",
            &dir.path().join("swarmec.log"),
        );
        let bee_batch = bee.batch();
        let our_batch = ours.batch();
        Pair {
            bee,
            ours,
            bee_batch,
            our_batch,
            _dir: dir,
        }
    }

    /// The same request to both, `{batch}` in a header value standing for each one's batch:
    /// `[bee, ours]`.
    fn both(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> [Resp; 2] {
        [(&self.bee, &self.bee_batch), (&self.ours, &self.our_batch)].map(|(server, batch)| {
            let headers: Vec<(&str, String)> = headers
                .iter()
                .map(|(k, v)| (*k, v.replace("{batch}", batch)))
                .collect();
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            request(&server.addr, method, path, &headers, body)
        })
    }

    fn get(&self, path: &str) -> [Resp; 2] {
        self.both("GET", path, &[], b"")
    }

    /// The same upload to both: both 201 with the same reference, which is returned.
    fn same_reference(
        &self,
        what: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> String {
        let [bee, ours] = self.both("POST", path, headers, body);
        assert_eq!(
            bee.status,
            201,
            "{what}: bee: {}",
            String::from_utf8_lossy(&bee.body)
        );
        assert_eq!(ours.reference(), bee.reference(), "{what}");
        bee.reference()
    }
}

/// The same status, body and `headers`.
fn same_answer(what: &str, [bee, ours]: &[Resp; 2], headers: &[&str]) {
    assert_eq!(
        ours.status,
        bee.status,
        "{what}: status; bee: {}; ours: {}",
        String::from_utf8_lossy(&bee.body),
        String::from_utf8_lossy(&ours.body)
    );
    // bee's JSON error ends with two newlines, ours does not: their values are compared, and
    // their lengths (also announced by `HEAD`) not.
    let json_error = bee.status >= 400
        && bee
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"));
    for h in headers {
        // And bee's answer to `HEAD` of a redirect has no `Content-Length`, ours says 0.
        if *h == "content-length" && (json_error || bee.status == 308) {
            continue;
        }
        assert_eq!(ours.header(h), bee.header(h), "{what}: {h}");
    }
    if json_error && !bee.body.is_empty() {
        assert_eq!(ours.json(), bee.json(), "{what}: body");
    } else {
        assert!(
            ours.body == bee.body,
            "{what}: body: bee {} bytes, ours {} ({:?} / {:?})",
            bee.body.len(),
            ours.body.len(),
            String::from_utf8_lossy(&bee.body[..bee.body.len().min(200)]),
            String::from_utf8_lossy(&ours.body[..ours.body.len().min(200)])
        );
    }
}

/// The same error: status, content type, and bee's JSON `{"code","message"[,"reasons"]}` equal.
/// Returns it.
fn same_error(what: &str, answers: &[Resp; 2]) -> Value {
    let [bee, _] = answers;
    assert!(bee.status >= 400, "{what}: bee answered {}", bee.status);
    same_answer(what, answers, &["content-type"]);
    bee.json()
}

/// Asserts one error answer.
fn error(what: &str, r: &Resp, status: u16, message: &str) {
    assert_eq!(
        (r.status, r.json()),
        (status, json!({"code": status, "message": message})),
        "{what}"
    );
}

fn data(len: usize, seed: u64) -> Vec<u8> {
    crate::common::rng::Rng(seed).bytes(len)
}

const BATCH: (&str, &str) = ("Swarm-Postage-Batch-Id", "{batch}");

#[test]
fn bee_dev_bytes_give_bees_references_at_every_level() {
    let pair = Pair::start();
    for (i, len) in [0usize, 1, 4096, 4097, 600_000].into_iter().enumerate() {
        let body = data(len, 1400 + i as u64);
        for level in ["0", "1", "2", "3", "4"] {
            let what = format!("{len} bytes at level {level}");
            let headers = [BATCH, ("Swarm-Redundancy-Level", level)];
            let reference = pair.same_reference(&what, "/bytes", &headers, &body);
            let uri = format!("/bytes/{reference}");
            let answers = pair.get(&uri);
            same_answer(&what, &answers, &["content-type", "content-length", "etag"]);
            assert!(answers[0].body == body, "{what}: bee gave other bytes");
            // A range: the same 206; beyond the end both 416 with `Content-Range: bytes */SIZE`,
            // bee's body Go's `ServeContent` text, ours bee's JSON error.
            let range = pair.both("GET", &uri, &[("Range", "bytes=10-20")], b"");
            if len > 20 {
                same_answer(&what, &range, &["content-range", "content-length"]);
                assert_eq!(range[0].status, 206);
            } else if len == 0 {
                // Go ignores a range on an empty file.
                same_answer(&what, &range, &["content-range", "content-length"]);
                assert_eq!(range[0].status, 200);
            } else {
                let [bee, ours] = &range;
                let want = format!("bytes */{len}");
                assert_eq!(bee.header("content-range"), Some(want.as_str()), "{what}");
                assert_eq!(ours.header("content-range"), Some(want.as_str()), "{what}");
                assert_eq!(
                    (bee.status, bee.body.as_slice()),
                    (416, &b"invalid range: failed to overlap\n"[..])
                );
                error(&what, ours, 416, "range not satisfiable");
            }
            // HEAD: bee announces the root chunk's span as it is, which above one chunk carries
            // the level byte (a negative number here); ours the file's size.
            let [bee, ours] = pair.both("HEAD", &uri, &[], b"");
            assert_eq!((bee.status, ours.status), (200, 200), "{what}");
            assert_eq!(
                ours.header("content-length"),
                Some(len.to_string().as_str())
            );
            let bee_length: i64 = bee.header("content-length").unwrap().parse().unwrap();
            if level == "0" || len <= 4096 {
                assert_eq!(bee_length, len as i64, "{what}");
            } else {
                assert!(bee_length < 0, "{what}: bee's HEAD says {bee_length}");
            }
        }
    }
    // Without the header both take bee v2.8.1's default, medium (v2.8.0's was none).
    let body = data(5000, 1410);
    let reference = pair.same_reference("no level", "/bytes", &[BATCH], &body);
    let medium = pair.same_reference(
        "level 1",
        "/bytes",
        &[BATCH, ("Swarm-Redundancy-Level", "1")],
        &body,
    );
    assert_eq!(reference, medium);
}

/// A tar of `(name, data)`, as `tar` writes one (ustar headers, 512-byte blocks, two zero blocks).
fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut t = Vec::new();
    for (name, data) in files {
        let mut b = vec![0u8; 512];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b[100..107].copy_from_slice(b"0000644");
        b[108..115].copy_from_slice(b"0000000");
        b[116..123].copy_from_slice(b"0000000");
        b[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        b[136..147].copy_from_slice(b"00000000000");
        b[156] = b'0';
        b[257..265].copy_from_slice(b"ustar\x0000");
        b[148..156].copy_from_slice(b"        ");
        let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        t.extend(b);
        t.extend_from_slice(data);
        t.resize(t.len().div_ceil(512) * 512, 0);
    }
    t.resize(t.len() + 1024, 0);
    t
}

/// What a client reads of a `/bzz` download.
const BZZ_HEADERS: [&str; 6] = [
    "content-type",
    "content-disposition",
    "content-length",
    "etag",
    "location",
    "swarm-feed-index",
];

#[test]
fn bee_dev_bzz_files_and_collections_resolve_as_bees() {
    let pair = Pair::start();
    // One file with a name and a content type, and one without either, at every level.
    for level in ["0", "1", "2", "3", "4"] {
        let what = format!("file at level {level}");
        let headers = [
            BATCH,
            ("Swarm-Redundancy-Level", level),
            ("Content-Type", "text/plain; charset=utf-8"),
        ];
        let root = pair.same_reference(&what, "/bzz?name=hello.txt", &headers, b"hello swarm\n");
        for path in ["", "/", "/hello.txt", "/nope", "/hello.txt/"] {
            let answers = pair.get(&format!("/bzz/{root}{path}"));
            same_answer(&format!("{what}: {path:?}"), &answers, &BZZ_HEADERS);
        }
        let [bee, _] = pair.get(&format!("/bzz/{root}"));
        assert_eq!(bee.status, 308);
        let [bee, _] = pair.get(&format!("/bzz/{root}/hello.txt"));
        assert_eq!(
            (bee.status, bee.header("content-type"), bee.body.as_slice()),
            (
                200,
                Some("text/plain; charset=utf-8"),
                &b"hello swarm\n"[..]
            )
        );
    }
    let body = data(9000, 1420);
    let root = pair.same_reference(
        "file without name",
        "/bzz",
        &[
            BATCH,
            ("Swarm-Redundancy-Level", "1"),
            ("Content-Type", "application/octet-stream"),
        ],
        &body,
    );
    same_answer(
        "file without name",
        &pair.get(&format!("/bzz/{root}/")),
        &BZZ_HEADERS,
    );

    // A collection with index and error documents, nested folders, at every level.
    let big = data(20_000, 1421);
    let files: [(&str, &[u8]); 7] = [
        ("index.html", b"<h1>index</h1>"),
        ("404.html", b"<h1>not here</h1>"),
        ("img/logo.png", b"\x89PNG\r\n\x1a\n"),
        ("docs/index.html", b"docs index"),
        ("docs/a/b/c.txt", b"deep"),
        ("data.json", b"{}"),
        ("blob.bin", &big),
    ];
    let tar = tar_of(&files);
    let collection = |level: &str, documents: bool| -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("Swarm-Postage-Batch-Id", "{batch}".to_owned()),
            ("Swarm-Redundancy-Level", level.to_owned()),
            ("Content-Type", "application/x-tar".to_owned()),
            ("Swarm-Collection", "true".to_owned()),
        ];
        if documents {
            h.push(("Swarm-Index-Document", "index.html".to_owned()));
            h.push(("Swarm-Error-Document", "404.html".to_owned()));
        }
        h
    };
    let paths = [
        "",
        "/",
        "/index.html",
        "/404.html",
        "/img/logo.png",
        "/img",
        "/img/",
        "/docs",
        "/docs/",
        "/docs/a/b/c.txt",
        "/docs/a",
        "/data.json",
        "/blob.bin",
        "/nope",
        "/docs/nope.txt",
    ];
    for level in ["0", "1", "2", "3", "4"] {
        for documents in [true, false] {
            let what = format!("collection at level {level}, documents {documents}");
            let h = collection(level, documents);
            let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let root = pair.same_reference(&what, "/bzz", &h, &tar);
            for path in paths {
                let uri = format!("/bzz/{root}{path}");
                same_answer(
                    &format!("{what}: GET {path:?}"),
                    &pair.get(&uri),
                    &BZZ_HEADERS,
                );
                let answers = pair.both("HEAD", &uri, &[], b"");
                same_answer(&format!("{what}: HEAD {path:?}"), &answers, &BZZ_HEADERS);
            }
            // What bee answered, pinned down.
            let [bee, _] = pair.get(&format!("/bzz/{root}/docs/a/b/c.txt"));
            assert_eq!(
                (bee.status, bee.header("content-type"), bee.body.as_slice()),
                (200, Some("text/plain; charset=utf-8"), &b"deep"[..])
            );
            let [bee, _] = pair.get(&format!("/bzz/{root}/nope"));
            if documents {
                assert_eq!(
                    (bee.status, bee.body.as_slice()),
                    (200, &b"<h1>not here</h1>"[..])
                );
            } else {
                error(&what, &bee, 404, "path address not found");
            }
        }
    }
}

/// The website of `bee_dev_cli_folder_is_bees_website`: (path, bytes, the content type served).
fn website() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let html = "text/html; charset=utf-8";
    // In byte order, as `swarmec upload DIR` adds them, and so the tar's order.
    vec![
        ("404.html", b"<h1>no such page</h1>".to_vec(), html),
        ("about/index.html", b"<h1>about</h1>".to_vec(), html),
        ("big.bin", data(20_000, 1430), "application/octet-stream"),
        (
            "css/site.css",
            b"body { margin: 0 }".to_vec(),
            "text/css; charset=utf-8",
        ),
        ("data/info.json", b"{\"a\":1}".to_vec(), "application/json"),
        (
            "docs/guide/intro.txt",
            b"read me".to_vec(),
            "text/plain; charset=utf-8",
        ),
        ("img/logo.png", b"\x89PNG\r\n\x1a\n".to_vec(), "image/png"),
        ("index.html", b"<h1>home</h1>".to_vec(), html),
    ]
}

/// A folder uploaded with the CLI (`swarmec upload DIR --index-document --error-document`) has
/// the reference bee dev gives the same folder as a tar with the same headers, and `swarmec api`
/// serves it as a website as bee dev does: index documents, nested paths, content types, the
/// error document.
#[test]
fn bee_dev_cli_folder_is_bees_website() {
    let site = tempfile::tempdir().unwrap();
    let files = website();
    for (path, bytes, _) in &files {
        let p = site.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    // The CLI's default level is bee's, medium (1).
    let levels = [Some("0"), Some("4"), None];
    let mut cli = Vec::new();
    let pair = Pair::start_over(|data| {
        for level in levels {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_swarmec"));
            cmd.arg("upload")
                .arg(site.path())
                .args(["--index-document", "index.html"])
                .args(["--error-document", "404.html", "--data-dir"])
                .arg(data);
            if let Some(l) = level {
                cmd.args(["--level", l]);
            }
            let out = cmd.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            cli.push(String::from_utf8(out.stdout).unwrap().trim().to_owned());
        }
    });
    let named: Vec<(&str, &[u8])> = files.iter().map(|(p, b, _)| (*p, b.as_slice())).collect();
    let tar = tar_of(&named);
    for (level, reference) in levels.into_iter().zip(&cli) {
        let what = format!("folder at level {level:?}");
        let level = level.unwrap_or("1");
        let headers = [
            BATCH,
            ("Swarm-Redundancy-Level", level),
            ("Content-Type", "application/x-tar"),
            ("Swarm-Collection", "true"),
            ("Swarm-Index-Document", "index.html"),
            ("Swarm-Error-Document", "404.html"),
        ];
        let [bee, _] = pair.both("POST", "/bzz", &headers, &tar);
        assert_eq!(&bee.reference(), reference, "{what}: bee's reference");
        let get = |path: &str| {
            let uri = format!("/bzz/{reference}{path}");
            let answers = pair.get(&uri);
            same_answer(&format!("{what}: GET {path:?}"), &answers, &BZZ_HEADERS);
            let [_, ours] = answers;
            ours
        };
        let served = |path: &str, status: u16, body: &[u8], content_type: &str| {
            let r = get(path);
            assert_eq!(
                (r.status, r.header("content-type")),
                (status, Some(content_type)),
                "{what}: {path}"
            );
            assert!(r.body == body, "{what}: {path}: other bytes");
        };
        let file = |path: &str| files.iter().find(|f| f.0 == path).unwrap();
        let html = "text/html; charset=utf-8";
        // The root and a folder: their index documents.
        served("/", 200, &file("index.html").1, html);
        served("/about/", 200, &file("about/index.html").1, html);
        for (path, bytes, content_type) in &files {
            served(&format!("/{path}"), 200, bytes, content_type);
        }
        // A path that is not there: the error document, as bee serves it.
        for path in ["/nope", "/docs/guide/nope.txt", "/css/"] {
            let r = get(path);
            assert!(r.body == file("404.html").1, "{what}: {path}");
        }
        // Without the trailing '/': bee's redirect to it.
        let r = get("");
        assert_eq!(r.status, 308, "{what}");
        let location = format!("/bzz/{reference}/");
        assert_eq!(r.header("location"), Some(location.as_str()), "{what}");
        get("/about");
        get("/img");
    }
}

/// The fixed SOC owner of these tests.
fn signer() -> Signer {
    Signer::from_bytes(&swarmec::keccak::keccak256(b"swarmec/bee-dev/owner")).unwrap()
}

/// `POST /soc/{owner}/{id}?sig=…` of `payload` wrapped in a content-addressed chunk, signed by
/// `signer`; `tamper` changes the signature first.
fn post_soc(
    pair: &Pair,
    signer: &Signer,
    id: &[u8; 32],
    payload: &[u8],
    tamper: bool,
) -> [Resp; 2] {
    let wrapped = Chunk::new(payload).unwrap();
    let chunk = soc::new_soc(signer, id, &wrapped).unwrap();
    let mut sig = chunk.data[32..97].to_vec();
    if tamper {
        sig[10] ^= 1;
    }
    pair.both(
        "POST",
        &format!(
            "/soc/{}/{}?sig={}",
            hex::encode(signer.eth_address()),
            hex::encode(id),
            hex::encode(&sig)
        ),
        &[BATCH],
        &chunk.data[97..],
    )
}

const SOC_HEADERS: [&str; 5] = [
    "content-type",
    "content-length",
    "swarm-soc-signature",
    "swarm-feed-index",
    "swarm-feed-index-next",
];

#[test]
fn bee_dev_socs_and_feeds_answer_as_bees() {
    let pair = Pair::start();
    let signer = signer();
    let owner = hex::encode(signer.eth_address());
    for (i, payload) in [b"swarm soc".to_vec(), Vec::new(), data(4096, 1430)]
        .iter()
        .enumerate()
    {
        let what = format!("SOC of {} bytes", payload.len());
        let id = swarmec::keccak::keccak256(format!("swarmec/bee-dev/soc-{i}").as_bytes());
        let [bee, ours] = post_soc(&pair, &signer, &id, payload, false);
        assert_eq!(ours.reference(), bee.reference(), "{what}");
        assert_eq!(
            bee.reference(),
            soc::soc_address(&id, &signer.eth_address()).to_hex()
        );
        let uri = format!("/soc/{owner}/{}", hex::encode(id));
        same_answer(&what, &pair.get(&uri), &SOC_HEADERS);
        let root = pair.both("GET", &uri, &[("Swarm-Only-Root-Chunk", "true")], b"");
        same_answer(&format!("{what}, root chunk"), &root, &SOC_HEADERS);
        assert_eq!(root[0].body.len(), 8 + payload.len());
    }

    // A sequence feed: its manifest, then updates written as SOCs, read after each.
    let topic = swarmec::keccak::keccak256(b"swarmec/bee-dev/topic");
    let feed_uri = format!("/feeds/{owner}/{}", hex::encode(topic));
    let mut manifest = String::new();
    for level in ["0", "1", "2", "3", "4"] {
        manifest = pair.same_reference(
            &format!("feed manifest at level {level}"),
            &feed_uri,
            &[BATCH, ("Swarm-Redundancy-Level", level)],
            b"",
        );
    }
    let none = same_error("feed without updates", &pair.get(&feed_uri));
    assert_eq!(none, json!({"code": 404, "message": "no update found"}));
    same_error(
        "feed manifest without updates",
        &pair.get(&format!("/bzz/{manifest}/")),
    );

    // Update 0: bee-js's legacy payload (timestamp, reference) naming a file; 1: a payload of its
    // own; 2: a legacy payload naming a website.
    let content = pair.same_reference(
        "feed content",
        "/bytes",
        &[BATCH, ("Swarm-Redundancy-Level", "0")],
        b"first version",
    );
    let site = pair.same_reference(
        "feed site",
        "/bzz",
        &[
            BATCH,
            ("Swarm-Redundancy-Level", "0"),
            ("Content-Type", "application/x-tar"),
            ("Swarm-Collection", "true"),
            ("Swarm-Index-Document", "index.html"),
        ],
        &tar_of(&[("index.html", b"<h1>feed site</h1>")]),
    );
    let legacy = |timestamp: u64, reference: &str| {
        let mut p = timestamp.to_be_bytes().to_vec();
        p.extend(hex::decode(reference).unwrap());
        p
    };
    let updates = [
        legacy(1_700_000_000, &content),
        b"second version, no reference".to_vec(),
        legacy(1_700_000_002, &site),
    ];
    for (index, payload) in updates.iter().enumerate() {
        let what = format!("feed update {index}");
        let id = swarmec::feeds::update_id(&topic, index as u64);
        let [bee, ours] = post_soc(&pair, &signer, &id, payload, false);
        assert_eq!(ours.reference(), bee.reference(), "{what}");
        let answers = pair.get(&feed_uri);
        let mut headers = SOC_HEADERS.to_vec();
        headers.push("swarm-feed-resolved-version");
        same_answer(&what, &answers, &headers);
        let next = format!("{:016x}", index + 1);
        assert_eq!(
            (
                answers[0].header("swarm-feed-index"),
                answers[0].header("swarm-feed-index-next")
            ),
            (Some(format!("{index:016x}").as_str()), Some(next.as_str())),
            "{what}"
        );
        let root = pair.both("GET", &feed_uri, &[("Swarm-Only-Root-Chunk", "true")], b"");
        same_answer(&format!("{what}, root chunk"), &root, &headers);
        let answers = pair.get(&format!("/feeds/{owner}/{}?after=1", hex::encode(topic)));
        same_answer(&format!("{what}, after 1"), &answers, &headers);
    }
    // Through the feed manifest under /bzz: the site the latest update names.
    let answers = pair.get(&format!("/bzz/{manifest}/"));
    same_answer("feed manifest under /bzz", &answers, &BZZ_HEADERS);
    assert_eq!(
        (answers[0].status, answers[0].body.as_slice()),
        (200, &b"<h1>feed site</h1>"[..])
    );
}

/// A request for the table of bad inputs: what, method, path, headers, body, and bee's status and
/// message.
type BadInput<'a> = (
    &'a str,
    &'a str,
    String,
    Vec<(&'a str, &'a str)>,
    Vec<u8>,
    u16,
    &'a str,
);

#[test]
fn bee_dev_bad_inputs_give_bees_errors() {
    let pair = Pair::start();
    let unknown = "ab".repeat(32);
    let signer = signer();
    let owner = hex::encode(signer.eth_address());
    let id = hex::encode(swarmec::keccak::keccak256(b"swarmec/bee-dev/bad-soc"));
    // A SOC for `id` signed by another key than the owner's in the path.
    let other = Signer::from_bytes(&swarmec::keccak::keccak256(b"swarmec/bee-dev/other")).unwrap();
    let wrapped = Chunk::new(b"x").unwrap();
    let foreign = soc::new_soc(
        &other,
        &hex::decode(&id).unwrap().try_into().unwrap(),
        &wrapped,
    )
    .unwrap();
    let sig = hex::encode(&foreign.data[32..97]);
    let soc_body = foreign.data[97..].to_vec();
    let soc_uri = format!("/soc/{owner}/{id}?sig={sig}");
    let batch = |v| vec![("Swarm-Postage-Batch-Id", v)];
    let either = "Either 'Swarm-Postage-Stamp' or 'Swarm-Postage-Batch-Id' header must be set in \
                  the request";
    let path_params = "invalid path params";
    let header_params = "invalid header params";
    let x = b"x".to_vec();
    let cases: Vec<BadInput> = vec![
        // References and addresses.
        (
            "bad hex reference",
            "GET",
            "/bytes/zz".into(),
            vec![],
            vec![],
            400,
            path_params,
        ),
        (
            "odd hex reference",
            "GET",
            "/bytes/abc".into(),
            vec![],
            vec![],
            400,
            path_params,
        ),
        (
            "unknown reference",
            "GET",
            format!("/bytes/{unknown}"),
            vec![],
            vec![],
            404,
            "Not Found",
        ),
        (
            "bad hex manifest",
            "GET",
            "/bzz/zz/".into(),
            vec![],
            vec![],
            400,
            path_params,
        ),
        (
            "unknown manifest",
            "GET",
            format!("/bzz/{unknown}/"),
            vec![],
            vec![],
            404,
            "address not found or incorrect",
        ),
        (
            "unknown manifest, a path",
            "GET",
            format!("/bzz/{unknown}/a.txt"),
            vec![],
            vec![],
            404,
            "Not Found",
        ),
        (
            "bad hex chunk",
            "GET",
            "/chunks/zz".into(),
            vec![],
            vec![],
            400,
            path_params,
        ),
        (
            "unknown chunk",
            "GET",
            format!("/chunks/{unknown}"),
            vec![],
            vec![],
            404,
            "chunk not found",
        ),
        // Batches.
        (
            "no batch",
            "POST",
            "/bytes".into(),
            vec![],
            x.clone(),
            400,
            header_params,
        ),
        (
            "empty batch",
            "POST",
            "/bytes".into(),
            batch(""),
            x.clone(),
            400,
            header_params,
        ),
        (
            "bad hex batch",
            "POST",
            "/bytes".into(),
            batch("zz"),
            x.clone(),
            400,
            header_params,
        ),
        (
            "short batch",
            "POST",
            "/bytes".into(),
            batch("abcd"),
            x.clone(),
            404,
            "batch with id not found",
        ),
        (
            "short batch, /bzz",
            "POST",
            "/bzz?name=a".into(),
            batch("abcd"),
            x.clone(),
            404,
            "batch with id not found",
        ),
        (
            "no batch, /bzz",
            "POST",
            "/bzz?name=a".into(),
            vec![],
            x.clone(),
            400,
            header_params,
        ),
        (
            "no batch, /chunks",
            "POST",
            "/chunks".into(),
            vec![],
            vec![0; 9],
            400,
            either,
        ),
        // Header values.
        (
            "level 5",
            "POST",
            "/bytes".into(),
            vec![BATCH, ("Swarm-Redundancy-Level", "5")],
            x.clone(),
            400,
            header_params,
        ),
        (
            "level x",
            "POST",
            "/bytes".into(),
            vec![BATCH, ("Swarm-Redundancy-Level", "x")],
            x.clone(),
            400,
            header_params,
        ),
        (
            "bad encrypt flag",
            "POST",
            "/bytes".into(),
            vec![BATCH, ("Swarm-Encrypt", "yes")],
            x.clone(),
            400,
            header_params,
        ),
        // SOCs.
        (
            "SOC signed by another key",
            "POST",
            soc_uri.clone(),
            vec![BATCH],
            soc_body.clone(),
            401,
            "invalid chunk",
        ),
        (
            "SOC without batch",
            "POST",
            soc_uri.clone(),
            vec![],
            soc_body.clone(),
            400,
            either,
        ),
        (
            "SOC body too short",
            "POST",
            soc_uri.clone(),
            vec![BATCH],
            b"1234".to_vec(),
            400,
            "short chunk data",
        ),
        (
            "SOC without sig",
            "POST",
            format!("/soc/{owner}/{id}"),
            vec![BATCH],
            soc_body.clone(),
            400,
            "invalid query params",
        ),
        (
            "SOC bad owner",
            "POST",
            format!("/soc/zz/{id}?sig={sig}"),
            vec![BATCH],
            soc_body.clone(),
            400,
            path_params,
        ),
        (
            "SOC not stored",
            "GET",
            format!("/soc/{owner}/{id}"),
            vec![],
            vec![],
            404,
            "requested chunk cannot be retrieved",
        ),
        (
            "SOC bad id",
            "GET",
            format!("/soc/{owner}/zz"),
            vec![],
            vec![],
            400,
            path_params,
        ),
        // Feeds.
        (
            "feed without batch",
            "POST",
            format!("/feeds/{owner}/abcd"),
            vec![],
            vec![],
            400,
            header_params,
        ),
        (
            "feed bad owner",
            "GET",
            "/feeds/zz/abcd".into(),
            vec![],
            vec![],
            400,
            path_params,
        ),
        (
            "feed bad topic",
            "GET",
            format!("/feeds/{owner}/zz"),
            vec![],
            vec![],
            400,
            path_params,
        ),
        (
            "feed never written",
            "GET",
            format!("/feeds/{owner}/abcd"),
            vec![],
            vec![],
            404,
            "no update found",
        ),
        (
            "feed bad after",
            "GET",
            format!("/feeds/{owner}/abcd?after=x"),
            vec![],
            vec![],
            400,
            "invalid query params",
        ),
        // Stamps.
        (
            "depth 16",
            "POST",
            "/stamps/100000000/16".into(),
            vec![],
            vec![],
            400,
            path_params,
        ),
        (
            "amount not a number",
            "POST",
            "/stamps/abc/20".into(),
            vec![],
            vec![],
            400,
            path_params,
        ),
        (
            "unknown stamp",
            "GET",
            format!("/stamps/{unknown}"),
            vec![],
            vec![],
            404,
            "issuer does not exist",
        ),
        (
            "bad stamp id",
            "GET",
            "/stamps/zz".into(),
            vec![],
            vec![],
            400,
            path_params,
        ),
    ];
    for (what, method, path, headers, body, status, message) in &cases {
        // The same status, content type, message and reasons from both; bee's as recorded here.
        let v = same_error(what, &pair.both(method, path, headers, body));
        assert_eq!(
            (&v["code"], &v["message"]),
            (&json!(status), &json!(message)),
            "{what}"
        );
    }
    // A bad SOC signature (one bit flipped).
    let id = swarmec::keccak::keccak256(b"swarmec/bee-dev/bad-soc");
    let bad = same_error(
        "bad SOC signature",
        &post_soc(&pair, &signer, &id, b"x", true),
    );
    assert_eq!(bad, json!({"code": 401, "message": "invalid chunk"}));

    // Where swarmec answers otherwise on purpose (docs/API.md), both answers pinned down.
    // A reference of a length that is none: bee looks it up and fails (500), we refuse it (400).
    let [bee, ours] = pair.get("/bytes/abcd");
    error("short reference, bee", &bee, 500, "joiner failed");
    assert_eq!(
        ours.json(),
        json!({"code": 400, "message": path_params, "reasons": [
            {"field": "address", "error": "want 64 or 128 hex characters"}]})
    );
    // An unknown batch of the right length: bee knows every batch on its chain; `swarmec api`
    // checks the form only and stores the upload.
    for path in ["/bytes", "/bzz?name=a"] {
        let [bee, ours] = pair.both("POST", path, &batch(&unknown), b"x");
        let what = format!("unknown batch on {path}");
        error(&what, &bee, 404, "batch with id not found");
        assert_eq!(ours.status, 201, "{what}, ours");
    }
}
