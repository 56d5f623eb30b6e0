//! Nodes as real processes: `swarmec node` started and stopped as an operator would, and a small
//! HTTP client for their APIs (and bee's). Shared by the network tests and the tests against bee.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

/// Tests that start clusters run one at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running `swarmec node` and what it printed on start.
pub struct Process {
    pub child: Child,
    pub peer_id: String,
    pub listen: String,
    /// Its overlay address (bee's).
    pub overlay: String,
    /// `http://ADDR` of the node's HTTP API, when started with `--api`.
    pub api: Option<String>,
    /// The last `peers N` the node printed.
    pub peers: Arc<std::sync::atomic::AtomicUsize>,
}

/// Waits until every node reports at least `n` peers.
pub fn wait_for_peers(nodes: &[&Process], n: usize) {
    crate::common::wait_for(&format!("every node to know {n} peers"), || {
        nodes
            .iter()
            .all(|p| p.peers.load(std::sync::atomic::Ordering::SeqCst) >= n)
    });
}

/// The `swarmec` binary under test.
pub fn swarmec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_swarmec"))
}

/// Starts `swarmec node` on a loopback port and waits for its `ready` line.
pub fn spawn_node(dir: &std::path::Path, bootstrap: Option<&str>) -> Process {
    spawn_node_with(dir, bootstrap, &[])
}

pub fn spawn_node_with(dir: &std::path::Path, bootstrap: Option<&str>, extra: &[&str]) -> Process {
    let mut cmd = swarmec();
    cmd.args(["node", "--data-dir"])
        .arg(dir)
        .args(["--listen", "/ip4/127.0.0.1/tcp/0"])
        .args(extra);
    if let Some(b) = bootstrap {
        cmd.args(["--bootstrap", b]);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut peer_id = String::new();
    let mut listen = String::new();
    let mut overlay = String::new();
    let mut api = None;
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(v) = line.strip_prefix("api http://") {
            api = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("peer_id ") {
            peer_id = v.to_string();
        } else if let Some(v) = line.strip_prefix("overlay ") {
            overlay = v.to_string();
        } else if let Some(v) = line.strip_prefix("listen ") {
            listen = v.to_string();
        } else if line == "ready" {
            break;
        }
    }
    assert!(!listen.is_empty(), "node printed no listen address");
    // Keep reading, so that the node's `peers N` lines are seen (and its stdout never closes).
    let peers = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = peers.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("peers ").and_then(|n| n.parse().ok()) {
                seen.store(n, std::sync::atomic::Ordering::SeqCst);
            }
        }
    });
    Process {
        child,
        peer_id,
        listen,
        overlay,
        api,
        peers,
    }
}

/// Creates a postage batch of 2^`depth` chunks in the data directory `dir` with `swarmec stamp
/// create`; its id.
pub fn create_batch(dir: &std::path::Path, depth: u8) -> String {
    let out = swarmec()
        .args([
            "stamp",
            "create",
            "--depth",
            &depth.to_string(),
            "--amount",
            "1",
        ])
        .arg("--data-dir")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Sends SIGTERM and waits (at most 15 s) for a clean exit.
pub fn terminate(mut p: Process) {
    let status = Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = p.child.try_wait().unwrap() {
            assert!(status.success(), "node exited with {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = p.child.kill();
            panic!("node did not stop within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One HTTP/1.1 request over a fresh connection; returns the status and the body.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let r = super::http::request(addr, method, path, headers, body);
    (r.status, r.body)
}
