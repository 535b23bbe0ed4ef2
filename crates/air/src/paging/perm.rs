//! The compression table: one Poseidon2 permutation (width 16, KoalaBear's
//! fixed round constants, the ones [`super::tree::Compressor`] hashes with)
//! every [`ROWS`] rows, two full rounds or five partial rounds a row. The
//! first row of each permutation answers `(left, right, compress(left,
//! right))` on the compress bus as often as its multiplicity says; padding
//! permutes zeros and answers nothing.
//!
//! **Why eight narrow rows and not one wide one.** Every FRI query opens a
//! row of every table, whatever its height: a permutation a row (the 165
//! columns of `p3-poseidon2-air`) cost every proof 165 opened columns for a
//! table of a few hundred rows. Here a row is [`PERM_WIDTH`] (62) columns,
//! and a compression eight rows (2.6 times the cells; the table is a small
//! share of a proof's).
//!
//! **The rows of a permutation** (aligned on [`ROWS`]; periodic columns say
//! which row is which and hold the round constants):
//!
//! | row | rounds |
//! |---|---|
//! | 0, 1 | the four initial full rounds, two a row |
//! | 2 to 5 | the twenty partial rounds, five a row |
//! | 6, 7 | the four final full rounds, two a row |
//!
//! Each row holds the state `x` entering its rounds and the S-box outputs of
//! *both* kinds of rounds computed from `x` (round constants zero where the
//! row is of the other kind): `full[0] = (x + rc0)^3`, `full[1] = (M_E
//! full[0] + rc1)^3`, and `partial[j] = (v_j[0] + rcp_j)^3` where `v_0 = x`
//! and `v_{j+1}` is `v_j` with lane 0 replaced by `partial[j]`, times `M_I`.
//! These constraints hold on every row alike (degree 3; a periodic selector
//! in front would make them degree 4), so the row's kind only chooses, in
//! degree-2 constraints, which result the next row's `x` is: `M_E full[1]`
//! after a full row, `v_5` after a partial one. Row 0's `x` is `M_E` of the
//! input (Poseidon2's initial linear layer), so the message's input is `M_E^-1
//! x`, a fixed linear map of the row; the multiplicity is zero on the other
//! rows (a periodic flag). Row 7's `M_E full[1]` is the
//! permutation's output; its first eight elements are `out`, held equal on
//! all eight rows so that row 0 can send them.

use core::borrow::Borrow;
use std::sync::OnceLock;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_koala_bear::{
    GenericPoseidon2LinearLayersKoalaBear, KOALABEAR_POSEIDON2_RC_16_EXTERNAL_FINAL,
    KOALABEAR_POSEIDON2_RC_16_EXTERNAL_INITIAL, KOALABEAR_POSEIDON2_RC_16_INTERNAL,
};
use p3_lookup::{Count, InteractionBuilder};
use p3_matrix::dense::RowMajorMatrix;
use p3_poseidon2::GenericPoseidon2LinearLayers;

use super::tree::Digest;
use crate::{Val, bus, columns};

const WIDTH: usize = 16;
/// Rows a permutation.
pub const ROWS: usize = 8;
/// Full rounds a full row.
const FULL_PER_ROW: usize = 2;
/// Partial rounds a partial row.
pub const PARTIAL_PER_ROW: usize = 5;

type Layers = GenericPoseidon2LinearLayersKoalaBear;

/// The columns of a row.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PermCols<T> {
    /// The state entering the row's rounds.
    pub x: [T; WIDTH],
    /// The S-box outputs of two full rounds from `x`.
    pub full: [[T; WIDTH]; FULL_PER_ROW],
    /// The S-box outputs of five partial rounds from `x`.
    pub partial: [T; PARTIAL_PER_ROW],
    /// The permutation's output's first eight elements (the compression),
    /// the same on its eight rows.
    pub out: [T; 8],
    /// How many times the compression is asked for: on row 0, zero on the
    /// others.
    pub mult: T,
}

columns!(PermCols, PERM_WIDTH, PERM_COLS);

/// What a row does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Full rounds: these round constants, two rounds of sixteen.
    Full([[Val; WIDTH]; FULL_PER_ROW]),
    /// Partial rounds: these constants.
    Partial([Val; PARTIAL_PER_ROW]),
}

/// Row `r` of a permutation.
fn kind(r: usize) -> Kind {
    let pair = |rc: &[[Val; WIDTH]; 4], i: usize| [rc[2 * i], rc[2 * i + 1]];
    match r {
        0 | 1 => Kind::Full(pair(&KOALABEAR_POSEIDON2_RC_16_EXTERNAL_INITIAL, r)),
        6 | 7 => Kind::Full(pair(&KOALABEAR_POSEIDON2_RC_16_EXTERNAL_FINAL, r - 6)),
        _ => Kind::Partial(core::array::from_fn(|j| {
            KOALABEAR_POSEIDON2_RC_16_INTERNAL[PARTIAL_PER_ROW * (r - 2) + j]
        })),
    }
}

/// The periodic columns, in order.
pub mod periodic {
    use super::{FULL_PER_ROW, PARTIAL_PER_ROW, WIDTH};
    /// The full rounds' constants: `FULL_RC + 16 k + i` for round `k` of the
    /// row, lane `i` (zero on partial rows).
    pub const FULL_RC: usize = 0;
    /// The partial rounds' constants (zero on full rows).
    pub const PARTIAL_RC: usize = FULL_RC + FULL_PER_ROW * WIDTH;
    /// 1 on row 0.
    pub const FIRST: usize = PARTIAL_RC + PARTIAL_PER_ROW;
    /// 1 on rows 0, 1 and 6: the next row's state is `M_E full[1]`.
    pub const FULL_NEXT: usize = FIRST + 1;
    /// 1 on rows 2 to 5: the next row's state is the partial rounds'.
    pub const PARTIAL_NEXT: usize = FULL_NEXT + 1;
    /// 1 on row 7.
    pub const LAST: usize = PARTIAL_NEXT + 1;
    /// How many.
    pub const COUNT: usize = LAST + 1;
}

/// `M_E state`.
fn external<R: PrimeCharacteristicRing>(mut state: [R; WIDTH]) -> [R; WIDTH] {
    Layers::external_linear_layer(&mut state);
    state
}

/// The S-box, `(x + rc)^3`.
fn sbox<R: PrimeCharacteristicRing>(x: R, rc: R) -> R {
    (x + rc).cube()
}

/// The inputs of the partial rounds' S-boxes and the state after them, from
/// the row's state `x`, with `sbox(j, v_j[0])` the S-box output of round
/// `j` (the row's column in the AIR, the cube when filling it): `v_0 = x`,
/// `v_{j+1} = M_I (v_j with lane 0 = sbox(j, v_j[0]))`; returns `([v_j[0]],
/// v_5)`.
fn partial_rounds<R: PrimeCharacteristicRing + Clone>(
    x: [R; WIDTH],
    mut sbox: impl FnMut(usize, R) -> R,
) -> ([R; PARTIAL_PER_ROW], [R; WIDTH]) {
    let mut v = x;
    let inputs = core::array::from_fn(|j| {
        let input = v[0].clone();
        v[0] = sbox(j, input.clone());
        Layers::internal_linear_layer(&mut v);
        input
    });
    (inputs, v)
}

/// `M_E^-1`, rows of coefficients.
fn external_inverse() -> &'static [[Val; WIDTH]; WIDTH] {
    static INVERSE: OnceLock<[[Val; WIDTH]; WIDTH]> = OnceLock::new();
    INVERSE.get_or_init(|| {
        // M_E's columns are its images of the unit vectors; invert [M | I]
        // by Gauss-Jordan elimination (M_E is MDS, so invertible).
        let columns: Vec<[Val; WIDTH]> = (0..WIDTH)
            .map(|j| external(core::array::from_fn(|i| Val::from_bool(i == j))))
            .collect();
        let mut m: Vec<Vec<Val>> = (0..WIDTH)
            .map(|i| {
                let mut row: Vec<Val> = columns.iter().map(|c| c[i]).collect();
                row.extend((0..WIDTH).map(|j| Val::from_bool(i == j)));
                row
            })
            .collect();
        for col in 0..WIDTH {
            let pivot = (col..WIDTH)
                .find(|&r| m[r][col] != Val::ZERO)
                .expect("M_E is invertible");
            m.swap(col, pivot);
            let inv = m[col][col].inverse();
            m[col].iter_mut().for_each(|v| *v *= inv);
            for r in 0..WIDTH {
                if r != col && m[r][col] != Val::ZERO {
                    let factor = m[r][col];
                    let pivot_row = m[col].clone();
                    for (v, p) in m[r].iter_mut().zip(pivot_row) {
                        *v -= factor * p;
                    }
                }
            }
        }
        core::array::from_fn(|i| core::array::from_fn(|j| m[i][WIDTH + j]))
    })
}

/// A compression's message: `(left, right, out)`.
pub fn message<E: Clone>(left: &[E], right: &[E], out: &[E]) -> Vec<E> {
    [left, right, out].concat()
}

/// Where [`PermAir::trace_with`] lets a test edit a row: its state before
/// the row's S-boxes are computed from it, its first full round's S-boxes
/// before the second's, or all its S-box outputs before the next row's
/// state is computed from them.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `x` is set; `full` and `partial` are not yet.
    State,
    /// `full[0]` is set; `full[1]` and `partial` are not yet.
    FirstFullRound,
    /// `full` and `partial` are set.
    SBoxes,
}

/// The compression table.
#[derive(Clone, Copy, Debug, Default)]
pub struct PermAir;

impl PermAir {
    /// The table of these compressions (`(left, right)` and how many times
    /// each is asked for), padded with compressions of zeros asked for no
    /// times to a power of two of permutations (at least two).
    pub fn trace(&self, calls: &[([Digest; 2], u32)]) -> RowMajorMatrix<Val> {
        self.trace_with(calls, |_, _, _, _| {})
    }

    /// [`Self::trace`], calling `edit(stage, call, row, cols)` on each row
    /// `row` of the permutation of `calls[call]` at both [`Stage`]s (what
    /// follows is computed from the edited row: tamper tests forge with
    /// it).
    #[doc(hidden)]
    pub fn trace_with(
        &self,
        calls: &[([Digest; 2], u32)],
        mut edit: impl FnMut(Stage, usize, usize, &mut PermCols<Val>),
    ) -> RowMajorMatrix<Val> {
        let perms = calls.len().next_power_of_two().max(2);
        let mut values = Val::zero_vec(perms * ROWS * PERM_WIDTH);
        let zero = ([[Val::ZERO; 8]; 2], 0);
        for (c, rows) in values.chunks_mut(ROWS * PERM_WIDTH).enumerate() {
            let ([left, right], mult) = calls.get(c).copied().unwrap_or(zero);
            let mut input = [Val::ZERO; WIDTH];
            input[..8].copy_from_slice(&left);
            input[8..].copy_from_slice(&right);
            let mut state = external(input);
            for (r, row) in rows.chunks_mut(PERM_WIDTH).enumerate() {
                let row: &mut PermCols<Val> = crate::cols::borrow_row_mut(row);
                row.x = state;
                edit(Stage::State, c, r, row);
                let (full_rc, partial_rc) = match kind(r) {
                    Kind::Full(rc) => (rc, [Val::ZERO; PARTIAL_PER_ROW]),
                    Kind::Partial(rc) => ([[Val::ZERO; WIDTH]; FULL_PER_ROW], rc),
                };
                row.full[0] = core::array::from_fn(|i| sbox(row.x[i], full_rc[0][i]));
                edit(Stage::FirstFullRound, c, r, row);
                let into_second = external(row.full[0]);
                row.full[1] = core::array::from_fn(|i| sbox(into_second[i], full_rc[1][i]));
                let mut cubes = [Val::ZERO; PARTIAL_PER_ROW];
                let _ = partial_rounds(row.x, |j, input| {
                    cubes[j] = sbox(input, partial_rc[j]);
                    cubes[j]
                });
                row.partial = cubes;
                edit(Stage::SBoxes, c, r, row);
                state = match kind(r) {
                    Kind::Full(_) => external(row.full[1]),
                    Kind::Partial(_) => partial_rounds(row.x, |j, _| row.partial[j]).1,
                };
            }
            // The last row's state is the permutation's output.
            for (r, row) in rows.chunks_mut(PERM_WIDTH).enumerate() {
                let row: &mut PermCols<Val> = crate::cols::borrow_row_mut(row);
                row.out.copy_from_slice(&state[..8]);
                row.mult = Val::from_u32(if r == 0 { mult } else { 0 });
            }
        }
        RowMajorMatrix::new(values, PERM_WIDTH)
    }
}

impl<F: Field> BaseAir<F> for PermAir {
    fn width(&self) -> usize {
        PERM_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        PERM_COLS.x.iter().chain(&PERM_COLS.out).copied().collect()
    }

    fn num_periodic_columns(&self) -> usize {
        periodic::COUNT
    }

    fn periodic_columns(&self) -> std::borrow::Cow<'_, [Vec<F>]> {
        let column = |f: &dyn Fn(usize) -> F| (0..ROWS).map(f).collect::<Vec<F>>();
        let flag = |rows: &'static [usize]| column(&|r| F::from_bool(rows.contains(&r)));
        let lift = |v: Val| F::from_u32(p3_field::PrimeField32::as_canonical_u32(&v));
        let mut columns = Vec::with_capacity(periodic::COUNT);
        for k in 0..FULL_PER_ROW {
            for i in 0..WIDTH {
                columns.push(column(&|r| match kind(r) {
                    Kind::Full(rc) => lift(rc[k][i]),
                    Kind::Partial(_) => F::ZERO,
                }));
            }
        }
        for j in 0..PARTIAL_PER_ROW {
            columns.push(column(&|r| match kind(r) {
                Kind::Full(_) => F::ZERO,
                Kind::Partial(rc) => lift(rc[j]),
            }));
        }
        columns.push(flag(&[0]));
        columns.push(flag(&[0, 1, 6]));
        columns.push(flag(&[2, 3, 4, 5]));
        columns.push(flag(&[7]));
        std::borrow::Cow::Owned(columns)
    }
}

impl<AB> Air<AB> for PermAir
where
    AB: AirBuilder<F = Val> + PermutationAirBuilder + InteractionBuilder,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &PermCols<AB::Var> = main.current_slice().borrow();
        let next: &PermCols<AB::Var> = main.next_slice().borrow();
        let p: Vec<AB::Expr> = builder
            .periodic_values()
            .iter()
            .map(|&v| v.into())
            .collect();
        let expr = |v: &[AB::Var; WIDTH]| -> [AB::Expr; WIDTH] { v.map(Into::into) };
        let x = expr(&local.x);

        // The S-boxes of two full rounds and of five partial rounds from
        // `x`, on every row.
        let full_rc = |k: usize, i: usize| p[periodic::FULL_RC + WIDTH * k + i].clone();
        let into_second = external(expr(&local.full[0]));
        for i in 0..WIDTH {
            builder.assert_eq(local.full[0][i], sbox(x[i].clone(), full_rc(0, i)));
            builder.assert_eq(
                local.full[1][i],
                sbox(into_second[i].clone(), full_rc(1, i)),
            );
        }
        let partial: [AB::Expr; PARTIAL_PER_ROW] = local.partial.map(Into::into);
        let (inputs, after_partial) = partial_rounds(x, |j, _| partial[j].clone());
        for (j, input) in inputs.into_iter().enumerate() {
            builder.assert_eq(
                local.partial[j],
                sbox(input, p[periodic::PARTIAL_RC + j].clone()),
            );
        }

        // The next row's state: the full rounds' or the partial rounds'.
        let after_full = external(expr(&local.full[1]));
        let full_next = p[periodic::FULL_NEXT].clone();
        let partial_next = p[periodic::PARTIAL_NEXT].clone();
        for i in 0..WIDTH {
            builder.assert_zero(full_next.clone() * (next.x[i].into() - after_full[i].clone()));
            builder
                .assert_zero(partial_next.clone() * (next.x[i].into() - after_partial[i].clone()));
        }

        // The output: the last row's, held on every row of the permutation.
        let last = p[periodic::LAST].clone();
        for i in 0..8 {
            builder.assert_zero(last.clone() * (local.out[i].into() - after_full[i].clone()));
            builder.assert_zero(
                (AB::Expr::ONE - last.clone()) * (next.out[i].into() - local.out[i].into()),
            );
        }

        // Row 0 answers `(input, out)`: the input is `M_E^-1 x`. No other
        // row answers (its `x` is a state within the permutation).
        builder.assert_zero((AB::Expr::ONE - p[periodic::FIRST].clone()) * local.mult.into());
        let input: Vec<AB::Expr> = external_inverse()
            .iter()
            .map(|coefficients| {
                coefficients
                    .iter()
                    .zip(&local.x)
                    .fold(AB::Expr::ZERO, |acc, (&c, &v)| acc + v.into() * c)
            })
            .collect();
        let out: Vec<AB::Expr> = local.out.iter().map(|&v| v.into()).collect();
        builder.push_interaction(
            bus::COMPRESS,
            message(&input[..8], &input[8..], &out),
            Count::provided(-local.mult.into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use p3_field::PrimeField32;
    use p3_matrix::Matrix;

    use super::*;
    use crate::paging::tree::Compressor;

    #[test]
    fn every_eight_rows_compute_the_trees_compression() {
        let d = |s: u32| -> Digest { core::array::from_fn(|i| Val::from_u32(s * 1000 + i as u32)) };
        let calls = [([d(1), d(2)], 3), ([d(0), d(0)], 1), ([d(7), d(5)], 0)];
        let trace = PermAir.trace(&calls);
        assert_eq!(trace.height(), 4 * ROWS);
        assert_eq!(PERM_WIDTH, 62);
        let c = Compressor::default();
        // The padding: a compression of zeros, asked for no times.
        let padded = calls.into_iter().chain([([[Val::ZERO; 8]; 2], 0)]);
        for (rows, ([l, r], m)) in trace.values.chunks(ROWS * PERM_WIDTH).zip(padded) {
            for (k, row) in rows.chunks(PERM_WIDTH).enumerate() {
                let row: &PermCols<Val> = row.borrow();
                assert_eq!(row.out, c.compress(l, r));
                assert_eq!(row.mult.as_canonical_u32(), if k == 0 { m } else { 0 });
            }
            // Row 0's state is M_E of the input, which M_E^-1 undoes.
            let row: &PermCols<Val> = rows[..PERM_WIDTH].borrow();
            let input: Vec<Val> = external_inverse()
                .iter()
                .map(|cs| cs.iter().zip(&row.x).map(|(&c, &v)| c * v).sum())
                .collect();
            assert_eq!(input, [l, r].concat());
        }
        let failures = p3_air::check_all_constraints(&PermAir, &trace, &[], Some(4));
        assert!(failures.failures.is_empty(), "{:?}", failures.failures);
        // One S-box output edited: its row fails.
        let mut values = trace.values.clone();
        values[3 * PERM_WIDTH + PERM_COLS.partial[2]] += Val::ONE;
        let edited = RowMajorMatrix::new(values, PERM_WIDTH);
        let failures = p3_air::check_all_constraints(&PermAir, &edited, &[], Some(4));
        assert!(!failures.failures.is_empty());
    }

    #[test]
    fn the_inverse_undoes_the_external_layer() {
        let v: [Val; WIDTH] = core::array::from_fn(|i| Val::from_u32(3 * i as u32 + 11));
        let w = external(v);
        let back: Vec<Val> = external_inverse()
            .iter()
            .map(|cs| cs.iter().zip(&w).map(|(&c, &x)| c * x).sum())
            .collect();
        assert_eq!(back, v);
    }
}
