//! Helpers: programs from instruction words; the ELF writer is in ember-testkit.

use ember_core::{BufferHost, Exit, Fault, Machine, Memory, Program, Segment, asm};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rrs_lib::memories::{MemorySpace, VecMemory};
use rrs_lib::{HartState, MemAccessSize, Memory as _};

pub use ember_testkit::programs::WINDOW;
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

/// A proptest runner with a fixed seed, so that CI cannot fail on a lucky
/// one: as many cases as the environment variable `var` says, `default`
/// without it (more cases explore further).
pub fn deterministic_runner(var: &str, default: u32) -> TestRunner {
    let cases = std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// rrs-lib's machine for a differential test: `words` at [`CODE`], the
/// [`WINDOW`] words `data` at [`DATA`], the registers `regs`, pc at `CODE`.
pub fn rrs_machine(words: &[u32], data: Vec<u32>, regs: [u32; 32]) -> (HartState, MemorySpace) {
    let mut space = MemorySpace::new();
    space
        .add_memory(
            CODE,
            4 * words.len() as u32,
            Box::new(VecMemory::new(words.to_vec())),
        )
        .unwrap();
    space
        .add_memory(DATA, WINDOW, Box::new(VecMemory::new(data)))
        .unwrap();
    let mut hart = HartState::new();
    hart.registers = regs;
    hart.pc = CODE;
    (hart, space)
}

/// Ember's and rrs-lib's data windows hold the same words.
pub fn same_window(ours: &Memory, theirs: &mut MemorySpace) -> Result<(), TestCaseError> {
    for addr in (DATA..DATA + WINDOW).step_by(4) {
        let word = theirs.read_mem(addr, MemAccessSize::Word).unwrap();
        prop_assert_eq!(ours.read_u32(addr), word, "memory at {:#x}", addr);
    }
    Ok(())
}
