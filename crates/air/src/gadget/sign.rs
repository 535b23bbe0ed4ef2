//! A byte's sign bit: `flipped = v ^ 0x80` is looked up in the byte table,
//! so `v + 128 - flipped` is 256 times the sign bit.

use p3_air::AirBuilder;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

use crate::bus;
use crate::bytes::tag;
use crate::lookups::Lookups;

/// `sign` is the top bit of the byte `v`, when `count` is 1 (`flipped` is
/// `v ^ 0x80`, looked up).
pub fn eval<AB>(builder: &mut AB, v: AB::Expr, flipped: AB::Expr, sign: AB::Expr, count: AB::Expr)
where
    AB: AirBuilder + InteractionBuilder,
{
    builder.assert_zero(
        count.clone()
            * (sign * AB::Expr::from_u32(256) - v.clone() - AB::Expr::from_u32(128)
                + flipped.clone()),
    );
    flip(builder, v, flipped, count);
}

/// Looks up `flipped = v ^ 0x80` (a signed comparison's operand), when
/// `count` is 1.
pub fn flip<AB>(builder: &mut AB, v: AB::Expr, flipped: AB::Expr, count: AB::Expr)
where
    AB: AirBuilder + InteractionBuilder,
{
    builder.push_interaction(
        bus::BYTES,
        [
            AB::Expr::from_u32(tag::XOR),
            v,
            AB::Expr::from_u32(0x80),
            flipped,
        ],
        Count::bounded(count, 1),
    );
}

/// Fills `flipped` for the byte `v` and records its lookup; returns the
/// sign bit.
pub fn populate<F: Field>(flipped: &mut F, v: u32, lookups: &mut Lookups) -> bool {
    *flipped = F::from_u32(v ^ 0x80);
    lookups.byte(tag::XOR, v, 0x80);
    v & 0x80 != 0
}
