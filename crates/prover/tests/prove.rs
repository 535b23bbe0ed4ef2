//! Proofs of small programs, verified; wrong claims rejected.

use ember_core::{Program, Segment, asm};
use ember_verifier::{Statement, verify};

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
}
