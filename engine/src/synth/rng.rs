//! A tiny seeded random generator, so synthetic data is the same on every
//! machine, every target and every version of every dependency.
//!
//! SplitMix64 is small, fast, passes BigCrush and — unlike a general-purpose
//! `rand` generator — will never change its output under us.

/// A SplitMix64 generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// A generator for one part of the data (a room, a day), independent of
    /// every other part, so any part can be generated alone.
    pub(crate) fn derive(seed: u64, parts: &[u64]) -> Rng {
        let mut h = mix(seed ^ 0x9E37_79B9_7F4A_7C15);
        for &p in parts {
            h = mix(h ^ mix(p.wrapping_add(0xD1B5_4A32_D192_ED03)));
        }
        Rng::new(h)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `[0, n)`; 0 when `n` is 0.
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        // Lemire's multiply-shift; the tiny bias is irrelevant for test data.
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// A number in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    /// `true` with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index into `weights`, drawn in proportion to them.
    pub(crate) fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// 16 random bytes (ids written into documents).
    pub(crate) fn bytes16(&mut self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        out[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        out
    }
}

/// The SplitMix64 output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_never_changes() {
        // Reference values of SplitMix64 seeded with 0.
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::derive(42, &[1, 2]);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            let b = rng.between(3, 5);
            assert!((3..=5).contains(&b));
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
            assert_eq!(rng.pick(&[0.0, 1.0, 0.0]), 1);
        }
        assert_ne!(
            Rng::derive(42, &[1, 2]).next_u64(),
            Rng::derive(42, &[2, 1]).next_u64()
        );
    }
}
