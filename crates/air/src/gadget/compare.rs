//! A comparison in the adder: `d + opb' = a'`, the primes having their top
//! byte's sign bit flipped for signed comparisons, so the carry out is
//! `a < opb` (signed or not). SLT and the branches use it.

use p3_air::AirBuilder;
use p3_field::Field;
use p3_lookup::InteractionBuilder;

use super::AdderCols;
use super::sign;
use crate::lookups::Lookups;

/// A comparison in the adder, when `compares` is 1: `d + opb' = a'`, the
/// primes having their top byte's sign bit flipped (`flipped`, looked up)
/// when `signed` is 1, so the carry out is `a < opb` (signed or not).
pub fn eval<AB>(
    builder: &mut AB,
    adder: &AdderCols<AB::Var>,
    a: &[AB::Expr; 4],
    opb: &[AB::Expr; 4],
    flipped: [AB::Expr; 2],
    compares: AB::Expr,
    signed: AB::Expr,
) where
    AB: AirBuilder + InteractionBuilder,
{
    let [y, z]: [[AB::Expr; 4]; 2] = [adder.y, adder.z].map(|w| w.map(Into::into));
    for i in 0..3 {
        let mut g = builder.when(compares.clone());
        g.assert_eq(y[i].clone(), opb[i].clone());
        g.assert_eq(z[i].clone(), a[i].clone());
    }
    let [sa3, sb3] = flipped;
    let unsigned = compares - signed.clone();
    builder.assert_zero(unsigned.clone() * (y[3].clone() - opb[3].clone()));
    builder.assert_zero(unsigned * (z[3].clone() - a[3].clone()));
    builder.assert_zero(signed.clone() * (y[3].clone() - sb3.clone()));
    builder.assert_zero(signed.clone() * (z[3].clone() - sa3.clone()));
    sign::flip(builder, a[3].clone(), sa3, signed.clone());
    sign::flip(builder, opb[3].clone(), sb3, signed);
}

/// A comparison in the adder: `d + opb' = a'`, primes with the sign bits
/// flipped when `signed`; returns `d` and the carry out (`a < opb`).
pub fn populate<F: Field>(
    adder: &mut AdderCols<F>,
    flipped: [&mut F; 2],
    a: u32,
    opb: u32,
    signed: bool,
    lookups: &mut Lookups,
) -> (u32, bool) {
    let flip = if signed { 0x8000_0000 } else { 0 };
    let (a2, b2) = (a ^ flip, opb ^ flip);
    if signed {
        let [sa3, sb3] = flipped;
        sign::populate(sa3, a >> 24, lookups);
        sign::populate(sb3, opb >> 24, lookups);
    }
    let d = a2.wrapping_sub(b2);
    let (_, below) = adder.populate(d, b2, lookups);
    (d, below)
}
