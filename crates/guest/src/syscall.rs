//! The ECALLs of `docs/abi.md`, as safe functions, and the `_start` entry
//! point. The only module with inline assembly.

use core::arch::{asm, global_asm};

use ember_abi::{ecall, memory};

use crate::sha256::Block;

// `_start`: set the global and stack pointers, run the guest's main (defined
// by `ember_guest::entry!`), and halt with 0 should it ever return.
global_asm!(
    ".section .text._start, \"ax\", @progbits",
    ".globl _start",
    "_start:",
    ".option push",
    ".option norelax",
    "la gp, __global_pointer$",
    ".option pop",
    "li sp, {stack_top}",
    "call __ember_main",
    "li a0, 0",
    "li t0, {halt}",
    "ecall",
    stack_top = const memory::STACK_TOP,
    halt = const ecall::HALT,
);

/// HALT: stops the machine with `code` (0 = success).
pub fn halt(code: u32) -> ! {
    // SAFETY: HALT reads only t0 and a0 and never returns.
    unsafe { asm!("ecall", in("t0") ecall::HALT, in("a0") code, options(noreturn, nostack)) }
}

/// PANIC: stops the machine as panicked with `message`.
pub fn panic(message: &str) -> ! {
    // SAFETY: PANIC reads the message's bytes and never returns.
    unsafe {
        asm!(
            "ecall",
            in("t0") ecall::PANIC,
            in("a0") message.as_ptr(),
            in("a1") message.len(),
            options(noreturn, nostack, readonly)
        )
    }
}

/// READ: fills the start of `buf` from input `fd`; returns the count (0 at end).
pub fn read(fd: u32, buf: &mut [u8]) -> usize {
    let n: usize;
    // SAFETY: READ writes at most `buf.len()` bytes into `buf`, which we own
    // mutably, and returns the count in a0.
    unsafe {
        asm!(
            "ecall",
            in("t0") ecall::READ,
            inlateout("a0") fd as usize => n,
            in("a1") buf.as_mut_ptr(),
            in("a2") buf.len(),
            options(nostack)
        );
    }
    n
}

/// WRITE: sends `bytes` to output `fd` (stdout, stderr or the journal).
pub fn write(fd: u32, bytes: &[u8]) {
    // SAFETY: WRITE only reads `bytes`; it returns the length in a0.
    unsafe {
        asm!(
            "ecall",
            in("t0") ecall::WRITE,
            inlateout("a0") fd as usize => _,
            in("a1") bytes.as_ptr(),
            in("a2") bytes.len(),
            options(nostack, readonly)
        );
    }
}

/// INPUT_REMAINING: input bytes not yet read.
pub fn input_remaining() -> usize {
    let n: usize;
    // SAFETY: INPUT_REMAINING touches no memory; the count comes back in a0.
    unsafe {
        asm!(
            "ecall",
            in("t0") ecall::INPUT_REMAINING,
            inlateout("a0") ember_abi::fd::INPUT as usize => n,
            options(nostack, nomem)
        );
    }
    n
}

/// CYCLE_COUNT: cycles done before this call.
pub fn cycle_count() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: CYCLE_COUNT touches no memory; it returns a0 and a1.
    unsafe {
        asm!(
            "ecall",
            in("t0") ecall::CYCLE_COUNT,
            lateout("a0") lo,
            lateout("a1") hi,
            options(nostack, nomem)
        );
    }
    u64::from(hi) << 32 | u64::from(lo)
}

/// SHA256_COMPRESS: updates `state` with each 64-byte block.
pub fn sha256_compress(state: &mut [u32; 8], blocks: &[Block]) {
    // SAFETY: the ECALL reads `blocks` (4-aligned by `Block`'s type) and
    // reads and writes the 8 words of `state`, which we own mutably.
    unsafe {
        asm!(
            "ecall",
            in("t0") ecall::SHA256_COMPRESS,
            in("a0") state.as_mut_ptr(),
            in("a1") blocks.as_ptr(),
            in("a2") blocks.len(),
            options(nostack)
        );
    }
}
