//! Commitments against vectors computed independently (Python's hashlib, a
//! recursive definition of the tree) for SPEC §6.

use ember_core::commit::{TREE_DEPTH, memory_root, merkle_root};
use ember_core::{BufferHost, Claim, Digest, Exit, Machine, asm};

use crate::common::*;

fn hex(d: Digest) -> String {
    d.to_hex()
}

#[test]
fn empty_memory_root() {
    assert_eq!(TREE_DEPTH, 20);
    assert_eq!(
        hex(merkle_root(TREE_DEPTH, [])),
        "e6c95caa383f3eccf188713df9713591a9965fd1134617a568245ef5ad90de1f"
    );
}

#[test]
fn tiny_image_root_id_and_claim() {
    // addi a0, zero, 7; addi t0, zero, 0; ecall
    let words = [asm::addi(A0, 0, 7), asm::addi(T0, 0, 0), asm::ecall()];
    let p = ember_core::Program::from_segments(CODE, vec![ember_core::Segment::code(CODE, &words)])
        .unwrap();
    let m = Machine::new(&p);
    assert_eq!(
        hex(memory_root(m.memory())),
        "22b117012543377ccacebaf34627e6a8addae5d2257b7a9eec92d01df94c04b6"
    );
    assert_eq!(
        hex(p.image_id()),
        "be04e53714630a4191b69202a1abef001a074c7ae46efbd3d14cc1650cc52ca6"
    );
    let mut m = Machine::new(&p);
    let exit = m.run(&mut BufferHost::default()).unwrap();
    assert_eq!(exit, Exit::Halted { code: 7 });
    let claim = Claim::new(p.image_id(), b"", b"", &exit, m.cycles());
    assert_eq!(
        hex(claim.digest()),
        "53074b8a36c8024f1f1bf45bf4e0e99d1840c06a3160413fd16d87601fa8b2df"
    );
}

#[test]
fn the_image_id_depends_on_every_byte_and_the_entry() {
    let base = [asm::addi(A0, 0, 7), asm::addi(T0, 0, 0), asm::ecall()];
    let id = |words: &[u32], data: &[u8], entry: u32| {
        ember_core::Program::from_segments(
            entry,
            vec![
                ember_core::Segment::code(CODE, words),
                ember_core::Segment::data(DATA, data, 0x100),
            ],
        )
        .unwrap()
        .image_id()
    };
    let a = id(&base, b"x", CODE);
    assert_eq!(a, id(&base, b"x", CODE));
    assert_ne!(a, id(&base, b"y", CODE));
    assert_ne!(a, id(&base, b"x", CODE + 4));
    let mut other = base;
    other[0] = asm::addi(A0, 0, 8);
    assert_ne!(a, id(&other, b"x", CODE));
}
