//! A buffer an accelerator reads or writes in place, checked as the
//! executor checks it before it runs the call: 4-aligned, starting above
//! the guard region and ending below the system region (`docs/abi.md`).

use p3_air::AirBuilder;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;

use crate::bytes::range_pair;
use crate::lookups::Lookups;
use crate::word;

/// The last word index a buffer may touch: just below the system region.
pub const LAST_WORD: u32 = ember_abi::memory::SYSTEM_START / 4 - 1;

/// A buffer's columns.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BufferCols<T> {
    /// The address's low byte is `4 k0` (`k0` below 64): aligned.
    pub k0: T,
    /// Inverse of the address's high half: above the guard region.
    pub guard_inv: T,
    /// `LAST_WORD` less the buffer's last word, below 2^30, bytes.
    pub limit: [T; 4],
}

crate::columns!(BufferCols, BUFFER_WIDTH, BUFFER_COLS);

impl<T: Copy> BufferCols<T> {
    /// When `count` is 1: the buffer at `addr` (bytes, range-checked by
    /// whoever read them) of `words` words (below 2^28) is aligned, above
    /// the guard region and below the system region. Returns its first
    /// word index, `addr / 4`. (The limit's terms cannot wrap the field:
    /// `LAST_WORD - addr / 4 - words + 1` lies in `(-2^30, 2^30)`.)
    pub fn eval<AB>(
        &self,
        builder: &mut AB,
        addr: &[AB::Expr; 4],
        words: AB::Expr,
        count: AB::Expr,
    ) -> AB::Expr
    where
        AB: AirBuilder + InteractionBuilder,
        T: Into<AB::Expr>,
    {
        let k = |v: u32| AB::Expr::from_u32(v);
        let k0: AB::Expr = self.k0.into();
        builder.assert_zero(count.clone() * (addr[0].clone() - k0.clone() * k(4)));
        range_pair(builder, k0.clone(), k0.clone() * k(4), count.clone());
        builder.assert_zero(
            count.clone()
                * ((addr[2].clone() + addr[3].clone() * k(256)) * self.guard_inv.into()
                    - AB::Expr::ONE),
        );
        let first = k0
            + addr[1].clone() * k(1 << 6)
            + addr[2].clone() * k(1 << 14)
            + addr[3].clone() * k(1 << 22);
        let limit: [AB::Expr; 4] = self.limit.map(Into::into);
        builder.assert_zero(
            count.clone()
                * (word(limit.clone()) - k(LAST_WORD) + first.clone() + words - AB::Expr::ONE),
        );
        range_pair(builder, limit[0].clone(), limit[1].clone(), count.clone());
        range_pair(builder, limit[2].clone(), limit[3].clone() * k(4), count);
        first
    }
}

impl<F: Field> BufferCols<F> {
    /// Fills the checks of the buffer at `addr` of `words` words (which the
    /// executor accepted) and records their lookups.
    pub fn populate(&mut self, addr: u32, words: u32, lookups: &mut Lookups) {
        let k0 = (addr & 0xff) >> 2;
        self.k0 = F::from_u32(k0);
        lookups.range(k0, 4 * k0);
        self.guard_inv = F::from_u32(addr >> 16).try_inverse().unwrap_or(F::ZERO);
        let room = LAST_WORD - (addr / 4 + words - 1);
        self.limit = room.to_le_bytes().map(F::from_u8);
        let [l0, l1, l2, l3] = room.to_le_bytes().map(u32::from);
        lookups.range(l0, l1);
        lookups.range(l2, 4 * l3);
    }
}
