//! The round table alone: against `sha2` and FIPS 180-2, and changed cells.

use p3_air::check_all_constraints;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;

use super::*;
use crate::Val;

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The words of a 64-byte block, big-endian as SHA-256 reads them.
fn words(block: &[u8; 64]) -> [u32; 16] {
    core::array::from_fn(|i| u32::from_be_bytes(block[4 * i..4 * i + 4].try_into().unwrap()))
}

/// The trace of consecutive compressions of `blocks` from the IV; the
/// final state.
fn trace(blocks: &[[u8; 64]]) -> (RowMajorMatrix<Val>, [u32; 8]) {
    let mut rows = vec![ShaRoundCols::<Val>::default(); ROUNDS * blocks.len()];
    let mut lookups = Lookups::default();
    let mut state = IV;
    for (chunk, block) in rows.chunks_mut(ROUNDS).zip(blocks) {
        state = populate(
            chunk,
            Compression::default(),
            state,
            words(block),
            &mut lookups,
        );
    }
    let mut values = Val::zero_vec(rows.len() * SHA_ROUND_WIDTH);
    for (flat, row) in values.chunks_mut(SHA_ROUND_WIDTH).zip(&rows) {
        *crate::cols::borrow_row_mut::<Val, ShaRoundCols<Val>>(flat) = *row;
    }
    (RowMajorMatrix::new(values, SHA_ROUND_WIDTH), state)
}

fn failures(m: &RowMajorMatrix<Val>) -> usize {
    check_all_constraints(&ShaRoundAir, m, &[], Some(4))
        .failures
        .len()
}

fn abc_block() -> [u8; 64] {
    let mut b = [0u8; 64];
    b[..3].copy_from_slice(b"abc");
    b[3] = 0x80;
    b[63] = 24;
    b
}

#[test]
fn compressions_satisfy_the_table_and_agree_with_sha2() {
    let mut other = [0u8; 64];
    for (i, b) in other.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    let blocks = [abc_block(), other];
    let (m, state) = trace(&blocks);
    assert_eq!(failures(&m), 0);
    let mut want = IV;
    for b in &blocks {
        sha2::compress256(&mut want, &[(*b).into()]);
    }
    assert_eq!(state, want);
    // FIPS 180-2's "abc": the first compression alone is the digest.
    let (_, abc) = trace(&[abc_block()]);
    assert_eq!(
        abc,
        [
            0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61,
            0xf20015ad
        ]
    );
}

/// One changed cell anywhere that matters breaks a constraint.
#[test]
fn a_changed_cell_is_caught() {
    let (m, _) = trace(&[abc_block(), abc_block()]);
    let c = SHA_ROUND_COLS;
    for (row, col, what) in [
        (10, c.a[0][3], "a new bit of a"),
        (10, c.e[0][31], "a new bit of e"),
        (11, c.a[2][0], "a shifted bit"),
        (20, c.w[1], "a schedule word's byte"),
        (5, c.window[3][0], "the window"),
        (30, c.h_in[2][1], "the input state mid-compression"),
        (64, c.a[1][7], "the next compression's start"),
        (40, c.d[0], "d"),
        (40, c.h[1], "h"),
    ] {
        let mut bad = m.clone();
        bad.values[row * SHA_ROUND_WIDTH + col] += Val::ONE;
        assert!(
            failures(&bad) > 0,
            "{what} changed at row {row} went unnoticed"
        );
    }
}
/// The carries, the schedule's cells and the sigma inputs are each held
/// by a constraint too (`out_carry` only by its booleanity here: the
/// receiver of `H'` checks its limbs once the table is wired).
#[test]
fn every_other_column_kind_is_held() {
    let mut rows = vec![ShaRoundCols::<Val>::default(); ROUNDS];
    let block: [u32; 16] = core::array::from_fn(|i| (i as u32).wrapping_mul(0x9e37_79b9));
    populate(
        &mut rows,
        Compression::default(),
        [7; 8],
        block,
        &mut Lookups::default(),
    );
    let mut values = Val::zero_vec(ROUNDS * SHA_ROUND_WIDTH);
    for (flat, row) in values.chunks_mut(SHA_ROUND_WIDTH).zip(&rows) {
        *crate::cols::borrow_row_mut::<Val, ShaRoundCols<Val>>(flat) = *row;
    }
    let m = RowMajorMatrix::new(values, SHA_ROUND_WIDTH);
    let c = SHA_ROUND_COLS;
    for (row, col, what) in [
        (12, c.a_carry[0], "a carry"),
        (12, c.e_carry[1], "an e carry"),
        (33, c.sched_carry[0], "a schedule carry"),
        (33, c.sched[2], "a schedule byte"),
        (8, c.sched[0], "a schedule byte before round 16"),
        (40, c.w2[5], "a bit of W[t-2]"),
        (40, c.w15[30], "a bit of W[t-15]"),
        (63, c.out_carry[3][1], "an output carry"),
    ] {
        let mut bad = m.clone();
        bad.values[row * SHA_ROUND_WIDTH + col] += Val::TWO;
        let failures = check_all_constraints(&ShaRoundAir, &bad, &[], Some(4)).failures;
        assert!(
            !failures.is_empty(),
            "{what} changed at row {row} went unnoticed"
        );
    }
}

/// The widths `docs/proof.md` gives.
#[test]
fn the_tables_widths() {
    assert_eq!(SHA_ROUND_WIDTH, 415);
    assert_eq!(call::SHA_CALL_WIDTH, 128);
}

/// The link columns of a real compression are each held: which call and
/// block it is, the same on all 64 rows, the round flags and the block
/// words' addresses.
#[test]
fn the_link_columns_are_held() {
    let mut rows = vec![ShaRoundCols::<Val>::default(); ROUNDS];
    let which = Compression {
        is_real: true,
        clk: 9,
        k: 2,
        wb: 0x4010,
    };
    let mut lookups = Lookups::default();
    populate(&mut rows, which, IV, [5; 16], &mut lookups);
    // The block reads' accesses, as the prover fills them: first touched.
    for row in &mut rows[..16] {
        row.access.populate(0, 4 * which.clk + 1, &mut lookups);
    }
    let mut values = Val::zero_vec(ROUNDS * SHA_ROUND_WIDTH);
    for (flat, row) in values.chunks_mut(SHA_ROUND_WIDTH).zip(&rows) {
        *crate::cols::borrow_row_mut::<Val, ShaRoundCols<Val>>(flat) = *row;
    }
    let m = RowMajorMatrix::new(values, SHA_ROUND_WIDTH);
    assert_eq!(failures(&m), 0);
    let c = SHA_ROUND_COLS;
    for (row, col, what) in [
        (10, c.is_real, "is_real mid-compression"),
        (30, c.clk, "the clock mid-compression"),
        (30, c.k, "k mid-compression"),
        (30, c.wb, "the block word mid-compression"),
        (5, c.addr, "a block word's address"),
        (0, c.is_first, "the first-round flag"),
        (63, c.is_last, "the last-round flag"),
        (20, c.reads, "a read flag past round 16"),
        (3, c.writable, "writable (not a bit)"),
    ] {
        let mut bad = m.clone();
        bad.values[row * SHA_ROUND_WIDTH + col] += Val::TWO;
        assert!(
            failures(&bad) > 0,
            "{what} changed at row {row} went unnoticed"
        );
    }
}
