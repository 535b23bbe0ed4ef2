//! The interpreter: registers, pc and cycle counter, executing a [`Program`]'s
//! decoded instructions against [`Memory`] and a [`Host`].
//!
//! The ISA semantics are [`crate::exec`]'s; this file runs them over a
//! program, dispatches ECALLs and turns an instruction that cannot complete
//! into a fault. Every fault leaves the machine exactly as it was before the
//! faulting instruction.

use ember_abi::memory::{STACK_BOTTOM, STACK_TOP, SYSTEM_START};
use ember_abi::reg::{A0, A1, A2, SP, T0};
use ember_abi::{cycles, limits};

use crate::ecall::Host;
use crate::error::{Fault, FaultKind, Region};
use crate::exec::{Stop, exec};
use crate::instruction::Instruction;
use crate::memory::Memory;
use crate::observer::{EcallStep, NoObserver, Observer};
use crate::program::Program;

/// How the guest stopped, when it stopped on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The guest called HALT with this exit code (0 = success).
    Halted {
        /// The exit code from `a0`.
        code: u32,
    },
    /// The guest called PANIC with this message.
    Panicked {
        /// The message (invalid UTF-8 is replaced, never dropped).
        message: String,
    },
}

/// The RV32IM machine running one program.
#[derive(Clone)]
pub struct Machine<'p> {
    program: &'p Program,
    regs: [u32; 32],
    pc: u32,
    cycles: u64,
    instructions: u64,
    cycle_limit: u64,
    pub(crate) journal_len: u64,
    journal_limit: u64,
    pub(crate) memory: Memory,
}

impl<'p> Machine<'p> {
    /// A machine at the program's entry: `sp = STACK_TOP`, every other
    /// register 0, memory holding the image, the default cycle limit.
    pub fn new(program: &'p Program) -> Self {
        let mut regs = [0; 32];
        regs[SP] = STACK_TOP;
        Machine {
            program,
            regs,
            pc: program.entry(),
            cycles: 0,
            instructions: 0,
            cycle_limit: cycles::DEFAULT_LIMIT,
            journal_len: 0,
            journal_limit: limits::DEFAULT_JOURNAL_LIMIT,
            memory: program.initial_memory(),
        }
    }

    /// Sets the cycle limit: no instruction starts whose cost would take the
    /// cycle count past it.
    pub fn set_cycle_limit(&mut self, limit: u64) {
        self.cycle_limit = limit;
    }

    /// Sets the journal limit in bytes: a WRITE to the journal that would
    /// take it past the limit faults before any effect.
    pub fn set_journal_limit(&mut self, limit: u64) {
        self.journal_limit = limit;
    }

    /// Journal bytes written so far.
    pub fn journal_len(&self) -> u64 {
        self.journal_len
    }

    /// The program counter.
    pub fn pc(&self) -> u32 {
        self.pc
    }

    /// All 32 registers (`x0` is always 0).
    pub fn registers(&self) -> &[u32; 32] {
        &self.regs
    }

    /// Sets register `index` (writes to `x0` are ignored). For tests and debuggers.
    ///
    /// # Panics
    /// If `index` is not a register number (0..32).
    pub fn set_register(&mut self, index: usize, value: u32) {
        assert!(index < 32, "x{index} is not a register: RV32I has x0..x31");
        self.regs[index] = value;
        self.regs[0] = 0;
    }

    /// Cycles so far (SPEC §5).
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Instructions executed so far.
    pub fn instructions(&self) -> u64 {
        self.instructions
    }

    /// The guest's memory.
    pub fn memory(&self) -> &Memory {
        &self.memory
    }

    /// The program being run.
    pub fn program(&self) -> &'p Program {
        self.program
    }

    /// Runs until the guest halts or panics, or a fault stops it.
    pub fn run(&mut self, host: &mut impl Host) -> Result<Exit, Fault> {
        self.run_observed(host, &mut NoObserver)
    }

    /// [`Machine::run`], telling `observer` about every instruction executed
    /// (see [`Observer`]). With [`NoObserver`] this is `run` exactly: the
    /// hooks compile away.
    pub fn run_observed<O: Observer>(
        &mut self,
        host: &mut impl Host,
        observer: &mut O,
    ) -> Result<Exit, Fault> {
        loop {
            self.run_plain(observer);
            if let Some(exit) = self.step_observed(host, observer)? {
                return Ok(exit);
            }
        }
    }

    /// The hot loop: executes instructions from the current code segment for
    /// as long as they complete normally and the cycle limit allows, with the
    /// segment, pc and counters in locals. It returns, with the machine in
    /// order, before the first instruction that needs more (an ECALL, a
    /// fault, leaving the segment, the limit): [`Machine::step`] does that one.
    // Kept out of line, as the loop it is: inlined into `run_observed` (four
    // instantiations in the host), fib ran at a third of the speed, the
    // dispatch's indirect jump taking 44% of the time.
    #[inline(never)]
    fn run_plain<O: Observer>(&mut self, observer: &mut O) {
        let program = self.program;
        let Some(segment) = program.code_at(self.pc) else {
            return;
        };
        let (base, code) = (segment.start, segment.instructions.as_slice());
        // Every instruction but ECALL costs exactly one cycle.
        let budget = self.cycle_limit.saturating_sub(self.cycles);
        let mut pc = self.pc;
        let mut done = 0;
        // The registers in a local aligned to a cache line (see [`Regs`]).
        let mut regs = Regs(self.regs);
        while done < budget {
            let Some(&insn) = code.get((pc.wrapping_sub(base) / 4) as usize) else {
                break;
            };
            let cycle = self.cycles + done;
            match exec(&mut regs.0, &mut self.memory, pc, insn, cycle, observer) {
                Ok(next) => pc = next,
                Err(_) => break,
            }
            done += 1;
        }
        self.regs = regs.0;
        self.pc = pc;
        self.cycles += done;
        self.instructions += done;
    }

    /// Executes one instruction. Returns the exit if the guest stopped.
    pub fn step(&mut self, host: &mut impl Host) -> Result<Option<Exit>, Fault> {
        self.step_observed(host, &mut NoObserver)
    }

    /// [`Machine::step`], telling `observer` about the instruction.
    pub fn step_observed<O: Observer>(
        &mut self,
        host: &mut impl Host,
        observer: &mut O,
    ) -> Result<Option<Exit>, Fault> {
        let pc = self.pc;
        let insn = self.fetch().map_err(|kind| Fault {
            kind,
            pc,
            word: None,
        })?;
        // Every instruction costs at least one cycle; an ECALL checks its own
        // extra cost before it has any effect.
        let result = if self.cycles >= self.cycle_limit {
            Err(self.limit_fault())
        } else {
            let cycle = self.cycles;
            match exec(&mut self.regs, &mut self.memory, pc, insn, cycle, observer) {
                Ok(next) => {
                    self.pc = next;
                    Ok(None)
                }
                Err(Stop::Ecall) => self.ecall_observed(host, observer),
                Err(stop) => Err(self.fault_for(stop)),
            }
        };
        match result {
            Ok(exit) => {
                self.cycles += cycles::INSTRUCTION;
                self.instructions += 1;
                Ok(exit)
            }
            Err(kind) => Err(Fault {
                kind,
                pc,
                word: Some(self.memory.read_u32(pc)),
            }),
        }
    }

    /// Runs the ECALL at pc and tells the observer what it did.
    fn ecall_observed<O: Observer>(
        &mut self,
        host: &mut impl Host,
        observer: &mut O,
    ) -> Result<Option<Exit>, FaultKind> {
        if !O::ENABLED {
            return self.ecall(host);
        }
        let (pc, cycle) = (self.pc, self.cycles);
        let before = self.regs;
        let exit = self.ecall(host)?;
        observer.ecall(&EcallStep {
            cycle,
            pc,
            number: before[T0],
            args: [before[A0], before[A1], before[A2]],
            results: [self.regs[A0], self.regs[A1]],
            cost: cycles::INSTRUCTION + (self.cycles - cycle),
            exit: exit.as_ref(),
            memory: &self.memory,
        });
        Ok(exit)
    }

    /// The fault for an instruction [`exec`] stopped on (anything but ECALL).
    fn fault_for(&self, stop: Stop) -> FaultKind {
        match stop {
            Stop::MisalignedJump { target } => FaultKind::MisalignedJump { target },
            Stop::Access { addr, size, access } => match self.memory.check(addr, size, access) {
                Err(kind) => self.data_fault(kind),
                Ok(()) => unreachable_fault(),
            },
            Stop::Ebreak => FaultKind::Breakpoint,
            Stop::Illegal | Stop::Ecall => FaultKind::IllegalInstruction,
        }
    }

    /// The fault for an instruction whose cost does not fit under the limit.
    fn limit_fault(&self) -> FaultKind {
        FaultKind::CycleLimitExceeded {
            limit: self.cycle_limit,
            cycles: self.cycles,
        }
    }

    /// Faults, with nothing done, if `len` more journal bytes would take the
    /// journal past its limit.
    pub(crate) fn check_journal(&self, len: u32) -> Result<(), FaultKind> {
        if self.journal_len + u64::from(len) > self.journal_limit {
            return Err(FaultKind::JournalLimitExceeded {
                limit: self.journal_limit,
                journal: self.journal_len,
                len,
            });
        }
        Ok(())
    }

    /// Charges an ECALL's cost beyond its first cycle, or faults with nothing
    /// done if the whole ECALL would take the count past the limit.
    pub(crate) fn charge(&mut self, extra: u64) -> Result<(), FaultKind> {
        if self.cycle_limit.saturating_sub(self.cycles) < cycles::INSTRUCTION + extra {
            return Err(self.limit_fault());
        }
        self.cycles += extra;
        Ok(())
    }

    fn fetch(&self) -> Result<Instruction, FaultKind> {
        match self.program.code_at(self.pc) {
            // Past the file contents the segment is zero, which is illegal.
            Some(s) => Ok(s.instruction_at(self.pc).unwrap_or(Instruction::Illegal(0))),
            None => Err(FaultKind::FetchNotExecutable {
                region: self.memory.region(self.pc),
            }),
        }
    }

    #[inline]
    pub(crate) fn reg(&self, r: u8) -> u32 {
        self.regs[usize::from(r & 31)]
    }

    #[inline]
    pub(crate) fn set(&mut self, rd: u8, value: u32) {
        self.regs[usize::from(rd & 31)] = value;
        self.regs[0] = 0;
    }

    /// Moves to the next instruction; the guest goes on.
    #[inline]
    pub(crate) fn advance(&mut self) -> Option<Exit> {
        self.pc = self.pc.wrapping_add(4);
        None
    }

    /// Reclassifies an access fault in the guard or system region as a stack
    /// overflow when `sp` has left the stack (below its bottom, or wrapped).
    fn data_fault(&self, kind: FaultKind) -> FaultKind {
        let sp = self.regs[SP];
        match kind {
            FaultKind::AccessViolation {
                access,
                addr,
                region: Region::Guard | Region::System,
            } if !(STACK_BOTTOM..SYSTEM_START).contains(&sp) => {
                FaultKind::StackOverflow { access, addr, sp }
            }
            other => other,
        }
    }
}

/// `check` found nothing wrong with an access `exec` refused: the two
/// disagree, which is a bug in Ember. Reported as an illegal instruction
/// rather than a host panic, and caught by the tests, which check every
/// fault kind.
fn unreachable_fault() -> FaultKind {
    debug_assert!(false, "exec refused an access that check allows");
    FaultKind::IllegalInstruction
}

/// The hot loop's copy of the registers, in a local on a cache line
/// boundary. Used in place in the `Machine`, with the same machine code for
/// the loop, software SHA-256 ran at 0.88x of fe5dd7c's speed in this build
/// of the host (fib and sort at 1.0x); with this copy, at 1.03x, and that
/// held at 16 stack placements (see docs/performance.md). Copied in and out
/// once per call (an ECALL, a fault, leaving the segment), not per
/// instruction.
#[repr(align(64))]
struct Regs([u32; 32]);
