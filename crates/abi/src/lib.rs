//! Ember's guest/host ABI in one place: ECALL numbers, file descriptors, the
//! memory map and cycle costs.
//!
//! Both the `no_std` guest runtime and the host-side machine use these
//! constants; there is no second copy anywhere. `docs/abi.md` is the prose
//! version of this file.
#![no_std]

/// Memory map of the guest's 32-bit address space.
pub mod memory {
    /// Size of a page: the unit of lazy allocation and of the memory Merkle tree.
    pub const PAGE_SIZE: u32 = 4096;
    /// log2 of [`PAGE_SIZE`].
    pub const PAGE_SHIFT: u32 = 12;
    /// Number of pages in the 4 GiB address space (2^20).
    pub const PAGE_COUNT: u32 = 1 << (32 - PAGE_SHIFT);

    /// Start of the stack region; everything below it is the guard.
    /// An access below this address faults (null pointer or stack overflow).
    pub const STACK_BOTTOM: u32 = 0x0001_0000;
    /// Initial stack pointer; the stack grows down from here.
    pub const STACK_TOP: u32 = 0x0040_0000;
    /// Lowest address a program image (ELF `PT_LOAD` segment) may occupy.
    pub const IMAGE_START: u32 = 0x0040_0000;
    /// Start of the system region: no guest access at or above this address.
    /// Also the exclusive upper bound of program images and of the heap.
    pub const SYSTEM_START: u32 = 0xC000_0000;
}

/// ECALL numbers, passed in register `t0` (x5).
pub mod ecall {
    /// Stop the machine: `a0` = exit code (0 = success).
    pub const HALT: u32 = 0;
    /// Read input: `a0` = fd, `a1` = buffer, `a2` = length; returns bytes read in `a0`.
    pub const READ: u32 = 1;
    /// Write output: `a0` = fd, `a1` = buffer, `a2` = length; returns bytes written in `a0`.
    pub const WRITE: u32 = 2;
    /// Bytes of input left: `a0` = fd; returns the count in `a0`.
    pub const INPUT_REMAINING: u32 = 3;
    /// Cycles so far: returns the low word in `a0` and the high word in `a1`.
    pub const CYCLE_COUNT: u32 = 4;
    /// Stop the machine as panicked: `a0` = message, `a1` = length (UTF-8).
    pub const PANIC: u32 = 5;
    /// SHA-256 compression: `a0` = state (8 words, in/out), `a1` = blocks, `a2` = block count.
    pub const SHA256_COMPRESS: u32 = 16;
    /// Keccak-f\[1600\]: `a0` = state (25 little-endian 64-bit lanes, 200
    /// bytes, 4-aligned), permuted in place.
    pub const KECCAK_PERMUTE: u32 = 17;

    /// An ECALL's name, as messages and traces print it.
    pub const fn name(number: u32) -> Option<&'static str> {
        Some(match number {
            HALT => "HALT",
            READ => "READ",
            WRITE => "WRITE",
            INPUT_REMAINING => "INPUT_REMAINING",
            CYCLE_COUNT => "CYCLE_COUNT",
            PANIC => "PANIC",
            SHA256_COMPRESS => "SHA256_COMPRESS",
            KECCAK_PERMUTE => "KECCAK_PERMUTE",
            _ => return None,
        })
    }
}

/// File descriptors for READ, WRITE and INPUT_REMAINING.
pub mod fd {
    /// The input bytes the host supplied (READ, INPUT_REMAINING).
    pub const INPUT: u32 = 0;
    /// Guest standard output (WRITE).
    pub const STDOUT: u32 = 1;
    /// Guest standard error (WRITE).
    pub const STDERR: u32 = 2;
    /// The journal: the public output the claim commits to (WRITE).
    pub const JOURNAL: u32 = 3;
}

/// Cycle costs (SPEC §5). Every instruction costs [`INSTRUCTION`]; an ECALL
/// adds its own cost on top.
pub mod cycles {
    /// Cost of executing one instruction (including the `ecall` itself).
    pub const INSTRUCTION: u64 = 1;
    /// READ and WRITE add one cycle per started 4-byte word transferred.
    pub const IO_BYTES_PER_CYCLE: u64 = 4;
    /// SHA256_COMPRESS adds this many cycles per 64-byte block.
    pub const SHA256_PER_BLOCK: u64 = 68;
    /// KECCAK_PERMUTE adds this many cycles per permutation.
    pub const KECCAK_PER_PERMUTATION: u64 = 100;
    /// Default cycle limit of the host: 2^32.
    pub const DEFAULT_LIMIT: u64 = 1 << 32;
}

/// Limits on what one run may produce.
pub mod limits {
    /// Default journal limit of the host: 64 MiB. A WRITE to the journal that
    /// would take it past the limit faults before any effect.
    pub const DEFAULT_JOURNAL_LIMIT: u64 = 64 << 20;
}

/// Register numbers the ABI uses.
pub mod reg {
    /// Stack pointer.
    pub const SP: usize = 2;
    /// `t0`: the ECALL number.
    pub const T0: usize = 5;
    /// `a0`: first argument and first result.
    pub const A0: usize = 10;
    /// `a1`: second argument and second result.
    pub const A1: usize = 11;
    /// `a2`: third argument.
    pub const A2: usize = 12;
}

/// Size in bytes of one SHA-256 block.
pub const SHA256_BLOCK_BYTES: u32 = 64;
/// Words in a SHA-256 state.
pub const SHA256_STATE_WORDS: u32 = 8;
/// Size in bytes of a Keccak-f\[1600\] state: 25 lanes of 64 bits.
pub const KECCAK_STATE_BYTES: u32 = 200;

/// Framing of typed values in the input and the journal: each value is its
/// length as a little-endian `u32`, then that many bytes of postcard
/// encoding. The guest's `env::read`/`env::commit` and the host's typed
/// writer and journal decoder all follow it.
pub mod frame {
    /// Bytes of the length prefix.
    pub const LEN_BYTES: usize = 4;

    /// The length prefix of a frame of `len` payload bytes.
    pub const fn header(len: u32) -> [u8; LEN_BYTES] {
        len.to_le_bytes()
    }
}
