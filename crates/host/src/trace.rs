//! The instruction trace: one line per executed instruction, in a window of
//! the run.
//!
//! ```text
//!      cycle  pc        instruction                     effect
//!          7  0040001c  sw a0,0(a1)                     mem[0x00010000] <- 0x0000002a
//!          8  00400020  lw a2,0(a1)                     a2=0x0000002a  mem[0x00010000] -> 0x0000002a
//!          9  00400024  ecall                           WRITE(a0=0x00000001, a1=0x00010000, a2=0x00000006) -> a0=0x00000006 a1=0x00000000, 3 cycles
//! ```

use std::io::{self, Write};

use ember_abi::ecall;
use ember_core::{EcallStep, Exit, Observer, REG_NAMES, Step};

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

/// The tracing observer. Lines are formatted straight into one output
/// buffer (numbers by hand: `core::fmt` was most of a trace's cost), which
/// goes to the sink whenever it passes [`Tracer::FLUSH_AT`].
pub(crate) struct Tracer<'a> {
    out: Box<dyn Write + 'a>,
    buf: Vec<u8>,
    window: TraceWindow,
    lines: u64,
    /// The first write error; tracing stops there.
    pub(crate) error: Option<io::ErrorKind>,
}

impl<'a> Tracer<'a> {
    const FLUSH_AT: usize = 1 << 16;

    pub(crate) fn new(out: Box<dyn Write + 'a>, window: TraceWindow) -> Self {
        let mut tracer = Tracer {
            out,
            buf: Vec::with_capacity(2 * Self::FLUSH_AT),
            window,
            lines: 0,
            error: None,
        };
        tracer.buf.extend_from_slice(TRACE_HEADER.as_bytes());
        tracer.buf.push(b'\n');
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

    /// Writes what is buffered and flushes; returns the first write error,
    /// if any.
    pub(crate) fn finish(mut self) -> Option<io::ErrorKind> {
        self.write_out();
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e.kind());
        }
        self.error
    }

    fn write_out(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(&self.buf)
        {
            self.error = Some(e.kind());
        }
        self.buf.clear();
    }

    /// Ends the line: without trailing spaces, then a newline.
    fn end_line(&mut self) {
        while self.buf.last() == Some(&b' ') {
            self.buf.pop();
        }
        self.buf.push(b'\n');
        self.lines += 1;
        if self.buf.len() >= Self::FLUSH_AT {
            self.write_out();
        }
    }

    /// `cycle  pc  instruction` padded to where the effects start.
    fn start_line(&mut self, cycle: u64, pc: u32, insn: impl std::fmt::Display) {
        decimal(&mut self.buf, cycle, 10);
        self.buf.extend_from_slice(b"  ");
        hex(&mut self.buf, pc, 8);
        self.buf.extend_from_slice(b"  ");
        let before = self.buf.len();
        let _ = write!(self.buf, "{insn}");
        let width = self.buf.len() - before;
        let pad = 32usize.saturating_sub(width).max(1);
        self.buf.extend(std::iter::repeat_n(b' ', pad));
    }

    /// `0x` and `digits` hex digits.
    fn hex(&mut self, value: u32, digits: usize) {
        self.buf.extend_from_slice(b"0x");
        hex(&mut self.buf, value, digits);
    }
}

/// `value` in lowercase hex, `digits` wide (its low `4 * digits` bits).
fn hex(out: &mut Vec<u8>, value: u32, digits: usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for i in (0..digits).rev() {
        out.push(DIGITS[(value >> (4 * i) & 0xf) as usize]);
    }
}

/// `value` in decimal, right-aligned in `width`.
fn decimal(out: &mut Vec<u8>, mut value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    loop {
        digits[n] = b'0' + (value % 10) as u8;
        n += 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend(std::iter::repeat_n(b' ', width.saturating_sub(n)));
    out.extend(digits[..n].iter().rev());
}

/// The name of an ECALL number.
fn ecall_name(number: u32) -> &'static str {
    ecall::name(number).unwrap_or("ECALL")
}

impl Observer for Tracer<'_> {
    fn step(&mut self, s: &Step) {
        if !self.wants(s.cycle) {
            return;
        }
        self.start_line(s.cycle, s.pc, s.insn.at(s.pc));
        if s.rd != 0 {
            self.buf
                .extend_from_slice(REG_NAMES[usize::from(s.rd & 31)].as_bytes());
            self.buf.push(b'=');
            self.hex(s.rd_value, 8);
            self.buf.extend_from_slice(b"  ");
        }
        if let Some(m) = &s.mem {
            self.buf.extend_from_slice(b"mem[");
            self.hex(m.addr, 8);
            self.buf
                .extend_from_slice(if m.store { b"] <- " } else { b"] -> " });
            // The bytes accessed, as a number as wide as the access.
            let word = if m.store { m.word_after } else { m.word_before };
            let value = word >> (8 * (m.addr & 3));
            self.hex(value, 2 * usize::from(m.size.clamp(1, 4)));
        }
        self.end_line();
    }

    fn ecall(&mut self, e: &EcallStep<'_>) {
        if !self.wants(e.cycle) {
            return;
        }
        self.start_line(e.cycle, e.pc, "ecall");
        let [a0, a1, a2] = e.args;
        let _ = write!(
            self.buf,
            "{}(a0={a0:#010x}, a1={a1:#010x}, a2={a2:#010x}) -> ",
            ecall_name(e.number)
        );
        let _ = match e.exit {
            Some(Exit::Halted { code }) => write!(self.buf, "halted with exit code {code}"),
            Some(Exit::Panicked { .. }) => write!(self.buf, "panicked"),
            None => write!(
                self.buf,
                "a0={:#010x} a1={:#010x}",
                e.results[0], e.results[1]
            ),
        };
        let plural = if e.cost == 1 { "" } else { "s" };
        let _ = write!(self.buf, ", {} cycle{plural}", e.cost);
        self.end_line();
    }
}
