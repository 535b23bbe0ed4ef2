//! The adder: `z = x + y mod 2^32` on bytes, with the carry out. One adder
//! serves ADD, SUB (run backwards), the comparisons and the addresses.

use p3_air::AirBuilder;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;

use crate::bytes::range_pair;
use crate::lookups::Lookups;

/// The adder's columns.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdderCols<T> {
    /// The first operand's bytes.
    pub x: [T; 4],
    /// The second operand's limbs (bytes wherever the user's own values are).
    pub y: [T; 4],
    /// The sum's bytes.
    pub z: [T; 4],
    /// The carries; the last is the carry out.
    pub carry: [T; 4],
}

crate::columns!(AdderCols, ADDER_WIDTH, ADDER_COLS);

impl<T: Copy> AdderCols<T> {
    /// `z_i + 256 carry_i = x_i + y_i + carry_(i-1)` with boolean carries on
    /// every row; `x` and `z` range-checked as bytes when `used` is 1.
    pub fn eval<AB>(&self, builder: &mut AB, used: AB::Expr)
    where
        AB: AirBuilder + InteractionBuilder,
        T: Into<AB::Expr>,
    {
        let mut carry_in = AB::Expr::ZERO;
        for i in 0..4 {
            let carry: AB::Expr = self.carry[i].into();
            builder.assert_bool(carry.clone());
            builder.assert_eq(
                self.z[i].into() + carry.clone() * AB::Expr::from_u32(256),
                self.x[i].into() + self.y[i].into() + carry_in,
            );
            carry_in = carry;
        }
        for w in [&self.x, &self.z] {
            range_pair(builder, w[0].into(), w[1].into(), used.clone());
            range_pair(builder, w[2].into(), w[3].into(), used.clone());
        }
    }
}

impl<F: Field> AdderCols<F> {
    /// Fills `z = x + y`; returns `(z, carry out)`.
    pub fn populate(&mut self, x: u32, y: u32, lookups: &mut Lookups) -> (u32, bool) {
        let (xs, ys) = (x.to_le_bytes(), y.to_le_bytes());
        let mut carry = 0u32;
        for i in 0..4 {
            carry = (u32::from(xs[i]) + u32::from(ys[i]) + carry) >> 8;
            self.carry[i] = F::from_u32(carry);
        }
        let z = x.wrapping_add(y);
        self.x = super::bytes_of(x);
        self.y = super::bytes_of(y);
        self.z = super::bytes_of(z);
        lookups.range_word(x);
        lookups.range_word(z);
        (z, carry == 1)
    }
}
