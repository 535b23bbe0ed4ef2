//! The CPU's multiplier users: MUL and its high-word variants, shifts (a
//! multiplication by a power of two from the pow2 table), and division
//! (`q * b + r = a` with `|r| < |b|` through the adder).

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder};

use super::{CpuCols, Flags, limbs};
use crate::bus;
use crate::bytes::range_pair;
use crate::gadget::sign;
use crate::ops::Op;

/// Multiplications.
const MULTIPLIES: [Op; 4] = [Op::Mul, Op::Mulh, Op::Mulhsu, Op::Mulhu];
/// Shifts.
const SHIFTS: [Op; 6] = [Op::Sll, Op::Slli, Op::Srl, Op::Srli, Op::Sra, Op::Srai];
/// Right shifts.
const RIGHT_SHIFTS: [Op; 4] = [Op::Srl, Op::Srli, Op::Sra, Op::Srai];
/// Divisions.
const DIVISIONS: [Op; 4] = [Op::Div, Op::Divu, Op::Rem, Op::Remu];

pub(super) fn eval<AB>(builder: &mut AB, local: &CpuCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let f = Flags(&local.flags);
    let one = || AB::Expr::ONE;
    let k = |v: u32| AB::Expr::from_u32(v);
    let [a, b, opb, c] = [&local.a, &local.b, &local.opb, &local.c].map(limbs::<_, AB::Expr>);
    let m = &local.mul;
    let [u, v, r] = [&m.u, &m.v, &m.r].map(limbs::<_, AB::Expr>);
    let out: [AB::Expr; 8] = m.out.map(Into::into);
    let (sv, sr): (AB::Expr, AB::Expr) = (m.sv.into(), m.sr.into());

    // --- The multiplier: out = U * V + R mod 2^64. ---
    let multiplies: AB::Expr = f.any(&MULTIPLIES);
    let shifts: AB::Expr = f.any(&SHIFTS);
    let divisions: AB::Expr = f.any(&DIVISIONS);
    let signed_div: AB::Expr = f.any(&[Op::Div, Op::Rem]);
    // Signs: U is signed for MULH, MULHSU, SRA and signed division; V for
    // MULH and signed division; R for signed division.
    let signed_u: AB::Expr = f.any(&[Op::Mulh, Op::Mulhsu, Op::Sra, Op::Srai, Op::Div, Op::Rem]);
    let signed_v = f.of::<AB::Expr>(Op::Mulh) + signed_div.clone();
    m.eval(
        builder,
        multiplies.clone() + shifts.clone() + divisions.clone(),
        signed_u,
        signed_v,
        signed_div.clone(),
    );
    for i in 0..4 {
        // U = a (shifts: a power of two for V); V = b for multiplications.
        builder.assert_zero((multiplies.clone() + shifts.clone()) * (u[i].clone() - a[i].clone()));
        builder
            .assert_zero((multiplies.clone() + divisions.clone()) * (v[i].clone() - b[i].clone()));
        // MUL, SLL: the low word; the others: the high word.
        builder.assert_zero(
            f.any::<AB::Expr>(&[Op::Mul, Op::Sll, Op::Slli]) * (c[i].clone() - out[i].clone()),
        );
        builder.assert_zero(
            f.any::<AB::Expr>(&[Op::Mulh, Op::Mulhsu, Op::Mulhu])
                * (c[i].clone() - out[4 + i].clone()),
        );
        // SRL, SRA: the high word of a * 2^(32 - s), or a itself for s = 0.
        builder.assert_zero(
            f.any::<AB::Expr>(&RIGHT_SHIFTS)
                * (c[i].clone() - out[4 + i].clone() - local.shift_zero.into() * a[i].clone()),
        );
    }

    // --- Shifts: opb0 = s + 32 hi3, s < 32, hi3 < 8; V = 2^s (left) or
    // 2^(32 - s) (right), from the pow2 table. ---
    let (s_amt, hi3): (AB::Expr, AB::Expr) = (local.shamt.into(), local.hi3.into());
    builder.assert_zero(shifts.clone() * (opb[0].clone() - s_amt.clone() - hi3.clone() * k(32)));
    range_pair(builder, s_amt.clone(), s_amt.clone() * k(8), shifts.clone());
    range_pair(builder, hi3.clone(), hi3 * k(32), shifts.clone());
    let right: AB::Expr = f.any(&RIGHT_SHIFTS);
    let mut message = vec![s_amt + right * k(32)];
    message.extend(v.iter().cloned());
    message.push(local.shift_zero.into());
    builder.push_interaction(bus::POW2, message, Count::bounded(shifts, 1));

    // --- Division: q * b + r = a over 64 bits (q = u, b = v, r, each
    // sign-extended when signed), |r| < |b|, r's sign is a's; with the
    // RISC-V results for division by zero and for MIN / -1. ---
    let (sa, b_zero, overflow): (AB::Expr, AB::Expr, AB::Expr) =
        (local.sa.into(), local.b_zero.into(), local.overflow.into());
    for flag in [sa.clone(), b_zero.clone(), overflow.clone()] {
        builder.assert_bool(flag);
    }
    // Outside divisions the remainder is 0 (the multiplier adds it).
    for ri in &r {
        builder.assert_zero((one() - divisions.clone()) * ri.clone());
    }
    builder.assert_zero((one() - signed_div.clone()) * sa.clone());
    sign::eval(
        builder,
        a[3].clone(),
        local.a3x.into(),
        sa.clone(),
        signed_div.clone(),
    );
    // The product: a, sign-extended (its high word exempt on overflow).
    for j in 0..8 {
        let (want, when) = if j < 4 {
            (a[j].clone(), divisions.clone())
        } else {
            (sa.clone() * k(255), divisions.clone() - overflow.clone())
        };
        builder.assert_zero(when * (out[j].clone() - want));
    }
    // Division by zero: b's bytes sum to 0; then q = 2^32 - 1 (r = a follows).
    let b_sum = b[0].clone() + b[1].clone() + b[2].clone() + b[3].clone();
    builder.assert_zero((one() - divisions.clone()) * b_zero.clone());
    builder.assert_zero(b_zero.clone() * b_sum.clone());
    builder.assert_zero(divisions.clone() * (one() - b_zero.clone() - b_sum * local.b_inv.into()));
    for ui in &u {
        builder.assert_zero(b_zero.clone() * (ui.clone() - k(255)));
    }
    // Overflow: a = 0x80000000 and b = 0xffffffff, signed; then q = a, r = 0.
    let ovf_sum = a[0].clone()
        + a[1].clone()
        + a[2].clone()
        + local.a3x.into()
        + b.iter()
            .fold(AB::Expr::ZERO, |acc, bi| acc + k(255) - bi.clone());
    builder.assert_zero((one() - signed_div.clone()) * overflow.clone());
    builder.assert_zero(overflow.clone() * ovf_sum.clone());
    builder.assert_zero(
        signed_div.clone() * (one() - overflow.clone() - ovf_sum * local.ovf_inv.into()),
    );
    for i in 0..4 {
        let min = if i == 3 { k(0x80) } else { AB::Expr::ZERO };
        builder.assert_zero(overflow.clone() * (u[i].clone() - min));
        builder.assert_zero(overflow.clone() * r[i].clone());
    }
    // |r| and |b| by two's-complement negation when negative.
    let abs_r = limbs::<_, AB::Expr>(&local.abs_r);
    let abs_b = limbs::<_, AB::Expr>(&local.abs_b);
    for (abs, nc, w, s) in [
        (&abs_r, &local.ncr, &r, sr.clone()),
        (&abs_b, &local.ncb, &b, sv),
    ] {
        let mut carry_in = s.clone();
        for i in 0..4 {
            let ncarry: AB::Expr = nc[i].into();
            builder.assert_bool(ncarry.clone());
            let flipped = s.clone() * (k(255) - w[i].clone()) + (one() - s.clone()) * w[i].clone();
            builder
                .when(divisions.clone())
                .assert_eq(abs[i].clone() + ncarry.clone() * k(256), flipped + carry_in);
            carry_in = ncarry;
        }
    }
    // |r| < |b| (unless b = 0 or overflow): |r| + d = |b| exactly, d != 0.
    let bounded = divisions.clone() - b_zero - overflow;
    let adder = &local.adder;
    let y = limbs::<_, AB::Expr>(&adder.y);
    let y_sum = y[0].clone() + y[1].clone() + y[2].clone() + y[3].clone();
    for i in 0..4 {
        let mut g = builder.when(divisions.clone());
        g.assert_eq(adder.x[i], abs_r[i].clone());
        g.assert_eq(adder.z[i], abs_b[i].clone());
    }
    builder.assert_zero(bounded.clone() * adder.carry[3].into());
    builder.assert_zero(bounded * (y_sum * local.eq_inv.into() - one()));
    range_pair(builder, y[0].clone(), y[1].clone(), divisions.clone());
    range_pair(builder, y[2].clone(), y[3].clone(), divisions.clone());
    // r's sign is a's unless r = 0.
    let r_sum = r[0].clone() + r[1].clone() + r[2].clone() + r[3].clone();
    builder.assert_zero(signed_div * (sr - sa) * r_sum);
    // The quotient and the remainder are witnesses: their limbs are bytes.
    for w in [&u, &r] {
        range_pair(builder, w[0].clone(), w[1].clone(), divisions.clone());
        range_pair(builder, w[2].clone(), w[3].clone(), divisions.clone());
    }
    // Results: the quotient or the remainder.
    for i in 0..4 {
        builder
            .assert_zero(f.any::<AB::Expr>(&[Op::Div, Op::Divu]) * (c[i].clone() - u[i].clone()));
        builder
            .assert_zero(f.any::<AB::Expr>(&[Op::Rem, Op::Remu]) * (c[i].clone() - r[i].clone()));
    }
}
