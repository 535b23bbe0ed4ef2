//! Ember's STARK: the tables' columns and constraints, shared by the prover
//! (which fills the columns) and the verifier (which checks the
//! constraints). See `docs/proof.md` for what a proof attests.
//!
//! Tables, all under one batch FRI proof and tied together by LogUp buses:
//! - [`cpu::CpuAir`]: one row per executed instruction.
//! - [`program::ProgramAir`]: the decoded code, preprocessed from the ELF by
//!   the verifier; the CPU looks up every `(pc, instruction)` it executes.
//! - [`memory::ImageAir`]: the initial registers and memory image,
//!   preprocessed by the verifier.
//! - [`memory::MemoryAir`]: one row per address touched, sorted, with its
//!   final value and timestamp (the offline memory argument's boundary).
//! - [`bytes::BytesAir`]: every pair of bytes with their AND, OR and XOR:
//!   byte range checks and bitwise operations.
//! - [`pow2::Pow2Air`]: powers of two for shifts.
//! - [`io::IoAir`]: what each ECALL does, with one row per word of its buffer.
//! - [`io::DataAir`]: the input and the journal, preprocessed by the verifier.

// Constraints read best indexed by byte position, as the spec writes them.
#![allow(clippy::needless_range_loop)]

pub mod bytes;
pub mod cols;
pub mod config;
pub mod cpu;
pub mod gadget;
pub mod io;
pub mod lookups;
pub mod memory;
pub mod ops;
pub mod pow2;
pub mod program;
pub mod public;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::Field;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;

pub use config::{Challenge, EmberConfig, Val, config};

/// Bus names.
pub mod bus {
    /// `(pc, op, rd, rs1, rs2, imm[4], value[4], target, writes_rd)`.
    pub const PROGRAM: &str = "program";
    /// `(address, value[4], timestamp, writable)`: sent when a value is
    /// produced at an address, received when it is consumed.
    pub const MEMORY: &str = "memory";
    /// `(tag, a, b, c)`: see [`crate::bytes`].
    pub const BYTES: &str = "bytes";
    /// `(key, p[4], zero)`: see [`crate::pow2`].
    pub const POW2: &str = "pow2";
    /// An ECALL, from the CPU to the I/O table: see [`crate::io`].
    pub const ECALL: &str = "ecall";
    /// `(channel, position, byte)`: input and journal bytes, see [`crate::io`].
    pub const DATA: &str = "data";
}

/// Every table, as one type for the batch prover and verifier.
#[derive(Clone, Debug)]
pub enum EmberAir {
    /// The CPU.
    Cpu(cpu::CpuAir),
    /// The program (preprocessed).
    Program(program::ProgramAir),
    /// The initial image (preprocessed).
    Image(memory::ImageAir),
    /// The memory boundary.
    Memory(memory::MemoryAir),
    /// The byte table (preprocessed).
    Bytes(bytes::BytesAir),
    /// Powers of two for shifts (preprocessed).
    Pow2(pow2::Pow2Air),
    /// The ECALLs.
    Io(io::IoAir),
    /// The input and the journal (preprocessed).
    Data(io::DataAir),
}

/// Indices of the tables in a proof.
pub mod table {
    /// The CPU.
    pub const CPU: usize = 0;
    /// The program.
    pub const PROGRAM: usize = 1;
    /// The initial image.
    pub const IMAGE: usize = 2;
    /// The memory boundary.
    pub const MEMORY: usize = 3;
    /// The byte table.
    pub const BYTES: usize = 4;
    /// Powers of two.
    pub const POW2: usize = 5;
    /// The ECALLs.
    pub const IO: usize = 6;
    /// The input and the journal.
    pub const DATA: usize = 7;
    /// How many.
    pub const COUNT: usize = 8;
}

impl<F: Field> BaseAir<F> for EmberAir {
    fn width(&self) -> usize {
        match self {
            EmberAir::Cpu(a) => BaseAir::<F>::width(a),
            EmberAir::Program(a) => BaseAir::<F>::width(a),
            EmberAir::Image(a) => BaseAir::<F>::width(a),
            EmberAir::Memory(a) => BaseAir::<F>::width(a),
            EmberAir::Bytes(a) => BaseAir::<F>::width(a),
            EmberAir::Pow2(a) => BaseAir::<F>::width(a),
            EmberAir::Io(a) => BaseAir::<F>::width(a),
            EmberAir::Data(a) => BaseAir::<F>::width(a),
        }
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        match self {
            EmberAir::Cpu(a) => a.preprocessed_trace(),
            EmberAir::Program(a) => a.preprocessed_trace(),
            EmberAir::Image(a) => a.preprocessed_trace(),
            EmberAir::Memory(a) => a.preprocessed_trace(),
            EmberAir::Bytes(a) => a.preprocessed_trace(),
            EmberAir::Pow2(a) => a.preprocessed_trace(),
            EmberAir::Io(a) => a.preprocessed_trace(),
            EmberAir::Data(a) => a.preprocessed_trace(),
        }
    }

    fn preprocessed_width(&self) -> usize {
        match self {
            EmberAir::Cpu(a) => BaseAir::<F>::preprocessed_width(a),
            EmberAir::Program(a) => BaseAir::<F>::preprocessed_width(a),
            EmberAir::Image(a) => BaseAir::<F>::preprocessed_width(a),
            EmberAir::Memory(a) => BaseAir::<F>::preprocessed_width(a),
            EmberAir::Bytes(a) => BaseAir::<F>::preprocessed_width(a),
            EmberAir::Pow2(a) => BaseAir::<F>::preprocessed_width(a),
            EmberAir::Io(a) => BaseAir::<F>::preprocessed_width(a),
            EmberAir::Data(a) => BaseAir::<F>::preprocessed_width(a),
        }
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        match self {
            EmberAir::Cpu(a) => BaseAir::<F>::main_next_row_columns(a),
            EmberAir::Memory(a) => BaseAir::<F>::main_next_row_columns(a),
            EmberAir::Io(a) => BaseAir::<F>::main_next_row_columns(a),
            EmberAir::Program(_)
            | EmberAir::Image(_)
            | EmberAir::Bytes(_)
            | EmberAir::Pow2(_)
            | EmberAir::Data(_) => vec![],
        }
    }

    fn num_public_values(&self) -> usize {
        match self {
            EmberAir::Cpu(a) => BaseAir::<F>::num_public_values(a),
            EmberAir::Io(a) => BaseAir::<F>::num_public_values(a),
            _ => 0,
        }
    }
}

impl<AB> Air<AB> for EmberAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        match self {
            EmberAir::Cpu(a) => a.eval(builder),
            EmberAir::Program(a) => a.eval(builder),
            EmberAir::Image(a) => a.eval(builder),
            EmberAir::Memory(a) => a.eval(builder),
            EmberAir::Bytes(a) => a.eval(builder),
            EmberAir::Pow2(a) => a.eval(builder),
            EmberAir::Io(a) => a.eval(builder),
            EmberAir::Data(a) => a.eval(builder),
        }
    }
}

/// Every table of a proof of `program` run on `input` with `journal` as its
/// journal, in [`table`] order: the same on both sides (the verifier builds
/// the preprocessed ones from the ELF, the input and the journal).
pub fn tables(
    program: &ember_core::Program,
    input: &[u8],
    journal: &[u8],
) -> Result<Vec<EmberAir>, ops::ProgramError> {
    Ok(vec![
        EmberAir::Cpu(cpu::CpuAir),
        EmberAir::Program(program::ProgramAir::new(ops::program_rows(program)?)),
        EmberAir::Image(memory::ImageAir::new(memory::initial_words(program))),
        EmberAir::Memory(memory::MemoryAir),
        EmberAir::Bytes(bytes::BytesAir),
        EmberAir::Pow2(pow2::Pow2Air),
        EmberAir::Io(io::IoAir),
        EmberAir::Data(io::DataAir::new(input, journal)),
    ])
}

/// A preprocessed table's whole row, received on `bus` as many times as its
/// one main column (the multiplicity, provided by the prover) says.
pub(crate) fn receive_rows<AB>(builder: &mut AB, bus: &str)
where
    AB: AirBuilder + InteractionBuilder,
{
    let row: Vec<AB::Expr> = builder
        .preprocessed()
        .current_slice()
        .iter()
        .map(|&v| v.into())
        .collect();
    let multiplicity = builder.main().current_slice()[0];
    builder.push_interaction(bus, row, p3_lookup::Count::provided(-multiplicity.into()));
}

/// A 32-bit word from its four little-endian bytes: `b0 + 2^8 b1 + 2^16 b2 + 2^24 b3`.
pub(crate) fn word<E: p3_field::PrimeCharacteristicRing>(bytes: [E; 4]) -> E {
    let [b0, b1, b2, b3] = bytes;
    b0 + b1 * E::from_u32(1 << 8) + b2 * E::from_u32(1 << 16) + b3 * E::from_u32(1 << 24)
}
