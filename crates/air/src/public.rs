//! The public values of a proof: what the statement says, defined once. The
//! prover fills them from the run, the verifier from the claim, both
//! through [`PublicValues::new`]; the CPU and I/O tables read them by name.

use p3_field::Field;

use crate::columns;

/// The public values, in order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PublicValues<T> {
    /// The exit code's low 16 bits.
    pub exit_lo: T,
    /// The exit code's high 16 bits.
    pub exit_hi: T,
    /// 0 halted, 1 panicked.
    pub status: T,
    /// Cycles.
    pub cycles: T,
    /// The journal's length in bytes.
    pub journal_len: T,
    /// The input's length in bytes.
    pub input_len: T,
}

columns!(PublicValues, PUBLIC_WIDTH, PUBLIC_COLS);

/// The statement's numbers, before they become field elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statement {
    /// 0 halted, 1 panicked.
    pub status: u8,
    /// The exit code.
    pub exit_code: u32,
    /// Cycles (below 2^31: checked by the caller).
    pub cycles: u32,
    /// The journal's length.
    pub journal_len: u32,
    /// The input's length.
    pub input_len: u32,
}

impl<F: Field> PublicValues<F> {
    /// The public values of `s`.
    pub fn new(s: &Statement) -> Self {
        PublicValues {
            exit_lo: F::from_u32(s.exit_code & 0xffff),
            exit_hi: F::from_u32(s.exit_code >> 16),
            status: F::from_u8(s.status),
            cycles: F::from_u32(s.cycles),
            journal_len: F::from_u32(s.journal_len),
            input_len: F::from_u32(s.input_len),
        }
    }

    /// As the vector a proof takes.
    pub fn to_vec(&self) -> Vec<F> {
        let mut v = F::zero_vec(PUBLIC_WIDTH);
        *crate::cols::borrow_row_mut::<F, PublicValues<F>>(&mut v) = *self;
        v
    }
}

/// Indices of the public values (the map's, for code that edits a vector).
pub mod index {
    use super::PUBLIC_COLS;
    /// The exit code's low 16 bits.
    pub const EXIT_LO: usize = PUBLIC_COLS.exit_lo;
    /// The exit code's high 16 bits.
    pub const EXIT_HI: usize = PUBLIC_COLS.exit_hi;
    /// 0 halted, 1 panicked.
    pub const STATUS: usize = PUBLIC_COLS.status;
    /// Cycles.
    pub const CYCLES: usize = PUBLIC_COLS.cycles;
    /// The journal's length in bytes.
    pub const JOURNAL_LEN: usize = PUBLIC_COLS.journal_len;
    /// The input's length in bytes.
    pub const INPUT_LEN: usize = PUBLIC_COLS.input_len;
    /// How many.
    pub const COUNT: usize = super::PUBLIC_WIDTH;
}
