//! The chunk store designs side by side on the same chunks (issue 15): the slot store (the
//! default: fixed-size slots in one file and a small redb index), redb holding whole chunks (the
//! store of earlier versions) and, with `--features bench-fjall`, fjall (an LSM tree with its
//! key-value separation for large values).
//!
//! `cargo bench --bench store [--features bench-fjall] -- [MIB]` (default 256 MiB). Each store runs
//! in a child process of its own, so that its peak RSS is its own. Per store: write every chunk in
//! 4 MiB batches (as `swarmec upload`'s writer thread does) and sync; write them all again (nothing
//! new) and sync; 20 000 reads of random stored chunks; remove a quarter (an eighth one `remove`
//! each, an eighth in one `remove_many`), sync, write as many new ones and sync (space reuse); the
//! disk space the store's files take (allocated blocks) against the chunk bytes. The bound,
//! measured in the same run: the same bytes written to one plain file and fsynced, and 4 KiB
//! `pread`s of random offsets of that file.

use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

use swarmec::address::Address;
use swarmec::cac::Chunk;
use swarmec::store::{ChunkStore, RedbStore, Removal, SlotStore};

const CHUNK: usize = 4104;
const BATCH: usize = 1024;
const READS: usize = 20_000;

/// splitmix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Chunk `i` of a run: random address and data (stores do not check them), made on demand so that
/// the bench's own memory stays small.
fn chunk(i: u64) -> Chunk {
    let mut rng = Rng(i.wrapping_mul(0x1000_0000_01b3) ^ 0xabcdef);
    let mut address = [0; 32];
    for w in address.chunks_mut(8) {
        w.copy_from_slice(&rng.next().to_le_bytes());
    }
    let mut data = vec![0; CHUNK];
    for w in data.chunks_mut(8) {
        let v = rng.next().to_le_bytes();
        w.copy_from_slice(&v[..w.len()]);
    }
    Chunk {
        address: Address(address),
        data,
    }
}

fn mbps(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / secs / 1e6
}

/// Disk space taken by the files under `dir` (allocated blocks).
fn disk_usage(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in walk(dir) {
        total += entry.blocks() * 512;
    }
    total
}

fn walk(dir: &Path) -> Vec<std::fs::Metadata> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("bench dir").flatten() {
        let m = e.metadata().expect("metadata");
        if m.is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(m);
        }
    }
    out
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn write_range(store: &dyn ChunkStore, from: u64, to: u64) {
    let mut i = from;
    while i < to {
        let end = (i + BATCH as u64).min(to);
        let batch: Vec<Chunk> = (i..end).map(chunk).collect();
        store.put_batch(&batch).expect("put");
        i = end;
    }
    store.sync().expect("sync");
}

/// One store's run; prints one table row.
fn run_store(name: &str, store: &dyn ChunkStore, dir: &Path, n: u64) {
    let bytes = n * CHUNK as u64;
    let t = Instant::now();
    write_range(store, 0, n);
    let write = mbps(bytes, t.elapsed().as_secs_f64());
    let after_write = disk_usage(dir);
    let t = Instant::now();
    write_range(store, 0, n);
    let rewrite = mbps(bytes, t.elapsed().as_secs_f64());
    let after_rewrite = disk_usage(dir);
    let mut rng = Rng(7);
    let t = Instant::now();
    for _ in 0..READS {
        let c = chunk(rng.next() % n);
        let got = store.get(&c.address).expect("get").expect("stored");
        assert_eq!(got.len(), CHUNK);
    }
    let read_us = t.elapsed().as_secs_f64() * 1e6 / READS as f64;
    // A quarter removed: the first eighth one `remove` each, the second in one `remove_many`.
    let eighth = n / 8;
    let t = Instant::now();
    for i in 0..eighth {
        store.remove(&chunk(i).address).expect("remove");
    }
    let remove_us = t.elapsed().as_secs_f64() * 1e6 / eighth.max(1) as f64;
    let many: Vec<Address> = (eighth..n / 4).map(|i| chunk(i).address).collect();
    let t = Instant::now();
    let removals = store.remove_many(&many).expect("remove_many");
    let remove_many_us = t.elapsed().as_secs_f64() * 1e6 / many.len().max(1) as f64;
    assert!(removals.iter().all(|r| *r == Removal::Removed));
    store.sync().expect("sync");
    write_range(store, n, n + n / 4);
    let after_churn = disk_usage(dir);
    println!(
        "| {name} | {write:.1} | {rewrite:.1} | {read_us:.1} | {remove_us:.1} | {remove_many_us:.2} | {:.3} | {:.3} | {:.3} | {:.0} |",
        after_write as f64 / bytes as f64,
        after_rewrite as f64 / bytes as f64,
        after_churn as f64 / bytes as f64,
        peak_rss_mib(),
    );
}

/// The bound: sequential write + fsync of the same bytes to one file, and random 4 KiB preads.
fn run_bound(dir: &Path, n: u64) {
    let path = dir.join("plain");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .expect("plain file");
    let bytes = n * CHUNK as u64;
    let t = Instant::now();
    let mut buf = Vec::with_capacity(BATCH * CHUNK);
    let mut i = 0;
    while i < n {
        let end = (i + BATCH as u64).min(n);
        buf.clear();
        for j in i..end {
            buf.extend_from_slice(&chunk(j).data);
        }
        file.write_all_at(&buf, i * CHUNK as u64).expect("write");
        i = end;
    }
    file.sync_all().expect("fsync");
    let write = mbps(bytes, t.elapsed().as_secs_f64());
    let mut rng = Rng(7);
    let mut block = vec![0; CHUNK];
    let t = Instant::now();
    for _ in 0..READS {
        // The chunk's data is made as the stores' reads are checked: the same work per read.
        let j = rng.next() % n;
        let _ = chunk(j);
        file.read_exact_at(&mut block, j * CHUNK as u64)
            .expect("read");
    }
    let read_us = t.elapsed().as_secs_f64() * 1e6 / READS as f64;
    println!(
        "| bound: one plain file | {write:.1} | – | {read_us:.1} | – | – | 1.000 | – | – | {:.0} |",
        peak_rss_mib()
    );
}

#[cfg(feature = "bench-fjall")]
mod fjall_store {
    //! fjall as a `ChunkStore`, for this comparison only.
    use fjall::{
        Config, KvSeparationOptions, PartitionCreateOptions, PartitionHandle, PersistMode,
    };
    use swarmec::address::Address;
    use swarmec::cac::Chunk;
    use swarmec::store::{ChunkStore, StoreError};

    pub struct FjallStore {
        keyspace: fjall::Keyspace,
        chunks: PartitionHandle,
    }

    fn err(e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend {
            op: "fjall",
            address: None,
            message: e.to_string(),
        }
    }

    impl FjallStore {
        pub fn open(dir: &std::path::Path) -> FjallStore {
            let keyspace = Config::new(dir).open().expect("fjall keyspace");
            let chunks = keyspace
                .open_partition(
                    "chunks",
                    PartitionCreateOptions::default()
                        .with_kv_separation(KvSeparationOptions::default()),
                )
                .expect("fjall partition");
            FjallStore { keyspace, chunks }
        }
    }

    impl ChunkStore for FjallStore {
        fn get(&self, address: &Address) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self.chunks.get(address.0).map_err(err)?.map(|v| v.to_vec()))
        }
        fn put_batch(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
            let mut batch = self.keyspace.batch();
            for c in chunks {
                batch.insert(&self.chunks, c.address.0, &c.data);
            }
            batch.commit().map_err(err)
        }
        fn has(&self, address: &Address) -> Result<bool, StoreError> {
            self.chunks.contains_key(address.0).map_err(err)
        }
        fn remove(&self, address: &Address) -> Result<bool, StoreError> {
            let had = self.has(address)?;
            self.chunks.remove(address.0).map_err(err)?;
            Ok(had)
        }
        fn iterate(&self, _: &mut dyn FnMut(&Address, &[u8]) -> bool) -> Result<(), StoreError> {
            unimplemented!("not used by the bench")
        }
        fn sync(&self) -> Result<(), StoreError> {
            self.keyspace.persist(PersistMode::SyncAll).map_err(err)
        }
    }
}

fn child(which: &str, n: u64) {
    let dir = tempfile::tempdir().expect("scratch dir");
    match which {
        "bound" => run_bound(dir.path(), n),
        "slots" => run_store(
            "slot store (default)",
            &SlotStore::open(dir.path()).expect("slot store"),
            dir.path(),
            n,
        ),
        "redb" => run_store(
            "redb, whole chunks (earlier versions)",
            &RedbStore::open(dir.path()).expect("redb store"),
            dir.path(),
            n,
        ),
        #[cfg(feature = "bench-fjall")]
        "fjall" => run_store(
            "fjall 2, key-value separation",
            &fjall_store::FjallStore::open(dir.path()),
            dir.path(),
            n,
        ),
        other => panic!("unknown store {other}"),
    }
}

fn main() {
    let n_for = |mib: u64| mib * (1 << 20) / CHUNK as u64;
    if let Ok(which) = std::env::var("STORE_BENCH_CHILD") {
        let mib = std::env::var("STORE_BENCH_MIB").map_or(256, |v| v.parse().expect("MiB"));
        child(&which, n_for(mib));
        return;
    }
    let mib: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or(256, |a| a.parse().expect("MiB"));
    println!(
        "{} chunks of {CHUNK} bytes ({mib} MiB), batches of {BATCH}",
        n_for(mib)
    );
    println!("| store | write MB/s | write again MB/s | read µs | remove µs, one each | remove µs, `remove_many` | disk / chunk bytes | after writing again | after removing ¼ and writing ¼ new | peak RSS MiB |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut stores = vec!["bound", "slots", "redb"];
    if cfg!(feature = "bench-fjall") {
        stores.push("fjall");
    }
    let exe = std::env::current_exe().expect("bench binary");
    for which in stores {
        let status = std::process::Command::new(&exe)
            .env("STORE_BENCH_CHILD", which)
            .env("STORE_BENCH_MIB", mib.to_string())
            .status()
            .expect("child");
        assert!(status.success(), "{which} failed");
    }
}
