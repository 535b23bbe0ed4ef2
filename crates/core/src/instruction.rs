//! The decoded form of an RV32IM instruction, and its objdump-style disassembly.
//!
//! Fields are named as in the RISC-V specification (`rd`, `rs1`, `rs2`, `imm`).
//! Immediates are stored sign-extended and, for branches and jumps, as the byte
//! offset from the instruction's own pc. Every variant fits in 8 bytes so that
//! a decoded program stays compact.

use core::fmt;

/// One decoded RV32IM instruction.
///
/// Words that are not RV32IM instructions decode to [`Instruction::Illegal`],
/// which faults only when executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // the variants are the RISC-V mnemonics; the fields are the spec's
pub enum Instruction {
    Lui {
        rd: u8,
        imm: u32,
    },
    Auipc {
        rd: u8,
        imm: u32,
    },
    Jal {
        rd: u8,
        offset: i32,
    },
    Jalr {
        rd: u8,
        rs1: u8,
        offset: i32,
    },

    Beq {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },
    Bne {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },
    Blt {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },
    Bge {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },
    Bltu {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },
    Bgeu {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },

    Lb {
        rd: u8,
        rs1: u8,
        offset: i32,
    },
    Lh {
        rd: u8,
        rs1: u8,
        offset: i32,
    },
    Lw {
        rd: u8,
        rs1: u8,
        offset: i32,
    },
    Lbu {
        rd: u8,
        rs1: u8,
        offset: i32,
    },
    Lhu {
        rd: u8,
        rs1: u8,
        offset: i32,
    },

    Sb {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },
    Sh {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },
    Sw {
        rs1: u8,
        rs2: u8,
        offset: i32,
    },

    Addi {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Slti {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Sltiu {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Xori {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Ori {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Andi {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Slli {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },
    Srli {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },
    Srai {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },

    Add {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sub {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sll {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Slt {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sltu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Xor {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Srl {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sra {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Or {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    And {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },

    Mul {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Mulh {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Mulhsu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Mulhu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Div {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Divu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Rem {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Remu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },

    /// `fence pred,succ`: a no-op on Ember's single sequentially consistent hart.
    Fence {
        pred: u8,
        succ: u8,
    },
    /// `fence.i`: a no-op (code is immutable).
    FenceI,
    Ecall,
    Ebreak,

    /// Any word that is not an RV32IM instruction (CSR access, `mret`, `wfi`,
    /// atomics, floating point, compressed encodings, reserved bits...).
    Illegal(u32),
}

/// ABI names of the 32 integer registers, indexed by register number.
pub const REG_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];

fn reg(r: u8) -> &'static str {
    REG_NAMES[usize::from(r & 31)]
}

/// Where a branch or jump goes: relative (`.+8`) without a pc, absolute with one.
#[derive(Clone, Copy)]
struct Target {
    pc: Option<u32>,
    offset: i32,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pc {
            Some(pc) => write!(f, "{:#x}", pc.wrapping_add_signed(self.offset)),
            None if self.offset < 0 => write!(f, ".-{}", self.offset.unsigned_abs()),
            None => write!(f, ".+{}", self.offset),
        }
    }
}

/// Disassembly of an instruction at a known pc: branch and jump targets are
/// shown as absolute addresses, as objdump does. Made by [`Instruction::at`].
pub struct Disassembly {
    insn: Instruction,
    pc: Option<u32>,
}

impl Instruction {
    /// The registers the instruction reads: `(rs1, rs2)` where its format
    /// has them. ECALL's implicit reads (`t0`, `a0..a2`) are not listed.
    pub fn sources(self) -> (Option<u8>, Option<u8>) {
        use Instruction::*;
        match self {
            Jalr { rs1, .. }
            | Lb { rs1, .. }
            | Lh { rs1, .. }
            | Lw { rs1, .. }
            | Lbu { rs1, .. }
            | Lhu { rs1, .. }
            | Addi { rs1, .. }
            | Slti { rs1, .. }
            | Sltiu { rs1, .. }
            | Xori { rs1, .. }
            | Ori { rs1, .. }
            | Andi { rs1, .. }
            | Slli { rs1, .. }
            | Srli { rs1, .. }
            | Srai { rs1, .. } => (Some(rs1), None),
            Beq { rs1, rs2, .. }
            | Bne { rs1, rs2, .. }
            | Blt { rs1, rs2, .. }
            | Bge { rs1, rs2, .. }
            | Bltu { rs1, rs2, .. }
            | Bgeu { rs1, rs2, .. }
            | Sb { rs1, rs2, .. }
            | Sh { rs1, rs2, .. }
            | Sw { rs1, rs2, .. }
            | Add { rs1, rs2, .. }
            | Sub { rs1, rs2, .. }
            | Sll { rs1, rs2, .. }
            | Slt { rs1, rs2, .. }
            | Sltu { rs1, rs2, .. }
            | Xor { rs1, rs2, .. }
            | Srl { rs1, rs2, .. }
            | Sra { rs1, rs2, .. }
            | Or { rs1, rs2, .. }
            | And { rs1, rs2, .. }
            | Mul { rs1, rs2, .. }
            | Mulh { rs1, rs2, .. }
            | Mulhsu { rs1, rs2, .. }
            | Mulhu { rs1, rs2, .. }
            | Div { rs1, rs2, .. }
            | Divu { rs1, rs2, .. }
            | Rem { rs1, rs2, .. }
            | Remu { rs1, rs2, .. } => (Some(rs1), Some(rs2)),
            Lui { .. }
            | Auipc { .. }
            | Jal { .. }
            | Fence { .. }
            | FenceI
            | Ecall
            | Ebreak
            | Illegal(_) => (None, None),
        }
    }

    /// The register the instruction writes, if its format has one and it is
    /// not x0. ECALL's implicit results (`a0`, `a1`) are not listed.
    pub fn destination(self) -> Option<u8> {
        use Instruction::*;
        let rd = match self {
            Lui { rd, .. }
            | Auipc { rd, .. }
            | Jal { rd, .. }
            | Jalr { rd, .. }
            | Lb { rd, .. }
            | Lh { rd, .. }
            | Lw { rd, .. }
            | Lbu { rd, .. }
            | Lhu { rd, .. }
            | Addi { rd, .. }
            | Slti { rd, .. }
            | Sltiu { rd, .. }
            | Xori { rd, .. }
            | Ori { rd, .. }
            | Andi { rd, .. }
            | Slli { rd, .. }
            | Srli { rd, .. }
            | Srai { rd, .. }
            | Add { rd, .. }
            | Sub { rd, .. }
            | Sll { rd, .. }
            | Slt { rd, .. }
            | Sltu { rd, .. }
            | Xor { rd, .. }
            | Srl { rd, .. }
            | Sra { rd, .. }
            | Or { rd, .. }
            | And { rd, .. }
            | Mul { rd, .. }
            | Mulh { rd, .. }
            | Mulhsu { rd, .. }
            | Mulhu { rd, .. }
            | Div { rd, .. }
            | Divu { rd, .. }
            | Rem { rd, .. }
            | Remu { rd, .. } => rd,
            _ => 0,
        };
        (rd != 0).then_some(rd)
    }

    /// Disassembles this instruction as if it sat at `pc`.
    pub fn at(self, pc: u32) -> Disassembly {
        Disassembly {
            insn: self,
            pc: Some(pc),
        }
    }
}

impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Disassembly {
            insn: *self,
            pc: None,
        }
        .fmt(f)
    }
}

impl fmt::Display for Disassembly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Instruction::*;
        let t = |offset| Target {
            pc: self.pc,
            offset,
        };
        match self.insn {
            Lui { rd, imm } => write!(f, "lui {},{:#x}", reg(rd), imm >> 12),
            Auipc { rd, imm } => write!(f, "auipc {},{:#x}", reg(rd), imm >> 12),
            Jal { rd: 0, offset } => write!(f, "j {}", t(offset)),
            Jal { rd: 1, offset } => write!(f, "jal {}", t(offset)),
            Jal { rd, offset } => write!(f, "jal {},{}", reg(rd), t(offset)),
            Jalr {
                rd: 0,
                rs1: 1,
                offset: 0,
            } => f.write_str("ret"),
            Jalr {
                rd: 0,
                rs1,
                offset: 0,
            } => write!(f, "jr {}", reg(rs1)),
            Jalr { rd, rs1, offset } => write!(f, "jalr {},{}({})", reg(rd), offset, reg(rs1)),
            Beq {
                rs1,
                rs2: 0,
                offset,
            } => write!(f, "beqz {},{}", reg(rs1), t(offset)),
            Bne {
                rs1,
                rs2: 0,
                offset,
            } => write!(f, "bnez {},{}", reg(rs1), t(offset)),
            Beq { rs1, rs2, offset } => branch(f, "beq", rs1, rs2, t(offset)),
            Bne { rs1, rs2, offset } => branch(f, "bne", rs1, rs2, t(offset)),
            Blt { rs1, rs2, offset } => branch(f, "blt", rs1, rs2, t(offset)),
            Bge { rs1, rs2, offset } => branch(f, "bge", rs1, rs2, t(offset)),
            Bltu { rs1, rs2, offset } => branch(f, "bltu", rs1, rs2, t(offset)),
            Bgeu { rs1, rs2, offset } => branch(f, "bgeu", rs1, rs2, t(offset)),
            Lb { rd, rs1, offset } => mem(f, "lb", rd, rs1, offset),
            Lh { rd, rs1, offset } => mem(f, "lh", rd, rs1, offset),
            Lw { rd, rs1, offset } => mem(f, "lw", rd, rs1, offset),
            Lbu { rd, rs1, offset } => mem(f, "lbu", rd, rs1, offset),
            Lhu { rd, rs1, offset } => mem(f, "lhu", rd, rs1, offset),
            Sb { rs1, rs2, offset } => mem(f, "sb", rs2, rs1, offset),
            Sh { rs1, rs2, offset } => mem(f, "sh", rs2, rs1, offset),
            Sw { rs1, rs2, offset } => mem(f, "sw", rs2, rs1, offset),
            Addi {
                rd: 0,
                rs1: 0,
                imm: 0,
            } => f.write_str("nop"),
            Addi { rd, rs1: 0, imm } => write!(f, "li {},{}", reg(rd), imm),
            Addi { rd, rs1, imm: 0 } => write!(f, "mv {},{}", reg(rd), reg(rs1)),
            Addi { rd, rs1, imm } => imm_op(f, "addi", rd, rs1, imm),
            Slti { rd, rs1, imm } => imm_op(f, "slti", rd, rs1, imm),
            Sltiu { rd, rs1, imm } => imm_op(f, "sltiu", rd, rs1, imm),
            Xori { rd, rs1, imm } => imm_op(f, "xori", rd, rs1, imm),
            Ori { rd, rs1, imm } => imm_op(f, "ori", rd, rs1, imm),
            Andi { rd, rs1, imm } => imm_op(f, "andi", rd, rs1, imm),
            Slli { rd, rs1, shamt } => shift(f, "slli", rd, rs1, shamt),
            Srli { rd, rs1, shamt } => shift(f, "srli", rd, rs1, shamt),
            Srai { rd, rs1, shamt } => shift(f, "srai", rd, rs1, shamt),
            Add { rd, rs1, rs2 } => reg_op(f, "add", rd, rs1, rs2),
            Sub { rd, rs1, rs2 } => reg_op(f, "sub", rd, rs1, rs2),
            Sll { rd, rs1, rs2 } => reg_op(f, "sll", rd, rs1, rs2),
            Slt { rd, rs1, rs2 } => reg_op(f, "slt", rd, rs1, rs2),
            Sltu { rd, rs1, rs2 } => reg_op(f, "sltu", rd, rs1, rs2),
            Xor { rd, rs1, rs2 } => reg_op(f, "xor", rd, rs1, rs2),
            Srl { rd, rs1, rs2 } => reg_op(f, "srl", rd, rs1, rs2),
            Sra { rd, rs1, rs2 } => reg_op(f, "sra", rd, rs1, rs2),
            Or { rd, rs1, rs2 } => reg_op(f, "or", rd, rs1, rs2),
            And { rd, rs1, rs2 } => reg_op(f, "and", rd, rs1, rs2),
            Mul { rd, rs1, rs2 } => reg_op(f, "mul", rd, rs1, rs2),
            Mulh { rd, rs1, rs2 } => reg_op(f, "mulh", rd, rs1, rs2),
            Mulhsu { rd, rs1, rs2 } => reg_op(f, "mulhsu", rd, rs1, rs2),
            Mulhu { rd, rs1, rs2 } => reg_op(f, "mulhu", rd, rs1, rs2),
            Div { rd, rs1, rs2 } => reg_op(f, "div", rd, rs1, rs2),
            Divu { rd, rs1, rs2 } => reg_op(f, "divu", rd, rs1, rs2),
            Rem { rd, rs1, rs2 } => reg_op(f, "rem", rd, rs1, rs2),
            Remu { rd, rs1, rs2 } => reg_op(f, "remu", rd, rs1, rs2),
            Fence {
                pred: 0xf,
                succ: 0xf,
            } => f.write_str("fence"),
            Fence { pred, succ } => {
                write!(f, "fence {},{}", FenceSet(pred), FenceSet(succ))
            }
            FenceI => f.write_str("fence.i"),
            Ecall => f.write_str("ecall"),
            Ebreak => f.write_str("ebreak"),
            Illegal(word) => write!(f, ".insn {word:#010x}"),
        }
    }
}

/// The `iorw` set of a fence, as objdump prints it (`unknown` when empty).
struct FenceSet(u8);

impl fmt::Display for FenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("unknown");
        }
        for (bit, name) in [(8, 'i'), (4, 'o'), (2, 'r'), (1, 'w')] {
            if self.0 & bit != 0 {
                write!(f, "{name}")?;
            }
        }
        Ok(())
    }
}

fn branch(f: &mut fmt::Formatter<'_>, op: &str, rs1: u8, rs2: u8, t: Target) -> fmt::Result {
    write!(f, "{op} {},{},{t}", reg(rs1), reg(rs2))
}

fn mem(f: &mut fmt::Formatter<'_>, op: &str, r: u8, base: u8, offset: i32) -> fmt::Result {
    write!(f, "{op} {},{offset}({})", reg(r), reg(base))
}

fn imm_op(f: &mut fmt::Formatter<'_>, op: &str, rd: u8, rs1: u8, imm: i32) -> fmt::Result {
    write!(f, "{op} {},{},{imm}", reg(rd), reg(rs1))
}

fn shift(f: &mut fmt::Formatter<'_>, op: &str, rd: u8, rs1: u8, shamt: u8) -> fmt::Result {
    write!(f, "{op} {},{},{shamt:#x}", reg(rd), reg(rs1))
}

fn reg_op(f: &mut fmt::Formatter<'_>, op: &str, rd: u8, rs1: u8, rs2: u8) -> fmt::Result {
    write!(f, "{op} {},{},{}", reg(rd), reg(rs1), reg(rs2))
}
