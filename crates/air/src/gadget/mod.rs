//! Gadgets: each owns its columns (a `#[repr(C)]` struct embedded in a
//! table's row), the constraints on them (`eval`) and the `populate` that
//! fills them and records the lookups they send in [`Lookups`], so a
//! count is derived from the same code that sends the lookup. Trace
//! generation calls `populate`; so do the tamper tests that rebuild a
//! witness.
//!
//! [`Lookups`]: crate::lookups::Lookups

pub mod access;
pub mod adder;
pub mod buffer;
pub mod compare;
pub mod mul;
pub mod sign;

pub use access::AccessCols;
pub use adder::AdderCols;
pub use buffer::BufferCols;
pub use mul::MulCols;

use p3_field::Field;

/// The bytes of `w` as field elements, little-endian.
pub fn bytes_of<F: Field>(w: u32) -> [F; 4] {
    w.to_le_bytes().map(F::from_u8)
}

/// `v`'s inverse, or 0 for 0: the witness of an is-non-zero check.
pub fn inverse_or_zero<F: Field>(v: F) -> F {
    v.try_inverse().unwrap_or(F::ZERO)
}
