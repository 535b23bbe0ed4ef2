//! The KECCAK_PERMUTE ECALL's table: one row per call (see [`super`]).
//!
//! For the call at clock `clk` with `a0` = state (`docs/abi.md`): `a0` and
//! `a1` are unchanged and the call costs 100 cycles more than its own one;
//! it does not end the run; the state is 4-aligned (its low byte is `4
//! k0`, `k0` below 64), starts above the guard region and its last word
//! lies below the system region. The row starts the call's permutation
//! with `(clk, ws, CALL)`.

use core::borrow::Borrow;

use ember_abi::{KECCAK_STATE_BYTES, cycles, ecall};
use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

use super::{message, tag};
use crate::bytes::range_pair;
use crate::chips::ecall::ECALL_MESSAGE;
use crate::sha::call::LAST_WORD;
use crate::{bus, columns, word};

/// Words of the state.
pub const STATE_WORDS: u32 = KECCAK_STATE_BYTES / 4;

/// A row: one KECCAK_PERMUTE call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeccakCallCols<T> {
    /// A call (padding rows are all zero).
    pub is_real: T,
    /// The ECALL's clock.
    pub clk: T,
    /// Cycles before it.
    pub cycle: T,
    /// `a0`: the state's address, bytes.
    pub state: [T; 4],
    /// `a1`, kept.
    pub a1: [T; 4],
    /// `state0 = 4 k0`: aligned.
    pub k0: T,
    /// Inverse of `state2 + 256 state3`: above the guard region.
    pub guard_inv: T,
    /// `LAST_WORD` less the state's last word, below 2^30, bytes.
    pub limit: [T; 4],
}

columns!(KeccakCallCols, KECCAK_CALL_WIDTH, KECCAK_CALL_COLS);

/// The KECCAK_PERMUTE table.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeccakCallAir;

impl<F: Field> BaseAir<F> for KeccakCallAir {
    fn width(&self) -> usize {
        KECCAK_CALL_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for KeccakCallAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &KeccakCallCols<AB::Var> = main.current_slice().borrow();
        let k = |v: u32| AB::Expr::from_u32(v);
        let is_real: AB::Expr = local.is_real.into();
        let clk: AB::Expr = local.clk.into();
        let state: [AB::Expr; 4] = local.state.map(Into::into);
        let a1: [AB::Expr; 4] = local.a1.map(Into::into);
        builder.assert_bool(is_real.clone());

        // The call, from the ECALL chip: a0 and a1 kept, 100 cycles more.
        let mut m: Vec<AB::Expr> = vec![clk.clone(), local.cycle.into()];
        m.push(k(ecall::KECCAK_PERMUTE));
        for w in [&state, &a1, &a1, &state] {
            m.extend(w.iter().cloned());
        }
        m.push(k(cycles::KECCAK_PER_PERMUTATION as u32));
        m.push(AB::Expr::ZERO);
        debug_assert_eq!(m.len(), ECALL_MESSAGE);
        builder.push_interaction(bus::ECALL, m, Count::bounded(-is_real.clone(), 1));

        // The state: aligned, above the guard region, below the system region.
        let k0: AB::Expr = local.k0.into();
        builder.assert_zero(is_real.clone() * (state[0].clone() - k0.clone() * k(4)));
        range_pair(builder, k0.clone(), k0.clone() * k(4), is_real.clone());
        builder.assert_zero(
            is_real.clone()
                * ((state[2].clone() + state[3].clone() * k(256)) * local.guard_inv.into()
                    - AB::Expr::ONE),
        );
        let ws = k0
            + state[1].clone() * k(1 << 6)
            + state[2].clone() * k(1 << 14)
            + state[3].clone() * k(1 << 22);
        let limit: [AB::Expr; 4] = local.limit.map(Into::into);
        builder.assert_zero(
            is_real.clone()
                * (word(limit.clone()) - k(LAST_WORD) + ws.clone() + k(STATE_WORDS - 1)),
        );
        range_pair(builder, limit[0].clone(), limit[1].clone(), is_real.clone());
        range_pair(
            builder,
            limit[2].clone(),
            limit[3].clone() * k(4),
            is_real.clone(),
        );

        // Its permutation.
        builder.push_interaction(
            bus::KECCAK,
            message(
                clk,
                ws,
                tag::CALL,
                0,
                core::array::from_fn(|_| AB::Expr::ZERO),
            ),
            Count::bounded(is_real, 1),
        );
    }
}
