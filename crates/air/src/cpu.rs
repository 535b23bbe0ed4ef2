//! The CPU table: one row per executed instruction.
//!
//! A row looks up its `(pc, instruction)` in the program table, reads `rs1`
//! and `rs2` and writes `rd` through the memory bus (timestamps `4 clk + 0`,
//! `+1` and `+3`; a load or store uses `+2`), and constrains the result:
//! - one adder (`z = x + y` on bytes with carries) serves ADD/ADDI
//!   (`a + opb = c`), SUB (`c + b = a`), the comparisons and branches
//!   (`d + opb = a`, with the top bytes' sign bits flipped for signed ones:
//!   the carry out is `a < opb`), and addresses (`a + imm`);
//! - AND/OR/XOR look up each byte in the byte table;
//! - LUI/AUIPC and JAL/JALR's link are static values from the program table.
//!
//! Rows are real from the first (at the entry, `clk = 1`) to the HALT, then
//! padding to a power of two. Public values: entry pc, exit code (two
//! 16-bit halves), status, cycles.

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

use crate::bytes::tag;
use crate::memory::range_pair;
use crate::ops::{OP_COUNT, Op};
use crate::{Columns, access, bus, word};

/// Public values of a proof, in order.
pub mod public {
    /// The entry pc.
    pub const ENTRY: usize = 0;
    /// The exit code's low 16 bits.
    pub const EXIT_LO: usize = 1;
    /// The exit code's high 16 bits.
    pub const EXIT_HI: usize = 2;
    /// 0 halted, 1 panicked.
    pub const STATUS: usize = 3;
    /// Cycles.
    pub const CYCLES: usize = 4;
    /// The journal's length in bytes.
    pub const JOURNAL_LEN: usize = 5;
    /// The input's length in bytes.
    pub const INPUT_LEN: usize = 6;
    /// How many.
    pub const COUNT: usize = 7;
}

/// The most CPU rows a proof may have: timestamps `4 clk + 3` stay below
/// 2^24, where their differences are range-checked.
pub const MAX_LOG_HEIGHT: usize = 22;

/// One register or memory access: the previous timestamp and the gap
/// `ts - prev_ts - 1` in three bytes.
#[derive(Clone, Copy, Debug)]
pub struct AccessCols {
    /// When the value was written.
    pub prev_ts: usize,
    /// `ts - prev_ts - 1`, bytes.
    pub gap: [usize; 3],
}

/// The CPU row layout.
#[derive(Clone, Debug)]
pub struct CpuCols {
    /// 1 from the first row to the HALT.
    pub is_real: usize,
    /// Row number from 1.
    pub clk: usize,
    /// This instruction's address.
    pub pc: usize,
    /// The next instruction's address.
    pub next_pc: usize,
    /// Cycles before this instruction (ECALLs may cost more than one).
    pub cycle: usize,
    /// An ECALL's cycles besides its own one (from the I/O table).
    pub extra: usize,
    /// One flag per [`Op`] (by [`Op::index`]).
    pub flags: [usize; OP_COUNT],
    /// This ECALL ends the run (HALT or PANIC).
    pub ends: usize,
    /// Program fields.
    pub rd: usize,
    /// Program fields.
    pub rs1: usize,
    /// Program fields.
    pub rs2: usize,
    /// Program fields.
    pub imm: [usize; 4],
    /// Program fields.
    pub value: [usize; 4],
    /// Program fields.
    pub target: usize,
    /// Program fields.
    pub writes_rd: usize,
    /// `rs1`'s value.
    pub a: [usize; 4],
    /// `rs2`'s value.
    pub b: [usize; 4],
    /// The second operand: `b` or `imm`.
    pub opb: [usize; 4],
    /// The value written to `rd`.
    pub c: [usize; 4],
    /// `rd`'s value before.
    pub rd_prev: [usize; 4],
    /// The adder: `z = x + y`.
    pub x: [usize; 4],
    /// The adder: `z = x + y`.
    pub y: [usize; 4],
    /// The adder: `z = x + y`.
    pub z: [usize; 4],
    /// The adder's carries; the last is the carry out.
    pub carry: [usize; 4],
    /// `a[3] ^ 0x80` (signed comparisons).
    pub sa3: usize,
    /// `opb[3] ^ 0x80` (signed comparisons).
    pub sb3: usize,
    /// Inverse of `x0 + x1 + x2 + x3` when non-zero (BEQ/BNE).
    pub eq_inv: usize,
    /// Whether a branch is taken.
    pub taken: usize,
    /// Address: `z0 = 4 k` (loads, stores) or `4 k + bit0` (JALR).
    pub k: usize,
    /// JALR's discarded low bit.
    pub bit0: usize,
    /// A byte checked with `k`: `0xBF - z3` (loads, stores: below the
    /// system region) or `4 z3` (JALR: target below 2^30).
    pub limit: usize,
    /// Inverse of `z2 + 256 z3` (loads, stores: above the guard region).
    pub guard_inv: usize,
    /// The memory word before a load or store.
    pub mem_prev: [usize; 4],
    /// The memory word after it.
    pub mem_new: [usize; 4],
    /// 0 if the word is code.
    pub mem_writable: usize,
    /// Which byte of the word a load or store starts at (one-hot).
    pub lane: [usize; 4],
    /// LB/LH: the loaded value's top byte, its XOR with 0x80, and its sign.
    pub sx_src: usize,
    /// See `sx_src`.
    pub sx_flip: usize,
    /// See `sx_src`.
    pub sign: usize,
    /// The multiplier: `out = U * V mod 2^64`, `U`, `V` the operands
    /// sign-extended by `msu`, `msv`.
    pub mu: [usize; 4],
    /// See `mu`.
    pub mv: [usize; 4],
    /// See `mu`.
    pub msu: usize,
    /// See `mu`.
    pub msv: usize,
    /// `mu[3] ^ 0x80`, `mv[3] ^ 0x80`: their sign bits.
    pub mu3x: usize,
    /// See `mu3x`.
    pub mv3x: usize,
    /// The product's eight bytes.
    pub mout: [usize; 8],
    /// Column carries, each two bytes (low, high).
    pub mcarry: [[usize; 2]; 8],
    /// Shifts: the amount `s` and the rest of the operand's low byte (`opb0 = s + 32 hi3`).
    pub shamt: usize,
    /// See `shamt`.
    pub hi3: usize,
    /// A right shift by 0.
    pub shift_zero: usize,
    /// Division: the remainder `r` (the quotient is `mu`), added into the
    /// multiplier: `q * b + r = a`.
    pub mr: [usize; 4],
    /// `r`'s sign bit (signed division), and `r[3] ^ 0x80`.
    pub msr: usize,
    /// See `msr`.
    pub mr3x: usize,
    /// `a`'s sign bit (signed division), and `a[3] ^ 0x80`.
    pub sa: usize,
    /// See `sa`.
    pub a3x: usize,
    /// `|r|` and its negation carries.
    pub abs_r: [usize; 4],
    /// See `abs_r`.
    pub ncr: [usize; 4],
    /// `|b|` and its negation carries.
    pub abs_b: [usize; 4],
    /// See `abs_b`.
    pub ncb: [usize; 4],
    /// Division by zero, and the inverse of `b`'s byte sum otherwise.
    pub b_zero: usize,
    /// See `b_zero`.
    pub b_inv: usize,
    /// Signed overflow (`MIN / -1`), and the inverse that rules it out otherwise.
    pub overflow: usize,
    /// See `overflow`.
    pub ovf_inv: usize,
    /// Accesses: rs1, rs2, memory, rd.
    pub access: [AccessCols; 4],
    /// Width.
    pub width: usize,
}

impl CpuCols {
    /// The layout.
    pub fn new() -> Self {
        let mut c = Columns::default();
        let access = || AccessCols {
            prev_ts: 0,
            gap: [0; 3],
        };
        let mut cols = CpuCols {
            is_real: c.one(),
            clk: c.one(),
            pc: c.one(),
            next_pc: c.one(),
            cycle: c.one(),
            extra: c.one(),
            flags: c.many(),
            ends: c.one(),
            rd: c.one(),
            rs1: c.one(),
            rs2: c.one(),
            imm: c.many(),
            value: c.many(),
            target: c.one(),
            writes_rd: c.one(),
            a: c.many(),
            b: c.many(),
            opb: c.many(),
            c: c.many(),
            rd_prev: c.many(),
            x: c.many(),
            y: c.many(),
            z: c.many(),
            carry: c.many(),
            sa3: c.one(),
            sb3: c.one(),
            eq_inv: c.one(),
            taken: c.one(),
            k: c.one(),
            bit0: c.one(),
            limit: c.one(),
            guard_inv: c.one(),
            mem_prev: c.many(),
            mem_new: c.many(),
            mem_writable: c.one(),
            lane: c.many(),
            sx_src: c.one(),
            sx_flip: c.one(),
            sign: c.one(),
            mu: c.many(),
            mv: c.many(),
            msu: c.one(),
            msv: c.one(),
            mu3x: c.one(),
            mv3x: c.one(),
            mout: c.many(),
            mcarry: [[0; 2]; 8],
            shamt: c.one(),
            hi3: c.one(),
            shift_zero: c.one(),
            mr: c.many(),
            msr: c.one(),
            mr3x: c.one(),
            sa: c.one(),
            a3x: c.one(),
            abs_r: c.many(),
            ncr: c.many(),
            abs_b: c.many(),
            ncb: c.many(),
            b_zero: c.one(),
            b_inv: c.one(),
            overflow: c.one(),
            ovf_inv: c.one(),
            access: [access(), access(), access(), access()],
            width: 0,
        };
        for m in &mut cols.mcarry {
            *m = c.many();
        }
        for a in &mut cols.access {
            a.prev_ts = c.one();
            a.gap = c.many();
        }
        cols.width = c.count();
        cols
    }
}

impl Default for CpuCols {
    fn default() -> Self {
        Self::new()
    }
}

/// Access slots (timestamp `4 clk + slot`).
pub mod slot {
    /// Reading rs1.
    pub const RS1: usize = 0;
    /// Reading rs2.
    pub const RS2: usize = 1;
    /// A load or store.
    pub const MEM: usize = 2;
    /// Writing rd.
    pub const RD: usize = 3;
}

/// The CPU table.
#[derive(Clone, Debug, Default)]
pub struct CpuAir;

impl<F: Field> BaseAir<F> for CpuAir {
    fn width(&self) -> usize {
        CpuCols::new().width
    }

    fn num_public_values(&self) -> usize {
        public::COUNT
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        let c = CpuCols::new();
        vec![c.is_real, c.clk, c.pc, c.cycle]
    }
}

impl<AB> Air<AB> for CpuAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let c = CpuCols::new();
        let main = builder.main();
        let l: Vec<AB::Expr> = main.current_slice().iter().map(|&v| v.into()).collect();
        let n: Vec<AB::Expr> = main.next_slice().iter().map(|&v| v.into()).collect();
        let pv: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        let one = || AB::Expr::ONE;
        let k = |v: u32| AB::Expr::from_u32(v);
        let col = |i: usize| l[i].clone();
        let w4 = |cols: [usize; 4]| cols.map(|i| l[i].clone());
        let f = |op: Op| l[c.flags[op.index()]].clone();
        let any = |ops: &[Op]| {
            ops.iter()
                .map(|&op| f(op))
                .fold(AB::Expr::ZERO, |acc, x| acc + x)
        };
        let any_where = |keep: fn(Op) -> bool| {
            let ops: Vec<Op> = Op::ALL.iter().copied().filter(|&o| keep(o)).collect();
            any(&ops)
        };

        let is_real = col(c.is_real);
        let clk = col(c.clk);
        let pc = col(c.pc);
        let next_pc = col(c.next_pc);
        let [a, b, opb, cc] = [c.a, c.b, c.opb, c.c].map(w4);
        let [x, y, z, carry] = [c.x, c.y, c.z, c.carry].map(w4);
        let imm = w4(c.imm);
        let value = w4(c.value);

        // --- Selectors: one flag per row, exactly on real rows. ---
        builder.assert_bool(is_real.clone());
        for &op in &Op::ALL {
            builder.assert_bool(f(op));
        }
        builder.assert_eq(any(&Op::ALL), is_real.clone());
        let ends = col(c.ends);
        builder.assert_bool(ends.clone());
        builder.assert_zero(ends.clone() * (one() - f(Op::Ecall)));
        // Padding rows write nothing.
        builder.assert_zero(col(c.writes_rd) * (one() - is_real.clone()));

        // --- Sequencing. ---
        let mut first = builder.when_first_row();
        first.assert_one(is_real.clone());
        first.assert_one(clk.clone());
        first.assert_eq(pc.clone(), pv[public::ENTRY].clone());
        first.assert_zero(col(c.cycle));
        let mut t = builder.when_transition();
        t.assert_eq(n[c.clk].clone(), clk.clone() + one());
        t.assert_zero((one() - is_real.clone()) * n[c.is_real].clone());
        t.assert_zero(n[c.is_real].clone() * (n[c.pc].clone() - next_pc.clone()));
        // Each instruction costs one cycle; an ECALL may cost more.
        t.assert_zero(
            n[c.is_real].clone() * (n[c.cycle].clone() - col(c.cycle) - one() - col(c.extra)),
        );
        // The last real row is the HALT or PANIC, and nothing follows it.
        t.assert_eq(
            is_real.clone() * (one() - n[c.is_real].clone()),
            ends.clone(),
        );
        builder
            .when_last_row()
            .assert_eq(is_real.clone(), ends.clone());
        builder.assert_zero((one() - f(Op::Ecall)) * col(c.extra));

        // --- The instruction: from the program table. ---
        let op_code = Op::ALL
            .iter()
            .map(|&op| f(op) * k(op as u32))
            .fold(AB::Expr::ZERO, |acc, x| acc + x);
        let mut message = vec![pc.clone(), op_code, col(c.rd), col(c.rs1), col(c.rs2)];
        message.extend(imm.clone());
        message.extend(value.clone());
        message.push(col(c.target));
        message.push(col(c.writes_rd));
        builder.push_interaction(bus::PROGRAM, message, Count::bounded(is_real.clone(), 1));

        // --- Registers. ---
        let reads_rs1 = any_where(Op::reads_rs1);
        let reads_rs2 = any_where(Op::reads_rs2);
        let ts = |s: usize| clk.clone() * k(4) + k(s as u32);
        access(
            builder,
            c.access[slot::RS1],
            &l,
            col(c.rs1),
            a.clone(),
            a.clone(),
            one(),
            ts(slot::RS1),
            reads_rs1,
        );
        access(
            builder,
            c.access[slot::RS2],
            &l,
            col(c.rs2),
            b.clone(),
            b.clone(),
            one(),
            ts(slot::RS2),
            reads_rs2,
        );
        access(
            builder,
            c.access[slot::RD],
            &l,
            col(c.rd),
            w4(c.rd_prev),
            cc.clone(),
            one(),
            ts(slot::RD),
            col(c.writes_rd),
        );

        // --- The second operand. ---
        let reg_b = any_where(|o| o.reads_rs2() && !o.uses_imm() && o != Op::Ecall);
        let imm_b = any_where(Op::uses_imm);
        for i in 0..4 {
            builder.assert_zero(reg_b.clone() * (opb[i].clone() - b[i].clone()));
            builder.assert_zero(imm_b.clone() * (opb[i].clone() - imm[i].clone()));
        }

        // --- The adder: z = x + y mod 2^32, carry[3] the carry out. ---
        let mut carry_in = AB::Expr::ZERO;
        for i in 0..4 {
            builder.assert_bool(carry[i].clone());
            builder.assert_eq(
                z[i].clone() + carry[i].clone() * k(256),
                x[i].clone() + y[i].clone() + carry_in,
            );
            carry_in = carry[i].clone();
        }
        let adds = any(&[Op::Add, Op::Addi]);
        let compares = any(&[
            Op::Slt,
            Op::Slti,
            Op::Sltu,
            Op::Sltiu,
            Op::Beq,
            Op::Bne,
            Op::Blt,
            Op::Bge,
            Op::Bltu,
            Op::Bgeu,
        ]);
        let signed = any(&[Op::Slt, Op::Slti, Op::Blt, Op::Bge]);
        let addresses = any(&[
            Op::Jalr,
            Op::Lw,
            Op::Sw,
            Op::Lb,
            Op::Lbu,
            Op::Lh,
            Op::Lhu,
            Op::Sb,
            Op::Sh,
        ]);
        let uses_adder = adds.clone()
            + f(Op::Sub)
            + compares.clone()
            + addresses.clone()
            + any(&[Op::Div, Op::Divu, Op::Rem, Op::Remu]);
        for i in 0..4 {
            // ADD, ADDI: a + opb = c.
            let mut g = builder.when(adds.clone());
            g.assert_eq(x[i].clone(), a[i].clone());
            g.assert_eq(y[i].clone(), opb[i].clone());
            g.assert_eq(z[i].clone(), cc[i].clone());
            // SUB: c + b = a.
            let mut g = builder.when(f(Op::Sub));
            g.assert_eq(x[i].clone(), cc[i].clone());
            g.assert_eq(y[i].clone(), b[i].clone());
            g.assert_eq(z[i].clone(), a[i].clone());
            // Addresses: a + imm.
            let mut g = builder.when(addresses.clone());
            g.assert_eq(x[i].clone(), a[i].clone());
            g.assert_eq(y[i].clone(), imm[i].clone());
        }
        // Comparisons: d + opb' = a' (primes: sign bits flipped when signed),
        // so the carry out is a' < opb'.
        for i in 0..3 {
            let mut g = builder.when(compares.clone());
            g.assert_eq(y[i].clone(), opb[i].clone());
            g.assert_eq(z[i].clone(), a[i].clone());
        }
        let unsigned = compares.clone() - signed.clone();
        builder.assert_zero(unsigned.clone() * (y[3].clone() - opb[3].clone()));
        builder.assert_zero(unsigned * (z[3].clone() - a[3].clone()));
        builder.assert_zero(signed.clone() * (y[3].clone() - col(c.sb3)));
        builder.assert_zero(signed.clone() * (z[3].clone() - col(c.sa3)));
        let xor = k(tag::XOR);
        for (v, flipped) in [(a[3].clone(), col(c.sa3)), (opb[3].clone(), col(c.sb3))] {
            builder.push_interaction(
                bus::BYTES,
                [xor.clone(), v, k(0x80), flipped],
                Count::bounded(signed.clone(), 1),
            );
        }
        // x and z are bytes (y is a register or the immediate).
        range_pair(builder, x[0].clone(), x[1].clone(), uses_adder.clone());
        range_pair(builder, x[2].clone(), x[3].clone(), uses_adder.clone());
        range_pair(builder, z[0].clone(), z[1].clone(), uses_adder.clone());
        range_pair(builder, z[2].clone(), z[3].clone(), uses_adder);
        // SLT and friends: c = (a < opb).
        let sets = any(&[Op::Slt, Op::Slti, Op::Sltu, Op::Sltiu]);
        builder.assert_zero(sets.clone() * (cc[0].clone() - carry[3].clone()));
        for i in 1..4 {
            builder.assert_zero(sets.clone() * cc[i].clone());
        }

        // --- Bitwise: one byte-table lookup per byte. ---
        let bitwise = any(&[Op::And, Op::Andi, Op::Or, Op::Ori, Op::Xor, Op::Xori]);
        let bit_tag = (f(Op::And) + f(Op::Andi)) * k(tag::AND)
            + (f(Op::Or) + f(Op::Ori)) * k(tag::OR)
            + (f(Op::Xor) + f(Op::Xori)) * k(tag::XOR);
        for i in 0..4 {
            builder.push_interaction(
                bus::BYTES,
                [bit_tag.clone(), a[i].clone(), opb[i].clone(), cc[i].clone()],
                Count::bounded(bitwise.clone(), 1),
            );
        }

        // --- Static results. ---
        let statics = any(&[Op::Lui, Op::Jal, Op::Jalr]);
        for i in 0..4 {
            builder.assert_zero(statics.clone() * (cc[i].clone() - value[i].clone()));
        }

        // --- Branches. ---
        let nonzero = x[0].clone() + x[1].clone() + x[2].clone() + x[3].clone();
        let taken = col(c.taken);
        let eq_inv = col(c.eq_inv);
        builder
            .assert_zero(f(Op::Beq) * (taken.clone() - one() + nonzero.clone() * eq_inv.clone()));
        builder.assert_zero(f(Op::Beq) * nonzero.clone() * taken.clone());
        builder.assert_zero(f(Op::Bne) * (taken.clone() - nonzero.clone() * eq_inv));
        builder.assert_zero(f(Op::Bne) * nonzero * (one() - taken.clone()));
        builder.assert_zero(any(&[Op::Blt, Op::Bltu]) * (taken.clone() - carry[3].clone()));
        builder.assert_zero(any(&[Op::Bge, Op::Bgeu]) * (taken.clone() - one() + carry[3].clone()));

        // --- The next pc. ---
        let sequential = any_where(Op::is_sequential);
        builder.assert_zero(sequential * (next_pc.clone() - pc.clone() - k(4)));
        builder.assert_zero(f(Op::Jal) * (next_pc.clone() - col(c.target)));
        let branches = any(&[Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu]);
        builder.assert_zero(
            branches * (next_pc.clone() - pc.clone() - k(4) - taken * (col(c.target) - pc - k(4))),
        );
        // JALR: target = (a + imm) & !1, 4-aligned, below 2^30.
        let bit0 = col(c.bit0);
        builder.assert_bool(bit0.clone());
        builder.assert_zero(f(Op::Jalr) * (z[0].clone() - col(c.k) * k(4) - bit0.clone()));
        builder.assert_zero(f(Op::Jalr) * (next_pc - word(z.clone()) + bit0));
        builder.assert_zero(f(Op::Jalr) * (col(c.limit) - z[3].clone() * k(4)));

        // --- Loads and stores. ---
        let loads = any(&[Op::Lw, Op::Lb, Op::Lbu, Op::Lh, Op::Lhu]);
        let stores = any(&[Op::Sw, Op::Sb, Op::Sh]);
        let mem = loads.clone() + stores.clone();
        let lane = w4(c.lane);
        // The address: z0 = 4 k + lane, the lane one-hot and matching the width.
        builder.assert_zero(
            mem.clone()
                * (z[0].clone()
                    - col(c.k) * k(4)
                    - lane[1].clone()
                    - lane[2].clone() * k(2)
                    - lane[3].clone() * k(3)),
        );
        for l in &lane {
            builder.assert_bool(l.clone());
        }
        builder.assert_zero(
            mem.clone()
                * (lane[0].clone() + lane[1].clone() + lane[2].clone() + lane[3].clone() - one()),
        );
        builder.assert_zero((f(Op::Lw) + f(Op::Sw)) * (one() - lane[0].clone()));
        builder.assert_zero(any(&[Op::Lh, Op::Lhu, Op::Sh]) * (lane[1].clone() + lane[3].clone()));
        // Below the system region, above the guard.
        builder.assert_zero(mem.clone() * (col(c.limit) - k(0xBF) + z[3].clone()));
        builder.assert_zero(
            mem.clone() * ((z[2].clone() + z[3].clone() * k(256)) * col(c.guard_inv) - one()),
        );
        range_pair(builder, col(c.k), col(c.limit), mem.clone() + f(Op::Jalr));
        let mem_prev = w4(c.mem_prev);
        let mem_new = w4(c.mem_new);
        let writable = col(c.mem_writable);
        builder.assert_bool(writable.clone());
        // Code is immutable: a store must find its word writable.
        builder.assert_zero(stores * (one() - writable.clone()));
        let sel = |i: usize| lane[i].clone() * mem_prev[i].clone();
        for i in 0..4 {
            builder.assert_zero(loads.clone() * (mem_new[i].clone() - mem_prev[i].clone()));
            builder.assert_zero(f(Op::Lw) * (cc[i].clone() - mem_prev[i].clone()));
            builder.assert_zero(f(Op::Sw) * (mem_new[i].clone() - b[i].clone()));
            // SB: the lane's byte replaced by b0.
            builder.assert_zero(
                f(Op::Sb)
                    * (mem_new[i].clone()
                        - mem_prev[i].clone()
                        - lane[i].clone() * (b[0].clone() - mem_prev[i].clone())),
            );
            // SH: the half at lane 0 or 2 replaced by b0, b1.
            let (half_lane, src) = (lane[i & 2].clone(), b[i & 1].clone());
            builder.assert_zero(
                f(Op::Sh)
                    * (mem_new[i].clone()
                        - mem_prev[i].clone()
                        - half_lane * (src - mem_prev[i].clone())),
            );
        }
        // LB, LBU: the lane's byte; LH, LHU: the half at lane 0 or 2.
        let byte_loads = f(Op::Lb) + f(Op::Lbu);
        let half_loads = f(Op::Lh) + f(Op::Lhu);
        builder
            .assert_zero(byte_loads.clone() * (cc[0].clone() - sel(0) - sel(1) - sel(2) - sel(3)));
        builder.assert_zero(half_loads.clone() * (cc[0].clone() - sel(0) - sel(2)));
        builder.assert_zero(
            half_loads.clone()
                * (cc[1].clone()
                    - lane[0].clone() * mem_prev[1].clone()
                    - lane[2].clone() * mem_prev[3].clone()),
        );
        // Sign or zero extension.
        let sign = col(c.sign);
        let extension = sign.clone() * k(255);
        for i in 1..4 {
            builder.assert_zero(f(Op::Lbu) * cc[i].clone());
            builder.assert_zero(f(Op::Lb) * (cc[i].clone() - extension.clone()));
        }
        for i in 2..4 {
            builder.assert_zero(f(Op::Lhu) * cc[i].clone());
            builder.assert_zero(f(Op::Lh) * (cc[i].clone() - extension.clone()));
        }
        let signed_loads = f(Op::Lb) + f(Op::Lh);
        builder.assert_zero(f(Op::Lb) * (col(c.sx_src) - cc[0].clone()));
        builder.assert_zero(f(Op::Lh) * (col(c.sx_src) - cc[1].clone()));
        sign_of(builder, col(c.sx_src), col(c.sx_flip), sign, signed_loads);
        let word_addr = word_addr_of(&c, &l);
        access(
            builder,
            c.access[slot::MEM],
            &l,
            word_addr,
            mem_prev,
            mem_new,
            writable,
            ts(slot::MEM),
            mem + f(Op::Ecall),
        );

        // --- The multiplier: out = U * V mod 2^64, with U, V the operands
        // sign-extended to 64 bits by msu, msv. ---
        let multiplies = any(&[Op::Mul, Op::Mulh, Op::Mulhsu, Op::Mulhu]);
        let shifts = any(&[Op::Sll, Op::Slli, Op::Srl, Op::Srli, Op::Sra, Op::Srai]);
        let divisions = any(&[Op::Div, Op::Divu, Op::Rem, Op::Remu]);
        let signed_div = f(Op::Div) + f(Op::Rem);
        let mul_rows = multiplies.clone() + shifts.clone() + divisions.clone();
        let mr = w4(c.mr);
        let msr = col(c.msr);
        let mu = w4(c.mu);
        let mv = w4(c.mv);
        let mout: Vec<AB::Expr> = c.mout.iter().map(|&i| col(i)).collect();
        let (msu, msv) = (col(c.msu), col(c.msv));
        let limb = |w: &[AB::Expr; 4], s: &AB::Expr, i: usize| {
            if i < 4 {
                w[i].clone()
            } else {
                s.clone() * k(255)
            }
        };
        let mut carry_in = AB::Expr::ZERO;
        for j in 0..8 {
            // Division adds its remainder: q * b + r.
            let sum = (0..=j)
                .map(|i| limb(&mu, &msu, i) * limb(&mv, &msv, j - i))
                .fold(carry_in + limb(&mr, &msr, j), |acc, x| acc + x);
            let [lo, hi] = c.mcarry[j].map(col);
            let carry = lo.clone() + hi.clone() * k(256);
            builder.assert_eq(sum, mout[j].clone() + carry.clone() * k(256));
            range_pair(builder, lo, hi, mul_rows.clone());
            carry_in = carry;
        }
        for pair in mout.chunks(2) {
            range_pair(builder, pair[0].clone(), pair[1].clone(), mul_rows.clone());
        }
        builder.assert_bool(msu.clone());
        builder.assert_bool(msv.clone());
        let signed_u = any(&[Op::Mulh, Op::Mulhsu, Op::Sra, Op::Srai, Op::Div, Op::Rem]);
        let signed_v = f(Op::Mulh) + signed_div.clone();
        // Signs: msu is mu's sign bit for MULH, MULHSU, SRA; msv is mv's for
        // MULH; both 0 otherwise.
        sign_of(
            builder,
            mu[3].clone(),
            col(c.mu3x),
            msu.clone(),
            signed_u.clone(),
        );
        sign_of(
            builder,
            mv[3].clone(),
            col(c.mv3x),
            msv.clone(),
            signed_v.clone(),
        );
        builder.assert_zero((one() - signed_u) * msu);
        builder.assert_zero((one() - signed_v) * msv.clone());
        for i in 0..4 {
            // U = a always; V = b for multiplications (shifts: a power of two).
            builder.assert_zero(
                (multiplies.clone() + shifts.clone()) * (mu[i].clone() - a[i].clone()),
            );
            builder.assert_zero(
                (multiplies.clone() + divisions.clone()) * (mv[i].clone() - b[i].clone()),
            );
            // MUL, SLL: the low word; the others: the high word.
            builder.assert_zero(
                any(&[Op::Mul, Op::Sll, Op::Slli]) * (cc[i].clone() - mout[i].clone()),
            );
            builder.assert_zero(
                any(&[Op::Mulh, Op::Mulhsu, Op::Mulhu]) * (cc[i].clone() - mout[4 + i].clone()),
            );
            // SRL, SRA: the high word of a * 2^(32 - s), or a itself for s = 0.
            builder.assert_zero(
                any(&[Op::Srl, Op::Srli, Op::Sra, Op::Srai])
                    * (cc[i].clone() - mout[4 + i].clone() - col(c.shift_zero) * a[i].clone()),
            );
        }
        // The shift amount: opb0 = s + 32 hi3, s < 32, hi3 < 8.
        let (s_amt, hi3) = (col(c.shamt), col(c.hi3));
        builder
            .assert_zero(shifts.clone() * (opb[0].clone() - s_amt.clone() - hi3.clone() * k(32)));
        range_pair(builder, s_amt.clone(), s_amt.clone() * k(8), shifts.clone());
        range_pair(builder, hi3.clone(), hi3 * k(32), shifts.clone());
        let right = any(&[Op::Srl, Op::Srli, Op::Sra, Op::Srai]);
        let mut message = vec![s_amt + right * k(32)];
        message.extend(mv.iter().cloned());
        message.push(col(c.shift_zero));
        builder.push_interaction(bus::POW2, message, Count::bounded(shifts, 1));

        // --- Division: q * b + r = a over 64 bits (q = mu, b = mv, r = mr,
        // each sign-extended when signed), |r| < |b|, r's sign is a's; with
        // the RISC-V results for division by zero and for MIN / -1. ---
        let (sa, b_zero, overflow) = (col(c.sa), col(c.b_zero), col(c.overflow));
        for v in [sa.clone(), b_zero.clone(), overflow.clone(), msr.clone()] {
            builder.assert_bool(v);
        }
        // Outside divisions the remainder is 0 (the multiplier adds it).
        for i in 0..4 {
            builder.assert_zero((one() - divisions.clone()) * mr[i].clone());
        }
        builder.assert_zero((one() - divisions.clone()) * msr.clone());
        builder.assert_zero((one() - signed_div.clone()) * msr.clone());
        builder.assert_zero((one() - signed_div.clone()) * sa.clone());
        sign_of(
            builder,
            mr[3].clone(),
            col(c.mr3x),
            msr.clone(),
            signed_div.clone(),
        );
        sign_of(
            builder,
            a[3].clone(),
            col(c.a3x),
            sa.clone(),
            signed_div.clone(),
        );
        // The product: a, sign-extended (its high word exempt on overflow).
        for j in 0..8 {
            let want = if j < 4 {
                a[j].clone()
            } else {
                sa.clone() * k(255)
            };
            let when = if j < 4 {
                divisions.clone()
            } else {
                divisions.clone() - overflow.clone()
            };
            builder.assert_zero(when * (mout[j].clone() - want));
        }
        // Division by zero: b's bytes sum to 0; then q = 2^32 - 1 (r = a follows).
        let b_sum = b[0].clone() + b[1].clone() + b[2].clone() + b[3].clone();
        builder.assert_zero((one() - divisions.clone()) * b_zero.clone());
        builder.assert_zero(b_zero.clone() * b_sum.clone());
        builder.assert_zero(divisions.clone() * (one() - b_zero.clone() - b_sum * col(c.b_inv)));
        for i in 0..4 {
            builder.assert_zero(b_zero.clone() * (mu[i].clone() - k(255)));
        }
        // Overflow: a = 0x80000000 and b = 0xffffffff, signed; then q = a, r = 0.
        let ovf_sum = a[0].clone()
            + a[1].clone()
            + a[2].clone()
            + col(c.a3x)
            + (k(255) - b[0].clone())
            + (k(255) - b[1].clone())
            + (k(255) - b[2].clone())
            + (k(255) - b[3].clone());
        builder.assert_zero((one() - signed_div.clone()) * overflow.clone());
        builder.assert_zero(overflow.clone() * ovf_sum.clone());
        builder.assert_zero(
            signed_div.clone() * (one() - overflow.clone() - ovf_sum * col(c.ovf_inv)),
        );
        for i in 0..4 {
            let min = if i == 3 { k(0x80) } else { AB::Expr::ZERO };
            builder.assert_zero(overflow.clone() * (mu[i].clone() - min));
            builder.assert_zero(overflow.clone() * mr[i].clone());
        }
        // |r| and |b| by two's-complement negation when negative.
        let abs_r = w4(c.abs_r);
        let abs_b = w4(c.abs_b);
        for (abs, nc, v, s) in [
            (&abs_r, c.ncr, &mr, msr.clone()),
            (&abs_b, c.ncb, &b, msv.clone()),
        ] {
            let mut carry_in = s.clone();
            for i in 0..4 {
                let ncarry = col(nc[i]);
                builder.assert_bool(ncarry.clone());
                let flipped =
                    s.clone() * (k(255) - v[i].clone()) + (one() - s.clone()) * v[i].clone();
                builder
                    .when(divisions.clone())
                    .assert_eq(abs[i].clone() + ncarry.clone() * k(256), flipped + carry_in);
                carry_in = ncarry;
            }
        }
        // |r| < |b| (unless b = 0 or overflow): |r| + d = |b| exactly, d != 0.
        let bounded = divisions.clone() - b_zero.clone() - overflow.clone();
        let y_sum = y[0].clone() + y[1].clone() + y[2].clone() + y[3].clone();
        for i in 0..4 {
            let mut g = builder.when(divisions.clone());
            g.assert_eq(x[i].clone(), abs_r[i].clone());
            g.assert_eq(z[i].clone(), abs_b[i].clone());
        }
        builder.assert_zero(bounded.clone() * carry[3].clone());
        builder.assert_zero(bounded * (y_sum * col(c.eq_inv) - one()));
        range_pair(builder, y[0].clone(), y[1].clone(), divisions.clone());
        range_pair(builder, y[2].clone(), y[3].clone(), divisions.clone());
        // r's sign is a's unless r = 0.
        let r_sum = mr[0].clone() + mr[1].clone() + mr[2].clone() + mr[3].clone();
        builder.assert_zero(signed_div * (msr - sa) * r_sum);
        // The quotient and the remainder are witnesses: their limbs are bytes.
        for w in [&mu, &mr] {
            range_pair(builder, w[0].clone(), w[1].clone(), divisions.clone());
            range_pair(builder, w[2].clone(), w[3].clone(), divisions.clone());
        }
        // Results: the quotient or the remainder.
        for i in 0..4 {
            builder.assert_zero((f(Op::Div) + f(Op::Divu)) * (cc[i].clone() - mu[i].clone()));
            builder.assert_zero((f(Op::Rem) + f(Op::Remu)) * (cc[i].clone() - mr[i].clone()));
        }

        // --- ECALL: t0 < 256; a1 through the memory slot; the I/O table
        // decides the rest (see `crate::io`). ---
        let ecall = f(Op::Ecall);
        for bi in &b[1..] {
            builder.assert_zero(ecall.clone() * bi.clone());
        }
        builder.assert_zero(ecall.clone() * (word_addr_of(&c, &l) - k(ember_abi::reg::A1 as u32)));
        let mut message = vec![clk.clone(), col(c.cycle), b[0].clone()];
        message.extend(a.iter().cloned());
        message.extend(w4(c.mem_prev));
        message.extend(w4(c.mem_new));
        message.extend(cc.iter().cloned());
        message.push(col(c.extra));
        message.push(ends);
        builder.push_interaction(bus::ECALL, message, Count::bounded(ecall, 1));
    }
}

/// The word address of a load or store: `z / 4` (`z0 = 4 k + lane`); an
/// ECALL sets `k` to a1's register number and `z` to 0.
fn word_addr_of<E: PrimeCharacteristicRing + Clone>(c: &CpuCols, l: &[E]) -> E {
    l[c.k].clone()
        + l[c.z[1]].clone() * E::from_u32(1 << 6)
        + l[c.z[2]].clone() * E::from_u32(1 << 14)
        + l[c.z[3]].clone() * E::from_u32(1 << 22)
}

/// `sign` is the top bit of the byte `v`, when `count` is 1: `flipped = v ^
/// 0x80` (looked up), so `v + 128 - flipped` is 256 times the sign bit.
fn sign_of<AB>(builder: &mut AB, v: AB::Expr, flipped: AB::Expr, sign: AB::Expr, count: AB::Expr)
where
    AB: AirBuilder + InteractionBuilder,
{
    builder.assert_zero(
        count.clone()
            * (sign * AB::Expr::from_u32(256) - v.clone() - AB::Expr::from_u32(128)
                + flipped.clone()),
    );
    builder.push_interaction(
        bus::BYTES,
        [
            AB::Expr::from_u32(tag::XOR),
            v,
            AB::Expr::from_u32(0x80),
            flipped,
        ],
        Count::bounded(count, 1),
    );
}
