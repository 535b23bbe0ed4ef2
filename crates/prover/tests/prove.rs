//! Proofs of small programs, verified; wrong claims rejected.

use ember_air::{Table, TableSet, Val};
use ember_core::{Program, Segment, asm};
use ember_verifier::{Statement, verify};
use p3_field::PrimeCharacteristicRing;

const CODE: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;

fn program(words: &[u32]) -> Program {
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, words),
            Segment::data(DATA, &[1, 2, 3, 4], 0x100),
        ],
    )
    .unwrap()
}

fn halt(code: i32) -> Vec<u32> {
    vec![asm::addi(10, 0, code), asm::addi(5, 0, 0), asm::ecall()]
}

#[test]
fn a_tiny_program_proves_and_verifies() {
    let mut words = vec![asm::addi(1, 0, 5), asm::addi(2, 1, -7), asm::add(3, 1, 2)];
    words.extend(halt(42));
    let p = program(&words);
    let proof = ember_prover::prove(&p, b"").unwrap();
    let statement = Statement {
        status: 0,
        exit_code: 42,
        cycles: 6,
    };
    verify(&p, b"", b"", &statement, &proof.proof).unwrap();
    let wrong = Statement {
        exit_code: 43,
        ..statement
    };
    assert!(verify(&p, b"", b"", &wrong, &proof.proof).is_err());

    // The run uses the ALU and ECALL chips only: the other chips are left out.
    assert_eq!(proof.proof.tables, TableSet::required().with(Table::Alu));
    let at = |t: Table| proof.proof.tables.position(t).unwrap();
    let (memory, alu, io, bytes) = (
        at(Table::Chunk),
        at(Table::Alu),
        at(Table::Io),
        at(Table::Bytes),
    );

    // A table taller than the field allows is refused, not a panic in Plonky3.
    let mut proof = proof;
    let honest = proof.proof.batch.degree_bits.clone();
    proof.proof.batch.degree_bits[memory] = 25;
    let err = verify(&p, b"", b"", &statement, &proof.proof).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the proof's shape is wrong: a table has 2^25 rows, more than 2^23"
    );
    // A chip (or the I/O table) taller than one segment is refused.
    for (table, name) in [(alu, "Alu"), (io, "Io")] {
        proof.proof.batch.degree_bits.clone_from(&honest);
        proof.proof.batch.degree_bits[table] = 23;
        let err = verify(&p, b"", b"", &statement, &proof.proof).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("the proof's shape is wrong: the {name} table has 2^23 rows, more than 2^22")
        );
    }
    // A preprocessed table of another height than the verifier's.
    proof.proof.batch.degree_bits.clone_from(&honest);
    proof.proof.batch.degree_bits[bytes] = 15;
    let err = verify(&p, b"", b"", &statement, &proof.proof).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the proof's shape is wrong: the Bytes table has 2^15 rows, expected 65536"
    );
    proof.proof.batch.degree_bits.clone_from(&honest);
    verify(&p, b"", b"", &statement, &proof.proof).unwrap();

    // The table set: a required table left out, an unknown table, and a set
    // that does not match the proof's tables are refused by shape.
    let honest_set = proof.proof.tables;
    let cases = [
        (
            honest_set.without(Table::Io).bits(),
            "the proof's shape is wrong: the proof's tables 0x5fc1 leave out a required table or name an unknown one",
        ),
        (
            honest_set.bits() | 1 << 30,
            "the proof's shape is wrong: the proof's tables 0x40007fc1 leave out a required table or name an unknown one",
        ),
        (
            honest_set.with(Table::Div).bits(),
            "the proof's shape is wrong: 10 tables, expected 11",
        ),
        (
            honest_set.without(Table::Alu).bits(),
            "the proof's shape is wrong: 10 tables, expected 9",
        ),
    ];
    for (bits, message) in cases {
        proof.proof.tables = TableSet::from_bits(bits).unwrap_or(TableSet::from_raw(bits));
        let err = verify(&p, b"", b"", &statement, &proof.proof).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

/// A proof that leaves out a table its run uses (its rows zeroed, so the
/// prover omits it) does not verify: the execution bus misses those rows.
#[test]
fn a_used_table_left_out_is_rejected() {
    let mut words = vec![asm::addi(1, 0, 5), asm::mul(2, 1, 1)];
    words.extend(halt(0));
    let p = program(&words);
    let (airs, mut traces) = ember_prover::trace(&p, b"").unwrap();
    let statement = Statement {
        status: 0,
        exit_code: 0,
        cycles: 5,
    };
    let honest = ember_prover::prove_traces(&airs, &traces).unwrap();
    assert!(honest.proof.tables.contains(Table::Mul));
    verify(&p, b"", b"", &statement, &honest.proof).unwrap();
    let mul = &mut traces.matrices[Table::Mul.index()];
    mul.values.iter_mut().for_each(|v| *v = Val::ZERO);
    let proof = ember_prover::prove_traces(&airs, &traces).unwrap();
    assert!(!proof.proof.tables.contains(Table::Mul));
    let err = verify(&p, b"", b"", &statement, &proof.proof).unwrap_err();
    assert!(
        matches!(err, ember_verifier::VerifyError::Stark(ref e) if e.contains("Lookup")),
        "{err}"
    );
}

fn prove_and_verify(words: &[u32], data: &[u8]) -> ember_prover::Proof {
    let mut all = words.to_vec();
    all.extend([asm::addi(5, 0, 0), asm::ecall()]);
    let p = Program::from_segments(
        CODE,
        vec![Segment::code(CODE, &all), Segment::data(DATA, data, 0x1000)],
    )
    .unwrap();
    let mut m = ember_core::Machine::new(&p);
    let exit = m.run(&mut ember_core::BufferHost::default()).unwrap();
    let ember_core::Exit::Halted { code } = exit else {
        panic!("{exit:?}")
    };
    let (airs, traces) = ember_prover::trace(&p, b"").unwrap();
    let failures = ember_prover::check_constraints(&airs, &traces);
    assert!(failures.is_empty(), "{failures:?}");
    let proof = ember_prover::prove(&p, b"").unwrap();
    let statement = Statement {
        status: 0,
        exit_code: code,
        cycles: m.cycles(),
    };
    verify(&p, b"", b"", &statement, &proof.proof).unwrap();
    let wrong = Statement {
        exit_code: code ^ 1,
        ..statement
    };
    assert!(verify(&p, b"", b"", &wrong, &proof.proof).is_err());
    proof
}

/// li rd, value (lui + addi).
fn li(rd: u8, value: u32) -> Vec<u32> {
    asm::li(rd, value).to_vec()
}

/// Every instruction the proof covers, on edge values; the result of each
/// is folded into a0 so the exit code depends on all of them.
#[test]
fn every_covered_instruction_on_edge_values() {
    const VALUES: [u32; 7] = [
        0,
        1,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x1234_5678,
        0xfedc_ba98,
    ];
    type R = fn(u8, u8, u8) -> u32;
    let reg_ops: [R; 18] = [
        asm::add,
        asm::sub,
        asm::and,
        asm::or,
        asm::xor,
        asm::slt,
        asm::sltu,
        asm::sll,
        asm::srl,
        asm::sra,
        asm::mul,
        asm::mulh,
        asm::mulhsu,
        asm::mulhu,
        asm::add,
        asm::sub,
        asm::and,
        asm::or,
    ];
    let mut words = Vec::new();
    words.extend(li(10, 0));
    // Every pair, so MIN / -1, x / 0 and the signs all meet.
    for (i, &x) in VALUES.iter().enumerate() {
        for &y in &VALUES {
            words.extend(li(1, x));
            words.extend(li(2, y));
            for op in reg_ops {
                words.push(op(3, 1, 2));
                words.push(asm::xor(10, 10, 3));
                words.push(asm::slli(10, 10, 1));
            }
        }
        let _ = i;
        for shamt in [0, 1, 31] {
            for op in [asm::slli, asm::srli, asm::srai] {
                words.push(op(3, 1, shamt));
                words.push(asm::add(10, 10, 3));
            }
        }
        for imm in [-2048, -1, 0, 1, 2047] {
            type I = fn(u8, u8, i32) -> u32;
            let imm_ops: [I; 6] = [
                asm::addi,
                asm::andi,
                asm::ori,
                asm::xori,
                asm::slti,
                asm::sltiu,
            ];
            for op in imm_ops {
                words.push(op(3, 1, imm));
                words.push(asm::sub(10, 10, 3));
            }
        }
        // Shift by a register amount with high bits set (only the low 5 count).
        words.extend(li(4, 0xffff_ffe1));
        for op in [asm::sll, asm::srl, asm::sra] {
            words.push(op(3, 1, 4));
            words.push(asm::xor(10, 10, 3));
        }
        // Writes to x0 are dropped; x0 reads 0.
        words.push(asm::add(0, 1, 2));
        words.push(asm::add(10, 10, 0));
    }
    prove_and_verify(&words, &[]);
}

/// Loads and stores of every width and lane, with sign and zero extension.
#[test]
fn loads_and_stores_of_every_width() {
    let mut words = Vec::new();
    words.extend(li(1, DATA));
    words.extend(li(2, 0x8281_7f80));
    words.push(asm::sw(2, 0, 1));
    words.extend(li(10, 0));
    type L = fn(u8, u8, i32) -> u32;
    let loads: [(L, i32); 5] = [
        (asm::lb, 1),
        (asm::lbu, 1),
        (asm::lh, 2),
        (asm::lhu, 2),
        (asm::lw, 4),
    ];
    for (op, size) in loads {
        for offset in (0..4).step_by(size as usize) {
            words.push(op(3, 1, offset));
            words.push(asm::xor(10, 10, 3));
            words.push(asm::slli(10, 10, 3));
        }
    }
    // Stores into each lane, then read the word back.
    words.extend(li(2, 0xa5b6_c7d8));
    for (i, store) in [asm::sb, asm::sb, asm::sh, asm::sb].into_iter().enumerate() {
        words.push(store(2, 8 + i as i32, 1));
    }
    words.push(asm::sh(2, 14, 1));
    words.push(asm::lw(3, 1, 8));
    words.push(asm::add(10, 10, 3));
    words.push(asm::lw(3, 1, 12));
    words.push(asm::add(10, 10, 3));
    prove_and_verify(&words, &[9, 8, 7, 6]);
}

/// Branches both ways, JAL and JALR, LUI and AUIPC.
#[test]
fn control_flow() {
    let mut words = vec![asm::addi(10, 0, 0)];
    words.extend(li(1, 0x8000_0000));
    words.extend(li(2, 1));
    type B = fn(u8, u8, i32) -> u32;
    let branches: [B; 6] = [asm::beq, asm::bne, asm::blt, asm::bge, asm::bltu, asm::bgeu];
    for op in branches {
        for (x, y) in [(1, 2), (2, 1), (1, 1)] {
            // Taken: skip the addi.
            words.push(op(x, y, 8));
            words.push(asm::addi(10, 10, 1));
            words.push(asm::slli(10, 10, 1));
        }
    }
    words.push(asm::jal(5, 8));
    words.push(asm::addi(10, 10, 100));
    words.push(asm::auipc(6, 0));
    words.push(asm::jalr(7, 6, 12));
    words.push(asm::addi(10, 10, 100));
    words.push(asm::addi(10, 10, 100));
    words.push(asm::lui(8, 0xabcde000));
    words.push(asm::add(10, 10, 8));
    words.push(asm::sub(10, 10, 7));
    words.push(asm::add(10, 10, 5));
    prove_and_verify(&words, &[]);
}

/// Code above 2^30 cannot be in a proof: both sides refuse the program.
#[test]
fn code_above_the_proof_limit_is_refused_by_both_sides() {
    let high = 0x4000_0000;
    let p = Program::from_segments(high, vec![Segment::code(high, &halt(0))]).unwrap();
    let err = ember_prover::prove(&p, b"").err().expect("refused");
    assert_eq!(
        err.to_string(),
        "cannot prove this program: code ends at 0x4000000c, above the proof's limit 0x40000000"
    );
    let low = program(&halt(0));
    let proof = ember_prover::prove(&low, b"").unwrap();
    let statement = Statement {
        status: 0,
        exit_code: 0,
        cycles: 3,
    };
    assert_eq!(
        verify(&p, b"", b"", &statement, &proof.proof),
        Err(ember_verifier::VerifyError::CodeTooHigh { end: 0x4000_000c })
    );
}

/// A run longer than the recorder's limit (2^10 instructions here, 2^22 in
/// a proof) is refused with its whole length, after the run ends, and the
/// recorder keeps no rows past the limit.
#[test]
fn a_run_longer_than_one_proof_is_refused_with_its_length() {
    // 1 + 2 * 600 + 3 instructions: past 1024.
    let mut words = vec![
        asm::addi(1, 0, 600),
        asm::addi(1, 1, -1),
        asm::bne(1, 0, -4),
    ];
    words.extend(halt(0));
    let p = program(&words);
    let mut recorder = ember_prover::Recorder::with_limit(&p, b"", 10).unwrap();
    let mut machine = ember_core::Machine::new(&p);
    let mut host = ember_core::BufferHost::with_input(b"");
    let result = machine.run_observed(&mut host, &mut recorder);
    assert_eq!(machine.cycles(), 1204);
    let refused = recorder.finish(&result, machine.cycles());
    let Err(err) = refused else {
        panic!("a run past the limit was not refused")
    };
    assert!(
        matches!(
            err,
            ember_prover::ProveError::TooLong {
                cycles: 1204,
                limit: 1024
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cannot prove this run yet: it took 1204 cycles, and one proof holds at most 1024 \
         instructions (prove it in segments, as ember prove does)"
    );
    // The same run under the limit proves.
    let proof = ember_prover::prove(&p, b"").unwrap();
    let statement = Statement {
        status: 0,
        exit_code: 0,
        cycles: 1204,
    };
    verify(&p, b"", b"", &statement, &proof.proof).unwrap();
}

/// A run that does not end is stopped at the prover's own cycle limit
/// (twice the instructions one proof holds) and refused as longer than
/// that: the limit is never printed as if it were the run's length.
#[test]
fn an_endless_run_is_refused_as_more_than_the_cycles_it_ran() {
    // An endless loop: `j .`.
    let p = program(&[asm::jal(0, 0)]);
    let err = match ember_prover::trace_with_limit(&p, b"", 10) {
        Err(err) => err,
        Ok(_) => panic!("an endless run was not refused"),
    };
    assert!(
        matches!(
            err,
            ember_prover::ProveError::TooLongStopped {
                cycles: 2048,
                limit: 1024
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cannot prove this run yet: it ran more than 2048 cycles (it was stopped there), and one \
         proof holds at most 1024 instructions (prove it in segments, as ember prove does)"
    );
}

/// The `small` parameter set: its proof verifies, is smaller than the
/// `fast` set's, and names its set; a proof passed off as the other set's
/// is rejected; a table taller than the set allows is refused before
/// proving.
#[test]
fn each_parameter_set_proves_and_names_itself() {
    use ember_air::Params;
    let mut words = vec![asm::addi(1, 0, 5), asm::mul(3, 1, 1)];
    words.extend(halt(25));
    let p = program(&words);
    let statement = Statement {
        status: 0,
        exit_code: 25,
        cycles: 5,
    };
    let fast = ember_prover::prove_with(&p, b"", Params::Fast).unwrap();
    let small = ember_prover::prove_with(&p, b"", Params::Small).unwrap();
    assert_eq!(fast.proof.params, Params::Fast);
    assert_eq!(small.proof.params, Params::Small);
    let size = |proof: &ember_air::EmberProof| postcard::to_allocvec(proof).unwrap().len();
    let (fast_size, small_size) = (size(&fast.proof), size(&small.proof));
    eprintln!("fast {fast_size} bytes, small {small_size} bytes");
    assert!(
        small_size * 3 < fast_size * 2,
        "{small_size} against {fast_size}"
    );
    let proven = ember_prover::prove_with(&p, b"", Params::Proven).unwrap();
    assert_eq!(proven.proof.params, Params::Proven);
    // 110 queries against 50 at the same blowup.
    assert!(size(&proven.proof) > 2 * small_size);
    let proofs = [fast, small, proven];
    for proof in &proofs {
        verify(&p, b"", b"", &statement, &proof.proof).unwrap();
    }
    // Each proof checked as every other set's.
    for proof in &proofs {
        for other in Params::ALL.into_iter().filter(|&s| s != proof.proof.params) {
            let mut relabelled: ember_air::EmberProof =
                postcard::from_bytes(&postcard::to_allocvec(&proof.proof).unwrap()).unwrap();
            relabelled.params = other;
            let err = verify(&p, b"", b"", &statement, &relabelled).unwrap_err();
            assert!(
                matches!(err, ember_verifier::VerifyError::Stark(_)),
                "{:?} as {other:?}: {err}",
                proof.proof.params
            );
        }
    }
    // The set's table limit: 2^22 rows in `small`, checked before proving.
    let (airs, mut traces) = ember_prover::trace(&p, b"").unwrap();
    let program = Table::Program.index();
    traces.matrices[program] = p3_matrix::dense::RowMajorMatrix::new(vec![Val::ZERO; 1 << 23], 1);
    let Err(err) = ember_prover::prove_traces_with(&airs, &traces, Params::Small) else {
        panic!("a 2^23-row table proven in the `small` set");
    };
    assert_eq!(
        err.to_string(),
        "cannot prove this run with the parameter set `small`: its Program table has 8388608 \
         rows, more than the 2^22 it allows (try `--params fast`)"
    );
}

/// The input's and journal's SHA-256 digests (the claim's) are public
/// values, absorbed into the transcript before any challenge: a proof is
/// bound to its data's bytes, not only to what the data table's periodic
/// columns give at the out-of-domain point (see `ember_air::public`).
#[test]
fn the_data_digests_are_public_values() {
    use ember_air::public::{digest_limbs, index};
    use ember_core::Digest;
    let statement = Statement {
        status: 0,
        exit_code: 0,
        cycles: 10,
    };
    let roots = [[Val::ONE; 8], [Val::TWO; 8]];
    let end = ember_air::set::SegmentEnd {
        pc: 0,
        clk: 0,
        cycles: 10,
        input_pos: 5,
        journal_pos: 7,
        root: roots[1],
        ended: true,
    };
    let pv = |input: &[u8], journal: &[u8]| {
        ember_verifier::public_values(input, journal, &statement, CODE, roots[0], &end).unwrap()
    };
    let honest = pv(b"input", b"journal");
    let limbs = |at: usize| honest[at..at + 16].to_vec();
    assert_eq!(
        limbs(index::INPUT_DIGEST),
        digest_limbs::<Val>(&Digest::of(&[b"input"]).0)
    );
    assert_eq!(
        limbs(index::JOURNAL_DIGEST),
        digest_limbs::<Val>(&Digest::of(&[b"journal"]).0)
    );
    // Another journal or input of the same length: other public values.
    assert_ne!(honest, pv(b"input", b"journaM"));
    assert_ne!(honest, pv(b"inpuT", b"journal"));
    // The memory tree's roots are public values too.
    assert_eq!(honest[index::ROOT_IN..index::ROOT_IN + 8], roots[0]);
    assert_eq!(honest[index::ROOT_OUT..index::ROOT_OUT + 8], roots[1]);
}
