//! splitmix64 (Steele, Lea and Flood 2014): the simulator's seeded generator.
//!
//! Written out rather than taken from `rand`: `rand` is only a transitive dependency (of libp2p) with
//! features and versions that are not ours to pin, while the simulator's figures must stay the same
//! for a seed across dependency updates. splitmix64 is nine lines, passes BigCrush, and is the
//! generator the tests and `examples/loss_experiment.rs` already use (`tests/it/common/rng.rs`).

/// The generator; the field is its state.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A generator for stream `stream` of seed `seed` (independent-looking streams per run).
    pub fn derive(seed: u64, stream: u64) -> SplitMix64 {
        let mut g = SplitMix64(seed ^ stream.wrapping_mul(0xd134_2543_de82_ef95));
        SplitMix64(g.next_u64())
    }

    /// Uniform in `0..n` for `n > 0` (Lemire's multiply-shift; bias below 2^-32 for the sizes used).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in (0, 1], 53-bit resolution.
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// An exponential variate with rate `rate` (> 0).
    pub fn exponential(&mut self, rate: f64) -> f64 {
        -self.unit().ln() / rate
    }

    /// 32 random bytes.
    pub fn bytes32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for part in out.chunks_exact_mut(8) {
            part.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        out
    }
}
