//! One access on the memory bus: receives the value an address holds, with
//! the timestamp it was written at, and sends the new value at a later
//! timestamp (see [`crate::memory`]).

use p3_air::AirBuilder;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

use crate::bus;
use crate::bytes::range_pair;
use crate::lookups::Lookups;

/// An access's columns: the previous timestamp and the gap `ts - prev_ts -
/// 1` in three bytes (so `prev_ts < ts`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccessCols<T> {
    /// When the value was written.
    pub prev_ts: T,
    /// `ts - prev_ts - 1`, bytes.
    pub gap: [T; 3],
}

crate::columns!(AccessCols, ACCESS_WIDTH, ACCESS_COLS);

impl<T: Copy> AccessCols<T> {
    /// When `count` is 1: receives `(addr, prev, prev_ts, writable)` and
    /// sends `(addr, new, ts, writable)`, with `prev_ts < ts`.
    #[allow(clippy::too_many_arguments)]
    pub fn eval<AB>(
        &self,
        builder: &mut AB,
        addr: AB::Expr,
        prev: [AB::Expr; 4],
        new: [AB::Expr; 4],
        writable: AB::Expr,
        ts: AB::Expr,
        count: AB::Expr,
    ) where
        AB: AirBuilder + InteractionBuilder,
        T: Into<AB::Expr>,
    {
        let prev_ts: AB::Expr = self.prev_ts.into();
        let [g0, g1, g2] = self.gap.map(Into::into);
        let gap = g0.clone()
            + g1.clone() * AB::Expr::from_u32(1 << 8)
            + g2.clone() * AB::Expr::from_u32(1 << 16);
        builder.assert_zero(count.clone() * (ts.clone() - prev_ts.clone() - AB::Expr::ONE - gap));
        range_pair(builder, g0, g1, count.clone());
        range_pair(builder, g2, AB::Expr::ZERO, count.clone());
        let [p0, p1, p2, p3] = prev;
        builder.push_interaction(
            bus::MEMORY,
            [addr.clone(), p0, p1, p2, p3, prev_ts, writable.clone()],
            Count::bounded(-count.clone(), 1),
        );
        let [n0, n1, n2, n3] = new;
        builder.push_interaction(
            bus::MEMORY,
            [addr, n0, n1, n2, n3, ts, writable],
            Count::bounded(count, 1),
        );
    }
}

impl<F: Field> AccessCols<F> {
    /// Fills an access at `ts` of a value written at `prev_ts`.
    pub fn populate(&mut self, prev_ts: u32, ts: u32, lookups: &mut Lookups) {
        let gap = ts - prev_ts - 1;
        let [g0, g1, g2, g3] = gap.to_le_bytes().map(u32::from);
        debug_assert_eq!(g3, 0, "timestamps stay below 2^24");
        self.prev_ts = F::from_u32(prev_ts);
        self.gap = [g0, g1, g2].map(F::from_u32);
        lookups.range(g0, g1);
        lookups.range(g2, 0);
    }
}
