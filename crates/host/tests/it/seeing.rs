//! Seeing inside a guest: the profiler, backtraces, the trace and progress,
//! on guests assembled here, whose call stacks and cycles are known exactly.

use ember_core::asm;
use ember_host::report::{backtrace_text, fault_text};
use ember_host::{
    Error, Executor, Exit, FaultReport, FunctionCost, PROGRESS_INTERVAL, Program, TraceWindow,
};
use ember_testkit::DATA;

use crate::guests::*;

const RA: u8 = 1;
const S0: u8 = 8;
const T1: u8 = 6;

/// Word offsets of the functions of [`calls`].
const MAIN: usize = 0;
const MIDDLE: usize = 8;
const LEAF: usize = 12;
const PRINT: usize = 14;

/// `jal rd, word` from word `at`.
fn jal_to(rd: u8, at: usize, word: usize) -> u32 {
    asm::jal(rd, 4 * (word as i32 - at as i32))
}

/// Calls in every way the profiler must follow:
///
/// ```text
/// main:   jal ra, leaf            main -> leaf
///         jal ra, middle          main -> middle
///         jal ra, print           main -> print
///         HALT(0)
/// middle: mv s0, ra
///         jal ra, leaf            middle -> leaf
///         mv ra, s0
///         j leaf                  tail call: leaf returns to main
/// leaf:   addi t1, t1, 1
///         ret
/// print:  WRITE(1, DATA, 6)       1 + 2 cycles
///         ret
/// ```
///
/// Cycles by stack: main 3 jal + 5 HALT = 8; main;leaf 2 + 2 (the tail
/// call) = 4; main;middle 4; main;middle;leaf 2; main;print 8 li + 3 ECALL
/// + 1 ret = 12. 30 in all.
fn calls() -> Guest {
    let mut words = vec![
        jal_to(RA, 0, LEAF),
        jal_to(RA, 1, MIDDLE),
        jal_to(RA, 2, PRINT),
    ];
    words.extend(halt(0));
    assert_eq!(words.len(), MIDDLE);
    words.extend([
        asm::addi(S0, RA, 0),
        jal_to(RA, MIDDLE + 1, LEAF),
        asm::addi(RA, S0, 0),
        jal_to(0, MIDDLE + 3, LEAF),
    ]);
    words.extend([asm::addi(T1, T1, 1), asm::jalr(0, RA, 0)]);
    assert_eq!(words.len(), PRINT);
    words.extend(write(1, DATA, 6));
    words.push(asm::jalr(0, RA, 0));
    let n = words.len();
    let mut g = Guest::new(words).with_data(b"hello\n");
    g.functions = vec![
        ("guest::main", MAIN, MIDDLE),
        ("guest::middle", MIDDLE, LEAF - MIDDLE),
        ("guest::leaf", LEAF, PRINT - LEAF),
        ("guest::print", PRINT, n - PRINT),
    ];
    g
}

fn load(g: &Guest) -> Program {
    Program::load(&g.elf()).expect("test guest loads")
}

#[test]
fn the_profile_attributes_every_cycle_to_its_call_stack() {
    let p = load(&calls());
    let s = Executor::new(&p)
        .stdout(std::io::sink())
        .profile(true)
        .run()
        .unwrap();
    assert_eq!(s.cycles, 30);
    let profile = s.profile.unwrap();
    assert_eq!(profile.cycles, s.cycles);
    assert_eq!(
        profile.folded(),
        "guest::main 8\n\
         guest::main;guest::leaf 4\n\
         guest::main;guest::middle 4\n\
         guest::main;guest::middle;guest::leaf 2\n\
         guest::main;guest::print 12\n"
    );
    let cost = |name: &str, self_cycles, total_cycles| FunctionCost {
        name: name.into(),
        self_cycles,
        total_cycles,
    };
    assert_eq!(
        profile.functions(),
        [
            cost("guest::print", 12, 12),
            cost("guest::main", 8, 30),
            cost("guest::leaf", 6, 6),
            cost("guest::middle", 4, 6),
        ]
    );
    // Profiling changes nothing about the run.
    let plain = Executor::new(&p).stdout(std::io::sink()).run().unwrap();
    assert_eq!(plain.claim_digest, s.claim_digest);
    assert!(plain.profile.is_none());
}

#[test]
fn the_profile_top_lists_self_and_total() {
    let p = load(&calls());
    let s = Executor::new(&p)
        .stdout(std::io::sink())
        .profile(true)
        .run()
        .unwrap();
    assert_eq!(
        ember_host::report::profile_top_text(s.profile.as_ref().unwrap(), 2),
        "  profile: the 2 heaviest functions by self cycles, of 30\n\
         \x20         self       %        total       %  function\n\
         \x20           12  40.00%           12  40.00%  guest::print\n\
         \x20            8  26.67%           30 100.00%  guest::main\n\
         \x20 profile: the 2 heaviest functions by total cycles\n\
         \x20         self       %        total       %  function\n\
         \x20            8  26.67%           30 100.00%  guest::main\n\
         \x20           12  40.00%           12  40.00%  guest::print\n"
    );
}

/// main calls middle, which calls leaf, which loads through a null
/// pointer (or panics).
fn nested(leaf_body: Vec<u32>) -> Guest {
    let mut words = vec![jal_to(RA, 0, 2), asm::ebreak()];
    words.extend([asm::addi(S0, RA, 0), jal_to(RA, 3, 4)]);
    words.extend(leaf_body);
    let n = words.len();
    let mut g = Guest::new(words).with_data(b"no");
    g.functions = vec![
        ("guest::main", 0, 2),
        ("guest::middle", 2, 2),
        ("guest::leaf", 4, n - 4),
    ];
    g
}

fn fault(r: Result<ember_host::Session, Error>) -> Box<FaultReport> {
    match r {
        Err(Error::Fault(r)) => r,
        other => panic!("expected a fault, got {other:?}"),
    }
}

#[test]
fn a_fault_report_shows_the_call_stack() {
    let p = load(&nested(vec![asm::addi(T1, T1, 1), asm::lw(A0, 0, 0)]));
    let r = fault(Executor::new(&p).run());
    let expected = "  backtrace (innermost first):\n\
                    \x20   0: 0x00400014  guest::leaf\n\
                    \x20   1: 0x0040000c  guest::middle\n\
                    \x20   2: 0x00400000  guest::main\n";
    assert_eq!(backtrace_text(r.backtrace.as_ref().unwrap()), expected);
    assert!(fault_text(&r, false).ends_with(expected));
    // The profiler's stack gives the same backtrace as the re-run.
    let profiled = fault(Executor::new(&p).profile(true).run());
    assert_eq!(profiled.backtrace, r.backtrace);
    assert_eq!(profiled.profile.unwrap().cycles, r.cycles);
    // Off when asked.
    assert_eq!(
        fault(Executor::new(&p).backtrace(false).run()).backtrace,
        None
    );
}

#[test]
fn a_panic_report_shows_the_call_stack() {
    let msg_len = 2;
    let body = [li(A0, DATA), li(A1, msg_len), li(T0, 5), vec![asm::ecall()]].concat();
    let p = load(&nested(body));
    let s = Executor::new(&p).run().unwrap();
    assert_eq!(
        s.exit,
        Exit::Panicked {
            message: "no".into()
        }
    );
    assert_eq!(
        backtrace_text(s.backtrace.as_ref().unwrap()),
        "  backtrace (innermost first):\n\
         \x20   0: 0x00400028  guest::leaf\n\
         \x20   1: 0x0040000c  guest::middle\n\
         \x20   2: 0x00400000  guest::main\n"
    );
    assert!(ember_host::report::session_text(&s).contains("  backtrace (innermost first):\n"));
    // A guest that halts has none.
    assert_eq!(
        Executor::new(&load(&calls()))
            .stdout(std::io::sink())
            .run()
            .unwrap()
            .backtrace,
        None
    );
}

/// A guest whose panic goes through functions named as Rust's panic
/// machinery: main calls `core::panicking::panic_fmt`, which calls
/// `rust_begin_unwind`, which panics. The backtrace folds the two into one
/// line and starts at main; the JSON keeps every frame.
#[test]
fn a_panic_backtrace_folds_the_panic_machinery_into_one_line() {
    let msg_len = 2;
    let body = [li(A0, DATA), li(A1, msg_len), li(T0, 5), vec![asm::ecall()]].concat();
    let mut g = nested(body);
    g.functions[1].0 = "core::panicking::panic_fmt";
    g.functions[2].0 = "rust_begin_unwind";
    let s = Executor::new(&load(&g)).run().unwrap();
    let b = s.backtrace.as_ref().unwrap();
    assert_eq!(b.panic_machinery, 2);
    assert_eq!(
        backtrace_text(b),
        "  backtrace (innermost first):\n\
         \x20   (2 frames of panic machinery hidden)\n\
         \x20   2: 0x00400000  guest::main\n"
    );
    let json = ember_host::report::session_json(&s);
    assert_eq!(json["backtrace"]["panic_machinery"], 2);
    assert_eq!(
        json["backtrace"]["frames"][0]["function"],
        "rust_begin_unwind"
    );
    assert_eq!(json["backtrace"]["frames"][2]["function"], "guest::main");
}

fn frame(function: &str, file: Option<&str>) -> ember_host::BacktraceFrame {
    ember_host::BacktraceFrame {
        pc: 0x0040_0100,
        location: ember_host::Location {
            function: Some(function.into()),
            file: file.map(Into::into),
            line: file.map(|_| 7),
        },
        inlined: false,
    }
}

/// The machinery is recognised by its source files (Rust's library under
/// `/rust/` or `/rustc/`, Ember's runtime under `.ember/guest/` or
/// `/ember/guest/`), and a backtrace of nothing else is not folded.
#[test]
fn panic_machinery_is_known_by_its_files() {
    let mut b = ember_host::Backtrace {
        frames: vec![
            frame("panic", Some("./.ember/guest/src/syscall.rs")),
            frame(
                "ember_guest::sys::start::{closure#0}",
                Some("/ember/guest/src/sys.rs"),
            ),
            frame(
                "std::panicking::panic_with_hook",
                Some("/rust/library/std/src/panicking.rs"),
            ),
            frame(
                "core::panicking::panic_fmt",
                Some("/rustc/0123/library/core/src/panicking.rs"),
            ),
            frame("core::result::unwrap_failed", None),
            frame("wordcount::main", Some("./wordcount/src/main.rs")),
            frame("main", None),
        ],
        ..Default::default()
    };
    b.fold_panic_machinery();
    assert_eq!(
        b.to_string(),
        "    (5 frames of panic machinery hidden)\n\
         \x20   5: 0x00400100  wordcount::main at ./wordcount/src/main.rs:7\n\
         \x20   6: 0x00400100  main\n"
    );
    b.frames.truncate(1);
    b.fold_panic_machinery();
    assert_eq!(b.panic_machinery, 0, "nothing of the guest's would follow");
}

/// A fault's `in` line names the innermost frame of the guest's own code,
/// past Rust's library (a std guest's sources are under `/rust/`).
#[test]
fn the_user_frame_is_the_innermost_outside_rust_and_ember() {
    let b = ember_host::Backtrace {
        frames: vec![
            frame(
                "black_box<[u32; 64]>",
                Some("/rust/library/core/src/hint.rs"),
            ),
            frame("ember_guest::env::read", Some("./.ember/guest/src/env.rs")),
            frame("memcpy", None),
            frame("overflow::recurse", Some("./overflow/src/main.rs")),
            frame("overflow::main", Some("./overflow/src/main.rs")),
        ],
        ..Default::default()
    };
    assert_eq!(
        b.user_frame().map(|f| f.location.to_string()).as_deref(),
        Some("overflow::recurse at ./overflow/src/main.rs:7")
    );
    let library_only = ember_host::Backtrace {
        frames: b.frames[..3].to_vec(),
        ..Default::default()
    };
    assert_eq!(library_only.user_frame(), None);
}

/// main calls `rec` with a0 = depth; rec calls itself until a0 is 0, then
/// loads through a null pointer: depth frames of rec under main.
fn recursion(depth: u32) -> Guest {
    let mut words = li(A0, depth);
    words.push(jal_to(RA, 2, 3));
    // rec, at word 3:
    words.extend([
        asm::addi(A0, A0, -1),
        asm::beq(A0, 0, 8),
        jal_to(RA, 5, 3),
        asm::lw(A0, 0, 0),
    ]);
    let mut g = Guest::new(words);
    g.functions = vec![("guest::main", 0, 3), ("guest::rec", 3, 4)];
    g
}

#[test]
fn a_deep_backtrace_shows_both_ends_and_says_how_many_frames_are_left_out() {
    let p = load(&recursion(100));
    let b = fault(Executor::new(&p).run()).backtrace.unwrap();
    // 100 frames of rec, then main: 48 innermost, 16 outermost, 37 left out.
    assert_eq!(b.frames.len(), 64);
    assert_eq!(b.left_out, 37);
    assert_eq!(b.left_out_after(), 48);
    let text = b.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 65);
    assert_eq!(lines[0], "    0: 0x00400018  guest::rec");
    assert_eq!(lines[1], "    1: 0x00400014  guest::rec");
    assert_eq!(lines[47], "   47: 0x00400014  guest::rec");
    assert_eq!(lines[48], "  ... 37 frames left out ...");
    assert_eq!(lines[49], "   85: 0x00400014  guest::rec");
    assert_eq!(lines[64], "  100: 0x00400008  guest::main");
    let json = ember_host::report::fault_json(&fault(Executor::new(&p).run()));
    assert_eq!(json["backtrace"]["left_out"], 37);
    assert_eq!(json["backtrace"]["frames"][0]["function"], "guest::rec");
    assert_eq!(json["backtrace"]["frames"][63]["pc"], 0x0040_0008);
}

#[test]
fn deep_recursion_is_one_wide_level_of_the_profile() {
    // 300 frames of rec: the call tree stops growing at depth 256.
    let p = load(&recursion(300));
    let r = fault(Executor::new(&p).profile(true).run());
    let profile = r.profile.unwrap();
    assert_eq!(profile.cycles, r.cycles);
    let deepest = profile
        .stacks
        .iter()
        .map(|(s, _)| s.split(';').count())
        .max();
    assert_eq!(deepest, Some(258));
    assert!(
        profile
            .stacks
            .iter()
            .any(|(s, _)| s.ends_with("guest::rec;[deeper calls];guest::rec"))
    );
}

/// Stores and loads of each width, then HALT.
fn memory_ops() -> Guest {
    let words = [
        li(A0, DATA),
        vec![
            asm::addi(A1, 0, 0x2a),
            asm::sw(A1, 0, A0),
            asm::lb(A2, A0, 0),
            asm::sh(A1, 6, A0),
            asm::lhu(A2, A0, 6),
            asm::sb(A1, 9, A0),
        ],
        write(1, DATA, 2),
        halt(0),
    ]
    .concat();
    Guest::new(words)
}

fn trace(g: &Guest, window: ember_host::TraceWindow) -> String {
    let p = load(g);
    let mut out = Vec::new();
    let s = Executor::new(&p)
        .stdout(std::io::sink())
        .trace(&mut out, window)
        .run()
        .unwrap();
    assert_eq!(s.trace_error, None);
    String::from_utf8(out).unwrap()
}

const TRACE: &str = "     cycle  pc        instruction                     effect
         0  00400000  lui a0,0x500                    a0=0x00500000
         1  00400004  mv a0,a0                        a0=0x00500000
         2  00400008  li a1,42                        a1=0x0000002a
         3  0040000c  sw a1,0(a0)                     mem[0x00500000] <- 0x0000002a
         4  00400010  lb a2,0(a0)                     a2=0x0000002a  mem[0x00500000] -> 0x2a
         5  00400014  sh a1,6(a0)                     mem[0x00500006] <- 0x002a
         6  00400018  lhu a2,6(a0)                    a2=0x0000002a  mem[0x00500006] -> 0x002a
         7  0040001c  sb a1,9(a0)                     mem[0x00500009] <- 0x2a
         8  00400020  lui t0,0x0                      t0=0x00000000
         9  00400024  addi t0,t0,2                    t0=0x00000002
        10  00400028  lui a0,0x0                      a0=0x00000000
        11  0040002c  addi a0,a0,1                    a0=0x00000001
        12  00400030  lui a1,0x500                    a1=0x00500000
        13  00400034  mv a1,a1                        a1=0x00500000
        14  00400038  lui a2,0x0                      a2=0x00000000
        15  0040003c  addi a2,a2,2                    a2=0x00000002
        16  00400040  ecall                           WRITE(a0=0x00000001, a1=0x00500000, a2=0x00000002) -> a0=0x00000002 a1=0x00500000, 2 cycles
        18  00400044  lui a0,0x0                      a0=0x00000000
        19  00400048  mv a0,a0                        a0=0x00000000
        20  0040004c  lui t0,0x0                      t0=0x00000000
        21  00400050  mv t0,t0                        t0=0x00000000
        22  00400054  ecall                           HALT(a0=0x00000000, a1=0x00500000, a2=0x00000002) -> halted with exit code 0, 1 cycle
";

#[test]
fn the_trace_has_a_line_per_instruction() {
    assert_eq!(trace(&memory_ops(), TraceWindow::default()), TRACE);
}

#[test]
fn the_trace_window_cuts_from_a_cycle_for_a_count() {
    let lines: Vec<&str> = TRACE.lines().collect();
    let window = |from, count| trace(&memory_ops(), TraceWindow { from, count });
    assert_eq!(window(3, 2), [lines[0], lines[4], lines[5], ""].join("\n"));
    // Cycle 17 is inside the WRITE (16..18): the window opens after it.
    assert_eq!(
        window(17, 2),
        [lines[0], lines[18], lines[19], ""].join("\n")
    );
    assert_eq!(window(22, 100), [lines[0], lines[22], ""].join("\n"));
    assert_eq!(window(23, 100), [lines[0], ""].join("\n"));
    assert_eq!(window(0, 0), [lines[0], ""].join("\n"));
}

#[test]
fn a_failing_trace_sink_stops_the_trace_not_the_run() {
    let p = load(&memory_ops());
    let s = Executor::new(&p)
        .stdout(std::io::sink())
        .trace(Full, TraceWindow::default())
        .run()
        .unwrap();
    assert_eq!(s.trace_error, Some(std::io::ErrorKind::StorageFull));
    assert_eq!(s.cycles, 23);
}

struct Full;

impl std::io::Write for Full {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::StorageFull.into())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One SHA256_COMPRESS of 70,000 blocks (4,760,000 cycles, more than a
/// progress interval), then HALT(0).
fn long_ecall() -> Guest {
    let words = [
        li(T0, 16),
        li(A0, DATA),
        li(A1, 0x1000_0000),
        li(A2, 70_000),
        vec![asm::ecall()],
        halt(0),
    ]
    .concat();
    Guest::new(words)
}

#[test]
fn progress_profiling_and_tracing_change_nothing_about_the_run() {
    for g in [long_ecall(), calls(), spins()] {
        let p = load(&g);
        let run = |e: Executor<'_>| match e.stdout(std::io::sink()).cycle_limit(10_000_000).run() {
            Ok(s) => Ok((s.claim_digest, s.cycles)),
            Err(Error::Fault(r)) => Err((r.fault, r.cycles)),
            Err(e) => panic!("{e}"),
        };
        let plain = run(Executor::new(&p));
        let mut reports = Vec::new();
        let observed = run(Executor::new(&p)
            .progress(|p| reports.push(p.cycles))
            .profile(true)
            .trace(
                std::io::sink(),
                TraceWindow {
                    from: 5,
                    count: 3_000_000,
                },
            ));
        assert_eq!(observed, plain);
        let cycles = match plain {
            Ok((_, c)) | Err((_, c)) => c,
        };
        // A report every interval or so, the last no later than the end.
        assert!(
            reports.len() as u64 >= cycles / PROGRESS_INTERVAL,
            "{reports:?}"
        );
        assert!(reports.windows(2).all(|w| w[0] < w[1]), "{reports:?}");
        assert!(reports.iter().all(|&c| c <= cycles));
    }
}

#[test]
fn progress_is_reported_through_a_long_ecall() {
    let p = load(&long_ecall());
    let mut reports = Vec::new();
    let s = Executor::new(&p)
        .progress(|p| reports.push((p.cycles, p.touched_pages)))
        .run()
        .unwrap();
    assert_eq!(s.cycles, 8 + 1 + 68 * 70_000 + 5);
    // Before the ECALL (it does not fit in the first interval), then after
    // it, which wrote the SHA state's page.
    assert_eq!(reports, [(8, 1), (8 + 1 + 68 * 70_000, 2)]);
}

mod cli {
    use std::path::PathBuf;

    use super::*;
    use crate::cmd::{ember, file, scratch_in, stderr};

    fn scratch(name: &str) -> PathBuf {
        scratch_in("seeing", name)
    }

    fn elf(dir: &std::path::Path, g: &Guest) -> String {
        file(dir, "guest.elf", &g.elf())
    }

    #[test]
    fn run_profile_writes_collapsed_stacks_or_a_flamegraph() {
        let dir = scratch("profile");
        let elf = elf(&dir, &calls());
        let folded = dir.join("calls.folded");
        let o = ember(&["run", &elf, "--profile", folded.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(&folded).unwrap(),
            "guest::main 8\n\
             guest::main;guest::leaf 4\n\
             guest::main;guest::middle 4\n\
             guest::main;guest::middle;guest::leaf 2\n\
             guest::main;guest::print 12\n"
        );
        let svg = dir.join("calls.svg");
        let o = ember(&["run", &elf, "--profile", svg.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let svg = std::fs::read_to_string(&svg).unwrap();
        assert!(svg.starts_with("<?xml"), "{svg}");
        assert!(svg.contains("guest.elf: 30 cycles"), "{svg}");
        assert!(svg.contains("guest::middle (6 cycles, 20.00%)"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn run_profile_top_prints_the_heaviest_functions() {
        let dir = scratch("top");
        let o = ember(&["run", &elf(&dir, &calls()), "--profile-top", "1"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stderr(&o).ends_with(
                "  profile: the 1 heaviest functions by self cycles, of 30\n\
                 \x20         self       %        total       %  function\n\
                 \x20           12  40.00%           12  40.00%  guest::print\n\
                 \x20 profile: the 1 heaviest functions by total cycles\n\
                 \x20         self       %        total       %  function\n\
                 \x20            8  26.67%           30 100.00%  guest::main\n"
            ),
            "{}",
            stderr(&o)
        );
        let o = ember(&["run", &elf(&dir, &calls()), "--profile-top", "1", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["profile_top"]["cycles"], 30);
        assert_eq!(v["profile_top"]["by_self"][0]["function"], "guest::print");
        assert_eq!(v["profile_top"]["by_total"][0]["total_cycles"], 30);
    }

    #[test]
    fn run_trace_writes_the_window() {
        let dir = scratch("trace");
        let trace = dir.join("trace.txt");
        let o = ember(&[
            "run",
            &elf(&dir, &memory_ops()),
            "--trace",
            trace.to_str().unwrap(),
            "--trace-from",
            "3",
            "--trace-count",
            "2",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let lines: Vec<&str> = TRACE.lines().collect();
        assert_eq!(
            std::fs::read_to_string(&trace).unwrap(),
            [lines[0], lines[4], lines[5], ""].join("\n")
        );
        let o = ember(&["run", &elf(&dir, &memory_ops()), "--trace", "/dev/full"]);
        assert_eq!(o.status.code(), Some(4));
        assert!(
            stderr(&o).ends_with(
                "error: the trace was cut short: cannot write /dev/full: no storage space\n"
            ),
            "{}",
            stderr(&o)
        );
        let o = ember(&["run", &elf(&dir, &memory_ops()), "--trace-from", "3"]);
        assert_eq!(o.status.code(), Some(4), "--trace-from needs --trace");
    }

    #[test]
    fn run_fault_shows_the_backtrace_in_text_and_json() {
        let dir = scratch("backtrace");
        let elf = elf(&dir, &nested(vec![asm::addi(T1, T1, 1), asm::lw(A0, 0, 0)]));
        let o = ember(&["run", &elf]);
        assert_eq!(o.status.code(), Some(3));
        assert!(
            stderr(&o).ends_with(
                "  backtrace (innermost first):\n\
                 \x20   0: 0x00400014  guest::leaf\n\
                 \x20   1: 0x0040000c  guest::middle\n\
                 \x20   2: 0x00400000  guest::main\n"
            ),
            "{}",
            stderr(&o)
        );
        let o = ember(&["run", &elf, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let functions: Vec<&str> = v["backtrace"]["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["function"].as_str().unwrap())
            .collect();
        assert_eq!(functions, ["guest::leaf", "guest::middle", "guest::main"]);
        assert_eq!(v["backtrace"]["frames"][1]["pc"], 0x0040_000c);
        assert_eq!(v["backtrace"]["left_out"], 0);
    }

    /// A run of over a second prints no progress line when stderr is not a
    /// terminal (here a pipe), nor with --json.
    #[test]
    fn no_progress_line_off_a_terminal() {
        let dir = scratch("progress");
        let elf = elf(&dir, &spins());
        for json in [false, true] {
            let mut args = vec!["run", &elf, "--cycle-limit", "250_000_000"];
            if json {
                args.push("--json");
            }
            let started = std::time::Instant::now();
            let o = ember(&args);
            assert!(
                started.elapsed().as_secs_f64() > 1.0,
                "the run is long enough"
            );
            assert_eq!(o.status.code(), Some(3));
            let err = stderr(&o);
            assert!(
                !err.contains("running:") && !err.contains('\x1b') && !err.contains('\r'),
                "{err}"
            );
            if json {
                assert_eq!(err, "");
            } else {
                assert!(
                    err.starts_with("error: guest fault: cycle limit exceeded"),
                    "{err}"
                );
            }
        }
    }
}

/// The examples built by `cargo xtask test`: real Rust, DWARF, inlining.
mod examples {
    use super::*;

    fn guest(name: &str) -> Program {
        let dir = std::env::var_os("EMBER_GUEST_DIR").expect(
            "EMBER_GUEST_DIR is unset: the example tests need the guests built by \
             `cargo xtask test`, which sets it to their directory and runs these tests",
        );
        let elf = std::fs::read(std::path::Path::new(&dir).join(name)).unwrap();
        Program::load(&elf).expect("example loads")
    }

    fn input(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../guest-examples/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    #[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
    fn the_profile_of_an_example_adds_up_and_names_its_hottest_function() {
        for (name, input, hottest) in [
            ("fibonacci", input("fibonacci/input.bin"), "fibonacci::main"),
            ("ecdsa-verify", input("ecdsa-verify/input.bin"), "mul_inner"),
        ] {
            let p = guest(name);
            let s = Executor::new(&p)
                .write_bytes(&input)
                .stdout(std::io::sink())
                .profile(true)
                .run()
                .unwrap();
            let profile = s.profile.unwrap();
            assert_eq!(profile.cycles, s.cycles, "{name}");
            let sum: u64 = profile.stacks.iter().map(|(_, c)| c).sum();
            assert_eq!(sum, s.cycles, "{name}");
            assert_eq!(profile.functions()[0].name, hottest, "{name}");
            // Every stack starts at the entry, then the runtime's main.
            assert!(
                profile
                    .stacks
                    .iter()
                    .all(|(s, _)| s == "[entry]" || s.starts_with("[entry];__ember_main")),
                "{name}"
            );
        }
    }

    #[test]
    #[ignore = "needs the guests built by cargo xtask test (EMBER_GUEST_DIR)"]
    fn the_panic_and_fault_examples_have_backtraces_to_their_source_lines() {
        let s = Executor::new(&guest("panic")).run().unwrap();
        let frames = s.backtrace.unwrap().frames;
        let main = frames
            .iter()
            .find(|f| f.location.function.as_deref() == Some("panic::main"))
            .expect("panic::main is on the stack");
        assert_eq!(
            main.location.file.as_deref(),
            Some("./faults/src/bin/panic.rs")
        );
        assert_eq!(main.location.line, Some(10));
        assert_eq!(
            frames.last().unwrap().location.function.as_deref(),
            Some("[entry]")
        );

        let r = fault(Executor::new(&guest("null_deref")).run());
        let frames = r.backtrace.unwrap().frames;
        let main = frames
            .iter()
            .find(|f| f.location.function.as_deref() == Some("main"))
            .expect("main is on the stack");
        assert!(main.inlined, "main is inlined into __ember_main");
        assert_eq!(main.pc, r.fault.pc);
        assert_eq!(
            main.location.file.as_deref(),
            Some("./faults/src/bin/null_deref.rs")
        );
        assert_eq!(main.location.line, Some(10));
    }
}
