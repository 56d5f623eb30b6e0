//! The fuzz corpora on a stable toolchain: every file committed under `fuzz/corpus/<target>/` goes
//! through the same `swarmec::fuzzing::<target>::run` as the cargo-fuzz target (see docs/FUZZING.md),
//! and so do the generated seeds. `write_seeds` (ignored) regenerates the seed files:
//! `cargo test --test it fuzz_corpus::write_seeds -- --ignored`.

use std::path::PathBuf;

use swarmec::fuzzing::{Target, TARGETS};

fn target(name: &str) -> Target {
    *TARGETS
        .iter()
        .find(|t| t.name == name)
        .expect("a fuzz target of that name")
}

fn corpus_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(name)
}

/// Runs every corpus file of `name`; a panic names the file.
fn replay(name: &str) {
    let t = target(name);
    let dir = corpus_dir(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has no corpus", dir.display());
    for file in &files {
        let data = std::fs::read(file).expect("corpus file");
        let outcome = std::panic::catch_unwind(|| (t.run)(&data));
        if let Err(panic) = outcome {
            std::panic::resume_unwind(Box::new(format!(
                "{name}: corpus file {} panicked: {}",
                file.display(),
                panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)")
            )));
        }
    }
    // The generated seeds too, so that a seed changed in the code is checked before it is written.
    for (seed, data) in (t.seeds)() {
        let outcome = std::panic::catch_unwind(|| (t.run)(&data));
        assert!(outcome.is_ok(), "{name}: generated seed {seed} panicked");
    }
}

#[test]
fn joiner() {
    replay("joiner");
}

#[test]
fn parsers() {
    replay("parsers");
}

#[test]
fn http_router() {
    replay("http_router");
}

#[test]
fn rs_codec() {
    replay("rs_codec");
}

#[test]
fn bee_wire() {
    replay("bee_wire");
}

#[test]
fn bee_streams() {
    replay("bee_streams");
}

#[test]
fn manifest() {
    replay("manifest");
}

#[test]
fn store_file() {
    replay("store_file");
}

#[test]
fn every_target_has_a_corpus_and_a_fuzz_target() {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for t in TARGETS {
        assert!(corpus_dir(t.name).is_dir(), "no corpus for {}", t.name);
        let source = fuzz.join("fuzz_targets").join(format!("{}.rs", t.name));
        let text = std::fs::read_to_string(&source).expect("fuzz target source");
        assert!(
            text.contains(&format!("swarmec::fuzzing::{}::run", t.name)),
            "{} does not call the library harness",
            source.display()
        );
        assert!(manifest.contains(&format!("name = \"{}\"", t.name)));
    }
}

/// Writes every generated seed to `fuzz/corpus/<target>/seed-<name>` (files of other names, such as
/// minimised crashes and fuzzer finds, are left alone).
#[test]
#[ignore]
fn write_seeds() {
    for t in TARGETS {
        let dir = corpus_dir(t.name);
        std::fs::create_dir_all(&dir).expect("corpus directory");
        for (name, data) in (t.seeds)() {
            std::fs::write(dir.join(format!("seed-{name}")), data).expect("seed file");
        }
    }
}
