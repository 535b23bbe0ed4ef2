//! The branch chip: BEQ, BNE, BLT, BGE, BLTU, BGEU. The adder compares `a`
//! and `b` as the ALU's SLT does (`d + b' = a'`, the carry out is `a <
//! b`); BEQ and BNE test `d = 0` with an inverse. The next pc is `pc + 4`,
//! or the static target when taken.

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;

use super::adapter::{self, AdapterCols, Flags, Statics, limbs};
use super::chip_air;
use crate::columns;
use crate::gadget::{AdderCols, compare};
use crate::ops::Op;

/// The chip's operations, in flag order.
pub const OPS: &[Op] = &[Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu];

/// A row of the branch chip.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BranchCols<T> {
    /// The instruction, its state and registers.
    pub adapter: AdapterCols<T>,
    /// One flag per operation of [`OPS`].
    pub flags: [T; 6],
    /// The static target (the program's).
    pub target: T,
    /// The next pc.
    pub next_pc: T,
    /// The adder: `d + b' = a'`.
    pub adder: AdderCols<T>,
    /// `a[3] ^ 0x80` (signed comparisons).
    pub sa3: T,
    /// `b[3] ^ 0x80` (signed comparisons).
    pub sb3: T,
    /// Inverse of `x0 + x1 + x2 + x3` (that is, of `d`'s byte sum) when
    /// it is not 0.
    pub eq_inv: T,
    /// Whether the branch is taken.
    pub taken: T,
}

columns!(BranchCols, BRANCH_WIDTH, BRANCH_COLS);
chip_air!(BranchChip, BranchCols, BRANCH_WIDTH);

fn eval<AB>(builder: &mut AB, local: &BranchCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let ad = &local.adapter;
    let f = Flags::new(OPS, &local.flags);
    let one = || AB::Expr::ONE;
    let four = || AB::Expr::from_u32(4);
    let is_real: AB::Expr = ad.is_real.into();
    let next_pc: AB::Expr = local.next_pc.into();
    let statics = Statics {
        target: local.target.into(),
        ..Statics::none()
    };
    adapter::eval(
        builder,
        ad,
        &f,
        statics,
        next_pc.clone(),
        AB::Expr::ZERO,
        is_real.clone(),
    );
    let [a, b] = [&ad.a, &ad.b].map(limbs::<_, AB::Expr>);
    let adder = &local.adder;
    adder.eval(builder, is_real.clone());
    let signed: AB::Expr = f.any(&[Op::Blt, Op::Bge]);
    compare::eval::<AB>(
        builder,
        adder,
        &a,
        &b,
        [local.sa3.into(), local.sb3.into()],
        is_real,
        signed,
    );

    // Taken: BEQ when d = 0, BNE when not, BLT(U) when a < b, BGE(U) when not.
    let x = limbs::<_, AB::Expr>(&adder.x);
    let carry_out: AB::Expr = adder.carry[3].into();
    let nonzero = x[0].clone() + x[1].clone() + x[2].clone() + x[3].clone();
    let taken: AB::Expr = local.taken.into();
    let eq_inv: AB::Expr = local.eq_inv.into();
    let (beq, bne): (AB::Expr, AB::Expr) = (f.of(Op::Beq), f.of(Op::Bne));
    builder.assert_zero(beq.clone() * (taken.clone() - one() + nonzero.clone() * eq_inv.clone()));
    builder.assert_zero(beq * nonzero.clone() * taken.clone());
    builder.assert_zero(bne.clone() * (taken.clone() - nonzero.clone() * eq_inv));
    builder.assert_zero(bne * nonzero * (one() - taken.clone()));
    builder
        .assert_zero(f.any::<AB::Expr>(&[Op::Blt, Op::Bltu]) * (taken.clone() - carry_out.clone()));
    builder
        .assert_zero(f.any::<AB::Expr>(&[Op::Bge, Op::Bgeu]) * (taken.clone() - one() + carry_out));

    // The next pc: the target when taken, else pc + 4.
    let pc: AB::Expr = ad.pc.into();
    let target: AB::Expr = local.target.into();
    builder.assert_zero(
        ad.is_real.into() * (next_pc - pc.clone() - four() - taken * (target - pc - four())),
    );
}
