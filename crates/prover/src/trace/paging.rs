//! The memory tree's tables once the run has ended: a chunk row per touched
//! chunk (each word's initial and final value), a node row per node above
//! them (the root first), and the compressions they ask for.

use std::collections::HashMap;

use ember_air::cols::borrow_row_mut;
use ember_air::paging::chunk::{CHUNK_WIDTH, ChunkCols};
use ember_air::paging::node::{NODE_WIDTH, NodeCols};
use ember_air::paging::perm::PermAir;
use ember_air::paging::tree::{CHUNK_WORDS, DEPTH, Digest, digest_u32};
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
        let mut nodes = Val::zero_vec(padded(updates.len()) * NODE_WIDTH);
        let mut calls: Vec<([Digest; 2], u32)> = Vec::new();
        let mut call_index: HashMap<[[u32; 8]; 2], usize> = HashMap::new();
        // The root first (the update lists it last).
        for (row, n) in nodes.chunks_mut(NODE_WIDTH).zip(updates.iter().rev()) {
            let row: &mut NodeCols<Val> = borrow_row_mut(row);
            row.is_real = Val::ONE;
            row.is_root = Val::from_bool(n.level == DEPTH);
            row.level = Val::from_usize(n.level);
            row.index = f(n.index);
            row.updated = n.updated.map(Val::from_bool);
            row.before = n.before;
            row.after = n.after;
            row.out_before = n.digest[0];
            row.out_after = n.digest[1];
            self.lookups
                .range(n.level as u32 - 1, (DEPTH - n.level) as u32);
            for children in [n.before, n.after] {
                let key = children.each_ref().map(digest_u32);
                let i = *call_index.entry(key).or_insert_with(|| {
                    calls.push((children, 0));
                    calls.len() - 1
                });
                calls[i].1 += 1;
            }
        }
        Paging {
            chunks: RowMajorMatrix::new(chunks, CHUNK_WIDTH),
            nodes: RowMajorMatrix::new(nodes, NODE_WIDTH),
            perms: PermAir.trace(&calls),
            roots: [digest_u32(&root_in), digest_u32(&root_out)],
        }
    }
}
