//! The SHA256_COMPRESS ECALL's table: one row per call, which receives the
//! call from the ECALL chip on the ecall bus (in place of the I/O table's
//! header), checks its buffers as the executor does, reads and writes the
//! state through the memory argument and starts and ends the chain of
//! compressions in the round table (see [`super`]).
//!
//! For the call at clock `clk` with `a0` = state, `a1` = blocks, `a2` =
//! count (`docs/abi.md`):
//! - `a0` and `a1` are unchanged and the call costs `68 count` cycles more
//!   than its own one; it does not end the run;
//! - `count`, read from `a2` at `4 clk + 2`, is at least 1 and below 2^24
//!   (a call with no block is refused by the prover; the proof holds at
//!   most 2^16 compressions in all);
//! - both buffers are 4-aligned and lie in `[0x0001_0000, 0xC000_0000)`:
//!   the state's 8 words and the `16 count` block words;
//! - the state's words are read and written (writable: not code) at
//!   `4 clk + 2`, the new bytes range-checked; the chain starts from the old
//!   state at block word `blocks / 4` and must end, `count` compressions
//!   later, at the new state.

use core::borrow::Borrow;

use ember_abi::{SHA256_STATE_WORDS, cycles, ecall, reg};
use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

use crate::bytes::range_pair;
use crate::chips::ecall::receive_call;
use crate::chips::slot;
use crate::gadget::{AccessCols, BufferCols};
use crate::{bus, columns, word};

const STATE: usize = SHA256_STATE_WORDS as usize;

/// A row: one SHA256_COMPRESS call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShaCallCols<T> {
    /// A call (padding rows are all zero).
    pub is_real: T,
    /// The ECALL's clock.
    pub clk: T,
    /// Cycles before it.
    pub cycle: T,
    /// `a0`: the state's address, bytes.
    pub state: [T; 4],
    /// `a1`: the blocks' address, bytes.
    pub blocks: [T; 4],
    /// `a2`: the number of blocks, bytes.
    pub count: [T; 4],
    /// `count`'s inverse: the count is not 0.
    pub count_inv: T,
    /// The read of `a2`.
    pub count_access: AccessCols<T>,
    /// The state's buffer checks.
    pub state_buf: BufferCols<T>,
    /// The blocks' buffer checks.
    pub blocks_buf: BufferCols<T>,
    /// The state's words before, bytes.
    pub old: [[T; 4]; STATE],
    /// The state's words after, bytes.
    pub new: [[T; 4]; STATE],
    /// The state words' accesses.
    pub access: [AccessCols<T>; STATE],
}

columns!(ShaCallCols, SHA_CALL_WIDTH, SHA_CALL_COLS);

/// The SHA256_COMPRESS table.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShaCallAir;

impl<F: Field> BaseAir<F> for ShaCallAir {
    fn width(&self) -> usize {
        SHA_CALL_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

/// The two 16-bit limbs of a word's four bytes.
fn limbs<E: PrimeCharacteristicRing + Clone>(b: &[E; 4]) -> [E; 2] {
    let k = E::from_u32(1 << 8);
    [
        b[0].clone() + b[1].clone() * k.clone(),
        b[2].clone() + b[3].clone() * k,
    ]
}

impl<AB> Air<AB> for ShaCallAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &ShaCallCols<AB::Var> = main.current_slice().borrow();
        let k = |v: u32| AB::Expr::from_u32(v);
        let w4 = |w: &[AB::Var; 4]| -> [AB::Expr; 4] { w.map(Into::into) };
        let is_real: AB::Expr = local.is_real.into();
        let clk: AB::Expr = local.clk.into();
        let (state, blocks, count) = (w4(&local.state), w4(&local.blocks), w4(&local.count));
        builder.assert_bool(is_real.clone());

        // The call, from the ECALL chip: a0 and a1 kept, 68 cycles a block.
        let n = word(count.clone());
        receive_call(
            builder,
            clk.clone(),
            local.cycle.into(),
            ecall::SHA256_COMPRESS,
            &state,
            &blocks,
            n.clone() * k(cycles::SHA256_PER_BLOCK as u32),
            is_real.clone(),
        );

        // The count, from a2: 1 <= count < 2^24.
        let mem_ts = clk.clone() * k(4) + AB::Expr::from_usize(slot::MEM);
        local.count_access.eval(
            builder,
            AB::Expr::from_usize(reg::A2),
            count.clone(),
            count.clone(),
            AB::Expr::ONE,
            mem_ts.clone(),
            is_real.clone(),
        );
        builder.assert_zero(is_real.clone() * count[3].clone());
        builder.assert_zero(is_real.clone() * (n.clone() * local.count_inv.into() - AB::Expr::ONE));

        // Both buffers, as the executor checks them.
        let ws = local
            .state_buf
            .eval(builder, &state, k(STATE as u32), is_real.clone());
        let wb = local
            .blocks_buf
            .eval(builder, &blocks, n.clone() * k(16), is_real.clone());

        // The state: read and written at 4 clk + 2, after the blocks' reads.
        for j in 0..STATE {
            let (old, new) = (w4(&local.old[j]), w4(&local.new[j]));
            local.access[j].eval(
                builder,
                ws.clone() + AB::Expr::from_usize(j),
                old,
                new.clone(),
                AB::Expr::ONE,
                mem_ts.clone(),
                is_real.clone(),
            );
            range_pair(builder, new[0].clone(), new[1].clone(), is_real.clone());
            range_pair(builder, new[2].clone(), new[3].clone(), is_real.clone());
        }

        // The chain: from the old state at the first block, `count`
        // compressions later the new state.
        let chain = |index: AB::Expr, at: AB::Expr, words: &[[AB::Var; 4]; STATE]| {
            let mut m = vec![clk.clone(), index, at];
            m.extend(words.iter().flat_map(|w| limbs(&w4(w))));
            m
        };
        builder.push_interaction(
            bus::SHA,
            chain(AB::Expr::ZERO, wb.clone(), &local.old),
            Count::bounded(is_real.clone(), 1),
        );
        builder.push_interaction(
            bus::SHA,
            chain(n.clone(), wb + n * k(16), &local.new),
            Count::bounded(-is_real, 1),
        );
    }
}
