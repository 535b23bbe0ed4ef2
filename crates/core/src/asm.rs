//! A tiny RV32IM assembler: one function per instruction, returning the
//! encoded word. Tests build instruction streams with it and need no cross
//! toolchain; the decoder is checked against it in both directions.
//!
//! Registers are plain numbers (`x0`..`x31`); immediates are the values the
//! spec's assembly syntax takes (byte offsets for branches and jumps).

/// Encodes an R-type instruction.
pub fn r_type(opcode: u32, funct3: u32, funct7: u32, rd: u8, rs1: u8, rs2: u8) -> u32 {
    funct7 << 25
        | u32::from(rs2 & 31) << 20
        | u32::from(rs1 & 31) << 15
        | funct3 << 12
        | u32::from(rd & 31) << 7
        | opcode
}

/// Encodes an I-type instruction (the low 12 bits of `imm`).
pub fn i_type(opcode: u32, funct3: u32, rd: u8, rs1: u8, imm: i32) -> u32 {
    (imm as u32 & 0xfff) << 20
        | u32::from(rs1 & 31) << 15
        | funct3 << 12
        | u32::from(rd & 31) << 7
        | opcode
}

/// Encodes an S-type instruction.
pub fn s_type(opcode: u32, funct3: u32, rs1: u8, rs2: u8, imm: i32) -> u32 {
    let imm = imm as u32;
    (imm >> 5 & 0x7f) << 25
        | u32::from(rs2 & 31) << 20
        | u32::from(rs1 & 31) << 15
        | funct3 << 12
        | (imm & 0x1f) << 7
        | opcode
}

/// Encodes a B-type instruction (a 13-bit signed even offset).
pub fn b_type(opcode: u32, funct3: u32, rs1: u8, rs2: u8, offset: i32) -> u32 {
    let imm = offset as u32;
    (imm >> 12 & 1) << 31
        | (imm >> 5 & 0x3f) << 25
        | u32::from(rs2 & 31) << 20
        | u32::from(rs1 & 31) << 15
        | funct3 << 12
        | (imm >> 1 & 0xf) << 8
        | (imm >> 11 & 1) << 7
        | opcode
}

/// Encodes a U-type instruction (`imm` is the 20-bit upper value).
pub fn u_type(opcode: u32, rd: u8, imm20: u32) -> u32 {
    (imm20 & 0xf_ffff) << 12 | u32::from(rd & 31) << 7 | opcode
}

/// Encodes a J-type instruction (a 21-bit signed even offset).
pub fn j_type(opcode: u32, rd: u8, offset: i32) -> u32 {
    let imm = offset as u32;
    (imm >> 20 & 1) << 31
        | (imm >> 1 & 0x3ff) << 21
        | (imm >> 11 & 1) << 20
        | (imm >> 12 & 0xff) << 12
        | u32::from(rd & 31) << 7
        | opcode
}

macro_rules! r_ops {
    ($($name:ident = $f3:expr, $f7:expr;)*) => {$(
        #[doc = concat!("`", stringify!($name), " rd, rs1, rs2`")]
        pub fn $name(rd: u8, rs1: u8, rs2: u8) -> u32 {
            r_type(0b011_0011, $f3, $f7, rd, rs1, rs2)
        }
    )*};
}

r_ops! {
    add = 0, 0; sub = 0, 0x20; sll = 1, 0; slt = 2, 0; sltu = 3, 0; xor = 4, 0;
    srl = 5, 0; sra = 5, 0x20; or = 6, 0; and = 7, 0;
    mul = 0, 1; mulh = 1, 1; mulhsu = 2, 1; mulhu = 3, 1;
    div = 4, 1; divu = 5, 1; rem = 6, 1; remu = 7, 1;
}

macro_rules! i_ops {
    ($($name:ident = $op:expr, $f3:expr;)*) => {$(
        #[doc = concat!("`", stringify!($name), " rd, rs1, imm`")]
        pub fn $name(rd: u8, rs1: u8, imm: i32) -> u32 {
            i_type($op, $f3, rd, rs1, imm)
        }
    )*};
}

i_ops! {
    addi = 0b001_0011, 0; slti = 0b001_0011, 2; sltiu = 0b001_0011, 3;
    xori = 0b001_0011, 4; ori = 0b001_0011, 6; andi = 0b001_0011, 7;
    lb = 0b000_0011, 0; lh = 0b000_0011, 1; lw = 0b000_0011, 2;
    lbu = 0b000_0011, 4; lhu = 0b000_0011, 5;
    jalr = 0b110_0111, 0;
}

/// `slli rd, rs1, shamt`
pub fn slli(rd: u8, rs1: u8, shamt: u8) -> u32 {
    i_type(0b001_0011, 1, rd, rs1, i32::from(shamt & 31))
}

/// `srli rd, rs1, shamt`
pub fn srli(rd: u8, rs1: u8, shamt: u8) -> u32 {
    i_type(0b001_0011, 5, rd, rs1, i32::from(shamt & 31))
}

/// `srai rd, rs1, shamt`
pub fn srai(rd: u8, rs1: u8, shamt: u8) -> u32 {
    i_type(0b001_0011, 5, rd, rs1, 0x400 | i32::from(shamt & 31))
}

macro_rules! s_ops {
    ($($name:ident = $f3:expr;)*) => {$(
        #[doc = concat!("`", stringify!($name), " rs2, offset(rs1)`")]
        pub fn $name(rs2: u8, offset: i32, rs1: u8) -> u32 {
            s_type(0b010_0011, $f3, rs1, rs2, offset)
        }
    )*};
}

s_ops! { sb = 0; sh = 1; sw = 2; }

macro_rules! b_ops {
    ($($name:ident = $f3:expr;)*) => {$(
        #[doc = concat!("`", stringify!($name), " rs1, rs2, offset`")]
        pub fn $name(rs1: u8, rs2: u8, offset: i32) -> u32 {
            b_type(0b110_0011, $f3, rs1, rs2, offset)
        }
    )*};
}

b_ops! { beq = 0; bne = 1; blt = 4; bge = 5; bltu = 6; bgeu = 7; }

/// `lui rd, imm20` (loads `imm20 << 12`)
pub fn lui(rd: u8, imm20: u32) -> u32 {
    u_type(0b011_0111, rd, imm20)
}

/// `auipc rd, imm20` (adds `imm20 << 12` to pc)
pub fn auipc(rd: u8, imm20: u32) -> u32 {
    u_type(0b001_0111, rd, imm20)
}

/// `jal rd, offset`
pub fn jal(rd: u8, offset: i32) -> u32 {
    j_type(0b110_1111, rd, offset)
}

/// `fence` (iorw, iorw)
pub fn fence() -> u32 {
    0x0ff0_000f
}

/// `fence.i`
pub fn fence_i() -> u32 {
    0x0000_100f
}

/// `ecall`
pub fn ecall() -> u32 {
    0x0000_0073
}

/// An ECALL with its arguments: `li a0, args[0]; li a1, args[1]; li a2,
/// args[2]; addi t0, zero, number; ecall` (each `li` a LUI and an ADDI:
/// eight words).
pub fn ecall_with(number: u32, args: [u32; 3]) -> Vec<u32> {
    let mut w = Vec::with_capacity(8);
    for (reg, v) in [10u8, 11, 12].into_iter().zip(args) {
        w.extend(li(reg, v));
    }
    w.extend([addi(5, 0, number as i32), ecall()]);
    w
}

/// `ebreak`
pub fn ebreak() -> u32 {
    0x0010_0073
}

/// Loads any 32-bit constant into `rd` with `lui` + `addi` (two words).
pub fn li(rd: u8, value: u32) -> [u32; 2] {
    let lo = ((value & 0xfff) as i32) << 20 >> 20;
    let hi = value.wrapping_sub(lo as u32) >> 12;
    [lui(rd, hi), addi(rd, rd, lo)]
}
