//! The tamper suite: each case takes an honest trace of a small program,
//! changes it the way a cheating prover would (and, for a balanced cheat,
//! re-counts the lookup tables and fixes the memory boundary so that only
//! the targeted check is left), proves it, and expects the verifier to
//! reject it. Each case names the constraint or bus that catches it, and the
//! audit (see `witness`) checks that claim before the proof is made.

mod witness;

use ember_air::bus;
use ember_air::cpu::slot;
use ember_air::ops::Op;
use ember_air::table::CPU;
use ember_core::asm::*;
use witness::{Case, Caught, DATA, bytes, f, halt, program, word_addr};

const A0: u8 = 10;

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
    let row = case.row_at(witness::CODE + 8);
    case.set_word(row, case.c.c, 13);
    case.set_word(row, case.c.z, 13);
    case.claim_exit(13);
    case.rebalance();
    case.expect_rejected(Caught::row(CPU, row));
}
