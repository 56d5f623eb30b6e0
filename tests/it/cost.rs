//! `cost` is exact: for sizes at every batch and depth boundary, carry cascades and random sizes, at every
//! level, plain and encrypted, the computed chunk and replica counts equal what the splitter writes (the
//! library splitter for most sizes, the real `hash --json` against `cost --json` for a subset); the
//! documentation's examples (Tables B and C, the 340-chunk example) reproduce through the binary; malformed
//! sizes are usage errors (exit 2).

use crate::common::Rng;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use swarmec::cost::{docs_table, max_size, summary, upload_cost};
use swarmec::encryption::BeeRand;
use swarmec::file::splitter::{Discard, Splitter};
use swarmec::file::{SplitOptions, SplitSummary};
use swarmec::redundancy::table::{max_shards, parities};
use swarmec::replicas::replica_addresses;
use swarmec::Level;

const CHUNK: u64 = 4096;

/// Splits `size` bytes (a 1 MiB random block, repeated) with the library splitter into `Discard`.
fn split(size: u64, level: Level, encrypted: bool) -> SplitSummary {
    let block = Rng(size ^ 0x5eed).bytes(1 << 20);
    let mut sink = Discard;
    let mut rng = BeeRand::new(size);
    let options = SplitOptions {
        level,
        encrypt: encrypted,
    };
    let rng: Option<&mut dyn swarmec::encryption::RandomSource> =
        if encrypted { Some(&mut rng) } else { None };
    let mut splitter = Splitter::new(&mut sink, options, rng);
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        splitter.write(&block[..n]).unwrap();
        left -= n as u64;
    }
    splitter.finish().unwrap()
}

/// The library splitter and `upload_cost` agree on chunks and replicas; returns the split.
fn check(size: u64, level: Level, encrypted: bool) -> SplitSummary {
    let s = split(size, level, encrypted);
    let c = upload_cost(size, level, encrypted).unwrap();
    assert_eq!(s.size, size);
    assert_eq!(
        (c.total_chunks, c.replicas),
        (s.chunks, s.replicas.len() as u64),
        "size {size} level {level} encrypted {encrypted}"
    );
    assert_eq!(c.data_chunks, size.div_ceil(CHUNK).max(1));
    assert_eq!(
        c.total_chunks,
        c.data_chunks + c.intermediate_chunks + c.parity_chunks
    );
    s
}

/// Chunk counts around every batch (k data chunks) and depth (k² data chunks) boundary, with carry
/// cascades: a lone last chunk carried up one depth (k+1, 2k+1), two depths (k²+1), joining a pair
/// (k²+k+1), or completing the parent's group (k(k−1)+1, k²−1).
fn boundary_chunk_counts(k: u64) -> Vec<u64> {
    vec![
        1,
        2,
        k - 1,
        k,
        k + 1,
        2 * k,
        2 * k + 1,
        k * (k - 1) + 1,
        k * k - 1,
        k * k,
        k * k + 1,
        k * k + k + 1,
    ]
}

/// Sizes `c·4096 − 1`, `c·4096`, `c·4096 + 1` for every boundary count, and 0.
fn boundary_sizes(k: u64) -> BTreeSet<u64> {
    let mut sizes = BTreeSet::from([0]);
    for c in boundary_chunk_counts(k) {
        for size in [c * CHUNK - 1, c * CHUNK, c * CHUNK + 1] {
            sizes.insert(size);
        }
    }
    sizes
}

#[test]
fn batch_boundaries_match_the_splitter_at_every_level() {
    for level in Level::ALL {
        for encrypted in [false, true] {
            let k = max_shards(level, encrypted) as u64;
            for size in boundary_sizes(k)
                .into_iter()
                .filter(|s| *s <= (2 * k + 1) * CHUNK + 1)
            {
                check(size, level, encrypted);
            }
        }
    }
}

/// Splitting k² chunks costs 1–4 s per tree on the shared 2-core test machine, so the two-depth
/// boundary counts are split (as whole chunks, and k²·4096 + 1) only for the small fanouts (paranoid,
/// plain and encrypted); every other
/// level and encryption splits the deepest cascade, k²·4096 + 1 bytes (k full groups, a 1-byte chunk
/// carried up two depths into a root group of 2). The remaining two-depth counts are covered by the
/// trie counter below, which is itself checked against these splits.
#[test]
fn depth_boundaries_match_the_splitter() {
    for level in Level::ALL {
        for encrypted in [false, true] {
            let k = max_shards(level, encrypted) as u64;
            let sizes: Vec<u64> = if level == Level::Paranoid {
                boundary_sizes(k)
                    .into_iter()
                    .filter(|s| *s > (2 * k + 1) * CHUNK + 1)
                    .filter(|s| s % CHUNK == 0 || *s == k * k * CHUNK + 1)
                    .collect()
            } else {
                vec![k * k * CHUNK + 1]
            };
            for size in sizes {
                let s = check(size, level, encrypted);
                assert_eq!(s.chunks, trie_count(size.div_ceil(CHUNK), level, encrypted));
            }
        }
    }
}

#[test]
fn random_sizes_match_the_splitter() {
    let mut rng = Rng(20_240_611);
    for _ in 0..48 {
        // Log-uniform up to 4 MiB, so that small, one-group and two-depth trees all occur.
        let bits = rng.below(23);
        let size = rng.below(1 << bits) + rng.below(2);
        let level = Level::ALL[rng.below(5) as usize];
        let encrypted = rng.below(2) == 1;
        check(size, level, encrypted);
    }
}

/// An independent count of bee's hash trie (spec §5.7), run chunk by chunk with counters only, for depth
/// boundaries too large to split (k³ data chunks at every level).
fn trie_count(data_chunks: u64, level: Level, encrypted: bool) -> u64 {
    let k = max_shards(level, encrypted) as u64;
    let mut levels = [0u64; 9];
    let mut written = 0;
    fn wrap(levels: &mut [u64; 9], n: usize, k: u64, written: &mut u64, p: &dyn Fn(usize) -> u64) {
        let entries = std::mem::take(&mut levels[n]);
        *written += 1 + p(entries as usize);
        push(levels, n + 1, k, written, p);
    }
    fn push(levels: &mut [u64; 9], n: usize, k: u64, written: &mut u64, p: &dyn Fn(usize) -> u64) {
        levels[n] += 1;
        if n < 8 && levels[n] == k {
            wrap(levels, n, k, written, p);
        }
    }
    let p = |n: usize| parities(level, encrypted, n) as u64;
    for _ in 0..data_chunks {
        written += 1;
        push(&mut levels, 1, k, &mut written, &p);
    }
    for n in 1..8 {
        match levels[n] {
            0 => {}
            1 => {
                levels[n] = 0;
                push(&mut levels, n + 1, k, &mut written, &p);
            }
            _ => wrap(&mut levels, n, k, &mut written, &p),
        }
    }
    assert_eq!(levels[8], 1);
    written
}

#[test]
fn every_boundary_matches_an_independent_trie_count() {
    for level in Level::ALL {
        for encrypted in [false, true] {
            let k = max_shards(level, encrypted) as u64;
            let cube = k * k * k;
            for c in boundary_chunk_counts(k) {
                let cost = upload_cost(c * CHUNK, level, encrypted).unwrap();
                assert_eq!(cost.total_chunks, trie_count(c, level, encrypted));
            }
            for c in [
                cube - 1,
                cube,
                cube + 1,
                cube + k * k + k + 1,
                cube + k + 1,
                k * k * (k - 1) + k * (k - 1) + 1,
            ] {
                let cost = upload_cost(c * CHUNK, level, encrypted).unwrap();
                assert_eq!(
                    cost.total_chunks,
                    trie_count(c, level, encrypted),
                    "{c} chunks level {level} encrypted {encrypted}"
                );
            }
        }
    }
}

fn swarmec(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swarmec"))
        .args(args)
        .current_dir(dir)
        .env("SWARMEC_DATA_DIR", dir.join("data"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn level_arg(level: Level) -> String {
    level.as_u8().to_string()
}

#[test]
fn binary_hash_and_cost_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let medium = max_shards(Level::Medium, false) as u64;
    let paranoid = max_shards(Level::Paranoid, false) as u64;
    let paranoid_enc = max_shards(Level::Paranoid, true) as u64;
    let strong_enc = max_shards(Level::Strong, true) as u64;
    let cases: Vec<(u64, Level, bool)> = vec![
        (0, Level::Medium, false),
        (1, Level::Paranoid, true),
        (4096, Level::Strong, false),
        (4097, Level::Medium, false),
        (4097, Level::None, true),
        (128 * CHUNK, Level::None, false),
        (128 * CHUNK + 1, Level::None, false),
        (medium * CHUNK, Level::Medium, false),
        (medium * CHUNK + 1, Level::Medium, false),
        (medium * CHUNK + 1, Level::Medium, true),
        (340 * CHUNK, Level::Strong, false),
        (strong_enc * CHUNK + 1, Level::Strong, true),
        (97 * CHUNK - 1, Level::Insane, false),
        (98 * CHUNK, Level::Insane, false),
        (paranoid * CHUNK + 1, Level::Paranoid, false),
        ((paranoid * paranoid + 1) * CHUNK, Level::Paranoid, false),
        (
            paranoid * (paranoid - 1) * CHUNK + 1,
            Level::Paranoid,
            false,
        ),
        (
            (paranoid_enc * paranoid_enc + 1) * CHUNK,
            Level::Paranoid,
            true,
        ),
        (21 * CHUNK, Level::Paranoid, true),
        (1_000_000, Level::Insane, true),
        (3_333_333, Level::Strong, false),
    ];
    for (size, level, encrypted) in cases {
        let file = d.join(format!("in-{size}.bin"));
        if !file.exists() {
            std::fs::write(&file, Rng(size).bytes(size as usize)).unwrap();
        }
        let mut args = vec![
            "hash".to_string(),
            file.display().to_string(),
            "--json".into(),
            "--level".into(),
            level_arg(level),
        ];
        if encrypted {
            args.push("--encrypt".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let h = json(&swarmec(d, &args));
        let size_arg = size.to_string();
        let mut cargs = vec!["cost", &size_arg, "--json", "--level"];
        let lvl = level_arg(level);
        cargs.push(&lvl);
        if encrypted {
            cargs.push("--encrypt");
        }
        let c = json(&swarmec(d, &cargs));
        let what = format!("size {size} level {level} encrypted {encrypted}");
        assert_eq!(h["size"], size, "{what}");
        assert_eq!(c["size"], size, "{what}");
        assert_eq!(c["total_chunks"], h["chunks"], "{what}");
        let replicas: Vec<&str> = h["replicas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(c["replicas"], replicas.len() as u64, "{what}");
        // The replicas `hash` lists are the root's dispersed replica set.
        let reference = h["reference"].as_str().unwrap();
        assert_eq!(reference.len(), if encrypted { 128 } else { 64 }, "{what}");
        let root = swarmec::Address::from_hex(&reference[..64]).unwrap();
        let want: BTreeSet<String> = replica_addresses(&root, level)
            .into_iter()
            .map(|(_, a)| a.to_hex())
            .collect();
        let got: BTreeSet<String> = replicas.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, want, "{what}");
        // The binary's cost is the library's (floats to 1e-12: JSON parsing may round the last bit).
        let lib = serde_json::to_value(upload_cost(size, level, encrypted).unwrap()).unwrap();
        for (key, want) in lib.as_object().unwrap() {
            match want.as_f64() {
                Some(w) if want.is_f64() => {
                    let got = c[key].as_f64().unwrap();
                    assert!((got - w).abs() <= 1e-12 * w.abs().max(1.0), "{what}: {key}");
                }
                _ => assert_eq!(&c[key], want, "{what}: {key}"),
            }
        }
    }
}

#[test]
fn documentation_examples_through_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // "340 chunks … Strong … 72 / 340 = 21.17%" (the documentation truncates 21.176…).
    let c = json(&swarmec(
        d,
        &["cost", "1392640", "--level", "strong", "--json"],
    ));
    assert_eq!(c["data_chunks"], 340);
    assert_eq!(c["docs_parities"], 72);
    let pct = c["docs_overhead_percent"].as_f64().unwrap();
    assert_eq!(pct, 100.0 * 72.0 / 340.0);
    assert_eq!(format!("{:.2}", (pct * 100.0).floor() / 100.0), "21.17");
    // What is really written: 72 + 6 parities, 5 intermediates, 4 replicas.
    assert_eq!(
        (
            &c["parity_chunks"],
            &c["intermediate_chunks"],
            &c["total_chunks"],
            &c["replicas"]
        ),
        (
            &Value::from(78),
            &Value::from(5),
            &Value::from(423),
            &Value::from(4)
        )
    );
    // "321 (3 * 107) chunks … 19.6% (63 parities / 321 data chunks)"; units are accepted.
    let c = json(&swarmec(d, &["cost", "1314816B", "--level", "2", "--json"]));
    assert_eq!(c["docs_parities"], 63);
    assert_eq!(
        format!("{:.1}", c["docs_overhead_percent"].as_f64().unwrap()),
        "19.6"
    );
    let c = json(&swarmec(d, &["cost", "10MB", "--json"]));
    assert_eq!(
        (&c["size"], &c["level"]),
        (&Value::from(10_000_000), &Value::from(1))
    );
    let c = json(&swarmec(d, &["cost", "1GiB", "--level", "none", "--json"]));
    assert_eq!(
        (&c["size"], &c["replicas"]),
        (&Value::from(1u64 << 30), &Value::from(0))
    );

    // Table B from the summary printed by `table`: bee's full groups, and the documentation's percents
    // where they agree (7.6, 19.6, 32; its paranoid 90 + 38 and encrypted 15/40/65/494 % are not bee's).
    let out = swarmec(d, &["table"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Vec<&str>> = text
        .lines()
        .skip_while(|l| !l.starts_with("level"))
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        vec![
            vec!["medium", "9", "119", "7.6%", "9", "59", "15.3%"],
            vec!["strong", "21", "107", "19.6%", "21", "53", "39.6%"],
            vec!["insane", "31", "97", "32.0%", "31", "48", "64.6%"],
            vec!["paranoid", "89", "39", "228.2%", "87", "20", "435.0%"],
        ]
    );
    let s = summary();
    assert_eq!(s.0.len(), 4);
    for (line, l) in lines.iter().zip(&s.0) {
        assert_eq!(line[0], l.level.name());
    }

    // Table C: `table --level L --json` equals the documentation's plain rows, except paranoid's last
    // row, where bee packs 37–39 data chunks with 89 parities and the documentation stops at 37.
    for (level, docs) in [
        (Level::Medium, DOCS_MEDIUM),
        (Level::Strong, DOCS_STRONG),
        (Level::Insane, DOCS_INSANE),
        (Level::Paranoid, DOCS_PARANOID),
    ] {
        let rows = json(&swarmec(d, &["table", "--level", level.name(), "--json"]));
        let got: Vec<(u64, u64, u64)> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["parities"].as_u64().unwrap(),
                    r["min_chunks"].as_u64().unwrap(),
                    r["max_chunks"].as_u64().unwrap(),
                )
            })
            .collect();
        let mut want: Vec<(u64, u64, u64)> = docs.to_vec();
        if level == Level::Paranoid {
            assert_eq!(want.last(), Some(&(89, 37, 37)));
            want.last_mut().unwrap().2 = 39;
        }
        assert_eq!(got, want, "{level}");
        let lib: Vec<(u64, u64, u64)> = docs_table(level, false)
            .iter()
            .map(|r| (r.parities as u64, r.min_chunks as u64, r.max_chunks as u64))
            .collect();
        assert_eq!(got, lib);
        // Encrypted rows are contiguous from 1 to the encrypted k.
        let enc = json(&swarmec(
            d,
            &["table", "--level", level.name(), "--encrypt", "--json"],
        ));
        let mut next = 1;
        for r in enc.as_array().unwrap() {
            assert_eq!(r["min_chunks"], next, "{level}");
            next = r["max_chunks"].as_u64().unwrap() + 1;
        }
        assert_eq!(next - 1, max_shards(level, true) as u64);
    }
}

/// The documentation's Table C, plain columns: (parities, min chunks, max chunks).
const DOCS_MEDIUM: &[(u64, u64, u64)] = &[
    (2, 1, 1),
    (3, 2, 5),
    (4, 6, 14),
    (5, 15, 28),
    (6, 29, 46),
    (7, 47, 68),
    (8, 69, 94),
    (9, 95, 119),
];
const DOCS_STRONG: &[(u64, u64, u64)] = &[
    (4, 1, 1),
    (5, 2, 3),
    (6, 4, 6),
    (7, 7, 10),
    (8, 11, 15),
    (9, 16, 20),
    (10, 21, 26),
    (11, 27, 32),
    (12, 33, 39),
    (13, 40, 46),
    (14, 47, 53),
    (15, 54, 61),
    (16, 62, 69),
    (17, 70, 77),
    (18, 78, 86),
    (19, 87, 95),
    (20, 96, 104),
    (21, 105, 107),
];
const DOCS_INSANE: &[(u64, u64, u64)] = &[
    (5, 1, 1),
    (6, 2, 2),
    (7, 3, 3),
    (8, 4, 5),
    (9, 6, 8),
    (10, 9, 10),
    (11, 11, 13),
    (12, 14, 16),
    (13, 17, 19),
    (14, 20, 22),
    (15, 23, 26),
    (16, 27, 29),
    (17, 30, 33),
    (18, 34, 37),
    (19, 38, 41),
    (20, 42, 45),
    (21, 46, 50),
    (22, 51, 54),
    (23, 55, 59),
    (24, 60, 63),
    (25, 64, 68),
    (26, 69, 73),
    (27, 74, 77),
    (28, 78, 82),
    (29, 83, 87),
    (30, 88, 92),
    (31, 93, 97),
];
/// Paranoid gives one data count per row; parities 19, 23, … 89 for 1 … 37 chunks.
const DOCS_PARANOID: &[(u64, u64, u64)] = &[
    (19, 1, 1),
    (23, 2, 2),
    (26, 3, 3),
    (29, 4, 4),
    (31, 5, 5),
    (34, 6, 6),
    (36, 7, 7),
    (38, 8, 8),
    (40, 9, 9),
    (43, 10, 10),
    (45, 11, 11),
    (47, 12, 12),
    (48, 13, 13),
    (50, 14, 14),
    (52, 15, 15),
    (54, 16, 16),
    (56, 17, 17),
    (58, 18, 18),
    (59, 19, 19),
    (61, 20, 20),
    (63, 21, 21),
    (65, 22, 22),
    (66, 23, 23),
    (68, 24, 24),
    (70, 25, 25),
    (71, 26, 26),
    (73, 27, 27),
    (75, 28, 28),
    (76, 29, 29),
    (78, 30, 30),
    (80, 31, 31),
    (81, 32, 32),
    (83, 33, 33),
    (84, 34, 34),
    (86, 35, 35),
    (87, 36, 36),
    (89, 37, 37),
];

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let too_big = (max_size(Level::Paranoid, false) + 1).to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["cost", "12XB"],
        vec!["cost", "0.5B"],
        vec!["cost", ""],
        vec!["cost", "1.2.3"],
        vec!["cost", "abc", "--json"],
        vec!["cost", "18446744073709551616"],
        vec!["cost", &too_big, "--level", "paranoid"],
        vec!["cost", "72057594037927936", "--level", "medium"],
        vec!["cost", "1MB", "--level", "5"],
        vec!["cost"],
        vec!["table", "--level", "extreme"],
        vec!["durability", "1MB", "--level", "strong", "--loss", "1.5"],
        vec!["durability", "1MB", "--level", "strong", "--loss", "abc"],
        vec!["durability", "1XB", "--level", "strong", "--loss", "0.1"],
    ];
    for args in cases {
        let out = swarmec(d, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    // The limits themselves are accepted.
    let max = max_size(Level::Paranoid, false).to_string();
    let c = json(&swarmec(
        d,
        &["cost", &max, "--level", "paranoid", "--json"],
    ));
    assert_eq!(c["size"].as_u64(), Some(max_size(Level::Paranoid, false)));
}
