//! Which tables a proof holds. The preprocessed tables, the memory
//! boundary, the ECALL chip and the I/O table are in every proof; an
//! optional table (an instruction chip other than ECALL, a chip's twin, an
//! accelerator's table) is left out when the run has no row for it, so a
//! proof pays only for the tables its run uses: each of FRI's queries opens
//! a row of every table in the proof.
//!
//! Leaving a table out proves nothing that the table holding only padding
//! would not: padding rows satisfy the table's constraints and give no
//! other table anything to rely on (they send nothing, or, in SHA-256's
//! round table, only byte range checks, which hold whatever they are), so
//! an absent table is a table of padding less some harmless lookups. A proof without a table is therefore a proof of
//! a run whose rows of that table are none, and the set needs no binding
//! beyond the proof's own shape: a proof that leaves out a table its run
//! used fails on the buses those rows would have balanced. The prover
//! leaves out an optional table exactly when its trace is all zeros (the
//! tracer's sign for "no rows").

use p3_batch_stark::BatchProof;
use serde::{Deserialize, Serialize};

use crate::config::Params;
use crate::{EmberConfig, Table};

/// A set of tables, one bit per [`Table`] index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TableSet(u32);

impl TableSet {
    /// Every table.
    pub const ALL: TableSet = TableSet((1 << Table::ALL.len()) - 1);

    /// The tables every proof holds.
    pub fn required() -> TableSet {
        Table::ALL
            .iter()
            .filter(|t| !t.is_optional())
            .fold(TableSet(0), |s, &t| s.with(t))
    }

    /// The set of these bits, if each names a table and every required
    /// table is in it.
    pub fn from_bits(bits: u32) -> Option<TableSet> {
        let set = TableSet(bits);
        (bits & !TableSet::ALL.0 == 0 && set.0 & TableSet::required().0 == TableSet::required().0)
            .then_some(set)
    }

    /// Any bits, checked or not (a decoded proof's set is any `u32`; the
    /// verifier checks it with [`TableSet::from_bits`]).
    #[doc(hidden)]
    pub const fn from_raw(bits: u32) -> TableSet {
        TableSet(bits)
    }

    /// Its bits.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether `table` is in the set.
    pub fn contains(self, table: Table) -> bool {
        self.0 >> table.index() & 1 == 1
    }

    /// The set with `table`.
    pub fn with(self, table: Table) -> TableSet {
        TableSet(self.0 | 1 << table.index())
    }

    /// The set without `table`.
    pub fn without(self, table: Table) -> TableSet {
        TableSet(self.0 & !(1 << table.index()))
    }

    /// Its tables, in proof order.
    pub fn iter(self) -> impl Iterator<Item = Table> {
        Table::ALL
            .iter()
            .copied()
            .filter(move |&t| self.contains(t))
    }

    /// How many tables.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Where `table` is among the set's tables in a proof, if it is there.
    pub fn position(self, table: Table) -> Option<usize> {
        self.contains(table)
            .then(|| (self.0 & ((1 << table.index()) - 1)).count_ones() as usize)
    }
}

/// A proof: the batch STARK, the tables it holds (in proof order) and the
/// parameter set it was made with.
#[derive(Serialize, Deserialize)]
pub struct EmberProof {
    /// The tables in the proof.
    pub tables: TableSet,
    /// The parameter set (a tag the verifier decodes only if it knows it).
    pub params: Params,
    /// Where the proof's segment ends: the public values the verifier
    /// cannot compute (the next segment's start, or the run's end).
    pub end: SegmentEnd,
    /// The batch STARK proof of those tables.
    pub batch: BatchProof<EmberConfig>,
}

/// Where a segment ends, as its proof states it (public values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentEnd {
    /// The pc the next segment starts at (0 if the segment ends the run).
    pub pc: u32,
    /// The clock after its last instruction (0 if it ends the run).
    pub clk: u32,
    /// Its cycles.
    pub cycles: u32,
    /// Input bytes read by its end.
    pub input_pos: u32,
    /// Journal bytes written by its end.
    pub journal_pos: u32,
    /// The memory tree's root after it.
    pub root: crate::paging::tree::Digest,
    /// Whether it ends the run (HALT or PANIC).
    pub ended: bool,
}

impl EmberProof {
    /// The log2 of `table`'s trace height, as the proof states it.
    pub fn degree_bits(&self, table: Table) -> Option<usize> {
        self.tables
            .position(table)
            .and_then(|i| self.batch.degree_bits.get(i).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_the_tables_before() {
        let set = TableSet::ALL.without(Table::Mul).without(Table::Div);
        assert_eq!(set.position(Table::Alu), Some(0));
        assert_eq!(set.position(Table::Mul), None);
        assert_eq!(set.position(Table::Ecall), Some(Table::Ecall.index() - 2));
        assert_eq!(set.len(), Table::ALL.len() - 2);
        assert_eq!(set.iter().collect::<Vec<_>>().len(), Table::ALL.len() - 2);
    }

    #[test]
    fn only_sets_with_every_required_table_decode() {
        assert_eq!(
            TableSet::from_bits(TableSet::ALL.bits()),
            Some(TableSet::ALL)
        );
        let required = TableSet::required();
        assert_eq!(TableSet::from_bits(required.bits()), Some(required));
        assert!(required.contains(Table::Ecall) && required.contains(Table::Io));
        for optional in [
            Table::Div,
            Table::AluTwin,
            Table::ShaRound,
            Table::KeccakPerm,
        ] {
            assert!(!required.contains(optional), "{optional:?}");
        }
        assert_eq!(required.len(), 9);
        assert_eq!(
            TableSet::from_bits(required.without(Table::Io).bits()),
            None
        );
        assert_eq!(TableSet::from_bits(TableSet::ALL.bits() | 1 << 31), None);
    }
}
