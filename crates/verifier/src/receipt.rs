//! Receipts: a claim, the journal it commits to, and the proof of it, in one
//! file; and their verification against the ELF, input and journal the
//! verifier holds.
//!
//! The file is `ember/receipt` (13 bytes), the format version (u16 LE), then
//! the body in postcard: the claim (image ID, input digest, journal digest,
//! status, exit code, cycles), the claim digest, the journal bytes, and the
//! segments' proofs (a length, then for each: the set of tables in it, one
//! bit per `ember_air::Table`, a varint; the parameter set,
//! `ember_air::Params`, a varint tag; where the segment ends,
//! `ember_air::set::SegmentEnd`; and the Plonky3 batch proof). Postcard
//! because its wire format is specified and stable since 1.0, it is compact
//! (varints, no field names), it is already how Ember frames typed I/O, and
//! it rejects what it cannot decode rather than panicking. Version 6 is
//! this layout with `BatchProof<EmberConfig>` as Plonky3 0.8 serializes it
//! (version 5 had two parameter sets, so a verifying key held two
//! commitments where it now holds three; 4 had one proof, of one segment;
//! 3 had the memory image table; 2 had the data preprocessed and no
//! parameter set; 1 had no table set); a
//! Plonky3 upgrade that changes that encoding, or a change of the tables,
//! must bump [`Receipt::VERSION`].

use core::fmt;

use ember_air::EmberProof;
use ember_core::{Claim, Digest, LoadError, Program};
use serde::{Deserialize, Serialize};

use crate::frame::{self, FrameError};
use crate::{Statement, VerifyError, VerifyingKey, verify_segments};

/// A claim about one execution and the proof that attests it.
pub struct Receipt {
    /// What the proof attests.
    pub claim: Claim,
    /// The claim digest, as the prover computed it (checked against the
    /// claim when verified).
    pub claim_digest: Digest,
    /// The journal the claim commits to: the run's public output, carried so
    /// that the receipt alone tells a verifier what was committed.
    pub journal: Vec<u8>,
    /// The proofs of the run's segments, in order (one for a run that fits
    /// one segment): see `docs/proof.md`, "Segments".
    pub proofs: Vec<EmberProof>,
}

/// Why a receipt was refused: it does not decode, or a check failed (each
/// variant names the check).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The bytes do not start with [`Receipt::MAGIC`].
    #[error("not an Ember receipt: it does not start with `ember/receipt`")]
    BadMagic,
    /// A format version this verifier does not read.
    #[error(
        "receipt format version {found} is not supported (this verifier reads version {supported})"
    )]
    UnknownVersion {
        /// The file's version.
        found: u16,
        /// The version this verifier reads.
        supported: u16,
    },
    /// The bytes end before the receipt does.
    #[error("the receipt is truncated")]
    Truncated,
    /// The body does not decode.
    #[error("the receipt is garbled: {0}")]
    Garbled(postcard::Error),
    /// Bytes follow the receipt's end.
    #[error("the receipt is garbled: {0} bytes follow its end")]
    TrailingBytes(usize),
    /// The ELF is not a valid Ember program.
    #[error("the ELF file is not a valid Ember program: {0}")]
    Load(LoadError),
    /// The claim is not about this ELF: the receipt was made for another
    /// program.
    #[error(
        "wrong program: the receipt was made for the program with image ID {receipt}, and this ELF's image ID is {elf}"
    )]
    ImageId {
        /// The receipt's image ID.
        receipt: Digest,
        /// The ELF's.
        elf: Digest,
    },
    /// The claim is not about the program this verifying key is for.
    #[error(
        "wrong program: the receipt was made for the program with image ID {receipt}, and the verifying key is for image ID {key}"
    )]
    KeyImageId {
        /// The receipt's image ID.
        receipt: Digest,
        /// The key's.
        key: Digest,
    },
    /// The run had input, and the input checked is empty (a verifier that
    /// left the input out).
    #[error(
        "wrong input: the run had input (input digest {receipt}), and the input checked is empty"
    )]
    MissingInput {
        /// The receipt's input digest.
        receipt: Digest,
    },
    /// The claim is not about this input: the receipt was made for another
    /// input.
    #[error(
        "wrong input: the receipt was made for another input: its input digest is {receipt}, this input's is {input}"
    )]
    InputDigest {
        /// The receipt's input digest.
        receipt: Digest,
        /// The input's.
        input: Digest,
    },
    /// The claim is not about this journal.
    #[error(
        "wrong journal: the receipt commits to the journal with digest {receipt}, and the journal checked has digest {journal}"
    )]
    JournalDigest {
        /// The receipt's journal digest.
        receipt: Digest,
        /// The journal's.
        journal: Digest,
    },
    /// The journal carried in the receipt is not the one being checked.
    #[error(
        "the journal in the receipt ({receipt} bytes) differs from the journal checked ({checked} bytes)"
    )]
    JournalMismatch {
        /// Bytes in the receipt's journal.
        receipt: usize,
        /// Bytes in the journal checked.
        checked: usize,
    },
    /// No execution ends with this status and exit code.
    #[error(
        "impossible claim: status {status} with exit code {exit_code} (0 = halted with any code, 1 = panicked with code 0)"
    )]
    Outcome {
        /// The claim's status.
        status: u8,
        /// The claim's exit code.
        exit_code: u32,
    },
    /// The claim digest is not the claim's.
    #[error("wrong claim digest: the receipt says {receipt}, its claim's is {claim}")]
    ClaimDigest {
        /// The receipt's claim digest.
        receipt: Digest,
        /// The digest of the receipt's claim.
        claim: Digest,
    },
    /// The proof does not prove the claim.
    #[error(transparent)]
    Proof(#[from] VerifyError),
}

/// The claim as it is written in a receipt.
#[derive(Serialize, Deserialize)]
struct WireClaim {
    image_id: [u8; 32],
    input_digest: [u8; 32],
    journal_digest: [u8; 32],
    status: u8,
    exit_code: u32,
    cycles: u64,
}

/// A receipt's body: `P` is the proofs, borrowed to write, owned to read.
#[derive(Serialize, Deserialize)]
struct Body<J, P> {
    claim: WireClaim,
    claim_digest: [u8; 32],
    journal: J,
    proofs: P,
}

impl Receipt {
    /// The first bytes of every receipt.
    pub const MAGIC: &'static [u8; 13] = b"ember/receipt";
    /// The format version written, and the only one read.
    pub const VERSION: u16 = 7;

    /// A receipt for `claim`, whose journal is `journal`, proven by the
    /// segment proofs `proofs`.
    pub fn new(claim: Claim, journal: Vec<u8>, proofs: Vec<EmberProof>) -> Receipt {
        Receipt {
            claim_digest: claim.digest(),
            claim,
            journal,
            proofs,
        }
    }

    /// The receipt as a file's bytes: magic, version, postcard body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let claim = &self.claim;
        let body = Body {
            claim: WireClaim {
                image_id: claim.image_id.0,
                input_digest: claim.input_digest.0,
                journal_digest: claim.journal_digest.0,
                status: claim.status,
                exit_code: claim.exit_code,
                cycles: claim.cycles,
            },
            claim_digest: self.claim_digest.0,
            journal: self.journal.as_slice(),
            proofs: self.proofs.as_slice(),
        };
        frame::write(Self::MAGIC, Self::VERSION, &body)
    }

    /// Reads a receipt written by [`Receipt::to_bytes`]. Any other bytes are
    /// an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Receipt, ReceiptError> {
        let body: Body<Vec<u8>, Vec<EmberProof>> = frame::read(bytes, Self::MAGIC, Self::VERSION)
            .map_err(|e| match e {
            FrameError::BadMagic => ReceiptError::BadMagic,
            FrameError::UnknownVersion(found) => ReceiptError::UnknownVersion {
                found,
                supported: Self::VERSION,
            },
            FrameError::Truncated => ReceiptError::Truncated,
            FrameError::Garbled(e) => ReceiptError::Garbled(e),
            FrameError::TrailingBytes(n) => ReceiptError::TrailingBytes(n),
        })?;
        let c = body.claim;
        Ok(Receipt {
            claim: Claim {
                image_id: Digest(c.image_id),
                input_digest: Digest(c.input_digest),
                journal_digest: Digest(c.journal_digest),
                status: c.status,
                exit_code: c.exit_code,
                cycles: c.cycles,
            },
            claim_digest: Digest(body.claim_digest),
            journal: body.journal,
            proofs: body.proofs,
        })
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt")
            .field("claim", &self.claim)
            .field("claim_digest", &self.claim_digest)
            .field("journal", &format_args!("{} bytes", self.journal.len()))
            .finish_non_exhaustive()
    }
}

/// Checks that `receipt` attests a run of the program in `elf` on `input`
/// that committed `journal`: the ELF is loaded (never run), the image ID,
/// the input and journal digests and the claim digest are recomputed and
/// compared with the receipt's claim, and then the proof is checked against
/// the claim. The first check that fails is the error.
///
/// The digests are checked here whatever the proof covers, so a receipt is
/// never accepted for another input or journal.
pub fn verify_receipt(
    elf: &[u8],
    input: &[u8],
    journal: &[u8],
    receipt: &Receipt,
) -> Result<(), ReceiptError> {
    let program = Program::load_elf(elf).map_err(ReceiptError::Load)?;
    let image_id = program.image_id();
    if receipt.claim.image_id != image_id {
        return Err(ReceiptError::ImageId {
            receipt: receipt.claim.image_id,
            elf: image_id,
        });
    }
    let mut sets: Vec<ember_air::Params> = receipt.proofs.iter().map(|p| p.params).collect();
    sets.sort_by_key(|p| ember_air::Params::ALL.iter().position(|q| q == p));
    sets.dedup();
    let key = VerifyingKey::for_sets(&program, image_id, &sets)?;
    verify_receipt_with_key(&key, input, journal, receipt)
}

/// [`verify_receipt`] with the program's verifying key in place of its ELF
/// (the same checks; the key stands for the ELF it was made from, and the
/// claim's image ID must be the key's).
pub fn verify_receipt_with_key(
    key: &VerifyingKey,
    input: &[u8],
    journal: &[u8],
    receipt: &Receipt,
) -> Result<(), ReceiptError> {
    let claim = &receipt.claim;
    if claim.image_id != key.image_id() {
        return Err(ReceiptError::KeyImageId {
            receipt: claim.image_id,
            key: key.image_id(),
        });
    }
    let input_digest = Digest::of(&[input]);
    if claim.input_digest != input_digest && input.is_empty() {
        return Err(ReceiptError::MissingInput {
            receipt: claim.input_digest,
        });
    }
    if claim.input_digest != input_digest {
        return Err(ReceiptError::InputDigest {
            receipt: claim.input_digest,
            input: input_digest,
        });
    }
    let journal_digest = Digest::of(&[journal]);
    if claim.journal_digest != journal_digest {
        return Err(ReceiptError::JournalDigest {
            receipt: claim.journal_digest,
            journal: journal_digest,
        });
    }
    if receipt.journal != journal {
        return Err(ReceiptError::JournalMismatch {
            receipt: receipt.journal.len(),
            checked: journal.len(),
        });
    }
    if !matches!((claim.status, claim.exit_code), (0, _) | (1, 0)) {
        return Err(ReceiptError::Outcome {
            status: claim.status,
            exit_code: claim.exit_code,
        });
    }
    let claim_digest = claim.digest();
    if receipt.claim_digest != claim_digest {
        return Err(ReceiptError::ClaimDigest {
            receipt: receipt.claim_digest,
            claim: claim_digest,
        });
    }
    let statement = Statement {
        status: claim.status,
        exit_code: claim.exit_code,
        cycles: claim.cycles,
    };
    verify_segments(key, input, journal, &statement, &receipt.proofs)?;
    Ok(())
}
