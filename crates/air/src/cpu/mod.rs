//! The CPU table: one row per executed instruction.
//!
//! A row looks up its `(pc, instruction)` in the program table, reads `rs1`
//! and `rs2` and writes `rd` through the memory bus (timestamps `4 clk + 0`,
//! `+1` and `+3`; a load or store uses `+2`), and constrains the result,
//! family by family:
//! - [`alu`]: one adder (`z = x + y` on bytes with carries) serves ADD/ADDI
//!   (`a + opb = c`), SUB (`c + b = a`), the comparisons and branches
//!   (`d + opb = a`, with the top bytes' sign bits flipped for signed ones:
//!   the carry out is `a < opb`), and addresses (`a + imm`); AND/OR/XOR look
//!   up each byte in the byte table; LUI/AUIPC and JAL/JALR's link are
//!   static values from the program table;
//! - [`mem`]: loads and stores;
//! - [`muldiv`]: the multiplier's users (MUL*, shifts, division);
//! - ECALL: `t0 < 256`, `a1` through the memory slot, the rest decided by
//!   the I/O table ([`crate::io`]).
//!
//! Rows are real from the first (at the entry, `clk = 1`) to the HALT, then
//! padding to a power of two. Public values: see [`crate::public`].

mod alu;
mod cols;
mod mem;
mod muldiv;

use core::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

pub use cols::{CPU_COLS, CPU_WIDTH, CpuCols, InsnCols};
pub use mem::LAST_TOP_BYTE;

use crate::bus;
use crate::ops::Op;
use crate::public::{PUBLIC_WIDTH, PublicValues};

/// The public values' indices (kept under the CPU's name for old callers).
pub use crate::public::index as public;

/// The most CPU rows a proof may have: timestamps `4 clk + 3` stay below
/// 2^24, where their differences are range-checked.
pub const MAX_LOG_HEIGHT: usize = 22;

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
        CPU_WIDTH
    }

    fn num_public_values(&self) -> usize {
        PUBLIC_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        let c = CPU_COLS;
        vec![c.is_real, c.clk, c.pc, c.cycle]
    }
}

/// A row's operation flags, as expressions.
pub(crate) struct Flags<'a, T>(&'a [T]);

impl<T: Copy> Flags<'_, T> {
    /// The flag of `op`.
    pub(crate) fn of<E: From<T>>(&self, op: Op) -> E {
        self.0[op.index()].into()
    }

    /// The sum of the flags of `ops`: 1 on rows of one of them.
    pub(crate) fn any<E: From<T> + PrimeCharacteristicRing>(&self, ops: &[Op]) -> E {
        ops.iter().fold(E::ZERO, |acc, &op| acc + self.of::<E>(op))
    }

    /// The sum of the flags of the operations `keep` selects.
    pub(crate) fn any_where<E: From<T> + PrimeCharacteristicRing>(
        &self,
        keep: fn(Op) -> bool,
    ) -> E {
        Op::ALL
            .iter()
            .filter(|&&o| keep(o))
            .fold(E::ZERO, |acc, &op| acc + self.of::<E>(op))
    }
}

/// A word's four limbs as expressions.
pub(crate) fn limbs<T: Copy, E: From<T>>(w: &[T; 4]) -> [E; 4] {
    w.map(E::from)
}

impl<AB> Air<AB> for CpuAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &CpuCols<AB::Var> = main.current_slice().borrow();
        let next: &CpuCols<AB::Var> = main.next_slice().borrow();
        let pv: PublicValues<AB::PublicVar> = {
            let values = builder.public_values();
            let pv: &PublicValues<AB::PublicVar> = values.borrow();
            *pv
        };
        let f = Flags(&local.flags);
        let one = || AB::Expr::ONE;
        let is_real: AB::Expr = local.is_real.into();
        let clk: AB::Expr = local.clk.into();

        // --- Selectors: one flag per row, exactly on real rows. ---
        builder.assert_bool(is_real.clone());
        for &op in &Op::ALL {
            builder.assert_bool(f.of::<AB::Expr>(op));
        }
        builder.assert_eq(f.any::<AB::Expr>(&Op::ALL), is_real.clone());
        let ends: AB::Expr = local.ends.into();
        let ecall: AB::Expr = f.of(Op::Ecall);
        builder.assert_bool(ends.clone());
        builder.assert_zero(ends.clone() * (one() - ecall.clone()));
        // Padding rows write nothing.
        builder.assert_zero(local.insn.writes_rd.into() * (one() - is_real.clone()));

        // --- Sequencing. ---
        let mut first = builder.when_first_row();
        first.assert_one(is_real.clone());
        first.assert_one(clk.clone());
        first.assert_eq(local.pc, pv.entry);
        first.assert_zero(local.cycle);
        let next_real: AB::Expr = next.is_real.into();
        let mut t = builder.when_transition();
        t.assert_eq(next.clk, clk.clone() + one());
        t.assert_zero((one() - is_real.clone()) * next_real.clone());
        t.assert_zero(next_real.clone() * (next.pc.into() - local.next_pc.into()));
        // Each instruction costs one cycle; an ECALL may cost more.
        t.assert_zero(
            next_real.clone()
                * (next.cycle.into() - local.cycle.into() - one() - local.extra.into()),
        );
        // The last real row is the HALT or PANIC, and nothing follows it.
        t.assert_eq(is_real.clone() * (one() - next_real), ends.clone());
        builder
            .when_last_row()
            .assert_eq(is_real.clone(), ends.clone());
        builder.assert_zero((one() - ecall.clone()) * local.extra.into());

        // --- The instruction: from the program table. ---
        let op_code = Op::ALL.iter().fold(AB::Expr::ZERO, |acc, &op| {
            acc + f.of::<AB::Expr>(op) * AB::Expr::from_u8(op as u8)
        });
        let insn = &local.insn;
        let mut message: Vec<AB::Expr> = vec![
            local.pc.into(),
            op_code,
            insn.rd.into(),
            insn.rs1.into(),
            insn.rs2.into(),
        ];
        message.extend(limbs::<_, AB::Expr>(&insn.imm));
        message.extend(limbs::<_, AB::Expr>(&insn.value));
        message.push(insn.target.into());
        message.push(insn.writes_rd.into());
        builder.push_interaction(bus::PROGRAM, message, Count::bounded(is_real, 1));

        // --- Registers. ---
        let ts = |s: usize| clk.clone() * AB::Expr::from_u32(4) + AB::Expr::from_usize(s);
        let a = limbs::<_, AB::Expr>(&local.a);
        let b = limbs::<_, AB::Expr>(&local.b);
        let c = limbs::<_, AB::Expr>(&local.c);
        local.access[slot::RS1].eval(
            builder,
            insn.rs1.into(),
            a.clone(),
            a.clone(),
            one(),
            ts(slot::RS1),
            f.any_where(Op::reads_rs1),
        );
        local.access[slot::RS2].eval(
            builder,
            insn.rs2.into(),
            b.clone(),
            b.clone(),
            one(),
            ts(slot::RS2),
            f.any_where(Op::reads_rs2),
        );
        local.access[slot::RD].eval(
            builder,
            insn.rd.into(),
            limbs(&local.rd_prev),
            c.clone(),
            one(),
            ts(slot::RD),
            insn.writes_rd.into(),
        );

        // --- The second operand. ---
        let reg_b: AB::Expr = f.any_where(|o| o.reads_rs2() && !o.uses_imm() && o != Op::Ecall);
        let imm_b: AB::Expr = f.any_where(Op::uses_imm);
        for i in 0..4 {
            builder.assert_zero(reg_b.clone() * (local.opb[i].into() - b[i].clone()));
            builder.assert_zero(imm_b.clone() * (local.opb[i].into() - insn.imm[i].into()));
        }

        alu::eval(builder, local);
        mem::eval(builder, local, ts(slot::MEM));
        muldiv::eval(builder, local);

        // --- ECALL: t0 < 256; a1 through the memory slot; the I/O table
        // decides the rest (see `crate::io`). ---
        for bi in &b[1..] {
            builder.assert_zero(ecall.clone() * bi.clone());
        }
        builder.assert_zero(
            ecall.clone()
                * (mem::word_addr::<AB>(local) - AB::Expr::from_usize(ember_abi::reg::A1)),
        );
        let mut message: Vec<AB::Expr> = vec![clk, local.cycle.into(), b[0].clone()];
        message.extend(a);
        message.extend(limbs::<_, AB::Expr>(&local.mem_prev));
        message.extend(limbs::<_, AB::Expr>(&local.mem_new));
        message.extend(c);
        message.push(local.extra.into());
        message.push(ends);
        builder.push_interaction(bus::ECALL, message, Count::bounded(ecall, 1));
    }
}
