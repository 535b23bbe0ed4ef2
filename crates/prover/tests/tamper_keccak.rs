//! The tamper suite's Keccak cases (see `tamper.rs` for the method): each
//! takes an honest run that calls KECCAK_PERMUTE, changes what the lane rows
//! or the permutation table say (the permutation rebuilt with the table's
//! own trace generation where the case needs it consistent), and expects
//! the verifier to reject it where the case says.

mod witness;

use ember_abi::ecall;
use ember_air::bus;
use ember_air::cols;
use ember_air::keccak::call::{KECCAK_CALL_WIDTH, KeccakCallCols, STATE_WORDS};
use ember_air::keccak::lane::{KECCAK_LANE_WIDTH, KeccakLaneCols};
use ember_air::keccak::{KECCAK_PERM_WIDTH, LANES, Permutation, link};
use ember_air::{Table, Val};
use ember_core::asm::*;
use ember_core::{Program, Segment};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use witness::{CODE, Case, Caught, DATA, MemEntry, buffer_at, bytes};

/// Where the states are: 0x400 bytes of data, two states of 200 bytes.
const S1: u32 = DATA + 0x100;
const S2: u32 = DATA + 0x200;

/// KECCAK_PERMUTE on each state in turn, then HALT (with the last state's
/// address in a0, the exit code).
fn program(states: &[u32]) -> Program {
    let mut w = Vec::new();
    for &s in states {
        w.extend(li(10, s));
        w.extend([addi(5, 0, ecall::KECCAK_PERMUTE as i32), ecall()]);
    }
    w.extend(witness::halt());
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, &w),
            Segment::data(DATA, &witness::DATA_BYTES, 0x400),
        ],
    )
    .unwrap()
}

fn case(states: &[u32]) -> Case {
    Case::honest(program(states))
}

fn lane(case: &Case, r: usize) -> KeccakLaneCols<Val> {
    let m = &case.traces.matrices[Table::KeccakLane.index()].values;
    *cols::borrow_row::<Val, KeccakLaneCols<Val>>(&m[r * KECCAK_LANE_WIDTH..][..KECCAK_LANE_WIDTH])
}

fn set_lane(case: &mut Case, r: usize, row: &KeccakLaneCols<Val>) {
    let m = &mut case.traces.matrices[Table::KeccakLane.index()].values;
    *cols::borrow_row_mut::<Val, KeccakLaneCols<Val>>(
        &mut m[r * KECCAK_LANE_WIDTH..][..KECCAK_LANE_WIDTH],
    ) = *row;
}

fn call(case: &Case, r: usize) -> KeccakCallCols<Val> {
    let m = &case.traces.matrices[Table::KeccakCall.index()].values;
    *cols::borrow_row::<Val, KeccakCallCols<Val>>(&m[r * KECCAK_CALL_WIDTH..][..KECCAK_CALL_WIDTH])
}

fn set_call(case: &mut Case, r: usize, row: &KeccakCallCols<Val>) {
    let m = &mut case.traces.matrices[Table::KeccakCall.index()].values;
    *cols::borrow_row_mut::<Val, KeccakCallCols<Val>>(
        &mut m[r * KECCAK_CALL_WIDTH..][..KECCAK_CALL_WIDTH],
    ) = *row;
}

fn word(b: &[Val; 4]) -> u32 {
    b.iter()
        .rev()
        .fold(0, |acc, v| acc << 8 | v.as_canonical_u32())
}

/// The lane's two words' new values written to the memory table's final
/// values.
fn write_memory(case: &mut Case, row: &KeccakLaneCols<Val>) {
    let at = row.ws.as_canonical_u32() + 2 * row.lane.as_canonical_u32();
    for h in 0..2 {
        let v = bytes(word(&row.new[h]));
        case.edit_memory(at + h as u32, |e| e.value = v);
    }
}

/// The call's input lanes as its lane rows say (call `c`'s rows are
/// `25 c..25 c + 25`).
fn input(case: &Case, c: usize) -> [u64; LANES] {
    core::array::from_fn(|i| {
        let row = lane(case, LANES * c + i);
        u64::from(word(&row.old[0])) | u64::from(word(&row.old[1])) << 32
    })
}

/// Replaces the permutation table with these permutations' (the rest
/// padding), keeping its height.
fn set_permutations(case: &mut Case, perms: &[Permutation]) {
    let m = &mut case.traces.matrices[Table::KeccakPerm.index()].values;
    let mut values = ember_air::keccak::trace::<Val>(perms);
    let height = m.len() / KECCAK_PERM_WIDTH;
    if values.len() < m.len() {
        // Pad with not-real permutations of zeros, as the tracer does.
        let more = height.div_ceil(24);
        let zeros = vec![
            Permutation {
                clk: 0,
                ws: 0,
                lanes: [0; LANES]
            };
            more
        ];
        let mut all = perms.to_vec();
        all.extend(zeros);
        values = ember_air::keccak::trace::<Val>(&all);
        for r in perms.len() * 24..height {
            for c in [link::IS_REAL, link::CLK, link::WS] {
                values[r * KECCAK_PERM_WIDTH + c] = Val::ZERO;
            }
        }
        values.truncate(m.len());
    }
    *m = values;
}

/// Lane 3's new low word differs from the permutation's output, and memory
/// holds it. Caught by the keccak bus: the lane's OUT message meets no
/// permutation's.
#[test]
fn a_wrong_output_word() {
    let mut case = case(&[S1]);
    let mut row = lane(&case, 3);
    row.new[0] = bytes(word(&row.new[0]) ^ 0x0100_0000);
    set_lane(&mut case, 3, &row);
    write_memory(&mut case, &row);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::KECCAK));
}

/// Lane 4's old high word is not what memory held, and the permutation is
/// rebuilt from it (its output written, so the keccak bus balances).
/// Caught by the memory bus: the read receives a value no one sent.
#[test]
fn a_state_word_not_read_from_memory() {
    let mut case = case(&[S1]);
    let mut row = lane(&case, 4);
    row.old[1] = bytes(word(&row.old[1]) ^ 0x8000);
    set_lane(&mut case, 4, &row);
    let mut lanes = input(&case, 0);
    let perm = Permutation {
        clk: row.clk.as_canonical_u32(),
        ws: row.ws.as_canonical_u32(),
        lanes,
    };
    set_permutations(&mut case, &[perm]);
    tiny_keccak::keccakf(&mut lanes);
    for (i, out) in lanes.iter().enumerate() {
        let mut r = lane(&case, i);
        r.new = [bytes(*out as u32), bytes((*out >> 32) as u32)];
        set_lane(&mut case, i, &r);
        write_memory(&mut case, &r);
    }
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::MEMORY));
}

/// The state left as it was: every lane writes its old words back and
/// memory keeps them. Caught by the keccak bus.
#[test]
fn the_output_not_written_back() {
    let mut case = case(&[S1]);
    for i in 0..LANES {
        let mut r = lane(&case, i);
        r.new = r.old;
        set_lane(&mut case, i, &r);
        write_memory(&mut case, &r);
    }
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::KECCAK));
}

/// Two calls on two equal states (zeros): the second call's permutation
/// is dropped (padding), as if the first's result served both. Caught by
/// the keccak bus: each message is counted (one permutation answers one
/// call) and carries the call's clock.
#[test]
fn a_calls_result_reused_for_another_call() {
    let mut case = case(&[S1, S2]);
    assert_eq!(
        input(&case, 0),
        input(&case, 1),
        "the two calls compute the same"
    );
    let first = lane(&case, 0);
    let perm = Permutation {
        clk: first.clk.as_canonical_u32(),
        ws: first.ws.as_canonical_u32(),
        lanes: input(&case, 0),
    };
    set_permutations(&mut case, &[perm]);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::KECCAK));
}

/// A call the CPU never made: the second call's row, its permutation and
/// its lanes claim the next clock (the lanes' timestamps follow). Caught by
/// the ecall bus: the CPU's ECALL at the real clock has no receiver, and
/// the row's at the other clock no sender.
#[test]
fn a_call_the_cpu_never_made() {
    let mut case = case(&[S1, S2]);
    let mut row = call(&case, 1);
    let clk = row.clk + Val::ONE;
    row.clk = clk;
    set_call(&mut case, 1, &row);
    let perm = |case: &Case, c: usize, clk: Val| Permutation {
        clk: clk.as_canonical_u32(),
        ws: lane(case, LANES * c).ws.as_canonical_u32(),
        lanes: input(case, c),
    };
    let perms = [perm(&case, 0, call(&case, 0).clk), perm(&case, 1, clk)];
    set_permutations(&mut case, &perms);
    for i in LANES..2 * LANES {
        let mut r = lane(&case, i);
        r.clk = clk;
        for a in &mut r.access {
            // Written by the image: the gap grows with the timestamp.
            let gap = word(&[a.gap[0], a.gap[1], a.gap[2], Val::ZERO]) + 4;
            let [g0, g1, g2, _] = bytes(gap);
            a.gap = [g0, g1, g2];
        }
        set_lane(&mut case, i, &r);
        let at = r.ws.as_canonical_u32() + 2 * r.lane.as_canonical_u32();
        for h in 0..2 {
            case.edit_memory(at + h, |e| e.ts += 4);
        }
    }
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::ECALL));
}

/// Grows table `t` to `rows` rows of zeros (padding).
fn grow(case: &mut Case, t: Table, rows: usize) {
    let m = &mut case.traces.matrices[t.index()];
    let width = m.width;
    m.values.resize(rows * width, Val::ZERO);
}

/// A permutation no call asked for: the run calls KECCAK_PERMUTE on S1
/// only, and the trace adds, at the same clock, a permutation of S2 (its
/// lane rows read S2's zeros at the call's memory timestamp and write the
/// permuted state, which the memory table ends with), so the state at S2
/// changes with no ECALL for it. Caught by the keccak bus: that
/// permutation's first round receives `(clk, S2 / 4, CALL)`, which no call
/// row sends.
#[test]
fn a_permutation_no_call_asked_for() {
    let mut case = case(&[S1]);
    let first = lane(&case, 0);
    let (clk, ws2) = (first.clk, S2 / 4);
    let ts = 4 * clk.as_canonical_u32() + ember_air::chips::slot::MEM as u32;
    grow(&mut case, Table::KeccakPerm, 64);
    grow(&mut case, Table::KeccakLane, 64);
    let honest = Permutation {
        clk: clk.as_canonical_u32(),
        ws: first.ws.as_canonical_u32(),
        lanes: input(&case, 0),
    };
    let forged = Permutation {
        clk: clk.as_canonical_u32(),
        ws: ws2,
        lanes: [0; LANES],
    };
    set_permutations(&mut case, &[honest, forged]);
    let mut out = [0u64; LANES];
    tiny_keccak::keccakf(&mut out);
    let mut entries = case.memory();
    let [g0, g1, g2, _] = bytes(ts - 1);
    for (i, &lane_out) in out.iter().enumerate() {
        let mut r: KeccakLaneCols<Val> = cols::zeroed();
        r.is_real = Val::ONE;
        r.clk = clk;
        r.ws = Val::from_u32(ws2);
        r.lane = Val::from_usize(i);
        r.old = [bytes(0), bytes(0)];
        r.new = [bytes(lane_out as u32), bytes((lane_out >> 32) as u32)];
        for (h, access) in r.access.iter_mut().enumerate() {
            // Never written before: the tree's zero initial value.
            access.prev_ts = Val::ZERO;
            access.gap = [g0, g1, g2];
            entries.push(MemEntry {
                addr: ws2 + 2 * i as u32 + h as u32,
                init: bytes(0),
                value: r.new[h],
                ts,
                writable: true,
            });
        }
        set_lane(&mut case, LANES + i, &r);
    }
    entries.sort_by_key(|e| e.addr);
    case.set_memory(&entries);
    case.rebalance();
    case.expect_rejected(Caught::bus(bus::KECCAK));
}

/// KECCAK_PERMUTE on the state at `at` (where the executor faults), proven
/// with the trace of the same program on the state at `honest` (only the
/// `li a0` differs): a0 wherever it goes (the LI, the ECALL row, HALT and
/// the exit code, the memory table), the call row's state and its buffer
/// checks (`limit` as the field element `LAST_WORD - last word`, bytes or
/// not), the permutation's and the lanes' `ws` and the state's memory rows,
/// moved to `at`.
fn state_moved(at: u32, honest: u32) -> Case {
    let mut case = Case::shadow(program(&[at]), &program(&[honest]));
    case.set_li(CODE, at);
    let ecall = case.ecall_rows()[0];
    let c = case.c(ecall);
    for cols in [c.a, c.c, c.rd_prev] {
        case.set_word(ecall, cols, at);
    }
    case.claim_exit(at);
    let mut row = call(&case, 0);
    row.state = bytes(at);
    row.buf = buffer_at(at, STATE_WORDS);
    set_call(&mut case, 0, &row);
    let (from, to) = (honest / 4, at / 4);
    let perm = Permutation {
        clk: row.clk.as_canonical_u32(),
        ws: to,
        lanes: input(&case, 0),
    };
    set_permutations(&mut case, &[perm]);
    for i in 0..LANES {
        let mut r = lane(&case, i);
        r.ws = Val::from_u32(to);
        set_lane(&mut case, i, &r);
    }
    case.move_words(&[(from, to, STATE_WORDS)]);
    case.rebalance();
    case
}

/// A state starting at 0xFF38, in the guard region below 0x10000, where the
/// executor faults (the trace is that of the state at 0x10000, moved).
/// Caught on the call row by the buffer's `(state2 + 256 state3) guard_inv
/// = 1`.
#[test]
fn a_state_in_the_guard_region() {
    let case = state_moved(0xFF38, 0x1_0000);
    case.expect_rejected(Caught::row(Table::KeccakCall.index(), 0));
}

/// A state at 0xBFFF_FF40, whose last two words are in the system region
/// (the trace is that of the state at 0xBFFF_FF38, which ends just below
/// it, moved). Caught by the bytes bus: the buffer's `limit = LAST_WORD -
/// last word` is -2, not a byte-checked value below 2^30.
#[test]
fn a_state_ending_in_the_system_region() {
    let case = state_moved(0xBFFF_FF40, 0xBFFF_FF38);
    case.expect_rejected(Caught::bus(bus::BYTES));
}
