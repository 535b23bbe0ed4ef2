//! A Keccak state's lanes in memory: one row per lane of each call (see
//! [`super`]). Lane `i` is the words `ws + 2i` (its low half) and `ws + 2i +
//! 1`, read and written at `4 clk + 2` as writable memory; its 16-bit limbs
//! are the words' bytes in pairs, little-endian.

use core::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_keccak_air::U64_LIMBS;
use p3_lookup::{Count, InteractionBuilder};

use super::{message, tag};
use crate::bytes::range_pair;
use crate::chips::slot;
use crate::gadget::AccessCols;
use crate::{bus, columns};

/// A row: one lane of one call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeccakLaneCols<T> {
    /// A lane of a call (padding rows are all zero).
    pub is_real: T,
    /// The call's clock.
    pub clk: T,
    /// The state's first word.
    pub ws: T,
    /// The lane's number `x + 5 y`.
    pub lane: T,
    /// Its two words before, bytes.
    pub old: [[T; 4]; 2],
    /// Its two words after, bytes.
    pub new: [[T; 4]; 2],
    /// The words' accesses.
    pub access: [AccessCols<T>; 2],
}

columns!(KeccakLaneCols, KECCAK_LANE_WIDTH, KECCAK_LANE_COLS);

/// The lanes' table.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeccakLaneAir;

impl<F: Field> BaseAir<F> for KeccakLaneAir {
    fn width(&self) -> usize {
        KECCAK_LANE_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

/// A lane's four 16-bit limbs from its two words' bytes.
fn limbs<E: PrimeCharacteristicRing + Clone>(words: &[[E; 4]; 2]) -> [E; U64_LIMBS] {
    let b = |w: usize, i: usize| words[w][i].clone();
    let k = E::from_u32(1 << 8);
    [
        b(0, 0) + b(0, 1) * k.clone(),
        b(0, 2) + b(0, 3) * k.clone(),
        b(1, 0) + b(1, 1) * k.clone(),
        b(1, 2) + b(1, 3) * k,
    ]
}

impl<AB> Air<AB> for KeccakLaneAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &KeccakLaneCols<AB::Var> = main.current_slice().borrow();
        let k = |v: u32| AB::Expr::from_u32(v);
        let is_real: AB::Expr = local.is_real.into();
        builder.assert_bool(is_real.clone());
        let (clk, ws, lane): (AB::Expr, AB::Expr, AB::Expr) =
            (local.clk.into(), local.ws.into(), local.lane.into());
        let old: [[AB::Expr; 4]; 2] = local.old.map(|w| w.map(Into::into));
        let new: [[AB::Expr; 4]; 2] = local.new.map(|w| w.map(Into::into));
        let ts = clk.clone() * k(4) + AB::Expr::from_usize(slot::MEM);
        for h in 0..2 {
            local.access[h].eval(
                builder,
                ws.clone() + lane.clone() * k(2) + AB::Expr::from_usize(h),
                old[h].clone(),
                new[h].clone(),
                AB::Expr::ONE,
                ts.clone(),
                is_real.clone(),
            );
            range_pair(
                builder,
                new[h][0].clone(),
                new[h][1].clone(),
                is_real.clone(),
            );
            range_pair(
                builder,
                new[h][2].clone(),
                new[h][3].clone(),
                is_real.clone(),
            );
        }
        // The lane's number is the message's: the permutation sends each of
        // 0..25 once.
        let lane_message = |t: u32, words: &[[AB::Expr; 4]; 2]| {
            let mut m = message(clk.clone(), ws.clone(), t, 0, limbs(words));
            m[3] = lane.clone();
            m
        };
        builder.push_interaction(
            bus::KECCAK,
            lane_message(tag::IN, &old),
            Count::bounded(-is_real.clone(), 1),
        );
        builder.push_interaction(
            bus::KECCAK,
            lane_message(tag::OUT, &new),
            Count::bounded(-is_real, 1),
        );
    }
}
