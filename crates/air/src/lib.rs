//! Ember's STARK: the tables' columns and constraints, shared by the prover
//! (which fills the columns) and the verifier (which checks the
//! constraints). See `docs/proof.md` for what a proof attests.
//!
//! Tables, all under one batch FRI proof and tied together by LogUp buses,
//! listed once in [`registry!`] below:
//! - the instruction chips ([`chips`]): one row per executed instruction,
//!   one table per instruction family, chained by the execution bus;
//! - [`program::ProgramAir`]: the decoded code, preprocessed from the ELF by
//!   the verifier; every chip row looks up its `(pc, instruction)` there
//!   (where a segment starts is a public value, see [`paging::node`]);
//! - [`paging`]'s three tables: the memory argument's boundary (a row per
//!   touched chunk of four words, with each word's initial and final
//!   value), the memory tree's nodes above those chunks and the tree's
//!   Poseidon2 compressions, from the initial root to the final one (public
//!   values; the verifier computes the initial root from the ELF);
//! - [`bytes::BytesAir`]: every pair of bytes with their AND, OR and XOR:
//!   byte range checks and bitwise operations;
//! - [`pow2::Pow2Air`]: powers of two for shifts;
//! - [`io::IoAir`]: what each ECALL does, with one row per word of its buffer;
//! - [`io::DataAir`]: the input and the journal, fixed by the verifier (periodic columns);
//! - [`sha::call::ShaCallAir`] and [`sha::ShaRoundAir`]: SHA256_COMPRESS, in
//!   proofs whose run calls it (see [`set`]);
//! - [`keccak`]'s three tables: KECCAK_PERMUTE, likewise.

// Constraints read best indexed by byte position, as the spec writes them.
#![allow(clippy::needless_range_loop)]

pub mod bytes;
pub mod chips;
pub mod cols;
pub mod config;
pub mod gadget;
pub mod io;
pub mod keccak;
pub mod key;
pub mod lookups;
pub mod memory;
pub mod ops;
pub mod paging;
pub mod pow2;
pub mod program;
pub mod public;
pub mod set;
pub mod sha;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::Field;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;

pub use config::{Challenge, EmberConfig, Params, Val, config};
pub use set::{EmberProof, TableSet};

/// Bus names.
pub mod bus {
    /// `(pc, op, rd, rs1, rs2, imm[4], value[4], target, writes_rd)`.
    pub const PROGRAM: &str = "program";
    /// `(pc, clk, cycle)`: the execution state, consumed by each
    /// instruction's row and produced for the next (see [`crate::chips`]).
    pub const EXEC: &str = "exec";
    /// `(address, value[4], timestamp, writable)`: sent when a value is
    /// produced at an address, received when it is consumed.
    pub const MEMORY: &str = "memory";
    /// `(tag, a, b, c)`: see [`crate::bytes`].
    pub const BYTES: &str = "bytes";
    /// `(key, p[4], zero)`: see [`crate::pow2`].
    pub const POW2: &str = "pow2";
    /// An ECALL, from the ECALL chip to the I/O table: see [`crate::io`].
    pub const ECALL: &str = "ecall";
    /// `(channel, position, byte)`: input and journal bytes, see [`crate::io`].
    pub const DATA: &str = "data";
    /// `(clk, k, block word, state limbs[16])`: SHA-256's chain of
    /// compressions, see [`crate::sha`].
    pub const SHA: &str = "sha";
    /// `(clk, state word, tag, lane, limbs[4])`: a Keccak permutation's
    /// call, lanes in and lanes out, see [`crate::keccak`].
    pub const KECCAK: &str = "keccak";
    /// `(left[8], right[8], out[8])`: a Poseidon2 compression of the memory
    /// tree, see [`crate::paging`].
    pub const COMPRESS: &str = "compress";
    /// `(level, index, digest before[8], digest after[8])`: a node of the
    /// memory tree (a chunk at level 0), see [`crate::paging`].
    pub const NODE: &str = "node";
}

/// The registry of tables: the one list that defines, in proof order, the
/// [`EmberAir`] variants, their [`Table`] ids and [`table`] indices, and the
/// dispatch of Plonky3's `BaseAir`/`Air` to each. Adding a table is one line
/// here and its construction in [`tables`].
macro_rules! registry {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $index:ident ),* $(,)?) => {
        /// Every table, as one type for the batch prover and verifier.
        #[derive(Clone, Debug)]
        pub enum EmberAir {
            $( $(#[$doc])* $variant($ty), )*
        }

        /// The tables, in proof order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Table {
            $( $(#[$doc])* $variant, )*
        }

        impl Table {
            /// Every table, in proof order.
            pub const ALL: &[Table] = &[$(Table::$variant),*];
        }

        /// Indices of the tables in a proof.
        pub mod table {
            $(
                $(#[$doc])*
                pub const $index: usize = super::Table::$variant as usize;
            )*
            /// How many.
            pub const COUNT: usize = super::Table::ALL.len();
        }

        impl EmberAir {
            /// Which table this is.
            pub fn id(&self) -> Table {
                match self {
                    $( EmberAir::$variant(_) => Table::$variant, )*
                }
            }
        }

        impl<F: Field> BaseAir<F> for EmberAir {
            fn width(&self) -> usize {
                match self {
                    $( EmberAir::$variant(a) => BaseAir::<F>::width(a), )*
                }
            }

            fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
                match self {
                    $( EmberAir::$variant(a) => a.preprocessed_trace(), )*
                }
            }

            fn preprocessed_width(&self) -> usize {
                match self {
                    $( EmberAir::$variant(a) => BaseAir::<F>::preprocessed_width(a), )*
                }
            }

            fn preprocessed_next_row_columns(&self) -> Vec<usize> {
                vec![]
            }

            fn num_periodic_columns(&self) -> usize {
                match self {
                    $( EmberAir::$variant(a) => BaseAir::<F>::num_periodic_columns(a), )*
                }
            }

            fn periodic_columns(&self) -> std::borrow::Cow<'_, [Vec<F>]> {
                match self {
                    $( EmberAir::$variant(a) => BaseAir::<F>::periodic_columns(a), )*
                }
            }

            fn main_next_row_columns(&self) -> Vec<usize> {
                match self {
                    $( EmberAir::$variant(a) => BaseAir::<F>::main_next_row_columns(a), )*
                }
            }

            fn num_public_values(&self) -> usize {
                match self {
                    $( EmberAir::$variant(a) => BaseAir::<F>::num_public_values(a), )*
                }
            }
        }

        impl<AB> Air<AB> for EmberAir
        where
            AB: AirBuilder<F = Val> + PermutationAirBuilder + InteractionBuilder,
        {
            fn eval(&self, builder: &mut AB) {
                match self {
                    $( EmberAir::$variant(a) => a.eval(builder), )*
                }
            }
        }
    };
}

registry! {
    /// The ALU chip.
    Alu(chips::alu::AluChip) = ALU,
    /// The branch chip.
    Branch(chips::branch::BranchChip) = BRANCH,
    /// The jump chip.
    Jump(chips::jump::JumpChip) = JUMP,
    /// The memory chip (loads and stores).
    Mem(chips::mem::MemChip) = MEM,
    /// The multiplier chip (MUL* and shifts).
    Mul(chips::mul::MulChip) = MUL,
    /// The division chip.
    Div(chips::div::DivChip) = DIV,
    /// The ECALL chip.
    Ecall(chips::ecall::EcallChip) = ECALL,
    /// The program (preprocessed).
    Program(program::ProgramAir) = PROGRAM,
    /// The touched chunks of memory: the memory argument's boundary.
    Chunk(paging::chunk::ChunkAir) = CHUNK,
    /// The memory tree's nodes above them.
    Node(paging::node::NodeAir) = NODE,
    /// The memory tree's compressions.
    Perm(paging::perm::PermAir) = PERM,
    /// The byte table (preprocessed).
    Bytes(bytes::BytesAir) = BYTES,
    /// Powers of two for shifts (preprocessed).
    Pow2(pow2::Pow2Air) = POW2,
    /// The ECALLs.
    Io(io::IoAir) = IO,
    /// The input and the journal (preprocessed).
    Data(io::DataAir) = DATA,
    /// The SHA256_COMPRESS calls.
    ShaCall(sha::call::ShaCallAir) = SHA_CALL,
    /// SHA-256's rounds.
    ShaRound(sha::ShaRoundAir) = SHA_ROUND,
    /// The KECCAK_PERMUTE calls.
    KeccakCall(keccak::call::KeccakCallAir) = KECCAK_CALL,
    /// Keccak-f[1600]'s rounds.
    KeccakPerm(keccak::KeccakPermAir) = KECCAK_PERM,
    /// The Keccak states' lanes in memory.
    KeccakLane(keccak::lane::KeccakLaneAir) = KECCAK_LANE,
    /// The ALU chip's second table (see [`Table::twin`]).
    AluTwin(chips::alu::AluChip) = ALU_TWIN,
    /// The branch chip's second table.
    BranchTwin(chips::branch::BranchChip) = BRANCH_TWIN,
    /// The jump chip's second table.
    JumpTwin(chips::jump::JumpChip) = JUMP_TWIN,
    /// The memory chip's second table.
    MemTwin(chips::mem::MemChip) = MEM_TWIN,
    /// The multiplier chip's second table.
    MulTwin(chips::mul::MulChip) = MUL_TWIN,
    /// The division chip's second table.
    DivTwin(chips::div::DivChip) = DIV_TWIN,
}

impl Table {
    /// The instruction chips' tables.
    pub const CHIPS: [Table; 7] = [
        Table::Alu,
        Table::Branch,
        Table::Jump,
        Table::Mem,
        Table::Mul,
        Table::Div,
        Table::Ecall,
    ];

    /// The table of an instruction chip.
    pub fn of_chip(chip: chips::Chip) -> Table {
        match chip {
            chips::Chip::Alu => Table::Alu,
            chips::Chip::Branch => Table::Branch,
            chips::Chip::Jump => Table::Jump,
            chips::Chip::Mem => Table::Mem,
            chips::Chip::Mul => Table::Mul,
            chips::Chip::Div => Table::Div,
            chips::Chip::Ecall => Table::Ecall,
        }
    }

    /// Its index in a proof.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The accelerators' tables.
    pub const ACCELERATORS: [Table; 5] = [
        Table::ShaCall,
        Table::ShaRound,
        Table::KeccakCall,
        Table::KeccakPerm,
        Table::KeccakLane,
    ];

    /// The chips' second tables: a chip whose rows pass a power of two by
    /// a little puts the rest in its twin (same AIR, another table), so a
    /// run of 1.2 M instructions pays for 2^20 + 2^18 rows rather than
    /// 2^21. The buses do not care which table a row is in.
    pub const TWINS: [(Table, Table); 6] = [
        (Table::Alu, Table::AluTwin),
        (Table::Branch, Table::BranchTwin),
        (Table::Jump, Table::JumpTwin),
        (Table::Mem, Table::MemTwin),
        (Table::Mul, Table::MulTwin),
        (Table::Div, Table::DivTwin),
    ];

    /// A chip's second table.
    pub fn twin(self) -> Option<Table> {
        Table::TWINS
            .iter()
            .find(|(first, _)| *first == self)
            .map(|&(_, twin)| twin)
    }

    /// Whether this is a chip's second table.
    pub fn is_twin(self) -> bool {
        Table::TWINS.iter().any(|&(_, twin)| twin == self)
    }

    /// Whether a proof may leave the table out (when its run has no row for
    /// it: see [`set`]): the chips but ECALL (every run ends with one) and
    /// the accelerators' tables.
    pub fn is_optional(self) -> bool {
        (Table::CHIPS.contains(&self) && self != Table::Ecall)
            || self.is_twin()
            || Table::ACCELERATORS.contains(&self)
    }

    /// Whether the table has public values (the statement's).
    pub fn has_public_values(self) -> bool {
        self == Table::Io || self == Table::Node
    }

    /// The most rows (log2) its main trace may have: the chips (and their
    /// twins), the I/O table and the accelerators' tables hold at most one
    /// segment's rows
    /// (so at most 2^16 SHA-256 compressions, whose cycles keep the clock
    /// and cycle count far below p).
    pub fn max_log_height(self) -> Option<usize> {
        (Table::CHIPS.contains(&self)
            || self.is_twin()
            || self == Table::Io
            || Table::ACCELERATORS.contains(&self))
        .then_some(chips::MAX_LOG_HEIGHT)
    }
}

impl EmberAir {
    /// The height a preprocessed table has (the verifier's, never the
    /// proof's); `None` for the tables the prover sizes.
    pub fn fixed_height(&self) -> Option<usize> {
        match self {
            EmberAir::Program(p) => Some(p.height()),
            EmberAir::Bytes(_) => Some(1 << bytes::LOG_HEIGHT),
            EmberAir::Pow2(_) => Some(pow2::HEIGHT),
            EmberAir::Data(d) => Some(d.height()),
            _ => None,
        }
    }
}

/// Every table of a proof of `program` run on `input` with `journal` as its
/// journal, in [`Table`] order: the same on both sides (the verifier builds
/// the preprocessed ones from the ELF, the input and the journal).
pub fn tables(
    program: &ember_core::Program,
    input: &[u8],
    journal: &[u8],
) -> Result<Vec<EmberAir>, ops::ProgramError> {
    let code = program::ProgramAir::new(ops::program_rows(program)?);
    Ok(tables_with(code, io::DataAir::new(input, journal)))
}

/// Every table of a proof whose program table is `code` (a keyed one, for
/// a verifier with a key) and whose data table is `data`, in [`Table`]
/// order.
pub fn tables_with(code: program::ProgramAir, data: io::DataAir) -> Vec<EmberAir> {
    let mut data = Some(data);
    let mut code = Some(code);
    let airs: Vec<EmberAir> = Table::ALL
        .iter()
        .map(|t| match t {
            Table::Alu => EmberAir::Alu(chips::alu::AluChip),
            Table::Branch => EmberAir::Branch(chips::branch::BranchChip),
            Table::Jump => EmberAir::Jump(chips::jump::JumpChip),
            Table::Mem => EmberAir::Mem(chips::mem::MemChip),
            Table::Mul => EmberAir::Mul(chips::mul::MulChip),
            Table::Div => EmberAir::Div(chips::div::DivChip),
            Table::Ecall => EmberAir::Ecall(chips::ecall::EcallChip),
            Table::Program => EmberAir::Program(code.take().expect("one program table")),
            Table::Chunk => EmberAir::Chunk(paging::chunk::ChunkAir),
            Table::Node => EmberAir::Node(paging::node::NodeAir),
            Table::Perm => EmberAir::Perm(paging::perm::PermAir),
            Table::Bytes => EmberAir::Bytes(bytes::BytesAir),
            Table::Pow2 => EmberAir::Pow2(pow2::Pow2Air),
            Table::Io => EmberAir::Io(io::IoAir),
            Table::Data => EmberAir::Data(data.take().expect("one data table")),
            Table::ShaCall => EmberAir::ShaCall(sha::call::ShaCallAir),
            Table::ShaRound => EmberAir::ShaRound(sha::ShaRoundAir),
            Table::KeccakCall => EmberAir::KeccakCall(keccak::call::KeccakCallAir),
            Table::KeccakPerm => EmberAir::KeccakPerm(keccak::KeccakPermAir),
            Table::KeccakLane => EmberAir::KeccakLane(keccak::lane::KeccakLaneAir),
            Table::AluTwin => EmberAir::AluTwin(chips::alu::AluChip),
            Table::BranchTwin => EmberAir::BranchTwin(chips::branch::BranchChip),
            Table::JumpTwin => EmberAir::JumpTwin(chips::jump::JumpChip),
            Table::MemTwin => EmberAir::MemTwin(chips::mem::MemChip),
            Table::MulTwin => EmberAir::MulTwin(chips::mul::MulChip),
            Table::DivTwin => EmberAir::DivTwin(chips::div::DivChip),
        })
        .collect();
    debug_assert!(airs.iter().zip(Table::ALL).all(|(a, &t)| a.id() == t));
    airs
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
