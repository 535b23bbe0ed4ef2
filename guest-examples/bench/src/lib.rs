//! What the benchmark workloads share.
#![no_std]

extern crate alloc;

/// The hashing workloads' message: [`size_or`]`(default)` times the letter
/// a, as in FIPS 180's million-a test (hashing costs the same whatever the
/// bytes, and the buffer costs one memset).
pub fn letter_a(default: u32) -> alloc::vec::Vec<u8> {
    alloc::vec![b'a'; size_or(default) as usize]
}

/// The workload's size: the input's first four bytes (little-endian), or
/// `default` without an input (`cargo xtask bench` runs the defaults;
/// `cargo xtask bench --prove` gives sizes a proof holds).
pub fn size_or(default: u32) -> u32 {
    match ember_guest::env::read_to_end()[..] {
        [b0, b1, b2, b3, ..] => u32::from_le_bytes([b0, b1, b2, b3]),
        _ => default,
    }
}
