//! The tamper suite: each case takes an honest trace of a small program,
//! changes it the way a cheating prover would (and, for a balanced cheat,
//! re-counts the lookup tables and fixes the memory boundary so that only
//! the targeted check is left), proves it, and expects the verifier to
//! reject it. Each case names the constraint or bus that catches it, and the
//! audit (see `witness`) checks that claim before the proof is made.

mod witness;

use ember_air::Val;
use ember_air::bus;
use ember_air::chips::slot;
use ember_air::io::kind;
use ember_air::ops::Op;
use ember_air::public::index as public;
use ember_air::table::{ALU, BYTES, ECALL, IO, JUMP, NODE, PROGRAM};
use ember_core::asm::*;
use ember_core::{Program, Segment};
use ember_verifier::verify;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::Matrix;
use witness::{
    At, CODE, Case, Caught, DATA, DATA_BYTES, MemEntry, bytes, f, halt, program, word_addr,
};

const A0: u8 = 10;
const A1: u8 = 11;
const A2: u8 = 12;
const T0: u8 = 5;
/// The data segment's first word.
const DATA_WORD: u32 = 0x0403_0201;

/// `words` then HALT.
fn with_halt(words: &[u32]) -> Vec<u32> {
    let mut w = words.to_vec();
    w.extend(halt());
    w
}

// --- Arithmetic. ---

/// ADD writes 13 for 5 + 7, and everything downstream (a0's final value,
/// the exit code) agrees; the range counts follow the new bytes. Caught by
/// the adder: `z0 + 256 carry0 = x0 + y0` on the ADD row.
#[test]
fn add_with_a_wrong_result() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, 5),
        addi(2, 0, 7),
        add(A0, 1, 2),
    ])));
    let row = case.row_at(CODE + 8);
    case.set_word(row, case.c(row).c, 13);
    case.set_word(row, case.c(row).adder.z, 13);
    case.claim_exit(13);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// SUB writes 6 for 9 - 4. Caught by the adder run backwards (`c + b = a`):
/// limb 0 of the SUB row.
#[test]
fn sub_with_a_wrong_result() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, 9),
        addi(2, 0, 4),
        sub(A0, 1, 2),
    ])));
    let row = case.row_at(CODE + 8);
    case.set_word(row, case.c(row).c, 6);
    case.set_word(row, case.c(row).adder.x, 6);
    case.claim_exit(6);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// ANDI writes 0x0B for 0x5A & 0x0F; the byte table's counts are recounted
/// (its (0x5A, 0x0F) row loses the lookup). Caught by the bytes bus: the
/// table holds no (AND, 0x5A, 0x0F, 0x0B).
#[test]
fn andi_with_a_wrong_result_and_the_byte_table_recounted() {
    let mut case = Case::honest(program(&with_halt(&[addi(1, 0, 0x5A), andi(A0, 1, 0x0F)])));
    let row = case.row_at(CODE + 4);
    case.set_word(row, case.c(row).c, 0x0B);
    case.claim_exit(0x0B);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// XOR of two registers writes 0x3B for 0x35 ^ 0x0F, counts recounted.
/// Caught by the bytes bus: no (XOR, 0x35, 0x0F, 0x3B) in the table.
#[test]
fn xor_with_a_wrong_result_and_the_byte_table_recounted() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, 0x35),
        addi(2, 0, 0x0F),
        xor(A0, 1, 2),
    ])));
    let row = case.row_at(CODE + 8);
    case.set_word(row, case.c(row).c, 0x3B);
    case.claim_exit(0x3B);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// The byte table claims one more (0, 0) lookup than was made. Caught by
/// the bytes bus.
#[test]
fn a_byte_table_multiplicity_off_by_one() {
    let mut case = Case::honest(program(&with_halt(&[addi(A0, 0, 1)])));
    case.traces.matrices[BYTES].values[0] += Val::ONE;
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// The program table claims the first instruction ran once more. Caught by
/// the program bus.
#[test]
fn a_program_count_off_by_one() {
    let mut case = Case::honest(program(&with_halt(&[addi(A0, 0, 1)])));
    case.traces.matrices[PROGRAM].values[0] += Val::ONE;
    case.expect_rejected(Caught::bus(bus::PROGRAM));
}

/// 0x1FF + 1 written as bytes (256, 1, 0, 0): the same field value as
/// (0, 2, 0, 0), and the adder holds with carry0 = 0; a0 at the HALT (read,
/// written back, received by the I/O table's header), its final value and
/// the exit code (a0 + 256 a1 = 512) agree. Caught by the bytes bus: the
/// range check of (z0, z1) = (256, 1).
#[test]
fn a_result_byte_of_256_with_the_next_byte_one_less() {
    let mut case = Case::honest(program(&with_halt(&[addi(1, 0, 0x1FF), addi(A0, 1, 1)])));
    let row = case.row_at(CODE + 4);
    let limbs = [f(256), f(1), Val::ZERO, Val::ZERO];
    case.set_limbs(row, case.c(row).c, limbs);
    case.set_limbs(row, case.c(row).adder.z, limbs);
    case.set(row, case.c(row).adder.carry[0], Val::ZERO);
    case.claim_exit_limbs(limbs);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// ADD writes 13 for 5 + 7 with every limb equation holding: carry0 =
/// -1/256 (so z0 + 256 carry0 = 12) and each next carry 1/256 of the last.
/// Caught by the carries' boolean constraints on the ADD row.
#[test]
fn a_carry_that_wraps_mod_p() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, 5),
        addi(2, 0, 7),
        add(A0, 1, 2),
    ])));
    let row = case.row_at(CODE + 8);
    let inv256 = f(256).inverse();
    let mut carry = -inv256;
    for i in 0..4 {
        case.set(row, case.c(row).adder.carry[i], carry);
        carry *= inv256;
    }
    case.set_word(row, case.c(row).c, 13);
    case.set_word(row, case.c(row).adder.z, 13);
    case.claim_exit(13);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

// --- Memory. ---

/// Two stores (5, then 9) and a load that returns the first: the load's
/// previous timestamp is the first store's. Caught by the memory bus (the
/// first store's tuple is consumed twice, the second's never).
#[test]
fn a_load_returning_a_stale_value() {
    let mut case = Case::honest(program(&with_halt(&[
        lui(1, DATA >> 12),
        addi(2, 0, 5),
        sw(2, 0, 1),
        addi(2, 0, 9),
        sw(2, 0, 1),
        lw(A0, 1, 0),
    ])));
    let first = case.row_at(CODE + 8);
    let load = case.row_at(CODE + 20);
    case.set_memory_access(load, 5, 5);
    case.set_word(load, case.c(load).c, 5);
    let ts = case.ts(first, slot::MEM);
    case.set_access(load, slot::MEM, ts);
    case.edit_memory(word_addr(DATA), |e| e.value = bytes(5));
    case.claim_exit(5);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// Two loads of two words, each returning the other's value (the memory
/// table's final values swapped to match). Caught by the memory bus: the
/// image sends each word's own value.
#[test]
fn two_loads_returning_swapped_values() {
    let second = 0x0807_0605;
    let mut case = Case::honest(program(&with_halt(&[
        lui(1, DATA >> 12),
        lw(A0, 1, 0),
        lw(2, 1, 4),
    ])));
    let (l1, l2) = (case.row_at(CODE + 4), case.row_at(CODE + 8));
    case.set_memory_access(l1, second, second);
    case.set_word(l1, case.c(l1).c, second);
    case.set_memory_access(l2, DATA_WORD, DATA_WORD);
    case.set_word(l2, case.c(l2).c, DATA_WORD);
    case.edit_memory(word_addr(DATA), |e| e.value = bytes(second));
    case.edit_memory(word_addr(DATA) + 1, |e| e.value = bytes(DATA_WORD));
    case.edit_memory(2, |e| e.value = bytes(DATA_WORD));
    case.claim_exit(second);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// A load reads the value a later store writes: its previous timestamp is
/// the store's, after its own; the store reads the image; the memory bus
/// balances (image -> store -> load -> final). Caught by the bytes bus: the
/// range check of the load's gap `ts - prev_ts - 1`, which is negative.
#[test]
fn a_previous_timestamp_after_the_current_one() {
    let mut case = Case::honest(program(&with_halt(&[
        lui(1, DATA >> 12),
        lw(A0, 1, 0),
        addi(2, 0, 7),
        sw(2, 0, 1),
    ])));
    let (load, store) = (case.row_at(CODE + 4), case.row_at(CODE + 12));
    case.set_memory_access(load, 7, 7);
    case.set_word(load, case.c(load).c, 7);
    let (load_ts, store_ts) = (case.ts(load, slot::MEM), case.ts(store, slot::MEM));
    case.set_access(load, slot::MEM, store_ts);
    case.set_memory_access(store, DATA_WORD, 7);
    case.set_access(store, slot::MEM, 0);
    case.edit_memory(word_addr(DATA), |e| {
        e.value = bytes(7);
        e.ts = load_ts;
    });
    case.claim_exit(7);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// A load of a word that is in no segment's data returns 5 (the memory
/// table's final value agrees). Caught by the memory bus: the table's
/// initial tuple for an address outside the image is zero.
#[test]
fn uninitialised_memory_read_as_non_zero() {
    let mut case = Case::honest(program(&with_halt(&[lui(1, DATA >> 12), lw(A0, 1, 0x80)])));
    let load = case.row_at(CODE + 4);
    case.set_memory_access(load, 5, 5);
    case.set_word(load, case.c(load).c, 5);
    case.edit_memory(word_addr(DATA + 0x80), |e| e.value = bytes(5));
    case.claim_exit(5);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// The forged load of the duplicate-listing cases: the load returns 0
/// from a second, zero-initialised listing of the data word's chunk, and
/// the other listing keeps the image's value untouched. `forged_first`
/// puts the forged listing first, so that the node table hashes it.
fn forged_load(forged_first: bool) -> Case {
    let mut case = Case::honest(program(&with_halt(&[lui(1, DATA >> 12), lw(A0, 1, 0)])));
    let load = case.row_at(CODE + 4);
    case.set_memory_access(load, 0, 0);
    case.set_word(load, case.c(load).c, 0);
    let ts = case.ts(load, slot::MEM);
    let mut entries = case.memory();
    let i = entries
        .iter()
        .position(|e| e.addr == word_addr(DATA))
        .unwrap();
    entries[i].value = entries[i].init;
    entries[i].ts = 0;
    let forged = MemEntry {
        addr: word_addr(DATA),
        init: bytes(0),
        value: bytes(0),
        ts,
        writable: true,
    };
    if forged_first {
        entries.insert(0, forged);
    } else {
        entries.push(forged);
    }
    case.set_memory(&entries);
    case.claim_exit(0);
    case.rebalance();
    case
}

/// The data word's chunk listed twice in the chunk table, the second time
/// zero-initialised, and a load returning its 0; the node table hashes the
/// honest listing. Caught by the node bus: no node receives the second
/// listing's leaf.
#[test]
fn a_chunk_listed_twice() {
    forged_load(false).expect_rejected(Caught::bus(bus::NODE));
}

/// The same duplicate listing, the node table hashing the forged one (so
/// the honest one is left over). Caught by the node bus (the honest
/// listing's leaf is received by no node) and on the root's row: the tree
/// before the run is not the program's (its root is not the public one).
#[test]
fn a_chunk_listed_twice_the_tree_hashing_the_forged_listing() {
    forged_load(true).expect_rejected(Caught::row(NODE, 0).and_bus(bus::NODE));
}

/// One instruction reads x1 as rs1 and rs2 and gets 3 and 4. Caught by the
/// memory bus: the second read receives a tuple the first never sent.
#[test]
fn one_register_read_twice_in_a_cycle_with_two_values() {
    let mut case = Case::honest(program(&with_halt(&[addi(1, 0, 3), add(A0, 1, 1)])));
    let row = case.row_at(CODE + 4);
    case.set_word(row, case.c(row).b, 4);
    case.set_word(row, case.c(row).opb, 4);
    case.set_adder(row, 3, 4);
    case.set_word(row, case.c(row).c, 7);
    case.edit_memory(1, |e| e.value = bytes(4));
    case.claim_exit(7);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// `addi x0, x0, 5` made to write x0 (writes_rd = 1, with its access), and
/// the next instruction reading x0 as 5. Caught by the program bus: the
/// program row says writes_rd = 0.
#[test]
fn x0_written_and_read_back_non_zero() {
    // t0 starts at 0: HALT needs no `addi t0, x0, 0`, which would read x0.
    let mut case = Case::honest(program(&[addi(0, 0, 5), addi(A0, 0, 0), ecall()]));
    let (w, r) = (case.row_at(CODE), case.row_at(CODE + 4));
    case.set(w, case.c(w).insn.writes_rd, Val::ONE);
    case.set_word(w, case.c(w).c, 5);
    case.set_word(w, case.c(w).rd_prev, 0);
    let read_ts = case.ts(w, slot::RS1);
    case.set_access(w, slot::RD, read_ts);
    case.set_word(r, case.c(r).a, 5);
    let write_ts = case.ts(w, slot::RD);
    case.set_access(r, slot::RS1, write_ts);
    case.set_adder(r, 5, 0);
    case.set_word(r, case.c(r).c, 5);
    let read_ts = case.ts(r, slot::RS1);
    case.edit_memory(0, |e| {
        e.value = bytes(5);
        e.ts = read_ts;
    });
    case.claim_exit(5);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::PROGRAM));
}

/// Where the store cases store: a second code segment (two FENCEs, never
/// executed) that the shadow program has as data.
const CODE2: u32 = CODE + 0x1000;

/// The program that stores 5 into `CODE2` (code to the verifier), and the
/// shadow in which `CODE2` is data, so the executor lets the store happen.
fn store_into_code() -> (Program, Program) {
    let words = with_halt(&[
        lui(1, CODE2 >> 12),
        addi(2, 0, 5),
        sw(2, 0, 1),
        addi(A0, 0, 0),
    ]);
    let fences: Vec<u8> = [fence(), fence()]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let code = Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, &words),
            Segment::code(CODE2, &[fence(), fence()]),
        ],
    )
    .unwrap();
    let data = Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, &words),
            Segment::data(CODE2, &fences, 8),
        ],
    )
    .unwrap();
    (code, data)
}

/// A store into code: the store's word is writable in the trace. Caught by
/// the memory bus: the image sends code words with writable = 0.
#[test]
fn a_store_into_code() {
    let (code, data) = store_into_code();
    let case = Case::shadow(code, &data);
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// A store into code that carries writable = 0 all along (so the memory bus
/// balances). Caught by the CPU's `store => writable` constraint.
#[test]
fn a_store_into_code_that_keeps_it_read_only() {
    let (code, data) = store_into_code();
    let mut case = Case::shadow(code, &data);
    let store = case.row_at(CODE + 8);
    case.set(store, case.c(store).mem_writable, Val::ZERO);
    case.edit_memory(word_addr(CODE2), |e| e.writable = false);
    case.expect_rejected(Caught::at(store));
}

/// A store into code through a second, writable listing of the code
/// word's chunk; the first listing keeps the code word read-only and
/// untouched. Caught by the node bus: no node receives the second listing.
#[test]
fn a_store_into_code_through_a_duplicate_listing() {
    let (code, data) = store_into_code();
    let mut case = Case::shadow(code, &data);
    let store = case.row_at(CODE + 8);
    let fence_word = fence();
    case.set_memory_access(store, fence_word, 5);
    let ts = case.ts(store, slot::MEM);
    let mut entries = case.memory();
    let i = entries
        .iter()
        .position(|e| e.addr == word_addr(CODE2))
        .unwrap();
    entries[i] = MemEntry {
        value: bytes(fence_word),
        ts: 0,
        writable: false,
        ..entries[i]
    };
    entries.push(MemEntry {
        addr: word_addr(CODE2),
        init: bytes(fence_word),
        value: bytes(5),
        ts,
        writable: true,
    });
    case.set_memory(&entries);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::NODE));
}

/// A store into code through the code word's one listing, marked
/// writable. Caught on the root's row: the tree holds the word read-only,
/// so the tree the chunk table hashes up to is not the program's.
#[test]
fn a_store_into_code_listed_writable() {
    let (code, data) = store_into_code();
    let mut case = Case::shadow(code, &data);
    let store = case.row_at(CODE + 8);
    let fence_word = fence();
    case.set_memory_access(store, fence_word, 5);
    case.edit_memory(word_addr(CODE2), |e| {
        e.writable = true;
        e.value = bytes(5);
    });
    case.rebalance();
    case.expect_rejected(Caught::row(NODE, 0));
}

// --- Control flow. ---

/// `addi x1, x0, 1; addi x2, x0, 2; <branch> +8; addi a0, x0, 7; HALT`.
fn branch_program(branch: u32) -> Program {
    program(&with_halt(&[
        addi(1, 0, 1),
        addi(2, 0, 2),
        branch,
        addi(A0, 0, 7),
    ]))
}

/// BEQ of 1 and 2 taken (the trace of the BNE that is, relabelled BEQ).
/// Caught by BEQ's `taken = 1 - nonzero * eq_inv`, `nonzero * taken = 0`
/// on the branch row.
#[test]
fn beq_taken_on_unequal_values() {
    let mut case = Case::shadow(branch_program(beq(1, 2, 8)), &branch_program(bne(1, 2, 8)));
    let row = case.row_at(CODE + 8);
    case.set_op(row, Op::Beq);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// BEQ of 1 and 2 with `taken = 0` (honest) but the next pc at the target.
/// Caught by the branch rule `next_pc = pc + 4 + taken (target - pc - 4)`.
#[test]
fn a_branch_not_taken_that_jumps_anyway() {
    let mut case = Case::shadow(branch_program(beq(1, 2, 8)), &branch_program(bne(1, 2, 8)));
    let row = case.row_at(CODE + 8);
    case.set_op(row, Op::Beq);
    case.set(row, case.c(row).taken, Val::ZERO);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// `addi x1, x0, -1; addi x2, x0, 1; <branch> +8; addi a0, x0, 7; HALT`.
fn signed_branch_program(branch: u32) -> Program {
    program(&with_halt(&[
        addi(1, 0, -1),
        addi(2, 0, 1),
        branch,
        addi(A0, 0, 7),
    ]))
}

/// BLT -1 < 1 not taken: the trace of BLTU (unsigned, not taken) relabelled
/// BLT, with the sign bytes left unflipped (`sa3 = a3`, `sb3 = opb3`).
/// Caught by the bytes bus: the sign flip is an XOR-with-0x80 lookup.
#[test]
fn blt_compared_without_flipping_the_signs() {
    let mut case = Case::shadow(
        signed_branch_program(blt(1, 2, 8)),
        &signed_branch_program(bltu(1, 2, 8)),
    );
    let row = case.row_at(CODE + 8);
    case.set_op(row, Op::Blt);
    case.set(row, case.c(row).sa3, f(0xFF));
    case.set(row, case.c(row).sb3, Val::ZERO);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// BLT -1 < 1 not taken: the trace of BGE (signed, not taken) relabelled
/// BLT. Caught by BLT's `taken = carry out` on the branch row.
#[test]
fn blt_not_taken_when_less() {
    let mut case = Case::shadow(
        signed_branch_program(blt(1, 2, 8)),
        &signed_branch_program(bge(1, 2, 8)),
    );
    let row = case.row_at(CODE + 8);
    case.set_op(row, Op::Blt);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// `jal x0, +8` that lands at +4 (the trace of `jal x0, +4` with the
/// program's target). Caught by JAL's `next_pc = target`.
#[test]
fn jal_to_the_wrong_target() {
    let jump = |offset| program(&with_halt(&[jal(0, offset), addi(A0, 0, 7)]));
    let mut case = Case::shadow(jump(8), &jump(4));
    let row = case.row_at(CODE);
    case.set(row, case.c(row).insn.target, f(CODE + 8));
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// `jalr x0, 12(x1)` (x1 = CODE) that lands at CODE + 8: the trace of
/// `jalr x0, 8(x1)` with the program's immediate and an adder that adds it.
/// Caught by JALR's `next_pc = z - bit0`.
#[test]
fn jalr_to_the_wrong_target() {
    let jump = |imm| program(&with_halt(&[auipc(1, 0), jalr(0, 1, imm), addi(A0, 0, 7)]));
    let mut case = Case::shadow(jump(12), &jump(8));
    let row = case.row_at(CODE + 4);
    case.set_word(row, case.c(row).insn.imm, 12);
    case.set_adder(row, CODE, 12);
    case.set(row, case.c(row).k, f(12 >> 2));
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// `addi x1, x0, -1; addi x2, x0, 1; <set> a0, x1, x2; HALT`.
fn set_program(set: u32) -> Program {
    program(&with_halt(&[addi(1, 0, -1), addi(2, 0, 1), set]))
}

/// SLT -1 < 1 writes 0. Caught by `c = carry out` on the SLT row.
#[test]
fn slt_with_a_flipped_result() {
    let mut case = Case::honest(set_program(slt(A0, 1, 2)));
    let row = case.row_at(CODE + 8);
    case.set_word(row, case.c(row).c, 0);
    case.claim_exit(0);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// SLT -1 < 1 compared as unsigned (sign bytes not flipped, the adder
/// recomputed): writes 0. Caught by the bytes bus: no XOR lookup gives
/// `0xFF ^ 0x80 = 0xFF`.
#[test]
fn slt_compared_without_flipping_the_signs() {
    let mut case = Case::honest(set_program(slt(A0, 1, 2)));
    let row = case.row_at(CODE + 8);
    case.set(row, case.c(row).sa3, f(0xFF));
    case.set(row, case.c(row).sb3, Val::ZERO);
    case.set_adder(row, 0xFFFF_FFFE, 1);
    case.set_word(row, case.c(row).c, 0);
    case.claim_exit(0);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// SLTU 1 < 2 writes 0 with the adder's carry out cleared to match.
/// Caught by the adder's top limb on the SLTU row.
#[test]
fn sltu_with_the_carry_out_cleared() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, 1),
        addi(2, 0, 2),
        sltu(A0, 1, 2),
    ])));
    let row = case.row_at(CODE + 8);
    case.set(row, case.c(row).adder.carry[3], Val::ZERO);
    case.set_word(row, case.c(row).c, 0);
    case.claim_exit(0);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

// --- Multiplication, shifts, sub-word memory. ---

/// MULH -1 * -1 with V taken as unsigned (msv = 0): the multiplier
/// recomputed, a0 = 0xFFFFFFFF. Caught by the sign rule of msv (`256 msv =
/// mv3 + 128 - (mv3 ^ 0x80)`) on the MULH row.
#[test]
fn mulh_with_an_operand_sign_dropped() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, -1),
        addi(2, 0, -1),
        mulh(A0, 1, 2),
    ])));
    let row = case.row_at(CODE + 8);
    case.set_multiplier(row, u32::MAX, true, u32::MAX, false);
    case.set_word(row, case.c(row).c, u32::MAX);
    case.claim_exit(u32::MAX);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// SRAI -16 >> 2 shifted in zeros (msu = 0): 0x3FFFFFFC. Caught by the
/// sign rule of msu on the SRAI row.
#[test]
fn srai_without_the_sign() {
    let mut case = Case::honest(program(&with_halt(&[addi(1, 0, -16), srai(A0, 1, 2)])));
    let row = case.row_at(CODE + 4);
    case.set_multiplier(row, (-16i32) as u32, false, 1 << 30, false);
    case.set_word(row, case.c(row).c, 0x3FFF_FFFC);
    case.claim_exit(0x3FFF_FFFC);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// MUL 3 * 4 written as 13: the multiplier given the addend r = 1 (an
/// operand only the division chip uses), so `3 * 4 + 1 = 13` holds column
/// by column; a0 and the exit code agree. Caught by the multiplier chip's
/// `r = 0` on the MUL row.
#[test]
fn mul_with_an_addend() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, 3),
        addi(2, 0, 4),
        mul(A0, 1, 2),
    ])));
    let row = case.row_at(CODE + 8);
    case.set_word(row, case.c(row).mul.r, 1);
    case.set(row, case.c(row).mul.out[0], f(13));
    case.set_word(row, case.c(row).c, 13);
    case.claim_exit(13);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// SLL 1 << x2 (x2 = 2) shifted by 3: the amount's byte `opb0 = 3`, not
/// rs2's `b0 = 2`, the multiplier by 2^3 from the pow2 table, a0 = 8.
/// Caught by the register shift's `opb0 = b0` on the SLL row.
#[test]
fn sll_by_an_amount_other_than_rs2() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, 1),
        addi(2, 0, 2),
        sll(A0, 1, 2),
    ])));
    let row = case.row_at(CODE + 8);
    case.set(row, case.c(row).opb[0], f(3));
    case.set(row, case.c(row).shamt, f(3));
    case.set_multiplier(row, 1, false, 8, false);
    case.set_word(row, case.c(row).c, 8);
    case.claim_exit(8);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// SLLI 1 << 2 shifted by 3: the amount's byte `opb0 = 3`, not the
/// program's immediate `imm0 = 2`, the multiplier by 2^3, a0 = 8. Caught
/// by the immediate shift's `opb0 = imm0` on the SLLI row.
#[test]
fn slli_by_an_amount_other_than_its_immediate() {
    let mut case = Case::honest(program(&with_halt(&[addi(1, 0, 1), slli(A0, 1, 2)])));
    let row = case.row_at(CODE + 4);
    case.set(row, case.c(row).opb[0], f(3));
    case.set(row, case.c(row).shamt, f(3));
    case.set_multiplier(row, 1, false, 8, false);
    case.set_word(row, case.c(row).c, 8);
    case.claim_exit(8);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// A signed load of a negative value, zero-extended: its row (at `load`)
/// claims sign 0 and `sx_flip = 256` so the sign rule holds, and `value`.
fn zero_extended(words: &[u32], load: u32, value: u32) {
    let mut case = Case::honest(program(&with_halt(words)));
    let row = case.row_at(CODE + load);
    case.set(row, case.c(row).sign, Val::ZERO);
    case.set(row, case.c(row).sx_flip, f(256));
    case.set_word(row, case.c(row).c, value);
    case.claim_exit(value);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// LB of 0x80 zero-extended. Caught by the bytes bus: no XOR lookup gives
/// `0x80 ^ 0x80 = 256`.
#[test]
fn lb_zero_extended() {
    zero_extended(
        &[
            lui(1, DATA >> 12),
            addi(2, 0, -128),
            sb(2, 0, 1),
            lb(A0, 1, 0),
        ],
        12,
        0x80,
    );
}

/// LH of 0x8000 zero-extended (the sign rule on the half's top byte).
/// Caught by the bytes bus, as for LB.
#[test]
fn lh_zero_extended() {
    zero_extended(
        &[
            lui(1, DATA >> 12),
            addi(2, 0, 1),
            slli(2, 2, 15),
            sh(2, 2, 1),
            lh(A0, 1, 2),
        ],
        16,
        0x8000,
    );
}

/// `store` (the third instruction, after `lui x1, DATA` and loading x2)
/// leaving `clobbered` in the data word, the `lw a0` after it and the memory
/// table agreeing. Caught by the store's merge rule on its row.
fn clobbering_store(load_x2: u32, store: u32, clobbered: u32) {
    let mut case = Case::honest(program(&with_halt(&[
        lui(1, DATA >> 12),
        load_x2,
        store,
        lw(A0, 1, 0),
    ])));
    let (store, load) = (case.row_at(CODE + 8), case.row_at(CODE + 12));
    case.set_memory_access(store, DATA_WORD, clobbered);
    case.set_memory_access(load, clobbered, clobbered);
    case.set_word(load, case.c(load).c, clobbered);
    case.edit_memory(word_addr(DATA), |e| e.value = bytes(clobbered));
    case.claim_exit(clobbered);
    case.rebalance();
    case.expect_rejected(Caught::at(store));
}

/// SB of 0x55 into byte 1 that also clears byte 0. Caught by SB's merge
/// rule on the SB row.
#[test]
fn sb_clobbering_its_neighbour() {
    clobbering_store(addi(2, 0, 0x55), sb(2, 1, 1), 0x0403_5500);
}

/// SH of 0x0555 into the upper half that also clears byte 1. Caught by
/// SH's merge rule on the SH row.
#[test]
fn sh_clobbering_its_neighbour() {
    clobbering_store(addi(2, 0, 0x555), sh(2, 2, 1), 0x0555_0001);
}

// --- Selectors and the trace's shape. ---

/// Every padding row of the ALU chip marked real (the program table's
/// all-zero padding tuple recounted, so the program bus balances). Caught
/// by the one-hot rule (flags sum to is_real) on each padding row, and by
/// the execution bus: each consumes a state `(0, 0, 0)` that no row
/// produces.
#[test]
fn padding_rows_marked_real() {
    let mut case = Case::honest(program(&with_halt(&[addi(A0, 0, 1)])));
    let first = case.padding_row(ALU);
    let height = case.traces.matrices[ALU].height();
    let mut caught = Caught::bus(bus::EXEC);
    for row in first.row..height {
        let at = At { table: ALU, row };
        case.set(at, case.c(at).is_real, Val::ONE);
        caught = caught.and_at(at);
    }
    case.rebalance();
    case.expect_rejected(caught);
}

/// A JAL flag on a padding row of the jump chip (JAL's own rules hold on a
/// zero row). Caught by the one-hot rule: flags sum to is_real = 0.
#[test]
fn a_flag_on_a_padding_row() {
    let mut case = Case::honest(program(&with_halt(&[addi(A0, 0, 1)])));
    let row = case.padding_row(JUMP);
    case.set(row, case.c(row).flags[Op::Jal.index()], Val::ONE);
    case.expect_rejected(Caught::at(row));
}

/// `ends` set on a padding row of the ECALL chip. That row would produce
/// `is_real - ends = -1` states: it would consume a state, so it could
/// absorb the last state of a run that never reaches a HALT. Caught by
/// `ends => is_real` on that row, and by the execution bus (the state it
/// consumes, `(4, 1, 1)`, is produced by no row).
#[test]
fn ends_on_a_padding_row() {
    let mut case = Case::honest(program(&with_halt(&[addi(A0, 0, 1)])));
    let row = case.padding_row(ECALL);
    case.set(row, case.c(row).ends, Val::ONE);
    case.expect_rejected(Caught::at(row).and_bus(bus::EXEC));
}

/// `sub a0, x1, x0` flagged ADD and ADDI instead (op codes 1 + 2 = 3 =
/// SUB, so the program bus message is unchanged, and ADD's and ADDI's rules
/// hold since b = imm = 0). Caught by the one-hot rule on that row, and by
/// the memory bus: rs1's read now counts twice.
#[test]
fn two_flags_on_one_row() {
    assert_eq!(Op::Add as u32 + Op::Addi as u32, Op::Sub as u32);
    let mut case = Case::honest(program(&with_halt(&[addi(1, 0, 9), sub(A0, 1, 0)])));
    let row = case.row_at(CODE + 4);
    case.set_op(row, Op::Add);
    case.set(row, case.c(row).flags[Op::Addi.index()], Val::ONE);
    case.rebalance();
    case.expect_rejected(Caught::at(row).and_bus(bus::MEMORY));
}

/// A HALT followed by more rows, claiming the program's honest statement
/// (exit code 0 after 2 cycles): the first ECALL (`t0 = 0`) is an ending
/// HALT, and the run goes on to a second ECALL, `t0 = 3`
/// (INPUT_REMAINING), which does not end. The trace is the shadow's, whose
/// `t0` is 3 at the first ECALL and 0 at the second, with both `t0` writes,
/// both reads, both headers' kinds and the `ends` flags patched to the
/// program's. Caught by the execution bus: the ending HALT produces no
/// state, so the row after it consumes one nobody produced, and the last
/// ECALL produces one nobody consumes.
#[test]
fn rows_after_halt() {
    let run = |first: i32, second: i32| {
        program(&[addi(T0, 0, first), ecall(), addi(T0, 0, second), ecall()])
    };
    let mut case = Case::shadow(run(0, 3), &run(3, 0));
    let rows = case.chip_rows();
    for (set, stop, number, k, ends) in [
        (rows[0], rows[1], 0, kind::HALT, true),
        (rows[2], rows[3], 3, kind::INPUT_REMAINING, false),
    ] {
        case.set_word(set, case.c(set).insn.imm, number);
        case.set_word(set, case.c(set).opb, number);
        case.set_adder(set, 0, number);
        case.set_word(set, case.c(set).c, number);
        // t0 was 0 before each write (the first's result is now 0).
        case.set_word(set, case.c(set).rd_prev, 0);
        case.set_word(stop, case.c(stop).b, number);
        case.set(stop, case.c(stop).ends, Val::from_bool(ends));
        let header = case.io_header_of(stop);
        case.set_io_kind(header, k);
    }
    case.edit_memory(T0.into(), |e| e.value = bytes(3));
    case.traces.public_values[public::CYCLES] = f(2);
    case.statement.cycles = 2;
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::EXEC));
}

// --- ECALL rows. ---

/// `addi t0, x0, 256; ecall`, an unknown ECALL (the executor faults),
/// proven as a HALT: the trace of `halt()` with t0 256, so the ECALL row's
/// `b` is (0, 1, 0, 0) and the ecall bus carries `b0 = 0`, HALT's number.
/// Caught on the ECALL row by `ecall => b1 = b2 = b3 = 0` (`t0 < 256`).
#[test]
fn an_ecall_number_of_256_taken_for_halt() {
    let mut case = Case::shadow(program(&[addi(T0, 0, 256), ecall()]), &program(&halt()));
    let (set, call) = (case.row_at(CODE), case.row_at(CODE + 4));
    case.set_word(set, case.c(set).insn.imm, 256);
    case.set_word(set, case.c(set).opb, 256);
    case.set_adder(set, 0, 256);
    case.set_word(set, case.c(set).c, 256);
    case.set_word(call, case.c(call).b, 256);
    case.edit_memory(T0.into(), |e| e.value = bytes(256));
    case.rebalance();
    case.expect_rejected(Caught::at(call));
}

/// `a1 = 5; a2 = 7; CYCLE_COUNT; a0 = a1 + a2`, HALT (exit code 7, a1
/// cleared), with the CYCLE_COUNT's memory slot acting on register 12
/// instead of 11: it clears a2 (reading a2's 7 at a2's write timestamp),
/// the header receiving a2's 7 as a1; the ADD reads a1 = 5 from its ADDI
/// and a2 = 0 from the ECALL, so the exit code is 5; the HALT's slot reads
/// a1 = 5. The old CPU table had the slot's address as a column (`k`); the
/// ECALL chip has the constant 11, so the forged access stays at address 11
/// and is caught by the memory bus: address 11 never held 7 at a2's
/// timestamp.
#[test]
fn an_ecall_whose_a1_is_another_register() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(A1, 0, 5),
        addi(A2, 0, 7),
        addi(T0, 0, ember_abi::ecall::CYCLE_COUNT as i32),
        ecall(),
        add(A0, A1, A2),
    ])));
    let (set_a1, set_a2) = (case.row_at(CODE), case.row_at(CODE + 4));
    let (count, sum) = (case.row_at(CODE + 12), case.row_at(CODE + 16));
    let halt = case.halt_row();
    case.set_memory_access(count, 7, 0);
    let ts = case.ts(set_a2, slot::RD);
    case.set_access(count, slot::MEM, ts);
    let h = case.io_header_of(count);
    case.set_io_word(h, case.io.a1, 7);
    case.set_word(sum, case.c(sum).a, 5);
    let ts = case.ts(set_a1, slot::RD);
    case.set_access(sum, slot::RS1, ts);
    case.set_word(sum, case.c(sum).b, 0);
    case.set_word(sum, case.c(sum).opb, 0);
    let ts = case.ts(count, slot::MEM);
    case.set_access(sum, slot::RS2, ts);
    case.set_adder(sum, 5, 0);
    case.set_word(sum, case.c(sum).c, 5);
    case.set_memory_access(halt, 5, 5);
    let h = case.io_header_of(halt);
    case.set_io_word(h, case.io.a1, 5);
    case.set_io_word(h, case.io.a1_out, 5);
    case.edit_memory(A1.into(), |e| e.value = bytes(5));
    case.edit_memory(A2.into(), |e| e.value = bytes(0));
    case.claim_exit(5);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

// --- Public values and the program. ---

/// The honest trace claiming exit code 43 for 42. Caught by the I/O
/// table's HALT header: `halt => a0 = exit code` (its low half).
#[test]
fn a_changed_exit_code() {
    let mut case = Case::honest(program(&with_halt(&[addi(A0, 0, 42)])));
    case.claim_public_exit(43);
    let header = case.io_halt_row();
    case.expect_rejected(Caught::row(IO, header));
}

/// The honest trace claiming one more cycle. Caught by the I/O table's
/// HALT header: `ends => cycles = cycle + 1`.
#[test]
fn a_changed_cycle_count() {
    let mut case = Case::honest(program(&with_halt(&[addi(A0, 0, 42)])));
    case.traces.public_values[public::CYCLES] += Val::ONE;
    case.statement.cycles += 1;
    let header = case.io_halt_row();
    case.expect_rejected(Caught::row(IO, header));
}

/// The honest trace claiming it panicked. Caught by the I/O table's HALT
/// header: `halt => status = 0`.
#[test]
fn a_changed_status() {
    let mut case = Case::honest(program(&with_halt(&[addi(A0, 0, 42)])));
    case.claim_public_status(1);
    let header = case.io_halt_row();
    case.expect_rejected(Caught::row(IO, header));
}

/// A run that starts before the ELF's entry (at an instruction that sets
/// a0 = 5). Caught by the execution bus: the program table starts the run
/// at the ELF's entry, and the first row consumes a state at another pc.
#[test]
fn a_run_from_another_entry() {
    let words = with_halt(&[addi(A0, 0, 5)]);
    let later = Program::from_segments(
        CODE + 4,
        vec![
            Segment::code(CODE, &words),
            Segment::data(DATA, &DATA_BYTES, 0x100),
        ],
    )
    .unwrap();
    let case = Case::shadow(later, &program(&words));
    case.expect_rejected(Caught::bus(bus::EXEC));
}

/// A run of `addi a0, x0, 2` where the program has `addi a0, x0, 1`.
/// Caught by the program bus.
#[test]
fn an_instruction_not_in_the_program() {
    let set = |v| program(&with_halt(&[addi(A0, 0, v)]));
    let case = Case::shadow(set(1), &set(2));
    case.expect_rejected(Caught::bus(bus::PROGRAM));
}

/// A run that jumps to code the program does not have (the shadow has a
/// second code segment there). Caught by the program bus.
#[test]
fn a_pc_not_in_the_program() {
    let there = CODE + 0x1000;
    let first = Segment::code(CODE, &[jal(0, 0x1000)]);
    let data = Segment::data(DATA, &DATA_BYTES, 0x100);
    let program = Program::from_segments(CODE, vec![first.clone(), data.clone()]).unwrap();
    let shadow = Program::from_segments(
        CODE,
        vec![
            first,
            Segment::code(there, &with_halt(&[addi(A0, 0, 7)])),
            data,
        ],
    )
    .unwrap();
    let case = Case::shadow(program, &shadow);
    case.expect_rejected(Caught::bus(bus::PROGRAM));
}

// --- The verifier's other arguments. ---

/// An honest proof checked against other images: an instruction changed
/// (the program table's commitment), a data word changed (the image's),
/// the entry moved (the public entry).
#[test]
fn an_honest_proof_against_another_image() {
    let words = with_halt(&[addi(A0, 0, 7)]);
    let honest = program(&words);
    let proof = ember_prover::prove(&honest, b"").unwrap();
    let statement = ember_verifier::Statement {
        status: 0,
        exit_code: 7,
        cycles: 3,
    };
    verify(&honest, b"", b"", &statement, &proof.proof).unwrap();
    let data = |bytes: &[u8]| Segment::data(DATA, bytes, 0x100);
    let others = [
        program(&with_halt(&[addi(A0, 0, 8)])),
        Program::from_segments(
            CODE,
            vec![Segment::code(CODE, &words), data(&[9, 2, 3, 4, 5, 6, 7, 8])],
        )
        .unwrap(),
        Program::from_segments(
            CODE + 4,
            vec![Segment::code(CODE, &words), data(&DATA_BYTES)],
        )
        .unwrap(),
    ];
    for other in &others {
        assert!(verify(other, b"", b"", &statement, &proof.proof).is_err());
    }
}

// --- Division. ---

/// `rd = rs1 / rs2` rows: `li x1, a; li x2, b; <op> a0, x1, x2; HALT`, the
/// division at `CODE + 16`.
fn division_program(a: u32, b: u32, op: fn(u8, u8, u8) -> u32) -> Program {
    let mut words = li(1, a).to_vec();
    words.extend(li(2, b));
    words.push(op(A0, 1, 2));
    program(&with_halt(&words))
}

/// Refills the multiplier's carries for `q * b + r = a` over 64 bits from
/// limbs as they stand (`r`'s may be any small integers), each operand
/// sign-extended when `signed` and negative.
fn set_division_carries(case: &mut Case, row: At, q: u32, b: u32, r: [i64; 4], a: u32) {
    let signed_limbs = |w: u32| {
        let ext = if w >> 31 == 1 { 255 } else { 0 };
        let b = w.to_le_bytes().map(i64::from);
        [b[0], b[1], b[2], b[3], ext, ext, ext, ext]
    };
    let (u, v, out) = (signed_limbs(q), signed_limbs(b), signed_limbs(a));
    let r_ext = if r[3] >= 128 { 255 } else { 0 };
    let rl = [r[0], r[1], r[2], r[3], r_ext, r_ext, r_ext, r_ext];
    let mut carry = 0i64;
    for j in 0..8 {
        let sum = (0..=j).map(|i| u[i] * v[j - i]).sum::<i64>() + rl[j] + carry;
        assert_eq!((sum - out[j]) % 256, 0, "column {j} does not divide");
        carry = (sum - out[j]) / 256;
        assert!((0..1 << 16).contains(&carry), "column {j}'s carry {carry}");
        case.set(row, case.c(row).mul.carry[j][0], f((carry & 0xff) as u32));
        case.set(row, case.c(row).mul.carry[j][1], f((carry >> 8) as u32));
    }
}

/// A field element from a small signed integer.
fn fi(v: i64) -> Val {
    if v < 0 {
        -f(v.unsigned_abs() as u32)
    } else {
        f(v as u32)
    }
}

/// DIVU by zero with quotient 5 (the remainder is a either way). Caught by
/// `b_zero => q = 2^32 - 1` on the division row.
#[test]
fn divu_by_zero_with_another_quotient() {
    let mut case = Case::honest(division_program(7, 0, divu));
    let row = case.row_at(CODE + 16);
    case.set_word(row, case.c(row).mul.u, 5);
    set_division_carries(&mut case, row, 5, 0, [7, 0, 0, 0], 7);
    case.set_word(row, case.c(row).c, 5);
    case.claim_exit(5);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// DIV of MIN by -1 with quotient 0 (and the product's high word exempt, as
/// on overflow). Caught by `overflow => q = MIN` on the division row.
#[test]
fn div_overflow_with_another_quotient() {
    let mut case = Case::honest(division_program(0x8000_0000, u32::MAX, div));
    let row = case.row_at(CODE + 16);
    case.set_word(row, case.c(row).mul.u, 0);
    case.set(row, case.c(row).mul.su, Val::ZERO);
    case.set(row, case.c(row).mul.u3x, f(0x80));
    set_division_carries(&mut case, row, 0, u32::MAX, [0, 0, 0, 0], 0);
    case.set_word(row, case.c(row).c, 0);
    case.claim_exit(0);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// REM -7 % 2 as +1 (with quotient -4: -4 * 2 + 1 = -7, |1| < 2): the
/// remainder's sign is not the dividend's. Caught by `(msr - sa) r_sum = 0`
/// on the division row.
#[test]
fn rem_with_the_sign_of_the_divisor() {
    let (a, b) = ((-7i32) as u32, 2);
    let mut case = Case::honest(division_program(a, b, rem));
    let row = case.row_at(CODE + 16);
    let q = (-4i32) as u32;
    case.set_word(row, case.c(row).mul.u, q);
    case.set(row, case.c(row).mul.u3x, f(0xFF ^ 0x80));
    case.set_word(row, case.c(row).mul.r, 1);
    case.set(row, case.c(row).mul.sr, Val::ZERO);
    case.set(row, case.c(row).mul.r3x, f(0x80));
    case.set_word(row, case.c(row).abs_r, 1);
    case.set_word(row, case.c(row).ncr, 0);
    case.set_adder(row, 1, 1);
    case.set(row, case.c(row).eq_inv, Val::ONE);
    set_division_carries(&mut case, row, q, b, [1, 0, 0, 0], a);
    case.set_word(row, case.c(row).c, 1);
    case.claim_exit(1);
    case.rebalance();
    case.expect_rejected(Caught::at(row));
}

/// DIV 1680815359 / 1147493 claimed as 1465 (the quotient is 1464): the
/// remainder 1680815359 - 1465 * 1147493 = -261886 is negative where the
/// dividend is positive, but its limbs (-254, -254, 253, 255) (the same
/// value as its bytes, through the negation chain's carries (1, 1, 0, 0))
/// sum to 0, so the sign rule `(msr - sa) * r_sum = 0` passes; |r| <
/// |b| holds and the multiplier balances with other carries. Verified until
/// the quotient's and remainder's limbs were range-checked on the bytes bus.
#[test]
fn div_with_a_second_quotient_through_a_remainder_whose_limbs_sum_to_zero() {
    let (a, b) = (1_680_815_359u32, 1_147_493u32);
    let mut case = Case::honest(division_program(a, b, div));
    let row = case.row_at(CODE + 16);
    let (q, r, abs_r) = (1465u32, [-254i64, -254, 253, 255], 261_886u32);
    case.set_word(row, case.c(row).mul.u, q);
    case.set_limbs(row, case.c(row).mul.r, r.map(fi));
    case.set(row, case.c(row).mul.sr, Val::ONE);
    case.set(row, case.c(row).mul.r3x, f(255 ^ 0x80));
    case.set_word(row, case.c(row).abs_r, abs_r);
    case.set_limbs(row, case.c(row).ncr, [1, 1, 0, 0].map(f));
    let d = b - abs_r;
    case.set_adder(row, abs_r, d);
    let d_sum: u32 = d.to_le_bytes().iter().map(|&x| u32::from(x)).sum();
    case.set(row, case.c(row).eq_inv, f(d_sum).inverse());
    set_division_carries(&mut case, row, q, b, r, a);
    case.set_word(row, case.c(row).c, q);
    case.claim_exit(q);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// REMU 256 % 1000 written as limbs (256, 0, 0, 0) (the same value; the
/// negation chain's carry absorbs it), stored by SB (which stores the low
/// limb, 256, unchecked) and loaded back as a word: the proof says the run
/// exits with 256 where it exits with 0. Verified until the quotient's and
/// remainder's limbs were range-checked on the bytes bus.
#[test]
fn remu_with_a_remainder_limb_of_256_stored_by_sb() {
    let mut case = Case::honest(program(&with_halt(&[
        addi(1, 0, 256),
        addi(2, 0, 1000),
        remu(3, 1, 2),
        lui(4, DATA >> 12),
        sb(3, 0x80, 4),
        lw(A0, 4, 0x80),
    ])));
    let (division, store, load) = (
        case.row_at(CODE + 8),
        case.row_at(CODE + 16),
        case.row_at(CODE + 20),
    );
    let limbs = [f(256), Val::ZERO, Val::ZERO, Val::ZERO];
    case.set_limbs(division, case.c(division).mul.r, limbs);
    case.set_limbs(division, case.c(division).ncr, [1, 0, 0, 0].map(f));
    set_division_carries(&mut case, division, 0, 1000, [256, 0, 0, 0], 256);
    case.set_limbs(division, case.c(division).c, limbs);
    case.set_limbs(store, case.c(store).b, limbs);
    case.set_limbs(store, case.c(store).mem_new, limbs);
    case.set_limbs(load, case.c(load).mem_prev, limbs);
    case.set_limbs(load, case.c(load).mem_new, limbs);
    case.set_limbs(load, case.c(load).c, limbs);
    case.edit_memory(3, |e| e.value = limbs);
    case.edit_memory(word_addr(DATA + 0x80), |e| e.value = limbs);
    case.claim_exit_limbs(limbs);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}
