//! Recurses without end, 256 bytes a frame, until the stack (4 MiB) runs out.
#![no_std]
#![no_main]

use core::hint::black_box;

ember_guest::entry!(main);

// Endless on purpose: the stack overflow is the point.
#[allow(unconditional_recursion)]
fn recurse(depth: u32) -> u32 {
    let frame = black_box([depth; 64]);
    recurse(depth + 1).wrapping_add(frame[depth as usize % 64])
}

fn main() -> u32 {
    recurse(0)
}
