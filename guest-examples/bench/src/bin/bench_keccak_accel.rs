//! Keccak-256 on the accelerator (`ember_guest::keccak`) of a 1 MiB buffer
//! generated in the guest, or of as many bytes as a 4-byte little-endian
//! input says.
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    let data = bench::bytes(bench::size_or(1 << 20));
    ember_guest::env::commit(&ember_guest::keccak::keccak256(&data));
}
