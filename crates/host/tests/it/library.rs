//! The host library: every outcome and fault, typed I/O, commitments.

use ember_host::{Error, Executor, Exit, FaultKind, Program};
use ember_testkit::{CODE, DATA};
use serde::{Deserialize, Serialize};

use crate::guests::*;

fn load(g: &Guest) -> Program {
    Program::load(&g.elf()).expect("test guest loads")
}

#[test]
fn hello_prints_and_commits() {
    let p = load(&hello());
    let mut out = Vec::new();
    let s = Executor::new(&p).stdout(&mut out).run().unwrap();
    assert_eq!(out, b"hello\n");
    assert_eq!(s.exit, Exit::Halted { code: 0 });
    assert_eq!(s.journal.bytes, [1, 0, 0, 0, 42]);
    assert_eq!(s.journal.decode::<u32>().unwrap(), 42);
    assert_eq!(s.cycles, s.instructions + 2 + 2);
    assert_eq!(s.image_id, p.image_id());
    assert_eq!(
        s.journal_digest,
        ember_host::Digest::of(&[&s.journal.bytes])
    );
    assert_eq!(s.input_digest, ember_host::Digest::of(&[b""]));
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Point {
    x: i64,
    name: String,
    tags: Vec<u8>,
}

#[test]
fn typed_input_round_trips_through_the_journal() {
    let p = load(&echo());
    let point = Point {
        x: -5,
        name: "ember".into(),
        tags: vec![1, 2, 3],
    };
    let s = Executor::new(&p)
        .write(&point)
        .unwrap()
        .write(&7u64)
        .unwrap()
        .run()
        .unwrap();
    let mut d = s.journal.decoder();
    assert_eq!(d.read::<Point>().unwrap(), point);
    assert_eq!(d.read::<u64>().unwrap(), 7);
    assert!(d.is_empty());
    assert!(matches!(
        s.journal.decode::<Point>(),
        Err(Error::TrailingJournal { left: 5 })
    ));
}

#[test]
fn journal_decoding_errors_say_where() {
    let p = load(&echo());
    let s = Executor::new(&p)
        .write_bytes(&[9, 0, 0, 0, 1])
        .run()
        .unwrap();
    assert!(matches!(
        s.journal.decode::<u32>(),
        Err(Error::ShortJournal { offset: 0 })
    ));
    let s = Executor::new(&p)
        .write_bytes(&[1, 0, 0, 0, 0xff])
        .run()
        .unwrap();
    let e = s.journal.decode::<u32>().unwrap_err();
    assert!(matches!(e, Error::Decode { offset: 0, .. }), "{e}");
}

#[test]
fn raw_frames_read_back_as_bytes() {
    let p = load(&echo());
    let s = Executor::new(&p)
        .write_bytes(b"\x03\0\0\0abc\0\0\0\0")
        .run()
        .unwrap();
    let mut d = s.journal.decoder();
    assert_eq!(d.read_bytes().unwrap(), b"abc");
    assert_eq!(d.read_bytes().unwrap(), b"");
    assert!(d.is_empty());
    assert!(matches!(
        d.read_bytes(),
        Err(Error::ShortJournal { offset: 11 })
    ));
}

#[test]
fn non_zero_exit_and_panic_are_outcomes() {
    let s = Executor::new(&load(&exits_with(3))).run().unwrap();
    assert_eq!(s.exit, Exit::Halted { code: 3 });
    let s = Executor::new(&load(&panics())).run().unwrap();
    assert_eq!(
        s.exit,
        Exit::Panicked {
            message: "boom at src/main.rs:7:5".into()
        }
    );
}

#[test]
fn a_fault_keeps_the_journal_and_names_the_function() {
    let p = load(&null_deref());
    let mut out = Vec::new();
    let Err(Error::Fault(r)) = Executor::new(&p).stdout(&mut out).run() else {
        panic!("expected a fault");
    };
    assert_eq!(out, b"before\n");
    assert_eq!(r.journal.bytes, [1, 0, 0, 0, 7]);
    assert_eq!(r.journal.decode::<u32>().unwrap(), 7);
    assert_eq!(
        r.fault.kind,
        FaultKind::AccessViolation {
            access: ember_core::Access::Load,
            addr: 0,
            region: ember_core::Region::Guard
        }
    );
    let loc = r.location.as_ref().unwrap();
    assert_eq!(loc.function.as_deref(), Some("guest::deref"));
    assert_eq!(r.registers[1], r.fault.pc, "ra points past the call");
    assert!(r.to_string().ends_with(" in guest::deref"), "{r}");
}

#[test]
fn cycle_limit_is_a_fault_with_the_numbers() {
    let p = load(&spins());
    let Err(Error::Fault(r)) = Executor::new(&p).cycle_limit(10_000).run() else {
        panic!("expected the limit");
    };
    assert_eq!(
        r.fault.kind,
        FaultKind::CycleLimitExceeded {
            limit: 10_000,
            cycles: 10_000
        }
    );
    assert_eq!(r.cycles, 10_000);
}

#[test]
fn load_errors_are_typed() {
    assert!(matches!(
        Program::load(b"nope"),
        Err(ember_host::LoadError::Parse(_))
    ));
}

#[test]
fn runs_are_deterministic_and_the_claim_is_pinned() {
    // The checked-in fixture, so that the pin does not move with the testkit.
    let elf = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hello.elf")).unwrap();
    let p = Program::load(&elf).unwrap();
    let run = || Executor::new(&p).stdout(std::io::sink()).run().unwrap();
    let (a, b) = (run(), run());
    assert_eq!(
        (a.cycles, &a.journal, a.claim_digest),
        (b.cycles, &b.journal, b.claim_digest)
    );
    // Pinned: any change to the commitment scheme or the cycle accounting
    // shows up here. Both values were also computed from the ELF file by an
    // independent Python implementation of ABI v1 (docs/image_id.py, and
    // hashlib for the claim).
    assert_eq!(a.cycles, 27);
    assert_eq!(
        p.image_id().to_hex(),
        "9218d743e7dd1f73e56be1693683f85e0231fe82252c9fc9c025941e24830495"
    );
    assert_eq!(
        a.claim_digest.to_hex(),
        "07572d1159974578de3a0619f3242a7fef7a783991d23653af197f35f0ac0f36"
    );
}

/// The script docs/abi.md gives for recomputing an image ID by hand agrees
/// with Ember, on the fixture and on an ELF with two code segments.
#[test]
fn the_documented_image_id_script_agrees() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let script = format!("{root}/docs/image_id.py");
    let two_code = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ember-two-code-{}.elf", std::process::id()));
    std::fs::write(&two_code, two_code_segments()).unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hello.elf");
    for path in [std::path::Path::new(fixture), &two_code] {
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(path)
            .output()
            .expect("python3 runs the documented script");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let elf = std::fs::read(path).unwrap();
        let ours = Program::load(&elf).unwrap().image_id().to_hex();
        assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), ours);
    }
    let _ = std::fs::remove_file(two_code);
}

/// Two code segments with a read-only one between them.
fn two_code_segments() -> Vec<u8> {
    use ember_testkit::{ElfHeader, PF_R, PF_W, Ph, elf32};
    let words = [ember_core::asm::jal(0, 0x2000), 0, 0, 0];
    let halt = [
        ember_core::asm::addi(10, 0, 3),
        ember_core::asm::addi(5, 0, 0),
        ember_core::asm::ecall(),
    ];
    elf32(
        &ElfHeader::default(),
        &[
            Ph::code(CODE, &words),
            Ph::load(CODE + 0x1000, PF_R, b"rodata".to_vec(), 0x10),
            Ph::code(CODE + 0x2000, &halt),
            Ph::load(CODE + 0x3000, PF_R | PF_W, vec![1, 2, 3], 0x2000),
        ],
    )
}

#[test]
fn symbols_are_read_and_looked_up() {
    let p = load(&null_deref());
    let names: Vec<&str> = p.symbols().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["guest::main", "guest::deref"]);
    assert_eq!(p.symbol_at(CODE).unwrap().name, "guest::main");
    assert_eq!(p.symbol_at(DATA), None);
    assert_eq!(p.locate(DATA), None);
}

/// Regenerates the checked-in hello.elf when asked (`EMBER_WRITE_FIXTURES=1`).
#[test]
fn hello_fixture_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hello.elf");
    if std::env::var_os("EMBER_WRITE_FIXTURES").is_some() {
        std::fs::write(path, hello().elf()).unwrap();
    }
    assert_eq!(std::fs::read(path).unwrap(), hello().elf());
}

/// A sink that refuses every write, like a closed pipe.
struct Closed;

impl std::io::Write for Closed {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_stdout_sink_is_reported_and_the_journal_kept() {
    let p = load(&hello());
    let s = Executor::new(&p).stdout(Closed).run().unwrap();
    assert_eq!(
        s.output_error,
        Some((ember_core::Output::Stdout, std::io::ErrorKind::BrokenPipe))
    );
    assert_eq!(s.journal.decode::<u32>().unwrap(), 42);
    assert!(
        ember_host::report::session_text(&s)
            .contains("  warning: writing the guest's stdout failed: broken pipe\n")
    );
}

/// A value whose serialisation fails.
struct Unencodable;

impl Serialize for Unencodable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("cannot be encoded"))
    }
}

#[test]
fn an_input_value_that_cannot_be_encoded_is_an_error() {
    let p = load(&echo());
    let e = Executor::new(&p).write(&Unencodable).err().unwrap();
    assert!(matches!(e, Error::Encode(_)), "{e}");
    assert!(
        e.to_string().starts_with("cannot encode an input value: "),
        "{e}"
    );
}

#[test]
fn the_journal_limit_faults_the_write_past_it_and_keeps_the_journal() {
    let p = load(&commits_twice());
    let Err(Error::Fault(r)) = Executor::new(&p).journal_limit(8).run() else {
        panic!("expected the journal limit");
    };
    assert_eq!(
        r.fault.kind,
        FaultKind::JournalLimitExceeded {
            limit: 8,
            journal: 5,
            len: 5
        }
    );
    assert_eq!(r.journal.bytes, [1, 0, 0, 0, 42]);
    assert_eq!(
        ember_host::report::hint(&r.fault.kind),
        Some(
            "raise the limit with --journal-limit N, or commit less (hash large data and commit the digest)"
        )
    );
    // Exactly at the limit is allowed.
    let s = Executor::new(&p).journal_limit(10).run().unwrap();
    assert_eq!(s.journal.bytes.len(), 10);
}

/// A symbol with an empty name (found by the program_load fuzz target)
/// names nothing: it is dropped, and `locate` does not report "".
#[test]
fn a_nameless_symbol_is_ignored() {
    use ember_testkit::{ElfHeader, Ph, Sym, elf32_with_symbols};
    let sym = |name, addr| Sym {
        name,
        addr,
        size: 8,
    };
    let elf = elf32_with_symbols(
        &ElfHeader::default(),
        &[Ph::code(CODE, &[halt(0), halt(0)].concat())],
        &[sym("", CODE), sym("guest::after", CODE + 12)],
    );
    let p = Program::load(&elf).unwrap();
    let names: Vec<&str> = p.symbols().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["guest::after"]);
    assert_eq!(p.locate(CODE), None);
}
