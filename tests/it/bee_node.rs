//! Against the real thing: bee v2.8.1, built from its Go module by `scripts/build-bee.sh` (cached
//! between runs; `SWARMEC_BEE` names a binary to use instead), started as an ultra-light node (no
//! chain, no SWAP, not a full node) on a private loopback network, downloads through its own HTTP API
//! files uploaded into a swarmec network.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::common::nodes::{
    create_batch, http, serial, spawn_node_with, swarmec, terminate, wait_for_peers,
};
use crate::common::wait_for;

/// bee's testnet id: bee without a chain takes only 1, 5 or 10 (it knows postage contracts for
/// those alone), and `--mainnet=false` with 10 needs no other flag.
const NETWORK_ID: &str = "10";

fn bee_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SWARMEC_BEE") {
        return PathBuf::from(p);
    }
    build_bee()
}

/// Runs `scripts/build-bee.sh` (which builds only what its cache lacks) once per test run and
/// returns the bee binary's path; `bee-dev` is beside it. Tests that ask at the same time wait for
/// the one build.
pub(crate) fn build_bee() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/build-bee.sh");
            let out = Command::new("bash")
                .arg(script)
                .stderr(Stdio::inherit())
                .output()
                .expect("running scripts/build-bee.sh");
            assert!(
                out.status.success(),
                "scripts/build-bee.sh failed: these tests need bee v2.8.1 and bee-dev, built from \
                 tools/bee's Go module (Go and the Go module proxy), or SWARMEC_BEE and \
                 SWARMEC_BEE_DEV set to such binaries"
            );
            PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
        })
        .clone()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A bee process, killed when dropped.
struct Bee {
    child: Child,
    api: String,
    _dir: tempfile::TempDir,
}

impl Drop for Bee {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Bee {
    /// Starts an ultra-light bee and waits until its API is ready.
    fn ultra_light() -> Bee {
        let dir = tempfile::tempdir().unwrap();
        let api = format!("127.0.0.1:{}", free_port());
        let p2p = format!("127.0.0.1:{}", free_port());
        let log = std::fs::File::create(dir.path().join("bee.log")).unwrap();
        let child = Command::new(bee_binary())
            .arg("start")
            .arg(format!("--data-dir={}", dir.path().join("data").display()))
            .args([
                "--password=swarmec-test",
                &format!("--api-addr={api}"),
                &format!("--p2p-addr={p2p}"),
                "--mainnet=false",
                &format!("--network-id={NETWORK_ID}"),
                "--bootnode=",
                "--full-node=false",
                "--swap-enable=false",
                "--blockchain-rpc-endpoint=",
                "--allow-private-cidrs=true",
                "--verbosity=4",
            ])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting bee");
        let bee = Bee {
            child,
            api,
            _dir: dir,
        };
        wait_for("bee's API to be ready", || {
            std::net::TcpStream::connect(&bee.api).is_ok()
                && http(&bee.api, "GET", "/readiness", &[], b"").0 == 200
        });
        bee
    }

    fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, body) = http(&self.api, "GET", path, &[], b"");
        assert_eq!(
            status,
            200,
            "GET {path}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).unwrap()
    }

    /// bee's `keys/swarm.key` (its overlay key, encrypted with the password it was started with).
    fn swarm_key(&self) -> Vec<u8> {
        std::fs::read(self._dir.path().join("data/keys/swarm.key")).unwrap()
    }

    /// bee's own underlay, with `/p2p/<id>`.
    fn underlay(&self) -> String {
        let a = self.get_json("/addresses");
        a["underlay"][0].as_str().unwrap().to_string()
    }

    /// The overlays bee is connected to as full nodes.
    fn full_peers(&self) -> Vec<String> {
        let p = self.get_json("/peers");
        p["peers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["fullNode"] == true)
            .map(|p| p["address"].as_str().unwrap().to_string())
            .collect()
    }
}

fn random_file(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = crate::common::rng::Rng(seed);
    rng.bytes(len)
}

#[test]
fn real_bee_ultra_light_node_downloads_files_from_a_swarmec_network() {
    let _g = serial();
    let bee = Bee::ultra_light();
    let tmp = tempfile::tempdir().unwrap();
    let net = ["--network-id", NETWORK_ID];
    // Three storers, and a fourth that also dials bee.
    let first = spawn_node_with(&tmp.path().join("n0"), None, &net);
    let mut nodes = vec![first];
    for i in 1..3 {
        let boot = nodes[0].listen.clone();
        nodes.push(spawn_node_with(
            &tmp.path().join(format!("n{i}")),
            Some(&boot),
            &net,
        ));
    }
    // bee's own key file, imported: the same Ethereum address and, with bee's zero nonce, the same
    // overlay on this network.
    let addresses = bee.get_json("/addresses");
    let key = swarmec::identity::decrypt_key_file(&bee.swarm_key(), "swarmec-test").unwrap();
    assert_eq!(
        format!("0x{}", key.eth_address().to_hex()),
        addresses["ethereum"].as_str().unwrap()
    );
    assert_eq!(
        key.overlay(NETWORK_ID.parse().unwrap(), &[0; 32]).to_hex(),
        addresses["overlay"].as_str().unwrap()
    );
    let bee_underlay = bee.underlay();
    let gateway = spawn_node_with(
        &tmp.path().join("gateway"),
        Some(&nodes[0].listen),
        &["--network-id", NETWORK_ID, "--bootstrap", &bee_underlay],
    );
    {
        let all: Vec<_> = nodes.iter().chain(std::iter::once(&gateway)).collect();
        wait_for_peers(&all, 3);
    }
    // bee takes the gateway as a full peer, and learns the others from the gateway's hive
    // message and dials them.
    let all_overlays: Vec<String> = nodes
        .iter()
        .chain(std::iter::once(&gateway))
        .map(|n| n.overlay.clone())
        .collect();
    wait_for(
        "bee to connect to every swarmec node as a full peer",
        || {
            let peers = bee.full_peers();
            all_overlays.iter().all(|o| peers.contains(o))
        },
    );

    let cases: [(&str, &[&str], usize); 4] = [
        ("level 0", &["--level", "0"], 10_000),
        ("level 2", &["--level", "2"], 1_500_000),
        ("level 4", &["--level", "4"], 700_000),
        (
            "encrypted, level 2",
            &["--level", "2", "--encrypt"],
            1_200_000,
        ),
    ];
    let uploader = tmp.path().join("uploader");
    let batch = create_batch(&uploader, 20);
    for (i, (what, flags, len)) in cases.iter().enumerate() {
        let data = random_file(*len, 40 + i as u64);
        let file = tmp.path().join(format!("file{i}"));
        std::fs::write(&file, &data).unwrap();
        let out = swarmec()
            .args(["upload", "--peer", &nodes[i % nodes.len()].listen])
            .args(["--network-id", NETWORK_ID, "--stamp", &batch, "--data-dir"])
            .arg(&uploader)
            .args(*flags)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{what}: upload failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reference = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let (status, body) = http(&bee.api, "GET", &format!("/bytes/{reference}"), &[], b"");
        assert_eq!(
            status,
            200,
            "{what}: bee answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        assert!(
            body == data,
            "{what}: bee served other bytes ({} of {len})",
            body.len()
        );
    }
    terminate(gateway);
    for n in nodes {
        terminate(n);
    }
}
