//! What the benchmark workloads share.
#![no_std]

extern crate alloc;

/// The workload's size: the input's first four bytes (little-endian), or
/// `default` without an input (`cargo xtask bench` runs the defaults;
/// `cargo xtask bench --prove` gives sizes a proof holds).
pub fn size_or(default: u32) -> u32 {
    match ember_guest::env::read_to_end()[..] {
        [b0, b1, b2, b3, ..] => u32::from_le_bytes([b0, b1, b2, b3]),
        _ => default,
    }
}

/// `len` pseudo-random bytes (xorshift32 from a fixed seed), the data the
/// hashing workloads hash.
pub fn bytes(len: u32) -> alloc::vec::Vec<u8> {
    let mut state = core::hint::black_box(0x9e37_79b9u32);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}
