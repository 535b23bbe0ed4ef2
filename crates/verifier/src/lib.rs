//! Verifies Ember proofs. It never runs the executor: from the ELF it builds
//! the tables' fixed parts (the program table and the initial image) itself,
//! derives their commitments, and checks the proof against the public values
//! it computes from the claim.

mod receipt;
pub use receipt::*;

use ember_air::cpu::MAX_LOG_HEIGHT;
use ember_air::public::PublicValues;
use ember_air::{EmberAir, EmberConfig, Val, config, table};
use ember_core::Program;
use p3_batch_stark::{BatchProof, ProverData, verify_batch};

/// The tallest table a proof may have: KoalaBear's two-adicity less the FRI
/// blowup's log.
pub const MAX_LOG_TABLE_HEIGHT: usize =
    <Val as p3_field::TwoAdicField>::TWO_ADICITY - ember_air::config::LOG_BLOWUP;

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
    /// table's height, a CPU table too tall).
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

/// The longest input or journal a proof holds: positions are below 2^24.
pub const MAX_LOG_DATA: usize = 22;

/// The public values the CPU and I/O tables must expose for `statement`.
pub fn public_values(
    program: &Program,
    input: &[u8],
    journal: &[u8],
    statement: &Statement,
) -> Result<Vec<Val>, VerifyError> {
    for (what, data) in [("input", input), ("journal", journal)] {
        if data.len() > 1 << MAX_LOG_DATA {
            return Err(VerifyError::DataTooLong {
                what,
                len: data.len(),
            });
        }
    }
    // Each CPU row costs a cycle, each I/O word at most one more.
    let cycles = u32::try_from(statement.cycles)
        .ok()
        .filter(|&c| c <= 2 << MAX_LOG_HEIGHT)
        .ok_or_else(|| {
            VerifyError::Shape(format!(
                "{} cycles cannot be in one proof",
                statement.cycles
            ))
        })?;
    let data_len = |d: &[u8]| d.len() as u32;
    let pv = PublicValues::<Val>::new(&ember_air::public::Statement {
        entry: program.entry(),
        status: statement.status,
        exit_code: statement.exit_code,
        cycles,
        journal_len: data_len(journal),
        input_len: data_len(input),
    });
    Ok(pv.to_vec())
}

/// Checks that `proof` proves `statement` about `program` run on `input`
/// with `journal` as its journal.
pub fn verify(
    program: &Program,
    input: &[u8],
    journal: &[u8],
    statement: &Statement,
    proof: &BatchProof<EmberConfig>,
) -> Result<(), VerifyError> {
    let pv = public_values(program, input, journal, statement)?;
    let airs = airs(program, input, journal)?;
    let degree_bits = &proof.degree_bits;
    if degree_bits.len() != table::COUNT {
        return Err(VerifyError::Shape(format!(
            "{} tables, expected {}",
            degree_bits.len(),
            table::COUNT
        )));
    }
    // The preprocessed tables' heights are the verifier's, not the proof's.
    let fixed = [
        (table::PROGRAM, height(&airs[table::PROGRAM])),
        (table::IMAGE, height(&airs[table::IMAGE])),
        (table::BYTES, 1 << ember_air::bytes::LOG_HEIGHT),
        (table::POW2, ember_air::pow2::HEIGHT),
        (table::DATA, height(&airs[table::DATA])),
    ];
    for (t, rows) in fixed {
        if degree_bits[t] != rows.trailing_zeros() as usize {
            return Err(VerifyError::Shape(format!(
                "table {t} has 2^{} rows, expected {rows}",
                degree_bits[t]
            )));
        }
    }
    // No table may be taller than the field's two-adicity (24) allows at
    // this blowup: Plonky3 panics on such a shape rather than rejecting it.
    if let Some(bits) = degree_bits.iter().find(|&&b| b > MAX_LOG_TABLE_HEIGHT) {
        return Err(VerifyError::Shape(format!(
            "a table has 2^{bits} rows, more than 2^{MAX_LOG_TABLE_HEIGHT}"
        )));
    }
    for (t, name) in [(table::CPU, "CPU"), (table::IO, "I/O")] {
        if degree_bits[t] > MAX_LOG_HEIGHT {
            return Err(VerifyError::Shape(format!(
                "the {name} table has 2^{} rows, more than 2^{MAX_LOG_HEIGHT}",
                degree_bits[t]
            )));
        }
    }
    let config = config();
    // The preprocessed commitments come from the verifier's own tables.
    let common = ProverData::<EmberConfig>::from_airs_and_degrees(&config, &airs, degree_bits)
        .map_err(|e| VerifyError::Shape(format!("{e:?}")))?
        .common;
    let mut public_values = vec![Vec::new(); table::COUNT];
    public_values[table::CPU] = pv.clone();
    public_values[table::IO] = pv;
    verify_batch(&config, &airs, proof, &public_values, &common)
        .map_err(|e| VerifyError::Stark(format!("{e:?}")))
}

fn height(air: &EmberAir) -> usize {
    match air {
        EmberAir::Program(p) => p.height(),
        EmberAir::Image(i) => i.height(),
        EmberAir::Data(d) => d.height(),
        _ => unreachable!("only preprocessed tables have a fixed height"),
    }
}
