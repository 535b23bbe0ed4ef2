//! The memory tree's tamper cases: the chunk, node and compression tables
//! (see `ember_air::paging`). Each names the check that catches it, as in
//! `tamper.rs`.

mod witness;

use core::borrow::{Borrow, BorrowMut};
use ember_air::Val;
use ember_air::bus;
use ember_air::lookups::Lookups;
use ember_air::paging::node::{NODE_COLS, NODE_WIDTH};
use ember_air::paging::perm::{PARTIAL_PER_ROW, PERM_WIDTH, PermAir, PermCols, ROWS, Stage};
use ember_air::paging::tree::{DEPTH, Digest};
use ember_air::public::index as public;
use ember_air::table::{NODE, PERM};
use ember_core::asm::*;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::Matrix;
use p3_matrix::dense::RowMajorMatrix;
use witness::{CODE, Case, Caught, DATA, bytes, f, halt, program, word_addr};

const A0: u8 = 10;

/// A load of the data segment's first word into a0, then HALT.
fn load_and_halt() -> Case {
    let mut words = vec![lui(1, DATA >> 12), lw(A0, 1, 0)];
    words.extend(halt());
    Case::honest(program(&words))
}

/// The node table's real rows.
fn node_rows(case: &Case) -> Vec<Vec<Val>> {
    let m = &case.traces.matrices[NODE];
    (0..m.height())
        .map(|r| m.row_slice(r).unwrap().to_vec())
        .take_while(|row| row[NODE_COLS.is_real] == Val::ONE)
        .collect()
}

/// Writes `rows` as the node table, padded with zero rows.
fn set_node_rows(case: &mut Case, rows: &[Vec<Val>]) {
    let height = rows.len().next_power_of_two().max(16);
    let mut values: Vec<Val> = rows.concat();
    values.resize(height * NODE_WIDTH, Val::ZERO);
    case.traces.matrices[NODE] = RowMajorMatrix::new(values, NODE_WIDTH);
}

/// A load that returns 5 from a data word whose initial value the chunk
/// table gives as 5 (the memory bus balances: the chunk's initial tuple
/// says 5). Caught on the root's row: the tree that chunk hashes up to is
/// not the program's, whose root the verifier computed from the ELF.
#[test]
fn an_initial_word_that_is_not_the_programs() {
    let mut case = load_and_halt();
    let load = case.row_at(CODE + 4);
    case.set_memory_access(load, 5, 5);
    case.set_word(load, case.c(load).c, 5);
    case.edit_memory(word_addr(DATA), |e| {
        e.init = bytes(5);
        e.value = bytes(5);
    });
    case.claim_exit(5);
    case.rebalance();
    case.expect_rejected(Caught::row(NODE, 0));
}

/// The public final root is another than the tree's. Caught on the root's
/// row (its digest after is the public final root).
#[test]
fn a_final_root_that_is_not_the_trees() {
    let mut case = load_and_halt();
    case.traces.public_values[public::ROOT_OUT] += Val::ONE;
    case.expect_rejected(Caught::row(NODE, 0));
}

/// A chunk the run never listed (its sibling's chunk is listed) changed in
/// the tree after the run, the node above marking it unchanged, every
/// compression above recomputed and the public final root the new one.
/// Caught on that node's row: a child outside the update is the same
/// before and after.
#[test]
fn a_chunk_outside_the_update_that_changed() {
    let mut case = load_and_halt();
    let mut updates = case.node_updates();
    // The data chunk's parent: its other child is not listed.
    let chunk = word_addr(DATA) / 4;
    let at = updates
        .iter()
        .position(|n| (n.level, n.index) == (1, chunk >> 1))
        .unwrap();
    let side = 1 - (chunk & 1) as usize;
    assert!(!updates[at].updated[side]);
    updates[at].after[side] = [Val::from_u32(7); 8];
    let c = ember_air::paging::tree::Compressor::default();
    let mut digest: Digest = c.compress(updates[at].after[0], updates[at].after[1]);
    updates[at].digest[1] = digest;
    let (mut level, mut index) = (1, chunk >> 1);
    while level < DEPTH {
        let parent = updates
            .iter()
            .position(|n| (n.level, n.index) == (level + 1, index >> 1))
            .unwrap();
        updates[parent].after[(index & 1) as usize] = digest;
        digest = c.compress(updates[parent].after[0], updates[parent].after[1]);
        updates[parent].digest[1] = digest;
        (level, index) = (level + 1, index >> 1);
    }
    case.set_nodes(&updates);
    let row = updates.len() - 1 - at;
    case.expect_rejected(Caught::row(NODE, row));
}

/// A second copy of every chunk and node, its root on a later row: a run
/// whose memory ends as it began (HALT with a0 = 0 and t0 = 0 writes back
/// what the registers held), so the copy's words are untouched and its
/// tree is the same. The buses balance (the copy sends and receives its
/// own tuples and messages). Caught on the row before the second root (the
/// root is the first row's alone) and by the execution bus (the root's row
/// also starts the segment's run: a second one starts a second run).
#[test]
fn a_second_tree_under_a_second_root() {
    let mut case = Case::honest(program(&halt()));
    assert_eq!(
        case.traces.public_values[public::ROOT_IN..][..8],
        case.traces.public_values[public::ROOT_OUT..][..8]
    );
    let mut entries = case.memory();
    let copy: Vec<_> = entries
        .iter()
        .map(|e| witness::MemEntry {
            value: e.init,
            ts: 0,
            ..*e
        })
        .collect();
    entries.extend(copy);
    case.set_memory(&entries);
    let rows = node_rows(&case);
    let n = rows.len();
    set_node_rows(&mut case, &[rows.clone(), rows].concat());
    case.rebalance();
    case.expect_rejected(Caught::row(NODE, n - 1).and_bus(bus::EXEC));
}

/// A node row at level 0 (below the leaves), naming a chunk the run did not
/// touch, its children the same before and after. Caught by the bytes bus
/// (the level's range check: `level - 1` is not a byte) and by the node
/// bus (no level-1 row receives it: it is no chunk of the update).
#[test]
fn a_node_row_below_the_leaves() {
    let mut case = load_and_halt();
    let mut rows = node_rows(&case);
    let mut leaf = rows[rows.len() - 1].clone();
    let m = NODE_COLS;
    leaf[m.is_root] = Val::ZERO;
    leaf[m.level] = Val::ZERO;
    leaf[m.index] = f(word_addr(DATA) / 4 + 1000);
    leaf[m.updated[0]] = Val::ZERO;
    leaf[m.updated[1]] = Val::ZERO;
    for s in 0..2 {
        for i in 0..8 {
            leaf[m.after[s][i]] = leaf[m.before[s][i]];
        }
    }
    for i in 0..8 {
        leaf[m.out_after[i]] = leaf[m.out_before[i]];
    }
    rows.push(leaf);
    set_node_rows(&mut case, &rows);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES).and_bus(bus::NODE));
}

/// The root's digest after forged as what the compression table's
/// permutation of the root's children gives once `edit` (called as
/// `PermAir::trace_with` calls it, for that permutation only) and `out`
/// (on its eight rows) have changed it: the root's digest after, the public
/// final root and the permutation's row 0 all say the forged digest, so
/// every bus balances. Returns the case and the permutation's first row.
fn forged_root_compression(
    mut edit: impl FnMut(Stage, usize, &mut PermCols<Val>),
    out: impl Fn(usize, &mut [Val; 8]),
) -> (Case, usize) {
    let mut case = load_and_halt();
    let mut updates = case.node_updates();
    let children = updates.last().unwrap().after;
    let (_, calls) = ember_air::paging::node::populate(&updates, &mut Lookups::default());
    let call = calls.iter().position(|(c, _)| *c == children).unwrap();
    let mut perms = PermAir.trace_with(&calls, |stage, c, row, cols| {
        if c == call {
            edit(stage, row, cols);
        }
    });
    let first = call * ROWS;
    for row in 0..ROWS {
        let cols: &mut PermCols<Val> =
            perms.values[(first + row) * PERM_WIDTH..][..PERM_WIDTH].borrow_mut();
        out(row, &mut cols.out);
    }
    let forged: PermCols<Val> = *perms.values[first * PERM_WIDTH..][..PERM_WIDTH].borrow();
    updates.last_mut().unwrap().digest[1] = forged.out;
    case.set_nodes(&updates);
    case.traces.matrices[PERM] = perms;
    (case, first)
}

/// A final root that is not the compression of the root's children: the
/// output the compression table holds on all eight rows of the root's
/// permutation is forged. Caught on the permutation's last row: `out` is
/// not the last full rounds' output.
#[test]
fn a_final_root_from_a_forged_compression() {
    let (case, first) = forged_root_compression(|_, _, _| {}, |_, out| *out = [f(7); 8]);
    case.expect_rejected(Caught::row(PERM, first + ROWS - 1));
}

/// The output forged on the permutation's first four rows only (the row
/// that answers the bus among them), its last rounds' output on the others.
/// Caught on row 3: `out` is held from row to row.
#[test]
fn a_compression_output_not_held_to_its_first_row() {
    let (case, first) = forged_root_compression(
        |_, _, _| {},
        |row, out| {
            if row < 4 {
                *out = [f(7); 8];
            }
        },
    );
    case.expect_rejected(Caught::row(PERM, first + 3));
}

/// An S-box output of a full round that is not the cube it must be, the
/// rest of the permutation computed from it (its output is the forged final
/// root): the row's second round (a final round) or its first (an initial
/// one). Caught on that row: `full[1] = (M_E full[0] + rc)^3`, `full[0] =
/// (x + rc)^3`.
#[test]
fn a_full_round_sbox_that_is_not_a_cube() {
    for (at, row, round) in [(Stage::SBoxes, 6, 1), (Stage::FirstFullRound, 1, 0)] {
        let (case, first) = forged_root_compression(
            |stage, r, cols| {
                if stage == at && r == row {
                    cols.full[round][3] += Val::ONE;
                }
            },
            |_, _| {},
        );
        case.expect_rejected(Caught::row(PERM, first + row));
    }
}

/// A partial round's S-box output that is not the cube it must be, the rest
/// computed from it. Caught on that row: `partial[j] = (v_j[0] + rc)^3`.
#[test]
fn a_partial_round_sbox_that_is_not_a_cube() {
    let (case, first) = forged_root_compression(
        |stage, row, cols| {
            if stage == Stage::SBoxes && row == 3 {
                cols.partial[PARTIAL_PER_ROW - 1] += Val::ONE;
            }
        },
        |_, _| {},
    );
    case.expect_rejected(Caught::row(PERM, first + 3));
}

/// A row's state that is not the previous row's rounds' result (its own
/// rounds and the rest computed from it), on each row after the first.
/// Caught on the row before: its next row's `x` must be `M_E full[1]`
/// (after full rounds: rows 0, 1, 6) or the partial rounds' state (rows 2
/// to 5).
#[test]
fn a_compression_state_that_does_not_follow_its_rounds() {
    for (row, caught) in (1..ROWS).map(|r| (r, r - 1)) {
        let (case, first) = forged_root_compression(
            |stage, r, cols| {
                if stage == Stage::State && r == row {
                    cols.x[5] += Val::ONE;
                }
            },
            |_, _| {},
        );
        case.expect_rejected(Caught::row(PERM, first + caught));
    }
}

/// The root's compression answered from another row of its permutation
/// than row 0 (that row's `M_E^-1 x` is a state within the permutation,
/// not its input), each in turn. Caught on that row: only row 0 has a
/// multiplicity; the compress bus is a second line here (the root asks
/// for its children's compression, which that row does not answer).
#[test]
fn a_compression_answered_from_a_row_within_it() {
    for row in 1..ROWS {
        let (mut case, first) = forged_root_compression(|_, _, _| {}, |_, _| {});
        let mult = ember_air::paging::perm::PERM_COLS.mult;
        let values = &mut case.traces.matrices[PERM].values;
        let m = values[first * PERM_WIDTH + mult];
        assert_eq!(m, Val::ONE);
        values[first * PERM_WIDTH + mult] = Val::ZERO;
        values[(first + row) * PERM_WIDTH + mult] = m;
        case.expect_rejected(Caught::row(PERM, first + row).and_bus(bus::COMPRESS));
    }
}

/// The data word's initial value listed with limbs that are not bytes but
/// give the tree the same 16-bit halves (`[0x201, 0, 3, 4]` for `[1, 2, 3,
/// 4]`), so the tree is the program's; the load returns those limbs and
/// HALT claims them. Caught by the bytes bus: the chunk table range-checks
/// every initial byte.
#[test]
fn an_initial_word_whose_bytes_are_not_bytes() {
    let mut case = load_and_halt();
    let load = case.row_at(CODE + 4);
    let limbs = [f(0x201), f(0), f(3), f(4)];
    let c = case.c(load);
    case.set_limbs(load, c.mem_prev, limbs);
    case.set_limbs(load, c.mem_new, limbs);
    case.set_limbs(load, c.c, limbs);
    case.edit_memory(word_addr(DATA), |e| {
        e.init = limbs;
        e.value = limbs;
    });
    case.claim_exit_limbs(limbs);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// A store to the data segment's first word (99), then HALT: the chunk
/// table pages the word out with its new value, but the nodes are those
/// of a tree in which the chunk never changed (its leaf's digest after the
/// same as before), the public final root that tree's: the write is not
/// paged out. Caught by the node bus: the chunk row's leaf message (its
/// digests before and after) is not the one the level-1 node receives.
#[test]
fn a_chunk_touched_but_not_paged_out() {
    let mut words = vec![lui(1, DATA >> 12), addi(2, 0, 99), sw(2, 0, 1)];
    words.extend(halt());
    let mut case = Case::honest(program(&words));
    let honest = case.memory();
    let data = honest.iter().find(|e| e.addr == word_addr(DATA)).unwrap();
    assert_eq!(data.value, bytes(99));
    assert_ne!(data.value, data.init);
    // The tree as if the word had kept its initial value.
    case.edit_memory(word_addr(DATA), |e| e.value = e.init);
    let unchanged = case.node_updates();
    case.set_memory(&honest);
    case.set_nodes(&unchanged);
    case.expect_rejected(Caught::bus(bus::NODE));
}
