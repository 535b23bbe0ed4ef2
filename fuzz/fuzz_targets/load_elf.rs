//! Arbitrary bytes into the ELF loader; whatever loads is run briefly, by
//! `Machine::run` and by single steps, which must agree. The body is
//! `ember_testkit::fuzz::load_elf`, which `cargo test` replays the corpus
//! through.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ember_testkit::fuzz::load_elf(data));
