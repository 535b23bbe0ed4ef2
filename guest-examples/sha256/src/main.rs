//! Hashes the input bytes twice, with the SHA-256 accelerator and with the
//! pure-software `sha2` crate, and commits both digests.
#![no_std]
#![no_main]

use sha2::Digest;

ember_guest::entry!(main);

fn main() {
    let input = ember_guest::env::read_to_end();
    let accelerated = ember_guest::sha256::digest(&input);
    let software: [u8; 32] = sha2::Sha256::digest(&input).into();
    ember_guest::println!("hashed {} bytes; digests agree: {}", input.len(), accelerated == software);
    ember_guest::env::commit(&(accelerated, software));
}
