//! The guest's call stack, followed from its jumps (a shadow stack: guests
//! keep no frame pointers), and the backtraces built from it.
//!
//! Calls and returns are recognised by the RISC-V calling convention: a
//! `jal`/`jalr` that links in `ra` (or the alternate link register `t0`) is
//! a call; `jalr x0, 0(ra)` (or `t0`) returning to the address a frame
//! expects is a return. Anything else (branches, jump tables, tail calls) is
//! a jump; the profiler notices jumps into another function itself.

use std::collections::{HashMap, VecDeque};

use ember_core::{EcallStep, Instruction, Observer, Step};

use crate::program::{Location, Program, is_user_file};

const RA: u8 = 1;
const T0: u8 = 5;

/// The stack keeps at most this many frames: past it, the outermost half is
/// forgotten (a guest may call without ever returning).
const MAX_FRAMES: usize = 1 << 20;

/// A `ret` is matched against this many frames from the top at most: Rust
/// guests do not unwind, so a return skips frames only after a jump that
/// looked like a call.
const RETURN_SEARCH: usize = 16;

/// A backtrace shows at most this many innermost frames...
const BACKTRACE_INNERMOST: usize = 48;
/// ...and this many outermost ones, saying how many were left out between.
const BACKTRACE_OUTERMOST: usize = 16;

/// What a completed instruction did to the call stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// A call: it linked `pc + 4` and jumped.
    Call,
    /// Possibly a return: it jumped through a link register without linking.
    Return,
    /// Neither.
    Other,
}

fn is_link(r: u8) -> bool {
    r == RA || r == T0
}

/// How `insn` moves the call stack, by the calling convention.
#[inline(always)]
pub(crate) fn flow(insn: Instruction) -> Flow {
    match insn {
        Instruction::Jal { rd, .. } | Instruction::Jalr { rd, .. } if is_link(rd) => Flow::Call,
        Instruction::Jalr { rd: 0, rs1, .. } if is_link(rs1) => Flow::Return,
        _ => Flow::Other,
    }
}

/// One activation on the shadow stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Where its function returns to.
    pub ret: u32,
    /// The call instruction that made it ([`NO_CALL`] for the outermost).
    pub call_pc: u32,
    /// The profiler's call-tree node (0 when not profiling).
    pub node: u32,
}

/// `call_pc` of the outermost frame, which nothing called. Odd, so no
/// instruction has it.
pub(crate) const NO_CALL: u32 = 1;

/// The guest's call stack. It always holds the outermost frame (whose `ret`
/// no jump can match), so it is never empty.
#[derive(Debug)]
pub(crate) struct CallStack {
    frames: Vec<Frame>,
    /// Frames forgotten past [`MAX_FRAMES`].
    forgotten: u64,
}

impl CallStack {
    pub(crate) fn new(node: u32) -> Self {
        CallStack {
            frames: vec![Frame {
                ret: NO_CALL,
                call_pc: NO_CALL,
                node,
            }],
            forgotten: 0,
        }
    }

    pub(crate) fn top(&self) -> &Frame {
        &self.frames[self.frames.len() - 1]
    }

    pub(crate) fn top_mut(&mut self) -> &mut Frame {
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// A call: a new frame on top.
    pub(crate) fn push(&mut self, frame: Frame) {
        if self.frames.len() >= MAX_FRAMES {
            let half = MAX_FRAMES / 2;
            self.frames.drain(1..=half);
            self.forgotten += half as u64;
        }
        self.frames.push(frame);
    }

    /// A jump through a link register to `target`: if a frame near the top
    /// returns there, it and the frames above it are popped and true is
    /// returned; otherwise the jump was no return and nothing changes.
    pub(crate) fn ret(&mut self, target: u32) -> bool {
        let lowest = self.frames.len().saturating_sub(RETURN_SEARCH).max(1);
        match self.frames[lowest..].iter().rposition(|f| f.ret == target) {
            Some(i) => {
                self.frames.truncate(lowest + i);
                true
            }
            None => false,
        }
    }

    /// The pcs of the activations, innermost first: `pc` (where the
    /// innermost one is), then each frame's call instruction.
    fn pcs(&self, pc: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(pc).chain(self.frames[1..].iter().rev().map(|f| f.call_pc))
    }

    /// The backtrace of a guest stopped at `pc`, with source locations.
    pub(crate) fn backtrace(&self, program: &Program, pc: u32) -> Backtrace {
        let map = program.source_map();
        // Deep recursion repeats a few call sites: look each up once.
        let mut cache: HashMap<u32, Vec<Location>> = HashMap::new();
        let mut innermost = Vec::new();
        let mut outermost = VecDeque::new();
        let mut left_out = 0;
        for pc in self.pcs(pc) {
            let locations = cache.entry(pc).or_insert_with(|| {
                let mut frames = map.frames(pc);
                if frames.is_empty() {
                    frames.push(Location {
                        function: in_entry_code(program, pc).then(|| "[entry]".to_owned()),
                        ..Location::default()
                    });
                }
                frames
            });
            let n = locations.len();
            for (i, location) in locations.iter().enumerate() {
                let frame = || BacktraceFrame {
                    pc,
                    location: location.clone(),
                    inlined: i + 1 < n,
                };
                if innermost.len() < BACKTRACE_INNERMOST {
                    innermost.push(frame());
                } else {
                    if outermost.len() == BACKTRACE_OUTERMOST {
                        outermost.pop_front();
                        left_out += 1;
                    }
                    outermost.push_back(frame());
                }
            }
        }
        innermost.extend(outermost);
        Backtrace {
            frames: innermost,
            left_out,
            forgotten: self.forgotten,
            panic_machinery: 0,
        }
    }
}

/// True if `pc` is in the code at the ELF's entry point that no symbol
/// names (an assembly `_start` has no function symbol).
fn in_entry_code(program: &Program, pc: u32) -> bool {
    let entry = program.core().entry();
    let next = program.symbols().iter().find(|s| s.addr > entry);
    pc >= entry && next.is_none_or(|s| pc < s.addr) && program.symbol_at(pc).is_none()
}

/// An observer that only follows the call stack: what a backtrace needs.
pub(crate) struct StackObserver {
    pub(crate) stack: CallStack,
}

impl StackObserver {
    pub(crate) fn new() -> Self {
        StackObserver {
            stack: CallStack::new(0),
        }
    }
}

impl Observer for StackObserver {
    #[inline(always)]
    fn step(&mut self, step: &Step) {
        match flow(step.insn) {
            Flow::Call => self.stack.push(Frame {
                ret: step.pc.wrapping_add(4),
                call_pc: step.pc,
                node: 0,
            }),
            Flow::Return => {
                self.stack.ret(step.next_pc);
            }
            Flow::Other => {}
        }
    }

    fn ecall(&mut self, _: &EcallStep<'_>) {}
}

/// The guest's call stack where it stopped, innermost first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backtrace {
    /// The frames shown: the innermost ones, then (if any were left out)
    /// the outermost ones. A pc where functions were inlined gives one
    /// frame per function, the inlined ones first.
    pub frames: Vec<BacktraceFrame>,
    /// Frames left out between the innermost and the outermost shown (deep
    /// recursion), after the first 48.
    pub left_out: usize,
    /// Outermost frames not even recorded: the shadow stack keeps a million.
    pub forgotten: u64,
    /// How many of the innermost frames are panic machinery (set by
    /// [`Backtrace::fold_panic_machinery`], for a panic's backtrace): the
    /// text folds them into one line, so that it starts at the guest's own
    /// code; `frames` keeps them all.
    pub panic_machinery: usize,
}

/// Functions of the panic machinery, for frames whose source file is not
/// known: prefixes of their names.
const PANIC_FUNCTIONS: &[&str] = &[
    "core::panicking::",
    "std::panicking::",
    "std::panic::",
    "core::panic::",
    "core::result::unwrap_failed",
    "core::option::unwrap_failed",
    "core::option::expect_failed",
    "rust_begin_unwind",
    "__rustc::rust_begin_unwind",
    "__rust_",
    "begin_panic_handler",
    "std::sys::backtrace::",
    "ember_guest::",
];

/// True for a frame of the panic machinery: in Rust's library or Ember's
/// guest runtime by its source file or, without one, by its function's
/// name.
fn is_panic_machinery(location: &Location) -> bool {
    match (&location.file, &location.function) {
        (Some(file), _) => !is_user_file(file),
        (None, Some(name)) => PANIC_FUNCTIONS.iter().any(|p| name.starts_with(p)),
        (None, None) => false,
    }
}

impl Backtrace {
    /// Marks the innermost frames that are panic machinery (the panic
    /// handler, `core::panicking`, `std::panicking`, `Result::unwrap`'s
    /// failure path, Ember's runtime: anything in Rust's library or Ember's
    /// runtime), to be folded into one line. Nothing is folded if no frame
    /// of the guest's own code would follow.
    pub fn fold_panic_machinery(&mut self) {
        let shown = self.left_out_after().min(self.frames.len());
        let n = self.frames[..shown]
            .iter()
            .take_while(|f| is_panic_machinery(&f.location))
            .count();
        self.panic_machinery = if n < shown { n } else { 0 };
    }

    /// The innermost frame in the guest's own source: not in Rust's library
    /// (`/rust/`, `/rustc/`) nor Ember's runtime; `None` if no frame has a
    /// source file of the guest's. A fault report's `in` line names it.
    pub fn user_frame(&self) -> Option<&BacktraceFrame> {
        self.frames
            .iter()
            .find(|f| f.location.file.as_deref().is_some_and(is_user_file))
    }

    /// Where the frames were left out: after this many of `frames`.
    pub fn left_out_after(&self) -> usize {
        if self.left_out > 0 {
            BACKTRACE_INNERMOST
        } else {
            self.frames.len()
        }
    }
}

/// One frame of a [`Backtrace`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BacktraceFrame {
    /// The pc: where the innermost frame stopped, or an outer frame's call
    /// instruction.
    pub pc: u32,
    /// Its function and source line, as far as the ELF says.
    pub location: Location,
    /// True when the function was inlined into the next frame's.
    pub inlined: bool,
}

impl std::fmt::Display for Backtrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let after = self.left_out_after();
        if self.panic_machinery > 0 {
            let n = self.panic_machinery;
            let frames = if n == 1 { "frame" } else { "frames" };
            writeln!(f, "    ({n} {frames} of panic machinery hidden)")?;
        }
        for (i, frame) in self.frames.iter().enumerate() {
            if i < self.panic_machinery.min(after) {
                continue;
            }
            if i == after {
                writeln!(f, "  ... {} frames left out ...", self.left_out)?;
            }
            let number = if i < after { i } else { i + self.left_out };
            write!(f, "  {number:>3}: {:#010x}  {}", frame.pc, frame.location)?;
            if frame.inlined {
                f.write_str(" (inlined)")?;
            }
            writeln!(f)?;
        }
        if self.forgotten > 0 {
            writeln!(
                f,
                "  ... and {} outer frames not recorded (the stack was over a million deep)",
                self.forgotten
            )?;
        }
        Ok(())
    }
}
