//! The decoder: one 32-bit word into an [`Instruction`], as one plain `match`.
//!
//! Shared by the interpreter (which decodes each executable segment once, at
//! load) and the disassembler. Anything that is not exactly an RV32I or M
//! encoding decodes to [`Instruction::Illegal`], including reserved funct bits,
//! CSR and privileged instructions, atomics, floating point and compressed
//! (16-bit) encodings.

use crate::instruction::Instruction::{self, *};

/// Major opcodes (bits 6:0) of the RV32IM base.
mod opcode {
    pub const LOAD: u32 = 0b000_0011;
    pub const MISC_MEM: u32 = 0b000_1111;
    pub const OP_IMM: u32 = 0b001_0011;
    pub const AUIPC: u32 = 0b001_0111;
    pub const STORE: u32 = 0b010_0011;
    pub const OP: u32 = 0b011_0011;
    pub const LUI: u32 = 0b011_0111;
    pub const BRANCH: u32 = 0b110_0011;
    pub const JALR: u32 = 0b110_0111;
    pub const JAL: u32 = 0b110_1111;
    pub const SYSTEM: u32 = 0b111_0011;
}

/// The exact encodings of the two SYSTEM instructions Ember accepts.
const ECALL_WORD: u32 = 0x0000_0073;
const EBREAK_WORD: u32 = 0x0010_0073;

fn rd(word: u32) -> u8 {
    ((word >> 7) & 31) as u8
}

fn rs1(word: u32) -> u8 {
    ((word >> 15) & 31) as u8
}

fn rs2(word: u32) -> u8 {
    ((word >> 20) & 31) as u8
}

fn funct3(word: u32) -> u32 {
    (word >> 12) & 7
}

fn funct7(word: u32) -> u32 {
    word >> 25
}

/// I-type immediate: bits 31:20, sign-extended.
fn imm_i(word: u32) -> i32 {
    (word as i32) >> 20
}

/// S-type immediate: bits 31:25 and 11:7, sign-extended.
fn imm_s(word: u32) -> i32 {
    ((word as i32) >> 25 << 5) | ((word >> 7) & 0x1f) as i32
}

/// B-type immediate: a signed, even byte offset of 13 bits.
fn imm_b(word: u32) -> i32 {
    ((word as i32) >> 31 << 12)
        | (((word >> 7) & 1) << 11) as i32
        | (((word >> 25) & 0x3f) << 5) as i32
        | (((word >> 8) & 0xf) << 1) as i32
}

/// U-type immediate: bits 31:12 in place, low 12 bits zero.
fn imm_u(word: u32) -> u32 {
    word & 0xffff_f000
}

/// J-type immediate: a signed, even byte offset of 21 bits.
fn imm_j(word: u32) -> i32 {
    ((word as i32) >> 31 << 20)
        | (word & 0x000f_f000) as i32
        | (((word >> 20) & 1) << 11) as i32
        | (((word >> 21) & 0x3ff) << 1) as i32
}

/// Decodes one instruction word.
pub fn decode(word: u32) -> Instruction {
    let (rd, rs1, rs2) = (rd(word), rs1(word), rs2(word));
    let shamt = rs2;
    match (word & 0x7f, funct3(word), funct7(word)) {
        (opcode::LUI, _, _) => Lui {
            rd,
            imm: imm_u(word),
        },
        (opcode::AUIPC, _, _) => Auipc {
            rd,
            imm: imm_u(word),
        },
        (opcode::JAL, _, _) => Jal {
            rd,
            offset: imm_j(word),
        },
        (opcode::JALR, 0b000, _) => Jalr {
            rd,
            rs1,
            offset: imm_i(word),
        },

        (opcode::BRANCH, f3, _) => {
            let offset = imm_b(word);
            match f3 {
                0b000 => Beq { rs1, rs2, offset },
                0b001 => Bne { rs1, rs2, offset },
                0b100 => Blt { rs1, rs2, offset },
                0b101 => Bge { rs1, rs2, offset },
                0b110 => Bltu { rs1, rs2, offset },
                0b111 => Bgeu { rs1, rs2, offset },
                _ => Illegal(word),
            }
        }

        (opcode::LOAD, f3, _) => {
            let offset = imm_i(word);
            match f3 {
                0b000 => Lb { rd, rs1, offset },
                0b001 => Lh { rd, rs1, offset },
                0b010 => Lw { rd, rs1, offset },
                0b100 => Lbu { rd, rs1, offset },
                0b101 => Lhu { rd, rs1, offset },
                _ => Illegal(word),
            }
        }

        (opcode::STORE, f3, _) => {
            let offset = imm_s(word);
            match f3 {
                0b000 => Sb { rs1, rs2, offset },
                0b001 => Sh { rs1, rs2, offset },
                0b010 => Sw { rs1, rs2, offset },
                _ => Illegal(word),
            }
        }

        (opcode::OP_IMM, f3, f7) => {
            let imm = imm_i(word);
            match (f3, f7) {
                (0b000, _) => Addi { rd, rs1, imm },
                (0b010, _) => Slti { rd, rs1, imm },
                (0b011, _) => Sltiu { rd, rs1, imm },
                (0b100, _) => Xori { rd, rs1, imm },
                (0b110, _) => Ori { rd, rs1, imm },
                (0b111, _) => Andi { rd, rs1, imm },
                // On RV32 a shift amount with bit 5 set is reserved: it lands in f7.
                (0b001, 0b000_0000) => Slli { rd, rs1, shamt },
                (0b101, 0b000_0000) => Srli { rd, rs1, shamt },
                (0b101, 0b010_0000) => Srai { rd, rs1, shamt },
                _ => Illegal(word),
            }
        }

        (opcode::OP, f3, f7) => match (f7, f3) {
            (0b000_0000, 0b000) => Add { rd, rs1, rs2 },
            (0b010_0000, 0b000) => Sub { rd, rs1, rs2 },
            (0b000_0000, 0b001) => Sll { rd, rs1, rs2 },
            (0b000_0000, 0b010) => Slt { rd, rs1, rs2 },
            (0b000_0000, 0b011) => Sltu { rd, rs1, rs2 },
            (0b000_0000, 0b100) => Xor { rd, rs1, rs2 },
            (0b000_0000, 0b101) => Srl { rd, rs1, rs2 },
            (0b010_0000, 0b101) => Sra { rd, rs1, rs2 },
            (0b000_0000, 0b110) => Or { rd, rs1, rs2 },
            (0b000_0000, 0b111) => And { rd, rs1, rs2 },
            (0b000_0001, 0b000) => Mul { rd, rs1, rs2 },
            (0b000_0001, 0b001) => Mulh { rd, rs1, rs2 },
            (0b000_0001, 0b010) => Mulhsu { rd, rs1, rs2 },
            (0b000_0001, 0b011) => Mulhu { rd, rs1, rs2 },
            (0b000_0001, 0b100) => Div { rd, rs1, rs2 },
            (0b000_0001, 0b101) => Divu { rd, rs1, rs2 },
            (0b000_0001, 0b110) => Rem { rd, rs1, rs2 },
            (0b000_0001, 0b111) => Remu { rd, rs1, rs2 },
            _ => Illegal(word),
        },

        // The spec reserves rd, rs1 (and fence.i's imm) for future use and asks
        // base implementations to ignore them; both are no-ops here.
        (opcode::MISC_MEM, 0b000, _) => Fence {
            pred: ((word >> 24) & 0xf) as u8,
            succ: ((word >> 20) & 0xf) as u8,
        },
        (opcode::MISC_MEM, 0b001, _) => FenceI,

        (opcode::SYSTEM, _, _) if word == ECALL_WORD => Ecall,
        (opcode::SYSTEM, _, _) if word == EBREAK_WORD => Ebreak,

        _ => Illegal(word),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediates_sign_extend_at_their_extremes() {
        // addi x0, x0, -2048 and 2047
        assert_eq!(imm_i(0x8000_0013), -2048);
        assert_eq!(imm_i(0x7ff0_0013), 2047);
        // sw x0, -2048(x0) and 2047(x0)
        assert_eq!(imm_s(0x8000_0023), -2048);
        assert_eq!(imm_s(0x7e00_0fa3), 2047);
        // beq x0, x0, -4096 and +4094
        assert_eq!(imm_b(0x8000_0063), -4096);
        assert_eq!(imm_b(0x7e00_0fe3), 4094);
        // jal x0, -1 MiB and +1 MiB - 2
        assert_eq!(imm_j(0x8000_006f), -(1 << 20));
        assert_eq!(imm_j(0x7fff_f06f), (1 << 20) - 2);
    }
}
