//! What a verifying key holds and how a verifier uses it.
//!
//! Every preprocessed table (program, image, bytes, pow2) is fixed by the
//! ELF alone (the input and the journal fix the data table through periodic
//! columns, see [`crate::io::DataAir`]), and Plonky3 0.8 commits them in one
//! Merkle tree. A verifier computes that commitment once per program
//! ([`preprocessed_commitment`]) and then, for each proof, derives only the
//! tables' lookups ([`keyed_common_data`]): nothing is recommitted.

use std::borrow::Cow;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder};
use p3_batch_stark::common::{CommonData, GlobalPreprocessed, PreprocessedInstanceMeta};
use p3_field::Field;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;

use crate::config::{self, EmberConfig};
use crate::{EmberAir, Val};

/// The commitment to a program's preprocessed tables.
pub type PreprocessedCommitment = p3_batch_stark::config::Commitment<EmberConfig>;

/// The commitment to the preprocessed tables among `airs` (in their order,
/// each at its own fixed height), as the prover commits them.
pub fn preprocessed_commitment(
    config: &EmberConfig,
    airs: &[EmberAir],
) -> Result<PreprocessedCommitment, String> {
    let tables: Vec<EmberAir> = airs
        .iter()
        .filter(|a| is_preprocessed(a))
        .cloned()
        .collect();
    let bits: Vec<usize> = tables
        .iter()
        .map(|a| {
            let rows = a
                .fixed_height()
                .ok_or("a preprocessed table without a height")?;
            Ok::<_, String>(rows.trailing_zeros() as usize)
        })
        .collect::<Result<_, _>>()?;
    config::prover_data(config, &tables, &bits)?
        .common
        .preprocessed
        .map(|p| p.commitment)
        .ok_or_else(|| "no preprocessed table to commit".to_string())
}

/// The proof's fixed data for `airs` at `degree_bits` rows (log2), the
/// preprocessed tables' commitment taken from a key: the same as
/// [`config::prover_data`]'s, without committing anything.
pub fn keyed_common_data(
    config: &EmberConfig,
    airs: &[EmberAir],
    degree_bits: &[usize],
    commitment: PreprocessedCommitment,
) -> Result<CommonData<EmberConfig>, String> {
    let keyed: Vec<Keyed<'_>> = airs.iter().map(Keyed).collect();
    let mut common = config::prover_data(config, &keyed, degree_bits)?.common;
    // The metadata Plonky3 records when it commits: each preprocessed
    // table's matrix in the tree, in table order.
    let mut matrix_to_instance = Vec::new();
    let instances = airs
        .iter()
        .zip(degree_bits)
        .enumerate()
        .map(|(i, (air, &bits))| {
            is_preprocessed(air).then(|| {
                matrix_to_instance.push(i);
                PreprocessedInstanceMeta {
                    matrix_index: matrix_to_instance.len() - 1,
                    width: BaseAir::<Val>::preprocessed_width(air),
                    degree_bits: bits,
                }
            })
        })
        .collect();
    common.preprocessed = Some(GlobalPreprocessed {
        commitment,
        instances,
        matrix_to_instance,
    });
    Ok(common)
}

fn is_preprocessed(air: &EmberAir) -> bool {
    BaseAir::<Val>::preprocessed_width(air) > 0
}

/// A table as a verifier with a key sees it: its constraints and lookups,
/// and no preprocessed trace to commit.
struct Keyed<'a>(&'a EmberAir);

impl<F: Field> BaseAir<F> for Keyed<'_> {
    fn width(&self) -> usize {
        BaseAir::<F>::width(self.0)
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        None
    }

    fn preprocessed_width(&self) -> usize {
        BaseAir::<F>::preprocessed_width(self.0)
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        BaseAir::<F>::preprocessed_next_row_columns(self.0)
    }

    fn num_periodic_columns(&self) -> usize {
        BaseAir::<F>::num_periodic_columns(self.0)
    }

    fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        BaseAir::<F>::periodic_columns(self.0)
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        BaseAir::<F>::main_next_row_columns(self.0)
    }

    fn num_public_values(&self) -> usize {
        BaseAir::<F>::num_public_values(self.0)
    }
}

impl<AB> Air<AB> for Keyed<'_>
where
    AB: AirBuilder<F = crate::Val> + PermutationAirBuilder + InteractionBuilder,
{
    fn eval(&self, builder: &mut AB) {
        self.0.eval(builder);
    }
}
