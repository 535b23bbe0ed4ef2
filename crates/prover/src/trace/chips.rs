//! Chip rows: one per executed instruction, from the executor's [`Step`],
//! in the table of the instruction's family.

use ember_air::bytes::tag;
use ember_air::chips::alu::AluCols;
use ember_air::chips::branch::BranchCols;
use ember_air::chips::div::DivCols;
use ember_air::chips::jump::JumpCols;
use ember_air::chips::mem::{LAST_TOP_BYTE, MemCols};
use ember_air::chips::mul::MulChipCols;
use ember_air::chips::{Chip, alu, branch, chip_of, div, jump, mem, mul, slot};
use ember_air::cols::zeroed;
use ember_air::gadget::{compare, inverse_or_zero, sign};
use ember_air::ops::{Op, program_row};
use ember_air::{Table, Val, pow2};
use ember_core::{Step, alu as core_alu};
use p3_field::PrimeCharacteristicRing;

use super::{Tracer, bytes_of, f};
use crate::ProveError;

/// The sum of `w`'s bytes (an is-zero check's value).
fn byte_sum(w: u32) -> u32 {
    w.to_le_bytes().iter().map(|&b| u32::from(b)).sum()
}

/// The flag of `op` among a chip's `ops`.
fn flag<const N: usize>(flags: &mut [Val; N], ops: &[Op], op: Op) {
    let i = ops
        .iter()
        .position(|&o| o == op)
        .expect("the chip's operation");
    flags[i] = Val::ONE;
}

impl Tracer {
    pub(super) fn cpu_row(&mut self, s: &Step) -> Result<(), ProveError> {
        let unsupported = ProveError::Unsupported {
            pc: s.pc,
            insn: s.insn,
            cycle: s.cycle,
        };
        let r = program_row(s.pc, s.insn).map_err(|_| unsupported)?;
        let (a, b) = (s.rs1_value, s.rs2_value);
        let mut ad = self
            .begin(s.pc, s.cycle, &r, (a, b))
            .expect("every supported instruction has a program row");
        let op = r.op;
        let opb = if op.uses_imm() { r.imm } else { b };
        let result = s.result;
        let lookups = &mut self.lookups;
        match chip_of(op) {
            Chip::Alu => {
                let mut row: AluCols<Val> = zeroed();
                flag(&mut row.flags, alu::OPS, op);
                row.imm = bytes_of(r.imm);
                row.opb = bytes_of(opb);
                match op {
                    Op::Add | Op::Addi => {
                        row.adder.populate(a, opb, lookups);
                    }
                    Op::Sub => {
                        row.adder.populate(result, b, lookups);
                    }
                    Op::Slt | Op::Slti | Op::Sltu | Op::Sltiu => {
                        let signed = matches!(op, Op::Slt | Op::Slti);
                        compare::populate(
                            &mut row.adder,
                            [&mut row.sa3, &mut row.sb3],
                            a,
                            opb,
                            signed,
                            lookups,
                        );
                    }
                    _ => {
                        let t = match op {
                            Op::And | Op::Andi => tag::AND,
                            Op::Or | Op::Ori => tag::OR,
                            _ => tag::XOR,
                        };
                        for (x, y) in a.to_le_bytes().into_iter().zip(opb.to_le_bytes()) {
                            lookups.byte(t, u32::from(x), u32::from(y));
                        }
                    }
                }
                self.write_rd(&mut ad, &r, result);
                row.adapter = ad;
                self.push(Table::Alu, &row);
            }
            Chip::Branch => {
                let mut row: BranchCols<Val> = zeroed();
                flag(&mut row.flags, branch::OPS, op);
                row.target = f(r.target);
                row.next_pc = f(s.next_pc);
                let signed = matches!(op, Op::Blt | Op::Bge);
                let (d, below) = compare::populate(
                    &mut row.adder,
                    [&mut row.sa3, &mut row.sb3],
                    a,
                    b,
                    signed,
                    lookups,
                );
                row.eq_inv = inverse_or_zero(f(byte_sum(d)));
                let taken = match op {
                    Op::Beq => d == 0,
                    Op::Bne => d != 0,
                    Op::Blt | Op::Bltu => below,
                    _ => !below,
                };
                row.taken = Val::from_bool(taken);
                self.write_rd(&mut ad, &r, result);
                row.adapter = ad;
                self.push(Table::Branch, &row);
            }
            Chip::Jump => {
                let mut row: JumpCols<Val> = zeroed();
                flag(&mut row.flags, jump::OPS, op);
                row.imm = bytes_of(r.imm);
                row.value = bytes_of(r.value);
                row.target = f(r.target);
                row.next_pc = f(s.next_pc);
                if op == Op::Jalr {
                    let (z, _) = row.adder.populate(a, r.imm, lookups);
                    let k = (z & 0xff) >> 2;
                    row.k = f(k);
                    row.bit0 = f(z & 1);
                    row.limit = f(4 * (z >> 24));
                    lookups.range(k, 4 * (z >> 24));
                }
                self.write_rd(&mut ad, &r, result);
                row.adapter = ad;
                self.push(Table::Jump, &row);
            }
            Chip::Mem => {
                let mut row: MemCols<Val> = zeroed();
                flag(&mut row.flags, mem::OPS, op);
                row.imm = bytes_of(r.imm);
                self.load_store(&mut row, s, op, a, r.imm);
                self.write_rd(&mut ad, &r, result);
                row.adapter = ad;
                self.push(Table::Mem, &row);
            }
            Chip::Mul => {
                let mut row: MulChipCols<Val> = zeroed();
                flag(&mut row.flags, mul::OPS, op);
                row.imm0 = f(r.imm & 0xff);
                row.opb0 = f(opb & 0xff);
                match op {
                    Op::Mul | Op::Mulh | Op::Mulhsu | Op::Mulhu => {
                        let signed_u = matches!(op, Op::Mulh | Op::Mulhsu);
                        row.mul
                            .populate(a, b, 0, signed_u, op == Op::Mulh, false, lookups);
                    }
                    _ => {
                        let amount = opb & 31;
                        let hi3 = (opb & 0xff) >> 5;
                        row.shamt = f(amount);
                        row.hi3 = f(hi3);
                        lookups.range(amount, 8 * amount);
                        lookups.range(hi3, 32 * hi3);
                        let left = matches!(op, Op::Sll | Op::Slli);
                        let key = if left { amount } else { 32 + amount };
                        let (p, zero) = pow2::entry(key);
                        lookups.pow2(key);
                        row.shift_zero = Val::from_bool(zero);
                        let arithmetic = matches!(op, Op::Sra | Op::Srai);
                        row.mul.populate(a, p, 0, arithmetic, false, false, lookups);
                    }
                }
                self.write_rd(&mut ad, &r, result);
                row.adapter = ad;
                self.push(Table::Mul, &row);
            }
            Chip::Div => {
                let mut row: DivCols<Val> = zeroed();
                flag(&mut row.flags, div::OPS, op);
                self.divide(&mut row, op, a, b);
                self.write_rd(&mut ad, &r, result);
                row.adapter = ad;
                self.push(Table::Div, &row);
            }
            Chip::Ecall => unreachable!("ECALLs come through `ecall_row`"),
        }
        Ok(())
    }

    /// A load or store: the address in the adder, its lane and bounds, the
    /// word before and after (the executor's), the access.
    fn load_store(&mut self, row: &mut MemCols<Val>, s: &Step, op: Op, a: u32, imm: u32) {
        let m = s.mem.expect("a load or store reports its access");
        let (z, _) = row.adder.populate(a, imm, &mut self.lookups);
        let (hi, lane) = (z >> 24, z & 3);
        let k = (z & 0xff) >> 2;
        row.k = f(k);
        row.lane[lane as usize] = Val::ONE;
        row.limit = f(LAST_TOP_BYTE - hi);
        row.guard_inv = inverse_or_zero(f(z >> 16));
        self.lookups.range(k, LAST_TOP_BYTE - hi);
        let new = m.store.then_some(m.word_after);
        let clk = self.clk;
        let cell = self.access_at(&mut row.access, clk, slot::MEM, z >> 2, new);
        row.mem_prev = bytes_of(m.word_before);
        row.mem_new = bytes_of(m.word_after);
        row.mem_writable = Val::from_bool(cell.writable);
        // LB, LH: the sign of the loaded value's top byte.
        let top = match op {
            Op::Lb => Some(m.word_before >> (8 * lane)),
            Op::Lh => Some(m.word_before >> (8 * lane + 8)),
            _ => None,
        };
        if let Some(top) = top {
            let top = top & 0xff;
            row.sx_src = f(top);
            let negative = sign::populate(&mut row.sx_flip, top, &mut self.lookups);
            row.sign = Val::from_bool(negative);
        }
    }

    /// Division: `q * b + r = a` in the multiplier, `|r| + d = |b|` in the
    /// adder, and the flags for division by zero and overflow. The quotient
    /// and remainder both come from the executor's arithmetic (`alu`): the
    /// step reports only the one written.
    fn divide(&mut self, row: &mut DivCols<Val>, op: Op, a: u32, b: u32) {
        let lookups = &mut self.lookups;
        let signed = matches!(op, Op::Div | Op::Rem);
        let (q, rem) = if signed {
            (core_alu::div(a, b), core_alu::rem(a, b))
        } else {
            (core_alu::divu(a, b), core_alu::remu(a, b))
        };
        if signed {
            let negative = sign::populate(&mut row.a3x, a >> 24, lookups);
            row.sa = Val::from_bool(negative);
        }
        row.mul.populate(q, b, rem, signed, signed, signed, lookups);
        lookups.range_word(q);
        lookups.range_word(rem);
        if b == 0 {
            row.b_zero = Val::ONE;
        } else {
            row.b_inv = inverse_or_zero(f(byte_sum(b)));
        }
        if signed {
            if a == 0x8000_0000 && b == u32::MAX {
                row.overflow = Val::ONE;
            } else {
                let ovf_sum = byte_sum(a & 0x00ff_ffff)
                    + ((a >> 24) ^ 0x80)
                    + b.to_le_bytes()
                        .iter()
                        .map(|&x| 255 - u32::from(x))
                        .sum::<u32>();
                row.ovf_inv = inverse_or_zero(f(ovf_sum));
            }
        }
        // |r| < |b| through the adder: |r| + d = |b|.
        let abs = |v: u32, negative: bool, out: &mut [Val; 4], carries: &mut [Val; 4]| {
            let flipped = if negative { !v } else { v };
            let mut carry = u32::from(negative);
            for i in 0..4 {
                let sum = ((flipped >> (8 * i)) & 0xff) + carry;
                carry = sum >> 8;
                carries[i] = f(carry);
                out[i] = f(sum & 0xff);
            }
            if negative { v.wrapping_neg() } else { v }
        };
        let abs_r = abs(rem, signed && rem >> 31 != 0, &mut row.abs_r, &mut row.ncr);
        let abs_b = abs(b, signed && b >> 31 != 0, &mut row.abs_b, &mut row.ncb);
        let d = abs_b.wrapping_sub(abs_r);
        row.adder.populate(abs_r, d, lookups);
        lookups.range_word(d);
        row.d_inv = inverse_or_zero(f(byte_sum(d)));
    }
}
