//! The public values of a proof: what the statement says, defined once. The
//! prover fills them from the run, the verifier from the claim, both
//! through [`PublicValues::new`]; the I/O and node tables read them by name.
//!
//! The input's and the journal's SHA-256 digests are public values too,
//! which no constraint reads: Plonky3 absorbs every public value into the
//! transcript before it draws any challenge, and the data table's bytes
//! reach the proof only through periodic columns the verifier evaluates at
//! the out-of-domain point, which the transcript does not otherwise see.
//! Without the digests a prover could pick, after seeing the challenges,
//! another input or journal of the same length whose periodic columns
//! agree with the proven ones at that point (one linear equation over the
//! challenge field in the bytes: a lattice problem, not a hash preimage).

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
    /// SHA-256 of the input, as 16-bit limbs (bytes `2i`, `2i + 1`, little
    /// endian).
    pub input_digest: [T; 16],
    /// SHA-256 of the journal, likewise.
    pub journal_digest: [T; 16],
    /// The memory tree's root before the segment (see [`crate::paging`]).
    pub root_in: [T; 8],
    /// The memory tree's root after it.
    pub root_out: [T; 8],
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
    /// The input's SHA-256 digest (the claim's `input_digest`).
    pub input_digest: [u8; 32],
    /// The journal's SHA-256 digest (the claim's `journal_digest`).
    pub journal_digest: [u8; 32],
    /// The memory tree's root before the run and after it (each element
    /// canonical, below the field's order).
    pub roots: [[u32; 8]; 2],
}

impl Statement {
    /// The statement of a run of `cycles` cycles ending with `status` and
    /// `exit_code` on `input`, having committed `journal`, that took memory
    /// from the tree root `roots[0]` to `roots[1]`.
    pub fn of(
        status: u8,
        exit_code: u32,
        cycles: u32,
        input: &[u8],
        journal: &[u8],
        roots: [[u32; 8]; 2],
    ) -> Self {
        let digest = |data: &[u8]| ember_core::Digest::of(&[data]).0;
        Statement {
            status,
            exit_code,
            cycles,
            journal_len: journal.len() as u32,
            input_len: input.len() as u32,
            input_digest: digest(input),
            journal_digest: digest(journal),
            roots,
        }
    }
}

/// A digest as 16-bit limbs.
pub fn digest_limbs<F: Field>(digest: &[u8; 32]) -> [F; 16] {
    core::array::from_fn(|i| F::from_u16(u16::from_le_bytes([digest[2 * i], digest[2 * i + 1]])))
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
            input_digest: digest_limbs(&s.input_digest),
            journal_digest: digest_limbs(&s.journal_digest),
            root_in: s.roots[0].map(F::from_u32),
            root_out: s.roots[1].map(F::from_u32),
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
    /// The input digest's first limb.
    pub const INPUT_DIGEST: usize = PUBLIC_COLS.input_digest[0];
    /// The journal digest's first limb.
    pub const JOURNAL_DIGEST: usize = PUBLIC_COLS.journal_digest[0];
    /// The initial root's first element.
    pub const ROOT_IN: usize = PUBLIC_COLS.root_in[0];
    /// The final root's first element.
    pub const ROOT_OUT: usize = PUBLIC_COLS.root_out[0];
    /// How many.
    pub const COUNT: usize = super::PUBLIC_WIDTH;
}
