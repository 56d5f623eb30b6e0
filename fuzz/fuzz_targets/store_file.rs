#![no_main]
// The logic lives in the library (swarmec::fuzzing::store_file) so that tests/it/fuzz_corpus.rs replays the corpus.
libfuzzer_sys::fuzz_target!(|data: &[u8]| swarmec::fuzzing::store_file::run(data));
