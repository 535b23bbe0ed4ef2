//! KECCAK_PERMUTE in the proof: runs that call it prove and verify, with
//! the state `tiny-keccak` computes; what a proof cannot hold is refused.

use ember_abi::{ecall, fd};
use ember_air::Table;
use ember_core::{BufferHost, Exit, Machine, Program, Segment, asm};
use ember_verifier::{Statement, verify};

const CODE: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;

/// 400 pseudo-random bytes: two states.
fn data() -> Vec<u8> {
    (0..400u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// Permutations of the states at `states`, in turn; the first `journal`
/// bytes to the journal; HALT.
fn keccak_program(states: &[u32], journal: u32) -> Program {
    let mut w = Vec::new();
    for &s in states {
        w.extend(asm::ecall_with(ecall::KECCAK_PERMUTE, [s, 0, 0]));
    }
    w.extend(asm::ecall_with(ecall::WRITE, [fd::JOURNAL, DATA, journal]));
    w.extend(asm::ecall_with(ecall::HALT, [0, 0, 0]));
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, &w),
            Segment::data(DATA, &data(), 0x1000),
        ],
    )
    .unwrap()
}

/// `tiny-keccak`'s permutation of the 200 bytes at `at` in `bytes`.
fn permute(bytes: &mut [u8], at: usize) {
    let mut lanes = [0u64; 25];
    for (i, lane) in lanes.iter_mut().enumerate() {
        *lane = u64::from_le_bytes(bytes[at + 8 * i..at + 8 * i + 8].try_into().unwrap());
    }
    tiny_keccak::keccakf(&mut lanes);
    for (i, lane) in lanes.iter().enumerate() {
        bytes[at + 8 * i..at + 8 * i + 8].copy_from_slice(&lane.to_le_bytes());
    }
}

fn prove_and_verify(p: &Program) -> Vec<u8> {
    let mut m = Machine::new(p);
    let mut host = BufferHost::default();
    assert_eq!(m.run(&mut host).unwrap(), Exit::Halted { code: 0 });
    let statement = Statement {
        status: 0,
        exit_code: 0,
        cycles: m.cycles(),
    };
    let (airs, traces) = ember_prover::trace(p, b"").unwrap();
    let failures = ember_prover::check_constraints(&airs, &traces);
    assert!(failures.is_empty(), "{failures:?}");
    let proof = ember_prover::prove(p, b"").unwrap().proof;
    for t in [Table::KeccakCall, Table::KeccakPerm, Table::KeccakLane] {
        assert!(proof.tables.contains(t), "{t:?}");
    }
    assert!(!proof.tables.contains(Table::ShaRound));
    verify(p, b"", &host.journal, &statement, &proof).unwrap();
    let wrong = Statement {
        cycles: statement.cycles - 100,
        ..statement
    };
    assert!(verify(p, b"", &host.journal, &wrong, &proof).is_err());
    let mut other = host.journal.clone();
    other[17] ^= 1;
    assert!(verify(p, b"", &other, &statement, &proof).is_err());
    host.journal
}

#[test]
fn permutations_prove_and_agree_with_tiny_keccak() {
    // The first state twice, then the second (overlapping the first by 100
    // bytes): three permutations, each from what the one before left.
    let journal = prove_and_verify(&keccak_program(&[DATA, DATA, DATA + 100], 400));
    let mut want = data();
    permute(&mut want, 0);
    permute(&mut want, 0);
    permute(&mut want, 100);
    assert_eq!(journal, want);
}

/// More permutations than the table holds are refused at their call (here
/// with a limit of 2^6 rows: two permutations of 24 fit, three do not; the
/// recorder alone, since the prover's own run would stop at 2^7 cycles).
#[test]
fn permutations_past_the_tables_height_are_refused_at_their_call() {
    let record = |states: &[u32]| {
        let p = keccak_program(states, 4);
        let mut recorder = ember_prover::Recorder::with_limit(&p, b"", 6).unwrap();
        let mut m = Machine::new(&p);
        let result = m.run_observed(&mut BufferHost::default(), &mut recorder);
        recorder.finish(&result, m.cycles()).map(|_| ())
    };
    let err = record(&[DATA, DATA, DATA]).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this run yet: with the ECALL KECCAK_PERMUTE at pc 0x0040005c (cycle 223) its accelerator calls need more than 64 rows of the accelerator's table (64 a SHA-256 block, 24 a Keccak permutation), more than one proof holds"
    );
    assert!(record(&[DATA, DATA]).is_ok());
}
