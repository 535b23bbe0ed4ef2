//! The `ember` command: exit statuses and the exact first line of each
//! message, for every outcome and every kind of bad input.

use std::path::{Path, PathBuf};

use ember_testkit::*;

use crate::cmd::{ember, file, first_line, scratch_in, stderr};
use crate::guests::*;

fn scratch(name: &str) -> PathBuf {
    scratch_in("cli", name)
}

#[test]
fn run_success_streams_stdout_and_summarises() {
    let dir = scratch("ok");
    let elf = file(&dir, "hello.elf", &hello().elf());
    let journal = dir.join("journal.bin");
    let o = ember(&["run", &elf, "--journal", journal.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, b"hello\n");
    let err = stderr(&o);
    assert_eq!(first_line(&o), "ember: guest halted with exit code 0");
    assert!(
        err.contains("\n  cycles        27 (23 instructions)\n"),
        "{err}"
    );
    assert!(err.contains("\n  journal       5 bytes, digest "), "{err}");
    assert!(err.contains("\n  claim digest  "), "{err}");
    assert_eq!(std::fs::read(journal).unwrap(), [1, 0, 0, 0, 42]);
}

#[test]
fn run_json_prints_one_object_on_stdout() {
    let dir = scratch("json");
    let elf = file(&dir, "hello.elf", &hello().elf());
    let o = ember(&["run", &elf, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stderr(&o),
        "hello\n",
        "guest stdout goes to stderr with --json"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "halted");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["cycles"], 27);
    assert_eq!(v["journal_bytes"], 5);
    assert_eq!(v["claim_digest"].as_str().unwrap().len(), 64);
}

#[test]
fn run_passes_input_bytes() {
    let dir = scratch("input");
    let elf = file(&dir, "echo.elf", &echo().elf());
    let input = file(&dir, "in.bin", b"\x03\x00\x00\x00abc");
    let journal = dir.join("j.bin");
    let o = ember(&[
        "run",
        &elf,
        "--input",
        &input,
        "--journal",
        journal.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(journal).unwrap(), b"\x03\x00\x00\x00abc");
}

#[test]
fn guest_exit_code_panic_fault_and_limit_have_their_own_statuses() {
    let dir = scratch("statuses");
    let o = ember(&["run", &file(&dir, "exit.elf", &exits_with(3).elf())]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(first_line(&o), "ember: guest halted with exit code 3");

    let o = ember(&["run", &file(&dir, "panic.elf", &panics().elf())]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        first_line(&o),
        "ember: guest panicked: boom at src/main.rs:7:5"
    );

    let o = ember(&["run", &file(&dir, "null.elf", &null_deref().elf())]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(o.stdout, b"before\n");
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "error: guest fault: access violation: load from 0x00000000 in the guard region 0x00000000..0x00010000"
    );
    assert_eq!(
        lines[1],
        "  at pc     0x0040004c  lw a0,0(zero)  [0x00002503]"
    );
    assert_eq!(lines[2], "  in        guest::deref");
    assert_eq!(lines[4], "  journal   5 bytes committed before the fault");
    assert_eq!(
        lines[5],
        "  hint:     an address this close to 0 is usually a null pointer dereference"
    );
    assert!(!err.contains("registers"));

    let o = ember(&["run", "-v", &file(&dir, "null2.elf", &null_deref().elf())]);
    assert!(stderr(&o).contains("  registers:\n"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("  ra(x1 )=0x0040004c"),
        "{}",
        stderr(&o)
    );

    let o = ember(&[
        "run",
        "--cycle-limit",
        "1_000",
        &file(&dir, "spin.elf", &spins().elf()),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        first_line(&o),
        "error: guest fault: cycle limit exceeded: limit 1000, 1000 cycles done"
    );
    assert!(stderr(&o).contains(
        "\n  hint:     raise the limit with --cycle-limit N, or look for an endless loop around this pc\n"
    ));
}

#[test]
fn a_faulting_run_still_saves_the_journal() {
    let dir = scratch("faultjournal");
    let journal = dir.join("j.bin");
    let o = ember(&[
        "run",
        &file(&dir, "null.elf", &null_deref().elf()),
        "--journal",
        journal.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(std::fs::read(journal).unwrap(), [1, 0, 0, 0, 7]);
}

#[test]
fn the_journal_limit_faults_and_the_journal_so_far_is_saved() {
    let dir = scratch("journallimit");
    let elf = file(&dir, "twice.elf", &commits_twice().elf());
    let journal = dir.join("j.bin");
    let o = ember(&[
        "run",
        &elf,
        "--journal-limit",
        "0_008",
        "--journal",
        journal.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        first_line(&o),
        "error: guest fault: journal limit exceeded: limit 8 bytes, 5 bytes committed, 5 more asked for"
    );
    assert!(stderr(&o).contains(
        "\n  journal   5 bytes committed before the fault\n  hint:     raise the limit with --journal-limit N, or commit less (hash large data and commit the digest)\n"
    ), "{}", stderr(&o));
    assert_eq!(std::fs::read(&journal).unwrap(), [1, 0, 0, 0, 42]);

    let o = ember(&["run", &elf, "--journal-limit", "10"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn an_unwritable_journal_file_is_bad_input_before_the_guest_runs() {
    let dir = scratch("journaldir");
    let elf = file(&dir, "hello.elf", &hello().elf());
    // A directory cannot be written as a file.
    let o = ember(&["run", &elf, "--journal", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(o.stdout, b"", "the guest must not run");
    assert_eq!(
        stderr(&o),
        format!(
            "error: cannot write the journal to {}: Is a directory (os error 21)\n",
            dir.display()
        )
    );
}

/// When the journal file opens but cannot be written (a full disk), the
/// summary and claim are still printed, then what was not saved, status 4.
#[test]
fn a_journal_that_cannot_be_saved_after_the_run_still_gets_the_summary() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    let dir = scratch("journalfull");
    let elf = file(&dir, "hello.elf", &hello().elf());
    let o = ember(&["run", &elf, "--journal", "/dev/full"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(o.stdout, b"hello\n");
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "ember: guest halted with exit code 0");
    assert!(lines[6].starts_with("  claim digest  "), "{err}");
    assert_eq!(
        lines[7..],
        [
            "error: the journal (5 bytes) was not saved: cannot write /dev/full: No space left on device (os error 28)"
        ]
    );

    let o = ember(&["run", &elf, "--json", "--journal", "/dev/full"]);
    assert_eq!(o.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "halted");
    assert!(stderr(&o).ends_with("error: the journal (5 bytes) was not saved: cannot write /dev/full: No space left on device (os error 28)\n"));
}

#[test]
fn fault_json() {
    let dir = scratch("faultjson");
    let o = ember(&[
        "run",
        "--json",
        &file(&dir, "null.elf", &null_deref().elf()),
    ]);
    assert_eq!(o.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "fault");
    assert_eq!(v["pc"], 0x0040_004c);
    assert_eq!(v["function"], "guest::deref");
    assert_eq!(v["instruction"], "lw a0,0(zero)");
    assert_eq!(
        v["hint"],
        "an address this close to 0 is usually a null pointer dereference"
    );
}

/// Every kind of bad input: status 4, one line, no panic or backtrace.
#[test]
fn bad_input_gets_one_line_and_status_4() {
    let dir = scratch("bad");
    let good = hello().elf();
    let mut elf64 = good.clone();
    elf64[4] = 2;
    let mut wrong_machine = good.clone();
    wrong_machine[18] = 62;
    let rvc = elf32(
        &ElfHeader {
            flags: 1,
            ..ElfHeader::default()
        },
        &[Ph::code(CODE, &halt(0))],
    );
    let in_guard = elf32(
        &ElfHeader::default(),
        &[
            Ph::code(CODE, &halt(0)),
            Ph::load(0x8000, PF_R | PF_W, vec![1; 8], 8),
        ],
    );
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "run".into(),
                dir.join("missing.elf").to_str().unwrap().into(),
            ],
            "error: cannot read ELF file ",
        ),
        (
            vec!["run".into(), file(&dir, "text.elf", b"#!/bin/sh\n")],
            "is not a valid Ember program: not a valid ELF file: ",
        ),
        (
            vec!["run".into(), file(&dir, "trunc.elf", &good[..40])],
            "is not a valid Ember program: not a valid ELF file: ",
        ),
        (
            vec!["run".into(), file(&dir, "elf64.elf", &elf64)],
            "is not a valid Ember program: ",
        ),
        (
            vec!["info".into(), file(&dir, "machine.elf", &wrong_machine)],
            "is not a valid Ember program: ELF machine is 62, not RISC-V (243)",
        ),
        (
            vec!["run".into(), file(&dir, "rvc.elf", &rvc)],
            "is not a valid Ember program: ELF flags 0x1 include RVC (compressed instructions); build for riscv32im",
        ),
        (
            vec!["run".into(), file(&dir, "guard.elf", &in_guard)],
            "is not a valid Ember program: segment 1 (0x00008000, 8 bytes): lies outside the image range 0x00400000..0xc0000000",
        ),
        (
            vec![
                "run".into(),
                file(&dir, "ok.elf", &good),
                "--input".into(),
                dir.join("nope.bin").to_str().unwrap().into(),
            ],
            "error: cannot read input file ",
        ),
        (
            vec!["run".into(), "--frobnicate".into()],
            "error: unexpected argument '--frobnicate' found",
        ),
        (
            vec![
                "run".into(),
                file(&dir, "ok2.elf", &good),
                "--cycle-limit".into(),
                "lots".into(),
            ],
            "error: invalid value 'lots' for '--cycle-limit <N>': `lots` is not a whole number",
        ),
        (
            vec![
                "run".into(),
                file(&dir, "ok3.elf", &good),
                "--journal-limit".into(),
                "64MiB".into(),
            ],
            "error: invalid value '64MiB' for '--journal-limit <N>': `64MiB` is not a whole number",
        ),
        (
            vec!["explode".into()],
            "error: unrecognized subcommand 'explode'",
        ),
    ];
    for (args, want) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = ember(&args);
        let line = first_line(&o);
        assert_eq!(o.status.code(), Some(4), "{args:?}: {}", stderr(&o));
        assert!(
            line.contains(want),
            "{args:?}: first line {line:?}, want {want:?}"
        );
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
}

#[test]
fn info_lists_entry_segments_and_image_id() {
    let dir = scratch("info");
    let g = hello();
    let elf = g.elf();
    let o = ember(&["info", &file(&dir, "hello.elf", &elf)]);
    assert_eq!(o.status.code(), Some(0));
    let id = ember_host::Program::load(&elf).unwrap().image_id();
    let out = String::from_utf8(o.stdout).unwrap();
    let want = format!(
        "entry     0x00400000\nimage ID  {id}\nheap      0x00510000..0xc0000000\nsymbols   1\n\
         segments  address     memsz       filesz      flags\n\
         \x20         0x00400000  0x0000005c  0x0000005c  r-x\n\
         \x20         0x00500000  0x00010000  0x0000000b  rw-\n"
    );
    assert_eq!(out, want);
}

#[test]
fn disasm_shows_symbols_and_filters_by_function() {
    let dir = scratch("disasm");
    let elf = file(&dir, "null.elf", &null_deref().elf());
    let o = ember(&["disasm", &elf]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("\n00400000 <guest::main>:\n  400000:\t000002b7\tlui t0,0x0\n  400004:\t00228293\taddi t0,t0,2\n"), "{out}");
    let o = ember(&["disasm", &elf, "--symbol", "deref"]);
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "\n0040004c <guest::deref>:\n  40004c:\t00002503\tlw a0,0(zero)\n"
    );
    let o = ember(&["disasm", &elf, "--symbol", "nowhere"]);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(
        first_line(&o),
        "error: no function symbol matches `nowhere`"
    );
    let o = ember(&["disasm", &elf, "--symbol", "guest"]);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(
        first_line(&o),
        "error: `guest` matches 2 functions, e.g. guest::main, guest::deref"
    );
}

/// `ember disasm`'s line for the instruction `word` at `pc`.
fn listing(pc: u32, word: u32) -> String {
    format!(
        "{pc:8x}:\t{word:08x}\t{}\n",
        ember_core::decode(word).at(pc)
    )
}

/// A hostile symbol table: `addr + size` past 2^32, and a size past the code.
#[test]
fn disasm_survives_hostile_symbols() {
    let dir = scratch("hostilesyms");
    let words = halt(0);
    let elf = elf32_with_symbols(
        &ElfHeader::default(),
        &[Ph::code(CODE, &words)],
        &[
            Sym {
                name: "main",
                addr: CODE,
                size: 8,
            },
            Sym {
                name: "huge",
                addr: CODE + 8,
                size: u32::MAX,
            },
            Sym {
                name: "wrap",
                addr: u32::MAX - 3,
                size: u32::MAX,
            },
        ],
    );
    let lines: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, &word)| listing(CODE + 4 * i as u32, word))
        .collect();
    assert_eq!(lines.len(), 5);
    let huge = format!("\n00400008 <huge>:\n{}", lines[2..].concat());
    let elf = file(&dir, "hostile.elf", &elf);
    let o = ember(&["disasm", &elf, "--symbol", "huge"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), huge);
    let o = ember(&["disasm", &elf, "--symbol", "wrap"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(o.stdout, b"");
    assert_eq!(
        stderr(&o),
        "error: `wrap` (0xfffffffc, 4294967295 bytes) holds no code\n"
    );
    let o = ember(&["disasm", &elf]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        format!("\n00400000 <main>:\n{}{}{huge}", lines[0], lines[1])
    );
}
