//! Assembling the tables once the run has ended: padding, the memory
//! tree's tables ([`super::paging`]), the multiplicities of the provided
//! tables, the public values.

use ember_air::io::{IO_WIDTH, IoCols};
use ember_air::public::{Boundary, PublicValues, Statement};
use ember_air::{EmberAir, Table, Val, bytes, cols};
use p3_air::BaseAir;
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_matrix::dense::RowMajorMatrix;

use super::{Io, Tracer, Traces, f};

/// `rows` padded to a power of two, at least 16.
pub(super) fn padded(rows: usize) -> usize {
    rows.next_power_of_two().max(16)
}

impl Tracer {
    /// Pads and assembles every table (in the order of `airs`, the
    /// registry's), the segment having stopped at `end_pc` after
    /// `end_cycles` cycles of the run (or ended the run).
    pub(crate) fn finish(
        mut self,
        airs: &[EmberAir],
        end_pc: u32,
        end_cycles: u64,
    ) -> (Traces, Io) {
        let exit = self.exit.map(|(status, code, _)| (status, code));
        let end_cycles = self.exit.map_or(end_cycles, |(_, _, cycles)| cycles);
        self.fill_clk_gaps();
        self.pad_sha();
        self.split_chips(airs);
        let paging = self.paging();
        let roots = paging.roots;
        let (input_from, input_to) = (self.start.input_pos as usize, self.in_pos as usize);
        let data = ember_air::io::DataAir::at(
            &self.input[input_from..input_to],
            self.start.input_pos,
            &self.journal,
            self.start.journal_pos,
        );
        let (mut chunks, mut nodes, mut perms) =
            (Some(paging.chunks), Some(paging.nodes), Some(paging.perms));
        let matrices = airs
            .iter()
            .map(|air| {
                let t = air.id();
                match t {
                    Table::Chunk => chunks.take().expect("one chunk table"),
                    Table::Node => nodes.take().expect("one node table"),
                    Table::Perm => perms.take().expect("one compression table"),
                    Table::Program => counts(&self.program_counts),
                    Table::Bytes => {
                        let values = self.lookups.bytes.iter().flat_map(|r| r.map(f)).collect();
                        RowMajorMatrix::new(values, bytes::tag::ALL.len())
                    }
                    Table::Pow2 => counts(&self.lookups.pow2),
                    // The permutations (none: zeros, and the table is left
                    // out of the proof).
                    Table::KeccakPerm => {
                        let width = BaseAir::<Val>::width(air);
                        let values = if self.keccak.is_empty() {
                            Val::zero_vec(padded(0) * width)
                        } else {
                            ember_air::keccak::trace(&self.keccak)
                        };
                        RowMajorMatrix::new(values, width)
                    }
                    // Data: how often each input and journal byte was looked up.
                    Table::Data => {
                        let mut n = self.input_counts[input_from..input_to].to_vec();
                        n.extend(&self.journal_counts);
                        data.trace(&n)
                    }
                    // The chips, the I/O table and the accelerators' tables:
                    // their rows, padded with zero rows (which send nothing;
                    // the SHA-256 rounds are already padded).
                    _ => {
                        let width = BaseAir::<Val>::width(air);
                        let mut values = std::mem::take(&mut self.rows[t.index()]);
                        let real = values.len() / width;
                        values.resize(padded(real) * width, Val::ZERO);
                        if t == Table::Io {
                            self.pad_positions(&mut values[real * width..]);
                        }
                        RowMajorMatrix::new(values, width)
                    }
                }
            })
            .collect();
        let digest = |data: &[u8]| ember_core::Digest::of(&[data]).0;
        let ended = exit.is_some();
        let statement = Statement {
            start: Boundary {
                root: roots[0],
                ..self.start
            },
            end: Boundary {
                pc: if ended { 0 } else { end_pc },
                cycles: end_cycles as u32,
                input_pos: self.in_pos,
                journal_pos: self.j_pos(),
                root: roots[1],
            },
            exit,
            clk_out: if ended { 0 } else { self.clk + 1 },
            input_len: self.input.len() as u32,
            input_digest: digest(&self.input[input_from..input_to]),
            journal_digest: digest(&self.journal),
        };
        let public_values = PublicValues::<Val>::new(&statement).to_vec();
        let traces = Traces {
            matrices,
            public_values,
        };
        (
            traces,
            Io {
                data,
                state: self.state,
            },
        )
    }

    /// The I/O table's padding rows: they read and write nothing, so the
    /// input and journal positions pass through them unchanged to the
    /// segment's end.
    fn pad_positions(&self, padding: &mut [Val]) {
        let (in_pos, j_pos) = (f(self.in_pos), f(self.j_pos()));
        for chunk in padding.chunks_mut(IO_WIDTH) {
            let row: &mut IoCols<Val> = cols::borrow_row_mut(chunk);
            row.in_pos = in_pos;
            row.in_next = in_pos;
            row.j_pos = j_pos;
            row.j_next = j_pos;
        }
    }

    /// Moves the rows of a chip that pass a power of two by a little into
    /// the chip's twin (see [`Table::twin`] and [`split_point`]): 2^k + r
    /// rows then cost 2^k plus r padded, rather than 2^(k+1).
    fn split_chips(&mut self, airs: &[EmberAir]) {
        for &(first, twin) in &Table::TWINS {
            let width = BaseAir::<Val>::width(&airs[first.index()]);
            let rows = self.rows[first.index()].len() / width;
            if let Some(keep) = split_point(rows) {
                let rest = self.rows[first.index()].split_off(keep * width);
                self.rows[twin.index()] = rest;
            }
        }
    }

    /// The I/O table's rows: each row's gap to the next row's clock, when
    /// that one is a header.
    fn fill_clk_gaps(&mut self) {
        let io = &mut self.rows[Table::Io.index()];
        let mut next_header: Option<u32> = None;
        for chunk in io.chunks_mut(IO_WIDTH).rev() {
            let row: &mut IoCols<Val> = cols::borrow_row_mut(chunk);
            let clk = row.clk.as_canonical_u32();
            let gap = next_header.map_or(0, |next| next - clk - 1);
            let [g0, g1, g2, _] = gap.to_le_bytes().map(u32::from);
            row.clk_gap = [g0, g1, g2].map(f);
            self.lookups.range(g0, g1);
            self.lookups.range(g2, 0);
            next_header = (row.is_header == Val::ONE).then_some(clk);
        }
    }
}

/// Where to split `rows` between a chip and its twin: after the largest
/// power of two below it, when that saves at least 2^18 padded rows. A twin
/// is one more table in the proof (its columns opened at every query: about
/// 60-100 KiB), so a split must buy a large share of the proving time: it
/// does for a run of 1.2 M instructions (2^21 ALU rows become 2^20 + 2^15),
/// not for a table of 2^17 + 2^15 rows.
fn split_point(rows: usize) -> Option<usize> {
    let first = 1usize << rows.max(1).ilog2();
    let rest = rows.saturating_sub(first);
    (rest > 0 && first.saturating_sub(rest.next_power_of_two()) >= 1 << 18).then_some(first)
}

/// A multiplicity column: `n`, padded with zeros.
fn counts(n: &[u32]) -> RowMajorMatrix<Val> {
    let mut values = Val::zero_vec(padded(n.len()));
    for (v, &n) in values.iter_mut().zip(n) {
        *v = f(n);
    }
    RowMajorMatrix::new(values, 1)
}

#[cfg(test)]
mod tests {
    use super::split_point;

    #[test]
    fn chips_split_only_when_it_saves_2_18_rows() {
        assert_eq!(split_point(1 << 20), None);
        assert_eq!(split_point((1 << 20) + 1), Some(1 << 20));
        assert_eq!(split_point(1_200_000), Some(1 << 20));
        assert_eq!(split_point((1 << 20) + (1 << 19)), Some(1 << 20));
        assert_eq!(split_point((1 << 20) + (1 << 19) + 1), None);
        assert_eq!(split_point((1 << 18) + 1), None);
        assert_eq!(split_point((1 << 19) + 1), Some(1 << 19));
        assert_eq!(split_point((1 << 17) + (1 << 15)), None);
        assert_eq!(split_point(0), None);
    }
}
