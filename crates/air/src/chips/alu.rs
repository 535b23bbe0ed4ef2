//! The ALU chip: ADD, ADDI, SUB, AND, OR, XOR (and their immediates), SLT,
//! SLTU (and theirs). One adder serves ADD/ADDI (`a + opb = c`), SUB (`c +
//! b = a`) and the comparisons (`d + opb' = a'`, the top bytes' sign bits
//! flipped for signed ones, so the carry out is `a < opb`); AND/OR/XOR look
//! up each byte in the byte table.

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder};

use super::adapter::{self, AdapterCols, Statics, limbs};
use super::chip_air;
use crate::bytes::tag;
use crate::gadget::{AdderCols, compare};
use crate::ops::Op;
use crate::{bus, columns};

/// The chip's operations, in flag order.
pub const OPS: &[Op] = &[
    Op::Add,
    Op::Addi,
    Op::Sub,
    Op::And,
    Op::Andi,
    Op::Or,
    Op::Ori,
    Op::Xor,
    Op::Xori,
    Op::Slt,
    Op::Slti,
    Op::Sltu,
    Op::Sltiu,
];

/// A row of the ALU chip.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AluCols<T> {
    /// The instruction, its state and registers.
    pub adapter: AdapterCols<T>,
    /// One flag per operation of [`OPS`].
    pub flags: [T; 13],
    /// The immediate (the program's; 0 for register operations).
    pub imm: [T; 4],
    /// The second operand: `b` or `imm`.
    pub opb: [T; 4],
    /// The adder.
    pub adder: AdderCols<T>,
    /// `a[3] ^ 0x80` (signed comparisons).
    pub sa3: T,
    /// `opb[3] ^ 0x80` (signed comparisons).
    pub sb3: T,
}

columns!(AluCols, ALU_WIDTH, ALU_COLS);
chip_air!(AluChip, AluCols, ALU_WIDTH);

fn eval<AB>(builder: &mut AB, local: &AluCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let ad = &local.adapter;
    let k = |v: u32| AB::Expr::from_u32(v);
    let imm = limbs::<_, AB::Expr>(&local.imm);
    let f = adapter::eval_sequential(builder, ad, OPS, &local.flags, Statics::imm(imm.clone()));
    let [a, b, c] = [&ad.a, &ad.b, &ad.c].map(limbs::<_, AB::Expr>);
    let opb = limbs::<_, AB::Expr>(&local.opb);

    // The second operand.
    let reg_b: AB::Expr = f.any_where(|o| !o.uses_imm());
    let imm_b: AB::Expr = f.any_where(Op::uses_imm);
    for i in 0..4 {
        builder.assert_zero(reg_b.clone() * (opb[i].clone() - b[i].clone()));
        builder.assert_zero(imm_b.clone() * (opb[i].clone() - imm[i].clone()));
    }

    // The adder: z = x + y mod 2^32, carry[3] the carry out.
    let adder = &local.adder;
    let [x, y, z] = [&adder.x, &adder.y, &adder.z].map(limbs::<_, AB::Expr>);
    let carry_out: AB::Expr = adder.carry[3].into();
    let adds: AB::Expr = f.any(&[Op::Add, Op::Addi]);
    let sub: AB::Expr = f.of(Op::Sub);
    let compares: AB::Expr = f.any(&[Op::Slt, Op::Slti, Op::Sltu, Op::Sltiu]);
    let signed: AB::Expr = f.any(&[Op::Slt, Op::Slti]);
    adder.eval(builder, adds.clone() + sub.clone() + compares.clone());
    for i in 0..4 {
        // ADD, ADDI: a + opb = c.
        let mut g = builder.when(adds.clone());
        g.assert_eq(x[i].clone(), a[i].clone());
        g.assert_eq(y[i].clone(), opb[i].clone());
        g.assert_eq(z[i].clone(), c[i].clone());
        // SUB: c + b = a.
        let mut g = builder.when(sub.clone());
        g.assert_eq(x[i].clone(), c[i].clone());
        g.assert_eq(y[i].clone(), b[i].clone());
        g.assert_eq(z[i].clone(), a[i].clone());
    }
    // SLT and friends: d + opb' = a', and c = (a < opb), the carry out.
    compare::eval::<AB>(
        builder,
        adder,
        &a,
        &opb,
        [local.sa3.into(), local.sb3.into()],
        compares.clone(),
        signed,
    );
    builder.assert_zero(compares.clone() * (c[0].clone() - carry_out));
    for ci in &c[1..] {
        builder.assert_zero(compares.clone() * ci.clone());
    }

    // Bitwise: one byte-table lookup per byte.
    let bitwise: AB::Expr = f.any(&[Op::And, Op::Andi, Op::Or, Op::Ori, Op::Xor, Op::Xori]);
    let bit_tag = f.any::<AB::Expr>(&[Op::And, Op::Andi]) * k(tag::AND)
        + f.any::<AB::Expr>(&[Op::Or, Op::Ori]) * k(tag::OR)
        + f.any::<AB::Expr>(&[Op::Xor, Op::Xori]) * k(tag::XOR);
    for i in 0..4 {
        builder.push_interaction(
            bus::BYTES,
            [bit_tag.clone(), a[i].clone(), opb[i].clone(), c[i].clone()],
            Count::bounded(bitwise.clone(), 1),
        );
    }
}
