//! The random draws of an encrypted upload, made in bee's order ahead of the splitter's workers.
//!
//! bee encrypts chunk by chunk: a data chunk's key and padding are drawn when it is cut, and an
//! intermediate chunk's when its level fills up and is wrapped, right after the data chunk that
//! filled it. Seeded tests reproduce bee's references only if we draw in that order. The workers
//! hash whole level-1 groups while the splitter reads on, so a wrap happens later than bee's; but
//! a draw needs only the payload length, and a full level's wrap always has the same length. So
//! when a whole group goes to the workers, its data draws are made, then the draws of every wrap
//! the group will set off (its own level-1 wrap, and a level-2 wrap when that fills level 2, and
//! so on), and the wraps take their secrets from here when they finally run.

use std::collections::VecDeque;

use crate::encryption::{self, ChunkSecrets, EncryptionError, RandomSource};

/// Secrets drawn for wraps that have not run yet.
pub(super) struct WrapDraws {
    /// Entries each level will hold once every outstanding group has been wrapped (level 0, the
    /// data chunks, is wrapped with each group and stays 0).
    planned: Vec<usize>,
    /// Secrets for each level's next wraps, oldest first.
    drawn: Vec<VecDeque<ChunkSecrets>>,
}

impl WrapDraws {
    /// Nothing drawn, for a tree of `levels` levels.
    pub(super) fn new(levels: usize) -> Self {
        WrapDraws {
            planned: vec![0; levels],
            drawn: (0..levels).map(|_| VecDeque::new()).collect(),
        }
    }

    /// Takes the level's entry counts as they are; call when no group is outstanding.
    pub(super) fn sync(&mut self, entries: impl IntoIterator<Item = usize>) {
        for (p, n) in self.planned.iter_mut().zip(entries) {
            *p = n;
        }
    }

    /// After a whole group's data draws: draws for the group's wrap and for every wrap that one
    /// sets off, in bee's order. Every wrap is of a full level of `branches` entries, whose
    /// payload is `wrap_len` bytes. The top level never wraps (a full one is the splitter's
    /// "tree full" error, and draws nothing).
    pub(super) fn plan_group(
        &mut self,
        branches: usize,
        wrap_len: usize,
        rng: &mut dyn RandomSource,
    ) -> Result<(), EncryptionError> {
        let top = self.planned.len() - 1;
        let mut level = 0;
        loop {
            self.drawn[level].push_back(encryption::draw_secrets_for(wrap_len, rng)?);
            level += 1;
            self.planned[level] += 1;
            if self.planned[level] < branches || level == top {
                return Ok(());
            }
            self.planned[level] = 0;
        }
    }

    /// The secrets drawn for the next wrap of `level`, if any were.
    pub(super) fn take(&mut self, level: usize) -> Option<ChunkSecrets> {
        self.drawn.get_mut(level)?.pop_front()
    }

    /// Whether secrets are waiting for a wrap.
    pub(super) fn pending(&self) -> bool {
        self.drawn.iter().any(|d| !d.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encryption::BeeRand;

    #[test]
    fn a_group_draws_its_wrap_and_the_wraps_it_sets_off_in_order() {
        let mut draws = WrapDraws::new(3);
        let mut rng = BeeRand::new(5);
        let mut reference = BeeRand::new(5);
        // Three entries fill a level: groups 1 and 2 wrap level 0 only, group 3 fills level 1
        // and wraps it too, right after its own wrap.
        for group in 1..=3 {
            draws.plan_group(3, 4000, &mut rng).unwrap();
            let want = encryption::draw_secrets_for(4000, &mut reference).unwrap();
            assert_eq!(draws.drawn[0].back(), Some(&want), "group {group}");
            if group == 3 {
                let want = encryption::draw_secrets_for(4000, &mut reference).unwrap();
                assert_eq!(draws.drawn[1].back(), Some(&want));
            }
        }
        assert_eq!(draws.drawn[0].len(), 3);
        assert_eq!(draws.drawn[1].len(), 1);
        assert_eq!(draws.planned, vec![0, 0, 1]);
        assert_eq!(rng.consumed(), reference.consumed());
        let first = draws.take(0).unwrap();
        assert_ne!(draws.take(0), Some(first.clone()), "oldest first");
        assert!(draws.pending());
        draws.take(0);
        draws.take(1);
        assert!(!draws.pending());
        assert_eq!(draws.take(2), None);
        assert_eq!(draws.take(7), None, "no such level: nothing, no panic");
    }

    #[test]
    fn the_top_level_is_never_wrapped() {
        let mut draws = WrapDraws::new(2);
        let mut rng = BeeRand::new(1);
        draws.sync([0, 1]);
        draws.plan_group(2, 100, &mut rng).unwrap();
        assert_eq!(draws.planned, vec![0, 2]);
        assert_eq!(draws.drawn[1].len(), 0);
    }

    #[test]
    fn a_wrap_longer_than_a_chunk_is_refused() {
        let mut draws = WrapDraws::new(2);
        let err = draws.plan_group(2, 4097, &mut BeeRand::new(1)).unwrap_err();
        assert_eq!(err, EncryptionError::PayloadTooLong { payload_len: 4097 });
    }
}
