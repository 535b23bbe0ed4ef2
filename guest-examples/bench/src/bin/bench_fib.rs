//! A tight loop: 30 million steps of Fibonacci modulo 2^64 (~300M
//! instructions), or as many as a 4-byte little-endian input says (`cargo
//! xtask bench --prove` proves a run of about a million cycles).
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    let n = core::hint::black_box(bench::size_or(30_000_000));
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    ember_guest::env::commit(&a);
}
