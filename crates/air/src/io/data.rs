//! The data table: the input and the journal, fixed by the verifier.
//!
//! Each row holds one `(channel, position, byte)`, received on the data bus
//! as many times as the prover says: the input's bytes on channel 0, the
//! journal's on channel 1, padding on channel 2 (never sent). The verifier
//! fixes the rows through three periodic columns whose period is the
//! table's height (it evaluates them at the out-of-domain point itself, in
//! time linear in the data), and a degree-1 constraint makes each of the
//! three main columns equal to its periodic column on every row. So the
//! data is not in the preprocessed commitment, which then depends on the
//! ELF alone: a verifying key holds it once per program.
//!
//! (The lookup messages are main columns, not the periodic ones directly:
//! Plonky3 0.8 builds the LogUp columns from the main and preprocessed rows
//! only.)

use std::borrow::Cow;

use core::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::Field;
use p3_lookup::{Count, InteractionBuilder};
use p3_matrix::dense::RowMajorMatrix;

use super::channel;
use crate::{bus, columns};

/// A data row: the multiplicity (the prover's), then the row's `(channel,
/// position, byte)`, each equal to the verifier's periodic column.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DataCols<T> {
    /// How many times the row is looked up.
    pub multiplicity: T,
    /// Channel, position, byte.
    pub row: [T; 3],
}

columns!(DataCols, DATA_WIDTH, DATA_COLS);

/// The data table of a segment: the input bytes it reads and the journal
/// bytes it writes, at their positions in the whole input and journal.
#[derive(Clone, Debug)]
pub struct DataAir {
    input: Vec<u8>,
    input_at: u32,
    journal: Vec<u8>,
    journal_at: u32,
}

impl DataAir {
    /// The table of this input and journal, from their first bytes.
    pub fn new(input: &[u8], journal: &[u8]) -> Self {
        DataAir::at(input, 0, journal, 0)
    }

    /// The table of `input` from position `input_at` and `journal` from
    /// `journal_at`.
    pub fn at(input: &[u8], input_at: u32, journal: &[u8], journal_at: u32) -> Self {
        DataAir {
            input: input.to_vec(),
            input_at,
            journal: journal.to_vec(),
            journal_at,
        }
    }

    /// Rows, padded to a power of two (padding is channel 2: never sent).
    pub fn height(&self) -> usize {
        (self.input.len() + self.journal.len())
            .next_power_of_two()
            .max(16)
    }

    /// Each row's `(channel, position, byte)`, padding included.
    fn rows(&self) -> impl Iterator<Item = [u32; 3]> + '_ {
        let padding = self.height() - self.input.len() - self.journal.len();
        (self.input.iter().enumerate())
            .map(|(i, &b)| [channel::INPUT, self.input_at + i as u32, b.into()])
            .chain(
                (self.journal.iter().enumerate())
                    .map(|(i, &b)| [channel::JOURNAL, self.journal_at + i as u32, b.into()]),
            )
            .chain(std::iter::repeat_n([channel::NONE, 0, 0], padding))
    }

    /// The main trace: each row looked up `counts[row]` times (missing
    /// counts are zero).
    pub fn trace<F: Field>(&self, counts: &[u32]) -> RowMajorMatrix<F> {
        let mut values = Vec::with_capacity(self.height() * DATA_WIDTH);
        for (i, row) in self.rows().enumerate() {
            let count = counts.get(i).copied().unwrap_or(0);
            values.push(F::from_u32(count));
            values.extend(row.map(F::from_u32));
        }
        RowMajorMatrix::new(values, DATA_WIDTH)
    }
}

impl<F: Field> BaseAir<F> for DataAir {
    fn width(&self) -> usize {
        DATA_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }

    fn num_periodic_columns(&self) -> usize {
        3
    }

    fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        let mut columns: Vec<Vec<F>> = (0..3).map(|_| Vec::with_capacity(self.height())).collect();
        for row in self.rows() {
            for (column, v) in columns.iter_mut().zip(row) {
                column.push(F::from_u32(v));
            }
        }
        Cow::Owned(columns)
    }
}

impl<AB> Air<AB> for DataAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &DataCols<AB::Var> = main.current_slice().borrow();
        let (multiplicity, row) = (local.multiplicity, local.row);
        let fixed: Vec<AB::Expr> = builder
            .periodic_values()
            .iter()
            .map(|&v| v.into())
            .collect();
        for (&cell, value) in row.iter().zip(fixed) {
            builder.assert_eq(cell, value);
        }
        builder.push_interaction(
            bus::DATA,
            row.map(Into::into),
            Count::provided(-multiplicity.into()),
        );
    }
}
