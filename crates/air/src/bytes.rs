//! The byte table: one preprocessed row for every pair of bytes `(a, b)`
//! with `a & b`, `a | b` and `a ^ b`. Other tables look up
//! `(tag, a, b, c)` on the bytes bus:
//! - `(AND, a, b, a & b)`, `(OR, a, b, a | b)`, `(XOR, a, b, a ^ b)`;
//! - `(RANGE, a, b, 0)`: both `a` and `b` are bytes.
//!
//! The table's main columns are the multiplicities, one per tag (provided
//! counts: a lookup of a tuple not in the table cannot balance).

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};
use p3_matrix::dense::RowMajorMatrix;

use crate::bus;

/// The tags of the bytes bus.
pub mod tag {
    /// `c = a & b`.
    pub const AND: u32 = 1;
    /// `c = a | b`.
    pub const OR: u32 = 2;
    /// `c = a ^ b`.
    pub const XOR: u32 = 3;
    /// `a` and `b` are bytes; `c = 0`.
    pub const RANGE: u32 = 4;
    /// All tags, in multiplicity-column order.
    pub const ALL: [u32; 4] = [AND, OR, XOR, RANGE];
}

/// Rows: 2^16.
pub const LOG_HEIGHT: usize = 16;

/// The byte table.
#[derive(Clone, Copy, Debug, Default)]
pub struct BytesAir;

/// The row of `(a, b)`.
pub fn row_of(a: u8, b: u8) -> usize {
    usize::from(a) | (usize::from(b) << 8)
}

impl<F: Field> BaseAir<F> for BytesAir {
    fn width(&self) -> usize {
        tag::ALL.len()
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let mut values = Vec::with_capacity(5 << LOG_HEIGHT);
        for b in 0..=255u8 {
            for a in 0..=255u8 {
                values.extend([a, b, a & b, a | b, a ^ b].map(|v| F::from_u8(v)));
            }
        }
        Some(RowMajorMatrix::new(values, 5))
    }

    fn preprocessed_width(&self) -> usize {
        5
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for BytesAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let pre = builder.preprocessed().current_slice().to_vec();
        let main = builder.main().current_slice().to_vec();
        let [a, b, and, or, xor] = [0, 1, 2, 3, 4].map(|i| pre[i].into());
        let results: [AB::Expr; 4] = [and, or, xor, AB::Expr::ZERO];
        for ((t, c), m) in tag::ALL.into_iter().zip(results).zip(main) {
            builder.push_interaction(
                bus::BYTES,
                [AB::Expr::from_u32(t), a.clone(), b.clone(), c],
                Count::provided(-m.into()),
            );
        }
    }
}

/// Looks up `(RANGE, a, b, 0)`: both are bytes, when `count` is 1.
pub fn range_pair<AB>(builder: &mut AB, a: AB::Expr, b: AB::Expr, count: AB::Expr)
where
    AB: InteractionBuilder,
{
    builder.push_interaction(
        bus::BYTES,
        [AB::Expr::from_u32(tag::RANGE), a, b, AB::Expr::ZERO],
        Count::bounded(count, 1),
    );
}
