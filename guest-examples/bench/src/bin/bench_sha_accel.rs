//! SHA-256 on the accelerator (`ember_guest::sha256`) of 1 MiB of the letter
//! `a`, or of as many as a 4-byte little-endian input says (1,000,000 gives
//! FIPS 180's million-a digest).
#![no_std]
#![no_main]

extern crate alloc;

ember_guest::entry!(main);

fn main() {
    // The letter a, as in FIPS 180's million-a test: hashing costs the same
    // whatever the bytes, and the buffer costs one memset.
    let data = alloc::vec![b'a'; bench::size_or(1 << 20) as usize];
    ember_guest::env::commit(&ember_guest::sha256::digest(&data));
}
