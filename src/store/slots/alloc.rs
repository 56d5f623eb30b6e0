//! Which slots of the data file are in use: one bit a slot (32 KiB of memory per GiB of chunks),
//! rebuilt from the index when the store opens.
//!
//! A slot freed by a removal is not handed out again until the removal is durable
//! ([`Slots::release_pending`] after the store's durable commit): until then the durable index may
//! still name the slot's old chunk, and a crash must find that chunk's record there, not another's.

/// The slot bitmap.
#[derive(Debug, Default)]
pub struct Slots {
    used: Vec<u64>,
    /// No free slot below word `cursor`.
    cursor: usize,
    /// Slots freed since the last durable commit.
    pending: Vec<u64>,
}

impl Slots {
    /// Marks `slot` in use (building the bitmap from the index); `false` if it was in use already.
    pub fn mark(&mut self, slot: u64) -> bool {
        let (word, bit) = ((slot / 64) as usize, slot % 64);
        if word >= self.used.len() {
            self.used.resize(word + 1, 0);
        }
        let was = self.used[word] & (1 << bit) != 0;
        self.used[word] |= 1 << bit;
        !was
    }

    /// Takes the lowest free slot.
    pub fn take(&mut self) -> u64 {
        while self.cursor < self.used.len() && self.used[self.cursor] == u64::MAX {
            self.cursor += 1;
        }
        if self.cursor == self.used.len() {
            self.used.push(0);
        }
        let bit = self.used[self.cursor].trailing_ones() as u64;
        let slot = self.cursor as u64 * 64 + bit;
        self.used[self.cursor] |= 1 << bit;
        slot
    }

    /// Frees `slot` once the next durable commit is done.
    pub fn free_after_commit(&mut self, slot: u64) {
        self.pending.push(slot);
    }

    /// Frees `slot` now (a slot taken for a write that was not committed).
    pub fn free(&mut self, slot: u64) {
        let word = (slot / 64) as usize;
        if let Some(w) = self.used.get_mut(word) {
            *w &= !(1 << (slot % 64));
            self.cursor = self.cursor.min(word);
        }
    }

    /// The durable commit is done: the slots freed before it may be used again.
    pub fn release_pending(&mut self) {
        for slot in std::mem::take(&mut self.pending) {
            self.free(slot);
        }
    }

    /// Slots in use.
    pub fn count(&self) -> u64 {
        self.used.iter().map(|w| w.count_ones() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_lowest_free_slot_and_reuses_freed_ones_only_after_commit() {
        let mut s = Slots::default();
        assert!(s.mark(0));
        assert!(s.mark(2));
        assert!(s.mark(130));
        assert!(!s.mark(2), "in use already");
        assert_eq!(s.take(), 1);
        assert_eq!(s.take(), 3);
        s.free_after_commit(2);
        assert_eq!(s.take(), 4, "a removal not yet durable keeps its slot");
        s.release_pending();
        assert_eq!(s.take(), 2);
        for want in 5..130 {
            assert_eq!(s.take(), want);
        }
        assert_eq!(s.take(), 131);
        s.free(64);
        assert_eq!(s.take(), 64);
        assert_eq!(s.count(), 132);
    }
}
