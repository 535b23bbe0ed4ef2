//! Powers of two for shifts: a preprocessed table of 64 rows on the pow2
//! bus, `(key, p[4], zero)`:
//! - key `s` (0..32): `p = 2^s` (a left shift by `s` is a multiplication by it);
//! - key `32 + s`: `p = 2^(32 - s)` for `s > 0` (a right shift by `s` is the
//!   high word of a multiplication by it), and for `s = 0`, `p = 0` with
//!   `zero = 1` (a right shift by 0 is the value itself).

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder};
use p3_field::Field;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;

use crate::bus;

/// Rows.
pub const HEIGHT: usize = 64;
const WIDTH: usize = 6;

/// `(p, zero)` of a key.
pub fn entry(key: u32) -> (u32, bool) {
    match key {
        0..32 => (1 << key, false),
        32 => (0, true),
        _ => (1 << (64 - key), false),
    }
}

/// The table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pow2Air;

impl<F: Field> BaseAir<F> for Pow2Air {
    fn width(&self) -> usize {
        1
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let mut values = Vec::with_capacity(HEIGHT * WIDTH);
        for key in 0..HEIGHT as u32 {
            let (p, zero) = entry(key);
            values.push(F::from_u32(key));
            values.extend(p.to_le_bytes().map(F::from_u8));
            values.push(F::from_bool(zero));
        }
        Some(RowMajorMatrix::new(values, WIDTH))
    }

    fn preprocessed_width(&self) -> usize {
        WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for Pow2Air
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        crate::receive_rows(builder, bus::POW2);
    }
}
