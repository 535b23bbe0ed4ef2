//! SHA-256 on the accelerator (`ember_guest::sha256`) of 1 MiB of the letter
//! `a`, or of as many as a 4-byte little-endian input says (1,000,000 gives
//! FIPS 180's million-a digest).
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    let data = bench::letter_a(1 << 20);
    ember_guest::env::commit(&ember_guest::sha256::digest(&data));
}
