//! `ember prove` and `ember verify`, and `Executor::prove`: a guest
//! assembled in Rust proven and verified; every wrong receipt, input, ELF or
//! journal rejected with its message and status; runs with no claim, or
//! that the proof does not cover, refused.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ember_core::asm;
use ember_host::{Error, Executor, Program, Receipt, ReceiptError, verify_receipt};
use ember_prover::ProveError;
use ember_testkit::*;

use crate::cmd::{ember, file, first_line, scratch_in, stderr};
use crate::guests::*;

fn scratch(name: &str) -> PathBuf {
    scratch_in("prove", name)
}

/// Stores 5, loads it back, doubles it, compares and branches, then halts
/// with `code_offset + 10`: only instructions the proof covers.
fn provable(code_offset: i32) -> Guest {
    let words = [
        li(1, DATA),
        vec![
            asm::addi(2, 0, 5),
            asm::sw(2, 0, 1),
            asm::lw(3, 1, 0),
            asm::add(3, 3, 3),
            asm::sltu(4, 0, 3),
            asm::bne(4, 0, 8),
            asm::addi(3, 0, 0),
            asm::addi(A0, 3, code_offset),
        ],
        li(T0, 0),
        vec![asm::ecall()],
    ]
    .concat();
    Guest::new(words)
}

/// The provable guest's ELF and a receipt `ember prove` wrote for it (in
/// its own directory), made once.
fn proven() -> &'static (String, Vec<u8>) {
    static PROVEN: OnceLock<(String, Vec<u8>)> = OnceLock::new();
    PROVEN.get_or_init(|| {
        let dir = scratch("proven");
        let elf = file(&dir, "guest.elf", &provable(0).elf());
        let o = ember(&["prove", &elf]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let receipt = std::fs::read(dir.join("guest.receipt")).unwrap();
        (elf, receipt)
    })
}

#[test]
fn prove_writes_a_receipt_that_verifies() {
    let dir = scratch("ok");
    let elf = file(&dir, "guest.elf", &provable(0).elf());
    let receipt = dir.join("out.receipt");
    let o = ember(&["prove", &elf, "-o", receipt.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(first_line(&o), "ember: guest halted with exit code 10");
    assert!(
        err.contains("\n  cycles        12 (12 instructions)\n"),
        "{err}"
    );
    assert!(err.contains("\n  proving time  "), "{err}");
    assert!(err.contains(" kHz)\n"), "{err}");
    let size = std::fs::metadata(&receipt).unwrap().len();
    assert!(
        err.contains(&format!(
            "  receipt       {} ({size} bytes, ",
            receipt.display()
        )),
        "{err}"
    );
    eprintln!("receipt of the 12-cycle guest: {size} bytes");

    let journal_out = dir.join("journal.bin");
    let o = ember(&[
        "verify",
        &elf,
        receipt.to_str().unwrap(),
        "--journal-out",
        journal_out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        first_line(&o),
        "ember: receipt valid: guest halted with exit code 10"
    );
    let err = stderr(&o);
    assert!(err.contains("\n  cycles        12\n"), "{err}");
    assert!(err.contains("\n  journal       0 bytes, digest "), "{err}");
    assert_eq!(std::fs::read(journal_out).unwrap(), b"");
    // The journal the user holds, and an empty input file, check too.
    let empty = file(&dir, "empty", b"");
    let o = ember(&[
        "verify",
        &elf,
        receipt.to_str().unwrap(),
        "--journal",
        &empty,
        "--input",
        &empty,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn the_default_receipt_path_is_beside_the_elf() {
    let (elf, _) = proven();
    assert!(Path::new(elf).with_extension("receipt").exists());
}

/// `ember verify` on `receipt` bytes: status and first line.
fn verify_bytes(name: &str, elf: &str, receipt: &[u8], flags: &[&str]) -> (Option<i32>, String) {
    let dir = scratch(name);
    let path = file(&dir, "r.receipt", receipt);
    let o = ember(&[&["verify", elf, &path], flags].concat());
    (o.status.code(), first_line(&o))
}

#[test]
fn a_flipped_byte_anywhere_is_rejected() {
    let (elf, receipt) = proven();
    let n = receipt.len();
    // The header, the claim, the claim digest, the journal's length, the
    // proof's start, middle and end.
    for at in [0, 13, 15, 47, 100, 127, 145, 146, 200, n / 2, n - 40, n - 1] {
        let mut bytes = receipt.clone();
        bytes[at] ^= 0x10;
        let (status, line) = verify_bytes("flip", elf, &bytes, &[]);
        assert_eq!(status, Some(5), "flip at {at}: {line}");
        assert!(
            line.starts_with("ember: invalid receipt: "),
            "flip at {at}: {line}"
        );
    }
    let (status, line) = verify_bytes("cut", elf, &receipt[..n - 1], &[]);
    assert_eq!(
        (status, line.as_str()),
        (Some(5), "ember: invalid receipt: the receipt is truncated")
    );
    let (status, line) = verify_bytes("junk", elf, b"hello", &[]);
    assert_eq!(
        (status, line.as_str()),
        (
            Some(5),
            "ember: invalid receipt: not an Ember receipt: it does not start with `ember/receipt`"
        )
    );
}

#[test]
fn a_wrong_input_elf_or_journal_is_rejected() {
    let (elf, receipt) = proven();
    let dir = scratch("wrong");
    let x = file(&dir, "x", b"x");
    let (status, line) = verify_bytes("input", elf, receipt, &["--input", &x]);
    assert_eq!(status, Some(5));
    assert!(
        line.starts_with("ember: invalid receipt: wrong input: the receipt's input digest is "),
        "{line}"
    );
    let (status, line) = verify_bytes("journal", elf, receipt, &["--journal", &x]);
    assert_eq!(status, Some(5));
    assert!(
        line.starts_with("ember: invalid receipt: wrong journal: the receipt's journal digest is "),
        "{line}"
    );
    let other = file(&dir, "other.elf", &provable(1).elf());
    let (status, line) = verify_bytes("elf", &other, receipt, &[]);
    assert_eq!(status, Some(5));
    assert!(
        line.starts_with("ember: invalid receipt: wrong program: the receipt's image ID is "),
        "{line}"
    );
}

#[test]
fn bad_usage_and_unreadable_files_are_status_4() {
    let (elf, receipt) = proven();
    let dir = scratch("usage");
    let path = file(&dir, "r.receipt", receipt);
    let o = ember(&["verify", elf, "/nonexistent/r.receipt"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(first_line(&o).starts_with("error: cannot read receipt /nonexistent/r.receipt: "));
    let o = ember(&["verify", elf, &path, "--input", "/nonexistent/input"]);
    assert_eq!(o.status.code(), Some(4));
    let not_elf = file(&dir, "not.elf", b"not an elf");
    let o = ember(&["verify", &not_elf, &path]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        first_line(&o).contains("is not a valid Ember program"),
        "{}",
        stderr(&o)
    );
    let o = ember(&["verify", elf]);
    assert_eq!(o.status.code(), Some(4));
    let o = ember(&["prove", elf, "-o", "/nonexistent/dir/r.receipt"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        first_line(&o)
            .starts_with("error: cannot write the receipt to /nonexistent/dir/r.receipt: ")
    );
}

#[test]
fn a_faulting_run_has_no_claim() {
    let dir = scratch("fault");
    let elf = file(&dir, "null.elf", &null_deref().elf());
    let receipt = dir.join("null.receipt");
    let o = ember(&["prove", &elf, "-o", receipt.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        first_line(&o).starts_with("error: guest fault: access violation: load from 0x00000000"),
        "{err}"
    );
    assert!(err.contains("\n  in        guest::deref"), "{err}");
    assert!(
        err.ends_with("ember: a run that faults has no claim: there is nothing to prove\n"),
        "{err}"
    );
    assert!(!receipt.exists(), "no receipt is left behind");
}

/// SHA256_COMPRESS on one block of zeros, then HALT: the proof refuses
/// that ECALL (a later table covers it).
fn compresses() -> Guest {
    let words = [
        li(T0, 16),
        li(A0, DATA),
        li(A1, DATA + 64),
        li(A2, 1),
        vec![asm::ecall()],
        halt(0),
    ]
    .concat();
    Guest::new(words)
}

#[test]
fn a_run_the_proof_does_not_cover_is_named_with_its_pc_and_cycle() {
    let dir = scratch("unsupported");
    let elf = file(&dir, "sha.elf", &compresses().elf());
    let receipt = dir.join("sha.receipt");
    let o = ember(&["prove", &elf, "-o", receipt.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: cannot prove this run yet: ECALL SHA256_COMPRESS at pc 0x00400020 (cycle 8) is not yet covered by Ember's proof\n"
    );
    assert!(!receipt.exists());
}

#[test]
fn the_library_proves_and_verifies() {
    let elf = provable(3).elf();
    let program = Program::load(&elf).unwrap();
    let proven = Executor::new(&program).prove().unwrap();
    assert_eq!(proven.session.cycles, 12);
    assert_eq!(proven.receipt.claim.exit_code, 13);
    assert_eq!(proven.receipt.claim_digest, proven.session.claim_digest);
    assert!(proven.khz() > 0.0);
    let receipt = Receipt::from_bytes(&proven.receipt.to_bytes()).unwrap();
    verify_receipt(&elf, b"", b"", &receipt).unwrap();
    let e = verify_receipt(&elf, b"", b"j", &receipt).unwrap_err();
    assert!(matches!(e, ReceiptError::JournalDigest { .. }), "{e}");

    let program = Program::load(&compresses().elf()).unwrap();
    match Executor::new(&program).prove() {
        Err(Error::Prove(ProveError::UnsupportedEcall { pc, cycle, .. })) => {
            assert_eq!((pc, cycle), (CODE + 32, 8));
        }
        other => panic!("{other:?}"),
    }
    let program = Program::load(&null_deref().elf()).unwrap();
    match Executor::new(&program).stdout(std::io::sink()).prove() {
        Err(Error::Fault(report)) => assert_eq!(report.journal.bytes, [1, 0, 0, 0, 7]),
        other => panic!("{other:?}"),
    }
}
