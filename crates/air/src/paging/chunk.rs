//! The chunk table: one row per chunk (four consecutive words) the run
//! touched, the boundary of the offline memory argument. For each word it
//! sends the initial tuple `(address, value, 0, writable)` and receives the
//! final one `(address, value', ts, writable)`, so every access between
//! them must read what the previous one wrote; and it sends the chunk's
//! leaf before and after, `(0, chunk, digest, digest')`, on the node bus,
//! where the node table hashes them up to the segment's roots.
//!
//! A word's `writable` bit is one column, in both tuples and both digests:
//! the tree fixes it (0 for code) and no run changes it. Initial bytes are
//! range-checked (a digest's 16-bit halves do not fix non-byte ones); final
//! bytes come from the memory bus, whose every other sender checks them.
//! The chunk's index needs no range check: the node table's paths fix every
//! index below the root (see [`super::node`]), so a chunk is below 2^28 and
//! its word addresses below 2^30.

use core::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

use super::tree::CHUNK_WORDS;
use crate::bytes::range_pair;
use crate::{Val, bus, columns};

/// One word of a chunk.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WordCols<T> {
    /// The initial value's bytes.
    pub init: [T; 4],
    /// The final value's bytes.
    pub value: [T; 4],
    /// The final timestamp.
    pub ts: T,
    /// 0 for code.
    pub writable: T,
}

/// The columns of the chunk table.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkCols<T> {
    /// 1 on rows that list a chunk.
    pub is_real: T,
    /// The chunk's index (its first word's address / 4).
    pub chunk: T,
    /// Its words.
    pub words: [WordCols<T>; CHUNK_WORDS as usize],
}

columns!(ChunkCols, CHUNK_WIDTH, CHUNK_COLS);

/// A word's two elements in the tree, `[lo, hi + 2^16 writable]`, from its
/// bytes (see [`super::tree::word_elems`]).
pub fn tree_elems<E: PrimeCharacteristicRing>(bytes: [E; 4], writable: E) -> [E; 2] {
    let [b0, b1, b2, b3] = bytes;
    let k = |v: u32| E::from_u32(v);
    [
        b0 + b1 * k(1 << 8),
        b2 + b3 * k(1 << 8) + writable * k(1 << 16),
    ]
}

/// A node-bus message: `(level, index, digest before, digest after)`.
pub fn node_message<E: Clone>(level: E, index: E, before: &[E], after: &[E]) -> Vec<E> {
    let mut m = vec![level, index];
    m.extend_from_slice(before);
    m.extend_from_slice(after);
    m
}

/// The chunk table.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChunkAir;

impl<F: Field> BaseAir<F> for ChunkAir {
    fn width(&self) -> usize {
        CHUNK_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for ChunkAir
where
    AB: AirBuilder<F = Val> + PermutationAirBuilder + InteractionBuilder,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &ChunkCols<AB::Var> = main.current_slice().borrow();
        let is_real: AB::Expr = local.is_real.into();
        builder.assert_bool(is_real.clone());
        let chunk: AB::Expr = local.chunk.into();
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for (j, w) in local.words.iter().enumerate() {
            let writable: AB::Expr = w.writable.into();
            builder.assert_bool(writable.clone());
            let init: [AB::Expr; 4] = w.init.map(Into::into);
            let value: [AB::Expr; 4] = w.value.map(Into::into);
            let [b0, b1, b2, b3] = init.clone();
            range_pair(builder, b0, b1, is_real.clone());
            range_pair(builder, b2, b3, is_real.clone());
            let addr = chunk.clone() * AB::Expr::from_u32(CHUNK_WORDS) + AB::Expr::from_usize(j);
            let [i0, i1, i2, i3] = init.clone();
            builder.push_interaction(
                bus::MEMORY,
                [
                    addr.clone(),
                    i0,
                    i1,
                    i2,
                    i3,
                    AB::Expr::ZERO,
                    writable.clone(),
                ],
                Count::bounded(is_real.clone(), 1),
            );
            let [v0, v1, v2, v3] = value.clone();
            builder.push_interaction(
                bus::MEMORY,
                [addr, v0, v1, v2, v3, w.ts.into(), writable.clone()],
                Count::bounded(-is_real.clone(), 1),
            );
            before.extend(tree_elems(init, writable.clone()));
            after.extend(tree_elems(value, writable));
        }
        builder.push_interaction(
            bus::NODE,
            node_message(AB::Expr::ZERO, chunk, &before, &after),
            Count::bounded(is_real, 1),
        );
    }
}
