//! Random programs from the differential tests' generator
//! ([`ember_testkit::programs`], [`Flavour::Provable`]: every RV32IM
//! instruction but EBREAK, loads and stores on random data, forward and
//! backward branches, and every ECALL but SHA256_COMPRESS) proven and verified against the executor's claim;
//! the same proof must reject a wrong exit code and a wrong journal. A run
//! that faults has no claim: the prover must refuse it with the executor's
//! fault.
//!
//! 100 programs of 1 to 99 ops (after a 62-instruction prologue) from
//! proptest's fixed deterministic seed, about 40 s in the dev profile on a
//! loaded 2-core machine: 55 runs proven (47 halted, 8 panicked; 5,114
//! instructions, 1,704 of them past the prologue), covering all 46 RV32IM
//! instructions but ECALL and EBREAK and all eight ECALL kinds (READ,
//! WRITE to stdout, stderr and the journal, INPUT_REMAINING, CYCLE_COUNT,
//! HALT, PANIC); 12 faults refused (bad fd, unknown ECALL, misaligned
//! access); 33 runs loop past [`CYCLE_LIMIT`] and are left out.

use std::cell::RefCell;
use std::collections::BTreeSet;

use ember_abi::{ecall, fd};
use ember_core::{
    BufferHost, EcallStep, Exit, Fault, FaultKind, Machine, Observer, Program, Step, asm,
};
use ember_prover::{Proof, ProveError};
use ember_testkit::DATA;
use ember_testkit::programs::{self, BASE_REG, Flavour, Op, SplitMix, WINDOW, assemble, op};
use ember_verifier::{Statement, VerifyError, verify};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Runs longer than this (loops) are not proven: the prover has no cycle
/// limit of its own short of a full-height trace, too slow for this test.
const CYCLE_LIMIT: u64 = 4096;
const PROGRAMS: u32 = 100;

/// One random program: random registers (set by a prologue, since a proof
/// starts from `Machine::new`), the ops, and a closing HALT with whatever
/// `a0` holds; a data window of random words; some input.
struct Case {
    program: Program,
    input: Vec<u8>,
}

impl Case {
    fn new(ops: &[Op], seed: u64) -> Case {
        let mut rng = SplitMix(seed);
        let mut words = Vec::new();
        for rd in 1..BASE_REG {
            words.extend(asm::li(rd, rng.value()));
        }
        words.extend(asm::li(BASE_REG, DATA + WINDOW / 2));
        words.extend(assemble(ops, Flavour::Provable));
        words.extend([asm::addi(5, 0, ecall::HALT as i32), asm::ecall()]);
        let data: Vec<u8> = (0..WINDOW / 4)
            .flat_map(|_| rng.value().to_le_bytes())
            .collect();
        let input = (0..rng.next_u32() % 100).map(|i| i as u8 ^ 0x5a).collect();
        let program = programs::program(&words, &data);
        Case { program, input }
    }
}

/// What a run exercised: instructions by variant, ECALLs by number (and fd
/// for WRITE).
#[derive(Default)]
struct Coverage {
    instructions: BTreeSet<String>,
    ecalls: BTreeSet<(u32, u32)>,
}

impl Observer for Coverage {
    fn step(&mut self, s: &Step) {
        let debug = format!("{:?}", s.insn);
        let name = debug.split([' ', '{']).next().unwrap_or_default();
        self.instructions.insert(name.to_owned());
    }

    fn ecall(&mut self, e: &EcallStep<'_>) {
        let fd = if e.number == ecall::WRITE {
            e.args[0]
        } else {
            0
        };
        self.ecalls.insert((e.number, fd));
    }
}

/// Totals over the whole test.
#[derive(Default)]
struct Tally {
    proven: Coverage,
    instructions: u64,
    proven_instructions: u64,
    halted: u32,
    panicked: u32,
    faults: BTreeSet<String>,
    faulted: u32,
    looped: u32,
}

/// The executor's claim for a run that ended.
struct Claim {
    statement: Statement,
    journal: Vec<u8>,
}

fn rejected(p: &Program, input: &[u8], journal: &[u8], s: &Statement, proof: &Proof) {
    let result = verify(p, input, journal, s, &proof.proof);
    assert!(
        matches!(result, Err(VerifyError::Stark(_) | VerifyError::Shape(_))),
        "{result:?}: journal {journal:?}, {s:?}"
    );
}

/// Runs the case on the executor, then proves and verifies it (or checks
/// the prover refuses the fault); adds what it did to `tally`.
fn check(case: &Case, tally: &mut Tally) {
    let (p, input) = (&case.program, &case.input[..]);
    let mut m = Machine::new(p);
    m.set_cycle_limit(CYCLE_LIMIT);
    let mut host = BufferHost::with_input(input);
    let mut seen = Coverage::default();
    let result = m.run_observed(&mut host, &mut seen);
    tally.instructions += m.instructions();
    let claim = match result {
        Err(Fault {
            kind: FaultKind::CycleLimitExceeded { .. },
            ..
        }) => {
            tally.looped += 1;
            return;
        }
        Err(fault) => {
            match ember_prover::prove(p, input) {
                Err(ProveError::Fault(f)) => assert_eq!(f, fault),
                Err(e) => panic!("the executor faulted with {fault}; the prover said {e}"),
                Ok(_) => panic!("the executor faulted with {fault}; the prover proved the run"),
            }
            let debug = format!("{:?}", fault.kind);
            let name = debug.split([' ', '{', '(']).next().unwrap_or_default();
            tally.faults.insert(name.to_owned());
            tally.faulted += 1;
            return;
        }
        Ok(Exit::Halted { code }) => {
            tally.halted += 1;
            Claim {
                statement: Statement {
                    status: 0,
                    exit_code: code,
                    cycles: m.cycles(),
                },
                journal: host.journal,
            }
        }
        Ok(Exit::Panicked { .. }) => {
            tally.panicked += 1;
            Claim {
                statement: Statement {
                    status: 1,
                    exit_code: 0,
                    cycles: m.cycles(),
                },
                journal: host.journal,
            }
        }
    };
    let proof = match ember_prover::prove(p, input) {
        Ok(proof) => proof,
        Err(e) => panic!("the executor's run did not prove: {e}"),
    };
    let (s, journal) = (&claim.statement, &claim.journal[..]);
    if let Err(e) = verify(p, input, journal, s, &proof.proof) {
        panic!("the proof of the executor's run did not verify: {e}");
    }
    let wrong_code = Statement {
        exit_code: s.exit_code ^ 1,
        ..*s
    };
    rejected(p, input, journal, &wrong_code, &proof);
    let mut longer = journal.to_vec();
    longer.push(0);
    rejected(p, input, &longer, s, &proof);
    if let Some((&last, rest)) = journal.split_last() {
        let mut changed = rest.to_vec();
        changed.push(last ^ 1);
        rejected(p, input, &changed, s, &proof);
    }
    tally.proven_instructions += m.instructions();
    tally.proven.instructions.append(&mut seen.instructions);
    tally.proven.ecalls.append(&mut seen.ecalls);
}

#[test]
fn random_programs_prove_and_verify() {
    let config = Config {
        cases: PROGRAMS,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let tally = RefCell::new(Tally::default());
    let strategy = (proptest::collection::vec(op(), 1..100), any::<u64>());
    runner
        .run(&strategy, |(ops, seed)| {
            check(&Case::new(&ops, seed), &mut tally.borrow_mut());
            Ok(())
        })
        .unwrap();
    let t = tally.into_inner();
    eprintln!(
        "random proofs: {PROGRAMS} programs, {} instructions ({} in proven runs); {} halted and {} panicked, proven; {} faulted ({}), refused; {} looped",
        t.instructions,
        t.proven_instructions,
        t.halted,
        t.panicked,
        t.faulted,
        t.faults.iter().cloned().collect::<Vec<_>>().join(", "),
        t.looped,
    );
    assert!(t.halted + t.panicked > PROGRAMS / 3 && t.faulted > 0);
    // Every RV32IM instruction but ECALL (counted by kind below) and EBREAK
    // (which Provable leaves out), and every ECALL the proof covers, ran in
    // some proven run.
    assert_eq!(
        t.proven.instructions.len(),
        46,
        "{:?}",
        t.proven.instructions
    );
    let all_ecalls = [
        (ecall::HALT, 0),
        (ecall::READ, 0),
        (ecall::WRITE, fd::STDOUT),
        (ecall::WRITE, fd::STDERR),
        (ecall::WRITE, fd::JOURNAL),
        (ecall::INPUT_REMAINING, 0),
        (ecall::CYCLE_COUNT, 0),
        (ecall::PANIC, 0),
    ];
    for kind in all_ecalls {
        assert!(t.proven.ecalls.contains(&kind), "{kind:?} never proven");
    }
}
