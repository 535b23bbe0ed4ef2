//! The memory chip: loads (LW, LB, LBU, LH, LHU) and stores (SW, SB, SH).
//! The address is `z = a + imm` in the adder, `z0 = 4 k + lane` with a
//! one-hot lane matching the width, above the guard region and below the
//! system region; the word before and after travel on the memory bus; a
//! store requires `writable = 1` (code is immutable).

use ember_abi::memory::{STACK_BOTTOM, SYSTEM_START};
use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;

use super::adapter::{self, AdapterCols, Statics, limbs, timestamp};
use super::{chip_air, slot};
use crate::bytes::range_pair;
use crate::columns;
use crate::gadget::{AccessCols, AdderCols, sign};
use crate::ops::Op;

/// The chip's operations, in flag order.
pub const OPS: &[Op] = &[
    Op::Lw,
    Op::Lb,
    Op::Lbu,
    Op::Lh,
    Op::Lhu,
    Op::Sw,
    Op::Sb,
    Op::Sh,
];
/// Loads.
const LOADS: [Op; 5] = [Op::Lw, Op::Lb, Op::Lbu, Op::Lh, Op::Lhu];
/// Stores.
const STORES: [Op; 3] = [Op::Sw, Op::Sb, Op::Sh];

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

/// A row of the memory chip.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemCols<T> {
    /// The instruction, its state and registers.
    pub adapter: AdapterCols<T>,
    /// One flag per operation of [`OPS`].
    pub flags: [T; 8],
    /// The offset (the program's immediate).
    pub imm: [T; 4],
    /// The address: `z = a + imm`.
    pub adder: AdderCols<T>,
    /// `z0 = 4 k + lane`.
    pub k: T,
    /// `LAST_TOP_BYTE - z3`, a byte: below the system region.
    pub limit: T,
    /// Inverse of `z2 + 256 z3`: above the guard region.
    pub guard_inv: T,
    /// Which byte of the word the access starts at (one-hot).
    pub lane: [T; 4],
    /// The memory word before.
    pub mem_prev: [T; 4],
    /// The memory word after.
    pub mem_new: [T; 4],
    /// 0 if the word is code.
    pub mem_writable: T,
    /// LB/LH: the loaded value's top byte, its XOR with 0x80, and its sign.
    pub sx_src: T,
    /// See `sx_src`.
    pub sx_flip: T,
    /// See `sx_src`.
    pub sign: T,
    /// The word's access.
    pub access: AccessCols<T>,
}

columns!(MemCols, MEM_WIDTH, MEM_COLS);
chip_air!(MemChip, MemCols, MEM_WIDTH);

/// The word address: `z / 4` (`z0 = 4 k + lane`).
fn word_addr<AB: AirBuilder>(local: &MemCols<AB::Var>) -> AB::Expr {
    let z = &local.adder.z;
    local.k.into()
        + z[1].into() * AB::Expr::from_u32(1 << 6)
        + z[2].into() * AB::Expr::from_u32(1 << 14)
        + z[3].into() * AB::Expr::from_u32(1 << 22)
}

fn eval<AB>(builder: &mut AB, local: &MemCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let ad = &local.adapter;
    let one = || AB::Expr::ONE;
    let k = |v: u32| AB::Expr::from_u32(v);
    let is_real: AB::Expr = ad.is_real.into();
    let f = adapter::eval_sequential(
        builder,
        ad,
        OPS,
        &local.flags,
        Statics::imm(limbs(&local.imm)),
    );
    let [a, b, c] = [&ad.a, &ad.b, &ad.c].map(limbs::<_, AB::Expr>);
    // The address: a + imm.
    let adder = &local.adder;
    adder.eval(builder, is_real.clone());
    for i in 0..4 {
        let mut g = builder.when(is_real.clone());
        g.assert_eq(adder.x[i], a[i].clone());
        g.assert_eq(adder.y[i], local.imm[i]);
    }
    let z = limbs::<_, AB::Expr>(&adder.z);
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
    // k and the limit byte are bytes.
    range_pair(builder, local.k.into(), limit, mem.clone());

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
    local.access.eval(
        builder,
        word_addr::<AB>(local),
        mem_prev,
        mem_new,
        writable,
        timestamp(ad.clk.into(), slot::MEM),
        mem,
    );
}
