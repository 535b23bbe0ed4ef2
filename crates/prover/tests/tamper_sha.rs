//! The tamper suite's SHA-256 cases (see `tamper.rs` for the method): each
//! takes an honest run that calls SHA256_COMPRESS, changes what the call's
//! row or the round table says (recomputing the rounds with the gadget's
//! own `populate` where the case needs them consistent), and expects the
//! verifier to reject it where the case says.

mod witness;

use ember_abi::ecall;
use ember_air::bus;
use ember_air::cols;
use ember_air::lookups::Lookups;
use ember_air::sha::call::{SHA_CALL_WIDTH, ShaCallCols};
use ember_air::sha::{self, Compression, ROUNDS, SHA_ROUND_WIDTH, ShaRoundCols};
use ember_air::{Table, Val};
use ember_core::asm::*;
use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
use witness::{CODE, Case, Caught, DATA, buffer_at, bytes, word_addr};

/// `a0, a1, a2 = args; t0 = SHA256_COMPRESS; ecall`.
fn compress(state: u32, blocks: u32, count: u32) -> Vec<u32> {
    let mut w = Vec::new();
    for (reg, v) in [10u8, 11, 12].into_iter().zip([state, blocks, count]) {
        w.extend(li(reg, v));
    }
    w.extend([addi(5, 0, ecall::SHA256_COMPRESS as i32), ecall()]);
    w
}

/// The calls, then HALT (with the last state's address in a0, the exit
/// code).
fn program(calls: &[(u32, u32, u32)]) -> ember_core::Program {
    let mut w: Vec<u32> = calls
        .iter()
        .flat_map(|&(s, b, n)| compress(s, b, n))
        .collect();
    w.extend(witness::halt());
    witness::program(&w)
}

fn case(calls: &[(u32, u32, u32)]) -> Case {
    Case::honest(program(calls))
}

/// One block at DATA + 0x20 into the state at DATA + 0x60, then the same
/// block into the state at DATA + 0x80 (which holds the same words: zeros).
fn two_calls() -> Case {
    case(&[(DATA + 0x60, DATA + 0x20, 1), (DATA + 0x80, DATA + 0x20, 1)])
}

fn rounds(case: &Case) -> &[Val] {
    &case.traces.matrices[Table::ShaRound.index()].values
}

fn round(case: &Case, r: usize) -> ShaRoundCols<Val> {
    *cols::borrow_row::<Val, ShaRoundCols<Val>>(
        &rounds(case)[r * SHA_ROUND_WIDTH..][..SHA_ROUND_WIDTH],
    )
}

fn set_round(case: &mut Case, r: usize, row: &ShaRoundCols<Val>) {
    let m = &mut case.traces.matrices[Table::ShaRound.index()].values;
    *cols::borrow_row_mut::<Val, ShaRoundCols<Val>>(
        &mut m[r * SHA_ROUND_WIDTH..][..SHA_ROUND_WIDTH],
    ) = *row;
}

fn call(case: &Case, r: usize) -> ShaCallCols<Val> {
    let m = &case.traces.matrices[Table::ShaCall.index()].values;
    *cols::borrow_row::<Val, ShaCallCols<Val>>(&m[r * SHA_CALL_WIDTH..][..SHA_CALL_WIDTH])
}

fn set_call(case: &mut Case, r: usize, row: &ShaCallCols<Val>) {
    let m = &mut case.traces.matrices[Table::ShaCall.index()].values;
    *cols::borrow_row_mut::<Val, ShaCallCols<Val>>(
        &mut m[r * SHA_CALL_WIDTH..][..SHA_CALL_WIDTH],
    ) = *row;
}

fn word(b: &[Val; 4]) -> u32 {
    b.iter()
        .rev()
        .fold(0, |acc, v| acc << 8 | v.as_canonical_u32())
}

/// The block words `W[0..16]` compression `c` (its first row `64 c`) read,
/// as SHA-256 reads them (big-endian from memory's bytes).
fn block_of(case: &Case, c: usize) -> [u32; 16] {
    core::array::from_fn(|t| word(&round(case, ROUNDS * c + t).w))
}

/// Recomputes compression `c` from the state `h` and `block` with the
/// gadget's `populate`, keeping which compression it is and its block
/// reads' accesses; returns the new state.
fn recompute(case: &mut Case, c: usize, h: [u32; 8], block: [u32; 16]) -> [u32; 8] {
    let honest: Vec<ShaRoundCols<Val>> = (0..ROUNDS).map(|t| round(case, ROUNDS * c + t)).collect();
    let first = honest[0];
    let which = Compression {
        is_real: first.is_real == Val::ONE,
        clk: first.clk.as_canonical_u32(),
        k: first.k.as_canonical_u32(),
        wb: first.wb.as_canonical_u32(),
    };
    let mut rows = vec![ShaRoundCols::<Val>::default(); ROUNDS];
    let out = sha::populate(&mut rows, which, h, block, &mut Lookups::default());
    for (t, (row, old)) in rows.iter_mut().zip(&honest).enumerate() {
        row.access = old.access;
        row.writable = old.writable;
        set_round(case, ROUNDS * c + t, row);
    }
    out
}

/// The call row's state words before and after.
fn state(row: &ShaCallCols<Val>) -> ([u32; 8], [u32; 8]) {
    (row.old.map(|w| word(&w)), row.new.map(|w| word(&w)))
}

/// Sets the call row's new state and the memory table's final values of
/// the state words to `new`.
fn write_state(case: &mut Case, r: usize, new: [u32; 8]) {
    let mut row = call(case, r);
    row.new = new.map(bytes);
    set_call(case, r, &row);
    let ws = word_addr(word(&row.state));
    for (j, &v) in new.iter().enumerate() {
        case.edit_memory(ws + j as u32, |e| e.value = bytes(v));
    }
}

/// The call's new state differs from the chain's result, and memory holds
/// it. Caught by the sha bus: the last compression's `(clk, 1, .., H')`
/// does not meet the call's `(clk, 1, .., state')`.
#[test]
fn a_wrong_output_word() {
    let mut case = case(&[(DATA + 0x60, DATA + 0x40, 1)]);
    let (_, mut new) = state(&call(&case, 0));
    new[3] ^= 1 << 9;
    write_state(&mut case, 0, new);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::SHA));
}

/// The call says the state held other words than memory did, and the
/// rounds are recomputed from them (so the chain and the new state agree).
/// Caught by the memory bus: the state's read receives a value no one sent.
#[test]
fn a_state_word_not_read_from_memory() {
    let mut case = case(&[(DATA + 0x60, DATA + 0x40, 1)]);
    let mut row = call(&case, 0);
    let (mut old, _) = state(&row);
    old[5] = 0x1234_5678;
    row.old = old.map(bytes);
    set_call(&mut case, 0, &row);
    let block = block_of(&case, 0);
    let new = recompute(&mut case, 0, old, block);
    write_state(&mut case, 0, new);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// A block word other than memory's, the rounds recomputed from it.
/// Caught by the memory bus: round 7's read receives a value no one sent.
#[test]
fn a_block_word_not_read_from_memory() {
    let mut case = case(&[(DATA + 0x60, DATA + 0x40, 1)]);
    let (old, _) = state(&call(&case, 0));
    let mut block = block_of(&case, 0);
    block[7] ^= 0x8000_0001;
    let new = recompute(&mut case, 0, old, block);
    write_state(&mut case, 0, new);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// The state is left as it was: the call row writes the old words back
/// and memory keeps them. Caught by the sha bus (the chain ends at `H'`,
/// not at the old state).
#[test]
fn the_output_not_written_back() {
    let mut case = case(&[(DATA + 0x60, DATA + 0x40, 1)]);
    let (old, _) = state(&call(&case, 0));
    write_state(&mut case, 0, old);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::SHA));
}

/// A call of two blocks whose second compression is skipped (its rows
/// become padding, its block reads gone from memory's timestamps), the
/// state after one block written. Caught by the sha bus: nothing sends
/// `(clk, 2, ..)` to the call, and nothing receives `(clk, 1, ..)`.
#[test]
fn a_compression_skipped() {
    let mut case = case(&[(DATA + 0x80, DATA, 2)]);
    let (old, block) = (state(&call(&case, 0)).0, block_of(&case, 0));
    let h1 = recompute(&mut case, 0, old, block);
    let padding_block = [0; 16];
    let mut rows = vec![ShaRoundCols::<Val>::default(); ROUNDS];
    sha::populate(
        &mut rows,
        Compression::default(),
        [0; 8],
        padding_block,
        &mut Lookups::default(),
    );
    for (t, row) in rows.iter().enumerate() {
        set_round(&mut case, ROUNDS + t, row);
    }
    for w in 0..16 {
        // The second block's words were last touched by the image.
        case.edit_memory(word_addr(DATA + 64) + w, |e| e.ts = 0);
    }
    write_state(&mut case, 0, h1);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::SHA));
}

/// Two calls of the same block into equal states: the second call's
/// compression is dropped (padding), as if the first call's result served
/// both. Caught by the sha bus: each message is counted (one compression
/// answers one call's start) and carries the call's clock, so the first
/// call's compression cannot answer the second.
#[test]
fn a_calls_result_reused_for_another_call() {
    let mut case = two_calls();
    let (c0, c1) = (call(&case, 0), call(&case, 1));
    assert_eq!(state(&c0), state(&c1), "the two calls compute the same");
    let mut rows = vec![ShaRoundCols::<Val>::default(); ROUNDS];
    sha::populate(
        &mut rows,
        Compression::default(),
        [0; 8],
        [0; 16],
        &mut Lookups::default(),
    );
    for (t, row) in rows.iter().enumerate() {
        set_round(&mut case, ROUNDS + t, row);
    }
    // The block's words were last read by the first call.
    let ts = 4 * c0.clk.as_canonical_u32() + 1;
    for w in 0..16 {
        case.edit_memory(word_addr(DATA + 0x20) + w, |e| e.ts = ts);
    }
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::SHA));
}

/// A call the CPU never made: the second call's row claims another clock
/// (its compression and accesses follow). Caught by the ecall bus: the
/// CPU's ECALL at the real clock has no receiver, and the row's at the
/// other clock no sender.
#[test]
fn a_call_the_cpu_never_made() {
    let mut case = two_calls();
    let mut row = call(&case, 1);
    let clk = row.clk + Val::ONE;
    row.clk = clk;
    // Every timestamp moves by 4 with the clock; the gaps grow by 4.
    let bump = |a: &mut ember_air::gadget::AccessCols<Val>| {
        let gap = word(&[a.gap[0], a.gap[1], a.gap[2], Val::ZERO]) + 4;
        let [g0, g1, g2, _] = bytes(gap);
        a.gap = [g0, g1, g2];
    };
    bump(&mut row.count_access);
    row.access.iter_mut().for_each(bump);
    set_call(&mut case, 1, &row);
    for t in 0..ROUNDS {
        let mut r = round(&case, ROUNDS + t);
        r.clk = clk;
        if t < 16 {
            bump(&mut r.access);
        }
        set_round(&mut case, ROUNDS + t, &r);
    }
    let ws = word_addr(word(&row.state));
    for j in 0..8 {
        case.edit_memory(ws + j, |e| e.ts += 4);
    }
    for w in 0..16 {
        case.edit_memory(word_addr(DATA + 0x20) + w, |e| e.ts += 4);
    }
    case.edit_memory(12, |e| e.ts += 4);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::ECALL));
}

/// The count read from a2 is changed to 2 while one compression runs (the
/// cycles the CPU charged stay 68). Caught by the ecall bus (the call's
/// message says 136 extra cycles), the memory bus (a2 held 1) and the sha
/// bus (the chain ends at `k = 1`).
#[test]
fn a_count_other_than_a2() {
    let mut case = case(&[(DATA + 0x60, DATA + 0x40, 1)]);
    let mut row = call(&case, 0);
    row.count = bytes(2);
    row.count_inv = Val::from_u32(2).inverse();
    // Its blocks still fit: the limit is 16 words less.
    let limit = word(&row.blocks_buf.limit) - 16;
    row.blocks_buf.limit = bytes(limit);
    set_call(&mut case, 0, &row);
    case.rebalance();
    case.expect_rejected(
        Caught::bus(bus::ECALL)
            .and_bus(bus::MEMORY)
            .and_bus(bus::SHA),
    );
}

/// SHA256_COMPRESS of one block at `blocks` into the state at `state`
/// (where the executor faults), proven with the trace of the same program
/// on `honest = (state, blocks)` (only the two `li`s differ): a0 and a1
/// wherever they go (the LIs, the ECALL row, HALT and the exit code, the
/// memory table), the call row's addresses and buffer checks, the rounds'
/// block addresses and the buffers' memory rows, moved.
fn buffers_moved(state: u32, blocks: u32, honest: (u32, u32)) -> Case {
    let mut case = Case::shadow(
        program(&[(state, blocks, 1)]),
        &program(&[(honest.0, honest.1, 1)]),
    );
    case.set_li(CODE, state);
    case.set_li(CODE + 8, blocks);
    let ecall = case.ecall_rows()[0];
    let c = case.c(ecall);
    for cols in [c.a, c.c, c.rd_prev] {
        case.set_word(ecall, cols, state);
    }
    // a1 is every ECALL row's memory slot (HALT's too, and its I/O header).
    for row in case.ecall_rows() {
        case.set_memory_access(row, blocks, blocks);
    }
    let halt = case.io_header_of(case.halt_row());
    let io = case.io;
    case.set_io_word(halt, io.a1, blocks);
    case.set_io_word(halt, io.a1_out, blocks);
    case.edit_memory(11, |e| e.value = bytes(blocks));
    case.claim_exit(state);
    let mut row = call(&case, 0);
    row.state = bytes(state);
    row.blocks = bytes(blocks);
    row.state_buf = buffer_at(state, 8);
    row.blocks_buf = buffer_at(blocks, 16);
    set_call(&mut case, 0, &row);
    for t in 0..ROUNDS {
        let mut r = round(&case, t);
        r.wb = Val::from_u32(blocks / 4);
        r.addr = Val::from_u32(blocks / 4 + t as u32);
        set_round(&mut case, t, &r);
    }
    case.move_words(&[(honest.0 / 4, state / 4, 8), (honest.1 / 4, blocks / 4, 16)]);
    case.rebalance();
    case
}

/// A state at 0xFFE0, in the guard region below 0x10000, where the executor
/// faults (the trace is that of the state at 0x10000, moved). Caught on the
/// call row by the state buffer's `(state2 + 256 state3) guard_inv = 1`.
#[test]
fn a_state_in_the_guard_region() {
    let case = buffers_moved(0xFFE0, DATA + 0x40, (0x1_0000, DATA + 0x40));
    case.expect_rejected(Caught::row(Table::ShaCall.index(), 0));
}

/// A block at 0xBFFF_FFC8, whose last two words are in the system region
/// (the trace is that of the block at 0xBFFF_FFC0, which ends just below
/// it, moved). Caught by the bytes bus: the blocks buffer's `limit =
/// LAST_WORD - last word` is -2, not a byte-checked value below 2^30.
#[test]
fn a_block_ending_in_the_system_region() {
    let case = buffers_moved(DATA + 0x60, 0xBFFF_FFC8, (DATA + 0x60, 0xBFFF_FFC0));
    case.expect_rejected(Caught::bus(bus::BYTES));
}
