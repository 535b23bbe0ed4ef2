//! Makes an ECALL with a number Ember does not define (99).
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    // SAFETY: an ECALL touches no memory of ours; Ember stops the machine on
    // an unknown number, so nothing after it runs.
    unsafe { core::arch::asm!("ecall", in("t0") 99u32, options(nostack)) };
}
