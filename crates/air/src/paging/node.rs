//! The node table: one row per node of the memory tree on the paths from
//! the touched chunks to the root, each with its two children before and
//! after the segment and its own digest before and after, both
//! compressions looked up in the compression table. Its first row, the
//! root's, is also the segment's boundary on the execution bus: it produces
//! the segment's first state and, unless the segment ends the run,
//! consumes its last (both public values).
//!
//! **Why the rows are the tree's own nodes.** The first row is the root
//! (level [`DEPTH`], index 0) and no other row is: its digests are the
//! public roots. Every other row sends `(level, index, before, after)` on
//! the node bus once, and a row receives a child `(level - 1, 2 index + s)`
//! exactly when it marks the child updated; an unmarked child is the same
//! before and after. So every node's message is received by the one row
//! that names its parent, which by induction from the root is a node of the
//! tree: levels fall by one a step, and each index is its parent's twice
//! plus a bit, so every row's index is its path's bits, below 2^(DEPTH -
//! level), and no two rows are one node (the parent would receive it
//! twice). Levels are range-checked to `[1, DEPTH]`, so a node row is never
//! a leaf: the leaves (level 0) are the chunk table's, whose words are in
//! the memory argument. The bug class of a Merkle node presented as a leaf
//! (a row below the leaves, or a leaf's digest that is a hash) has no row
//! to live in.

use core::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

use super::chunk::node_message;
use super::perm;
use std::collections::HashMap;

use p3_matrix::dense::RowMajorMatrix;

use super::tree::{DEPTH, Digest, NodeUpdate, digest_u32};
use crate::bytes::range_pair;
use crate::lookups::Lookups;
use crate::public::{PUBLIC_WIDTH, PublicValues};
use crate::{Val, bus, columns};

/// The columns of the node table.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCols<T> {
    /// 1 on rows that hold a node.
    pub is_real: T,
    /// 1 on the root's row, the first.
    pub is_root: T,
    /// Its level (1 to [`DEPTH`]).
    pub level: T,
    /// Its index in the level.
    pub index: T,
    /// Whether each child is a node (or chunk) of the update.
    pub updated: [T; 2],
    /// The children before.
    pub before: [[T; 8]; 2],
    /// The children after.
    pub after: [[T; 8]; 2],
    /// Its digest before: `compress(before)`.
    pub out_before: [T; 8],
    /// Its digest after.
    pub out_after: [T; 8],
}

columns!(NodeCols, NODE_WIDTH, NODE_COLS);

/// The node table.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeAir;

impl<F: Field> BaseAir<F> for NodeAir {
    fn width(&self) -> usize {
        NODE_WIDTH
    }

    fn num_public_values(&self) -> usize {
        PUBLIC_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![NODE_COLS.is_root]
    }
}

impl<AB> Air<AB> for NodeAir
where
    AB: AirBuilder<F = Val> + PermutationAirBuilder + InteractionBuilder,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &NodeCols<AB::Var> = main.current_slice().borrow();
        let next: &NodeCols<AB::Var> = main.next_slice().borrow();
        let pv: PublicValues<AB::PublicVar> = {
            let values = builder.public_values();
            let pv: &PublicValues<AB::PublicVar> = values.borrow();
            *pv
        };
        let one = || AB::Expr::ONE;
        let is_real: AB::Expr = local.is_real.into();
        let is_root: AB::Expr = local.is_root.into();
        builder.assert_bool(is_real.clone());
        builder.assert_bool(is_root.clone());
        // The root is the first row, and only it.
        builder.when_first_row().assert_one(is_root.clone());
        builder.when_transition().assert_zero(next.is_root);
        builder.when(is_root.clone()).assert_one(is_real.clone());
        let level: AB::Expr = local.level.into();
        let index: AB::Expr = local.index.into();
        {
            let mut root = builder.when(is_root.clone());
            root.assert_eq(level.clone(), AB::Expr::from_usize(DEPTH));
            root.assert_zero(index.clone());
            for i in 0..8 {
                root.assert_eq(local.out_before[i], pv.root_in[i]);
                root.assert_eq(local.out_after[i], pv.root_out[i]);
            }
        }
        // The segment's first execution state `(pc_in, 1, 0)`, and, unless
        // it ends the run, its last `(pc_out, clk_out, cycles)`, which the
        // next segment starts from: the root's row is the segment's boundary
        // on the execution bus (see `crate::chips`).
        let ended: AB::Expr = pv.ended.into();
        builder.when(is_root.clone()).assert_bool(ended.clone());
        builder.push_interaction(
            bus::EXEC,
            [pv.pc_in.into(), one(), AB::Expr::ZERO],
            Count::bounded(is_root.clone(), 1),
        );
        builder.push_interaction(
            bus::EXEC,
            [pv.pc_out.into(), pv.clk_out.into(), pv.cycles.into()],
            Count::bounded(-(is_root.clone() * (one() - ended)), 1),
        );
        // 1 <= level <= DEPTH.
        range_pair(
            builder,
            level.clone() - one(),
            AB::Expr::from_usize(DEPTH) - level.clone(),
            is_real.clone(),
        );
        let digest = |d: &[AB::Var; 8]| -> Vec<AB::Expr> { d.iter().map(|&v| v.into()).collect() };
        for s in 0..2 {
            let updated: AB::Expr = local.updated[s].into();
            builder.assert_bool(updated.clone());
            // A child outside the update did not change.
            for i in 0..8 {
                builder.assert_zero(
                    (one() - updated.clone())
                        * (local.before[s][i].into() - local.after[s][i].into()),
                );
            }
            // A child in the update is a node (or chunk) of it, received.
            builder.push_interaction(
                bus::NODE,
                node_message(
                    level.clone() - one(),
                    index.clone() * AB::Expr::TWO + AB::Expr::from_usize(s),
                    &digest(&local.before[s]),
                    &digest(&local.after[s]),
                ),
                Count::bounded(-(is_real.clone() * updated), 1),
            );
        }
        for (children, out) in [
            (&local.before, &local.out_before),
            (&local.after, &local.out_after),
        ] {
            builder.push_interaction(
                bus::COMPRESS,
                perm::message(&digest(&children[0]), &digest(&children[1]), &digest(out)),
                Count::bounded(is_real.clone(), 1),
            );
        }
        // Every node but the root is its parent's child.
        builder.push_interaction(
            bus::NODE,
            node_message(
                level,
                index,
                &digest(&local.out_before),
                &digest(&local.out_after),
            ),
            Count::bounded(is_real * (one() - is_root), 1),
        );
    }
}

/// The node table of `updates` (bottom-up, the root last, as
/// [`super::tree::MemoryTree::update`] lists them: the root's row first),
/// padded to a power of two, and the compressions its rows ask for, each
/// with how often; each row's level range check is recorded in `lookups`.
pub fn populate(
    updates: &[NodeUpdate],
    lookups: &mut Lookups,
) -> (RowMajorMatrix<Val>, Vec<([Digest; 2], u32)>) {
    let height = updates.len().next_power_of_two().max(16);
    let mut values = Val::zero_vec(height * NODE_WIDTH);
    let mut calls: Vec<([Digest; 2], u32)> = Vec::new();
    let mut index: HashMap<[[u32; 8]; 2], usize> = HashMap::new();
    for (row, n) in values.chunks_mut(NODE_WIDTH).zip(updates.iter().rev()) {
        let row: &mut NodeCols<Val> = crate::cols::borrow_row_mut(row);
        row.is_real = Val::ONE;
        row.is_root = Val::from_bool(n.level == DEPTH);
        row.level = Val::from_usize(n.level);
        row.index = Val::from_u32(n.index);
        row.updated = n.updated.map(Val::from_bool);
        row.before = n.before;
        row.after = n.after;
        row.out_before = n.digest[0];
        row.out_after = n.digest[1];
        lookups.range(n.level as u32 - 1, (DEPTH - n.level) as u32);
        for children in [n.before, n.after] {
            let key = children.each_ref().map(digest_u32);
            let i = *index.entry(key).or_insert_with(|| {
                calls.push((children, 0));
                calls.len() - 1
            });
            calls[i].1 += 1;
        }
    }
    (RowMajorMatrix::new(values, NODE_WIDTH), calls)
}
