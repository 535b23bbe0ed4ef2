//! The proof system's parameters: field, hash, FRI. Constants of the
//! verifier, but for the parameter set ([`Params`]), which a proof names
//! and the verifier accepts only if it knows it.

use p3_challenger::DuplexChallenger;
use p3_commit::ExtensionMmcs;
use p3_dft::Radix2DitParallel;
use p3_field::Field;
use p3_field::extension::BinomialExtensionField;
use p3_fri::{FriParameters, TwoAdicFriPcs};
use p3_koala_bear::{
    KoalaBear, Poseidon2KoalaBear, default_koalabear_poseidon2_16, default_koalabear_poseidon2_24,
};
use p3_merkle_tree::MerkleTreeMmcs;
use p3_symmetric::{PaddingFreeSponge, TruncatedPermutation};
use p3_uni_stark::StarkConfig;
use serde::{Deserialize, Serialize};

/// The base field: KoalaBear, p = 2^31 - 2^24 + 1.
pub type Val = KoalaBear;
/// The challenge field: the degree-4 extension of [`Val`].
pub type Challenge = BinomialExtensionField<Val, 4>;

/// Field elements in a Merkle digest (8 × 31 bits: about 124 bits of
/// collision resistance).
pub const DIGEST_ELEMS: usize = 8;

type Perm = Poseidon2KoalaBear<16>;
/// A Merkle leaf (a row of every committed matrix at one index) is hashed
/// 16 elements a permutation of width 24 (capacity 8, as the digest):
/// about 1.5 times a width-16 permutation's work for twice the rate, so
/// the verifier, who hashes one opened row of every table per query, and
/// the prover's commitments both spend less.
type LeafPerm = Poseidon2KoalaBear<24>;
type Hash = PaddingFreeSponge<LeafPerm, 24, 16, DIGEST_ELEMS>;
type Compress = TruncatedPermutation<Perm, 2, DIGEST_ELEMS, 16>;
type ValMmcs = MerkleTreeMmcs<
    <Val as Field>::Packing,
    <Val as Field>::Packing,
    Hash,
    Compress,
    2,
    DIGEST_ELEMS,
>;
type ChallengeMmcs = ExtensionMmcs<Val, Challenge, ValMmcs>;
type Challenger = DuplexChallenger<Val, Perm, 16, 8>;
type Dft = Radix2DitParallel<Val>;
type Pcs = TwoAdicFriPcs<Val, Dft, ValMmcs, ChallengeMmcs>;

/// The STARK configuration of every Ember proof.
pub type EmberConfig = StarkConfig<Pcs, Challenge, Challenger>;

/// A parameter set: FRI's rate, number of queries and the proof of work
/// before its batching and folding challenges. Everything else (field,
/// hash, the other grinding, the tables and their lookups) is the same in
/// every set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Params {
    /// Blowup 2, 92 queries and 2^20 hashes of proof of work before them:
    /// the fastest proving, the default.
    #[default]
    Fast,
    /// Blowup 4, 44 queries and 2^22 hashes of proof of work before them
    /// (the same conjectured and proven bits as `Fast`): proofs and
    /// verification about half as large and as long, proving about 1.5
    /// times as long and with about twice the memory.
    Small,
    /// Blowup 4, 110 queries, and more proof of work before the batching
    /// and folding challenges (2^24 and 2^14 hashes): at least 100 bits
    /// proven (FRI in the list-decoding regime, at the Johnson bound), not
    /// only conjectured (`tests/security.rs`).
    Proven,
}

impl Params {
    /// Every set, in the order of their wire tags.
    pub const ALL: [Params; 3] = [Params::Fast, Params::Small, Params::Proven];

    /// The set's name (`ember prove --params NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Params::Fast => "fast",
            Params::Small => "small",
            Params::Proven => "proven",
        }
    }

    /// The set named `name`.
    pub fn from_name(name: &str) -> Option<Params> {
        Params::ALL.into_iter().find(|p| p.name() == name)
    }

    /// log2 of the FRI blowup. The tables' constraints and lookups have
    /// degree at most 3, which blowup 2 allows: a larger blowup only
    /// lowers the code's rate.
    pub fn log_blowup(self) -> usize {
        match self {
            Params::Fast => 1,
            Params::Small | Params::Proven => 2,
        }
    }

    /// FRI queries.
    pub fn num_queries(self) -> usize {
        match self {
            Params::Fast => 92,
            Params::Small => 44,
            Params::Proven => 110,
        }
    }

    /// Proof-of-work bits before the FRI queries are drawn. A bit stands
    /// for a query at rate 1/4 and for two at rate 1/2 (proven at the
    /// Johnson bound: 1 and 0.5 bits a query), at 2^bits hashes for the
    /// prover and one for the verifier: `fast` trades 8 queries for 4 bits
    /// (2^20 hashes: about 0.15 s on two cores, 1.5% of a 2^20-cycle
    /// proof), `small`, whose point is a small proof, 6 queries for 6 bits
    /// (2^22: about 0.6 s).
    pub fn query_pow_bits(self) -> usize {
        match self {
            Params::Fast => 20,
            Params::Small => 22,
            Params::Proven => QUERY_POW_BITS,
        }
    }

    /// Proof-of-work bits before the challenge that batches every opening
    /// into one FRI instance: the round that binds first in the proven
    /// (list-decoding) regime once the queries suffice.
    pub fn batch_pow_bits(self) -> usize {
        match self {
            Params::Fast | Params::Small => BATCH_POW_BITS,
            Params::Proven => 24,
        }
    }

    /// Proof-of-work bits before each FRI folding challenge (FRI's commit
    /// phase: the low-degree test's binding round in the proven regime once
    /// the queries suffice).
    pub fn commit_pow_bits(self) -> usize {
        match self {
            Params::Fast | Params::Small => COMMIT_POW_BITS,
            Params::Proven => 14,
        }
    }

    /// The tallest table a proof may have (log2): the field's two-adicity
    /// less the blowup's log.
    pub fn max_log_table_height(self) -> usize {
        <Val as p3_field::TwoAdicField>::TWO_ADICITY - self.log_blowup()
    }
}

/// The smallest blowup of any set (log2): what the lookups are packed for,
/// so that every set has the same tables.
const MIN_LOG_BLOWUP: usize = 1;
/// Proof-of-work bits before the FRI queries are drawn in the `proven` set
/// (the others: [`Params::query_pow_bits`]).
pub const QUERY_POW_BITS: usize = 16;
/// Proof-of-work bits before each FRI folding challenge (but in the
/// `proven` set: [`Params::commit_pow_bits`]).
pub const COMMIT_POW_BITS: usize = 8;
/// Proof-of-work bits before the challenge that batches every opening into
/// one FRI instance (the round that binds first without it; but in the
/// `proven` set: [`Params::batch_pow_bits`]).
pub const BATCH_POW_BITS: usize = 16;
/// Proof-of-work bits before the LogUp challenges.
pub const LOOKUP_POW_BITS: usize = 14;
/// Proof-of-work bits before the out-of-domain point.
pub const OOD_POW_BITS: usize = 12;
/// log2 of the length of FRI's final polynomial.
pub const LOG_FINAL_POLY_LEN: usize = 3;
/// Merkle-tree arity of the FRI commit phase (log2).
pub const MAX_LOG_ARITY: usize = 3;

/// FRI with `params` and the constants above, over `mmcs` (the security
/// analysis, `tests/security.rs`, reads them from here with `mmcs = ()`).
pub fn fri_parameters<M>(params: Params, mmcs: M) -> FriParameters<M> {
    FriParameters {
        log_blowup: params.log_blowup(),
        log_final_poly_len: LOG_FINAL_POLY_LEN,
        max_log_arity: MAX_LOG_ARITY,
        num_queries: params.num_queries(),
        batch_proof_of_work_bits: params.batch_pow_bits(),
        commit_proof_of_work_bits: params.commit_pow_bits(),
        query_proof_of_work_bits: params.query_pow_bits(),
        mmcs,
    }
}

/// The configuration of `params`: Poseidon2 over KoalaBear with the
/// crate's fixed default constants (never random ones) for Merkle trees and
/// the transcript; FRI with the constants above.
pub fn config(params: Params) -> EmberConfig {
    let perm: Perm = default_koalabear_poseidon2_16();
    let hash = Hash::new(default_koalabear_poseidon2_24());
    let compress = Compress::new(perm.clone());
    let val_mmcs = ValMmcs::new(hash, compress, 0);
    let challenge_mmcs = ChallengeMmcs::new(val_mmcs.clone());
    let pcs = Pcs::new(
        Dft::default(),
        val_mmcs,
        fri_parameters(params, challenge_mmcs),
    );
    StarkConfig::new(pcs, Challenger::new(perm))
        .with_lookup_proof_of_work_bits(LOOKUP_POW_BITS)
        .with_ood_proof_of_work_bits(OOD_POW_BITS)
}

/// The largest degree of a LogUp fraction column: same-bus lookups of a
/// table share a column up to this degree. 3 is the most the smallest
/// blowup allows (`2^1 + 1`: two quotient chunks); a table whose own
/// constraints have degree 2 then spends a second quotient chunk to commit
/// about half the lookup columns. The same in every set (a larger blowup
/// would allow more, at the price of more quotient chunks).
pub const LOOKUP_DEGREE: usize = (1 << MIN_LOG_BLOWUP) + 1;

/// The proof's fixed data (the preprocessed tables' commitment and every
/// table's lookups) for `airs` at `degree_bits` rows (log2): the same on
/// both sides, so the verifier derives it itself. The error is Plonky3's,
/// as text.
pub fn prover_data<A>(
    config: &EmberConfig,
    airs: &[A],
    degree_bits: &[usize],
) -> Result<p3_batch_stark::ProverData<EmberConfig>, String>
where
    A: p3_air::Air<p3_lookup::InteractionSymbolicBuilder<Val, Challenge>>,
{
    p3_batch_stark::ProverData::from_airs_and_degrees_with_lookup_budgets(
        config,
        airs,
        degree_bits,
        &vec![LOOKUP_DEGREE; airs.len()],
        MIN_LOG_BLOWUP,
    )
    .map_err(|e| format!("{e:?}"))
}
