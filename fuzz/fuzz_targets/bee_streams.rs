#![no_main]
// The logic lives in the library (swarmec::fuzzing::bee_streams) so that tests/it/fuzz_corpus.rs replays the corpus.
libfuzzer_sys::fuzz_target!(|data: &[u8]| swarmec::fuzzing::bee_streams::run(data));
