//! Pure-software SHA-256 (the `sha2` crate, no accelerator) of a 2 MiB
//! buffer generated in the guest, or of as many bytes as a 4-byte
//! little-endian input says.
#![no_std]
#![no_main]

extern crate alloc;

use sha2::Digest;

ember_guest::entry!(main);

fn main() {
    let mut state = core::hint::black_box(0x9e37_79b9u32);
    let data: alloc::vec::Vec<u8> = (0..bench::size_or(2 << 20))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let digest: [u8; 32] = sha2::Sha256::digest(&data).into();
    ember_guest::env::commit(&digest);
}
