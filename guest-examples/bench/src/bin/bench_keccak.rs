//! Pure-software Keccak-256 (the `sha3` crate, no accelerator) of 1 MiB of
//! the letter `a`, or of as many as a 4-byte little-endian input says:
//! `bench_keccak_accel`'s work without the accelerator.
#![no_std]
#![no_main]

use sha3::Digest;

ember_guest::entry!(main);

fn main() {
    let data = bench::letter_a(1 << 20);
    let digest: [u8; 32] = sha3::Keccak256::digest(&data).into();
    ember_guest::env::commit(&digest);
}
