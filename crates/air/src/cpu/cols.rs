//! The CPU row.

use crate::columns;
use crate::gadget::{AccessCols, AdderCols, MulCols};
use crate::ops::OP_COUNT;

/// One row of the CPU table: one executed instruction.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuCols<T> {
    /// 1 from the first row to the HALT.
    pub is_real: T,
    /// Row number from 1.
    pub clk: T,
    /// This instruction's address.
    pub pc: T,
    /// The next instruction's address.
    pub next_pc: T,
    /// Cycles before this instruction (ECALLs may cost more than one).
    pub cycle: T,
    /// An ECALL's cycles besides its own one (from the I/O table).
    pub extra: T,
    /// One flag per [`Op`](crate::ops::Op) (by its `index`).
    pub flags: [T; OP_COUNT],
    /// This ECALL ends the run (HALT or PANIC).
    pub ends: T,
    /// The instruction, as the program table holds it.
    pub insn: InsnCols<T>,
    /// `rs1`'s value.
    pub a: [T; 4],
    /// `rs2`'s value.
    pub b: [T; 4],
    /// The second operand: `b` or `imm`.
    pub opb: [T; 4],
    /// The value written to `rd`.
    pub c: [T; 4],
    /// `rd`'s value before.
    pub rd_prev: [T; 4],
    /// The adder: ADD, SUB, comparisons, addresses, division's bound.
    pub adder: AdderCols<T>,
    /// `a[3] ^ 0x80` (signed comparisons).
    pub sa3: T,
    /// `opb[3] ^ 0x80` (signed comparisons).
    pub sb3: T,
    /// Inverse of the adder's `x0 + x1 + x2 + x3` when non-zero (BEQ/BNE),
    /// or of `y0 + y1 + y2 + y3` (division's bound).
    pub eq_inv: T,
    /// Whether a branch is taken.
    pub taken: T,
    /// Address: `z0 = 4 k + lane` (loads, stores) or `4 k + bit0` (JALR).
    pub k: T,
    /// JALR's discarded low bit.
    pub bit0: T,
    /// A byte checked with `k`: `0xBF - z3` (loads, stores: below the
    /// system region) or `4 z3` (JALR: target below 2^30).
    pub limit: T,
    /// Inverse of `z2 + 256 z3` (loads, stores: above the guard region).
    pub guard_inv: T,
    /// The memory word before a load or store.
    pub mem_prev: [T; 4],
    /// The memory word after it.
    pub mem_new: [T; 4],
    /// 0 if the word is code.
    pub mem_writable: T,
    /// Which byte of the word a load or store starts at (one-hot).
    pub lane: [T; 4],
    /// LB/LH: the loaded value's top byte, its XOR with 0x80, and its sign.
    pub sx_src: T,
    /// See `sx_src`.
    pub sx_flip: T,
    /// See `sx_src`.
    pub sign: T,
    /// The multiplier: MUL*, shifts (by a power of two), division (`q * b
    /// + r = a`: `u` is the quotient, `r` the remainder).
    pub mul: MulCols<T>,
    /// Shifts: the amount `s` and the rest of the operand's low byte (`opb0 = s + 32 hi3`).
    pub shamt: T,
    /// See `shamt`.
    pub hi3: T,
    /// A right shift by 0.
    pub shift_zero: T,
    /// `a`'s sign bit (signed division), and `a[3] ^ 0x80`.
    pub sa: T,
    /// See `sa`.
    pub a3x: T,
    /// `|r|` and its negation carries.
    pub abs_r: [T; 4],
    /// See `abs_r`.
    pub ncr: [T; 4],
    /// `|b|` and its negation carries.
    pub abs_b: [T; 4],
    /// See `abs_b`.
    pub ncb: [T; 4],
    /// Division by zero, and the inverse of `b`'s byte sum otherwise.
    pub b_zero: T,
    /// See `b_zero`.
    pub b_inv: T,
    /// Signed overflow (`MIN / -1`), and the inverse that rules it out otherwise.
    pub overflow: T,
    /// See `overflow`.
    pub ovf_inv: T,
    /// Accesses, by [`slot`](super::slot): rs1, rs2, memory, rd.
    pub access: [AccessCols<T>; 4],
}

columns!(CpuCols, CPU_WIDTH, CPU_COLS);

/// The instruction's fields, as the program table sends them (see
/// [`crate::ops::ProgramRow`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsnCols<T> {
    /// Destination register.
    pub rd: T,
    /// First source register.
    pub rs1: T,
    /// Second source register.
    pub rs2: T,
    /// The immediate's bytes.
    pub imm: [T; 4],
    /// A static result's bytes.
    pub value: [T; 4],
    /// A static next pc.
    pub target: T,
    /// Whether `rd` is written.
    pub writes_rd: T,
}
