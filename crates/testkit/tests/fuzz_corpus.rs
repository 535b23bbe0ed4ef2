//! Every committed fuzz corpus file, replayed through the same function its
//! fuzz target calls (`ember_testkit::fuzz`), so `cargo test` keeps what the
//! fuzzer found fixed without nightly or cargo-fuzz.

use std::path::PathBuf;

use ember_testkit::fuzz;

/// Replays every file in `fuzz/corpus/<target>/` through `body`, naming the
/// file that panics.
fn replay(target: &str, body: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has no seeds", dir.display());
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{target} panics on {}", path.display());
    }
}

#[test]
fn load_elf_corpus() {
    replay("load_elf", fuzz::load_elf);
}

#[test]
fn execute_corpus() {
    replay("execute", fuzz::execute);
}

#[test]
fn program_load_corpus() {
    replay("program_load", fuzz::program_load);
}

/// Inputs longer than the data segment (64 KiB) once made the target itself
/// panic (its data segment had more file bytes than memory).
#[test]
fn execute_takes_inputs_over_64_kib() {
    // x1..x31 = 0, then `addi x1,x1,1` everywhere: the data segment is full of
    // the same words; the run ends at the cycle limit.
    let addi = ember_core::asm::addi(1, 1, 1).to_le_bytes();
    let mut data = vec![0; 31 * 4];
    while data.len() <= fuzz::EXECUTE_DATA_SIZE as usize + 4 {
        data.extend_from_slice(&addi);
    }
    fuzz::execute(&data);
}

/// Code that would reach into the data segment is cut where the data starts.
#[test]
fn execute_takes_inputs_over_1_mib() {
    let nop = ember_core::asm::addi(0, 0, 0).to_le_bytes();
    let data: Vec<u8> = nop
        .iter()
        .copied()
        .cycle()
        .take(0x10_0000 + 31 * 4 + 8)
        .collect();
    fuzz::execute(&data);
}
