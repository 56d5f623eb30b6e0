//! Every integration test in one binary (as ripgrep organises its tests): one link of libp2p, axum
//! and tokio instead of one per file. A module per concern; `common` holds the shared helpers.

mod common;

mod api;
mod bee_dev;
mod bee_node;
mod bee_peers;
mod bee_wire;
mod bzz;
mod cli;
mod cost;
mod durability;
mod encryption;
mod feeds;
mod fuzz_corpus;
mod joiner;
mod net;
mod pins;
mod pullsync;
mod recovery;
mod repair;
mod stamps;
mod store;
mod store_damage;
mod tags;
mod vectors;
mod walks;
