//! The RV32IM semantics of every instruction but ECALL, on registers and
//! memory: the one copy, which the interpreter runs and observers watch.
//! Arithmetic is the pure functions of [`crate::alu`]; an instruction that
//! cannot complete says why ([`Stop`]) with nothing changed.

use crate::alu;
use crate::error::Access;
use crate::instruction::Instruction;
use crate::memory::Memory;
use crate::observer::{MemAccess, Observer, Step};

/// Why [`exec`] did not complete an instruction. Nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
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

/// The RV32IM semantics of every instruction but ECALL: updates the
/// registers and memory and returns the next pc, or says why the instruction
/// cannot complete normally ([`Stop`]) with nothing changed. Tells the
/// observer what it did; with [`NoObserver`] that costs nothing.
#[inline(always)]
pub(crate) fn exec<O: Observer>(
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
