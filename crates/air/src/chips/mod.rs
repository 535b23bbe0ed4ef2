//! The instruction chips: one table per instruction family, each holding
//! only its own columns and sized to its own row count, so a run pays for
//! what it executes. Every chip row is one executed instruction; its
//! [`adapter`] columns tie it to the program table, to the registers and to
//! its neighbours in the run:
//!
//! **The execution bus.** A row consumes the state `(pc, clk, cycle)` and
//! produces `(next_pc, clk + 1, cycle + cost)`; the program table produces
//! the first state `(entry, 1, 0)` (a preprocessed flag on the entry's
//! row), and the ending ECALL (HALT or PANIC) produces none. The bus
//! balances only if the rows form one chain from the entry: the state with
//! clock 1 is produced once, so one row consumes it; that row produces the
//! only state with clock 2, and so on (a chain that loops back would need
//! `p` rows, and no proof holds that many). So exactly one row ends the run
//! and every row is on the chain, in clock order, each at the pc its
//! predecessor chose. Timestamps `4 clk + slot` are then distinct and
//! increasing along the run.
//!
//! The chips: [`alu`] (ADD, SUB, logic, SLT), [`branch`], [`jump`] (LUI,
//! AUIPC, JAL, JALR, FENCE), [`mem`] (loads and stores), [`mul`] (MUL* and
//! shifts), [`div`] (DIV, REM) and [`ecall`].

pub mod adapter;
pub mod alu;
pub mod branch;
pub mod div;
pub mod ecall;
pub mod jump;
pub mod mem;
pub mod mul;

pub use adapter::{AdapterCols, InsnCols};

use crate::ops::Op;

/// The most rows a chip (and the I/O table) may have; with one instruction
/// per chip row, the run's clock stays below `13 * 2^22` (seven chips and
/// six twins), so timestamps `4 clk + 3` (below 2^28) never wrap the field, and an honest run of up to 2^22
/// instructions keeps every timestamp below 2^24, where gaps are
/// range-checked.
pub const MAX_LOG_HEIGHT: usize = 22;

/// The most cycles a run proven in segments may have: CYCLE_COUNT's
/// result, the cycles before a segment plus its own, stays below 2^30.
pub const MAX_RUN_CYCLES: u64 = 1 << 30;

/// The most cycles one proof holds: each instruction costs one, each I/O
/// word at most one more. The prover refuses a longer run, and the verifier
/// a claim of more.
pub const MAX_CYCLES: u64 = 2 << MAX_LOG_HEIGHT;

/// Access slots (timestamp `4 clk + slot`).
pub mod slot {
    /// Reading rs1.
    pub const RS1: usize = 0;
    /// Reading rs2.
    pub const RS2: usize = 1;
    /// An accelerator's reads of its input (SHA-256's block words): before
    /// the ECALL writes its state at `MEM`.
    pub const BLOCK: usize = 1;
    /// A load or store (and an ECALL's `a1`, `a2` and the state an
    /// accelerator writes).
    pub const MEM: usize = 2;
    /// Writing rd.
    pub const RD: usize = 3;
}

/// Which chip executes `op`.
pub fn chip_of(op: Op) -> Chip {
    [
        (Chip::Alu, alu::OPS),
        (Chip::Branch, branch::OPS),
        (Chip::Jump, jump::OPS),
        (Chip::Mem, mem::OPS),
        (Chip::Mul, mul::OPS),
        (Chip::Div, div::OPS),
        (Chip::Ecall, ecall::OPS),
    ]
    .into_iter()
    .find(|(_, ops)| ops.contains(&op))
    .map(|(chip, _)| chip)
    .expect("every operation has a chip")
}

/// The instruction chips.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Chip {
    /// [`alu`].
    Alu,
    /// [`branch`].
    Branch,
    /// [`jump`].
    Jump,
    /// [`mem`].
    Mem,
    /// [`mul`].
    Mul,
    /// [`div`].
    Div,
    /// [`ecall`].
    Ecall,
}

/// Implements the `BaseAir`/`Air` boilerplate of a chip: its width, no
/// next-row access, public values none, and `eval` on the borrowed row.
macro_rules! chip_air {
    ($air:ident, $cols:ident, $width:ident) => {
        /// The chip's table.
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $air;

        impl<F: p3_field::Field> p3_air::BaseAir<F> for $air {
            fn width(&self) -> usize {
                $width
            }

            fn main_next_row_columns(&self) -> Vec<usize> {
                vec![]
            }
        }

        impl<AB> p3_air::Air<AB> for $air
        where
            AB: p3_air::AirBuilder + p3_air::PermutationAirBuilder + p3_lookup::InteractionBuilder,
            AB::F: p3_field::Field,
        {
            fn eval(&self, builder: &mut AB) {
                use core::borrow::Borrow;
                use p3_air::WindowAccess;
                let main = builder.main();
                let local: &$cols<AB::Var> = main.current_slice().borrow();
                eval(builder, local);
            }
        }
    };
}
pub(crate) use chip_air;
