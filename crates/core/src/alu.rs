//! Pure RV32IM arithmetic: each operation as a small function of its operands,
//! exactly as the RISC-V specification defines it, unit-tested on its own.

/// `sll`: shift left by the low 5 bits of `b`.
pub fn sll(a: u32, b: u32) -> u32 {
    a << (b & 31)
}

/// `srl`: logical shift right by the low 5 bits of `b`.
pub fn srl(a: u32, b: u32) -> u32 {
    a >> (b & 31)
}

/// `sra`: arithmetic shift right by the low 5 bits of `b`.
pub fn sra(a: u32, b: u32) -> u32 {
    ((a as i32) >> (b & 31)) as u32
}

/// `slt`: 1 if `a < b` as signed numbers.
pub fn slt(a: u32, b: u32) -> u32 {
    u32::from((a as i32) < (b as i32))
}

/// `sltu`: 1 if `a < b` as unsigned numbers.
pub fn sltu(a: u32, b: u32) -> u32 {
    u32::from(a < b)
}

/// `mulh`: high word of the signed × signed product.
pub fn mulh(a: u32, b: u32) -> u32 {
    ((i64::from(a as i32) * i64::from(b as i32)) >> 32) as u32
}

/// `mulhsu`: high word of the signed `a` × unsigned `b` product.
pub fn mulhsu(a: u32, b: u32) -> u32 {
    ((i64::from(a as i32) * i64::from(b)) >> 32) as u32
}

/// `mulhu`: high word of the unsigned × unsigned product.
pub fn mulhu(a: u32, b: u32) -> u32 {
    ((u64::from(a) * u64::from(b)) >> 32) as u32
}

/// `div`: signed division rounding toward zero; by zero gives all ones,
/// and `i32::MIN / -1` overflows to `i32::MIN`.
pub fn div(a: u32, b: u32) -> u32 {
    if b == 0 {
        u32::MAX
    } else {
        (a as i32).wrapping_div(b as i32) as u32
    }
}

/// `divu`: unsigned division; by zero gives all ones.
pub fn divu(a: u32, b: u32) -> u32 {
    a.checked_div(b).unwrap_or(u32::MAX)
}

/// `rem`: signed remainder with the sign of the dividend; by zero gives the
/// dividend, and `i32::MIN % -1` is 0.
pub fn rem(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        (a as i32).wrapping_rem(b as i32) as u32
    }
}

/// `remu`: unsigned remainder; by zero gives the dividend.
pub fn remu(a: u32, b: u32) -> u32 {
    a.checked_rem(b).unwrap_or(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u32 = 0x8000_0000;
    const NEG1: u32 = u32::MAX;

    #[test]
    fn shifts_use_only_the_low_five_bits() {
        assert_eq!(sll(1, 33), 2);
        assert_eq!(sll(1, 31), MIN);
        assert_eq!(srl(MIN, 63), 1);
        assert_eq!(sra(MIN, 31), NEG1);
        assert_eq!(sra(MIN, 32), MIN);
        assert_eq!(sra(0x4000_0000, 30), 1);
    }

    #[test]
    fn comparisons_distinguish_signedness() {
        assert_eq!(slt(NEG1, 0), 1);
        assert_eq!(sltu(NEG1, 0), 0);
        assert_eq!(slt(0, NEG1), 0);
        assert_eq!(sltu(0, NEG1), 1);
        assert_eq!(slt(5, 5), 0);
    }

    #[test]
    fn multiply_high_words() {
        // (-1) * (-1) = 1: high word 0 signed; as unsigned (2^32-1)^2 = 2^64 - 2^33 + 1.
        assert_eq!(mulh(NEG1, NEG1), 0);
        assert_eq!(mulhu(NEG1, NEG1), 0xffff_fffe);
        // signed -1 × unsigned (2^32-1) = -(2^32-1): high word all ones.
        assert_eq!(mulhsu(NEG1, NEG1), NEG1);
        // MIN × MIN = 2^62 signed.
        assert_eq!(mulh(MIN, MIN), 0x4000_0000);
        assert_eq!(mulhsu(MIN, NEG1), 0x8000_0000);
        assert_eq!(mulhu(MIN, MIN), 0x4000_0000);
        assert_eq!(mulh(3, 7), 0);
    }

    #[test]
    fn division_by_zero_and_overflow_follow_the_spec() {
        assert_eq!(div(7, 0), NEG1);
        assert_eq!(divu(7, 0), NEG1);
        assert_eq!(rem(7, 0), 7);
        assert_eq!(remu(7, 0), 7);
        assert_eq!(rem(MIN, 0), MIN);
        assert_eq!(div(MIN, NEG1), MIN);
        assert_eq!(rem(MIN, NEG1), 0);
    }

    #[test]
    fn division_rounds_toward_zero() {
        assert_eq!(div((-7i32) as u32, 2), (-3i32) as u32);
        assert_eq!(rem((-7i32) as u32, 2), (-1i32) as u32);
        assert_eq!(div(7, (-2i32) as u32), (-3i32) as u32);
        assert_eq!(rem(7, (-2i32) as u32), 1);
        assert_eq!(divu((-7i32) as u32, 2), 0x7fff_fffc);
        assert_eq!(remu((-7i32) as u32, 2), 1);
    }
}
