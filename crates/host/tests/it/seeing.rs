//! Seeing inside a guest: the profiler, backtraces, the trace and progress,
//! on guests assembled here, whose call stacks and cycles are known exactly.

use ember_core::asm;
use ember_host::report::{backtrace_text, fault_text};
use ember_host::{Error, Executor, Exit, FaultReport, FunctionCost, Program};
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
