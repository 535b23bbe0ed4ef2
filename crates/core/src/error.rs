//! Errors of the core crate: [`Fault`] (the machine stopped on something a
//! real CPU would trap on) and [`LoadError`] (an ELF file that is not a valid
//! Ember program image).
//!
//! A guest that halts or panics is an outcome ([`crate::Exit`]), not an error.

use core::fmt;

use ember_abi::memory::{IMAGE_START, STACK_BOTTOM, SYSTEM_START};

use crate::decode::decode;

/// The named regions of the guest address space (SPEC §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// `0x0000_0000..0x0001_0000`: never accessible; catches null pointers and stack overflow.
    Guard,
    /// `0x0001_0000..0x0040_0000`: the stack.
    Stack,
    /// From `0x0040_0000` to the end of the last ELF segment.
    Image,
    /// From the image end to `0xC000_0000`.
    Heap,
    /// `0xC000_0000..=0xFFFF_FFFF`: reserved, never accessible.
    System,
}

impl Region {
    /// The region `addr` falls in, for a program image ending at `image_end`.
    pub fn of(addr: u32, image_end: u32) -> Region {
        match addr {
            a if a < STACK_BOTTOM => Region::Guard,
            a if a < IMAGE_START => Region::Stack,
            a if a < image_end => Region::Image,
            a if a < SYSTEM_START => Region::Heap,
            _ => Region::System,
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Region::Guard => "guard region 0x00000000..0x00010000",
            Region::Stack => "stack",
            Region::Image => "program image",
            Region::Heap => "heap",
            Region::System => "system region 0xc0000000..",
        })
    }
}

/// Whether a data access reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A load (or an ECALL reading guest memory).
    Load,
    /// A store (or an ECALL writing guest memory).
    Store,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Load => "load from",
            Access::Store => "store to",
        })
    }
}

/// Why an ECALL's pointer/length argument was refused. Nothing of the ECALL
/// took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferProblem {
    /// The pointer is not a multiple of the alignment the ECALL needs.
    Misaligned {
        /// The alignment required, in bytes.
        align: u32,
    },
    /// `addr + len` wraps past the end of the address space.
    Wraps,
    /// Part of the range is outside accessible memory.
    Inaccessible {
        /// First inaccessible byte.
        at: u32,
        /// The region it lies in.
        region: Region,
    },
    /// The ECALL would write into an executable (immutable) segment.
    Code {
        /// First byte that lies in code.
        at: u32,
    },
}

impl fmt::Display for BufferProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BufferProblem::Misaligned { align } => write!(f, "not {align}-byte aligned"),
            BufferProblem::Wraps => f.write_str("wraps past the end of the address space"),
            BufferProblem::Inaccessible { at, region } => {
                write!(f, "byte {at:#010x} lies in the {region}")
            }
            BufferProblem::Code { at } => {
                write!(
                    f,
                    "byte {at:#010x} lies in an executable segment, which is immutable"
                )
            }
        }
    }
}

/// What went wrong when the machine faulted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaultKind {
    /// The word at pc is not an RV32IM instruction Ember executes.
    #[error("illegal instruction")]
    IllegalInstruction,
    /// A jump or taken branch to a target that is not 4-byte aligned.
    #[error("jump to misaligned target {target:#010x}")]
    MisalignedJump {
        /// The target address.
        target: u32,
    },
    /// The pc is not inside an executable segment.
    #[error("instruction fetch from non-executable memory ({region})")]
    FetchNotExecutable {
        /// The region the pc lies in.
        region: Region,
    },
    /// A load or store whose address is not a multiple of its size.
    #[error("misaligned {size}-byte {} {addr:#010x}", if *access == Access::Load { "load from" } else { "store to" })]
    Misaligned {
        /// Load or store.
        access: Access,
        /// The effective address.
        addr: u32,
        /// The access size in bytes (2 or 4).
        size: u32,
    },
    /// A load or store outside accessible memory (the guard or system region).
    #[error("access violation: {access} {addr:#010x} in the {region}")]
    AccessViolation {
        /// Load or store.
        access: Access,
        /// The effective address.
        addr: u32,
        /// The region it lies in.
        region: Region,
    },
    /// An access into the guard (or past it) while `sp` is below the stack.
    #[error(
        "stack overflow: {access} {addr:#010x} with sp = {sp:#010x} below the stack (limit 0x00010000)"
    )]
    StackOverflow {
        /// Load or store.
        access: Access,
        /// The effective address.
        addr: u32,
        /// The stack pointer at the time.
        sp: u32,
    },
    /// A store into an executable segment.
    #[error("store to code at {addr:#010x}: executable segments are immutable")]
    StoreToCode {
        /// The effective address.
        addr: u32,
    },
    /// An `ecall` with an unknown number in `t0`.
    #[error("unknown ecall {number} (t0)")]
    UnknownEcall {
        /// The value of `t0`.
        number: u32,
    },
    /// An ECALL named a file descriptor it does not support.
    #[error("ecall {name} does not take file descriptor {fd}")]
    BadFd {
        /// The ECALL's name.
        name: &'static str,
        /// The file descriptor in `a0`.
        fd: u32,
    },
    /// An ECALL's pointer/length argument does not lie in accessible memory.
    #[error("ecall {name}: buffer {addr:#010x} of {len} bytes {problem}")]
    BadBuffer {
        /// The ECALL's name.
        name: &'static str,
        /// The pointer argument.
        addr: u32,
        /// The length in bytes.
        len: u32,
        /// What is wrong with it.
        problem: BufferProblem,
    },
    /// An `ebreak` was executed.
    #[error("breakpoint (ebreak)")]
    Breakpoint,
    /// The next instruction would have taken the cycle count past the limit.
    #[error("cycle limit exceeded: limit {limit}, {cycles} cycles done")]
    CycleLimitExceeded {
        /// The limit in force.
        limit: u64,
        /// Cycles completed before the instruction that would exceed it.
        cycles: u64,
    },
    /// A WRITE to the journal would have taken it past the journal limit.
    #[error(
        "journal limit exceeded: limit {limit} bytes, {journal} bytes committed, {len} more asked for"
    )]
    JournalLimitExceeded {
        /// The limit in force, in bytes.
        limit: u64,
        /// Journal bytes committed before this WRITE.
        journal: u64,
        /// The length of the refused WRITE.
        len: u32,
    },
}

/// The machine stopped on a fault: what happened, at which pc, on which
/// instruction word. The machine's state is left as it was just before the
/// faulting instruction (no partial effect).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Fault {
    /// What went wrong.
    pub kind: FaultKind,
    /// The pc of the faulting instruction.
    pub pc: u32,
    /// The instruction word at pc, when pc could be fetched.
    pub word: Option<u32>,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at pc {:#010x}", self.kind, self.pc)?;
        if let Some(word) = self.word {
            write!(f, " ({word:#010x}: {})", decode(word).at(self.pc))?;
        }
        Ok(())
    }
}

/// Why an ELF file was refused as an Ember program image (SPEC §3).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The bytes are not a parsable ELF file.
    #[error("not a valid ELF file: {0}")]
    Parse(#[from] elf::ParseError),
    /// The file is ELF64, not ELF32.
    #[error("ELF class is 64-bit; Ember runs 32-bit (ELF32) RISC-V programs")]
    NotElf32,
    /// The file is big-endian.
    #[error("ELF data is big-endian; Ember runs little-endian programs")]
    NotLittleEndian,
    /// `e_machine` is not RISC-V.
    #[error("ELF machine is {machine}, not RISC-V (243)")]
    WrongMachine {
        /// The `e_machine` field.
        machine: u16,
    },
    /// `e_type` is not `ET_EXEC`.
    #[error("ELF type is {e_type}, not an executable (ET_EXEC = 2)")]
    NotExecutable {
        /// The `e_type` field.
        e_type: u16,
    },
    /// The RVC flag is set: the program may use compressed instructions.
    #[error("ELF flags {flags:#x} include RVC (compressed instructions); build for riscv32im")]
    CompressedFlag {
        /// The `e_flags` field.
        flags: u32,
    },
    /// The float ABI is not soft-float.
    #[error("ELF flags {flags:#x} name a hardware floating-point ABI; Ember needs soft-float")]
    FloatAbi {
        /// The `e_flags` field.
        flags: u32,
    },
    /// The RVE flag is set (RV32E, 16 registers).
    #[error("ELF flags {flags:#x} include RVE; Ember runs RV32I programs")]
    Rve {
        /// The `e_flags` field.
        flags: u32,
    },
    /// A segment rule failed.
    #[error("segment {index} ({vaddr:#010x}, {memsz} bytes): {rule}")]
    Segment {
        /// Index of the program header.
        index: usize,
        /// Its `p_vaddr`.
        vaddr: u64,
        /// Its `p_memsz`.
        memsz: u64,
        /// The rule it breaks.
        rule: SegmentRule,
    },
    /// The file has more program headers than Ember accepts.
    #[error("the file has {count} program headers; Ember accepts at most {limit}")]
    TooManyProgramHeaders {
        /// How many the file declares.
        count: usize,
        /// [`crate::MAX_PROGRAM_HEADERS`].
        limit: usize,
    },
    /// The entry point is not 4-byte aligned.
    #[error("entry point {entry:#010x} is not 4-byte aligned")]
    EntryMisaligned {
        /// `e_entry`.
        entry: u64,
    },
    /// The entry point is not inside an executable segment.
    #[error("entry point {entry:#010x} is not inside an executable segment")]
    EntryNotExecutable {
        /// `e_entry`.
        entry: u64,
    },
}

impl LoadError {
    /// Segment `index` (at `vaddr`, `memsz` bytes) breaks `rule`.
    pub fn segment(index: usize, vaddr: u64, memsz: u64, rule: SegmentRule) -> LoadError {
        LoadError::Segment {
            index,
            vaddr,
            memsz,
            rule,
        }
    }
}

/// The segment rules of SPEC §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SegmentRule {
    /// `p_vaddr` is not a multiple of 4.
    #[error("p_vaddr is not 4-byte aligned")]
    Misaligned,
    /// `p_filesz > p_memsz`.
    #[error("p_filesz {filesz} is larger than p_memsz")]
    FileLargerThanMemory {
        /// `p_filesz`.
        filesz: u64,
    },
    /// The segment does not lie wholly inside `[0x0040_0000, 0xC000_0000)`.
    #[error("lies outside the image range 0x00400000..0xc0000000")]
    OutsideImageRange,
    /// The segment overlaps an earlier one.
    #[error("overlaps segment {other}")]
    Overlap {
        /// Index of the other segment.
        other: usize,
    },
    /// `p_offset + p_filesz` is past the end of the file.
    #[error("file range {offset:#x}+{filesz:#x} is past the end of the {file_len}-byte file")]
    OutsideFile {
        /// `p_offset`.
        offset: u64,
        /// `p_filesz`.
        filesz: u64,
        /// File length.
        file_len: usize,
    },
    /// The segment is both writable and executable.
    #[error("is both writable and executable; code is immutable")]
    WritableExecutable,
    /// An executable segment's `p_memsz` is not a multiple of 4: its last
    /// instruction would be cut, and bytes beside it left writable.
    #[error("is executable but p_memsz is not a multiple of 4 (whole instructions only)")]
    CodeSizeNotWordMultiple,
}
