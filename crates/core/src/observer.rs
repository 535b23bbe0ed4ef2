//! What an [`Observer`] sees of the machine: one [`Step`] per completed
//! instruction, one [`EcallStep`] per ECALL.

use crate::instruction::Instruction;
use crate::machine::Exit;
use crate::memory::Memory;

/// Watches the machine execute, one instruction at a time: the hook the
/// prover's trace generation and the profiler stand on, so neither needs a
/// second copy of the ISA semantics.
///
/// The hooks are called after an instruction completed (a faulting
/// instruction has no effect and calls none). Monomorphised: with
/// [`NoObserver`], whose `ENABLED` is false, the interpreter compiles
/// to exactly the code it has without observation.
pub trait Observer {
    /// False only for an observer that wants no calls; the interpreter then
    /// skips even gathering what a [`Step`] holds.
    const ENABLED: bool = true;
    /// An instruction other than ECALL completed.
    fn step(&mut self, step: &Step);
    /// An ECALL completed (HALT and PANIC included, with their exit).
    fn ecall(&mut self, ecall: &EcallStep<'_>);
}

/// The observer that observes nothing: plain, full-speed execution.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    const ENABLED: bool = false;
    #[inline(always)]
    fn step(&mut self, _: &Step) {}
    #[inline(always)]
    fn ecall(&mut self, _: &EcallStep<'_>) {}
}

/// One completed instruction (not an ECALL), as an [`Observer`] sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Cycles done before it: its cycle number, counting from 0.
    pub cycle: u64,
    /// Its address.
    pub pc: u32,
    /// The instruction.
    pub insn: Instruction,
    /// The pc after it.
    pub next_pc: u32,
    /// The value of `rs1` before it (0 for formats without `rs1`).
    pub rs1_value: u32,
    /// The value of `rs2` before it (0 for formats without `rs2`).
    pub rs2_value: u32,
    /// The register written: `rd` (0 for branches, stores and fences, or
    /// when `rd` is x0).
    pub rd: u8,
    /// The value `rd` holds after it (0 when `rd` is 0).
    pub rd_value: u32,
    /// The value the instruction computes for `rd`, even when `rd` is x0
    /// (which discards it): the link of JAL/JALR, a load's extended value;
    /// 0 for branches, stores and fences.
    pub result: u32,
    /// The memory access of a load or store.
    pub mem: Option<MemAccess>,
}

/// A load's or store's access, as an [`Observer`] sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemAccess {
    /// The effective address.
    pub addr: u32,
    /// 1, 2 or 4 bytes.
    pub size: u8,
    /// True for a store.
    pub store: bool,
    /// The aligned word holding the access, before it.
    pub word_before: u32,
    /// The same word after it (equal to `word_before` for a load).
    pub word_after: u32,
}

/// One completed ECALL, as an [`Observer`] sees it.
#[derive(Clone, Copy)]
pub struct EcallStep<'a> {
    /// Cycles done before it.
    pub cycle: u64,
    /// Its address.
    pub pc: u32,
    /// The ECALL number (`t0`).
    pub number: u32,
    /// `a0`, `a1`, `a2` before it.
    pub args: [u32; 3],
    /// `a0` and `a1` after it.
    pub results: [u32; 2],
    /// Cycles it cost, its own one included.
    pub cost: u64,
    /// How the guest stopped, for HALT and PANIC.
    pub exit: Option<&'a Exit>,
    /// Guest memory after it (READ and SHA256_COMPRESS write to it).
    pub memory: &'a Memory,
}

impl MemAccess {
    pub(crate) fn new(
        addr: u32,
        size: u32,
        store: bool,
        word_before: u32,
        word_after: u32,
    ) -> MemAccess {
        MemAccess {
            addr,
            size: size as u8,
            store,
            word_before,
            word_after,
        }
    }
}
