//! Arbitrary bytes into the ELF loader; whatever loads is run briefly.
//! Nothing may panic.
#![no_main]

use ember_core::{BufferHost, Machine, Program};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(program) = Program::load_elf(data) {
        let mut machine = Machine::new(&program);
        machine.set_cycle_limit(10_000);
        let _ = machine.run(&mut BufferHost::with_input(&data[..data.len().min(64)]));
    }
});
