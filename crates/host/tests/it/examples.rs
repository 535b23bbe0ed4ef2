//! The example guests end to end, against outputs computed independently on
//! the host (sha2, serde_json, a python-ecdsa signature). Their cycle counts
//! are pinned, so that speed work can never change semantics unnoticed.
//!
//! The tests need the guests built, so they are `#[ignore]`d: a plain
//! `cargo test` lists them as ignored. `cargo xtask test` builds the guests,
//! sets `EMBER_GUEST_DIR` and runs them (`--include-ignored`); run without
//! it, they fail saying so.

use std::path::PathBuf;

use ember_host::{Error, Executor, Exit, FaultKind, Program};
use sha2::{Digest as _, Sha256};

fn guest_elf(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("EMBER_GUEST_DIR").expect(
        "EMBER_GUEST_DIR is unset: the example tests need the guests built by \
         `cargo xtask test`, which sets it to their directory and runs these tests",
    );
    let path = PathBuf::from(dir).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn guest(name: &str) -> Program {
    Program::load(&guest_elf(name)).expect("example loads")
}

fn example_file(path: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../guest-examples/").to_string() + path)
        .unwrap()
}

fn run(p: &Program, input: &[u8]) -> (ember_host::Session, Vec<u8>) {
    let mut out = Vec::new();
    let s = Executor::new(p)
        .write_bytes(input)
        .stdout(&mut out)
        .run()
        .unwrap();
    (s, out)
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn hello() {
    let p = guest("hello");
    let (s, out) = run(&p, b"");
    assert_eq!(out, b"hello from an Ember guest\n");
    assert_eq!(s.exit, Exit::Halted { code: 0 });
    assert_eq!(
        s.journal.decode::<String>().unwrap(),
        "hello from an Ember guest"
    );
    assert_eq!(s.cycles, 659);
}

fn fib(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let next = a.wrapping_add(b);
        a = b;
        b = next;
    }
    a
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn fibonacci() {
    let p = guest("fibonacci");
    let (s, out) = run(&p, &example_file("fibonacci/input.bin"));
    assert_eq!(s.journal.decode::<u64>().unwrap(), fib(10_000));
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("fib(10000) mod 2^64 = {}\n", fib(10_000))
    );
    assert_eq!(s.cycles, 101_831);
    // fib(90) = 2880067194370816120 (OEIS A000045), the largest below 2^63.
    let s = Executor::new(&p)
        .write(&90u32)
        .unwrap()
        .stdout(std::io::sink())
        .run()
        .unwrap();
    assert_eq!(
        s.journal.decode::<u64>().unwrap(),
        2_880_067_194_370_816_120
    );
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn env_read_says_why_it_cannot_read_a_value() {
    let p = guest("fibonacci");
    let panic_with = |input: &[u8]| match Executor::new(&p).write_bytes(input).run().unwrap().exit {
        Exit::Panicked { message } => message,
        other => panic!("expected a panic, got {other:?}"),
    };
    let m = panic_with(b"");
    assert!(
        m.ends_with("env::read: the input ended after 0 of the 4 bytes of a value's length"),
        "{m}"
    );
    let m = panic_with(&[1, 0, 0, 0, 0xff]);
    assert!(
        m.contains("env::read: the input value (1 bytes) does not decode as u32: "),
        "{m}"
    );
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn env_read_checks_a_frame_length_against_the_input_left() {
    let p = guest("fibonacci");
    // A header may claim anything: env::read must refuse before allocating.
    for (claimed, rest) in [
        (3u32, &[1u8][..]),
        (0x7fff_0000, &[1, 2, 3]),
        (u32::MAX, &[]),
    ] {
        let mut input = claimed.to_le_bytes().to_vec();
        input.extend_from_slice(rest);
        let s = Executor::new(&p).write_bytes(&input).run().unwrap();
        let Exit::Panicked { message } = s.exit else {
            panic!("header {claimed:#x}: expected a panic, got {:?}", s.exit);
        };
        let (location, text) = message.split_once(":\n").unwrap();
        assert!(location.starts_with("panicked at "), "{message}");
        assert_eq!(
            text,
            format!(
                "env::read: the frame header claims {claimed} bytes but only {} bytes of input are left",
                rest.len()
            )
        );
    }
}

/// Keccak-256 of `data` on the host, by tiny-keccak (neither the guest's
/// accelerator nor its sha3 crate).
fn host_keccak256(data: &[u8]) -> [u8; 32] {
    use tiny_keccak::Hasher;
    let mut h = tiny_keccak::Keccak::v256();
    h.update(data);
    let mut out = [0; 32];
    h.finalize(&mut out);
    out
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn keccak256_on_the_accelerator_agrees_with_known_answers_and_the_host() {
    let p = guest("keccak");
    let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    // Ethereum's well-known Keccak-256 values.
    for (msg, want) in [
        (
            &b""[..],
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
        ),
        (
            b"abc",
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
        ),
    ] {
        let (s, out) = run(&p, msg);
        let (acc, soft) = s.journal.decode::<([u8; 32], [u8; 32])>().unwrap();
        assert_eq!((hex(acc), hex(soft)), (want.to_string(), want.to_string()));
        assert_eq!(hex(host_keccak256(msg)), want);
        assert!(out.ends_with(b"digests agree: true\n"), "{out:?}");
    }
    // Every rate boundary (136 bytes), and long inputs.
    let mut seed = 0x8765_4321u32;
    for len in [1usize, 135, 136, 137, 271, 272, 273, 1000, 70_001] {
        let input: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (seed >> 16) as u8
            })
            .collect();
        let (s, out) = run(&p, &input);
        let (acc, soft) = s.journal.decode::<([u8; 32], [u8; 32])>().unwrap();
        assert_eq!(acc, host_keccak256(&input), "{len} bytes");
        assert_eq!(soft, acc, "{len} bytes");
        assert!(out.ends_with(b"digests agree: true\n"), "{len} bytes");
    }
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn sha256_accelerated_and_software_agree_with_the_host() {
    let p = guest("sha256");
    let (s, _) = run(&p, &example_file("sha256/input.txt"));
    let (acc, soft) = s.journal.decode::<([u8; 32], [u8; 32])>().unwrap();
    // FIPS 180-4's well-known digest of this sentence.
    let want = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592";
    let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!((hex(acc), hex(soft)), (want.to_string(), want.to_string()));
    assert_eq!(s.cycles, 8_336);
    // NIST FIPS 180-2 examples (appendix B) and the empty message.
    for (msg, want) in [
        (
            &b""[..],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            b"abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
    ] {
        let (s, _) = run(&p, msg);
        let (acc, soft) = s.journal.decode::<([u8; 32], [u8; 32])>().unwrap();
        assert_eq!((hex(acc), hex(soft)), (want.to_string(), want.to_string()));
    }
    // Every padding boundary, and inputs spanning many 16-block batches.
    let mut seed = 0x1234_5678u32;
    for len in [
        0usize, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 1025, 4096, 70_001,
    ] {
        let input: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (seed >> 16) as u8
            })
            .collect();
        let (s, _) = run(&p, &input);
        let (acc, soft) = s.journal.decode::<([u8; 32], [u8; 32])>().unwrap();
        let host: [u8; 32] = Sha256::digest(&input).into();
        assert_eq!((acc, soft), (host, host), "length {len}");
    }
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn json_totals_match_serde_json_on_the_host() {
    let p = guest("json");
    let doc = example_file("json/input.json");
    let (s, out) = run(&p, &doc);
    let v: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    let accounts = v["accounts"].as_array().unwrap();
    let active: u64 = accounts
        .iter()
        .filter(|a| !a["frozen"].as_bool().unwrap())
        .map(|a| a["balance"].as_u64().unwrap())
        .sum();
    let richest = accounts
        .iter()
        .max_by_key(|a| a["balance"].as_u64())
        .unwrap()["owner"]
        .as_str();
    let mut journal = s.journal.decoder();
    let got = journal.read::<(u32, u64, Option<String>)>().unwrap();
    assert_eq!(
        got,
        (accounts.len() as u32, active, richest.map(str::to_owned))
    );
    let name = v["bank"].as_str().unwrap();
    assert_eq!(journal.read_bytes().unwrap(), name.as_bytes());
    assert!(journal.is_empty());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Ember Savings: 4 accounts, 100257 in active ones\n"
    );
    assert_eq!(s.cycles, 12_209);
    // Malformed JSON: main returns Err, which prints it and exits with 1.
    let mut err = Vec::new();
    let s = Executor::new(&p)
        .write_bytes(b"{\"bank\": 3}")
        .stderr(&mut err)
        .run()
        .unwrap();
    assert_eq!(s.exit, Exit::Halted { code: 1 });
    assert!(
        String::from_utf8(err)
            .unwrap()
            .starts_with("Error: Error(\"invalid type: integer `3`")
    );
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn ecdsa_verify_accepts_a_valid_signature_and_rejects_a_tampered_one() {
    let p = guest("ecdsa-verify");
    // input.bin was made with python-ecdsa, an independent implementation,
    // which verified the signature before writing it.
    let input = example_file("ecdsa-verify/input.bin");
    let key = "020121ef709ce7b0ceea109d4994518aa4a28592591ff5380185356c1d57c03cad";
    let hash = "695327a2b4cf8eb8ce7b8a69628821ce2333c371237c7f72cc7e0d8d10d7e5d2";
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let (s, _) = run(&p, &input);
    let (k, h, valid) = s.journal.decode::<(Vec<u8>, [u8; 32], bool)>().unwrap();
    assert_eq!(
        (hex(&k).as_str(), hex(&h).as_str(), valid),
        (key, hash, true)
    );
    assert_eq!(s.cycles, 5_694_107);
    // Flip one bit of the signature's last byte.
    let mut tampered = input.clone();
    *tampered.last_mut().unwrap() ^= 1;
    let (s, out) = run(&p, &tampered);
    let (_, _, valid) = s.journal.decode::<(Vec<u8>, [u8; 32], bool)>().unwrap();
    assert!(!valid);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "signature over 45 bytes: INVALID\n"
    );
}

fn fault_of(name: &str) -> ember_host::FaultReport {
    let p = guest(name);
    match Executor::new(&p).stdout(std::io::sink()).run() {
        Err(Error::Fault(r)) => *r,
        other => panic!("{name}: expected a fault, got {other:?}"),
    }
}

fn panic_of(name: &str) -> String {
    let p = guest(name);
    match Executor::new(&p)
        .stdout(std::io::sink())
        .run()
        .unwrap()
        .exit
    {
        Exit::Panicked { message } => message,
        other => panic!("{name}: expected a panic, got {other:?}"),
    }
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn faults_end_in_their_documented_outcomes() {
    let message = panic_of("panic");
    assert_eq!(
        message,
        "panicked at faults/src/bin/panic.rs:10:9:\nthe answer was 41"
    );

    let message = panic_of("oom");
    assert!(
        message.starts_with("out of memory: cannot allocate 1073741824 bytes ("),
        "{message}"
    );

    let r = fault_of("stack_overflow");
    assert!(
        matches!(r.fault.kind, FaultKind::StackOverflow { sp, .. } if sp < 0x1_0000),
        "{r}"
    );
    assert_eq!(
        r.location.as_ref().and_then(|l| l.function.as_deref()),
        Some("stack_overflow::recurse")
    );
    assert!(
        ember_host::report::hint(&r.fault.kind)
            .unwrap()
            .starts_with("the stack is 4 MiB")
    );

    let r = fault_of("null_deref");
    assert_eq!(
        r.fault.kind,
        FaultKind::AccessViolation {
            access: ember_core::Access::Load,
            addr: 0,
            region: ember_core::Region::Guard
        }
    );
    let loc = r.location.clone().unwrap();
    // Paths are remapped (reproducible image IDs): relative to the guest workspace.
    assert_eq!(loc.file.as_deref(), Some("./faults/src/bin/null_deref.rs"));
    assert_eq!(
        (loc.function.as_deref(), loc.line),
        (Some("main"), Some(10))
    );

    let r = fault_of("misaligned_load");
    assert!(
        matches!(r.fault.kind, FaultKind::Misaligned { access: ember_core::Access::Load, size: 4, addr } if addr % 4 == 1),
        "{r}"
    );
    assert!(
        ember_host::report::hint(&r.fault.kind)
            .unwrap()
            .starts_with("Ember does not emulate misaligned")
    );

    let message = panic_of("getrandom");
    assert!(
        message.starts_with(
            "getrandom: an Ember guest has no source of entropy (32 random bytes were asked for). \
             A zkVM run must be reproducible: have the host pass random bytes as input"
        ),
        "{message}"
    );

    let r = fault_of("unknown_ecall");
    assert!(
        ember_host::report::hint(&r.fault.kind)
            .unwrap()
            .starts_with("ECALL numbers are listed")
    );
    assert_eq!(r.fault.kind, FaultKind::UnknownEcall { number: 99 });
    assert_eq!(r.location.unwrap().line, Some(10));
}

/// The first lines of a panicking guest's backtrace, pcs left out (they
/// move with every build of the runtime).
fn backtrace_head(name: &str, lines: usize) -> Vec<String> {
    let p = guest(name);
    let s = Executor::new(&p).stdout(std::io::sink()).run().unwrap();
    let text = ember_host::report::backtrace_text(s.backtrace.as_ref().unwrap());
    text.lines()
        .take(lines)
        .map(|line| match line.split_once(": 0x") {
            Some((number, rest)) => format!("{number}: {}", &rest[8..]),
            None => line.to_string(),
        })
        .collect()
}

/// A panic's backtrace starts at the guest's own code: the panic handler,
/// `core::panicking` and the allocator's failure path are one line.
#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn panic_backtraces_start_at_the_guests_own_frame() {
    assert_eq!(
        backtrace_head("panic", 3),
        [
            "  backtrace (innermost first):",
            "    (4 frames of panic machinery hidden)",
            "    4:   panic::main at ./faults/src/bin/panic.rs:10",
        ]
    );
    assert_eq!(
        backtrace_head("oom", 3),
        [
            "  backtrace (innermost first):",
            "    (14 frames of panic machinery hidden)",
            "   14:   oom::main at ./faults/src/bin/oom.rs:15",
        ]
    );
}

/// A fault's `in` line names the guest's own function, past the library
/// function inlined where it faulted (`black_box` in `hint.rs`).
#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn a_faults_in_line_names_the_guests_own_frame() {
    let r = fault_of("stack_overflow");
    let b = r.backtrace.as_ref().unwrap();
    assert!(
        b.frames[0]
            .location
            .to_string()
            .starts_with("black_box<[u32; 64]> at /rustc/"),
        "{}",
        b.frames[0].location
    );
    let text = ember_host::report::fault_text(&r, false);
    assert!(
        text.contains(
            "\n  in        stack_overflow::recurse at ./faults/src/bin/stack_overflow.rs:12\n"
        ),
        "{text}"
    );
}

#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn printing_touches_no_more_memory_for_20000_lines_than_for_one() {
    let p = guest("print-loop");
    let print = |input: &[u8]| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let s = Executor::new(&p)
            .write_bytes(input)
            .stdout(&mut out)
            .stderr(&mut err)
            .run()
            .unwrap();
        assert_eq!(s.exit, Exit::Halted { code: 0 });
        let text = |bytes| String::from_utf8(bytes).unwrap();
        (s.touched_pages, text(out), text(err))
    };
    // A line of 700 two-byte characters: longer than the print buffer.
    let long_line = "é".repeat(700) + "\n";

    let (one_line_pages, out, err) = print(&[1, 0, 0, 0, 1]);
    assert_eq!(out, format!("line 1 of 1\n{long_line}"));
    assert_eq!(err, "printed 1 lines\n");

    // input.bin holds 20,000.
    let (pages, out, err) = print(&example_file("print-loop/input.bin"));
    let want: String = (1..=20_000)
        .map(|i| format!("line {i} of 20000\n"))
        .chain([long_line])
        .collect();
    assert!(
        out == want,
        "stdout: {} bytes, {} expected; last line {:?}",
        out.len(),
        want.len(),
        out.lines().last()
    );
    assert_eq!(err, "printed 20000 lines\n");
    assert_eq!(
        pages, one_line_pages,
        "20,000 lines touched {pages} pages, 1 line {one_line_pages}: printing uses memory per call"
    );
    // Code, data, stack and the input's one small heap block.
    assert!(one_line_pages <= 8, "{one_line_pages} pages");
}

/// The examples the proof covers, proven and verified end to end through
/// the library, with the receipt's bytes round-tripped; a changed journal
/// or input is rejected. sha256 and keccak call the accelerators.
#[test]
#[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
fn the_provable_examples_prove_and_verify() {
    let cases: [(&str, Vec<u8>, u8); 6] = [
        ("hello", Vec::new(), 0),
        ("fibonacci", example_file("fibonacci/input.bin"), 0),
        ("json", example_file("json/input.json"), 0),
        ("panic", Vec::new(), 1),
        ("sha256", example_file("sha256/input.txt"), 0),
        ("keccak", example_file("keccak/input.txt"), 0),
    ];
    for (name, input, status) in cases {
        let elf = guest_elf(name);
        let p = Program::load(&elf).unwrap();
        let proven = Executor::new(&p)
            .write_bytes(&input)
            .prove()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let receipt = ember_host::Receipt::from_bytes(&proven.receipt.to_bytes()).unwrap();
        assert_eq!(receipt.claim.status, status, "{name}");
        assert_eq!(receipt.claim_digest, proven.session.claim_digest, "{name}");
        let journal = proven.session.journal.bytes.clone();
        ember_host::verify_receipt(&elf, &input, &journal, &receipt)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut other = journal.clone();
        other.push(0);
        assert!(ember_host::verify_receipt(&elf, &input, &other, &receipt).is_err());
        let mut other = input.clone();
        other.push(0);
        assert!(ember_host::verify_receipt(&elf, &other, &journal, &receipt).is_err());
    }
}
