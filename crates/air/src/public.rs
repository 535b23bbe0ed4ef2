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

/// The public values, in order: a segment's (a run's part that one proof
/// holds; a run in one proof is one segment that starts at the entry and
/// ends).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PublicValues<T> {
    /// The exit code's low 16 bits (0 unless the segment ends the run).
    pub exit_lo: T,
    /// The exit code's high 16 bits.
    pub exit_hi: T,
    /// 0 halted, 1 panicked (0 unless the segment ends the run).
    pub status: T,
    /// The segment's cycles.
    pub cycles: T,
    /// The journal's length after the segment (its bytes so far).
    pub journal_len: T,
    /// The whole input's length in bytes.
    pub input_len: T,
    /// SHA-256 of the input bytes the segment reads, as 16-bit limbs
    /// (bytes `2i`, `2i + 1`, little endian).
    pub input_digest: [T; 16],
    /// SHA-256 of the journal bytes the segment writes, likewise.
    pub journal_digest: [T; 16],
    /// The memory tree's root before the segment (see [`crate::paging`]).
    pub root_in: [T; 8],
    /// The memory tree's root after it.
    pub root_out: [T; 8],
    /// The pc the segment starts at.
    pub pc_in: T,
    /// The pc the next segment starts at (0 if this one ends the run).
    pub pc_out: T,
    /// The clock after the segment's last instruction (its instructions
    /// plus one; 0 if it ends the run).
    pub clk_out: T,
    /// 1 if the segment ends the run (HALT or PANIC), else 0.
    pub ended: T,
    /// The cycles before the segment (below 2^30).
    pub cycle_base: T,
    /// The input's position before the segment.
    pub in_pos_in: T,
    /// The input's position after it.
    pub in_pos_out: T,
    /// The journal's length before the segment.
    pub j_pos_in: T,
}

columns!(PublicValues, PUBLIC_WIDTH, PUBLIC_COLS);

/// Where a segment starts or ends: what the next one continues from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Boundary {
    /// The pc.
    pub pc: u32,
    /// Cycles so far.
    pub cycles: u32,
    /// Input bytes read so far.
    pub input_pos: u32,
    /// Journal bytes written so far.
    pub journal_pos: u32,
    /// The memory tree's root (each element canonical).
    pub root: [u32; 8],
}

/// A segment's statement, before it becomes field elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Where it starts.
    pub start: Boundary,
    /// Where it ends (the pc 0 if it ends the run).
    pub end: Boundary,
    /// How the run ended, if this segment ends it: status (0 halted, 1
    /// panicked) and exit code.
    pub exit: Option<(u8, u32)>,
    /// The clock after its last instruction (0 if it ends the run).
    pub clk_out: u32,
    /// The whole input's length.
    pub input_len: u32,
    /// SHA-256 of the input bytes it reads (`input[start.input_pos ..
    /// end.input_pos]`).
    pub input_digest: [u8; 32],
    /// SHA-256 of the journal bytes it writes.
    pub journal_digest: [u8; 32],
}

/// A digest as 16-bit limbs.
pub fn digest_limbs<F: Field>(digest: &[u8; 32]) -> [F; 16] {
    core::array::from_fn(|i| F::from_u16(u16::from_le_bytes([digest[2 * i], digest[2 * i + 1]])))
}

impl<F: Field> PublicValues<F> {
    /// The public values of `s`.
    pub fn new(s: &Statement) -> Self {
        let (status, exit_code) = s.exit.unwrap_or((0, 0));
        let u = F::from_u32;
        PublicValues {
            exit_lo: u(exit_code & 0xffff),
            exit_hi: u(exit_code >> 16),
            status: F::from_u8(status),
            cycles: u(s.end.cycles.wrapping_sub(s.start.cycles)),
            journal_len: u(s.end.journal_pos),
            input_len: u(s.input_len),
            input_digest: digest_limbs(&s.input_digest),
            journal_digest: digest_limbs(&s.journal_digest),
            root_in: s.start.root.map(u),
            root_out: s.end.root.map(u),
            pc_in: u(s.start.pc),
            pc_out: u(s.end.pc),
            clk_out: u(s.clk_out),
            ended: F::from_bool(s.exit.is_some()),
            cycle_base: u(s.start.cycles),
            in_pos_in: u(s.start.input_pos),
            in_pos_out: u(s.end.input_pos),
            j_pos_in: u(s.start.journal_pos),
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
    /// The pc the segment starts at.
    pub const PC_IN: usize = PUBLIC_COLS.pc_in;
    /// The pc the next segment starts at.
    pub const PC_OUT: usize = PUBLIC_COLS.pc_out;
    /// The clock after the segment.
    pub const CLK_OUT: usize = PUBLIC_COLS.clk_out;
    /// Whether the segment ends the run.
    pub const ENDED: usize = PUBLIC_COLS.ended;
    /// The cycles before the segment.
    pub const CYCLE_BASE: usize = PUBLIC_COLS.cycle_base;
    /// The input's position before the segment.
    pub const IN_POS_IN: usize = PUBLIC_COLS.in_pos_in;
    /// The input's position after it.
    pub const IN_POS_OUT: usize = PUBLIC_COLS.in_pos_out;
    /// The journal's length before the segment.
    pub const J_POS_IN: usize = PUBLIC_COLS.j_pos_in;
    /// The initial root's first element.
    pub const ROOT_IN: usize = PUBLIC_COLS.root_in[0];
    /// The final root's first element.
    pub const ROOT_OUT: usize = PUBLIC_COLS.root_out[0];
    /// How many.
    pub const COUNT: usize = super::PUBLIC_WIDTH;
}

/// Where the segment of these public values ends (what its proof states).
pub fn segment_end(pv: &[crate::Val]) -> crate::set::SegmentEnd {
    use p3_field::PrimeField32;
    let u = |i: usize| pv[i].as_canonical_u32();
    crate::set::SegmentEnd {
        pc: u(index::PC_OUT),
        clk: u(index::CLK_OUT),
        cycles: u(index::CYCLES),
        input_pos: u(index::IN_POS_OUT),
        journal_pos: u(index::JOURNAL_LEN),
        root: core::array::from_fn(|i| pv[index::ROOT_OUT + i]),
        ended: u(index::ENDED) == 1,
    }
}
