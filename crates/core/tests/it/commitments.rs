//! Commitments (ABI v1) against vectors computed independently (Python's
//! hashlib, a recursive definition of the tree; `docs/image_id.py`).

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
        "b2ced13b0cd228a7607d2be303fd0114cd618f4e7ff94eb76d900287ebe0f09e"
    );
    let mut m = Machine::new(&p);
    let exit = m.run(&mut BufferHost::default()).unwrap();
    assert_eq!(exit, Exit::Halted { code: 7 });
    let claim = Claim::new(p.image_id(), b"", b"", &exit, m.cycles());
    assert_eq!(
        hex(claim.digest()),
        "06b6049abcf0ee69bdb76d77c9d1f8f7a1c81894c13db8dc7f07d3399f181a9c"
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

/// ABI v1: the image ID binds which ranges may execute. The same bytes with
/// a data segment marked R+X in one file and RW in the other are two
/// programs (a jump there runs under one and faults under the other), so
/// they get two IDs.
#[test]
fn the_image_id_binds_the_executable_ranges() {
    let code = [asm::jal(0, 0x100)];
    let data = [asm::addi(A0, 0, 7), asm::addi(T0, 0, 0), asm::ecall()];
    let program = |executable: bool| {
        let mut second = ember_core::Segment::code(CODE + 0x100, &data);
        second.executable = executable;
        second.writable = !executable;
        ember_core::Program::from_segments(
            CODE,
            vec![ember_core::Segment::code(CODE, &code), second],
        )
        .unwrap()
    };
    let (rx, rw) = (program(true), program(false));
    let bytes = |p: &ember_core::Program| memory_root(&p.initial_memory());
    assert_eq!(bytes(&rx), bytes(&rw), "the same bytes");
    assert_ne!(rx.image_id(), rw.image_id());

    // And the two really are different programs.
    let run = |p: &ember_core::Program| Machine::new(p).run(&mut BufferHost::default());
    assert_eq!(run(&rx), Ok(Exit::Halted { code: 7 }));
    let fault = run(&rw).unwrap_err();
    assert_eq!(fault.pc, CODE + 0x100);
    assert!(matches!(
        fault.kind,
        ember_core::FaultKind::FetchNotExecutable { .. }
    ));
}
