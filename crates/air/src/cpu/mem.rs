//! The CPU's loads and stores: the address from the adder (`z = a + imm`),
//! its lane and bounds, the word before and after, and the memory access.

use ember_abi::memory::{STACK_BOTTOM, SYSTEM_START};
use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;

use super::{CpuCols, Flags, limbs, slot};
use crate::bytes::range_pair;
use crate::gadget::sign;
use crate::ops::Op;

/// Loads.
pub(super) const LOADS: [Op; 5] = [Op::Lw, Op::Lb, Op::Lbu, Op::Lh, Op::Lhu];
/// Stores.
pub(super) const STORES: [Op; 3] = [Op::Sw, Op::Sb, Op::Sh];

/// The top byte a load or store address may have: the system region
/// starts at the next one.
pub const LAST_TOP_BYTE: u32 = (SYSTEM_START >> 24) - 1;
// The guard region is the addresses whose two top bytes are 0.
const _: () = assert!(
    STACK_BOTTOM == 1 << 16,
    "the guard check is z2 + 256 z3 != 0"
);
const _: () = assert!(
    SYSTEM_START.trailing_zeros() >= 24,
    "the system check is on z3"
);

/// The word address of a load or store: `z / 4` (`z0 = 4 k + lane`); an
/// ECALL sets `k` to a1's register number and `z` to 0.
pub(super) fn word_addr<AB: AirBuilder>(local: &CpuCols<AB::Var>) -> AB::Expr {
    let z = &local.adder.z;
    local.k.into()
        + z[1].into() * AB::Expr::from_u32(1 << 6)
        + z[2].into() * AB::Expr::from_u32(1 << 14)
        + z[3].into() * AB::Expr::from_u32(1 << 22)
}

pub(super) fn eval<AB>(builder: &mut AB, local: &CpuCols<AB::Var>, ts: AB::Expr)
where
    AB: AirBuilder + InteractionBuilder,
{
    let f = Flags(&local.flags);
    let one = || AB::Expr::ONE;
    let k = |v: u32| AB::Expr::from_u32(v);
    let [b, c] = [&local.b, &local.c].map(limbs::<_, AB::Expr>);
    let z = limbs::<_, AB::Expr>(&local.adder.z);
    let loads: AB::Expr = f.any(&LOADS);
    let stores: AB::Expr = f.any(&STORES);
    let mem = loads.clone() + stores.clone();
    let lane = limbs::<_, AB::Expr>(&local.lane);
    let limit: AB::Expr = local.limit.into();
    let (lw, sw, sb, sh): (AB::Expr, AB::Expr, AB::Expr, AB::Expr) =
        (f.of(Op::Lw), f.of(Op::Sw), f.of(Op::Sb), f.of(Op::Sh));

    // The address: z0 = 4 k + lane, the lane one-hot and matching the width.
    builder.assert_zero(
        mem.clone()
            * (z[0].clone()
                - local.k.into() * k(4)
                - lane[1].clone()
                - lane[2].clone() * k(2)
                - lane[3].clone() * k(3)),
    );
    for l in &lane {
        builder.assert_bool(l.clone());
    }
    let lanes = lane[0].clone() + lane[1].clone() + lane[2].clone() + lane[3].clone();
    builder.assert_zero(mem.clone() * (lanes - one()));
    builder.assert_zero((lw.clone() + sw.clone()) * (one() - lane[0].clone()));
    builder.assert_zero(
        f.any::<AB::Expr>(&[Op::Lh, Op::Lhu, Op::Sh]) * (lane[1].clone() + lane[3].clone()),
    );
    // Below the system region, above the guard.
    builder.assert_zero(mem.clone() * (limit.clone() - k(LAST_TOP_BYTE) + z[3].clone()));
    builder.assert_zero(
        mem.clone() * ((z[2].clone() + z[3].clone() * k(256)) * local.guard_inv.into() - one()),
    );
    // k and the limit byte are bytes (loads, stores and JALR, whose limit
    // byte is 4 z3: see `alu`).
    range_pair(
        builder,
        local.k.into(),
        limit,
        mem.clone() + f.of::<AB::Expr>(Op::Jalr),
    );

    let mem_prev = limbs::<_, AB::Expr>(&local.mem_prev);
    let mem_new = limbs::<_, AB::Expr>(&local.mem_new);
    let writable: AB::Expr = local.mem_writable.into();
    builder.assert_bool(writable.clone());
    // Code is immutable: a store must find its word writable.
    builder.assert_zero(stores * (one() - writable.clone()));
    let sel = |i: usize| lane[i].clone() * mem_prev[i].clone();
    for i in 0..4 {
        builder.assert_zero(loads.clone() * (mem_new[i].clone() - mem_prev[i].clone()));
        builder.assert_zero(lw.clone() * (c[i].clone() - mem_prev[i].clone()));
        builder.assert_zero(sw.clone() * (mem_new[i].clone() - b[i].clone()));
        // SB: the lane's byte replaced by b0.
        builder.assert_zero(
            sb.clone()
                * (mem_new[i].clone()
                    - mem_prev[i].clone()
                    - lane[i].clone() * (b[0].clone() - mem_prev[i].clone())),
        );
        // SH: the half at lane 0 or 2 replaced by b0, b1.
        let (half_lane, src) = (lane[i & 2].clone(), b[i & 1].clone());
        builder.assert_zero(
            sh.clone()
                * (mem_new[i].clone()
                    - mem_prev[i].clone()
                    - half_lane * (src - mem_prev[i].clone())),
        );
    }
    // LB, LBU: the lane's byte; LH, LHU: the half at lane 0 or 2.
    let (lb, lbu, lh, lhu): (AB::Expr, AB::Expr, AB::Expr, AB::Expr) =
        (f.of(Op::Lb), f.of(Op::Lbu), f.of(Op::Lh), f.of(Op::Lhu));
    let byte_loads = lb.clone() + lbu.clone();
    let half_loads = lh.clone() + lhu.clone();
    builder.assert_zero(byte_loads * (c[0].clone() - sel(0) - sel(1) - sel(2) - sel(3)));
    builder.assert_zero(half_loads.clone() * (c[0].clone() - sel(0) - sel(2)));
    builder.assert_zero(
        half_loads
            * (c[1].clone()
                - lane[0].clone() * mem_prev[1].clone()
                - lane[2].clone() * mem_prev[3].clone()),
    );
    // Sign or zero extension.
    let sign_bit: AB::Expr = local.sign.into();
    let extension = sign_bit.clone() * k(255);
    for ci in &c[1..] {
        builder.assert_zero(lbu.clone() * ci.clone());
        builder.assert_zero(lb.clone() * (ci.clone() - extension.clone()));
    }
    for ci in &c[2..] {
        builder.assert_zero(lhu.clone() * ci.clone());
        builder.assert_zero(lh.clone() * (ci.clone() - extension.clone()));
    }
    let sx_src: AB::Expr = local.sx_src.into();
    builder.assert_zero(lb.clone() * (sx_src.clone() - c[0].clone()));
    builder.assert_zero(lh.clone() * (sx_src.clone() - c[1].clone()));
    sign::eval(builder, sx_src, local.sx_flip.into(), sign_bit, lb + lh);
    local.access[slot::MEM].eval(
        builder,
        word_addr::<AB>(local),
        mem_prev,
        mem_new,
        writable,
        ts,
        mem + f.of::<AB::Expr>(Op::Ecall),
    );
}
