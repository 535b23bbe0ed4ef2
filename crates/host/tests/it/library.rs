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
    // independent Python implementation of SPEC §6.
    assert_eq!(a.cycles, 27);
    assert_eq!(
        p.image_id().to_hex(),
        "0bb651dfce014fd6e34b154a37ccd371cd32ef2773ac8c2953265340ff558efa"
    );
    assert_eq!(
        a.claim_digest.to_hex(),
        "8d4f3c0518e414d6eb30c323a5317ab351732042817d7d074cfba7429458b48b"
    );
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
