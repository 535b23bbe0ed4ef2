//! Pure-software SHA-256 (the `sha2` crate, no accelerator) of a 2 MiB
//! buffer generated in the guest, or of as many bytes as a 4-byte
//! little-endian input says.
#![no_std]
#![no_main]

use sha2::Digest;

ember_guest::entry!(main);

fn main() {
    let data = bench::bytes(bench::size_or(2 << 20));
    let digest: [u8; 32] = sha2::Sha256::digest(&data).into();
    ember_guest::env::commit(&digest);
}
