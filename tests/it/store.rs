//! Store consistency: failed and killed uploads leave whole chunks only, and re-running is harmless.

use std::io::{self, Read, Write};
use std::process::{Command, Stdio};

use proptest::prelude::*;
use swarmec::file::splitter::{with_background_writer, Discard, StoreSink};
use swarmec::file::{split_bytes, split_reader, JoinOptions, Joiner, SplitError, SplitOptions};
use swarmec::store::{ChunkStore, MemStore, SlotStore};
use swarmec::{cac, soc, Level};

/// Yields `limit` bytes of data, then fails.
struct Failing<'a> {
    data: &'a [u8],
    pos: usize,
    limit: usize,
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.limit {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.limit - self.pos).min(10_000);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn all_valid(store: &dyn ChunkStore) -> usize {
    let mut n = 0;
    store
        .iterate(&mut |a, d| {
            assert!(
                cac::is_valid(a, d) || soc::is_valid_soc(a, d),
                "{a} is not a whole chunk"
            );
            n += 1;
            true
        })
        .unwrap();
    n
}

#[test]
fn failed_upload_leaves_the_store_consistent_and_rerun_is_harmless() {
    let tmp = tempfile::tempdir().unwrap();
    // Big enough that the splitter has written whole groups before the read fails (its workers
    // hold a few groups in flight).
    let data = crate::common::mod255(4_000_000);
    let options = SplitOptions {
        level: Level::Strong,
        encrypt: false,
    };
    let store = SlotStore::open(tmp.path()).unwrap();
    let err = split_reader(
        Failing {
            data: &data,
            pos: 0,
            limit: 3_234_567,
        },
        &mut StoreSink(&store),
        options,
        None,
    )
    .unwrap_err();
    match err {
        SplitError::Read { offset, .. } => assert_eq!(offset, 3_234_567),
        other => panic!("want Read, got {other}"),
    }
    let partial = all_valid(&store);
    assert!(partial > 0);
    let summary = split_bytes(&data, &mut StoreSink(&store), options, None).unwrap();
    store.sync().unwrap();
    assert_eq!(
        summary,
        split_bytes(&data, &mut Discard, options, None).unwrap()
    );
    let mut out = Vec::new();
    Joiner::open(&store, &summary.reference, JoinOptions::default())
        .unwrap()
        .read_all(&mut out)
        .unwrap();
    assert!(out == data);
    all_valid(&store);
}

#[test]
fn killed_upload_leaves_a_readable_store() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_swarmec");
    let mut child = Command::new(bin)
        .args(["upload", "-", "--level", "1", "--data-dir"])
        .arg(tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let block = crate::common::mod255(1 << 20);
    for _ in 0..8 {
        stdin.write_all(&block).unwrap();
    }
    stdin.flush().unwrap();
    // stdin stays open, so the upload cannot finish: kill it once its first batch reached the store.
    let file = tmp.path().join(swarmec::store::slots::DATA_FILE);
    crate::common::wait_for("the upload's first batch in the store", || {
        std::fs::metadata(&file).map_or(0, |m| m.len()) >= 1 << 20
    });
    child.kill().unwrap();
    let _ = child.wait();
    drop(stdin);
    let out = Command::new(bin)
        .args(["store", "verify", "--data-dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Re-running the upload completes and the file reads back.
    let data = crate::common::mod255(3 << 20);
    let mut child = Command::new(bin)
        .args(["upload", "-", "--level", "1", "--data-dir"])
        .arg(tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let r = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let out = Command::new(bin)
        .args(["download", &r, "--data-dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout == data);
}

#[test]
fn data_dir_flag_beats_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::write(tmp.path().join("f"), b"hello").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_swarmec"))
        .args(["upload", "f", "--data-dir"])
        .arg(&a)
        .current_dir(tmp.path())
        .env("SWARMEC_DATA_DIR", &b)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(a.join(swarmec::store::slots::DATA_FILE).exists());
    assert!(!b.exists());
    let out = Command::new(env!("CARGO_BIN_EXE_swarmec"))
        .args(["store", "list"])
        .env("SWARMEC_DATA_DIR", &b)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(b.join(swarmec::store::slots::DATA_FILE).exists());
    assert!(out.stdout.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn hash_equals_upload(size in 0usize..800_000, level in 0u8..=4) {
        let data = crate::common::mod255(size);
        let options = SplitOptions { level: Level::from_u8(level).unwrap(), encrypt: false };
        let store = MemStore::new();
        let uploaded = split_bytes(&data, &mut StoreSink(&store), options, None).unwrap();
        let hashed = split_bytes(&data, &mut Discard, options, None).unwrap();
        prop_assert_eq!(&uploaded, &hashed);
        // Every written chunk is in the store (distinct ones; mod-255 data repeats chunks) plus replicas.
        prop_assert!(store.len() as u64 <= uploaded.chunks + uploaded.replicas.len() as u64);
        for a in &uploaded.replicas {
            prop_assert!(store.has(a).unwrap());
        }
    }
}

/// A store that refuses every write after the first `allow` batches.
struct Refusing {
    inner: MemStore,
    allow: std::sync::atomic::AtomicUsize,
}

impl ChunkStore for Refusing {
    swarmec::forward_chunk_store!(inner: get, has, remove, iterate);
    fn put_batch(&self, chunks: &[cac::Chunk]) -> Result<(), swarmec::store::StoreError> {
        use std::sync::atomic::Ordering;
        if self.allow.fetch_sub(1, Ordering::SeqCst) == 0 {
            self.allow.store(0, Ordering::SeqCst);
            return Err(swarmec::store::StoreError::Backend {
                op: "put",
                address: chunks.first().map(|c| c.address),
                message: "disk full".into(),
            });
        }
        self.inner.put_batch(chunks)
    }
}

#[test]
fn background_writer_writes_what_the_splitter_makes_and_reports_store_failures() {
    let data = crate::common::rng::Rng(7).bytes(9_000_000);
    for level in [Level::None, Level::Insane] {
        let options = SplitOptions {
            level,
            encrypt: false,
        };
        let direct = MemStore::new();
        let want = split_bytes(&data, &mut StoreSink(&direct), options, None).unwrap();
        let background = MemStore::new();
        let got =
            with_background_writer(&background, |sink| split_bytes(&data, sink, options, None))
                .unwrap();
        assert_eq!(got, want);
        assert_eq!(all_valid(&background), all_valid(&direct));
        assert!(all_valid(&direct) > 2000);

        // The store's own error comes back, naming the failing chunk, and what was written is whole.
        let refusing = Refusing {
            inner: MemStore::new(),
            allow: 1.into(),
        };
        let err = with_background_writer(&refusing, |sink| split_bytes(&data, sink, options, None))
            .unwrap_err();
        match err {
            SplitError::Store(swarmec::store::StoreError::Backend {
                op: "put",
                address: Some(_),
                message,
            }) => assert_eq!(message, "disk full"),
            other => panic!("want the store's error, got {other}"),
        }
        let written = all_valid(&refusing.inner);
        assert!(written > 0 && written < all_valid(&direct), "{written}");
    }
}
