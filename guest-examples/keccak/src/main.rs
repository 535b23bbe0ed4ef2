//! Hashes the input bytes with Keccak-256 on the accelerator three ways (one
//! shot, incrementally in 7-byte pieces, and through `native_keccak256`, the
//! symbol alloy-primitives calls) and with the pure-software `sha3` crate;
//! commits the accelerated digest and the software one.
#![no_std]
#![no_main]

use ember_guest::keccak::{Keccak256, keccak256, native_keccak256};
use sha3::Digest;

ember_guest::entry!(main);

fn main() {
    let input = ember_guest::env::read_to_end();
    let accelerated = keccak256(&input);
    let mut incremental = Keccak256::new();
    for piece in input.chunks(7) {
        incremental.update(piece);
    }
    let mut native = [0u8; 32];
    // SAFETY: `input` holds `input.len()` readable bytes and `native` 32
    // writable ones.
    unsafe { native_keccak256(input.as_ptr(), input.len(), native.as_mut_ptr()) };
    let software: [u8; 32] = sha3::Keccak256::digest(&input).into();
    let agree = accelerated == software && incremental.finalize() == software && native == software;
    ember_guest::println!("hashed {} bytes; digests agree: {agree}", input.len());
    ember_guest::env::commit(&(accelerated, software));
}
