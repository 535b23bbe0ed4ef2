//! SHA-256 on the accelerator (`ember_guest::sha256`) of a 1 MiB buffer
//! generated in the guest, or of as many bytes as a 4-byte little-endian
//! input says: `bench_sha`'s work, hashed by SHA256_COMPRESS.
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    let data = bench::bytes(bench::size_or(1 << 20));
    ember_guest::env::commit(&ember_guest::sha256::digest(&data));
}
