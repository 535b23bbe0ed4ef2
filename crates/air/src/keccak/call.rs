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
use crate::chips::ecall::receive_call;
use crate::gadget::BufferCols;
use crate::{bus, columns};

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
    /// The state's buffer checks.
    pub buf: BufferCols<T>,
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
        receive_call(
            builder,
            clk.clone(),
            local.cycle.into(),
            ecall::KECCAK_PERMUTE,
            &state,
            &a1,
            k(cycles::KECCAK_PER_PERMUTATION as u32),
            is_real.clone(),
        );
        // The state, as the executor checks it.
        let ws = local
            .buf
            .eval(builder, &state, k(STATE_WORDS), is_real.clone());

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
