//! CPU rows: one per executed instruction, from the executor's [`Step`].

use ember_air::bytes::tag;
use ember_air::cpu::{CpuCols, LAST_TOP_BYTE, slot};
use ember_air::gadget::{inverse_or_zero, sign};
use ember_air::ops::{Op, program_row};
use ember_air::{Val, pow2};
use ember_core::{Step, alu};
use p3_field::PrimeCharacteristicRing;

use super::{MEM, Tracer, bytes_of, f};
use crate::ProveError;

/// The sum of `w`'s bytes (an is-zero check's value).
fn byte_sum(w: u32) -> u32 {
    w.to_le_bytes().iter().map(|&b| u32::from(b)).sum()
}

impl Tracer {
    pub(super) fn cpu_row(&mut self, s: &Step) -> Result<(), ProveError> {
        let unsupported = ProveError::Unsupported {
            pc: s.pc,
            insn: s.insn,
            cycle: s.cycle,
        };
        let r = program_row(s.pc, s.insn).map_err(|_| unsupported)?;
        let mut row = self
            .begin(s.pc, s.next_pc, s.cycle, &r)
            .expect("every supported instruction has a program row");
        let clk = self.cpu_rows() + 1;
        let op = r.op;

        // Operands, read in slot order.
        let (a, b) = (s.rs1_value, s.rs2_value);
        if op.reads_rs1() {
            self.cpu_access(&mut row, clk, slot::RS1, u32::from(r.rs1), None);
        }
        if op.reads_rs2() {
            self.cpu_access(&mut row, clk, slot::RS2, u32::from(r.rs2), None);
        }
        row.a = bytes_of(a);
        row.b = bytes_of(b);
        let opb = if op.uses_imm() { r.imm } else { b };
        row.opb = bytes_of(opb);

        // What the AIR needs beyond the result.
        let result = s.result;
        match op {
            Op::Add | Op::Addi => {
                row.adder.populate(a, opb, &mut self.lookups);
            }
            Op::Sub => {
                row.adder.populate(result, b, &mut self.lookups);
            }
            Op::Slt
            | Op::Slti
            | Op::Sltu
            | Op::Sltiu
            | Op::Beq
            | Op::Bne
            | Op::Blt
            | Op::Bge
            | Op::Bltu
            | Op::Bgeu => self.compare(&mut row, op, a, opb),
            Op::And | Op::Andi | Op::Or | Op::Ori | Op::Xor | Op::Xori => {
                let t = match op {
                    Op::And | Op::Andi => tag::AND,
                    Op::Or | Op::Ori => tag::OR,
                    _ => tag::XOR,
                };
                for (x, y) in a.to_le_bytes().into_iter().zip(opb.to_le_bytes()) {
                    self.lookups.byte(t, u32::from(x), u32::from(y));
                }
            }
            Op::Lui | Op::Jal | Op::Fence | Op::Ecall => {}
            Op::Jalr => {
                let (z, _) = row.adder.populate(a, r.imm, &mut self.lookups);
                let k = (z & 0xff) >> 2;
                row.k = f(k);
                row.bit0 = f(z & 1);
                row.limit = f(4 * (z >> 24));
                self.lookups.range(k, 4 * (z >> 24));
            }
            Op::Lw | Op::Sw | Op::Lb | Op::Lbu | Op::Lh | Op::Lhu | Op::Sb | Op::Sh => {
                self.load_store(&mut row, clk, s, op, a, r.imm)
            }
            Op::Mul | Op::Mulh | Op::Mulhsu | Op::Mulhu => {
                let (signed_u, signed_v) = (matches!(op, Op::Mulh | Op::Mulhsu), op == Op::Mulh);
                row.mul
                    .populate(a, b, 0, signed_u, signed_v, false, &mut self.lookups);
            }
            Op::Div | Op::Divu | Op::Rem | Op::Remu => self.divide(&mut row, op, a, b),
            Op::Sll | Op::Slli | Op::Srl | Op::Srli | Op::Sra | Op::Srai => {
                let amount = opb & 31;
                let hi3 = (opb & 0xff) >> 5;
                row.shamt = f(amount);
                row.hi3 = f(hi3);
                self.lookups.range(amount, 8 * amount);
                self.lookups.range(hi3, 32 * hi3);
                let left = matches!(op, Op::Sll | Op::Slli);
                let key = if left { amount } else { 32 + amount };
                let (p, zero) = pow2::entry(key);
                self.lookups.pow2(key);
                row.shift_zero = Val::from_bool(zero);
                let arithmetic = matches!(op, Op::Sra | Op::Srai);
                row.mul
                    .populate(a, p, 0, arithmetic, false, false, &mut self.lookups);
            }
        }
        if r.writes_rd {
            let prev = self.cpu_access(&mut row, clk, slot::RD, u32::from(r.rd), Some(result));
            row.rd_prev = bytes_of(prev.value);
        }
        row.c = bytes_of(result);
        self.push_cpu(&row);
        Ok(())
    }

    /// SLT and the branches: `d + opb' = a'` in the adder, primes with the
    /// sign bits flipped when signed, so the carry out is `a < opb`.
    fn compare(&mut self, row: &mut CpuCols<Val>, op: Op, a: u32, opb: u32) {
        let signed = matches!(op, Op::Slt | Op::Slti | Op::Blt | Op::Bge);
        let flip = if signed { 0x8000_0000 } else { 0 };
        let (a2, b2) = (a ^ flip, opb ^ flip);
        if signed {
            sign::populate(&mut row.sa3, a >> 24, &mut self.lookups);
            sign::populate(&mut row.sb3, opb >> 24, &mut self.lookups);
        }
        let d = a2.wrapping_sub(b2);
        let (_, below) = row.adder.populate(d, b2, &mut self.lookups);
        row.eq_inv = inverse_or_zero(f(byte_sum(d)));
        let taken = match op {
            Op::Beq => d == 0,
            Op::Bne => d != 0,
            Op::Blt | Op::Bltu => below,
            Op::Bge | Op::Bgeu => !below,
            _ => false,
        };
        row.taken = Val::from_bool(taken);
    }

    /// A load or store: the address in the adder, its lane and bounds, the
    /// word before and after (the executor's), the access.
    fn load_store(&mut self, row: &mut CpuCols<Val>, clk: u32, s: &Step, op: Op, a: u32, imm: u32) {
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
        let cell = self.cpu_access(row, clk, MEM, z >> 2, new);
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
    fn divide(&mut self, row: &mut CpuCols<Val>, op: Op, a: u32, b: u32) {
        let signed = matches!(op, Op::Div | Op::Rem);
        let (q, rem) = if signed {
            (alu::div(a, b), alu::rem(a, b))
        } else {
            (alu::divu(a, b), alu::remu(a, b))
        };
        if signed {
            let negative = sign::populate(&mut row.a3x, a >> 24, &mut self.lookups);
            row.sa = Val::from_bool(negative);
        }
        row.mul
            .populate(q, b, rem, signed, signed, signed, &mut self.lookups);
        self.lookups.range_word(q);
        self.lookups.range_word(rem);
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
        row.adder.populate(abs_r, d, &mut self.lookups);
        self.lookups.range_word(d);
        row.eq_inv = inverse_or_zero(f(byte_sum(d)));
    }
}
