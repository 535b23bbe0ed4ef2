//! SHA256_COMPRESS in the proof: runs that call it prove and verify, with
//! the state the executor (and the `sha2` crate) computes; the calls a proof
//! cannot hold are refused by name.

use ember_abi::{ecall, fd};
use ember_air::Table;
use ember_core::{BufferHost, Exit, Machine, Program, Segment, asm};
use ember_verifier::{Statement, verify};

const CODE: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;

/// SHA-256's initial state, as the ECALL's state words (numbers, LE bytes).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

fn program(words: &[u32], data: &[u8]) -> Program {
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, words),
            Segment::data(DATA, data, 0x2000),
        ],
    )
    .unwrap()
}

/// The IV's words, then `blocks` pseudo-random 64-byte blocks.
fn data(blocks: usize) -> Vec<u8> {
    let mut d: Vec<u8> = IV.iter().flat_map(|w| w.to_le_bytes()).collect();
    d.resize(0x40, 0);
    d.extend((0..64 * blocks).map(|i| (i as u8).wrapping_mul(97).wrapping_add(13)));
    d
}

/// Compressions of `calls` (state address, blocks address, count) in turn,
/// then the state (32 bytes at DATA) to the journal and HALT.
fn sha_program(calls: &[(u32, u32, u32)], blocks: usize) -> Program {
    let mut w = Vec::new();
    for &(state, at, count) in calls {
        w.extend(asm::ecall_with(ecall::SHA256_COMPRESS, [state, at, count]));
    }
    w.extend(asm::ecall_with(ecall::WRITE, [fd::JOURNAL, DATA, 32]));
    w.extend(asm::ecall_with(ecall::HALT, [0, 0, 0]));
    program(&w, &data(blocks))
}

/// Proves and verifies `p` against the executor's claim; returns the journal.
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
    assert!(proof.tables.contains(Table::ShaCall) && proof.tables.contains(Table::ShaRound));
    verify(p, b"", &host.journal, &statement, &proof).unwrap();
    let wrong = Statement {
        cycles: statement.cycles - 68,
        ..statement
    };
    assert!(verify(p, b"", &host.journal, &wrong, &proof).is_err());
    host.journal
}

/// What `sha2` computes from the IV over `data(n)`'s blocks `range`.
fn expected(range: core::ops::Range<usize>, n: usize) -> Vec<u8> {
    let d = data(n);
    let mut state = IV;
    for b in range {
        let block: [u8; 64] = d[0x40 + 64 * b..0x40 + 64 * (b + 1)].try_into().unwrap();
        sha2::compress256(&mut state, &[block.into()]);
    }
    state.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[test]
fn compressions_prove_and_agree_with_sha2() {
    // One call of three blocks.
    let journal = prove_and_verify(&sha_program(&[(DATA, DATA + 0x40, 3)], 3));
    assert_eq!(journal, expected(0..3, 3));
    // Two calls, one block then two: the chain restarts at each call.
    let calls = [(DATA, DATA + 0x40, 1), (DATA, DATA + 0x80, 2)];
    let journal = prove_and_verify(&sha_program(&calls, 3));
    assert_eq!(journal, expected(0..3, 3));
}

/// A block that overlaps the state reads the state before the call, as the
/// executor does.
#[test]
fn a_block_over_the_state_reads_the_old_state() {
    let p = sha_program(&[(DATA, DATA, 2)], 1);
    let journal = prove_and_verify(&p);
    let d = data(1);
    let mut state = IV;
    for b in 0..2 {
        let block: [u8; 64] = d[64 * b..64 * (b + 1)].try_into().unwrap();
        sha2::compress256(&mut state, &[block.into()]);
    }
    assert_eq!(
        journal,
        state
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect::<Vec<_>>()
    );
}

/// A call with no block does nothing the proof can check (the executor
/// accepts it): the prover refuses it by name.
#[test]
fn a_call_with_no_block_is_refused_by_name() {
    let p = sha_program(&[(DATA, DATA + 0x40, 0)], 1);
    let err = ember_prover::prove(&p, b"").err().expect("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this run yet: ECALL SHA256_COMPRESS of 0 blocks at pc 0x0040001c (cycle 7) is not yet covered by Ember's proof"
    );
}

/// More compressions than the round table holds are refused at the call
/// (here with a limit of 2^7 rows: two blocks fit, three do not).
#[test]
fn compressions_past_the_tables_height_are_refused_at_their_call() {
    let p = sha_program(&[(DATA, DATA + 0x40, 3)], 3);
    let err = ember_prover::trace_with_limit(&p, b"", 7)
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this run yet: with the ECALL SHA256_COMPRESS at pc 0x0040001c (cycle 7) its accelerator calls need more than 128 rows of the accelerator's table (64 a SHA-256 block, 24 a Keccak permutation), more than one proof holds"
    );
    let p = sha_program(&[(DATA, DATA + 0x40, 2)], 3);
    assert!(ember_prover::trace_with_limit(&p, b"", 7).is_ok());
}
