//! The jump chip: LUI and AUIPC (a static result), JAL (a static target),
//! JALR (`(a + imm) & !1`, 4-aligned, below 2^30) and FENCE (nothing). The
//! links `pc + 4` and AUIPC's value are static fields of the program table.

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;

use super::adapter::{self, AdapterCols, Flags, Statics, limbs};
use super::chip_air;
use crate::bytes::range_pair;
use crate::gadget::AdderCols;
use crate::ops::{CODE_LIMIT, Op};
use crate::{columns, word};

/// The chip's operations, in flag order.
pub const OPS: &[Op] = &[Op::Lui, Op::Jal, Op::Jalr, Op::Fence];

/// A row of the jump chip.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JumpCols<T> {
    /// The instruction, its state and registers.
    pub adapter: AdapterCols<T>,
    /// One flag per operation of [`OPS`].
    pub flags: [T; 4],
    /// The immediate (JALR's offset), the static result (LUI/AUIPC's
    /// value, JAL/JALR's link) and the static target (JAL's): the program's.
    pub imm: [T; 4],
    /// See `imm`.
    pub value: [T; 4],
    /// See `imm`.
    pub target: T,
    /// The next pc.
    pub next_pc: T,
    /// JALR's `a + imm`.
    pub adder: AdderCols<T>,
    /// JALR: `z0 = 4 k + bit0`.
    pub k: T,
    /// JALR's discarded low bit.
    pub bit0: T,
    /// JALR: `4 z3`, a byte (the target is below 2^30).
    pub limit: T,
}

columns!(JumpCols, JUMP_WIDTH, JUMP_COLS);
chip_air!(JumpChip, JumpCols, JUMP_WIDTH);

const _: () = assert!(CODE_LIMIT == 1 << 30, "JALR's limit byte is 4 z3");

fn eval<AB>(builder: &mut AB, local: &JumpCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let ad = &local.adapter;
    let f = Flags::new(OPS, &local.flags);
    let k = |v: u32| AB::Expr::from_u32(v);
    let next_pc: AB::Expr = local.next_pc.into();
    let statics = Statics {
        imm: limbs(&local.imm),
        value: limbs(&local.value),
        target: local.target.into(),
    };
    adapter::eval(
        builder,
        ad,
        &f,
        statics,
        next_pc.clone(),
        AB::Expr::ZERO,
        ad.is_real.into(),
    );
    let [a, c] = [&ad.a, &ad.c].map(limbs::<_, AB::Expr>);

    // Static results: LUI/AUIPC's value, JAL/JALR's link.
    let statics: AB::Expr = f.any(&[Op::Lui, Op::Jal, Op::Jalr]);
    for i in 0..4 {
        builder.assert_zero(statics.clone() * (c[i].clone() - local.value[i].into()));
    }

    // The next pc.
    let pc: AB::Expr = ad.pc.into();
    let sequential: AB::Expr = f.any(&[Op::Lui, Op::Fence]);
    builder.assert_zero(sequential * (next_pc.clone() - pc - k(4)));
    builder.assert_zero(f.of::<AB::Expr>(Op::Jal) * (next_pc.clone() - local.target.into()));

    // JALR: target = (a + imm) & !1, 4-aligned, below 2^30.
    let jalr: AB::Expr = f.of(Op::Jalr);
    let adder = &local.adder;
    adder.eval(builder, jalr.clone());
    let z = limbs::<_, AB::Expr>(&adder.z);
    for i in 0..4 {
        let mut g = builder.when(jalr.clone());
        g.assert_eq(adder.x[i], a[i].clone());
        g.assert_eq(adder.y[i], local.imm[i]);
    }
    let bit0: AB::Expr = local.bit0.into();
    let limit: AB::Expr = local.limit.into();
    builder.assert_bool(bit0.clone());
    builder.assert_zero(jalr.clone() * (z[0].clone() - local.k.into() * k(4) - bit0.clone()));
    builder.assert_zero(jalr.clone() * (next_pc - word(z.clone()) + bit0));
    builder.assert_zero(jalr.clone() * (limit.clone() - z[3].clone() * k(4)));
    range_pair(builder, local.k.into(), limit, jalr);
}
