//! The store on disk under damage and crashes, and its space, through the `swarmec` binary: an empty file is
//! refused, damaged runs and a cut-short file cost exactly the chunks in them (named by
//! `store verify`, rebuilt by a download at a level above 0), and uploads killed with SIGKILL at
//! random moments leave a store that verifies, with every acknowledged upload whole; the store takes
//! at most 1.15 times its chunk bytes, storing again adds nothing and removed slots are reused.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use swarmec::address::Address;
use swarmec::store::slots::record::{decode, offset, RECORD_HEADER, SLOT_SIZE};
use swarmec::store::slots::DATA_FILE;

use crate::common::rng::Rng;

fn swarmec(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swarmec"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn upload(data_dir: &Path, data: &[u8], level: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_swarmec"))
        .args(["upload", "-", "--level", level, "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The addresses `store verify` names as bad, and its exit code.
fn verify(data_dir: &Path) -> (BTreeSet<String>, Option<i32>) {
    let out = swarmec(data_dir, &["store", "verify"]);
    let bad = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.strip_prefix("bad ").expect(l).to_string())
        .collect();
    (bad, out.status.code())
}

/// Each record of the data file `bytes`: its slot, address and where the record ends.
fn records(bytes: &[u8]) -> Vec<(u64, Address, u64)> {
    let mut out = Vec::new();
    let mut slot = 0;
    while offset(slot) < bytes.len() as u64 {
        let at = offset(slot) as usize;
        if let Ok(r) = decode(&bytes[at..(at + SLOT_SIZE).min(bytes.len())]) {
            let end = offset(slot) + (RECORD_HEADER + r.data.len()) as u64;
            out.push((slot, r.address, end));
        }
        slot += 1;
    }
    out
}

#[test]
fn an_empty_data_file_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    upload(dir.path(), b"some data", "0");
    let file = dir.path().join(DATA_FILE);
    std::fs::write(&file, b"").unwrap();
    for args in [&["store", "list"][..], &["store", "verify"][..]] {
        let out = swarmec(dir.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "cannot open chunk store {}: the file is empty (0 bytes)",
                file.display()
            )),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 0, "left as it was");
    }
}

#[test]
fn damaged_runs_cost_exactly_their_chunks_and_a_download_rebuilds_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = Rng(11).bytes(2_000_000);
    let reference = upload(dir.path(), &data, "2");
    let file = dir.path().join(DATA_FILE);
    let original = std::fs::read(&file).unwrap();
    let recs = records(&original);
    // Sixteen 16-byte runs in the first four fifths of the file (the root and its replicas are
    // written last: a lost root is another test's matter).
    let mut damaged = original.clone();
    let mut rng = Rng(12);
    let mut want = BTreeSet::new();
    for _ in 0..16 {
        let at = SLOT_SIZE as u64 + rng.below(original.len() as u64 * 4 / 5 - SLOT_SIZE as u64);
        damaged[at as usize..at as usize + 16].fill(0xa5);
        for &(slot, address, end) in &recs {
            if at < end && at + 16 > offset(slot) {
                want.insert(address.to_hex());
            }
        }
    }
    assert!(!want.is_empty());
    std::fs::write(&file, &damaged).unwrap();
    assert_eq!(verify(dir.path()), (want.clone(), Some(1)));
    // Everything else still reads: a download rebuilds the damaged data chunks from parity and
    // writes them back, and `repair` the damaged parity chunks (a download does not read them).
    let out = swarmec(dir.path(), &["download", &reference]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == data, "the file reads back");
    let (after_download, _) = verify(dir.path());
    assert!(after_download.len() < want.len() && after_download.is_subset(&want));
    let out = swarmec(dir.path(), &["repair", &reference]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(verify(dir.path()), (BTreeSet::new(), Some(0)));
}

#[test]
fn a_cut_short_data_file_costs_the_chunks_past_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = Rng(13).bytes(1_000_000);
    upload(dir.path(), &data, "0");
    let file = dir.path().join(DATA_FILE);
    let original = std::fs::read(&file).unwrap();
    let recs = records(&original);
    let len = original.len() as u64;
    for cut in [len / 2, len - 1, offset(3) + 10, 100] {
        std::fs::write(&file, &original[..cut as usize]).unwrap();
        let want: BTreeSet<String> = recs
            .iter()
            .filter(|r| r.2 > cut)
            .map(|r| r.1.to_hex())
            .collect();
        let out = swarmec(dir.path(), &["store", "list"]);
        assert!(out.status.success(), "cut at {cut}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().lines().count(),
            recs.len(),
            "every chunk is still listed"
        );
        let code = if want.is_empty() { 0 } else { 1 };
        assert_eq!(verify(dir.path()), (want, Some(code)), "cut at {cut}");
        // Put the file back whole: the chunks marked lost are written again by the next upload.
        std::fs::write(&file, &original).unwrap();
        upload(dir.path(), &data, "0");
        assert_eq!(
            verify(dir.path()),
            (BTreeSet::new(), Some(0)),
            "cut at {cut}"
        );
    }
}

/// SIGKILL at random moments: each upload is killed once the data file grew by a random number of
/// bytes (or, when the draw is past its end, after it finished). After every kill `store verify`
/// finds nothing bad, and every upload that printed its reference downloads whole.
#[test]
fn uploads_killed_at_random_moments_leave_a_store_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(DATA_FILE);
    let mut rng = Rng(14);
    let mut acknowledged = Vec::new();
    for round in 0..10 {
        let size = 500_000 + rng.below(3_000_000) as usize;
        let data = rng.bytes(size);
        let level = ["0", "2", "4"][round % 3];
        let before = std::fs::metadata(&file).map_or(0, |m| m.len());
        // Up to 1.5 times what the upload writes at level 0, so some uploads finish first.
        let grow = rng.below(size as u64 * 3 / 2);
        let mut child = Command::new(env!("CARGO_BIN_EXE_swarmec"))
            .args(["upload", "-", "--level", level, "--data-dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
            data
        });
        crate::common::wait_for("the upload to grow the store or end", || {
            std::fs::metadata(&file).map_or(0, |m| m.len()) >= before + grow
                || child.try_wait().unwrap().is_some()
        });
        let _ = child.kill();
        child.wait().unwrap();
        let data = writer.join().unwrap();
        let mut printed = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut printed)
            .unwrap();
        if let Some(reference) = printed.lines().next() {
            acknowledged.push((reference.to_string(), data));
        }
        assert_eq!(
            verify(dir.path()),
            (BTreeSet::new(), Some(0)),
            "round {round}"
        );
    }
    assert!(!acknowledged.is_empty(), "some uploads finished");
    assert!(acknowledged.len() < 10, "some uploads were killed");
    for (reference, data) in &acknowledged {
        let out = swarmec(dir.path(), &["download", reference, "--no-write-back"]);
        assert!(out.status.success(), "{reference}");
        assert!(&out.stdout == data, "{reference} reads back");
    }
}

/// Disk space the files of `dir` take (allocated blocks).
fn disk_usage(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().blocks() * 512)
        .sum()
}

/// Chunk bytes stored and the store's addresses.
fn stored(dir: &Path) -> (u64, Vec<Address>) {
    use swarmec::store::ChunkStore;
    let store = swarmec::store::SlotStore::open(dir).unwrap();
    let (mut bytes, mut addresses) = (0, Vec::new());
    store
        .iterate(&mut |a, d| {
            bytes += d.len() as u64;
            addresses.push(*a);
            true
        })
        .unwrap();
    (bytes, addresses)
}

/// The store takes at most 1.15 times the chunk bytes it holds; storing again adds nothing; removed
/// chunks' space takes new ones.
#[test]
fn space_is_bounded_reused_and_not_spent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = Rng(15).bytes(30_000_000);
    upload(dir.path(), &data, "0");
    let (bytes, addresses) = stored(dir.path());
    let used = disk_usage(dir.path());
    assert!(
        used as f64 <= 1.15 * bytes as f64,
        "{used} bytes on disk for {bytes} bytes of chunks"
    );
    let data_len = std::fs::metadata(dir.path().join(DATA_FILE)).unwrap().len();
    upload(dir.path(), &data, "0");
    assert_eq!(
        std::fs::metadata(dir.path().join(DATA_FILE)).unwrap().len(),
        data_len,
        "storing again writes nothing new"
    );
    assert!(
        disk_usage(dir.path()) <= used + (1 << 20),
        "and grows nothing"
    );
    {
        use swarmec::store::ChunkStore;
        let store = swarmec::store::SlotStore::open(dir.path()).unwrap();
        for a in &addresses[..addresses.len() / 4] {
            assert!(store.remove(a).unwrap());
        }
        store.sync().unwrap();
    }
    // A new file of a fifth the size fits in the freed slots.
    upload(dir.path(), &Rng(16).bytes(6_000_000), "0");
    assert_eq!(
        std::fs::metadata(dir.path().join(DATA_FILE)).unwrap().len(),
        data_len,
        "removed chunks' slots are reused"
    );
}
