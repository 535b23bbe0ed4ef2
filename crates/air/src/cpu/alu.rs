//! The CPU's arithmetic, logic, comparisons, branches and jumps: the adder's
//! users, the byte table's bitwise lookups, and the next pc.

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder};

use super::{CpuCols, Flags, limbs};
use crate::bytes::tag;
use crate::gadget::sign;
use crate::ops::{CODE_LIMIT, Op};
use crate::{bus, word};

/// Ops whose operands go through the adder as `d + opb' = a'`.
const COMPARES: [Op; 10] = [
    Op::Slt,
    Op::Slti,
    Op::Sltu,
    Op::Sltiu,
    Op::Beq,
    Op::Bne,
    Op::Blt,
    Op::Bge,
    Op::Bltu,
    Op::Bgeu,
];

/// Ops that compute an address `a + imm` in the adder.
pub(super) const ADDRESSES: [Op; 9] = [
    Op::Jalr,
    Op::Lw,
    Op::Sw,
    Op::Lb,
    Op::Lbu,
    Op::Lh,
    Op::Lhu,
    Op::Sb,
    Op::Sh,
];

pub(super) fn eval<AB>(builder: &mut AB, local: &CpuCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let f = Flags(&local.flags);
    let one = || AB::Expr::ONE;
    let k = |v: u32| AB::Expr::from_u32(v);
    let [a, b, opb, c] = [&local.a, &local.b, &local.opb, &local.c].map(limbs::<_, AB::Expr>);
    let imm = limbs::<_, AB::Expr>(&local.insn.imm);
    let adder = &local.adder;
    let [x, y, z, carry] = [&adder.x, &adder.y, &adder.z, &adder.carry].map(limbs::<_, AB::Expr>);

    // --- The adder: z = x + y mod 2^32, carry[3] the carry out. ---
    let adds: AB::Expr = f.any(&[Op::Add, Op::Addi]);
    let compares: AB::Expr = f.any(&COMPARES);
    let signed: AB::Expr = f.any(&[Op::Slt, Op::Slti, Op::Blt, Op::Bge]);
    let addresses: AB::Expr = f.any(&ADDRESSES);
    let uses_adder = adds.clone()
        + f.of::<AB::Expr>(Op::Sub)
        + compares.clone()
        + addresses.clone()
        + f.any::<AB::Expr>(&[Op::Div, Op::Divu, Op::Rem, Op::Remu]);
    adder.eval(builder, uses_adder);
    let sub: AB::Expr = f.of(Op::Sub);
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
        // Addresses: a + imm.
        let mut g = builder.when(addresses.clone());
        g.assert_eq(x[i].clone(), a[i].clone());
        g.assert_eq(y[i].clone(), imm[i].clone());
    }
    // Comparisons: d + opb' = a' (primes: sign bits flipped when signed),
    // so the carry out is a' < opb'.
    for i in 0..3 {
        let mut g = builder.when(compares.clone());
        g.assert_eq(y[i].clone(), opb[i].clone());
        g.assert_eq(z[i].clone(), a[i].clone());
    }
    let (sa3, sb3): (AB::Expr, AB::Expr) = (local.sa3.into(), local.sb3.into());
    let unsigned = compares - signed.clone();
    builder.assert_zero(unsigned.clone() * (y[3].clone() - opb[3].clone()));
    builder.assert_zero(unsigned * (z[3].clone() - a[3].clone()));
    builder.assert_zero(signed.clone() * (y[3].clone() - sb3.clone()));
    builder.assert_zero(signed.clone() * (z[3].clone() - sa3.clone()));
    sign::flip(builder, a[3].clone(), sa3, signed.clone());
    sign::flip(builder, opb[3].clone(), sb3, signed);
    // SLT and friends: c = (a < opb).
    let sets: AB::Expr = f.any(&[Op::Slt, Op::Slti, Op::Sltu, Op::Sltiu]);
    builder.assert_zero(sets.clone() * (c[0].clone() - carry[3].clone()));
    for ci in &c[1..] {
        builder.assert_zero(sets.clone() * ci.clone());
    }

    // --- Bitwise: one byte-table lookup per byte. ---
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

    // --- Static results. ---
    let statics: AB::Expr = f.any(&[Op::Lui, Op::Jal, Op::Jalr]);
    for i in 0..4 {
        builder.assert_zero(statics.clone() * (c[i].clone() - local.insn.value[i].into()));
    }

    // --- Branches. ---
    let nonzero = x[0].clone() + x[1].clone() + x[2].clone() + x[3].clone();
    let taken: AB::Expr = local.taken.into();
    let eq_inv: AB::Expr = local.eq_inv.into();
    let (beq, bne): (AB::Expr, AB::Expr) = (f.of(Op::Beq), f.of(Op::Bne));
    builder.assert_zero(beq.clone() * (taken.clone() - one() + nonzero.clone() * eq_inv.clone()));
    builder.assert_zero(beq * nonzero.clone() * taken.clone());
    builder.assert_zero(bne.clone() * (taken.clone() - nonzero.clone() * eq_inv));
    builder.assert_zero(bne * nonzero * (one() - taken.clone()));
    builder
        .assert_zero(f.any::<AB::Expr>(&[Op::Blt, Op::Bltu]) * (taken.clone() - carry[3].clone()));
    builder.assert_zero(
        f.any::<AB::Expr>(&[Op::Bge, Op::Bgeu]) * (taken.clone() - one() + carry[3].clone()),
    );

    // --- The next pc. ---
    let (pc, next_pc, target): (AB::Expr, AB::Expr, AB::Expr) = (
        local.pc.into(),
        local.next_pc.into(),
        local.insn.target.into(),
    );
    let sequential: AB::Expr = f.any_where(Op::is_sequential);
    builder.assert_zero(sequential * (next_pc.clone() - pc.clone() - k(4)));
    builder.assert_zero(f.of::<AB::Expr>(Op::Jal) * (next_pc.clone() - target.clone()));
    let branches: AB::Expr = f.any(&[Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu]);
    builder.assert_zero(
        branches * (next_pc.clone() - pc.clone() - k(4) - taken * (target - pc - k(4))),
    );
    // JALR: target = (a + imm) & !1, 4-aligned, below 2^30 (the limit
    // byte 4 z3 range-checked with k, in `mem`).
    const _: () = assert!(CODE_LIMIT == 1 << 30, "JALR's limit byte is 4 z3");
    let jalr: AB::Expr = f.of(Op::Jalr);
    let bit0: AB::Expr = local.bit0.into();
    builder.assert_bool(bit0.clone());
    builder.assert_zero(jalr.clone() * (z[0].clone() - local.k.into() * k(4) - bit0.clone()));
    builder.assert_zero(jalr.clone() * (next_pc - word(z.clone()) + bit0));
    builder.assert_zero(jalr * (local.limit.into() - z[3].clone() * k(4)));
}
