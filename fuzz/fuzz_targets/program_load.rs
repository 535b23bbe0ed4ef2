//! Arbitrary bytes into the host's `Program::load` (symbols and DWARF of
//! hostile files), then `locate` and `symbol_at` on a few pcs. Nothing may
//! panic. The body is `ember_testkit::fuzz::program_load`, which
//! `cargo test` replays the corpus through.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ember_testkit::fuzz::program_load(data));
