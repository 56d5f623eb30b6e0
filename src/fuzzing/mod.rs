//! Fuzz harnesses: the logic of each cargo-fuzz target in `fuzz/`, kept in the library so that an
//! ordinary test (`tests/it/fuzz_corpus.rs`) replays every committed corpus file through the same
//! code on a stable toolchain. Each module has `run(data)`, which panics on a bug and on nothing else,
//! and `seeds()`, the generated part of its corpus. See `docs/FUZZING.md`.
//!
//! Not part of the API: hidden from the docs and free to change.

pub mod bee_streams;
pub mod bee_wire;
pub mod http_router;
pub mod input;
pub mod joiner;
pub mod manifest;
pub mod parsers;
pub mod rs_codec;
pub mod scripted;
pub mod store_file;

/// Every target: its name (the folder of its corpus), its `run` and its `seeds`.
pub const TARGETS: [Target; 8] = [
    Target {
        name: "joiner",
        run: joiner::run,
        seeds: joiner::seeds,
    },
    Target {
        name: "parsers",
        run: parsers::run,
        seeds: parsers::seeds,
    },
    Target {
        name: "http_router",
        run: http_router::run,
        seeds: http_router::seeds,
    },
    Target {
        name: "rs_codec",
        run: rs_codec::run,
        seeds: rs_codec::seeds,
    },
    Target {
        name: "bee_wire",
        run: bee_wire::run,
        seeds: bee_wire::seeds,
    },
    Target {
        name: "bee_streams",
        run: bee_streams::run,
        seeds: bee_streams::seeds,
    },
    Target {
        name: "manifest",
        run: manifest::run,
        seeds: manifest::seeds,
    },
    Target {
        name: "store_file",
        run: store_file::run,
        seeds: store_file::seeds,
    },
];

/// One fuzz target.
#[derive(Clone, Copy)]
pub struct Target {
    /// Its name: the cargo-fuzz target and its corpus folder `fuzz/corpus/<name>`.
    pub name: &'static str,
    /// Runs one input; panics on a bug.
    pub run: fn(&[u8]),
    /// Generated seed inputs, by file name.
    pub seeds: fn() -> Vec<(String, Vec<u8>)>,
}
