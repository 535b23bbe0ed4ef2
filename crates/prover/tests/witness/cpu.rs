//! The instruction chips as the tamper cases see them: a row is an [`At`]
//! (its table and row), and [`CpuMap`] names every column the old single
//! CPU table had, mapped to the chip's own column (`NONE` where the chip
//! has no such column, so a case that writes one panics).

use ember_air::Table;
use ember_air::chips::adapter::{ADAPTER_COLS, RD, RS1, RS2};
use ember_air::chips::alu::ALU_COLS;
use ember_air::chips::branch::BRANCH_COLS;
use ember_air::chips::div::DIV_COLS;
use ember_air::chips::ecall::ECALL_COLS;
use ember_air::chips::jump::JUMP_COLS;
use ember_air::chips::mem::MEM_COLS;
use ember_air::chips::mul::MUL_COLS;
use ember_air::chips::{alu, branch, div, ecall, jump, mem, mul, slot};
use ember_air::cols::{Row, borrow_row};
use ember_air::gadget::{AccessCols, AdderCols, MulCols};
use ember_air::ops::{OP_COUNT, Op};

/// No such column in this chip.
pub const NONE: usize = usize::MAX;

/// A row of an instruction chip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// The chip's table index.
    pub table: usize,
    /// The row.
    pub row: usize,
}

/// A layout with every column [`NONE`].
fn none<C: Row<usize> + Copy>() -> C {
    *borrow_row::<usize, C>(&vec![NONE; C::WIDTH])
}

/// The instruction's fields in a chip row (the static ones where the chip
/// has them).
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct InsnMap {
    pub rd: usize,
    pub rs1: usize,
    pub rs2: usize,
    pub imm: [usize; 4],
    pub value: [usize; 4],
    pub target: usize,
    pub writes_rd: usize,
}

/// The columns of a chip row, by the CPU table's old names.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct CpuMap {
    pub is_real: usize,
    pub pc: usize,
    pub clk: usize,
    pub cycle: usize,
    pub insn: InsnMap,
    pub a: [usize; 4],
    pub b: [usize; 4],
    pub c: [usize; 4],
    pub rd_prev: [usize; 4],
    /// By [`slot`].
    pub access: [AccessCols<usize>; 4],
    /// By [`Op::index`].
    pub flags: [usize; OP_COUNT],
    pub next_pc: usize,
    pub opb: [usize; 4],
    pub adder: AdderCols<usize>,
    pub sa3: usize,
    pub sb3: usize,
    pub eq_inv: usize,
    pub taken: usize,
    pub k: usize,
    pub bit0: usize,
    pub limit: usize,
    pub guard_inv: usize,
    pub mem_prev: [usize; 4],
    pub mem_new: [usize; 4],
    pub mem_writable: usize,
    pub lane: [usize; 4],
    pub sx_src: usize,
    pub sx_flip: usize,
    pub sign: usize,
    pub mul: MulCols<usize>,
    pub shamt: usize,
    pub hi3: usize,
    pub shift_zero: usize,
    pub sa: usize,
    pub a3x: usize,
    pub abs_r: [usize; 4],
    pub ncr: [usize; 4],
    pub abs_b: [usize; 4],
    pub ncb: [usize; 4],
    pub b_zero: usize,
    pub b_inv: usize,
    pub overflow: usize,
    pub ovf_inv: usize,
    pub extra: usize,
    pub ends: usize,
}

impl CpuMap {
    /// The map of `table`'s rows.
    pub fn of(table: Table) -> CpuMap {
        let ad = ADAPTER_COLS;
        let mut access: [AccessCols<usize>; 4] = [none(); 4];
        access[slot::RS1] = ad.access[RS1];
        access[slot::RS2] = ad.access[RS2];
        access[slot::RD] = ad.access[RD];
        let mut m = CpuMap {
            is_real: ad.is_real,
            pc: ad.pc,
            clk: ad.clk,
            cycle: ad.cycle,
            insn: InsnMap {
                rd: ad.insn.rd,
                rs1: ad.insn.rs1,
                rs2: ad.insn.rs2,
                imm: [NONE; 4],
                value: [NONE; 4],
                target: NONE,
                writes_rd: ad.insn.writes_rd,
            },
            a: ad.a,
            b: ad.b,
            c: ad.c,
            rd_prev: ad.rd_prev,
            access,
            flags: [NONE; OP_COUNT],
            next_pc: NONE,
            opb: [NONE; 4],
            adder: none(),
            sa3: NONE,
            sb3: NONE,
            eq_inv: NONE,
            taken: NONE,
            k: NONE,
            bit0: NONE,
            limit: NONE,
            guard_inv: NONE,
            mem_prev: [NONE; 4],
            mem_new: [NONE; 4],
            mem_writable: NONE,
            lane: [NONE; 4],
            sx_src: NONE,
            sx_flip: NONE,
            sign: NONE,
            mul: none(),
            shamt: NONE,
            hi3: NONE,
            shift_zero: NONE,
            sa: NONE,
            a3x: NONE,
            abs_r: [NONE; 4],
            ncr: [NONE; 4],
            abs_b: [NONE; 4],
            ncb: [NONE; 4],
            b_zero: NONE,
            b_inv: NONE,
            overflow: NONE,
            ovf_inv: NONE,
            extra: NONE,
            ends: NONE,
        };
        let mut flags = |ops: &[Op], cols: &[usize]| {
            for (op, &col) in ops.iter().zip(cols) {
                m.flags[op.index()] = col;
            }
        };
        match table {
            Table::Alu => {
                let c = ALU_COLS;
                assert_eq!(c.adapter, ad);
                flags(alu::OPS, &c.flags);
                m.insn.imm = c.imm;
                m.opb = c.opb;
                m.adder = c.adder;
                m.sa3 = c.sa3;
                m.sb3 = c.sb3;
            }
            Table::Branch => {
                let c = BRANCH_COLS;
                assert_eq!(c.adapter, ad);
                flags(branch::OPS, &c.flags);
                m.insn.target = c.target;
                m.next_pc = c.next_pc;
                m.adder = c.adder;
                m.sa3 = c.sa3;
                m.sb3 = c.sb3;
                m.eq_inv = c.eq_inv;
                m.taken = c.taken;
            }
            Table::Jump => {
                let c = JUMP_COLS;
                assert_eq!(c.adapter, ad);
                flags(jump::OPS, &c.flags);
                m.insn.imm = c.imm;
                m.insn.value = c.value;
                m.insn.target = c.target;
                m.next_pc = c.next_pc;
                m.adder = c.adder;
                m.k = c.k;
                m.bit0 = c.bit0;
                m.limit = c.limit;
            }
            Table::Mem => {
                let c = MEM_COLS;
                assert_eq!(c.adapter, ad);
                flags(mem::OPS, &c.flags);
                m.insn.imm = c.imm;
                m.adder = c.adder;
                m.k = c.k;
                m.limit = c.limit;
                m.guard_inv = c.guard_inv;
                m.lane = c.lane;
                m.mem_prev = c.mem_prev;
                m.mem_new = c.mem_new;
                m.mem_writable = c.mem_writable;
                m.sx_src = c.sx_src;
                m.sx_flip = c.sx_flip;
                m.sign = c.sign;
                m.access[slot::MEM] = c.access;
            }
            Table::Mul => {
                let c = MUL_COLS;
                assert_eq!(c.adapter, ad);
                flags(mul::OPS, &c.flags);
                m.insn.imm[0] = c.imm0;
                m.opb[0] = c.opb0;
                m.mul = c.mul;
                m.shamt = c.shamt;
                m.hi3 = c.hi3;
                m.shift_zero = c.shift_zero;
            }
            Table::Div => {
                let c = DIV_COLS;
                assert_eq!(c.adapter, ad);
                flags(div::OPS, &c.flags);
                m.mul = c.mul;
                m.adder = c.adder;
                m.sa = c.sa;
                m.a3x = c.a3x;
                m.abs_r = c.abs_r;
                m.ncr = c.ncr;
                m.abs_b = c.abs_b;
                m.ncb = c.ncb;
                m.b_zero = c.b_zero;
                m.b_inv = c.b_inv;
                m.overflow = c.overflow;
                m.ovf_inv = c.ovf_inv;
                m.eq_inv = c.d_inv;
            }
            Table::Ecall => {
                let c = ECALL_COLS;
                assert_eq!(c.adapter, ad);
                flags(ecall::OPS, &c.flags);
                m.extra = c.extra;
                m.ends = c.ends;
                m.mem_prev = c.a1;
                m.mem_new = c.a1_out;
                m.access[slot::MEM] = c.access;
            }
            other => panic!("{other:?} is not an instruction chip"),
        }
        m
    }
}
