//! Sorts one million pseudo-random u32 (`sort_unstable`), or as many as a
//! 4-byte little-endian input says, and commits a checksum of the result.
#![no_std]
#![no_main]

extern crate alloc;

ember_guest::entry!(main);

fn main() {
    let mut state = core::hint::black_box(0x1234_5678u32);
    let mut values: alloc::vec::Vec<u32> = (0..bench::size_or(1_000_000))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        })
        .collect();
    values.sort_unstable();
    let checksum = values
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, v)| acc.rotate_left(5) ^ v.wrapping_mul(i as u32 | 1));
    ember_guest::env::commit(&(values[0], values[values.len() / 2], checksum));
}
