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
    assert!(
        err.contains("\n  segments      1 (of at most 2^20 cycles, a proof each)\n"),
        "{err}"
    );
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
    assert!(
        err.ends_with("\n  proofs        1 segment, parameter set fast\n"),
        "{err}"
    );
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

/// `ember verify`'s whole stderr and status on `receipt` bytes.
fn verify_text(name: &str, elf: &str, receipt: &[u8], flags: &[&str]) -> (Option<i32>, String) {
    let dir = scratch(name);
    let path = file(&dir, "r.receipt", receipt);
    let o = ember(&[&["verify", elf, &path], flags].concat());
    (o.status.code(), stderr(&o))
}

/// `ember verify` on `receipt` succeeds; the line that ends its report:
/// the proofs it checked and their parameter set.
fn verified_proofs(name: &str, elf: &str, receipt: &[u8]) -> String {
    let (status, text) = verify_text(name, elf, receipt, &[]);
    assert_eq!(status, Some(0), "{text}");
    assert!(text.ends_with('\n'), "{text}");
    let last = text.lines().last().unwrap_or_default();
    last.strip_prefix("  proofs        ")
        .unwrap_or_else(|| panic!("no proofs line: {text}"))
        .to_string()
}

fn digest(bytes: &[u8]) -> ember_host::Digest {
    ember_host::Digest::of(&[bytes])
}

/// Each failed check names its likely cause: another input, another
/// journal, another program.
#[test]
fn a_wrong_input_elf_or_journal_is_rejected() {
    let (elf, receipt) = proven();
    let dir = scratch("wrong");
    let x = file(&dir, "x", b"x");
    let (status, text) = verify_text("input", elf, receipt, &["--input", &x]);
    assert_eq!(status, Some(5));
    assert_eq!(
        text,
        format!(
            "ember: invalid receipt: wrong input: the receipt was made for another input: its \
             input digest is {}, this input's is {}\n  \
             hint: the --input file is another input than the run's: pass the file the run read\n",
            digest(b""),
            digest(b"x")
        )
    );
    let (status, text) = verify_text("journal", elf, receipt, &["--journal", &x]);
    assert_eq!(status, Some(5));
    assert_eq!(
        text,
        format!(
            "ember: invalid receipt: wrong journal: the receipt commits to the journal with \
             digest {}, and the journal checked has digest {}\n  \
             hint: the --journal file differs from the journal the receipt commits to\n",
            digest(b""),
            digest(b"x")
        )
    );
    let other = provable(1).elf();
    let ids = (
        Program::load(&std::fs::read(elf).unwrap())
            .unwrap()
            .image_id(),
        Program::load(&other).unwrap().image_id(),
    );
    let other = file(&dir, "other.elf", &other);
    let (status, text) = verify_text("elf", &other, receipt, &[]);
    assert_eq!(status, Some(5));
    assert_eq!(
        text,
        format!(
            "ember: invalid receipt: wrong program: the receipt was made for the program with \
             image ID {}, and this ELF's image ID is {}\n  \
             hint: the receipt was made for another program (ELF): verify it with the ELF that \
             was proven (`ember info ELF` shows an ELF's image ID)\n",
            ids.0, ids.1
        )
    );
}

/// A receipt of a run that had input, verified without `--input` (or
/// with an empty file): the likely cause is the input left out.
#[test]
fn verify_without_the_runs_input_says_to_pass_it() {
    let dir = scratch("missing-input");
    let elf = file(&dir, "guest.elf", &provable(0).elf());
    let input = file(&dir, "input.bin", b"the input");
    let receipt = dir.join("guest.receipt");
    let o = ember(&["prove", &elf, "--input", &input]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let receipt = std::fs::read(receipt).unwrap();
    let (status, text) = verify_text("missing-input", &elf, &receipt, &[]);
    assert_eq!(status, Some(5));
    assert_eq!(
        text,
        format!(
            "ember: invalid receipt: wrong input: the run had input (input digest {}), and the \
             input checked is empty\n  \
             hint: the run probably had input: pass it with --input FILE\n",
            digest(b"the input")
        )
    );
    let empty = file(&dir, "empty", b"");
    let (status, text) = verify_text("empty-input", &elf, &receipt, &["--input", &empty]);
    assert_eq!(status, Some(5));
    assert!(
        text.ends_with(
            "\n  hint: the --input file is empty, and the run had input: pass the file the run \
             read\n"
        ),
        "{text}"
    );
    let (status, text) = verify_text("with-input", &elf, &receipt, &["--input", &input]);
    assert_eq!(status, Some(0), "{text}");
}

/// A receipt whose carried journal is not the one its claim commits to
/// (altered after proving): named as such.
#[test]
fn a_receipt_carrying_another_journal_is_named_altered() {
    let (elf, receipt) = proven();
    let mut altered = Receipt::from_bytes(receipt).unwrap();
    altered.journal = b"forged".to_vec();
    let (status, text) = verify_text("altered", elf, &altered.to_bytes(), &[]);
    assert_eq!(status, Some(5));
    assert_eq!(
        text,
        format!(
            "ember: invalid receipt: wrong journal: the receipt commits to the journal with \
             digest {}, and the journal checked has digest {}\n  \
             hint: the journal carried in the receipt is not the one its claim commits to: the \
             receipt was altered\n",
            digest(b""),
            digest(b"forged")
        )
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

/// SHA256_COMPRESS of no block, then HALT: the proof refuses that call (it
/// does nothing the proof could check).
fn compresses_nothing() -> Guest {
    let words = [
        li(T0, 16),
        li(A0, DATA),
        li(A1, DATA + 64),
        li(A2, 0),
        vec![asm::ecall()],
        halt(0),
    ]
    .concat();
    Guest::new(words)
}

#[test]
fn a_run_the_proof_does_not_cover_is_named_with_its_pc_and_cycle() {
    let dir = scratch("unsupported");
    let elf = file(&dir, "sha.elf", &compresses_nothing().elf());
    let receipt = dir.join("sha.receipt");
    let o = ember(&["prove", &elf, "-o", receipt.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: cannot prove this run yet: ECALL SHA256_COMPRESS of 0 blocks at pc 0x00400020 (cycle 8) is not yet covered by Ember's proof\n"
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

    let program = Program::load(&compresses_nothing().elf()).unwrap();
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

/// A loop of 1 + 2 * 600 + 5 cycles: two segments of 2^10.
fn two_segments_of_2_10() -> Vec<u32> {
    [
        vec![
            asm::addi(1, 0, 600),
            asm::addi(1, 1, -1),
            asm::bne(1, 0, -4),
        ],
        halt(0),
    ]
    .concat()
}

/// A run longer than a segment is proven in segments, one proof each, and
/// its receipt verifies against its ELF; a segment size outside 2^10..2^22
/// is refused by name.
#[test]
fn a_run_longer_than_a_segment_proves_in_segments() {
    let words = two_segments_of_2_10();
    let elf = Guest::new(words).elf();
    let program = Program::load(&elf).unwrap();
    assert_eq!(Executor::new(&program).run().unwrap().cycles, 1206);
    let mut reported = Vec::new();
    let proven = Executor::new(&program)
        .segment_po2(10)
        .on_segment(|s| reported.push((s.index, s.cycles, s.proof_bytes)))
        .prove()
        .unwrap();
    assert_eq!(proven.receipt.proofs.len(), 2);
    assert_eq!(proven.receipt.proofs[0].end.cycles, 1024);
    // Each segment reported once proven: its place, cycles and proof size.
    let sizes: Vec<usize> = (proven.receipt.proofs.iter())
        .map(|p| postcard::to_allocvec(p).unwrap().len())
        .collect();
    assert_eq!(reported, vec![(0, 1024, sizes[0]), (1, 182, sizes[1])]);
    let bytes = proven.receipt.to_bytes();
    let receipt = Receipt::from_bytes(&bytes).unwrap();
    verify_receipt(&elf, b"", b"", &receipt).unwrap();
    assert!(verify_receipt(&elf, b"", b"j", &receipt).is_err());
    // The default segments hold it whole.
    let whole = Executor::new(&program).prove().unwrap();
    assert_eq!(whole.receipt.proofs.len(), 1);
    // The caller's own cycle limit, below a receipt's 2^30, faults the run
    // as `run` would: a fault, not a run too long to prove.
    let err = Executor::new(&program)
        .cycle_limit(1000)
        .prove()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Fault(r) if matches!(r.fault.kind, ember_core::FaultKind::CycleLimitExceeded { limit: 1000, .. })),
        "{err:?}"
    );
    // A segment size the prover does not take.
    let err = Executor::new(&program).segment_po2(9).prove().unwrap_err();
    assert!(
        matches!(err, Error::Prove(ProveError::SegmentSize { po2: 9 })),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cannot prove in segments of 2^9 cycles: a segment holds 2^10 to 2^22 cycles"
    );
}

/// An input longer than a proof holds is refused before the guest runs (no
/// guest output, no receipt): the verifier would refuse it, and a large
/// input must not reach the prover's tables.
#[test]
fn an_input_a_proof_cannot_hold_is_refused_before_the_run() {
    let dir = scratch("big-input");
    let elf = file(&dir, "guest.elf", &provable(0).elf());
    let input = file(&dir, "input.bin", &vec![1u8; (1 << 22) + 1]);
    let receipt = dir.join("out.receipt");
    let o = ember(&[
        "prove",
        &elf,
        "--input",
        &input,
        "-o",
        receipt.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: cannot prove this run: the input has 4194305 bytes, and one proof holds at most \
         4194304 bytes of input\n"
    );
    assert!(o.stdout.is_empty());
    assert!(!receipt.exists(), "no receipt is left behind");
}

/// `ember key` writes the program's verifying key beside the ELF (or to
/// `-o`); `ember verify KEY RECEIPT` accepts what `ember verify ELF
/// RECEIPT` accepts, names another program's key, and a file that starts
/// as a key but is not one is bad input.
#[test]
fn a_verifying_key_verifies_receipts_in_place_of_the_elf() {
    let (elf, receipt) = proven();
    let o = ember(&["key", elf]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let key = Path::new(elf).with_extension("vkey");
    let image_id = Program::load(&std::fs::read(elf).unwrap())
        .unwrap()
        .image_id();
    assert_eq!(
        stderr(&o),
        format!(
            "ember: verifying key written: {} (180 bytes)\n  image ID      {image_id}\n",
            key.display()
        )
    );
    let key = key.to_str().unwrap();
    let (status, text) = verify_text("key", key, receipt, &[]);
    assert_eq!(status, Some(0), "{text}");
    assert!(
        text.starts_with("ember: receipt valid: guest halted with exit code 10\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("\n  image ID      {image_id}\n")),
        "{text}"
    );
    // The key of another program.
    let dir = scratch("other-key");
    let other = file(&dir, "other.elf", &provable(1).elf());
    let other_key = dir.join("other.key");
    let o = ember(&["key", &other, "-o", other_key.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let other_id = Program::load(&std::fs::read(&other).unwrap())
        .unwrap()
        .image_id();
    let (status, text) = verify_text("other-key", other_key.to_str().unwrap(), receipt, &[]);
    assert_eq!(status, Some(5));
    assert_eq!(
        text,
        format!(
            "ember: invalid receipt: wrong program: the receipt was made for the program with \
             image ID {image_id}, and the verifying key is for image ID {other_id}\n  \
             hint: the receipt was made for another program: verify it with the key of the ELF \
             that was proven (`ember key ELF` makes it)\n"
        )
    );
    // A cut key file.
    let bytes = std::fs::read(key).unwrap();
    let cut = file(&dir, "cut.vkey", &bytes[..40]);
    let (status, text) = verify_text("cut-key", &cut, receipt, &[]);
    assert_eq!(status, Some(4));
    assert_eq!(
        text,
        format!("error: {cut} is not a valid key: the verifying key is truncated\n")
    );
    // `ember key` on a program no proof can hold (code above 1 GiB).
    let high = 0x4000_0000;
    let header = ElfHeader {
        entry: high,
        ..ElfHeader::default()
    };
    let high = file(
        &dir,
        "high.elf",
        &elf32(&header, &[Ph::code(high, &halt(0))]),
    );
    let o = ember(&["key", &high]);
    assert_eq!(o.status.code(), Some(6));
    assert_eq!(
        stderr(&o),
        "error: the program cannot be proven: code ends at 0x40000014, above 0x40000000\n"
    );
    // A key that cannot be written.
    let nowhere = dir.join("missing").join("k.vkey");
    let o = ember(&["key", elf, "-o", nowhere.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).starts_with(&format!(
            "error: the key was not saved: cannot write {}: ",
            nowhere.display()
        )),
        "{}",
        stderr(&o)
    );
    // `ember key` on a file that is not an ELF.
    let o = ember(&["key", &cut]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).starts_with(&format!("error: {cut} is not a valid Ember program: ")),
        "{}",
        stderr(&o)
    );
}

/// `ember prove --params small` writes a smaller receipt, and `--security
/// proven` (the same flag) one of the set with 100 proven bits; both verify
/// as any other and name their set; an unknown set is bad usage.
#[test]
fn prove_with_the_small_and_proven_parameter_sets() {
    let (_, fast) = proven();
    let dir = scratch("small");
    let elf = file(&dir, "guest.elf", &provable(0).elf());
    let o = ember(&["prove", &elf, "--params", "small"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("\n  parameters    small\n"),
        "{}",
        stderr(&o)
    );
    let small = std::fs::read(dir.join("guest.receipt")).unwrap();
    assert!(
        small.len() * 3 < fast.len() * 2,
        "{} against {} bytes",
        small.len(),
        fast.len()
    );
    assert_eq!(
        verified_proofs("small", &elf, &small),
        "1 segment, parameter set small"
    );
    let out = dir.join("proven.receipt").display().to_string();
    let o = ember(&["prove", &elf, "--security", "proven", "-o", &out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let strong = std::fs::read(&out).unwrap();
    // 110 queries at blowup 4 against small's 50: more than twice the size.
    assert!(
        strong.len() > 2 * small.len(),
        "{} against {}",
        strong.len(),
        small.len()
    );
    assert_eq!(
        verified_proofs("proven-set", &elf, &strong),
        "1 segment, parameter set proven"
    );
    let o = ember(&["prove", &elf, "--params", "huge"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).starts_with(
            "error: invalid value 'huge' for '--params <SET>': no parameter set `huge`: `fast`, `small` or `proven`"
        ),
        "{}",
        stderr(&o)
    );
}

/// `ember prove --segment-po2 K` proves in segments of 2^K cycles (the
/// summary says how many) and the receipt verifies; K outside 10..22 is
/// bad usage.
#[test]
fn prove_in_segments_of_a_given_size() {
    let words = two_segments_of_2_10();
    let dir = scratch("segments");
    let elf = file(&dir, "guest.elf", &Guest::new(words).elf());
    let o = ember(&["prove", &elf, "--segment-po2", "10"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("\n  segments      2 (of at most 2^10 cycles, a proof each)\n"),
        "{}",
        stderr(&o)
    );
    let receipt = std::fs::read(dir.join("guest.receipt")).unwrap();
    assert_eq!(
        verified_proofs("segments", &elf, &receipt),
        "2 segments, parameter set fast"
    );
    // Proven on two threads: the same segments, a receipt that verifies.
    let out = dir.join("jobs.receipt").display().to_string();
    let o = ember(&[
        "prove",
        &elf,
        "--segment-po2",
        "10",
        "--jobs",
        "2",
        "-o",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        verified_proofs("segments-jobs", &elf, &std::fs::read(&out).unwrap()),
        "2 segments, parameter set fast"
    );
    let o = ember(&["prove", &elf, "--jobs", "0"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).starts_with("error: invalid value '0' for '--jobs <N>': 0 is not in 1..=64"),
        "{}",
        stderr(&o)
    );
    let o = ember(&["prove", &elf, "--segment-po2", "23"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o)
            .starts_with("error: invalid value '23' for '--segment-po2 <K>': 23 is not in 10..=22"),
        "{}",
        stderr(&o)
    );
}
