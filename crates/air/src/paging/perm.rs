//! The compression table: one Poseidon2 permutation a row, `p3-poseidon2-air`
//! 0.8.0's columns and constraints (evaluated on its columns through a
//! sub-builder) with KoalaBear's fixed round constants, the ones
//! [`super::tree::Compressor`] hashes with. Each row answers
//! `(left, right, compress(left, right))` on the compress bus as often as
//! its multiplicity says; padding rows permute zeros and answer nothing.

use core::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_koala_bear::{
    GenericPoseidon2LinearLayersKoalaBear, KOALABEAR_POSEIDON2_HALF_FULL_ROUNDS,
    KOALABEAR_POSEIDON2_PARTIAL_ROUNDS_16, KOALABEAR_POSEIDON2_RC_16_EXTERNAL_FINAL,
    KOALABEAR_POSEIDON2_RC_16_EXTERNAL_INITIAL, KOALABEAR_POSEIDON2_RC_16_INTERNAL,
};
use p3_lookup::{Count, InteractionBuilder};
use p3_matrix::dense::RowMajorMatrix;
use p3_poseidon2_air::{
    Poseidon2Air, Poseidon2Cols, RoundConstants, generate_trace_rows, num_cols,
};
use p3_uni_stark::SubAirBuilder;

use super::tree::Digest;
use crate::{Val, bus};

const WIDTH: usize = 16;
const SBOX_DEGREE: u64 = 3;
const SBOX_REGISTERS: usize = 0;
const HALF_FULL: usize = KOALABEAR_POSEIDON2_HALF_FULL_ROUNDS;
const PARTIAL: usize = KOALABEAR_POSEIDON2_PARTIAL_ROUNDS_16;

type P2Air = Poseidon2Air<
    Val,
    GenericPoseidon2LinearLayersKoalaBear,
    WIDTH,
    SBOX_DEGREE,
    SBOX_REGISTERS,
    HALF_FULL,
    PARTIAL,
>;
type P2Cols<T> = Poseidon2Cols<T, WIDTH, SBOX_DEGREE, SBOX_REGISTERS, HALF_FULL, PARTIAL>;

/// `p3-poseidon2-air`'s columns.
pub const P2_WIDTH: usize = num_cols::<WIDTH, SBOX_DEGREE, SBOX_REGISTERS, HALF_FULL, PARTIAL>();
/// The multiplicity's column (after the permutation's).
pub const MULT: usize = P2_WIDTH;
/// The table's width.
pub const PERM_WIDTH: usize = P2_WIDTH + 1;

fn constants() -> RoundConstants<Val, WIDTH, HALF_FULL, PARTIAL> {
    RoundConstants::new(
        KOALABEAR_POSEIDON2_RC_16_EXTERNAL_INITIAL,
        KOALABEAR_POSEIDON2_RC_16_INTERNAL,
        KOALABEAR_POSEIDON2_RC_16_EXTERNAL_FINAL,
    )
}

/// A compression's message: `(left, right, out)`.
pub fn message<E: Clone>(left: &[E], right: &[E], out: &[E]) -> Vec<E> {
    [left, right, out].concat()
}

/// `p3-poseidon2-air`'s table with KoalaBear's constants, built once.
fn p2() -> &'static P2Air {
    static AIR: std::sync::OnceLock<P2Air> = std::sync::OnceLock::new();
    AIR.get_or_init(|| P2Air::new(constants()))
}

/// The compression table.
#[derive(Clone, Copy, Debug, Default)]
pub struct PermAir;

impl PermAir {
    /// The table of these compressions (`(left, right)` and how many times
    /// each is asked for), padded to a power of two (at least 16 rows).
    pub fn trace(&self, calls: &[([Digest; 2], u32)]) -> RowMajorMatrix<Val> {
        let height = calls.len().next_power_of_two().max(16);
        let mut inputs = vec![[Val::ZERO; WIDTH]; height];
        for (input, ([l, r], _)) in inputs.iter_mut().zip(calls) {
            input[..8].copy_from_slice(l);
            input[8..].copy_from_slice(r);
        }
        let p2 = generate_trace_rows::<
            Val,
            GenericPoseidon2LinearLayersKoalaBear,
            WIDTH,
            SBOX_DEGREE,
            SBOX_REGISTERS,
            HALF_FULL,
            PARTIAL,
        >(inputs, &constants(), 0);
        let mut values = Val::zero_vec(height * PERM_WIDTH);
        for (i, (row, p)) in values
            .chunks_mut(PERM_WIDTH)
            .zip(p2.values.chunks(P2_WIDTH))
            .enumerate()
        {
            row[..P2_WIDTH].copy_from_slice(p);
            row[MULT] = Val::from_u32(calls.get(i).map_or(0, |c| c.1));
        }
        RowMajorMatrix::new(values, PERM_WIDTH)
    }
}

impl<F: Field> BaseAir<F> for PermAir {
    fn width(&self) -> usize {
        PERM_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for PermAir
where
    AB: AirBuilder<F = Val> + PermutationAirBuilder + InteractionBuilder,
{
    fn eval(&self, builder: &mut AB) {
        {
            let mut sub: SubAirBuilder<'_, AB, P2Air, AB::Var> =
                SubAirBuilder::new(builder, 0..P2_WIDTH);
            p2().eval(&mut sub);
        }
        let main = builder.main();
        let local = main.current_slice();
        let p: &P2Cols<AB::Var> = local[..P2_WIDTH].borrow();
        let input: Vec<AB::Expr> = p.inputs.iter().map(|&v| v.into()).collect();
        let out: Vec<AB::Expr> = p.ending_full_rounds[HALF_FULL - 1].post[..8]
            .iter()
            .map(|&v| v.into())
            .collect();
        builder.push_interaction(
            bus::COMPRESS,
            message(&input[..8], &input[8..], &out),
            Count::provided(-local[MULT].into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use p3_field::PrimeField32;

    use super::*;
    use crate::paging::tree::Compressor;

    #[test]
    fn each_row_computes_the_trees_compression() {
        let d = |s: u32| -> Digest { core::array::from_fn(|i| Val::from_u32(s * 1000 + i as u32)) };
        let calls = [([d(1), d(2)], 3), ([d(0), d(0)], 1), ([d(7), d(5)], 0)];
        let trace = PermAir.trace(&calls);
        assert_eq!(trace.values.len(), 16 * PERM_WIDTH);
        let c = Compressor::default();
        for (row, ([l, r], m)) in trace.values.chunks(PERM_WIDTH).zip(calls) {
            let p: &P2Cols<Val> = row[..P2_WIDTH].borrow();
            assert_eq!(
                p.ending_full_rounds[HALF_FULL - 1].post[..8],
                c.compress(l, r)
            );
            assert_eq!(row[MULT].as_canonical_u32(), m);
        }
        let failures = p3_air::check_all_constraints(&PermAir, &trace, &[], Some(4));
        assert!(failures.failures.is_empty(), "{:?}", failures.failures);
    }
}
