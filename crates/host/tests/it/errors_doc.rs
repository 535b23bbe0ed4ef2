//! docs/errors.md, the table of every error a user can meet, kept honest:
//! every test a row names exists, and every variant of the error types a
//! user meets has a row. The prover's and verifier's errors are listed by
//! exhaustive matches (a new variant does not compile until it is named
//! here); the `#[non_exhaustive]` ones cannot be matched exhaustively from
//! another crate, so every error type's variants are also read from its
//! source. The messages of variants no run can reach are checked here on
//! constructed values.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ember_core::{Fault, FaultKind, Instruction, LoadError};
use ember_host::Error;
use ember_prover::ProveError;
use ember_verifier::VerifyError;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The rows of docs/errors.md's tables: (first cell, last cell).
fn rows() -> Vec<(String, String)> {
    let path = repo().join("docs/errors.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| Error |"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
            assert!(cells.len() >= 5, "a row of docs/errors.md has 5 cells: {l}");
            (
                cells[0].trim().to_string(),
                cells[cells.len() - 1].trim().to_string(),
            )
        })
        .collect()
}

/// The `code spans` of a cell.
fn spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// The variants with a row, as `Type::Variant`.
fn documented() -> BTreeSet<String> {
    rows()
        .iter()
        .flat_map(|(first, _)| spans(first))
        .filter(|s| s.contains("::"))
        .map(str::to_string)
        .collect()
}

/// Every `.rs` file's text under `dir`.
fn sources(dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            out.push('\n');
        }
    }
}

#[test]
fn every_test_the_error_table_names_exists() {
    let mut text = String::new();
    for entry in std::fs::read_dir(repo().join("crates")).unwrap().flatten() {
        sources(&entry.path().join("tests"), &mut text);
        sources(&entry.path().join("src"), &mut text);
    }
    sources(&repo().join("xtask/src"), &mut text);
    let mut missing = Vec::new();
    for (first, last) in rows() {
        if last.starts_with("none") {
            continue;
        }
        let tests = spans(&last);
        assert!(!tests.is_empty(), "the row of {first} names no test");
        for test in tests {
            let named = [format!("fn {test}("), format!("fn {test}<")];
            if !named.iter().any(|n| text.contains(n.as_str())) {
                missing.push(format!("{first}: {test}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/errors.md names tests that do not exist:\n{}",
        missing.join("\n")
    );
}

/// The variants of `pub enum name` in `file`, read from its source (as
/// rustfmt writes it: a variant's name starts a line indented by four).
fn variants_in_source(file: &str, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join(file)).unwrap();
    let start = text
        .find(&format!("pub enum {name} {{"))
        .unwrap_or_else(|| panic!("no `pub enum {name}` in {file}"));
    text[start..]
        .lines()
        .skip(1)
        .take_while(|l| *l != "}")
        .filter_map(|l| {
            let rest = l.strip_prefix("    ")?;
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            ident
                .starts_with(|c: char| c.is_ascii_uppercase())
                .then(|| format!("{}::{ident}", if name == "Error" { "Error" } else { name }))
        })
        .collect()
}

#[test]
fn every_error_variant_has_a_row() {
    let documented = documented();
    let mut all = Vec::new();
    for (file, name) in [
        ("crates/host/src/error.rs", "Error"),
        ("crates/prover/src/lib.rs", "ProveError"),
        ("crates/verifier/src/lib.rs", "VerifyError"),
        ("crates/verifier/src/receipt.rs", "ReceiptError"),
        ("crates/verifier/src/key.rs", "KeyError"),
        ("crates/core/src/error.rs", "FaultKind"),
        ("crates/core/src/error.rs", "LoadError"),
    ] {
        let variants = variants_in_source(file, name);
        assert!(variants.len() > 3, "{name}: {variants:?}");
        all.extend(variants);
    }
    all.extend(
        prove_errors()
            .iter()
            .map(|(e, _)| prove_error_row(e).to_string()),
    );
    all.extend(
        verify_errors()
            .iter()
            .map(|(e, _)| verify_error_row(e).to_string()),
    );
    let missing: Vec<&String> = all.iter().filter(|v| !documented.contains(*v)).collect();
    assert!(
        missing.is_empty(),
        "docs/errors.md has no row for {missing:?}"
    );
}

/// The row of each prover error: exhaustive, so a new variant does not
/// compile until it is named (and documented).
fn prove_error_row(e: &ProveError) -> &'static str {
    match e {
        ProveError::Fault(_) => "ProveError::Fault",
        ProveError::Unsupported { .. } => "ProveError::Unsupported",
        ProveError::UnsupportedEcall { .. } => "ProveError::UnsupportedEcall",
        ProveError::BufferTooLong { .. } => "ProveError::BufferTooLong",
        ProveError::CodeTooHigh { .. } => "ProveError::CodeTooHigh",
        ProveError::TooLong { .. } => "ProveError::TooLong",
        ProveError::TooLongStopped { .. } => "ProveError::TooLongStopped",
        ProveError::DataTooLong { .. } => "ProveError::DataTooLong",
        ProveError::TooManyCycles { .. } => "ProveError::TooManyCycles",
        ProveError::RunTooLong { .. } => "ProveError::RunTooLong",
        ProveError::IoTooLong { .. } => "ProveError::IoTooLong",
        ProveError::AcceleratorTooLong { .. } => "ProveError::AcceleratorTooLong",
        ProveError::TableTooTall { .. } => "ProveError::TableTooTall",
        ProveError::SegmentSize { .. } => "ProveError::SegmentSize",
        ProveError::Backend(_) => "ProveError::Backend",
    }
}

/// The row of each verifier error, exhaustively.
fn verify_error_row(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::CodeTooHigh { .. } => "VerifyError::CodeTooHigh",
        VerifyError::Shape(_) => "VerifyError::Shape",
        VerifyError::DataTooLong { .. } => "VerifyError::DataTooLong",
        VerifyError::Stark(_) => "VerifyError::Stark",
    }
}

/// One of each prover error, with its message.
fn prove_errors() -> Vec<(ProveError, &'static str)> {
    let ebreak = Fault {
        kind: FaultKind::Breakpoint,
        pc: 0x0040_0010,
        word: Some(0x0010_0073),
    };
    vec![
        (
            ProveError::Fault(ebreak),
            "the guest faulted, so there is no claim to prove: breakpoint (ebreak) at pc \
             0x00400010 (0x00100073: ebreak)",
        ),
        (
            ProveError::Unsupported {
                pc: 0x0040_0010,
                insn: Instruction::Ebreak,
                cycle: 3,
            },
            "cannot prove this run yet: `ebreak` at pc 0x00400010 (cycle 3) is not yet covered \
             by Ember's proof",
        ),
        (
            ProveError::UnsupportedEcall {
                pc: 0x0040_0020,
                name: "SHA256_COMPRESS".into(),
                cycle: 8,
            },
            "cannot prove this run yet: ECALL SHA256_COMPRESS at pc 0x00400020 (cycle 8) is not \
             yet covered by Ember's proof",
        ),
        (
            ProveError::BufferTooLong {
                pc: 0x0040_001c,
                name: "READ".into(),
                cycle: 7,
                len: 1 << 24,
            },
            "cannot prove this run: ECALL READ at pc 0x0040001c (cycle 7) has a 16777216-byte \
             buffer; a proof holds buffers below 16 MiB",
        ),
        (
            ProveError::TableTooTall {
                params: "small",
                table: "Chunk".into(),
                rows: 1 << 23,
                limit: 22,
            },
            "cannot prove this run with the parameter set `small`: its Chunk table has 8388608 \
             rows, more than the 2^22 it allows (try `--params fast`)",
        ),
        (
            ProveError::SegmentSize { po2: 9 },
            "cannot prove in segments of 2^9 cycles: a segment holds 2^10 to 2^22 cycles",
        ),
        (
            ProveError::CodeTooHigh { end: 0x4000_000c },
            "cannot prove this program: code ends at 0x4000000c, above the proof's limit \
             0x40000000",
        ),
        (
            ProveError::TooLong {
                cycles: 5_694_107,
                limit: 1 << 22,
            },
            "cannot prove this run yet: it took 5694107 cycles, and one proof holds at most \
             4194304 instructions (prove it in segments, as ember prove does)",
        ),
        (
            ProveError::TooLongStopped {
                cycles: 2 << 22,
                limit: 1 << 22,
            },
            "cannot prove this run yet: it ran more than 8388608 cycles (it was stopped there), \
             and one proof holds at most 4194304 instructions (prove it in segments, as ember prove does)",
        ),
        (
            ProveError::DataTooLong {
                what: "journal",
                len: (1 << 22) + 1,
                limit: 1 << 22,
            },
            "cannot prove this run: the journal has 4194305 bytes, and one proof holds at most \
             4194304 bytes of journal",
        ),
        (
            ProveError::TooManyCycles {
                cycles: (2 << 22) + 1,
                limit: 2 << 22,
            },
            "cannot prove this run yet: it took 8388609 cycles, and one proof holds at most \
             8388608 cycles",
        ),
        (
            ProveError::RunTooLong {
                cycles: (1 << 30) - 3,
                limit: 1 << 30,
            },
            "cannot prove this run: it runs past 1073741824 cycles, the most a receipt holds in \
             all its segments (stopped after 1073741821)",
        ),
        (
            ProveError::IoTooLong {
                pc: 0x0040_001c,
                cycle: 7,
                limit: 1 << 22,
            },
            "cannot prove this run yet: with the ECALL at pc 0x0040001c (cycle 7) its ECALLs need \
             more than 4194304 rows of the I/O table (a header per ECALL, a row per buffer word), \
             more than one proof holds",
        ),
        (
            ProveError::AcceleratorTooLong {
                pc: 0x0040_001c,
                name: "SHA256_COMPRESS".into(),
                cycle: 7,
                limit: 1 << 22,
            },
            "cannot prove this run yet: with the ECALL SHA256_COMPRESS at pc 0x0040001c (cycle 7) \
             its accelerator calls need more than 4194304 rows of the accelerator's table (64 a \
             SHA-256 block, 24 a Keccak permutation), more than one proof holds",
        ),
        (
            ProveError::Backend("OodEvaluationMismatch".into()),
            "the prover failed: OodEvaluationMismatch",
        ),
    ]
}

/// One of each verifier error, with its message.
fn verify_errors() -> Vec<(VerifyError, &'static str)> {
    vec![
        (
            VerifyError::CodeTooHigh { end: 0x4000_000c },
            "the program cannot be proven: code ends at 0x4000000c, above 0x40000000",
        ),
        (
            VerifyError::Shape("a table has 2^25 rows, more than 2^23".into()),
            "the proof's shape is wrong: a table has 2^25 rows, more than 2^23",
        ),
        (
            VerifyError::DataTooLong {
                what: "journal",
                len: 5 << 20,
            },
            "the journal has 5242880 bytes, more than a proof holds (2^22 bytes)",
        ),
        (
            VerifyError::Stark("InvalidOpeningArgument".into()),
            "the proof does not verify: InvalidOpeningArgument",
        ),
    ]
}

/// The documented messages of the prover's errors, those no run reaches
/// today (an instruction the proof does not cover, a prover bug) among
/// them; through `ember_host::Error` they read the same.
#[test]
fn prove_errors_read_as_documented() {
    for (e, message) in prove_errors() {
        assert_eq!(e.to_string(), message);
        assert_eq!(Error::Prove(e).to_string(), message);
    }
    for (e, message) in verify_errors() {
        assert_eq!(e.to_string(), message);
    }
}

/// The host library's own messages, the one no test can reach (a 4 GiB
/// input value) among them.
#[test]
fn host_errors_read_as_documented() {
    let cases: Vec<(Error, &str)> = vec![
        (
            Error::Load(LoadError::NotElf32),
            "ELF class is 64-bit; Ember runs 32-bit (ELF32) RISC-V programs",
        ),
        (
            Error::TooLarge { len: 5_000_000_000 },
            "an input value of 5000000000 bytes does not fit in a frame (4 GiB at most)",
        ),
        (
            Error::ShortJournal { offset: 4 },
            "the journal ends inside the value starting at byte 4",
        ),
        (
            Error::TrailingJournal { left: 5 },
            "the journal has 5 bytes after its value (use Journal::decoder for several)",
        ),
        (
            unencodable(),
            "cannot encode an input value: Serde Serialization Error",
        ),
    ];
    for (e, message) in cases {
        assert_eq!(e.to_string(), message);
    }
}

/// The error of a value whose `Serialize` fails, as `Executor::write`
/// meets it.
fn unencodable() -> Error {
    struct Unencodable;
    impl serde::Serialize for Unencodable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }
    ember_host::encode_frame(&Unencodable).unwrap_err()
}
