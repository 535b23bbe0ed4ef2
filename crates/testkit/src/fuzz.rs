//! The bodies of the cargo-fuzz targets in `fuzz/fuzz_targets/`, as plain
//! functions: the targets call them, and ordinary tests replay every file of
//! `fuzz/corpus/<target>/` through them, so a crash the fuzzer found stays
//! fixed under `cargo test`. Each panics exactly when the fuzzer would report
//! a crash.

use ember_core::commit::memory_root;
use ember_core::{BufferHost, Exit, Fault, Machine, Program, Segment, decode};

use crate::{CODE, DATA};

/// Size of `execute`'s data segment: the input's first 64 KiB is its
/// initial contents.
pub const EXECUTE_DATA_SIZE: u32 = 0x1_0000;

/// `load_elf`: arbitrary bytes into the ELF loader; whatever loads is run
/// briefly, by [`Machine::run`] and by single steps, which must agree.
pub fn load_elf(data: &[u8]) {
    if let Ok(program) = Program::load_elf(data) {
        let mut machine = Machine::new(&program);
        machine.set_cycle_limit(10_000);
        run_and_step(machine, &data[..data.len().min(64)]);
    }
}

/// `execute`: arbitrary words decoded and executed. The first 31 words set
/// x1..x31, the rest is the code (as much as fits below [`DATA`]); the
/// input's first 64 KiB also fills a writable data segment at [`DATA`] and
/// is the guest's input. Every instruction must disassemble, and
/// [`Machine::run`] and single steps must agree (see [`run_and_step`]).
pub fn execute(data: &[u8]) {
    let words: Vec<u32> = data
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let (regs, code) = words.split_at(words.len().min(31));
    let code = &code[..code.len().min(((DATA - CODE) / 4) as usize)];
    if code.is_empty() {
        return;
    }
    for &w in code {
        assert!(!decode(w).to_string().is_empty());
    }
    let initial = &data[..data.len().min(EXECUTE_DATA_SIZE as usize)];
    let program = Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, code),
            Segment::data(DATA, initial, EXECUTE_DATA_SIZE),
        ],
    )
    .expect("a code segment below a data segment is always valid");
    let mut machine = Machine::new(&program);
    for (i, &v) in regs.iter().enumerate() {
        machine.set_register(i + 1, v);
    }
    machine.set_cycle_limit(20_000);
    run_and_step(machine, data);
}

/// Runs `start` to its end twice from the same state, with `input`: once by
/// [`Machine::run`] (the hot loop) and once by [`Machine::step`] alone. Both
/// must end the same way (exit or fault) with the same pc, registers,
/// counters, memory and output. A fault must leave the pc on the faulting
/// instruction. `start` needs a cycle limit: each step costs at least one.
pub fn run_and_step(start: Machine<'_>, input: &[u8]) {
    let mut run = start.clone();
    let mut run_host = BufferHost::with_input(input);
    let run_result = run.run(&mut run_host);

    let mut step = start;
    let mut step_host = BufferHost::with_input(input);
    let step_result: Result<Exit, Fault> = loop {
        match step.step(&mut step_host) {
            Ok(None) => continue,
            Ok(Some(exit)) => break Ok(exit),
            Err(fault) => break Err(fault),
        }
    };

    assert_eq!(run_result, step_result, "run and step end differently");
    assert_eq!(run.pc(), step.pc(), "pc");
    assert_eq!(run.registers(), step.registers(), "registers");
    assert_eq!(run.cycles(), step.cycles(), "cycles");
    assert_eq!(run.instructions(), step.instructions(), "instructions");
    assert_eq!(run.journal_len(), step.journal_len(), "journal length");
    assert_eq!(run_host, step_host, "input read and output written");
    assert_eq!(
        memory_root(run.memory()),
        memory_root(step.memory()),
        "memory"
    );
    if let Err(fault) = run_result {
        assert_eq!(
            fault.pc,
            run.pc(),
            "a fault leaves the pc on its instruction"
        );
        assert!(!fault.to_string().is_empty());
    }
}

/// `program_load`: arbitrary bytes into the host's [`ember_host::Program::load`]
/// (symbols and DWARF of hostile files, on top of the core loader), then
/// [`ember_host::Program::locate`] and `symbol_at` on a few pcs: the entry,
/// each code segment's ends, a few symbols' ends, and the extremes.
pub fn program_load(data: &[u8]) {
    let Ok(program) = ember_host::Program::load(data) else {
        return;
    };
    let symbols = program.symbols();
    assert!(
        symbols.windows(2).all(|w| w[0].addr < w[1].addr),
        "symbols are sorted, one per address"
    );
    let core = program.core();
    let mut pcs = vec![0, u32::MAX, core.entry(), core.image_end()];
    for code in core.code() {
        pcs.extend([code.start, code.end.wrapping_sub(4), code.end]);
    }
    for s in symbols.iter().take(8) {
        pcs.extend([s.addr, s.addr.wrapping_add(s.size).wrapping_sub(1)]);
    }
    for pc in pcs {
        if let Some(s) = program.symbol_at(pc) {
            assert!(s.addr <= pc, "symbol_at({pc:#x}) starts after it");
        }
        if let Some(location) = program.locate(pc) {
            assert!(!location.to_string().is_empty());
        }
    }
}
