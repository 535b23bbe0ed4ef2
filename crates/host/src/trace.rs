//! The instruction trace: one line per executed instruction, in a window of
//! the run.
//!
//! ```text
//!      cycle  pc        instruction                     effect
//!          7  0040001c  sw a0,0(a1)                     mem[0x00010000] <- 0x0000002a
//!          8  00400020  lw a2,0(a1)                     a2=0x0000002a  mem[0x00010000] -> 0x0000002a
//!          9  00400024  ecall                           WRITE(a0=0x00000001, a1=0x00010000, a2=0x00000006) -> a0=0x00000006 a1=0x00000000, 3 cycles
//! ```

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

use ember_abi::ecall;
use ember_core::{EcallStep, Exit, MemAccess, Observer, REG_NAMES, Step};

/// Which instructions to trace: `count` of them, from the first that starts
/// at or after cycle `from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceWindow {
    /// The first cycle traced.
    pub from: u64,
    /// The most lines written.
    pub count: u64,
}

impl Default for TraceWindow {
    /// The whole run.
    fn default() -> Self {
        TraceWindow {
            from: 0,
            count: u64::MAX,
        }
    }
}

/// The header line of a trace.
pub const TRACE_HEADER: &str = "     cycle  pc        instruction                     effect";

/// The tracing observer.
pub(crate) struct Tracer<'a> {
    out: BufWriter<Box<dyn Write + 'a>>,
    window: TraceWindow,
    lines: u64,
    /// The first write error; tracing stops there.
    pub(crate) error: Option<io::ErrorKind>,
    line: String,
}

impl<'a> Tracer<'a> {
    pub(crate) fn new(out: Box<dyn Write + 'a>, window: TraceWindow) -> Self {
        let mut tracer = Tracer {
            out: BufWriter::with_capacity(1 << 16, out),
            window,
            lines: 0,
            error: None,
            line: String::new(),
        };
        tracer.line.push_str(TRACE_HEADER);
        tracer.emit();
        tracer
    }

    /// The cycle the window opens at.
    pub(crate) fn from(&self) -> u64 {
        self.window.from
    }

    /// Lines the window still takes (0 once a write failed).
    pub(crate) fn remaining(&self) -> u64 {
        if self.error.is_some() {
            0
        } else {
            self.window.count - self.lines
        }
    }

    /// True if an instruction starting at `cycle` is traced.
    pub(crate) fn wants(&self, cycle: u64) -> bool {
        cycle >= self.window.from && self.remaining() > 0
    }

    /// Flushes; returns the first write error, if any.
    pub(crate) fn finish(mut self) -> Option<io::ErrorKind> {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e.kind());
        }
        self.error
    }

    fn emit(&mut self) {
        self.line.truncate(self.line.trim_end().len());
        self.line.push('\n');
        if self.error.is_none()
            && let Err(e) = self.out.write_all(self.line.as_bytes())
        {
            self.error = Some(e.kind());
        }
        self.line.clear();
    }

    fn start_line(&mut self, cycle: u64, pc: u32, insn: impl std::fmt::Display) {
        let _ = write!(self.line, "{cycle:>10}  {pc:08x}  ");
        let before = self.line.len();
        let _ = write!(self.line, "{insn}");
        let width = self.line.len() - before;
        self.line.extend(std::iter::repeat_n(
            ' ',
            32usize.saturating_sub(width).max(1),
        ));
    }
}

/// The bytes of an access, as a number as wide as the access.
fn access_value(m: &MemAccess) -> String {
    let word = if m.store { m.word_after } else { m.word_before };
    let shift = 8 * (m.addr & 3);
    match m.size {
        1 => format!("{:#04x}", (word >> shift) & 0xff),
        2 => format!("{:#06x}", (word >> shift) & 0xffff),
        _ => format!("{word:#010x}"),
    }
}

/// The name of an ECALL number.
fn ecall_name(number: u32) -> &'static str {
    match number {
        ecall::HALT => "HALT",
        ecall::READ => "READ",
        ecall::WRITE => "WRITE",
        ecall::INPUT_REMAINING => "INPUT_REMAINING",
        ecall::CYCLE_COUNT => "CYCLE_COUNT",
        ecall::PANIC => "PANIC",
        ecall::SHA256_COMPRESS => "SHA256_COMPRESS",
        _ => "ECALL",
    }
}

impl Observer for Tracer<'_> {
    fn step(&mut self, s: &Step) {
        if !self.wants(s.cycle) {
            return;
        }
        self.start_line(s.cycle, s.pc, s.insn.at(s.pc));
        if s.rd != 0 {
            let _ = write!(
                self.line,
                "{}={:#010x}  ",
                REG_NAMES[usize::from(s.rd & 31)],
                s.rd_value
            );
        }
        if let Some(m) = &s.mem {
            let arrow = if m.store { "<-" } else { "->" };
            let _ = write!(
                self.line,
                "mem[{:#010x}] {arrow} {}",
                m.addr,
                access_value(m)
            );
        }
        self.lines += 1;
        self.emit();
    }

    fn ecall(&mut self, e: &EcallStep<'_>) {
        if !self.wants(e.cycle) {
            return;
        }
        self.start_line(e.cycle, e.pc, "ecall");
        let [a0, a1, a2] = e.args;
        let _ = write!(
            self.line,
            "{}(a0={a0:#010x}, a1={a1:#010x}, a2={a2:#010x}) -> ",
            ecall_name(e.number)
        );
        let _ = match e.exit {
            Some(Exit::Halted { code }) => write!(self.line, "halted with exit code {code}"),
            Some(Exit::Panicked { .. }) => write!(self.line, "panicked"),
            None => write!(
                self.line,
                "a0={:#010x} a1={:#010x}",
                e.results[0], e.results[1]
            ),
        };
        let plural = if e.cost == 1 { "" } else { "s" };
        let _ = write!(self.line, ", {} cycle{plural}", e.cost);
        self.lines += 1;
        self.emit();
    }
}
