//! What a trace asks of the lookup tables: the multiplicities of the byte
//! table and the powers-of-two table. Every gadget's `populate` records its
//! own lookups here, beside the `eval` that sends them, so no count is
//! written twice.

use crate::bytes::{self, tag};
use crate::pow2;

/// Multiplicities of the provided lookup tables, as trace generation
/// records them.
#[derive(Clone, Debug)]
pub struct Lookups {
    /// Per row of the byte table (see [`bytes::row_of`]), one count per tag
    /// in [`tag::ALL`] order.
    pub bytes: Vec<[u32; 4]>,
    /// Per key of the powers-of-two table.
    pub pow2: Vec<u32>,
}

impl Default for Lookups {
    fn default() -> Self {
        Lookups {
            bytes: vec![[0; 4]; 1 << bytes::LOG_HEIGHT],
            pow2: vec![0; pow2::HEIGHT],
        }
    }
}

impl Lookups {
    /// `(t, a, b, _)` on the bytes bus; `a` and `b` are bytes.
    pub fn byte(&mut self, t: u32, a: u32, b: u32) {
        debug_assert!(
            a < 256 && b < 256,
            "({t}, {a}, {b}) is not in the byte table"
        );
        let column = tag::ALL.iter().position(|&x| x == t).expect("a tag");
        self.bytes[bytes::row_of(a as u8, b as u8)][column] += 1;
    }

    /// `(RANGE, a, b, 0)`: both bytes.
    pub fn range(&mut self, a: u32, b: u32) {
        self.byte(tag::RANGE, a, b);
    }

    /// The four bytes of `w` as two range pairs.
    pub fn range_word(&mut self, w: u32) {
        let [b0, b1, b2, b3] = w.to_le_bytes().map(u32::from);
        self.range(b0, b1);
        self.range(b2, b3);
    }

    /// `(key, ..)` on the pow2 bus.
    pub fn pow2(&mut self, key: u32) {
        self.pow2[key as usize] += 1;
    }
}
