//! The interpreter: registers, pc and cycle counter, executing a [`Program`]'s
//! decoded instructions against [`Memory`] and a [`Host`].
//!
//! ISA semantics are the pure functions of [`crate::alu`]; this file wires
//! them to registers and memory. Every fault leaves the machine exactly as it
//! was before the faulting instruction.

use ember_abi::memory::{STACK_BOTTOM, STACK_TOP, SYSTEM_START};
use ember_abi::reg::{A0, A1, A2, SP, T0};
use ember_abi::{cycles, limits};

use crate::alu;
use crate::ecall::Host;
use crate::error::{Access, Fault, FaultKind, Region};
use crate::instruction::Instruction;
use crate::memory::Memory;
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

/// Why [`exec`] did not complete an instruction. Nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// An ECALL: the machine's ECALL dispatch takes it from here.
    Ecall,
    /// EBREAK.
    Ebreak,
    /// A word that is not an RV32IM instruction.
    Illegal,
    /// A jump or taken branch to this target, which is not 4-byte aligned.
    MisalignedJump { target: u32 },
    /// The memory rules refused this access (the address is the effective one).
    Access {
        addr: u32,
        size: u32,
        access: Access,
    },
}

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

/// The RV32IM semantics of every instruction but ECALL: updates the
/// registers and memory and returns the next pc, or says why the instruction
/// cannot complete normally ([`Stop`]) with nothing changed. Tells the
/// observer what it did; with [`NoObserver`] that costs nothing.
#[inline(always)]
fn exec<O: Observer>(
    x: &mut [u32; 32],
    memory: &mut Memory,
    pc: u32,
    insn: Instruction,
    cycle: u64,
    observer: &mut O,
) -> Result<u32, Stop> {
    use Instruction::*;
    let r = |x: &[u32; 32], i: u8| x[usize::from(i & 31)];
    let next = pc.wrapping_add(4);
    // Filled only for an observer; `before` then holds the operands.
    let before = if O::ENABLED { *x } else { [0; 32] };
    let mut mem = None;
    // The instruction completed and the pc moves to `$next`: the observer
    // hears of it (nothing happens without one).
    macro_rules! finish {
        ($next:expr, $result:expr) => {{
            let next = $next;
            if O::ENABLED {
                let (rs1, rs2) = insn.sources();
                let rd = insn.destination().unwrap_or(0);
                observer.step(&Step {
                    cycle,
                    pc,
                    insn,
                    next_pc: next,
                    rs1_value: rs1.map_or(0, |i| r(&before, i)),
                    rs2_value: rs2.map_or(0, |i| r(&before, i)),
                    rd,
                    rd_value: r(x, rd),
                    result: $result,
                    mem,
                });
            }
            return Ok(next);
        }};
    }
    // Instructions that write `rd` and go on to the next one give (rd, value)
    // and meet in one tail below; the others return from their arm: the
    // shape of fe5dd7c's loop. A register write and return in every arm
    // (meant to give each its own dispatch) was merged by LLVM into one
    // dispatch anyway, and left the loop's speed at the mercy of where its
    // code landed (fib at 0.4-1.0x of fe5dd7c from one build to the next).
    let (rd, value) = match insn {
        Lui { rd, imm } => (rd, imm),
        Auipc { rd, imm } => (rd, pc.wrapping_add(imm)),
        Jal { rd, offset } => {
            let target = jump(pc.wrapping_add_signed(offset))?;
            set(x, rd, next);
            finish!(target, next)
        }
        Jalr { rd, rs1, offset } => {
            let target = jump(r(x, rs1).wrapping_add_signed(offset) & !1)?;
            set(x, rd, next);
            finish!(target, next)
        }

        Beq { rs1, rs2, offset } => finish!(branch(r(x, rs1) == r(x, rs2), pc, offset)?, 0),
        Bne { rs1, rs2, offset } => finish!(branch(r(x, rs1) != r(x, rs2), pc, offset)?, 0),
        Blt { rs1, rs2, offset } => {
            let taken = (r(x, rs1) as i32) < (r(x, rs2) as i32);
            finish!(branch(taken, pc, offset)?, 0)
        }
        Bge { rs1, rs2, offset } => {
            let taken = (r(x, rs1) as i32) >= (r(x, rs2) as i32);
            finish!(branch(taken, pc, offset)?, 0)
        }
        Bltu { rs1, rs2, offset } => finish!(branch(r(x, rs1) < r(x, rs2), pc, offset)?, 0),
        Bgeu { rs1, rs2, offset } => finish!(branch(r(x, rs1) >= r(x, rs2), pc, offset)?, 0),

        Lb { rd, rs1, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            let [b] = memory.load::<1>(addr).ok_or(Stop::load(addr, 1))?;
            observe_load::<O>(memory, &mut mem, addr, 1);
            (rd, b as i8 as u32)
        }
        Lbu { rd, rs1, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            let [b] = memory.load::<1>(addr).ok_or(Stop::load(addr, 1))?;
            observe_load::<O>(memory, &mut mem, addr, 1);
            (rd, u32::from(b))
        }
        Lh { rd, rs1, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            let h = memory.load(addr).ok_or(Stop::load(addr, 2))?;
            observe_load::<O>(memory, &mut mem, addr, 2);
            (rd, i16::from_le_bytes(h) as u32)
        }
        Lhu { rd, rs1, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            let h = memory.load(addr).ok_or(Stop::load(addr, 2))?;
            observe_load::<O>(memory, &mut mem, addr, 2);
            (rd, u32::from(u16::from_le_bytes(h)))
        }
        Lw { rd, rs1, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            let w = memory.load(addr).ok_or(Stop::load(addr, 4))?;
            observe_load::<O>(memory, &mut mem, addr, 4);
            (rd, u32::from_le_bytes(w))
        }

        Sb { rs1, rs2, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            store::<O, 1>(memory, &mut mem, addr, [r(x, rs2) as u8])?;
            finish!(next, 0)
        }
        Sh { rs1, rs2, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            store::<O, 2>(memory, &mut mem, addr, (r(x, rs2) as u16).to_le_bytes())?;
            finish!(next, 0)
        }
        Sw { rs1, rs2, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            store::<O, 4>(memory, &mut mem, addr, r(x, rs2).to_le_bytes())?;
            finish!(next, 0)
        }

        Addi { rd, rs1, imm } => (rd, r(x, rs1).wrapping_add_signed(imm)),
        Slti { rd, rs1, imm } => (rd, alu::slt(r(x, rs1), imm as u32)),
        Sltiu { rd, rs1, imm } => (rd, alu::sltu(r(x, rs1), imm as u32)),
        Xori { rd, rs1, imm } => (rd, r(x, rs1) ^ imm as u32),
        Ori { rd, rs1, imm } => (rd, r(x, rs1) | imm as u32),
        Andi { rd, rs1, imm } => (rd, r(x, rs1) & imm as u32),
        Slli { rd, rs1, shamt } => (rd, alu::sll(r(x, rs1), u32::from(shamt))),
        Srli { rd, rs1, shamt } => (rd, alu::srl(r(x, rs1), u32::from(shamt))),
        Srai { rd, rs1, shamt } => (rd, alu::sra(r(x, rs1), u32::from(shamt))),

        Add { rd, rs1, rs2 } => (rd, r(x, rs1).wrapping_add(r(x, rs2))),
        Sub { rd, rs1, rs2 } => (rd, r(x, rs1).wrapping_sub(r(x, rs2))),
        Sll { rd, rs1, rs2 } => (rd, alu::sll(r(x, rs1), r(x, rs2))),
        Slt { rd, rs1, rs2 } => (rd, alu::slt(r(x, rs1), r(x, rs2))),
        Sltu { rd, rs1, rs2 } => (rd, alu::sltu(r(x, rs1), r(x, rs2))),
        Xor { rd, rs1, rs2 } => (rd, r(x, rs1) ^ r(x, rs2)),
        Srl { rd, rs1, rs2 } => (rd, alu::srl(r(x, rs1), r(x, rs2))),
        Sra { rd, rs1, rs2 } => (rd, alu::sra(r(x, rs1), r(x, rs2))),
        Or { rd, rs1, rs2 } => (rd, r(x, rs1) | r(x, rs2)),
        And { rd, rs1, rs2 } => (rd, r(x, rs1) & r(x, rs2)),

        Mul { rd, rs1, rs2 } => (rd, r(x, rs1).wrapping_mul(r(x, rs2))),
        Mulh { rd, rs1, rs2 } => (rd, alu::mulh(r(x, rs1), r(x, rs2))),
        Mulhsu { rd, rs1, rs2 } => (rd, alu::mulhsu(r(x, rs1), r(x, rs2))),
        Mulhu { rd, rs1, rs2 } => (rd, alu::mulhu(r(x, rs1), r(x, rs2))),
        Div { rd, rs1, rs2 } => (rd, alu::div(r(x, rs1), r(x, rs2))),
        Divu { rd, rs1, rs2 } => (rd, alu::divu(r(x, rs1), r(x, rs2))),
        Rem { rd, rs1, rs2 } => (rd, alu::rem(r(x, rs1), r(x, rs2))),
        Remu { rd, rs1, rs2 } => (rd, alu::remu(r(x, rs1), r(x, rs2))),

        Fence { .. } | FenceI => finish!(next, 0),
        Ecall => return Err(Stop::Ecall),
        Ebreak => return Err(Stop::Ebreak),
        Illegal(_) => return Err(Stop::Illegal),
    };
    set(x, rd, value);
    finish!(next, value)
}

impl Stop {
    #[inline(always)]
    fn load(addr: u32, size: u32) -> Stop {
        Stop::Access {
            addr,
            size,
            access: Access::Load,
        }
    }
}

impl MemAccess {
    fn new(addr: u32, size: u32, store: bool, word_before: u32, word_after: u32) -> MemAccess {
        MemAccess {
            addr,
            size: size as u8,
            store,
            word_before,
            word_after,
        }
    }
}

/// Records a completed load for an observer.
#[inline(always)]
fn observe_load<O: Observer>(memory: &Memory, mem: &mut Option<MemAccess>, addr: u32, size: u32) {
    if O::ENABLED {
        let word = memory.word(addr);
        *mem = Some(MemAccess::new(addr, size, false, word, word));
    }
}

/// A store of `N` bytes, recorded for an observer.
#[inline(always)]
fn store<O: Observer, const N: usize>(
    memory: &mut Memory,
    mem: &mut Option<MemAccess>,
    addr: u32,
    bytes: [u8; N],
) -> Result<(), Stop> {
    let before = if O::ENABLED { memory.word(addr) } else { 0 };
    if !memory.store(addr, bytes) {
        return Err(Stop::Access {
            addr,
            size: N as u32,
            access: Access::Store,
        });
    }
    if O::ENABLED {
        *mem = Some(MemAccess::new(
            addr,
            N as u32,
            true,
            before,
            memory.word(addr),
        ));
    }
    Ok(())
}

/// Writes `rd`; x0 stays zero without a branch.
#[inline(always)]
fn set(x: &mut [u32; 32], rd: u8, value: u32) {
    x[usize::from(rd & 31)] = value;
    x[0] = 0;
}

/// A jump's target, if 4-byte aligned.
#[inline(always)]
fn jump(target: u32) -> Result<u32, Stop> {
    if target.is_multiple_of(4) {
        Ok(target)
    } else {
        Err(Stop::MisalignedJump { target })
    }
}

/// The next pc of a branch; a stop if taken to a misaligned target.
#[inline(always)]
fn branch(taken: bool, pc: u32, offset: i32) -> Result<u32, Stop> {
    if taken {
        jump(pc.wrapping_add_signed(offset))
    } else {
        Ok(pc.wrapping_add(4))
    }
}
