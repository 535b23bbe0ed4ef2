//! The instruction set as the proof sees it: each RV32IM instruction maps to
//! an operation code and static fields, computed from the ELF alone (so the
//! verifier computes them too). What depends only on the pc and the
//! instruction (AUIPC's and LUI's results, JAL's target, the link value of
//! JAL and JALR, branch targets) is a static field, not a computation.

use ember_abi::reg;
use ember_core::{Instruction, Program};

/// The operations, numbered for the program bus (0 is never used, so that a
/// padding row's all-zero message matches nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum Op {
    Add = 1,
    Addi,
    Sub,
    And,
    Andi,
    Or,
    Ori,
    Xor,
    Xori,
    Slt,
    Slti,
    Sltu,
    Sltiu,
    /// LUI and AUIPC: `rd = value`, a static word.
    Lui,
    /// `rd = pc + 4`; `pc = target`.
    Jal,
    /// `rd = pc + 4`; `pc = (rs1 + imm) & !1`.
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Lw,
    Sw,
    /// FENCE and FENCE.I: nothing.
    Fence,
    Lb,
    Lbu,
    Lh,
    Lhu,
    Sb,
    Sh,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Sll,
    Slli,
    Srl,
    Srli,
    Sra,
    Srai,
    Div,
    Divu,
    Rem,
    Remu,
    /// ECALL: which one the CPU tells from `t0`.
    Ecall,
}

/// How many operations there are (flags in the CPU row).
pub const OP_COUNT: usize = Op::Ecall as usize;

impl Op {
    /// Every operation, in code order.
    pub const ALL: [Op; OP_COUNT] = [
        Op::Add,
        Op::Addi,
        Op::Sub,
        Op::And,
        Op::Andi,
        Op::Or,
        Op::Ori,
        Op::Xor,
        Op::Xori,
        Op::Slt,
        Op::Slti,
        Op::Sltu,
        Op::Sltiu,
        Op::Lui,
        Op::Jal,
        Op::Jalr,
        Op::Beq,
        Op::Bne,
        Op::Blt,
        Op::Bge,
        Op::Bltu,
        Op::Bgeu,
        Op::Lw,
        Op::Sw,
        Op::Fence,
        Op::Lb,
        Op::Lbu,
        Op::Lh,
        Op::Lhu,
        Op::Sb,
        Op::Sh,
        Op::Mul,
        Op::Mulh,
        Op::Mulhsu,
        Op::Mulhu,
        Op::Sll,
        Op::Slli,
        Op::Srl,
        Op::Srli,
        Op::Sra,
        Op::Srai,
        Op::Div,
        Op::Divu,
        Op::Rem,
        Op::Remu,
        Op::Ecall,
    ];

    /// Index of this operation's flag in the CPU row.
    pub const fn index(self) -> usize {
        self as usize - 1
    }

    /// Whether the operation reads `rs1`.
    pub const fn reads_rs1(self) -> bool {
        !matches!(self, Op::Lui | Op::Jal | Op::Fence)
    }

    /// Whether the next pc is `pc + 4` (no jump or branch; an ECALL that
    /// ends the run has no next row).
    pub const fn is_sequential(self) -> bool {
        !matches!(
            self,
            Op::Jal | Op::Jalr | Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu
        )
    }

    /// Whether the second operand is the immediate (else `rs2`'s value).
    pub const fn uses_imm(self) -> bool {
        matches!(
            self,
            Op::Addi
                | Op::Andi
                | Op::Ori
                | Op::Xori
                | Op::Slti
                | Op::Sltiu
                | Op::Jalr
                | Op::Lw
                | Op::Sw
                | Op::Lb
                | Op::Lbu
                | Op::Lh
                | Op::Lhu
                | Op::Sb
                | Op::Sh
                | Op::Slli
                | Op::Srli
                | Op::Srai
        )
    }

    /// Whether the operation reads `rs2`.
    pub const fn reads_rs2(self) -> bool {
        matches!(
            self,
            Op::Add
                | Op::Sub
                | Op::And
                | Op::Or
                | Op::Xor
                | Op::Slt
                | Op::Sltu
                | Op::Beq
                | Op::Bne
                | Op::Blt
                | Op::Bge
                | Op::Bltu
                | Op::Bgeu
                | Op::Sw
                | Op::Sb
                | Op::Sh
                | Op::Mul
                | Op::Mulh
                | Op::Mulhsu
                | Op::Mulhu
                | Op::Sll
                | Op::Srl
                | Op::Sra
                | Op::Div
                | Op::Divu
                | Op::Rem
                | Op::Remu
                | Op::Ecall
        )
    }
}

/// One row of the program table: an instruction at `pc`, as the proof sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramRow {
    /// The instruction's address.
    pub pc: u32,
    /// The operation.
    pub op: Op,
    /// Destination register (0 when nothing is written).
    pub rd: u8,
    /// First source register (ECALL: a0).
    pub rs1: u8,
    /// Second source register (ECALL: t0).
    pub rs2: u8,
    /// The immediate operand, as a sign-extended word.
    pub imm: u32,
    /// A static result: LUI/AUIPC's value, JAL/JALR's link `pc + 4`.
    pub value: u32,
    /// A static next pc: JAL's and the branches' target (0 otherwise).
    pub target: u32,
    /// Whether `rd` is written (false when `rd` is x0).
    pub writes_rd: bool,
}

/// Why an instruction cannot be in a proof yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// Its address.
    pub pc: u32,
    /// The instruction.
    pub insn: Instruction,
}

/// The program row of `insn` at `pc`, or why it has none.
pub fn program_row(pc: u32, insn: Instruction) -> Result<ProgramRow, Unsupported> {
    use Instruction as I;
    let sx = |imm: i32| imm as u32;
    let row = |op, rd: u8, rs1: u8, rs2: u8, imm: u32| ProgramRow {
        pc,
        op,
        rd,
        rs1,
        rs2,
        imm,
        value: 0,
        target: 0,
        writes_rd: rd != 0,
    };
    let branch = |op, rs1, rs2, offset: i32| ProgramRow {
        target: pc.wrapping_add_signed(offset),
        ..row(op, 0, rs1, rs2, 0)
    };
    Ok(match insn {
        I::Add { rd, rs1, rs2 } => row(Op::Add, rd, rs1, rs2, 0),
        I::Sub { rd, rs1, rs2 } => row(Op::Sub, rd, rs1, rs2, 0),
        I::And { rd, rs1, rs2 } => row(Op::And, rd, rs1, rs2, 0),
        I::Or { rd, rs1, rs2 } => row(Op::Or, rd, rs1, rs2, 0),
        I::Xor { rd, rs1, rs2 } => row(Op::Xor, rd, rs1, rs2, 0),
        I::Slt { rd, rs1, rs2 } => row(Op::Slt, rd, rs1, rs2, 0),
        I::Sltu { rd, rs1, rs2 } => row(Op::Sltu, rd, rs1, rs2, 0),
        I::Addi { rd, rs1, imm } => row(Op::Addi, rd, rs1, 0, sx(imm)),
        I::Andi { rd, rs1, imm } => row(Op::Andi, rd, rs1, 0, sx(imm)),
        I::Ori { rd, rs1, imm } => row(Op::Ori, rd, rs1, 0, sx(imm)),
        I::Xori { rd, rs1, imm } => row(Op::Xori, rd, rs1, 0, sx(imm)),
        I::Slti { rd, rs1, imm } => row(Op::Slti, rd, rs1, 0, sx(imm)),
        I::Sltiu { rd, rs1, imm } => row(Op::Sltiu, rd, rs1, 0, sx(imm)),
        I::Lui { rd, imm } => ProgramRow {
            value: imm,
            ..row(Op::Lui, rd, 0, 0, 0)
        },
        I::Auipc { rd, imm } => ProgramRow {
            value: pc.wrapping_add(imm),
            ..row(Op::Lui, rd, 0, 0, 0)
        },
        I::Jal { rd, offset } => ProgramRow {
            value: pc.wrapping_add(4),
            target: pc.wrapping_add_signed(offset),
            ..row(Op::Jal, rd, 0, 0, 0)
        },
        I::Jalr { rd, rs1, offset } => ProgramRow {
            value: pc.wrapping_add(4),
            ..row(Op::Jalr, rd, rs1, 0, sx(offset))
        },
        I::Beq { rs1, rs2, offset } => branch(Op::Beq, rs1, rs2, offset),
        I::Bne { rs1, rs2, offset } => branch(Op::Bne, rs1, rs2, offset),
        I::Blt { rs1, rs2, offset } => branch(Op::Blt, rs1, rs2, offset),
        I::Bge { rs1, rs2, offset } => branch(Op::Bge, rs1, rs2, offset),
        I::Bltu { rs1, rs2, offset } => branch(Op::Bltu, rs1, rs2, offset),
        I::Bgeu { rs1, rs2, offset } => branch(Op::Bgeu, rs1, rs2, offset),
        I::Lw { rd, rs1, offset } => row(Op::Lw, rd, rs1, 0, sx(offset)),
        I::Sw { rs1, rs2, offset } => row(Op::Sw, 0, rs1, rs2, sx(offset)),
        I::Lb { rd, rs1, offset } => row(Op::Lb, rd, rs1, 0, sx(offset)),
        I::Lbu { rd, rs1, offset } => row(Op::Lbu, rd, rs1, 0, sx(offset)),
        I::Lh { rd, rs1, offset } => row(Op::Lh, rd, rs1, 0, sx(offset)),
        I::Lhu { rd, rs1, offset } => row(Op::Lhu, rd, rs1, 0, sx(offset)),
        I::Sb { rs1, rs2, offset } => row(Op::Sb, 0, rs1, rs2, sx(offset)),
        I::Sh { rs1, rs2, offset } => row(Op::Sh, 0, rs1, rs2, sx(offset)),
        I::Mul { rd, rs1, rs2 } => row(Op::Mul, rd, rs1, rs2, 0),
        I::Mulh { rd, rs1, rs2 } => row(Op::Mulh, rd, rs1, rs2, 0),
        I::Mulhsu { rd, rs1, rs2 } => row(Op::Mulhsu, rd, rs1, rs2, 0),
        I::Mulhu { rd, rs1, rs2 } => row(Op::Mulhu, rd, rs1, rs2, 0),
        I::Sll { rd, rs1, rs2 } => row(Op::Sll, rd, rs1, rs2, 0),
        I::Srl { rd, rs1, rs2 } => row(Op::Srl, rd, rs1, rs2, 0),
        I::Sra { rd, rs1, rs2 } => row(Op::Sra, rd, rs1, rs2, 0),
        I::Div { rd, rs1, rs2 } => row(Op::Div, rd, rs1, rs2, 0),
        I::Divu { rd, rs1, rs2 } => row(Op::Divu, rd, rs1, rs2, 0),
        I::Rem { rd, rs1, rs2 } => row(Op::Rem, rd, rs1, rs2, 0),
        I::Remu { rd, rs1, rs2 } => row(Op::Remu, rd, rs1, rs2, 0),
        I::Slli { rd, rs1, shamt } => row(Op::Slli, rd, rs1, 0, u32::from(shamt)),
        I::Srli { rd, rs1, shamt } => row(Op::Srli, rd, rs1, 0, u32::from(shamt)),
        I::Srai { rd, rs1, shamt } => row(Op::Srai, rd, rs1, 0, u32::from(shamt)),
        I::Fence { .. } | I::FenceI => row(Op::Fence, 0, 0, 0, 0),
        // Reads a0 and t0 and writes a0 (HALT and PANIC write it back
        // unchanged); the I/O table decides the value.
        I::Ecall => row(Op::Ecall, reg::A0 as u8, reg::A0 as u8, reg::T0 as u8, 0),
        other => return Err(Unsupported { pc, insn: other }),
    })
}

/// The highest code address a proof handles: every pc is a field element
/// (p = 2^31 - 2^24 + 1), and JALR's target is checked to be below this.
pub const CODE_LIMIT: u32 = 1 << 30;

/// Why a program cannot be proven at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramError {
    /// Code at or above [`CODE_LIMIT`].
    CodeTooHigh {
        /// End of the offending code segment.
        end: u32,
    },
}

/// The program table's rows: every decoded instruction, in address order.
/// Instructions the proof does not support yet get no row (a run that
/// reaches one cannot be proven; the prover says so first).
pub fn program_rows(program: &Program) -> Result<Vec<ProgramRow>, ProgramError> {
    let mut rows = Vec::new();
    for code in program.code() {
        if code.end > CODE_LIMIT {
            return Err(ProgramError::CodeTooHigh { end: code.end });
        }
        for (i, insn) in code.instructions.iter().enumerate() {
            if let Ok(row) = program_row(code.start + 4 * i as u32, *insn) {
                rows.push(row);
            }
        }
    }
    Ok(rows)
}
