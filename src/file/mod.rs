//! Files as chunk trees: the [`splitter`] builds them, the [`joiner`] reads them back.

pub mod inspect;
pub mod joiner;
pub mod pipeline;
pub mod splitter;

pub use joiner::{JoinError, JoinOptions, Joiner, Strategy};
pub use splitter::{split_bytes, split_reader, SplitError, SplitOptions, SplitSummary, Splitter};
