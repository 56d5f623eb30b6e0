//! Files as chunk trees: the [`splitter`] builds them, the [`joiner`] reads them back.

mod draws;
mod error;
mod getter;
pub mod inspect;
pub mod joiner;
pub mod node;
pub mod pipeline;
pub mod repair;
pub mod splitter;
pub mod strategy;

pub use error::JoinError;
pub use joiner::{JoinOptions, Joiner};
pub use node::{decode_node, Node, Shape};
pub use splitter::{split_bytes, split_reader, SplitError, SplitOptions, SplitSummary, Splitter};
pub use strategy::{Strategy, StrategyParseError};
