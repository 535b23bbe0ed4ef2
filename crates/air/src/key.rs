//! What a verifying key holds and how a verifier uses it.
//!
//! Every preprocessed table (program, image, bytes, pow2) is fixed by the
//! ELF alone (the input and the journal fix the data table through periodic
//! columns, see [`crate::io::DataAir`]), and Plonky3 0.8 commits them in one
//! Merkle tree. A verifier computes that commitment once per program
//! ([`preprocessed_commitment`]) and then, for each proof, derives only the
//! tables' lookups ([`keyed_common_data`]): nothing is recommitted.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder};
use p3_batch_stark::common::{CommonData, GlobalPreprocessed, PreprocessedInstanceMeta};
use p3_field::Field;
use p3_lookup::{InteractionBuilder, Lookups};
use p3_matrix::dense::RowMajorMatrix;

use crate::config::{self, EmberConfig};
use crate::{EmberAir, Params, Table, Val};

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
    params: Params,
    airs: &[EmberAir],
    degree_bits: &[usize],
    commitment: PreprocessedCommitment,
) -> Result<CommonData<EmberConfig>, String> {
    let config = config::config(params);
    let lookups = airs
        .iter()
        .zip(degree_bits)
        .map(|(air, &bits)| lookups(&config, params, air, bits))
        .collect::<Result<Vec<_>, String>>()?;
    let mut common = CommonData {
        preprocessed: None,
        lookups,
    };
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

/// A table's lookups at 2^`bits` rows, as Plonky3 derives them for the
/// batch (from a symbolic evaluation of the table: about 3 ms for a proof's
/// fifteen tables, an eighth of a verification with a key). They are a
/// function of the table's definition, its height and the parameter set
/// only, so each is derived once per process and kept (at most one per
/// table, set and height: a few thousand); but the data table's, whose
/// periodic columns hold the input and the journal, every time.
fn lookups(
    config: &EmberConfig,
    params: Params,
    air: &EmberAir,
    bits: usize,
) -> Result<Lookups<Val>, String> {
    type Cache = Mutex<HashMap<(Params, Table, usize), Lookups<Val>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let derive = || {
        let mut common = config::prover_data(config, &[Keyed(air)], &[bits])?.common;
        Ok::<_, String>(common.lookups.remove(0))
    };
    if air.id() == Table::Data {
        return derive();
    }
    let key = (params, air.id(), bits);
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(found) = cache.lock().map_err(|e| e.to_string())?.get(&key) {
        return Ok(found.clone());
    }
    let derived = derive()?;
    cache
        .lock()
        .map_err(|e| e.to_string())?
        .insert(key, derived.clone());
    Ok(derived)
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

#[cfg(test)]
mod tests {
    use ember_core::{Program, Segment, asm};

    use super::*;

    /// The lookups kept for a table are the ones derived afresh, at each
    /// height and in each set (compared through their `Debug` text: every
    /// field, every expression).
    #[test]
    fn kept_lookups_are_the_derived_ones() {
        let words = [asm::addi(5, 0, 0), asm::ecall()];
        let program =
            Program::from_segments(0x0040_0000, vec![Segment::code(0x0040_0000, &words)]).unwrap();
        let airs = crate::tables(&program, &[], &[]).unwrap();
        for params in [Params::Fast, Params::Small] {
            let config = config::config(params);
            for air in airs
                .iter()
                .filter(|a| [Table::Alu, Table::Perm].contains(&a.id()))
            {
                for bits in [4, 10] {
                    let fresh = config::prover_data(&config, &[Keyed(air)], &[bits])
                        .unwrap()
                        .common
                        .lookups
                        .remove(0);
                    for _ in 0..2 {
                        let kept = lookups(&config, params, air, bits).unwrap();
                        assert_eq!(format!("{kept:?}"), format!("{fresh:?}"));
                    }
                }
            }
        }
    }
}
