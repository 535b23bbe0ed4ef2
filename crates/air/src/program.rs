//! The program table: the decoded code, preprocessed from the ELF by the
//! verifier, so a proof cannot execute an instruction that is not in the
//! image. The CPU sends `(pc, op, rd, rs1, rs2, imm[4], value[4], target,
//! writes_rd)` for every instruction it executes; this table receives each
//! row's tuple with a multiplicity the prover provides. Where a run (or a
//! segment of it) starts is a public value (see [`crate::paging::node`]).

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::Field;
use p3_lookup::{Count, InteractionBuilder};
use p3_matrix::dense::RowMajorMatrix;

use crate::bus;
use crate::ops::ProgramRow;

/// The program bus's message: its length.
pub const WIDTH: usize = 15;

/// Preprocessed columns: the message.
const PREPROCESSED_WIDTH: usize = WIDTH;

/// The smallest table height (padding rows match nothing: op 0).
pub const MIN_HEIGHT: usize = 16;

/// The program table over the given rows.
#[derive(Clone, Debug)]
pub struct ProgramAir {
    /// `None` for the table a verifying key commits to.
    rows: Option<Vec<ProgramRow>>,
    height: usize,
}

impl ProgramAir {
    /// The table of these rows (in address order).
    pub fn new(rows: Vec<ProgramRow>) -> Self {
        let height = rows.len().next_power_of_two().max(MIN_HEIGHT);
        ProgramAir {
            rows: Some(rows),
            height,
        }
    }

    /// The table as a verifying key holds it: its constraints and its
    /// height, without its rows (the key holds their commitment), so it has
    /// no preprocessed trace.
    pub fn keyed(height: usize) -> Self {
        ProgramAir { rows: None, height }
    }

    /// The rows (none in a keyed table).
    pub fn rows(&self) -> &[ProgramRow] {
        self.rows.as_deref().unwrap_or_default()
    }

    /// The table's height: the rows, padded to a power of two.
    pub fn height(&self) -> usize {
        self.height
    }
}

/// The message of a program row, as field elements.
pub fn message<F: Field>(r: &ProgramRow) -> [F; WIDTH] {
    let b = |w: u32, i: usize| F::from_u8(w.to_le_bytes()[i]);
    [
        F::from_u32(r.pc),
        F::from_u8(r.op as u8),
        F::from_u8(r.rd),
        F::from_u8(r.rs1),
        F::from_u8(r.rs2),
        b(r.imm, 0),
        b(r.imm, 1),
        b(r.imm, 2),
        b(r.imm, 3),
        b(r.value, 0),
        b(r.value, 1),
        b(r.value, 2),
        b(r.value, 3),
        F::from_u32(r.target),
        F::from_bool(r.writes_rd),
    ]
}

impl<F: Field> BaseAir<F> for ProgramAir {
    fn width(&self) -> usize {
        1
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let rows = self.rows.as_ref()?;
        let mut values = F::zero_vec(self.height() * PREPROCESSED_WIDTH);
        for (row, r) in values.chunks_mut(PREPROCESSED_WIDTH).zip(rows) {
            row.copy_from_slice(&message::<F>(r));
        }
        Some(RowMajorMatrix::new(values, PREPROCESSED_WIDTH))
    }

    fn preprocessed_width(&self) -> usize {
        PREPROCESSED_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for ProgramAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let prep = builder.preprocessed();
        let row = prep.current_slice();
        let message: Vec<AB::Expr> = row[..WIDTH].iter().map(|&v| v.into()).collect();
        let multiplicity = builder.main().current_slice()[0];
        builder.push_interaction(bus::PROGRAM, message, Count::provided(-multiplicity.into()));
    }
}
