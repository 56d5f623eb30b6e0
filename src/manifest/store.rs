//! Manifest nodes saved and loaded as files through a [`ChunkStore`], as bee's `loadsave` does: each
//! node goes through the splitter at the upload's redundancy level and encryption (so a large node
//! becomes a chunk tree with parities and root replicas like any file), and is read back with the
//! joiner, bounded by [`MAX_NODE_SIZE`].

use super::error::ManifestError;
use super::node::{Loader, Saver, KEY_LEN, MAX_NODE_SIZE};
use crate::encryption::RandomSource;
use crate::file::splitter::StoreSink;
use crate::file::{split_bytes, JoinOptions, Joiner, SplitError, SplitOptions};
use crate::reference::Reference;
use crate::store::ChunkStore;

/// Loads and saves manifest nodes in a chunk store.
pub struct StoreLoadSaver<'a> {
    store: &'a dyn ChunkStore,
    split: SplitOptions,
    join: JoinOptions,
    rng: Option<&'a mut dyn RandomSource>,
    /// Chunks written by saves so far (data, intermediate and parity chunks; replicas excluded).
    pub chunks: u64,
    /// Root replicas written by saves so far.
    pub replicas: u64,
}

impl<'a> StoreLoadSaver<'a> {
    /// Reads nodes from `store` with `join`; saves (if ever) unencrypted at level none.
    pub fn reader(store: &'a dyn ChunkStore, join: JoinOptions) -> Self {
        Self::new(store, SplitOptions::default(), join, None)
    }

    /// Saves nodes into `store` with `split`; `rng` is needed for encrypted saves and for nodes
    /// without an obfuscation key.
    pub fn new(
        store: &'a dyn ChunkStore,
        split: SplitOptions,
        join: JoinOptions,
        rng: Option<&'a mut dyn RandomSource>,
    ) -> Self {
        StoreLoadSaver {
            store,
            split,
            join,
            rng,
            chunks: 0,
            replicas: 0,
        }
    }
}

impl Loader for StoreLoadSaver<'_> {
    fn load(&mut self, reference: &[u8]) -> Result<Vec<u8>, ManifestError> {
        let node = || hex::encode(reference);
        let r = Reference::from_bytes(reference).ok_or_else(|| ManifestError::BadReference {
            node: node(),
            len: reference.len(),
        })?;
        let joiner =
            Joiner::open(self.store, &r, self.join).map_err(|source| ManifestError::Load {
                node: node(),
                source,
            })?;
        if joiner.size() > MAX_NODE_SIZE {
            return Err(ManifestError::NodeTooLarge {
                node: node(),
                size: joiner.size(),
                max: MAX_NODE_SIZE,
            });
        }
        // The size is bounded just above; the joiner checks every chunk against the span.
        let mut out = Vec::with_capacity(usize::try_from(joiner.size()).unwrap_or(0));
        joiner
            .read_all(&mut out)
            .map_err(|source| ManifestError::Load {
                node: node(),
                source,
            })?;
        Ok(out)
    }
}

impl Saver for StoreLoadSaver<'_> {
    fn save(&mut self, data: &[u8]) -> Result<Vec<u8>, ManifestError> {
        let mut sink = StoreSink(self.store);
        let rng = self.rng.as_mut().map(|r| &mut **r as &mut dyn RandomSource);
        let summary = split_bytes(data, &mut sink, self.split, rng)?;
        self.chunks += summary.chunks;
        self.replicas += summary.replicas.len() as u64;
        Ok(summary.reference.to_bytes())
    }

    fn obfuscation_key(&mut self) -> Result<[u8; KEY_LEN], ManifestError> {
        let rng = self
            .rng
            .as_mut()
            .ok_or(ManifestError::Save(SplitError::NoRandomSource))?;
        let mut key = [0u8; KEY_LEN];
        rng.fill(&mut key)?;
        Ok(key)
    }
}
