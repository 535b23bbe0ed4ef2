//! Differential test against qemu-riscv32 (Debian's qemu-user), an
//! independent RV32IM implementation: generated straight-line programs, as
//! ELF files, run on both. Under qemu each program ends by storing x1..x30
//! and writing them and its data window to stdout through Linux syscalls;
//! Ember runs the same ELF up to that epilogue and its registers and memory
//! must match what qemu printed.
//!
//! The test needs qemu, so it is `#[ignore]`d: a plain `cargo test` lists it
//! as ignored. `cargo xtask test` installs qemu, sets `EMBER_QEMU` and runs
//! it (`--include-ignored`); run without qemu, it fails saying so.

use std::path::PathBuf;
use std::process::Command;

use ember_core::{BufferHost, Machine, Program, asm};
use ember_testkit::programs::{BASE_REG, Flavour, SplitMix, assemble, op};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use crate::common::*;

const DUMP: u32 = DATA + WINDOW;
const PROGRAMS: usize = 1000;
const OPS: usize = 200;

/// `EMBER_QEMU`, or qemu-riscv32 on the PATH.
fn qemu() -> PathBuf {
    if let Some(path) = std::env::var_os("EMBER_QEMU") {
        return path.into();
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("qemu-riscv32"))
                .find(|p| p.is_file())
        })
        .expect(
            "this test needs qemu-riscv32 (Debian's qemu-user), which is not on the PATH \
             and EMBER_QEMU is unset: `cargo xtask test` installs it and runs this test",
        )
}

/// Builds the ELF; returns it and the address of the epilogue.
fn build(body: &[u32], rng: &mut SplitMix) -> (Vec<u8>, u32, Vec<u8>) {
    let mut words = Vec::new();
    for r in 1..=30 {
        words.extend(asm::li(r, rng.value()));
    }
    words.extend(asm::li(BASE_REG, DATA + WINDOW / 2));
    words.extend_from_slice(body);
    let epilogue = CODE + 4 * words.len() as u32;
    words.extend(asm::li(BASE_REG, DUMP));
    for r in 1..=30u8 {
        words.push(asm::sw(r, 4 * i32::from(r), BASE_REG));
    }
    // Linux: write(1, DUMP, 128); write(1, DATA, WINDOW); exit(0).
    let (a7, write, exit) = (17, 64, 93);
    for (addr, len) in [(DUMP, 128), (DATA, WINDOW)] {
        words.extend(asm::li(A0, 1));
        words.extend(asm::li(A1, addr));
        words.extend(asm::li(A2, len));
        words.extend(asm::li(a7, write));
        words.push(asm::ecall());
    }
    words.extend(asm::li(A0, 0));
    words.extend(asm::li(a7, exit));
    words.push(asm::ecall());

    let data: Vec<u8> = (0..WINDOW / 4)
        .flat_map(|_| rng.value().to_le_bytes())
        .collect();
    let elf = elf32(
        &ElfHeader::default(),
        &[
            Ph::code(CODE, &words),
            Ph::load(DATA, PF_R | PF_W, data.clone(), 2 * WINDOW),
        ],
    );
    (elf, epilogue, data)
}

#[test]
#[ignore = "needs qemu-riscv32: run by cargo xtask test, which installs it"]
fn straight_line_programs_agree_with_qemu() {
    let qemu = qemu();
    let dir = std::env::temp_dir().join(format!("ember-qemu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::collection::vec(op(), OPS);
    let mut steps = 0u64;
    for n in 0..PROGRAMS {
        let ops = strategy.new_tree(&mut runner).unwrap().current();
        let body = assemble(&ops, Flavour::StraightLine);
        let mut rng = SplitMix(n as u64);
        let (elf, epilogue, _) = build(&body, &mut rng);
        let path = dir.join(format!("p{n}.elf"));
        std::fs::write(&path, &elf).unwrap();
        // qemu, like exec, refuses files without execute permission.
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();

        let out = Command::new(&qemu).arg(&path).output().expect("run qemu");
        assert!(
            out.status.success(),
            "qemu failed on {}: {:?}",
            path.display(),
            out
        );
        assert_eq!(out.stdout.len(), (128 + WINDOW) as usize);
        let word = |i: usize| u32::from_le_bytes(out.stdout[4 * i..4 * i + 4].try_into().unwrap());

        let program = Program::load_elf(&elf).expect("ember loads the ELF");
        let mut m = Machine::new(&program);
        let mut host = BufferHost::default();
        while m.pc() != epilogue {
            assert_eq!(m.step(&mut host), Ok(None), "{}", path.display());
            steps += 1;
        }
        for r in 1..=30 {
            assert_eq!(
                m.registers()[r],
                word(r),
                "x{r} differs on {} (kept for inspection)",
                path.display()
            );
        }
        let mut ours = vec![0; WINDOW as usize];
        m.memory().read_bytes(DATA, &mut ours);
        assert!(
            ours == out.stdout[128..],
            "data window differs: {}",
            path.display()
        );
        std::fs::remove_file(&path).unwrap();
    }
    std::fs::remove_dir(&dir).ok();
    eprintln!("qemu differential: {PROGRAMS} programs, {steps} steps compared, 0 mismatches");
}
