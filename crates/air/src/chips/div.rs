//! The division chip: DIV, DIVU, REM, REMU. The multiplier checks `q * b
//! + r = a` over 64 bits (each sign-extended when signed), with `|r| < |b|`
//! through the adder (two's-complement absolute values), `r`'s sign `a`'s,
//! the quotient and remainder limbs range-checked, and the RISC-V results
//! for division by zero and `MIN / -1`.

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;

use super::adapter::{self, AdapterCols, Statics, limbs};
use super::chip_air;
use crate::bytes::range_pair;
use crate::columns;
use crate::gadget::{AdderCols, MulCols, sign};
use crate::ops::Op;

/// The chip's operations, in flag order.
pub const OPS: &[Op] = &[Op::Div, Op::Divu, Op::Rem, Op::Remu];

/// A row of the division chip.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DivCols<T> {
    /// The instruction, its state and registers.
    pub adapter: AdapterCols<T>,
    /// One flag per operation of [`OPS`].
    pub flags: [T; 4],
    /// The multiplier: `q * b + r` (`u` the quotient, `v` = `b`, `r` the
    /// remainder).
    pub mul: MulCols<T>,
    /// The bound: `|r| + d = |b|`.
    pub adder: AdderCols<T>,
    /// `a`'s sign bit (signed division), and `a[3] ^ 0x80`.
    pub sa: T,
    /// See `sa`.
    pub a3x: T,
    /// `|r|` and its negation carries.
    pub abs_r: [T; 4],
    /// See `abs_r`.
    pub ncr: [T; 4],
    /// `|b|` and its negation carries.
    pub abs_b: [T; 4],
    /// See `abs_b`.
    pub ncb: [T; 4],
    /// Division by zero, and the inverse of `b`'s byte sum otherwise.
    pub b_zero: T,
    /// See `b_zero`.
    pub b_inv: T,
    /// Signed overflow (`MIN / -1`), and the inverse that rules it out otherwise.
    pub overflow: T,
    /// See `overflow`.
    pub ovf_inv: T,
    /// Inverse of `d`'s byte sum (`d != 0`: `|r| < |b|`).
    pub d_inv: T,
}

columns!(DivCols, DIV_WIDTH, DIV_COLS);
chip_air!(DivChip, DivCols, DIV_WIDTH);

fn eval<AB>(builder: &mut AB, local: &DivCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let ad = &local.adapter;
    let one = || AB::Expr::ONE;
    let k = |v: u32| AB::Expr::from_u32(v);
    let divisions: AB::Expr = ad.is_real.into();
    let f = adapter::eval_sequential(builder, ad, OPS, &local.flags, Statics::none());
    let [a, b, c] = [&ad.a, &ad.b, &ad.c].map(limbs::<_, AB::Expr>);
    let m = &local.mul;
    let [u, v, r] = [&m.u, &m.v, &m.r].map(limbs::<_, AB::Expr>);
    let out: [AB::Expr; 8] = m.out.map(Into::into);
    let (sv, sr): (AB::Expr, AB::Expr) = (m.sv.into(), m.sr.into());

    // The multiplier: q * b + r, all three signed for DIV and REM.
    let signed_div: AB::Expr = f.any(&[Op::Div, Op::Rem]);
    m.eval(
        builder,
        divisions.clone(),
        signed_div.clone(),
        signed_div.clone(),
        signed_div.clone(),
    );
    for i in 0..4 {
        builder.assert_zero(divisions.clone() * (v[i].clone() - b[i].clone()));
    }

    // --- Division: q * b + r = a over 64 bits (q = u, b = v, r, each
    // sign-extended when signed), |r| < |b|, r's sign is a's; with the
    // RISC-V results for division by zero and for MIN / -1. ---
    let (sa, b_zero, overflow): (AB::Expr, AB::Expr, AB::Expr) =
        (local.sa.into(), local.b_zero.into(), local.overflow.into());
    for flag in [sa.clone(), b_zero.clone(), overflow.clone()] {
        builder.assert_bool(flag);
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
    adder.eval(builder, divisions.clone());
    let y = limbs::<_, AB::Expr>(&adder.y);
    let y_sum = y[0].clone() + y[1].clone() + y[2].clone() + y[3].clone();
    for i in 0..4 {
        let mut g = builder.when(divisions.clone());
        g.assert_eq(adder.x[i], abs_r[i].clone());
        g.assert_eq(adder.z[i], abs_b[i].clone());
    }
    builder.assert_zero(bounded.clone() * adder.carry[3].into());
    builder.assert_zero(bounded * (y_sum * local.d_inv.into() - one()));
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
