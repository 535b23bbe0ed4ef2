//! The data table: the input and the journal, preprocessed by the verifier.

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder};
use p3_field::Field;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;

use super::channel;
use crate::bus;

/// The data table: the input (channel 0) and the journal (channel 1), a
/// preprocessed `(channel, position, byte)` per byte, received as many times
/// as the prover says (a byte not in the table cannot balance).
#[derive(Clone, Debug)]
pub struct DataAir {
    input: Vec<u8>,
    journal: Vec<u8>,
}

impl DataAir {
    /// The table of this input and journal.
    pub fn new(input: &[u8], journal: &[u8]) -> Self {
        DataAir {
            input: input.to_vec(),
            journal: journal.to_vec(),
        }
    }

    /// Rows, padded to a power of two (padding is channel 2: never sent).
    pub fn height(&self) -> usize {
        (self.input.len() + self.journal.len())
            .next_power_of_two()
            .max(16)
    }
}

const DATA_WIDTH: usize = 3;

impl<F: Field> BaseAir<F> for DataAir {
    fn width(&self) -> usize {
        1
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let mut values = Vec::with_capacity(self.height() * DATA_WIDTH);
        let rows = (self
            .input
            .iter()
            .enumerate()
            .map(|(i, &b)| (channel::INPUT, i, b)))
        .chain(
            self.journal
                .iter()
                .enumerate()
                .map(|(i, &b)| (channel::JOURNAL, i, b)),
        );
        for (ch, pos, byte) in rows {
            values.extend([F::from_u32(ch), F::from_usize(pos), F::from_u8(byte)]);
        }
        values.resize(self.height() * DATA_WIDTH, F::ZERO);
        for row in values
            .chunks_mut(DATA_WIDTH)
            .skip(self.input.len() + self.journal.len())
        {
            row[0] = F::from_u32(channel::NONE);
        }
        Some(RowMajorMatrix::new(values, DATA_WIDTH))
    }

    fn preprocessed_width(&self) -> usize {
        DATA_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for DataAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        crate::receive_rows(builder, bus::DATA);
    }
}
