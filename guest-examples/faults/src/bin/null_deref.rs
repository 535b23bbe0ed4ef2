//! Reads through a null pointer.
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() -> u32 {
    let pointer = core::hint::black_box(core::ptr::null::<u32>());
    // SAFETY: none; this guest exists to show what a null dereference does.
    unsafe { pointer.read_volatile() }
}
