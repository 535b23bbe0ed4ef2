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
            if let Some(exit) = self.step(host)? {
                return Ok(exit);
            }
        }
    }

    /// Executes one instruction. Returns the exit if the guest stopped.
    #[inline]
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
        } else {
            self.execute(insn, host)
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
        if self.cycle_limit - self.cycles < cycles::INSTRUCTION + extra {
            return Err(self.limit_fault());
        }
        self.cycles += extra;
        Ok(())
    }

    fn fetch(&self) -> Result<Instruction, FaultKind> {
        let pc = self.pc;
        for seg in self.program.code() {
            let offset = pc.wrapping_sub(seg.start);
            if offset < seg.end - seg.start {
                // Past the file contents the segment is zero, which is illegal.
                let index = (offset / 4) as usize;
                return Ok(seg
                    .instructions
                    .get(index)
                    .copied()
                    .unwrap_or(Instruction::Illegal(0)));
            }
        }
        Err(FaultKind::FetchNotExecutable {
            region: self.memory.region(pc),
        })
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

    #[inline]
    fn load<const N: usize>(&self, rs1: u8, offset: i32) -> Result<[u8; N], FaultKind> {
        let addr = self.reg(rs1).wrapping_add_signed(offset);
        self.memory
            .check(addr, N as u32, Access::Load)
            .map_err(|k| self.data_fault(k))?;
        Ok(self.memory.read(addr))
    }

    #[inline]
    fn store<const N: usize>(
        &mut self,
        rs1: u8,
        offset: i32,
        bytes: [u8; N],
    ) -> Result<(), FaultKind> {
        let addr = self.reg(rs1).wrapping_add_signed(offset);
        self.memory
            .check(addr, N as u32, Access::Store)
            .map_err(|k| self.data_fault(k))?;
        self.memory.write(addr, bytes);
        Ok(())
    }

    /// Jumps to `target`, linking `rd`; nothing changes if the target is misaligned.
    #[inline]
    fn jump(&mut self, rd: u8, target: u32) -> Result<(), FaultKind> {
        if !target.is_multiple_of(4) {
            return Err(FaultKind::MisalignedJump { target });
        }
        self.set(rd, self.pc.wrapping_add(4));
        self.pc = target;
        Ok(())
    }

    #[inline]
    fn branch(&mut self, taken: bool, offset: i32) -> Result<(), FaultKind> {
        if taken {
            let target = self.pc.wrapping_add_signed(offset);
            if !target.is_multiple_of(4) {
                return Err(FaultKind::MisalignedJump { target });
            }
            self.pc = target;
        } else {
            self.pc = self.pc.wrapping_add(4);
        }
        Ok(())
    }

    /// Executes every instruction but `ecall`, advancing the pc.
    #[inline]
    fn execute(
        &mut self,
        insn: Instruction,
        host: &mut impl Host,
    ) -> Result<Option<Exit>, FaultKind> {
        use Instruction::*;
        let x = |r: u8| self.reg(r);
        let (value, rd) = match insn {
            Lui { rd, imm } => (imm, rd),
            Auipc { rd, imm } => (self.pc.wrapping_add(imm), rd),
            Jal { rd, offset } => {
                return self
                    .jump(rd, self.pc.wrapping_add_signed(offset))
                    .map(|()| None);
            }
            Jalr { rd, rs1, offset } => {
                return self
                    .jump(rd, x(rs1).wrapping_add_signed(offset) & !1)
                    .map(|()| None);
            }

            Beq { rs1, rs2, offset } => {
                return self.branch(x(rs1) == x(rs2), offset).map(|()| None);
            }
            Bne { rs1, rs2, offset } => {
                return self.branch(x(rs1) != x(rs2), offset).map(|()| None);
            }
            Blt { rs1, rs2, offset } => {
                return self
                    .branch((x(rs1) as i32) < (x(rs2) as i32), offset)
                    .map(|()| None);
            }
            Bge { rs1, rs2, offset } => {
                return self
                    .branch((x(rs1) as i32) >= (x(rs2) as i32), offset)
                    .map(|()| None);
            }
            Bltu { rs1, rs2, offset } => {
                return self.branch(x(rs1) < x(rs2), offset).map(|()| None);
            }
            Bgeu { rs1, rs2, offset } => {
                return self.branch(x(rs1) >= x(rs2), offset).map(|()| None);
            }

            Lb { rd, rs1, offset } => (self.load::<1>(rs1, offset)?[0] as i8 as u32, rd),
            Lbu { rd, rs1, offset } => (u32::from(self.load::<1>(rs1, offset)?[0]), rd),
            Lh { rd, rs1, offset } => (i16::from_le_bytes(self.load(rs1, offset)?) as u32, rd),
            Lhu { rd, rs1, offset } => (u32::from(u16::from_le_bytes(self.load(rs1, offset)?)), rd),
            Lw { rd, rs1, offset } => (u32::from_le_bytes(self.load(rs1, offset)?), rd),

            Sb { rs1, rs2, offset } => {
                self.store(rs1, offset, [x(rs2) as u8])?;
                return Ok(self.advance());
            }
            Sh { rs1, rs2, offset } => {
                self.store(rs1, offset, (x(rs2) as u16).to_le_bytes())?;
                return Ok(self.advance());
            }
            Sw { rs1, rs2, offset } => {
                self.store(rs1, offset, x(rs2).to_le_bytes())?;
                return Ok(self.advance());
            }

            Addi { rd, rs1, imm } => (x(rs1).wrapping_add_signed(imm), rd),
            Slti { rd, rs1, imm } => (alu::slt(x(rs1), imm as u32), rd),
            Sltiu { rd, rs1, imm } => (alu::sltu(x(rs1), imm as u32), rd),
            Xori { rd, rs1, imm } => (x(rs1) ^ imm as u32, rd),
            Ori { rd, rs1, imm } => (x(rs1) | imm as u32, rd),
            Andi { rd, rs1, imm } => (x(rs1) & imm as u32, rd),
            Slli { rd, rs1, shamt } => (alu::sll(x(rs1), u32::from(shamt)), rd),
            Srli { rd, rs1, shamt } => (alu::srl(x(rs1), u32::from(shamt)), rd),
            Srai { rd, rs1, shamt } => (alu::sra(x(rs1), u32::from(shamt)), rd),

            Add { rd, rs1, rs2 } => (x(rs1).wrapping_add(x(rs2)), rd),
            Sub { rd, rs1, rs2 } => (x(rs1).wrapping_sub(x(rs2)), rd),
            Sll { rd, rs1, rs2 } => (alu::sll(x(rs1), x(rs2)), rd),
            Slt { rd, rs1, rs2 } => (alu::slt(x(rs1), x(rs2)), rd),
            Sltu { rd, rs1, rs2 } => (alu::sltu(x(rs1), x(rs2)), rd),
            Xor { rd, rs1, rs2 } => (x(rs1) ^ x(rs2), rd),
            Srl { rd, rs1, rs2 } => (alu::srl(x(rs1), x(rs2)), rd),
            Sra { rd, rs1, rs2 } => (alu::sra(x(rs1), x(rs2)), rd),
            Or { rd, rs1, rs2 } => (x(rs1) | x(rs2), rd),
            And { rd, rs1, rs2 } => (x(rs1) & x(rs2), rd),

            Mul { rd, rs1, rs2 } => (x(rs1).wrapping_mul(x(rs2)), rd),
            Mulh { rd, rs1, rs2 } => (alu::mulh(x(rs1), x(rs2)), rd),
            Mulhsu { rd, rs1, rs2 } => (alu::mulhsu(x(rs1), x(rs2)), rd),
            Mulhu { rd, rs1, rs2 } => (alu::mulhu(x(rs1), x(rs2)), rd),
            Div { rd, rs1, rs2 } => (alu::div(x(rs1), x(rs2)), rd),
            Divu { rd, rs1, rs2 } => (alu::divu(x(rs1), x(rs2)), rd),
            Rem { rd, rs1, rs2 } => (alu::rem(x(rs1), x(rs2)), rd),
            Remu { rd, rs1, rs2 } => (alu::remu(x(rs1), x(rs2)), rd),

            Fence { .. } | FenceI => return Ok(self.advance()),
            Ebreak => return Err(FaultKind::Breakpoint),
            Illegal(_) => return Err(FaultKind::IllegalInstruction),
            Ecall => return self.ecall(host),
        };
        self.set(rd, value);
        Ok(self.advance())
    }

    /// Moves to the next instruction; the guest goes on.
    #[inline]
    pub(crate) fn advance(&mut self) -> Option<Exit> {
        self.pc = self.pc.wrapping_add(4);
        None
    }
}
