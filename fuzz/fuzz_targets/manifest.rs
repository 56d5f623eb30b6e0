#![no_main]
// The logic lives in the library (swarmec::fuzzing::manifest) so that tests/it/fuzz_corpus.rs replays the corpus.
libfuzzer_sys::fuzz_target!(|data: &[u8]| swarmec::fuzzing::manifest::run(data));
