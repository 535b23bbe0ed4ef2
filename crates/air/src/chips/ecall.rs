//! The ECALL chip: reads `a0` and `t0` (below 256), reads (or, for
//! CYCLE_COUNT, writes) `a1` through the memory slot, writes `a0`, and sends
//! all of it with its clock, cycle count, extra cost and whether it ends
//! the run on the ecall bus, where the I/O table ([`crate::io`]) decides
//! what the ECALL does. An ending ECALL (HALT, PANIC) produces no next
//! execution state: the run ends there.

use ember_abi::reg;
use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder};

use super::adapter::{self, AdapterCols, Flags, Statics, limbs, timestamp};
use super::{chip_air, slot};
use crate::gadget::AccessCols;
use crate::ops::Op;
use crate::{bus, columns};

/// The chip's operations, in flag order.
pub const OPS: &[Op] = &[Op::Ecall];

/// A row of the ECALL chip.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EcallCols<T> {
    /// The instruction, its state and registers (`a0`, `t0`, `a0`).
    pub adapter: AdapterCols<T>,
    /// The flag of ECALL (equal to `is_real`).
    pub flags: [T; 1],
    /// The ECALL's cycles besides its own one (from the I/O table).
    pub extra: T,
    /// This ECALL ends the run (HALT or PANIC).
    pub ends: T,
    /// `a1` before.
    pub a1: [T; 4],
    /// `a1` after.
    pub a1_out: [T; 4],
    /// `a1`'s access.
    pub access: AccessCols<T>,
}

columns!(EcallCols, ECALL_WIDTH, ECALL_COLS);
chip_air!(EcallChip, EcallCols, ECALL_WIDTH);

/// The ecall bus's message length.
pub const ECALL_MESSAGE: usize = 21;

fn eval<AB>(builder: &mut AB, local: &EcallCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let ad = &local.adapter;
    let f = Flags::new(OPS, &local.flags);
    let is_real: AB::Expr = ad.is_real.into();
    let ends: AB::Expr = local.ends.into();
    let extra: AB::Expr = local.extra.into();
    builder.assert_bool(ends.clone());
    builder.assert_zero(ends.clone() * (AB::Expr::ONE - is_real.clone()));
    adapter::eval(
        builder,
        ad,
        &f,
        Statics::none(),
        ad.pc.into() + AB::Expr::from_u32(4),
        extra.clone(),
        is_real.clone() - ends.clone(),
    );
    let [a, b, c] = [&ad.a, &ad.b, &ad.c].map(limbs::<_, AB::Expr>);

    // t0 < 256: the I/O table matches its low byte.
    for bi in &b[1..] {
        builder.assert_zero(is_real.clone() * bi.clone());
    }
    // a1, through the memory slot.
    let (a1, a1_out) = (
        limbs::<_, AB::Expr>(&local.a1),
        limbs::<_, AB::Expr>(&local.a1_out),
    );
    // Registers are always writable (the image lists them so).
    local.access.eval(
        builder,
        AB::Expr::from_usize(reg::A1),
        a1.clone(),
        a1_out.clone(),
        AB::Expr::ONE,
        timestamp(ad.clk.into(), slot::MEM),
        is_real.clone(),
    );

    // The ECALL, for the I/O table.
    let mut message: Vec<AB::Expr> = vec![ad.clk.into(), ad.cycle.into(), b[0].clone()];
    message.extend(a);
    message.extend(a1);
    message.extend(a1_out);
    message.extend(c);
    message.push(extra);
    message.push(ends);
    debug_assert_eq!(message.len(), ECALL_MESSAGE);
    builder.push_interaction(bus::ECALL, message, Count::bounded(is_real, 1));
}

/// An accelerator's call received from this chip (in place of the I/O
/// table's header) when `count` is 1: the ECALL `number` at `clk` after
/// `cycle` cycles, `a0` and `a1` kept, `extra` cycles more, not ending.
#[allow(clippy::too_many_arguments)]
pub fn receive_call<AB>(
    builder: &mut AB,
    clk: AB::Expr,
    cycle: AB::Expr,
    number: u32,
    a0: &[AB::Expr; 4],
    a1: &[AB::Expr; 4],
    extra: AB::Expr,
    count: AB::Expr,
) where
    AB: AirBuilder + InteractionBuilder,
{
    let mut message = vec![clk, cycle, AB::Expr::from_u32(number)];
    for w in [a0, a1, a1, a0] {
        message.extend(w.iter().cloned());
    }
    message.push(extra);
    message.push(AB::Expr::ZERO);
    debug_assert_eq!(message.len(), ECALL_MESSAGE);
    builder.push_interaction(bus::ECALL, message, Count::bounded(-count, 1));
}
