#![no_main]
// The logic lives in the library (swarmec::fuzzing::parsers) so that tests/it/fuzz_corpus.rs replays the corpus.
libfuzzer_sys::fuzz_target!(|data: &[u8]| swarmec::fuzzing::parsers::run(data));
