//! Proofs of runs that use every ECALL but the accelerators (`sha.rs` and
//! `keccak.rs` have them): each run is
//! proven and verified against the executor's own claim (status, exit code,
//! cycles, journal), and changed claims, journals and inputs are rejected.

use ember_abi::{ecall, fd};
use ember_core::{BufferHost, Exit, Machine, Program, Segment, asm};
use ember_verifier::{Statement, VerifyError, verify};

const CODE: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;

/// `t0 = number; ecall`.
fn call(number: u32) -> [u32; 2] {
    [asm::addi(5, 0, number as i32), asm::ecall()]
}

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

/// What the executor says the run did.
struct Run {
    statement: Statement,
    journal: Vec<u8>,
    host: BufferHost,
}

fn execute(p: &Program, input: &[u8]) -> Run {
    let mut m = Machine::new(p);
    let mut host = BufferHost::with_input(input);
    let exit = m.run(&mut host).unwrap();
    let (status, exit_code) = match exit {
        Exit::Halted { code } => (0, code),
        Exit::Panicked { .. } => (1, 0),
    };
    Run {
        statement: Statement {
            status,
            exit_code,
            cycles: m.cycles(),
        },
        journal: host.journal.clone(),
        host,
    }
}

/// Proves `p` on `input`, verifies it against the executor's claim, and
/// checks that changed claims are rejected. Returns the executor's run.
fn prove_and_verify(p: &Program, input: &[u8]) -> Run {
    let run = execute(p, input);
    let (airs, traces) = ember_prover::trace(p, input).unwrap();
    let failures = ember_prover::check_constraints(&airs, &traces);
    assert!(failures.is_empty(), "{failures:?}");
    let proof = ember_prover::prove(p, input).unwrap().proof;
    verify(p, input, &run.journal, &run.statement, &proof).unwrap();

    let rejected = |input: &[u8], journal: &[u8], statement: Statement| {
        let result = verify(p, input, journal, &statement, &proof);
        assert!(
            matches!(result, Err(VerifyError::Stark(_) | VerifyError::Shape(_))),
            "{result:?}: input {input:?}, journal {journal:?}, {statement:?}"
        );
    };
    let s = run.statement;
    rejected(
        input,
        &run.journal,
        Statement {
            cycles: s.cycles + 1,
            ..s
        },
    );
    rejected(
        input,
        &run.journal,
        Statement {
            cycles: s.cycles - 1,
            ..s
        },
    );
    rejected(
        input,
        &run.journal,
        Statement {
            status: s.status ^ 1,
            ..s
        },
    );
    rejected(
        input,
        &run.journal,
        Statement {
            exit_code: s.exit_code ^ 1,
            ..s
        },
    );
    // A journal with one byte more, one less, or one changed.
    let mut longer = run.journal.clone();
    longer.push(0);
    rejected(input, &longer, s);
    if let Some((&last, rest)) = run.journal.split_last() {
        rejected(input, rest, s);
        let mut changed = rest.to_vec();
        changed.push(last ^ 1);
        rejected(input, &changed, s);
    }
    // The input, changed where it was read, or one byte longer.
    if !input.is_empty() && run.host.input_pos > 0 {
        let mut changed = input.to_vec();
        changed[0] ^= 0x80;
        rejected(&changed, &run.journal, s);
    }
    let mut longer = input.to_vec();
    longer.push(7);
    rejected(&longer, &run.journal, s);
    run
}

/// READ into an unaligned buffer, echo it to the journal from another
/// unaligned offset, print to stdout and stderr, and return what
/// INPUT_REMAINING and CYCLE_COUNT said.
#[test]
fn read_write_and_queries_prove() {
    let mut w = Vec::new();
    // READ 11 bytes to DATA + 3 (words 0..=3 of the buffer, partial ends).
    w.extend(asm::ecall_with(ecall::READ, [fd::INPUT, DATA + 3, 11]));
    w.push(asm::add(20, 10, 0)); // bytes read
    w.extend(asm::ecall_with(ecall::INPUT_REMAINING, [fd::INPUT, 0, 0]));
    w.push(asm::add(21, 10, 0));
    // Journal: bytes 2..11 of what was read (DATA + 5, 9 bytes), then 1 byte.
    w.extend(asm::ecall_with(ecall::WRITE, [fd::JOURNAL, DATA + 5, 9]));
    w.extend(asm::ecall_with(ecall::WRITE, [fd::JOURNAL, DATA + 3, 1]));
    w.extend(asm::ecall_with(ecall::WRITE, [fd::STDOUT, DATA + 0x100, 6]));
    w.extend(asm::ecall_with(ecall::WRITE, [fd::STDERR, DATA + 0x101, 2]));
    // Empty buffers anywhere are fine.
    w.extend(asm::ecall_with(ecall::WRITE, [fd::JOURNAL, 0, 0]));
    w.extend(asm::ecall_with(ecall::READ, [fd::INPUT, 0xffff_fff0, 0]));
    // READ past the input's end: only what is left.
    w.extend(asm::ecall_with(ecall::READ, [fd::INPUT, DATA + 0x200, 64]));
    w.push(asm::add(22, 10, 0));
    w.extend(asm::ecall_with(ecall::READ, [fd::INPUT, DATA + 0x300, 8]));
    w.push(asm::add(23, 10, 0));
    w.extend(call(ecall::CYCLE_COUNT));
    w.push(asm::add(24, 10, 0));
    w.push(asm::add(25, 11, 0));
    // Exit code: n1 + 256 remaining + 65536 n2 + 2^24 n3 ... mixed with the cycles.
    w.extend([
        asm::slli(21, 21, 8),
        asm::slli(22, 22, 16),
        asm::slli(23, 23, 24),
        asm::add(10, 20, 21),
        asm::add(10, 10, 22),
        asm::add(10, 10, 23),
        asm::xor(10, 10, 24),
        asm::add(10, 10, 25),
    ]);
    w.extend(call(ecall::HALT));
    let mut data = vec![0u8; 0x200];
    data[0x100..0x106].copy_from_slice(b"hello\n");
    let input: Vec<u8> = (1..=20).collect();
    let p = program(&w, &data);
    let run = prove_and_verify(&p, &input);
    assert_eq!(run.host.input_pos, 20);
    assert_eq!(run.journal, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1]);
    assert_eq!(run.host.stdout, b"hello\n");
    assert_eq!(run.host.stderr, b"el");
    // The CYCLE_COUNT read is covered by the exit code the proof attests.
    assert_ne!(run.statement.exit_code, 0);
}

/// A journal written a byte at a time and a word at a time, aligned.
#[test]
fn journal_writes_of_every_alignment_prove() {
    let mut w = Vec::new();
    for (offset, len) in [
        (0, 4),
        (1, 1),
        (2, 2),
        (3, 1),
        (1, 3),
        (0, 9),
        (2, 7),
        (3, 5),
    ] {
        w.extend(asm::ecall_with(
            ecall::WRITE,
            [fd::JOURNAL, DATA + offset, len],
        ));
    }
    w.extend(asm::ecall_with(ecall::HALT, [0, 0, 0]));
    let data: Vec<u8> = (0..16).map(|i| 0xa0 + i).collect();
    let run = prove_and_verify(&program(&w, &data), b"");
    assert_eq!(run.journal.len(), 32);
}

/// PANIC ends the run with status 1 and exit code 0; its message buffer is
/// read (and must be valid), the journal so far is the claim's.
#[test]
fn a_panic_proves_with_status_1() {
    let mut w = asm::ecall_with(ecall::WRITE, [fd::JOURNAL, DATA, 2]);
    w.extend(asm::ecall_with(ecall::PANIC, [DATA + 1, 5, 0]));
    let run = prove_and_verify(&program(&w, b"oops!!"), b"");
    assert_eq!(run.statement.status, 1);
    assert_eq!(run.journal, b"oo");
}

/// A buffer of 16 MiB or more (here an empty READ: nothing left to read, so
/// it costs nothing) is too long for the I/O table's byte counter: the
/// prover says so by name; the executor ran it.
#[test]
fn a_buffer_of_16_mib_is_refused_with_its_length() {
    let mut w = asm::ecall_with(ecall::READ, [fd::INPUT, DATA, 1 << 24]);
    w.extend(call(ecall::HALT));
    let p = program(&w, b"");
    assert_eq!(execute(&p, b"").statement.status, 0);
    let err = ember_prover::prove(&p, b"").err().expect("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this run: ECALL READ at pc 0x0040001c (cycle 7) has a 16777216-byte buffer; a proof holds buffers below 16 MiB"
    );
}

/// The verifier refuses an input or a journal longer than a proof holds
/// before it looks at the proof.
#[test]
fn an_input_or_journal_over_4_mib_is_refused_by_the_verifier() {
    let p = program(&call(ecall::HALT), b"");
    let run = execute(&p, b"");
    let proof = ember_prover::prove(&p, b"").unwrap().proof;
    let long = vec![0u8; (1 << 22) + 1];
    assert_eq!(
        verify(&p, &long, b"", &run.statement, &proof),
        Err(VerifyError::DataTooLong {
            what: "input",
            len: long.len()
        })
    );
    assert_eq!(
        verify(&p, b"", &long, &run.statement, &proof)
            .unwrap_err()
            .to_string(),
        "the journal has 4194305 bytes, more than a proof holds (2^22 bytes)"
    );
}

/// The prover refuses what the verifier would refuse, before proving: an
/// input over 4 MiB before the run (and before any table is built from it).
#[test]
fn an_input_over_4_mib_is_refused_before_the_run() {
    let p = program(&call(ecall::HALT), b"");
    let input = vec![7u8; (1 << 22) + 1];
    let err = ember_prover::Recorder::new(&p, &input)
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this run: the input has 4194305 bytes, and one proof holds at most 4194304 bytes of input"
    );
    assert!(
        ember_prover::Recorder::new(&p, &input[1..]).is_ok(),
        "4 MiB exactly fits"
    );
    // The verifier's limit is the same one.
    assert_eq!(ember_verifier::MAX_LOG_DATA, 22);
}

/// A journal over 4 MiB: the run is recorded, and refused before proving.
#[test]
fn a_journal_over_4_mib_is_refused_before_proving() {
    let len = (1 << 22) + 1;
    let mut w = asm::ecall_with(ecall::WRITE, [fd::JOURNAL, DATA, len]);
    w.extend(call(ecall::HALT));
    let p = program(&w, b"");
    assert_eq!(execute(&p, b"").journal.len(), len as usize);
    let err = ember_prover::prove(&p, b"").err().expect("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this run: the journal has 4194305 bytes, and one proof holds at most 4194304 bytes of journal"
    );
}

/// The I/O table holds as many rows as a chip: the ECALL that would pass
/// that is named, and nothing more is recorded (here with a limit of 2^10
/// rows: a 5000-byte WRITE needs 1251).
#[test]
fn io_past_the_tables_height_is_refused_at_its_ecall() {
    let mut w = asm::ecall_with(ecall::WRITE, [fd::STDOUT, DATA, 5000]);
    w.extend(call(ecall::HALT));
    let p = program(&w, b"");
    let err = ember_prover::trace_with_limit(&p, b"", 10)
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this run yet: with the ECALL at pc 0x0040001c (cycle 7) its ECALLs need more than 1024 rows of the I/O table (a header per ECALL, a row per buffer word), more than one proof holds"
    );
    // 4000 bytes (1000 words) fit.
    let mut w = asm::ecall_with(ecall::WRITE, [fd::STDOUT, DATA, 4000]);
    w.extend(call(ecall::HALT));
    assert!(ember_prover::trace_with_limit(&program(&w, b""), b"", 10).is_ok());
}

/// More cycles than a proof holds (the verifier refuses such a claim) are
/// refused by the recorder.
#[test]
fn more_cycles_than_a_proof_holds_are_refused() {
    let p = program(&call(ecall::HALT), b"");
    let mut recorder = ember_prover::Recorder::new(&p, b"").unwrap();
    let mut host = BufferHost::default();
    let result = Machine::new(&p).run_observed(&mut host, &mut recorder);
    let limit = ember_air::chips::MAX_CYCLES;
    let err = recorder.finish(&result, limit + 1).err().expect("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this run yet: it took 8388609 cycles, and one proof holds at most 8388608 cycles"
    );
}
