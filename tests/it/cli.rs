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
        let store = swarmec::store::SlotStore::open(&d.join("data")).unwrap();
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

/// Uploads `data` at level 0 (no parities, so a missing chunk is fatal) and returns the reference.
fn upload_level0(d: &Path, data: &[u8]) -> String {
    std::fs::write(d.join("in.bin"), data).unwrap();
    ok(&swarmec(d, &["upload", "in.bin", "--level", "0"], None))
        .trim()
        .to_string()
}

/// Names of leftover temporary files of `download -o` in `dir`.
fn part_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".swarmec-part"))
        .collect()
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// A null character device to download into: a private one in `d` where this process may create one
/// (as root, which could also replace /dev/null itself if the download got it wrong), else /dev/null,
/// which an unprivileged process cannot replace.
#[cfg(unix)]
fn null_device(d: &Path) -> std::path::PathBuf {
    let private = d.join("null");
    let made = Command::new("mknod")
        .arg(&private)
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        private
    } else {
        "/dev/null".into()
    }
}

#[cfg(unix)]
#[test]
fn download_to_a_device_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let r = upload_level0(d, &crate::common::mod255(50_000));
    let device = null_device(d);
    let out = swarmec(d, &["download", &r, "-o", device.to_str().unwrap()], None);
    ok(&out);
    let t = std::fs::metadata(&device).unwrap().file_type();
    assert!(
        t.is_char_device(),
        "{} is no longer a device",
        device.display()
    );
    assert_eq!(part_files(d), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn download_to_a_fifo_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    use std::time::Duration;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = crate::common::mod255(300_000);
    let r = upload_level0(d, &data);
    let fifo = d.join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // The reader blocks in open until the download opens the FIFO for writing.
    let (tx, rx) = std::sync::mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::read(&reader_path).unwrap());
    });
    ok(&swarmec(d, &["download", &r, "-o", "pipe"], None));
    let got = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the reader got no end of file: the download did not write into the FIFO");
    assert!(got == data, "read {} bytes through the FIFO", got.len());
    let t = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(t.is_fifo(), "the FIFO was replaced");
    assert_eq!(part_files(d), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn download_through_a_symlink_writes_its_target() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = crate::common::mod255(20_000);
    let r = upload_level0(d, &data);
    // A link to an existing file, relative to the link's directory.
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/real.bin"), b"old").unwrap();
    std::os::unix::fs::symlink("sub/real.bin", d.join("link.bin")).unwrap();
    ok(&swarmec(d, &["download", &r, "-o", "link.bin"], None));
    assert!(std::fs::symlink_metadata(d.join("link.bin"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_link(d.join("link.bin")).unwrap(),
        Path::new("sub/real.bin")
    );
    assert!(std::fs::read(d.join("sub/real.bin")).unwrap() == data);
    // A link in a subdirectory whose target does not exist yet: the target is created.
    std::os::unix::fs::symlink("new.bin", d.join("sub/dangling")).unwrap();
    ok(&swarmec(d, &["download", &r, "-o", "sub/dangling"], None));
    assert!(std::fs::symlink_metadata(d.join("sub/dangling"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read(d.join("sub/new.bin")).unwrap() == data);
    assert_eq!(part_files(d), Vec::<String>::new());
    assert_eq!(part_files(&d.join("sub")), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn download_keeps_an_existing_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = crate::common::mod255(20_000);
    let r = upload_level0(d, &data);
    let out = d.join("secret.bin");
    std::fs::write(&out, b"old content").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    ok(&swarmec(d, &["download", &r, "-o", "secret.bin"], None));
    assert_eq!(mode_of(&out), 0o600);
    assert!(std::fs::read(&out).unwrap() == data);
    // A new file gets the mode any new file gets here (0666 & ~umask).
    std::fs::File::create(d.join("probe")).unwrap();
    ok(&swarmec(d, &["download", &r, "-o", "fresh.bin"], None));
    assert_eq!(mode_of(&d.join("fresh.bin")), mode_of(&d.join("probe")));
    assert!(std::fs::read(d.join("fresh.bin")).unwrap() == data);
}

#[test]
fn download_onto_a_directory_fails_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let r = upload_level0(d, &crate::common::mod255(20_000));
    std::fs::create_dir(d.join("outdir")).unwrap();
    std::fs::write(d.join("outdir/inside"), b"kept").unwrap();
    let out = swarmec(d, &["download", &r, "-o", "outdir"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("swarmec: cannot write outdir: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(d.join("outdir").is_dir());
    assert_eq!(std::fs::read(d.join("outdir/inside")).unwrap(), b"kept");
    assert_eq!(part_files(d), Vec::<String>::new());
}

#[test]
fn failed_download_leaves_the_old_file_and_no_temporary() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = crate::common::mod255(200_000);
    let r = upload_level0(d, &data);
    std::fs::write(d.join("keep.bin"), b"old content").unwrap();
    // An unknown reference.
    let unknown = "ab".repeat(32);
    let out = swarmec(d, &["download", &unknown, "-o", "keep.bin"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&unknown), "{}", stderr(&out));
    assert_eq!(std::fs::read(d.join("keep.bin")).unwrap(), b"old content");
    assert_eq!(part_files(d), Vec::<String>::new());
    // A tree that fails halfway: a data chunk in the middle is gone and level 0 cannot rebuild it.
    let victim = swarmec::cac::Chunk::new(&data[40 * 4096..41 * 4096])
        .unwrap()
        .address;
    ok(&swarmec(d, &["store", "remove", &victim.to_hex()], None));
    let out = swarmec(d, &["download", &r, "-o", "keep.bin"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&victim.to_hex()), "{}", stderr(&out));
    assert_eq!(std::fs::read(d.join("keep.bin")).unwrap(), b"old content");
    assert_eq!(part_files(d), Vec::<String>::new());
}

/// Starts `swarmec api` on a free port and waits for its "listening on" line.
fn spawn_api(d: &Path) -> std::process::Child {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_swarmec"))
        .args(["api", "--listen", "127.0.0.1:0"])
        .env("SWARMEC_DATA_DIR", d.join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on http://"), "{line:?}");
    child
}

/// Sends `signal` to `child` and waits (at most 15 s) for it to end; returns its exit code.
fn stop_with(mut child: std::process::Child, signal: &str) -> Option<i32> {
    use std::time::{Duration, Instant};
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("api did not stop within 15 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn api_stops_cleanly_on_sigterm_and_sigint() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Killed by the signal, the process would have no exit code.
    assert_eq!(stop_with(spawn_api(d), "-TERM"), Some(0));
    assert_eq!(stop_with(spawn_api(d), "-INT"), Some(0));
}

/// `id --import-bee-key`: bee's encrypted key file becomes the node's overlay key, once.
#[test]
fn id_imports_bee_key_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let key = swarmec::identity::OverlayKey::from_slice(&[0x42; 32]).unwrap();
    let file = swarmec::identity::encrypt_key_file(&key, "pass word").unwrap();
    std::fs::write(d.join("swarm.key"), file).unwrap();
    std::fs::write(d.join("password"), "pass word\n").unwrap();
    std::fs::write(d.join("wrong"), "nope\n").unwrap();
    let nonce = "07".repeat(32);
    let import = |password: &str| {
        swarmec(
            d,
            &[
                "id",
                "--import-bee-key",
                "swarm.key",
                "--password-file",
                password,
                "--nonce",
                &nonce,
            ],
            None,
        )
    };
    let refused = import("wrong");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("bee key file"),
        "{}",
        stderr(&refused)
    );
    let out = ok(&import("password"));
    let peer_id = ok(&swarmec(d, &["id"], None));
    let expected = key.overlay(1, &[7; 32]).to_hex();
    assert_eq!(out, format!("{peer_id}overlay {expected}\n"));
    let again = import("password");
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("exists"), "{}", stderr(&again));
    let usage = swarmec(d, &["id", "--import-bee-key", "swarm.key"], None);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn stamp_create_list_show_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let id = ok(&swarmec(
        d,
        &[
            "stamp",
            "create",
            "--depth",
            "20",
            "--amount",
            "123456789012345678901234567890",
            "--immutable",
            "--label",
            "mine",
        ],
        None,
    ))
    .trim()
    .to_string();
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    let other = ok(&swarmec(
        d,
        &["stamp", "create", "--depth", "17", "--amount", "1"],
        None,
    ))
    .trim()
    .to_string();
    let list: Value =
        serde_json::from_str(&ok(&swarmec(d, &["stamp", "list", "--json"], None))).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let shown: Value =
        serde_json::from_str(&ok(&swarmec(d, &["stamp", "show", &id, "--json"], None))).unwrap();
    let listed = list.iter().find(|b| b["batchID"] == id.as_str()).unwrap();
    assert_eq!(&shown, listed);
    assert_eq!(shown["depth"], 20);
    assert_eq!(shown["bucketDepth"], 16);
    assert_eq!(shown["immutable"], true);
    assert_eq!(shown["amount"], "123456789012345678901234567890");
    assert_eq!(shown["label"], "mine");
    assert_eq!(shown["origin"], "local");
    assert_eq!(shown["utilization"], 0);
    assert_eq!(shown["usable"], true);
    let o = list
        .iter()
        .find(|b| b["batchID"] == other.as_str())
        .unwrap();
    assert_eq!(
        (o["depth"].clone(), o["immutable"].clone()),
        (17.into(), false.into())
    );
    let text = ok(&swarmec(d, &["stamp", "show", &id], None));
    assert!(text.starts_with(&format!("batch {id}\n")), "{text}");
    assert!(
        text.contains("\ndepth 20\n") && text.contains("\nusable true"),
        "{text}"
    );
    let lines = ok(&swarmec(d, &["stamp", "list"], None));
    assert_eq!(lines.lines().count(), 2);
    assert!(
        lines.contains(&format!(
            "{id} depth 20 amount 123456789012345678901234567890 immutable label \"mine\""
        )),
        "{lines}"
    );
}

#[test]
fn stamp_usage_errors_and_unknown_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for depth in ["16", "48", "x"] {
        let out = swarmec(
            d,
            &["stamp", "create", "--depth", depth, "--amount", "1"],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "{depth}: {}", stderr(&out));
        assert!(stderr(&out).contains("--depth"), "{}", stderr(&out));
    }
    let out = swarmec(
        d,
        &["stamp", "create", "--depth", "20", "--amount", "0"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("amount"), "{}", stderr(&out));
    let out = swarmec(d, &["stamp", "show", "abcd"], None);
    assert_eq!(out.status.code(), Some(2));
    let missing = "ab".repeat(32);
    let out = swarmec(d, &["stamp", "show", &missing], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("batch {missing} not found")),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
}
