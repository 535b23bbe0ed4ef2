//! The memory tree's tables once the run has ended: a chunk row per touched
//! chunk (each word's initial and final value), a node row per node above
//! them (the root first), and the compressions they ask for.

use std::collections::HashMap;

use ember_air::cols::borrow_row_mut;
use ember_air::paging::chunk::{CHUNK_WIDTH, ChunkCols};
use ember_air::paging::perm::PermAir;
use ember_air::paging::tree::{CHUNK_WORDS, digest_u32};
use ember_air::{Val, gadget::bytes_of};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;

use super::tables::padded;
use super::{Tracer, f};

/// The memory tree's three tables and its roots before and after the run.
pub(crate) struct Paging {
    pub(crate) chunks: RowMajorMatrix<Val>,
    pub(crate) nodes: RowMajorMatrix<Val>,
    pub(crate) perms: RowMajorMatrix<Val>,
    pub(crate) roots: [[u32; 8]; 2],
}

impl Tracer {
    /// The memory tree's tables for the addresses the run touched.
    pub(crate) fn paging(&mut self) -> Paging {
        let mut chunk_ids: Vec<u32> = self.memory.keys().map(|a| a / CHUNK_WORDS).collect();
        chunk_ids.dedup();
        let mut chunks = Val::zero_vec(padded(chunk_ids.len()) * CHUNK_WIDTH);
        for (row, &c) in chunks.chunks_mut(CHUNK_WIDTH).zip(&chunk_ids) {
            let row: &mut ChunkCols<Val> = borrow_row_mut(row);
            row.is_real = Val::ONE;
            row.chunk = f(c);
            for (j, w) in row.words.iter_mut().enumerate() {
                let addr = c * CHUNK_WORDS + j as u32;
                let (init, value, ts, writable) = match self.memory.get(&addr) {
                    Some(cell) => (cell.init, cell.value, cell.ts, cell.writable),
                    None => {
                        let (v, writable) = self.state.word(addr);
                        (v, v, 0, writable)
                    }
                };
                w.init = bytes_of(init);
                w.value = bytes_of(value);
                w.ts = f(ts);
                w.writable = Val::from_bool(writable);
                let [b0, b1, b2, b3] = init.to_le_bytes().map(u32::from);
                self.lookups.range(b0, b1);
                self.lookups.range(b2, b3);
            }
        }

        let root_in = self.state.root();
        let finals: HashMap<u32, u32> = self.memory.iter().map(|(&a, c)| (a, c.value)).collect();
        let updates = self.state.update(&finals);
        let root_out = self.state.root();
        let (nodes, calls) = ember_air::paging::node::populate(&updates, &mut self.lookups);
        Paging {
            chunks: RowMajorMatrix::new(chunks, CHUNK_WIDTH),
            nodes,
            perms: PermAir.trace(&calls),
            roots: [digest_u32(&root_in), digest_u32(&root_out)],
        }
    }
}
