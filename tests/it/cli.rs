//! The `swarmec` binary, run in temporary directories: outputs, files and exit codes.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn swarmec(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_swarmec"));
    cmd.args(args)
        .current_dir(dir)
        .env("SWARMEC_DATA_DIR", dir.join("data"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    String::from_utf8(ok_bytes(out)).unwrap()
}

fn ok_bytes(out: &Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.clone()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn upload_download_round_trip_and_hash_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = crate::common::mod255(1_000_000);
    std::fs::write(d.join("in.bin"), &data).unwrap();
    for level in ["0", "medium", "4"] {
        let r = ok(&swarmec(d, &["upload", "in.bin", "--level", level], None))
            .trim()
            .to_string();
        let h = ok(&swarmec(d, &["hash", "in.bin", "--level", level], None))
            .trim()
            .to_string();
        assert_eq!(r, h, "level {level}");
        let out = swarmec(d, &["download", &r], None);
        assert!(ok_bytes(&out) == data, "level {level}");
        ok(&swarmec(d, &["download", &r, "-o", "out.bin"], None));
        assert!(std::fs::read(d.join("out.bin")).unwrap() == data);
        let part = swarmec(
            d,
            &["download", &r, "--offset", "5000", "--length", "10000"],
            None,
        );
        assert!(part.status.success());
        assert!(part.stdout == data[5000..15000]);
    }
    // Level none of the bee vector #11 via stdin.
    let v = crate::common::mod255(8192);
    let r = ok(&swarmec(d, &["hash", "-", "--level", "none"], Some(&v)));
    assert_eq!(
        r.trim(),
        "29a5fb121ce96194ba8b7b823a1f9c6af87e1791f824940a53b5a7efe3f790d9"
    );
}

#[test]
fn hash_json_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("f"), crate::common::mod255(4097)).unwrap();
    let v: Value = serde_json::from_str(&ok(&swarmec(
        d,
        &["hash", "f", "--json", "--level", "1"],
        None,
    )))
    .unwrap();
    assert_eq!(
        v["reference"],
        "3f40cb428b07c4fc0d23a7489912204a5197d9d2c48ccc4b9a5b96d23ac079af"
    );
    assert_eq!(v["size"], 4097);
    assert_eq!(v["chunks"], 6);
    assert_eq!(v["replicas"].as_array().unwrap().len(), 2);
    let v: Value = serde_json::from_str(&ok(&swarmec(
        d,
        &["hash", "f", "--json", "--level", "0"],
        None,
    )))
    .unwrap();
    assert_eq!(v["chunks"], 3);
    assert_eq!(v["replicas"], serde_json::json!([]));
    // hash stores nothing.
    assert!(!d.join("data").exists());
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("f"), b"x").unwrap();
    for args in [
        &["hash", "f", "--level", "7"][..],
        &["hash", "f", "--level", "high"][..],
        &["download", "abcd"][..],
        &["download", &"z".repeat(64)][..],
        &["inspect", "123"][..],
        &["store", "remove", "nothex"][..],
        &["download", &"a".repeat(64), "--strategy", "fast"][..],
        &["frobnicate"][..],
    ] {
        let out = swarmec(d, args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
}

#[test]
fn runtime_errors_exit_1_and_name_what_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let missing = "ab".repeat(32);
    let out = swarmec(d, &["download", &missing], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&missing), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);
    let out = swarmec(d, &["upload", "no-such-file"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no-such-file"));
    // A failed download to a file leaves no file behind.
    let out = swarmec(d, &["download", &missing, "-o", "x.bin"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.join("x.bin").exists());
}

#[test]
fn store_list_remove_verify_catches_corruption() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = crate::common::mod255(20_000);
    std::fs::write(d.join("f"), &data).unwrap();
    let r = ok(&swarmec(d, &["upload", "f", "--level", "0"], None))
        .trim()
        .to_string();
    let list = ok(&swarmec(d, &["store", "list"], None));
    let addrs: Vec<&str> = list.lines().collect();
    assert_eq!(addrs.len(), 6);
    assert!(addrs.contains(&r.as_str()));
    ok(&swarmec(d, &["store", "verify"], None));

    // Corrupt one chunk in the database on disk.
    let victim = swarmec::cac::Chunk::new(&data[4096..8192]).unwrap().address;
    {
        use swarmec::store::ChunkStore;
        let store = swarmec::store::RedbStore::open(&d.join("data")).unwrap();
        let mut bytes = store.get(&victim).unwrap().unwrap();
        bytes[10] ^= 0xff;
        store
            .put(&swarmec::cac::Chunk {
                address: victim,
                data: bytes,
            })
            .unwrap();
        store.sync().unwrap();
    }
    let out = swarmec(d, &["store", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("bad {victim}")
    );
    assert!(stderr(&out).contains(&victim.to_hex()));
    let out = swarmec(d, &["download", &r], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&victim.to_hex()));

    // Remove: a stored and an unknown address.
    let unknown = "cd".repeat(32);
    let out = swarmec(d, &["store", "remove", &victim.to_hex(), &unknown], None);
    assert!(out.status.success());
    assert!(stderr(&out).contains(&unknown));
    assert!(!stderr(&out).contains(&victim.to_hex()));
    ok(&swarmec(d, &["store", "verify"], None));
    assert_eq!(ok(&swarmec(d, &["store", "list"], None)).lines().count(), 5);
}

#[test]
fn inspect_json_lists_nodes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("f"), crate::common::mod255(600_000)).unwrap();
    let r = ok(&swarmec(d, &["upload", "f", "--level", "strong"], None))
        .trim()
        .to_string();
    let v: Value =
        serde_json::from_str(&ok(&swarmec(d, &["inspect", &r, "--json"], None))).unwrap();
    assert_eq!(v["reference"], r.as_str());
    assert_eq!(v["size"], 600_000);
    assert_eq!(v["level"], 2);
    let nodes = v["nodes"].as_array().unwrap();
    // 147 data chunks at strong (k=107): two groups (107 + 40) under the root.
    assert_eq!(nodes.len(), 3);
    assert_eq!(nodes[0]["address"], r.as_str());
    assert_eq!(nodes[0]["depth"], 0);
    assert_eq!(nodes[0]["data"].as_array().unwrap().len(), 2);
    assert_eq!(nodes[0]["parity"].as_array().unwrap().len(), 5);
    assert_eq!(nodes[1]["data"].as_array().unwrap().len(), 107);
    assert_eq!(nodes[1]["parity"].as_array().unwrap().len(), 21);
    assert_eq!(nodes[1]["margin"], 21);
    assert_eq!(nodes[2]["data"].as_array().unwrap().len(), 40);
    // A removed child shows up as missing with a smaller margin, not as an error.
    let child = nodes[1]["data"][3].as_str().unwrap().to_string();
    ok(&swarmec(d, &["store", "remove", &child], None));
    let v: Value =
        serde_json::from_str(&ok(&swarmec(d, &["inspect", &r, "--json"], None))).unwrap();
    assert_eq!(v["nodes"][1]["margin"], 20);
    assert_eq!(v["missing"], serde_json::json!([child]));
    let text = ok(&swarmec(d, &["inspect", &r], None));
    assert!(text.contains("margin 20"));
}
