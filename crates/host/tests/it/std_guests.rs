//! The std guests of `guest-examples/std` end to end: their output and
//! journal checked exactly against values computed here on the host.
//!
//! Like the examples' tests they need the guests built: `cargo xtask test`
//! builds them and sets `EMBER_STD_GUEST_DIR`; a plain `cargo test` lists
//! them as ignored.

use std::path::PathBuf;

use ember_host::{Executor, Exit, Program, Session};
use sha2::Digest as _;

fn std_guest(name: &str) -> Program {
    Program::load(&std_guest_elf(name)).expect("std guest loads")
}

fn std_guest_elf(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("EMBER_STD_GUEST_DIR").expect(
        "EMBER_STD_GUEST_DIR is unset: the std guest tests need the guests built by \
         `cargo xtask test`, which sets it to their directory and runs these tests",
    );
    let path = PathBuf::from(dir).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn std_example_file(path: &str) -> Vec<u8> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../guest-examples/std/")
        .join(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Runs with raw input; returns the session, stdout and stderr.
fn run(p: &Program, input: &[u8]) -> (Session, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = Executor::new(p)
        .write_bytes(input)
        .stdout(&mut out)
        .stderr(&mut err)
        .run()
        .unwrap();
    (
        s,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// wordcount's result, computed on the host: (total, distinct, top 5 by
/// count then word, the text's SHA-256 by the `sha2` crate).
fn word_counts(text: &str) -> (u32, u32, Vec<(String, u32)>, [u8; 32]) {
    let mut counts = std::collections::BTreeMap::<String, u32>::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(word.to_lowercase()).or_default() += 1;
    }
    let mut top: Vec<(String, u32)> = counts.clone().into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(5);
    let digest = sha2::Sha256::digest(text.as_bytes()).into();
    (counts.values().sum(), counts.len() as u32, top, digest)
}

#[test]
#[ignore = "needs the std guests built by cargo xtask test (EMBER_STD_GUEST_DIR)"]
fn wordcount() {
    let p = std_guest("wordcount");
    let input = std_example_file("wordcount/input.txt");
    let (s, out, err) = run(&p, &input);
    assert_eq!(s.exit, Exit::Halted { code: 0 });
    assert_eq!(err, "");
    // Independently computed, and spelled out: 60 words of "A Tale of Two
    // Cities", 20 of them different.
    let expected = word_counts(std::str::from_utf8(&input).unwrap());
    assert_eq!(
        (expected.0, expected.1, expected.2.clone()),
        (
            60,
            20,
            vec![
                ("it".into(), 10),
                ("of".into(), 10),
                ("the".into(), 10),
                ("was".into(), 10),
                ("age".into(), 2)
            ]
        )
    );
    assert_eq!(
        out,
        "60 words, 20 distinct\n  10 it\n  10 of\n  10 the\n  10 was\n   2 age\n"
    );
    assert_eq!(
        s.journal
            .decode::<(u32, u32, Vec<(String, u32)>, [u8; 32])>()
            .unwrap(),
        expected
    );
    // The journal's exact bytes: one frame (u32 LE length, then postcard:
    // the digest is 32 bytes as they are).
    let mut journal = vec![58, 0, 0, 0, 60, 20, 5];
    for (word, n) in &expected.2 {
        journal.push(word.len() as u8);
        journal.extend_from_slice(word.as_bytes());
        journal.push(*n as u8);
    }
    journal.extend(expected.3);
    assert_eq!(s.journal.bytes, journal);
    assert_eq!(s.cycles, 64_180);

    // Deterministic: HashMap's keys come from sys_rand's fixed sequence,
    // so a second run is the same claim.
    let (again, _, _) = run(&p, &input);
    assert_eq!(again.claim_digest, s.claim_digest);
}

#[test]
#[ignore = "needs the std guests built by cargo xtask test (EMBER_STD_GUEST_DIR)"]
fn wordcount_reads_all_of_stdin() {
    // More input than std's 8 KiB stdin buffer, and words split across it.
    let p = std_guest("wordcount");
    let text = "zkvm guests count words ".repeat(1000);
    let (s, out, _) = run(&p, text.as_bytes());
    assert_eq!(s.exit, Exit::Halted { code: 0 });
    assert_eq!(
        out,
        "4000 words, 4 distinct\n1000 count\n1000 guests\n1000 words\n1000 zkvm\n"
    );
    assert_eq!(
        s.journal
            .decode::<(u32, u32, Vec<(String, u32)>, [u8; 32])>()
            .unwrap(),
        word_counts(&text)
    );
}

#[test]
#[ignore = "needs the std guests built by cargo xtask test (EMBER_STD_GUEST_DIR)"]
fn wordcount_panics_on_invalid_utf8() {
    // A std panic reaches the host through PANIC, with message and location.
    let p = std_guest("wordcount");
    let (s, out, err) = run(&p, b"caf\xc3");
    assert_eq!(
        s.exit,
        Exit::Panicked {
            message: "panicked at wordcount/src/main.rs:15:10:\n\
                      the input is not UTF-8 text: Error { kind: InvalidData, \
                      message: \"stream did not contain valid UTF-8\" }"
                .into()
        }
    );
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    assert!(s.journal.bytes.is_empty());
    // The backtrace starts at the guest's own frame: std's panic machinery
    // and `Result::expect`'s failure path are one line.
    let b = s.backtrace.as_ref().unwrap();
    assert_eq!(b.panic_machinery, 11);
    let text = ember_host::report::backtrace_text(b);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "    (11 frames of panic machinery hidden)");
    assert!(
        lines[2].starts_with("   11: 0x")
            && lines[2].ends_with("  wordcount::main at ./wordcount/src/main.rs:15"),
        "{text}"
    );
}

/// The EVM demo's transaction, the very file the guest runs, compiled here
/// for the host with the same revm.
#[path = "../../../../guest-examples/std/evm/src/scenario.rs"]
mod scenario;

/// Runs the evm guest with `amount` as its input; returns the session and
/// its stdout.
fn run_evm(amount: u64) -> (Session, String) {
    let p = std_guest("evm");
    let mut out = Vec::new();
    let s = Executor::new(&p)
        .write(&amount)
        .unwrap()
        .stdout(&mut out)
        .run()
        .unwrap();
    assert_eq!(s.exit, Exit::Halted { code: 0 });
    (s, String::from_utf8(out).unwrap())
}

/// The journal a guest committing `outcome` writes: one frame.
fn framed(outcome: &scenario::Outcome) -> Vec<u8> {
    let body = postcard::to_allocvec(outcome).unwrap();
    let mut bytes = (body.len() as u32).to_le_bytes().to_vec();
    bytes.extend_from_slice(&body);
    bytes
}

fn word(address: revm::primitives::Address) -> [u8; 32] {
    let mut w = [0; 32];
    w[12..].copy_from_slice(address.as_slice());
    w
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
#[ignore = "needs the std guests built by cargo xtask test (EMBER_STD_GUEST_DIR)"]
fn evm_transfer_matches_native_revm() {
    let input = std_example_file("evm/input.bin");
    assert_eq!(
        input,
        [3, 0, 0, 0, 0xa0, 0x8d, 0x06],
        "100000 tokens, framed"
    );
    let (s, out) = run_evm(100_000);

    let native = scenario::transfer(100_000);
    assert_eq!(s.journal.bytes, framed(&native));
    assert_eq!(
        s.journal.decode::<scenario::Outcome>().unwrap(),
        native.clone()
    );

    // What the native run says, spelled out: success; 21000 + calldata +
    // the contract's gas; one Transfer(alice, bob, 100000) log.
    let (success, gas_used, logs, state_hash) = native;
    assert!(success);
    assert_eq!(gas_used, 50_500);
    let transfer_topic = revm::primitives::keccak256("Transfer(address,address,uint256)").0;
    let mut amount = [0; 32];
    amount[24..].copy_from_slice(&100_000u64.to_be_bytes());
    assert_eq!(
        logs,
        vec![(
            scenario::TOKEN.into_array(),
            vec![transfer_topic, word(scenario::ALICE), word(scenario::BOB)],
            amount.to_vec()
        )]
    );
    assert_eq!(
        out,
        format!(
            "transfer of 100000 tokens: success, 50500 gas, 1 log(s)\npost-state hash {}\n",
            hex(&state_hash)
        )
    );
    assert_eq!(
        hex(&state_hash),
        "5e27bfbb4fbf4e329630d2e0fd14a6fa8e284d49411bb4850ececc4feabb78f3"
    );
    // revm's Keccak on the accelerator (native-keccak): 422,679 in software.
    assert_eq!(s.cycles, 166_319);
}

#[test]
#[ignore = "needs the std guests built by cargo xtask test (EMBER_STD_GUEST_DIR)"]
fn evm_overdraft_reverts_as_natively() {
    // More tokens than Alice has: the contract reverts, no log, the state
    // changes only by the gas Alice paid.
    let amount = scenario::ALICE_TOKENS + 1;
    let (s, out) = run_evm(amount);
    let native = scenario::transfer(amount);
    assert_eq!(s.journal.bytes, framed(&native));
    let (success, gas_used, logs, state_hash) = native;
    assert!(!success);
    assert!(logs.is_empty());
    assert_eq!(
        out,
        format!(
            "transfer of {amount} tokens: reverted, {gas_used} gas, 0 log(s)\npost-state hash {}\n",
            hex(&state_hash)
        )
    );
    assert_ne!(state_hash, scenario::transfer(100_000).3);
    // The balance slot the contract reads is Solidity's for Alice.
    assert_eq!(
        scenario::balance_slot(scenario::ALICE),
        revm::primitives::U256::from_be_bytes(
            revm::primitives::keccak256([word(scenario::ALICE), [0; 32]].concat()).0
        )
    );
    assert_eq!(scenario::TOKEN_CODE.len(), 165);
}

/// wordcount (SHA-256 through `sys_sha_buffer`) and the EVM demo (Keccak
/// through `native_keccak256`) proven and verified end to end through the
/// library, with the receipt's bytes round-tripped; a changed journal is
/// rejected.
#[test]
#[ignore = "needs the std guests built by cargo xtask test (EMBER_STD_GUEST_DIR)"]
fn wordcount_and_evm_prove_and_verify() {
    for (name, input) in [
        ("wordcount", std_example_file("wordcount/input.txt")),
        ("evm", std_example_file("evm/input.bin")),
    ] {
        let elf = std_guest_elf(name);
        let p = Program::load(&elf).unwrap();
        let proven = Executor::new(&p)
            .write_bytes(&input)
            .stdout(std::io::sink())
            .prove()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let receipt = ember_host::Receipt::from_bytes(&proven.receipt.to_bytes()).unwrap();
        let journal = proven.session.journal.bytes.clone();
        ember_host::verify_receipt(&elf, &input, &journal, &receipt)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut other = journal.clone();
        other[journal.len() - 1] ^= 1;
        assert!(
            ember_host::verify_receipt(&elf, &input, &other, &receipt).is_err(),
            "{name}"
        );
    }
}
