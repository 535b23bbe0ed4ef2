//! The interpreter: registers, pc and cycle counter, executing a [`Program`]'s
//! decoded instructions against [`Memory`] and a [`Host`].
//!
//! ISA semantics are the pure functions of [`crate::alu`]; this file wires
//! them to registers and memory. Every fault leaves the machine exactly as it
//! was before the faulting instruction.

use ember_abi::cycles;
use ember_abi::memory::{STACK_BOTTOM, STACK_TOP, SYSTEM_START};
use ember_abi::reg::SP;

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
            memory: program.initial_memory(),
        }
    }

    /// Sets the cycle limit: no instruction starts whose cost would take the
    /// cycle count past it.
    pub fn set_cycle_limit(&mut self, limit: u64) {
        self.cycle_limit = limit;
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
    pub fn set_register(&mut self, index: usize, value: u32) {
        self.regs[index & 31] = value;
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
        loop {
            self.run_plain();
            if let Some(exit) = self.step(host)? {
                return Ok(exit);
            }
        }
    }

    /// The hot loop: executes instructions from the current code segment for
    /// as long as they complete normally and the cycle limit allows, with the
    /// segment, pc and counters in locals. It returns, with the machine in
    /// order, before the first instruction that needs more (an ECALL, a
    /// fault, leaving the segment, the limit): [`Machine::step`] does that one.
    fn run_plain(&mut self) {
        let program = self.program;
        let Some(segment) = program.code().iter().find(|s| s.contains(self.pc)) else {
            return;
        };
        let (base, code) = (segment.start, segment.instructions.as_slice());
        // Every instruction but ECALL costs exactly one cycle.
        let budget = self.cycle_limit.saturating_sub(self.cycles);
        let mut pc = self.pc;
        let mut done = 0;
        while done < budget {
            let Some(&insn) = code.get((pc.wrapping_sub(base) / 4) as usize) else {
                break;
            };
            match exec(&mut self.regs, &mut self.memory, pc, insn) {
                Some(next) => pc = next,
                None => break,
            }
            done += 1;
        }
        self.pc = pc;
        self.cycles += done;
        self.instructions += done;
    }

    /// Executes one instruction. Returns the exit if the guest stopped.
    pub fn step(&mut self, host: &mut impl Host) -> Result<Option<Exit>, Fault> {
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
        } else if insn == Instruction::Ecall {
            self.ecall(host)
        } else {
            match exec(&mut self.regs, &mut self.memory, pc, insn) {
                Some(next) => {
                    self.pc = next;
                    Ok(None)
                }
                None => Err(self.diagnose(insn)),
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

    /// The fault for an instruction whose cost does not fit under the limit.
    fn limit_fault(&self) -> FaultKind {
        FaultKind::CycleLimitExceeded {
            limit: self.cycle_limit,
            cycles: self.cycles,
        }
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
        match self.program.code().iter().find(|s| s.contains(self.pc)) {
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

    /// Why `insn`, which [`exec`] could not complete, faults. Only called on
    /// that cold path; `exec` itself never builds a fault.
    fn diagnose(&self, insn: Instruction) -> FaultKind {
        use Instruction::*;
        let x = |r: u8| self.reg(r);
        let pc = self.pc;
        let data = |rs1: u8, offset: i32, size: u32, access: Access| {
            let addr = x(rs1).wrapping_add_signed(offset);
            match self.memory.check(addr, size, access) {
                Err(kind) => self.data_fault(kind),
                Ok(()) => unreachable_fault(),
            }
        };
        match insn {
            Jal { offset, .. } => FaultKind::MisalignedJump {
                target: pc.wrapping_add_signed(offset),
            },
            Jalr { rs1, offset, .. } => FaultKind::MisalignedJump {
                target: x(rs1).wrapping_add_signed(offset) & !1,
            },
            Beq { offset, .. }
            | Bne { offset, .. }
            | Blt { offset, .. }
            | Bge { offset, .. }
            | Bltu { offset, .. }
            | Bgeu { offset, .. } => FaultKind::MisalignedJump {
                target: pc.wrapping_add_signed(offset),
            },
            Lb { rs1, offset, .. } | Lbu { rs1, offset, .. } => data(rs1, offset, 1, Access::Load),
            Lh { rs1, offset, .. } | Lhu { rs1, offset, .. } => data(rs1, offset, 2, Access::Load),
            Lw { rs1, offset, .. } => data(rs1, offset, 4, Access::Load),
            Sb { rs1, offset, .. } => data(rs1, offset, 1, Access::Store),
            Sh { rs1, offset, .. } => data(rs1, offset, 2, Access::Store),
            Sw { rs1, offset, .. } => data(rs1, offset, 4, Access::Store),
            Ebreak => FaultKind::Breakpoint,
            _ => FaultKind::IllegalInstruction,
        }
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

/// `diagnose` found nothing wrong with an access `exec` refused: the two
/// disagree, which is a bug in Ember. Reported as an illegal instruction
/// rather than a host panic, and caught by the tests, which check every
/// fault kind.
fn unreachable_fault() -> FaultKind {
    debug_assert!(false, "exec refused an access that check allows");
    FaultKind::IllegalInstruction
}

/// The RV32IM semantics of every instruction but ECALL: updates the
/// registers and memory and returns the next pc, or returns `None` with
/// nothing changed when the instruction cannot complete normally (ECALL,
/// EBREAK, an illegal word, a misaligned jump target, a refused access).
#[inline(always)]
fn exec(x: &mut [u32; 32], memory: &mut Memory, pc: u32, insn: Instruction) -> Option<u32> {
    use Instruction::*;
    let r = |x: &[u32; 32], i: u8| x[usize::from(i & 31)];
    let next = pc.wrapping_add(4);
    let (rd, value) = match insn {
        Lui { rd, imm } => (rd, imm),
        Auipc { rd, imm } => (rd, pc.wrapping_add(imm)),
        Jal { rd, offset } => {
            let target = pc.wrapping_add_signed(offset);
            if target % 4 != 0 {
                return None;
            }
            set(x, rd, next);
            return Some(target);
        }
        Jalr { rd, rs1, offset } => {
            let target = r(x, rs1).wrapping_add_signed(offset) & !1;
            if target % 4 != 0 {
                return None;
            }
            set(x, rd, next);
            return Some(target);
        }

        Beq { rs1, rs2, offset } => return branch(r(x, rs1) == r(x, rs2), pc, offset),
        Bne { rs1, rs2, offset } => return branch(r(x, rs1) != r(x, rs2), pc, offset),
        Blt { rs1, rs2, offset } => {
            return branch((r(x, rs1) as i32) < (r(x, rs2) as i32), pc, offset);
        }
        Bge { rs1, rs2, offset } => {
            return branch((r(x, rs1) as i32) >= (r(x, rs2) as i32), pc, offset);
        }
        Bltu { rs1, rs2, offset } => return branch(r(x, rs1) < r(x, rs2), pc, offset),
        Bgeu { rs1, rs2, offset } => return branch(r(x, rs1) >= r(x, rs2), pc, offset),

        Lb { rd, rs1, offset } => {
            let [b] = memory.load::<1>(r(x, rs1).wrapping_add_signed(offset))?;
            (rd, b as i8 as u32)
        }
        Lbu { rd, rs1, offset } => {
            let [b] = memory.load::<1>(r(x, rs1).wrapping_add_signed(offset))?;
            (rd, u32::from(b))
        }
        Lh { rd, rs1, offset } => {
            let h = memory.load(r(x, rs1).wrapping_add_signed(offset))?;
            (rd, i16::from_le_bytes(h) as u32)
        }
        Lhu { rd, rs1, offset } => {
            let h = memory.load(r(x, rs1).wrapping_add_signed(offset))?;
            (rd, u32::from(u16::from_le_bytes(h)))
        }
        Lw { rd, rs1, offset } => {
            let w = memory.load(r(x, rs1).wrapping_add_signed(offset))?;
            (rd, u32::from_le_bytes(w))
        }

        Sb { rs1, rs2, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            return memory.store(addr, [r(x, rs2) as u8]).then_some(next);
        }
        Sh { rs1, rs2, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            return memory
                .store(addr, (r(x, rs2) as u16).to_le_bytes())
                .then_some(next);
        }
        Sw { rs1, rs2, offset } => {
            let addr = r(x, rs1).wrapping_add_signed(offset);
            return memory.store(addr, r(x, rs2).to_le_bytes()).then_some(next);
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

        Fence { .. } | FenceI => return Some(next),
        Ecall | Ebreak | Illegal(_) => return None,
    };
    set(x, rd, value);
    Some(next)
}

/// Writes `rd`; x0 stays zero without a branch.
#[inline(always)]
fn set(x: &mut [u32; 32], rd: u8, value: u32) {
    x[usize::from(rd & 31)] = value;
    x[0] = 0;
}

/// The next pc of a branch; `None` if taken to a misaligned target.
#[inline(always)]
fn branch(taken: bool, pc: u32, offset: i32) -> Option<u32> {
    if !taken {
        return Some(pc.wrapping_add(4));
    }
    let target = pc.wrapping_add_signed(offset);
    target.is_multiple_of(4).then_some(target)
}
