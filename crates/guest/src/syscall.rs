//! The ECALLs of `docs/abi.md`, as safe functions, and the `_start` entry
//! point. The only module with inline assembly.
//!
//! Built with `--cfg ember_linux_user`, the same functions make Linux system
//! calls instead, so that `cargo xtask bench` can run the very same workloads
//! under qemu-riscv32 for comparison (see the `linux` module below).

#[cfg(not(ember_linux_user))]
use core::arch::asm;

#[cfg(not(ember_linux_user))]
use ember_abi::{ecall, memory};

#[cfg(not(ember_linux_user))]
use crate::sha256::Block;

#[cfg(ember_linux_user)]
pub use linux::*;

/// Defines `_start`: sets the global pointer (linker relaxation must not use
/// gp to set gp), then whatever each flavour adds.
macro_rules! start {
    ($($rest:tt)*) => {
        ::core::arch::global_asm!(
            ".section .text._start, \"ax\", @progbits",
            ".globl _start",
            "_start:",
            ".option push",
            ".option norelax",
            "la gp, __global_pointer$",
            ".option pop",
            $($rest)*
        );
    };
}

// `_start` on Ember: also set the stack pointer, run the guest's main
// (defined by `ember_guest::entry!`), and halt with 0 should it ever return.
#[cfg(all(not(ember_linux_user), not(ember_std)))]
start!(
    "li sp, {stack_top}",
    "call __ember_main",
    "li a0, 0",
    "li t0, {halt}",
    "ecall",
    stack_top = const memory::STACK_TOP,
    halt = const ecall::HALT,
);

// `_start` of a std guest: the same, around the runtime's start, which runs
// the program's ordinary `main` and halts with its exit code.
#[cfg(ember_std)]
start!(
    "li sp, {stack_top}",
    "call {start}",
    stack_top = const memory::STACK_TOP,
    start = sym crate::sys::start,
);

/// HALT: stops the machine with `code` (0 = success).
#[cfg(not(ember_linux_user))]
pub fn halt(code: u32) -> ! {
    // SAFETY: HALT reads only t0 and a0 and never returns.
    unsafe { asm!("ecall", in("t0") ecall::HALT, in("a0") code, options(noreturn, nostack)) }
}

#[cfg(not(ember_linux_user))]
/// PANIC: stops the machine as panicked with `message`.
pub fn panic(message: &str) -> ! {
    panic_bytes(message.as_bytes())
}

#[cfg(not(ember_linux_user))]
/// PANIC with any bytes (the host replaces invalid UTF-8).
pub fn panic_bytes(message: &[u8]) -> ! {
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

#[cfg(not(ember_linux_user))]
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

#[cfg(not(ember_linux_user))]
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

#[cfg(not(ember_linux_user))]
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

#[cfg(not(ember_linux_user))]
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

#[cfg(not(ember_linux_user))]
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

#[cfg(not(ember_linux_user))]
/// KECCAK_PERMUTE: Keccak-f\[1600\] on `state`, in place.
pub fn keccak_permute(state: &mut [u64; 25]) {
    // SAFETY: the ECALL reads and writes the 200 bytes of `state` (8-aligned
    // as a `[u64; 25]`, so 4-aligned as it requires), which we own mutably.
    unsafe {
        asm!(
            "ecall",
            in("t0") ecall::KECCAK_PERMUTE,
            in("a0") state.as_mut_ptr(),
            options(nostack)
        );
    }
}

/// The same calls on Linux (qemu-riscv32's user mode), for benchmarks only.
#[cfg(ember_linux_user)]
mod linux {
    use core::arch::asm;

    use crate::sha256::Block;

    const READ: usize = 63;
    const WRITE: usize = 64;
    const EXIT_GROUP: usize = 94;
    const MMAP: usize = 222;

    // Linux gives the stack: only the global pointer is ours to set.
    start!("call __ember_main");

    fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> usize {
        let r;
        // SAFETY: the Linux calls used here (read, write) access only the
        // buffers their callers pass with matching lengths.
        unsafe { asm!("ecall", in("a7") n, inlateout("a0") a0 => r, in("a1") a1, in("a2") a2, options(nostack)) };
        r
    }

    /// exit_group(code).
    pub fn halt(code: u32) -> ! {
        // SAFETY: exit_group never returns.
        unsafe { asm!("ecall", in("a7") EXIT_GROUP, in("a0") code, options(noreturn, nostack)) }
    }

    /// The message on stderr, then exit_group(101).
    pub fn panic(message: &str) -> ! {
        write(2, message.as_bytes());
        write(2, b"\n");
        halt(101)
    }

    /// read(fd, buf).
    pub fn read(fd: u32, buf: &mut [u8]) -> usize {
        let n = syscall3(READ, fd as usize, buf.as_mut_ptr() as usize, buf.len());
        if (n as isize) < 0 { 0 } else { n }
    }

    /// write(fd, bytes): the journal (fd 3) goes to stdout.
    pub fn write(fd: u32, bytes: &[u8]) {
        let fd = if fd == ember_abi::fd::JOURNAL { 1 } else { fd };
        syscall3(WRITE, fd as usize, bytes.as_ptr() as usize, bytes.len());
    }

    /// Bytes left on stdin, which the benchmark redirects from the input
    /// file: its size less the current offset, by `_llseek`.
    pub fn input_remaining() -> usize {
        const LLSEEK: usize = 62;
        let seek = |whence: usize| -> u64 {
            let mut at = 0u64;
            let r: usize;
            // SAFETY: _llseek(fd 0, 0, 0, &at, whence) writes only `at`.
            unsafe {
                asm!("ecall", in("a7") LLSEEK, inlateout("a0") 0usize => r, in("a1") 0, in("a2") 0,
                     in("a3") &mut at as *mut u64, in("a4") whence, options(nostack))
            };
            if (r as isize) < 0 {
                panic("input_remaining: stdin is not a file (the benchmark redirects one)")
            }
            at
        };
        let here = seek(1);
        let end = seek(2);
        seek_to(here);
        (end - here) as usize
    }

    /// Moves stdin back to `offset` after [`input_remaining`] looked at its end.
    fn seek_to(offset: u64) {
        const LLSEEK: usize = 62;
        let mut at = 0u64;
        // SAFETY: _llseek(fd 0, high, low, &at, SEEK_SET) writes only `at`.
        unsafe {
            asm!("ecall", in("a7") LLSEEK, inlateout("a0") 0usize => _, in("a1") (offset >> 32) as usize,
                 in("a2") offset as u32 as usize, in("a3") &mut at as *mut u64, in("a4") 0usize,
                 options(nostack))
        };
    }

    /// No cycle counter on Linux.
    pub fn cycle_count() -> u64 {
        0
    }

    /// SHA256_COMPRESS in software (the `sha2` crate's compression function).
    pub fn sha256_compress(state: &mut [u32; 8], blocks: &[Block]) {
        for block in blocks {
            sha2::compress256(state, &[block.0.into()]);
        }
    }

    /// KECCAK_PERMUTE in software (the `keccak` crate's permutation).
    pub fn keccak_permute(state: &mut [u64; 25]) {
        keccak::f1600(state);
    }

    /// A fresh anonymous mapping of `len` bytes for the heap.
    pub fn map_heap(len: usize) -> usize {
        let r;
        // SAFETY: an anonymous private mapping touches none of our memory.
        unsafe {
            asm!("ecall", in("a7") MMAP, inlateout("a0") 0usize => r, in("a1") len, in("a2") 3usize,
                 in("a3") 0x22usize, in("a4") usize::MAX, in("a5") 0usize, options(nostack));
        }
        r
    }
}
