//! The tamper suite's ECALL cases (see `tamper.rs` for the method): each
//! takes an honest run that reads input, writes a journal or asks the
//! machine something, changes what the I/O table or the claim says, and
//! expects the verifier to reject it where the case says.

mod witness;

use ember_abi::{ecall, fd};
use ember_air::Val;
use ember_air::bus;
use ember_air::io::{DATA_COLS, DATA_WIDTH, IO_WIDTH, kind};
use ember_air::table;
use ember_air::table::IO;
use ember_core::asm::*;
use ember_core::{Program, Segment};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
use witness::{At, CODE, Case, Caught, DATA, bytes, f, halt, program, word_addr};

const A0: u8 = 10;
const A1: u8 = 11;
/// Where READs put their bytes: zero, writable memory.
const BUF: u32 = DATA + 0x80;
/// The first word of the data segment (see `witness::DATA_BYTES`).
const DATA_WORD: u32 = 0x0403_0201;
/// Its second word.
const DATA_WORD2: u32 = 0x0807_0605;

/// `t0 = number; ecall`.
fn call(number: u32) -> [u32; 2] {
    [addi(5, 0, number as i32), ecall()]
}

/// `words`, then HALT with a0 as they leave it.
fn run(words: &[u32]) -> Program {
    let mut w = words.to_vec();
    w.extend(halt());
    program(&w)
}

/// The I/O header of the case's `i`-th ECALL.
fn header(case: &Case, i: usize) -> usize {
    case.io_header_of(case.ecall_rows()[i])
}

/// `last - w` as limbs: the bytes of the field element.
fn limit(w: Val) -> u32 {
    (f(0x2FFF_FFFF) - w).as_canonical_u32()
}

/// Makes `ecall_with`'s `li a1` load `at`, and a1 be `at` wherever it goes
/// after it: every ECALL row's memory slot (none changes it), every
/// header's `a1` and `a1'`, the memory table.
fn set_a1(case: &mut Case, at: u32) {
    case.set_li(CODE + 8, at);
    for row in case.ecall_rows() {
        case.set_memory_access(row, at, at);
        let h = case.io_header_of(row);
        case.set_io_word(h, case.io.a1, at);
        case.set_io_word(h, case.io.a1_out, at);
    }
    case.edit_memory(A1.into(), |e| e.value = bytes(at));
}

// --- The journal. ---

/// `WRITE(JOURNAL, DATA, len)`, HALT: the journal is the data segment's
/// first `len` bytes, 1, 2, 3, ..., and the exit code `len`.
fn journal_write(len: u32) -> Case {
    Case::honest(run(&ecall_with(ecall::WRITE, [fd::JOURNAL, DATA, len])))
}

/// The verifier is given the journal 1, 2, 9, 4 where the run wrote 1, 2,
/// 3, 4 (its data table re-counted). Caught by the data bus: the word row
/// looks up (journal, 2, 3), which the verifier's table does not hold.
#[test]
fn a_journal_byte_changed_in_the_claim() {
    let mut case = journal_write(4);
    case.claim_journal(&[1, 2, 9, 4]);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::DATA));
}

/// The same claim, with the prover's data table still holding the run's
/// byte 3 at journal position 2 (so the data bus balances). Caught by the
/// data table's constraint that its byte column equals the verifier's
/// periodic column, on that row.
#[test]
fn a_journal_byte_changed_in_the_claim_but_not_in_the_data_table() {
    let mut case = journal_write(4);
    case.claim_journal(&[1, 2, 9, 4]);
    case.rebalance();
    let data = &mut case.traces.matrices[table::DATA];
    let byte = &mut data.values[2 * DATA_WIDTH + DATA_COLS.row[2]];
    assert_eq!(*byte, f(9));
    *byte = f(3);
    case.rebalance();
    case.expect_rejected(Caught::row(table::DATA, 2));
}

/// The same claim, with the trace's word saying 9 too (so the data bus
/// balances). Caught by the memory bus: the word in memory holds 3.
#[test]
fn a_journal_byte_changed_in_the_claim_and_the_trace() {
    let mut case = journal_write(4);
    let word = header(&case, 0) + 1;
    let forged = 0x0409_0201;
    case.set_io_word(word, case.io.mem_prev, forged);
    case.set_io_word(word, case.io.mem_new, forged);
    case.edit_memory(word_addr(DATA), |e| e.value = bytes(forged));
    case.claim_journal(&[1, 2, 9, 4]);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// The verifier is given the journal without its last byte. Caught by the
/// HALT header's `ends => j_pos = JOURNAL_LEN` (4 bytes written, 3
/// claimed), by the last row's `j_next = JOURNAL_LEN` (the positions end
/// at 4) and by the data bus (the fourth byte has no row in the verifier's
/// table).
#[test]
fn a_journal_one_byte_shorter() {
    let mut case = journal_write(4);
    case.claim_journal(&[1, 2, 3]);
    case.rebalance();
    let halt = case.io_halt_row();
    let last = case.io_last_row();
    case.expect_rejected(Caught::row(IO, halt).and_row(IO, last).and_bus(bus::DATA));
}

/// The verifier is given the journal with one more byte (which nothing
/// looks up: its multiplicity is 0). Caught by the HALT header's `ends =>
/// j_pos = JOURNAL_LEN` and the last row's `j_next = JOURNAL_LEN`.
#[test]
fn a_journal_one_byte_longer() {
    let mut case = journal_write(4);
    case.claim_journal(&[1, 2, 3, 4, 0]);
    case.rebalance();
    let halt = case.io_halt_row();
    let last = case.io_last_row();
    case.expect_rejected(Caught::row(IO, halt).and_row(IO, last));
}

/// A journal WRITE of 8 bytes whose second word row is dropped (the first
/// becomes the last, with its limit; the memory table leaves the second
/// word untouched), so the journal is 1, 2, 3, 4 and the HALT's journal
/// position 4. Caught on the remaining word row by `last => left_next = 0`
/// and `last => data_next = 0`: 4 bytes of the buffer were never visited.
#[test]
fn a_buffer_word_skipped() {
    let mut case = journal_write(8);
    let io = case.io;
    let (w1, w2) = (header(&case, 0) + 1, header(&case, 0) + 2);
    let gap = io.clk_gap.map(|c| case.io_cell(w2, c));
    case.remove_io_row(w2);
    for (c, v) in io.clk_gap.into_iter().zip(gap) {
        case.set_io(w1, c, v);
    }
    case.set_io(w1, io.last, Val::ONE);
    let w = case.io_cell(w1, io.w);
    case.set_io_word(w1, io.limit, limit(w));
    let halt = case.io_halt_row();
    case.set_io(halt, io.j_pos, f(4));
    case.set_io(halt, io.j_next, f(4));
    case.edit_memory(word_addr(DATA + 4), |e| e.ts = 0);
    case.claim_journal(&[1, 2, 3, 4]);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, w1));
}

/// A journal WRITE of 4 bytes followed by one more word row, the next
/// word's, sending 5, 6, 7, 8 to the journal (claimed: 1 to 8). The byte
/// counters run on honestly into it. Caught on the extra row by `last =>
/// left_next = 0` and `last => data_next = 0` (both are -4).
#[test]
fn a_buffer_word_added() {
    let mut case = journal_write(4);
    let io = case.io;
    let w1 = header(&case, 0) + 1;
    let mut extra = case.io_row(w1);
    extra[io.w] += Val::ONE;
    extra[io.left] = Val::ZERO;
    extra[io.left_next] = -f(4);
    extra[io.data_left] = Val::ZERO;
    extra[io.data_next] = -f(4);
    extra[io.j_pos] = f(4);
    extra[io.j_next] = f(8);
    for (c, v) in io
        .mem_prev
        .into_iter()
        .chain(io.mem_new)
        .zip(bytes(DATA_WORD2).into_iter().chain(bytes(DATA_WORD2)))
    {
        extra[c] = v;
    }
    for (c, v) in io.limit.into_iter().zip(bytes(limit(extra[io.w]))) {
        extra[c] = v;
    }
    case.set_io(w1, io.last, Val::ZERO);
    case.set_io_word(w1, io.limit, 0);
    for c in io.clk_gap {
        case.set_io(w1, c, Val::ZERO);
    }
    case.insert_io_row(w1 + 1, &extra);
    case.set_io_access(w1 + 1, 0);
    let halt = case.io_halt_row();
    case.set_io(halt, io.j_pos, f(8));
    case.set_io(halt, io.j_next, f(8));
    let ts = 4 * case.io_cell(w1, io.clk).as_canonical_u32() + 2;
    case.edit_memory(word_addr(DATA + 4), |e| e.ts = ts);
    case.claim_journal(&[1, 2, 3, 4, 5, 6, 7, 8]);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, w1 + 1));
}

/// A word row of the data segment's first word whose mask is empty (end
/// lane 1 before start lane 2), so it counts no byte and only reads the
/// word back unchanged; at clock 0, with no clock gap.
fn empty_word_row(case: &Case) -> Vec<Val> {
    let io = case.io;
    let mut row = vec![Val::ZERO; IO_WIDTH];
    row[io.is_word] = Val::ONE;
    row[io.w] = f(DATA / 4);
    row[io.start[2]] = Val::ONE;
    row[io.start_next[0]] = Val::ONE;
    row[io.end[1]] = Val::ONE;
    row[io.last] = Val::ONE;
    for (c, v) in io.limit.into_iter().zip(bytes(limit(f(DATA / 4)))) {
        row[c] = v;
    }
    for (c, v) in io
        .mem_prev
        .into_iter()
        .chain(io.mem_new)
        .zip(bytes(DATA_WORD).into_iter().chain(bytes(DATA_WORD)))
    {
        row[c] = v;
    }
    row[io.writable] = Val::ONE;
    row
}

/// A zero-length WRITE to stdout at `DATA + 2` followed by a word row whose
/// end lane (1) comes before its start lane (2): its mask is empty, so it
/// counts no byte and the counters still end at 0; it only reads the data
/// word back unchanged. Caught on the header by "an empty buffer has no
/// words" (`(header - nz) => next is not a word`), the one rule that rules
/// such rows out.
#[test]
fn a_word_row_after_an_empty_buffer() {
    let mut case = Case::honest(run(&ecall_with(ecall::WRITE, [fd::STDOUT, DATA + 2, 0])));
    let io = case.io;
    let h = header(&case, 0);
    let mut extra = empty_word_row(&case);
    extra[io.clk] = case.io_cell(h, io.clk);
    // The clock gap to the HALT's header moves to the new row.
    for c in io.clk_gap {
        extra[c] = case.io_cell(h, c);
        case.set_io(h, c, Val::ZERO);
    }
    case.insert_io_row(h + 1, &extra);
    case.set_io_access(h + 1, 0);
    let ts = 4 * case.io_cell(h, io.clk).as_canonical_u32() + 2;
    case.edit_memory(word_addr(DATA), |e| e.ts = ts);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

/// A word row on the I/O table's first row, before any header (clock 0),
/// that reads a data word back unchanged: a memory access no ECALL made,
/// with an empty mask so that it counts no byte. No header precedes it to
/// bind its buffer; only `first row => is_word = 0` rules it out. Caught on
/// row 0.
#[test]
fn a_word_row_before_any_header() {
    let mut case = Case::honest(run(&ecall_with(ecall::WRITE, [fd::STDOUT, DATA + 2, 0])));
    let io = case.io;
    let h = header(&case, 0);
    assert_eq!(h, 0);
    let extra = empty_word_row(&case);
    let header_clk = case.io_cell(h, io.clk);
    case.insert_io_row(0, &extra);
    case.set_clk_gap(0, header_clk);
    case.set_io_access(0, 0);
    // Clock 0, slot 2.
    case.edit_memory(word_addr(DATA), |e| e.ts = 2);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, 0));
}

/// A journal WRITE sent as a WRITE to stdout (same ECALL number; the word
/// row sends nothing to the journal), so the claimed journal is empty.
/// Caught on the header by `write_out => a0 = 1 + stderr`: a0 is 3.
#[test]
fn a_journal_write_passed_off_as_stdout() {
    let mut case = journal_write(4);
    let io = case.io;
    let h = header(&case, 0);
    let word = h + 1;
    case.set_io_kind(h, kind::WRITE_OUT);
    case.set_io(h, io.data_next, Val::ZERO);
    case.set_io(word, io.journal, Val::ZERO);
    case.set_io_word(word, io.data, 0);
    case.set_io(word, io.data_left, Val::ZERO);
    case.set_io(word, io.data_next, Val::ZERO);
    case.set_io(word, io.j_next, Val::ZERO);
    let halt = case.io_halt_row();
    case.set_io(halt, io.j_pos, Val::ZERO);
    case.set_io(halt, io.j_next, Val::ZERO);
    case.claim_journal(&[]);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

// --- WRITE's memory. ---

/// `WRITE(fd, DATA, 4); lw a0, 0(a1)`, HALT: exits with the data word.
fn write_then_load(fd: u32) -> Case {
    let mut w = ecall_with(ecall::WRITE, [fd, DATA, 4]);
    w.push(lw(A0, A1, 0));
    Case::honest(run(&w))
}

/// Makes the WRITE's word row leave `forged` in memory, the load after it
/// read it, and the exit code say it.
fn forge_written_word(case: &mut Case, forged: u32) -> usize {
    let write = case.ecall_rows()[0];
    let word = case.io_header_of(write) + 1;
    case.set_io_word(word, case.io.mem_new, forged);
    let load = case.next(write);
    case.set_memory_access(load, forged, forged);
    case.set_word(load, case.c(load).c, forged);
    case.edit_memory(word_addr(DATA), |e| e.value = bytes(forged));
    case.claim_exit(forged);
    word
}

/// A WRITE to stdout whose word row changes the first byte of the word it
/// reads (1 to 0x99), which a load then returns as the exit code. Caught on
/// the word row by `(1 - data) => mem_new = mem_prev`.
#[test]
fn a_write_that_changes_the_memory_it_reads() {
    let mut case = write_then_load(fd::STDOUT);
    let word = forge_written_word(&mut case, 0x0403_0299);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, word));
}

/// A journal WRITE whose word row changes the byte it sends (1 to 0x99,
/// the claimed journal agreeing, so the data bus balances), which a load
/// then returns. Caught on the word row by `journal => mem_new = mem_prev`.
#[test]
fn a_journal_write_that_changes_the_bytes_it_sends() {
    let mut case = write_then_load(fd::JOURNAL);
    let word = forge_written_word(&mut case, 0x0403_0299);
    case.claim_journal(&[0x99, 2, 3, 4]);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, word));
}

/// `WRITE(STDOUT, at, 8)`, HALT (exit code 8), proven with the trace of the
/// same program writing from `honest`, one word away (`li a1`'s ADDI is the
/// only instruction that differs): the ADDI's result, a1 wherever it goes
/// (both ECALL rows' memory slot, both headers, the memory table), the
/// header's buffer fields, its word rows and their memory rows, moved to
/// `at`.
fn write_moved(at: u32, honest: u32) -> Case {
    let words = |buf| run(&ecall_with(ecall::WRITE, [fd::STDOUT, buf, 8]));
    let mut case = Case::shadow(words(at), &words(honest));
    let io = case.io;
    set_a1(&mut case, at);
    let h = header(&case, 0);
    case.set_io_word(h, io.buf, at);
    case.set_io(h, io.w, f(at >> 2));
    case.set_io(h, io.k0, f((at & 0xff) >> 2));
    if at >> 16 != 0 {
        case.set_io(h, io.guard_inv, f(at >> 16).inverse());
    }
    for i in 0..2 {
        let (row, w) = (h + 1 + i, (at >> 2) + i as u32);
        case.set_io(row, io.w, f(w));
        if i == 1 {
            case.set_io_word(row, io.limit, limit(f(w)));
        }
    }
    let first = honest >> 2;
    let listed = (case.memory().iter())
        .filter(|e| (first..first + 2).contains(&e.addr))
        .count();
    assert_eq!(listed, 2, "the honest words are listed");
    case.move_words(&[(honest >> 2, at >> 2, 2)]);
    case.rebalance();
    case
}

/// A WRITE from 0xFFFC, in the guard region below 0x10000, where the
/// executor faults (the trace is that of a WRITE from 0x10000, moved).
/// Caught on the header by `nz => (buf2 + 256 buf3) guard_inv = 1`.
#[test]
fn a_write_buffer_starting_in_the_guard_region() {
    let case = write_moved(0xFFFC, 0x1_0000);
    let h = header(&case, 0);
    case.expect_rejected(Caught::row(IO, h));
}

/// A WRITE of 8 bytes from 0xBFFF_FFFC, whose second word is in the system
/// region (the trace is that of a WRITE from 0xBFFF_FFF8, moved). Caught by
/// the bytes bus: the last word's `limit = 0x2FFF_FFFF - w` is -1, not a
/// byte-checked value below 2^30.
#[test]
fn a_write_buffer_ending_in_the_system_region() {
    let case = write_moved(0xBFFF_FFFC, 0xBFFF_FFF8);
    case.expect_rejected(Caught::bus(bus::BYTES));
}

// --- Where a buffer's words are. ---

/// A journal WRITE of 4 bytes from `DATA` whose header (`w`, and `k0` as
/// given) and word row say the next word, so the journal is 5, 6, 7, 8
/// (claimed so; the memory table reads that word, not the first).
fn journal_of_the_next_word(k0: u32) -> (Case, usize) {
    let mut case = journal_write(4);
    let io = case.io;
    let h = header(&case, 0);
    let word = h + 1;
    let w = f(word_addr(DATA) + 1);
    case.set_io(h, io.k0, f(k0));
    case.set_io(h, io.w, w);
    case.set_io(word, io.w, w);
    case.set_io_word(word, io.limit, limit(w));
    case.set_io_word(word, io.mem_prev, DATA_WORD2);
    case.set_io_word(word, io.mem_new, DATA_WORD2);
    let ts = 4 * case.io_cell(word, io.clk).as_canonical_u32() + 2;
    case.edit_memory(word_addr(DATA), |e| e.ts = 0);
    case.edit_memory(word_addr(DATA + 4), |e| e.ts = ts);
    case.claim_journal(&[5, 6, 7, 8]);
    case.rebalance();
    (case, h)
}

/// The journal of the word after the buffer, through `k0 = 1` (so the
/// header's `w = k0 + 2^6 buf1 + ...` holds). Caught on the header by
/// `buf0 = 4 k0 + lane`: buf0 is 0.
#[test]
fn a_buffer_start_word_off_by_one_in_k0() {
    let (case, h) = journal_of_the_next_word(1);
    case.expect_rejected(Caught::row(IO, h));
}

/// The journal of the word after the buffer, through `w` alone (`k0 = 0`
/// agrees with buf0). Caught on the header by `w = k0 + 2^6 buf1 + 2^14
/// buf2 + 2^22 buf3`.
#[test]
fn a_buffer_start_word_off_by_one_in_w() {
    let (case, h) = journal_of_the_next_word(0);
    case.expect_rejected(Caught::row(IO, h));
}

/// A journal WRITE of 4 bytes from `DATA + p` (0x7F50_0001, where the
/// executor finds zeros) whose word row reads `DATA` and sends 1, 2, 3, 4: the
/// trace of the WRITE from `DATA`, a1 moved, with lane 0 and `k0 = 1/4`
/// in the field, so `buf0 = 4 k0 + lane` holds and `w = k0 + ...` is
/// `(DATA + p) / 4 = DATA / 4` mod p. Caught by the bytes bus: `k0`'s range
/// check (`k0` and `4 k0` bytes).
#[test]
fn a_buffer_start_word_that_wraps_past_p() {
    let far = DATA + Val::ORDER_U32;
    let words = |buf| run(&ecall_with(ecall::WRITE, [fd::JOURNAL, buf, 4]));
    let mut case = Case::shadow(words(far), &words(DATA));
    let io = case.io;
    set_a1(&mut case, far);
    let h = header(&case, 0);
    case.set_io_word(h, io.buf, far);
    case.set_io(h, io.k0, f(4).inverse());
    case.set_io(h, io.guard_inv, f(far >> 16).inverse());
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// A journal WRITE of 4 bytes whose word row is at the next clock (the
/// HALT's `addi t0`), its memory access and the clock gap to the HALT's
/// header following. Caught on the header by `next word => next clk =
/// clk`.
#[test]
fn a_word_row_at_another_clock() {
    let mut case = journal_write(4);
    let io = case.io;
    let h = header(&case, 0);
    let word = h + 1;
    let clk = case.io_cell(h, io.clk) + Val::ONE;
    case.set_io(word, io.clk, clk);
    case.set_io_access(word, 0);
    let halt = case.io_halt_row();
    case.set_clk_gap(word, case.io_cell(halt, io.clk));
    let ts = 4 * clk.as_canonical_u32() + 2;
    case.edit_memory(word_addr(DATA), |e| e.ts = ts);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

/// `WRITE(JOURNAL, DATA + 2, 2)` (journal 3, 4) whose header passes lane
/// 0 on as the word's start, so the word row sends bytes 0 and 1 (its end
/// lane 1): the journal is 1, 2. Caught on the header by `header =>
/// start_next = start`.
#[test]
fn a_header_passing_on_another_start_lane() {
    let mut case = Case::honest(run(&ecall_with(ecall::WRITE, [fd::JOURNAL, DATA + 2, 2])));
    let io = case.io;
    let h = header(&case, 0);
    let word = h + 1;
    case.set_io_limbs(h, io.start_next, [1, 0, 0, 0].map(f));
    case.set_io_limbs(word, io.start, [1, 0, 0, 0].map(f));
    case.set_io_limbs(word, io.end, [0, 1, 0, 0].map(f));
    case.set_io_limbs(word, io.data, [1, 1, 0, 0].map(f));
    case.claim_journal(&[1, 2]);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

/// A journal WRITE of 6 bytes whose second word starts at lane 2 (and ends
/// at 3), skipping bytes 5 and 6: the journal is 1, 2, 3, 4, 7, 8; the
/// first word's `start_next` says lane 2 too when `passed_on`. Returns the
/// first word row.
fn second_word_from_lane_2(passed_on: bool) -> (Case, usize) {
    let mut case = journal_write(6);
    let io = case.io;
    let (w1, w2) = (header(&case, 0) + 1, header(&case, 0) + 2);
    if passed_on {
        case.set_io_limbs(w1, io.start_next, [0, 0, 1, 0].map(f));
    }
    case.set_io_limbs(w2, io.start, [0, 0, 1, 0].map(f));
    case.set_io_limbs(w2, io.end, [0, 0, 0, 1].map(f));
    case.set_io_limbs(w2, io.data, [0, 0, 1, 1].map(f));
    case.claim_journal(&[1, 2, 3, 4, 7, 8]);
    case.rebalance();
    (case, w1)
}

/// The second word from lane 2, as the first word's `start_next` says.
/// Caught on the first word row by `word => start_next = lane 0`.
#[test]
fn a_word_passing_on_a_start_lane_other_than_0() {
    let (case, w1) = second_word_from_lane_2(true);
    case.expect_rejected(Caught::row(IO, w1));
}

/// The second word from lane 2, the first word's `start_next` saying
/// lane 0. Caught on the first word row by `next word => next start =
/// start_next`.
#[test]
fn a_word_starting_where_the_last_did_not_say() {
    let (case, w1) = second_word_from_lane_2(false);
    case.expect_rejected(Caught::row(IO, w1));
}

/// A journal WRITE of 6 bytes whose first word ends at lane 1 and whose
/// second (the last) runs to lane 3, skipping bytes 3 and 4 (the counters
/// agree): the journal is 1, 2, 5, 6, 7, 8. Caught on the first word row
/// by `(word - last) => end3 = 1`.
#[test]
fn a_word_before_the_last_ending_early() {
    let mut case = journal_write(6);
    let io = case.io;
    let (w1, w2) = (header(&case, 0) + 1, header(&case, 0) + 2);
    case.set_io_limbs(w1, io.end, [0, 1, 0, 0].map(f));
    case.set_io_limbs(w1, io.data, [1, 1, 0, 0].map(f));
    for col in [io.left_next, io.data_next] {
        case.set_io(w1, col, f(4));
    }
    case.set_io(w1, io.j_next, f(2));
    case.set_io_limbs(w2, io.end, [0, 0, 0, 1].map(f));
    case.set_io_limbs(w2, io.data, [1, 1, 1, 1].map(f));
    for col in [io.left, io.data_left] {
        case.set_io(w2, col, f(4));
    }
    case.set_io(w2, io.j_pos, f(2));
    case.claim_journal(&[1, 2, 5, 6, 7, 8]);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, w1));
}

// --- READ. ---

/// `READ(INPUT, BUF, len)`, HALT: exits with the bytes read.
fn read(len: u32, input: &[u8]) -> Case {
    Case::honest_with(run(&ecall_with(ecall::READ, [fd::INPUT, BUF, len])), input)
}

/// READ 4 bytes of 0x11 0x22 0x33 0x44 and load them: the word row stores
/// 0x99 for 0x11, which the load returns as the exit code (the data
/// table's counts re-counted). Caught by the data bus: there is no input
/// byte 0x99 at position 0.
#[test]
fn an_input_byte_read_as_another_value() {
    let mut w = ecall_with(ecall::READ, [fd::INPUT, BUF, 4]);
    w.push(lw(A0, A1, 0));
    let mut case = Case::honest_with(run(&w), &[0x11, 0x22, 0x33, 0x44]);
    let read = case.ecall_rows()[0];
    let word = case.io_header_of(read) + 1;
    let forged = 0x4433_2299;
    case.set_io_word(word, case.io.mem_new, forged);
    let load = case.next(read);
    case.set_memory_access(load, forged, forged);
    case.set_word(load, case.c(load).c, forged);
    case.edit_memory(word_addr(BUF), |e| e.value = bytes(forged));
    case.claim_exit(forged);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::DATA));
}

/// Sets `n`, the bytes a READ returns, and its cost's rounding on header
/// `h` (the CPU row writes it to a0, the HALT returns it).
fn set_read_result(case: &mut Case, read: At, h: usize, n: u32) {
    let io = case.io;
    case.set_word(read, case.c(read).c, n);
    case.set_io_word(h, io.res, n);
    case.set_io(h, io.q, f(n >> 2));
    case.set_io(h, io.r0, f(n & 1));
    case.set_io(h, io.r1, f((n >> 1) & 1));
    case.set_io(h, io.data_next, f(n));
    case.claim_exit(n);
}

/// READ of 8 bytes with 10 left returns 5 (same cost, 2 extra cycles): the
/// second word takes one input byte and keeps its other three, and the
/// input position after it is 5. Caught on the header by `read => (n -
/// len)(in_pos + n - input_len) = 0`.
#[test]
fn a_read_of_fewer_bytes_than_it_could() {
    let input: Vec<u8> = (1..=10).collect();
    let mut case = read(8, &input);
    let io = case.io;
    let read = case.ecall_rows()[0];
    let h = case.io_header_of(read);
    let (w1, w2) = (h + 1, h + 2);
    set_read_result(&mut case, read, h, 5);
    case.set_io(w1, io.data_left, f(5));
    case.set_io(w1, io.data_next, f(1));
    case.set_io(w2, io.data_left, f(1));
    case.set_io(w2, io.data_next, Val::ZERO);
    case.set_io_word(w2, io.data, 1);
    case.set_io_word(w2, io.mem_new, 5);
    case.set_io(w2, io.in_next, f(5));
    let halt = case.io_halt_row();
    case.set_io(halt, io.in_pos, f(5));
    case.set_io(halt, io.in_next, f(5));
    case.edit_memory(word_addr(BUF + 4), |e| e.value = bytes(5));
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

/// READ of 8 bytes with 5 left returns 8 (n = len, so the header's rule
/// holds), the last three from past the input's end. Caught by the data
/// bus: the input has no positions 5, 6, 7 (n <= input left is the data
/// table's business).
#[test]
fn a_read_of_more_bytes_than_the_input_has() {
    let input: Vec<u8> = (1..=5).collect();
    let mut case = read(8, &input);
    let io = case.io;
    let read = case.ecall_rows()[0];
    let h = case.io_header_of(read);
    let (w1, w2) = (h + 1, h + 2);
    set_read_result(&mut case, read, h, 8);
    case.set_io(w1, io.data_left, f(8));
    case.set_io(w1, io.data_next, f(4));
    case.set_io(w2, io.data_left, f(4));
    case.set_io_limbs(w2, io.data, [Val::ONE; 4]);
    let forged = 0x0C0B_0A05;
    case.set_io_word(w2, io.mem_new, forged);
    case.set_io(w2, io.in_next, f(8));
    let halt = case.io_halt_row();
    case.set_io(halt, io.in_pos, f(8));
    case.set_io(halt, io.in_next, f(8));
    case.edit_memory(word_addr(BUF + 4), |e| e.value = bytes(forged));
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::DATA));
}

/// READ of 8 bytes with 5 left (n = 5) that skips the buffer's second byte:
/// the input goes to bytes 0, 2, 3 of the first word and 0, 1 of the
/// second, byte 1 keeping its 0. Caught on the first word row by the data
/// mask's prefix rule `mask_i data_{i+1} (1 - data_i) = 0`, and by
/// `(count - taken) data_next = 0` (a word with a byte left out must be the
/// last with data).
#[test]
fn a_read_with_a_gap_in_its_data_bytes() {
    let input: Vec<u8> = (1..=5).collect();
    let mut case = read(8, &input);
    let io = case.io;
    let h = header(&case, 0);
    let (w1, w2) = (h + 1, h + 2);
    let (first, second) = (0x0302_0001, 0x0000_0504);
    case.set_io_limbs(w1, io.data, [1, 0, 1, 1].map(f));
    case.set_io_word(w1, io.mem_new, first);
    case.set_io(w1, io.data_next, f(2));
    case.set_io(w1, io.in_next, f(3));
    case.set_io(w2, io.data_left, f(2));
    case.set_io_limbs(w2, io.data, [1, 1, 0, 0].map(f));
    case.set_io_word(w2, io.mem_new, second);
    case.set_io(w2, io.in_pos, f(3));
    case.edit_memory(word_addr(BUF), |e| e.value = bytes(first));
    case.edit_memory(word_addr(BUF + 4), |e| e.value = bytes(second));
    case.rebalance();
    case.expect_rejected(Caught::row(IO, w1));
}

/// Two READs of 4 bytes, the second reading the input's first four bytes
/// again (its header and word at input position 0; the data table counts
/// them twice). Caught on the first READ's word row by the positions'
/// transition `next header => next in_pos = in_next`.
#[test]
fn an_input_read_twice() {
    let mut w = ecall_with(ecall::READ, [fd::INPUT, BUF, 4]);
    w.extend(ecall_with(ecall::READ, [fd::INPUT, BUF + 4, 4]));
    let input: Vec<u8> = (1..=8).collect();
    let mut case = Case::honest_with(run(&w), &input);
    let io = case.io;
    let (h1, h2) = (header(&case, 0), header(&case, 1));
    case.set_io(h2, io.in_pos, Val::ZERO);
    case.set_io(h2, io.in_next, Val::ZERO);
    case.set_io(h2 + 1, io.in_pos, Val::ZERO);
    case.set_io(h2 + 1, io.in_next, f(4));
    case.set_io_word(h2 + 1, io.mem_new, DATA_WORD);
    let halt = case.io_halt_row();
    case.set_io(halt, io.in_pos, f(4));
    case.set_io(halt, io.in_next, f(4));
    case.edit_memory(word_addr(BUF + 4), |e| e.value = bytes(DATA_WORD));
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h1 + 1));
}

/// Where the code-segment case reads: a second code segment (two FENCEs,
/// never executed) that the shadow program has as data.
const CODE2: u32 = CODE + 0x1000;

/// A READ of 4 bytes into code, which the executor refuses: the trace of a
/// program that has the same words as data, its word row and the memory
/// table keeping the word read-only (`writable = 0`, so the memory bus
/// balances). Caught on the word row by `store => writable`.
#[test]
fn a_read_into_code() {
    let words = {
        let mut w = ecall_with(ecall::READ, [fd::INPUT, CODE2, 4]);
        w.extend(halt());
        w
    };
    let fences = [fence(), fence()];
    let fence_bytes: Vec<u8> = fences.iter().flat_map(|w| w.to_le_bytes()).collect();
    let with = |second: Segment| {
        Program::from_segments(CODE, vec![Segment::code(CODE, &words), second]).unwrap()
    };
    let code = with(Segment::code(CODE2, &fences));
    let data = with(Segment::data(CODE2, &fence_bytes, 8));
    let mut case = Case::shadow_with(code, &data, &[1, 2, 3, 4]);
    let word = header(&case, 0) + 1;
    case.set_io(word, case.io.writable, Val::ZERO);
    case.edit_memory(word_addr(CODE2), |e| e.writable = false);
    case.expect_rejected(Caught::row(IO, word));
}

// --- Positions. ---

/// A READ of 4 bytes from an input of 8 that takes bytes 5 to 8, the
/// positions starting at 4 on the first row (its header) and running on
/// honestly. Caught on the first row by `first row => in_pos = 0`.
#[test]
fn input_positions_starting_past_0() {
    let input: Vec<u8> = (1..=8).collect();
    let mut case = read(4, &input);
    let io = case.io;
    let h = header(&case, 0);
    assert_eq!(h, 0);
    let word = h + 1;
    for col in [io.in_pos, io.in_next] {
        case.set_io(h, col, f(4));
    }
    case.set_io(word, io.in_pos, f(4));
    case.set_io(word, io.in_next, f(8));
    let forged = 0x0807_0605;
    case.set_io_word(word, io.mem_new, forged);
    let halt = case.io_halt_row();
    for col in [io.in_pos, io.in_next] {
        case.set_io(halt, col, f(8));
    }
    case.edit_memory(word_addr(BUF), |e| e.value = bytes(forged));
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

/// A journal WRITE of 1, 2, 3, 4 at journal positions 4 to 7 (the
/// positions starting at 4 on the first row), so the claimed journal may
/// begin with any 4 bytes: 9, 9, 9, 9, 1, 2, 3, 4 (its first 4 bytes
/// looked up by nothing). Caught on the first row by `first row => j_pos =
/// 0`.
#[test]
fn journal_positions_starting_past_0() {
    let mut case = journal_write(4);
    let io = case.io;
    let h = header(&case, 0);
    assert_eq!(h, 0);
    let word = h + 1;
    for col in [io.j_pos, io.j_next] {
        case.set_io(h, col, f(4));
    }
    case.set_io(word, io.j_pos, f(4));
    case.set_io(word, io.j_next, f(8));
    let halt = case.io_halt_row();
    for col in [io.j_pos, io.j_next] {
        case.set_io(halt, col, f(8));
    }
    case.claim_journal(&[9, 9, 9, 9, 1, 2, 3, 4]);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

// --- INPUT_REMAINING and CYCLE_COUNT. ---

/// INPUT_REMAINING on `input` returning `limbs` (the CPU row writes them
/// to a0, the HALT returns them). Returns the header.
fn input_remaining_returning(input: &[u8], limbs: [Val; 4]) -> (Case, usize) {
    let mut case = Case::honest_with(run(&call(ecall::INPUT_REMAINING)), input);
    let row = case.ecall_rows()[0];
    let h = case.io_header_of(row);
    case.set_limbs(row, case.c(row).c, limbs);
    case.set_io_limbs(h, case.io.res, limbs);
    case.claim_exit_limbs(limbs);
    case.rebalance();
    (case, h)
}

/// INPUT_REMAINING with 3 bytes left returns 5 (the exit code). Caught on
/// the header by `input_remaining => n = input_len - in_pos`.
#[test]
fn input_remaining_with_another_value() {
    let (case, h) = input_remaining_returning(&[1, 2, 3], bytes(5));
    case.expect_rejected(Caught::row(IO, h));
}

/// INPUT_REMAINING with 3 bytes left returns 0x7F00_0004 (the exit code),
/// bytes whose value is p + 3 = 3 in the field, so `n = input_len -
/// in_pos` holds. Caught on the header by `computed => res3 = 0`.
#[test]
fn input_remaining_with_a_value_past_p() {
    let (case, h) = input_remaining_returning(&[1, 2, 3], bytes(Val::ORDER_U32 + 3));
    case.expect_rejected(Caught::row(IO, h));
}

/// INPUT_REMAINING with 256 bytes left returns limbs (256, 0, 0, 0), the
/// same value as its bytes (0, 1, 0, 0) (a0 at the HALT and the exit code
/// agree). Caught by the bytes bus: the result's range check of (res0,
/// res1) = (256, 0).
#[test]
fn input_remaining_with_a_result_limb_of_256() {
    let input = [7; 256];
    let (case, _) = input_remaining_returning(&input, [f(256), Val::ZERO, Val::ZERO, Val::ZERO]);
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// CYCLE_COUNT after 1 cycle returns 2 (the exit code). Caught on the
/// header by `cycle_count => a0' = cycle`.
#[test]
fn cycle_count_with_another_value() {
    let mut case = Case::honest(run(&call(ecall::CYCLE_COUNT)));
    let row = case.ecall_rows()[0];
    let h = case.io_header_of(row);
    assert_eq!(case.cpu(row, case.c(row).cycle), Val::ONE);
    case.set_word(row, case.c(row).c, 2);
    case.set_io_word(h, case.io.res, 2);
    case.claim_exit(2);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

/// CYCLE_COUNT after 1 cycle returns p + 1 = 0x7F00_0002 (the exit code):
/// bytes (2, 0, 0, 0x7F), each a byte, whose value is 1 in the field, so
/// `cycle_count => a0' = cycle_base + cycle` holds. Caught by the bytes
/// bus: the top byte's check `4 res3 < 256` (a count below 2^30).
#[test]
fn cycle_count_with_a_value_past_p() {
    let mut case = Case::honest(run(&call(ecall::CYCLE_COUNT)));
    let row = case.ecall_rows()[0];
    let h = case.io_header_of(row);
    assert_eq!(case.cpu(row, case.c(row).cycle), Val::ONE);
    let past_p = Val::ORDER_U32 + 1;
    case.set_word(row, case.c(row).c, past_p);
    case.set_io_word(h, case.io.res, past_p);
    case.claim_exit(past_p);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// ECALL `number` (READ or INPUT_REMAINING) from fd 1, which the executor
/// refuses, proven with the trace of the same ECALL from fd 0: `li a0`,
/// the ECALL row's read of a0 (and a0 before its write) and the header's
/// `a0` say 1. Returns the header.
fn from_fd_1(number: u32, input: &[u8]) -> (Case, usize) {
    let words = |fd| run(&ecall_with(number, [fd, BUF, 4]));
    let mut case = Case::shadow_with(words(fd::STDOUT), &words(fd::INPUT), input);
    case.set_li(CODE, fd::STDOUT);
    let row = case.ecall_rows()[0];
    case.set_word(row, case.c(row).a, fd::STDOUT);
    case.set_word(row, case.c(row).rd_prev, fd::STDOUT);
    let h = case.io_header_of(row);
    case.set_io_word(h, case.io.a0, fd::STDOUT);
    case.rebalance();
    (case, h)
}

/// A READ from fd 1 that reads the input (4 bytes, the exit code). Caught
/// on the header by `(read + input_remaining) => a0 = 0`.
#[test]
fn a_read_from_stdout() {
    let (case, h) = from_fd_1(ecall::READ, &[1, 2, 3, 4]);
    case.expect_rejected(Caught::row(IO, h));
}

/// An INPUT_REMAINING of fd 1 that says how much input is left (3, the
/// exit code). Caught on the header by `(read + input_remaining) => a0 =
/// 0`.
#[test]
fn input_remaining_of_stdout() {
    let (case, h) = from_fd_1(ecall::INPUT_REMAINING, &[1, 2, 3]);
    case.expect_rejected(Caught::row(IO, h));
}

/// `a1 = 5; ECALL number; a0 = a1`, HALT, with the ECALL leaving `forged`
/// in a1 (its memory slot, its header's `a1'`), which the ADDI then
/// copies to a0 and the HALT's memory slot and header read. Returns the
/// ECALL's header.
fn a1_left_as(number: u32, forged: u32) -> (Case, usize) {
    let mut w = vec![addi(A1, 0, 5)];
    w.extend(call(number));
    w.push(addi(A0, A1, 0));
    let mut case = Case::honest(run(&w));
    let io = case.io;
    let [row, halt] = case.ecall_rows()[..] else {
        unreachable!("two ECALLs")
    };
    let h = case.io_header_of(row);
    case.set_memory_access(row, 5, forged);
    case.set_io_word(h, io.a1_out, forged);
    let copy = case.next(row);
    case.set_word(copy, case.c(copy).a, forged);
    case.set_adder(copy, forged, 0);
    case.set_word(copy, case.c(copy).c, forged);
    case.set_memory_access(halt, forged, forged);
    let halt_header = case.io_header_of(halt);
    case.set_io_word(halt_header, io.a1, forged);
    case.set_io_word(halt_header, io.a1_out, forged);
    case.edit_memory(A1.into(), |e| e.value = bytes(forged));
    case.claim_exit(forged);
    case.rebalance();
    (case, h)
}

/// INPUT_REMAINING that changes a1 from 5 to 9 (the exit code). Caught on
/// its header by `(header - cycle_count) => a1' = a1`.
#[test]
fn an_ecall_that_changes_a1() {
    let (case, h) = a1_left_as(ecall::INPUT_REMAINING, 9);
    case.expect_rejected(Caught::row(IO, h));
}

/// CYCLE_COUNT that leaves a1 at 5 (the exit code) instead of clearing it
/// (the cycles' high word). Caught on its header by `cycle_count => a1' =
/// 0`.
#[test]
fn cycle_count_that_keeps_a1() {
    let (case, h) = a1_left_as(ecall::CYCLE_COUNT, 5);
    case.expect_rejected(Caught::row(IO, h));
}

// --- Buffer lengths below 2^24. ---

/// `WRITE(STDOUT, DATA, 0x7F00_0004)`, which the executor would charge
/// 0x1FC0_0001 cycles for, proven with the trace of the WRITE of 3 bytes:
/// its length's bytes are p + 3 = 3 in the field, so the word row's 3
/// bytes are all the counters want, and its cost (`res0 = 4`: q = 1) is
/// 1, as for 3 bytes. `li a2`, the header's a2, length and result, a0 and
/// the exit code say 0x7F00_0004. Caught on the header by `len3 = 0`.
#[test]
fn a_write_length_past_p() {
    let len = Val::ORDER_U32 + 3;
    let words = |len| run(&ecall_with(ecall::WRITE, [fd::STDOUT, DATA, len]));
    let mut case = Case::shadow(words(len), &words(3));
    let io = case.io;
    case.set_li(CODE + 16, len);
    let row = case.ecall_rows()[0];
    let h = case.io_header_of(row);
    for cols in [io.mem_prev, io.mem_new, io.len, io.res] {
        case.set_io_word(h, cols, len);
    }
    case.set_io(h, io.q, Val::ONE);
    case.set_io(h, io.r0, Val::ZERO);
    case.set_io(h, io.r1, Val::ZERO);
    case.set_word(row, case.c(row).c, len);
    case.edit_memory(12, |e| e.value = bytes(len));
    case.claim_exit(len);
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

// --- Cycles and order. ---

/// A WRITE of 8 bytes charged 1 extra cycle instead of 2 (CPU row and
/// header agree; every later cycle and the claim one fewer). Caught on the
/// header by `io => extra = ceil(len / 4)`.
#[test]
fn an_ecall_charged_too_few_cycles() {
    let mut case = Case::honest(run(&ecall_with(ecall::WRITE, [fd::STDOUT, DATA, 8])));
    let row = case.ecall_rows()[0];
    let h = case.io_header_of(row);
    case.set(row, case.c(row).extra, Val::ONE);
    case.set_io(h, case.io.extra, Val::ONE);
    case.shift_cycles_from(case.next(row), -1);
    case.expect_rejected(Caught::row(IO, h));
}

/// A WRITE of 8 bytes charged 1 extra cycle instead of 2 (as in
/// [`an_ecall_charged_too_few_cycles`]) through its rounding: `res0 =
/// 4 q + r0 + 2 r1` and `extra = q + r0 + r1 - r0 r1` both hold with these
/// `q`, `r0`, `r1`. Returns the header.
fn write_of_8_rounded_to_1(q: Val, r0: Val, r1: Val) -> (Case, usize) {
    let mut case = Case::honest(run(&ecall_with(ecall::WRITE, [fd::STDOUT, DATA, 8])));
    let row = case.ecall_rows()[0];
    let h = case.io_header_of(row);
    for (col, v) in [(case.io.q, q), (case.io.r0, r0), (case.io.r1, r1)] {
        case.set_io(h, col, v);
    }
    case.set(row, case.c(row).extra, Val::ONE);
    case.set_io(h, case.io.extra, Val::ONE);
    case.shift_cycles_from(case.next(row), -1);
    case.rebalance();
    (case, h)
}

/// The WRITE of 8 bytes charged 1 with `q = 0`, `r0 = 6`, `r1 = 1`.
/// Caught on the header by `r0` boolean.
#[test]
fn a_cost_rounding_bit_r0_of_6() {
    let (case, h) = write_of_8_rounded_to_1(Val::ZERO, f(6), Val::ONE);
    case.expect_rejected(Caught::row(IO, h));
}

/// The WRITE of 8 bytes charged 1 with `q = 0`, `r0 = 1`, `r1 = 7/2`.
/// Caught on the header by `r1` boolean.
#[test]
fn a_cost_rounding_bit_r1_of_7_halves() {
    let (case, h) = write_of_8_rounded_to_1(Val::ZERO, Val::ONE, f(7).halve());
    case.expect_rejected(Caught::row(IO, h));
}

/// The WRITE of 8 bytes charged 1 with `q = 1` and no remainder bits
/// (`extra = q` holds). Caught on the header by `io => res0 = 4 q + r0 + 2
/// r1`.
#[test]
fn a_cost_quotient_that_does_not_divide() {
    let (case, h) = write_of_8_rounded_to_1(Val::ONE, Val::ZERO, Val::ZERO);
    case.expect_rejected(Caught::row(IO, h));
}

/// Two WRITEs of 5 bytes (cost 2 each) with other remainder bits, each
/// with the `q` that keeps `res0 = 4 q + r0 + 2 r1` in the field: bits
/// (0, 0) give `q = 5/4`, cost 5/4; bits (0, 1) give `q = 3/4`, cost 7/4.
/// Together they cost 3, one cycle fewer than the run (the cycle column
/// between them is far out of range, but nothing bounds it there; the
/// claim is one fewer). Caught by the bytes bus: `q`'s range check (`q`
/// and `4 q` bytes).
#[test]
fn a_cost_quotient_past_its_range() {
    let mut w = ecall_with(ecall::WRITE, [fd::STDOUT, DATA, 5]);
    w.extend(ecall_with(ecall::WRITE, [fd::STDOUT, DATA, 5]));
    let mut case = Case::honest(run(&w));
    let io = case.io;
    let honest_cycles = case.statement.cycles;
    let quarter = f(4).inverse();
    for (i, r1) in [(0, 0), (1, 1)] {
        let row = case.ecall_rows()[i];
        let h = case.io_header_of(row);
        assert_eq!(case.io_cell(h, io.extra), f(2));
        let q = (f(5) - f(2 * r1)) * quarter;
        let extra = q + f(r1);
        case.set_io(h, io.q, q);
        case.set_io(h, io.r0, Val::ZERO);
        case.set_io(h, io.r1, f(r1));
        case.set(row, case.c(row).extra, extra);
        case.set_io(h, io.extra, extra);
        case.shift_cycles_by(case.next(row), extra - f(2));
    }
    assert_eq!(case.statement.cycles, honest_cycles - 1);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

/// Every cycle from the second instruction on one more (HALT's header and
/// the claim agreeing). Caught by the execution bus: the first row
/// produces `cycle + 1`, and the second consumes `cycle + 2`.
#[test]
fn a_cycle_column_off_by_one() {
    let mut case = Case::honest(run(&[addi(A0, 0, 1)]));
    let second = case.chip_rows()[1];
    case.shift_cycles_from(second, 1);
    case.expect_rejected(Caught::bus(bus::EXEC));
}

/// INPUT_REMAINING then CYCLE_COUNT, their headers swapped in the I/O table
/// (the ecall bus still balances; the first header's clock gap to the
/// next, `clk2 - clk1 - 1`, is then negative). Caught by the bytes bus:
/// the gap's range check.
#[test]
fn two_headers_out_of_clock_order() {
    let mut w = call(ecall::INPUT_REMAINING).to_vec();
    w.extend(call(ecall::CYCLE_COUNT));
    let mut case = Case::honest_with(run(&w), &[1, 2, 3]);
    let (h1, h2) = (header(&case, 0), header(&case, 1));
    let (r1, r2) = (case.io_row(h1), case.io_row(h2));
    case.set_io_row(h1, &r2);
    case.set_io_row(h2, &r1);
    let clk = |case: &Case, row| case.io_cell(row, case.io.clk);
    case.set_clk_gap(h1, clk(&case, h2));
    let halt = case.io_halt_row();
    case.set_clk_gap(h2, clk(&case, halt));
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::BYTES));
}

// --- Kinds and the end. ---

/// A PANIC claimed as a halt (status 0, exit code 0, the trace honest).
/// Caught on the PANIC header by `panic => status = 1`.
#[test]
fn a_panic_claimed_as_a_halt() {
    let mut case = Case::honest(program(&ecall_with(ecall::PANIC, [DATA, 4, 0])));
    assert_eq!(case.statement.status, 1);
    case.claim_public_status(0);
    let h = case.io_halt_row();
    case.expect_rejected(Caught::row(IO, h));
}

/// A HALT (a0 = a1 = 0, so an empty PANIC message) claimed as a panic: its
/// header flagged PANIC, status 1. Caught on the header by `number =
/// sum(kind * NUMBER)`: t0 is 0, PANIC's number 5.
#[test]
fn a_halt_claimed_as_a_panic() {
    let mut case = Case::honest(run(&[]));
    let h = case.io_halt_row();
    case.set_io_kind(h, kind::PANIC);
    case.set_io(h, case.io.number, Val::ZERO);
    case.claim_public_status(1);
    case.expect_rejected(Caught::row(IO, h));
}

/// INPUT_REMAINING (t0 = 3) at cycle 1 with 1 byte of input, its header
/// flagged CYCLE_COUNT, whose result would be the same 1. Caught on the
/// header by `number = sum(kind * NUMBER)`.
#[test]
fn a_header_kind_that_does_not_match_t0() {
    let mut case = Case::honest_with(run(&call(ecall::INPUT_REMAINING)), &[7]);
    let h = header(&case, 0);
    assert_eq!(
        case.io_cell(h, case.io.cycle),
        case.io_cell(h, case.io.res[0])
    );
    case.set_io_kind(h, kind::CYCLE_COUNT);
    case.set_io(h, case.io.number, f(3));
    // CYCLE_COUNT's result has its top byte range-checked.
    case.rebalance();
    case.expect_rejected(Caught::row(IO, h));
}

/// A second journal WRITE that the program never made: a copy of the real
/// one's header and word at the next clock (an ADDI's row), sending 1, 2,
/// 3, 4 to the journal again (claimed: both copies), with its a2 and word
/// reads chained after the real ones and the clock gaps in order. Caught
/// by the ecall bus: the CPU sent no ECALL at that clock.
#[test]
fn a_journal_write_without_an_ecall() {
    let mut case = journal_write(4);
    let io = case.io;
    let h = header(&case, 0);
    let word = h + 1;
    let clk = case.io_cell(h, io.clk) + Val::ONE;
    let ts = |clk: Val| 4 * clk.as_canonical_u32() + 2;
    let (mut copy, mut copy_word) = (case.io_row(h), case.io_row(word));
    for row in [&mut copy, &mut copy_word] {
        row[io.clk] = clk;
        row[io.j_pos] += f(4);
        row[io.j_next] += f(4);
    }
    copy_word[io.clk_gap[0]] -= Val::ONE;
    for c in io.clk_gap {
        case.set_io(word, c, Val::ZERO);
    }
    case.insert_io_row(word + 1, &copy);
    case.insert_io_row(word + 2, &copy_word);
    case.set_io_access(word + 1, ts(clk - Val::ONE));
    case.set_io_access(word + 2, ts(clk - Val::ONE));
    case.edit_memory(12, |e| e.ts = ts(clk));
    case.edit_memory(word_addr(DATA), |e| e.ts = ts(clk));
    let halt = case.io_halt_row();
    case.set_io(halt, io.j_pos, f(8));
    case.set_io(halt, io.j_next, f(8));
    case.claim_journal(&[1, 2, 3, 4, 1, 2, 3, 4]);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::ECALL));
}
