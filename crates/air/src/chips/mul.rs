//! The multiplier chip: MUL, MULH, MULHSU, MULHU, and the shifts (a
//! multiplication by a power of two from the pow2 table). One multiplier
//! computes `U * V mod 2^64` over the operands sign-extended by flag bits:
//! MUL and SLL take its low word, MULH* its high word; SRL and SRA multiply
//! by `2^(32 - s)` and take the high word (or `a` itself for `s = 0`).

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder};

use super::adapter::{self, AdapterCols, Statics, limbs};
use super::chip_air;
use crate::bytes::range_pair;
use crate::gadget::MulCols;
use crate::ops::Op;
use crate::{bus, columns};

/// The chip's operations, in flag order.
pub const OPS: &[Op] = &[
    Op::Mul,
    Op::Mulh,
    Op::Mulhsu,
    Op::Mulhu,
    Op::Sll,
    Op::Slli,
    Op::Srl,
    Op::Srli,
    Op::Sra,
    Op::Srai,
];
/// Shifts.
const SHIFTS: [Op; 6] = [Op::Sll, Op::Slli, Op::Srl, Op::Srli, Op::Sra, Op::Srai];
/// Right shifts.
const RIGHT_SHIFTS: [Op; 4] = [Op::Srl, Op::Srli, Op::Sra, Op::Srai];

/// A row of the multiplier chip.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MulChipCols<T> {
    /// The instruction, its state and registers.
    pub adapter: AdapterCols<T>,
    /// One flag per operation of [`OPS`].
    pub flags: [T; 10],
    /// The immediate's low byte (shifts by an immediate: the program's
    /// other bytes are 0).
    pub imm0: T,
    /// The shift amount's byte: `b0` or `imm0`.
    pub opb0: T,
    /// The multiplier.
    pub mul: MulCols<T>,
    /// Shifts: the amount `s` and the rest of `opb0` (`opb0 = s + 32 hi3`).
    pub shamt: T,
    /// See `shamt`.
    pub hi3: T,
    /// A right shift by 0.
    pub shift_zero: T,
}

columns!(MulChipCols, MUL_WIDTH, MUL_COLS);
chip_air!(MulChip, MulChipCols, MUL_WIDTH);

fn eval<AB>(builder: &mut AB, local: &MulChipCols<AB::Var>)
where
    AB: AirBuilder + InteractionBuilder,
{
    let ad = &local.adapter;
    let k = |v: u32| AB::Expr::from_u32(v);
    let is_real: AB::Expr = ad.is_real.into();
    let zero = || AB::Expr::ZERO;
    let f = adapter::eval_sequential(
        builder,
        ad,
        OPS,
        &local.flags,
        Statics::imm([local.imm0.into(), zero(), zero(), zero()]),
    );
    let [a, b, c] = [&ad.a, &ad.b, &ad.c].map(limbs::<_, AB::Expr>);
    let m = &local.mul;
    let [u, v, r] = [&m.u, &m.v, &m.r].map(limbs::<_, AB::Expr>);
    let out: [AB::Expr; 8] = m.out.map(Into::into);

    // The multiplier: out = U * V mod 2^64; U is signed for MULH, MULHSU
    // and SRA, V for MULH; no addend.
    let multiplies: AB::Expr = f.any(&[Op::Mul, Op::Mulh, Op::Mulhsu, Op::Mulhu]);
    let shifts: AB::Expr = f.any(&SHIFTS);
    let signed_u: AB::Expr = f.any(&[Op::Mulh, Op::Mulhsu, Op::Sra, Op::Srai]);
    m.eval(builder, is_real, signed_u, f.of(Op::Mulh), AB::Expr::ZERO);
    for i in 0..4 {
        builder.assert_zero(r[i].clone());
        // U = a; V = b for multiplications (shifts: a power of two).
        builder.assert_zero(ad.is_real.into() * (u[i].clone() - a[i].clone()));
        builder.assert_zero(multiplies.clone() * (v[i].clone() - b[i].clone()));
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

    // Shifts: opb0 (b0, or imm0) = s + 32 hi3, s < 32, hi3 < 8; V = 2^s
    // (left) or 2^(32 - s) (right), from the pow2 table.
    let opb0: AB::Expr = local.opb0.into();
    let reg_b: AB::Expr = f.any(&[Op::Sll, Op::Srl, Op::Sra]);
    let imm_b: AB::Expr = f.any(&[Op::Slli, Op::Srli, Op::Srai]);
    builder.assert_zero(reg_b * (opb0.clone() - b[0].clone()));
    builder.assert_zero(imm_b * (opb0.clone() - local.imm0.into()));
    let (s_amt, hi3): (AB::Expr, AB::Expr) = (local.shamt.into(), local.hi3.into());
    builder.assert_zero(shifts.clone() * (opb0 - s_amt.clone() - hi3.clone() * k(32)));
    range_pair(builder, s_amt.clone(), s_amt.clone() * k(8), shifts.clone());
    range_pair(builder, hi3.clone(), hi3 * k(32), shifts.clone());
    let right: AB::Expr = f.any(&RIGHT_SHIFTS);
    let mut message = vec![s_amt + right * k(32)];
    message.extend(v.iter().cloned());
    message.push(local.shift_zero.into());
    builder.push_interaction(bus::POW2, message, Count::bounded(shifts, 1));
}
