//! Helpers: programs from instruction words; the ELF writer is in ember-testkit.

use ember_core::{BufferHost, Exit, Fault, Machine, Program, Segment, asm};

pub use ember_testkit::*;

/// Length of the data segment at [`DATA`].
pub const DATA_LEN: u32 = 0x1_0000;

/// x5: holds the ECALL number.
pub const T0: u8 = 5;
pub const A0: u8 = 10;
pub const A1: u8 = 11;
pub const A2: u8 = 12;
pub const SP: u8 = 2;

/// A program with `words` at [`CODE`] and `data` at the start of [`DATA`].
pub fn program_with_data(words: &[u32], data: &[u8]) -> Program {
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, words),
            Segment::data(DATA, data, DATA_LEN),
        ],
    )
    .expect("test program is valid")
}

pub fn program(words: &[u32]) -> Program {
    program_with_data(words, &[])
}

/// `words` followed by HALT(0).
pub fn with_halt(words: &[u32]) -> Vec<u32> {
    let mut v = words.to_vec();
    v.extend([asm::addi(T0, 0, 0), asm::addi(A0, 0, 0), asm::ecall()]);
    v
}

/// Runs `words` (HALT appended) to completion; returns the registers.
pub fn run_regs(words: &[u32]) -> [u32; 32] {
    let p = program(&with_halt(words));
    let mut m = Machine::new(&p);
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Halted { code: 0 })
    );
    *m.registers()
}

/// Runs `words` as given (no HALT appended) with `input`.
pub fn run_with(words: &[u32], input: &[u8]) -> (Result<Exit, Fault>, BufferHost, u64) {
    let p = program(words);
    let mut m = Machine::new(&p);
    let mut host = BufferHost::with_input(input);
    let r = m.run(&mut host);
    (r, host, m.cycles())
}

/// Loads a constant with lui+addi.
pub fn li(rd: u8, value: u32) -> Vec<u32> {
    asm::li(rd, value).to_vec()
}

/// Concatenates instruction groups.
pub fn code(parts: &[&[u32]]) -> Vec<u32> {
    parts.concat()
}
