//! Allocates 1 GiB blocks until the heap (image end to 0xC000_0000) is full.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

ember_guest::entry!(main);

fn main() {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        // Untouched memory costs nothing: only the allocator's bookkeeping runs.
        blocks.push(Vec::with_capacity(1 << 30));
        ember_guest::println!("allocated {} GiB", blocks.len());
    }
}
