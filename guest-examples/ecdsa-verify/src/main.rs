//! Verifies a secp256k1 ECDSA signature over a message with the `k256`
//! crate. Reads (SEC1 public key, message, 64-byte signature); commits
//! (public key, SHA-256 of the message, whether the signature is valid).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

use k256::ecdsa::signature::Verifier;
use k256::ecdsa::{Signature, VerifyingKey};

ember_guest::entry!(main);

fn main() {
    let (key, message, signature): (Vec<u8>, Vec<u8>, Vec<u8>) = ember_guest::env::read();
    let valid = match (VerifyingKey::from_sec1_bytes(&key), Signature::from_slice(&signature)) {
        (Ok(key), Ok(signature)) => key.verify(&message, &signature).is_ok(),
        _ => false,
    };
    let hash = ember_guest::sha256::digest(&message);
    ember_guest::println!("signature over {} bytes: {}", message.len(), if valid { "valid" } else { "INVALID" });
    ember_guest::env::commit(&(key, hash, valid));
}
