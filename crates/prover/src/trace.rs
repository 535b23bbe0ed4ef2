//! Trace generation: an [`Observer`] that turns each executed instruction
//! into a CPU row, keeping the memory argument's bookkeeping (each
//! address's last value, timestamp and writability) and the byte table's
//! multiplicities as it goes.

use std::collections::{BTreeMap, HashMap};

use ember_abi::{ecall, fd};
use ember_air::bytes::{self, tag};
use ember_air::cpu::{AccessCols, CpuCols, public, slot};
use ember_air::io::{IoCols, kind};
use ember_air::memory::MemoryCols;
use ember_air::ops::{Op, ProgramRow, program_row};
use ember_air::pow2;
use ember_air::{EmberAir, Val, table};
use ember_core::{EcallStep, Observer, Program, Step, alu};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
use p3_matrix::dense::RowMajorMatrix;

use crate::ProveError;

/// Every table's trace and the public values.
pub struct Traces {
    /// One matrix per table, in [`table`] order.
    pub matrices: Vec<RowMajorMatrix<Val>>,
    /// The public values (the CPU and I/O tables share them).
    pub public_values: Vec<Val>,
}

/// What the run read and wrote: the data table's contents.
pub struct Io {
    /// The input.
    pub input: Vec<u8>,
    /// The journal.
    pub journal: Vec<u8>,
}

/// An address's current state in the memory argument.
#[derive(Clone, Copy)]
struct Cell {
    value: u32,
    ts: u32,
    writable: bool,
    in_image: bool,
}

/// The observer that builds the CPU rows.
pub(crate) struct Tracer {
    cols: CpuCols,
    rows: Vec<Vec<Val>>,
    io: IoCols,
    io_rows: Vec<Vec<Val>>,
    input: Vec<u8>,
    journal: Vec<u8>,
    input_counts: Vec<u32>,
    journal_counts: Vec<u32>,
    in_pos: u32,
    program_index: HashMap<u32, usize>,
    program_counts: Vec<u32>,
    memory: BTreeMap<u32, Cell>,
    byte_counts: Vec<[u32; 4]>,
    pow2_counts: Vec<u32>,
    entry: u32,
    /// Status and exit code, and the cycles, once the run ended.
    exit: Option<(u8, u32, u64)>,
    pub(crate) error: Option<ProveError>,
}

fn bytes_of(w: u32) -> [u8; 4] {
    w.to_le_bytes()
}

fn f(v: u32) -> Val {
    Val::from_u32(v)
}

impl Tracer {
    pub(crate) fn new(program: &Program, airs: &[EmberAir], input: &[u8]) -> Tracer {
        let EmberAir::Program(p) = &airs[table::PROGRAM] else {
            unreachable!("table order")
        };
        let EmberAir::Image(image) = &airs[table::IMAGE] else {
            unreachable!("table order")
        };
        let program_index = p
            .rows()
            .iter()
            .enumerate()
            .map(|(i, r)| (r.pc, i))
            .collect();
        let memory = image
            .words()
            .iter()
            .map(|w| {
                let cell = Cell {
                    value: w.value,
                    ts: 0,
                    writable: w.writable,
                    in_image: true,
                };
                (w.addr, cell)
            })
            .collect();
        Tracer {
            cols: CpuCols::new(),
            rows: Vec::new(),
            io: IoCols::new(),
            io_rows: Vec::new(),
            input: input.to_vec(),
            journal: Vec::new(),
            input_counts: vec![0; input.len()],
            journal_counts: Vec::new(),
            in_pos: 0,
            program_index,
            program_counts: vec![0; p.rows().len()],
            memory,
            byte_counts: vec![[0; 4]; 1 << bytes::LOG_HEIGHT],
            pow2_counts: vec![0; pow2::HEIGHT],
            entry: program.entry(),
            exit: None,
            error: None,
        }
    }

    fn fail(&mut self, err: ProveError) {
        self.error.get_or_insert(err);
    }

    /// Counts a byte-table lookup.
    fn lookup(&mut self, t: u32, a: u32, b: u32) {
        let (a, b) = (a as u8, b as u8);
        let column = tag::ALL.iter().position(|&x| x == t).expect("a tag");
        self.byte_counts[bytes::row_of(a, b)][column] += 1;
    }

    /// An access at `addr` in `slot`: returns the previous value, records the
    /// timestamps and the gap, and stores `new` (or keeps the value when
    /// `new` is `None`).
    fn access(
        &mut self,
        row: &mut [Val],
        clk: u32,
        slot: usize,
        addr: u32,
        new: Option<u32>,
    ) -> Cell {
        let cols = self.cols.access[slot];
        self.access_into(row, cols, 4 * clk + slot as u32, addr, new)
    }

    /// An access at timestamp `ts`, into the columns `a` of `row`.
    fn access_into(
        &mut self,
        row: &mut [Val],
        a: AccessCols,
        ts: u32,
        addr: u32,
        new: Option<u32>,
    ) -> Cell {
        let cell = *self.memory.entry(addr).or_insert(Cell {
            value: 0,
            ts: 0,
            writable: true,
            in_image: false,
        });
        let gap = ts - cell.ts - 1;
        row[a.prev_ts] = f(cell.ts);
        let [g0, g1, g2, g3] = bytes_of(gap);
        debug_assert_eq!(g3, 0, "timestamps stay below 2^24");
        for (i, g) in a.gap.into_iter().zip([g0, g1, g2]) {
            row[i] = f(u32::from(g));
        }
        self.lookup(tag::RANGE, u32::from(g0), u32::from(g1));
        self.lookup(tag::RANGE, u32::from(g2), 0);
        let updated = Cell {
            value: new.unwrap_or(cell.value),
            ts,
            ..cell
        };
        self.memory.insert(addr, updated);
        cell
    }

    fn put(&self, row: &mut [Val], cols: [usize; 4], w: u32) {
        for (i, b) in cols.into_iter().zip(bytes_of(w)) {
            row[i] = f(u32::from(b));
        }
    }

    /// Fills the adder `z = x + y` and returns `(z, carry out)`.
    fn adder(&mut self, row: &mut [Val], x: u32, y: u32) -> (u32, bool) {
        let c = &self.cols;
        let (xs, ys) = (bytes_of(x), bytes_of(y));
        let mut carry = 0u32;
        let mut z = [0u8; 4];
        for i in 0..4 {
            let s = u32::from(xs[i]) + u32::from(ys[i]) + carry;
            z[i] = s as u8;
            carry = s >> 8;
            row[c.carry[i]] = f(carry);
        }
        let (x_cols, y_cols, z_cols) = (c.x, c.y, c.z);
        let z = u32::from_le_bytes(z);
        self.put(row, x_cols, x);
        self.put(row, y_cols, y);
        self.put(row, z_cols, z);
        self.lookup(tag::RANGE, u32::from(xs[0]), u32::from(xs[1]));
        self.lookup(tag::RANGE, u32::from(xs[2]), u32::from(xs[3]));
        let zs = bytes_of(z);
        self.lookup(tag::RANGE, u32::from(zs[0]), u32::from(zs[1]));
        self.lookup(tag::RANGE, u32::from(zs[2]), u32::from(zs[3]));
        (z, carry == 1)
    }

    /// Fills the sign-bit check of byte `v` (its XOR with 0x80 is looked up).
    fn sign(&mut self, row: &mut [Val], flipped: usize, sign: Option<usize>, v: u32) -> bool {
        row[flipped] = f(v ^ 0x80);
        self.lookup(tag::XOR, v, 0x80);
        let negative = v & 0x80 != 0;
        if let Some(sign) = sign {
            row[sign] = Val::from_bool(negative);
        }
        negative
    }

    /// Fills the multiplier with `u * v`, each sign-extended when asked;
    /// returns the product's low and high words.
    fn multiply(
        &mut self,
        row: &mut [Val],
        u: u32,
        v: u32,
        signed_u: bool,
        signed_v: bool,
    ) -> (u32, u32) {
        self.multiply_add(row, u, v, signed_u, signed_v, 0, false)
    }

    /// Fills the multiplier with `u * v + r` (division's check), each
    /// sign-extended when asked; returns the low and high words.
    #[allow(clippy::too_many_arguments)]
    fn multiply_add(
        &mut self,
        row: &mut [Val],
        u: u32,
        v: u32,
        signed_u: bool,
        signed_v: bool,
        r: u32,
        signed_r: bool,
    ) -> (u32, u32) {
        let c = self.cols.clone();
        self.put(row, c.mu, u);
        self.put(row, c.mv, v);
        let su = signed_u && self.sign(row, c.mu3x, Some(c.msu), u >> 24);
        let sv = signed_v && self.sign(row, c.mv3x, Some(c.msv), v >> 24);
        let ext = |w: u32, s: bool| -> [u64; 8] {
            let b = w.to_le_bytes();
            let hi = if s { 255 } else { 0 };
            [b[0], b[1], b[2], b[3], hi, hi, hi, hi].map(u64::from)
        };
        let (us, vs) = (ext(u, su), ext(v, sv));
        let sr = signed_r && r >> 31 != 0;
        let rs = ext(r, sr);
        self.put(row, c.mr, r);
        row[c.msr] = Val::from_bool(sr);
        let mut carry = 0u64;
        let mut out = [0u8; 8];
        for j in 0..8 {
            let mut sum = carry + rs[j];
            for i in 0..=j {
                sum += us[i] * vs[j - i];
            }
            out[j] = sum as u8;
            carry = sum >> 8;
            debug_assert!(carry < 1 << 16);
            let [lo, hi] = c.mcarry[j];
            row[lo] = f((carry & 0xff) as u32);
            row[hi] = f((carry >> 8) as u32);
            self.lookup(tag::RANGE, (carry & 0xff) as u32, (carry >> 8) as u32);
        }
        for (i, &b) in c.mout.iter().zip(&out) {
            row[*i] = f(u32::from(b));
        }
        for pair in out.chunks(2) {
            self.lookup(tag::RANGE, u32::from(pair[0]), u32::from(pair[1]));
        }
        let lo = u32::from_le_bytes(out[..4].try_into().expect("4 bytes"));
        let hi = u32::from_le_bytes(out[4..].try_into().expect("4 bytes"));
        (lo, hi)
    }

    /// The common part of a row: program fields, flag, clock, pc.
    fn begin(&mut self, pc: u32, next_pc: u32, cycle: u64, r: &ProgramRow) -> Option<Vec<Val>> {
        let &index = self.program_index.get(&pc)?;
        self.program_counts[index] += 1;
        let c = &self.cols;
        let mut row = vec![Val::ZERO; c.width];
        let clk = self.rows.len() as u32 + 1;
        row[c.is_real] = Val::ONE;
        row[c.cycle] = f(cycle as u32);
        row[c.clk] = f(clk);
        row[c.pc] = f(pc);
        row[c.next_pc] = f(next_pc);
        row[c.flags[r.op.index()]] = Val::ONE;
        row[c.rd] = f(u32::from(r.rd));
        row[c.rs1] = f(u32::from(r.rs1));
        row[c.rs2] = f(u32::from(r.rs2));
        self.put(&mut row, c.imm, r.imm);
        self.put(&mut row, c.value, r.value);
        row[c.target] = f(r.target);
        row[c.writes_rd] = Val::from_bool(r.writes_rd);
        Some(row)
    }

    fn cpu_row(&mut self, s: &Step) -> Result<(), ProveError> {
        let unsupported = ProveError::Unsupported {
            pc: s.pc,
            insn: s.insn,
            cycle: s.cycle,
        };
        let r = program_row(s.pc, s.insn).map_err(|_| unsupported)?;
        let mut row = self
            .begin(s.pc, s.next_pc, s.cycle, &r)
            .expect("every supported instruction has a program row");
        let c = self.cols.clone();
        let clk = self.rows.len() as u32 + 1;
        let op = r.op;

        // Operands, read in slot order.
        let a = if op.reads_rs1() {
            self.access(&mut row, clk, slot::RS1, u32::from(r.rs1), None)
                .value
        } else {
            0
        };
        let b = if op.reads_rs2() {
            self.access(&mut row, clk, slot::RS2, u32::from(r.rs2), None)
                .value
        } else {
            0
        };
        debug_assert_eq!(
            (a, b),
            (s.rs1_value, if op.reads_rs2() { s.rs2_value } else { 0 })
        );
        self.put(&mut row, c.a, a);
        self.put(&mut row, c.b, b);
        let opb = if op.uses_imm() { r.imm } else { b };
        self.put(&mut row, c.opb, opb);

        // The result (what rd gets, or would get when rd is x0).
        let mut result = 0;
        match op {
            Op::Add | Op::Addi => result = self.adder(&mut row, a, opb).0,
            Op::Sub => {
                result = a.wrapping_sub(b);
                self.adder(&mut row, result, b);
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
            | Op::Bgeu => {
                let signed = matches!(op, Op::Slt | Op::Slti | Op::Blt | Op::Bge);
                let flip = if signed { 0x8000_0000 } else { 0 };
                let (a2, b2) = (a ^ flip, opb ^ flip);
                if signed {
                    row[c.sa3] = f(a2 >> 24);
                    row[c.sb3] = f(b2 >> 24);
                    self.lookup(tag::XOR, a >> 24, 0x80);
                    self.lookup(tag::XOR, opb >> 24, 0x80);
                }
                let d = a2.wrapping_sub(b2);
                let (_, below) = self.adder(&mut row, d, b2);
                let nonzero: u32 = bytes_of(d).iter().map(|&x| u32::from(x)).sum();
                if nonzero != 0 {
                    row[c.eq_inv] = f(nonzero).inverse();
                }
                let taken = match op {
                    Op::Beq => a == opb,
                    Op::Bne => a != opb,
                    Op::Blt | Op::Bltu => below,
                    Op::Bge | Op::Bgeu => !below,
                    _ => false,
                };
                row[c.taken] = Val::from_bool(taken);
                result = u32::from(below);
                debug_assert!(!matches!(op, Op::Slt | Op::Slti) || result == alu::slt(a, opb));
            }
            Op::And | Op::Andi | Op::Or | Op::Ori | Op::Xor | Op::Xori => {
                let (t, v) = match op {
                    Op::And | Op::Andi => (tag::AND, a & opb),
                    Op::Or | Op::Ori => (tag::OR, a | opb),
                    _ => (tag::XOR, a ^ opb),
                };
                for (x, y) in bytes_of(a).into_iter().zip(bytes_of(opb)) {
                    self.lookup(t, u32::from(x), u32::from(y));
                }
                result = v;
            }
            Op::Lui | Op::Jal => result = r.value,
            Op::Jalr => {
                let (z, _) = self.adder(&mut row, a, r.imm);
                row[c.k] = f((z & 0xff) >> 2);
                row[c.bit0] = f(z & 1);
                row[c.limit] = f(4 * (z >> 24));
                self.lookup(tag::RANGE, (z & 0xff) >> 2, 4 * (z >> 24));
                result = r.value;
            }
            Op::Lw | Op::Sw | Op::Lb | Op::Lbu | Op::Lh | Op::Lhu | Op::Sb | Op::Sh => {
                let (z, _) = self.adder(&mut row, a, r.imm);
                let hi = z >> 24;
                let lane = z & 3;
                row[c.k] = f((z & 0xff) >> 2);
                row[c.lane[lane as usize]] = Val::ONE;
                row[c.limit] = f(0xBF - hi);
                row[c.guard_inv] = f((z >> 16) & 0xff | (hi << 8)).inverse();
                self.lookup(tag::RANGE, (z & 0xff) >> 2, 0xBF - hi);
                let old = self.memory.get(&(z >> 2)).map_or(0, |cell| cell.value);
                let shift = 8 * lane;
                let new = match op {
                    Op::Sw => Some(b),
                    Op::Sb => Some(old & !(0xff << shift) | (b & 0xff) << shift),
                    Op::Sh => Some(old & !(0xffff << shift) | (b & 0xffff) << shift),
                    _ => None,
                };
                let cell = self.access(&mut row, clk, slot::MEM, z >> 2, new);
                self.put(&mut row, c.mem_prev, cell.value);
                self.put(&mut row, c.mem_new, new.unwrap_or(cell.value));
                row[c.mem_writable] = Val::from_bool(cell.writable);
                debug_assert!(s.mem.is_some_and(|m| m.word_before == cell.value));
                debug_assert!(new.is_none() || s.mem.is_some_and(|m| Some(m.word_after) == new));
                let byte = (cell.value >> shift) & 0xff;
                let half = (cell.value >> shift) & 0xffff;
                result = match op {
                    Op::Lw => cell.value,
                    Op::Lbu => byte,
                    Op::Lhu => half,
                    Op::Lb => {
                        row[c.sx_src] = f(byte);
                        self.sign(&mut row, c.sx_flip, Some(c.sign), byte);
                        byte as u8 as i8 as u32
                    }
                    Op::Lh => {
                        row[c.sx_src] = f(half >> 8);
                        self.sign(&mut row, c.sx_flip, Some(c.sign), half >> 8);
                        half as u16 as i16 as u32
                    }
                    _ => 0,
                };
            }
            Op::Mul | Op::Mulh | Op::Mulhsu | Op::Mulhu => {
                let (lo, hi) = self.multiply(
                    &mut row,
                    a,
                    b,
                    matches!(op, Op::Mulh | Op::Mulhsu),
                    op == Op::Mulh,
                );
                result = if op == Op::Mul { lo } else { hi };
            }
            Op::Div | Op::Divu | Op::Rem | Op::Remu => {
                let signed = matches!(op, Op::Div | Op::Rem);
                let (q, rem) = if signed {
                    (alu::div(a, b), alu::rem(a, b))
                } else {
                    (alu::divu(a, b), alu::remu(a, b))
                };
                if signed {
                    self.sign(&mut row, c.mr3x, None, rem >> 24);
                    self.sign(&mut row, c.a3x, Some(c.sa), a >> 24);
                }
                self.multiply_add(&mut row, q, b, signed, signed, rem, signed);
                for w in [q, rem] {
                    let [w0, w1, w2, w3] = bytes_of(w);
                    self.lookup(tag::RANGE, u32::from(w0), u32::from(w1));
                    self.lookup(tag::RANGE, u32::from(w2), u32::from(w3));
                }
                let b_sum: u32 = bytes_of(b).iter().map(|&x| u32::from(x)).sum();
                if b_sum == 0 {
                    row[c.b_zero] = Val::ONE;
                } else {
                    row[c.b_inv] = f(b_sum).inverse();
                }
                let overflow = signed && a == 0x8000_0000 && b == u32::MAX;
                if signed {
                    let ovf_sum: u32 = bytes_of(a)[..3].iter().map(|&x| u32::from(x)).sum::<u32>()
                        + ((a >> 24) ^ 0x80)
                        + bytes_of(b).iter().map(|&x| 255 - u32::from(x)).sum::<u32>();
                    if overflow {
                        row[c.overflow] = Val::ONE;
                    } else {
                        row[c.ovf_inv] = f(ovf_sum).inverse();
                    }
                }
                // |r| < |b| through the adder: |r| + d = |b|.
                let abs = |v: u32,
                           negative: bool,
                           cols: [usize; 4],
                           carries: [usize; 4],
                           row: &mut [Val]| {
                    let out = if negative { v.wrapping_neg() } else { v };
                    let flipped = if negative { !v } else { v };
                    let mut carry = u32::from(negative);
                    for i in 0..4 {
                        let sum = ((flipped >> (8 * i)) & 0xff) + carry;
                        carry = sum >> 8;
                        row[carries[i]] = f(carry);
                        row[cols[i]] = f(sum & 0xff);
                    }
                    out
                };
                let abs_r = abs(rem, signed && rem >> 31 != 0, c.abs_r, c.ncr, &mut row);
                let abs_b = abs(b, signed && b >> 31 != 0, c.abs_b, c.ncb, &mut row);
                let d = abs_b.wrapping_sub(abs_r);
                self.adder(&mut row, abs_r, d);
                let [d0, d1, d2, d3] = bytes_of(d);
                self.lookup(tag::RANGE, u32::from(d0), u32::from(d1));
                self.lookup(tag::RANGE, u32::from(d2), u32::from(d3));
                let d_sum: u32 = bytes_of(d).iter().map(|&x| u32::from(x)).sum();
                if d_sum != 0 {
                    row[c.eq_inv] = f(d_sum).inverse();
                }
                result = if matches!(op, Op::Div | Op::Divu) {
                    q
                } else {
                    rem
                };
            }
            Op::Sll | Op::Slli | Op::Srl | Op::Srli | Op::Sra | Op::Srai => {
                let amount = opb & 31;
                row[c.shamt] = f(amount);
                row[c.hi3] = f((opb & 0xff) >> 5);
                self.lookup(tag::RANGE, amount, 8 * amount);
                self.lookup(tag::RANGE, (opb & 0xff) >> 5, 32 * ((opb & 0xff) >> 5));
                let left = matches!(op, Op::Sll | Op::Slli);
                let key = if left { amount } else { 32 + amount };
                let (p, zero) = pow2::entry(key);
                self.pow2_counts[key as usize] += 1;
                row[c.shift_zero] = Val::from_bool(zero);
                let arithmetic = matches!(op, Op::Sra | Op::Srai);
                let (lo, hi) = self.multiply(&mut row, a, p, arithmetic, false);
                result = if left {
                    lo
                } else if zero {
                    a
                } else {
                    hi
                };
            }
            Op::Fence | Op::Ecall => {}
        }
        if r.writes_rd {
            debug_assert_eq!(result, s.rd_value, "{:?} at {:#x}", s.insn, s.pc);
            let prev = self.access(&mut row, clk, slot::RD, u32::from(r.rd), Some(result));
            self.put(&mut row, c.rd_prev, prev.value);
        }
        self.put(&mut row, c.c, result);
        self.rows.push(row);
        Ok(())
    }

    fn ecall_row(&mut self, e: &EcallStep<'_>) -> Result<(), ProveError> {
        let [a0, a1, a2] = e.args;
        let k = match e.number {
            ecall::HALT => kind::HALT,
            ecall::READ => kind::READ,
            ecall::WRITE if a0 == fd::JOURNAL => kind::WRITE_JOURNAL,
            ecall::WRITE => kind::WRITE_OUT,
            ecall::INPUT_REMAINING => kind::INPUT_REMAINING,
            ecall::CYCLE_COUNT => kind::CYCLE_COUNT,
            ecall::PANIC => kind::PANIC,
            _ => {
                return Err(ProveError::UnsupportedEcall {
                    pc: e.pc,
                    name: ecall_name(e.number),
                    cycle: e.cycle,
                });
            }
        };
        let (buf, len) = match k {
            kind::READ | kind::WRITE_OUT | kind::WRITE_JOURNAL => (a1, a2),
            kind::PANIC => (a0, a1),
            _ => (0, 0),
        };
        if len >= 1 << 24 {
            return Err(ProveError::BufferTooLong {
                pc: e.pc,
                name: ecall_name(e.number),
                cycle: e.cycle,
                len,
            });
        }
        let ends = matches!(k, kind::HALT | kind::PANIC);
        let extra = (e.cost - 1) as u32;

        // The CPU row: a0 and t0 read, a1 through the memory slot, a0 written.
        let r = program_row(e.pc, ember_core::Instruction::Ecall).expect("ECALL is supported");
        let mut row = self
            .begin(e.pc, e.pc.wrapping_add(4), e.cycle, &r)
            .expect("ECALL has a program row");
        let c = self.cols.clone();
        let clk = self.rows.len() as u32 + 1;
        let a = self.access(&mut row, clk, slot::RS1, 10, None).value;
        let b = self.access(&mut row, clk, slot::RS2, 5, None).value;
        self.put(&mut row, c.a, a);
        self.put(&mut row, c.b, b);
        let a1_out = if k == kind::CYCLE_COUNT {
            e.results[1]
        } else {
            a1
        };
        let cell = self.access(&mut row, clk, slot::MEM, 11, Some(a1_out));
        debug_assert_eq!(cell.value, a1);
        self.put(&mut row, c.mem_prev, a1);
        self.put(&mut row, c.mem_new, a1_out);
        row[c.mem_writable] = Val::from_bool(cell.writable);
        row[c.k] = f(11);
        let res = e.results[0];
        let prev = self.access(&mut row, clk, slot::RD, 10, Some(res));
        self.put(&mut row, c.rd_prev, prev.value);
        self.put(&mut row, c.c, res);
        row[c.extra] = f(extra);
        row[c.ends] = Val::from_bool(ends);
        self.rows.push(row);
        if let Some(exit) = e.exit {
            let (status, code) = match exit {
                ember_core::Exit::Halted { code } => (0, *code),
                ember_core::Exit::Panicked { .. } => (1, 0),
            };
            self.exit = Some((status, code, e.cycle + e.cost));
        }

        // The I/O table's header.
        let io = self.io.clone();
        let mut h = vec![Val::ZERO; io.width];
        h[io.is_header] = Val::ONE;
        h[io.clk] = f(clk);
        h[io.cycle] = f(e.cycle as u32);
        h[io.number] = f(e.number);
        h[io.kind[k]] = Val::ONE;
        h[io.stderr] = Val::from_bool(k == kind::WRITE_OUT && a0 == fd::STDERR);
        self.put(&mut h, io.a0, a0);
        self.put(&mut h, io.a1, a1);
        self.put(&mut h, io.a1_out, a1_out);
        self.put(&mut h, io.res, res);
        h[io.extra] = f(extra);
        self.put(&mut h, io.buf, buf);
        self.put(&mut h, io.len, len);
        if len != 0 {
            h[io.nz] = Val::ONE;
            h[io.len_inv] = f(len).inverse();
            h[io.guard_inv] = f(buf >> 16).inverse();
        }
        let k0 = (buf & 0xff) >> 2;
        h[io.k0] = f(k0);
        self.lookup(tag::RANGE, k0, 4 * k0);
        h[io.w] = f(buf >> 2);
        h[io.start[(buf & 3) as usize]] = Val::ONE;
        h[io.start_next[(buf & 3) as usize]] = Val::ONE;
        if matches!(k, kind::READ | kind::INPUT_REMAINING | kind::CYCLE_COUNT) {
            let [r0, r1, r2, r3] = bytes_of(res);
            self.lookup(tag::RANGE, u32::from(r0), u32::from(r1));
            self.lookup(tag::RANGE, u32::from(r2), u32::from(r3));
        }
        let is_io = matches!(k, kind::READ | kind::WRITE_OUT | kind::WRITE_JOURNAL);
        if is_io {
            let r0 = res & 0xff;
            h[io.q] = f(r0 >> 2);
            h[io.r0] = f(r0 & 1);
            h[io.r1] = f((r0 >> 1) & 1);
            self.lookup(tag::RANGE, r0 >> 2, 4 * (r0 >> 2));
            let cell = self.access_into(&mut h, io.access, 4 * clk + slot::MEM as u32, 12, None);
            debug_assert_eq!(cell.value, a2);
            self.put(&mut h, io.mem_prev, a2);
            self.put(&mut h, io.mem_new, a2);
            h[io.writable] = Val::from_bool(cell.writable);
        }
        let data_total = match k {
            kind::READ => res,
            kind::WRITE_JOURNAL => len,
            _ => 0,
        };
        h[io.left_next] = f(len);
        h[io.data_next] = f(data_total);
        h[io.in_pos] = f(self.in_pos);
        h[io.in_next] = f(self.in_pos);
        let j_pos = self.journal.len() as u32;
        h[io.j_pos] = f(j_pos);
        h[io.j_next] = f(j_pos);
        self.io_rows.push(h);

        // One row per word of the buffer.
        if len == 0 {
            return Ok(());
        }
        let (first, last) = (buf >> 2, (buf + (len - 1)) >> 2);
        let mut offset = 0u32; // buffer bytes before this word
        for w in first..=last {
            let mut r = vec![Val::ZERO; io.width];
            r[io.is_word] = Val::ONE;
            r[io.clk] = f(clk);
            r[io.w] = f(w);
            let lo = if w == first { buf & 3 } else { 0 };
            let hi = if w == last { (buf + (len - 1)) & 3 } else { 3 };
            r[io.start[lo as usize]] = Val::ONE;
            r[io.start_next[0]] = Val::ONE;
            r[io.end[hi as usize]] = Val::ONE;
            if w == last {
                r[io.last] = Val::ONE;
                let limit = 0x2FFF_FFFF - w;
                self.put(&mut r, io.limit, limit);
                let [l0, l1, l2, l3] = bytes_of(limit);
                self.lookup(tag::RANGE, u32::from(l0), u32::from(l1));
                self.lookup(tag::RANGE, u32::from(l2), 4 * u32::from(l3));
            }
            let count = hi - lo + 1;
            r[io.left] = f(len - offset);
            r[io.left_next] = f(len - offset - count);
            let data_left = data_total.saturating_sub(offset);
            let taken = data_left.min(count);
            r[io.data_left] = f(data_left);
            r[io.data_next] = f(data_left - taken);
            let store = k == kind::READ;
            let journal = k == kind::WRITE_JOURNAL;
            r[io.store] = Val::from_bool(store);
            r[io.journal] = Val::from_bool(journal);
            let after = e.memory.read_u32(4 * w);
            let new = if store { Some(after) } else { None };
            let cell = self.access_into(&mut r, io.access, 4 * clk + slot::MEM as u32, w, new);
            let prev = cell.value;
            let now = new.unwrap_or(prev);
            self.put(&mut r, io.mem_prev, prev);
            self.put(&mut r, io.mem_new, now);
            r[io.writable] = Val::from_bool(cell.writable);
            r[io.in_pos] = f(self.in_pos);
            r[io.j_pos] = f(self.journal.len() as u32);
            for i in 0..taken {
                let lane = (lo + i) as usize;
                r[io.data[lane]] = Val::ONE;
                let byte = bytes_of(now)[lane];
                if store {
                    debug_assert_eq!(self.input[self.in_pos as usize], byte);
                    self.input_counts[self.in_pos as usize] += 1;
                    self.in_pos += 1;
                } else {
                    self.journal.push(byte);
                    self.journal_counts.push(1);
                }
            }
            r[io.in_next] = f(self.in_pos);
            r[io.j_next] = f(self.journal.len() as u32);
            self.io_rows.push(r);
            offset += count;
        }
        Ok(())
    }

    /// Pads and assembles every table.
    pub(crate) fn finish(mut self) -> (Traces, Io) {
        let (status, exit, cycles) = self.exit.unwrap_or((0, 0, 0));
        let io_matrix = self.io_matrix();
        let c = &self.cols;

        // CPU: real rows, then padding (clk keeps counting).
        let height = self.rows.len().next_power_of_two().max(16);
        let mut cpu = Val::zero_vec(height * c.width);
        for (i, chunk) in cpu.chunks_mut(c.width).enumerate() {
            match self.rows.get(i) {
                Some(row) => chunk.copy_from_slice(row),
                None => chunk[c.clk] = f(i as u32 + 1),
            }
        }

        // Program: multiplicities.
        let program_height = self.program_counts.len().next_power_of_two().max(16);
        let mut program = Val::zero_vec(program_height);
        for (v, &n) in program.iter_mut().zip(&self.program_counts) {
            *v = f(n);
        }

        // Image: one zero column.
        let image_rows = self
            .memory
            .values()
            .filter(|cell| cell.in_image)
            .count()
            .next_power_of_two()
            .max(16);
        let image = Val::zero_vec(image_rows);

        // Memory: every address, in order, with zero filler addresses where
        // two are further apart than the table's gap check allows.
        let mut cells: Vec<(u32, Cell)> = Vec::with_capacity(self.memory.len());
        for (&addr, &cell) in &self.memory {
            while let Some(&(last, _)) = cells.last()
                && addr - last - 1 > ember_air::memory::MAX_GAP
            {
                let filler = Cell {
                    value: 0,
                    ts: 0,
                    writable: true,
                    in_image: false,
                };
                cells.push((last + 1 + ember_air::memory::MAX_GAP, filler));
            }
            cells.push((addr, cell));
        }
        let m = MemoryCols::new();
        let memory_height = cells.len().next_power_of_two().max(16);
        let mut memory = Val::zero_vec(memory_height * m.width);
        let mut byte_counts = self.byte_counts;
        let mut count = |t: u32, a: u32, b: u32| {
            let column = tag::ALL.iter().position(|&x| x == t).expect("a tag");
            byte_counts[bytes::row_of(a as u8, b as u8)][column] += 1;
        };
        let mut previous = None;
        for (chunk, &(addr, ref cell)) in memory.chunks_mut(m.width).zip(&cells) {
            let gap = previous.map_or(0, |p: u32| addr - p - 1);
            previous = Some(addr);
            chunk[m.is_real] = Val::ONE;
            for (cols, w) in [(m.addr, addr), (m.value, cell.value), (m.gap, gap)] {
                for (i, b) in cols.into_iter().zip(bytes_of(w)) {
                    chunk[i] = f(u32::from(b));
                }
            }
            chunk[m.ts] = f(cell.ts);
            chunk[m.writable] = Val::from_bool(cell.writable);
            chunk[m.zero_init] = Val::from_bool(!cell.in_image);
            for (w, top) in [(addr, 4), (gap, 8)] {
                let [b0, b1, b2, b3] = bytes_of(w);
                count(tag::RANGE, u32::from(b0), u32::from(b1));
                count(tag::RANGE, u32::from(b2), top * u32::from(b3));
            }
        }

        let bytes: Vec<Val> = byte_counts.iter().flat_map(|r| r.map(f)).collect();
        let pow2: Vec<Val> = self.pow2_counts.iter().map(|&n| f(n)).collect();

        // Data: how often each input and journal byte was looked up.
        let data_height = (self.input.len() + self.journal.len())
            .next_power_of_two()
            .max(16);
        let mut data = Val::zero_vec(data_height);
        for (v, &n) in data
            .iter_mut()
            .zip(self.input_counts.iter().chain(&self.journal_counts))
        {
            *v = f(n);
        }

        let mut public_values = vec![Val::ZERO; public::COUNT];
        public_values[public::ENTRY] = f(self.entry);
        public_values[public::EXIT_LO] = f(exit & 0xffff);
        public_values[public::EXIT_HI] = f(exit >> 16);
        public_values[public::STATUS] = f(u32::from(status));
        public_values[public::CYCLES] = f(cycles as u32);
        public_values[public::JOURNAL_LEN] = f(self.journal.len() as u32);
        public_values[public::INPUT_LEN] = f(self.input.len() as u32);

        let traces = Traces {
            matrices: vec![
                RowMajorMatrix::new(cpu, c.width),
                RowMajorMatrix::new(program, 1),
                RowMajorMatrix::new(image, 1),
                RowMajorMatrix::new(memory, m.width),
                RowMajorMatrix::new(bytes, tag::ALL.len()),
                RowMajorMatrix::new(pow2, 1),
                io_matrix,
                RowMajorMatrix::new(data, 1),
            ],
            public_values,
        };
        let io = Io {
            input: self.input,
            journal: self.journal,
        };
        (traces, io)
    }

    /// The I/O table: the rows, each header's clock gap to the next, padding.
    fn io_matrix(&mut self) -> RowMajorMatrix<Val> {
        let io = self.io.clone();
        let clks: Vec<Option<u32>> = self
            .io_rows
            .iter()
            .map(|r| (r[io.is_header] == Val::ONE).then(|| r[io.clk].as_canonical_u32()))
            .collect();
        let height = self.io_rows.len().next_power_of_two().max(16);
        let mut values = Val::zero_vec(height * io.width);
        for (i, chunk) in values.chunks_mut(io.width).enumerate() {
            let Some(row) = self.io_rows.get(i) else {
                break;
            };
            chunk.copy_from_slice(row);
            let gap = match clks.get(i + 1) {
                Some(Some(next)) => next - row[io.clk].as_canonical_u32() - 1,
                _ => 0,
            };
            let [g0, g1, g2, _] = bytes_of(gap);
            for (col, g) in io.clk_gap.into_iter().zip([g0, g1, g2]) {
                chunk[col] = f(u32::from(g));
            }
            self.lookup(tag::RANGE, u32::from(g0), u32::from(g1));
            self.lookup(tag::RANGE, u32::from(g2), 0);
        }
        RowMajorMatrix::new(values, io.width)
    }
}

/// An ECALL's name for messages.
fn ecall_name(number: u32) -> String {
    match number {
        ecall::READ => "READ".into(),
        ecall::WRITE => "WRITE".into(),
        ecall::INPUT_REMAINING => "INPUT_REMAINING".into(),
        ecall::CYCLE_COUNT => "CYCLE_COUNT".into(),
        ecall::PANIC => "PANIC".into(),
        ecall::SHA256_COMPRESS => "SHA256_COMPRESS".into(),
        n => format!("{n}"),
    }
}

impl Observer for Tracer {
    fn step(&mut self, s: &Step) {
        if self.error.is_none()
            && let Err(e) = self.cpu_row(s)
        {
            self.fail(e);
        }
    }

    fn ecall(&mut self, e: &EcallStep<'_>) {
        if self.error.is_none()
            && let Err(err) = self.ecall_row(e)
        {
            self.fail(err);
        }
    }
}
