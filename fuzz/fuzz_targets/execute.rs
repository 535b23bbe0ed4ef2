//! Arbitrary words decoded and executed: the first 31 words set x1..x31, the
//! rest is the code, followed by a writable data segment. Nothing may panic,
//! every instruction must disassemble, and `Machine::run` and single steps
//! must agree on the outcome, pc, registers, counters, memory and output. The
//! body is `ember_testkit::fuzz::execute`, which `cargo test` replays the
//! corpus through.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ember_testkit::fuzz::execute(data));
