//! Verifying keys: what the verifier needs of a program, computed once from
//! its ELF, so that verifying another receipt of it recommits nothing.
//!
//! A key holds the program's image ID, the height of its program table,
//! its entry, the root of its initial memory tree (`ember_air::paging`: the registers,
//! the code read-only and the data) and the commitment to its preprocessed
//! tables (program, bytes, pow2: the input and the journal are not among
//! them, see `ember_air::io::DataAir`) for each parameter set (the blowup
//! changes the committed codewords). A key is trusted input, like the ELF it
//! stands for: make it yourself from the ELF you trust
//! ([`VerifyingKey::new`], `ember key`), never accept one from the prover.
//!
//! The file is `ember/vkey` (10 bytes), the receipt format version it
//! verifies (u16 LE, [`crate::Receipt::VERSION`]), then the body in
//! postcard: the image ID, the program table's height (log2), the entry
//! (a varint), the memory root and the commitments' Merkle roots, one per parameter set in
//! [`Params::ALL`]'s order.

use ember_air::config::DIGEST_ELEMS;
use ember_air::io::DataAir;
use ember_air::key::{PreprocessedCommitment, keyed_common_data, preprocessed_commitment};
use ember_air::paging::tree::{Digest as Root, MemoryState};
use ember_air::program::ProgramAir;
use ember_air::{EmberAir, Params, Val, config};
use ember_core::{Digest, Program};
use serde::{Deserialize, Serialize};

use crate::frame::{self, FrameError};
use crate::{Receipt, VerifyError};

/// What the verifier needs of one program (see the module's docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    image_id: Digest,
    program_log_rows: u8,
    entry: u32,
    initial_root: Root,
    /// One per parameter set, in [`Params::ALL`]'s order (none for a set
    /// whose tallest table is shorter than the program table).
    commitments: [Option<PreprocessedCommitment>; SETS],
}

const SETS: usize = Params::ALL.len();

/// A key's body on the wire.
#[derive(Serialize, Deserialize)]
struct Wire {
    image_id: [u8; 32],
    program_log_rows: u8,
    entry: u32,
    initial_root: Root,
    /// The Merkle roots (each commitment's one root: cap height 0).
    roots: [Option<[Val; DIGEST_ELEMS]>; SETS],
}

/// Why a key file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes do not start with [`VerifyingKey::MAGIC`].
    #[error("not an Ember verifying key: it does not start with `ember/vkey`")]
    BadMagic,
    /// A key for another receipt format.
    #[error(
        "the verifying key is for receipt format version {found} (this verifier reads version {supported}): make it again with `ember key`"
    )]
    UnknownVersion {
        /// The key's version.
        found: u16,
        /// The version this verifier reads.
        supported: u16,
    },
    /// The bytes end before the key does.
    #[error("the verifying key is truncated")]
    Truncated,
    /// The body does not decode.
    #[error("the verifying key is garbled: {0}")]
    Garbled(postcard::Error),
    /// Bytes follow the key's end.
    #[error("the verifying key is garbled: {0} bytes follow its end")]
    TrailingBytes(usize),
    /// A table height no proof can have.
    #[error("the verifying key is garbled: a table of 2^{0} rows")]
    Height(u8),
}

impl VerifyingKey {
    /// The first bytes of every key file.
    pub const MAGIC: &'static [u8; 10] = b"ember/vkey";

    /// The key of `program`: its preprocessed tables built and committed,
    /// for every parameter set.
    pub fn new(program: &Program) -> Result<VerifyingKey, VerifyError> {
        Self::for_sets(program, program.image_id(), &Params::ALL)
    }

    /// A key of `program` (whose image ID is `image_id`) for the sets
    /// `sets` only (what [`crate::verify`] makes for its proof's set).
    pub(crate) fn for_sets(
        program: &Program,
        image_id: Digest,
        sets: &[Params],
    ) -> Result<VerifyingKey, VerifyError> {
        let airs = crate::airs(program, &[], &[])?;
        let log_rows = |air: &EmberAir| {
            let rows = air.fixed_height().expect("a preprocessed table");
            rows.trailing_zeros() as u8
        };
        let program_log_rows = log_rows(&airs[ember_air::table::PROGRAM]);
        let tallest = program_log_rows;
        let mut commitments = Vec::with_capacity(SETS);
        for params in Params::ALL {
            // A set whose tables cannot be this tall has no proof of it.
            if !sets.contains(&params) || usize::from(tallest) > params.max_log_table_height() {
                commitments.push(None);
                continue;
            }
            let commitment =
                preprocessed_commitment(&config(params), &airs).map_err(VerifyError::Shape)?;
            // Ember's Merkle trees have one root (cap height 0).
            assert_eq!(commitment.roots().len(), 1, "a commitment of one root");
            commitments.push(Some(commitment));
        }
        Ok(VerifyingKey {
            image_id,
            program_log_rows,
            entry: program.entry(),
            initial_root: MemoryState::initial(program).root(),
            commitments: commitments.try_into().expect("one per set"),
        })
    }

    /// The image ID of the program the key is for.
    pub fn image_id(&self) -> Digest {
        self.image_id
    }

    /// The root of the program's initial memory tree.
    pub fn initial_root(&self) -> Root {
        self.initial_root
    }

    /// Where the program's run starts: its ELF's entry.
    pub fn entry(&self) -> u32 {
        self.entry
    }

    /// Every table of a proof of this key's program whose segment reads and
    /// writes what `data` holds, in table order (the program table keyed: no
    /// rows, its commitment is the key's).
    pub(crate) fn airs(&self, data: DataAir) -> Vec<EmberAir> {
        ember_air::tables_with(ProgramAir::keyed(1 << self.program_log_rows), data)
    }

    /// The proof's fixed data for `airs` at `degree_bits` with `params`:
    /// the lookups, and the key's commitment for that set.
    pub(crate) fn common_data(
        &self,
        params: Params,
        airs: &[EmberAir],
        degree_bits: &[usize],
    ) -> Result<p3_batch_stark::CommonData<ember_air::EmberConfig>, VerifyError> {
        let set = Params::ALL.iter().position(|&p| p == params);
        let commitment = self.commitments[set.expect("every set is in ALL")]
            .clone()
            .ok_or_else(|| {
                VerifyError::Shape(format!(
                    "the program's tables are taller than the parameter set `{}` allows",
                    params.name()
                ))
            })?;
        keyed_common_data(params, airs, degree_bits, commitment).map_err(VerifyError::Shape)
    }

    /// The key as a file's bytes: magic, version, postcard body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let wire = Wire {
            image_id: self.image_id.0,
            program_log_rows: self.program_log_rows,
            entry: self.entry,
            initial_root: self.initial_root,
            roots: (self.commitments.each_ref()).map(|c| c.as_ref().map(|c| c.roots()[0])),
        };
        frame::write(Self::MAGIC, Receipt::VERSION, &wire)
    }

    /// Reads a key written by [`VerifyingKey::to_bytes`]. Any other bytes
    /// are an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<VerifyingKey, KeyError> {
        let wire: Wire =
            frame::read(bytes, Self::MAGIC, Receipt::VERSION).map_err(|e| match e {
                FrameError::BadMagic => KeyError::BadMagic,
                FrameError::UnknownVersion(found) => KeyError::UnknownVersion {
                    found,
                    supported: Receipt::VERSION,
                },
                FrameError::Truncated => KeyError::Truncated,
                FrameError::Garbled(e) => KeyError::Garbled(e),
                FrameError::TrailingBytes(n) => KeyError::TrailingBytes(n),
            })?;
        let tallest = Params::ALL
            .map(Params::max_log_table_height)
            .into_iter()
            .max();
        if Some(usize::from(wire.program_log_rows)) > tallest {
            return Err(KeyError::Height(wire.program_log_rows));
        }
        Ok(VerifyingKey {
            image_id: Digest(wire.image_id),
            program_log_rows: wire.program_log_rows,
            entry: wire.entry,
            initial_root: wire.initial_root,
            commitments: (wire.roots)
                .map(|root| root.map(|r| PreprocessedCommitment::new(vec![r]))),
        })
    }
}
