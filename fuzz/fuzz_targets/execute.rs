//! Arbitrary words decoded and executed: the first 31 words set x1..x31, the
//! rest is the code, followed by a writable data segment. Nothing may panic,
//! every instruction must disassemble, and a fault must leave the pc on the
//! faulting instruction.
#![no_main]

use ember_core::{BufferHost, Machine, Program, Segment, decode};
use libfuzzer_sys::fuzz_target;

const CODE: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;

fuzz_target!(|data: &[u8]| {
    let words: Vec<u32> = data
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let (regs, code) = words.split_at(words.len().min(31));
    if code.is_empty() {
        return;
    }
    for &w in code {
        assert!(!decode(w).to_string().is_empty());
    }
    let program = Program::from_segments(
        CODE,
        vec![Segment::code(CODE, code), Segment::data(DATA, data, 0x1_0000)],
    )
    .expect("a code and a data segment are always valid");
    let mut machine = Machine::new(&program);
    for (i, &v) in regs.iter().enumerate() {
        machine.set_register(i + 1, v);
    }
    machine.set_cycle_limit(20_000);
    let mut host = BufferHost::with_input(data);
    if let Err(fault) = machine.run(&mut host) {
        assert_eq!(fault.pc, machine.pc());
        assert!(!fault.to_string().is_empty());
    }
});
