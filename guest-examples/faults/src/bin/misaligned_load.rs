//! Loads a word from an address that is not a multiple of 4.
#![no_std]
#![no_main]

ember_guest::entry!(main);

static WORDS: [u32; 2] = [0x1122_3344, 0x5566_7788];

fn main() -> u32 {
    let base = core::hint::black_box(WORDS.as_ptr() as usize);
    let pointer = (base + 1) as *const u32;
    // SAFETY: none; this guest exists to show what a misaligned load does.
    unsafe { pointer.read_volatile() }
}
