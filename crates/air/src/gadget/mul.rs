//! The multiplier: `out = U * V + R mod 2^64` on bytes, with `U`, `V`, `R`
//! the words `u`, `v`, `r` sign-extended to 64 bits by their sign columns.
//! MUL and its high-word variants use it with `R = 0`; shifts multiply by a
//! power of two; division checks `q * b + r = a` with it.

use p3_air::AirBuilder;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;

use crate::bytes::range_pair;
use crate::gadget::sign;
use crate::lookups::Lookups;

/// The multiplier's columns.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MulCols<T> {
    /// The first factor.
    pub u: [T; 4],
    /// The second factor.
    pub v: [T; 4],
    /// The addend (division's remainder; 0 otherwise).
    pub r: [T; 4],
    /// `u`'s sign (it extends `U`), when signed.
    pub su: T,
    /// `v`'s sign, when signed.
    pub sv: T,
    /// `r`'s sign, when signed.
    pub sr: T,
    /// `u[3] ^ 0x80`: the check of `su`.
    pub u3x: T,
    /// `v[3] ^ 0x80`: the check of `sv`.
    pub v3x: T,
    /// `r[3] ^ 0x80`: the check of `sr`.
    pub r3x: T,
    /// The result's eight bytes.
    pub out: [T; 8],
    /// Column carries, each two bytes (low, high).
    pub carry: [[T; 2]; 8],
}

crate::columns!(MulCols, MUL_WIDTH, MUL_COLS);

impl<T: Copy> MulCols<T> {
    /// The product, column by column, on every row (all-zero columns
    /// satisfy it); the bytes of `out` and the carries range-checked when
    /// `used` is 1. Each sign column is 0, or when its `signed_*` is 1, the
    /// word's top bit.
    pub fn eval<AB>(
        &self,
        builder: &mut AB,
        used: AB::Expr,
        signed_u: AB::Expr,
        signed_v: AB::Expr,
        signed_r: AB::Expr,
    ) where
        AB: AirBuilder + InteractionBuilder,
        T: Into<AB::Expr>,
    {
        let limb = |w: &[T; 4], s: T, i: usize| -> AB::Expr {
            if i < 4 {
                w[i].into()
            } else {
                s.into() * AB::Expr::from_u32(255)
            }
        };
        let mut carry_in = AB::Expr::ZERO;
        for j in 0..8 {
            let sum = (0..=j)
                .map(|i| limb(&self.u, self.su, i) * limb(&self.v, self.sv, j - i))
                .fold(carry_in + limb(&self.r, self.sr, j), |acc, x| acc + x);
            let [lo, hi]: [AB::Expr; 2] = self.carry[j].map(Into::into);
            let carry = lo.clone() + hi.clone() * AB::Expr::from_u32(256);
            builder.assert_eq(
                sum,
                self.out[j].into() + carry.clone() * AB::Expr::from_u32(256),
            );
            range_pair(builder, lo, hi, used.clone());
            carry_in = carry;
        }
        for pair in self.out.chunks(2) {
            range_pair(builder, pair[0].into(), pair[1].into(), used.clone());
        }
        for (w, s, x, signed) in [
            (&self.u, self.su, self.u3x, signed_u),
            (&self.v, self.sv, self.v3x, signed_v),
            (&self.r, self.sr, self.r3x, signed_r),
        ] {
            let s: AB::Expr = s.into();
            builder.assert_bool(s.clone());
            builder.assert_zero((AB::Expr::ONE - signed.clone()) * s.clone());
            sign::eval(builder, w[3].into(), x.into(), s, signed);
        }
    }
}

impl<F: Field> MulCols<F> {
    /// Fills `u * v + r`, each sign-extended when its `signed_*` is set;
    /// returns the low and the high word.
    #[allow(clippy::too_many_arguments)]
    pub fn populate(
        &mut self,
        u: u32,
        v: u32,
        r: u32,
        signed_u: bool,
        signed_v: bool,
        signed_r: bool,
        lookups: &mut Lookups,
    ) -> (u32, u32) {
        let mut sign_of = |flipped: &mut F, w: u32, signed: bool| {
            signed && sign::populate(flipped, w >> 24, lookups)
        };
        let su = sign_of(&mut self.u3x, u, signed_u);
        let sv = sign_of(&mut self.v3x, v, signed_v);
        let sr = sign_of(&mut self.r3x, r, signed_r);
        self.u = super::bytes_of(u);
        self.v = super::bytes_of(v);
        self.r = super::bytes_of(r);
        self.su = F::from_bool(su);
        self.sv = F::from_bool(sv);
        self.sr = F::from_bool(sr);
        let ext = |w: u32, s: bool| -> [u64; 8] {
            let b = w.to_le_bytes();
            let hi = if s { 255 } else { 0 };
            [b[0], b[1], b[2], b[3], hi, hi, hi, hi].map(u64::from)
        };
        let (us, vs, rs) = (ext(u, su), ext(v, sv), ext(r, sr));
        let mut carry = 0u64;
        let mut out = [0u8; 8];
        for j in 0..8 {
            let sum = (0..=j).map(|i| us[i] * vs[j - i]).sum::<u64>() + rs[j] + carry;
            out[j] = sum as u8;
            carry = sum >> 8;
            let [lo, hi] = [carry & 0xff, carry >> 8].map(|c| c as u32);
            debug_assert!(hi < 256, "a column carry below 2^16");
            self.carry[j] = [F::from_u32(lo), F::from_u32(hi)];
            lookups.range(lo, hi);
        }
        self.out = out.map(F::from_u8);
        for pair in out.chunks(2) {
            lookups.range(u32::from(pair[0]), u32::from(pair[1]));
        }
        let lo = u32::from_le_bytes([out[0], out[1], out[2], out[3]]);
        let hi = u32::from_le_bytes([out[4], out[5], out[6], out[7]]);
        (lo, hi)
    }
}
