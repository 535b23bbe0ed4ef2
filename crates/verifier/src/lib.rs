//! Verifies Ember proofs. It never runs the executor: from the ELF it builds
//! the tables' fixed parts (the program table) and the initial memory
//! tree's root itself, derives their commitments (once per program: a
//! [`VerifyingKey`]), and checks the proof against the public values it
//! computes from the claim.

mod frame;
mod key;
mod receipt;
mod segments;
pub use ember_air::Params;
pub use key::*;
pub use receipt::*;
pub use segments::verify_segments;

use ember_air::paging::tree::{Digest as Root, digest_u32};
use ember_air::public::Boundary;
use ember_air::set::SegmentEnd;
use ember_air::{EmberAir, EmberProof, TableSet, Val, config};
use ember_core::Program;
use p3_batch_stark::verify_batch;

/// What an execution proof claims, in the verifier's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statement {
    /// 0 halted, 1 panicked.
    pub status: u8,
    /// The exit code.
    pub exit_code: u32,
    /// Cycles.
    pub cycles: u64,
}

/// Why a proof was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The program cannot have a proof (its code lies too high).
    #[error("the program cannot be proven: code ends at {end:#010x}, above 0x40000000")]
    CodeTooHigh {
        /// End of its code.
        end: u32,
    },
    /// The proof's shape is wrong (number of tables, a preprocessed
    /// table's height, a chip or I/O table too tall).
    #[error("the proof's shape is wrong: {0}")]
    Shape(String),
    /// The input or the journal is longer than a proof can hold.
    #[error("the {what} has {len} bytes, more than a proof holds (2^{MAX_LOG_DATA} bytes)")]
    DataTooLong {
        /// "input" or "journal".
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// The STARK did not verify: the named check failed.
    #[error("the proof does not verify: {0}")]
    Stark(String),
}

/// The tables for `program` run on `input` with `journal`, as the verifier
/// builds them from the ELF.
pub fn airs(program: &Program, input: &[u8], journal: &[u8]) -> Result<Vec<EmberAir>, VerifyError> {
    ember_air::tables(program, input, journal).map_err(|e| match e {
        ember_air::ops::ProgramError::CodeTooHigh { end } => VerifyError::CodeTooHigh { end },
    })
}

/// The longest input or journal a proof holds (log2), as the prover sees it.
pub use ember_air::io::MAX_LOG_DATA;

/// The public values the I/O and node tables of a proof of a whole run
/// must expose for `statement`: one segment from `entry` with the memory
/// tree at `initial_root` to HALT or PANIC, having read the input's first
/// `end.input_pos` bytes and left the tree at `end.root` (what the proof
/// states of its end, the verifier cannot compute).
pub fn public_values(
    input: &[u8],
    journal: &[u8],
    statement: &Statement,
    entry: u32,
    initial_root: Root,
    end: &SegmentEnd,
) -> Result<Vec<Val>, VerifyError> {
    segments::data_fits(input, journal)?;
    let start = Boundary {
        pc: entry,
        cycles: 0,
        input_pos: 0,
        journal_pos: 0,
        root: digest_u32(&initial_root),
    };
    segments::segment(&start, end, true, statement, input, journal)
        .map(|(_, pv, _)| pv)
        .map_err(VerifyError::Shape)
}

/// Checks that `proof` proves `statement` about `program` run on `input`
/// with `journal` as its journal: [`verify_with_key`] with the program's
/// key made on the spot (for the proof's parameter set only).
pub fn verify(
    program: &Program,
    input: &[u8],
    journal: &[u8],
    statement: &Statement,
    proof: &EmberProof,
) -> Result<(), VerifyError> {
    let key = VerifyingKey::for_sets(program, program.image_id(), &[proof.params])?;
    verify_with_key(&key, input, journal, statement, proof)
}

/// Checks that `proof` proves `statement` about the program of `key` run on
/// `input` with `journal` as its journal. Nothing is recommitted: the
/// preprocessed tables' commitment is the key's.
pub fn verify_with_key(
    key: &VerifyingKey,
    input: &[u8],
    journal: &[u8],
    statement: &Statement,
    proof: &EmberProof,
) -> Result<(), VerifyError> {
    verify_segments(key, input, journal, statement, std::slice::from_ref(proof))
}

/// Checks one segment's proof against its public values `pv`, its data
/// table holding `data`.
fn verify_segment(
    key: &VerifyingKey,
    pv: Vec<Val>,
    data: ember_air::io::DataAir,
    proof: &EmberProof,
) -> Result<(), VerifyError> {
    // Every required table is in the set (an optional one may be left out:
    // see `ember_air::set`).
    let tables = TableSet::from_bits(proof.tables.bits()).ok_or_else(|| {
        VerifyError::Shape(format!(
            "the proof's tables {:#x} leave out a required table or name an unknown one",
            proof.tables.bits()
        ))
    })?;
    let airs: Vec<EmberAir> = key
        .airs(data)
        .into_iter()
        .filter(|a| tables.contains(a.id()))
        .collect();
    let degree_bits = &proof.batch.degree_bits;
    if degree_bits.len() != tables.len() {
        return Err(VerifyError::Shape(format!(
            "{} tables, expected {}",
            degree_bits.len(),
            tables.len()
        )));
    }
    for (air, &bits) in airs.iter().zip(degree_bits) {
        let t = air.id();
        // The preprocessed tables' heights are the verifier's, not the proof's.
        if let Some(rows) = air.fixed_height()
            && bits != rows.trailing_zeros() as usize
        {
            return Err(VerifyError::Shape(format!(
                "the {t:?} table has 2^{bits} rows, expected {rows}"
            )));
        }
        // No table may be taller than the field's two-adicity (24) allows at
        // the set's blowup: Plonky3 panics on such a shape rather than
        // rejecting it.
        let max = proof.params.max_log_table_height();
        if bits > max {
            return Err(VerifyError::Shape(format!(
                "a table has 2^{bits} rows, more than 2^{max}"
            )));
        }
        if let Some(max) = t.max_log_height()
            && bits > max
        {
            return Err(VerifyError::Shape(format!(
                "the {t:?} table has 2^{bits} rows, more than 2^{max}"
            )));
        }
    }
    // The preprocessed tables' commitment is the key's, made from the ELF.
    let common = key.common_data(proof.params, &airs, degree_bits)?;
    let public_values: Vec<Vec<Val>> = airs
        .iter()
        .map(|a| {
            if a.id().has_public_values() {
                pv.clone()
            } else {
                Vec::new()
            }
        })
        .collect();
    verify_batch(
        &config(proof.params),
        &airs,
        &proof.batch,
        &public_values,
        &common,
    )
    .map_err(|e| VerifyError::Stark(format!("{e:?}")))
}
