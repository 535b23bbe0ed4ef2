//! KECCAK_PERMUTE in the proof: three optional tables, in a proof only when
//! its run calls the ECALL (see [`crate::set`]).
//!
//! - [`call::KeccakCallAir`], one row per call: receives the call from the
//!   ECALL chip (in place of the I/O table), checks the state's buffer as
//!   the executor does (4-aligned, 200 bytes in `[0x0001_0000,
//!   0xC000_0000)`) and starts its permutation with `(clk, ws)`, `ws` the
//!   state's first word.
//! - [`KeccakPermAir`], 24 rows a permutation: `p3-keccak-air` 0.8.0's
//!   columns and constraints (evaluated on its columns through a
//!   sub-builder), and `is_real`, `clk`, `ws`, equal on a permutation's
//!   rows. A real permutation receives `(clk, ws)` on its first round,
//!   sends each lane `i` of its input `(clk, ws, IN, i, limbs)` there and
//!   each lane of its output `(clk, ws, OUT, i, limbs)` on its last round.
//! - [`lane::KeccakLaneAir`], one row per lane of each call: receives the
//!   lane's input and output and reads and writes its two words at `ws +
//!   2i`, `ws + 2i + 1` (timestamp `4 clk + 2`), the new bytes
//!   range-checked.
//!
//! **Why a call is one permutation of its state.** Every message carries
//! the call's clock and state word: a permutation without a call (whose
//! ECALL the CPU made, on the ecall bus) leaves `(clk, ws)` unbalanced, and
//! a call has exactly one permutation. The permutation's 25 input messages
//! and 25 output messages are received once each, by lane rows whose
//! addresses follow from `ws` and the lane's number, so every word of the
//! state is read as memory holds it and written with the permutation's
//! output, and no lane is skipped or repeated. The permutation's limbs are
//! 16-bit (the Keccak table builds them from bits) and the lane rows' new
//! bytes are range-checked, so the bytes written are the output's.

pub mod call;
pub mod lane;

use core::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_keccak_air::{KeccakAir, KeccakCols, NUM_KECCAK_COLS, NUM_ROUNDS, U64_LIMBS};
use p3_lookup::{Count, InteractionBuilder};
use p3_uni_stark::SubAirBuilder;

use crate::bus;

/// Lanes of the state.
pub const LANES: usize = 25;

/// The Keccak message's tags.
pub mod tag {
    /// The call: `(clk, ws, CALL, 0, 0, 0, 0, 0)`.
    pub const CALL: u32 = 0;
    /// A lane of the input.
    pub const IN: u32 = 1;
    /// A lane of the output.
    pub const OUT: u32 = 2;
}

/// The permutation table's columns past `p3-keccak-air`'s.
pub mod link {
    use super::NUM_KECCAK_COLS;

    /// 1 on a real permutation's 24 rows.
    pub const IS_REAL: usize = NUM_KECCAK_COLS;
    /// The call's clock.
    pub const CLK: usize = NUM_KECCAK_COLS + 1;
    /// The state's first word.
    pub const WS: usize = NUM_KECCAK_COLS + 2;
    /// How many.
    pub const COUNT: usize = 3;
}

/// The permutation table's width.
pub const KECCAK_PERM_WIDTH: usize = NUM_KECCAK_COLS + link::COUNT;

/// The Keccak-f\[1600\] permutation table.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeccakPermAir;

impl<F: Field> BaseAir<F> for KeccakPermAir {
    fn width(&self) -> usize {
        KECCAK_PERM_WIDTH
    }
}

/// A lane's message: `(clk, ws, tag, lane, limbs)`.
pub fn message<E: PrimeCharacteristicRing>(
    clk: E,
    ws: E,
    tag: u32,
    lane: usize,
    limbs: [E; U64_LIMBS],
) -> Vec<E> {
    let mut m = vec![clk, ws, E::from_u32(tag), E::from_usize(lane)];
    m.extend(limbs);
    m
}

impl<AB> Air<AB> for KeccakPermAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        {
            let mut sub: SubAirBuilder<'_, AB, KeccakAir, AB::Var> =
                SubAirBuilder::new(builder, 0..NUM_KECCAK_COLS);
            KeccakAir {}.eval(&mut sub);
        }
        let main = builder.main();
        let (local, next) = (main.current_slice(), main.next_slice());
        let k: &KeccakCols<AB::Var> = local[..NUM_KECCAK_COLS].borrow();
        let (first, last) = (k.step_flags[0], k.step_flags[NUM_ROUNDS - 1]);
        let is_real: AB::Expr = local[link::IS_REAL].into();
        builder.assert_bool(is_real.clone());
        // The same call on all 24 rows.
        let within = builder.is_transition() * (AB::Expr::ONE - last.into());
        for c in [link::IS_REAL, link::CLK, link::WS] {
            builder.assert_zero(within.clone() * (next[c].into() - local[c].into()));
        }
        let (clk, ws): (AB::Expr, AB::Expr) = (local[link::CLK].into(), local[link::WS].into());
        let starts = is_real.clone() * first.into();
        let ends = is_real * last.into();
        builder.push_interaction(
            bus::KECCAK,
            message(
                clk.clone(),
                ws.clone(),
                tag::CALL,
                0,
                core::array::from_fn(|_| AB::Expr::ZERO),
            ),
            Count::bounded(-starts.clone(), 1),
        );
        for y in 0..5 {
            for x in 0..5 {
                let lane = x + 5 * y;
                let input = k.preimage[y][x].map(Into::into);
                builder.push_interaction(
                    bus::KECCAK,
                    message(clk.clone(), ws.clone(), tag::IN, lane, input),
                    Count::bounded(starts.clone(), 1),
                );
                let output = core::array::from_fn(|l| k.a_prime_prime_prime(y, x, l).into());
                builder.push_interaction(
                    bus::KECCAK,
                    message(clk.clone(), ws.clone(), tag::OUT, lane, output),
                    Count::bounded(ends.clone(), 1),
                );
            }
        }
    }
}

/// One permutation to prove: its call's clock, state word and input lanes.
#[derive(Clone, Copy, Debug)]
pub struct Permutation {
    /// The call's clock.
    pub clk: u32,
    /// The state's first word.
    pub ws: u32,
    /// The state before, `lanes[x + 5 y]`.
    pub lanes: [u64; LANES],
}

/// The permutation table's trace: `p3-keccak-air`'s rows for each
/// permutation (and its padding, permutations of zeros that are not real),
/// with the link columns.
pub fn trace<F: p3_field::PrimeField64>(perms: &[Permutation]) -> Vec<F> {
    let inputs = perms.iter().map(|p| p.lanes).collect();
    let keccak = p3_keccak_air::generate_trace_rows::<F>(inputs, 0);
    let rows = keccak.values.len() / NUM_KECCAK_COLS;
    let mut values = F::zero_vec(rows * KECCAK_PERM_WIDTH);
    for (r, (out, row)) in values
        .chunks_mut(KECCAK_PERM_WIDTH)
        .zip(keccak.values.chunks(NUM_KECCAK_COLS))
        .enumerate()
    {
        out[..NUM_KECCAK_COLS].copy_from_slice(row);
        if let Some(p) = perms.get(r / NUM_ROUNDS) {
            out[link::IS_REAL] = F::ONE;
            out[link::CLK] = F::from_u32(p.clk);
            out[link::WS] = F::from_u32(p.ws);
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use p3_air::check_all_constraints;
    use p3_matrix::dense::RowMajorMatrix;

    use super::*;
    use crate::Val;

    fn trace_of(perms: &[Permutation]) -> RowMajorMatrix<Val> {
        RowMajorMatrix::new(trace::<Val>(perms), KECCAK_PERM_WIDTH)
    }

    fn failures(m: &RowMajorMatrix<Val>) -> usize {
        check_all_constraints(&KeccakPermAir, m, &[], Some(4))
            .failures
            .len()
    }

    /// The widths `docs/proof.md` gives.
    #[test]
    fn the_tables_widths() {
        assert_eq!(NUM_KECCAK_COLS, 2633);
        assert_eq!(KECCAK_PERM_WIDTH, 2636);
        assert_eq!(call::KECCAK_CALL_WIDTH, 17);
        assert_eq!(lane::KECCAK_LANE_WIDTH, 28);
    }

    /// Real permutations and padding satisfy the table; the link columns
    /// change only between permutations.
    #[test]
    fn permutations_hold_and_their_call_is_fixed() {
        let lanes = core::array::from_fn(|i| (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let perms = [
            Permutation {
                clk: 7,
                ws: 0x4000,
                lanes,
            },
            Permutation {
                clk: 9,
                ws: 0x4100,
                lanes: [0; LANES],
            },
        ];
        let m = trace_of(&perms);
        assert_eq!(m.values.len() / KECCAK_PERM_WIDTH, 64);
        assert_eq!(failures(&m), 0);
        for (row, col, what) in [
            (5, link::CLK, "the clock mid-permutation"),
            (30, link::WS, "the state word mid-permutation"),
            (10, link::IS_REAL, "is_real mid-permutation"),
            (50, link::IS_REAL, "is_real on padding, alone"),
        ] {
            let mut bad = m.clone();
            bad.values[row * KECCAK_PERM_WIDTH + col] += Val::ONE;
            assert!(
                failures(&bad) > 0,
                "{what} changed at row {row} went unnoticed"
            );
        }
        // Between permutations (row 23 to 24) the call may change.
        assert_eq!(
            m.values[24 * KECCAK_PERM_WIDTH + link::CLK],
            Val::from_u32(9)
        );
    }

    /// A round skipped (row 10 dropped, the rest moved up) or a round
    /// computed with another constant (iota's output changed, as XOR with
    /// another RC would) breaks the permutation's own constraints.
    #[test]
    fn a_round_skipped_or_another_round_constant_is_caught() {
        let perms = [Permutation {
            clk: 7,
            ws: 0x4000,
            lanes: core::array::from_fn(|i| i as u64 * 3 + 1),
        }];
        let m = trace_of(&perms);
        let w = KECCAK_PERM_WIDTH;
        let mut skipped = m.values.clone();
        skipped.drain(10 * w..11 * w);
        skipped.extend_from_slice(&m.values[m.values.len() - w..]);
        assert!(
            failures(&RowMajorMatrix::new(skipped, w)) > 0,
            "a skipped round"
        );
        // Lane (0, 0)'s first output limb: iota's.
        let iota = p3_keccak_air::output_limb(0);
        let mut constant = m.clone();
        constant.values[3 * w + iota] += Val::from_u32(1 << 5);
        assert!(failures(&constant) > 0, "another round constant");
    }
}
