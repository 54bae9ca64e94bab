//! A fast keyed hash for the memory store's keys that no outsider chooses:
//! user ids (random), account numbers and group ids (chosen by Customer
//! Support). Keys people type (email identities, token selectors) keep
//! std's SipHash.

use std::hash::{BuildHasher, Hasher, RandomState};

/// Builds [`Folded`] hashers with two secret keys drawn at random for each
/// store, so that nobody can aim keys at one bucket.
#[derive(Debug, Clone)]
pub(super) struct Keyed([u64; 2]);

impl Default for Keyed {
    fn default() -> Keyed {
        let seed = RandomState::new();
        // An odd multiplier keeps every bit of the input.
        Keyed([seed.hash_one(0_u8), seed.hash_one(1_u8) | 1])
    }
}

impl BuildHasher for Keyed {
    type Hasher = Folded;

    fn build_hasher(&self) -> Folded {
        Folded {
            state: self.0[0],
            key: self.0[1],
        }
    }
}

/// Mixes each word in with one 64×64→128-bit multiply by the key, folded
/// back to 64 bits: a few cycles, where SipHash takes dozens.
#[derive(Debug)]
pub(super) struct Folded {
    state: u64,
    key: u64,
}

impl Hasher for Folded {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(n.into());
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n.into());
    }

    fn write_u64(&mut self, n: u64) {
        let product = u128::from(self.state ^ n) * u128::from(self.key);
        self.state = (product as u64) ^ ((product >> 64) as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Sequential account numbers spread over both the bucket bits (low)
    /// and hashbrown's tag bits (top seven).
    #[test]
    fn sequential_keys_spread_over_low_and_high_bits() {
        let keyed = Keyed::default();
        let hashes: Vec<u64> = (0..4096_u64).map(|n| keyed.hash_one(n)).collect();
        let low: HashSet<u64> = hashes.iter().map(|h| h & 0xfff).collect();
        let top: HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 2400, "{} distinct low 12-bit values", low.len());
        assert_eq!(top.len(), 128, "every tag value appears");
        assert_ne!(Keyed::default().hash_one(1_u64), keyed.hash_one(1_u64));
    }
}
